"""EvaluateSolution end to end: the original service's documented examples
(reference §6.11, with its bugs fixed), stdio mode in every language, verdict
mapping, validation, load behaviour and shutdown."""
import os
import re
import signal
import threading
import time

import grpc
import pytest

from conftest import Daemon, request

T1 = "123ad9ef-0000-4000-8000-41ba034a32e1"
T2 = "b1295bd0-0000-4000-8000-230b5f539ce5"
T3 = "02c7b14e-0000-4000-8000-3d588d3ca57f"
ADD_ONE = "int addOne(int x) {\n    return x + 1;\n}"


def evaluate(daemon, req, timeout=120):
    return daemon.stub.EvaluateSolution(req, timeout=timeout)


# ------------------------------------------------- the original's examples

def test_example_simple_ints(daemon):
    r = evaluate(daemon, request(ADD_ONE, [(T1, "0", "1"), (T2, "5", "6"), (T3, "-3", "-2")]))
    assert list(r.approved_tests) == [T1, T2, T3]
    assert r.completed and r.success
    assert (r.total_tests, r.passed_tests, r.failed_tests) == (3, 3, 0)
    assert r.message == "Execution successful: 3/3 tests passed"
    assert r.error_message == "" and r.error_type == ""


def test_example_array_input(daemon):
    code = ("int binarySearch(int arr[], int size, int target) {\n"
            "    int lo = 0, hi = size - 1;\n"
            "    while (lo <= hi) { int mid = (lo + hi) / 2;\n"
            "        if (arr[mid] == target) return mid;\n"
            "        if (arr[mid] < target) lo = mid + 1; else hi = mid - 1; }\n"
            "    return -1;\n}")
    ids = ["550e8400-e29b-41d4-a716-44665544001%d" % i for i in range(3)]
    r = evaluate(daemon, request(code, [(ids[0], "[1,3,5,7,9],5", "2"), (ids[1], "[1,3,5,7,9],6", "-1"),
                                        (ids[2], "[2,4,6,8,10,12],2", "0")]))
    assert list(r.approved_tests) == ids, r
    assert r.success and r.message == "Execution successful: 3/3 tests passed"


def test_example_char_ptr_and_empty_expected_does_not_auto_pass(daemon):
    code = ("#include <cstring>\n"
            "char* longestCommonPrefix(char* strs[], int size) {\n"
            "    static char buf[256];\n"
            "    if (size == 0) { buf[0] = 0; return buf; }\n"
            "    strcpy(buf, strs[0]);\n"
            "    for (int i = 1; i < size; i++) { int j = 0;\n"
            "        while (buf[j] && strs[i][j] == buf[j]) j++; buf[j] = 0; }\n"
            "    return buf;\n}")
    r = evaluate(daemon, request(code, [(T1, '["flower","flow","flight"]', "fl"),
                                        (T2, '["dog","racecar","car"]', ""),
                                        (T3, '["interspecies","interstellar","interstate"]', "inters")]))
    # the original passed an empty expected output automatically; we compare it
    assert list(r.approved_tests) == [T1, T2, T3], r
    r = evaluate(daemon, request(code, [(T1, '["flower","flow","flight"]', ""),
                                        (T2, '["dog","racecar","car"]', "")]))
    assert list(r.approved_tests) == [T2], r
    assert not r.success and r.error_type == "test_failure"


def test_example_custom_validation(daemon):
    code = ("double integrate(double a, double b, int n) {\n"
            "    double h = (b - a) / n, s = 0;\n"
            "    for (int i = 0; i < n; i++) { double x = a + (i + 0.5) * h; s += x * x; }\n"
            "    return s * h;\n}")
    tests = [(T1, "0.0,1.0,10", "0.333333",
              "    double result = integrate(0.0, 1.0, 10);\n    CHECK(abs(result - 0.333333) < 1e-2);"),
             (T2, "0.0,2.0,100", "2.666667",
              "    double result = integrate(0.0, 2.0, 100);\n    CHECK(abs(result - 2.666667) < 1e-2);")]
    r = evaluate(daemon, request(code, tests))
    assert list(r.approved_tests) == [T1, T2], r
    assert r.success


