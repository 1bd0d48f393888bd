#!/usr/bin/python3
"""Memory of an idle `coderunner serve`: RSS and PSS (smaps_rollup) of the
daemon, its keeper and its executor, right after start and again after a
few jobs have run (the allocator and the gRPC core warmed up), with the
executor's workers gone. Numbers, not a test. Run as root.

usage: bench/idle-rss.py [JOBS]   (default 20)
env: CODERUNNER, CODERUNNER_DATADIR, CODERUNNER_IMAGE_STORE as for tests/system"""
import os
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests/system"))
os.environ.setdefault("CODERUNNER_DATADIR", TOP)
os.environ.setdefault("CODERUNNER", os.path.join(TOP, "build/gcc/coderunner"))
from conftest import Daemon, request  # noqa: E402

JOBS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
SUM = "a, b = map(int, input().split())\nprint(a + b)\n"


def kib(pid, path, key):
    with open("/proc/%d/%s" % (pid, path)) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(x) for x in f.read().split()]


def comm(pid):
    with open("/proc/%d/comm" % pid) as f:
        return f.read().strip()


def processes(d):
    keeper = [p for p in children(d.proc.pid) if comm(p) == "cr-keeper"][0]
    executor = [p for p in children(keeper) if comm(p) == "cr-executor"][0]
    return [("daemon", d.proc.pid), ("keeper", keeper), ("executor", executor)]


def report(title, d):
    print("%s:" % title)
    total_rss = total_pss = 0
    for name, pid in processes(d):
        rss, pss = kib(pid, "status", "VmRSS"), kib(pid, "smaps_rollup", "Pss")
        total_rss, total_pss = total_rss + rss, total_pss + pss
        print("  %-9s RSS %7.1f MiB  PSS %7.1f MiB" % (name, rss / 1024, pss / 1024))
    print("  %-9s RSS %7.1f MiB  PSS %7.1f MiB (the RSS sum counts shared pages once in each process; PSS divides them)"
          % ("total", total_rss / 1024, total_pss / 1024))


def main():
    d = Daemon()
    try:
        time.sleep(2)
        report("idle after start", d)
        for i in range(JOBS):
            r = d.stub.EvaluateSolution(request(SUM, [("t%d" % i, "1 2", "3")], language="python"), timeout=120)
            assert r.success, r
        time.sleep(2)
        report("idle after %d jobs" % JOBS, d)
    finally:
        d.stop()


if __name__ == "__main__":
    main()
