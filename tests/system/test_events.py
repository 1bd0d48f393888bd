"""Events through the transactional outbox, under real daemons: the mock
Kafka cluster (librdkafka's, in its own process, tests/events/mock-broker)
and a real consumer (python3-confluent-kafka). Events arrive with the
documented JSON; a broker outage during a burst loses nothing; kill -9 with
a non-empty outbox loses nothing; failed deliveries are retried; without a
broker the file gets the same events; several instances on one PostgreSQL
publish each row once; a bad setting stops start-up with one line; the Event
Hub secret is never shown."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import CODERUNNER, Daemon, free_port, request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "events"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "store"))
from kafka import MockBroker, consume  # noqa: E402
import pgcluster  # noqa: E402

TOPICS = ["execution.analytics", "challenge.completed"]
CHALLENGE = "9f0d0b5b-0fb6-40a6-a2eb-14f2850f54aa"
CODE_VERSION = "d6a09a11-7d4c-4b4e-9e29-2d1bb2f0a5c1"
T1 = "123ad9ef-0000-4000-8000-41ba034a32e1"
T2 = "b1295bd0-0000-4000-8000-230b5f539ce5"
PY_SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
# a stdin program: C++ without the function-mode harness compiles fast enough
# on a loaded machine
CPP_ADD_ONE = "#include <cstdio>\nint main() { int x; if (scanf(\"%d\", &x) != 1) return 1; printf(\"%d\\n\", x + 1); }\n"
ANALYTICS_FIELDS = ["execution_id", "challenge_id", "code_version_id", "student_id", "language", "status",
                    "timestamp", "execution_time_ms", "memory_usage_mb", "exit_code", "total_tests", "passed_tests",
                    "failed_tests", "success", "error_message", "error_type", "compilation_success",
                    "compilation_time_ms", "compilation_error", "compilation_warnings", "test_results",
                    "server_instance"]


@pytest.fixture(autouse=True)
def root():
    if os.geteuid() != 0:
        pytest.skip("needs root")


@pytest.fixture
def broker():
    b = MockBroker()
    yield b
    b.close()


def student():
    return str(uuid.uuid4())


def evaluate(d, code, tests, language, sid):
    return d.stub.EvaluateSolution(request(code, tests, language=language,
                                           ids={"challenge": CHALLENGE, "code_version": CODE_VERSION,
                                                "student": sid}), timeout=300)


def analytics_by_student(messages):
    out = {}
    for topic, key, value in messages:
        if topic == "execution.analytics":
            out.setdefault(value["student_id"], []).append((key, value))
    return out


def in_order(value):
    """Field names in the original's order (a subsequence of its list)."""
    keys = list(value)
    positions = [ANALYTICS_FIELDS.index(k) for k in keys]
    return positions == sorted(positions)


def outbox_unsent(d):
    conn = sqlite3.connect(os.path.join(d.state_dir, "coderunner.db"))
    try:
        return conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
    finally:
        conn.close()


def test_events_arrive_with_documented_json(broker):
    d = Daemon(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap)
    sids = {name: student() for name in ("pass", "wrong", "compile", "timeout")}
    try:
        evaluate(d, CPP_ADD_ONE, [(T1, "0", "1"), (T2, "5", "6")], "cpp", sids["pass"])
        evaluate(d, PY_SUM, [(T1, "1 2", "3"), (T2, "2 2", "5")], "python", sids["wrong"])
        evaluate(d, "int addOne(int x) { return y; }", [(T1, "0", "1")], "cpp", sids["compile"])
        evaluate(d, "while True:\n    pass\n", [(T1, "", "x")], "python", sids["timeout"])
        got = consume(broker.bootstrap, TOPICS, 8)
    finally:
        d.stop()
    by = analytics_by_student(got)
    for name, sid in sids.items():
        assert len(by.get(sid, [])) == 1, (name, got)
        key, v = by[sid][0]
        assert v["execution_id"] == key and uuid.UUID(key)
        assert in_order(v), list(v)
        assert v["challenge_id"] == CHALLENGE and v["code_version_id"] == CODE_VERSION
        assert v["failed_tests"] == v["total_tests"] - v["passed_tests"]
        assert v["status"] in ("completed", "failed", "timeout", "error")
    p = by[sids["pass"]][0][1]
    assert p["language"] == "cpp" and p["status"] == "completed" and p["success"] is True, p
    assert p["total_tests"] == 2 and p["passed_tests"] == 2 and p["compilation_success"] is True
    assert [t["test_id"] for t in p["test_results"]] == [T1, T2] and all(t["passed"] for t in p["test_results"])
    assert p["memory_usage_mb"] > 0
    w = by[sids["wrong"]][0][1]
    assert w["language"] == "python" and w["status"] == "completed" and w["success"] is False
    assert w["passed_tests"] == 1 and w["test_results"][1]["passed"] is False
    assert w["test_results"][1]["error_message"]
    assert "compilation_success" not in w
    c = by[sids["compile"]][0][1]
    assert c["status"] == "completed" and c["compilation_success"] is False and c["compilation_error"]
    t = by[sids["timeout"]][0][1]
    assert t["status"] == "timeout"
    challenge = [v for topic, _, v in got if topic == "challenge.completed"]
    assert sorted(v["userId"] for v in challenge) == sorted(sids.values())
    assert all(list(v) == ["challengeId", "userId", "executionId", "status", "score", "totalTests",
                           "passedTests", "executionTimeMs", "timestamp"] for v in challenge)


