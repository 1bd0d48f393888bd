"""CodeExecutionService (the original's V2 interface, proto/code_execution.proto)
end to end: ExecuteCode on the real evaluator with real pipeline steps,
GetExecutionStatus from the execution table, HealthCheck, and
StreamExecutionLogs of finished and running executions."""
import re
import threading
import time
import uuid

import grpc
import pytest

import code_execution_pb2 as ce
import code_execution_pb2_grpc as ce_grpc

T1 = "123ad9ef-0000-4000-8000-41ba034a32e1"
T2 = "b1295bd0-0000-4000-8000-230b5f539ce5"
T3 = "02c7b14e-0000-4000-8000-3d588d3ca57f"
CODE_VERSION = "d6a09a11-7d4c-4b4e-9e29-2d1bb2f0a5c1"
STUDENT = "c032e274-1b0e-4d8c-8f0b-6a2b8c9d0e1f"
ADD_ONE = "int addOne(int x) {\n    return x + 1;\n}"
PY_SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
STEPS = ["validate", "compile", "run_tests", "judge"]
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def stub(daemon):
    return ce_grpc.CodeExecutionServiceStub(daemon.channel)


def request(code, tests, language="", **kw):
    return ce.CodeExecutionRequest(
        code_version_id=kw.get("code_version_id", CODE_VERSION), student_id=kw.get("student_id", STUDENT),
        language=language, code=code, config=kw.get("config"),
        test_cases=[ce.CodeExecutionTestCase(code_version_test_id=t[0], input=t[1], expected_output=t[2])
                    for t in tests])


def ts(t):
    return t.seconds + t.nanos / 1e9


def check_steps(steps, statuses):
    assert [s.name for s in steps] == STEPS
    assert [s.step_order for s in steps] == [1, 2, 3, 4]
    assert [ce.StepStatus.Name(s.status) for s in steps] == statuses
    for s in steps:
        if s.status in (ce.STEP_STATUS_COMPLETED, ce.STEP_STATUS_FAILED):
            assert s.HasField("started_at") and s.HasField("completed_at"), s
            assert ts(s.started_at) <= ts(s.completed_at)


# ------------------------------------------------------------------ ExecuteCode

def test_execute_function_mode_all_pass(stub):
    before = time.time()
    r = stub.ExecuteCode(request(ADD_ONE, [(T1, "0", "1"), (T2, "5", "6"), (T3, "-3", "-2")]), timeout=120)
    after = time.time()
    assert list(r.passed_tests_id) == [T1, T2, T3]
    assert r.success and r.message == "Execution successful: 3/3 tests passed"
    assert UUID_RE.match(r.execution_id), r.execution_id
    assert r.time_taken > 0
    m = r.metadata
    assert before - 1 <= ts(m.started_at) <= ts(m.completed_at) <= after + 1
    assert m.execution_time_ms >= r.time_taken - 1
    assert m.exit_code == 0 and m.memory_used_mb > 0
    assert m.compilation.success and m.compilation.error_message == ""
    assert m.compilation.compilation_time_ms > 0
    assert [t.test_id for t in m.test_results] == [T1, T2, T3]
    assert all(t.passed and t.error_message == "" for t in m.test_results)
    assert [t.expected_output for t in m.test_results] == ["1", "6", "-2"]
    check_steps(r.pipeline_steps, ["STEP_STATUS_COMPLETED"] * 4)
    compile_step = r.pipeline_steps[1]
    assert compile_step.step_metadata["verdict"] == "OK"
    assert int(compile_step.step_metadata["wall_ms"]) == m.compilation.compilation_time_ms
    steps = r.pipeline_steps
    for a, b in zip(steps, steps[1:]):
        assert ts(a.started_at) <= ts(b.started_at)
    assert steps[3].step_metadata["passed"] == "3" and steps[3].step_metadata["failed"] == "0"


def test_execute_stdio_python_wrong_answer(stub):
    r = stub.ExecuteCode(request(PY_SUM, [(T1, "1 2", "3"), (T2, "2 2", "5"), (T3, "10 5", "15")],
                                 language="python"), timeout=120)
    # ids of passed tests, in request order, exactly as sent
    assert list(r.passed_tests_id) == [T1, T3]
    assert not r.success and r.message == "Execution failed: 2/3 tests passed"
    tr = r.metadata.test_results
    assert [(t.test_id, t.passed) for t in tr] == [(T1, True), (T2, False), (T3, True)]
    assert tr[1].expected_output == "5" and tr[1].actual_output.strip() == "4"
    assert tr[1].error_message != ""
    assert all(t.execution_time_ms > 0 for t in tr)
    # interpreted: compilation skipped
    check_steps(r.pipeline_steps, ["STEP_STATUS_COMPLETED", "STEP_STATUS_SKIPPED", "STEP_STATUS_COMPLETED",
                                   "STEP_STATUS_COMPLETED"])
    assert r.metadata.compilation.success and r.metadata.compilation.compilation_time_ms == 0


