"""coderunner.v1.CodeRunner end to end: ListRuntimes, Execute (single run and
test mode, verdicts, stdin/args, limits), ExecuteStream (output chunks before
the result) and request validation."""
import time

import grpc
import pytest

from conftest import Daemon  # noqa: F401  (the daemon fixture comes from conftest)
from coderunner.v1 import coderunner_pb2 as v1
from coderunner.v1 import coderunner_pb2_grpc as v1_grpc

V = v1.Verdict
RUNTIMES = {"c", "cpp", "csharp", "go", "java", "javascript", "python", "rust", "typescript"}
ADD_ONE = "int addOne(int x) {\n    return x + 1;\n}"
SOURCE = {"python": "main.py", "py": "main.py", "cpp": "main.cpp", "c++": "main.cpp", "c": "main.c"}


@pytest.fixture(scope="module")
def stub(daemon):
    return v1_grpc.CodeRunnerStub(daemon.channel)


@pytest.fixture(scope="module")
def listed(stub):
    """ListRuntimes: {id: [Runtime, ...]} (every installed version)."""
    out = {}
    for rt in stub.ListRuntimes(v1.ListRuntimesRequest(), timeout=30).runtimes:
        out.setdefault(rt.id, []).append(rt)
    return out


def default_version(listed, rid):
    return next(rt.version for rt in listed[rid] if rt.is_default)


def req(runtime, code, path=None, **kw):
    path = path or SOURCE[runtime.split("@")[0]]
    return v1.ExecuteRequest(runtime=runtime, files=[v1.File(path=path, content=code.encode())], **kw)


def tc(id, stdin="", expected=None, args=()):
    return v1.TestCase(id=id, stdin=stdin.encode(), args=list(args),
                       expected_stdout=(expected or "").encode(), check_stdout=expected is not None)


def invalid(stub, request, fragment, code=grpc.StatusCode.INVALID_ARGUMENT):
    with pytest.raises(grpc.RpcError) as e:
        stub.Execute(request, timeout=60)
    assert e.value.code() == code, e.value.details()
    assert fragment in e.value.details(), e.value.details()


# ------------------------------------------------------------ ListRuntimes

def test_list_runtimes(stub, listed):
    r = stub.ListRuntimes(v1.ListRuntimesRequest(), timeout=30)
    ids = [rt.id for rt in r.runtimes]
    assert ids == sorted(ids)
    assert set(listed) == RUNTIMES
    for rid, versions in listed.items():
        # every installed version, one of them the default, each with its image
        assert [rt.is_default for rt in versions].count(True) == 1, versions
        assert all(rt.version[0].isdigit() and rt.available for rt in versions), versions
    by_id = {rt.id: rt for rt in r.runtimes}
    assert "py" in by_id["python"].aliases and by_id["python"].source_file == "main.py"
    assert not by_id["python"].compiled and not by_id["python"].HasField("default_compile_limits")
    assert by_id["cpp"].compiled and by_id["cpp"].default_compile_limits.cpu_time_ms > 0
    assert by_id["python"].default_limits.cpu_time_ms == 2000
    assert by_id["python"].default_limits.output_bytes > 0
    assert all(rt.available for rt in r.runtimes)


def test_version_selection(stub, listed):
    """Exact, prefix and alias selections reach the version they name."""
    code = "import sys\nprint(sys.version.split()[0])\n"
    for rt in listed["python"]:
        major_minor = ".".join(rt.version.split(".")[:2])
        for ref in ("python@" + rt.version, "py@" + major_minor) + (("python@" + rt.suite,) if rt.suite else ()):
            r = stub.Execute(req(ref, code), timeout=60)
            assert r.verdict == V.VERDICT_OK and r.runtime_version == rt.version, (ref, r)
            assert r.run.stdout.decode().strip() == rt.version
    r = stub.Execute(req("python@latest", code), timeout=60)
    assert r.runtime_version == listed["python"][-1].version


# --------------------------------------------------------- Execute: single run

