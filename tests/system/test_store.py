"""Jobs that survive: the job store under real daemons, on SQLite (the default)
and on a real PostgreSQL 15 the test starts (tests/store/pgcluster.py):
a row for every verdict, the status read back after a restart, kill -9 and
restart (on both backends), two daemons sharing one queue (each job once, a busy
instance's calls run by the other, leases renewed by a live instance and taken
over from a dead one, Watch on either), PostgreSQL stopped under load, the
asynchronous native API, and retention."""
import json
import os
import signal
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import grpc
import pytest

from conftest import Daemon, free_port, request
import code_execution_pb2 as ce
import code_execution_pb2_grpc as ce_grpc
import health_pb2
from coderunner.v1 import coderunner_pb2 as v1
from coderunner.v1 import coderunner_pb2_grpc as v1_grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "store"))
import pgcluster  # noqa: E402
from original import ORIGINAL_ROWS, load_original  # noqa: E402

T1 = "123ad9ef-0000-4000-8000-41ba034a32e1"
T2 = "b1295bd0-0000-4000-8000-230b5f539ce5"
ADD_ONE = "int addOne(int x) {\n    return x + 1;\n}"
PY_SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
PY_SLOW = "import time\ntime.sleep(%s)\nprint('done')\n"
CHALLENGE = "9f0d0b5b-0fb6-40a6-a2eb-14f2850f54aa"
CODE_VERSION = "d6a09a11-7d4c-4b4e-9e29-2d1bb2f0a5c1"
FINAL = ("completed", "failed", "timed_out", "cancelled")


@pytest.fixture(scope="module")
def pg():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    cluster = pgcluster.Cluster()
    yield cluster
    cluster.destroy()


def new_db(pg):
    name = "crs_" + uuid.uuid4().hex[:10]
    pg.create_db(name)
    return name


def native(d):
    return v1_grpc.CodeRunnerStub(d.channel)


def py_req(code, stdin="", expected=None, **kw):
    tests = [v1.TestCase(id="t", stdin=stdin.encode(), expected_stdout=(expected or "").encode(),
                         check_stdout=expected is not None)]
    return v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=code.encode())],
                             tests=tests, **kw)


