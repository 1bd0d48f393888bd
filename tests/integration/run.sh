#!/bin/sh
# SPDX-License-Identifier: MIT
# Integration tier: builds the test rootfs in a temporary directory, then runs
# the pytest suite in tests/integration against the built binaries.
#
#   tests/integration/run.sh [PYTEST-ARGS...]     (or: make check-integration)
#
# Paths (environment, all optional):
#   top_srcdir      source tree            default: two levels above this script
#   top_builddir    build tree             default: $PWD if it has a Makefile or
#                                          coderunner, else $top_srcdir
#   CODERUNNER      binary under test      default: $top_builddir/coderunner
#   CR_SANDBOX_LOOP                        default: $top_builddir/tests/sandbox-loop
#   CR_PROBE        static probe           default: $top_builddir/tests/probes/probe,
#                                          compiled here if missing
#   CODERUNNER_DATADIR                     default: $top_srcdir
#   BUSYBOX         static busybox         default: /bin/busybox
#   PYTHON          interpreter with pytest default: /usr/bin/python3
#
# Exits non-zero when any test fails; removes everything it created, even on
# failure or interrupt. Tests are skipped (not failed) only when not root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
    if [ -f "$PWD/Makefile" ] || [ -x "$PWD/coderunner" ]; then
        top_builddir=$PWD
    else
        top_builddir=$top_srcdir
    fi
fi
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}

CODERUNNER=${CODERUNNER:-$top_builddir/coderunner}
CR_SANDBOX_LOOP=${CR_SANDBOX_LOOP:-$top_builddir/tests/sandbox-loop}
CODERUNNER_DATADIR=${CODERUNNER_DATADIR:-$top_srcdir}
probe=${CR_PROBE:-$top_builddir/tests/probes/probe}

tmp=
# shellcheck disable=SC2317  # invoked through trap
cleanup() {
    rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$tmp" ] && [ -d "$tmp" ]; then
        # Never recurse into something mounted there (a leaked bind mount
        # would be a bug worth seeing, and rm must not cross into it).
        if awk -v t="$tmp" '$5 == t || index($5, t "/") == 1 { found = 1 } END { exit !found }' \
               /proc/self/mountinfo; then
            echo "run.sh: mounts left under $tmp, not removing it:" >&2
            awk -v t="$tmp" '$5 == t || index($5, t "/") == 1 { print "  " $5 }' /proc/self/mountinfo >&2
            rc=1
        else
            rm -rf "$tmp"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

base=${TMPDIR:-/var/tmp}
[ -d "$base" ] && [ -w "$base" ] || base=/var/tmp
tmp=$(mktemp -d "$base/cr-integration.XXXXXX")
# The sandbox's unprivileged uid must be able to traverse to the rootfs.
chmod 0755 "$tmp"

if [ ! -x "$probe" ]; then
    echo "run.sh: $probe not built; compiling the probe into $tmp" >&2
    ${CC:-cc} -static -O1 -Wall -Wextra -Werror -o "$tmp/probe" "$top_srcdir/tests/probes/probe.c"
    probe=$tmp/probe
fi

CR_TEST_ROOTFS=$tmp/rootfs
sh "$here/make-rootfs.sh" "$CR_TEST_ROOTFS" "$probe"

for f in "$CODERUNNER" "$CR_SANDBOX_LOOP"; do
    [ -x "$f" ] || echo "run.sh: warning: $f is not built; the tests that need it will fail" >&2
done
if ! "$PYTHON" -c 'import pytest' 2>/dev/null; then
    echo "run.sh: $PYTHON has no pytest (apt-get install python3-pytest)" >&2
    exit 1
fi

export CODERUNNER CR_SANDBOX_LOOP CODERUNNER_DATADIR CR_TEST_ROOTFS
export PYTHONDONTWRITEBYTECODE=1
echo "run.sh: CODERUNNER=$CODERUNNER CR_TEST_ROOTFS=$CR_TEST_ROOTFS" >&2

# Not exec: the EXIT trap must run after pytest. pytest's own files (tmp_path,
# no cache) stay inside $tmp too.
set +e
cd "$top_srcdir"
"$PYTHON" -m pytest -v -p no:cacheprovider --basetemp="$tmp/pytest" \
    "$top_srcdir/tests/integration" "$@"
rc=$?
set -e
exit $rc
