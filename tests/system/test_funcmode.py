"""Function mode in the eight languages the original lacked, end to end on a
real daemon with the real images (docs/internals/judge.md): for each
language the same challenges, through the native API so every test's
verdict, expected and actual value can be checked, plus EvaluateSolution
and CodeExecutionService's test_results for one of them.

Each language: integers with a helper defined before the solution, a wrong
answer, a crash and an infinite loop in one test each (`basics`); floats
within the default and a per-test tolerance (`floats`); strings and
booleans as arguments (`strings`); a boolean result (`is_even`); 2-D
arrays in and out (`transpose`); a class-wrapped solution returning an
array (`two_sum`; C has no classes: a plain function); custom validation
code (`custom`); and an unsupported signature (INVALID_ARGUMENT naming the
type)."""
import json
import subprocess

import grpc
import pytest

import code_execution_pb2 as ce
import code_execution_pb2_grpc as ce_grpc
from conftest import CODERUNNER
from conftest import request as ev_request
from coderunner.v1 import coderunner_pb2 as v1
from coderunner.v1 import coderunner_pb2_grpc as v1_grpc

V = v1.Verdict
SOURCE = {"c": "main.c", "cpp": "main.cpp", "csharp": "main.cs", "go": "main.go", "java": "Main.java", "javascript": "main.js",
          "python": "main.py", "rust": "main.rs", "typescript": "main.ts"}

