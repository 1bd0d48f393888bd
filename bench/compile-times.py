#!/usr/bin/python3
"""Compile cost of hello world for every installed version of every compiled
runtime, through `coderunner run --lang ID@VERSION` (the sandbox's own
accounting: compile wall and CPU ms), medians of N runs, and each version's
ratio to the runtime's oldest installed version measured in the same session
(side by side, so machine load affects both alike). TypeScript 7's native
compiler against tsc 4.8 is the point of issue 16. Numbers, not a test: run
as root, ideally on a quiet machine.

usage: bench/compile-times.py [N] [RUNTIME...]   (env: CODERUNNER,
        CODERUNNER_DATADIR, CODERUNNER_IMAGE_STORE as for tests/lang)"""
import json
import os
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CR = os.environ.get("CODERUNNER", os.path.join(TOP, "build/gcc/coderunner"))
PROGRAMS = os.path.join(TOP, "tests/lang/programs")
EXT = {"c": "c", "cpp": "cpp", "csharp": "cs", "go": "go", "java": "java", "rust": "rs", "typescript": "ts"}
os.environ.setdefault("CODERUNNER_DATADIR", TOP)


def versions(only):
    out = subprocess.run([CR, "runtimes", "--json"], capture_output=True, check=True).stdout
    return [(rt["id"], rt["version"], rt["suite"] or "-") for rt in json.loads(out)
            if rt["installed"] and rt["compiled"] and (not only or rt["id"] in only)]


def compile_once(rid, version):
    src = os.path.join(PROGRAMS, rid, "hello." + EXT[rid])
    p = subprocess.run([CR, "run", "--lang", "%s@%s" % (rid, version), "--file", src, "--json"],
                       capture_output=True, stdin=subprocess.DEVNULL)
    r = json.loads(p.stdout)
    if r["status"] != "OK":
        raise SystemExit("%s@%s: %s %s" % (rid, version, r["status"], r.get("compile")))
    return r["compile"]["wall_ms"], r["compile"]["cpu_ms"], r["compile"]["memory_peak_bytes"]


def main():
    args = sys.argv[1:]
    n = int(args.pop(0)) if args and args[0].isdigit() else 5
    rows = []
    for rid, version, suite in versions(set(args)):
        samples = [compile_once(rid, version) for _ in range(n)]
        rows.append((rid, version, suite, statistics.median(s[0] for s in samples),
                     statistics.median(s[1] for s in samples), max(s[2] for s in samples) / 1048576))
    print("hello world compile through coderunner, median of %d (ms); ratio = CPU / the oldest version's" % n)
    print("%-11s %-12s %-9s %9s %8s %9s %7s" % ("runtime", "version", "suite", "wall", "cpu", "peak MiB", "ratio"))
    base = {}
    for rid, version, suite, wall, cpu, peak in rows:
        base.setdefault(rid, cpu)
        print("%-11s %-12s %-9s %9.0f %8.0f %9.1f %6.2fx" % (rid, version, suite, wall, cpu, peak,
                                                             cpu / base[rid] if base[rid] else 0))


if __name__ == "__main__":
    main()
