#!/bin/bash
# The kernel VM tier (`make check-vm`): boots Debian's kernel under qemu and
# runs the sandbox's cgroup tests in the guest, under cgroup v2 and under pure
# cgroup v1, and (in the v2 boot) the seccomp unit tests on a kernel with IA32
# emulation, which this host may lack. Needs top_srcdir / top_builddir (set by
# make).
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
vm="$top_srcdir/tests/vm"

payload=$(mktemp -d /var/tmp/cr-vm-payload.XXXXXX)
trap 'rm -rf "$payload"' EXIT

"$vm/add-binary.sh" "$top_builddir/coderunner" "$payload/sysroot" /usr/local/bin/coderunner >/dev/null
cp "$top_builddir/tests/unit/test-cgroup" "$payload/test-cgroup"
"$vm/add-binary.sh" "$top_builddir/tests/sandbox-loop" "$payload/sysroot" /usr/local/bin/sandbox-loop >/dev/null
"$vm/add-binary.sh" "$top_builddir/tests/unit/test-cgroup" "$payload/sysroot" /usr/local/bin/test-cgroup >/dev/null
"$top_srcdir/tests/integration/make-rootfs.sh" "$payload/rootfs" "$top_builddir/tests/probes/probe" >/dev/null
mkdir -p "$payload/seccomp"
cp "$top_srcdir/seccomp/default.profile" "$payload/seccomp/"
cp "$vm/payload/run-tests.sh" "$payload/run-tests.sh"

# test-seccomp opens profiles and fixtures by the source path compiled into
# it (SRCDIR, e.g. /src/build/gcc/../..). The guest mounts fresh tmpfs on /tmp
# and /run, which would hide a checkout there (a clone in /tmp), so they go in
# one staging directory, and run-tests.sh links SRCDIR to it at run time.
ts=$top_builddir/tests/unit/test-seccomp
"$vm/add-binary.sh" "$ts" "$payload/sysroot" /usr/local/bin/test-seccomp >/dev/null
ts_srcdir=$(grep -ao '/[[:graph:]]*/seccomp/default\.profile' "$ts" | head -n 1)
ts_srcdir=${ts_srcdir%/seccomp/default.profile}
[ -n "$ts_srcdir" ] || { echo "Bail out! no SRCDIR/seccomp/default.profile in $ts"; exit 1; }
stage=/usr/local/share/cr-test-srcdir
for d in seccomp tests/fixtures/seccomp tests/fuzz/corpus/seccomp-profile tests/fuzz/corpus/seccomp-oci; do
        mkdir -p "$payload/sysroot$stage/$d"
        cp -a "$top_srcdir/$d/." "$payload/sysroot$stage/$d/"
done
printf '%s\n' "$ts_srcdir" >"$payload/seccomp-srcdir"

kdir=$("$vm/provision.sh" | tail -n 1)
# The guest is where i386_abi_killed must run rather than skip (run-tests.sh
# fails on a skip there), so its kernel must run i386 system calls at all.
if ! grep -qx 'CONFIG_IA32_EMULATION=y' "$kdir/config"; then
        echo "Bail out! the VM kernel $(cat "$kdir/kver") has no CONFIG_IA32_EMULATION: the i386 ABI test cannot run in it"
        exit 1
fi
append=()
# 6.7+ kernels may build it in but switch it off by default.
if grep -qx 'CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y' "$kdir/config"; then
        append=(--append ia32_emulation=true)
fi

rc=0
for mode in v2 v1; do
        echo "# VM tier: cgroup $mode"
        start=$(date +%s.%N)
        "$vm/run-vm.sh" --mode "$mode" --payload "$payload" --timeout 240 "${append[@]}" || rc=1
        echo "# VM tier: cgroup $mode took $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo '?') s"
done
exit $rc