C = {
    "python": {
        "basics": "def helper(x):\n    return x * 2\n\ndef solve(x):\n    if x == 0:\n        return 1 // x\n"
                  "    while x < 0:\n        pass\n    return helper(x)\n",
        "floats": "def avg(xs):\n    return sum(xs) / len(xs)\n",
        "strings": "def f(s: str, upper: bool) -> str:\n    r = s[::-1]\n    return r.upper() if upper else r\n",
        "is_even": "def isEven(n: int) -> bool:\n    return n % 2 == 0\n",
        "transpose": "from typing import List\n\ndef transpose(m: List[List[int]]) -> List[List[int]]:\n"
                     "    return [list(r) for r in zip(*m)]\n",
        "two_sum": "from typing import List\n\nclass Solution:\n"
                   "    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        seen = {}\n"
                   "        for i, x in enumerate(nums):\n            if target - x in seen:\n"
                   "                return [seen[target - x], i]\n            seen[x] = i\n        return []\n",
        "custom": ("def third(x):\n    return x / 3\n", "assert abs(result - 1 / 3) < 1e-9", "return result > 1"),
        "unsupported": ("def f(root: Optional[TreeNode]) -> int:\n    return 0\n",
                        "parameter root: type Optional[TreeNode] is not supported"),
    },
    "javascript": {
        "basics": "function helper(x) {\n  return x * 2;\n}\nfunction solve(x) {\n"
                  "  if (x === 0) throw new RangeError('zero');\n  while (x < 0) {}\n  return helper(x);\n}\n",
        "floats": "const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;\n",
        "strings": "function f(s, upper) {\n  const r = [...s].reverse().join('');\n"
                   "  return upper ? r.toUpperCase() : r;\n}\n",
        "is_even": "var isEven = function(n) {\n  return n % 2 === 0;\n};\n",
        "transpose": "function transpose(m) {\n  return m[0].map((_, i) => m.map(r => r[i]));\n}\n",
        "two_sum": "class Solution {\n  twoSum(nums, target) {\n    const m = new Map();\n"
                   "    for (let i = 0; i < nums.length; i++) {\n"
                   "      if (m.has(target - nums[i])) return [m.get(target - nums[i]), i];\n"
                   "      m.set(nums[i], i);\n    }\n    return [];\n  }\n}\n",
        "custom": ("function third(x) {\n  return x / 3;\n}\n",
                   "if (Math.abs(result - 1 / 3) > 1e-9) throw new Error('off');", "return result > 1;"),
        "unsupported": ("function f(...xs) {\n  return 0;\n}\n",
                        "parameter ...xs: rest and destructuring parameters are not supported"),
    },
    "typescript": {
        "basics": "function helper(x: number): number {\n  return x * 2;\n}\nfunction solve(x: number): number {\n"
                  "  if (x === 0) throw new RangeError('zero');\n  while (x < 0) {}\n  return helper(x);\n}\n",
        "floats": "function avg(xs: number[]): number {\n  return xs.reduce((a, b) => a + b, 0) / xs.length;\n}\n",
        "strings": "function f(s: string, upper: boolean): string {\n  const r = Array.from(s).reverse().join('');\n"
                   "  return upper ? r.toUpperCase() : r;\n}\n",
        "is_even": "function isEven(n: number): boolean {\n  return n % 2 === 0;\n}\n",
        "transpose": "function transpose(m: number[][]): number[][] {\n"
                     "  return m[0].map((_, i) => m.map(r => r[i]));\n}\n",
        "two_sum": "class Solution {\n  twoSum(nums: number[], target: number): number[] {\n"
                   "    const m = new Map<number, number>();\n    for (let i = 0; i < nums.length; i++) {\n"
                   "      const j = m.get(target - nums[i]);\n      if (j !== undefined) return [j, i];\n"
                   "      m.set(nums[i], i);\n    }\n    return [];\n  }\n}\n",
        "custom": ("function third(x: number): number {\n  return x / 3;\n}\n",
                   "if (Math.abs(result - 1 / 3) > 1e-9) throw new Error('off');", "return result > 1;"),
        "unsupported": ("function f(root: TreeNode | null): number {\n  return 0;\n}\n",
                        "parameter root: type TreeNode | null is not supported"),
    },
    "java": {
        "basics": "class Solution {\n    public int helper(int x) { return x * 2; }\n"
                  "    public int solve(int x) {\n        if (x == 0) return 1 / x;\n        while (x < 0) { }\n"
                  "        return helper(x);\n    }\n}\n",
        "floats": "import java.util.List;\n\npublic class Solution {\n    public double avg(List<Integer> xs) {\n"
                  "        double s = 0;\n        for (int x : xs) s += x;\n        return s / xs.size();\n    }\n}\n",
        "strings": "class Solution {\n    public String f(String s, boolean upper) {\n"
                   "        String r = new StringBuilder(s).reverse().toString();\n"
                   "        return upper ? r.toUpperCase() : r;\n    }\n}\n",
        "is_even": "public static boolean isEven(int n) {\n    return n % 2 == 0;\n}\n",
        "transpose": "class Solution {\n    public int[][] transpose(int[][] m) {\n"
                     "        int[][] t = new int[m[0].length][m.length];\n"
                     "        for (int i = 0; i < m.length; i++)\n            for (int j = 0; j < m[0].length; j++)\n"
                     "                t[j][i] = m[i][j];\n        return t;\n    }\n}\n",
        "two_sum": "import java.util.*;\n\npublic class Solution {\n    public int[] twoSum(int[] nums, int target) {\n"
                   "        Map<Integer, Integer> m = new HashMap<>();\n"
                   "        for (int i = 0; i < nums.length; i++) {\n"
                   "            if (m.containsKey(target - nums[i])) return new int[]{m.get(target - nums[i]), i};\n"
                   "            m.put(nums[i], i);\n        }\n        return new int[0];\n    }\n}\n",
        "custom": ("class Solution {\n    public double third(int x) { return x / 3.0; }\n}\n",
                   "if (Math.abs(result - 1.0 / 3) > 1e-9) throw new AssertionError(\"off\");",
                   "return result > 1;"),
        "unsupported": ("class Solution {\n    public int depth(TreeNode root) { return 0; }\n}\n",
                        "parameter root: type TreeNode is not supported"),
    },
    "csharp": {
        "basics": "public class Solution {\n    public int Helper(int x) { return x * 2; }\n"
                  "    public int Solve(int x) {\n        if (x == 0) return 1 / x;\n        while (x < 0) { }\n"
                  "        return Helper(x);\n    }\n}\n",
        "floats": "using System.Collections.Generic;\n\npublic class Solution {\n    public double Avg(IList<int> xs) {\n"
                  "        double s = 0;\n        foreach (var x in xs) s += x;\n        return s / xs.Count;\n    }\n}\n",
        "strings": "public class Solution {\n    public string F(string s, bool upper) {\n"
                   "        var a = s.ToCharArray();\n        System.Array.Reverse(a);\n        var r = new string(a);\n"
                   "        return upper ? r.ToUpperInvariant() : r;\n    }\n}\n",
        "is_even": "public static bool IsEven(int n) { return n % 2 == 0; }\n",
        "transpose": "public class Solution {\n    public int[][] Transpose(int[][] m) {\n"
                     "        var t = new int[m[0].Length][];\n        for (int j = 0; j < m[0].Length; j++) {\n"
                     "            t[j] = new int[m.Length];\n            for (int i = 0; i < m.Length; i++) t[j][i] = m[i][j];\n"
                     "        }\n        return t;\n    }\n}\n",
        "two_sum": "using System.Collections.Generic;\n\npublic class Solution {\n"
                   "    public int[] TwoSum(int[] nums, int target) {\n        var m = new Dictionary<int, int>();\n"
                   "        for (int i = 0; i < nums.Length; i++) {\n"
                   "            if (m.ContainsKey(target - nums[i])) return new int[] { m[target - nums[i]], i };\n"
                   "            m[nums[i]] = i;\n        }\n        return new int[0];\n    }\n}\n",
        "custom": ("public class Solution {\n    public double Third(int x) { return x / 3.0; }\n}\n",
                   "if (System.Math.Abs(result - 1.0 / 3) > 1e-9) throw new System.Exception(\"off\");",
                   "return result > 1;"),
        "unsupported": ("public class Solution {\n    public int Depth(TreeNode root) { return 0; }\n}\n",
                        "parameter root: type TreeNode is not supported"),
    },
    "go": {
        "basics": "func helper(x int) int {\n\treturn x * 2\n}\n\nfunc solve(x int) int {\n\tif x == 0 {\n"
                  "\t\tvar a []int\n\t\treturn a[1]\n\t}\n\tfor x < 0 {\n\t}\n\treturn helper(x)\n}\n",
        "floats": "func avg(xs []int) float64 {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n"
                  "\treturn float64(s) / float64(len(xs))\n}\n",
        "strings": "import \"strings\"\n\nfunc f(s string, upper bool) string {\n\tr := []rune(s)\n"
                   "\tfor i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {\n\t\tr[i], r[j] = r[j], r[i]\n\t}\n"
                   "\tif upper {\n\t\treturn strings.ToUpper(string(r))\n\t}\n\treturn string(r)\n}\n",
        "is_even": "func isEven(n int) bool {\n\treturn n%2 == 0\n}\n",
        "transpose": "func transpose(m [][]int) [][]int {\n\tt := make([][]int, len(m[0]))\n\tfor j := range t {\n"
                     "\t\tt[j] = make([]int, len(m))\n\t\tfor i := range m {\n\t\t\tt[j][i] = m[i][j]\n\t\t}\n\t}\n"
                     "\treturn t\n}\n",
        "two_sum": "type Solution struct{}\n\nfunc (s *Solution) TwoSum(nums []int, target int) []int {\n"
                   "\tm := map[int]int{}\n\tfor i, x := range nums {\n\t\tif j, ok := m[target-x]; ok {\n"
                   "\t\t\treturn []int{j, i}\n\t\t}\n\t\tm[x] = i\n\t}\n\treturn nil\n}\n",
        "custom": ("func third(x int) float64 {\n\treturn float64(x) / 3\n}\n",
                   "if result < 0.3333 || result > 0.3334 {\n\t\tpanic(\"off\")\n\t}", "return result > 1"),
        "unsupported": ("func depth(root *TreeNode) int {\n\treturn 0\n}\n",
                        "parameter root: type *TreeNode is not supported"),
    },
    "rust": {
        "basics": "fn helper(x: i32) -> i32 {\n    x * 2\n}\n\npub fn solve(x: i32) -> i32 {\n    if x == 0 {\n"
                  "        let v: Vec<i32> = Vec::new();\n        return v[1];\n    }\n    while x < 0 {}\n"
                  "    helper(x)\n}\n",
        "floats": "fn avg(xs: Vec<i32>) -> f64 {\n    xs.iter().sum::<i32>() as f64 / xs.len() as f64\n}\n",
        "strings": "fn f(s: String, upper: bool) -> String {\n    let r: String = s.chars().rev().collect();\n"
                   "    if upper { r.to_uppercase() } else { r }\n}\n",
        "is_even": "impl Solution {\n    pub fn is_even(n: i32) -> bool {\n        n % 2 == 0\n    }\n}\n",
        "transpose": "fn transpose(m: Vec<Vec<i32>>) -> Vec<Vec<i32>> {\n"
                     "    (0..m[0].len()).map(|j| m.iter().map(|r| r[j]).collect()).collect()\n}\n",
        "two_sum": "use std::collections::HashMap;\n\nimpl Solution {\n"
                   "    pub fn two_sum(nums: Vec<i32>, target: i32) -> Vec<i32> {\n        let mut m = HashMap::new();\n"
                   "        for (i, x) in nums.iter().enumerate() {\n"
                   "            if let Some(&j) = m.get(&(target - x)) {\n                return vec![j as i32, i as i32];\n"
                   "            }\n            m.insert(*x, i);\n        }\n        vec![]\n    }\n}\n",
        "custom": ("fn third(x: i32) -> f64 {\n    x as f64 / 3.0\n}\n",
                   "assert!((result - 1.0 / 3.0).abs() < 1e-9);", "return result > 1.0;"),
        "unsupported": ("impl Solution {\n    pub fn max_depth(root: Option<Rc<RefCell<TreeNode>>>) -> i32 {\n"
                        "        0\n    }\n}\n",
                        "parameter root: type Option<Rc<RefCell<TreeNode>>> is not supported"),
    },
    "c": {
        "basics": "static int helper(int x) {\n    return x * 2;\n}\n\nint solve(int x) {\n    if (x == 0) {\n"
                  "        volatile int *p = NULL;\n        return *p;\n    }\n    volatile int spin = x;\n"
                  "    while (spin < 0) {\n    }\n    return helper(x);\n}\n",
        "floats": "double avg(int* xs, int xsSize) {\n    double s = 0;\n    for (int i = 0; i < xsSize; i++) s += xs[i];\n"
                  "    return s / xsSize;\n}\n",
        "strings": "#include <ctype.h>\n\nchar* f(char* s, bool upper) {\n    int n = strlen(s);\n"
                   "    for (int i = 0, j = n - 1; i < j; i++, j--) { char t = s[i]; s[i] = s[j]; s[j] = t; }\n"
                   "    if (upper)\n        for (int i = 0; i < n; i++) s[i] = toupper((unsigned char) s[i]);\n"
                   "    return s;\n}\n",
        "is_even": "bool isEven(int n) {\n    return n % 2 == 0;\n}\n",
        "transpose": "int** transpose(int** m, int mSize, int* mColSize, int* returnSize, int** returnColumnSizes) {\n"
                     "    int rows = mColSize[0];\n    int **t = malloc(rows * sizeof(int *));\n"
                     "    *returnColumnSizes = malloc(rows * sizeof(int));\n    for (int j = 0; j < rows; j++) {\n"
                     "        t[j] = malloc(mSize * sizeof(int));\n        (*returnColumnSizes)[j] = mSize;\n"
                     "        for (int i = 0; i < mSize; i++) t[j][i] = m[i][j];\n    }\n    *returnSize = rows;\n"
                     "    return t;\n}\n",
        "two_sum": "int* twoSum(int* nums, int numsSize, int target, int* returnSize) {\n"
                   "    for (int i = 0; i < numsSize; i++)\n        for (int j = i + 1; j < numsSize; j++)\n"
                   "            if (nums[i] + nums[j] == target) {\n                int *r = malloc(2 * sizeof(int));\n"
                   "                r[0] = i; r[1] = j; *returnSize = 2;\n                return r;\n            }\n"
                   "    *returnSize = 0;\n    return NULL;\n}\n",
        "custom": ("double third(int x) {\n    return x / 3.0;\n}\n", "return fabs(result - 1.0 / 3) < 1e-9;",
                   "return result > 1;"),
        "unsupported": ("struct TreeNode;\n\nint maxDepth(struct TreeNode* root) {\n    return 0;\n}\n",
                        "parameter root: type struct TreeNode* is not supported"),
    },
}
LANGS = sorted(C)


