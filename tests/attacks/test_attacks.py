# SPDX-License-Identifier: MIT
"""The attack suite: programs that try to break out of the sandbox, each run
through `coderunner run --lang` in its runtime's image, each with the verdict
it must get and host-side checks that the sandbox held.

An attack is one source file under tests/attacks/LANG/. Its header says what
it expects (in any comment syntax):

    attack: what it tries
    expect: VERDICT                under the runtime's own seccomp profile
    expect-default: VERDICT        also run under seccomp/default.profile, so the
                                   layers beneath seccomp (namespaces, no
                                   capabilities, read-only mounts, limits) are
                                   shown to hold on their own
    expect-cpp: VERDICT            C attacks only: in the cpp image, compiled as
                                   C++, under seccomp/cpp.profile (default: expect)
    limits: --pids-limit 32 ...    extra `coderunner run` options
    host: listener image sleeper   host-side checks beyond the ones every attack gets

The program reads its parameters from stdin (key=value lines: the host
listener's port, the host's abstract socket, a host secret's path, a host
process's pid) and prints "HELD: ..." for every attempt the sandbox stopped,
"BROKEN: ..." for one that worked, "trying: ..." before a call that seccomp
may kill, and "attack over" when it got through all of them. Attacks whose
proof lies outside the sandbox (a detached child, a signal to a host process)
are judged by the host-side checks alone.

C and JavaScript attacks hold only what they try: the runner puts
c/prelude.h or javascript/prelude.js.in (parameters, verdict lines) in front
of each before handing it to `coderunner run`. C attacks
run in the cpp image too, compiled by its C++ compiler under its profile.

Every attack, whatever it tries, must leave nothing behind on the host: no
process, no cgroup, no mount; the host's secrets (a world-readable file, the
supervisor's own environment) never appear in its output; a canary file on
the host keeps its content.
"""

import glob
import hashlib
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from conftest import cr_cgroups, cgroup_procs, mount_changes, mountinfo, sandbox_uid_pids, wait_gone  # noqa: E402

CODERUNNER = os.environ.get("CODERUNNER", "coderunner")
DATADIR = os.environ.get("CODERUNNER_DATADIR", os.path.join(HERE, "..", ".."))
DEFAULT_PROFILE = os.path.join(DATADIR, "seccomp", "default.profile")
EXTENSIONS = {"c": "c", "cpp": "cpp", "python": "py", "javascript": "js", "typescript": "ts",
              "java": "java", "csharp": "cs", "go": "go", "rust": "rs"}
VERDICTS = {"OK", "RUNTIME_ERROR", "SECCOMP_VIOLATION", "MEMORY_LIMIT", "TIME_LIMIT", "OUTPUT_LIMIT"}
HOST_CHECKS = {"listener", "image", "sleeper"}
# What each language's attacks share, put in front of each attack by attack_source().
PRELUDES = {".c": os.path.join(HERE, "c", "prelude.h"), ".js": os.path.join(HERE, "javascript", "prelude.js.in")}
GRACE = 3.0

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def parse_header(path):
    meta = {"attack": None, "expect": None, "expect-default": None, "expect-cpp": None, "limits": "",
            "host": ""}
    with open(path) as f:
        for line in f:
            m = re.match(r"^\W*(attack|expect|expect-default|expect-cpp|limits|host):\s*(.*?)\s*(\*/)?$",
                         line)
            if m and meta[m.group(1)] in (None, ""):
                meta[m.group(1)] = m.group(2)
    assert meta["attack"], "%s: no 'attack:' line" % path
    for key in ("expect", "expect-default", "expect-cpp"):
        assert meta[key] is None or meta[key] in VERDICTS, "%s: bad %s %r" % (path, key, meta[key])
    assert meta["expect"], "%s: no 'expect:' line" % path
    meta["host"] = set(meta["host"].split())
    assert meta["host"] <= HOST_CHECKS, "%s: unknown host checks %s" % (path, meta["host"] - HOST_CHECKS)
    return meta


