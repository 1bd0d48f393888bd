"""The sandboxes of a killed executor die with it, and the next executor (the
keeper's restart, or a daemon started again) removes what they left (issue
9, break 1; docs/SECURITY.md). Before the fix
the program and its daemonised grandchildren ran on, unsupervised, with no
wall-clock or CPU limit."""
import os
import re
import secrets
import signal
import time

import grpc

from conftest import Daemon
from coderunner.v1 import coderunner_pb2 as v1
from coderunner.v1 import coderunner_pb2_grpc as v1_grpc

SANDBOX_UID_BASE, SANDBOX_UID_COUNT = 0x70010000, 65536

# The program daemonises a grandchild (own session, parent gone) and then
# sleeps; both carry the tag in their argv and write nothing (a write to the
# dead supervisor's pipe would end them by SIGPIPE, which is not the point).
PROGRAM = """
import os, sys, time
tag = %r
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(1000)", tag])
    os._exit(0)
os.wait()
os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(1000)", tag])
"""


def _stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rfind(")") + 2:].split()
    return s[s.find("(") + 1:s.rfind(")")], fields[0], int(fields[1])  # comm, state, ppid


def _uid(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except OSError:
        return None


def _pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def children(pid):
    return [p for p in _pids() if (_stat(p) or ("", "", 0))[2] == pid]


def tagged(tag):
    """Live sandboxed processes with tag in their argv."""
    out = []
    for pid in _pids():
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        st, uid = _stat(pid), _uid(pid)
        if tag.encode() in argv and st and st[1] not in "ZX" and uid is not None \
                and SANDBOX_UID_BASE <= uid < SANDBOX_UID_BASE + SANDBOX_UID_COUNT:
            out.append(pid)
    return out


def leaves_of(pids):
    """cgroup leaf directories named after any of these supervisor pids."""
    pattern = re.compile(r"^cr-(\d+-)?(%s)-[0-9-]+$" % "|".join(str(p) for p in pids))
    found = []
    for top, dirs, _files in os.walk("/sys/fs/cgroup"):
        if top.count("/") > 7:
            dirs[:] = []
        found += [os.path.join(top, d) for d in dirs if pattern.match(d)]
    return found


def wait_for(cond, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def test_sandboxes_die_with_a_killed_executor():
    tag = "crtag" + secrets.token_hex(6)
    d = Daemon(CODERUNNER_WORKERS=2)
    try:
        stub = v1_grpc.CodeRunnerStub(d.channel)
        req = v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=(PROGRAM % tag).encode())],
                                limits=v1.Limits(wall_time_ms=60000, cpu_time_ms=30000))  # the largest allowed
        jobs = [stub.Execute.future(req, timeout=300) for _ in range(2)]
        # two jobs, each a program and a daemonised grandchild
        started = wait_for(lambda: len(tagged(tag)) >= 4, 30)
        assert started, "the jobs never started their processes: %s\n%s" % (
            [j.exception(timeout=0) if j.done() else "running" for j in jobs], d.output())
        keeper = [p for p in children(d.proc.pid) if _stat(p)[0] == "cr-keeper"]
        assert len(keeper) == 1, children(d.proc.pid)
        executor = [p for p in children(keeper[0]) if _stat(p)[0] == "cr-executor"]
        assert len(executor) == 1, children(keeper[0])
        workers = children(executor[0])
        leaves = leaves_of(workers)
        assert leaves, "no cgroup leaves named after the workers %s" % workers

        os.kill(executor[0], signal.SIGKILL)
        left = wait_for(lambda: not tagged(tag), 1.0) or tagged(tag)
        assert left is True, "sandboxed processes outlived the executor by 1 s: %s" % left
        # the workers' work dirs lived in their private mount namespaces
        with open("/proc/self/mountinfo") as f:
            assert "/run/coderunner/work" not in f.read()
        for job in jobs:  # the daemon reports the failure; it does not hang
            try:
                job.result(timeout=60)
            except grpc.RpcError:
                pass
        # the keeper's new executor removes the leaves the killed workers left
        remaining = wait_for(lambda: not [c for c in leaves if os.path.isdir(c)], 10) or \
            [c for c in leaves if os.path.isdir(c)]
        assert remaining is True, "leaves of the killed executor's workers remain: %s" % remaining
    finally:
        for pid in tagged(tag):  # only if the test failed
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        d.stop()



def test_a_daemon_started_again_removes_what_a_killed_one_left():
    """SIGKILL of the daemon itself: its keeper, executor, workers and
    sandboxes die with it; the next daemon removes their leaves."""
    tag = "crtag" + secrets.token_hex(6)
    d = Daemon(CODERUNNER_WORKERS=1)
    try:
        stub = v1_grpc.CodeRunnerStub(d.channel)
        req = v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=(PROGRAM % tag).encode())],
                                limits=v1.Limits(wall_time_ms=60000, cpu_time_ms=30000))
        job = stub.Execute.future(req, timeout=300)
        assert wait_for(lambda: len(tagged(tag)) >= 2, 30), d.output()
        keeper = [p for p in children(d.proc.pid) if _stat(p)[0] == "cr-keeper"]
        executor = [p for p in children(keeper[0]) if _stat(p)[0] == "cr-executor"]
        leaves = leaves_of(children(executor[0]))
        assert leaves, "no cgroup leaves named after the workers"

        os.kill(d.proc.pid, signal.SIGKILL)
        left = wait_for(lambda: not tagged(tag), 1.0) or tagged(tag)
        assert left is True, "sandboxed processes outlived the daemon by 1 s: %s" % left
        try:
            job.result(timeout=10)
        except grpc.RpcError:
            pass
    finally:
        for pid in tagged(tag):  # only if the test failed
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        d.stop()

    d2 = Daemon()
    try:
        remaining = wait_for(lambda: not [c for c in leaves if os.path.isdir(c)], 10) or \
            [c for c in leaves if os.path.isdir(c)]
        assert remaining is True, "leaves of the killed daemon's workers remain: %s" % remaining
    finally:
        d2.stop()