def burst(d, n, sids, conc=4):
    todo = list(sids[:n])
    lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                sid = todo.pop()
            try:
                r = evaluate(d, PY_SUM, [(T1, "1 2", "3")], "python", sid)
                assert r.success
            except Exception as e:  # noqa: BLE001
                errors.append(e)
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    return threads, errors


def test_broker_down_10s_during_200_executions(broker):
    d = Daemon(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap, KAFKA_PRODUCER_TIMEOUT_MS=2000)
    sids = [student() for _ in range(200)]
    try:
        threads, errors = burst(d, 200, sids)
        time.sleep(2)
        broker.down()
        time.sleep(10)
        broker.up()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        got = consume(broker.bootstrap, TOPICS, 400, timeout=180)
    finally:
        d.stop()
    by = analytics_by_student(got)
    assert set(by) == set(sids)                              # every execution's event arrived
    challenge = {v["userId"] for topic, _, v in got if topic == "challenge.completed"}
    assert challenge == set(sids)


def test_kill_9_with_unsent_events_then_restart(broker):
    broker.down()
    d = Daemon(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap, KAFKA_PRODUCER_TIMEOUT_MS=1000)
    sids = [student() for _ in range(20)]
    try:
        threads, errors = burst(d, 20, sids)
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        assert outbox_unsent(d) == 40                        # the broker is down: all waiting
    except BaseException:
        d.stop()
        raise
    state = d.state_dir
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    d.channel.close()
    os.unlink(d.log.name)
    broker.up()
    # the same port: the same instance id, whose claims are its own
    d2 = Daemon(port=d.port, CODERUNNER_STATE_DIR=state, KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap)
    d2.state_dir = state                                     # removed by stop()
    try:
        got = consume(broker.bootstrap, TOPICS, 40, timeout=120)
        deadline = time.monotonic() + 30
        while outbox_unsent(d2) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert outbox_unsent(d2) == 0
    finally:
        d2.stop()
    assert set(analytics_by_student(got)) == set(sids)


def test_failed_deliveries_are_retried_and_logged(broker):
    # MESSAGE_TOO_LARGE (10) is not retriable by librdkafka: each is a failed
    # delivery the outbox schedules again
    broker.produce_errors(10, 6)
    d = Daemon(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap, KAFKA_ENABLE_IDEMPOTENCE="false")
    sids = [student() for _ in range(3)]
    try:
        for sid in sids:
            evaluate(d, PY_SUM, [(T1, "1 2", "3")], "python", sid)
        got = consume(broker.bootstrap, TOPICS, 6, timeout=120)
        rows = sqlite3.connect(os.path.join(d.state_dir, "coderunner.db")).execute(
            "SELECT max(attempts), count(*) FROM outbox WHERE sent_at IS NOT NULL").fetchone()
    finally:
        d.stop()
    assert set(analytics_by_student(got)) == set(sids)
    assert rows[0] >= 1 and rows[1] == 6                     # some were retried, all were sent


