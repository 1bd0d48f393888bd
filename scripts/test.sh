#!/bin/bash
# The whole test suite, from nothing, as root on Debian 12:
#   setup → build (gcc, -Werror) → unit tests + fuzz corpus replay
#   → make distcheck → integration tests as root → language images and
#   runtimes → the job store on SQLite and a private PostgreSQL → the gRPC
#   daemon (system tests) → events (librdkafka's mock cluster and a real
#   consumer) → the kernel VM tier (cgroup v2 and pure v1 in qemu, seccomp
#   on a kernel with IA32 emulation) → the
#   systemd VM tier (the package under systemd as PID 1 in qemu) → clang
#   ASan+UBSan build: unit, integration and the
#   gRPC layer's tests again.
# Exits non-zero on any failure and ends with one line "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logdir="$top/build/test-logs"
passed=0
failed=0
skipped=0
stages_failed=()

say() { printf '\n==> %s\n' "$*"; }

# count_tap FILE: adds the ok / not ok lines of a TAP log.
count_tap() {
        local p f s
        p=$(grep -cE '^ok [0-9]+' "$1" | head -1)
        s=$(grep -cE '^ok [0-9]+.*# SKIP' "$1" | head -1)
        f=$(grep -cE '^not ok [0-9]+' "$1" | head -1)
        passed=$((passed + p - s)); skipped=$((skipped + s)); failed=$((failed + f))
}

# count_pytest FILE: adds pytest's closing counts.
count_pytest() {
        local line n
        line=$(grep -E '^=+ .*(passed|failed|error|skipped).* in [0-9.]+s' "$1" | tail -1)
        for kind in passed failed error skipped; do
                n=$(sed -nE "s/.* ([0-9]+) $kind.*/\1/p" <<<"$line")
                n=${n:-0}
                case $kind in
                passed) passed=$((passed + n)) ;;
                failed | error) failed=$((failed + n)) ;;
                skipped) skipped=$((skipped + n)) ;;
                esac
        done
}

stage() { # stage NAME COMMAND...: runs a stage, records failure
        local name=$1
        shift
        say "$name"
        if ! "$@"; then
                stages_failed+=("$name")
                return 1
        fi
}

build() { # build DIR CONFIGURE-ARGS...
        local dir=$1
        shift
        mkdir -p "$dir" && cd "$dir" &&
                "$top/configure" -q "$@" >/dev/null &&
                make -s -j"$(nproc)"
        local rc=$?
        cd "$top"
        return $rc
}

unit() { # unit DIR LOGNAME
        local rc
        (cd "$1" && make -s -j"$(nproc)" check) >"$logdir/$2.log" 2>&1
        rc=$?
        cat "$1"/tests/unit/*.log "$1"/tests/fuzz/*.log "$1"/tests/systemd/*.log >"$logdir/$2.tap" 2>/dev/null
        count_tap "$logdir/$2.tap"
        grep -E '^(# (TOTAL|PASS|SKIP|FAIL|ERROR)|FAIL:|ERROR:)' "$logdir/$2.log"
        return $rc
}

tier() { # tier BUILDDIR TARGET LOGNAME COUNTER: a make target whose output is pytest's or TAP
        local rc
        (cd "$1" && make -s "$2") 2>&1 | tee "$logdir/$3.log"
        rc=${PIPESTATUS[0]}
        "$4" "$logdir/$3.log"
        return $rc
}

distcheck() { # distcheck BUILDDIR: the release tarball builds and passes make check
        if (cd "$1" && make -s distcheck) >"$logdir/distcheck.log" 2>&1; then
                passed=$((passed + 1)); echo "distcheck: ok"
        else
                failed=$((failed + 1)); tail -20 "$logdir/distcheck.log"; return 1
        fi
}

mkdir -p "$logdir"
stage setup "$top/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
stage autogen "$top/autogen.sh" >/dev/null 2>&1 || { echo "0 passed, 1 failed"; exit 1; }

if stage "syntax-check" "$top/scripts/syntax-check.sh" "$top"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
if stage "build (gcc)" build build/gcc CC=gcc; then
        stage "unit tests (gcc)" unit build/gcc unit-gcc
        stage "make distcheck" distcheck build/gcc
        stage "integration tests" tier build/gcc check-integration integration-gcc count_pytest
        stage "language images and runtimes" tier build/gcc check-lang lang count_pytest
        stage "job store (SQLite, PostgreSQL 15)" tier build/gcc check-store store count_pytest
        stage "gRPC daemon (system tests)" tier build/gcc check-system system count_pytest
        stage "events (Kafka mock cluster, file sink)" tier build/gcc check-events events count_pytest
        [ "${CR_SKIP_VM:-0}" = 1 ] || stage "kernel VM tier" tier build/gcc check-vm vm count_tap
        [ "${CR_SKIP_VM:-0}" = 1 ] || stage "systemd VM tier" tier build/gcc check-vm-systemd vm-systemd count_tap
fi
if stage "build (clang, ASan+UBSan)" build build/asan CC=clang --enable-sanitizers; then
        stage "unit tests (ASan+UBSan)" unit build/asan unit-asan
        stage "integration tests (ASan+UBSan)" tier build/asan check-integration integration-asan count_pytest
        stage "gRPC layer (ASan+UBSan)" tier build/asan check-rpc rpc count_pytest
        stage "attack suite (ASan+UBSan)" tier build/asan check-attacks attacks-asan count_pytest
fi

say "summary"
if [ ${#stages_failed[@]} -gt 0 ]; then
        echo "failed stages: ${stages_failed[*]}"
        [ "$failed" -gt 0 ] || failed=${#stages_failed[@]}
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ ${#stages_failed[@]} -eq 0 ]
