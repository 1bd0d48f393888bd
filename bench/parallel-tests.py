#!/usr/bin/python3
"""A job's tests in parallel (docs/internals/job.md) against the same tests
one after the other, in one run: two daemons of WORKERS workers each, one
with CODERUNNER_JOB_PARALLELISM=1, one with the default (or $PARALLELISM),
taking turns in ROUNDS rounds, one request at a time (an otherwise idle
daemon: the case the feature is for).

  python 3 tests   the trivial stdio job of bench/evaluate-latency.py
  python 4 busy    4 tests that each burn about BUSY_MS of CPU

For each: the job's p50 latency, and over every test the largest wall/CPU
ratio and the largest wall time: what contention does to a test's wall
clock, the limit that could turn a passing test into TIME_LIMIT when tests
share the CPUs. Numbers, not a test. Run as root.

usage: bench/parallel-tests.py [REQUESTS_PER_ROUND]   (default 10)
env: CODERUNNER, CODERUNNER_DATADIR, CODERUNNER_IMAGE_STORE as for
     tests/system; ROUNDS (3), WORKERS (4), PARALLELISM (0: the default),
     BUSY_MS (300)"""
import os
import statistics
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests/system"))
os.environ.setdefault("CODERUNNER_DATADIR", TOP)
os.environ.setdefault("CODERUNNER", os.path.join(TOP, "build/gcc/coderunner"))
from conftest import Daemon  # noqa: E402
from coderunner.v1 import coderunner_pb2 as v1  # noqa: E402
from coderunner.v1 import coderunner_pb2_grpc as v1_grpc  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10
ROUNDS = int(os.environ.get("ROUNDS", "3"))
WORKERS = int(os.environ.get("WORKERS", "4"))
PARALLELISM = os.environ.get("PARALLELISM", "0")
BUSY_MS = int(os.environ.get("BUSY_MS", "300"))

SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
BUSY = ("import time\nend = time.process_time() + %f\nwhile time.process_time() < end:\n    pass\n"
        "print(input())\n" % (BUSY_MS / 1000))
CASES = [
    ("python 3 tests", SUM, [("1 2", "3"), ("40 2", "42"), ("5 5", "10")]),
    ("python 4 busy", BUSY, [("a", "a"), ("b", "b"), ("c", "c"), ("d", "d")]),
]


def execute(stub, code, tests):
    req = v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=code.encode())],
                            tests=[v1.TestCase(id="t%d" % i, stdin=s.encode(), expected_stdout=(e + "\n").encode(),
                                               check_stdout=True) for i, (s, e) in enumerate(tests)])
    t0 = time.monotonic()
    r = stub.Execute(req, timeout=300)
    ms = (time.monotonic() - t0) * 1000
    assert r.passed_tests == len(tests), r
    return ms, [(t.result.wall_ms, t.result.cpu_ms) for t in r.tests]


def measure(stub, case, into):
    _, code, tests = case
    for _ in range(N):
        ms, runs = execute(stub, code, tests)
        into["lat"].append(ms)
        into["runs"].extend(runs)


def summary(m):
    ratios = [w / max(c, 1) for w, c in m["runs"]]
    return statistics.median(m["lat"]), max(ratios), max(w for w, _ in m["runs"])


def main():
    seq = Daemon(CODERUNNER_WORKERS=WORKERS, CODERUNNER_JOB_PARALLELISM=1)
    par = Daemon(CODERUNNER_WORKERS=WORKERS, CODERUNNER_JOB_PARALLELISM=PARALLELISM)
    try:
        stubs = {"seq": v1_grpc.CodeRunnerStub(seq.channel), "par": v1_grpc.CodeRunnerStub(par.channel)}
        data = {(c[0], k): {"lat": [], "runs": []} for c in CASES for k in stubs}
        for k in stubs:
            execute(stubs[k], SUM, CASES[0][2])  # warm-up
        for r in range(ROUNDS):
            print("round %d/%d" % (r + 1, ROUNDS), file=sys.stderr)
            for case in CASES:
                for k in ("seq", "par"):
                    measure(stubs[k], case, data[(case[0], k)])
        print("a job's tests: parallel (JOB_PARALLELISM=%s) vs one by one; %d workers, %d rounds x %d, "
              "%d CPUs, load %s" % (PARALLELISM, WORKERS, ROUNDS, N, os.cpu_count(),
                                    " ".join(open("/proc/loadavg").read().split()[:3])))
        print("%-16s %10s %10s %7s   %14s %14s" % ("", "seq p50", "par p50", "ratio", "max wall/cpu",
                                                  "max wall ms"))
        for case in CASES:
            s, p = summary(data[(case[0], "seq")]), summary(data[(case[0], "par")])
            print("%-16s %10.1f %10.1f %6.2fx   %6.2f / %-6.2f %6d / %-6d" % (case[0], s[0], p[0], p[0] / s[0],
                                                                           s[1], p[1], s[2], p[2]))
        print("(max wall/cpu and max wall ms: one by one / parallel, over every test run)")
    finally:
        seq.stop()
        par.stop()


if __name__ == "__main__":
    main()
