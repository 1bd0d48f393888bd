#!/bin/sh
# Runs inside the qemu guest (busybox sh) as root, cwd /payload, once with
# the unified cgroup v2 hierarchy and once with pure v1 hierarchies
# (CR_VM_MODE). Proves the sandbox's cgroup limits against a real kernel and,
# once (v2), the seccomp unit tests on a kernel with IA32 emulation.
# Prints TAP.
n=0 failed=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag()   { echo "# $*"; }
mode=${CR_VM_MODE:-unknown}
export CODERUNNER_DATADIR=/payload
ROOTFS=/payload/rootfs
CR="/usr/local/bin/coderunner run --rootfs $ROOTFS --env PATH=/bin --json"

# jfield JSON NAME: value of a scalar field of the result object.
jfield() { echo "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
expect() { # NAME JSON FIELD VALUE
        v=$(jfield "$2" "$3")
        if [ "$v" = "$4" ]; then ok "$mode: $1"; else not_ok "$mode: $1 ($3=$v, want $4)"; diag "$2"; fi
}
between() { # NAME VALUE LOW HIGH
        if [ -n "$2" ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then ok "$mode: $1 ($2)"
        else not_ok "$mode: $1 ($2 not in [$3, $4])"; fi
}
no_leftover_cgroups() {
        left=$(find /sys/fs/cgroup -name 'cr-*' -type d 2>/dev/null)
        if [ -z "$left" ]; then ok "$mode: no cgroup directory left ($1)"; else not_ok "$mode: leftover cgroups: $left"; fi
}

diag "kernel $(uname -r), mode $mode, $(nproc) cpus"
out=$($CR -- /probe info)
expect "hello run" "$out" status OK

# memory.max kills a hog; the verdict comes from memory.events oom_kill, the
# peak from memory.peak (v2) / max_usage_in_bytes (v1).
out=$($CR --memory-limit 32M -- /probe memhog 256)
expect "memory hog gets MEMORY_LIMIT" "$out" status MEMORY_LIMIT
peak=$(jfield "$out" memory_peak_bytes)
between "memory peak reported near the limit" "$peak" 25000000 33554432

# pids.max bounds a fork bomb
out=$($CR --pids-limit 16 -- /probe forkbomb 4096)
total=$(echo "$out" | sed -n 's/.*total=\([0-9]*\).*/\1/p')
between "fork bomb bounded by pids.max" "$total" 1 16
echo "$out" | grep -q 'fork_errno=EAGAIN' && ok "$mode: fork fails with EAGAIN" || { not_ok "$mode: fork errno"; diag "$out"; }

# cpu.max / cfs quota throttles: a spinning probe gets the configured share
out=$($CR --cpus 0.25 --time-limit 10 --wall-limit 2 -- /probe spin)
expect "throttled spin ends by the wall clock" "$out" limit wall
between "throttled spin got ~25% of a CPU" "$(jfield "$out" cpu_ms)" 300 700

# CPU-time limit from cpu.stat / cpuacct.usage
out=$($CR --time-limit 0.5 --wall-limit 10 -- /probe spin)
expect "busy loop gets TIME_LIMIT" "$out" status TIME_LIMIT
expect "... by the CPU limit" "$out" limit cpu
between "CPU time near the limit" "$(jfield "$out" cpu_ms)" 500 900

# the whole tree dies, daemonised grandchildren included
out=$($CR --wall-limit 1 -- /probe daemon crvm-marker-$$)
expect "daemonising program ran" "$out" status OK
sleep 0.2
if ps -o pid,args | grep "crvm-marker-$$" | grep -v grep >/dev/null; then
        not_ok "$mode: daemonised grandchild survived"
else
        ok "$mode: daemonised grandchild killed"
fi
no_leftover_cgroups "after runs"

# A process that runs sandboxes one after the other (a job's worker) keeps
# each run's teardown for the next (sandbox/keep.c): the next run's leaf is
# made ahead (v2: cloned into with CLONE_INTO_CGROUP) with the limits of the
# run during which it is made, and used only by a run with the same ones.
# Limits in turn on a 48 MiB program: OK and MEMORY_LIMIT alternately; a
# full /tmp charged to a retired leaf leaves the next run an empty /tmp and
# a small peak; nothing is left once the loop released what it kept.
LOOP="/usr/local/bin/sandbox-loop --rootfs $ROOTFS --runs"
out=$($LOOP --count 6 --memory-limits 256M,32M -- /probe memhog 48)
verdicts=$(echo "$out" | grep -o '"verdict":"[A-Z_]*"' | cut -d'"' -f4 | tr '\n' ' ')
if [ "$verdicts" = "OK MEMORY_LIMIT OK MEMORY_LIMIT OK MEMORY_LIMIT " ]; then
        ok "$mode: kept between runs: each run gets its own memory limit"
else
        not_ok "$mode: kept between runs: limits ($verdicts)"; diag "$out"
fi
out=$($LOOP --count 4 -- /probe fill /tmp 8 ::: /bin/ls -A /tmp)
listed=$(echo "$out" | grep -o '{[^{}]*}' | sed -n '2p;4p')
if [ "$(echo "$listed" | grep -c '"stdout_len":0}')" = 2 ] &&
   [ -z "$(echo "$listed" | grep -o '"memory_peak_bytes":[0-9]*' | cut -d: -f2 | awk '$1 >= 16777216')" ]; then
        ok "$mode: kept between runs: nothing of the run before in /tmp or the peak"
else
        not_ok "$mode: kept between runs: the run before showed"; diag "$out"
fi
no_leftover_cgroups "after a loop that kept between runs"

# the cgroup module's own tests (create/limits/attach/kill/destroy) on this kernel
if /payload/test-cgroup >/tmp/tc.log 2>&1; then
        ok "$mode: cgroup unit tests ($(grep -c '^ok' /tmp/tc.log) ok, $(grep -c SKIP /tmp/tc.log) skipped)"
else
        not_ok "$mode: cgroup unit tests"; sed 's/^/# /' /tmp/tc.log
fi

# The seccomp module's tests on a kernel that runs i386 system calls (Debian's
# 6.1 has CONFIG_IA32_EMULATION=y; check-vm.sh checks): here int 0x80 reaches
# seccomp, so i386_abi_killed proves the filter kills the i386 ABI, and a skip
# means that proof is missing. Only the runtime_* checks may skip: the guest
# has no compilers or interpreters. Once per check-vm run: seccomp does not
# depend on the cgroup layout.
if [ "$mode" = v2 ]; then
        t0=$(cut -d' ' -f1 /proc/uptime)
        srcdir=$(cat /payload/seccomp-srcdir)
        mkdir -p "$(dirname "$srcdir")" && ln -sfn /usr/local/share/cr-test-srcdir "$srcdir"
        if /usr/local/bin/test-seccomp >/tmp/ts.log 2>&1; then
                ok "$mode: seccomp unit tests ($(sed -n 's/^# \([0-9]* passed, [0-9]* failed, [0-9]* skipped\)$/\1/p' /tmp/ts.log))"
        else
                not_ok "$mode: seccomp unit tests"; sed 's/^/# /' /tmp/ts.log
        fi
        diag "test-seccomp took $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN {print b - a}') s"
        for t in i386_abi_killed x32_abi_killed; do
                line=$(grep -E "^(not )?ok [0-9]+ - $t( |\$)" /tmp/ts.log)
                diag "test-seccomp: ${line:-no line for $t}"
                if echo "$line" | grep -qE "^ok [0-9]+ - $t\$"; then
                        ok "$mode: $t ran and passed (killed by SIGSYS)"
                else
                        not_ok "$mode: $t did not run and pass here: ${line:-missing}"
                fi
        done
        skips=$(grep ' # SKIP' /tmp/ts.log | grep -vE ' - runtime_[a-z0-9]+ # SKIP [a-z0-9+]+ not installed$')
        if [ -z "$skips" ]; then
                ok "$mode: test-seccomp skips only runtimes the guest lacks"
        else
                not_ok "$mode: test-seccomp skips a kernel feature this kernel has"; echo "$skips" | sed 's/^/# /'
        fi
fi

if [ "$mode" = v2 ]; then
        # Delegated subtree (systemd Delegate=yes): the service's cgroup holds
        # the service itself; it must move into a leaf before enabling
        # controllers for its sandboxes.
        echo "+memory +pids +cpu" > /sys/fs/cgroup/cgroup.subtree_control
        mkdir -p /sys/fs/cgroup/svc
        out=$(sh -c 'echo $$ > /sys/fs/cgroup/svc/cgroup.procs && exec '"$CR"' --cgroup-delegate --memory-limit 32M -- /probe memhog 256')
        expect "delegated subtree: memory limit enforced" "$out" status MEMORY_LIMIT
        if [ -d /sys/fs/cgroup/svc/supervisor ] && grep -qw memory /sys/fs/cgroup/svc/cgroup.subtree_control; then
                ok "$mode: delegated subtree: moved itself to a leaf and enabled controllers"
        else
                not_ok "$mode: delegated subtree layout"; ls /sys/fs/cgroup/svc | sed 's/^/# /'
        fi
        # Without delegation a busy, controller-less cgroup is refused, not used silently.
        mkdir -p /sys/fs/cgroup/busy
        err=$(sh -c 'echo $$ > /sys/fs/cgroup/busy/cgroup.procs && exec '"$CR"' -- /probe info' 2>&1 >/dev/null)
        if echo "$err" | grep -q "refusing to run untrusted code"; then
                ok "$mode: missing controllers refused"
        else
                not_ok "$mode: missing controllers refused"; diag "$err"
        fi
        no_leftover_cgroups "after delegation"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
