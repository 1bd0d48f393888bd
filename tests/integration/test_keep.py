# SPDX-License-Identifier: MIT
"""What a slot keeps between runs (sandbox/keep.c).

A process that runs many sandboxes one after the other (the executor's
workers, tests/sandbox-loop) leaves each run's teardown (its cgroup leaf
removed, its mount namespace dropped) to the slot's next run, and makes the
following run's leaf while a program runs. These tests try to carry
something from one run into the next through what is kept: limits, memory
charged to the old leaf (a full tmpfs), files, fds, and check that what is
kept stays bounded and is gone after the process releases it.
"""

import json
import os
import re
import subprocess
import time

from conftest import cr_cgroups, descendants

LEAF = re.compile(r"cr-\d+-(\d+)-\d+-(\d+)-\d+$")


def loop(sandbox_loop_bin, rootfs, count, *programs, limits=None):
    argv = [sandbox_loop_bin, "--rootfs", rootfs, "--count", str(count), "--runs"]
    if limits:
        argv += ["--memory-limits", ",".join(limits)]
    argv.append("--")
    for i, prog in enumerate(programs):
        argv += ([":::"] if i else []) + list(prog)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    res = json.loads(p.stdout.decode())
    assert res["count"] == count and len(res["runs"]) == count, res
    assert res["fds_after"] == res["fds_before"], "fd leak: %s" % res
    return res["runs"]


def test_each_run_gets_its_own_limits(sandbox_loop_bin, rootfs):
    """Runs 3 on take a leaf made during the run before, with no limits yet;
    each must get its own: a 48 MiB program passes under 256M and is
    stopped under 32M, in turn, whatever the run before it had."""
    runs = loop(sandbox_loop_bin, rootfs, 8, ["/probe", "memhog", "48"], limits=["256M", "32M"])
    verdicts = [r["verdict"] for r in runs]
    assert verdicts == ["OK", "MEMORY_LIMIT"] * 4, verdicts
    for r in runs[1::2]:
        assert r["memory_peak_bytes"] <= 32 << 20, runs


def test_nothing_charged_or_left_by_the_run_before(sandbox_loop_bin, rootfs):
    """A run fills its /tmp (64 MiB of tmpfs, charged to its leaf); its
    mount namespace outlives it, held by the supervisor until the next
    run's program starts. The next run must find an empty /tmp and a
    memory peak of its own, not the 64 MiB."""
    runs = loop(sandbox_loop_bin, rootfs, 6, ["/probe", "fill", "/tmp", "8"], ["/bin/ls", "-A", "/tmp"])
    for filled, listed in zip(runs[0::2], runs[1::2]):
        assert filled["verdict"] == "OK" and filled["memory_peak_bytes"] >= 48 << 20, runs
        assert listed["verdict"] == "OK" and listed["stdout_len"] == 0, runs
        assert listed["memory_peak_bytes"] < 16 << 20, runs


def own_leaves(pid):
    """Names of the cr-* leaves made by pid, per v1/v2 hierarchy path."""
    return sorted(c for c in cr_cgroups() if (m := LEAF.search(os.path.basename(c))) and int(m.group(1)) == pid)


def sandbox_fds(pids):
    held = {}
    for pid in pids:
        try:
            names = os.listdir("/proc/%d/fd" % pid)
        except FileNotFoundError:
            continue
        for fd in names:
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except FileNotFoundError:
                continue
            if re.match(r"(mnt|net|user|pid|ipc|uts|cgroup):\[", target) or "/sys/fs/cgroup" in target:
                held.setdefault(pid, []).append(target)
    return held


def test_kept_state_bounded_and_out_of_the_sandbox(sandbox_loop_bin, rootfs):
    """While run 3 of 3 sleeps: the leaf it runs in and one spare, no more
    (the leaves of runs 1 and 2 are gone: removed while runs 2 and 3 ran),
    and none of the kept fds (leaves, the last run's mount namespace) in the
    sandbox's processes. After the process released them, nothing is
    left."""
    argv = [sandbox_loop_bin, "--rootfs", rootfs, "--count", "3", "--runs", "--", "/probe", "sleep", "3"]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # run 3's program has started once the spare made during it exists
        # (leaves are numbered 0, 1, 2 for the runs, 3 for that spare)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and max(leaf_numbers(p.pid), default=-1) < 3:
            time.sleep(0.05)
        numbers, kids = leaf_numbers(p.pid), descendants(p.pid)
        assert numbers == [2, 3], "expected run 3's leaf and one spare: %s" % own_leaves(p.pid)
        assert len(kids) >= 2, "no sandbox under sandbox-loop"
        assert not sandbox_fds(kids), "kept fds in the sandbox: %s" % sandbox_fds(kids)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, (out[-2000:], err[-2000:])
    assert [r["verdict"] for r in json.loads(out.decode())["runs"]] == ["OK"] * 3
    assert own_leaves(p.pid) == [], "left after release: %s" % own_leaves(p.pid)


def leaf_numbers(pid):
    return sorted({int(os.path.basename(c).rsplit("-", 1)[1]) for c in own_leaves(pid)})