def test_python_single_run_stdin_args(stub, listed):
    code = "import sys\nprint(sys.stdin.read().upper(), end='')\nprint(sys.argv[1:])\n"
    r = stub.Execute(req("py", code, stdin=b"hello\n", args=["a b", "-x"]), timeout=60)
    assert r.verdict == V.VERDICT_OK, r
    assert r.runtime == "python" and r.runtime_version == default_version(listed, "python")
    assert len(r.execution_id) == 36
    assert not r.HasField("compile") and len(r.tests) == 0 and r.total_tests == 0
    assert r.run.verdict == V.VERDICT_OK and r.run.exit_code == 0
    assert r.run.stdout == b"HELLO\n['a b', '-x']\n"
    assert r.run.wall_ms > 0 and r.run.memory_peak_bytes > 0


def test_python_binary_stdin(stub):
    code = "import sys\nd = sys.stdin.buffer.read()\nsys.stdout.buffer.write(bytes(reversed(d)))\n"
    r = stub.Execute(req("python", code, stdin=b"a\x00b\xff"), timeout=60)
    assert r.verdict == V.VERDICT_OK and r.run.stdout == b"\xffb\x00a"


def test_cpp_single_run_with_version(stub, listed):
    code = ("#include <iostream>\nint main(int argc, char **argv) {\n"
            "  int a, b; std::cin >> a >> b; std::cout << a + b << ' ' << argc - 1 << std::endl;\n"
            "  std::cerr << \"err\"; return 3; }\n")
    version = listed["cpp"][0].version  # the lowest: not the default where several are installed
    r = stub.Execute(req("cpp@" + version, code, stdin=b"2 40", args=["x"]), timeout=120)
    assert r.runtime_version == version
    assert r.compile.verdict == V.VERDICT_OK, r.compile
    assert r.verdict == V.VERDICT_RUNTIME_ERROR
    assert r.run.exit_code == 3 and r.run.stdout == b"42 1\n" and r.run.stderr == b"err"
    assert r.run.message


def test_seccomp_violation_names_the_syscall(stub):
    # _GNU_SOURCE declares syscall(): GCC 14 (trixie's, the default c) makes
    # an implicit declaration an error where GCC 12 warned
    code = ("#define _GNU_SOURCE\n#include <stdio.h>\n#include <unistd.h>\n#include <sys/syscall.h>\n"
            "int main(void) { puts(\"calling chroot\"); fflush(stdout); syscall(SYS_chroot, \"/\"); return 0; }\n")
    r = stub.Execute(req("c", code), timeout=120)
    assert r.compile.verdict == V.VERDICT_OK, r.compile
    assert r.verdict == V.VERDICT_SECCOMP_VIOLATION, r
    assert r.run.stdout == b"calling chroot\n"
    assert "chroot" in r.run.message, r.run


def test_compile_error(stub):
    r = stub.Execute(req("c++", "int main() { return x; }\n"), timeout=120)
    assert r.verdict == V.VERDICT_COMPILE_ERROR
    assert r.compile.verdict == V.VERDICT_COMPILE_ERROR
    assert b"error" in r.compile.stderr and r.compile.message
    assert not r.HasField("run")


def test_runtime_error_python(stub):
    r = stub.Execute(req("python", "raise SystemExit(7)\n"), timeout=60)
    assert r.verdict == V.VERDICT_RUNTIME_ERROR and r.run.exit_code == 7


def test_time_limit(stub):
    r = stub.Execute(req("python", "while True: pass\n", limits=v1.Limits(cpu_time_ms=500)), timeout=60)
    assert r.verdict == V.VERDICT_TIME_LIMIT, r.run
    assert r.run.cpu_ms < 2000  # the request's limit, not the runtime's 2 s


def test_memory_limit(stub):
    code = "x = bytearray(200 * 1024 * 1024)\nx[::4096] = b'1' * len(x[::4096])\n"
    r = stub.Execute(req("python", code, limits=v1.Limits(memory_bytes=64 << 20)), timeout=60)
    assert r.verdict == V.VERDICT_MEMORY_LIMIT, r.run


