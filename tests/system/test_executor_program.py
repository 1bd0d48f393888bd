"""coderunner-executor: the program the daemon's keeper execs
(src/cli/executor-cmd.c, docs/internals/spawn.md). The keeper, the executor
and every worker must map what the executor runs, not the daemon's gRPC and
TLS libraries; the slot locks must stay held by the keeper; and the program
must refuse to run for a daemon of another build or with other runtimes."""
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import CODERUNNER, Daemon, free_port, request

EXECUTOR = os.path.join(os.path.dirname(CODERUNNER), "coderunner-executor")
DAEMON_ONLY = ("libgrpc", "libabsl", "libssl", "libgnutls", "libsqlite3", "libmicrohttpd", "libstdc++")


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def mappings(pid):
    with open("/proc/%d/maps" % pid) as f:
        return f.read().splitlines()


def fd_targets(pid):
    d = "/proc/%d/fd" % pid
    out = {}
    for fd in os.listdir(d):
        try:
            out[int(fd)] = os.readlink(os.path.join(d, fd))
        except OSError:
            pass
    return out


@pytest.fixture(scope="module")
def daemon2():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = Daemon(CODERUNNER_WORKERS=2)
    yield d
    d.stop()


def keeper_of(d):
    keepers = [p for p in children(d.proc.pid) if comm(p) == "cr-keeper"]
    assert len(keepers) == 1, children(d.proc.pid)
    return keepers[0]


def test_keeper_and_executor_run_the_lean_program(daemon2):
    keeper = keeper_of(daemon2)
    executor = [p for p in children(keeper) if comm(p) == "cr-executor"][0]
    daemon_maps = mappings(daemon2.proc.pid)
    assert any("libgrpc" in m for m in daemon_maps), "the daemon itself should map gRPC"
    for pid in (keeper, executor):
        assert os.path.realpath("/proc/%d/exe" % pid) == os.path.realpath(EXECUTOR)
        maps = mappings(pid)
        assert not [m for m in maps if any(lib in m for lib in DAEMON_ONLY)], maps
        assert len(maps) < len(daemon_maps) / 4, (len(maps), len(daemon_maps))


def test_a_worker_maps_no_daemon_library(daemon2):
    """Caught during a job: the worker (a child of the executor) is the
    process whose fork and exit every job pays."""
    keeper = keeper_of(daemon2)
    executor = [p for p in children(keeper) if comm(p) == "cr-executor"][0]
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("r", daemon2.stub.EvaluateSolution(
        request("import time\ntime.sleep(1.5)\nprint(input())\n", [("t1", "7", "7")], language="python"),
        timeout=60)))
    t.start()
    seen = None
    deadline = time.monotonic() + 10
    while seen is None and time.monotonic() < deadline:
        for w in children(executor):
            try:
                seen = (w, mappings(w))
                break
            except OSError:
                pass
        time.sleep(0.01)
    t.join()
    assert result["r"].success, result["r"]
    assert seen, "no worker seen during a 1.5 s job"
    assert not [m for m in seen[1] if any(lib in m for lib in DAEMON_ONLY)], seen
    assert len(seen[1]) < 100, len(seen[1])


def test_the_keeper_holds_the_slot_locks_and_no_daemon_fd(daemon2):
    keeper = keeper_of(daemon2)
    fds = fd_targets(keeper)
    locks = sorted(t for t in fds.values() if t.startswith("/run/coderunner/slots/") and t.endswith(".lock"))
    daemon_locks = sorted(t for t in fd_targets(daemon2.proc.pid).values()
                          if t.startswith("/run/coderunner/slots/") and t.endswith(".lock"))
    assert len(daemon_locks) == 2 and locks == daemon_locks, (locks, daemon_locks)
    assert fds[3].startswith("socket:") and fds[4].startswith("socket:"), fds
    # the daemon's own files and sockets (job store, log, gRPC and HTTP listeners) closed on exec
    sockets = [fd for fd, t in fds.items() if t.startswith("socket:")]
    assert sorted(sockets) == [3, 4], fds
    assert not [t for t in fds.values() if t.endswith(".db") or t.endswith(".db-wal")], fds


def run_executor(args, **env):
    """coderunner-executor run by hand with two sockets on fds 3 and 4, as the
    keeper's child would have them."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c, e = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)

    def place():
        os.dup2(b.fileno(), 3)
        os.dup2(e.fileno(), 4)
    try:
        return subprocess.run([EXECUTOR] + args, env={**os.environ, **env}, capture_output=True, text=True,
                              preexec_fn=place, close_fds=False, timeout=60)
    finally:
        for s in (a, b, c, e):
            s.close()


def run_executor_with_state(args):
    """run_executor() with a state dir of its own (as a daemon's)."""
    state = tempfile.mkdtemp(prefix="cr-state-")
    try:
        return run_executor(args, CODERUNNER_STATE_DIR=state)
    finally:
        shutil.rmtree(state)


def test_without_the_daemons_sockets_it_says_so():
    p = subprocess.run([EXECUTOR, "--slots", "0", "--runtimes", "0", "--build", "x"], capture_output=True,
                       text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and "Run by coderunner serve only" in p.stderr, p


def test_bad_arguments_are_refused():
    p = run_executor(["--slots", "0,x", "--runtimes", "0", "--build", "x"])
    assert p.returncode == 2 and "Usage" in p.stderr, p


def test_another_build_is_refused():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    p = run_executor_with_state(["--slots", "", "--runtimes", "0", "--build", "0.0-another"])
    assert p.returncode == 1 and "install them together" in p.stderr, p


def test_other_runtimes_are_refused():
    """A fingerprint that is not of this image store's runtimes: what an
    image imported or removed between the daemon's start and ours gives."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    version = subprocess.run([CODERUNNER, "--version"], capture_output=True, text=True).stdout.split()[1]
    p = run_executor_with_state(["--slots", "", "--runtimes", "0000000000000000", "--build", version])
    assert p.returncode == 1 and "the runtimes changed while the daemon started" in p.stderr, p


def test_a_daemon_without_its_executor_program_does_not_start():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = tempfile.mkdtemp(prefix="cr-bin-")
    try:
        for b in ("coderunner", "coderunner-serve"):
            shutil.copy2(os.path.join(os.path.dirname(CODERUNNER), b), d)
        p = subprocess.run([os.path.join(d, "coderunner"), "serve"], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "CODERUNNER_DATADIR": os.environ.get("CODERUNNER_DATADIR", ""),
                                "CODERUNNER_STATE_DIR": d, "GRPC_PORT": str(free_port()),
                                "PORT": str(free_port())})
    finally:
        shutil.rmtree(d)
    assert p.returncode == 1, p
    assert "coderunner-executor" in p.stderr and "No such file" in p.stderr, p.stderr[-2000:]


def test_a_configuration_error_of_the_executor_fails_the_start_and_says_which():
    """What only the sandbox side checks (an unknown controller to allow
    missing) now fails in coderunner-executor: the daemon must still exit 1
    at once, the executor's reason in its log."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = tempfile.mkdtemp(prefix="cr-state-")
    try:
        p = subprocess.run([CODERUNNER, "serve"], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "CODERUNNER_STATE_DIR": d, "GRPC_PORT": str(free_port()),
                                "PORT": str(free_port()), "CODERUNNER_ALLOW_MISSING_CONTROLLERS": "bogus"})
    finally:
        shutil.rmtree(d)
    assert p.returncode == 1, p
    assert "unknown cgroup controller 'bogus'" in p.stderr and "keeper died" in p.stderr, p.stderr[-2000:]