@pytest.fixture(scope="module")
def stub(daemon):
    return v1_grpc.CodeRunnerStub(daemon.channel)


def t(id, arguments, expected="", custom="", tolerance=0.0):
    return v1.TestCase(id=id, arguments=arguments, expected_result=expected, custom_validation_code=custom,
                       float_tolerance=tolerance)


def run(stub, lang, code, tests, **kw):
    r = stub.Execute(v1.ExecuteRequest(runtime=lang, files=[v1.File(path=SOURCE[lang.split("@")[0]],
                                                                    content=code.encode())],
                                       tests=tests, **kw), timeout=300)
    assert not r.HasField("compile") or r.compile.verdict == V.VERDICT_OK, r.compile
    return r


def report(r):
    return "\n".join("%s: %s %s expected=%s actual=%s" % (x.id, V.Name(x.result.verdict), x.result.message,
                                                           x.expected, x.actual) for x in r.tests)


@pytest.mark.parametrize("lang", LANGS)
def test_basics(stub, lang):
    """A helper before the solution, a wrong answer, a crash and an infinite
    loop: each fails alone."""
    r = run(stub, lang, C[lang]["basics"], [t("ok", "2", "4"), t("wrong", "3", "7"), t("crash", "0", "0"),
                                            t("loop", "-1", "0")])
    assert [x.passed for x in r.tests] == [True, False, False, False], report(r)
    ok, wrong, crash, loop = r.tests
    assert (ok.expected, ok.actual) == ("4", "4")
    assert wrong.result.verdict == V.VERDICT_WRONG_ANSWER, report(r)
    assert (wrong.expected, wrong.actual) == ("7", "6")
    assert wrong.result.message == "expected 7, got 6"
    assert crash.result.verdict == V.VERDICT_RUNTIME_ERROR, report(r)
    assert crash.actual == ""
    assert loop.result.verdict == V.VERDICT_TIME_LIMIT, report(r)
    # the harness's result lines are the judge's, not the program's output
    assert [x.result.stdout for x in (ok, wrong)] == [b"", b""], report(r)


PRINTS = {
    "python": "def f(x):\n    print('a', end='')\n    return x\n",
    "cpp": "#include <cstdio>\nint f(int x) {\n    printf(\"a\");\n    return x;\n}\n",
}


