#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the small rootfs the integration tests and the latency bench run in:
#
#   make-rootfs.sh OUTDIR PROBE_BINARY
#
# OUTDIR gets a static busybox (/bin/busybox, from Debian's busybox-static or
# $BUSYBOX) with relative applet symlinks, the static test probe at /probe,
# empty mount points /tmp /proc /dev /box (and /etc /usr), and /etc/passwd,
# /etc/group with the sandbox user (1000:1000). Everything is root-owned,
# directories 0755, so the unprivileged sandbox uid can read it.
#
# Idempotent and fast: files are only replaced when their content differs,
# and always by rename, so a sandbox running on OUTDIR never sees a partial
# file. Never build it inside the source tree.
set -eu

usage() {
    echo "usage: $0 OUTDIR PROBE_BINARY" >&2
    exit 2
}
[ $# -eq 2 ] || usage
out=$1
probe=$2

APPLETS="sh echo cat sleep true false yes head dd ls id hostname env kill wc"

find_busybox() {
    for c in ${BUSYBOX:-} /bin/busybox /usr/bin/busybox; do
        if [ -z "$c" ] || [ ! -x "$c" ]; then continue; fi
        # The rootfs has no libc: only a static busybox works there.
        if LC_ALL=C file -L "$c" 2>/dev/null | grep -q 'statically linked' ||
           ! LC_ALL=C ldd "$c" >/dev/null 2>&1; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

busybox=$(find_busybox) || {
    echo "$0: no static busybox found (apt-get install busybox-static, or set BUSYBOX)" >&2
    exit 1
}
if [ ! -f "$probe" ] || [ ! -x "$probe" ]; then
    echo "$0: probe binary '$probe' missing or not executable" >&2
    exit 1
fi
if LC_ALL=C ldd "$probe" >/dev/null 2>&1; then
    echo "$0: probe '$probe' is dynamically linked; it must be built with -static" >&2
    exit 1
fi

# install_file SRC DEST MODE: replace DEST atomically when it differs.
install_file() {
    if [ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2"; then
        chmod "$3" "$2"
        return 0
    fi
    tmp="$2.tmp.$$"
    cp "$1" "$tmp"
    chmod "$3" "$tmp"
    mv -f "$tmp" "$2"
}

# write_file DEST MODE < content
write_file() {
    tmp="$1.tmp.$$"
    cat > "$tmp"
    chmod "$2" "$tmp"
    if [ -f "$1" ] && cmp -s "$tmp" "$1"; then
        rm -f "$tmp"
    else
        mv -f "$tmp" "$1"
    fi
}

umask 022
mkdir -p "$out"
chmod 0755 "$out"
for d in bin etc usr tmp proc dev box; do
    [ -L "$out/$d" ] && rm -f "$out/$d"
    mkdir -p "$out/$d"
    chmod 0755 "$out/$d"
done

install_file "$busybox" "$out/bin/busybox" 0755
for a in $APPLETS; do
    if [ "$(readlink "$out/bin/$a" 2>/dev/null)" != busybox ]; then
        ln -sfn busybox "$out/bin/$a.tmp.$$"
        mv -Tf "$out/bin/$a.tmp.$$" "$out/bin/$a"
    fi
done
install_file "$probe" "$out/probe" 0755

write_file "$out/etc/passwd" 0644 <<'EOF'
root:x:0:0:root:/root:/bin/sh
sandbox:x:1000:1000:sandbox:/box:/bin/sh
EOF
write_file "$out/etc/group" 0644 <<'EOF'
root:x:0:
sandbox:x:1000:
EOF

# Ownership: only root can chown; when run unprivileged the tree stays the
# caller's (good enough for building, the tests need root anyway).
if [ "$(id -u)" = 0 ]; then
    chown -R -h 0:0 "$out"
fi
