# SPDX-License-Identifier: MIT
# attack: flood stdout without end
# expect: OUTPUT_LIMIT
# expect-default: OUTPUT_LIMIT
# limits: --output-limit 65536
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

line = "x" * 4095 + "\n"
while True:
    sys.stdout.write(line)