@pytest.mark.parametrize("lang", sorted(PRINTS))
def test_stdout_is_what_the_program_printed(stub, lang):
    """A test's stdout in the native API is what the student's code printed,
    byte for byte: the line the harness prints after it (its own newline
    first) is read by the judge and removed; C++ keeps doctest's report."""
    r = run(stub, lang, PRINTS[lang], [t("a", "1", "1"), t("b", "2", "3")])
    assert [x.passed for x in r.tests] == [True, False], report(r)
    assert (r.tests[1].expected, r.tests[1].actual) == ("3", "2"), report(r)
    if lang == "python":
        assert [x.result.stdout for x in r.tests] == [b"a", b"a"]
    else:
        out = r.tests[1].result.stdout
        assert out.startswith(b"a") and b"\x1e" not in out, out
        assert b"ERROR: CHECK( f(2) == 3 ) is NOT correct!\n  values: CHECK( 2 == 3 )" in out, out


NON_FINITE = {
    "python": "def f(x: float) -> float:\n    return float('nan') if x > 1 else -float('inf')\n",
    "javascript": "function f(x) {\n  return x > 1 ? NaN : -Infinity;\n}\n",
    "c": "double f(double x) {\n    return x > 1 ? 0.0 / (x - x) : -1.0 / (x - x);\n}\n",
}


@pytest.mark.parametrize("lang", sorted(NON_FINITE))
def test_non_finite_results(stub, lang):
    """A NaN or infinite result is a float, shown as NaN, Infinity or
    -Infinity (not as a string), and an expected_output written so matches it."""
    r = run(stub, lang, NON_FINITE[lang], [t("a", "2", "NaN"), t("b", "0.5", "-Infinity"), t("c", "2", "1.5")])
    assert [x.passed for x in r.tests] == [True, True, False], report(r)
    assert [x.actual for x in r.tests] == ["NaN", "-Infinity", "NaN"], report(r)
    assert r.tests[2].result.message == "expected 1.5, got NaN", report(r)


@pytest.mark.parametrize("lang", LANGS)
def test_floats(stub, lang):
    r = run(stub, lang, C[lang]["floats"], [t("a", "[1,2]", "1.5"), t("b", "[1,1,2]", "1.3333333"),
                                            t("c", "[1,1,2]", "1.33", tolerance=0.01), t("d", "[1,1,2]", "1.33")])
    assert [x.passed for x in r.tests] == [True, True, True, False], report(r)
    assert r.tests[3].result.message.startswith("expected 1.33, got 1.33333"), report(r)


@pytest.mark.parametrize("lang", LANGS)
def test_strings_and_booleans(stub, lang):
    tests = [t("a", "abc, false", "cba"), t("b", "'a, b', true", "\"B ,A\"")]
    if lang != "c":  # C reverses bytes, not characters
        tests.append(t("c", "\"h\\u00e9llo\", false", "\"oll\\u00e9h\""))
    r = run(stub, lang, C[lang]["strings"], tests)
    assert all(x.passed for x in r.tests), report(r)
    assert r.tests[1].actual == "\"B ,A\""


@pytest.mark.parametrize("lang", LANGS)
def test_boolean_result(stub, lang):
    r = run(stub, lang, C[lang]["is_even"], [t("a", "4", "true"), t("b", "3", "false"), t("c", "3", "true")])
    assert [x.passed for x in r.tests] == [True, True, False], report(r)
    assert (r.tests[2].expected, r.tests[2].actual) == ("true", "false")


@pytest.mark.parametrize("lang", LANGS)
def test_2d_arrays_in_and_out(stub, lang):
    r = run(stub, lang, C[lang]["transpose"], [t("a", "[[1,2],[3,4]]", "[[1,3],[2,4]]"),
                                               t("b", "[[1,2,3]]", "[[1],[2],[3]]"),
                                               t("c", "[[1,2]]", "[[1,2]]")])
    assert [x.passed for x in r.tests] == [True, True, False], report(r)
    assert r.tests[2].result.message == "expected 1 element, got 2", report(r)


@pytest.mark.parametrize("lang", LANGS)
def test_class_wrapped_solution_returning_an_array(stub, lang):
    r = run(stub, lang, C[lang]["two_sum"], [t("a", "[2,7,11,15],9", "[0,1]"), t("b", "[3,2,4],6", "[1,2]"),
                                             t("c", "[3,3],6", "[1,0]")])
    assert [x.passed for x in r.tests] == [True, True, False], report(r)
    assert r.tests[2].result.message == "element [0]: expected 1, got 0", report(r)


@pytest.mark.parametrize("lang", LANGS)
def test_custom_validation_code(stub, lang):
    code, passes, fails = C[lang]["custom"]
    r = run(stub, lang, code, [t("a", "1", custom=passes), t("b", "1", custom=fails)])
    assert [x.passed for x in r.tests] == [True, False], report(r)
    assert r.tests[1].result.verdict == V.VERDICT_WRONG_ANSWER, report(r)
    assert r.tests[1].result.message.startswith("custom_validation_code failed"), report(r)


@pytest.mark.parametrize("lang", LANGS)
def test_unsupported_signature(stub, lang):
    code, fragment = C[lang]["unsupported"]
    with pytest.raises(grpc.RpcError) as e:
        run(stub, lang, code, [t("a", "null", "0")])
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert fragment in e.value.details(), e.value.details()


def test_function_named_in_the_request(stub):
    code = "def a(x):\n    return x + 1\n\ndef b(x):\n    return x + 2\n"
    with pytest.raises(grpc.RpcError) as e:
        run(stub, "python", code, [t("x", "1", "2")])
    assert "2 functions could be the one the tests call: a (line 1), b (line 4)" in e.value.details()
    r = run(stub, "python", code, [t("x", "1", "3")], function_name="b")
    assert r.tests[0].passed, report(r)


def test_bad_literals_are_invalid_argument(stub):
    with pytest.raises(grpc.RpcError) as e:
        run(stub, "python", C["python"]["floats"], [t("x", "[1,,2]", "1")])
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "test 1: input: position 4: expected a value before ','" in e.value.details()


# ------------------------------------------------------------ Java and Go: prebuilt helpers

