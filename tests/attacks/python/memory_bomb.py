# SPDX-License-Identifier: MIT
# attack: grow a list of strings without end
# expect: MEMORY_LIMIT
# expect-default: MEMORY_LIMIT
# limits: --memory-limit 64M
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

hog = []
while True:
    hog.append(bytearray(1 << 20))