def test_output_limit_truncates(stub):
    code = "import sys\nsys.stdout.write('x' * 100000)\n"
    r = stub.Execute(req("python", code, limits=v1.Limits(output_bytes=1000)), timeout=60)
    assert r.verdict == V.VERDICT_OUTPUT_LIMIT, r.run
    assert r.run.stdout_truncated and len(r.run.stdout) <= 1000


# --------------------------------------------------------- Execute: test mode

def test_python_tests(stub):
    code = "import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b)\n"
    r = stub.Execute(req("python", code, tests=[tc("one", "1 2", "3"), tc("two", "2 2", "5"),
                                                 tc("three", "1", None), tc("four", "5 5")]), timeout=60)
    assert [t.id for t in r.tests] == ["one", "two", "three", "four"]
    assert [t.index for t in r.tests] == [0, 1, 2, 3]
    assert [t.result.verdict for t in r.tests] == [V.VERDICT_OK, V.VERDICT_WRONG_ANSWER,
                                                   V.VERDICT_RUNTIME_ERROR, V.VERDICT_OK]
    assert [t.passed for t in r.tests] == [True, False, False, True]
    assert (r.passed_tests, r.total_tests) == (2, 4)
    assert r.verdict == V.VERDICT_WRONG_ANSWER  # the first that did not pass
    assert not r.HasField("run")
    assert r.tests[1].result.stdout == b"4\n"


def test_cpp_tests_args_and_limits(stub):
    code = ("#include <cstdio>\n#include <cstring>\n#include <cstdlib>\n"
            "int main(int argc, char **argv) {\n"
            "  if (argc > 1 && !strcmp(argv[1], \"spin\")) for (;;) {}\n"
            "  if (argc > 1 && !strcmp(argv[1], \"crash\")) abort();\n"
            "  int n; if (scanf(\"%d\", &n) != 1) return 1; printf(\"%d\\n\", n * 2); }\n")
    r = stub.Execute(req("cpp", code, limits=v1.Limits(cpu_time_ms=300),
                         tests=[tc("ok", "21", "42"), tc("spin", "1", "2", args=["spin"]),
                                tc("crash", "1", "2", args=["crash"])]), timeout=120)
    assert r.compile.verdict == V.VERDICT_OK
    assert [t.result.verdict for t in r.tests] == [V.VERDICT_OK, V.VERDICT_TIME_LIMIT, V.VERDICT_RUNTIME_ERROR]
    assert r.tests[2].result.signal == 6 and r.tests[2].result.exit_code == -1
    assert r.verdict == V.VERDICT_TIME_LIMIT and r.passed_tests == 1


def test_compile_error_skips_tests(stub):
    r = stub.Execute(req("cpp", "int main( {", tests=[tc("a", "", "1"), tc("b", "", "2")]), timeout=120)
    assert r.verdict == V.VERDICT_COMPILE_ERROR
    assert [t.result.verdict for t in r.tests] == [V.VERDICT_SKIPPED] * 2
    assert r.passed_tests == 0 and r.total_tests == 2


def test_cpp_function_mode(stub):
    r = stub.Execute(req("cpp", ADD_ONE, tests=[tc("a", "1", "2"), tc("b", "1", "3")]), timeout=120)
    assert [t.result.verdict for t in r.tests] == [V.VERDICT_OK, V.VERDICT_WRONG_ANSWER], r.compile
    assert "addOne(1) == 3" in r.tests[1].result.message


def test_stop_on_first_failure(stub):
    r = stub.Execute(req("python", "print(input())\n", stop_on_first_failure=True,
                         tests=[tc("a", "1", "1"), tc("b", "2", "9"), tc("c", "3", "3")]), timeout=60)
    assert [t.result.verdict for t in r.tests] == [V.VERDICT_OK, V.VERDICT_WRONG_ANSWER, V.VERDICT_SKIPPED]
    assert r.verdict == V.VERDICT_WRONG_ANSWER


