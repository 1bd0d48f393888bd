# SPDX-License-Identifier: MIT
"""Regression tests for the breaks and leaks an outside attack suite found
(issue 9; docs/SECURITY.md, "Findings of the outside attack suite"). Each
test failed on the code before its fix."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

from conftest import (PROBE, SANDBOX_UID_BASE, SANDBOX_UID_COUNT, cr_cgroups, host_uid,
                      pids_with_marker, read_cmdline, wait_gone)


def sandboxed_with_marker(marker):
    """Live processes that run as a sandbox uid and carry marker in argv."""
    out = []
    for pid in pids_with_marker(marker):
        uids = host_uid(pid)
        if uids and SANDBOX_UID_BASE <= uids[0] < SANDBOX_UID_BASE + SANDBOX_UID_COUNT:
            out.append(pid)
    return out


def leaves_of(pid):
    """cgroup leaves whose name says the supervisor with this pid made them."""
    pattern = re.compile(r"/cr-(\d+-)?%d-[0-9-]+$" % pid)
    return {c for c in cr_cgroups() if pattern.search(c)}


# --------------------------------------- break 1: the supervisor's death

def test_sandbox_dies_with_a_killed_cli(cr, marker):
    """SIGKILL `coderunner run` while the program and two daemonised
    grandchildren (one keeping the output pipes) run: everything in the
    sandbox is gone within a second; the next supervisor removes the cgroup
    leaves the killed one could not."""
    # Nothing writes once the last process is there: a write to the dead
    # supervisor's pipe would end the program by SIGPIPE, which is not what
    # is tested here.
    script = ("{p} daemon {m}; {p} daemon {m} keepfds; exec {p} sleep 1000 {m} >/dev/null"
              .format(p=PROBE, m=marker))
    wanted = sorted([[PROBE, "daemon", marker], [PROBE, "daemon", marker, "keepfds"],
                     [PROBE, "sleep", "1000", marker]])
    p = cr.start(["/bin/sh", "-c", script], wall_limit=300, time_limit=300)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert p.poll() is None, cr.finish(p).describe()
        running = [read_cmdline(q) for q in sandboxed_with_marker(marker)]
        if all(w in running for w in wanted):
            break
        time.sleep(0.02)
    assert all(w in running for w in wanted), "the sandbox never started its processes: %s" % running
    leaves = leaves_of(p.pid)
    assert leaves, "no cgroup leaf named after the supervisor %d" % p.pid

    os.kill(p.pid, signal.SIGKILL)
    left = wait_gone(lambda: sandboxed_with_marker(marker), timeout=1.0)
    assert not left, "sandboxed processes outlived their supervisor by 1 s: %s" % {
        q: read_cmdline(q) for q in left}
    p.wait()

    cr.run(["/bin/true"]).expect("OK")  # a supervisor starts again
    assert not {c for c in leaves if os.path.isdir(c)}, "leaves of the killed supervisor remain"


# --------------------------------------- break 2: signals across the boundary

# The sentinel is a root process on the host that leads the session and the
# process group `coderunner run` runs in; it records every signal it gets.
SENTINEL = r"""
import json, os, signal, subprocess, sys
got = []
for s in (signal.SIGCONT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGTERM):
    signal.signal(s, lambda n, f: got.append(n))
argv = [a.replace("@PGID@", str(os.getpgrp())) for a in sys.argv[1:]]
p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
print(json.dumps({"got": got, "rc": p.returncode, "stdout": p.stdout.decode(),
                  "stderr": p.stderr.decode(), "pgid": os.getpgrp()}))