JAVA_HELPERS = """class Harness {
    static boolean crResult(Object v) { return true; }
}

public class Solution {
    private static void crLine(String kind, String text) { System.out.print("\\n\\036CR-RESULT 0\\n"); }

    public String where(int x) {
        crLine("RESULT", "0");
        new Harness();
        java.io.File f = new java.io.File("/usr/lib/coderunner/java/coderunner/Harness.class");
        String w;
        try {
            new java.io.FileOutputStream(f, true).close();
            w = "writable";
        } catch (java.io.IOException e) {
            w = "read-only";
        }
        return coderunner.Harness.class.getProtectionDomain().getCodeSource().getLocation().getPath() + " " + w +
               (f.delete() ? " deleted" : "");
    }
}
"""

GO_HELPERS = """import (
	"os"
	"path/filepath"
)

func crLine(kind, text string) {}
func Line(kind, text string)   {}

func where(x int) string {
	crLine("RESULT", "0")
	Line("RESULT", "0")
	m, _ := filepath.Glob("/usr/lib/go-*/pkg/linux_amd64/coderunner/harness.a")
	if len(m) != 1 {
		return "missing"
	}
	if f, err := os.OpenFile(m[0], os.O_WRONLY, 0); err == nil {
		f.Close()
		return "writable"
	}
	if os.Remove(m[0]) == nil {
		return "removed"
	}
	return "read-only"
}
"""


def versions(stub, rid):
    return [rt.version for rt in stub.ListRuntimes(v1.ListRuntimesRequest(), timeout=30).runtimes if rt.id == rid]


@pytest.mark.parametrize("lang,code,expected", [
    ("java", JAVA_HELPERS, '"/usr/lib/coderunner/java/ read-only"'),
    ("go", GO_HELPERS, '"read-only"'),
], ids=["java", "go"])
def test_prebuilt_helpers_are_the_images_and_cannot_be_replaced(stub, lang, code, expected):
    """In every installed version, function mode uses the helpers prebuilt
    into the image (docs/internals/judge.md, "Java and Go: prebuilt
    helpers"): Java loads coderunner.Harness from the image's class path,
    Go's archive is there; neither can be written or removed from the
    sandbox; and the student's class or functions named like the helpers
    (a Harness with a crResult that says yes, a crLine that prints a fake
    result) change no verdict: the wrong answer stays wrong."""
    vs = versions(stub, lang)
    assert vs, "no %s image installed" % lang
    for version in vs:
        r = run(stub, "%s@%s" % (lang, version), code, [t("a", "1", expected), t("b", "2", '"x"')])
        assert [x.passed for x in r.tests] == [True, False], (version, report(r))
        assert (r.tests[1].expected, r.tests[1].actual) == ('"x"', expected), (version, report(r))


@pytest.mark.parametrize("lang,code,fragment", [
    ("java", "class Solution {\n    public int f(int x) { return x; }\n}\n\nclass coderunner {}\n",
     "type coderunner (line 5) is the name of the harness's package in function mode: rename it"),
    ("go", "const cr_h = 2\n\nfunc f(x int) int {\n\treturn x * cr_h\n}\n",
     "cr_h (line 1) is the harness's name for its helpers in function mode: rename it"),
], ids=["java", "go"])
def test_names_that_would_hide_the_helpers_are_refused(stub, lang, code, fragment):
    """A name that would keep the harness from reaching its helpers (Java:
    a type hiding their package; Go: a top-level name colliding with their
    import) is INVALID_ARGUMENT before anything compiles, saying so."""
    with pytest.raises(grpc.RpcError) as e:
        run(stub, lang, code, [t("a", "1", "1")])
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert fragment in e.value.details(), e.value.details()


def test_evaluate_solution_in_another_language(daemon):
    """The original's API: same fields, same mode rule (no entry point)."""
    r = daemon.stub.EvaluateSolution(ev_request(C["go"]["two_sum"], [("t1", "[2,7,11,15],9", "[0,1]"),
                                                                     ("t2", "[3,3],6", "[1,0]")], language="go"),
                                     timeout=300)
    assert list(r.approved_tests) == ["t1"], r
    assert r.error_type == "test_failure"
    assert r.error_message == "Test t2: element [0]: expected 1, got 0"


def test_code_execution_test_results(daemon):
    stub = ce_grpc.CodeExecutionServiceStub(daemon.channel)
    req = ce.CodeExecutionRequest(
        code_version_id="d6a09a11-7d4c-4b4e-9e29-2d1bb2f0a5c1", student_id="c032e274-1b0e-4d8c-8f0b-6a2b8c9d0e1f",
        language="javascript", code=C["javascript"]["transpose"],
        test_cases=[ce.CodeExecutionTestCase(code_version_test_id="a", input="[[1,2],[3,4]]",
                                             expected_output="[[1,3],[2,4]]"),
                    ce.CodeExecutionTestCase(code_version_test_id="b", input="[[1,2]]", expected_output="[[2],[1]]")])
    r = stub.ExecuteCode(req, timeout=300)
    results = {x.test_id: x for x in r.metadata.test_results}
    assert results["a"].passed and not results["b"].passed
    assert (results["b"].expected_output, results["b"].actual_output) == ("[[2],[1]]", "[[1],[2]]")
    assert results["b"].error_message == "element [0][0]: expected 2, got 1"


def test_cpp_through_the_native_api(stub):
    """The native API's code is bytes, not a C string: the C++ generator
    reads a terminated copy (it once read past the end), and the compile
    links the prebuilt doctest runner."""
    code = "int addOne(int x) {\n    return x + 1;\n}\n"
    r = stub.Execute(v1.ExecuteRequest(runtime="cpp", files=[v1.File(path="main.cpp", content=code.encode())],
                                       tests=[t("a", "2", "3"), t("b", "-3", "-3")]), timeout=300)
    assert r.compile.verdict == V.VERDICT_OK, r.compile
    assert [x.passed for x in r.tests] == [True, False], report(r)
    assert "ERROR: CHECK( addOne(-3) == -3 ) is NOT correct!" in r.tests[1].result.message


