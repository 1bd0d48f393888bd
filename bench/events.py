#!/usr/bin/python3
"""The events publisher's numbers, against librdkafka's mock cluster
(tests/events/mock-broker, loopback):

1. drain: events/s from the outbox to the broker. N rows are put in a
   stopped daemon's outbox (SQLite), the daemon is started, and the time
   until the last one is marked sent (acks=all, delivery report, UPDATE) is
   measured (and the span between the first and the last row marked
   sent, which leaves the start-up out).
2. cost per execution: EvaluateSolution at concurrency 8 with a trivial
   program, and the CPU time of the publisher's threads (cr-events and
   librdkafka's rdk:*) next to the CPU time of everything the request took
   (the daemon, its executor and the sandboxes: wait4's rusage). On a
   CPU-bound machine that share is what the publisher takes from
   EvaluateSolution throughput (the goal: under 5 %). Jobs/s is printed
   for Kafka and for the file sink side by side.
3. throughput with events and without (`ab`): two daemons, one publishing
   (Kafka to the mock broker, or the file sink) and one with
   CODERUNNER_EVENTS_SINK=none, take the same EvaluateSolution load in turn,
   A B A B ...; a round of the publishing daemon ends only when its outbox
   is drained, so the publisher's work is inside its time. Each pair's
   ratio (with events / without) is printed, then the median: the goal is
   at least 0.95 (the publisher costs EvaluateSolution under 5 %).

Numbers, not a test. Run as root, preferably on a quiet machine.

usage: bench/events.py [ROWS] [REQUESTS]   (defaults 20000 and 200)
       bench/events.py ab [ROUNDS] [REQUESTS] [kafka|file]   (defaults 5, 100, kafka)
env: CODERUNNER, CODERUNNER_DATADIR, CODERUNNER_IMAGE_STORE as for tests/system"""
import os
import signal
import sqlite3
import statistics
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests/events"))
sys.path.insert(0, os.path.join(TOP, "tests/system"))  # its conftest, not the events tier's
os.environ.setdefault("CODERUNNER_DATADIR", TOP)
os.environ.setdefault("CODERUNNER", os.path.join(TOP, "build/gcc/coderunner"))
from conftest import Daemon, request  # noqa: E402
from kafka import MockBroker  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "ab" else 20000
REQUESTS = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] != "ab" else 200
TICK = os.sysconf("SC_CLK_TCK")
PAYLOAD = '{"execution_id":"%s","challenge_id":"c","code_version_id":"v","student_id":"s","language":"python",' \
          '"status":"completed","timestamp":"2026-01-01T00:00:00Z","execution_time_ms":12,"total_tests":1,' \
          '"passed_tests":1,"failed_tests":0,"success":true,"server_instance":"bench"}'


def unsent(state_dir):
    db = sqlite3.connect(os.path.join(state_dir, "coderunner.db"), timeout=30)
    try:
        return db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
    finally:
        db.close()


def drain(broker):
    d = Daemon(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap)     # creates and migrates the store
    state = d.state_dir
    d.state_dir = None                                       # keep it for the second start
    d.stop()
    db = sqlite3.connect(os.path.join(state, "coderunner.db"))
    db.executemany("INSERT INTO outbox (event_key, topic, event_type, payload) VALUES (?, ?, ?, ?)",
                   (("k%d" % i, "execution.analytics", "execution.analytics", PAYLOAD % i) for i in range(ROWS)))
    db.commit()
    db.close()
    t0 = time.monotonic()
    d = Daemon(CODERUNNER_STATE_DIR=state, KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap)
    while unsent(state):
        time.sleep(0.05)
    took = time.monotonic() - t0
    db = sqlite3.connect(os.path.join(state, "coderunner.db"))
    first, last = db.execute("SELECT min(sent_at), max(sent_at) FROM outbox").fetchone()
    db.close()
    d.state_dir = state
    d.stop()
    # sent_at: 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC); the span of the marks
    # leaves the daemon's start-up out
    span = (time.mktime(time.strptime(last[:19], "%Y-%m-%d %H:%M:%S")) + float("0" + last[19:])) - \
           (time.mktime(time.strptime(first[:19], "%Y-%m-%d %H:%M:%S")) + float("0" + first[19:]))
    return ROWS / took, ROWS / max(span, 1e-3)