def wait_state(stub, exec_id, states, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        e = stub.Get(v1.GetRequest(execution_id=exec_id), timeout=30)
        if v1.ExecutionState.Name(e.state) in states:
            return e
        assert time.monotonic() < deadline, "execution %s still %s" % (exec_id, v1.ExecutionState.Name(e.state))
        time.sleep(0.1)


class Rows:
    """The rows, read with the database's own client."""

    def __init__(self, pg=None, db=None, sqlite_path=None):
        self.pg, self.db, self.path = pg, db, sqlite_path

    def query(self, sql, args=()):
        if self.pg:
            return self.pg.sql(sql.replace("?", "%s"), args, dbname=self.db)
        conn = sqlite3.connect(self.path)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def execution(self, exec_id):
        cols = ["status", "solution_id", "challenge_id", "code_version_id", "student_id", "language", "success",
                "total_tests", "passed_tests", "approved_test_ids", "failed_test_ids", "error_type",
                "error_message", "memory_usage_mb", "server_instance", "client_ip", "user_agent",
                "compilation_error", "runtime_error", "execution_time_ms", "attempts", "service"]
        rows = self.query("SELECT %s FROM executions WHERE id = ?" % ", ".join(cols), (exec_id,))
        assert rows, "no row for %s" % exec_id
        return dict(zip(cols, rows[0]))


def daemon_on(backend, pg=None, **env):
    if backend == "postgresql":
        db = new_db(pg)
        d = Daemon(**pg.env(db), **env)
        return d, Rows(pg=pg, db=db)
    d = Daemon(**env)
    return d, Rows(sqlite_path=os.path.join(d.state_dir, "coderunner.db"))


# ------------------------------------------------------------ a row for every verdict

@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_rows_for_every_verdict(request_fixture_pg, backend):
    d, rows = daemon_on(backend, request_fixture_pg)
    try:
        ok = d.stub.EvaluateSolution(request(PY_SUM, [(T1, "1 2", "3"), (T2, "2 2", "4")], language="python"),
                                     timeout=120)
        wrong = d.stub.EvaluateSolution(request(PY_SUM, [(T1, "1 2", "3"), (T2, "2 2", "5")],
                                                language="python"), timeout=120)
        slow = d.stub.EvaluateSolution(request("while True:\n    pass\n", [(T1, "", "x")], language="python"),
                                       timeout=120)
        crash = d.stub.EvaluateSolution(request("import sys\nsys.stderr.write('boom\\n')\nsys.exit(3)\n",
                                                [(T1, "", "x")], language="python"), timeout=120)
        # function mode: its generated harness is stored whatever the verdict
        # (g++ on doctest can exceed its limits on a loaded machine)
        d.stub.EvaluateSolution(request(ADD_ONE, [(T1, "0", "1"), (T2, "5", "6")]), timeout=180)
        assert ok.success and wrong.passed_tests == 1 and slow.error_type == "timeout"
        assert crash.error_type == "runtime_error"
        with pytest.raises(grpc.RpcError) as e:  # the client leaves: the job is cancelled
            d.stub.EvaluateSolution(request(PY_SLOW % 30, [(T1, "", "done")], language="python"), timeout=1.5)
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        ids = [r[0] for r in rows.query("SELECT id FROM executions")]
        assert len(ids) == 6
        assert pgcluster.wait_for(lambda: rows.query("SELECT count(*) FROM executions WHERE status = 'cancelled'")
                                  [0][0] == 1, timeout=30)
        statuses = sorted(r[0] for r in rows.query("SELECT status FROM executions"))
        assert statuses == ["cancelled"] + ["completed"] * 4 + ["timed_out"], statuses
        by = {}
        ids = [str(i) for i in ids]
        for exec_id in ids:
            r = rows.execution(exec_id)
            by.setdefault(r["status"], []).append((exec_id, r))
        inst = "%s:%d" % (os.uname().nodename, d.port)
        for exec_id, r in by["completed"] + by["timed_out"]:
            assert r["solution_id"] == r["challenge_id"] == CHALLENGE  # the original's quirk, kept
            assert r["code_version_id"] == CODE_VERSION
            assert r["server_instance"] == inst and r["client_ip"] == "127.0.0.1"
            assert "grpc-python" in r["user_agent"] and r["service"] == "EvaluateSolution"
            assert r["execution_time_ms"] > 0 and r["attempts"] == 1
            assert float(r["memory_usage_mb"]) > 0 or r["language"] == "cpp"  # its compile may time out
            results = rows.query("SELECT test_id, passed, verdict FROM execution_test_results"
                                 " WHERE execution_id = ? ORDER BY test_index", (exec_id,))
            assert len(results) == r["total_tests"]
            payload = json.loads(rows.query("SELECT payload FROM outbox WHERE event_key = ? AND topic = ?",
                                            (exec_id, "execution.analytics"))[0][0])
            # the consumer's vocabulary (docs/events.md): a row's timed_out is the event's timeout
            assert payload["execution_id"] == exec_id
            assert payload["status"] == {"timed_out": "timeout"}.get(r["status"], r["status"])
            assert payload["code_version_id"] == CODE_VERSION and payload["server_instance"] == inst
            assert payload["passed_tests"] == r["passed_tests"]
        by_err = {r["error_type"]: r for _, r in by["completed"] + by["timed_out"] if r["language"] == "python"}
        assert by_err["timeout"]["status"] == "timed_out" and by_err[""]["success"]
        assert by_err["test_failure"]["approved_test_ids"] == T1 and by_err["test_failure"]["failed_test_ids"] == T2
        assert "boom" in by_err["runtime_error"]["runtime_error"]
        gen = rows.query("SELECT challenge_id, generator_type, test_cases_count FROM generated_test_code")
        assert gen == [(CODE_VERSION, "cpp_template", 2)]  # the original's quirk: challenge_id holds the version
        # two events per judged job, one per topic (docs/events.md); none for the cancelled one
        assert rows.query("SELECT count(*) FROM outbox")[0][0] == 2 * 5
        cancelled = by["cancelled"][0][1]
        assert cancelled["error_message"] == "Execution cancelled"
    finally:
        d.stop()


@pytest.fixture
def request_fixture_pg(request):
    """PostgreSQL only for the parametrised PostgreSQL runs."""
    if "postgresql" in request.node.name:
        return request.getfixturevalue("pg")
    return None


def test_compile_error_row():
    d, rows = daemon_on("sqlite")
    try:
        r = d.stub.EvaluateSolution(request("int addOne(int x) { return x + ; }", [(T1, "0", "1")]), timeout=180)
        assert r.error_type == "compilation_error"
        row = rows.execution(rows.query("SELECT id FROM executions")[0][0])
        # like the original's rows: a compile error is a completed, judged run
        assert row["status"] == "completed" and "error" in row["compilation_error"]
    finally:
        d.stop()


# ------------------------------------------------------------ read back after a restart

def test_status_survives_a_restart(tmp_path):
    state = str(tmp_path)
    a = Daemon(CODERUNNER_STATE_DIR=state)
    try:
        r = ce_grpc.CodeExecutionServiceStub(a.channel).ExecuteCode(ce.CodeExecutionRequest(
            code_version_id=CODE_VERSION, student_id=CHALLENGE, language="python", code=PY_SUM,
            test_cases=[ce.CodeExecutionTestCase(code_version_test_id=T1, input="1 2", expected_output="3")]),
            timeout=120)
    finally:
        a.stop()
    b = Daemon(CODERUNNER_STATE_DIR=state)
    try:
        stub = ce_grpc.CodeExecutionServiceStub(b.channel)
        s = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=r.execution_id), timeout=10)
        assert s.status == ce.EXECUTION_STATUS_COMPLETED and s.success
        assert s.metadata == r.metadata and list(s.pipeline_steps) == list(r.pipeline_steps)
        logs = list(stub.StreamExecutionLogs(ce.StreamLogsRequest(execution_id=r.execution_id), timeout=30))
        assert [e.step_name for e in logs][:4] == ["validate", "compile", "run_tests", "judge"]
        assert any(e.metadata.get("test_id") == T1 for e in logs)
        e = native(b).Get(v1.GetRequest(execution_id=r.execution_id), timeout=10)
        assert e.state == v1.EXECUTION_STATE_COMPLETED and e.result.passed_tests == 1
    finally:
        b.stop()


