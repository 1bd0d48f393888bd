#!/bin/sh
# SPDX-License-Identifier: MIT
# Per-run latency of a trivial program (/bin/true = busybox true in the test
# rootfs) under increasingly heavy launchers, in one run:
#
#   fork+exec      posix_spawn + waitpid on the host: the floor
#   coderunner     `coderunner run` with full isolation and limits, one CLI
#                  process per run
#   bwrap          bubblewrap with comparable namespaces (no cgroups, no
#                  seccomp, no uid switch: cheaper by construction)
#   sandbox-loop   the library in one long-lived process (tests/sandbox-loop)
#   ns-floor       the kernel's share alone: clone3 with the sandbox's user,
#                  mount, pid, ipc and uts namespaces (the loop joins a
#                  slot's network namespace), whose pid 1 starts the
#                  program with posix_spawn and waits; no mount, cgroup,
#                  filter or uid switch. What no sandbox can go below.
#
# Every launcher runs the program in a session of its own (the floor and
# bwrap as coderunner does): with the scheduler's autogroups
# (sched_autogroup_enabled) a session is one scheduling entity, and on a
# loaded host a launcher whose runs shared the bench's session would get
# less CPU than one that starts a session per run.
#
# Prints median and p95 per launcher and each as a ratio to the floor, then
# the goals of issue 15: coderunner faster than bwrap, the in-library loop
# within 3x of the floor.
#
#   bench/sandbox-latency.sh [N]     N runs per launcher (default 200, or $N)
#
# The launchers take turns in $ROUNDS (default 5) rounds of about N/ROUNDS
# runs each, so a burst of load on the host hits all of them alike instead of
# one row. sandbox-loop reports only its own median and p95 per invocation:
# its row shows the medians of the per-round values.
#
# Environment: top_srcdir, top_builddir, CODERUNNER, CR_SANDBOX_LOOP,
# CODERUNNER_DATADIR, CR_PROBE, BWRAP, CC, ROUNDS: as in
# tests/integration/run.sh. Needs root (as the sandbox does). Launchers that
# are missing are reported as skipped; the script fails only if the floor
# cannot be measured.
set -eu

N=${1:-${N:-200}}
case $N in ''|*[!0-9]*|0) echo "usage: $0 [N>0]" >&2; exit 2 ;; esac
ROUNDS=${ROUNDS:-5}
case $ROUNDS in ''|*[!0-9]*|0) echo "$0: ROUNDS must be a positive integer" >&2; exit 2 ;; esac
[ "$ROUNDS" -le "$N" ] || ROUNDS=$N

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
    if [ -f "$PWD/Makefile" ] || [ -x "$PWD/coderunner" ]; then top_builddir=$PWD; else top_builddir=$top_srcdir; fi
fi
CODERUNNER=${CODERUNNER:-$top_builddir/coderunner}
CR_SANDBOX_LOOP=${CR_SANDBOX_LOOP:-$top_builddir/tests/sandbox-loop}
CODERUNNER_DATADIR=${CODERUNNER_DATADIR:-$top_srcdir}
BWRAP=${BWRAP:-$(command -v bwrap || echo /usr/bin/bwrap)}
CC=${CC:-cc}
probe=${CR_PROBE:-$top_builddir/tests/probes/probe}
export CODERUNNER_DATADIR

tmp=
# shellcheck disable=SC2317  # invoked through trap
cleanup() {
    rc=$?
    trap - EXIT INT TERM HUP
    [ -z "$tmp" ] || rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
base=${TMPDIR:-/var/tmp}
[ -d "$base" ] && [ -w "$base" ] || base=/var/tmp
tmp=$(mktemp -d "$base/cr-bench.XXXXXX")
chmod 0755 "$tmp"

# ------------------------------------------------------------ timing helper
cat > "$tmp/spawnloop.c" <<'EOF'
/* spawnloop [--ns] COUNT WARMUP SAMPLES PROGRAM [ARGS...]: runs PROGRAM
 * COUNT times after WARMUP untimed runs (posix_spawn in a new session +
 * waitpid, stdio on /dev/null; with --ns from the pid 1 of new user, mount,
 * pid, ipc and uts namespaces, cloned for each run),
 * appends each run's latency in microseconds to the file SAMPLES (one a
 * line) and prints the number of failed runs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
static int in_namespaces(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                         const posix_spawnattr_t *attr, char **argv) {
        struct clone_args ca;
        pid_t p, q;
        int st;
        memset(&ca, 0, sizeof ca);
        ca.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
        ca.exit_signal = SIGCHLD;
        p = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
        if (p < 0)
                return -1;
        if (p == 0) {
                if (posix_spawn(&q, path, fa, attr, argv, environ) != 0 || waitpid(q, &st, 0) < 0)
                        _exit(127);
                _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 126);
        }
        *pid = p;
        return 0;
}
int main(int argc, char **argv) {
        long n, warm, fails = 0;
        int ns = argc > 1 && !strcmp(argv[1], "--ns");
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        FILE *out;
        argv += ns;
        argc -= ns;
        if (argc < 5)
                return 2;
        n = atol(argv[1]);
        warm = atol(argv[2]);
        out = fopen(argv[3], "a");
        if (!out || n <= 0)
                return 2;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        /* each run in a session of its own, as every sandbox is: with the
         * scheduler's autogroups a session is one scheduling entity */
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
        for (long i = -warm; i < n; i++) {
                struct timespec a, b;
                pid_t pid;
                int st;
                clock_gettime(CLOCK_MONOTONIC, &a);
                if (ns ? in_namespaces(&pid, argv[4], &fa, &attr, argv + 4) != 0 :
                         posix_spawn(&pid, argv[4], &fa, &attr, argv + 4, environ) != 0) {
                        fails++;
                        continue;
                }
                if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        fails++;
                clock_gettime(CLOCK_MONOTONIC, &b);
                if (i >= 0)
                        fprintf(out, "%.0f\n",
                                (double) (b.tv_sec - a.tv_sec) * 1e6 + (double) (b.tv_nsec - a.tv_nsec) / 1e3);
        }
        printf("%ld\n", fails);
        return fclose(out) == 0 ? 0 : 1;
}
EOF
"$CC" -O2 -o "$tmp/spawnloop" "$tmp/spawnloop.c"

