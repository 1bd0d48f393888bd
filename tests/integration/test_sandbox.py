# SPDX-License-Identifier: MIT
"""Isolation, limits and reporting of `coderunner run` (DESIGN.md §4).

Each test runs the static probe (tests/probes/probe.c, /probe in the test
rootfs) inside the sandbox and asserts on the JSON verdict and on what the
probe printed ("key=value" lines).
"""

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import (PROBE, cr_cgroups, SANDBOX_UID_BASE, SANDBOX_UID_COUNT, descendants, host_uid, own_cgroup_paths,
                      pids_with_marker, read_cmdline, read_status, wait_gone)

MIB = 1024 * 1024
SIGSYS = int(signal.SIGSYS)


def assert_no_marker_left(marker, grace=2.0):
    left = wait_gone(lambda: pids_with_marker(marker), timeout=grace)
    assert not left, "processes left on the host after the run: %s" % {
        p: read_cmdline(p) for p in left}


# ---------------------------------------------------------------- namespaces

def test_cannot_see_host_processes(cr, marker):
    # A host process carrying the marker: the probe must not see it.
    host = subprocess.Popen(["/bin/sh", "-c", "sleep 30; : " + marker])
    try:
        r = cr.probe("pids", marker.encode().hex()).expect("OK")
    finally:
        host.kill()
        host.wait()
    kv = r.kv()
    me = int(kv["self"])
    pids = {int(p) for p in kv["pids"].split(",")}
    assert me in pids
    assert pids <= {1, me}, "probe sees processes beyond its namespace: %s" % sorted(pids)
    assert kv["marker_seen"] == "0", "a host process is visible from the sandbox"


def test_hostname(cr):
    r = cr.probe("hostname").expect("OK")
    assert r.kv()["hostname"] == "sandbox"
    r = cr.run(["/bin/hostname"]).expect("OK")
    assert r.stdout == "sandbox\n"


