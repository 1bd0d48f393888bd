#!/bin/sh
# SPDX-License-Identifier: MIT
#
# `coderunner doctor`: the exit status follows the report (1 exactly when an
# item FAILs), --json says the same as the text, bad usage exits 2. TAP.

set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
CODERUNNER="$top_builddir/coderunner"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..3"

"$CODERUNNER" doctor >"$tmp/text" 2>&1
rc=$?
fails=$(grep -c '^FAIL ' "$tmp/text")
items=$(grep -cE '^(OK|WARN|FAIL) ' "$tmp/text")
if [ "$items" -eq 9 ] && { [ "$fails" -gt 0 ] && [ "$rc" -eq 1 ] || [ "$fails" -eq 0 ] && [ "$rc" -eq 0 ]; } &&
        grep -Eq '^[0-9]+ OK, [0-9]+ WARN, [0-9]+ FAIL$' "$tmp/text"; then
        echo "ok 1 - doctor: $items items, $fails FAIL, exit $rc"
else
        echo "not ok 1 - doctor: $items items, $fails FAIL, exit $rc"
        sed 's/^/# /' "$tmp/text"
fi
sed 's/^/# /' "$tmp/text"

"$CODERUNNER" doctor --json >"$tmp/json"
jrc=$?
if /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
items = r["items"]
worst = max(items, key=lambda i: ["OK", "WARN", "FAIL"].index(i["status"]))["status"]
assert r["status"] == worst, r
assert len(items) == 9 and all(i["fix"] == "" for i in items if i["status"] == "OK"), items
assert all(i["fix"] for i in items if i["status"] != "OK"), items
sys.exit(int(sys.argv[2]) != (1 if worst == "FAIL" else 0))
' "$tmp/json" "$jrc"; then
        echo "ok 2 - doctor --json agrees with its exit status"
else
        echo "not ok 2 - doctor --json"
fi

"$CODERUNNER" doctor --frobnicate >/dev/null 2>&1
if [ $? -eq 2 ]; then echo "ok 3 - unknown argument: exit 2"; else echo "not ok 3 - unknown argument"; fi
