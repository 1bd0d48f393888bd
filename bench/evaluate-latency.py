#!/usr/bin/python3
"""The daemon against the bare floor, in one run (issue 15's goals):

  latency     EvaluateSolution, Python stdio, 3 tests, one request at a time:
              p50 next to the floor (the same three runs done bare with chroot
              into the same image, sequentially, without gRPC or sandboxes;
              the image of the version the daemon runs: the language's
              default in `coderunner runtimes`)
  throughput  trivial Python executions (EvaluateSolution, 1 test) at
              concurrency 8 next to bare chroot runs of the same program, 8 at
              a time
  memory      the idle daemon's RSS (the coderunner-serve process, and the
              keeper and executor it forks)

Daemon and floor take turns in ROUNDS rounds (default 3), so a burst of load
on the host hits both alike; each line prints the ratio. Every bare run
starts its own session (setsid), as every sandbox does: with the scheduler's
autogroups (sched_autogroup_enabled) a session is one scheduling entity, and
a floor whose runs shared one session would get a fraction of the CPU the
daemon's sandboxes get on a loaded host. With --table it also
prints the older per-level table (C++ function mode and Python stdio at
concurrency 1, 4 and 16). Numbers, not a test. Run as root.

With CODERUNNER_BASELINE=<another coderunner binary> (a build of the
commit before a change) a second daemon runs the same requests in the same
rounds, and every line also prints the baseline and new/baseline: before and
after side by side in one run.

usage: bench/evaluate-latency.py [REQUESTS_PER_ROUND] [--table]   (default 20)
env: CODERUNNER, CODERUNNER_DATADIR, CODERUNNER_IMAGE_STORE as for tests/system;
     ROUNDS, CODERUNNER_BASELINE"""
import os
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
import conftest  # noqa: E402
from conftest import Daemon, request  # noqa: E402

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(ARGS[0]) if ARGS else 20
ROUNDS = int(os.environ.get("ROUNDS", "3"))
CONC = 8
CPP = ("int addOne(int x) {\n    return x + 1;\n}", [("t1", "0", "1"), ("t2", "5", "6"), ("t3", "-3", "-2")], "")
PY = ("a, b = map(int, input().split())\nprint(a + b)\n",
      [("t1", "1 2", "3"), ("t2", "40 2", "42"), ("t3", "5 5", "10")], "python")
TRIVIAL = ("print(input())\n", [("t1", "7", "7")], "python")


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run_level(daemon, case, conc, n=None):
    """n requests, conc at a time: (p50 ms, p99 ms, requests/s)."""
    lat, lock = [], threading.Lock()
    todo = list(range(n or N))

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
    return statistics.median(lat), percentile(lat, 99), len(lat) / wall


def image_rootfs(runtime):
    """The rootfs of the version the daemon runs for `runtime` (the
    catalogue's default, as EvaluateSolution picks it): the floor must run
    the same interpreter, not merely one of the same name."""
    import json

    def listing(*args):
        return json.loads(subprocess.run([os.environ["CODERUNNER"], *args, "--json"], capture_output=True,
                                         check=True).stdout)
    rt = [r for r in listing("runtimes") if r["id"] == runtime and r["default"] and r["installed"]]
    if not rt:
        raise SystemExit("no installed default version of %s" % runtime)
    for img in listing("images", "list"):
        if img["name"] == rt[0]["image"] and img["version"] == rt[0]["version"]:
            return img["rootfs"]
    raise SystemExit("image %s@%s not imported" % (rt[0]["image"], rt[0]["version"]))


def bare(root, source, name, loop, extra_mounts=""):
    """Runs the shell snippet `loop` in a private mount namespace with the
    image at $ROOT, `source` in its /box and /proc mounted; returns the
    numbers the snippet prints, one a line."""
    with tempfile.TemporaryDirectory() as box:
        os.chmod(box, 0o777)
        with open(os.path.join(box, name), "w") as f:
            f.write(source)
        script = ('set -e; mount --bind %s "$ROOT/box"; mount -t proc proc "$ROOT/proc"; %s\n'
                  "now() { date +%%s%%N; }\n%s") % (box, extra_mounts, loop)
        out = subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c", script],
                             env={**os.environ, "ROOT": root}, capture_output=True, check=True).stdout
    return [float(x) for x in out.split()]


def floor_python(reps=5):
    """ms for the three Python runs of PY, done bare one after another: median of reps."""
    loop = ("for i in $(seq %d); do t0=$(now)\n"
            "  for inp in '1 2' '40 2' '5 5'; do echo \"$inp\" | setsid chroot \"$ROOT\" python3 /box/main.py >/dev/null; done\n"
            "  echo $(( ($(now) - t0) / 1000 )); done") % reps
    return statistics.median(bare(image_rootfs("python"), PY[0], "main.py", loop)) / 1000


def floor_python_throughput(n):
    """Bare chroot runs of TRIVIAL per second, CONC at a time."""
    loop = ("t0=$(now); seq %d | xargs -P %d -I{} sh -c "
            "'echo 7 | setsid chroot \"$ROOT\" python3 /box/main.py >/dev/null'\n"
            "echo $(( ($(now) - t0) / 1000 ))") % (n, CONC)
    us = bare(image_rootfs("python"), TRIVIAL[0], "main.py", loop)[0]
    return n / (us / 1e6)


