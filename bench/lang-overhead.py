#!/usr/bin/python3
"""Hello-world latency per installed runtime version: `coderunner run --lang`
(full isolation and limits, compile + run) against the same compile + run done
bare with plain chroot into the same unpacked image. Prints medians and the sandbox's
overhead as a ratio. Numbers, not a test: run as root on a quiet machine.

usage: bench/lang-overhead.py [N]   (env: CODERUNNER, CODERUNNER_DATADIR,
                                     CODERUNNER_IMAGE_STORE as for tests/lang)"""
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CR = os.environ.get("CODERUNNER", os.path.join(TOP, "build/gcc/coderunner"))
PROGRAMS = os.path.join(TOP, "tests/lang/programs")
os.environ.setdefault("CODERUNNER_DATADIR", TOP)


def catalogue():
    """Every installed version: the runtime definition plus its version."""
    out = subprocess.run([CR, "runtimes", "--json"], capture_output=True, check=True).stdout
    rts = []
    for listed in json.loads(out):
        if not listed["installed"]:
            continue
        with open(os.path.join(TOP, "rootfs/runtimes", listed["id"] + ".json")) as f:
            rt = json.load(f)
        rt["version"] = listed["version"]
        rts.append(rt)
    return rts


def image_rootfs(rt):
    out = subprocess.run([CR, "images", "list", "--json"], capture_output=True, check=True).stdout
    for img in json.loads(out):
        if img["name"] == rt["image"] and img["version"] == rt["version"]:
            return img["rootfs"]
    raise SystemExit("image %s@%s not imported" % (rt["image"], rt["version"]))


def timed(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True)
    dt = (time.perf_counter() - t0) * 1000
    if p.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(cmd), p.stderr.decode(errors="replace")[-2000:]))
    return dt


def bare_script(rt, ext):
    """A shell command that compiles + runs hello with chroot in the image,
    whose /box, /proc, /tmp and /dev the caller has mounted (privately)."""
    env = " ".join(shlex.quote(k + "=" + v) for k, v in rt["env"].items())
    steps = []
    if rt["compile"]:
        steps.append(" ".join(map(shlex.quote, rt["compile"]["argv"])))
    steps.append(" ".join(map(shlex.quote, rt["run"]["argv"])))
    inner = "cd /box && " + " && ".join(steps)
    return "chroot --userspec=1000:1000 \"$ROOT\" /usr/bin/env -i %s /bin/sh -c %s >/dev/null" % (
        env, shlex.quote(inner))


def bench_bare(rt, ext, root):
    src = os.path.join(PROGRAMS, rt["id"], "hello." + ext)
    samples = []
    with tempfile.TemporaryDirectory() as box:
        os.chmod(box, 0o777)
        script = (
            "set -e; mount --bind %s \"$ROOT/box\"\n"
            "mount -t proc proc \"$ROOT/proc\"; mount -t tmpfs tmpfs \"$ROOT/tmp\"\n"
            "mount --bind /dev \"$ROOT/dev\"\n"
            "for i in $(seq %d); do\n"
            "  rm -rf %s/*; cp %s %s/%s; chmod 644 %s/%s\n"
            "  t0=$(date +%%s%%N); %s; t1=$(date +%%s%%N); echo $(( (t1 - t0) / 1000 ))\n"
            "done\n") % (box, N, box, shlex.quote(src), box, rt["source_file"], box, rt["source_file"],
                         bare_script(rt, ext))
        out = subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c", script],
                             env={**os.environ, "ROOT": root}, capture_output=True, check=True).stdout
        samples = [int(x) / 1000 for x in out.split()]
    return samples


def bench_sandbox(rt, ext):
    src = os.path.join(PROGRAMS, rt["id"], "hello." + ext)
    ref = "%s@%s" % (rt["id"], rt["version"])
    return [timed([CR, "run", "--lang", ref, "--file", src, "--json"]) for _ in range(N)]


def main():
    exts = {"c": "c", "cpp": "cpp", "csharp": "cs", "go": "go", "java": "java", "javascript": "js",
            "python": "py", "rust": "rs", "typescript": "ts"}
    rts = catalogue()
    print("hello world, median of %d runs (ms); coderunner = CLI end to end, full isolation" % N)
    print("%-11s %-11s %9s %11s %9s  %s" % ("runtime", "version", "bare", "coderunner", "overhead", "kind"))
    for rt in rts:
        rid = rt["id"]
        root = image_rootfs(rt)
        bare = statistics.median(bench_bare(rt, exts[rid], root))
        sb = statistics.median(bench_sandbox(rt, exts[rid]))
        print("%-11s %-11s %9.1f %11.1f %8.1f%%  %s" % (rid, rt["version"], bare, sb, (sb / bare - 1) * 100,
                                                       "compiled" if rt["compile"] else "interpreted"))


if __name__ == "__main__":
    main()
