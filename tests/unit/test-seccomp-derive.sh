#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Each shipped per-runtime profile is what scripts/seccomp-derive.py makes of
# the committed evidence (seccomp/evidence/*.syscalls): a profile edited by
# hand, or evidence committed without deriving again, fails here. TAP output.

set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

runtimes=$(cd "$top_srcdir/rootfs/runtimes" && ls -- *.json | sed 's/\.json$//')
echo "1..$(echo "$runtimes" | wc -l)"
n=0
failed=0
for rt in $runtimes; do
        n=$((n + 1))
        if ! /usr/bin/python3 "$top_srcdir/scripts/seccomp-derive.py" --out "$tmp" "$rt" >"$tmp/log" 2>&1; then
                echo "not ok $n - $rt: seccomp-derive.py failed"
                sed 's/^/# /' "$tmp/log"
                failed=$((failed + 1))
        elif cmp -s "$tmp/$rt.profile" "$top_srcdir/seccomp/$rt.profile"; then
                echo "ok $n - $rt.profile is derived from evidence/$rt.syscalls"
        else
                echo "not ok $n - $rt.profile differs from what its evidence derives"
                diff -u "$top_srcdir/seccomp/$rt.profile" "$tmp/$rt.profile" | head -40 | sed 's/^/# /'
                failed=$((failed + 1))
        fi
done
[ "$failed" -eq 0 ]