def _host_ipv4():
    """A non-loopback IPv4 address of the host, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            ip = s.getsockname()[0]
            return None if ip.startswith("127.") else ip
    except OSError:
        return None


def test_slot_network_namespace_keeps_nothing_between_runs(sandbox_loop_bin, rootfs):
    """A process that runs many sandboxes (the daemon, sandbox-loop) gives
    each slot one network namespace that all its runs join. Each run must
    still find loopback only, up and beyond its reach, and nothing of the run
    before: it binds a port without SO_REUSEADDR that the run before left a
    closed connection on (TIME_WAIT would refuse the bind)."""
    argv = [sandbox_loop_bin, "--rootfs", rootfs, "--count", "4", "--", "/probe", "tcp-reuse", "4242"]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    res = json.loads(p.stdout.decode())
    assert (res["count"], res["failures"]) == (4, 0), res


NETNS = ["/bin/ls", "-l", "/proc/self/ns/net"]


def netns_of(text):
    m = re.search(r"net:\[(\d+)\]", text)
    assert m, "no network namespace in %r" % text
    return int(m.group(1))


def pinned_netns():
    """Inodes of the network namespaces CLI slots keep pinned."""
    d = "/run/coderunner/slots"
    return {os.stat(os.path.join(d, f)).st_ino for f in os.listdir(d) if f.endswith(".netns")}


def test_cli_slot_network_namespace_kept_between_runs(cr):
    """`coderunner run` runs one sandbox and exits; its slot's network
    namespace outlives it (a bind mount in /run/coderunner/slots), and the
    next run in the slot joins it: one namespace, not one per run, still not
    the host's, still loopback only and nothing of the run before (TIME_WAIT
    off: a port left with a connection closed server side binds again)."""
    first = netns_of(cr.run(NETNS).expect("OK").stdout)
    second = netns_of(cr.run(NETNS).expect("OK").stdout)
    assert first == second, "each run had a namespace of its own"
    assert first in pinned_netns()
    assert first != os.stat("/proc/self/ns/net").st_ino
    for _ in range(3):
        cr.probe("tcp-reuse", "4243").expect("OK")
    out = cr.probe("net").expect("OK").stdout
    assert re.findall(r"^if=(\S+)", out, re.M) == ["lo"], out
    assert re.search(r"^if=lo up=1 loopback=1$", out, re.M), "lo is not up:\n" + out


def test_cli_slot_network_namespace_replaced_after_a_killed_run(cr):
    """A run whose supervisor was killed may have left processes dying in the
    slot's namespace: the slot's next run must not join it, but get a new
    one, pinned in its place."""
    p = cr.start(["/bin/sh", "-c", "ls -l /proc/self/ns/net; exec sleep 60"], json_mode=False)
    line = p.stdout.readline().decode()
    killed = netns_of(line)
    assert killed in pinned_netns()
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    after = netns_of(cr.run(NETNS).expect("OK").stdout)
    assert after != killed
    assert killed not in pinned_netns(), "the killed run's namespace is still pinned"
    assert netns_of(cr.run(NETNS).expect("OK").stdout) == after


def test_slot_network_namespaces_not_held_by_the_sandbox(sandbox_loop_bin, rootfs):
    """The supervisor keeps fds of its own network namespace and of each
    slot's; none of them may reach the sandbox's processes (its init is a
    clone of the supervisor, not an exec)."""
    argv = [sandbox_loop_bin, "--rootfs", rootfs, "--count", "1", "--", "/probe", "sleep", "5"]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        kids = []
        while time.monotonic() < deadline and len(kids) < 2:  # init and the program
            time.sleep(0.2)
            kids = descendants(p.pid)
        assert len(kids) >= 2, "no sandbox under sandbox-loop"
        held = {}
        for pid in kids:
            for fd in os.listdir("/proc/%d/fd" % pid):
                try:
                    target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                except FileNotFoundError:
                    continue
                if target.startswith("net:["):
                    held.setdefault(pid, []).append(target)
        assert not held, "network namespace fds in the sandbox: %s" % held
    finally:
        try:
            p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()


def test_network_only_loopback(cr):
    listeners = []
    targets = []
    try:
        lo = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lo.bind(("127.0.0.1", 0))
        lo.listen(8)
        lo.setblocking(False)
        listeners.append(lo)
        targets += ["127.0.0.1", lo.getsockname()[1]]
        ip = _host_ipv4()
        if ip:
            ext = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            ext.bind((ip, 0))
            ext.listen(8)
            ext.setblocking(False)
            listeners.append(ext)
            targets += [ip, ext.getsockname()[1]]

        r = cr.probe("net", *targets).expect("OK")
        out = r.stdout
        ifaces = re.findall(r"^if=(\S+)", out, re.M)
        assert ifaces == ["lo"], "interfaces in /proc/net/dev: %s\n%s" % (ifaces, out)
        assert re.search(r"^if=lo up=1 loopback=1$", out, re.M), "lo is not up:\n" + out
        assert r.kv()["ifindex"] == "lo"
        results = re.findall(r"^connect (\S+)=(\S+)$", out, re.M)
        assert len(results) == len(targets) // 2, out
        for target, res in results:
            assert res != "CONNECTED", "reached host listener %s from the sandbox" % target
            assert res in ("ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "TIMEOUT",
                           "EACCES", "EPERM"), (target, res)
        for s in listeners:
            with pytest.raises(BlockingIOError):
                s.accept()
    finally:
        for s in listeners:
            s.close()


# ---------------------------------------------------------------- filesystem

@pytest.mark.parametrize("path", ["/etc/x", "/x", "/usr/x", "/bin/x", "/etc/passwd"])
def test_rootfs_read_only(cr, path):
    r = cr.probe("write", path).expect("OK")
    assert r.kv()["write " + path] == "EROFS"


@pytest.mark.parametrize("directory", ["/tmp", "/box"])
def test_tmpfs_writable_and_capped(cr, directory):
    cap = 8 * MIB
    r = cr.probe("fill", directory, tmpfs_size="8M").expect("OK")
    kv = r.kv()
    written = int(kv["written"])
    assert kv["errno"] == "ENOSPC", r.stdout
    # tmpfs counts data pages against size=: allow a little for metadata.
    assert cap - MIB <= written <= cap, "wrote %d bytes into a %d-byte %s" % (written, cap, directory)


def test_tmpfs_default_size(cr):
    cap = 64 * MIB
    kv = cr.probe("fill", "/tmp", "4").expect("OK").kv()
    assert kv["errno"] == "ENOSPC"
    assert cap - MIB <= int(kv["written"]) <= cap, kv


def test_workdir_file(cr, tmp_path):
    data = os.urandom(100000) + b"\0\xff\xfe"
    src = tmp_path / "input.bin"
    src.write_bytes(data)
    os.chmod(tmp_path, 0o755)
    want = hashlib.sha256(data).hexdigest()
    for path in ("/box/input.bin", "input.bin"):
        r = cr.probe("sha256", path, opts=["--workdir-file", "%s:input.bin" % src]).expect("OK")
        assert r.kv() == {"length": str(len(data)), "sha256": want}


def test_identity_and_cwd(cr):
    kv = cr.probe("info").expect("OK").kv()
    assert (kv["uid"], kv["gid"], kv["euid"], kv["egid"]) == ("1000",) * 4
    groups = set(kv["groups"].split(",")) - {""}
    assert groups <= {"1000"}, "supplementary groups: %s" % kv["groups"]
    assert kv["cwd"] == "/box"
    assert kv["hostname"] == "sandbox"


def test_program_starts_clean(cr):
    """init starts the program sharing its memory until the exec (CLONE_VM |
    CLONE_VFORK, run.c): the program must still start as a fork did, a
    process of its own under init, with no signal of the supervisor's
    ignored (SIGPIPE), caught or blocked (init blocks SIGCHLD)."""
    out = cr.probe("cat", "/proc/self/status").expect("OK").stdout
    st = dict(re.findall(r"^(\w+):\s*(\S+)", out, re.M))
    assert st["PPid"] == "1", out
    assert st["Pid"] not in ("0", "1"), out
    assert st["Tgid"] == st["Pid"], out
    for field in ("SigBlk", "SigIgn", "SigCgt", "SigPnd"):
        assert int(st[field], 16) == 0, "%s: %s" % (field, st[field])


def test_dev_is_minimal(cr):
    out = cr.probe("devs").expect("OK").stdout
    devs = {m[0]: (m[1], m[2]) for m in re.findall(r"^dev=(\S+) type=(\S+) rdev=(\S+)$", out, re.M)}
    for name, rdev in (("null", "1:3"), ("zero", "1:5"), ("full", "1:7"),
                       ("random", "1:8"), ("urandom", "1:9")):
        assert devs.get(name) == ("chr", rdev), "/dev/%s: %s" % (name, devs.get(name))
    assert devs.get("shm", ("?",))[0] == "dir"
    allowed_chr = {"1:3", "1:5", "1:7", "1:8", "1:9", "5:0", "5:2"}  # + tty, ptmx
    for name, (typ, rdev) in devs.items():
        assert typ != "blk", "block device /dev/%s in the sandbox" % name
        if typ == "chr":
            assert rdev in allowed_chr, "unexpected device /dev/%s (%s)" % (name, rdev)
    kv = cr.probe("devcheck").expect("OK").kv()
    assert kv == {"write /dev/null": "OK", "read /dev/zero": "OK", "write /dev/full": "ENOSPC",
                  "read /dev/urandom": "OK", "read /dev/random": "OK", "write /dev/shm": "OK"}


def test_proc_present_sys_absent(cr):
    kv = cr.probe("stat", "/sys", "/proc/self", "/proc/1").expect("OK").kv()
    assert kv["stat /sys"] == "ENOENT"
    assert kv["stat /proc/self"] == "0"
    assert kv["stat /proc/1"] == "0"


# ---------------------------------------------------------------- privileges

def test_host_uid_unprivileged_and_cgroup_leaf(cr, marker):
    p = cr.start([PROBE, "sleep", "2", marker])
    found = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and p.poll() is None:
        for pid in pids_with_marker(marker):
            argv = read_cmdline(pid)
            if argv and argv[:2] == [PROBE, "sleep"]:
                found = pid
                break
        if found:
            break
        time.sleep(0.02)
    assert found, "sandboxed probe never seen on the host"
    uids = host_uid(found)
    st = read_status(found)
    with open("/proc/%d/cgroup" % found) as f:
        cgroups = f.read()
    r = cr.finish(p).expect("OK")
    assert r.kv()["uid"] == "1000"
    for u in uids:
        assert SANDBOX_UID_BASE <= u < SANDBOX_UID_BASE + SANDBOX_UID_COUNT, \
            "host uid of the sandboxed process: %s" % st["Uid"]
    assert all(int(g) != 0 for g in st["Gid"].split()), "host gid 0: %s" % st["Gid"]
    # cgroup leaves: cr-* directly beneath the runner's own cgroup (the runner
    # inherits ours) in each hierarchy the sandbox uses, named after the
    # supervisor (cr-<pidns>-<pid>-<start>-<slot>-<n>: test_leaks.py and the
    # sweep of dead supervisors' leaves rely on it).
    mine = own_cgroup_paths()
    theirs = {}
    for line in cgroups.splitlines():
        _h, ctrls, path = line.split(":", 2)
        for c in (ctrls.split(",") if ctrls else [""]):
            theirs[c] = path
    # memory, pids and cpuacct are always used; cpu (throttling) and freezer
    # may be, and then the same rule holds.
    for c in ("memory", "pids", "cpuacct", "cpu", "freezer"):
        if c not in mine:
            continue
        if c in ("cpu", "freezer") and theirs.get(c) == mine[c]:
            continue
        parent = mine[c].rstrip("/")
        assert re.fullmatch(re.escape(parent) + r"/cr-\d+-%d-\d+-\d+-\d+(/.*)?" % p.pid, theirs.get(c, "")), \
            "%s cgroup of the sandboxed process is %r, ours %r" % (c, theirs.get(c), mine[c])


def test_capabilities_dropped_and_seccomp_on(cr):
    kv = cr.probe("status").expect("OK").kv()
    for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(kv[k], 16) == 0, "%s=%s" % (k, kv[k])
    assert kv["NoNewPrivs"] == "1"
    assert kv["Seccomp"] == "2"


ERRNO_SYSCALLS = ["mount", "unshare", "ptrace", "keyctl", "bpf"]
KILLED_SYSCALLS = ["kexec_load", "kexec_file_load", "init_module", "finit_module",
                   "delete_module", "reboot"]


@pytest.mark.parametrize("name", ERRNO_SYSCALLS)
def test_syscall_denied_with_eperm(cr, name):
    r = cr.probe("syscall", name).expect("OK")
    assert r.kv()[name].split()[0] == "EPERM", r.stdout


@pytest.mark.parametrize("name", KILLED_SYSCALLS)
def test_syscall_kills(cr, name):
    r = cr.probe("syscall", name).expect("SECCOMP_VIOLATION", signal=SIGSYS, exit_code=-1)
    assert "calling %s" % name in r.stdout
    # the supervisor names the call (a seccomp notification, where the kernel has them)
    assert r["seccomp_syscall"]["name"] == name, r.describe()
    assert name + "=" not in r.stdout, "%s returned instead of killing:\n%s" % (name, r.stdout)


def test_clone3_enosys(cr):
    # DESIGN §4.5: new syscalls that are denied answer ENOSYS so libcs fall back.
    r = cr.probe("syscall", "clone3", "getpid").expect("OK")
    assert r.kv()["clone3"].split()[0] == "ENOSYS", r.stdout


# ------------------------------------------------------------------- limits

@pytest.mark.parametrize("pids_limit", [16, None])
def test_fork_bomb_bounded(cr, marker, pids_limit):
    limits = {"wall_limit": 5, "time_limit": 3}
    if pids_limit:
        limits["pids_limit"] = pids_limit
    r = cr.probe("forkbomb", 4096, marker, **limits)
    assert r.rc == 0, r.describe()
    assert r.elapsed < 15, r.describe()
    kv = r.kv()
    if r.status == "OK":
        assert kv.get("fork_errno") == "EAGAIN", r.describe()
        assert int(kv["total"]) < (pids_limit or 64), r.describe()
    assert_no_marker_left(marker)


def test_memory_limit(cr):
    r = cr.probe("memhog", 256, memory_limit="32M").expect("MEMORY_LIMIT")
    assert r.get("limit", "memory") == "memory"
    assert 16 * MIB <= r["memory_peak_bytes"] <= 40 * MIB, r.describe()


def test_memory_within_limit(cr):
    r = cr.probe("memhog", 16, memory_limit="64M").expect("OK")
    assert r["memory_peak_bytes"] >= 16 * MIB, r.describe()


def test_memory_default_limit(cr):
    cr.probe("memhog", 128).expect("OK")
    cr.probe("memhog", 400).expect("MEMORY_LIMIT")


# The CPU-time tests give the wall clock ample room, so a loaded host (where
# a spinner gets a fraction of a core) still ends them by CPU time.

def test_cpu_time_limit(cr):
    r = cr.probe("spin", time_limit=1, wall_limit=30).expect("TIME_LIMIT")
    assert r["limit"] == "cpu", "ended by the wall limit, not by CPU time:\n" + r.describe()
    assert 900 <= r["cpu_ms"] <= 1600, r.describe()


def test_cpu_time_counts_whole_tree(cr, marker):
    r = cr.run(["/bin/sh", "-c", "%s spin %s & %s spin %s" % (PROBE, marker, PROBE, marker)],
               time_limit=1, wall_limit=30).expect("TIME_LIMIT")
    assert r["limit"] == "cpu", r.describe()
    assert r["cpu_ms"] >= 900, r.describe()
    assert_no_marker_left(marker)


def test_wall_time_limit(cr):
    r = cr.probe("sleep", 30, time_limit=5, wall_limit=1).expect("TIME_LIMIT")
    assert r.get("limit", "wall") == "wall"
    assert r["cpu_ms"] < 200, r.describe()
    assert 900 <= r["wall_ms"] <= 2500, r.describe()
    assert r.elapsed < 5, r.describe()


@pytest.mark.parametrize("mode", ["closed", "keepfds"])
def test_daemonised_grandchildren_killed(cr, marker, mode):
    args = ["daemon", marker] + (["keepfds"] if mode == "keepfds" else [])
    r = cr.probe(*args, wall_limit=5, time_limit=2)
    # The run is over when the program exits: the daemon is killed, the
    # supervisor does not wait for it (nor for EOF on a pipe it holds).
    r.expect("OK", exit_code=0)
    assert r.elapsed < 4.5, r.describe()
    assert r.kv()["daemon_pid"].isdigit()
    assert_no_marker_left(marker)


@pytest.mark.parametrize("fd,stream", [(1, "stdout"), (2, "stderr")])
def test_output_limit(cr, fd, stream):
    other = "stderr" if stream == "stdout" else "stdout"
    r = cr.probe("flood", fd, output_limit=65536, wall_limit=10).expect("OUTPUT_LIMIT")
    assert r.get("limit", "output") == "output"
    assert r[stream + "_truncated"] is True
    assert r[other + "_truncated"] is False
    assert len(r[stream]) == 65536
    assert r[stream] == "x" * 65536


@pytest.mark.parametrize("size,truncated", [(65536, False), (65537, True)])
def test_output_limit_boundary(cr, size, truncated):
    r = cr.probe("flood", 1, size, output_limit=65536)
    r.expect("OUTPUT_LIMIT" if truncated else "OK")
    assert r["stdout_truncated"] is truncated
    assert len(r.stdout) == 65536


# ------------------------------------------------------------------ stdio

def test_stdin_binary_safe(cr, tmp_path):
    data = bytearray(os.urandom(MIB))
    # make sure NULs and invalid UTF-8 are in there
    data[0:8] = b"\0\0\xff\xfe\xc0\x80\xed\xa0"
    data[-4:] = b"\0\x80\0\xff"
    src = tmp_path / "stdin.bin"
    src.write_bytes(bytes(data))
    r = cr.probe("sha256", opts=["--stdin", str(src)]).expect("OK")
    assert r.kv() == {"length": str(len(data)), "sha256": hashlib.sha256(data).hexdigest()}


def test_stdin_empty(cr, tmp_path):
    src = tmp_path / "empty"
    src.write_bytes(b"")
    r = cr.probe("sha256", opts=["--stdin", str(src)]).expect("OK")
    assert r.kv()["length"] == "0"
    # no --stdin: the program reads EOF and does not hang
    r = cr.probe("sha256", wall_limit=5).expect("OK")
    assert r.kv()["length"] == "0"


def test_binary_output_replaced(cr):
    r = cr.probe("binout").expect("OK")
    assert r.stdout == bytes(range(256)).decode("utf-8", "replace")
    assert r.stdout.count("\ufffd") == 128


def test_result_fields(cr):
    r = cr.run(["/bin/true"]).expect("OK")
    for k in ("exit_code", "signal"):
        assert type(r[k]) is int, (k, r[k])
    for k in ("wall_ms", "cpu_ms", "memory_peak_bytes"):
        assert type(r[k]) in (int, float) and r[k] >= 0, (k, r[k])
    for k in ("stdout", "stderr"):
        assert r[k] == ""
    for k in ("stdout_truncated", "stderr_truncated"):
        assert r[k] is False
    assert r["exit_code"] == 0 and r["signal"] == 0


@pytest.mark.parametrize("code", [0, 1, 42, 255])
def test_exit_codes(cr, code):
    r = cr.probe("exit", code)
    r.expect("OK" if code == 0 else "RUNTIME_ERROR", exit_code=code, signal=0)
    r = cr.probe("exit", code, json_mode=False)
    assert r.rc == code, r.describe()


@pytest.mark.parametrize("name", ["SEGV", "ABRT", "KILL"])
def test_signals(cr, name):
    signo = int(getattr(signal, "SIG" + name))
    r = cr.probe("signal", name)
    r.expect("RUNTIME_ERROR", signal=signo, exit_code=-1)
    r = cr.probe("signal", name, json_mode=False)
    assert r.rc == 128 + signo, r.describe()


def test_passthrough_mode(cr):
    r = cr.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], json_mode=False)
    assert (r.rc, r.raw_stdout, r.raw_stderr) == (3, b"out\n", b"err\n"), r.describe()
    r = cr.run(["/bin/echo", "hello"], json_mode=False)
    assert (r.rc, r.raw_stdout) == (0, b"hello\n"), r.describe()


@pytest.mark.parametrize("env", [
    [],
    ["PATH=/bin"],
    ["PATH=/bin", "FOO=bar", "SPACED=a b=c", "EMPTY=", "UNICODE=\u00e9\u4e2d"],
])
def test_environment_is_exactly_env(cr, env):
    r = cr.probe("env", env=env).expect("OK")
    got = r.stdout.splitlines()
    assert sorted(got) == sorted(env), "environment inside the sandbox:\n" + r.stdout


# --------------------------------------------------------------- bad input

BAD_INPUT = {
    "missing-rootfs": dict(rootfs="/nonexistent/rootfs"),
    "memory-syntax": dict(memory_limit="12Q"),
    "memory-zero": dict(memory_limit="0"),
    "time-zero": dict(time_limit="0"),
    "time-syntax": dict(time_limit="abc"),
    "wall-zero": dict(wall_limit="0"),
    "pids-zero": dict(pids_limit="0"),
    "pids-negative": dict(pids_limit="-1"),
    "output-zero": dict(output_limit="0"),
    "tmpfs-zero": dict(tmpfs_size="0"),
    "unknown-option": dict(opts=["--bogus-option"]),
    "bad-controller": dict(opts=["--allow-missing-controller", "bogus"]),
    "workdir-no-colon": dict(opts=["--workdir-file", "nocolon"]),
    "workdir-missing-src": dict(opts=["--workdir-file", "/nonexistent/src:dest"]),
    "stdin-missing": dict(opts=["--stdin", "/nonexistent/stdin"]),
    "seccomp-profile-missing": dict(opts=["--seccomp-profile", "/nonexistent/profile"]),
    "program-not-found": dict(program=["/nonexistent-program"]),
}


@pytest.mark.parametrize("json_mode", [False, True], ids=["plain", "json"])
@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input(cr, case, json_mode):
    kw = dict(BAD_INPUT[case])
    program = kw.pop("program", ["/bin/true"])
    r = cr.run(program, json_mode=json_mode, timeout=20, **kw)
    assert r.rc == 2, r.describe()
    lines = r.raw_stderr.decode("utf-8", "replace").strip().splitlines()
    assert len(lines) == 1 and lines[0].strip(), "want one error line:\n" + r.describe()
    assert r.raw_stdout == b"", r.describe()


def test_setup_failure_before_attach_reported(cr, tmp_path):
    """The child mounts while the supervisor makes its cgroup leaf (v1,
    run.c): a mount that fails then, before "attached" is sent, must still
    be reported as the child's own error, not as the leaf or the start
    signal failing, and leave no leaf behind. Several rounds: the child's
    exit races the supervisor's send."""
    root = tmp_path / "rootfs"
    shutil.copytree(cr.rootfs, root, symlinks=True)
    os.rmdir(root / "proc")
    for _ in range(5):
        r = cr.run(["/bin/true"], json_mode=False, timeout=20, rootfs=str(root))
        err = r.raw_stderr.decode("utf-8", "replace")
        assert r.rc == 2 and "'proc'" in err, r.describe()
        p = cr._procs[-1].pid
        left = [c for c in cr_cgroups() if "-%d-" % p in os.path.basename(c)]
        assert not left, "leaves left behind: %s" % left


def test_cgroup_namespace_rooted_at_leaf(cr):
    """The child unshares its cgroup namespace only once it is in its leaf
    (after the supervisor's ATTACHED): the program sees its own cgroup as
    the root in every hierarchy."""
    out = cr.probe("cat", "/proc/self/cgroup").expect("OK").stdout
    lines = out.strip().splitlines()
    assert lines, out
    for line in lines:
        assert line.split(":", 2)[2] == "/", out


def test_missing_program_after_separator(cr):
    argv = cr.argv([], json_mode=False)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert len(p.stderr.decode("utf-8", "replace").strip().splitlines()) == 1, p.stderr


def test_allow_missing_controller_accepted(cr):
    for c in ("memory", "pids", "cpu"):
        cr.run(["/bin/true"], opts=["--allow-missing-controller", c]).expect("OK")