def test_example_partial_failure(daemon):
    code = "int addOne(int x) {\n    if (x < 0) return x;\n    return x + 1;\n}"
    r = evaluate(daemon, request(code, [(T1, "0", "1"), (T2, "5", "6"), (T3, "-3", "-2")]))
    assert list(r.approved_tests) == [T1, T2]
    assert (r.total_tests, r.passed_tests, r.failed_tests) == (3, 2, 1)
    assert not r.success and r.completed
    assert r.message == "Execution failed: 2/3 tests passed"
    assert r.error_type == "test_failure"          # the original left this empty
    assert T3 in r.error_message


def test_two_arrays_in_one_input_compile(daemon):
    code = ("int mergedSum(int a[], int n, int b[], int m) {\n"
            "    int s = 0; for (int i = 0; i < n; i++) s += a[i];\n"
            "    for (int i = 0; i < m; i++) s += b[i]; return s;\n}")
    # like the original, each array argument expands to (array, size)
    r = evaluate(daemon, request(code, [(T1, "[1,3,5],[2,4,6]", "21")]))
    assert r.success, r


def test_compile_error(daemon):
    r = evaluate(daemon, request("int addOne(int x) { return x + ; }", [(T1, "0", "1"), (T2, "1", "2")]))
    assert list(r.approved_tests) == []
    assert (r.total_tests, r.passed_tests, r.failed_tests) == (2, 0, 2)
    assert not r.success and r.completed
    assert r.message == "Compilation failed"
    assert r.error_type == "compilation_error"
    assert r.error_message.startswith("Compilation error: ") and "error" in r.error_message


def test_crash_fails_only_its_test(daemon):
    code = ("int divide(int a, int b) {\n    if (b == 0) { volatile int *p = nullptr; return *p; }\n"
            "    return a / b;\n}")
    r = evaluate(daemon, request(code, [(T1, "6,3", "2"), (T2, "1,0", "0"), (T3, "9,3", "3")]))
    assert list(r.approved_tests) == [T1, T3], r
    assert r.error_type == "runtime_error"
    assert T2 in r.error_message


def test_test_ids_come_back_exactly(daemon):
    ids = ["ABCDEF01-0000-4000-8000-000000000001", "not-a-uuid-but-kept"]
    r = evaluate(daemon, request(ADD_ONE, [(ids[0], "1", "2"), (ids[1], "2", "3")]))
    assert list(r.approved_tests) == ids


# ------------------------------------------------------------ stdio mode

STDIO_PROGRAMS = {
    "c": "#include <stdio.h>\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);return 0;}",
    "cpp": "#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a+b<<\"\\n\";}",
    "csharp": ("using System;class P{static void Main(){var p=Console.ReadLine().Split(' ');"
               "Console.WriteLine(int.Parse(p[0])+int.Parse(p[1]));}}"),
    "go": ("package main\nimport \"fmt\"\nfunc main(){var a,b int\nfmt.Scan(&a,&b)\nfmt.Println(a+b)}"),
    "java": ("import java.util.*;public class Main{public static void main(String[] x){"
             "Scanner s=new Scanner(System.in);System.out.println(s.nextInt()+s.nextInt());}}"),
    "javascript": ("const [a,b]=require('fs').readFileSync(0,'utf8').trim().split(' ').map(Number);"
                   "console.log(a+b);"),
    "python": "a, b = map(int, input().split())\nprint(a + b)\n",
    "rust": ("use std::io::Read;fn main(){let mut s=String::new();std::io::stdin().read_to_string(&mut s)"
             ".unwrap();let v:Vec<i64>=s.split_whitespace().map(|x|x.parse().unwrap()).collect();"
             "println!(\"{}\",v[0]+v[1]);}"),
    "typescript": ("declare var require: any;\nconst [a, b] = require('fs').readFileSync(0, 'utf8').trim()"
                   ".split(' ').map(Number);\nconsole.log(a + b);"),
}


