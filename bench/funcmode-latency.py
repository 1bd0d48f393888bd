#!/usr/bin/python3
"""Function mode against stdio mode, per language, on one daemon.

1. EvaluateSolution p50/p90 (ms, wall, one request at a time) of a 3-test
   function-mode request (add(a, b)) next to its stdio-mode equivalent (a
   program reading a and b, printing a + b), and their ratio.
2. For compiled languages, the compile step's CPU time (median, from the
   native API's compile result) of the function-mode harness next to the
   student's code alone (the same function with a trivial main): the cost of
   the harness build (the goal: at most 1.2x). Twice: for add(a, b), where
   anything the harness adds weighs most, and for a typical solution (the
   system tests' two-sum, class-wrapped where the language has classes) with
   a main that calls it and prints the answer, as a student's own program
   would. C++'s add(a, b) leaves the prelude out; the rows cpp+prelude (in
   tables 1 and 2) are the same function with an #include, which keeps it.
3. With CODERUNNER_BEFORE=<build tree of an older coderunner> (and its
   source tree as CODERUNNER_BEFORE_DATADIR), the C++ function-mode request
   on that daemon too: before/after the prebuilt doctest runner.

Numbers, not a test: run as root on a quiet machine, after `make` and with
images imported (tests/lang/run.sh).

usage: bench/funcmode-latency.py [REQUESTS_PER_CASE] [LANGUAGE[@VERSION]...]   (default 15, all)
(a version, e.g. java@17 go@1.19, with BENCH_TABLES=compile; the compile
table takes turns, harness and alone, in each of its rows)
env: CODERUNNER, CODERUNNER_DATADIR, CODERUNNER_IMAGE_STORE as for tests/system;
     BENCH_TABLES=latency,compile,before (the default: all three) to run fewer"""
import os
import statistics
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests/system"))
os.environ.setdefault("CODERUNNER_DATADIR", TOP)
os.environ.setdefault("CODERUNNER", os.path.join(TOP, "build/gcc/coderunner"))
import conftest  # noqa: E402
from conftest import Daemon, request  # noqa: E402
from coderunner.v1 import coderunner_pb2 as v1  # noqa: E402
from coderunner.v1 import coderunner_pb2_grpc as v1_grpc  # noqa: E402

SOURCE = {"c": "main.c", "cpp": "main.cpp", "csharp": "main.cs", "go": "main.go", "java": "Main.java",
          "javascript": "main.js", "python": "main.py", "rust": "main.rs", "typescript": "main.ts"}