def metrics(d):
    """{name: value} of the unlabelled samples on GET /metrics, parsed by
    Prometheus' own text-format parser."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % d.http_port, timeout=10) as r:
        text = r.read().decode()
    return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples
            if not s.labels or s.labels == {"le": "+Inf"}}


def wait_metric(d, pred, timeout=60):
    deadline = time.monotonic() + timeout
    while not pred(metrics(d)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return metrics(d)


def test_stuck_publisher_says_so(broker):
    """The log line and /metrics: depth, oldest age, stuck and failures while
    the broker is down; all delivered, with their latency, once it is back."""
    broker.down()
    d = Daemon(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap, KAFKA_PRODUCER_TIMEOUT_MS=500,
               CODERUNNER_EVENTS_STUCK_SECONDS=2)
    try:
        evaluate(d, PY_SUM, [(T1, "1 2", "3")], "python", student())
        deadline = time.monotonic() + 60
        while "Events are not being delivered" not in d.output() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "Events are not being delivered" in d.output()
        m = wait_metric(d, lambda m: m.get("coderunner_events_publish_failures_total", 0) >= 1 and
                        m.get("coderunner_events_stuck") == 1)
        assert m["coderunner_outbox_depth"] == 2, m  # both events of the one execution
        assert m["coderunner_events_stuck"] == 1 and m["coderunner_outbox_oldest_unsent_seconds"] > 2, m
        assert m["coderunner_events_publish_failures_total"] >= 1 and m["coderunner_events_delivered_total"] == 0
        broker.up()
        deadline = time.monotonic() + 60
        while "Events are delivered again" not in d.output() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "Events are delivered again" in d.output()
        m = wait_metric(d, lambda m: m["coderunner_events_delivered_total"] >= 2 and
                        m["coderunner_outbox_depth"] == 0 and m["coderunner_events_stuck"] == 0)
        assert m["coderunner_outbox_depth"] == 0 and m["coderunner_events_stuck"] == 0, m
        assert m["coderunner_outbox_oldest_unsent_seconds"] == 0, m
        assert m["coderunner_events_delivered_total"] == 2, m
        assert m["coderunner_events_publish_latency_seconds_count"] == 2, m
        assert m["coderunner_events_publish_latency_seconds_bucket"] == 2, m  # le="+Inf"
        assert m["coderunner_events_publish_latency_seconds_sum"] > 2, m  # they waited out the outage
    finally:
        d.stop()


def test_file_sink_gets_the_same_events(broker):
    """The same requests with and without a broker: the file's records hold
    what the broker got, field for field (ids and times aside)."""
    results = []
    for env in ({"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap}, {}):
        d = Daemon(**env)
        sid = "c032e274-1b0e-4d8c-8f0b-6a2b8c9d0e1f"
        try:
            evaluate(d, PY_SUM, [(T1, "1 2", "3"), (T2, "2 2", "5")], "python", sid)
            if env:
                got = consume(broker.bootstrap, TOPICS, 2)
            else:
                path = os.path.join(d.state_dir, "events", "events.jsonl")
                deadline = time.monotonic() + 30
                while (not os.path.exists(path) or len(open(path).read().splitlines()) < 2) and \
                        time.monotonic() < deadline:
                    time.sleep(0.2)
                got = [(r["topic"], r["key"], r["value"]) for r in map(json.loads, open(path).read().splitlines())]
        finally:
            d.stop()
        results.append(got)
    volatile = {"execution_id", "executionId", "timestamp", "execution_time_ms", "executionTimeMs",
                "memory_usage_mb", "server_instance"}

    def stable(messages):
        out = []
        for topic, _, v in sorted(messages, key=lambda m: m[0]):
            v = {k: x for k, x in v.items() if k not in volatile}
            for t in v.get("test_results", []):
                t.pop("execution_time_ms", None)
            out.append((topic, v))
        return out
    assert len(results[0]) == 2 and stable(results[0]) == stable(results[1])


def test_events_sink_none_leaves_no_outbox_rows(broker):
    """CODERUNNER_EVENTS_SINK=none turns events off even with a broker
    configured: the result is stored, the outbox stays empty, the broker and
    the file get nothing, and the log says events are off."""
    d = Daemon(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap, CODERUNNER_EVENTS_SINK="none")
    try:
        r = evaluate(d, PY_SUM, [(T1, "1 2", "3")], "python", "5b3c1c0e-8f0e-4f55-9c11-0d8a2c3b4e5f")
        assert r.success, r
        db = sqlite3.connect(os.path.join(d.state_dir, "coderunner.db"), timeout=30)
        try:
            jobs = db.execute("SELECT count(*) FROM executions").fetchone()[0]
            outbox = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        finally:
            db.close()
        assert jobs == 1 and outbox == 0, (jobs, outbox)
        assert consume(broker.bootstrap, TOPICS, 1, timeout=3) == []
        assert not os.path.exists(os.path.join(d.state_dir, "events", "events.jsonl"))
        assert "Events: off (CODERUNNER_EVENTS_SINK=none)" in d.output()
    finally:
        d.stop()


@pytest.fixture(scope="module")
def pg():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    cluster = pgcluster.Cluster()
    yield cluster
    cluster.destroy()


def test_two_instances_on_postgresql_publish_each_row_once(broker, pg):
    db = "cre_" + uuid.uuid4().hex[:10]
    pg.create_db(db)
    env = dict(pg.env(db), KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap)
    a = Daemon(**env)
    b = Daemon(**env)
    sids = [student() for _ in range(40)]
    try:
        ta, ea = burst(a, 20, sids[:20], conc=2)
        tb, eb = burst(b, 20, sids[20:], conc=2)
        for t in ta + tb:
            t.join()
        assert not ea and not eb, (ea + eb)[:3]
        got = consume(broker.bootstrap, TOPICS, 80, timeout=120, idle=5)
        unsent = pg.sql("SELECT count(*) FROM outbox WHERE sent_at IS NULL", (), dbname=db)[0][0]
    finally:
        a.stop()
        b.stop()
    keys = [(topic, key) for topic, key, _ in got]
    assert len(set(keys)) == 80 and unsent == 0
    assert len(keys) == 80                                   # no row was published twice


SECRET_KEY = "k3y+With/Secret=="
CONNECTION = ("Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
              "SharedAccessKey=" + SECRET_KEY)


def test_bad_setting_stops_start_up_with_one_line(tmp_path):
    env = dict(os.environ, GRPC_PORT=str(free_port()), CODERUNNER_STATE_DIR=str(tmp_path),
               KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9092", KAFKA_COMPRESSION="brotli")
    r = subprocess.run([CODERUNNER, "serve"], env=env, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode != 0
    named = [line for line in (r.stdout + r.stderr).splitlines() if "KAFKA_COMPRESSION" in line]
    assert len(named) == 1 and "brotli" in named[0], r.stdout + r.stderr


def test_event_hub_secret_never_shown(tmp_path):
    # coderunner config: redacted, and the mapping is visible
    env = dict(os.environ, KAFKA_CONNECTION_STRING=CONNECTION)
    r = subprocess.run([CODERUNNER, "config"], env=env, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert SECRET_KEY not in r.stdout + r.stderr
    assert "KAFKA_CONNECTION_STRING=<redacted>" in r.stdout
    for line in ("bootstrap.servers=ns1.servicebus.windows.net:9093", "security.protocol=SASL_SSL",
                 "sasl.mechanisms=PLAIN", "sasl.username=$ConnectionString", "sasl.password=<redacted>"):
        assert "# producer: " + line in r.stdout, r.stdout
    # the daemon, publishing to a loopback port nobody listens on: its log
    # says where events go and why they are stuck, never the secret
    closed = free_port()
    d = Daemon(KAFKA_CONNECTION_STRING=CONNECTION, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:%d" % closed,
               KAFKA_PRODUCER_TIMEOUT_MS=500, CODERUNNER_EVENTS_STUCK_SECONDS=1)
    try:
        evaluate(d, PY_SUM, [(T1, "1 2", "3")], "python", student())
        deadline = time.monotonic() + 60
        while "Events are not being delivered" not in d.output() and time.monotonic() < deadline:
            time.sleep(0.5)
        out = d.output()
    finally:
        d.stop()
    assert "Events are not being delivered" in out and "SASL_SSL" in out
    assert SECRET_KEY not in out and "SharedAccessKey=" not in out
