#!/bin/bash
# build-image.sh [--suite SUITE] NAME OUTDIR — build one CodeRunner language image.
#
# Reads rootfs/recipes/NAME.conf, runs mmdebstrap (variant essential, the
# Debian SUITE — default: the recipe's first SUITES entry — from the host's
# Debian mirror, see suite.sh), adds the recipe's npm packages (pinned
# versions, integrity-checked), trims the tree, makes it importable by the
# C image store (mount-point dirs, sandbox user, no device nodes, no
# setuid/setgid bits), reads the toolchain versions by running the tools inside
# the finished tree, and writes
#     OUTDIR/NAME.tar.zst           the image (entries ./..., numeric owners)
#     OUTDIR/NAME.manifest.json     name, version, sha256, sizes, toolchain ...
#     OUTDIR/NAME.packages.txt      "package version" of every installed package
# Outputs appear atomically (written under temporary names, then renamed).
#
# Environment knobs (none of them changes the image content, so none is part
# of the recipe hash):
#     CODERUNNER_MIRRORS   sources.list lines to use instead of the host's
#                          Debian entries (newline separated; "SUITE" in
#                          them is replaced by the suite)
#     CODERUNNER_DEB_CACHE directory of downloaded .debs shared between builds
#                          (empty: no cache; build-all.sh sets one)
#     CODERUNNER_NPM_REGISTRY  default https://registry.npmjs.org
#     CODERUNNER_NPM_CACHE directory of downloaded npm tarballs, by integrity
#     CODERUNNER_RECIPE_HASH   recorded as the manifest's recipe_hash
#                          (build-all.sh computes it; empty: null)
#     CODERUNNER_EXPECT_PACKAGES  file of "package version" lines the build
#                          must install exactly (build-all.sh: what the
#                          recipe hash was computed from)
#     CODERUNNER_APT_CACHE build-all.sh's cache: suite.sh's lists there give
#                          the Release date recorded in the manifest
#     ZSTD_LEVEL           default 6 (see docs/images.md: -19 is ~15 % smaller
#                          but takes minutes per image); ZSTD_THREADS default 2
#     BUILD_TMPDIR         where the tree is assembled, default /var/tmp
set -euo pipefail

usage() { echo "usage: $0 [--suite SUITE] NAME OUTDIR" >&2; exit 2; }
die() { echo "build-image: $*" >&2; exit 1; }
log() { echo "[$name@$SUITE $(date +%T)] $*" >&2; }

want_suite=""
if [ "${1:-}" = --suite ]; then
	want_suite=${2:?--suite needs a suite}
	shift 2
fi
[ $# -eq 2 ] || usage
name=$1
outdir=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
recipe=$here/recipes/$name.conf
[ -f "$recipe" ] || die "no recipe $recipe"
[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap root mode, chroot)"
for t in mmdebstrap zstd tar sha256sum unshare chroot jq curl openssl; do
	command -v "$t" >/dev/null || die "missing tool: $t"
done

# ---- recipe -----------------------------------------------------------------
# the default suite is the recipe's first; the recipe is then sourced with
# SUITE set, so it may choose packages and paths by suite
[ -n "$want_suite" ] ||
	want_suite=$(SUITE="" bash -c 'SUITES=bookworm; . "$1"; echo "${SUITES%% *}"' _ "$recipe")
SUITES=bookworm      # the suites the recipe builds on (build-all.sh builds each)
SUITE=$want_suite    # the one being built; recipes may branch on it
IMAGE=$name          # the image name in the store (several recipes may share one)
PACKAGES=""          # space separated Debian packages (deps come automatically)
NPM_PACKAGES=()      # "NAME VERSION INTEGRITY": npm tarballs unpacked into
                     # /usr/local/lib/node_modules/NAME (no npm, no install
                     # scripts; dependencies are listed explicitly)
NPM_BIN=()           # "CMD=PATH": /usr/local/bin/CMD -> node_modules/PATH
VERSION_CMD=""       # prints the main toolchain version (run inside the image)
TOOLCHAIN=()         # "key=shell command" -> manifest .toolchain.key
TRIM=()              # paths/globs relative to the root, removed after install
SMOKE_CMD=""         # optional extra check run inside the finished image
# A recipe may also define post_install(): run after TRIM with the image root
# as working directory; it may call drop_package_files PKG... (below).
# shellcheck source=/dev/null
. "$recipe"
[[ " $SUITES " == *" $SUITE "* ]] || die "recipe $name does not build on $SUITE (SUITES=$SUITES)"
[ -n "$PACKAGES" ] || die "recipe sets no PACKAGES"
[ -n "$VERSION_CMD" ] || die "recipe sets no VERSION_CMD"
case $IMAGE in [a-z0-9]*) ;; *) die "invalid IMAGE '$IMAGE'";; esac