# ---------------------------------------------------------------- rootfs
if [ ! -x "$probe" ]; then
    "$CC" -static -O1 -o "$tmp/probe" "$top_srcdir/tests/probes/probe.c"
    probe=$tmp/probe
fi
R=$tmp/rootfs
sh "$top_srcdir/tests/integration/make-rootfs.sh" "$R" "$probe"

# --------------------------------------------------------------- launchers
skip_coderunner='' skip_bwrap='' skip_loop='' skip_ns=''
if [ "$(id -u)" != 0 ]; then
    skip_coderunner=needs-root skip_loop=needs-root skip_ns=needs-root
fi
if [ -z "$skip_coderunner" ] && [ ! -x "$CODERUNNER" ]; then skip_coderunner="not-built:$CODERUNNER"; fi
if [ -z "$skip_loop" ] && [ ! -x "$CR_SANDBOX_LOOP" ]; then skip_loop="not-built:$CR_SANDBOX_LOOP"; fi
if [ ! -x "$BWRAP" ]; then skip_bwrap=not-installed; fi
launchers=fork+exec
[ -n "$skip_coderunner" ] || launchers="$launchers coderunner"
[ -n "$skip_bwrap" ] || launchers="$launchers bwrap"
[ -n "$skip_loop" ] || launchers="$launchers sandbox-loop"
[ -n "$skip_ns" ] || launchers="$launchers ns-floor"

# json_num JSON KEY: the number KEY holds in a flat JSON object
json_num() {
    printf '%s\n' "$1" | tr ',{}' '\n' |
        sed -n "s/^[[:space:]]*\"$2\"[[:space:]]*:[[:space:]]*\([0-9.]*\).*/\1/p" | head -n 1
}

# run_launcher NAME COUNT: appends COUNT latency samples to $tmp/NAME.samples
# (sandbox-loop: its median and p95 to $tmp/NAME.chunks) and the number of
# failed runs to $tmp/NAME.fails.
run_launcher() {
    case $1 in
    fork+exec)
        "$tmp/spawnloop" "$2" 2 "$tmp/$1.samples" "$R/bin/true" >> "$tmp/$1.fails" ;;
    ns-floor)
        "$tmp/spawnloop" --ns "$2" 2 "$tmp/$1.samples" "$R/bin/true" >> "$tmp/$1.fails" ;;
    coderunner)
        "$tmp/spawnloop" "$2" 2 "$tmp/$1.samples" "$CODERUNNER" run --rootfs "$R" \
            --time-limit 5 --memory-limit 256M --pids-limit 64 --output-limit 1048576 \
            --tmpfs-size 64M --env PATH=/bin -- /bin/true >> "$tmp/$1.fails" ;;
    bwrap)
        "$tmp/spawnloop" "$2" 2 "$tmp/$1.samples" "$BWRAP" --unshare-all --die-with-parent --new-session \
            --ro-bind "$R" / --proc /proc --dev /dev --tmpfs /tmp -- /bin/true >> "$tmp/$1.fails" ;;
    sandbox-loop)
        # prints one JSON object: {"count","failures","fds_before","fds_after","median_us","p95_us"}
        if json=$("$CR_SANDBOX_LOOP" --rootfs "$R" --count "$2" -- /bin/true 2>>"$tmp/loop.err"); then
            echo "$(json_num "$json" median_us) $(json_num "$json" p95_us)" >> "$tmp/$1.chunks"
            json_num "$json" failures >> "$tmp/$1.fails"
            fb=$(json_num "$json" fds_before) fa=$(json_num "$json" fds_after)
            [ "$fb" = "$fa" ] || echo "fd-leak:$fb->$fa" >> "$tmp/$1.fdleak"
        else
            echo "$2" >> "$tmp/$1.fails"
        fi ;;
    esac
}