def attack_cases():
    cases = []
    for lang, ext in sorted(EXTENSIONS.items()):
        for path in sorted(glob.glob(os.path.join(HERE, lang, "*." + ext))):
            name = "%s/%s" % (lang, os.path.basename(path).rsplit(".", 1)[0])
            meta = parse_header(path)
            cases.append(pytest.param(lang, path, "own", meta["expect"], id=name + "[own]"))
            if meta["expect-default"]:
                cases.append(pytest.param(lang, path, "default", meta["expect-default"],
                                          id=name + "[default]"))
            if lang == "c":
                cases.append(pytest.param("cpp", path, "own", meta["expect-cpp"] or meta["expect"],
                                          id="cpp/%s[own]" % name.split("/")[1]))
    return cases


def attack_source(lang, path, tmp_path):
    """The file handed to `coderunner run`: a C or JavaScript attack behind
    its language's shared prelude (in C, a #line keeps the compiler's
    messages on the attack's lines)."""
    ext = os.path.splitext(path)[1]
    if ext not in PRELUDES:
        return path
    with open(PRELUDES[ext]) as f:
        prelude = f.read()
    with open(path) as f:
        body = f.read()
    if ext == ".c":
        body = '#line 1 "%s"\n%s' % (os.path.basename(path), body)
    out = os.path.join(str(tmp_path), "attack." + EXTENSIONS[lang])
    with open(out, "w") as f:
        f.write(prelude + body)
    return out


CASES = attack_cases()


def test_the_suite_is_complete():
    """The issue's floor: 40 attacks, in C, Python, JavaScript and a compiled managed language."""
    files = {c.values[1] for c in CASES}
    assert len(files) >= 40, len(files)
    langs = {c.values[0] for c in CASES}
    assert {"c", "python", "javascript"} <= langs and langs & {"java", "csharp"}, langs


# ------------------------------------------------------------ host state

def creator(cgroup_path):
    m = re.match(r"cr-(\d+)-", os.path.basename(cgroup_path))
    return int(m.group(1)) if m else None


def in_cgroups_of(pid, creators):
    """A sandbox-uid process counts as ours unless it lives in another
    instance's sandbox cgroup (other CodeRunner instances run concurrently)."""
    try:
        with open("/proc/%d/cgroup" % pid) as f:
            paths = [line.rstrip("\n").split(":", 2)[2] for line in f]
    except OSError:
        return False
    found = {creator(c) for p in paths for c in p.split("/") if creator(c) is not None}
    return not found or bool(found & creators)


def image_fingerprint(lang):
    """(path, size, mtime) of the image's executables and top-level libraries."""
    store = os.environ["CODERUNNER_IMAGE_STORE"]
    roots = glob.glob(os.path.join(store, "%s@*" % lang, "rootfs"))
    assert roots, "no %s image in %s" % (lang, store)
    out = []
    for root in roots:
        for d in ("bin", "usr/bin", "usr/lib/x86_64-linux-gnu", "usr/local/bin"):
            try:
                entries = list(os.scandir(os.path.join(root, d)))
            except OSError:
                continue
            for e in entries:
                st = e.stat(follow_symlinks=False)
                out.append((e.path, st.st_size, st.st_mtime_ns))
    return sorted(out)


