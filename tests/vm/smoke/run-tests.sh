#!/bin/sh
# Smoke payload for the VM test tier (busybox sh only): proves the guest's
# cgroup layout behaves as the mode promises. Prints TAP.
n=0 failed=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check()  { # NAME COMMAND... : ok if COMMAND succeeds
    name=$1; shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}
diag() { echo "# $*"; }

mode=${CR_VM_MODE:-unknown}
diag "smoke: mode=$mode kernel=$(uname -r) mem=$(awk '/MemTotal/ {print $2}' /proc/meminfo)kB cpus=$(nproc)"

# Type of the filesystem mounted at PATH (last mount wins), from /proc/mounts.
fstype() { awk -v p="$1" '$2 == p {t = $3} END {print t}' /proc/mounts; }
no_mount_of_type() { ! awk -v t="$1" '$3 == t {found = 1} END {exit !found}' /proc/mounts; }
# Options of the cgroup v1 hierarchy mounted at PATH contain CONTROLLER.
v1_has_controller() { # PATH CONTROLLER
    awk -v p="$(readlink -f "$1")" '$2 == p && $3 == "cgroup" {print $4}' /proc/mounts \
        | tr ',' '\n' | grep -qx "$2"
}
has_word() { # WORD FILE
    tr ' ' '\n' < "$2" | grep -qx "$1"
}

# Run COMMAND in a new process whose first act is joining the cgroup(s)
# given by PROCS-FILES (colon separated), then exec COMMAND.
run_in() { # PROCS-FILES COMMAND...
    files=$1; shift
    sh -c 'IFS=:; for f in $0; do echo $$ > "$f" || exit 99; done; unset IFS; exec "$@"' "$files" "$@"
}

# Memory hog: busybox dd mallocs its 64 MiB block and fills it from /dev/zero,
# touching 64 MiB of anonymous memory.
HOG='dd if=/dev/zero of=/dev/null bs=64M count=4 2>/dev/null'

le() { [ -n "$1" ] && [ "$1" -le "$2" ]; }   # A <= B, A non-empty
ge() { [ -n "$1" ] && [ "$1" -ge "$2" ]; }   # A >= B, A non-empty

