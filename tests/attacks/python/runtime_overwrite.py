# SPDX-License-Identifier: MIT
# attack: overwrite the interpreter, its standard library and the program itself
# expect: OK
# expect-default: OK
# host: image
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

import glob
targets = [sys.executable, os.path.realpath(sys.executable), os.__file__, "/proc/self/exe",
           os.path.abspath(sys.argv[0])] + glob.glob(os.path.dirname(os.__file__) + "/json/*.py")[:2]
for t in targets:
    attempt("open %s for writing" % t, lambda: open(t, "r+b"))
    attempt("replace %s" % t, lambda: os.rename(t, t + ".old"))
attempt("install into site-packages", lambda: open(os.path.dirname(os.__file__) + "/evil.py", "w"))
print("attack over")
