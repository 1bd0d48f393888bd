#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Replays each fuzz target's seed corpus through its fuzz-main.c build
# (fuzz-replay-T), so `make check` exercises every parser on every corpus
# file with whatever compiler and sanitizers the build uses. TAP output.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

targets="seccomp-profile seccomp-oci image-manifest catalog cgroup image-unpack funcmode value config image-layer oci-json rpc-request job-spec"
set -- $targets
echo "1..$#"

n=0
failed=0
for t in $targets; do
        n=$((n + 1))
        bin="$top_builddir/tests/fuzz/fuzz-replay-$t"
        dir="$top_srcdir/tests/fuzz/corpus/$t"
        if [ ! -x "$bin" ] || [ ! -d "$dir" ]; then
                echo "ok $n - replay $t # SKIP missing"
                continue
        fi
        if out=$("$bin" "$dir" 2>&1); then
                echo "ok $n - replay $t"
                printf '%s\n' "$out" | sed 's/^/# /'
        else
                echo "not ok $n - replay $t"
                printf '%s\n' "$out" | sed 's/^/# /'
                failed=$((failed + 1))
        fi
done

[ "$failed" -eq 0 ]