CPP = {
    "basics": "int helper(int x) {\n    return x * 2;\n}\n\nint solve(int x) {\n    if (x == 0) {\n"
              "        volatile int *p = nullptr;\n        return *p;\n    }\n    volatile int spin = x;\n"
              "    while (spin < 0) {\n    }\n    return helper(x);\n}\n",
    "floats": "#include <vector>\ndouble avg(std::vector<int> xs) {\n    double s = 0;\n    for (int x : xs) s += x;\n"
              "    return s / xs.size();\n}\n",
    "strings": "#include <string>\n#include <algorithm>\n#include <cctype>\n"
               "std::string f(std::string s, bool upper) {\n    std::reverse(s.begin(), s.end());\n"
               "    if (upper)\n        for (auto &c : s) c = (char) std::toupper((unsigned char) c);\n    return s;\n}\n",
    "is_even": "bool isEven(int n) {\n    return n % 2 == 0;\n}\n",
    "transpose": "#include <vector>\nusing namespace std;\n\nvector<vector<int>> transpose(vector<vector<int>>& m) {\n"
                 "    vector<vector<int>> t(m[0].size(), vector<int>(m.size()));\n"
                 "    for (size_t i = 0; i < m.size(); i++)\n        for (size_t j = 0; j < m[0].size(); j++)\n"
                 "            t[j][i] = m[i][j];\n    return t;\n}\n",
    "two_sum": "#include <vector>\n#include <unordered_map>\nusing namespace std;\n\nclass Solution {\n"
               "    int complement(int target, int x) { return target - x; }\n\npublic:\n"
               "    vector<int> twoSum(vector<int>& nums, int target) {\n        unordered_map<int, int> seen;\n"
               "        for (int i = 0; i < (int) nums.size(); i++) {\n"
               "            auto it = seen.find(complement(target, nums[i]));\n"
               "            if (it != seen.end()) return {it->second, i};\n            seen[nums[i]] = i;\n"
               "        }\n        return {};\n    }\n};\n",
}


def cpp(stub, code, tests):
    return run(stub, "cpp", code, tests)


GO_ISLANDS = """package main

func numIslands(grid [][]byte) int {
	n := 0
	var sink func(i, j int)
	sink = func(i, j int) {
		if i < 0 || j < 0 || i >= len(grid) || j >= len(grid[i]) || grid[i][j] != '1' {
			return
		}
		grid[i][j] = '0'
		sink(i+1, j); sink(i-1, j); sink(i, j+1); sink(i, j-1)
	}
	for i := range grid {
		for j := range grid[i] {
			if grid[i][j] == '1' {
				n++
				sink(i, j)
			}
		}
	}
	return n
}
"""

GO_FLIP = """func flip(board [][]byte) {
	for i := range board {
		for j := range board[i] {
			if board[i][j] == 'O' {
				board[i][j] = 'X'
			}
		}
	}
}
"""


def test_go_byte_boards_as_leetcode_writes_them(stub):
    """[][]byte grids given as one-character strings, counted, and changed in place."""
    r = run(stub, "go", GO_ISLANDS, [t("a", '[["1","1","0"],["0","0","0"],["0","1","1"]]', "2"),
                                     t("b", '[["0"]]', "1")])
    assert [x.passed for x in r.tests] == [True, False], report(r)
    r = run(stub, "go", GO_FLIP, [t("a", '[["X","O"],["O","."]]', '[["X","X"],["X","."]]'),
                                  t("b", '[["O"]]', '[["O"]]')])
    assert [x.passed for x in r.tests] == [True, False], report(r)
    assert (r.tests[1].expected, r.tests[1].actual) == ('[["O"]]', '[["X"]]'), report(r)
    with pytest.raises(grpc.RpcError) as e:
        run(stub, "go", GO_FLIP, [t("a", '[["XO"]]', '[]')])
    assert "expected an integer or one ASCII character" in e.value.details()


# The Go helpers format integers, booleans and strings by hand (no strconv:
# rootfs/recipes/go.conf), floats through their own package: each result
# type's actual value as the judge reports it (it parses what the harness
# wrote and shows it again: "\u000a" comes back as "\n").
GO_VALUES = [
    ("func f(k int) int64 {\n\treturn []int64{0, -1, -9223372036854775808, 9223372036854775807, -42}[k]\n}\n",
     ["0", "-1", "-9223372036854775808", "9223372036854775807", "-42"]),
    ("func f(k int) int8 {\n\treturn []int8{-128, 127}[k]\n}\n", ["-128", "127"]),
    ("func f(k int) uint32 {\n\treturn []uint32{4294967295, 10}[k]\n}\n", ["4294967295", "10"]),
    ("func f(k int) bool {\n\treturn k == 0\n}\n", ["true", "false"]),
    ("func f(k int) string {\n\treturn []string{\"a\\\"b\\\\c\", \"\\n\\t\\x01\\x7f\", "
     "\"h\u00e9llo \u65e5\u672c \U0001f600\", \"\"}[k]\n}\n",
     ['"a\\"b\\\\c"', '"\\n\\t\\u0001\\u007f"', '"h\u00e9llo \u65e5\u672c \U0001f600"', '""']),
    ("func f(k int) [][]string {\n\treturn [][]string{{\"a\", \"b\\\"\"}, {}}[k:]\n}\n",
     ['[["a","b\\""],[]]', "[[]]"]),
    ("func f(k int) [][]int {\n\treturn [][]int{{-1, 0}, {-9223372036854775808}}[k:]\n}\n",
     ["[[-1,0],[-9223372036854775808]]", "[[-9223372036854775808]]"]),
    ("func f(k int) []float64 {\n\treturn []float64{-0.5, 1e21, 1.0 / 3, 2}[k:]\n}\n",
     ["[-0.5,1e+21,0.3333333333333333,2]", "[1e+21,0.3333333333333333,2]"]),
    ("func f(k int) float32 {\n\treturn []float32{0.1, -2.5}[k]\n}\n", ["0.1", "-2.5"]),
]


@pytest.mark.parametrize("code,actual", GO_VALUES, ids=["int64", "int8", "uint32", "bool", "string",
                                                        "string2d", "int2d", "float64s", "float32"])
def test_go_actual_values_of_every_result_type(stub, code, actual):
    """In every installed Go version: the actual value the harness wrote
    (each test's expected value is that value, so each passes)."""
    vs = versions(stub, "go")
    assert vs, "no go image installed"
    for version in vs:
        r = run(stub, "go@%s" % version, code, [t(str(k), str(k), a) for k, a in enumerate(actual)])
        assert [x.actual for x in r.tests] == actual, (version, report(r))
        assert all(x.passed for x in r.tests), (version, report(r))

