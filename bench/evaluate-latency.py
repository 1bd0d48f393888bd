#!/usr/bin/python3
"""End-to-end EvaluateSolution latency (p50, p99) and throughput at
concurrency 1, 4 and 16, for a 3-test C++ function-mode request and a 3-test
Python stdio request, each next to its floor: the same compile + runs done
bare with chroot into the same image, sequentially, without gRPC or
sandboxes. Numbers, not a test. Run as root on a quiet machine.

usage: bench/evaluate-latency.py [REQUESTS_PER_LEVEL]   (default 30)
env: CODERUNNER, CODERUNNER_DATADIR, CODERUNNER_IMAGE_STORE as for tests/system"""
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests/system"))
os.environ.setdefault("CODERUNNER_DATADIR", TOP)
os.environ.setdefault("CODERUNNER", os.path.join(TOP, "build/gcc/coderunner"))
from conftest import Daemon, request  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 30
CPP = ("int addOne(int x) {\n    return x + 1;\n}", [("t1", "0", "1"), ("t2", "5", "6"), ("t3", "-3", "-2")], "")
PY = ("a, b = map(int, input().split())\nprint(a + b)\n",
      [("t1", "1 2", "3"), ("t2", "40 2", "42"), ("t3", "5 5", "10")], "python")


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run_level(daemon, case, conc):
    lat, lock = [], threading.Lock()
    todo = list(range(N))

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            t0 = time.perf_counter()
            r = daemon.stub.EvaluateSolution(request(*case[:2], language=case[2]), timeout=300)
            dt = (time.perf_counter() - t0) * 1000
            assert r.success, r
            with lock:
                lat.append(dt)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return statistics.median(lat), percentile(lat, 99), N / wall


def image_rootfs(name):
    out = subprocess.run([os.environ["CODERUNNER"], "images", "list", "--json"], capture_output=True,
                         check=True).stdout
    import json
    return [i["rootfs"] for i in json.loads(out) if i["name"] == name][0]


def floor_python():
    root = image_rootfs("python")
    with tempfile.TemporaryDirectory() as box:
        with open(os.path.join(box, "main.py"), "w") as f:
            f.write(PY[0])
        script = ("set -e; mount --bind %s \"$ROOT/box\"; mount -t proc proc \"$ROOT/proc\"\n"
                  "for i in $(seq 5); do t0=$(date +%%s%%N)\n"
                  "  for inp in '1 2' '40 2' '5 5'; do echo \"$inp\" | chroot \"$ROOT\" python3 /box/main.py >/dev/null; done\n"
                  "  echo $(( ($(date +%%s%%N) - t0) / 1000 )); done") % box
        out = subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c", script],
                             env={**os.environ, "ROOT": root}, capture_output=True, check=True).stdout
    return statistics.median(int(x) / 1000 for x in out.split())


def floor_cpp():
    """g++ of the same generated harness, then the 3 test runs."""
    root = image_rootfs("cpp")
    src = subprocess.run([os.environ["CODERUNNER"], "run", "--help"], capture_output=True)  # noqa: F841
    harness = ('#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN\n#include <doctest/doctest.h>\n%s\n'
               'TEST_CASE("t0") { CHECK(addOne(0) == 1); }\nTEST_CASE("t1") { CHECK(addOne(5) == 6); }\n'
               'TEST_CASE("t2") { CHECK(addOne(-3) == -2); }\n') % CPP[0]
    with tempfile.TemporaryDirectory() as box:
        os.chmod(box, 0o777)
        with open(os.path.join(box, "main.cpp"), "w") as f:
            f.write(harness)
        script = ("set -e; mount --bind %s \"$ROOT/box\"; mount -t proc proc \"$ROOT/proc\"; "
                  "mount -t tmpfs tmpfs \"$ROOT/tmp\"\n"
                  "for i in $(seq 3); do t0=$(date +%%s%%N)\n"
                  "  chroot \"$ROOT\" g++ -std=c++17 -O2 -pipe -o /box/main /box/main.cpp\n"
                  "  for t in t0 t1 t2; do chroot \"$ROOT\" /box/main --test-case=$t >/dev/null; done\n"
                  "  echo $(( ($(date +%%s%%N) - t0) / 1000 )); done") % box
        out = subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c", script],
                             env={**os.environ, "ROOT": root}, capture_output=True, check=True).stdout
    return statistics.median(int(x) / 1000 for x in out.split())


def main():
    floors = {"cpp function mode": floor_cpp(), "python stdio": floor_python()}
    d = Daemon(CODERUNNER_WORKERS=os.cpu_count(), CODERUNNER_QUEUE_LENGTH=64)
    try:
        print("EvaluateSolution, 3 tests, %d requests per level, %d workers" % (N, os.cpu_count()))
        print("%-18s %5s %9s %9s %8s %9s %7s" % ("request", "conc", "p50 ms", "p99 ms", "req/s", "floor ms",
                                                 "p50/fl"))
        for name, case in (("cpp function mode", CPP), ("python stdio", PY)):
            for conc in (1, 4, 16):
                p50, p99, tput = run_level(d, case, conc)
                print("%-18s %5d %9.1f %9.1f %8.2f %9.1f %6.2fx" % (name, conc, p50, p99, tput, floors[name],
                                                                   p50 / floors[name]))
    finally:
        d.stop()


if __name__ == "__main__":
    main()
