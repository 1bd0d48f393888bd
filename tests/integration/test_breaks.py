# SPDX-License-Identifier: MIT
"""Regression tests for the breaks and leaks an outside attack suite found
(issue 9; docs/SECURITY.md, "Findings of the outside attack suite"). Each
test failed on the code before its fix."""

import os
import threading
import time


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
