"""A job's tests in parallel across free slots (docs/internals/job.md): the
results keep request order whatever order the tests end in, one failing test
fails alone, a cancel kills every running test, no slot ever runs two
sandboxes, and a job busy with its tests leaves the other slots to new jobs.

Sandboxes are counted by their host uid (base + slot) among this daemon's
descendants: two live sandboxes with one uid would be an oversubscribed slot."""
import os
import threading
import time

import grpc
import pytest

from conftest import Daemon, request
from coderunner.v1 import coderunner_pb2 as v1
from coderunner.v1 import coderunner_pb2_grpc as v1_grpc

HOST_ID_BASE = 0x70010000
V = v1.Verdict
IDS = ["00000000-0000-4000-8000-00000000000%d" % i for i in range(1, 7)]

# test i sleeps (n - i) * 0.3 s: the first ends last
REVERSE = "import sys, time\ni, n = map(int, sys.stdin.read().split())\ntime.sleep((n - i) * 0.3)\nprint(i)\n"


def _status(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.split()
    except OSError:
        pass
    return out


def sandbox_uids(daemon_pid):
    """{pid: host uid} of the processes running as a sandbox uid that descend
    from this daemon (other runs' sandboxes on the machine are not ours)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        uid = int(_status(int(entry)).get("Uid", ["0"])[0])
        if not HOST_ID_BASE <= uid < HOST_ID_BASE + 65536:
            continue
        pid = int(entry)
        for _ in range(64):
            pid = int(_status(pid).get("PPid", ["0"])[0])
            if pid in (0, 1, daemon_pid):
                break
        if pid == daemon_pid:
            found[int(entry)] = uid
    return found


class Sampler:
    """Samples this daemon's sandboxes every few ms while a call runs: the
    most slots in use at once, and every sample's {cr-init pid: uid}."""

    def __init__(self, daemon):
        self.daemon = daemon
        self.max_slots = 0
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            seen = sandbox_uids(self.daemon.proc.pid)
            self.samples.append(seen)
            self.max_slots = max(self.max_slots, len(set(seen.values())))
            time.sleep(0.02)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self


def slot_owners(sample, daemon_pid):
    """{uid: set of worker-side supervisors}: the parent of each sandbox's
    top process (cr-init's parent is the process that cloned it)."""
    owners = {}
    for pid, uid in sample.items():
        ppid = int(_status(pid).get("PPid", ["0"])[0])
        if ppid and _status(ppid).get("Uid", ["0"])[0] == "0":
            owners.setdefault(uid, set()).add(ppid)
    return owners


@pytest.fixture(scope="module")
def wide():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(CODERUNNER_WORKERS=4, CODERUNNER_JOB_PARALLELISM=4)
    yield d
    d.stop()


def native(daemon):
    return v1_grpc.CodeRunnerStub(daemon.channel)


def tc(i, stdin, expected=None):
    return v1.TestCase(id="t%d" % i, stdin=stdin.encode(), expected_stdout=(expected or "").encode(),
                       check_stdout=expected is not None)


def test_results_keep_order_when_tests_end_in_reverse(wide):
    tests = [tc(i, "%d 4" % i, "%d\n" % i) for i in range(4)]
    s = Sampler(wide)
    r = native(wide).Execute(v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=REVERSE.encode())],
                                               tests=tests), timeout=120)
    s.stop()
    assert [t.id for t in r.tests] == ["t0", "t1", "t2", "t3"]
    assert [t.index for t in r.tests] == [0, 1, 2, 3]
    assert [t.result.stdout for t in r.tests] == [b"0\n", b"1\n", b"2\n", b"3\n"]
    assert all(t.passed for t in r.tests) and r.passed_tests == 4, r
    # they did run side by side, each in a slot of its own
    assert 2 <= s.max_slots <= 4, s.max_slots


def test_evaluate_solution_order_and_compiled_artefacts_in_lent_slots(wide):
    """C: compiled once in the job's slot, run in lent slots (another host id)."""
    code = "#define _GNU_SOURCE\n#include <stdio.h>\n#include <unistd.h>\nint main(void){int i,n;scanf(\"%d %d\",&i,&n);" \
           "usleep((n-i)*300000);printf(\"%d\\n\",i);return 0;}\n"
    tests = [(IDS[i], "%d 4" % i, "%d" % i) for i in range(4)]
    tests[2] = (IDS[2], "2 4", "wrong")
    s = Sampler(wide)
    r = wide.stub.EvaluateSolution(request(code, tests, language="c"), timeout=120)
    s.stop()
    assert list(r.approved_tests) == [IDS[0], IDS[1], IDS[3]], r
    assert r.total_tests == 4 and not r.success
    assert s.max_slots >= 2, s.max_slots


