#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The installed unit, sysusers.d and tmpfiles.d snippets, checked by systemd's
# own tools: `make install` into a temporary root, then systemd-analyze
# verify (which prints parse problems but exits 0 for most of them, so any
# output fails), systemd-sysusers and systemd-tmpfiles applied to that root,
# and the man page the unit points at. TAP output.
set -u
: "${top_builddir:?}"

echo "1..4"
root=$(mktemp -d /tmp/cr-unit-root.XXXXXX)
trap 'rm -rf "$root"' EXIT INT TERM
fail=0
ok() { echo "ok $1 - $2"; }
notok() { echo "not ok $1 - $2"; printf '%s\n' "$3" | sed 's/^/# /'; fail=1; }

# systemd's tools look for units and snippets in systemd's own directories under
# --root, so install them there whatever configure chose (make distcheck moves
# them under its private prefix).
if ! out=$(${MAKE:-make} -C "$top_builddir" install DESTDIR="$root" \
        systemdsystemunitdir=/lib/systemd/system sysusersdir=/usr/lib/sysusers.d \
        tmpfilesdir=/usr/lib/tmpfiles.d 2>&1); then
        notok 1 "make install" "$out"
        exit 1
fi
unit=$(find "$root" -name coderunner.service -path '*/system/*' | head -n 1)
unitdir=$(dirname "$unit")
# the units coderunner.service refers to (sysinit.target, ...) come from the host
for f in /lib/systemd/system/* /usr/lib/systemd/system/*; do
        [ -e "$f" ] && [ ! -e "$unitdir/$(basename "$f")" ] && cp -a "$f" "$unitdir/" 2>/dev/null
done
mandir=$(dirname "$(dirname "$(find "$root" -name coderunner.1 | head -n 1)")")

out=$(MANPATH=$mandir systemd-analyze verify --root="$root" coderunner.service 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then ok 1 "systemd-analyze verify coderunner.service"
else notok 1 "systemd-analyze verify coderunner.service (rc $rc)" "$out"; fi

mkdir -p "$root/etc"
out=$(systemd-sysusers --root="$root" 2>&1) && getent_out=$(grep '^coderunner:' "$root/etc/group" 2>&1)
if [ $? -eq 0 ] && [ -n "$getent_out" ]; then ok 2 "sysusers.d creates the coderunner group"
else notok 2 "sysusers.d creates the coderunner group" "$out"; fi

out=$(systemd-tmpfiles --root="$root" --create "$(find "$root" -path '*tmpfiles.d/coderunner.conf')" 2>&1)
if [ $? -eq 0 ] && [ -d "$root/var/lib/coderunner/images" ] && [ -d "$root/run/coderunner" ]; then
        ok 3 "tmpfiles.d creates the state, cache and runtime directories"
else notok 3 "tmpfiles.d creates the state, cache and runtime directories" "$out"; fi

out=$(MANPATH=$mandir man --warnings -E UTF-8 coderunner 2>&1 >/dev/null)
if [ $? -eq 0 ] && [ -z "$out" ]; then ok 4 "man coderunner renders without warnings"
else notok 4 "man coderunner renders without warnings" "$out"; fi
exit $fail
