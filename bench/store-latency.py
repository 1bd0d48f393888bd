#!/usr/bin/python3
"""The job store's cost, SQLite next to PostgreSQL: jobs/s through the store
for a trivial program at concurrency 16, and the store's share of a request's
end-to-end latency at concurrency 1 (p50).

Every request's path through the store is measured by the daemon itself
(LOG_LEVEL=debug: "Job ID timing: X ms from acceptance to a worker, ran Y ms,
result stored in Z ms"): X is admission + the INSERT + the wake-up + the
claim, Z the result's transaction. On an idle daemon at concurrency 1 no job
waits for a worker, so X + Z is what the store adds to the request; the
goal is under 2 ms (SQLite) and 5 ms (PostgreSQL) at p50. PostgreSQL runs
as tests/store/pgcluster.py starts it (private, fsync off, on this host), so
its numbers leave out a network hop and a disk flush a deployment would add.

Numbers, not a test. Run as root, preferably on a quiet machine.

usage: bench/store-latency.py [REQUESTS]   (default 200 per measurement)
env: CODERUNNER, CODERUNNER_DATADIR, CODERUNNER_IMAGE_STORE as for tests/system"""
import os
import re
import statistics
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests/store"))
sys.path.insert(0, os.path.join(TOP, "tests/system"))  # its conftest, not the store tier's
os.environ.setdefault("CODERUNNER_DATADIR", TOP)
os.environ.setdefault("CODERUNNER", os.path.join(TOP, "build/gcc/coderunner"))
from conftest import Daemon, request  # noqa: E402
import pgcluster  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
TRIVIAL = ("print(int(input()) + 1)\n", "python")
TIMING = re.compile(r"Job (\S+) timing: ([0-9.]+) ms from acceptance to a worker, ran ([0-9.]+) ms, "
                    r"result stored in ([0-9.]+) ms")


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run(daemon, n, conc):
    lat, lock, todo = [], threading.Lock(), list(range(n))

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            t0 = time.perf_counter()
            r = daemon.stub.EvaluateSolution(request(TRIVIAL[0], [("t", str(i), str(i + 1))], language=TRIVIAL[1]),
                                             timeout=300)
            assert r.success, r
            with lock:
                lat.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, n / (time.perf_counter() - t0)


def store_share(daemon, since):
    """The daemon's own timings of the jobs after offset `since` of its log."""
    to_worker, ran, stored = [], [], []
    for m in TIMING.finditer(daemon.output()[since:]):
        to_worker.append(float(m.group(2)))
        ran.append(float(m.group(3)))
        stored.append(float(m.group(4)))
    return to_worker, ran, stored


def measure(name, daemon):
    run(daemon, 20, 4)  # warm-up: images in the page cache, connections open
    mark = len(daemon.output())
    lat1, _ = run(daemon, N, 1)
    to_worker, ran, stored = store_share(daemon, mark)
    added = [a + b for a, b in zip(to_worker, stored)]
    _, tput16 = run(daemon, N, 16)
    return {"name": name, "p50": statistics.median(lat1), "p99": percentile(lat1, 99), "tput16": tput16,
            "added": statistics.median(added), "to_worker": statistics.median(to_worker),
            "stored": statistics.median(stored), "ran": statistics.median(ran), "n": len(added)}


def main():
    workers = os.cpu_count()
    env = dict(CODERUNNER_WORKERS=workers, CODERUNNER_QUEUE_LENGTH=64, LOG_LEVEL="debug")
    results = []
    d = Daemon(**env)
    try:
        results.append(measure("SQLite", d))
    finally:
        d.stop()
    pg = pgcluster.Cluster()
    try:
        pg.create_db("bench")
        d = Daemon(**pg.env("bench"), **env)
        try:
            results.append(measure("PostgreSQL", d))
        finally:
            d.stop()
    finally:
        pg.destroy()
    print("EvaluateSolution of a 1-test Python program, %d requests per measurement, %d workers, load %.1f"
          % (N, workers, os.getloadavg()[0]))
    print("%-11s %9s %9s %10s | %s" % ("store", "p50 ms", "p99 ms", "jobs/s@16",
                                        "store's share of p50 at concurrency 1 (daemon's own timings)"))
    for r in results:
        print("%-11s %9.1f %9.1f %10.1f | %.2f ms = %.2f to a worker + %.2f result; %.1f%% of p50; run %.1f ms"
              % (r["name"], r["p50"], r["p99"], r["tput16"], r["added"], r["to_worker"], r["stored"],
                 100 * r["added"] / r["p50"], r["ran"]))
    goal = {"SQLite": 2.0, "PostgreSQL": 5.0}
    for r in results:
        print("%s: the store adds %.2f ms at p50 (goal < %.0f ms): %s" % (
            r["name"], r["added"], goal[r["name"]], "met" if r["added"] < goal[r["name"]] else "NOT met"))
    if len(results) == 2:
        print("PostgreSQL / SQLite: p50 %.2fx, jobs/s at 16 %.2fx, store share %.2fx" % (
            results[1]["p50"] / results[0]["p50"], results[1]["tput16"] / results[0]["tput16"],
            results[1]["added"] / results[0]["added"]))


if __name__ == "__main__":
    main()