# Wait up to 5 s until no process is left in cgroup DIR (v1 or v2).
wait_empty() {
    i=0
    while [ -n "$(cat "$1/cgroup.procs")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    [ -z "$(cat "$1/cgroup.procs")" ]
}

# Wait up to 10 s until the PROCS-FILES together list N processes.
wait_procs() { # N PROCS-FILE...
    want=$1; shift
    i=0
    while [ "$(cat "$@" | wc -l)" -lt "$want" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# Start COMMAND in the cgroup(s) as a detached background process (not a job
# of this shell, so no "Killed" job notices when it is killed).
spawn_in() { # PROCS-FILES COMMAND...
    ( run_in "$@" </dev/null >/dev/null 2>&1 & )
}

# Start a shell in the cgroup (PROCS-FILE) that tries to fork 10 sleepers;
# the shell may die when fork fails, its children stay. Waits (up to 10 s)
# until the pids controller has refused a fork (pids.events "max" > 0).
fork_bomb_lite() { # PROCS-FILE
    spawn_in "$1" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 60 & done; wait'
    ev=$(dirname "$1")/pids.events
    i=0
    while [ "$(awk '$1 == "max" {print $2}' "$ev")" = 0 ] && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    sleep 0.2
}

# --- v2 ------------------------------------------------------------------
test_v2() {
    cg=/sys/fs/cgroup
    check "cgroup2 mounted at /sys/fs/cgroup" [ "$(fstype $cg)" = cgroup2 ]
    check "no cgroup v1 hierarchy mounted" no_mount_of_type cgroup
    check "v1 memory controller disabled (cgroup_no_v1=all)" \
        sh -c 'mkdir -p /tmp/v1m && ! mount -t cgroup -o memory cgroup /tmp/v1m 2>/dev/null'
    diag "controllers: $(cat $cg/cgroup.controllers)"
    diag "subtree_control: $(cat $cg/cgroup.subtree_control)"
    for c in memory pids cpu io cpuset; do
        check "controller $c available" has_word $c $cg/cgroup.controllers
    done
    for c in memory pids cpu; do
        check "controller $c enabled in root subtree_control" has_word $c $cg/cgroup.subtree_control
    done

    # OOM kill under memory.max
    d=$cg/smoke-oom
    mkdir $d
    echo 32M > $d/memory.max
    [ -f $d/memory.swap.max ] && echo 0 > $d/memory.swap.max
    check "memory.max reads back 33554432" [ "$(cat $d/memory.max)" = 33554432 ]
    run_in $d/cgroup.procs sh -c "$HOG" 2>/dev/null
    rc=$?
    check "64M hog in 32M cgroup is SIGKILLed (rc=$rc)" [ $rc = 137 ]
    oomk=$(awk '$1 == "oom_kill" {print $2}' $d/memory.events)
    diag "memory.events: $(tr '\n' ' ' < $d/memory.events)"
    check "memory.events oom_kill >= 1 (got $oomk)" ge "$oomk" 1
    if [ -f $d/memory.peak ]; then
        peak=$(cat $d/memory.peak)
        check "memory.peak <= 32M (got $peak)" le "$peak" 33554432
    fi
    run_in $d/cgroup.procs sh -c 'dd if=/dev/zero of=/dev/null bs=4M count=4 2>/dev/null'
    check "small allocation in the same cgroup succeeds" [ $? = 0 ]
    rmdir $d
    check "cgroup removed after its processes exited" [ ! -d $d ]

    # pids.max bounds forking
    d=$cg/smoke-pids
    mkdir $d
    echo 5 > $d/pids.max
    fork_bomb_lite $d/cgroup.procs
    cur=$(cat $d/pids.current)
    check "pids.current reached but stayed <= pids.max=5 (got $cur)" sh -c "[ $cur -le 5 ] && [ $cur -ge 4 ]"
    maxev=$(awk '$1 == "max" {print $2}' $d/pids.events)
    check "pids.events max >= 1 (fork refused; got $maxev)" ge "$maxev" 1
    echo 1 > $d/cgroup.kill
    wait_empty $d
    rmdir $d

    # cgroup.kill kills everything in the subtree
    d=$cg/smoke-kill
    mkdir $d $d/inner
    for i in 1 2 3; do spawn_in $d/cgroup.procs sleep 300; done
    spawn_in $d/inner/cgroup.procs sleep 300
    wait_procs 4 $d/cgroup.procs $d/inner/cgroup.procs
    before=$(cat $d/cgroup.procs $d/inner/cgroup.procs | wc -l)
    check "4 sleepers in the kill cgroup (got $before)" [ "$before" = 4 ]
    check "cgroup.kill exists" [ -f $d/cgroup.kill ]
    echo 1 > $d/cgroup.kill
    i=0
    while grep -q 'populated 1' $d/cgroup.events && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    check "cgroup.kill emptied the subtree (populated 0)" grep -q 'populated 0' $d/cgroup.events
    rmdir $d/inner $d
    check "killed cgroups removable" [ ! -d $d ]

    # freezer and cpu
    d=$cg/smoke-misc
    mkdir $d
    spawn_in $d/cgroup.procs sleep 300
    wait_procs 1 $d/cgroup.procs
    echo 1 > $d/cgroup.freeze
    i=0
    while ! grep -q 'frozen 1' $d/cgroup.events && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    check "cgroup.freeze freezes (frozen 1)" grep -q 'frozen 1' $d/cgroup.events
    echo 0 > $d/cgroup.freeze
    check "cpu.max accepts a quota" sh -c "echo '50000 100000' > $d/cpu.max && [ \"\$(cat $d/cpu.max)\" = '50000 100000' ]"
    check "cpu.stat has usage_usec" grep -q '^usage_usec' $d/cpu.stat
    echo 1 > $d/cgroup.kill
    wait_empty $d
    rmdir $d
}

# --- v1 ------------------------------------------------------------------
test_v1() {
    cg=/sys/fs/cgroup
    check "/sys/fs/cgroup is a tmpfs" [ "$(fstype $cg)" = tmpfs ]
    [ "$mode" = v1 ] && check "no cgroup2 mounted anywhere (pure v1)" no_mount_of_type cgroup2
    diag "hierarchies: $(awk '$3 == "cgroup" {print $2}' /proc/mounts | tr '\n' ' ')"
    for c in memory pids cpu cpuacct freezer cpuset devices blkio; do
        check "v1 hierarchy $c mounted with controller $c" v1_has_controller $cg/$c $c
    done

    # memory.limit_in_bytes + OOM kill
    d=$cg/memory/smoke-oom
    mkdir $d
    echo 32M > $d/memory.limit_in_bytes
    check "memory.limit_in_bytes reads back 33554432" [ "$(cat $d/memory.limit_in_bytes)" = 33554432 ]
    run_in $d/cgroup.procs sh -c "$HOG" 2>/dev/null
    rc=$?
    check "64M hog in 32M memory cgroup is SIGKILLed (rc=$rc)" [ $rc = 137 ]
    failcnt=$(cat $d/memory.failcnt)
    check "memory.failcnt > 0 (got $failcnt)" ge "$failcnt" 1
    oomk=$(awk '$1 == "oom_kill" {print $2}' $d/memory.oom_control)
    check "memory.oom_control oom_kill >= 1 (got $oomk)" ge "$oomk" 1
    maxu=$(cat $d/memory.max_usage_in_bytes)
    check "memory.max_usage_in_bytes <= 32M (got $maxu)" le "$maxu" 33554432
    rmdir $d

    # pids.max in v1
    d=$cg/pids/smoke-pids
    mkdir $d
    echo 5 > $d/pids.max
    fork_bomb_lite $d/cgroup.procs
    cur=$(cat $d/pids.current)
    check "v1 pids.current reached but stayed <= pids.max=5 (got $cur)" sh -c "[ $cur -le 5 ] && [ $cur -ge 4 ]"
    maxev=$(awk '$1 == "max" {print $2}' $d/pids.events)
    check "v1 pids.events max >= 1 (got $maxev)" ge "$maxev" 1
    # shellcheck disable=SC2046
    kill $(cat $d/cgroup.procs) 2>/dev/null
    wait_empty $d
    rmdir $d
    check "v1 pids cgroup removable after its tasks exited" [ ! -d $d ]

    # freezer
    d=$cg/freezer/smoke-freeze
    mkdir $d
    spawn_in $d/cgroup.procs sleep 300
    wait_procs 1 $d/cgroup.procs
    echo FROZEN > $d/freezer.state
    i=0
    while [ "$(cat $d/freezer.state)" != FROZEN ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    check "freezer.state FROZEN" [ "$(cat $d/freezer.state)" = FROZEN ]
    echo THAWED > $d/freezer.state
    # shellcheck disable=SC2046
    kill $(cat $d/cgroup.procs) 2>/dev/null
    wait_empty $d
    rmdir $d

    # cpu / cpuacct
    d=$cg/cpu/smoke-cpu
    a=$cg/cpuacct/smoke-cpu
    mkdir -p $d $a
    check "cpu.cfs_quota_us accepts 50000" sh -c "echo 50000 > $d/cpu.cfs_quota_us && [ \$(cat $d/cpu.cfs_quota_us) = 50000 ]"
    run_in $d/cgroup.procs:$a/cgroup.procs sh -c 'i=0; while [ $i -lt 2000 ]; do i=$((i + 1)); done'
    usage=$(cat $a/cpuacct.usage 2>/dev/null)
    check "cpuacct.usage counts the child's CPU time (got $usage ns)" ge "$usage" 1
    rmdir $d
    [ -d $a ] && rmdir $a
}

test_hybrid() {
    check "cgroup2 mounted at /sys/fs/cgroup/unified" [ "$(fstype /sys/fs/cgroup/unified)" = cgroup2 ]
    check "unified hierarchy has no controllers" [ -z "$(cat /sys/fs/cgroup/unified/cgroup.controllers)" ]
    test_v1
}

# Sandboxes pivot_root into their rootfs; that fails on an initramfs root.
test_pivot_root() {
    check "/ is a tmpfs mount, not the initramfs" [ "$(fstype /)" = tmpfs ]
    out=$(unshare -m sh -c '
        set -e
        mount --make-rprivate /
        mkdir -p /tmp/pr
        mount -t tmpfs tmpfs /tmp/pr
        mkdir -p /tmp/pr/bin /tmp/pr/old
        cp /bin/busybox /tmp/pr/bin/
        cd /tmp/pr
        pivot_root . old
        exec /bin/busybox sh -c "/bin/busybox umount -l /old && /bin/busybox echo pivoted"
    ' 2>&1)
    check "pivot_root into a tmpfs in a new mount namespace works ($out)" [ "$out" = pivoted ]
}
test_pivot_root

case "$mode" in
    v2) test_v2 ;;
    v1) test_v1 ;;
    hybrid) test_hybrid ;;
    *) not_ok "unknown CR_VM_MODE=$mode" ;;
esac

echo "1..$n"
[ $failed = 0 ]