def floor_cpp():
    """g++ of the same generated harness, then the 3 test runs."""
    harness = ('#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN\n#include <doctest/doctest.h>\n%s\n'
               'TEST_CASE("t0") { CHECK(addOne(0) == 1); }\nTEST_CASE("t1") { CHECK(addOne(5) == 6); }\n'
               'TEST_CASE("t2") { CHECK(addOne(-3) == -2); }\n') % CPP[0]
    loop = ("for i in $(seq 3); do t0=$(now)\n"
            "  setsid chroot \"$ROOT\" g++ -std=c++17 -O2 -pipe -o /box/main /box/main.cpp\n"
            "  for t in t0 t1 t2; do setsid chroot \"$ROOT\" /box/main --test-case=$t >/dev/null; done\n"
            "  echo $(( ($(now) - t0) / 1000 )); done")
    us = bare(image_rootfs("cpp"), harness, "main.cpp", loop, 'mount -t tmpfs tmpfs "$ROOT/tmp"')
    return statistics.median(us) / 1000


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def descendants(pid):
    kids = [int(k) for k in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    return kids + [g for k in kids for g in descendants(k)]


def daemon_rss(d):
    """(serve KiB, keeper + executor KiB) of an idle daemon."""
    time.sleep(1)
    return rss_kib(d.proc.pid), sum(rss_kib(k) for k in descendants(d.proc.pid))


def baseline_columns(new, base):
    if base is None:
        return ""
    return "   baseline %8.1f  new/baseline %5.2fx" % (base, new / base)


def goals(d, b=None):
    """Daemon (and baseline daemon) and floor in interleaved rounds; prints the goal lines."""
    lat, floor, tput, floor_tput, blat, btput = [], [], [], [], [], []
    rss = daemon_rss(d)
    brss = daemon_rss(b) if b else None
    for x in (d, b):
        if x:
            run_level(x, PY, 1, 2)  # warm-up: page cache, slots
    for r in range(ROUNDS):
        print("round %d/%d" % (r + 1, ROUNDS), file=sys.stderr)
        floor.append(floor_python())
        if b:
            blat.append(run_level(b, PY, 1)[0])
        lat.append(run_level(d, PY, 1)[0])
        floor_tput.append(floor_python_throughput(N * 2))
        if b:
            btput.append(run_level(b, TRIVIAL, CONC, N * 2)[2])
        tput.append(run_level(d, TRIVIAL, CONC, N * 2)[2])
    fl, p50 = statistics.median(floor), statistics.median(lat)
    ft, t = statistics.median(floor_tput), statistics.median(tput)
    bp50 = statistics.median(blat) if b else None
    bt = statistics.median(btput) if b else None
    print("daemon vs bare floor: %d rounds, %d CPUs, load %s" %
          (ROUNDS, os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3])))
    print("%-44s %10s %10s %8s  %s" % ("", "daemon", "floor", "ratio", "goal"))
    print("%-44s %10.1f %10.1f %7.2fx  %s%s" % ("EvaluateSolution python 3 tests, p50 ms", p50, fl, p50 / fl,
                                                 "<= 1.2x", baseline_columns(p50, bp50)))
    if b:
        print("%-44s %10.1f %10.1f %7.2fx" % ("  the baseline daemon", bp50, fl, bp50 / fl))
    print("%-44s %10.1f %10.1f %7.2fx  %s%s" % ("trivial python at concurrency %d, per s" % CONC, t, ft, t / ft,
                                                 ">= 0.8x", baseline_columns(t, bt)))
    if b:
        print("%-44s %10.1f %10.1f %7.2fx" % ("  the baseline daemon", bt, ft, bt / ft))
    print("%-44s %10.1f %10s %8s  %s%s" % ("idle RSS MiB, coderunner-serve", rss[0] / 1024, "-", "-", "< 20",
                                           baseline_columns(rss[0] / 1024, brss[0] / 1024 if b else None)))
    print("%-44s %10.1f %10s %8s" % ("idle RSS MiB, its keeper and executor", rss[1] / 1024, "-", "-"))


def table(d):
    floors = {"cpp function mode": floor_cpp(), "python stdio": floor_python()}
    print("EvaluateSolution, 3 tests, %d requests per level, %d workers" % (N, os.cpu_count()))
    print("%-18s %5s %9s %9s %8s %9s %7s" % ("request", "conc", "p50 ms", "p99 ms", "req/s", "floor ms",
                                             "p50/fl"))
    for name, case in (("cpp function mode", CPP), ("python stdio", PY)):
        for conc in (1, 4, 16):
            p50, p99, tput = run_level(d, case, conc)
            print("%-18s %5d %9.1f %9.1f %8.2f %9.1f %6.2fx" % (name, conc, p50, p99, tput, floors[name],
                                                               p50 / floors[name]))


def baseline_daemon():
    path = os.environ.get("CODERUNNER_BASELINE")
    if not path:
        return None
    ours, conftest.CODERUNNER = conftest.CODERUNNER, path
    try:
        return Daemon(CODERUNNER_WORKERS=CONC, CODERUNNER_QUEUE_LENGTH=64)
    finally:
        conftest.CODERUNNER = ours


def main():
    d = Daemon(CODERUNNER_WORKERS=CONC, CODERUNNER_QUEUE_LENGTH=64)
    b = None
    try:
        b = baseline_daemon()
        goals(d, b)
        if "--table" in sys.argv:
            table(d)
    finally:
        d.stop()
        if b:
            b.stop()


if __name__ == "__main__":
    main()