recipe_hash=${CODERUNNER_RECIPE_HASH:-}
zlevel=${ZSTD_LEVEL:-6}
zthreads=${ZSTD_THREADS:-2}
start=$(date +%s.%N)

# ---- work area ----------------------------------------------------------------
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
work=$(mktemp -d "${BUILD_TMPDIR:-/var/tmp}/coderunner-$name.XXXXXX")
root=$work/root
cleanup() {
	# never follow into anything still mounted
	if [ -d "$work" ]; then
		if grep -q " $work/" /proc/self/mounts; then
			echo "build-image: mounts left under $work, not removing it" >&2
		else
			rm -rf --one-file-system "$work"
		fi
	fi
	rm -f "$outdir/.$name".*.tmp.$$
}
trap cleanup EXIT

# ---- apt sources: the host's Debian mirror, suite renamed (suite.sh) ---------
sources=$work/sources.list
"$here/suite.sh" sources "$SUITE" >"$sources"
[ -s "$sources" ] || die "no Debian $SUITE mirror found in /etc/apt (set CODERUNNER_MIRRORS)"

# ---- mmdebstrap ---------------------------------------------------------------
hooks=/usr/share/mmdebstrap/hooks
# shellcheck disable=SC2086 # word splitting normalises the list
include=$(echo $PACKAGES | tr ' ' ',')
args=(
	--variant=essential
	--mode=root
	--format=directory
	--components=main
	--aptopt='Apt::Install-Recommends "false"'
	--aptopt='Acquire::Languages "none"'
	--hook-dir="$hooks/merged-usr"
	--hook-dir="$hooks/eatmydata"
	# trims applied by dpkg for every package, also the essential ones
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/info/*'
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='path-include=/usr/share/locale/locale.alias'
	--dpkgopt='path-exclude=/usr/share/lintian/*'
	--dpkgopt='path-exclude=/usr/share/bug/*'
	--dpkgopt='path-exclude=/usr/share/bash-completion/*'
	--dpkgopt='path-exclude=/usr/share/zsh/*'
	--dpkgopt='path-exclude=/usr/share/gdb/*'
	# openjdk's postinst registers man pages as update-alternatives slaves,
	# which fails unless the directory exists
	--setup-hook='mkdir -p "$1/usr/share/man/man1"'
	--include="$include"
)
while IFS= read -r opt; do
	[ -z "$opt" ] || args+=(--aptopt="$opt")
done < <("$here/suite.sh" aptopts "$SUITE")
if [ -n "${CODERUNNER_DEB_CACHE:-}" ]; then
	mkdir -p "$CODERUNNER_DEB_CACHE"
	cache=$(cd "$CODERUNNER_DEB_CACHE" && pwd)
	# hard-link cached .debs in (apt checks their hashes against the index
	# and re-downloads any that do not match), copy new ones out afterwards
	args+=(
		--skip=essential/unlink
		--setup-hook="mkdir -p \"\$1/var/cache/apt/archives/partial\" && find '$cache' -maxdepth 1 -name '*.deb' -exec cp -l -t \"\$1/var/cache/apt/archives/\" {} + 2>/dev/null || true"
		--customize-hook="for f in \"\$1\"/var/cache/apt/archives/*.deb; do b=\${f##*/}; [ -e '$cache'/\"\$b\" ] || { cp \"\$f\" '$cache'/.\"\$b\".\$\$ && mv -f '$cache'/.\"\$b\".\$\$ '$cache'/\"\$b\"; }; done"
	)