def test_one_crash_and_one_timeout_fail_alone(wide):
    code = "import os, sys, time\nk = sys.stdin.read().strip()\n" \
           "if k == 'crash':\n    os.abort()\nif k == 'spin':\n    while True: pass\nprint(k)\n"
    tests = [tc(0, "a", "a\n"), tc(1, "crash", ""), tc(2, "spin", ""), tc(3, "d", "d\n")]
    limits = v1.Limits(cpu_time_ms=1000, wall_time_ms=20000)
    r = native(wide).Execute(v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=code.encode())],
                                               tests=tests, limits=limits), timeout=120)
    verdicts = [t.result.verdict for t in r.tests]
    assert verdicts[0] == V.VERDICT_OK and verdicts[3] == V.VERDICT_OK, r
    assert verdicts[1] == V.VERDICT_RUNTIME_ERROR and r.tests[1].result.signal == 6, r
    assert verdicts[2] == V.VERDICT_TIME_LIMIT, r
    assert [t.id for t in r.tests] == ["t0", "t1", "t2", "t3"]
    assert r.passed_tests == 2


def test_cancel_kills_every_running_test(wide):
    code = "import time\ntime.sleep(60)\n"
    tests = [(IDS[i], "", "") for i in range(4)]
    fut = wide.stub.EvaluateSolution.future(request(code, tests, language="python"), timeout=4)
    deadline = time.monotonic() + 3.5
    most = 0
    while time.monotonic() < deadline and most < 2:
        most = max(most, len(set(sandbox_uids(wide.proc.pid).values())))
        time.sleep(0.05)
    assert most >= 2, "the tests did not run side by side"
    with pytest.raises(grpc.RpcError) as e:
        fut.result()
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    deadline = time.monotonic() + 15
    while sandbox_uids(wide.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sandbox_uids(wide.proc.pid) == {}
    # every slot is free again: a job as wide as the daemon runs
    r = native(wide).Execute(v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=REVERSE.encode())],
                                               tests=[tc(i, "%d 4" % i, "%d\n" % i) for i in range(4)]), timeout=120)
    assert r.passed_tests == 4, r


def test_slots_never_oversubscribed():
    """Three workers, jobs of four tests each arriving together: never more
    than three slots in use, never two sandboxes in one slot."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(CODERUNNER_WORKERS=3, CODERUNNER_JOB_PARALLELISM=3)
    try:
        results, errors = [None] * 4, []
        stub = native(d)

        def call(k):
            try:
                results[k] = stub.Execute(v1.ExecuteRequest(
                    runtime="python", files=[v1.File(path="main.py", content=REVERSE.encode())],
                    tests=[tc(i, "%d 4" % i, "%d\n" % i) for i in range(4)]), timeout=300)
            except grpc.RpcError as e:
                errors.append(e)
        s = Sampler(d)
        threads = [threading.Thread(target=call, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        s.stop()
        assert not errors, errors
        for r in results:
            assert [t.result.stdout for t in r.tests] == [b"0\n", b"1\n", b"2\n", b"3\n"], r
        assert 2 <= s.max_slots <= 3, s.max_slots
        for sample in s.samples:
            for uid, supervisors in slot_owners(sample, d.proc.pid).items():
                assert len(supervisors) <= 1, (uid, supervisors)
    finally:
        d.stop()


# Binds an abstract AF_UNIX name, which lives in the slot's network
# namespace, then touches 1.5 GiB: killed, it frees that memory before its
# sockets close, which takes 0.1-0.2 s here.
HOLDER = ("import socket, sys, time\n"
          "s = socket.socket(socket.AF_UNIX)\ns.bind('\\0cr-slot-probe')\n"
          "b = b'x' * (1536 << 20)\nprint('ready', flush=True)\ntime.sleep(60)\n")
PROBE = ("import socket\ns = socket.socket(socket.AF_UNIX)\n"
         "try:\n    s.bind('\\0cr-slot-probe')\n    print('free')\n"
         "except OSError as e:\n    print('taken', e.errno)\n")


def _rss_kib(pid):
    return int(_status(pid).get("VmRSS", ["0"])[0])


def test_cancelled_job_frees_its_slots_only_when_its_sandboxes_are_dead():
    """Two slots, one job of two holders (one in its own slot, one in a
    lent one), cancelled while a probe job waits: the probe, started in one
    of those slots, must find no holder alive there. A slot handed on while
    its dying sandbox still ran would share its host id and network
    namespace with the next job, which would find the name taken."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(CODERUNNER_WORKERS=2, CODERUNNER_JOB_PARALLELISM=2)
    try:
        stub = native(d)
        limits = v1.Limits(memory_bytes=2 << 30, wall_time_ms=60000, cpu_time_ms=30000)
        holders = stub.Execute.future(v1.ExecuteRequest(
            runtime="python", files=[v1.File(path="main.py", content=HOLDER.encode())],
            tests=[tc(i, "") for i in range(2)], limits=limits), timeout=300)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not holders.done():
            if sum(_rss_kib(pid) > 1400 << 10 for pid in sandbox_uids(d.proc.pid)) == 2:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the holders never touched their memory: %r" % (holders.result(),))
        probe = stub.Execute.future(v1.ExecuteRequest(
            runtime="python", files=[v1.File(path="main.py", content=PROBE.encode())]), timeout=300)
        time.sleep(0.5)  # the probe waits for a slot
        assert not probe.done()
        holders.cancel()
        r = probe.result()
        assert r.run.stdout == b"free\n", r
    finally:
        d.stop()


