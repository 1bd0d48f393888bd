# SPDX-License-Identifier: MIT
"""`coderunner run` as a user runs it from a shell: a binary straight from its
build tree, stdin from pipes, files and terminals, and error lines that say
what went wrong without stray system text."""

import json
import os
import pty
import select
import shutil
import subprocess
import time

import pytest

SRCDIR = os.path.realpath(os.environ.get("CODERUNNER_DATADIR", "."))


def env_without_datadir():
    env = dict(os.environ)
    env.pop("CODERUNNER_DATADIR", None)
    return env


def data_line(binary, env):
    out = subprocess.run([binary, "--version"], env=env, capture_output=True, check=True).stdout.decode()
    lines = [l for l in out.splitlines() if l.startswith("data: ")]
    assert len(lines) == 1, out
    return lines[0][len("data: "):]


def cr_run(coderunner_bin, rootfs, program, opts=(), **kw):
    argv = [coderunner_bin, "run", "--rootfs", rootfs, "--env", "PATH=/bin", *opts, "--", *program]
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 60)
    return subprocess.run(argv, **kw)


# ------------------------------------------------------------ uninstalled build

def test_build_tree_binary_finds_the_source_tree(coderunner_bin, rootfs):
    env = env_without_datadir()
    assert data_line(coderunner_bin, env) == SRCDIR + " (source tree: running from the build tree)"
    p = cr_run(coderunner_bin, rootfs, ["/bin/true"], env=env, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr


def test_installed_copy_uses_installed_paths(coderunner_bin, rootfs, tmp_path):
    copy = tmp_path / "coderunner"
    shutil.copy2(coderunner_bin, copy)
    env = env_without_datadir()
    line = data_line(str(copy), env)
    assert line.endswith(" (installed)"), line
    datadir = line[:-len(" (installed)")]
    assert not datadir.startswith(SRCDIR)
    p = cr_run(str(copy), rootfs, ["/bin/true"], env=env, stdin=subprocess.DEVNULL)
    profile = os.path.join(datadir, "seccomp", "default.profile")
    if os.path.exists(profile):  # an installed CodeRunner on this host
        assert p.returncode == 0, p.stderr
    else:
        assert p.returncode == 2, p.stderr
        assert profile.encode() in p.stderr, p.stderr


def test_datadir_variable_wins(coderunner_bin):
    env = dict(os.environ, CODERUNNER_DATADIR="/nonexistent/tree")
    assert data_line(coderunner_bin, env) == "/nonexistent/tree (CODERUNNER_DATADIR)"


# ------------------------------------------------------------------- stdin

def test_pipe_is_passed_like_docker_run_i(coderunner_bin, rootfs):
    p = subprocess.run(["/bin/bash", "-c", 'printf "a\\nb\\n" | "$0" run --rootfs "$1" -- /bin/cat',
                        coderunner_bin, rootfs], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"a\nb\n"


def test_pipe_is_streamed_while_the_program_runs(coderunner_bin, rootfs):
    """The program answers a line before the input ends: stdin is not read
    to EOF first."""
    p = subprocess.Popen([coderunner_bin, "run", "--rootfs", rootfs, "--", "/bin/sh", "-c",
                          "read a; echo got-$a; read b; echo got-$b"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        p.stdin.write(b"one\n")
        p.stdin.flush()
        ready, _, _ = select.select([p.stdout], [], [], 30)
        assert ready, "no output while stdin was still open"
        assert p.stdout.readline() == b"got-one\n"
        out, err = p.communicate(b"two\n", timeout=30)
        assert out == b"got-two\n", err
        assert p.returncode == 0, err
    finally:
        p.kill()
        p.wait()


def test_open_pipe_nobody_writes_does_not_hold_the_run(coderunner_bin, rootfs):
    """A program that never reads stdin ends although the pipe's writer never
    closes it (a CI runner's stdin, an ssh session)."""
    r, w = os.pipe()
    try:
        p = subprocess.Popen([coderunner_bin, "run", "--rootfs", rootfs, "--", "/bin/echo", "done"],
                             stdin=r, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert out == b"done\n"
    finally:
        os.close(r)
        os.close(w)


def test_regular_file_on_stdin(coderunner_bin, rootfs, tmp_path):
    f = tmp_path / "in.txt"
    f.write_bytes(b"from a file\x00binary\n")
    with open(f, "rb") as stdin:
        p = cr_run(coderunner_bin, rootfs, ["/bin/cat"], stdin=stdin)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"from a file\x00binary\n"


def test_terminal_stdin_is_not_consumed(coderunner_bin, rootfs):
    """Like `docker run` without -i: a terminal stays the user's; the program
    sees an empty stdin instead of waiting for keys."""
    master, slave = pty.openpty()
    try:
        p = cr_run(coderunner_bin, rootfs, ["/bin/cat"], stdin=slave)
    finally:
        os.close(slave)
        os.close(master)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b""


def test_stdin_file_option_wins_over_a_pipe(coderunner_bin, rootfs, tmp_path):
    f = tmp_path / "in.txt"
    f.write_bytes(b"option\n")
    p = cr_run(coderunner_bin, rootfs, ["/bin/cat"], opts=["--stdin", str(f)], input=b"pipe\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"option\n"


def test_piped_stdin_is_cut_at_the_input_limit(coderunner_bin, rootfs):
    p = subprocess.run(["/bin/bash", "-c",
                        'head -c 100000 /dev/zero | "$0" run --rootfs "$1" --input-limit 1000 --json '
                        '-- /bin/wc -c', coderunner_bin, rootfs], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["status"] == "OK"
    assert res["stdout"].strip() == "1000"
    assert res["stdin_truncated"] is True


def test_file_on_stdin_over_the_input_limit_is_refused(coderunner_bin, rootfs, tmp_path):
    f = tmp_path / "big"
    f.write_bytes(b"x" * 5000)
    with open(f, "rb") as stdin:
        p = cr_run(coderunner_bin, rootfs, ["/bin/true"], opts=["--input-limit", "1000"], stdin=stdin)
    assert p.returncode == 2
    assert b"stdin is larger than the input limit (1000 bytes" in p.stderr, p.stderr


# ------------------------------------------------------------------- errors

def test_unknown_language_error_has_no_errno_text(coderunner_bin, tmp_path):
    src = tmp_path / "x.py"
    src.write_text("print(1)\n")
    p = subprocess.run([coderunner_bin, "run", "--lang", "nosuch", "--file", str(src)],
                       capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 2
    # the catalogue names what is installed (the test rootfs catalogue: the
    # nine runtimes), and nothing of strerror follows
    assert p.stderr.decode().strip() == \
        "coderunner run: unknown language 'nosuch'; known runtimes: " \
        "c, cpp, csharp, go, java, javascript, python, rust, typescript"


def test_system_errors_keep_their_reason(coderunner_bin, rootfs):
    p = cr_run(coderunner_bin, rootfs, ["/bin/true"], opts=["--stdin", "/nonexistent/input"],
               stdin=subprocess.DEVNULL)
    assert p.returncode == 2
    assert p.stderr.decode().strip() == \
        "coderunner run: cannot open stdin file '/nonexistent/input': No such file or directory"