# The helpers' output byte for byte, against strconv (what they used
# before) and the JSON escapes the judge parses: a stdio-mode program that
# imports the image's packages as main.go's harness does.
GO_HELPERS_BYTES = r"""package main

import (
	"math"
	"os"
	"strconv"

	h "coderunner/harness"
	f "coderunner/harness/float"
)

func main() {
	bad := 0
	check := func(got, want string) {
		if got != want {
			bad++
			os.Stdout.WriteString("differs: " + got + " " + want + "\n")
		}
	}
	for _, v := range []int64{0, 1, -1, 9, 10, -10, 99, -100, math.MaxInt64, math.MinInt64, math.MinInt64 + 1,
		math.MaxInt32, math.MinInt32, -128} {
		check(h.Int(v), strconv.FormatInt(v, 10))
	}
	for v := int64(-3000000); v < 3000000; v += 997 {
		check(h.Int(v*v*v), strconv.FormatInt(v*v*v, 10))
	}
	for _, v := range []uint64{0, 9, 10, math.MaxUint64, math.MaxUint32, 1 << 63} {
		check(h.Uint(v), strconv.FormatUint(v, 10))
	}
	check(h.Bool(true)+h.Bool(false), strconv.FormatBool(true)+strconv.FormatBool(false))
	for _, v := range []float64{0, math.Copysign(0, -1), -0.5, 1.0 / 3, 1e21, 1e-7, math.MaxFloat64, 5e-324} {
		check(f.Float(v, 64), strconv.FormatFloat(v, 'g', -1, 64))
		if g := float64(float32(v)); !math.IsInf(g, 0) { // strconv writes +Inf, the judge reads Infinity
			check(f.Float(g, 32), strconv.FormatFloat(g, 'g', -1, 32))
		}
	}
	check(f.Float(math.NaN(), 64)+f.Float(math.Inf(1), 64)+f.Float(math.Inf(-1), 32), "NaNInfinity-Infinity")
	check(h.Str("a\"b\\c\n\t\x00\x1f\x7f h\u00e9 \U0001f600\xff"),
		`"a\"b\\c\u000a\u0009\u0000\u001f\u007f `+"h\u00e9 \U0001f600\ufffd\"") // UTF-8 as it is
	check(h.Char('"')+h.Char(10)+h.Char('x'), `"\"""\u000a""x"`)
	check(h.List([][]int{{1, -2}, {}, {math.MinInt64}}, func(x []int) string {
		return h.List(x, func(y int) string { return h.Int(int64(y)) })
	}), "[[1,-2],[],[-9223372036854775808]]")
	check(h.List([]string(nil), h.Str), "[]")
	os.Stdout.WriteString(strconv.Itoa(bad) + " differ\n")
	h.Line("RESULT", "a\nb")
}
"""


def test_go_helpers_write_what_strconv_wrote(stub):
    """In every installed Go version: integers and booleans formatted by
    hand are strconv's, floats are, strings carry the JSON escapes, and a
    protocol line is what the judge reads (its newlines made spaces)."""
    vs = versions(stub, "go")
    assert vs, "no go image installed"
    for version in vs:
        r = stub.Execute(v1.ExecuteRequest(runtime="go@%s" % version,
                                           files=[v1.File(path="main.go", content=GO_HELPERS_BYTES.encode())]),
                         timeout=300)
        assert r.verdict == V.VERDICT_OK, (version, r)
        assert r.run.stdout == b"0 differ\n\n\x1eCR-RESULT a b\n", (version, r.run.stdout)

def test_cpp_basics(stub):
    """C++ keeps the original's doctest verdicts and messages: a helper
    before the solution, a wrong answer, a crash and an infinite loop each
    fail alone."""
    r = cpp(stub, CPP["basics"], [t("ok", "2", "4"), t("wrong", "3", "7"), t("crash", "0", "0"),
                                  t("loop", "-1", "0")])
    assert [x.passed for x in r.tests] == [True, False, False, False], report(r)
    ok, wrong, crash, loop = r.tests
    assert (ok.expected, ok.actual) == ("4", "4")
    assert wrong.result.verdict == V.VERDICT_WRONG_ANSWER, report(r)
    assert "ERROR: CHECK( solve(3) == 7 ) is NOT correct!\nvalues: CHECK( 6 == 7 )" in wrong.result.message
    assert (wrong.expected, wrong.actual) == ("7", "6")
    assert (crash.expected, crash.actual) == ("0", "")
    assert crash.result.verdict == V.VERDICT_RUNTIME_ERROR, report(r)
    assert "test case CRASHED: SIGSEGV" in crash.result.message, report(r)
    assert loop.result.verdict == V.VERDICT_TIME_LIMIT, report(r)


CPP_SHOUT = ("#include <cctype>\nchar* shout(char* s) {\n    for (char* p = s; *p; p++) *p = (char) toupper(*p);\n"
             "    return s;\n}\n")
CPP_SEVENS = "#include <vector>\nstd::vector<int> sevens(int n) {\n    return std::vector<int>(n, 7);\n}\n"


def test_cpp_actual_values_of_every_result_type(stub):
    """The actual value is what the C++ call returned, for every result
    type, as the other languages show it: vectors (doctest's message shows
    {?}), 2-D vectors, char* (the message shows strcmp's result),
    std::string, from a free function and from Solution().f(), cut like
    every language's; doctest's messages stay the original's."""
    r = cpp(stub, CPP["two_sum"], [t("a", "[2,7,11,15],9", "[0,1]"), t("b", "[3,3],6", "[1,0]")])
    assert [x.passed for x in r.tests] == [True, False], report(r)
    assert [x.actual for x in r.tests] == ["[0,1]", "[0,1]"], report(r)
    assert r.tests[1].result.message.endswith(
        "ERROR: CHECK( Solution().twoSum(arr1, 6) == vector<int>{1, 0} ) is NOT correct!\n"
        "values: CHECK( {?} == {?} )"), report(r)
    r = cpp(stub, CPP["transpose"], [t("a", "[[1,2],[3,4]]", "[[1,3],[2,4]]"), t("b", "[[1,2,3]]", "[[1,2,3]]")])
    assert [x.passed for x in r.tests] == [True, False], report(r)
    assert [x.actual for x in r.tests] == ["[[1,3],[2,4]]", "[[1],[2],[3]]"], report(r)
    assert "values: CHECK( {?} == {?} )" in r.tests[1].result.message, report(r)
    r = cpp(stub, CPP_SHOUT, [t("a", "abc", "ABC"), t("b", "\"x y\"", "x y")])
    assert [x.passed for x in r.tests] == [True, False], report(r)
    assert [x.actual for x in r.tests] == ['"ABC"', '"X Y"'], report(r)
    assert "ERROR: CHECK( strcmp(shout(arg1_0), \"x y\") == 0 ) is NOT correct!\nvalues: CHECK( -32 == 0 )" \
        in r.tests[1].result.message, report(r)
    r = cpp(stub, CPP["strings"], [t("a", "abc, true", "cba")])
    assert (r.tests[0].expected, r.tests[0].actual) == ("cba", '"CBA"'), report(r)
    assert 'values: CHECK( CBA == cba )' in r.tests[0].result.message, report(r)
    r = cpp(stub, CPP_SEVENS, [t("a", "1000", "[]")])
    assert r.tests[0].actual.startswith("[7,7,7,") and r.tests[0].actual.endswith("..."), report(r)
    assert len(r.tests[0].actual) <= 1024 + len("..."), report(r)  # cut as every language cuts


