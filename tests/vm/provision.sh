#!/usr/bin/env bash
# tests/vm/provision.sh [CACHE]
#
# Idempotently provisions a Debian 12 (bookworm) kernel for the VM test tier
# into CACHE (default: $CR_VM_CACHE or /var/cache/coderunner/vm):
#
#   CACHE/kernels/<pkg>_<version>/
#       vmlinuz            the bzImage from the .deb
#       vmlinux            uncompressed ELF extracted from vmlinuz (PVH boot)
#       config             the kernel's config
#       kver               kernel release (uname -r)
#       boot-mode          "pvh" (boot vmlinux) or "bzimage" (boot vmlinuz)
#       modules/*.ko       the wanted modules plus their dependencies (uncompressed)
#       modules.order      load order for insmod (dependencies first), one file name a line
#       READY              written last; its presence means the directory is complete
#   CACHE/current -> kernels/<pkg>_<version>
#
# Environment:
#   CR_VM_KERNEL_PKG   kernel package to use (default: the unsigned image that
#                      linux-image-amd64's candidate version depends on)
#   CR_VM_MODULES      space separated module names to keep (default below);
#                      dependencies are added automatically
#   CR_VM_OFFLINE=1    never touch apt; use CACHE/current if it is ready
#
# Prints the path of the provisioned kernel directory on stdout as its last line.
set -euo pipefail

CACHE=${1:-${CR_VM_CACHE:-/var/cache/coderunner/vm}}
DEFAULT_MODULES="9p 9pnet 9pnet_virtio overlay virtio_pci virtio_mmio virtio_blk virtio_console"
WANT_MODULES=${CR_VM_MODULES:-$DEFAULT_MODULES}
# Bump when the layout of a kernel directory changes, to force re-provisioning.
LAYOUT_VERSION=1

log() { echo "provision: $*" >&2; }
die() { echo "provision: ERROR: $*" >&2; exit 1; }

mkdir -p "$CACHE/kernels"
CACHE=$(cd "$CACHE" && pwd)

# Serialise concurrent provisioning runs.
exec 9>"$CACHE/.provision.lock"
flock 9

is_ready() { # DIR
    [ -f "$1/READY" ] && [ "$(cat "$1/READY")" = "layout=$LAYOUT_VERSION modules=$WANT_MODULES" ]
}

if [ "${CR_VM_OFFLINE:-0}" = 1 ]; then
    if [ -e "$CACHE/current" ] && is_ready "$CACHE/current"; then
        readlink -f "$CACHE/current"
        exit 0
    fi
    die "CR_VM_OFFLINE=1 but $CACHE/current is not provisioned"
fi

# --- host tools -----------------------------------------------------------
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
# busybox-static provides the statically linked /bin/busybox copied into guests.
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)
command -v xz >/dev/null || need_pkgs+=(xz-utils)
command -v zstd >/dev/null || need_pkgs+=(zstd)
command -v flock >/dev/null || need_pkgs+=(util-linux)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing host packages: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2 \
        || { apt-get update >&2 && apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2; } \
        || die "could not install ${need_pkgs[*]}"
fi

