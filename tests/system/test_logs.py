"""The daemon's log: one line per event, JSON or text as LOG_FORMAT says, and
never the source code, stdin, program output or a secret, at any level
(issue 12, "Logs"). Each of those carries a marker of its own; the daemon
runs at LOG_LEVEL=debug, sees them in every path a job can take (accepted,
compile error, runtime error with output on both streams, wrong answer,
custom validation) and stops; then no marker may appear in its output."""
import json
import os
import subprocess

import pytest

from conftest import CODERUNNER, Daemon, request

T1 = "123ad9ef-0000-4000-8000-41ba034a32e1"
SECRETS = {"DB_PASSWORD": "pw-MARKER-d1", "KAFKA_CONNECTION_STRING": "Endpoint=sb://x/;SharedAccessKeyName=send;SharedAccessKey=key-MARKER-k2"}
MARKERS = ["SRC-MARKER-a7", "STDIN-MARKER-b8", "OUT-MARKER-c9", "ERR-MARKER-e5", "EXPECT-MARKER-f6",
           "VALIDATOR-MARKER-g3", "pw-MARKER-d1", "key-MARKER-k2"]

JOBS = [
    # accepted: source, stdin and output each carry a marker
    ("# SRC-MARKER-a7\nprint(input())\n", "OUT-MARKER-c9 STDIN-MARKER-b8", "OUT-MARKER-c9 STDIN-MARKER-b8"),
    # wrong answer: the expected output's marker too
    ("# SRC-MARKER-a7\nprint('OUT-MARKER-c9')\n", "STDIN-MARKER-b8", "EXPECT-MARKER-f6"),
    # runtime error with both streams written
    ("# SRC-MARKER-a7\nimport sys\nprint('OUT-MARKER-c9')\nsys.stderr.write('ERR-MARKER-e5')\nraise SystemExit(3)\n",
     "STDIN-MARKER-b8", "EXPECT-MARKER-f6"),
    # compile (syntax) error: the compiler quotes the source back
    ("SRC-MARKER-a7 = = (\n", "STDIN-MARKER-b8", "EXPECT-MARKER-f6"),
]


def run_jobs(d):
    for code, stdin, expected in JOBS:
        r = d.stub.EvaluateSolution(request(code, [(T1, stdin, expected)], language="python"), timeout=120)
        assert r.completed, r
    # custom validation code is the client's source too
    validator = "# VALIDATOR-MARKER-g3\ndef validate(actual, expected):\n    return True\n"
    d.stub.EvaluateSolution(request("print(input())\n", [(T1, "STDIN-MARKER-b8", "x", validator)],
                                    language="python"), timeout=120)


def daemon_output(**env):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(LOG_LEVEL="debug", **SECRETS, **env)
    try:
        run_jobs(d)
    finally:
        out = d.output()
        assert d.stop() == 0, out
    return out


def assert_no_marker(out):
    for m in MARKERS:
        assert m not in out, "%s reached the log:\n%s" % (m, out)


def test_json_log_lines_and_nothing_of_a_job():
    out = daemon_output(LOG_FORMAT="json")
    lines = out.splitlines()
    assert len(lines) >= 3, out
    for line in lines:
        rec = json.loads(line)  # every line is one JSON object
        assert {"ts", "level", "src", "msg"} <= rec.keys(), line
        assert rec["level"] in ("error", "warning", "notice", "info", "debug"), line
        assert "\n" not in rec["msg"]
    assert any(json.loads(line).get("event") == "ready" for line in lines), out
    assert_no_marker(out)


def test_text_log_and_nothing_of_a_job():
    out = daemon_output(LOG_FORMAT="text")
    for line in out.splitlines():
        assert line.startswith("coderunner: "), line
    assert_no_marker(out)


def test_config_never_prints_a_secret():
    env = dict(os.environ, **SECRETS)
    p = subprocess.run([CODERUNNER, "config"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       check=True)
    assert_no_marker(p.stdout + p.stderr)
