# SPDX-License-Identifier: MIT
# attack: connect to the host's loopback listener and abstract unix socket
# expect: SECCOMP_VIOLATION
# expect-default: OK
# host: listener
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

trying("import socket, socket")
import socket  # noqa: E402
for family, addr in ((socket.AF_INET, ("127.0.0.1", int(P["port"]))), (socket.AF_INET6, ("::1", int(P["port"]))),
                     (socket.AF_UNIX, "\0" + P["abstract"])):
    s = socket.socket(family, socket.SOCK_STREAM)
    attempt("connect to %r" % (addr,), s.connect, addr)
    s.close()
print("attack over")
