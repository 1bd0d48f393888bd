#!/bin/bash
# scripts/make-deb.sh SRCDIR OUTDIR: a Debian binary package of this tree
# (`make deb`): the binary, the daemon helper, the unit, sysusers.d and
# tmpfiles.d snippets, the default configuration (a conffile), seccomp
# profiles, the runtime catalogue and image recipes, the man page. Built in
# OUTDIR/deb-build with the Debian paths (--prefix=/usr --sysconfdir=/etc),
# staged with `make install DESTDIR`, packed with dpkg-deb; Depends comes
# from dpkg-shlibdeps plus the libraries that are dlopen()ed, which it cannot
# see: libarchive, and the daemon's libpq, librdkafka and libcurl (loaded
# when the PostgreSQL store, Kafka or Eureka is configured).
set -euo pipefail
src=$(cd "${1:?SRCDIR}" && pwd)
out=$(mkdir -p "${2:?OUTDIR}" && cd "$2" && pwd)
build=$out/deb-build
stage=$out/deb-stage
jobs=${CR_DEB_JOBS:-2}

version=$(sed -n 's/^AC_INIT(\[coderunner\], \[\([^]]*\)\].*/\1/p' "$src/configure.ac")
arch=$(dpkg --print-architecture)
deb=$out/coderunner_${version}_${arch}.deb

[ -x "$src/configure" ] || (cd "$src" && ./autogen.sh >/dev/null)
mkdir -p "$build"
if [ ! -f "$build/Makefile" ]; then
        (cd "$build" && "$src/configure" -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
                --libexecdir=/usr/libexec --with-systemdsystemunitdir=/lib/systemd/system \
                --with-sysusersdir=/usr/lib/sysusers.d --with-tmpfilesdir=/usr/lib/tmpfiles.d \
                CFLAGS="-O2 -g")
fi
make -C "$build" -s -j"$jobs" >/dev/null
rm -rf "$stage"
make -C "$build" -s install DESTDIR="$stage" >/dev/null
# binaries stripped (debug info stays in the build tree), man page compressed
strip --strip-unneeded "$stage/usr/bin/coderunner" "$stage/usr/libexec/coderunner/coderunner-serve" \
        "$stage/usr/libexec/coderunner/coderunner-executor"
gzip -9n "$stage/usr/share/man/man1/coderunner.1"
install -d "$stage/usr/share/doc/coderunner"
install -m 0644 "$src/docs/operations.md" "$src/README.md" "$stage/usr/share/doc/coderunner/"

install -d "$stage/DEBIAN"
install -m 0755 "$src/packaging/deb/postinst" "$src/packaging/deb/prerm" "$src/packaging/deb/postrm" \
        "$stage/DEBIAN/"
echo /etc/coderunner/coderunner.conf >"$stage/DEBIAN/conffiles"
shlibs=$(cd "$build" && mkdir -p debian && printf 'Source: coderunner\n\nPackage: coderunner\nArchitecture: any\n' \
         >debian/control && dpkg-shlibdeps -O -e "$stage/usr/bin/coderunner" \
         -e "$stage/usr/libexec/coderunner/coderunner-serve" \
         -e "$stage/usr/libexec/coderunner/coderunner-executor" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: coderunner
Version: $version
Architecture: $arch
Maintainer: CodeRunner maintainers <coderunner@localhost>
Installed-Size: $size
Depends: $shlibs, libarchive13 (>= 3.4), libpq5, librdkafka1 (>= 1.9), libcurl4, systemd
Recommends: mmdebstrap, eatmydata, zstd, jq
Section: devel
Priority: optional
Homepage: https://localhost/coderunner
Description: sandboxed code execution service for programming challenges
 CodeRunner runs untrusted programs in sandboxes (namespaces, a read-only
 language image, cgroup limits, seccomp, no capabilities) and serves the
 gRPC API of the Docker-based service it replaces, with HTTP health,
 readiness and Prometheus metrics, as a systemd service. After installing,
 build and import the language images: coderunner images build all.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
