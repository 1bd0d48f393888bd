#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Records the syscalls each runtime's compiler and programs make inside the
sandbox: the evidence the per-runtime seccomp profiles are derived from.

    scripts/seccomp-record.py [--coderunner PATH] [--out DIR] [RUNTIME...]

Each program of the language tier (tests/lang/programs/RUNTIME/*), the image
smoke tests (rootfs/tests/{hello,stdlib}) and the seccomp workloads
(tests/lang/workloads/RUNTIME/*) runs through `coderunner run --lang` in
every installed version of the runtime (`coderunner runtimes --json`: the
images of each Debian suite, npm's TypeScripts) under strace -f (the tracer
is on the host: the sandbox denies ptrace only to the job). A sandbox
process is every traced process but coderunner itself; in the sandbox's
init, only the calls after its seccomp filter is installed count. For each
runtime, DIR/RUNTIME.syscalls lists every syscall seen with its count and
how it returned (ok, or the errnos), and the programs that made it
(PROGRAM@VERSION): one profile serves every version of its runtime. The
families socket(2) was called with are on a '# socket families:' line, and
seccomp-derive.py allows socket for those families only.
Recording runs under seccomp/default.profile (or --profile FILE), not under
the runtime's own profile, which would hide whatever it does not yet allow.
Needs root, strace and imported images (CODERUNNER_IMAGE_STORE).
"""

import argparse
import collections
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE = re.compile(r"^(?:\d+ )?([a-z_0-9]+)\((.*)$")
RESULT = re.compile(r"\)\s+= (-?\d+|\?|0x[0-9a-f]+)(?: ([A-Z][A-Z0-9_]+))?")
# the filter returns 0, or the notification fd with FLAG_NEW_LISTENER (since
# SECCOMP_VIOLATION names the syscall, 88271ae)
# a child started: clone/clone3/fork/vfork returning its pid, translated to
# the tracer's pid namespace (strace --pidns-translation), which names the
# child's trace file
CHILD = re.compile(r"^(?:clone3?|v?fork)\(.*\) = (?:\d+ /\* (\d+) in strace's PID NS \*/|(\d+))$")
# socket(2)'s family: profiles narrow socket to the families recorded
FAMILY = re.compile(r"^(?:\d+ )?socket\((AF_[A-Z0-9]+|\d+),")
INSTALLED = re.compile(r"^seccomp\(SECCOMP_SET_MODE_FILTER, [^,]*, \{len=\d+.*\) = \d+$")


def programs(runtime):
    """(label, source, stdin) for every program recorded for a runtime."""
    ext = json.load(open(os.path.join(TOP, "rootfs", "runtimes", runtime + ".json")))["source_file"]
    ext = ext.rsplit(".", 1)[1]
    out = []
    for d in ("tests/lang/programs", "tests/lang/workloads"):
        for src in sorted(glob.glob(os.path.join(TOP, d, runtime, "*." + ext))):
            out.append((os.path.basename(src), src, None))
    for suite in ("hello", "stdlib"):
        for src in sorted(glob.glob(os.path.join(TOP, "rootfs", "tests", suite, "*." + ext))):
            stdin = os.path.join(TOP, "rootfs", "tests", suite, "stdin.txt")
            out.append(("%s/%s" % (suite, os.path.basename(src)), src, stdin))
    return out


def filter_start(lines):
    """Index of the first line after the process's seccomp filter went in."""
    start = 0
    for i, line in enumerate(lines):
        if INSTALLED.match(line):
            start = i + 1
    return start


def sandbox_lines(tracedir, coderunner):
    """Lines of every traced sandbox process, from its filter on."""
    traces = {}
    for f in glob.glob(os.path.join(tracedir, "t.*")):
        traces[f] = open(f, errors="replace").read().splitlines()
    setup = set()
    for lines in traces.values():
        # a process started before its parent's filter is set-up, not the
        # runtime: init's listener hand-over helper (src/sandbox/listener.c)
        for line in lines[:filter_start(lines)]:
            m = CHILD.match(line)
            if m:
                setup.add(m.group(1) or m.group(2))
    for f, lines in traces.items():
        if lines and lines[0].startswith('execve("%s", ' % (shutil.which(coderunner) or coderunner)):
            # coderunner itself, the one process strace started: not the
            # lowest pid once pids have wrapped around (a sandbox process
            # may start with an execve too: a compiler driver's vfork)
            continue
        if f.rsplit(".", 1)[1] in setup and not any(INSTALLED.match(line) for line in lines):
            continue
        yield from lines[filter_start(lines):]


