# SPDX-License-Identifier: MIT
# attack: mount, unshare and setns through ctypes, straight into libc
# expect: SECCOMP_VIOLATION
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

import ctypes
libc = ctypes.CDLL(None, use_errno=True)


def call(what, rc):
    verdict(rc != 0, what, os.strerror(ctypes.get_errno()))


trying("unshare")
call("unshare(CLONE_NEWUSER)", libc.unshare(0x10000000))
call("unshare(CLONE_NEWNS)", libc.unshare(0x00020000))
trying("mount")
call("mount a tmpfs", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
trying("chroot")
call("chroot /tmp", libc.chroot(b"/tmp"))
print("attack over")