@pytest.mark.parametrize("language", sorted(STDIO_PROGRAMS))
def test_stdio_mode_every_language(daemon, language):
    tests = [(T1, "1 2", "3"), (T2, "40 2\n", "42\n\n"), (T3, "5 5", "11")]
    r = evaluate(daemon, request(STDIO_PROGRAMS[language], tests, language=language))
    assert list(r.approved_tests) == [T1, T2], r
    assert r.error_type == "test_failure" and not r.success


def test_stdio_timeout_reports_the_real_limit(daemon):
    r = evaluate(daemon, request("while True:\n    pass\n", [(T1, "", "x")], language="python"))
    assert r.error_type == "timeout"
    # the limit that ended it, by name and value: CPU time normally, the wall
    # clock when a loaded host starves the loop of CPU first
    assert re.search(r"(time limit of [0-9.]+ s CPU|wall-clock limit of [0-9.]+ s) exceeded", r.error_message), \
        r.error_message


def test_stdio_memory_limit(daemon):
    code = "x = []\nwhile True:\n    x.append(bytearray(1 << 20))\n"
    r = evaluate(daemon, request(code, [(T1, "", "x")], language="python"))
    assert r.error_type == "memory_limit", r


def test_stdio_runtime_error(daemon):
    r = evaluate(daemon, request("raise SystemExit(3)\n", [(T1, "", "")], language="python"))
    assert r.error_type == "runtime_error", r
    assert not r.success


def test_function_mode_detection_failures_are_invalid(daemon):
    """Function mode works in every language (tests/system/test_funcmode.py);
    code in which no function can be found says so."""
    r = evaluate(daemon, request("def add(a, b):\n    return a + b\n", [(T1, "1,2", "3")], language="python"))
    assert r.success, r
    with pytest.raises(grpc.RpcError) as e:
        evaluate(daemon, request("class Empty:\n    pass\n", [(T1, "1,2", "3")], language="python"))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "no function found" in e.value.details()


# ------------------------------------------------------------ validation

@pytest.mark.parametrize("field,value,message", [
    ("challenge", "", "ChallengeId is required"),
    ("challenge", "nope", "invalid ChallengeId format"),
    ("code_version", "", "CodeVersionId is required"),
    ("student", "123", "invalid StudentId format"),
])
def test_bad_ids_are_invalid_argument(daemon, field, value, message):
    with pytest.raises(grpc.RpcError) as e:
        evaluate(daemon, request(ADD_ONE, [(T1, "0", "1")], ids={field: value}))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in e.value.details()


@pytest.mark.parametrize("code,tests,language,message", [
    ("", [(T1, "0", "1")], "", "code is empty"),
    (ADD_ONE, [(T1, "0", "1")], "cobol", "unsupported language"),
    (ADD_ONE, [(T1, "0", "1")], "python@2.7", "python@2.7 is not installed; installed versions of python: "),
    (ADD_ONE, [(T1, "0", "1")], "cpp@0", "cpp@0 is not installed"),
    (ADD_ONE, [], "", "at least one test"),
    (ADD_ONE, [("t%d" % i, "0", "1") for i in range(101)], "", "too many test cases"),
    ("x" * (1 << 20 + 1), [(T1, "0", "1")], "", "larger than"),
    (ADD_ONE, [(T1, "0" * (1 << 20 + 1), "1")], "", "larger than"),
    (ADD_ONE, [("", "0", "1")], "", "code_version_test_id is required"),
])
def test_bad_requests_are_invalid_argument(daemon, code, tests, language, message):
    with pytest.raises(grpc.RpcError) as e:
        evaluate(daemon, request(code, tests, language=language))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, e.value
    assert message in e.value.details()


