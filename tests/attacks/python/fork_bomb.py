# SPDX-License-Identifier: MIT
# attack: fork bomb through os.fork
# expect: OK
# expect-default: OK
# limits: --pids-limit 48
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

import time
n = 0
while n < 10000:
    try:
        pid = os.fork()
    except OSError as e:
        verdict(True, "fork without end, stopped after %d" % n, e.strerror)
        break
    if pid == 0:
        time.sleep(1000)
        os._exit(0)
    n += 1
else:
    verdict(False, "forked 10000 processes")
print("attack over")
