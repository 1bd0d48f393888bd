"""Kafka for tests: librdkafka's mock cluster in its own process
(tests/events/mock-broker, a real TCP listener on loopback) and a real
consumer (Debian's python3-confluent-kafka, visible to /usr/bin/python3)."""
import json
import os
import subprocess
import time

from confluent_kafka import Consumer, KafkaError, TopicPartition

BUILD = os.environ.get("top_builddir") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build/gcc")
MOCK_BROKER = os.path.join(BUILD, "tests/events/mock-broker")


class MockBroker:
    """One mock cluster; commands go over the helper's stdin (see
    mock-broker.c), each answered before the call returns."""

    def __init__(self, brokers=1, topics=()):
        args = [MOCK_BROKER, "--brokers", str(brokers)]
        for t in topics:
            args += ["--topic", t]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "bootstrap":
            raise RuntimeError("mock-broker did not start: %r" % line)
        self.bootstrap = line[1]

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError("mock-broker %r: %s" % (text, answer))

    def down(self, broker=-1):
        self.command("down %d" % broker)

    def up(self, broker=-1):
        self.command("up %d" % broker)

    def produce_errors(self, code, count):
        """The next `count` Produce requests fail with Kafka error `code`."""
        self.command("errors 0 %d %d" % (code, count))

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def consume(bootstrap, topics, count, timeout=60.0, idle=2.0):
    """Every message of `topics` from the beginning, until `count` arrived
    and nothing more came for `idle` seconds (so duplicates are seen too), or
    `timeout`. Returns a list of (topic, key, value-as-JSON)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "test-%d-%d" % (os.getpid(), time.monotonic_ns()),
                  "auto.offset.reset": "earliest", "enable.auto.commit": False, "log_level": 3})
    out = []
    try:
        c.subscribe(list(topics))
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is None:
                if len(out) >= count and time.monotonic() - last > idle:
                    break
                continue
            if m.error():
                if m.error().code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                    continue
                raise RuntimeError(str(m.error()))
            last = time.monotonic()
            out.append((m.topic(), m.key().decode(), json.loads(m.value())))
    finally:
        c.close()
    return out