def test_original_service_rows_read_back(pg):
    """A database the Go service filled: upgraded at start-up, and its rows
    answer GetExecutionStatus and Get like new ones (nothing of them changed);
    new jobs run next to them."""
    db = new_db(pg)
    load_original(pg, db)
    d = Daemon(**pg.env(db))
    try:
        stub = ce_grpc.CodeExecutionServiceStub(d.channel)
        done, failed, timed_out, running = ORIGINAL_ROWS
        s = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=done[0]), timeout=10)
        assert s.status == ce.EXECUTION_STATUS_COMPLETED and s.success
        assert list(s.approved_test_ids) == ["a1", "a2"] and s.message == done[6]
        s = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=timed_out[0]), timeout=10)
        assert s.status == ce.EXECUTION_STATUS_TIMEOUT and not s.success
        e = native(d).Get(v1.GetRequest(execution_id=failed[0]), timeout=10)
        assert e.state == v1.EXECUTION_STATE_COMPLETED and not e.HasField("result")
        # the original left this one `running`, with no lease: nobody claims it
        s = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=running[0]), timeout=10)
        assert s.status == ce.EXECUTION_STATUS_RUNNING
        r = d.stub.EvaluateSolution(request(PY_SUM, [(T1, "1 2", "3")], language="python"), timeout=120)
        assert r.success
        rows = Rows(pg=pg, db=db)
        assert rows.query("SELECT count(*) FROM executions")[0][0] == len(ORIGINAL_ROWS) + 1
        assert rows.query("SELECT status FROM executions WHERE id = %s", (running[0],)) == [("running",)]
    finally:
        d.stop()


# ------------------------------------------------------------ kill -9

def kill9(d):
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(timeout=30)
    d.channel.close()


def test_kill9_mid_run_then_restart_completes_the_job(tmp_path):
    port, state = free_port(), str(tmp_path)
    env = dict(CODERUNNER_STATE_DIR=state, CODERUNNER_INSTANCE_ID="crash-test:%d" % port)
    a = Daemon(port=port, **env)
    exec_id = native(a).Submit(v1.SubmitRequest(request=py_req(PY_SLOW % 3, expected="done")), timeout=30).execution_id
    wait_state(native(a), exec_id, ["EXECUTION_STATE_RUNNING"])
    kill9(a)
    rows = Rows(sqlite_path=os.path.join(state, "coderunner.db"))
    assert rows.execution(exec_id)["status"] == "running"  # left behind by the crash
    b = Daemon(port=port, **env)
    try:
        e = wait_state(native(b), exec_id, FINAL_STATES)
        assert e.state == v1.EXECUTION_STATE_COMPLETED and e.result.passed_tests == 1
        assert rows.execution(exec_id)["attempts"] == 2
        assert "back in the queue" in b.output()
    finally:
        b.stop()