class Host:
    """What the host offers an attacker, and the state that must not change."""

    def __init__(self, tmp_path, lang):
        self.token = secrets.token_hex(8)
        self.file_secret = "file-secret-" + secrets.token_hex(12)
        self.env_secret = "env-secret-" + secrets.token_hex(12)
        self.secret_path = str(tmp_path / "host-secret")
        with open(self.secret_path, "w") as f:
            f.write(self.file_secret + "\n")
        os.chmod(self.secret_path, 0o644)
        os.chmod(str(tmp_path), 0o755)
        self.canary_path = str(tmp_path / "canary")
        with open(self.canary_path, "w") as f:
            f.write("canary " + self.token + "\n")
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.setblocking(False)
        self.abstract_name = "cr-attack-" + self.token
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract.bind("\0" + self.abstract_name)
        self.abstract.listen(8)
        self.abstract.setblocking(False)
        self.sleeper = subprocess.Popen(["sleep", "600"], start_new_session=True)
        self.lang = lang
        self.cgroups = cr_cgroups()
        self.mounts_self = mountinfo("self")
        self.mounts_init = mountinfo("1")
        self.uid_pids = set(sandbox_uid_pids())
        self.image = None
        self.hostname = socket.gethostname()

    def params(self):
        return "".join("%s=%s\n" % kv for kv in (
            ("port", self.listener.getsockname()[1]), ("abstract", self.abstract_name),
            ("secret_path", self.secret_path), ("canary_path", self.canary_path),
            ("host_pid", self.sleeper.pid), ("token", self.token)))

    def close(self):
        self.listener.close()
        self.abstract.close()
        self.sleeper.kill()
        self.sleeper.wait()

    def accepted(self, sock):
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def assert_held(self, meta, output, creators):
        for secret in (self.file_secret, self.env_secret):
            assert secret not in output, "a host secret leaked into the output"
        with open(self.canary_path) as f:
            assert f.read() == "canary " + self.token + "\n", "the host canary changed"
        assert os.path.exists(self.secret_path)
        assert not os.path.exists(os.path.join(os.path.dirname(self.canary_path), "pwned")), \
            "the attack created a file on the host"
        assert socket.gethostname() == self.hostname, "the host's name changed"
        if "listener" in meta["host"]:
            assert not self.accepted(self.listener), "the host's loopback listener got a connection"
            assert not self.accepted(self.abstract), "the host's abstract socket got a connection"
        if "sleeper" in meta["host"]:
            assert self.sleeper.poll() is None, "a host process was killed"
        if "image" in meta["host"]:
            assert image_fingerprint(self.lang) == self.image, "the runtime image changed"
        self.assert_nothing_left(creators)

    def assert_nothing_left(self, creators):
        left = wait_gone(lambda: {c for c in cr_cgroups() - self.cgroups
                                  if os.path.isdir(c) and creator(c) in creators}, timeout=GRACE)
        assert not left, "cgroups left behind: %s" % {c: cgroup_procs(c) for c in left}
        procs = wait_gone(lambda: {p: a for p, a in sandbox_uid_pids().items()
                                   if p not in self.uid_pids and in_cgroups_of(p, creators)},
                          timeout=GRACE)
        assert not procs, "processes left behind: %s" % procs
        for name, old, new in (("self", self.mounts_self, mountinfo("self")),
                               ("1", self.mounts_init, mountinfo("1"))):
            added, _removed = mount_changes(old, new)
            assert not added, "/proc/%s/mountinfo gained mounts: %s" % (name, added)


@pytest.fixture
def host(tmp_path, request):
    h = Host(tmp_path, request.node.callspec.params["lang"])
    yield h
    h.close()


def describe(r):
    c = r.get("compile") or {}
    return "status=%s exit=%s signal=%s limit=%s syscall=%s\nstdout=%s\nstderr=%s\ncompile=%s %s" % (
        r["status"], r["exit_code"], r["signal"], r.get("limit"), r.get("seccomp_syscall"), r["stdout"][-3000:],
        r["stderr"][-1500:], c.get("status"), (c.get("stdout", "") + c.get("stderr", ""))[-1500:])


@pytest.mark.parametrize("lang,path,profile,expect", CASES)
def test_attack(host, tmp_path, lang, path, profile, expect):
    meta = parse_header(path)
    if "image" in meta["host"]:
        host.image = image_fingerprint(lang)
    source = attack_source(lang, path, tmp_path)
    cmd = [CODERUNNER, "run", "--lang", lang, "--file", source, "--json", "--stdin", "-",
           "--wall-limit", "20", "--time-limit", "10"] + shlex.split(meta["limits"])
    if profile == "default":
        cmd += ["--seccomp-profile", DEFAULT_PROFILE]
    env = dict(os.environ, CR_ATTACK_SUPERVISOR_SECRET=host.env_secret)
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, start_new_session=True)
    try:
        out, err = p.communicate(host.params().encode(), timeout=240)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, "exit %d: %s" % (p.returncode, err.decode(errors="replace"))
    r = json.loads(out)
    if r.get("compile"):
        assert r["compile"]["status"] == "OK", describe(r)
    output = r["stdout"] + r["stderr"]
    assert "BROKEN" not in output, describe(r)
    assert r["status"] == expect, describe(r)
    if expect == "OK":
        assert "attack over" in r["stdout"], describe(r)
    if expect == "SECCOMP_VIOLATION":
        assert "trying:" in r["stdout"], describe(r)
        assert r["seccomp_syscall"] and r["seccomp_syscall"]["name"], describe(r)
    host.assert_held(meta, output + err.decode(errors="replace"), {p.pid})