def test_execute_compile_error(stub, ):
    r = stub.ExecuteCode(request("int addOne(int x) { return x + ; }", [(T1, "0", "1")]), timeout=120)
    assert list(r.passed_tests_id) == [] and not r.success
    c = r.metadata.compilation
    assert not c.success and c.error_message.startswith("Compilation error")
    assert r.metadata.exit_code != 0
    check_steps(r.pipeline_steps, ["STEP_STATUS_COMPLETED", "STEP_STATUS_FAILED", "STEP_STATUS_SKIPPED",
                                   "STEP_STATUS_SKIPPED"])
    assert r.pipeline_steps[1].error.startswith("Compilation error")
    s = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=r.execution_id), timeout=10)
    assert s.status == ce.EXECUTION_STATUS_FAILED and not s.success


@pytest.mark.parametrize("kw,fragment", [
    (dict(student_id=""), "StudentId"),
    (dict(code_version_id="not-a-uuid"), "CodeVersionId"),
    (dict(config=ce.ExecutionConfig(timeout_seconds=-1)), "timeout_seconds"),
    (dict(config=ce.ExecutionConfig(memory_limit_mb=-5)), "memory_limit_mb"),
    (dict(config=ce.ExecutionConfig(enable_network=True)), "enable_network"),
])
def test_execute_invalid_argument(stub, kw, fragment):
    with pytest.raises(grpc.RpcError) as e:
        stub.ExecuteCode(request(ADD_ONE, [(T1, "0", "1")], **kw), timeout=30)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert fragment in e.value.details()


def test_execute_invalid_from_evaluator(stub):
    for req in (request("", [(T1, "0", "1")]), request(ADD_ONE, [(T1, "0", "1")], language="cobol-9000"),
                request(ADD_ONE, [("", "0", "1")])):
        with pytest.raises(grpc.RpcError) as e:
            stub.ExecuteCode(req, timeout=30)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, e.value.details()


def test_language_field_selects_versions(stub, daemon):
    """The V2 `language` field takes the catalogue's selections: every
    installed version by its exact version, and a missing one is
    INVALID_ARGUMENT naming the installed ones."""
    from coderunner.v1 import coderunner_pb2 as v1
    from coderunner.v1 import coderunner_pb2_grpc as v1_grpc
    native = v1_grpc.CodeRunnerStub(daemon.channel)
    versions = [rt.version for rt in native.ListRuntimes(v1.ListRuntimesRequest(), timeout=30).runtimes
                if rt.id == "python"]
    code = "import sys\na, b = map(int, input().split())\nprint(a + b if sys.version.startswith('%s') else -1)\n"
    for v in versions:
        r = stub.ExecuteCode(request(code % v, [(T1, "1 2", "3")], language="python@" + v), timeout=120)
        assert r.success and list(r.passed_tests_id) == [T1], (v, r.message)
    with pytest.raises(grpc.RpcError) as e:
        stub.ExecuteCode(request(PY_SUM, [(T1, "1 2", "3")], language="python@2.7"), timeout=30)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "installed versions of python: " + versions[0] in e.value.details()


def test_execute_accepts_positive_config(stub):
    cfg = ce.ExecutionConfig(timeout_seconds=10, memory_limit_mb=256, debug_mode=True)
    r = stub.ExecuteCode(request(ADD_ONE, [(T1, "1", "2")], config=cfg), timeout=120)
    assert r.success and list(r.passed_tests_id) == [T1]
    assert r.pipeline_steps[0].step_metadata["requested_timeout_seconds"] == "10"


# ------------------------------------------------------------ GetExecutionStatus

def test_status_of_completed_execution(stub):
    r = stub.ExecuteCode(request(PY_SUM, [(T1, "1 2", "3"), (T2, "1 1", "3")], language="python"), timeout=120)
    s = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=r.execution_id), timeout=10)
    assert s.execution_id == r.execution_id
    assert s.status == ce.EXECUTION_STATUS_COMPLETED
    assert list(s.approved_test_ids) == [T1] and not s.success
    assert s.message == r.message
    assert s.metadata == r.metadata
    assert list(s.pipeline_steps) == list(r.pipeline_steps)
    # upper case is the same id
    s2 = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=r.execution_id.upper()), timeout=10)
    assert s2.execution_id == r.execution_id


def test_status_not_found(stub):
    with pytest.raises(grpc.RpcError) as e:
        stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=str(uuid.uuid4())), timeout=10)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("bad", ["", "nope", "123e4567-e89b-12d3-a456-42661417400", "x" * 36])
def test_status_invalid_argument(stub, bad):
    with pytest.raises(grpc.RpcError) as e:
        stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=bad), timeout=10)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# ------------------------------------------------------------------- HealthCheck

def test_health_check(stub):
    before = time.time()
    r = stub.HealthCheck(ce.HealthCheckRequest(), timeout=10)
    assert r.status == ce.HEALTH_STATUS_SERVING
    assert r.message == "Code Runner service is healthy"
    assert before - 1 <= ts(r.timestamp) <= time.time() + 1


