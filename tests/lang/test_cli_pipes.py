"""`coderunner run --lang` in shell pipelines, as users type it: the
program's input from a pipe, the source from a pipe (`--file -`) or from
process substitution (`/dev/fd/N`)."""
import json
import os
import subprocess

import pytest

CODERUNNER = os.environ.get("CODERUNNER", "coderunner")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")

DOUBLE_PY = "print(int(input()) * 2)\n"


def sh(script, *args, stdin=subprocess.DEVNULL):
    """Runs a bash script with $CR set to the binary under test."""
    env = dict(os.environ, CR=CODERUNNER)
    return subprocess.run(["/bin/bash", "-c", script, "bash", *args], env=env, stdin=stdin,
                          capture_output=True, timeout=120)


def test_piped_stdin_reaches_the_program(tmp_path):
    src = tmp_path / "d.py"
    src.write_text(DOUBLE_PY)
    p = sh('echo 21 | "$CR" run --lang python --file "$1"', str(src))
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"42\n"


def test_piped_stdin_reaches_a_compiled_program(tmp_path):
    src = tmp_path / "d.c"
    src.write_text('#include <stdio.h>\nint main(void) { int n; if (scanf("%d", &n) != 1) return 3;'
                   ' printf("%d\\n", 2 * n); return 0; }\n')
    p = sh('echo 21 | "$CR" run --lang c --file "$1" --json', str(src))
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["status"] == "OK", res
    assert res["stdout"] == "42\n"
    assert res["stdin_truncated"] is False


def test_source_from_process_substitution():
    p = sh('"$CR" run --lang python --file <(printf "print(6 * 7)\\n")')
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"42\n"


def test_source_from_stdin_dash():
    p = sh('printf "print(\'from stdin\')\\n" | "$CR" run --lang python --file -')
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"from stdin\n"


def test_source_from_stdin_with_input_from_a_file(tmp_path):
    data = tmp_path / "in.txt"
    data.write_text("5\n")
    p = sh('printf "%s" "$2" | "$CR" run --lang python --file - --stdin "$1"', str(data), DOUBLE_PY)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"10\n"


def test_source_from_a_directory_is_refused(tmp_path):
    p = sh('"$CR" run --lang python --file "$1"', str(tmp_path))
    assert p.returncode == 2
    assert p.stderr.decode().strip() == "coderunner run: source '%s' is a directory" % tmp_path