def versions(coderunner, runtime):
    """The installed versions of a runtime, as the catalogue lists them."""
    p = subprocess.run([coderunner, "runtimes", "--json"], capture_output=True, check=True)
    found = [rt["version"] for rt in json.loads(p.stdout) if rt["id"] == runtime and rt["installed"]]
    if not found:
        sys.exit("seccomp-record: no installed version of %s (CODERUNNER_IMAGE_STORE?)" % runtime)
    return found


def record_one(coderunner, ref, label, src, stdin, profile, seen, families):
    tracedir = tempfile.mkdtemp(prefix="cr-record-")
    try:
        cmd = ["strace", "--pidns-translation", "-f", "-ff", "-qq", "-o", os.path.join(tracedir, "t"), coderunner, "run", "--lang",
               ref, "--file", src, "--json", "--wall-limit", "60", "--time-limit", "30"]
        if stdin:
            cmd += ["--stdin", stdin]
        cmd += ["--seccomp-profile", profile]
        p = subprocess.run(cmd, capture_output=True, timeout=600)
        status = json.loads(p.stdout).get("status", "?") if p.returncode == 0 else "exit %d" % p.returncode
        for line in sandbox_lines(tracedir, coderunner):
            m = LINE.match(line)
            if not m:
                continue
            name = m.group(1)
            r = RESULT.search(line)
            outcome = "ok" if r and not r.group(2) else (r.group(2) if r else "?")
            if name.startswith("syscall_0x") and outcome == "?":
                # a number strace cannot name in a task that died in the
                # call: read from a thread being torn down (seen once, Go
                # 1.19's workload, never again); no profile could name it
                print("%s: skipped %s of a dying task" % (label, name), file=sys.stderr)
                continue
            seen[name]["count"] += 1
            seen[name]["outcomes"][outcome] += 1
            seen[name]["programs"].add(label)
            f = FAMILY.match(line)
            if f:
                families[f.group(1)] += 1
        return status
    finally:
        shutil.rmtree(tracedir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--coderunner", default=os.environ.get("CODERUNNER", "coderunner"))
    ap.add_argument("--out", default=os.path.join(TOP, "seccomp", "evidence"))
    ap.add_argument("--profile", default=os.path.join(TOP, "seccomp", "default.profile"),
                    help="the profile to record under (default: seccomp/default.profile)")
    ap.add_argument("runtimes", nargs="*")
    a = ap.parse_args()
    runtimes = a.runtimes or sorted(os.path.basename(f)[:-5] for f in glob.glob(os.path.join(TOP, "rootfs", "runtimes", "*.json")))
    os.makedirs(a.out, exist_ok=True)
    for rt in runtimes:
        seen = collections.defaultdict(lambda: {"count": 0, "outcomes": collections.Counter(), "programs": set()})
        statuses = []
        families = collections.Counter()
        for version in versions(a.coderunner, rt):
            ref = "%s@%s" % (rt, version)
            for label, src, stdin in programs(rt):
                label = "%s@%s" % (label, version)
                statuses.append("%s: %s" % (label, record_one(a.coderunner, ref, label, src, stdin, a.profile, seen, families)))
        with open(os.path.join(a.out, rt + ".syscalls"), "w") as f:
            f.write("# %s: syscalls made inside the sandbox by its compiler and programs\n" % rt)
            f.write("# recorded by scripts/seccomp-record.py under %s\n" % os.path.relpath(a.profile, TOP))
            for s in statuses:
                f.write("#   %s\n" % s)
            if families:
                # read by seccomp-derive.py: socket is allowed for these families only
                f.write("# socket families: %s\n" % " ".join("%s:%d" % kv for kv in sorted(families.items())))
            f.write("# name count outcomes programs\n")
            for name in sorted(seen):
                e = seen[name]
                outcomes = ",".join("%s:%d" % kv for kv in sorted(e["outcomes"].items()))
                f.write("%-24s %8d  %-28s %s\n" % (name, e["count"], outcomes, " ".join(sorted(e["programs"]))))
        print("%s: %d syscalls; %s" % (rt, len(seen), "; ".join(statuses)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