# ----------------------------------------------------------- StreamExecutionLogs

def test_stream_logs_of_finished_execution(stub):
    r = stub.ExecuteCode(request(ADD_ONE, [(T1, "0", "1"), (T2, "1", "3")]), timeout=120)
    entries = list(stub.StreamExecutionLogs(ce.StreamLogsRequest(execution_id=r.execution_id), timeout=30))
    steps = [e.step_name for e in entries]
    for name in STEPS:
        assert name in steps
    assert steps.index("validate") < steps.index("compile") < steps.index("run_tests") < steps.index("judge")
    assert all(e.HasField("timestamp") and e.message for e in entries)
    times = [ts(e.timestamp) for e in entries]
    assert times == sorted(times)
    per_test = [e for e in entries if e.metadata.get("test_id") in (T1, T2) and "verdict" in e.metadata]
    assert [(e.metadata["test_id"], e.level) for e in per_test] == [(T1, ce.LOG_LEVEL_INFO),
                                                                   (T2, ce.LOG_LEVEL_WARN)]
    # the replay is the same every time
    again = list(stub.StreamExecutionLogs(ce.StreamLogsRequest(execution_id=r.execution_id), timeout=30))
    assert again == entries


def test_stream_logs_not_found_and_invalid(stub):
    with pytest.raises(grpc.RpcError) as e:
        list(stub.StreamExecutionLogs(ce.StreamLogsRequest(execution_id=str(uuid.uuid4())), timeout=10))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as e:
        list(stub.StreamExecutionLogs(ce.StreamLogsRequest(execution_id="bogus"), timeout=10))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def wait_for_execution_id(daemon, seen, timeout=30):
    """A V2 client learns the id only from the response; a test can read the
    daemon's log, which names each execution as it starts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in re.finditer(r"ExecuteCode call=\d+ execution=([0-9a-f-]{36}): started", daemon.output()):
            if m.group(1) not in seen:
                return m.group(1)
        time.sleep(0.05)
    raise AssertionError("no new execution in the daemon log:\n" + daemon.output()[-3000:])


def test_stream_logs_of_running_execution(daemon, stub):
    seen = set(re.findall(r"execution=([0-9a-f-]{36}): started", daemon.output()))
    slow = request("import time\nprint('go', flush=True)\ntime.sleep(2)\nprint(input())\n",
                   [(T1, "x", "go\nx"), (T2, "y", "go\ny")], language="python")
    result = {}

    def run():
        result["response"] = stub.ExecuteCode(slow, timeout=120)
        result["done_at"] = time.monotonic()

    th = threading.Thread(target=run)
    th.start()
    try:
        exec_id = wait_for_execution_id(daemon, seen)
        s = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=exec_id), timeout=10)
        assert s.status == ce.EXECUTION_STATUS_RUNNING
        assert not s.HasField("metadata") or not s.metadata.HasField("completed_at")
        assert [p.name for p in s.pipeline_steps][:2] == ["validate", "compile"]
        assert s.pipeline_steps[1].status == ce.STEP_STATUS_RUNNING

        received = []
        for e in stub.StreamExecutionLogs(ce.StreamLogsRequest(execution_id=exec_id), timeout=120):
            received.append((time.monotonic(), e))
        ended_at = time.monotonic()
    finally:
        th.join(120)
    r = result["response"]
    assert r.execution_id == exec_id and r.success and list(r.passed_tests_id) == [T1, T2]
    names = [e.step_name for _, e in received]
    assert names[0] == "validate" and "judge" in names
    # live: the judge step arrived while the stream was open, and the stream
    # ended when the execution did
    judge_at = next(t for t, e in received if e.step_name == "judge")
    assert abs(judge_at - result["done_at"]) < 2.0
    assert ended_at >= judge_at
    # the first output of each test was reported while it ran
    running = [e for _, e in received if e.message.endswith("is running (first output)")]
    assert [e.metadata["test_id"] for e in running] == [T1, T2]
    s = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=exec_id), timeout=10)
    assert s.status == ce.EXECUTION_STATUS_COMPLETED and s.success


def test_cancelled_execution_is_recorded(daemon, stub):
    seen = set(re.findall(r"execution=([0-9a-f-]{36}): started", daemon.output()))
    slow = request("import time\ntime.sleep(30)\n", [(T1, "", "")], language="python")
    with pytest.raises(grpc.RpcError) as e:
        stub.ExecuteCode(slow, timeout=2)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    exec_id = wait_for_execution_id(daemon, seen)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        s = stub.GetExecutionStatus(ce.ExecutionStatusRequest(execution_id=exec_id), timeout=10)
        if s.status != ce.EXECUTION_STATUS_RUNNING:
            break
        time.sleep(0.1)
    assert s.status == ce.EXECUTION_STATUS_CANCELLED and not s.success
