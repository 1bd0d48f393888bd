"""Every language runtime through `coderunner run --lang`, in every installed
version: hello world, stdin echo, compile errors and runtime exceptions for
each version, and a workload under the runtime's seccomp profile
(tests/lang/workloads) and a stray syscall its profile kills
(tests/lang/strays) for each version; a memory hog and an infinite loop on
each runtime's default version; version selection (exact, prefix, alias, default, unknown).

Runs as root against images imported into a test store (tests/lang/run.sh
builds and imports them)."""
import json
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
WORKLOADS = os.path.join(HERE, "workloads")
STRAYS = os.path.join(HERE, "strays")
CODERUNNER = os.environ.get("CODERUNNER", "coderunner")

RUNTIMES = {
    # id: (source extension, compiles)
    "c": ("c", True),
    "cpp": ("cpp", True),
    "csharp": ("cs", True),
    "go": ("go", True),
    "java": ("java", True),
    "javascript": ("js", False),
    "python": ("py", False),
    "rust": ("rs", True),
    "typescript": ("ts", True),
}
# what each runtime's uncaught error prints
EXCEPTION_MARKER = "something broke"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def installed():
    """The catalogue as `coderunner runtimes --json` lists it (a dict per
    installed version), read once when the tests are collected."""
    if os.geteuid() != 0:
        return []
    p = subprocess.run([CODERUNNER, "runtimes", "--json"], capture_output=True, check=True)
    return json.loads(p.stdout)


CATALOGUE = installed()
VERSIONS = ["%s@%s" % (rt["id"], rt["version"]) for rt in CATALOGUE if rt["installed"]]
COMPILED_VERSIONS = [v for v in VERSIONS if RUNTIMES[v.split("@")[0]][1]]


def run(ref, case, *extra, stdin=None, timeout=180, programs=PROGRAMS):
    lang = ref.split("@")[0]
    ext = RUNTIMES[lang][0]
    src = os.path.join(programs, lang, "%s.%s" % (case, ext))
    cmd = [CODERUNNER, "run", "--lang", ref, "--file", src, "--json", *extra]
    stdin_file = None
    if stdin is not None:
        stdin_file = os.path.join(os.environ.get("TMPDIR", "/tmp"), "cr-lang-stdin-%d" % os.getpid())
        with open(stdin_file, "wb") as f:
            f.write(stdin)
        cmd += ["--stdin", stdin_file]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    finally:
        if stdin_file:
            os.unlink(stdin_file)
    assert p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace"))
    result = json.loads(p.stdout)
    assert result["runtime"] == lang
    if "@" in ref:
        assert result["version"] == ref.split("@")[1]
    return result


def describe(r):
    c = r.get("compile") or {}
    return "version=%s status=%s exit=%s signal=%s stderr=%r compile=%s/%r" % (
        r["version"], r["status"], r["exit_code"], r["signal"], r["stderr"][-500:],
        c.get("status"), (c.get("stdout", "") + c.get("stderr", ""))[-500:])


@pytest.mark.parametrize("ref", VERSIONS)
def test_hello_world(ref):
    r = run(ref, "hello")
    assert r["status"] == "OK", describe(r)
    assert r["stdout"] == "Hello, World!\n"
    assert r["exit_code"] == 0
    if RUNTIMES[ref.split("@")[0]][1]:
        assert r["compile"]["status"] == "OK"
    else:
        assert r["compile"] is None


@pytest.mark.parametrize("ref", VERSIONS)
def test_stdin_echo(ref):
    text = "first line\nsecond: äöü €\n\n  indented\tand tabbed\nlast line without newline"
    r = run(ref, "echo", stdin=text.encode())
    assert r["status"] == "OK", describe(r)
    assert r["stdout"] == text


