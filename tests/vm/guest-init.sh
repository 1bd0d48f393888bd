#!/bin/sh
# /init of the VM test tier's initramfs (busybox sh). Built into the initramfs
# by tests/vm/run-vm.sh; runs as PID 1 in the guest.
#
# Kernel command line parameters read here (set by run-vm.sh):
#   cr.mode=v2|v1|hybrid   cgroup layout to set up (default v2)
#   cr.v1layout=systemd|split
#                          v1 only: co-mount cpu,cpuacct and net_cls,net_prio
#                          like systemd does (default), or mount every
#                          controller on its own
#   cr.timeout=SECONDS     guest-side limit for /payload/run-tests.sh (default 600)
#   cr.modules=auto|all|none|a,b,c
#                          modules from /lib/modules/$(uname -r) to load at
#                          boot. auto (default): only virtio_pci + 9pnet_virtio
#                          when cr.share is set. Filesystem modules (overlay,
#                          9p) load on demand anyway: the kernel runs
#                          /sbin/modprobe (busybox) on mount; payloads may also
#                          run "modprobe NAME".
#   cr.share=TAG           mount the 9p share TAG at /mnt/host
#   cr.debug=1             on failure print dmesg (also done when rc != 0)
#
# Output protocol on the serial console (ttyS0):
#   "# CR-VM-INIT ..."     first line written by /init
#   ...                    whatever run-tests.sh prints (TAP)
#   "CR-VM-DONE rc=N"      last line; N is run-tests.sh's exit status
#                          (124 when the guest-side timeout fired)
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
export HOME=/root TERM=dumb LANG=C LC_ALL=C

