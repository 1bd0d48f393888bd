"""Operations: HTTP /health, /ready and /metrics (parsed by the Prometheus
text-format parser), sd_notify against a listener on NOTIFY_SOCKET, watchdog
pings that stop when the main loop is blocked, the executor killed and
restarted with health telling the truth at each step, configuration errors
and precedence."""
import ctypes
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import CODERUNNER, Daemon, health_pb2, request

T1 = "123ad9ef-0000-4000-8000-41ba034a32e1"
ECHO_SUM = "a, b = map(int, input().split())\nprint(a + b)\n"


def http_get(d, path, timeout=10):
    """(status, body) of GET path on the daemon's HTTP port."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (d.http_port, path), timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def metrics(d):
    status, text = http_get(d, "/metrics")
    assert status == 200
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def sample(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def wait_for(pred, timeout=15, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:  # gone: ENOENT at open, or ESRCH when the read loses the race
        return []


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:  # gone: ENOENT at open, or ESRCH when the read loses the race
        return None


def keeper_and_executor(d):
    keepers = [p for p in children(d.proc.pid) if comm(p) == "cr-keeper"]
    assert len(keepers) == 1, children(d.proc.pid)
    execs = [p for p in children(keepers[0]) if comm(p) == "cr-executor"]
    return keepers[0], execs[0] if execs else None


@pytest.fixture(scope="module")
def ops_daemon():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(CODERUNNER_WORKERS=2, CODERUNNER_QUEUE_LENGTH=1)
    yield d
    d.stop()


# ------------------------------------------------------------------ HTTP

def test_health_is_the_old_probes_answer(ops_daemon):
    status, body = http_get(ops_daemon, "/health")
    assert status == 200 and json.loads(body) == {"status": "healthy"}


def test_ready_when_everything_is(ops_daemon):
    status, body = http_get(ops_daemon, "/ready")
    assert status == 200 and json.loads(body) == {"status": "ready"}


def test_unknown_path_and_method(ops_daemon):
    assert http_get(ops_daemon, "/nope")[0] == 404
    req = urllib.request.Request("http://127.0.0.1:%d/health" % ops_daemon.http_port, data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 405


def test_metrics_count_what_ran(ops_daemon):
    before = metrics(ops_daemon)
    r = ops_daemon.stub.EvaluateSolution(request(ECHO_SUM, [(T1, "1 2", "3")], language="python"), timeout=120)
    assert r.success, r
    after = metrics(ops_daemon)
    key = ("coderunner_executions_total", (("language", "python"), ("status", "passed")))
    assert after.get(key, 0) == before.get(key, 0) + 1
    ok = ("coderunner_sandbox_verdicts_total", (("verdict", "OK"),))
    assert after.get(ok, 0) >= before.get(ok, 0) + 1
    assert sample(after, "coderunner_run_seconds_count") >= sample(before, "coderunner_run_seconds_count") + 1
    assert sample(after, "coderunner_queue_wait_seconds_count") >= 1
    assert sample(after, "coderunner_run_seconds_bucket", le="+Inf") == sample(after, "coderunner_run_seconds_count")
    assert sample(after, "coderunner_queue_depth") == 0
    assert sample(after, "coderunner_running_sandboxes") == 0
    assert sample(after, "coderunner_executor_up") == 1
    assert sample(after, "coderunner_ready") == 1
    assert sample(after, "coderunner_executor_restarts_total") == 0
    assert [k for k in after if k[0] == "coderunner_build_info"]


def test_ready_flips_while_the_queue_is_full(ops_daemon):
    """2 workers + a queue of 1: three sleeping jobs saturate it."""
    sleeper = "import time\ntime.sleep(4)\nprint(3)\n"
    results = []

    def run():
        try:
            results.append(ops_daemon.stub.EvaluateSolution(
                request(sleeper, [(T1, "", "3")], language="python"), timeout=120))
        except grpc.RpcError as e:
            results.append(e)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        busy = wait_for(lambda: http_get(ops_daemon, "/ready")[0] == 503, timeout=10, step=0.02)
        status, body = http_get(ops_daemon, "/ready")
        assert busy, "never saw /ready saturated"
    finally:
        for t in threads:
            t.join()
    assert status in (200, 503)
    if status == 503:
        assert "queue is full" in json.loads(body)["reason"]
    assert wait_for(lambda: http_get(ops_daemon, "/ready")[0] == 200)


# ------------------------------------------------------- executor supervision

def test_executor_killed_is_restarted_and_health_tells_the_truth():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(CODERUNNER_WORKERS=2)
    try:
        watch = d.health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=60)
        seen = []
        watcher = threading.Thread(target=_collect, args=(watch, seen), daemon=True)
        watcher.start()
        assert wait_for(lambda: seen == [health_pb2.HealthCheckResponse.SERVING])

        # a job in flight when the executor dies fails with a retryable status
        inflight = []
        loop = "import time\nwhile True:\n    time.sleep(1)\n"
        t = threading.Thread(target=lambda: inflight.append(_call(d, loop)))
        t.start()
        assert wait_for(lambda: sample(metrics(d), "coderunner_running_sandboxes") == 1, step=0.1)
        keeper, executor = keeper_and_executor(d)

        # the keeper stopped: the executor's death alone turns health NOT_SERVING
        os.kill(keeper, signal.SIGSTOP)
        os.kill(executor, signal.SIGKILL)
        killed_at = time.monotonic()
        t.join(timeout=30)
        assert isinstance(inflight[0], grpc.RpcError) and inflight[0].code() == grpc.StatusCode.UNAVAILABLE, \
            inflight
        assert wait_for(lambda: d.health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                        == health_pb2.HealthCheckResponse.NOT_SERVING)
        status, body = http_get(d, "/ready")
        assert status == 503 and "executor is not running" in json.loads(body)["reason"], body
        assert http_get(d, "/health")[0] == 200  # alive: nothing for a liveness probe to restart

        # the keeper runs again: a new executor within a second
        os.kill(keeper, signal.SIGCONT)
        resumed_at = time.monotonic()
        new = wait_for(lambda: keeper_and_executor(d)[1] not in (None, executor) and keeper_and_executor(d)[1],
                       timeout=1, step=0.01)
        assert new, "no new executor within 1 s"
        assert wait_for(lambda: d.health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                        == health_pb2.HealthCheckResponse.SERVING, timeout=1 + (resumed_at - killed_at) * 0)
        assert http_get(d, "/ready")[0] == 200
        assert wait_for(lambda: health_pb2.HealthCheckResponse.NOT_SERVING in seen and
                        seen[-1] == health_pb2.HealthCheckResponse.SERVING), seen

        # a plain SIGKILL, keeper running: restarted within a second
        _, executor = keeper_and_executor(d)
        os.kill(executor, signal.SIGKILL)
        assert wait_for(lambda: keeper_and_executor(d)[1] not in (None, executor), timeout=1, step=0.01)

        # and it runs jobs
        r = d.stub.EvaluateSolution(request(ECHO_SUM, [(T1, "2 2", "4")], language="python"), timeout=120)
        assert r.success, r
        m = metrics(d)
        assert sample(m, "coderunner_executor_restarts_total") == 2
        assert sample(m, "coderunner_executions_total", language="python", status="unavailable") == 1
        out = d.output()
        assert "Executor (pid %d) killed by signal 9" % executor in out, out
        assert "Executor restarted" in out, out
    finally:
        d.stop()


def _collect(watch, seen):
    """Appends each status the Watch stream sends until it ends (the
    channel closes when the test stops the daemon)."""
    try:
        for m in watch:
            seen.append(m.status)
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.CANCELLED:
            raise


def _call(d, code):
    try:
        return d.stub.EvaluateSolution(request(code, [(T1, "", "x")], language="python"), timeout=60)
    except grpc.RpcError as e:
        return e


# ---------------------------------------------------- sd_notify and watchdog

class NotifyListener:
    """The service manager's end of NOTIFY_SOCKET: a datagram socket."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="cr-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []  # (monotonic time, text)
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            with self.lock:
                self.messages.append((time.monotonic(), data.decode()))

    def since(self, t, needle):
        with self.lock:
            return [m for (at, m) in self.messages if at >= t and needle in m]

    def close(self):
        self.sock.close()
        os.unlink(self.path)
        os.rmdir(self.dir)


PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207
WALL = 0x40000000


def stop_one_thread(tid):
    """Stops one thread (ptrace-stop), leaving the others running."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    if libc.ptrace(PTRACE_SEIZE, tid, None, None) != 0 or libc.ptrace(PTRACE_INTERRUPT, tid, None, None) != 0:
        raise OSError(ctypes.get_errno(), "ptrace")
    os.waitpid(tid, WALL)
    return lambda: libc.ptrace(PTRACE_DETACH, tid, None, None)


def test_sd_notify_ready_status_watchdog_stopping():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    listener = NotifyListener()
    d = None
    try:
        t0 = time.monotonic()
        d = Daemon(NOTIFY_SOCKET=listener.path, WATCHDOG_USEC=400000)
        ready = wait_for(lambda: listener.since(t0, "READY=1"))
        assert ready and "STATUS=Serving: 0 running, 0 queued" in ready[0], listener.messages
        # pinged at half the interval
        t1 = time.monotonic()
        time.sleep(1.2)
        assert len(listener.since(t1, "WATCHDOG=1")) >= 3

        # the main thread blocked, every other thread running: no pings, and
        # /health says so once the loop has missed its ticks
        resume = stop_one_thread(d.proc.pid)
        try:
            time.sleep(0.3)
            t2 = time.monotonic()
            unhealthy = wait_for(lambda: http_get(d, "/health")[0] == 503, timeout=10, step=0.2)
            pings_while_blocked = listener.since(t2, "WATCHDOG=1")
            status, body = http_get(d, "/health")
        finally:
            resume()
        assert pings_while_blocked == []
        assert unhealthy and "main loop has not run" in json.loads(body)["reason"], body
        t3 = time.monotonic()
        assert wait_for(lambda: listener.since(t3, "WATCHDOG=1"), timeout=3)
        assert wait_for(lambda: http_get(d, "/health")[0] == 200, timeout=3)

        # SIGSTOP of the whole process: nothing at all
        os.kill(d.proc.pid, signal.SIGSTOP)
        t4 = time.monotonic()
        time.sleep(1.0)
        stopped_pings = listener.since(t4, "WATCHDOG=1")
        os.kill(d.proc.pid, signal.SIGCONT)
        assert stopped_pings == []

        t5 = time.monotonic()
        assert d.stop() == 0
        d = None
        stopping = listener.since(t5, "STOPPING=1")
        assert stopping and "STATUS=Draining" in stopping[0], listener.messages
    finally:
        if d:
            d.stop()
        listener.close()


# --------------------------------------------------------- configuration

def test_invalid_value_stops_start_up_with_one_line():
    env = dict(os.environ, GRPC_PORT="1", PORT="70000")
    p = subprocess.run([CODERUNNER, "serve"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "invalid value '70000' for PORT: expected an integer from 1 to 65535" in lines[0]


def test_config_file_under_environment_and_redacted(tmp_path):
    conf = tmp_path / "coderunner.conf"
    conf.write_text("PORT=8123\nGRPC_PORT=9123\nKAFKA_CONNECTION_STRING=Endpoint=sb://x/;SharedAccessKeyName=send;SharedAccessKey=s3cr3t\n")
    env = dict(os.environ, CODERUNNER_CONFIG_FILE=str(conf), GRPC_PORT="9555")
    env.pop("PORT", None)
    out = subprocess.run([CODERUNNER, "config"], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, check=True).stdout
    assert "PORT=8123  # %s\n" % conf in out
    assert "GRPC_PORT=9555  # environment\n" in out
    assert "API_VERSION=v1  # default\n" in out
    assert "s3cr3t" not in out and "KAFKA_CONNECTION_STRING=<redacted>" in out


def test_http_port_in_use_stops_start_up():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(RuntimeError) as e:
            Daemon(PORT=port)
    assert "cannot listen for HTTP on port %d" % port in str(e.value)


def test_keeper_killed_the_daemon_exits_for_its_supervisor_to_restart():
    """Without the keeper no executor can ever run again: health goes
    NOT_SERVING and the daemon exits 1 (systemd's Restart=on-failure)."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon()
    keeper, executor = keeper_and_executor(d)
    os.kill(keeper, signal.SIGKILL)
    try:
        d.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    out = d.output()
    rc = d.stop()
    assert rc == 1, out
    assert "keeper died: no job can run again" in out, out
    assert wait_for(lambda: comm(executor) is None, timeout=5), "the executor outlived its keeper"
