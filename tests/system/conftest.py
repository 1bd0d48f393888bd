"""System tests: a real `coderunner serve` on a free port, driven by Debian's
python3-grpcio with stubs generated from the project's protos at test time.

Environment (set by tests/system/run.sh): CODERUNNER, CODERUNNER_DATADIR,
CODERUNNER_IMAGE_STORE (images already imported)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CODERUNNER = os.environ.get("CODERUNNER", os.path.join(TOP, "build/gcc/coderunner"))
PROTOS = ["code_runner.proto", "coderunner/v1/coderunner.proto", "code_execution.proto"]


def _generate_stubs():
    """Python stubs in a temp dir. health.proto is copied flat: generated as
    grpc/health/v1 it would shadow the installed grpc package."""
    out = tempfile.mkdtemp(prefix="cr-stubs-")
    src = os.path.join(out, "protos")
    os.makedirs(src)
    shutil.copy("/usr/share/grpc-proto/grpc/health/v1/health.proto", os.path.join(src, "health.proto"))
    for p in PROTOS:  # keeping subdirectories: imported as coderunner.v1.coderunner_pb2
        os.makedirs(os.path.dirname(os.path.join(src, p)), exist_ok=True)
        shutil.copy(os.path.join(TOP, "proto", p), os.path.join(src, p))
    cmd = ["protoc", "-I" + src, "--python_out=" + out, "--grpc_python_out=" + out,
           "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin"] + PROTOS + ["health.proto"]
    subprocess.run(cmd, check=True)
    sys.path.insert(0, out)
    return out


STUBS = _generate_stubs()
import grpc  # noqa: E402
import code_runner_pb2 as pb  # noqa: E402
import code_runner_pb2_grpc as pb_grpc  # noqa: E402
import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """A `coderunner serve` on free ports (gRPC and HTTP). Its job store is
    SQLite in a private state dir unless env names another (DB_* for
    PostgreSQL, or CODERUNNER_STATE_DIR to share one between restarts)."""

    def __init__(self, port=None, wait=True, **env):
        self.port = port or free_port()
        self.http_port = int(env["PORT"]) if "PORT" in env else free_port()
        self.state_dir = None
        self.env = dict(os.environ)
        # the HTTP port too: several daemons run side by side on this host
        self.env.update({"GRPC_PORT": str(self.port), "PORT": str(self.http_port),
                         "CODERUNNER_GRACE_SECONDS": "20"})
        if "CODERUNNER_STATE_DIR" not in env and "DB_HOST" not in env:
            self.state_dir = tempfile.mkdtemp(prefix="cr-state-")
            self.env["CODERUNNER_STATE_DIR"] = self.state_dir
        self.env.update({k: str(v) for k, v in env.items()})
        self.log = tempfile.NamedTemporaryFile(prefix="cr-serve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([CODERUNNER, "serve"], env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.channel = grpc.insecure_channel("127.0.0.1:%d" % self.port)
        self.stub = pb_grpc.SolutionEvaluationServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)
        if wait:
            self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited %d:\n%s" % (self.proc.returncode, self.output()))
            try:
                r = self.health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if r.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
        raise RuntimeError("daemon not ready:\n" + self.output())

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=60):
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.unlink(self.log.name)
        if self.state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)
        return self.proc.returncode


@pytest.fixture(scope="module")
def daemon():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon()
    yield d
    d.stop()


def request(code, tests, language="", ids=None):
    ids = ids or {}
    return pb.ExecutionRequest(
        challenge_id=ids.get("challenge", "9f0d0b5b-0fb6-40a6-a2eb-14f2850f54aa"),
        code_version_id=ids.get("code_version", "d6a09a11-7d4c-4b4e-9e29-2d1bb2f0a5c1"),
        student_id=ids.get("student", "c032e274-1b0e-4d8c-8f0b-6a2b8c9d0e1f"),
        code=code, language=language,
        tests=[pb.TestCase(code_version_test_id=t[0], input=t[1], expected_output=t[2],
                           custom_validation_code=t[3] if len(t) > 3 else "") for t in tests])
