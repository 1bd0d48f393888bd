#!/bin/bash
# The systemd VM tier (`make check-vm-systemd`): boots a small Debian guest
# with systemd as PID 1 under qemu (TCG, cgroup v2, no network), installs the
# package `make deb` built, and runs tests/vm/systemd/run-systemd-tests.sh
# there. The guest's root file system is built with mmdebstrap and cached
# outside the tree, keyed by its package list and this tier's files.
# Needs top_srcdir, top_builddir and DEB (the .deb).
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}" "${DEB:?}"
vm=$top_srcdir/tests/vm
cache=${CR_VM_CACHE:-/var/cache/coderunner/vm}
images=${CR_IMAGE_CACHE:-/var/cache/coderunner/images}
t0=$(date +%s)
msg() { echo "# check-vm-systemd: $*"; }

kdir=$("$vm/provision.sh" "$cache" | tail -n1)
kver=$(cat "$kdir/kver")
kernel=$kdir/vmlinuz
[ "$(cat "$kdir/boot-mode")" = pvh ] && [ -f "$kdir/vmlinux" ] && kernel=$kdir/vmlinux

# --- the guest's root file system (cached) ---------------------------------
# What the package depends on (without versions), what the checks use.
deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | grep -v '^$' | sort -u)
pkgs=$(printf '%s\n' $deps systemd systemd-sysv dbus util-linux procps curl python3-grpcio python3-protobuf \
        iproute2 | sort -u | paste -sd, -)
key=$( { echo "$pkgs"; cat "$vm/systemd/init"; } | sha256sum | cut -c1-16)
rootfs=$cache/systemd-rootfs-$key.cpio
if [ ! -f "$rootfs" ]; then
        msg "building the guest root file system (mmdebstrap; once per package list)"
        work=$(mktemp -d /var/tmp/cr-vm-rootfs.XXXXXX)
        trap 'rm -rf "$work"' EXIT
        mmdebstrap --variant=essential --include="$pkgs" --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
                --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata \
                --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
                --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
                bookworm "$work/root" >/dev/null 2>"$work/mmdebstrap.log" \
                || { cat "$work/mmdebstrap.log" >&2; exit 1; }
        r=$work/root
        install -m 0755 "$vm/systemd/init" "$r/init"
        echo crvm > "$r/etc/hostname"
        printf '127.0.0.1 localhost crvm\n::1 localhost\n' > "$r/etc/hosts"
        : > "$r/etc/machine-id"
        # nothing on the console but what the test prints; no getty, no network waits
        ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyS0.service"
        ln -sf /dev/null "$r/etc/systemd/system/getty@tty1.service"
        ln -sf /dev/null "$r/etc/systemd/system/systemd-networkd-wait-online.service"
        (cd "$r" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$rootfs.tmp"
        mv "$rootfs.tmp" "$rootfs"
        rm -rf "$work"
        trap - EXIT
        ls -1t "$cache"/systemd-rootfs-*.cpio | tail -n +3 | xargs -r rm -f
fi

# --- the payload: the package, an image, the client, the checks -----------
stage=$(mktemp -d /var/tmp/cr-vm-systemd.XXXXXX)
qpid=""
cleanup() { [ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true; rm -rf "$stage"; }
trap cleanup EXIT
p=$stage/root/payload
mkdir -p "$p/stubs" "$stage/root/etc/systemd/system/multi-user.target.wants"
cp "$DEB" "$p/coderunner.deb"
# One image: the version "python" resolves to by default (CODERUNNER_RUNTIME_DEFAULTS: trixie);
# the recipe builds one per suite.
"$top_srcdir/rootfs/build-all.sh" --cache "$images" python@trixie >/dev/null  # cached by recipe hash
python_dir=$("$top_srcdir/rootfs/build-all.sh" --cache "$images" --list python@trixie | awk '$1 == "python@trixie" {print $4}')
[ -f "$python_dir/python.tar.zst" ] || { msg "no python@trixie image in $images"; exit 1; }
cp "$python_dir/python.tar.zst" "$python_dir/python.manifest.json" "$p/"
protoc -I"$top_srcdir/proto" --python_out="$p/stubs" --grpc_python_out="$p/stubs" \
        --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin coderunner/v1/coderunner.proto
install -m 0755 "$vm/systemd/run-systemd-tests.sh" "$vm/systemd/client.py" "$p/"
install -m 0644 "$vm/systemd/cr-vm-test.service" "$stage/root/etc/systemd/system/"
ln -s ../cr-vm-test.service "$stage/root/etc/systemd/system/multi-user.target.wants/cr-vm-test.service"
(cd "$stage/root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$stage/payload.cpio"
cat "$rootfs" "$stage/payload.cpio" > "$stage/initrd"
mem=$(( ($(stat -c %s "$stage/initrd") >> 20) * 3 + 1024 ))

# --- boot --------------------------------------------------------------------
log=$stage/serial.log
timeout=${CR_VM_SYSTEMD_TIMEOUT:-900}
msg "booting: kernel $kver, initramfs $(( $(stat -c %s "$stage/initrd") >> 20 )) MiB, ${mem} MiB RAM (prep $(( $(date +%s) - t0 )) s)"
timeout -k 5 "$timeout" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m "$mem" -smp 2 \
        -nographic -monitor none -serial "file:$log" -nic none -no-reboot \
        -kernel "$kernel" -initrd "$stage/initrd" \
        -append "console=ttyS0,115200 panic=-1 rdinit=/init quiet loglevel=3 systemd.show_status=0 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 tsc=reliable no_timer_check" \
        </dev/null >"$stage/qemu.log" 2>&1 &
qpid=$!
set +e
wait "$qpid"
qrc=$?
set -e
qpid=""
tr -d '\r' < "$log" > "$log.clean"
grep -aE '^(not )?ok |^1\.\.[0-9]+|^# ' "$log.clean" || true
if ! grep -aq '^CR-VM-DONE rc=' "$log.clean"; then
        echo "Bail out! the guest ended without CR-VM-DONE (qemu rc=$qrc)"
        tail -n 60 "$log.clean" | sed 's/^/# | /'
        exit 1
fi
rc=$(sed -n 's/^CR-VM-DONE rc=\([0-9]*\)$/\1/p' "$log.clean" | tail -n1)
msg "guest rc=$rc, $(( $(date +%s) - t0 )) s in all"
exit "$rc"
