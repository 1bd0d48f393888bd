#!/usr/bin/env bash
# tests/vm/run-vm.sh --mode v2|v1|hybrid --payload DIR [options]
#
# Boots the provisioned Debian kernel under qemu (TCG, no network) with an
# initramfs holding static busybox, tests/vm/guest-init.sh as /init, the
# kernel modules from provisioning, and DIR copied to /payload. The guest sets
# up the requested cgroup layout and runs /payload/run-tests.sh; its TAP output
# is re-emitted on stdout. Exit status = the guest script's exit status.
#
# Payload conventions:
#   DIR/run-tests.sh   required; run as /payload/run-tests.sh with cwd /payload,
#                      stdin /dev/null, stdout+stderr on the serial console.
#                      Env: CR_VM=1 CR_VM_MODE=v2|v1|hybrid CR_VM_TIMEOUT=S
#   DIR/sysroot/       optional; merged into the guest's / (not copied to
#                      /payload/sysroot). Use tests/vm/add-binary.sh BIN DIR/sysroot
#                      to place a dynamically linked binary and its libraries.
#   everything else    available under /payload (owner root, modes preserved)
# The guest's / is a writable tmpfs (not the initramfs, so pivot_root works),
# with busybox applets in /bin, /sbin, /usr/bin, /usr/sbin; no network but lo.
#
# Options:
#   --mode M            v2 (pure cgroup2, cgroup_no_v1=all), v1 (pure v1: tmpfs
#                       at /sys/fs/cgroup + one hierarchy per controller), or
#                       hybrid (v1 + empty cgroup2 at /sys/fs/cgroup/unified)
#   --payload DIR       payload directory (required)
#   --timeout S         guest-side limit for run-tests.sh (default 600); the host
#                       kills qemu at S + 120 s
#   --kernel-cache DIR  provisioning cache (default $CR_VM_CACHE or
#                       /var/cache/coderunner/vm), or one kernel dir inside it
#   --mem MB            guest memory (default 1024; raised automatically to
#                       2 x initramfs + 768 MiB for big payloads)
#   --smp N             guest CPUs (default 2)
#   --v1-layout L       systemd (cpu,cpuacct co-mounted; default) or split
#   --modules LIST      modules to load at boot: auto (default: the 9p stack
#                       only with --share) | all | none | comma separated names.
#                       Others load on demand (mount -t overlay, modprobe NAME).
#   --share DIR         export host DIR to the guest read-write via 9p at /mnt/host
#   --append ARGS       extra kernel command line
#   --qemu-opt ARG      extra qemu argument (repeatable), e.g. --qemu-opt -d --qemu-opt guest_errors
#   --log FILE          keep the raw serial log in FILE
#   --verbose           no "quiet": full kernel log on the console, all guest
#                       output echoed (not only TAP)
#   --debug             guest prints dmesg at the end even on success
#
# Exit status: guest rc; 2 usage; 124 timeout (host or guest side);
#              125 VM failure (kernel panic, no sentinel, qemu error).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Bump when the base initramfs layout changes.
BASE_FORMAT=3

MODE="" PAYLOAD="" TIMEOUT=600 KCACHE=${CR_VM_CACHE:-/var/cache/coderunner/vm}
MEM=1024 SMP=2 V1LAYOUT=systemd MODULES=auto SHARE="" APPEND="" KEEPLOG="" VERBOSE=0 DEBUG=0
HOST_MARGIN=${CR_VM_HOST_MARGIN:-120}
QUSER=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
msg() { echo "run-vm: $*" >&2; }
die() { echo "run-vm: ERROR: $*" >&2; exit "${2:-125}"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --mode) MODE=${2:?}; shift 2 ;;
        --payload) PAYLOAD=${2:?}; shift 2 ;;
        --timeout) TIMEOUT=${2:?}; shift 2 ;;
        --kernel-cache) KCACHE=${2:?}; shift 2 ;;
        --mem) MEM=${2:?}; shift 2 ;;
        --smp) SMP=${2:?}; shift 2 ;;
        --v1-layout) V1LAYOUT=${2:?}; shift 2 ;;
        --modules) MODULES=${2:?}; shift 2 ;;
        --share) SHARE=${2:?}; shift 2 ;;
        --append) APPEND=${2:?}; shift 2 ;;
        --qemu-opt) QUSER+=("${2:?}"); shift 2 ;;
        --log) KEEPLOG=${2:?}; shift 2 ;;
        --verbose) VERBOSE=1; shift ;;
        --debug) DEBUG=1; shift ;;
        -h|--help) usage ;;
        *) echo "run-vm: unknown argument: $1" >&2; usage ;;
    esac