def test_a_busy_daemon_still_serves_other_jobs():
    """A job of many tests takes at most JOB_PARALLELISM slots: the other
    workers take new jobs at once, which end while it still runs."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(CODERUNNER_WORKERS=4, CODERUNNER_JOB_PARALLELISM=2)
    try:
        stub = native(d)
        slow = "import time\ntime.sleep(2)\nprint('ok')\n"
        big = stub.Execute.future(v1.ExecuteRequest(
            runtime="python", files=[v1.File(path="main.py", content=slow.encode())],
            tests=[tc(i, "", "ok\n") for i in range(8)]), timeout=300)
        deadline = time.monotonic() + 30
        while len(set(sandbox_uids(d.proc.pid).values())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        quick = stub.Execute(v1.ExecuteRequest(runtime="python",
                                               files=[v1.File(path="main.py", content=b"print(input())\n")],
                                               tests=[tc(0, "x", "x\n"), tc(1, "y", "y\n")]), timeout=120)
        assert quick.passed_tests == 2, quick
        assert not big.done(), "the small job waited for the big one"
        r = big.result()
        assert r.passed_tests == 8, r
    finally:
        d.stop()


def test_parallelism_1_runs_tests_one_by_one():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(CODERUNNER_WORKERS=3, CODERUNNER_JOB_PARALLELISM=1)
    try:
        s = Sampler(d)
        r = native(d).Execute(v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=REVERSE.encode())],
                                                tests=[tc(i, "%d 3" % i, "%d\n" % i) for i in range(3)]), timeout=120)
        s.stop()
        assert r.passed_tests == 3, r
        assert s.max_slots == 1, s.max_slots
    finally:
        d.stop()



def descendants(root):
    """Pids of every live process beneath root."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = _status(int(entry)).get("PPid")
            if ppid:
                parent[int(entry)] = int(ppid[0])
    found = set()
    for pid in parent:
        p, hops = pid, 0
        while p in parent and p != root and hops < 64:
            p, hops = parent[p], hops + 1
        if p == root and pid != root:
            found.add(pid)
    return found


class Supervisors(threading.Thread):
    """Records every process beneath the daemon while a call runs: the
    workers and fan-out children that name the cgroup leaves they make."""

    def __init__(self, daemon):
        super().__init__()
        self.daemon, self.pids, self._stop_event = daemon, set(), threading.Event()
        self.start()

    def run(self):
        while not self._stop_event.is_set():
            self.pids |= descendants(self.daemon.proc.pid)
            time.sleep(0.005)

    def stop(self):
        self._stop_event.set()
        self.join()
        return self.pids


def leaves_made_by(pids):
    """Sandbox cgroup leaves (cr-<pidns>-<pid>-...) made by any of pids, in
    every hierarchy."""
    found = set()
    for top, dirs, _files in os.walk("/sys/fs/cgroup"):
        if top.count("/") > 7:
            dirs[:] = []
        for d in dirs:
            f = d.split("-")
            if d.startswith("cr-") and len(f) == 6 and f[2].isdigit() and int(f[2]) in pids:
                found.add(os.path.join(top, d))
    return found


@pytest.mark.parametrize("parallelism", [1, 2])
def test_a_finished_job_leaves_no_cgroup(parallelism):
    """A job's worker runs its sandboxes one after the other (compile, then
    each test), each leaving its teardown to the next and the next run's
    leaf made while a program runs (sandbox/keep.c); with parallelism its
    fan-out children do the same in lent slots. All of it is gone by the
    time the job's result arrives: nothing waits for a grace period."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(CODERUNNER_WORKERS=3, CODERUNNER_JOB_PARALLELISM=parallelism)
    try:
        code = "#include <stdio.h>\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);return 0;}\n"
        tests = [(IDS[i], "%d %d" % (i, i), "%d" % (2 * i)) for i in range(4)]
        for _ in range(2):
            sup = Supervisors(d)
            r = d.stub.EvaluateSolution(request(code, tests, language="c"), timeout=120)
            pids = sup.stop()
            assert r.success and list(r.approved_tests) == IDS[:4], r
            assert pids, "no worker seen"
            left = leaves_made_by(pids)
            assert not left, "cgroup leaves left after the job: %s" % sorted(left)
    finally:
        d.stop()
