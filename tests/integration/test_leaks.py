# SPDX-License-Identifier: MIT
"""Nothing outlives a sandbox: cgroups, mounts, processes, file descriptors.

Runs 500 sandboxes from one process (tests/sandbox-loop) plus a few dozen CLI
runs that end in different verdicts, and compares host state before/after.
Other CodeRunner instances on the same host may create cr-* cgroups and
sandbox-uid processes concurrently, so only state that appeared during the
test, belongs to the processes this test started (a sandbox cgroup is named
after the supervisor that created it: cr-<pid namespace>-<pid>-<start time>-
<slot>-<n>), *and* is still there after a short grace period counts as a
leak.
"""

import json
import os
import re
import subprocess

from conftest import PROBE, cgroup_procs, cr_cgroups, mount_changes, mountinfo, sandbox_uid_pids, wait_gone

LOOP_COUNT = 500
GRACE = 3.0


class Snapshot:
    def __init__(self):
        self.cgroups = cr_cgroups()
        self.mounts_self = mountinfo("self")
        self.mounts_init = mountinfo("1")
        self.uid_pids = set(sandbox_uid_pids())


def creator(cgroup_path):
    """The pid that created a sandbox cgroup (cr-<pidns>-<pid>-<start>-<slot>-<n>)."""
    m = re.match(r"cr-\d+-(\d+)-\d+-\d+-\d+$", os.path.basename(cgroup_path))
    return int(m.group(1)) if m else None


def sandbox_cgroup_creators(pid):
    """Creators of the cr-* cgroups a process is in (empty: in none; -1 for a
    name of another format, which another instance made)."""
    try:
        with open("/proc/%d/cgroup" % pid) as f:
            paths = [line.rstrip("\n").split(":", 2)[2] for line in f]
    except OSError:
        return set()
    return {creator(c) if creator(c) is not None else -1
            for p in paths for c in p.split("/") if c.startswith("cr-")}


def ours(pid, creators):
    """A sandbox-uid process counts unless it lives in another instance's sandbox."""
    found = sandbox_cgroup_creators(pid)
    return not found or bool(found & creators)


def assert_no_leaks(before, creators):
    new_cgroups = wait_gone(lambda: {c for c in cr_cgroups() - before.cgroups
                                     if os.path.isdir(c) and creator(c) in creators}, timeout=GRACE)
    assert not new_cgroups, "cgroup directories left behind: %s" % {
        c: cgroup_procs(c) for c in sorted(new_cgroups)}

    new_procs = wait_gone(lambda: {p: a for p, a in sandbox_uid_pids().items()
                                   if p not in before.uid_pids and ours(p, creators)}, timeout=GRACE)
    assert not new_procs, "processes with a sandbox uid left behind: %s" % new_procs

    for name, old, new in (("/proc/self/mountinfo", before.mounts_self, mountinfo("self")),
                           ("/proc/1/mountinfo", before.mounts_init, mountinfo("1"))):
        added, removed = mount_changes(old, new)
        assert not added and not removed, "%s changed:\n+ %s\n- %s" % (
            name, "\n+ ".join(added), "\n- ".join(removed))


def test_sandbox_loop_no_leaks(sandbox_loop_bin, rootfs):
    before = Snapshot()
    # sandbox-loop always prints one JSON object (no --json option needed)
    argv = [sandbox_loop_bin, "--rootfs", rootfs, "--count", str(LOOP_COUNT), "--", "/bin/true"]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("sandbox-loop did not finish in 240s; stderr: %r" % err[-2000:])
    assert p.returncode == 0, (p.returncode, out[-2000:], err[-2000:])
    res = json.loads(out.decode())
    assert res["count"] == LOOP_COUNT, res
    assert res["failures"] == 0, res
    assert res["fds_after"] == res["fds_before"], "fd leak: %s" % res
    assert 0 < res["median_us"] <= res["p95_us"], res
    assert_no_leaks(before, {p.pid})


def test_cli_runs_no_leaks(cr, marker):
    before = Snapshot()
    runs = (
        [((["/bin/true"],), {}, "OK")] * 20
        + [(([PROBE, "exit", "42"],), {}, "RUNTIME_ERROR")] * 4
        + [(([PROBE, "signal", "SEGV"],), {}, "RUNTIME_ERROR")] * 2
        + [(([PROBE, "memhog", "256"],), {"memory_limit": "32M"}, "MEMORY_LIMIT")] * 3
        + [(([PROBE, "flood", "1"],), {"output_limit": "4096"}, "OUTPUT_LIMIT")] * 3
        + [(([PROBE, "sleep", "30", marker],), {"wall_limit": "1"}, "TIME_LIMIT")] * 2
        + [(([PROBE, "daemon", marker],), {}, "OK")] * 2
        + [(([PROBE, "syscall", "kexec_load"],), {}, None)] * 2
        + [(([PROBE, "forkbomb", "4096", marker],), {"pids_limit": "8", "wall_limit": "3"}, None)] * 2
    )
    for args, kw, status in runs:
        r = cr.run(*args, **kw)
        assert r.rc == 0, r.describe()
        if status:
            assert r.status == status, r.describe()
    assert_no_leaks(before, cr.started_pids())


def test_bad_input_no_leaks(cr):
    before = Snapshot()
    for _ in range(10):
        r = cr.run(["/nonexistent-program"], json_mode=False)
        assert r.rc == 2, r.describe()
        r = cr.run(["/bin/true"], json_mode=False, memory_limit="12Q")
        assert r.rc == 2, r.describe()
    assert_no_leaks(before, cr.started_pids())