FINAL_STATES = ["EXECUTION_STATE_COMPLETED", "EXECUTION_STATE_FAILED", "EXECUTION_STATE_TIMED_OUT",
                "EXECUTION_STATE_CANCELLED"]


def test_kill9_three_times_fails_with_a_reason(tmp_path):
    port, state = free_port(), str(tmp_path)
    env = dict(CODERUNNER_STATE_DIR=state, CODERUNNER_INSTANCE_ID="crash-loop:%d" % port)
    d = Daemon(port=port, **env)
    slow = py_req(PY_SLOW % 50, expected="done", limits=v1.Limits(wall_time_ms=60000))
    exec_id = native(d).Submit(v1.SubmitRequest(request=slow), timeout=30).execution_id
    for _ in range(3):
        wait_state(native(d), exec_id, ["EXECUTION_STATE_RUNNING"])
        kill9(d)
        d = Daemon(port=port, **env)
    try:
        e = wait_state(native(d), exec_id, FINAL_STATES)
        assert e.state == v1.EXECUTION_STATE_FAILED
        assert "abandoned after 3 attempts" in e.error_message and "crash-loop:%d" % port in e.error_message
        # its events were written with the failure (no broker: the JSON-lines file)
        path = os.path.join(state, "events", "events.jsonl")
        assert pgcluster.wait_for(lambda: os.path.exists(path) and exec_id in open(path).read(), timeout=30)
        mine = [r for r in map(json.loads, open(path).read().splitlines()) if r["key"] == exec_id]
        analytics = [r["value"] for r in mine if r["topic"] == "execution.analytics"]
        assert len(analytics) == 1 and analytics[0]["status"] == "failed", mine
        assert "abandoned after 3 attempts" in analytics[0]["error_message"], analytics
    finally:
        d.stop()


def test_kill9_on_postgresql_then_restart_completes_the_job(pg):
    db = new_db(pg)
    port = free_port()
    env = dict(pg.env(db), CODERUNNER_INSTANCE_ID="pg-crash:%d" % port)
    a = Daemon(port=port, **env)
    rows = Rows(pg=pg, db=db)
    exec_id = native(a).Submit(v1.SubmitRequest(request=py_req(PY_SLOW % 3, expected="done")), timeout=30).execution_id
    wait_state(native(a), exec_id, ["EXECUTION_STATE_RUNNING"])
    kill9(a)
    assert rows.execution(exec_id)["status"] == "running"  # left behind by the crash
    b = Daemon(port=port, **env)
    try:
        e = wait_state(native(b), exec_id, FINAL_STATES)
        assert e.state == v1.EXECUTION_STATE_COMPLETED and e.result.passed_tests == 1
        row = rows.execution(exec_id)
        assert row["attempts"] == 2 and row["status"] == "completed" and row["server_instance"] == "pg-crash:%d" % port
        assert "back in the queue" in b.output()
    finally:
        b.stop()


# ------------------------------------------------------------ one queue, two daemons

def claims(d):
    return [line.split("Job ")[1].split(" ")[0] for line in d.output().splitlines() if " claimed (attempt" in line]


def test_two_daemons_share_one_queue_each_job_once(pg):
    db = new_db(pg)
    env = dict(pg.env(db), CODERUNNER_WORKERS=2, CODERUNNER_QUEUE_LENGTH=200, LOG_LEVEL="debug")
    a, b = Daemon(**env), Daemon(**env)
    rows = Rows(pg=pg, db=db)
    try:
        ids = []
        for i in range(200):
            stub = native(a if i % 2 == 0 else b)
            r = stub.Submit(v1.SubmitRequest(request=py_req("print(int(input()) * 2)\n", str(i), str(2 * i))),
                            timeout=30)
            ids.append(r.execution_id)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            left = rows.query("SELECT count(*) FROM executions WHERE status NOT IN %s" % (FINAL,))[0][0]
            if left == 0:
                break
            time.sleep(0.5)
        done = rows.query("SELECT id::text, status, passed_tests, attempts, server_instance FROM executions")
        assert len(done) == 200 and all(r[1] == "completed" and r[2] == 1 and r[3] == 1 for r in done), done
        ran = claims(a) + claims(b)
        assert sorted(ran) == sorted(ids)  # each job claimed exactly once, by one of them
        instances = {r[4] for r in done}
        assert instances == {"%s:%d" % (os.uname().nodename, a.port), "%s:%d" % (os.uname().nodename, b.port)}
        assert rows.query("SELECT count(*) FROM execution_test_results")[0][0] == 200
    finally:
        a.stop()
        b.stop()