"""


def test_no_signal_leaves_the_sandbox(cr):
    argv = cr.argv([PROBE, "signals", "@PGID@"])
    out = subprocess.run([sys.executable, "-c", SENTINEL] + argv, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, timeout=60)
    assert out.returncode == 0, out
    res = json.loads(out.stdout)
    assert res["rc"] == 0, res
    run = json.loads(res["stdout"])
    assert run["status"] == "OK", res
    assert res["got"] == [], "the host-side sentinel received signals %s from the sandbox:\n%s" % (
        res["got"], run["stdout"])
    kv = dict(line.split("=", 1) for line in run["stdout"].splitlines())
    # its own session and process group, led by the sandbox's pid 1
    assert kv["sid"] == "1" and kv["pgrp"] == "1", run["stdout"]
    assert kv["kill(-%d,CONT)" % res["pgid"]] == "ESRCH", run["stdout"]


# ------------------------------------------------- side channels (seccomp)

def test_inotify_on_the_shared_image_refused(cr, rootfs):
    """The image is one tree shared by every job: a watch on one of its files
    would see other jobs' (here: the host's) reads of it."""
    stop = threading.Event()

    def read_image_file():
        while not stop.is_set():
            with open(os.path.join(rootfs, "bin", "busybox"), "rb") as f:
                f.read(1)
            time.sleep(0.02)

    reader = threading.Thread(target=read_image_file)
    reader.start()
    try:
        r = cr.probe("inotify", "/bin/busybox", 2, wall_limit=10).expect("OK")
    finally:
        stop.set()
        reader.join()
    kv = r.kv()
    assert kv["inotify"] == "EPERM", r.describe()
    assert "events" not in kv, r.describe()


def test_netlink_route_only(cr):
    # 0 ROUTE, 4 SOCK_DIAG, 9 AUDIT, 12 NETFILTER, 15 KOBJECT_UEVENT,
    # 16 GENERIC, 31 (unregistered: would make the host load a module)
    r = cr.probe("netlink", 0, 4, 9, 12, 15, 16, 31).expect("OK")
    kv = r.kv()
    assert kv["netlink_0"] == "0", r.describe()
    for proto in (4, 9, 12, 15, 16, 31):
        assert kv["netlink_%d" % proto] == "EPERM", r.describe()


# ------------------------------------------------ leak 1: the host's command line

def test_job_sees_nothing_of_the_supervisor(cr, tmp_path, marker, monkeypatch):
    """The sandbox's init was a fork of `coderunner run` that never exec'd:
    /proc/1/cmdline showed the CLI's command line. A secret in the CLI's
    arguments (a host path) and in its environment must appear in no file
    the program can read under /proc."""
    secret = "crsecret%s" % marker.replace("-", "")
    src = tmp_path / (secret + ".txt")
    src.write_text("input\n")
    monkeypatch.setenv("CR_HOST_SECRET", secret)
    r = cr.probe("procscan", secret.encode().hex(), opts=["--workdir-file", "%s:input.txt" % src])
    r.expect("OK")
    kv = r.kv()
    hits = [line for line in r.stdout.splitlines() if line.startswith("hit=")]
    assert not hits, "the host's secret is readable inside:\n" + r.stdout
    assert int(kv["scanned"]) >= 40, r.stdout  # it did read /proc
    assert kv["cmdline1"].strip() == "cr-init", r.stdout
    assert kv["environ1"] == "EACCES", r.stdout


# ------------------------------------------------ leak 2: mountinfo (documented)

def test_mountinfo_shows_no_host_path_but_the_image(cr, rootfs, tmp_path):
    """Documented, not hidden (docs/SECURITY.md): the root mount shows the
    image's directory on the host, as every bind mount of a subdirectory
    does. Nothing else of the host's file system layout may show: every
    other mount is a fresh file system ("/") or a file of /dev or /proc."""
    src = tmp_path / "input.txt"
    src.write_text("x\n")
    r = cr.probe("cat", "/proc/self/mountinfo", opts=["--workdir-file", "%s:input.txt" % src]).expect("OK")
    image = os.path.realpath(rootfs)
    allowed = {"/", image} | {"/" + d for d in ("null", "zero", "full", "random", "urandom")} \
        | {"/" + d for d in ("sys", "irq", "bus", "fs")}
    roots = [line.split()[3] for line in r.stdout.splitlines()]
    assert image in roots, r.stdout
    assert set(roots) <= allowed, "host paths in mountinfo: %s" % (set(roots) - allowed)
    assert str(tmp_path) not in r.stdout


# ------------------------------------------------ leak 3: oom_score_adj

def test_oom_score_adj_takes_effect(cr):
    """Under memory pressure the host kills sandboxes first: 1000, and the
    program inherits it (the child's own write failed after the uid switch)."""
    r = cr.run(["/bin/cat", "/proc/self/oom_score_adj"]).expect("OK")
    assert r.stdout.strip() == "1000", r.describe()


def test_supervisor_without_cap_sys_ptrace_names_the_call(cr, monkeypatch):
    # The systemd unit's bounding set has no CAP_SYS_PTRACE, so the supervisor
    # could not take init's seccomp listener with pidfd_getfd (a process of
    # another uid). init's helper sends it instead (SCM_RIGHTS,
    # src/sandbox/listener.c), which needs no capability: the call is named.
    argv = cr.argv
    monkeypatch.setattr(cr, "argv", lambda program, **kw:
                        ["setpriv", "--bounding-set=-sys_ptrace", "--"] + argv(program, **kw))
    cr.probe("syscall", "getpid").expect("OK")
    r = cr.probe("syscall", "reboot").expect("SECCOMP_VIOLATION", signal=signal.SIGSYS, exit_code=-1)
    assert "reboot=" not in r.stdout, r.stdout
    assert r["seccomp_syscall"]["name"] == "reboot" and r["seccomp_syscall"]["nr"] > 0, r.describe()


def test_listener_helper_is_gone_before_the_program_starts(cr):
    """init's helper (listener.c) shares init's descriptor table and memory
    and is not under the filter: it must be reaped before the program runs.
    The program (ls, exec'd by init's fork) sees only itself and init."""
    r = cr.run(["/bin/ls", "/proc"]).expect("OK")
    pids = sorted(int(e) for e in r.stdout.split() if e.isdigit())
    assert len(pids) == 2 and pids[0] == 1, r.stdout


# ------------------------------------------- the supervisor's fds in init

def test_init_holds_none_of_the_supervisors_fds(cr, marker, tmp_path):
    """The sandbox's init is a fork of the supervisor: what the supervisor
    had open (cgroup and image dirs, the workdir, bind sources) must not live
    on in it. Beyond stdio it keeps its sync socket and its signalfd."""
    src = tmp_path / "input.txt"
    src.write_text("x\n")
    p = cr.start(["/bin/sh", "-c", "exec %s sleep 1000 %s" % (PROBE, marker)], wall_limit=60, time_limit=60,
                 opts=["--workdir-file", "%s:input.txt" % src])
    try:
        # Until the program runs: init's own argv carries the marker too
        # (the CLI's) from its uid switch until its process title is
        # scrubbed, in the middle of set-up, when it still holds everything.
        deadline = time.monotonic() + 20
        while not _program_of_init(p.pid, marker) and time.monotonic() < deadline:
            assert p.poll() is None, cr.finish(p).describe()
            time.sleep(0.02)
        inits = [int(q) for q in os.listdir("/proc") if q.isdigit() and _ppid(int(q)) == p.pid]
        assert len(inits) == 1, inits
        assert _program_of_init(p.pid, marker), "the program did not start"
        held = {}
        for fd in os.listdir("/proc/%d/fd" % inits[0]):
            if int(fd) > 2:
                held[int(fd)] = os.readlink("/proc/%d/fd/%s" % (inits[0], fd))
        kinds = sorted(t if t.startswith("anon_inode:") else t.split(":")[0] for t in held.values())
        assert kinds == ["anon_inode:[signalfd]", "socket"], held
    finally:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()


def _program_of_init(cli, marker):
    """The sandboxed program: it carries the marker, and its parent is the
    CLI's child (init)."""
    return [q for q in sandboxed_with_marker(marker) if _ppid(_ppid(q) or 0) == cli]


def _ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