fi

log "mmdebstrap ($PACKAGES)"
if ! mmdebstrap --quiet "${args[@]}" "$SUITE" "$root" "$sources" >"$work/mmdebstrap.log" 2>&1; then
	tail -n 40 "$work/mmdebstrap.log" >&2
	die "mmdebstrap failed"
fi
t_debootstrap=$(date +%s.%N)

# ---- package list (before dpkg metadata may be trimmed) ----------------------
chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' | sort >"$work/packages.txt"
if [ -n "${CODERUNNER_EXPECT_PACKAGES:-}" ] && ! cmp -s "$work/packages.txt" "$CODERUNNER_EXPECT_PACKAGES"; then
	diff "$CODERUNNER_EXPECT_PACKAGES" "$work/packages.txt" | head -n 20 >&2 || true
	die "installed packages differ from the resolved ones the recipe hash was computed from" \
		"(the mirror changed during the build?): build again"
fi
# the Release date of the suite's lists the packages were resolved from
release_date=""
if [ -n "${CODERUNNER_APT_CACHE:-}" ]; then
	release_date=$("$here/suite.sh" release-date --cache "$CODERUNNER_APT_CACHE" "$SUITE" || true)
fi

# ---- npm packages: pinned, integrity-checked, unpacked without npm -----------
# Tarballs come from the registry (CODERUNNER_NPM_REGISTRY) into a cache by
# integrity; a tarball whose sha512 is not the recipe's is refused. Only
# regular files and directories below one top directory are accepted.
npm_fetch() { # npm_fetch NAME VERSION INTEGRITY -> path of the verified tarball
	local pkg=$1 ver=$2 integ=$3 reg=${CODERUNNER_NPM_REGISTRY:-https://registry.npmjs.org}
	local dir=${CODERUNNER_NPM_CACHE:-$work/npm} f tmp got
	case $integ in sha512-*) ;; *) die "npm $pkg@$ver: integrity must be sha512-...";; esac
	mkdir -p "$dir"
	f=$dir/$(printf '%s' "${integ#sha512-}" | base64 -d | od -An -tx1 | tr -d ' \n').tgz
	if [ ! -f "$f" ]; then
		tmp=$f.tmp.$$
		curl -fsS --retry 3 -o "$tmp" "$reg/$pkg/-/${pkg##*/}-$ver.tgz" || die "npm $pkg@$ver: download failed"
		mv -f "$tmp" "$f"
	fi
	got=sha512-$(openssl dgst -sha512 -binary "$f" | base64 -w0)
	if [ "$got" != "$integ" ]; then
		rm -f "$f"
		die "npm $pkg@$ver: integrity mismatch (got $got)"
	fi
	echo "$f"
}
npm_unpack() { # npm_unpack TARBALL DESTDIR
	local bad
	bad=$(tar -tvzf "$1" | awk '$1 !~ /^[-d]/ { print; exit }')
	[ -z "$bad" ] || die "npm tarball $1: entry that is not a file or directory: $bad"
	bad=$(tar -tzf "$1" | awk -F/ '{ t[$1] = 1 } /^\// || /(^|\/)\.\.(\/|$)/ { print; exit }
		END { n = 0; for (k in t) n++; if (n != 1) print "more than one top directory" }')
	[ -z "$bad" ] || die "npm tarball $1: bad path: $bad"
	mkdir -p "$2"
	tar -xzf "$1" -C "$2" --strip-components=1 --no-same-owner --no-same-permissions
}
npm_json='[]'
if [ ${#NPM_PACKAGES[@]} -gt 0 ]; then
	log "npm packages"
	for entry in "${NPM_PACKAGES[@]}"; do
		read -r pkg ver integ <<<"$entry"
		tarball=$(npm_fetch "$pkg" "$ver" "$integ")
		npm_unpack "$tarball" "$root/usr/local/lib/node_modules/$pkg"
		npm_json=$(jq -c --arg n "$pkg" --arg v "$ver" --arg i "$integ" '. + [{name: $n, version: $v, integrity: $i}]' <<<"$npm_json")
	done
	chmod -R u=rwX,go=rX "$root/usr/local/lib/node_modules"
	mkdir -p "$root/usr/local/bin"
	for entry in "${NPM_BIN[@]}"; do
		target=$root/usr/local/lib/node_modules/${entry#*=}
		[ -f "$target" ] || die "NPM_BIN $entry: no such file"
		chmod 0755 "$target"
		ln -sfn "../lib/node_modules/${entry#*=}" "$root/usr/local/bin/${entry%%=*}"
	done
fi

# ---- running commands inside the tree ---------------------------------------
# Minimal namespace sandbox: private mounts, own pid ns + /proc, tmpfs on
# /tmp and /box, a /dev with the usual character devices bind-mounted from the
# host; uid/gid 1000 (IN_IMAGE_USER=0:0 for root). All mounts vanish with the
# namespace.
in_image() {
	mkdir -p "$root/box" "$root/tmp" "$root/proc" "$root/dev"
	unshare --mount --pid --fork --propagation private sh -c '
		r=$1; u=$2; shift 2
		mount -t proc proc "$r/proc"
		mount -t tmpfs -o size=512m,mode=1777 tmpfs "$r/tmp"
		mount -t tmpfs -o size=64m,mode=0755,uid=1000,gid=1000 tmpfs "$r/box"
		mount -t tmpfs -o size=1m,mode=0755 tmpfs "$r/dev"
		for d in null zero full random urandom; do
			: >"$r/dev/$d"; mount --bind "/dev/$d" "$r/dev/$d"
		done
		exec chroot --userspec="$u" --groups="${u#*:}" "$r" /usr/bin/env -i \
			HOME=/box TMPDIR=/tmp LANG=C.UTF-8 \
			PATH=/usr/local/bin:/usr/bin:/bin \
			/bin/sh -c "cd /box && $*"
	' in_image "$root" "${IN_IMAGE_USER:-1000:1000}" "$@"
}

# ---- trims --------------------------------------------------------------------
log "trimming"
(
	cd "$root"
	shopt -s nullglob globstar dotglob
	common=(
		var/cache/apt/* var/cache/debconf/*-old var/cache/ldconfig/*
		var/lib/apt/lists/* var/log/* var/lib/dpkg/*-old
		usr/share/doc/*/changelog* usr/share/doc-base
		usr/share/man/*/* usr/share/info/*
		etc/apt/sources.list etc/resolv.conf etc/hostname
		run/* var/tmp/* root/.[!.]*
	)
	for g in "${common[@]}" "${TRIM[@]}"; do
		for p in $g; do
			case $p in /*|*..*) echo "build-image: refusing trim $p" >&2; exit 1;; esac
			rm -rf --one-file-system -- "$p"
		done
	done
	# essential packages are unpacked before the dpkg excludes apply: drop
	# their docs too, keep only copyright files
	[ ! -d usr/share/doc ] || find usr/share/doc -xdev ! -type d ! -name copyright -delete
	# iconv: UTF-8/16/32, ASCII and Latin-1 are built into glibc; keep the
	# ISO-8859 and Windows code pages, drop the ~250 other modules (~7 MB)
	[ ! -d usr/lib/x86_64-linux-gnu/gconv ] || find usr/lib/x86_64-linux-gnu/gconv -xdev -type f -name '*.so' \
		! -name 'ISO8859-*' ! -name 'CP125?.so' ! -name 'UTF-7.so' ! -name 'IBM437.so' ! -name 'IBM850.so' -delete
)
# drop_package_files PKG...: delete the files and symlinks a package installed
# (from dpkg's file list; directories stay). dpkg still lists the package.
drop_package_files() {
	local p l f
	for p in "$@"; do
		l=var/lib/dpkg/info/$p.list
		[ -f "$l" ] || l=var/lib/dpkg/info/$p:amd64.list
		[ -f "$l" ] || { echo "build-image: drop_package_files: $p not installed" >&2; return 1; }
		while IFS= read -r f; do
			f=.$f
			[ ! -d "$f" ] || continue   # directories and directory symlinks stay
			if [ -L "$f" ] || [ -f "$f" ]; then rm -f -- "$f"; fi
		done <"$l"
	done
}
if declare -F post_install >/dev/null; then
	log "post_install"
	(cd "$root" && post_install)
fi
# usr/share/man/man1 must survive for later dpkg runs (openjdk); keep it empty
mkdir -p "$root/usr/share/man/man1"

# ---- make it an importable image ------------------------------------------------
# mount points: empty, root-owned, 0755
for d in tmp proc dev box; do
	rm -rf --one-file-system "${root:?}/$d"
	mkdir "$root/$d"
	chown 0:0 "$root/$d"
	chmod 0755 "$root/$d"
done
# sandbox user (uid/gid 1000, home /box)
sed -i -e '/^sandbox:/d' -e '/^[^:]*:[^:]*:1000:/d' "$root/etc/passwd" "$root/etc/group"
echo 'sandbox:x:1000:1000:CodeRunner sandbox:/box:/bin/sh' >>"$root/etc/passwd"
echo 'sandbox:x:1000:' >>"$root/etc/group"
if [ -f "$root/etc/shadow" ]; then
	sed -i -e '/^sandbox:/d' "$root/etc/shadow"
	echo 'sandbox:*:19000:0:99999:7:::' >>"$root/etc/shadow"
fi
if [ -f "$root/etc/gshadow" ]; then
	sed -i -e '/^sandbox:/d' "$root/etc/gshadow"
	echo 'sandbox:*::' >>"$root/etc/gshadow"
fi
echo sandbox >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
# no setuid/setgid anywhere (files and directories)
find "$root" -xdev ! -type l -perm /6000 -exec chmod u-s,g-s {} +
# no device nodes, fifos or sockets
find "$root" -xdev \( -type b -o -type c -o -type p -o -type s \) -delete
# absolute symlinks (/etc/alternatives/*, /usr/bin/java -> ...) become
# relative ones, so the tree means the same wherever it is unpacked and an
# importer that only accepts links resolving inside the tree takes them all
relpath() {   # relpath DIR TARGET: both absolute, lexical (no lookups)
	local -a d t n=()
	local c i=0 out=""
	IFS=/ read -ra d <<<"${1#/}"
	IFS=/ read -ra t <<<"${2#/}"
	for c in "${t[@]}"; do
		case $c in ''|.) ;; ..) [ ${#n[@]} -eq 0 ] || unset 'n[${#n[@]}-1]';; *) n+=("$c");; esac
	done
	while [ $i -lt ${#d[@]} ] && [ $i -lt ${#n[@]} ] && [ "${d[$i]}" = "${n[$i]}" ]; do i=$((i + 1)); done
	for ((c = i; c < ${#d[@]}; c++)); do out+=../; done
	for ((c = i; c < ${#n[@]}; c++)); do out+=${n[$c]}/; done
	out=${out%/}
	echo "${out:-.}"
}
while IFS=$'\t' read -r dir target path; do
	ldir=${dir#.}
	ln -sfn "$(relpath "${ldir:-/}" "$target")" "$root/$path"
done < <(cd "$root" && find . -xdev -type l -lname '/*' -printf '%h\t%l\t%p\n')
# no symlink may point outside the tree (relative ones must not climb above /)
bad=$(cd "$root" && find . -xdev -type l -printf '%h\t%l\n' | awk -F'\t' '
	$2 !~ /^\// { n=split($1,d,"/")-1; m=split($2,p,"/");
		for (i=1;i<=m;i++) { if (p[i]=="..") n--; else if (p[i]!="." && p[i]!="") n++; if (n<0) { print; break } } }')
[ -z "$bad" ] || die "symlinks leaving the tree: $bad"

extract_version() { grep -oE '[0-9]+(\.[0-9]+)+' | head -n1; }

log "reading versions"
version=$(in_image "$VERSION_CMD" 2>&1 | extract_version) || true
[ -n "$version" ] || die "VERSION_CMD gave no version: $(in_image "$VERSION_CMD" 2>&1 | head -5)"
toolchain='{}'
for entry in "${TOOLCHAIN[@]}"; do
	key=${entry%%=*}
	cmd=${entry#*=}
	v=$(in_image "$cmd" 2>&1 | extract_version) || true
	[ -n "$v" ] || die "toolchain $key: no version from: $cmd"
	toolchain=$(jq -c --arg k "$key" --arg v "$v" '. + {($k): $v}' <<<"$toolchain")
done
if [ -n "$SMOKE_CMD" ]; then
	log "smoke test"
	in_image "$SMOKE_CMD" >&2 || die "smoke test failed: $SMOKE_CMD"
fi
# the smoke test ran in tmpfs mounts; make sure nothing leaked into the tree
for d in tmp proc dev box; do
	[ -z "$(ls -A "$root/$d")" ] || die "/$d is not empty"
done
t_test=$(date +%s.%N)

# ---- pack ---------------------------------------------------------------------
unpacked=$(du -s --apparent-size --block-size=1 "$root" | cut -f1)
files=$(find "$root" -xdev | wc -l)
tmp_tar=$outdir/.$name.tar.zst.tmp.$$
log "packing (zstd -$zlevel -T$zthreads)"
tar --create --file=- --directory="$root" --numeric-owner --sort=name \
	--format=posix --pax-option='delete=atime,delete=ctime' \
	--no-acls --no-selinux --no-xattrs --one-file-system . |
	zstd -q "-$zlevel" "-T$zthreads" -o "$tmp_tar"
t_pack=$(date +%s.%N)
sha=$(sha256sum "$tmp_tar" | cut -d' ' -f1)
size=$(stat -c %s "$tmp_tar")

secs() { echo "$1 $2" | awk '{ printf "%.1f", $2 - $1 }'; }
tmp_manifest=$outdir/.$name.manifest.json.tmp.$$
jq -n \
	--arg name "$IMAGE" --arg recipe "$name" --arg version "$version" --arg sha "$sha" \
	--argjson size "$size" --argjson unpacked "$unpacked" --argjson files "$files" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg rh "$recipe_hash" \
	--arg reldate "$release_date" --argjson npm "$npm_json" \
	--argjson toolchain "$toolchain" --arg suite "$SUITE" \
	--arg packages "$PACKAGES" --argjson npk "$(wc -l <"$work/packages.txt")" \
	--arg mmd "$(mmdebstrap --version | awk '{print $2}')" \
	--arg zl "$zlevel" \
	--argjson tb "$(secs "$start" "$t_debootstrap")" \
	--argjson tt "$(secs "$t_debootstrap" "$t_test")" \
	--argjson tp "$(secs "$t_test" "$t_pack")" \
	--argjson ta "$(secs "$start" "$t_pack")" '
	{
		name: $name, version: $version, sha256: $sha,
		size_bytes: $size, unpacked_bytes: $unpacked, files: $files,
		build_date: $date, recipe: $recipe, recipe_hash: (if $rh == "" then null else $rh end),
		toolchain: $toolchain,
		format: "tar.zst", compression: ("zstd -" + $zl),
		debian: { suite: $suite, release_date: (if $reldate == "" then null else $reldate end),
		          packages: ($packages | split(" ") | map(select(. != ""))),
		          installed_packages: $npk, mmdebstrap: $mmd },
		npm: $npm,
		build_seconds: { mmdebstrap: $tb, trim_and_test: $tt, pack: $tp, total: $ta }
	}' >"$tmp_manifest"
cp "$work/packages.txt" "$outdir/.$name.packages.txt.tmp.$$"
mv -f "$tmp_tar" "$outdir/$name.tar.zst"
mv -f "$outdir/.$name.packages.txt.tmp.$$" "$outdir/$name.packages.txt"
mv -f "$tmp_manifest" "$outdir/$name.manifest.json"
log "done: $name $version $(awk -v b="$size" 'BEGIN{printf "%.1f MiB packed", b/1048576}')," \
	"$(awk -v b="$unpacked" 'BEGIN{printf "%.1f MiB unpacked", b/1048576}'), $(secs "$start" "$t_pack") s"