def test_busy_daemon_lets_the_other_run_its_calls(pg):
    db = new_db(pg)
    busy = Daemon(**pg.env(db), CODERUNNER_WORKERS=1, CODERUNNER_QUEUE_LENGTH=20)
    helper = Daemon(**pg.env(db), CODERUNNER_WORKERS=2)
    rows = Rows(pg=pg, db=db)
    try:
        results, errors = [None] * 6, []

        def call(i):
            try:
                results[i] = busy.stub.EvaluateSolution(request(PY_SLOW % 2, [(T1, "", "done")], language="python"),
                                                        timeout=300)
            except grpc.RpcError as e:
                errors.append(e)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and all(r.success for r in results)
        ran_by = [r[0] for r in rows.query("SELECT server_instance FROM executions")]
        helper_id = "%s:%d" % (os.uname().nodename, helper.port)
        assert len(ran_by) == 6 and ran_by.count(helper_id) >= 1, ran_by  # answered where they were accepted
    finally:
        busy.stop()
        helper.stop()


def test_dead_instance_jobs_are_taken_over(pg):
    db = new_db(pg)
    env = dict(pg.env(db), CODERUNNER_LEASE_SECONDS=3)
    a = Daemon(**env, CODERUNNER_WORKERS=1)
    exec_id = native(a).Submit(v1.SubmitRequest(request=py_req(PY_SLOW % 2, expected="done")), timeout=30).execution_id
    wait_state(native(a), exec_id, ["EXECUTION_STATE_RUNNING"])
    kill9(a)
    b = Daemon(**env)
    try:
        e = wait_state(native(b), exec_id, FINAL_STATES, timeout=60)
        assert e.state == v1.EXECUTION_STATE_COMPLETED
        assert e.server_instance == "%s:%d" % (os.uname().nodename, b.port)
        assert "Took back 1 job" in b.output()
    finally:
        b.stop()


def test_a_renewed_lease_keeps_a_long_job_on_its_instance(pg):
    """A job that runs for several lease periods is not taken over by an idle
    instance: its instance renews the lease, the job runs once."""
    db = new_db(pg)
    env = dict(pg.env(db), CODERUNNER_LEASE_SECONDS=3)
    a = Daemon(**env, CODERUNNER_WORKERS=1)
    b = Daemon(**env, CODERUNNER_WORKERS=2)
    rows = Rows(pg=pg, db=db)
    try:
        req = py_req(PY_SLOW % 8, expected="done", limits=v1.Limits(wall_time_ms=30000))
        exec_id = native(a).Submit(v1.SubmitRequest(request=req), timeout=30).execution_id
        e = wait_state(native(a), exec_id, ["EXECUTION_STATE_RUNNING"])
        runner = e.server_instance
        e = wait_state(native(b), exec_id, FINAL_STATES, timeout=120)
        assert e.state == v1.EXECUTION_STATE_COMPLETED and e.server_instance == runner
        row = rows.execution(exec_id)
        assert row["attempts"] == 1 and row["server_instance"] == runner, row
        assert "Took back" not in a.output() + b.output()
    finally:
        a.stop()
        b.stop()


def test_watch_on_another_instance(pg):
    """Watch on the instance that did not run the job sees its states."""
    db = new_db(pg)
    env = pg.env(db)
    a = Daemon(**env, CODERUNNER_WORKERS=1)
    b = Daemon(**env, CODERUNNER_WORKERS=1)
    try:
        exec_id = native(a).Submit(v1.SubmitRequest(request=py_req(PY_SLOW % 2, expected="done")),
                                   timeout=30).execution_id
        events = list(native(b).Watch(v1.WatchRequest(execution_id=exec_id), timeout=120))
        states = [v1.ExecutionState.Name(ev.state.state) for ev in events if ev.HasField("state")]
        assert states[-1] == "EXECUTION_STATE_COMPLETED", states
        assert events[-1].state.result.passed_tests == 1
    finally:
        a.stop()
        b.stop()