@pytest.mark.parametrize("ref", COMPILED_VERSIONS)
def test_compile_error(ref):
    lang = ref.split("@")[0]
    r = run(ref, "compile_error")
    assert r["status"] == "COMPILE_ERROR", describe(r)
    c = r["compile"]
    assert c["status"] != "OK"
    message = c["stdout"] + c["stderr"]
    # the compiler's own diagnostic, pointing into the submitted file
    source = "Main.java" if lang == "java" else "main." + RUNTIMES[lang][0]
    assert source in message, describe(r)
    # nothing ran
    assert r["stdout"] == "" and r["exit_code"] == -1


@pytest.mark.parametrize("ref", VERSIONS)
def test_runtime_exception(ref):
    r = run(ref, "exception")
    assert r["status"] == "RUNTIME_ERROR", describe(r)
    assert EXCEPTION_MARKER in r["stderr"], describe(r)
    assert r["exit_code"] != 0 or r["signal"] != 0


# While a cgroup is being OOM-killed, the kernel charges a dying task's
# allocations past the limit instead of failing them (mm/memcontrol.c,
# try_charge_memcg: "force"), and the peak records it: Go's threads showed
# one page over. The limit held; the peak may show those few pages.
OOM_FORCED_CHARGE_SLACK = 64 * 4096

# ---- the heavier cases: each runtime's default version ----

@pytest.mark.parametrize("lang", sorted(RUNTIMES))
def test_memory_hog(lang):
    r = run(lang, "memhog", "--memory-limit", "128M", "--time-limit", "10")
    assert r["status"] == "MEMORY_LIMIT", describe(r)
    assert r["limit"] == "memory"
    assert r["memory_peak_bytes"] <= (128 << 20) + OOM_FORCED_CHARGE_SLACK, describe(r)


@pytest.mark.parametrize("lang", sorted(RUNTIMES))
def test_infinite_loop(lang):
    r = run(lang, "loop", "--time-limit", "1", "--wall-limit", "10")
    assert r["status"] == "TIME_LIMIT", describe(r)
    assert r["limit"] == "cpu"
    assert 1000 <= r["cpu_ms"] < 3000


# every version: the test that shows each version's programs fit its runtime's profile
@pytest.mark.parametrize("ref", VERSIONS)
def test_workload(ref):
    # Threads, /tmp files, clocks, randomness, big allocations, stdin, output:
    # what solutions do beyond hello world, under the runtime's own seccomp
    # profile (scripts/seccomp-record.py recorded it, seccomp/LANG.profile).
    r = run(ref, "workload", "--wall-limit", "30", "--time-limit", "20", stdin=b"3\n1 2 3\n",
            programs=WORKLOADS)
    assert r["status"] == "OK", describe(r)
    assert r["stdout"].endswith("stdin lines 2\nworkload ok\n"), describe(r)
    assert r["stdout"].count("\n") == 302


# Each runtime's profile kills what its programs never need (java has no way
# to make a raw syscall without native code, so it has no stray program).
# JavaScript's and TypeScript's is setpriority (os.setPriority reaches the
# kernel in every Node version): Node 20.19+ refuses process.setgroups itself.
STRAY_CALLS = {"c": "chroot", "cpp": "chroot", "csharp": "chroot", "go": "chroot", "python": "chroot",
               "rust": "chroot", "javascript": "setpriority", "typescript": "setpriority"}


# every version: one profile serves them all, and must kill in each
@pytest.mark.parametrize("ref", [v for v in VERSIONS if v.split("@")[0] in STRAY_CALLS])
def test_stray_syscall_is_a_seccomp_violation(ref):
    call = STRAY_CALLS[ref.split("@")[0]]
    r = run(ref, "stray", programs=STRAYS)
    assert r["status"] == "SECCOMP_VIOLATION", describe(r)
    assert "calling %s" % call in r["stdout"], describe(r)
    assert "still alive" not in r["stdout"], describe(r)
    assert r["seccomp_syscall"]["name"] == call, describe(r)


# ---- the catalogue and version selection ----

