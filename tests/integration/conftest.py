# SPDX-License-Identifier: MIT
"""Shared fixtures for the CodeRunner integration tests.

Environment (set by tests/integration/run.sh):
  CODERUNNER          path of the built `coderunner` binary
  CR_TEST_ROOTFS      test rootfs built by make-rootfs.sh (busybox + /probe)
  CODERUNNER_DATADIR  source tree; the CLI reads seccomp/default.profile there
  CR_SANDBOX_LOOP     path of tests/sandbox-loop

Every test is skipped when not running as root; nothing else skips: a
missing binary or rootfs is an error, not a skip.
"""

import json
import os
import re
import secrets
import signal
import subprocess
import time

import pytest

SANDBOX_UID_BASE = 1879113728
SANDBOX_UID_COUNT = 65536
PROBE = "/probe"
DEFAULT_ENV = ("PATH=/bin",)
# Harness-side timeout for one CLI run: generous, every test also sets
# sandbox limits far below it.
RUN_TIMEOUT = 60

_token = "crt%dx%s" % (os.getpid(), secrets.token_hex(4))
_marker_seq = 0


# --------------------------------------------------------------- /proc utils

def read_cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return None
    return [a.decode("utf-8", "replace") for a in data.split(b"\0")[:-1]]


def read_status(pid):
    """/proc/PID/status as a dict of strings, or None if it is gone."""
    try:
        with open("/proc/%s/status" % pid) as f:
            text = f.read()
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def _ppid_map():
    m = {}
    for pid in all_pids():
        try:
            with open("/proc/%d/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        # comm may contain spaces and parentheses: split after the last ')'
        fields = stat[stat.rfind(")") + 2:].split()
        m[pid] = int(fields[1])
    return m


def descendants(root):
    """All live descendants of root (not root itself)."""
    children = {}
    for pid, ppid in _ppid_map().items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def is_zombie(pid):
    st = read_status(pid)
    return st is None or st.get("State", "").startswith(("Z", "X"))


def pids_with_marker(marker):
    """Live (non-zombie) host processes with `marker` in their argv."""
    me = os.getpid()
    out = []
    for pid in all_pids():
        if pid == me:
            continue
        argv = read_cmdline(pid)
        if argv and any(marker in a for a in argv) and not is_zombie(pid):
            out.append(pid)
    return out


def host_uid(pid):
    st = read_status(pid)
    if not st:
        return None
    return [int(x) for x in st["Uid"].split()]


def sandbox_uid_pids():
    """Live host processes whose real uid is in the sandbox uid range."""
    out = {}
    for pid in all_pids():
        uids = host_uid(pid)
        if uids and SANDBOX_UID_BASE <= uids[0] < SANDBOX_UID_BASE + SANDBOX_UID_COUNT \
                and not is_zombie(pid):
            out[pid] = read_cmdline(pid)
    return out


def kill_pids(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def wait_gone(pids_fn, timeout=2.0):
    """Polls pids_fn() until it returns nothing or timeout; returns the last
    (possibly empty) result. Covers the kernel reaping SIGKILLed tasks."""
    deadline = time.monotonic() + timeout
    while True:
        left = pids_fn()
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def parse_kv(text):
    """Probe output "key=value" lines as a dict (last one wins)."""
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k] = v
    return out


# ------------------------------------------------------------------ harness

class Result:
    def __init__(self, argv, rc, stdout, stderr, elapsed, json_mode):
        self.argv = argv
        self.rc = rc
        self.raw_stdout = stdout
        self.raw_stderr = stderr
        self.elapsed = elapsed
        self.json = None
        if json_mode and rc == 0:
            try:
                self.json = json.loads(stdout.decode("utf-8"))
            except ValueError as e:
                raise AssertionError("coderunner --json printed no valid JSON (%s):\n%s"
                                     % (e, self.describe())) from None
            if not isinstance(self.json, dict):
                raise AssertionError("--json output is not an object:\n" + self.describe())

    def describe(self):
        return ("argv: %s\nexit: %s  elapsed: %.2fs\nstdout: %r\nstderr: %r"
                % (" ".join(self.argv), self.rc, self.elapsed,
                   self.raw_stdout[:2000], self.raw_stderr[:2000]))

    def __getitem__(self, key):
        assert self.json is not None, "no JSON result:\n" + self.describe()
        assert key in self.json, "JSON result lacks %r:\n%s" % (key, self.describe())
        return self.json[key]

    def get(self, key, default=None):
        assert self.json is not None, "no JSON result:\n" + self.describe()
        return self.json.get(key, default)

    @property
    def status(self):
        return self["status"]

    @property
    def stdout(self):
        return self["stdout"]

    @property
    def stderr(self):
        return self["stderr"]

    def kv(self):
        return parse_kv(self.stdout)

    def expect(self, status, **fields):
        """Asserts a JSON verdict (and optional exact field values)."""
        assert self.rc == 0, "coderunner exited %s:\n%s" % (self.rc, self.describe())
        assert self.status == status, "expected %s:\n%s" % (status, self.describe())
        for k, v in fields.items():
            assert self[k] == v, "expected %s=%r:\n%s" % (k, v, self.describe())
        return self


class Coderunner:
    """Runs `coderunner run` and cleans up after itself: every process tree
    it started is SIGKILLed at teardown, sandboxed descendants included."""

    def __init__(self, binary, rootfs):
        self.binary = binary
        self.rootfs = rootfs
        self._procs = []

    def argv(self, program, json_mode=True, env=DEFAULT_ENV, opts=(), rootfs=None, **limits):
        argv = [self.binary, "run", "--rootfs", rootfs or self.rootfs]
        for k, v in limits.items():
            argv += ["--" + k.replace("_", "-"), str(v)]
        for e in env:
            argv += ["--env", e]
        argv += list(opts)
        if json_mode:
            argv.append("--json")
        argv.append("--")
        argv += list(program)
        return argv

    def start(self, program, json_mode=True, **kw):
        argv = self.argv(program, json_mode=json_mode, **kw)
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        p._cr_argv = argv
        p._cr_json = json_mode
        p._cr_start = time.monotonic()
        self._procs.append(p)
        return p

    def finish(self, p, timeout=RUN_TIMEOUT):
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_tree(p)
            out, err = p.communicate()
            raise AssertionError("coderunner did not finish within %ss (killed): %s\nstderr: %r"
                                 % (timeout, " ".join(p._cr_argv), err[:2000])) from None
        return Result(p._cr_argv, p.returncode, out, err, time.monotonic() - p._cr_start, p._cr_json)

    def run(self, program, json_mode=True, timeout=RUN_TIMEOUT, **kw):
        return self.finish(self.start(program, json_mode=json_mode, **kw), timeout=timeout)

    def started_pids(self):
        """Pids of every `coderunner run` this harness started."""
        return {p.pid for p in self._procs}

    def probe(self, *args, **kw):
        return self.run([PROBE] + [str(a) for a in args], **kw)

    @staticmethod
    def kill_tree(p):
        if p.poll() is not None:
            return
        tree = [p.pid] + descendants(p.pid)
        kill_pids(tree)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def cleanup(self):
        for p in self._procs:
            self.kill_tree(p)
            try:
                p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._procs = []


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="session", autouse=True)
def _require_root():
    if os.geteuid() != 0:
        pytest.skip("integration tests need root (cgroups, namespaces, uid mapping)")