# the solution (function mode), and the same code with a trivial main (the student's code alone)
FUNC = {
    "c": ("int add(int a, int b) {\n    return a + b;\n}\n", "int main(void) { return add(1, 2) == 3 ? 0 : 1; }\n"),
    "cpp": ("int add(int a, int b) {\n    return a + b;\n}\n", "int main() { return add(1, 2) == 3 ? 0 : 1; }\n"),
    "csharp": ("public class Solution {\n    public int Add(int a, int b) { return a + b; }\n}\n",
               "static class P { static void Main() { System.Console.Write(new Solution().Add(1, 2)); } }\n"),
    "go": ("func add(a int, b int) int {\n\treturn a + b\n}\n", "func main() { _ = add(1, 2) }\n"),
    "java": ("class Solution {\n    public int add(int a, int b) { return a + b; }\n}\n",
             "class P { public static void main(String[] a) { System.out.print(new Solution().add(1, 2)); } }\n"),
    "javascript": ("function add(a, b) {\n  return a + b;\n}\n", None),
    "python": ("def add(a, b):\n    return a + b\n", None),
    "rust": ("fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n", "fn main() { println!(\"{}\", add(1, 2)); }\n"),
    "typescript": ("function add(a: number, b: number): number {\n  return a + b;\n}\n",
                   "console.log(add(1, 2));\n"),
}
STDIO = {
    "c": "#include <stdio.h>\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);return 0;}",
    "cpp": "#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a+b<<\"\\n\";}",
    "csharp": ("using System;class P{static void Main(){var p=Console.ReadLine().Split(' ');"
               "Console.WriteLine(int.Parse(p[0])+int.Parse(p[1]));}}"),
    "go": "package main\nimport \"fmt\"\nfunc main(){var a,b int\nfmt.Scan(&a,&b)\nfmt.Println(a+b)}",
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
# a typical solution (tests/system/test_funcmode.py's two-sum) and, for the
# code alone, what it needs around it to be a program that prints the answer
TWO_SUM_MAIN = {
    "c": ("#include <stdio.h>\n#include <stdlib.h>\n", "int main(void) {\n    int n[] = {2, 7, 11, 15}, k;\n"
          "    int *r = twoSum(n, 4, 9, &k);\n    printf(\"%d %d\\n\", r[0], r[1]);\n    free(r);\n    return 0;\n}\n"),
    "cpp": ("#include <cstdio>\n", "int main() {\n    vector<int> n{2, 7, 11, 15};\n    auto r = Solution().twoSum(n, 9);\n"
            "    std::printf(\"%d %d\\n\", r[0], r[1]);\n}\n"),
    "csharp": ("", "static class P {\n    static void Main() {\n        var r = new Solution().TwoSum(new[] {2, 7, 11, 15}, 9);\n"
               "        System.Console.WriteLine(r[0] + \" \" + r[1]);\n    }\n}\n"),
    "go": ("package main\n\nimport \"fmt\"\n\n", "func main() {\n\tfmt.Println(new(Solution).TwoSum([]int{2, 7, 11, 15}, 9))\n}\n"),
    "java": ("", "public class Main {\n    public static void main(String[] a) {\n"
             "        int[] r = new Solution().twoSum(new int[] {2, 7, 11, 15}, 9);\n"
             "        System.out.println(r[0] + \" \" + r[1]);\n    }\n}\n"),
    "rust": ("", "struct Solution;\n\nfn main() {\n    println!(\"{:?}\", Solution::two_sum(vec![2, 7, 11, 15], 9));\n}\n"),
}
# C++'s add(a, b) made to need the prelude (it names std::, so the original's
# headers must be there), side by side with the same function without it
# (docs/internals/judge.md, "code that needs no prelude"); an #include of a
# standard header alone no longer keeps the prelude
CPP_WITH_PRELUDE = ("#include <cstddef>\nint add(int a, int b) {\n    return a + b + (int) (sizeof(std::size_t) * 0);\n}\n",
                    FUNC["cpp"][1])
FUNC_TESTS = [("t1", "1,2", "3"), ("t2", "40,2", "42"), ("t3", "5,5", "10")]
STDIO_TESTS = [("t1", "1 2", "3"), ("t2", "40 2", "42"), ("t3", "5 5", "10")]


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def evaluate_ms(daemon, code, tests, lang, n):
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = daemon.stub.EvaluateSolution(request(code, tests, language=lang), timeout=300)
        lat.append((time.perf_counter() - t0) * 1000)
        assert r.success, (lang, r)
    return statistics.median(lat), percentile(lat, 90)


def compile_once_ms(native, lang, code, tests):
    r = native.Execute(v1.ExecuteRequest(runtime=lang, files=[v1.File(path=SOURCE[base(lang)], content=code.encode())],
                                         tests=tests), timeout=300)
    assert r.compile.verdict == v1.Verdict.VERDICT_OK, (lang, r.compile)
    return r.compile.cpu_ms


def compile_pair_ms(native, lang, a, b, n):
    """Medians of compiling a (code, tests) and b in turn (a b a b ...): a
    shared machine's load shifts both alike."""
    ta, tb = [], []
    for _ in range(n):
        ta.append(compile_once_ms(native, lang, *a))
        tb.append(compile_once_ms(native, lang, *b))
    return statistics.median(ta), statistics.median(tb)


def base(lang):
    """java for java@17: a language may name a version (LANG@VERSION)."""
    return lang.split("@")[0]


def alone_code(lang):
    lang = base(lang)
    code, main = FUNC[lang]
    if lang == "go":
        return "package main\n\n" + code + main
    if lang == "java":
        return main.replace("class P", "public class Main").replace("P {", "Main {") + code
    return code + main


def two_sum(lang):
    lang = base(lang)
    import test_funcmode  # the system tests' solutions
    return test_funcmode.CPP["two_sum"] if lang == "cpp" else test_funcmode.C[lang]["two_sum"]


def two_sum_alone(lang):
    lang = base(lang)
    head, main = TWO_SUM_MAIN[lang]
    code = two_sum(lang)
    if lang == "java":  # one file, Main.java: its imports first, Solution not public
        imports, _, rest = code.rpartition("import java.util.*;\n")
        return imports + "import java.util.*;\n" + rest.replace("public class Solution", "class Solution") + main
    return head + code + main


def latency_table(daemon, langs, n):
    print("EvaluateSolution, 3 tests, %d requests each, one at a time (wall ms)" % n)
    print("%-11s %12s %12s %12s %12s %8s" % ("language", "func p50", "func p90", "stdio p50", "stdio p90",
                                            "func/stdio"))
    for lang in langs:
        fp50, fp90 = evaluate_ms(daemon, FUNC[lang][0], FUNC_TESTS, lang, n)
        sp50, sp90 = evaluate_ms(daemon, STDIO[lang], STDIO_TESTS, lang, n)
        print("%-11s %12.0f %12.0f %12.0f %12.0f %7.2fx" % (lang, fp50, fp90, sp50, sp90, fp50 / sp50), flush=True)
        if lang == "cpp":
            fp50, fp90 = evaluate_ms(daemon, CPP_WITH_PRELUDE[0], FUNC_TESTS, lang, n)
            print("%-11s %12.0f %12.0f %12.0f %12.0f %7.2fx" % ("cpp+prelude", fp50, fp90, sp50, sp90, fp50 / sp50),
                  flush=True)


def compile_table(daemon, langs, n):
    native = v1_grpc.CodeRunnerStub(daemon.channel)
    tests = [v1.TestCase(id=t[0], arguments=t[1], expected_result=t[2]) for t in FUNC_TESTS]
    print("\ncompile step, CPU ms (median of %d): the function-mode harness vs the student's code alone" % n)
    print("%-11s %12s %12s %8s" % ("language", "harness", "alone", "ratio"))
    for lang in langs:
        if FUNC[base(lang)][1] is None:
            continue
        harness, alone = compile_pair_ms(native, lang, (FUNC[base(lang)][0], tests),
                                         (alone_code(lang), [v1.TestCase(id="x")]), n)
        print("%-11s %12.0f %12.0f %7.2fx" % (lang, harness, alone, harness / max(alone, 1)), flush=True)
        if lang == "cpp":
            harness, alone = compile_pair_ms(native, lang, (CPP_WITH_PRELUDE[0], tests),
                                             ("".join(CPP_WITH_PRELUDE), [v1.TestCase(id="x")]), n)
            print("%-11s %12.0f %12.0f %7.2fx" % ("cpp+prelude", harness, alone, harness / max(alone, 1)),
                  flush=True)
    print("\nthe same for a typical solution (two-sum) and its own program")
    print("%-11s %12s %12s %8s" % ("language", "harness", "alone", "ratio"))
    ts = [v1.TestCase(id="a", arguments="[2,7,11,15],9", expected_result="[0,1]")]
    for lang in langs:
        if base(lang) not in TWO_SUM_MAIN:
            continue
        harness, alone = compile_pair_ms(native, lang, (two_sum(lang), ts),
                                         (two_sum_alone(lang), [v1.TestCase(id="x")]), n)
        print("%-11s %12.0f %12.0f %7.2fx" % (lang, harness, alone, harness / max(alone, 1)), flush=True)


def before_row(n):
    build = os.environ.get("CODERUNNER_BEFORE")
    if not build:
        return
    saved = (conftest.CODERUNNER, os.environ.get("CODERUNNER_DATADIR"))
    conftest.CODERUNNER = os.path.join(build, "coderunner")
    os.environ["CODERUNNER_DATADIR"] = os.environ.get("CODERUNNER_BEFORE_DATADIR", build)
    d = Daemon()
    try:
        p50, p90 = evaluate_ms(d, FUNC["cpp"][0], FUNC_TESTS, "cpp", n)
        print("\nC++ function mode before (%s): p50 %.0f ms, p90 %.0f ms" % (build, p50, p90))
    finally:
        d.stop()
        conftest.CODERUNNER, os.environ["CODERUNNER_DATADIR"] = saved


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    langs = sys.argv[2:] or sorted(FUNC)
    tables = os.environ.get("BENCH_TABLES", "latency,compile,before").split(",")
    if "latency" in tables and any("@" in lang for lang in langs):
        sys.exit("LANG@VERSION is for the compile table only: BENCH_TABLES=compile")
    d = Daemon(CODERUNNER_WORKERS=1)
    try:
        if "latency" in tables:
            latency_table(d, langs, n)
        if "compile" in tables:
            compile_table(d, langs, max(3, n // 3))
    finally:
        d.stop()
    if "cpp" in langs and "before" in tables:
        before_row(n)


if __name__ == "__main__":
    main()