done
case "$MODE" in v2|v1|hybrid) ;; *) echo "run-vm: --mode v2|v1|hybrid is required" >&2; usage ;; esac
case "$V1LAYOUT" in systemd|split) ;; *) die "--v1-layout must be systemd or split" 2 ;; esac
[ -n "$PAYLOAD" ] || { echo "run-vm: --payload DIR is required" >&2; usage; }
[ -d "$PAYLOAD" ] || die "payload $PAYLOAD is not a directory" 2
[ -f "$PAYLOAD/run-tests.sh" ] || die "payload $PAYLOAD has no run-tests.sh" 2
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout must be whole seconds" 2
[ -z "$SHARE" ] || [ -d "$SHARE" ] || die "--share $SHARE is not a directory" 2
PAYLOAD=$(cd "$PAYLOAD" && pwd)

T_START=$(date +%s.%N)
elapsed() { awk -v a="$T_START" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}'; }

# --- kernel ---------------------------------------------------------------
if [ -f "$KCACHE/READY" ]; then            # one kernel directory
    KDIR=$(cd "$KCACHE" && pwd)
    CACHE_ROOT=$KDIR
else                                       # a provisioning cache
    if [ ! -f "$KCACHE/current/READY" ]; then
        msg "no provisioned kernel in $KCACHE; running provision.sh"
        "$HERE/provision.sh" "$KCACHE" >/dev/null || die "provisioning failed"
    fi
    KDIR=$(readlink -f "$KCACHE/current")
    CACHE_ROOT=$(cd "$KCACHE" && pwd)
fi
KVER=$(cat "$KDIR/kver")
if [ "$(cat "$KDIR/boot-mode")" = pvh ] && [ -f "$KDIR/vmlinux" ]; then
    KERNEL=$KDIR/vmlinux
else
    KERNEL=$KDIR/vmlinuz
fi
IRDIR=${CR_VM_INITRAMFS_CACHE:-$CACHE_ROOT/initramfs}
mkdir -p "$IRDIR"

BB=/bin/busybox
[ -x "$BB" ] || die "$BB missing (apt-get install busybox-static)"