def _env_file(name, default=None, executable=False):
    path = os.environ.get(name, default)
    if not path:
        pytest.fail("%s is not set (run tests/integration/run.sh)" % name)
    if not os.path.exists(path):
        pytest.fail("%s=%s does not exist (build it first: make, make check)" % (name, path))
    if executable and not os.access(path, os.X_OK):
        pytest.fail("%s=%s is not executable" % (name, path))
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def coderunner_bin(_require_root):
    return _env_file("CODERUNNER", executable=True)


@pytest.fixture(scope="session")
def rootfs(_require_root):
    path = _env_file("CR_TEST_ROOTFS")
    if not os.access(os.path.join(path, "probe"), os.X_OK):
        pytest.fail("CR_TEST_ROOTFS=%s has no /probe (run make-rootfs.sh)" % path)
    return path


@pytest.fixture(scope="session")
def sandbox_loop_bin(_require_root):
    return _env_file("CR_SANDBOX_LOOP", executable=True)


@pytest.fixture
def marker():
    """A unique string to put in a probe's argv; processes carrying it are
    killed after the test whatever happened."""
    global _marker_seq
    _marker_seq += 1
    m = "%s-%d" % (_token, _marker_seq)
    yield m
    kill_pids(pids_with_marker(m))


@pytest.fixture
def cr(coderunner_bin, rootfs):
    c = Coderunner(coderunner_bin, rootfs)
    yield c
    c.cleanup()
    # Last resort: anything that still carries this session's token.
    kill_pids(pids_with_marker(_token))