# ------------------------------------------------------------------ load

def _status(pid):
    fields = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                fields[k] = v.split()
    except OSError:
        pass
    return fields


def sandbox_processes(daemon_pid):
    """Processes running as a sandbox uid that descend from this daemon (other
    sandboxes on the machine, from other runs, are not ours to judge)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = _status(int(entry))
        if not st.get("Uid") or not 0x70010000 <= int(st["Uid"][0]) < 0x70010000 + 65536:
            continue
        pid = int(entry)
        for _ in range(64):
            pid = int(_status(pid).get("PPid", ["0"])[0])
            if pid in (0, 1) or pid == daemon_pid:
                break
        if pid == daemon_pid:
            found.append(int(entry))
    return found


def test_deadline_cancels_the_sandbox(daemon):
    code = "import time\ntime.sleep(30)\n"
    fut = daemon.stub.EvaluateSolution.future(request(code, [(T2, "", "")], language="python"), timeout=2)
    # while it runs, the sandbox is there and is found as ours
    deadline = time.monotonic() + 1.5
    seen = []
    while not seen and time.monotonic() < deadline:
        seen = sandbox_processes(daemon.proc.pid)
        time.sleep(0.05)
    assert seen, "the running sandbox was not found"
    with pytest.raises(grpc.RpcError):
        fut.result()
    with pytest.raises(grpc.RpcError) as e:
        evaluate(daemon, request(code, [(T1, "", "")], language="python"), timeout=2)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    deadline = time.monotonic() + 10
    while sandbox_processes(daemon.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sandbox_processes(daemon.proc.pid) == []
    # the slot is free again
    r = evaluate(daemon, request(ADD_ONE, [(T1, "0", "1")]))
    assert r.success


def test_queue_full_is_resource_exhausted():
    d = Daemon(CODERUNNER_WORKERS=1, CODERUNNER_QUEUE_LENGTH=0)
    try:
        slow = request("import time\ntime.sleep(3)\n", [(T1, "", "")], language="python")
        fut = d.stub.EvaluateSolution.future(slow, timeout=60)
        time.sleep(1.0)
        with pytest.raises(grpc.RpcError) as e:
            d.stub.EvaluateSolution(request(ADD_ONE, [(T1, "0", "1")]), timeout=30)
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert fut.result().total_tests == 1
    finally:
        d.stop()


def test_200_concurrent_calls(daemon):
    code = "a, b = map(int, input().split())\nprint(a * b)\n"
    results = [None] * 200
    errors = []

    def call(i):
        try:
            results[i] = evaluate(daemon, request(code, [("t%d" % i, "%d 3" % i, str(i * 3))],
                                                 language="python"), timeout=300)
        except grpc.RpcError as e:  # RESOURCE_EXHAUSTED is an answer too: retry
            errors.append((i, e.code()))

    # the default queue takes 64 waiting jobs; clients retry what it refuses
    pending = list(range(200))
    while pending:
        threads = [threading.Thread(target=call, args=(i,)) for i in pending]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(c == grpc.StatusCode.RESOURCE_EXHAUSTED for _, c in errors), errors
        pending = [i for i, _ in errors]
        errors.clear()
    for i, r in enumerate(results):
        assert r.success and list(r.approved_tests) == ["t%d" % i], (i, r)


def test_sigterm_drains_running_work():
    d = Daemon()
    slow = request("import time\ntime.sleep(2)\nprint('done')\n", [(T1, "", "done")], language="python")
    fut = d.stub.EvaluateSolution.future(slow, timeout=60)
    time.sleep(0.8)
    d.proc.send_signal(signal.SIGTERM)
    r = fut.result()
    assert r.success, r
    assert d.proc.wait(timeout=30) == 0
    d.stop()
