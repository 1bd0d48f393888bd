#!/bin/bash
# The systemd VM tier, inside the guest (systemd is PID 1, cgroup v2, no
# network but lo): install the package, start the unit, and check what only
# a real systemd shows. TAP on the console, then CR-VM-DONE rc=N.
set -u
P=/payload
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/# /'; }
check() { # NAME COMMAND...: ok when the command succeeds; its output is shown when not
        local name=$1 out; shift
        if out=$("$@" 2>&1); then ok "$name"; else notok "$name" "$out"; fi
}
finish() {
        echo "1..$n"
        echo "CR-VM-DONE rc=$([ $failed -eq 0 ] && echo 0 || echo 1)"
        systemctl poweroff --force --force
}
trap finish EXIT
exec </dev/null
echo "# CR-VM-SYSTEMD up after $(cut -d' ' -f1 /proc/uptime) s; $(systemctl --version | head -n1)"
export LANG=C.UTF-8 SYSTEMD_PAGER=cat

prop() { systemctl show -P "$1" coderunner.service; }
wait_for() { # SECONDS COMMAND...: the command is run again until it succeeds
        local end=$(($(date +%s) + $1)); shift
        until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -ge $end ] && return 1; sleep 0.2; done
}
http() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:8084$1"; }
unit_cg=/sys/fs/cgroup/system.slice/coderunner.service
leaves() { find "$unit_cg" -mindepth 1 -maxdepth 1 -type d -name 'cr-*' 2>/dev/null; }
have_leaves() { [ -n "$(leaves)" ]; }
is_ready() { [ "$(http /ready)" = 200 ]; }
restarted_since() { [ "$(prop NRestarts)" -gt "$1" ]; }
active_with_new_main() { [ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" != "$1" ] && [ "$(prop MainPID)" != 0 ]; }

# --- install ----------------------------------------------------------------
# the guest was built without documentation; the package's man page is wanted
rm -f /etc/dpkg/dpkg.cfg.d/99mmdebstrap
check "the package installs (dpkg -i)" dpkg -i "$P/coderunner.deb"
check "the man page is installed" bash -c "zcat /usr/share/man/man1/coderunner.1.gz | grep -q '^.TH CODERUNNER 1'"
# (the guest has no man-db: the Documentation= check is the host's, tests/systemd/verify-unit.sh)
out=$(systemd-analyze verify --man=no /lib/systemd/system/coderunner.service 2>&1)
if [ -z "$out" ]; then ok "systemd-analyze verify on the installed unit"; else notok "systemd-analyze verify on the installed unit" "$out"; fi
check "the package started and enabled the unit" systemctl is-enabled coderunner.service
check "the sysusers.d group exists" getent group coderunner
check "the configuration is root:coderunner 0640" \
        test "$(stat -c %U:%G:%a /etc/coderunner/coderunner.conf)" = root:coderunner:640
check "the image imports" coderunner images import "$P/python.tar.zst"
# a short watchdog for the SIGSTOP check below (the unit's is 20 s)
mkdir -p /etc/systemd/system/coderunner.service.d
printf '[Service]\nWatchdogSec=4s\nTimeoutAbortSec=5s\n' > /etc/systemd/system/coderunner.service.d/test.conf
systemctl daemon-reload

# --- READY ------------------------------------------------------------------
check "systemctl restart returns once READY=1 arrived" systemctl restart coderunner.service
status=$(prop StatusText)
if [ "$(prop ActiveState)/$(prop SubState)" = active/running ] && [[ "$status" == "Serving: 0 running, 0 queued, 1/"* ]]; then
        ok "active/running with the daemon's status line ($status)"
else notok "active/running with the daemon's status line" "$(systemctl status coderunner.service)"; fi
check "GET /health" test "$(curl -s http://127.0.0.1:8084/health)" = '{"status":"healthy"}'
check "GET /ready" test "$(http /ready)" = 200
main=$(prop MainPID)
check "the daemon lives in <unit>/supervisor" grep -qx "0::/system.slice/coderunner.service/supervisor" "/proc/$main/cgroup"

# --- a straying program is named, without CAP_SYS_PTRACE ---------------------
# The unit's bounding set leaves CAP_SYS_PTRACE out, so the supervisor cannot
# take init's seccomp listener with pidfd_getfd; init's helper sends it
# (src/sandbox/listener.c), and the result names the call.
bnd=$(awk '/^CapBnd:/ {print $2}' "/proc/$main/status")
if [ -n "$bnd" ] && (( (16#$bnd >> 19 & 1) == 0 )); then ok "the daemon's bounding set has no CAP_SYS_PTRACE (CapBnd $bnd)"
else notok "the daemon's bounding set has no CAP_SYS_PTRACE" "CapBnd=$bnd"; fi
printf 'import os\nprint("calling chroot", flush=True)\nos.chroot("/")\nprint("still alive")\n' > /tmp/stray.py
stray=$(python3 "$P/client.py" 9084 /tmp/stray.py)
if grep -q '"verdict": "VERDICT_SECCOMP_VIOLATION"' <<<"$stray" && grep -q 'forbidden system call (chroot)' <<<"$stray" \
        && ! grep -q 'still alive' <<<"$stray"; then
        ok "a straying program gets SECCOMP_VIOLATION naming the call (chroot)"
else notok "a straying program gets SECCOMP_VIOLATION naming the call (chroot)" "$stray"; fi

# --- sandboxes in the delegated subtree, memory limit enforced --------------
printf 'import time\ntime.sleep(6)\na, b = map(int, input().split())\nprint(a + b)\n' > /tmp/slow.py
printf 'x = bytearray(256 * 1024 * 1024)\nprint(len(x))\n' > /tmp/hog.py
printf 'a, b = map(int, input().split())\nprint(a + b)  # SOURCE-MARKER-7f3e\n' > /tmp/sum.py
check "a job runs" grep -q '"verdict": "VERDICT_OK", "stdout": "3' <(python3 "$P/client.py" 9084 /tmp/sum.py)
python3 "$P/client.py" 9084 /tmp/slow.py > /tmp/slow.out &
if wait_for 30 have_leaves; then
        leaf=$(leaves | head -n1)
        ok "a running sandbox has its leaf in the unit's subtree ($(basename "$leaf"))"
        mem=$(cat "$leaf/memory.max" 2>/dev/null)
        if [ -n "$mem" ] && [ "$mem" != max ]; then ok "its memory.max is set ($mem)"; else notok "its memory.max is set" "$mem"; fi
        check "its processes are in it" test -n "$(cat "$leaf/cgroup.procs")"
else
        notok "a running sandbox has its leaf in the unit's subtree" "$(find "$unit_cg")"
        notok "its memory.max is set"
        notok "its processes are in it"
fi
wait
# 32 MiB, so that TCG reaches it well within the CPU limit
hog=$(python3 "$P/client.py" 9084 /tmp/hog.py 32)
if grep -q '"verdict": "VERDICT_MEMORY_LIMIT"' <<<"$hog"; then ok "the memory limit is enforced (MEMORY_LIMIT at 32 MiB)"
else notok "the memory limit is enforced (MEMORY_LIMIT at 32 MiB)" "$hog"; fi
check "the slow job passed" grep -q '"verdict": "VERDICT_OK"' /tmp/slow.out

# --- watchdog ---------------------------------------------------------------
restarts=$(prop NRestarts)
kill -STOP "$main"
if wait_for 40 restarted_since "$restarts"; then
        ok "SIGSTOP of the main process: the watchdog restarted it"
else notok "SIGSTOP of the main process: the watchdog restarted it" "$(systemctl status coderunner.service)"; fi
check "it came back active with a new main process" wait_for 60 active_with_new_main "$main"
check "and ready again" wait_for 60 is_ready
check "the journal says why" bash -c "journalctl -u coderunner.service | grep -q 'Watchdog timeout'"

# --- systemctl stop drains ---------------------------------------------------
python3 "$P/client.py" 9084 /tmp/slow.py > /tmp/drain.out &
client=$!
wait_for 30 have_leaves
stop_start=$(date +%s)
check "systemctl stop" systemctl stop coderunner.service
wait $client
if grep -q '"verdict": "VERDICT_OK"' /tmp/drain.out; then ok "the job running at stop finished (drained)"
else notok "the job running at stop finished (drained)" "$(cat /tmp/drain.out)"; fi
left=$(leaves; pgrep -f '/box/main.py' || true)
if [ -z "$left" ] && [ "$(prop ActiveState)" = inactive ]; then ok "no sandbox left behind ($(( $(date +%s) - stop_start )) s to stop)"
else notok "no sandbox left behind" "$left $(prop ActiveState)"; fi

# --- the journal --------------------------------------------------------------
# in a file: after a restart loop the journal outgrows an argument list
j=/tmp/coderunner.journal
journalctl -u coderunner.service -o export > "$j" 2>/dev/null
check "journal entries carry CODERUNNER_EVENT, CODE_FILE, PRIORITY" bash -c \
        "grep -aq '^CODERUNNER_EVENT=ready' $j && grep -aq '^CODE_FILE=' $j && grep -aq '^PRIORITY=6' $j"
check "the journal holds no source code" bash -c "! grep -aq SOURCE-MARKER-7f3e $j"
check "STOPPING reached the journal as an event" grep -aq '^CODERUNNER_EVENT=stopping' "$j"