# --- stage 1: leave the initramfs ---------------------------------------------
# The initramfs root is the namespace's root mount, which pivot_root(2) refuses
# to move (EINVAL), so sandboxes could not pivot_root here. Copy everything
# into a tmpfs and switch_root into it, so / is an ordinary tmpfs mount.
if [ -z "${CR_VM_STAGE:-}" ]; then
    mount -t proc proc /proc
    echo "# CR-VM-INIT uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r) nproc=$(nproc)"
    if [ "$(awk '$2 == "/" {t = $3} END {print t}' /proc/mounts)" = rootfs ]; then
        mkdir -p /newroot
        mount -t tmpfs -o mode=0755 tmpfs /newroot
        set --
        for e in /* /.[!.]*; do
            case "$e" in /proc|/sys|/dev|/newroot|'/.[!.]*') ;; *) set -- "$@" "$e" ;; esac
        done
        cp -a "$@" /newroot/ || echo "# CR-VM: copying the initramfs to the tmpfs root failed"
        mkdir -p /newroot/proc /newroot/sys /newroot/dev
        umount /proc
        export CR_VM_STAGE=2
        # Must be PID 1 itself; if it fails, init exits and the panic is reported.
        # shellcheck disable=SC2093
        exec switch_root /newroot /init
    fi
    umount /proc 2>/dev/null
fi

# --- stage 2 -------------------------------------------------------------------
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o mode=0755,nosuid devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /tmp /run /mnt /var/tmp
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
hostname crvm
ip link set lo up 2>/dev/null

echo "# CR-VM-ROOT uptime=$(cut -d' ' -f1 /proc/uptime) root=$(awk '$2 == "/" {t = $3} END {print t}' /proc/mounts)"

mode=v2 v1layout=systemd timeout=600 modules=auto share='' debug=0
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        cr.mode=*) mode=${arg#*=} ;;
        cr.v1layout=*) v1layout=${arg#*=} ;;
        cr.timeout=*) timeout=${arg#*=} ;;
        cr.modules=*) modules=${arg#*=} ;;
        cr.share=*) share=${arg#*=} ;;
        cr.debug=*) debug=${arg#*=} ;;
    esac
done

finish() { # RC
    if [ "$1" != 0 ] || [ "$debug" = 1 ]; then
        if [ "$debug" = 1 ]; then
            echo "# CR-VM: dmesg follows (rc=$1)"
            dmesg | sed 's/^/# dmesg: /'
        else
            echo "# CR-VM: kernel messages since /init started follow (rc=$1; --debug shows all)"
            dmesg | sed -n '/Run \/init as init process/,$p' | sed '1,/^\[[^]]*\]  *TERM=/d' \
                | tail -n 80 | sed 's/^/# dmesg: /'
        fi
    fi
    echo "CR-VM-DONE rc=$1"
    # Let the UART drain before the machine goes away.
    sleep 0.2
    poweroff -f
    sleep 5
}

# --- modules -----------------------------------------------------------------
moddir=/lib/modules/$(uname -r)
case "$modules" in
    auto) list=""; [ -z "$share" ] || list="virtio_pci 9pnet_virtio 9p" ;;
    all) list=$(sed 's/\.ko$//' "$moddir/modules.order" 2>/dev/null) ;;
    none) list="" ;;
    *) list=$(echo "$modules" | tr ',' ' ') ;;
esac
for m in $list; do
    modprobe "${m%.ko}" || echo "# CR-VM: modprobe ${m%.ko} failed"
done

if [ -n "$share" ]; then
    mkdir -p /mnt/host
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 "$share" /mnt/host \
        || echo "# CR-VM: could not mount 9p share $share at /mnt/host"
fi

# --- cgroups -----------------------------------------------------------------
mount_v1() {
    # Controllers the kernel knows (enabled column of /proc/cgroups), mounted one
    # hierarchy each, except that the systemd layout co-mounts cpu,cpuacct and
    # net_cls,net_prio and adds symlinks for the single names. Shell builtins
    # only where possible: every fork costs under TCG.
    ctrls=" "
    while read -r name _ _ enabled; do
        case "$name" in '#'*) continue ;; esac
        [ "$enabled" = 1 ] && ctrls="$ctrls$name "
    done < /proc/cgroups
    mount -t tmpfs -o mode=0755,nosuid,nodev,noexec tmpfs /sys/fs/cgroup
    done_list=" "
    for c in $ctrls; do
        case "$done_list" in *" $c "*) continue ;; esac
        group=$c
        if [ "$v1layout" = systemd ]; then
            case "$c" in
                cpu|cpuacct) pair="cpu cpuacct" ;;
                net_cls|net_prio) pair="net_cls net_prio" ;;
                *) pair="" ;;
            esac
            if [ -n "$pair" ]; then
                group=""
                for g in $pair; do
                    case "$ctrls" in *" $g "*) group="${group:+$group,}$g" ;; esac
                done
            fi
        fi
        mkdir "/sys/fs/cgroup/$group"
        if mount -t cgroup -o "nosuid,nodev,noexec,$group" cgroup "/sys/fs/cgroup/$group"; then
            case "$group" in
                *,*) for g in ${group%,*} ${group#*,}; do
                         done_list="$done_list$g "
                         ln -s "$group" "/sys/fs/cgroup/$g"
                     done ;;
                *) done_list="$done_list$group " ;;
            esac
        else
            rmdir "/sys/fs/cgroup/$group"
            echo "# CR-VM: could not mount v1 hierarchy $group"
        fi
    done
    # A named hierarchy like systemd's, without controllers.
    mkdir /sys/fs/cgroup/systemd
    mount -t cgroup -o nosuid,nodev,noexec,none,name=systemd cgroup /sys/fs/cgroup/systemd \
        || rmdir /sys/fs/cgroup/systemd
}

case "$mode" in
    v2)
        mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup \
            || mount -t cgroup2 cgroup2 /sys/fs/cgroup \
            || { echo "# CR-VM: cannot mount cgroup2"; finish 125; }
        ctl=""
        for c in $(cat /sys/fs/cgroup/cgroup.controllers); do ctl="$ctl +$c"; done
        # Enable all at once; fall back to one by one so one failure does not hide the rest.
        echo "$ctl" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || {
            for c in $ctl; do
                echo "$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null \
                    || echo "# CR-VM: cannot enable controller $c"
            done
        }
        ;;
    v1)
        mount_v1
        ;;
    hybrid)
        mount_v1
        umount /sys/fs/cgroup/systemd 2>/dev/null && rmdir /sys/fs/cgroup/systemd
        mkdir -p /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
        mount -t cgroup -o nosuid,nodev,noexec,none,name=systemd cgroup /sys/fs/cgroup/systemd
        mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate cgroup2 /sys/fs/cgroup/unified
        ;;
    *)
        echo "# CR-VM: unknown cr.mode=$mode"
        finish 125
        ;;
esac

# --- payload -----------------------------------------------------------------
if [ ! -f /payload/run-tests.sh ]; then
    echo "# CR-VM: /payload/run-tests.sh is missing"
    finish 125
fi
chmod +x /payload/run-tests.sh 2>/dev/null
export CR_VM=1 CR_VM_MODE=$mode CR_VM_TIMEOUT=$timeout
echo "# CR-VM-PAYLOAD mode=$mode uptime=$(cut -d' ' -f1 /proc/uptime)"

cd /payload || finish 125
# Own session/process group so the watchdog can kill the whole tree.
setsid /payload/run-tests.sh </dev/null 2>&1 &
pid=$!
(
    sleep "$timeout"
    touch /run/cr-vm-timeout
    echo "# CR-VM: run-tests.sh exceeded ${timeout}s; killing it"
    kill -TERM -- "-$pid" 2>/dev/null
    sleep 3
    kill -KILL -- "-$pid" 2>/dev/null
) &
wd=$!
wait "$pid"
rc=$?
kill "$wd" 2>/dev/null
[ -e /run/cr-vm-timeout ] && rc=124
cd /
finish "$rc"