# ------------------------------------------------------------- ExecuteStream

def test_execute_stream_chunks_before_result(stub):
    code = "import time\nprint('first', flush=True)\ntime.sleep(0.5)\nprint('second', flush=True)\n"
    events, stamps = [], []
    for ev in stub.ExecuteStream(req("python", code), timeout=60):
        events.append(ev)
        stamps.append(time.monotonic())
    kinds = [ev.WhichOneof("event") for ev in events]
    assert kinds[0] == "started" and kinds[-1] == "result" and kinds.count("result") == 1
    assert "output" in kinds[1:-1]
    started, result = events[0].started, events[-1].result
    assert started.runtime == "python" and started.execution_id == result.execution_id
    chunks = [ev.output for ev in events if ev.WhichOneof("event") == "output"]
    assert all(c.stage == v1.STAGE_RUN and c.test_number == 0 for c in chunks)
    assert b"".join(c.data for c in chunks if c.stream == v1.OUTPUT_STREAM_STDOUT) == b"first\nsecond\n"
    # "first" arrived while the program was still sleeping
    first = next(i for i, ev in enumerate(events) if ev.WhichOneof("event") == "output")
    assert stamps[-1] - stamps[first] >= 0.3
    assert result.verdict == V.VERDICT_OK and result.run.stdout == b"first\nsecond\n"


def test_execute_stream_tests_numbered(stub):
    code = "import sys\nprint(input())\nprint('e', file=sys.stderr)\n"
    events = list(stub.ExecuteStream(req("python", code, tests=[tc("a", "x", "x"), tc("b", "y", "y")]),
                                     timeout=60))
    chunks = [ev.output for ev in events if ev.WhichOneof("event") == "output"]
    assert {c.test_number for c in chunks} == {1, 2}
    assert any(c.stream == v1.OUTPUT_STREAM_STDERR for c in chunks)
    assert events[-1].result.passed_tests == 2


def test_execute_stream_invalid(stub):
    with pytest.raises(grpc.RpcError) as e:
        list(stub.ExecuteStream(v1.ExecuteRequest(runtime="python"), timeout=30))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# -------------------------------------------------------------- validation

def test_invalid_requests(stub):
    invalid(stub, v1.ExecuteRequest(files=[v1.File(path="main.py", content=b"1")]), "runtime is required")
    invalid(stub, req("cobol", "x", path="main.cob"), "unknown language 'cobol'; known runtimes: c, cpp")
    invalid(stub, req("python@2.7", "x"), "python@2.7 is not installed; installed versions of python: ")
    invalid(stub, v1.ExecuteRequest(runtime="python"), "source file 'main.py' is required")
    invalid(stub, req("python", "print(1)", path="other.py"), "must be named 'main.py'")
    two = v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=b"1"),
                                                     v1.File(path="lib.py", content=b"2")])
    invalid(stub, two, "only one file")
    invalid(stub, req("python", ""), "code is empty")
    invalid(stub, req("python", "1", limits=v1.Limits(cpu_time_ms=10 ** 9)), "limits.cpu_time_ms")
    invalid(stub, req("python", "1", limits=v1.Limits(memory_bytes=1 << 40)), "limits.memory_bytes")
    invalid(stub, req("cpp", "int main(){}", compile_limits=v1.Limits(wall_time_ms=10 ** 9)),
            "compile_limits.wall_time_ms")
    invalid(stub, req("python", "1", args=["x"] * 65), "too many arguments")
    invalid(stub, req("python", "1", stdin=b"x", tests=[tc("a")]), "single-run mode")
    invalid(stub, req("python", "import os\n", tests=[tc("a", "1", "1")]),
            "no function found: function mode needs a top-level def")
    invalid(stub, req("cpp", ADD_ONE, tests=[tc("a", "1", "2", args=["x"])]), "function-mode")
    invalid(stub, req("python", "1", client_request_id="x" * 65), "client_request_id")
