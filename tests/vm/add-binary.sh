#!/usr/bin/env bash
# tests/vm/add-binary.sh BIN DESTDIR [PATH-IN-DESTDIR]
#
# Copies the ELF file BIN (executable or shared library) into DESTDIR together
# with every shared library ldd reports for it and the dynamic loader, so that
# DESTDIR can serve as (part of) a root filesystem:
#
#   BIN        -> DESTDIR/PATH-IN-DESTDIR (default: BIN's absolute path, e.g.
#                 /usr/bin/env -> DESTDIR/usr/bin/env)
#   each lib   -> DESTDIR/<path ldd printed>, e.g. DESTDIR/lib/x86_64-linux-gnu/libc.so.6
#   the loader -> DESTDIR/<PT_INTERP path>, e.g. DESTDIR/lib64/ld-linux-x86-64.so.2
#
# Symlinks are dereferenced (files are stored under the names ldd prints).
# Statically linked files are copied alone. Libraries loaded with dlopen()
# (NSS modules, libgcc_s for pthread_cancel, ...) are not seen by ldd: add
# them with another call, e.g.  add-binary.sh /lib/x86_64-linux-gnu/libgcc_s.so.1 DESTDIR
#
# For the VM tier use DESTDIR=PAYLOAD/sysroot: run-vm.sh merges it into the
# guest's /, e.g.
#   tests/vm/add-binary.sh build/coderunner "$payload/sysroot" /usr/local/bin/coderunner
# Prints each installed path (relative to DESTDIR) on stdout.
set -euo pipefail

[ $# -ge 2 ] && [ $# -le 3 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
BIN=$1 DEST=$2
[ -f "$BIN" ] || { echo "add-binary: $BIN: no such file" >&2; exit 1; }
case "$BIN" in /*) ABS=$BIN ;; *) ABS=$(pwd)/$BIN ;; esac
TARGET=${3:-$ABS}
case "$TARGET" in /*) ;; *) TARGET=/$TARGET ;; esac
mkdir -p "$DEST"

install_file() { # SRC PATH-IN-DEST
    local dst="$DEST$2"
    mkdir -p "$(dirname "$dst")"
    rm -f "$dst"
    cp -L --preserve=mode "$1" "$dst"
    echo "${2#/}"
}

install_file "$BIN" "$TARGET"

out=$(LC_ALL=C ldd "$BIN" 2>&1) || {
    case "$out" in
        *"not a dynamic executable"*|*"statically linked"*) exit 0 ;;
        *) echo "add-binary: ldd $BIN failed: $out" >&2; exit 1 ;;
    esac
}
case "$out" in *"statically linked"*) exit 0 ;; esac

status=0
while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    case "$line" in
        *"=> not found"*)
            echo "add-binary: $BIN needs ${line%% *}, which ldd cannot find" >&2
            status=1 ;;
        *" => /"*)         # libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)
            p=${line#* => }; p=${p%% (*}
            install_file "$p" "$p" ;;
        /*)                # /lib64/ld-linux-x86-64.so.2 (0x...)
            p=${line%% (*}
            install_file "$p" "$p" ;;
        *) ;;              # linux-vdso.so.1 (0x...) and the like
    esac
done <<< "$out"
exit $status