# ------------------------------------------------------------ leak snapshots

def cgroup_mounts():
    """{controller-or-name: mountpoint} for every cgroup (v1) / cgroup2 mount."""
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            fields = pre.split()
            fstype, _source, superopts = (post.split() + ["", "", ""])[:3]
            mnt = fields[4]
            if fstype == "cgroup2":
                mounts.setdefault("", mnt)
            elif fstype == "cgroup":
                for opt in superopts.split(","):
                    if opt in ("rw", "ro") or opt.startswith(("release_agent", "clone_children")):
                        continue
                    mounts.setdefault(opt, mnt)
    return mounts


def own_cgroup_dirs():
    """Directories of this process's own cgroup, one per hierarchy."""
    mounts = cgroup_mounts()
    dirs = set()
    with open("/proc/self/cgroup") as f:
        for line in f:
            _hid, ctrls, path = line.rstrip("\n").split(":", 2)
            key = ctrls.split(",")[0] if ctrls else ""
            mnt = mounts.get(key)
            if mnt:
                d = os.path.normpath(mnt + "/" + path.lstrip("/"))
                if os.path.isdir(d):
                    dirs.add(d)
    return sorted(dirs)


def own_cgroup_paths():
    """{controller: path} from /proc/self/cgroup ('' for the v2 entry)."""
    out = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _hid, ctrls, path = line.rstrip("\n").split(":", 2)
            for c in (ctrls.split(",") if ctrls else [""]):
                out[c] = path
    return out


def cr_cgroups(max_depth=3):
    """Every directory named cr-* (at most max_depth levels) beneath our own
    cgroup in every hierarchy."""
    found = set()
    for top in own_cgroup_dirs():
        base_depth = top.rstrip("/").count("/")
        for dirpath, dirnames, _files in os.walk(top):
            depth = dirpath.rstrip("/").count("/") - base_depth
            if depth >= max_depth:
                dirnames[:] = []
            for d in dirnames:
                if d.startswith("cr-"):
                    found.add(os.path.join(dirpath, d))
    return found


def cgroup_procs(path):
    try:
        with open(os.path.join(path, "cgroup.procs")) as f:
            return f.read().split()
    except OSError:
        return None


def mountinfo(pid="self"):
    """Mount table without the per-boot mount ids, so it compares across
    equal tables."""
    with open("/proc/%s/mountinfo" % pid) as f:
        return [line.split(" ", 2)[2] for line in f.read().splitlines()]


def slot_pin(mount):
    """A CLI slot's network namespace, pinned at /run/coderunner/slots/N.netns
    (a mountinfo line without its ids: major:minor root mountpoint ...). The
    first `coderunner run` in a slot on a machine makes it, whichever test
    that happens in, and it stays on purpose (sandbox/netns.c)."""
    f = mount.split(" ")
    return (len(f) > 2 and re.fullmatch(r"/run/coderunner/slots/\d+\.netns", f[2]) is not None
            and " - nsfs " in mount)


def mount_changes(old, new):
    """(added, removed) between two mountinfo() tables, leaving out the slot
    pins; fails if one slot is pinned twice (one pin per slot, no more)."""
    pins = [m.split(" ")[2] for m in new if slot_pin(m)]
    assert len(pins) == len(set(pins)), "a slot pinned twice: %s" % pins
    return ([m for m in new if m not in old and not slot_pin(m)],
            [m for m in old if m not in new and not slot_pin(m)])
