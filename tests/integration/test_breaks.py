# SPDX-License-Identifier: MIT
"""Regression tests for the breaks and leaks an outside attack suite found
(issue 9; docs/SECURITY.md, "Findings of the outside attack suite"). Each
test failed on the code before its fix."""

import json
import os
import subprocess
import sys
import threading
import time

from conftest import PROBE


# --------------------------------------- break 2: signals across the boundary

# The sentinel is a root process on the host that leads the session and the
# process group `coderunner run` runs in; it records every signal it gets.
SENTINEL = r"""
import json, os, signal, subprocess, sys
got = []
for s in (signal.SIGCONT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGTERM):
    signal.signal(s, lambda n, f: got.append(n))
argv = [a.replace("@PGID@", str(os.getpgrp())) for a in sys.argv[1:]]
p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
print(json.dumps({"got": got, "rc": p.returncode, "stdout": p.stdout.decode(),
                  "stderr": p.stderr.decode(), "pgid": os.getpgrp()}))
"""


def test_no_signal_leaves_the_sandbox(cr):
    argv = cr.argv([PROBE, "signals", "@PGID@"])
    out = subprocess.run([sys.executable, "-c", SENTINEL] + argv, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, timeout=60)
    assert out.returncode == 0, out
    res = json.loads(out.stdout)
    assert res["rc"] == 0, res
    run = json.loads(res["stdout"])
    assert run["status"] == "OK", res
    assert res["got"] == [], "the host-side sentinel received signals %s from the sandbox:\n%s" % (
        res["got"], run["stdout"])
    kv = dict(line.split("=", 1) for line in run["stdout"].splitlines())
    # its own session and process group, led by the sandbox's pid 1
    assert kv["sid"] == "1" and kv["pgrp"] == "1", run["stdout"]
    assert kv["kill(-%d,CONT)" % res["pgid"]] == "ESRCH", run["stdout"]


# ------------------------------------------------- side channels (seccomp)

def test_inotify_on_the_shared_image_refused(cr, rootfs):
    """The image is one tree shared by every job: a watch on one of its files
    would see other jobs' (here: the host's) reads of it."""
    stop = threading.Event()

    def read_image_file():
        while not stop.is_set():
            with open(os.path.join(rootfs, "bin", "busybox"), "rb") as f:
                f.read(1)
            time.sleep(0.02)

    reader = threading.Thread(target=read_image_file)
    reader.start()
    try:
        r = cr.probe("inotify", "/bin/busybox", 2, wall_limit=10).expect("OK")
    finally:
        stop.set()
        reader.join()
    kv = r.kv()
    assert kv["inotify"] == "EPERM", r.describe()
    assert "events" not in kv, r.describe()


def test_netlink_route_only(cr):
    # 0 ROUTE, 4 SOCK_DIAG, 9 AUDIT, 12 NETFILTER, 15 KOBJECT_UEVENT,
    # 16 GENERIC, 31 (unregistered: would make the host load a module)
    r = cr.probe("netlink", 0, 4, 9, 12, 15, 16, 31).expect("OK")
    kv = r.kv()
    assert kv["netlink_0"] == "0", r.describe()
    for proto in (4, 9, 12, 15, 16, 31):
        assert kv["netlink_%d" % proto] == "EPERM", r.describe()
