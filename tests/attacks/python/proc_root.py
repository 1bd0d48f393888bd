# SPDX-License-Identifier: MIT
# attack: the host's files through /proc/1/root, /proc/self/root and .. chains
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

secret = P["secret_path"]
for path in ("/proc/1/root" + secret, "/proc/self/root/../../.." + secret, secret,
             "/proc/1/cwd/../../../.." + secret):
    try:
        with open(path) as f:
            print("read %s: %s" % (path, f.read()))  # the host checks no secret shows up
    except OSError as e:
        verdict(True, "read " + path, e.strerror)
pwned = "/proc/1/root" + os.path.dirname(P["canary_path"]) + "/pwned"
attempt("create a file in the host's directory", lambda: open(pwned, "w").write("x"))
attempt("truncate the host's canary", lambda: open("/proc/1/root" + P["canary_path"], "w"))
print("attack over")
