#!/usr/bin/env bash
# tests/vm/check-vm-smoke.sh [MODE...]
#
# Provisions the VM kernel (idempotent) and runs the busybox-only smoke payload
# (tests/vm/smoke) in each MODE (default: v2 v1). Prints the guests' TAP, a
# timing line per mode, and a closing "vm-smoke: N passed, N failed" line.
# Exit status: 0 when every mode passed, else the first failing mode's status.
# Environment: CR_VM_CACHE (cache dir), CR_VM_SMOKE_TIMEOUT (guest timeout, 300).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CR_VM_CACHE:-/var/cache/coderunner/vm}
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(v2 v1)

"$HERE/provision.sh" "$CACHE" >/dev/null || { echo "vm-smoke: provisioning failed" >&2; exit 1; }

passed=0 failed=0 status=0
for mode in "${MODES[@]}"; do
    out=$(mktemp)
    s=$(date +%s.%N)
    "$HERE/run-vm.sh" --mode "$mode" --payload "$HERE/smoke" --kernel-cache "$CACHE" \
        --timeout "${CR_VM_SMOKE_TIMEOUT:-300}" | tee "$out"
    rc=${PIPESTATUS[0]}
    e=$(date +%s.%N)
    p=$(grep -c '^ok ' "$out")
    f=$(grep -c '^not ok ' "$out")
    plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$out" | tail -n1)
    rm -f "$out"
    if [ "$rc" = 0 ] && [ "$f" = 0 ] && [ -n "$plan" ] && [ "$plan" = "$p" ]; then
        echo "# vm-smoke: mode $mode passed ($p tests, $(awk -v a="$s" -v b="$e" 'BEGIN {printf "%.1f", b - a}')s)"
    else
        echo "# vm-smoke: mode $mode FAILED (rc=$rc, $p ok, $f not ok, plan ${plan:-missing})"
        [ "$f" -gt 0 ] || f=1   # count a crashed or incomplete run as a failure
        if [ "$status" = 0 ]; then
            if [ "$rc" = 0 ]; then status=1; else status=$rc; fi
        fi
    fi
    passed=$((passed + p)); failed=$((failed + f))
done
echo "vm-smoke: $passed passed, $failed failed"
exit "$status"