def installed_versions(*ids):
    """`c@12.2.0`... for every installed version (rootfs/recipes: GCC 12, 14, 16)."""
    p = subprocess.run([CODERUNNER, "runtimes", "--json"], capture_output=True, check=True)
    return ["%s@%s" % (rt["id"], rt["version"]) for rt in json.loads(p.stdout) if rt["id"] in ids and rt["installed"]]


C_ADD = "int add(int a, int b) {\n    return a + b;\n}\n"


@pytest.mark.parametrize("ref", installed_versions("c", "cpp"))
def test_c_and_cpp_on_every_installed_version(stub, ref):
    """Each GCC the images install builds C's harness without headers (code
    that names none of them) and with them, and C++'s capture of actual
    values (the doctest of its suite: 2.4.9, 2.4.11, 2.5.3)."""
    lang = ref.split("@")[0]
    if lang == "c":
        r = run(stub, ref, C_ADD, [t("a", "1, 2", "3"), t("b", "2, 2", "5")])
        assert [(x.passed, x.actual) for x in r.tests] == [(True, "3"), (False, "4")], report(r)
        r = run(stub, ref, C["c"]["two_sum"], [t("a", "[2,7,11,15],9", "[0,1]"), t("b", "[3,3],6", "[1,0]")])
        assert [(x.passed, x.actual) for x in r.tests] == [(True, "[0,1]"), (False, "[0,1]")], report(r)
        return
    r = run(stub, ref, CPP["two_sum"], [t("a", "[2,7,11,15],9", "[0,1]"), t("b", "[3,3],6", "[1,0]")])
    assert [(x.passed, x.actual) for x in r.tests] == [(True, "[0,1]"), (False, "[0,1]")], report(r)
    # doctest 2.5 prints vectors ({0, 1}); 2.4, like the original, {?}
    assert "ERROR: CHECK( Solution().twoSum(arr1, 6) == vector<int>{1, 0} ) is NOT correct!\nvalues: CHECK( " \
        in r.tests[1].result.message, report(r)
    r = run(stub, ref, "int addOne(int x) {\n    return x + 1;\n}\n", [t("a", "-3", "-2"), t("b", "-3", "-3")])
    assert [(x.passed, x.actual) for x in r.tests] == [(True, "-2"), (False, "-2")], report(r)
    assert r.tests[1].result.message.endswith(
        "ERROR: CHECK( addOne(-3) == -3 ) is NOT correct!\nvalues: CHECK( -2 == -3 )"), report(r)


def test_cpp_floats_compare_exactly(stub):
    """As in the original, doubles compare with == (custom_validation_code
    gives a tolerance)."""
    r = cpp(stub, CPP["floats"], [t("a", "[1,2]", "1.5"), t("b", "[1,1,2]", "1.3333333"),
                                  t("c", "[1,1,2]", custom="CHECK(std::abs(avg({1, 1, 2}) - 4.0 / 3) < 1e-9);")])
    assert [x.passed for x in r.tests] == [True, False, True], report(r)


def test_cpp_strings_booleans_and_boolean_result(stub):
    r = cpp(stub, CPP["strings"], [t("a", "abc, false", "cba"), t("b", "'a, b', true", "\"B ,A\""),
                                   t("c", "abc, true", "cba")])
    assert [x.passed for x in r.tests] == [True, True, False], report(r)
    r = cpp(stub, CPP["is_even"], [t("a", "4", "true"), t("b", "3", "false"), t("c", "3", "true")])
    assert [x.passed for x in r.tests] == [True, True, False], report(r)


def test_cpp_2d_arrays_in_and_out(stub):
    r = cpp(stub, CPP["transpose"], [t("a", "[[1,2],[3,4]]", "[[1,3],[2,4]]"), t("b", "[[1,2,3]]", "[[1],[2],[3]]"),
                                     t("c", "[[1,2]]", "[[1,2]]")])
    assert [x.passed for x in r.tests] == [True, True, False], report(r)
    assert "CHECK( transpose(arr2) == vector<vector<int>>{{1, 2}} ) is NOT correct!" in r.tests[2].result.message


def test_cpp_class_solution_returning_an_array(stub):
    """LeetCode's C++: a method of class Solution, called on an instance."""
    r = cpp(stub, CPP["two_sum"], [t("a", "[2,7,11,15],9", "[0,1]"), t("b", "[3,2,4],6", "[1,2]"),
                                   t("c", "[3,3],6", "[1,0]")])
    assert [x.passed for x in r.tests] == [True, True, False], report(r)
    assert "CHECK( Solution().twoSum(arr2, 6) == vector<int>{1, 0} ) is NOT correct!" in r.tests[2].result.message


def test_cpp_unsupported_signature(stub):
    """C++ keeps the original's answer to a parameter it cannot fill: the
    compiler's error, naming the type."""
    code = "struct TreeNode {\n    int val;\n};\n\nint depth(TreeNode* root) {\n    return 0;\n}\n"
    r = stub.Execute(v1.ExecuteRequest(runtime="cpp", files=[v1.File(path="main.cpp", content=code.encode())],
                                       tests=[t("a", "null", "0")]), timeout=300)
    assert r.compile.verdict == V.VERDICT_COMPILE_ERROR, r
    assert b"TreeNode*" in r.compile.stderr, r.compile.stderr
