"""Eureka registration against a test registry on loopback (no traffic ever
leaves the host): the instance payload, heartbeats, registering again after
a 404, deregistering on stop, a hung registry never delaying serving, and
the advertised address taken from the host's own interfaces."""
import http.server
import json
import os
import socket
import socketserver
import subprocess
import threading
import time

import pytest

from conftest import Daemon, health_pb2


class Registry:
    """A minimal Eureka: records requests; answers per a mode."""

    def __init__(self):
        self.requests = []  # (time, method, path, body)
        self.heartbeat_status = 200
        self.hang = False
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode() if n else ""
                outer.requests.append((time.monotonic(), self.command, self.path, body))
                if outer.hang:
                    time.sleep(30)
                    return
                status = 204
                if self.command == "PUT":
                    status = outer.heartbeat_status
                elif self.command == "DELETE":
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, *args):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return "http://127.0.0.1:%d/eureka/" % self.port

    def of(self, method, since=0):
        return [r for r in self.requests if r[1] == method and r[0] >= since]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for(pred, timeout=15, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


@pytest.fixture
def registry():
    r = Registry()
    yield r
    r.close()


def needs_root():
    if os.geteuid() != 0:
        pytest.skip("needs root")


def test_register_heartbeat_reregister_deregister(registry):
    needs_root()
    d = Daemon(SERVICE_DISCOVERY_URL=registry.url(), SERVICE_PUBLIC_IP="127.0.0.1",
               SERVICE_NAME="CODE-RUNNER-SERVICE", CODERUNNER_EUREKA_HEARTBEAT_SECONDS=1)
    try:
        posts = wait_for(lambda: registry.of("POST"))
        assert posts, d.output()
        _, _, path, body = posts[0]
        assert path == "/eureka/apps/CODE-RUNNER-SERVICE"
        inst = json.loads(body)["instance"]
        assert inst["instanceId"] == "127.0.0.1:%d" % d.port
        assert inst["hostName"] == inst["ipAddr"] == "127.0.0.1"
        assert inst["app"] == inst["vipAddress"] == "CODE-RUNNER-SERVICE"
        assert inst["status"] == "UP"
        assert inst["port"] == {"$": d.port, "@enabled": True}  # clients dial the gRPC port
        # the original's bug fixed: health and status on the HTTP port, which answers
        assert inst["healthCheckUrl"] == "http://127.0.0.1:%d/health" % d.http_port
        assert inst["statusPageUrl"] == "http://127.0.0.1:%d/ready" % d.http_port
        assert inst["leaseInfo"]["renewalIntervalInSecs"] == 1
        assert inst["dataCenterInfo"]["name"] == "MyOwn"

        beats = wait_for(lambda: len(registry.of("PUT")) >= 2 and registry.of("PUT"), timeout=10)
        assert beats and beats[0][2] == "/eureka/apps/CODE-RUNNER-SERVICE/127.0.0.1:%d" % d.port

        # the registry forgets us: the next heartbeat's 404 brings a new registration
        registry.heartbeat_status = 404
        t = time.monotonic()
        assert wait_for(lambda: registry.of("POST", since=t), timeout=10), d.output()
        registry.heartbeat_status = 200
        t = time.monotonic()
        assert wait_for(lambda: registry.of("PUT", since=t), timeout=10)
        out = d.output()
        assert "registering again" in out
    finally:
        t = time.monotonic()
        assert d.stop() == 0
    dels = registry.of("DELETE", since=t)
    assert dels and dels[0][2] == "/eureka/apps/CODE-RUNNER-SERVICE/127.0.0.1:%d" % d.port


def test_credentials_in_the_url_stay_out_of_the_log(registry):
    needs_root()
    url = "http://admin:s3cr3t@127.0.0.1:%d/eureka" % registry.port
    d = Daemon(SERVICE_DISCOVERY_URL=url, SERVICE_PUBLIC_IP="127.0.0.1")
    try:
        assert wait_for(lambda: registry.of("POST"))
        out = d.output()
    finally:
        d.stop()
    assert "s3cr3t" not in out and "http://<redacted>@127.0.0.1" in out, out


def test_a_hung_registry_never_delays_serving(registry):
    needs_root()
    registry.hang = True
    t = time.monotonic()
    d = Daemon(SERVICE_DISCOVERY_URL=registry.url(), SERVICE_PUBLIC_IP="127.0.0.1")
    try:
        assert d.health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == \
            health_pb2.HealthCheckResponse.SERVING
        assert wait_for(lambda: registry.of("POST"))
    finally:
        t = time.monotonic()
        assert d.stop() == 0
    assert time.monotonic() - t < 20  # the hung request is aborted, not waited out


def test_registry_down_is_retried_and_serving_goes_on():
    needs_root()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once closed
    d = Daemon(SERVICE_DISCOVERY_URL="http://127.0.0.1:%d/eureka" % port, SERVICE_PUBLIC_IP="127.0.0.1")
    try:
        assert wait_for(lambda: d.output().count("Eureka registration failed") >= 2, timeout=10), d.output()
        assert d.health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == \
            health_pb2.HealthCheckResponse.SERVING
    finally:
        assert d.stop() == 0


def test_advertised_address_from_the_hosts_interfaces(registry):
    needs_root()
    addrs = subprocess.run(["ip", "-o", "addr", "show", "up"], capture_output=True, text=True).stdout
    d = Daemon(SERVICE_DISCOVERY_URL=registry.url(), SERVICE_NAME="CR-TEST")
    try:
        posts = wait_for(lambda: registry.of("POST"), timeout=5)
        out = d.output()
    finally:
        d.stop()
    if not [l for l in addrs.splitlines() if " lo " not in l and "scope global" in l]:
        assert not posts and "no non-loopback address" in out, out
        pytest.skip("this host has only loopback addresses (checked that none is advertised)")
    assert posts, out
    ip = json.loads(posts[0][3])["instance"]["ipAddr"]
    assert (" %s/" % ip) in addrs and not ip.startswith("127."), (ip, addrs)


def test_discovery_flag_false_turns_it_off(registry):
    needs_root()
    d = Daemon(SERVICE_DISCOVERY_URL=registry.url(), SERVICE_DISCOVERY_ENABLED="false",
               SERVICE_PUBLIC_IP="127.0.0.1")
    try:
        time.sleep(1.5)
        assert registry.requests == []
    finally:
        d.stop()