# --- initramfs: base part (busybox, /init, modules) -------------------------
sha() { sha256sum | cut -c1-16; }
base_hash=$( { echo "format=$BASE_FORMAT kver=$KVER"; sha256sum "$BB" "$HERE/guest-init.sh" \
                 "$KDIR"/modules.order "$KDIR"/modules/*.ko | cut -d' ' -f1; } | sha)
BASE=$IRDIR/base-$base_hash.cpio

build_cpio() { # SRC-DIR OUT
    local tmp
    tmp=$(mktemp "$2.XXXXXX")
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | "$BB" cpio -o -H newc -R 0:0 2>/dev/null) > "$tmp"
    mv -f "$tmp" "$2"
}

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/cr-vm.XXXXXX")
QPID=""
TAILPID=""
cleanup() {
    [ -n "$QPID" ] && kill "$QPID" 2>/dev/null || true
    [ -n "$TAILPID" ] && kill "$TAILPID" 2>/dev/null || true
    rm -rf "$STAGE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -f "$BASE" ]; then
    r=$STAGE/base
    mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,mnt,root,var/tmp,payload}
    mkdir -p "$r/lib/modules/$KVER"
    cp "$BB" "$r/bin/busybox"
    for a in $("$BB" --list-full); do
        [ -e "$r/$a" ] || ln -s /bin/busybox "$r/$a"
    done
    cp "$HERE/guest-init.sh" "$r/init"
    chmod 755 "$r/init"
    cp "$KDIR"/modules/*.ko "$KDIR/modules.order" "$r/lib/modules/$KVER/"
    # modules.dep/alias/symbols, so busybox modprobe works in the guest, also
    # when the kernel calls /sbin/modprobe itself (e.g. "fs-overlay" on mount).
    "$BB" depmod -b "$r" "$KVER"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$r/etc/passwd"
    printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' > "$r/etc/group"
    printf '127.0.0.1 localhost crvm\n::1 localhost\n' > "$r/etc/hosts"
    : > "$r/etc/fstab"
    chmod 1777 "$r/tmp" "$r/var/tmp"
    chmod 700 "$r/root"
    build_cpio "$r" "$BASE"
    rm -rf "$r"
fi

# --- initramfs: payload part ------------------------------------------------
# Content hash: names, modes, symlink targets and file contents (not mtimes/owners).
payload_hash=$(tar -C "$PAYLOAD" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
                   --format=gnu -cf - . | sha)
PART=$IRDIR/payload-$payload_hash.cpio
if [ ! -f "$PART" ]; then
    r=$STAGE/payload
    mkdir -p "$r/payload"
    cp -a "$PAYLOAD/." "$r/payload/"
    if [ -d "$r/payload/sysroot" ]; then
        cp -a "$r/payload/sysroot/." "$r/"
        rm -rf "$r/payload/sysroot"
    fi
    build_cpio "$r" "$PART"
    rm -rf "$r"
fi
INITRD=$STAGE/initrd.cpio
cat "$BASE" "$PART" > "$INITRD"
touch "$BASE" "$PART"
# Keep the 8 most recently used payload archives and 2 base archives.
ls -1t "$IRDIR"/payload-*.cpio 2>/dev/null | tail -n +9 | xargs -r rm -f
ls -1t "$IRDIR"/base-*.cpio 2>/dev/null | tail -n +3 | xargs -r rm -f
INITRD_BYTES=$(stat -c %s "$INITRD")
# The guest holds the initrd and its unpacked copy at once during boot, and the
# unpacked copy (ramfs) for good: make sure that fits with room to spare.
MEM_NEEDED=$(( (2 * INITRD_BYTES >> 20) + 768 ))
if [ "$MEM" -lt "$MEM_NEEDED" ]; then
    msg "initramfs is $((INITRD_BYTES >> 20)) MiB: raising guest memory from $MEM to $MEM_NEEDED MiB"
    MEM=$MEM_NEEDED
fi

# --- kernel command line ---------------------------------------------------
CMDLINE="console=ttyS0,115200 panic=-1 oops=panic rdinit=/init"
CMDLINE="$CMDLINE tsc=reliable no_timer_check i8042.noaux i8042.nokbd i8042.nopnp"
if [ "$VERBOSE" = 1 ]; then
    CMDLINE="$CMDLINE loglevel=7"
else
    CMDLINE="$CMDLINE quiet loglevel=3"
fi
case "$MODE" in
    v2) CMDLINE="$CMDLINE cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1" ;;
    v1|hybrid) CMDLINE="$CMDLINE systemd.unified_cgroup_hierarchy=0" ;;
esac
CMDLINE="$CMDLINE cr.mode=$MODE cr.v1layout=$V1LAYOUT cr.timeout=$TIMEOUT cr.modules=$MODULES cr.debug=$DEBUG"
QEXTRA=()
if [ -n "$SHARE" ]; then
    SHARE=$(cd "$SHARE" && pwd)
    QEXTRA+=(-fsdev "local,id=crshare,path=$SHARE,security_model=none"
             -device "virtio-9p-pci,fsdev=crshare,mount_tag=crshare")
    CMDLINE="$CMDLINE cr.share=crshare"
fi
[ -z "$APPEND" ] || CMDLINE="$CMDLINE $APPEND"

# --- run -------------------------------------------------------------------
LOG=$STAGE/serial.log
QLOG=$STAGE/qemu.log
msg "mode=$MODE kernel=$(basename "$KERNEL") ($KVER) initramfs=$((INITRD_BYTES / 1024)) KiB payload=$PAYLOAD timeout=${TIMEOUT}s"

# Stream TAP (and, with --verbose, everything) from the serial log as it grows.
# Also records the time of the first /init line into $STAGE/first-init.
AWK=(awk)
awk -W version 2>&1 | grep -q mawk && AWK=(awk -W interactive)   # line-buffered input
filter() {
    "${AWK[@]}" -v verbose="$VERBOSE" -v t0="$T_QEMU" -v mark="$STAGE/first-init" '
        function now(   c, t) { c = "date +%s.%N"; c | getline t; close(c); return t }
        { sub(/\r+$/, ""); gsub(/\r/, "") }
        /# CR-VM-INIT / && !seen_init {
            seen_init = 1; printf "%.2f\n", now() - t0 > mark; close(mark)
            sub(/^.*# CR-VM-INIT /, "# CR-VM-INIT ")
        }
        /^CR-VM-DONE rc=/ { done = 1; next }
        done { next }
        verbose == 1 { print; fflush(); next }
        !seen_init { next }
        /^(not )?ok( |$)/ || /^1\.\.[0-9]+/ || /^#/ || /^Bail out!/ || /^TAP version/ { print; fflush(); next }
        /^[ \t]+((not )?ok( |$)|1\.\.[0-9]+|#)/ { print; fflush(); next }
        /Kernel panic|BUG: |Oops: |WARNING: CPU: / { print "# KERNEL: " $0; fflush(); next }
        /./ { print "# | " $0; fflush() }
    '
}

# A guest that has not reached /init after BOOT_LIMIT seconds (it takes 2-10
# s under TCG) is stuck before any test ran: once in a few dozen boots qemu
# hung at "Booting from ROM.." here. It is killed and booted once more; a
# second hang fails the tier as a timeout.
BOOT_LIMIT=${CR_VM_BOOT_LIMIT:-120}
for attempt in 1 2; do
    : > "$LOG"
    rm -f "$STAGE/first-init"
    T_QEMU=$(date +%s.%N)
    timeout -k 5 $((TIMEOUT + HOST_MARGIN)) \
        qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m "$MEM" -smp "$SMP" \
            -nographic -monitor none -serial "file:$LOG" -nic none -no-reboot \
            -kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE" "${QEXTRA[@]}" "${QUSER[@]}" \
            </dev/null >"$QLOG" 2>&1 &
    QPID=$!
    tail -s 0.2 -n +1 -f --pid="$QPID" "$LOG" 2>/dev/null | filter &
    TAILPID=$!
    BOOT_HUNG=0
    while kill -0 "$QPID" 2>/dev/null && [ ! -s "$STAGE/first-init" ]; do
        if awk -v a="$T_QEMU" -v b="$(date +%s.%N)" -v l="$BOOT_LIMIT" 'BEGIN { exit !(b - a > l) }'; then
            BOOT_HUNG=1
            kill -TERM "$QPID" 2>/dev/null || true   # timeout(1) passes it on to qemu
            break
        fi
        sleep 0.5
    done
    set +e
    wait "$QPID"
    QRC=$?
    set -e
    QPID=""
    wait "$TAILPID" 2>/dev/null || true
    TAILPID=""
    [ "$BOOT_HUNG" = 1 ] || break
    msg "the guest did not reach /init in ${BOOT_LIMIT}s (attempt $attempt). Console tail:"
    { tr -d '\r' < "$LOG" | tail -n 5; echo; } | sed '/^$/d; s/^/run-vm:   | /' >&2
done
T_END=$(date +%s.%N)
if [ "$BOOT_HUNG" = 1 ]; then
    echo "Bail out! run-vm: the guest did not boot, twice"
    exit 124
fi
[ -z "$KEEPLOG" ] || cp "$LOG" "$KEEPLOG"

BOOT=$(cat "$STAGE/first-init" 2>/dev/null || echo "?")
QSECS=$(awk -v a="$T_QEMU" -v b="$T_END" 'BEGIN {printf "%.2f", b - a}')
stats="boot=${BOOT}s qemu=${QSECS}s total=$(elapsed)s initramfs=$((INITRD_BYTES / 1024))KiB"

tr -d '\r' < "$LOG" > "$LOG.clean"
# Kernel lines carry a printk timestamp; payload output that merely mentions a
# panic does not.
KMSG='\[ *[0-9]+\.[0-9]+\] '
if grep -aEq "${KMSG}Kernel panic - not syncing" "$LOG.clean"; then
    echo "Bail out! run-vm: guest kernel panic"
    msg "FAIL: guest kernel panic ($stats). Console tail:"
    grep -a -E -B5 -A40 "${KMSG}Kernel panic - not syncing" "$LOG.clean" | head -n 80 | sed 's/^/run-vm:   | /' >&2
    exit 125
fi
if grep -aEq "${KMSG}Initramfs unpacking failed" "$LOG.clean"; then
    echo "Bail out! run-vm: guest could not unpack the initramfs"
    msg "FAIL: $(grep -a -m1 -o 'Initramfs unpacking failed.*' "$LOG.clean") ($stats, -m ${MEM}M): try a larger --mem or a smaller payload"
    exit 125
fi
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
    echo "Bail out! run-vm: VM timed out"
    msg "FAIL: qemu killed after $((TIMEOUT + HOST_MARGIN))s without finishing ($stats). Console tail:"
    tail -n 30 "$LOG.clean" | sed 's/^/run-vm:   | /' >&2
    exit 124
fi
if ! grep -aq '^CR-VM-DONE rc=[0-9]*$' "$LOG.clean"; then
    echo "Bail out! run-vm: VM ended without the CR-VM-DONE sentinel"
    msg "FAIL: no 'CR-VM-DONE rc=N' sentinel (qemu rc=$QRC, $stats). qemu said:"
    sed 's/^/run-vm:   | /' "$QLOG" >&2
    msg "console tail:"
    tail -n 30 "$LOG.clean" | sed 's/^/run-vm:   | /' >&2
    exit 125
fi
RC=$(sed -n 's/^CR-VM-DONE rc=\([0-9]*\)$/\1/p' "$LOG.clean" | tail -n1)
msg "guest rc=$RC mode=$MODE $stats kernel=$(cat "$KDIR/boot-mode")"
exit "$RC"
