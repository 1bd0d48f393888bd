# SPDX-License-Identifier: MIT
"""`coderunner run --seccomp-profile` with either profile format (detected by
content): Docker's own default.json is enforced as Docker enforces it for a
container without capabilities, and our profile exported as OCI JSON is
enforced exactly as the original."""

import os
import signal
import subprocess

import pytest

SIGSYS = int(signal.SIGSYS)
SRCDIR = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
DOCKER = os.path.join(SRCDIR, "tests", "fixtures", "seccomp", "docker-default.json")


def test_docker_default_json_is_enforced(cr):
    r = cr.probe("syscall", "mount", "kexec_load", "ptrace", "clone3",
                 opts=["--seccomp-profile", DOCKER]).expect("OK")
    kv = r.kv()
    # Docker denies mount and kexec_load with EPERM (no kill list) ...
    assert kv["mount"].split()[0] == "EPERM", r.stdout
    assert kv["kexec_load"].split()[0] == "EPERM", r.stdout
    # ... answers clone3 with ENOSYS, and allows ptrace on kernels >= 4.8:
    # PTRACE_TRACEME then succeeds, where our default profile says EPERM.
    assert kv["clone3"].split()[0] == "ENOSYS", r.stdout
    assert kv["ptrace"].split()[0] == "0", r.stdout


def test_oci_export_enforces_the_same_policy(cr, tmp_path):
    exported = tmp_path / "default.json"
    with open(exported, "wb") as f:
        subprocess.run([cr.binary, "seccomp", "export", "default", "--format", "oci"], stdout=f,
                       check=True)
    r = cr.probe("syscall", "mount", "ptrace", "clone3", opts=["--seccomp-profile", str(exported)])
    kv = r.expect("OK").kv()
    assert kv["mount"].split()[0] == "EPERM"
    assert kv["ptrace"].split()[0] == "EPERM"
    assert kv["clone3"].split()[0] == "ENOSYS"
    r = cr.probe("syscall", "reboot", opts=["--seccomp-profile", str(exported)])
    r.expect("SECCOMP_VIOLATION", signal=SIGSYS)
    assert r["seccomp_syscall"]["name"] == "reboot", r.describe()


@pytest.mark.parametrize("text,message", [
    ('{"defaultAction": "SCMP_ACT_ALLOW"}', "profiles are allowlists"),
    ('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]}',
     "SCMP_ACT_NOTIFY"),
])
def test_unusable_json_profile_refused(cr, tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    r = cr.probe("syscall", "getpid", opts=["--seccomp-profile", str(path)])
    assert r.rc == 2, r.describe()  # bad usage: an invalid profile
    assert message.encode() in r.raw_stderr, r.describe()
