# SPDX-License-Identifier: MIT
# attack: other processes' environment, the supervisor's included, and the program's own
# expect: OK
# expect-default: OK
import os
import sys

P = dict(line.split("=", 1) for line in sys.stdin.read().split("\n") if "=" in line)


def verdict(failed, what, err=""):
    print(("HELD: %s (%s)" % (what, err)) if failed else "BROKEN: " + what, flush=True)


def attempt(what, fn, *args):
    """Calls fn; an OSError means the sandbox held."""
    try:
        fn(*args)
    except OSError as e:
        verdict(True, what, e.strerror)
        return
    verdict(False, what)


def trying(what):
    print("trying: " + what, flush=True)

for name, value in os.environ.items():
    print("own %s=%s" % (name, value))
pids = [p for p in os.listdir("/proc") if p.isdigit()]
for pid in pids:
    for what in ("environ", "cmdline"):
        try:
            with open("/proc/%s/%s" % (pid, what), "rb") as f:
                print(pid, what, f.read().replace(b"\0", b" ").decode(errors="replace"))
        except OSError as e:
            verdict(True, "read /proc/%s/%s" % (pid, what), e.strerror)
verdict(len(pids) < 8, "%d processes visible" % len(pids))
print("attack over")