per=$((N / ROUNDS)) extra=$((N % ROUNDS))
r=1
while [ "$r" -le "$ROUNDS" ]; do
    count=$per
    [ "$r" -gt "$extra" ] || count=$((per + 1))
    echo "round $r/$ROUNDS: $count runs each: $launchers" >&2
    for l in $launchers; do
        run_launcher "$l" "$count"
    done
    r=$((r + 1))
done

# --------------------------------------------------------------- summarise
# pct FILE: "median p95" of the numbers in FILE (p95 by nearest rank)
pct() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "- -"; exit }
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.0f %.0f\n", med, v[int((NR * 95 + 99) / 100)] }'
}

results=$tmp/results    # lines: name median p95 note
: > "$results"
for l in fork+exec coderunner bwrap sandbox-loop ns-floor; do
    case $l in
    ns-floor) skip=$skip_ns ;;
    coderunner) skip=$skip_coderunner ;;
    bwrap) skip=$skip_bwrap ;;
    sandbox-loop) skip=$skip_loop ;;
    *) skip= ;;
    esac
    if [ -n "$skip" ]; then
        echo "$l - - skipped:$skip" >> "$results"
        continue
    fi
    fails=$(awk '{ s += $1 } END { print s + 0 }' "$tmp/$l.fails")
    note=-
    [ "$fails" = 0 ] || note="$fails-failed-runs"
    if [ "$l" = sandbox-loop ]; then
        if [ -s "$tmp/$l.chunks" ]; then
            cut -d' ' -f1 "$tmp/$l.chunks" > "$tmp/chunk-medians"
            cut -d' ' -f2 "$tmp/$l.chunks" > "$tmp/chunk-p95s"
            stats="$(pct "$tmp/chunk-medians" | cut -d' ' -f1) $(pct "$tmp/chunk-p95s" | cut -d' ' -f1)"
        else
            stats="- -"
            note="failed:$(head -n 1 "$tmp/loop.err" 2>/dev/null | tr ' ' '_')"
        fi
        [ ! -s "$tmp/$l.fdleak" ] || note="$note,$(head -n 1 "$tmp/$l.fdleak")"
    else
        stats=$(pct "$tmp/$l.samples")
    fi
    echo "$l $stats $note" >> "$results"
done
read -r _ floor_med floor_p95 _ < "$results"
case $floor_med in ''|-|*[!0-9]*) echo "$0: could not measure the fork+exec floor" >&2; exit 1 ;; esac

# ----------------------------------------------------------------- report
echo
echo "sandbox latency: /bin/true, N=$N in $ROUNDS interleaved rounds, $(uname -r), $(nproc) CPUs," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v fm="$floor_med" -v fp="$floor_p95" '
    function ratio(v, f) { return (v ~ /^[0-9.]+$/ && f > 0) ? sprintf("%.1fx", v / f) : "-" }
    BEGIN {
        printf "%-14s %12s %12s %10s %10s  %s\n", "launcher", "median_us", "p95_us", "median/fx", "p95/fx", "note"
    }
    {
        note = ($4 == "-") ? "" : $4
        gsub(/_/, " ", note)
        printf "%-14s %12s %12s %10s %10s  %s\n", $1, $2, $3, ratio($2, fm), ratio($3, fp), note
    }' "$results"
echo "(fx = the fork+exec floor; sandbox-loop: medians of its per-round median and p95;"
echo " bwrap sets up no cgroups, seccomp or uid switch)"

# The goals of issue 15, as ratios of the medians above.
awk '
    { med[$1] = $2 }
    function both(a, b) { return (med[a] ~ /^[0-9.]+$/ && med[b] ~ /^[0-9.]+$/ && med[b] > 0) }
    END {
        if (both("coderunner", "bwrap"))
            printf "goal: coderunner < bwrap          coderunner/bwrap = %.2f  %s\n",
                med["coderunner"] / med["bwrap"], med["coderunner"] < med["bwrap"] ? "met" : "not met"
        if (both("sandbox-loop", "fork+exec"))
            printf "goal: sandbox-loop <= 3x the floor  sandbox-loop/fx = %.2f  %s\n",
                med["sandbox-loop"] / med["fork+exec"], med["sandbox-loop"] <= 3 * med["fork+exec"] ? "met" : "not met"
        if (both("ns-floor", "fork+exec") && both("sandbox-loop", "ns-floor"))
            printf "kernel floor: namespaces alone = %.2fx the floor; sandbox-loop = %.2fx the namespaces alone\n",
                med["ns-floor"] / med["fork+exec"], med["sandbox-loop"] / med["ns-floor"]
    }' "$results"