def thread_cpu(pid, prefixes):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if name.startswith(prefixes):
            total += int(fields[11]) + int(fields[12])       # utime + stime
    return total / TICK


def load(d, n, conc=8):
    todo, lock = list(range(n)), threading.Lock()

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            r = d.stub.EvaluateSolution(request("print(int(input()) + 1)\n", [("t", str(i), str(i + 1))],
                                                language="python"), timeout=300)
            assert r.success, r
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return n / (time.monotonic() - t0)


def cost(env):
    d = Daemon(**env)
    load(d, 16)                                              # warm
    rate = load(d, REQUESTS)
    while unsent(d.state_dir):
        time.sleep(0.05)
    publisher = thread_cpu(d.proc.pid, ("cr-events", "rdk:"))
    d.channel.close()
    d.proc.send_signal(signal.SIGTERM)
    _, _, usage = os.wait4(d.proc.pid, 0)
    d.proc.returncode = 0
    d.stop()
    return rate, publisher, usage.ru_utime + usage.ru_stime


def timed_round(d, n, drain):
    """EvaluateSolution/s for n requests; with drain, the clock stops when
    the outbox is empty too."""
    t0 = time.monotonic()
    load(d, n)
    while drain and unsent(d.state_dir):
        time.sleep(0.01)
    return n / (time.monotonic() - t0)


def side_by_side(rounds, n, sink, broker):
    env = {"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap} if sink == "kafka" else {}
    on, off = Daemon(**env), Daemon(CODERUNNER_EVENTS_SINK="none", **env)
    try:
        for d in (on, off):
            load(d, 16)                                      # warm: images, page cache, pools
        ratios = []
        for i in range(rounds):
            a = timed_round(on, n, True)
            b = timed_round(off, n, False)
            ratios.append(a / b)
            print("round %d: with events (%s) %.2f/s, without %.2f/s, ratio %.3f" % (i + 1, sink, a, b, a / b),
                  flush=True)
        print("EvaluateSolution throughput with events / without, %d pairs of %d requests at concurrency 8: "
              "median %.3f (min %.3f, max %.3f); goal >= 0.95" %
              (rounds, n, statistics.median(ratios), min(ratios), max(ratios)))
        print("load average: %s" % open("/proc/loadavg").read().strip())
    finally:
        on.stop()
        off.stop()


def main():
    broker = MockBroker()
    if len(sys.argv) > 1 and sys.argv[1] == "ab":
        try:
            side_by_side(int(sys.argv[2]) if len(sys.argv) > 2 else 5,
                         int(sys.argv[3]) if len(sys.argv) > 3 else 100,
                         sys.argv[4] if len(sys.argv) > 4 else "kafka", broker)
        finally:
            broker.close()
        return
    try:
        start_to_end, steady = drain(broker)
        print("drain: %.0f events/s from the outbox to the mock broker (%d rows, SQLite; %.0f/s counting the "
              "daemon's start-up)" % (steady, ROWS, start_to_end))
        for name, env in (("kafka", {"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap}), ("file", {})):
            rate, pub, total = cost(env)
            print("%-5s: %.1f EvaluateSolution/s at concurrency 8; publisher threads %.3f s CPU of %.3f s "
                  "in all = %.2f %% (%.2f ms per execution)" % (name, rate, pub, total, 100 * pub / total,
                                                                 1000 * pub / (REQUESTS + 16)))
    finally:
        broker.close()


if __name__ == "__main__":
    main()
