#!/bin/bash
# The kernel VM tier (`make check-vm`): boots Debian's kernel under qemu and
# runs the sandbox's cgroup tests in the guest, under cgroup v2 and under pure
# cgroup v1. Needs top_srcdir / top_builddir (set by make).
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
vm="$top_srcdir/tests/vm"

payload=$(mktemp -d /var/tmp/cr-vm-payload.XXXXXX)
trap 'rm -rf "$payload"' EXIT

"$vm/add-binary.sh" "$top_builddir/coderunner" "$payload/sysroot" /usr/local/bin/coderunner >/dev/null
cp "$top_builddir/tests/unit/test-cgroup" "$payload/test-cgroup"
"$vm/add-binary.sh" "$top_builddir/tests/unit/test-cgroup" "$payload/sysroot" /usr/local/bin/test-cgroup >/dev/null
"$top_srcdir/tests/integration/make-rootfs.sh" "$payload/rootfs" "$top_builddir/tests/probes/probe" >/dev/null
mkdir -p "$payload/seccomp"
cp "$top_srcdir/seccomp/default.profile" "$payload/seccomp/"
cp "$vm/payload/run-tests.sh" "$payload/run-tests.sh"

"$vm/provision.sh" >/dev/null
rc=0
for mode in v2 v1; do
        echo "# VM tier: cgroup $mode"
        start=$(date +%s.%N)
        "$vm/run-vm.sh" --mode "$mode" --payload "$payload" --timeout 240 || rc=1
        echo "# VM tier: cgroup $mode took $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo '?') s"
done
exit $rc
