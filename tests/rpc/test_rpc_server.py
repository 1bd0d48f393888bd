# SPDX-License-Identifier: MIT
"""Black-box tests of the generic gRPC server (src/rpc/) through
tests/rpc/rpc-test-server, driven by Debian's python3-grpcio.

Run with /usr/bin/python3 (grpcio and pytest are visible only to it):
    make check-rpc
or  RPC_TEST_SERVER=build/tests/rpc/rpc-test-server /usr/bin/python3 -m pytest tests/rpc

Environment:
  RPC_TEST_SERVER      the test server binary (required)
  PROTOC               protoc (default: protoc on PATH)
  GRPC_PYTHON_PLUGIN   default: grpc_python_plugin on PATH or /usr/bin
  GRPC_PROTO_DIR       default /usr/share/grpc-proto

Python stubs are generated with protoc + grpc_python_plugin into a temporary
directory at session start (no grpc_tools here). grpc's health and reflection
protos are compiled under other file names so that their modules do not
collide with the grpcio package itself.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

grpc = pytest.importorskip("grpc")
from google.protobuf import descriptor_pb2, descriptor_pool  # noqa: E402
from google.protobuf.descriptor import FieldDescriptor as FD  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.environ.get("RPC_TEST_SERVER", "")
GRPC_PROTO_DIR = os.environ.get("GRPC_PROTO_DIR", "/usr/share/grpc-proto")
MAX_MESSAGE = 65536
START_TIMEOUT = 20

REQUIRED_SERVICES = {
    "com.levelupjourney.coderunner.SolutionEvaluationService",
    "com.levelupjourney.coderunner.CodeExecutionService",
    "coderunner.v1.CodeRunner",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
}
TEST_SERVICE = "coderunner.test.Test"


# ------------------------------------------------------------------ stubs

def _generate_stubs(outdir):
    protoc = os.environ.get("PROTOC") or shutil.which("protoc")
    plugin = (os.environ.get("GRPC_PYTHON_PLUGIN") or shutil.which("grpc_python_plugin")
              or "/usr/bin/grpc_python_plugin")
    if not protoc or not os.path.exists(plugin):
        pytest.skip("protoc or grpc_python_plugin missing (apt-get install protobuf-compiler "
                    "protobuf-compiler-grpc)")
    src = os.path.join(outdir, "protos")
    os.makedirs(src)
    copies = {
        "health.proto": "grpc/health/v1/health.proto",
        "reflection_v1.proto": "grpc/reflection/v1/reflection.proto",
        "reflection_v1alpha.proto": "grpc/reflection/v1alpha/reflection.proto",
    }
    for dst, rel in copies.items():
        shutil.copy(os.path.join(GRPC_PROTO_DIR, rel), os.path.join(src, dst))
    shutil.copy(os.path.join(HERE, "test.proto"), os.path.join(src, "test.proto"))
    cmd = [protoc, "--plugin=protoc-gen-grpc_python=" + plugin, "-I" + src,
           "--python_out=" + outdir, "--grpc_python_out=" + outdir,
           "test.proto"] + list(copies)
    subprocess.run(cmd, check=True)


@pytest.fixture(scope="session")
def pb():
    tmp = tempfile.mkdtemp(prefix="rpc-stubs-")
    try:
        _generate_stubs(tmp)
        sys.path.insert(0, tmp)
        import health_pb2
        import health_pb2_grpc
        import reflection_v1_pb2
        import reflection_v1_pb2_grpc
        import reflection_v1alpha_pb2
        import reflection_v1alpha_pb2_grpc
        import test_pb2
        import test_pb2_grpc

        class Mods:
            pass
        m = Mods()
        for name, mod in list(locals().items()):
            if name.endswith("_pb2") or name.endswith("_pb2_grpc"):
                setattr(m, name, mod)
        yield m
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------- server

class Server:
    def __init__(self, *args, port=0):
        if not SERVER or not os.access(SERVER, os.X_OK):
            pytest.fail("RPC_TEST_SERVER is not set to the built tests/rpc/rpc-test-server")
        self.errfile = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [SERVER, "--port", str(port), "--max-message", str(MAX_MESSAGE)] + list(args),
            stdout=subprocess.PIPE, stderr=self.errfile, text=True)
        line = self._readline(START_TIMEOUT)
        if not line.startswith("READY "):
            rc = self.proc.wait(timeout=START_TIMEOUT)
            raise RuntimeError("server did not start (rc=%s): %s" % (rc, self.stderr()))
        self.port = int(line.split()[1])
        self.target = "127.0.0.1:%d" % self.port

    def _readline(self, timeout):
        out = []
        t = threading.Thread(target=lambda: out.append(self.proc.stdout.readline()))
        t.daemon = True
        t.start()
        t.join(timeout)
        return out[0] if out else ""

    def stderr(self):
        self.errfile.seek(0)
        return self.errfile.read().decode("utf-8", "replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        return rc

    def check_clean(self):
        err = self.stderr()
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "ThreadSanitizer"):
            assert bad not in err, err


@pytest.fixture(scope="module")
def server():
    s = Server("--threads", "2")
    yield s
    rc = s.stop()
    s.check_clean()
    assert rc == 0, s.stderr()


@pytest.fixture
def channel(server):
    ch = grpc.insecure_channel(server.target)
    yield ch
    ch.close()


@pytest.fixture
def test_stub(pb, channel):
    return pb.test_pb2_grpc.TestStub(channel)


def wait_for(pred, timeout=5.0, interval=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(interval)
    return pred()


# ------------------------------------------------------------- basic calls

def test_unary_echo(pb, test_stub):
    r = test_stub.Echo(pb.test_pb2.EchoRequest(text="hello", payload=b"\x00\x01\xff"))
    assert r.text == "hello"
    assert r.payload == b"\x00\x01\xff"
    assert r.deadline_ms == -1
    r = test_stub.Echo(pb.test_pb2.EchoRequest(text="x"), timeout=10)
    # The grpc-timeout header is rounded up to a few significant digits.
    assert 9000 < r.deadline_ms <= 10200


def test_reply_from_worker_thread(pb, test_stub):
    t0 = time.monotonic()
    r = test_stub.Echo(pb.test_pb2.EchoRequest(text="later", delay_ms=100), timeout=10)
    assert r.text == "later"
    assert time.monotonic() - t0 >= 0.09


def test_many_concurrent_calls(pb, test_stub):
    futures = [test_stub.Echo.future(pb.test_pb2.EchoRequest(text=str(i), delay_ms=(i % 5) * 10))
               for i in range(64)]
    assert [f.result(timeout=20).text for f in futures] == [str(i) for i in range(64)]


def test_server_streaming_queued(pb, test_stub):
    got = [m.i for m in test_stub.Count(pb.test_pb2.CountRequest(n=2000), timeout=20)]
    assert got == list(range(2000))


def test_server_streaming_from_worker(pb, test_stub):
    got = [m.i for m in test_stub.Count(pb.test_pb2.CountRequest(n=5, interval_ms=20), timeout=20)]
    assert got == list(range(5))


def test_server_streaming_empty(pb, test_stub):
    assert list(test_stub.Count(pb.test_pb2.CountRequest(n=0), timeout=10)) == []


def test_bidi_stream(pb, test_stub):
    reqs = [pb.test_pb2.EchoRequest(text="m%d" % i) for i in range(3)]
    got = list(test_stub.Chat(iter(reqs), timeout=10))
    assert [r.text for r in got] == ["m0", "m1", "m2"]
    assert len({r.call_id for r in got}) == 1


def test_unknown_method_unimplemented(channel):
    for path in ("/coderunner.test.Test/Nope", "/no.such.Service/Method"):
        call = channel.unary_unary(path)
        with pytest.raises(grpc.RpcError) as e:
            call(b"", timeout=10)
        assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED, path


def test_stub_method_unimplemented(channel):
    call = channel.unary_unary("/com.levelupjourney.coderunner.SolutionEvaluationService/EvaluateSolution")
    with pytest.raises(grpc.RpcError) as e:
        call(b"", timeout=10)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_malformed_request_internal(channel):
    call = channel.unary_unary("/coderunner.test.Test/Echo")
    with pytest.raises(grpc.RpcError) as e:
        call(b"\x0a\xff\xff", timeout=10)  # field 1, truncated length
    assert e.value.code() == grpc.StatusCode.INTERNAL


def test_oversized_message_resource_exhausted(pb, test_stub):
    with pytest.raises(grpc.RpcError) as e:
        test_stub.Echo(pb.test_pb2.EchoRequest(payload=b"x" * (MAX_MESSAGE + 1024)), timeout=10)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # The server is fine afterwards.
    assert test_stub.Echo(pb.test_pb2.EchoRequest(text="ok"), timeout=10).text == "ok"


# ------------------------------------------------------- status mapping

KIND = {"internal": 0, "invalid": 1, "limit": 2, "not_found": 3, "unavailable": 4,
        "cancelled": 5, "timeout": 6}


@pytest.mark.parametrize("kind,errnum,code", [
    ("invalid", 0, grpc.StatusCode.INVALID_ARGUMENT),
    ("limit", 0, grpc.StatusCode.RESOURCE_EXHAUSTED),
    ("not_found", 2, grpc.StatusCode.NOT_FOUND),
    ("unavailable", 0, grpc.StatusCode.UNAVAILABLE),
    ("cancelled", 0, grpc.StatusCode.CANCELLED),
    ("timeout", 0, grpc.StatusCode.DEADLINE_EXCEEDED),
    ("internal", 5, grpc.StatusCode.INTERNAL),
    ("internal", 22, grpc.StatusCode.INVALID_ARGUMENT),
    ("internal", 28, grpc.StatusCode.RESOURCE_EXHAUSTED),
    ("internal", 11, grpc.StatusCode.RESOURCE_EXHAUSTED),
    ("internal", 110, grpc.StatusCode.DEADLINE_EXCEEDED),
])
def test_error_to_status(pb, test_stub, kind, errnum, code):
    req = pb.test_pb2.FailRequest(kind=KIND[kind], errnum=errnum,
                                  message="cannot open '/var/lib/coderunner/secret': bad")
    with pytest.raises(grpc.RpcError) as e:
        test_stub.Fail(req, timeout=10)
    assert e.value.code() == code
    assert "/var/lib" not in e.value.details()


def test_error_message_sanitised(pb, test_stub):
    req = pb.test_pb2.FailRequest(kind=KIND["invalid"], message="runtime 'foo' unknown at /etc/x\n")
    with pytest.raises(grpc.RpcError) as e:
        test_stub.Fail(req, timeout=10)
    assert e.value.details() == "runtime 'foo' unknown at <path>"
    req = pb.test_pb2.FailRequest(kind=KIND["internal"], errnum=5, message="mount /srv/x failed")
    with pytest.raises(grpc.RpcError) as e:
        test_stub.Fail(req, timeout=10)
    assert e.value.details() == "internal error"


# ------------------------------------------------------ deadline, cancel

def stats(pb, test_stub):
    return test_stub.Stats(pb.test_pb2.StatsRequest(), timeout=10)


def test_deadline_exceeded_fires_cancel(pb, test_stub):
    before = stats(pb, test_stub)
    with pytest.raises(grpc.RpcError) as e:
        test_stub.Echo(pb.test_pb2.EchoRequest(text="slow", delay_ms=3000), timeout=0.3)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # The handler's cancel callback ran, the worker woke up early and its
    # late reply was refused.
    assert wait_for(lambda: stats(pb, test_stub).cancelled >= before.cancelled + 1, timeout=2.5)
    assert wait_for(lambda: stats(pb, test_stub).late_replies >= before.late_replies + 1, timeout=2.5)


def test_client_cancel_fires_cancel(pb, test_stub):
    before = stats(pb, test_stub)
    fut = test_stub.Echo.future(pb.test_pb2.EchoRequest(text="slow", delay_ms=10000))
    time.sleep(0.2)
    fut.cancel()
    assert wait_for(lambda: stats(pb, test_stub).cancelled >= before.cancelled + 1, timeout=2.5)


def test_stream_cancel(pb, test_stub):
    before = stats(pb, test_stub)
    it = test_stub.Count(pb.test_pb2.CountRequest(n=1000, interval_ms=50), timeout=30)
    assert next(it).i == 0
    it.cancel()
    assert wait_for(lambda: stats(pb, test_stub).cancelled >= before.cancelled + 1, timeout=2.5)


# ----------------------------------------------------------------- health

def test_health_check(pb, channel):
    stub = pb.health_pb2_grpc.HealthStub(channel)
    req = pb.health_pb2.HealthCheckRequest
    SERVING = pb.health_pb2.HealthCheckResponse.SERVING
    for svc in ["", TEST_SERVICE] + sorted(REQUIRED_SERVICES):
        assert stub.Check(req(service=svc), timeout=10).status == SERVING, svc
    with pytest.raises(grpc.RpcError) as e:
        stub.Check(req(service="no.such.Service"), timeout=10)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_health_watch(pb, channel, server):
    stub = pb.health_pb2_grpc.HealthStub(channel)
    R = pb.health_pb2.HealthCheckResponse
    it = stub.Watch(pb.health_pb2.HealthCheckRequest(service=TEST_SERVICE), timeout=30)
    try:
        assert next(it).status == R.SERVING
        server.signal(signal.SIGUSR1)
        assert next(it).status == R.NOT_SERVING
        server.signal(signal.SIGUSR2)
        assert next(it).status == R.SERVING
    finally:
        it.cancel()
    unknown = stub.Watch(pb.health_pb2.HealthCheckRequest(service="later.Service"), timeout=30)
    try:
        assert next(unknown).status == R.SERVICE_UNKNOWN
    finally:
        unknown.cancel()
    check = stub.Check(pb.health_pb2.HealthCheckRequest(service=TEST_SERVICE), timeout=10)
    assert check.status == R.SERVING


def test_health_watch_many_cancelled(pb, channel):
    stub = pb.health_pb2_grpc.HealthStub(channel)
    its = [stub.Watch(pb.health_pb2.HealthCheckRequest(service=""), timeout=30) for _ in range(20)]
    for it in its:
        assert next(it).status == pb.health_pb2.HealthCheckResponse.SERVING
    for it in its:
        it.cancel()


# ------------------------------------------------------------- reflection

def reflect(mod, mod_grpc, channel, requests):
    stub = mod_grpc.ServerReflectionStub(channel)
    return list(stub.ServerReflectionInfo(iter(requests), timeout=20))


def build_pool(fdps):
    """Adds FileDescriptorProtos to a fresh pool in dependency order; fails if one is missing."""
    pool = descriptor_pool.DescriptorPool()
    pending = {f.name: f for f in fdps}
    added = set()
    while pending:
        ready = [f for f in pending.values() if all(d in added for d in f.dependency)]
        assert ready, "missing dependencies: %s" % {
            n: [d for d in f.dependency if d not in added and d not in pending]
            for n, f in pending.items()}
        for f in ready:
            pool.Add(f)
            pool.FindFileByName(f.name)
            added.add(f.name)
            del pending[f.name]
    return pool


def parse_files(resp):
    assert resp.WhichOneof("message_response") == "file_descriptor_response", resp
    out = []
    for raw in resp.file_descriptor_response.file_descriptor_proto:
        f = descriptor_pb2.FileDescriptorProto()
        f.ParseFromString(raw)
        out.append(f)
    return out


@pytest.fixture(params=["v1", "v1alpha"])
def refl(request, pb):
    v = request.param
    return getattr(pb, "reflection_%s_pb2" % v), getattr(pb, "reflection_%s_pb2_grpc" % v)


def test_reflection_list_services(refl, channel):
    mod, mod_grpc = refl
    [resp] = reflect(mod, mod_grpc, channel, [mod.ServerReflectionRequest(list_services="")])
    names = {s.name for s in resp.list_services_response.service}
    assert REQUIRED_SERVICES <= names
    assert names == REQUIRED_SERVICES | {TEST_SERVICE}


def all_messages(desc):
    yield desc
    for n in desc.nested_types:
        yield from all_messages(n)


def test_reflection_resolves_every_type(refl, channel):
    mod, mod_grpc = refl
    [listing] = reflect(mod, mod_grpc, channel, [mod.ServerReflectionRequest(list_services="")])
    services = sorted(s.name for s in listing.list_services_response.service)
    resps = reflect(mod, mod_grpc, channel,
                    [mod.ServerReflectionRequest(file_containing_symbol=s) for s in services])
    files = {}
    for resp in resps:
        for f in parse_files(resp):
            files.setdefault(f.name, f)
    pool = build_pool(files.values())

    symbols = []
    for s in services:
        sd = pool.FindServiceByName(s)
        for m in sd.methods:
            symbols.append(m.full_name)
            for t in (m.input_type, m.output_type):
                for msg in all_messages(t):
                    symbols.append(msg.full_name)
                    symbols.extend(e.full_name for e in msg.enum_types)
                    for fld in msg.fields:
                        if fld.message_type is not None:
                            symbols.extend(x.full_name for x in all_messages(fld.message_type))
                        if fld.enum_type is not None:
                            symbols.append(fld.enum_type.full_name)
    symbols = sorted(set(symbols))
    assert len(symbols) > 40
    # Every method, message, nested type and enum resolves on its own too.
    resps = reflect(mod, mod_grpc, channel,
                    [mod.ServerReflectionRequest(file_containing_symbol=s) for s in symbols])
    assert len(resps) == len(symbols)
    for sym, resp in zip(symbols, resps):
        assert resp.original_request.file_containing_symbol == sym
        fds = parse_files(resp)
        own = build_pool(fds)
        try:
            own.FindMessageTypeByName(sym)
        except KeyError:
            try:
                own.FindEnumTypeByName(sym)
            except KeyError:
                own.FindMethodByName(sym)


def test_reflection_file_names_and_v5_wire_contract(refl, channel):
    mod, mod_grpc = refl
    [resp] = reflect(mod, mod_grpc, channel, [mod.ServerReflectionRequest(
        file_containing_symbol="com.levelupjourney.coderunner.SolutionEvaluationService")])
    fds = parse_files(resp)
    assert fds[0].name == "code_runner.proto"
    pool = build_pool(fds)
    m = pool.FindMethodByName("com.levelupjourney.coderunner.SolutionEvaluationService.EvaluateSolution")
    assert not m.client_streaming and not m.server_streaming
    expect = {
        "ExecutionRequest": {"challenge_id": (1, FD.TYPE_STRING), "code_version_id": (2, FD.TYPE_STRING),
                             "student_id": (3, FD.TYPE_STRING), "code": (4, FD.TYPE_STRING),
                             "tests": (5, FD.TYPE_MESSAGE, "rep"), "language": (6, FD.TYPE_STRING)},
        "TestCase": {"code_version_test_id": (1, FD.TYPE_STRING), "input": (2, FD.TYPE_STRING),
                     "expected_output": (3, FD.TYPE_STRING), "custom_validation_code": (4, FD.TYPE_STRING)},
        "ExecutionResponse": {"approved_tests": (1, FD.TYPE_STRING, "rep"), "completed": (2, FD.TYPE_BOOL),
                              "execution_time_ms": (3, FD.TYPE_INT64), "total_tests": (4, FD.TYPE_INT32),
                              "passed_tests": (5, FD.TYPE_INT32), "failed_tests": (6, FD.TYPE_INT32),
                              "success": (7, FD.TYPE_BOOL), "message": (8, FD.TYPE_STRING),
                              "error_message": (9, FD.TYPE_STRING), "error_type": (10, FD.TYPE_STRING)},
    }
    check_fields(pool, "com.levelupjourney.coderunner.", expect)
    assert m.input_type.name == "ExecutionRequest" and m.output_type.name == "ExecutionResponse"


def check_fields(pool, prefix, expect):
    for msg, fields in expect.items():
        d = pool.FindMessageTypeByName(prefix + msg)
        assert set(d.fields_by_name) == set(fields), msg
        for name, spec in fields.items():
            f = d.fields_by_name[name]
            assert (f.number, f.type) == spec[:2], (msg, name)
            assert (f.label == FD.LABEL_REPEATED) == (len(spec) > 2), (msg, name)


def test_reflection_v2_wire_contract(refl, channel):
    mod, mod_grpc = refl
    [resp] = reflect(mod, mod_grpc, channel, [mod.ServerReflectionRequest(
        file_containing_symbol="com.levelupjourney.coderunner.CodeExecutionService")])
    pool = build_pool(parse_files(resp))
    svc = pool.FindServiceByName("com.levelupjourney.coderunner.CodeExecutionService")
    assert {m.name: m.server_streaming for m in svc.methods} == {
        "ExecuteCode": False, "GetExecutionStatus": False, "HealthCheck": False,
        "StreamExecutionLogs": True}
    S, B, I32, I64, M, E = (FD.TYPE_STRING, FD.TYPE_BOOL, FD.TYPE_INT32, FD.TYPE_INT64,
                            FD.TYPE_MESSAGE, FD.TYPE_ENUM)
    expect = {
        "CodeExecutionRequest": {"code_version_id": (1, S), "student_id": (2, S), "language": (3, S),
                                 "code": (4, S), "test_cases": (5, M, "rep"), "config": (6, M)},
        "CodeExecutionTestCase": {"code_version_test_id": (1, S), "input": (2, S),
                                  "expected_output": (3, S), "custom_validation_code": (4, S)},
        "CodeExecutionResponse": {"passed_tests_id": (1, S, "rep"), "time_taken": (2, I64),
                                  "success": (3, B), "message": (4, S), "execution_id": (5, S),
                                  "metadata": (6, M), "pipeline_steps": (7, M, "rep")},
        "ExecutionStatusRequest": {"execution_id": (1, S)},
        "ExecutionStatusResponse": {"execution_id": (1, S), "status": (2, E),
                                    "approved_test_ids": (3, S, "rep"), "success": (4, B),
                                    "message": (5, S), "metadata": (6, M),
                                    "pipeline_steps": (7, M, "rep")},
        "HealthCheckRequest": {},
        "HealthCheckResponse": {"status": (1, E), "message": (2, S), "timestamp": (3, M)},
        "StreamLogsRequest": {"execution_id": (1, S)},
        "LogEntry": {"timestamp": (1, M), "level": (2, E), "message": (3, S), "step_name": (4, S),
                     "metadata": (5, M, "rep")},
        "ExecutionConfig": {"timeout_seconds": (1, I32), "memory_limit_mb": (2, I32),
                            "enable_network": (3, B), "environment_variables": (4, M, "rep"),
                            "debug_mode": (5, B)},
        "ExecutionMetadata": {"started_at": (1, M), "completed_at": (2, M), "execution_time_ms": (3, I64),
                              "memory_used_mb": (4, I64), "exit_code": (5, I32), "compilation": (6, M),
                              "test_results": (7, M, "rep")},
        "CompilationInfo": {"success": (1, B), "error_message": (2, S), "warnings": (3, S, "rep"),
                            "compilation_time_ms": (4, I64)},
        "TestResult": {"test_id": (1, S), "passed": (2, B), "expected_output": (3, S),
                       "actual_output": (4, S), "error_message": (5, S), "execution_time_ms": (6, I64)},
        "PipelineStep": {"name": (1, S), "status": (2, E), "started_at": (3, M), "completed_at": (4, M),
                         "message": (5, S), "error": (6, S), "step_metadata": (7, M, "rep"),
                         "step_order": (8, I32)},
    }
    check_fields(pool, "com.levelupjourney.coderunner.", expect)
    ts = pool.FindMessageTypeByName("com.levelupjourney.coderunner.LogEntry").fields_by_name["timestamp"]
    assert ts.message_type.full_name == "google.protobuf.Timestamp"
    status = pool.FindEnumTypeByName("com.levelupjourney.coderunner.ExecutionStatus")
    assert {v.name: v.number for v in status.values} == {
        "EXECUTION_STATUS_UNSPECIFIED": 0, "EXECUTION_STATUS_PENDING": 1, "EXECUTION_STATUS_RUNNING": 2,
        "EXECUTION_STATUS_COMPLETED": 3, "EXECUTION_STATUS_FAILED": 4, "EXECUTION_STATUS_TIMEOUT": 5,
        "EXECUTION_STATUS_CANCELLED": 6}


def test_reflection_file_by_filename(refl, channel):
    mod, mod_grpc = refl
    names = ["code_runner.proto", "code_execution.proto", "coderunner/v1/coderunner.proto",
             "grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto",
             "grpc/reflection/v1alpha/reflection.proto", "google/protobuf/timestamp.proto", "test.proto"]
    resps = reflect(mod, mod_grpc, channel, [mod.ServerReflectionRequest(file_by_filename=n) for n in names])
    for n, resp in zip(names, resps):
        fds = parse_files(resp)
        assert fds[0].name == n
        build_pool(fds)
    deps = {f.name for f in parse_files(resps[1])}
    assert deps == {"code_execution.proto", "google/protobuf/timestamp.proto"}


def test_reflection_errors(refl, channel):
    mod, mod_grpc = refl
    NOT_FOUND = grpc.StatusCode.NOT_FOUND.value[0]
    reqs = [
        mod.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
        mod.ServerReflectionRequest(file_by_filename="nope.proto"),
        mod.ServerReflectionRequest(file_containing_extension=mod.ExtensionRequest(
            containing_type="coderunner.test.EchoRequest", extension_number=100)),
        mod.ServerReflectionRequest(all_extension_numbers_of_type="no.such.Type"),
        mod.ServerReflectionRequest(all_extension_numbers_of_type="coderunner.test.EchoRequest"),
        mod.ServerReflectionRequest(host="example", file_containing_symbol="coderunner.test.Test.Echo"),
    ]
    r = reflect(mod, mod_grpc, channel, reqs)
    assert len(r) == len(reqs)
    for resp in r[:4]:
        assert resp.WhichOneof("message_response") == "error_response"
        assert resp.error_response.error_code == NOT_FOUND
    assert r[4].all_extension_numbers_response.base_type_name == "coderunner.test.EchoRequest"
    assert list(r[4].all_extension_numbers_response.extension_number) == []
    assert r[5].valid_host == "example"
    assert parse_files(r[5])[0].name == "test.proto"
    # The stream survives errors and ends with OK when the client half-closes.


# ---------------------------------------------------- process-level tests

def test_second_server_on_same_port_fails(server):
    p = subprocess.run([SERVER, "--port", str(server.port)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "READY" not in p.stdout


def test_sigterm_finishes_inflight_call_and_exits_0(pb):
    s = Server()
    ch = grpc.insecure_channel(s.target)
    stub = pb.test_pb2_grpc.TestStub(ch)
    hstub = pb.health_pb2_grpc.HealthStub(ch)
    try:
        assert stub.Echo(pb.test_pb2.EchoRequest(text="warm"), timeout=10).text == "warm"
        watch = hstub.Watch(pb.health_pb2.HealthCheckRequest(service=""), timeout=30)
        assert next(watch).status == pb.health_pb2.HealthCheckResponse.SERVING
        fut = stub.Echo.future(pb.test_pb2.EchoRequest(text="inflight", delay_ms=1500), timeout=30)
        time.sleep(0.3)
        t0 = time.monotonic()
        s.signal(signal.SIGTERM)
        # Watchers hear NOT_SERVING and their stream ends cleanly.
        assert next(watch).status == pb.health_pb2.HealthCheckResponse.NOT_SERVING
        assert list(watch) == []
        assert fut.result(timeout=20).text == "inflight"
        rc = s.proc.wait(timeout=20)
        assert rc == 0, s.stderr()
        assert time.monotonic() - t0 >= 1.0  # it waited for the call
        s.check_clean()
    finally:
        ch.close()
        if s.proc.poll() is None:
            s.proc.kill()


def test_grace_period_cancels_slow_calls(pb):
    s = Server("--grace-ms", "300")
    ch = grpc.insecure_channel(s.target)
    stub = pb.test_pb2_grpc.TestStub(ch)
    try:
        fut = stub.Echo.future(pb.test_pb2.EchoRequest(text="slow", delay_ms=20000), timeout=60)
        time.sleep(0.3)
        t0 = time.monotonic()
        s.signal(signal.SIGTERM)
        with pytest.raises(grpc.RpcError) as e:
            fut.result(timeout=20)
        assert e.value.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)
        rc = s.proc.wait(timeout=20)
        assert rc == 0, s.stderr()
        assert time.monotonic() - t0 < 5
        s.check_clean()
    finally:
        ch.close()
        if s.proc.poll() is None:
            s.proc.kill()