# --- which kernel package --------------------------------------------------
resolve_pkg() {
    local dep
    dep=$(apt-cache depends linux-image-amd64 2>/dev/null \
          | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$dep" ] && echo "${dep}-unsigned"
}
PKG=${CR_VM_KERNEL_PKG:-}
if [ -z "$PKG" ]; then
    PKG=$(resolve_pkg || true)
    if [ -z "$PKG" ]; then
        log "apt lists look empty; running apt-get update"
        apt-get update >&2 || true
        PKG=$(resolve_pkg || true)
    fi
fi
if [ -z "$PKG" ]; then
    if [ -e "$CACHE/current" ] && is_ready "$CACHE/current"; then
        log "cannot resolve the kernel package; using existing $(readlink "$CACHE/current")"
        readlink -f "$CACHE/current"
        exit 0
    fi
    die "cannot resolve the Debian kernel package (apt-cache depends linux-image-amd64)"
fi
VERSION=$(apt-cache show --no-all-versions "$PKG" 2>/dev/null | awk '/^Version:/ {print $2; exit}')
[ -n "$VERSION" ] || die "package $PKG not found in apt lists (try apt-get update)"
KEY="${PKG}_${VERSION}"
KDIR="$CACHE/kernels/$KEY"

if is_ready "$KDIR"; then
    ln -sfn "kernels/$KEY" "$CACHE/current"
    log "already provisioned: $KDIR ($(cat "$KDIR/boot-mode"))"
    echo "$KDIR"
    exit 0
fi

# --- download and extract -------------------------------------------------
t0=$(date +%s.%N)
WORK=$(mktemp -d "$CACHE/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
log "downloading $PKG=$VERSION"
(cd "$WORK" && apt-get download -o APT::Sandbox::User=root "$PKG=$VERSION" >&2) \
    || { apt-get update >&2; (cd "$WORK" && apt-get download -o APT::Sandbox::User=root "$PKG=$VERSION" >&2); } \
    || die "apt-get download $PKG=$VERSION failed"
DEB=$(ls "$WORK"/*.deb)
log "extracting $(basename "$DEB")"
mkdir "$WORK/x"
dpkg-deb -x "$DEB" "$WORK/x"
rm -f "$DEB"

VMLINUZ=$(ls "$WORK"/x/boot/vmlinuz-* | head -n1)
KVER=${VMLINUZ##*/vmlinuz-}
MODROOT="$WORK/x/lib/modules/$KVER"
[ -d "$MODROOT/kernel" ] || die "no modules for $KVER in the package"

NEW="$WORK/out"
mkdir -p "$NEW/modules"
cp "$VMLINUZ" "$NEW/vmlinuz"
cp "$WORK/x/boot/config-$KVER" "$NEW/config"
echo "$KVER" > "$NEW/kver"
echo "$PKG=$VERSION" > "$NEW/package"

# --- uncompressed vmlinux (scripts/extract-vmlinux logic) ---------------
# Find each compression signature inside the bzImage, decompress from there,
# and keep the first result that is an ELF image.
try_decompress() { # MAGIC(printf-escaped) DECOMPRESS-CMD...
    local magic=$1; shift
    local pos
    for pos in $(LC_ALL=C grep -aboP "$magic" "$NEW/vmlinuz" 2>/dev/null | cut -d: -f1); do
        tail -c+$((pos + 1)) "$NEW/vmlinuz" | "$@" > "$WORK/vmlinux.try" 2>/dev/null || true
        if [ "$(head -c4 "$WORK/vmlinux.try" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
            mv "$WORK/vmlinux.try" "$NEW/vmlinux"
            return 0
        fi
    done
    return 1
}
try_decompress '\xfd7zXZ\x00' xz -dc \
    || try_decompress '\x28\xb5\x2f\xfd' zstd -dc \
    || try_decompress '\x1f\x8b\x08' gzip -dc \
    || try_decompress '\x5d\x00\x00\x00' xz -dc --format=lzma \
    || try_decompress '\x02\x21\x4c\x18' lz4 -dc \
    || try_decompress 'BZh' bzip2 -dc \
    || log "WARNING: could not extract vmlinux from $VMLINUZ; will boot the bzImage"
rm -f "$WORK/vmlinux.try"

# --- modules: wanted set plus dependency closure, in load order ---------
declare -A MODPATH=()
while IFS= read -r f; do
    n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
    MODPATH[$n]=$f
done < <(find "$MODROOT/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')

declare -A BUILTIN=()
if [ -f "$MODROOT/modules.builtin" ]; then
    while IFS= read -r f; do
        n=${f##*/}; n=${n%.ko}; BUILTIN[${n//-/_}]=1
    done < "$MODROOT/modules.builtin"
fi

mod_plain() { # NAME -> path of uncompressed .ko in $NEW/modules
    local n=$1 src=${MODPATH[$1]} dst="$NEW/modules/$1.ko"
    case "$src" in
        *.ko.xz)  xz -dc "$src" > "$dst" ;;
        *.ko.zst) zstd -qdc "$src" > "$dst" ;;
        *.ko.gz)  gzip -dc "$src" > "$dst" ;;
        *)        cp "$src" "$dst" ;;
    esac
}

declare -A STATE=()
ORDER=()
visit() { # NAME
    local n=${1//-/_} deps d
    [ "${STATE[$n]:-}" = "done" ] && return 0
    [ "${STATE[$n]:-}" = busy ] && die "module dependency cycle at $n"
    if [ -z "${MODPATH[$n]:-}" ]; then
        [ -n "${BUILTIN[$n]:-}" ] && { STATE[$n]="done"; return 0; }
        die "module $n not found in $PKG"
    fi
    STATE[$n]=busy
    mod_plain "$n"
    deps=$(tr '\0' '\n' < "$NEW/modules/$n.ko" | sed -n 's/^depends=//p' | head -n1)
    for d in ${deps//,/ }; do visit "$d"; done
    STATE[$n]="done"
    ORDER+=("$n.ko")
}
for m in $WANT_MODULES; do visit "$m"; done
printf '%s\n' "${ORDER[@]}" > "$NEW/modules.order"
rm -rf "$WORK/x"

# --- test boot: does the PVH entry of vmlinux work under TCG? -------------
BB=/bin/busybox
tb="$WORK/tb"
mkdir -p "$tb/root/bin" "$tb/root/proc"
cp "$BB" "$tb/root/bin/busybox"
ln -s busybox "$tb/root/bin/sh"
cat > "$tb/root/init" <<'EOF'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
echo "CR-PROVISION-BOOT-OK $(/bin/busybox cut -d' ' -f1 /proc/uptime)"
/bin/busybox poweroff -f
EOF
chmod 755 "$tb/root/init"
(cd "$tb/root" && find . | "$BB" cpio -o -H newc -R 0:0 2>/dev/null) > "$tb/initrd"

test_boot() { # KERNEL -> prints seconds on success
    local k=$1 s e
    s=$(date +%s.%N)
    timeout -k 5 120 qemu-system-x86_64 -machine q35 -m 256 -smp 1 -nic none \
        -nographic -monitor none -serial "file:$tb/serial" -no-reboot \
        -kernel "$k" -initrd "$tb/initrd" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1" </dev/null >"$tb/qemu.out" 2>&1 || true
    e=$(date +%s.%N)
    grep -aq CR-PROVISION-BOOT-OK "$tb/serial" || return 1
    awk -v s="$s" -v e="$e" 'BEGIN {printf "%.2f\n", e - s}'
}

MODE=bzimage
if [ -f "$NEW/vmlinux" ]; then
    if secs=$(test_boot "$NEW/vmlinux"); then
        MODE=pvh
        log "PVH boot of vmlinux works (${secs}s to poweroff)"
    else
        log "WARNING: PVH boot of vmlinux failed; falling back to bzImage"
        sed 's/^/provision:   | /' "$tb/serial" "$tb/qemu.out" >&2 || true
        rm -f "$NEW/vmlinux"
    fi
fi
if [ "$MODE" = bzimage ]; then
    secs=$(test_boot "$NEW/vmlinuz") || {
        sed 's/^/provision:   | /' "$tb/serial" "$tb/qemu.out" >&2 || true
        die "test boot of the bzImage failed too"
    }
    log "bzImage boot works (${secs}s to poweroff)"
fi
echo "$MODE" > "$NEW/boot-mode"
echo "$secs" > "$NEW/test-boot-seconds"
echo "layout=$LAYOUT_VERSION modules=$WANT_MODULES" > "$NEW/READY"

# --- publish --------------------------------------------------------------
rm -rf "$KDIR"
mv "$NEW" "$KDIR"
ln -sfn "kernels/$KEY" "$CACHE/current"
# Keep only the current kernel.
for d in "$CACHE"/kernels/*; do
    [ "$d" = "$KDIR" ] || rm -rf "$d"
done
t1=$(date +%s.%N)
log "provisioned $KEY ($KVER, boot-mode=$MODE, ${#ORDER[@]} modules) in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')s"
echo "$KDIR"