def test_runtimes_listing():
    ids = {rt["id"] for rt in CATALOGUE}
    assert ids == set(RUNTIMES)
    for rid in ids:
        versions = [rt for rt in CATALOGUE if rt["id"] == rid]
        assert all(rt["installed"] and rt["version"][0].isdigit() for rt in versions), versions
        assert [rt["default"] for rt in versions].count(True) == 1, versions
        assert all(rt["compiled"] == RUNTIMES[rid][1] for rt in versions)
        # the shipped default: the current stable release's version, when built
        trixie = [rt for rt in versions if rt["suite"] == "trixie"]
        if trixie and not os.environ.get("CODERUNNER_RUNTIME_DEFAULTS"):
            assert next(rt for rt in versions if rt["default"]) == trixie[-1]


def test_every_built_image_is_listed():
    """Each build unit of this tree (a recipe on one Debian suite, or an npm
    TypeScript) shows up in the catalogue as a version of its runtime,
    side by side with the others."""
    units = os.environ["CR_TEST_IMAGE_DIRS"].split("\n")  # tests/lib/test-images.sh
    assert len(units) >= len(RUNTIMES)
    listed = {(rt["image"], rt["version"], rt["suite"]) for rt in CATALOGUE}
    for line in units:
        recipe, directory = line.split(" ", 1)
        with open(os.path.join(directory, recipe + ".manifest.json")) as f:
            m = json.load(f)
        assert (m["name"], m["version"], m["debian"]["suite"]) in listed, (line, sorted(listed))


def default_of(rid):
    return next(rt["version"] for rt in CATALOGUE if rt["id"] == rid and rt["default"])


def hello_version(ref):
    src = os.path.join(PROGRAMS, "python", "hello.py")
    p = subprocess.run([CODERUNNER, "run", "--lang", ref, "--file", src, "--json"], capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    return p.returncode, (json.loads(p.stdout)["version"] if p.returncode == 0 else p.stderr.decode())


def test_version_selection_exact_prefix_alias_default():
    pythons = [rt for rt in CATALOGUE if rt["id"] == "python"]
    assert hello_version("python") == (0, default_of("python"))
    assert hello_version("py@default") == (0, default_of("python"))
    assert hello_version("python@latest") == (0, pythons[-1]["version"])
    for rt in pythons:
        assert hello_version("python@" + rt["version"]) == (0, rt["version"])
        prefix = ".".join(rt["version"].split(".")[:2])
        highest = [x for x in pythons if x["version"].startswith(prefix + ".")][-1]
        assert hello_version("python3@" + prefix) == (0, highest["version"])
        if rt["suite"]:
            same_suite = [x for x in pythons if x["suite"] == rt["suite"]][-1]
            assert hello_version("python@" + rt["suite"]) == (0, same_suite["version"])


def test_operator_default_is_configurable():
    pythons = [rt for rt in CATALOGUE if rt["id"] == "python"]
    for rt in pythons:
        env = dict(os.environ, CODERUNNER_RUNTIME_DEFAULTS="python=%s" % rt["version"])
        src = os.path.join(PROGRAMS, "python", "hello.py")
        p = subprocess.run([CODERUNNER, "run", "--lang", "python", "--file", src, "--json"], env=env,
                           capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
        assert p.returncode == 0 and json.loads(p.stdout)["version"] == rt["version"], p.stderr


def test_unknown_language_is_a_usage_error():
    rc, err = hello_version("cobol")
    assert rc == 2
    assert "unknown language 'cobol'; known runtimes: c, cpp, csharp, go, java" in err


def test_missing_version_names_the_installed_ones():
    rc, err = hello_version("python@2.7")
    assert rc == 2
    listed = ", ".join(rt["version"] + (" (default)" if rt["default"] else "")
                       for rt in CATALOGUE if rt["id"] == "python")
    assert "python@2.7 is not installed; installed versions of python: " + listed in err


def test_plain_mode_passes_output_and_status():
    src = os.path.join(PROGRAMS, "python", "exception.py")
    p = subprocess.run([CODERUNNER, "run", "--lang", "py", "--file", src], capture_output=True,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 1
    assert EXCEPTION_MARKER.encode() in p.stderr