# ------------------------------------------------------------ PostgreSQL down under load

def test_postgresql_stopped_10s_under_load(pg):
    db = new_db(pg)
    d = Daemon(**pg.env(db), CODERUNNER_WORKERS=2, CODERUNNER_QUEUE_LENGTH=50)
    rows = Rows(pg=pg, db=db)
    outcomes, stop = [], threading.Event()

    def load():
        while not stop.is_set():
            try:
                r = d.stub.EvaluateSolution(request(PY_SLOW % 0.3, [(T1, "", "done")], language="python"),
                                            timeout=180)
                outcomes.append(("ok", r.success))
            except grpc.RpcError as e:
                outcomes.append((e.code(), e.details()))
                time.sleep(0.2)

    threads = [threading.Thread(target=load) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        time.sleep(3)
        pg.stop("fast")
        down_at = time.monotonic()
        # not ready, and new requests are refused with a clear message
        health = pgcluster.wait_for(lambda: d.health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                                    == health_pb2.HealthCheckResponse.NOT_SERVING, timeout=10)
        assert health, "health still SERVING with the database down"
        # /ready says why; /health stays 200 (nothing for a liveness probe to restart)
        status, body = http_get(d, "/ready")
        assert status == 503 and "job store: unreachable (PostgreSQL)" in body["reason"], body
        assert http_get(d, "/health") == (200, {"status": "healthy"})
        with pytest.raises(grpc.RpcError) as e:
            d.stub.EvaluateSolution(request(PY_SUM, [(T1, "1 2", "3")], language="python"), timeout=30)
        assert e.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "job store is unavailable" in e.value.details()
        time.sleep(max(0, 10 - (time.monotonic() - down_at)))
        pg.start()
        # it reconnects by itself
        assert pgcluster.wait_for(lambda: d.health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                                  == health_pb2.HealthCheckResponse.SERVING, timeout=30)
        r = d.stub.EvaluateSolution(request(PY_SUM, [(T1, "1 2", "3")], language="python"), timeout=120)
        assert r.success
        assert pgcluster.wait_for(lambda: http_get(d, "/ready")[0] == 200, timeout=30), http_get(d, "/ready")
        time.sleep(2)
    finally:
        stop.set()
        for t in threads:
            t.join(300)
        if pg_down(pg):
            pg.start()
    try:
        # every call was either refused (not accepted) or answered with its result
        assert all(o == ("ok", True) or o[0] == grpc.StatusCode.UNAVAILABLE for o in outcomes), outcomes
        assert sum(1 for o in outcomes if o == ("ok", True)) > 4
        # and no accepted job is left behind
        assert pgcluster.wait_for(lambda: rows.query("SELECT count(*) FROM executions WHERE status NOT IN %s"
                                                     % (FINAL,))[0][0] == 0, timeout=60)
        bad = rows.query("SELECT id, status FROM executions WHERE status <> 'completed'")
        assert bad == [], bad
        assert "Job store connection established" in d.output()
    finally:
        d.stop()


def http_get(d, path):
    """(status, decoded JSON body) of GET path on the daemon's HTTP port."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (d.http_port, path), timeout=10) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode())


def pg_down(pg):
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", pg.port)) != 0


# ------------------------------------------------------------ the asynchronous API

def test_async_submit_get_watch_cancel_idempotent():
    d = Daemon()
    stub = native(d)
    try:
        key = "key-" + uuid.uuid4().hex
        first = stub.Submit(v1.SubmitRequest(request=py_req(PY_SUM, "2 3", "5"), client_key=key), timeout=30)
        again = stub.Submit(v1.SubmitRequest(request=py_req(PY_SUM, "2 3", "5"), client_key=key), timeout=30)
        assert not first.existing and again.existing and again.execution_id == first.execution_id
        events = list(stub.Watch(v1.WatchRequest(execution_id=first.execution_id), timeout=120))
        states = [v1.ExecutionState.Name(e.state.state) for e in events if e.HasField("state")]
        assert states[-1] == "EXECUTION_STATE_COMPLETED" and states == sorted(set(states), key=states.index)
        final = events[-1].state
        assert final.result.passed_tests == 1 and final.result.tests[0].result.stdout == b"5\n"
        assert final.server_instance and final.completed_unix_ms >= final.started_unix_ms >= final.created_unix_ms
        got = stub.Get(v1.GetRequest(execution_id=first.execution_id), timeout=10)
        assert got == final
        # Watch of a running job: output chunks, then the result
        slow = stub.Submit(v1.SubmitRequest(request=py_req("print('a', flush=True)\nimport time\ntime.sleep(1)\n")),
                           timeout=30).execution_id
        events = list(stub.Watch(v1.WatchRequest(execution_id=slow), timeout=120))
        assert any(e.HasField("output") and e.output.data == b"a\n" for e in events)
        assert events[-1].state.state == v1.EXECUTION_STATE_COMPLETED
        # Cancel a running job: its sandbox dies, the state is CANCELLED
        victim = stub.Submit(v1.SubmitRequest(request=py_req(PY_SLOW % 50, limits=v1.Limits(wall_time_ms=60000))),
                             timeout=30).execution_id
        wait_state(stub, victim, ["EXECUTION_STATE_RUNNING"])
        stub.Cancel(v1.CancelRequest(execution_id=victim), timeout=30)
        e = wait_state(stub, victim, FINAL_STATES, timeout=30)
        assert e.state == v1.EXECUTION_STATE_CANCELLED
        # errors
        with pytest.raises(grpc.RpcError) as err:
            stub.Get(v1.GetRequest(execution_id=str(uuid.uuid4())), timeout=10)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as err:
            stub.Get(v1.GetRequest(execution_id="nope"), timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(grpc.RpcError) as err:
            stub.Submit(v1.SubmitRequest(request=v1.ExecuteRequest(runtime="python")), timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        d.stop()


def test_cancel_pending_job():
    d = Daemon(CODERUNNER_WORKERS=1)
    stub = native(d)
    try:
        blocker = stub.Submit(v1.SubmitRequest(request=py_req(PY_SLOW % 3)), timeout=30).execution_id
        queued = stub.Submit(v1.SubmitRequest(request=py_req(PY_SUM, "1 1", "2")), timeout=30).execution_id
        wait_state(stub, blocker, ["EXECUTION_STATE_RUNNING"])
        e = stub.Cancel(v1.CancelRequest(execution_id=queued), timeout=30)
        assert e.state == v1.EXECUTION_STATE_CANCELLED and e.started_unix_ms == 0
        assert wait_state(stub, blocker, FINAL_STATES).state == v1.EXECUTION_STATE_COMPLETED
        assert stub.Get(v1.GetRequest(execution_id=queued), timeout=10).state == v1.EXECUTION_STATE_CANCELLED
    finally:
        d.stop()


# ------------------------------------------------------------ retention

def test_retention_prunes_old_finished_rows(tmp_path):
    state = str(tmp_path)
    d = Daemon(CODERUNNER_STATE_DIR=state)
    r = d.stub.EvaluateSolution(request(PY_SUM, [(T1, "1 2", "3")], language="python"), timeout=120)
    d.stop()
    assert r.success
    db = sqlite3.connect(os.path.join(state, "coderunner.db"))
    fresh = db.execute("SELECT id FROM executions").fetchone()[0]
    old = str(uuid.uuid4())
    db.execute("INSERT INTO executions (id, created_at, completed_at, solution_id, challenge_id, student_id, language,"
               " status, code) VALUES (?, '2000-01-01 00:00:00.000000', '2000-01-01 00:00:01.000000', 'c', 'c', 's',"
               " 'python', 'completed', 'x')", (old,))
    db.execute("INSERT INTO executions (id, created_at, solution_id, challenge_id, student_id, language, status, code)"
               " VALUES (?, '2000-01-01 00:00:00.000000', 'c', 'c', 's', 'python', 'failed', 'x')",
               (str(uuid.uuid4()),))
    db.commit()
    db.close()
    d = Daemon(CODERUNNER_STATE_DIR=state, CODERUNNER_RETENTION_DAYS=30)
    try:
        rows = Rows(sqlite_path=os.path.join(state, "coderunner.db"))
        assert pgcluster.wait_for(lambda: rows.query("SELECT count(*) FROM executions")[0][0] == 1, timeout=30)
        assert rows.query("SELECT id FROM executions") == [(fresh,)]
        assert "Pruned 2 finished job(s)" in d.output()
    finally:
        d.stop()
