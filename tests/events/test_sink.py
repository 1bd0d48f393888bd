"""events/'s sinks seen from outside: tests/events/event-send sends through
them, a real consumer reads what the broker (librdkafka's mock cluster in
its own process) or the file got."""
import json
import os
import subprocess
import tempfile
import threading
import time

import pytest

from kafka import BUILD, consume

EVENT_SEND = os.path.join(BUILD, "tests/events/event-send")
ANALYTICS_FIELDS = ["execution_id", "challenge_id", "code_version_id", "student_id", "language", "status",
                    "timestamp", "execution_time_ms", "total_tests", "passed_tests", "failed_tests", "success",
                    "test_results", "server_instance"]


def send(count, deadline=60, **env):
    e = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    e.update({k: str(v) for k, v in env.items()})
    return subprocess.run([EVENT_SEND, str(count), str(deadline)], env=e, capture_output=True, text=True,
                          timeout=deadline + 60)


def by_topic(messages, topic):
    return [m for m in messages if m[0] == topic]


def test_events_arrive_with_documented_json(broker):
    r = send(20, KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap)
    assert r.returncode == 0, r.stdout + r.stderr
    got = consume(broker.bootstrap, ["execution.analytics", "challenge.completed"], 40)
    analytics = by_topic(got, "execution.analytics")
    challenge = by_topic(got, "challenge.completed")
    assert len(analytics) == 20 and len(challenge) == 20
    for _, key, value in analytics:
        assert list(value) == ANALYTICS_FIELDS          # the original's names, in its order
        assert value["execution_id"] == key             # keyed by execution id
        assert value["status"] in ("completed", "failed", "timeout", "error")
        assert value["failed_tests"] == value["total_tests"] - value["passed_tests"]
    for _, key, value in challenge:
        assert list(value) == ["challengeId", "userId", "executionId", "status", "score", "totalTests",
                               "passedTests", "executionTimeMs", "timestamp"]
        assert value["executionId"] == key
    assert sorted(k for _, k, _ in analytics) == sorted(k for _, k, _ in challenge)


def test_custom_challenge_topic_and_compression(broker):
    r = send(5, KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap, KAFKA_TOPIC="grades", KAFKA_COMPRESSION="zstd")
    assert r.returncode == 0, r.stdout + r.stderr
    got = consume(broker.bootstrap, ["grades"], 5)
    assert len(got) == 5 and all(v["score"] == 100 for _, _, v in got)


def test_broker_down_then_up_delivers_everything(broker):
    broker.down()
    result = {}

    def run():
        result["r"] = send(50, deadline=90, KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
                           KAFKA_PRODUCER_TIMEOUT_MS=2000)
    t = threading.Thread(target=run)
    t.start()
    time.sleep(5)                                       # several producer timeouts pass
    broker.up()
    t.join()
    r = result["r"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert "failed" in r.stdout                         # the outage was seen and sent again
    got = consume(broker.bootstrap, ["execution.analytics", "challenge.completed"], 100)
    keys = {(topic, k) for topic, k, _ in got}
    assert len(keys) == 100                             # every event; duplicates allowed


def test_produce_errors_are_retried(broker):
    # NOT_ENOUGH_REPLICAS (19) is retriable: librdkafka retries it itself
    broker.produce_errors(19, 3)
    r = send(5, KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap)
    assert r.returncode == 0, r.stdout + r.stderr
    got = consume(broker.bootstrap, ["execution.analytics", "challenge.completed"], 10)
    assert len({(t, k) for t, k, _ in got}) == 10


def test_permanent_produce_errors_fail_the_report_and_resend_works(broker):
    # MESSAGE_TOO_LARGE (10) is not retriable: the report says failed and
    # the caller (the outbox) sends again
    broker.produce_errors(10, 2)
    r = send(3, KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap, KAFKA_ENABLE_IDEMPOTENCE="false")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "failed" in r.stdout
    got = consume(broker.bootstrap, ["execution.analytics", "challenge.completed"], 6)
    assert len({(t, k) for t, k, _ in got}) == 6


def test_file_sink_when_no_broker(tmp_path):
    r = send(7, CODERUNNER_EVENTS_DIR=str(tmp_path / "events"))
    assert r.returncode == 0, r.stdout + r.stderr
    lines = (tmp_path / "events" / "events.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 14
    assert [list(r) for r in records] == [["topic", "key", "value"]] * 14
    analytics = [r for r in records if r["topic"] == "execution.analytics"]
    assert len(analytics) == 7 and all(list(r["value"]) == ANALYTICS_FIELDS for r in analytics)
    assert all(r["value"]["execution_id"] == r["key"] for r in analytics)


def test_bad_setting_is_one_line_naming_the_variable():
    r = send(1, KAFKA_BOOTSTRAP_SERVERS="no-port")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "KAFKA_BOOTSTRAP_SERVERS" in lines[0]
