# SPDX-License-Identifier: MIT
# attack: a double-forked grandchild that ignores signals and outlives the program
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

import signal
import time
if os.fork() == 0:
    if os.fork() == 0:
        for s in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        os.close(1)
        os.close(2)
        while True:
            time.sleep(1)
    os._exit(0)
os.wait()
print("the grandchild runs on; the host checks it is gone")
print("attack over")
