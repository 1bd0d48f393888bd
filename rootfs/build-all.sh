#!/bin/bash
# build-all.sh [--cache DIR] [--jobs N] [--force] [--offline] [--suites "S..."]
#              [--list|--print-dirs] [NAME[@SUITE]...]
#
# Builds the language images with build-image.sh, two at a time, into a
# cache outside the source tree. A build unit is a recipe on one Debian
# suite: every recipe is built on each suite its SUITES names (and
# suites.conf lists); NAME builds all of a recipe's suites, NAME@SUITE one.
#     DIR/NAME/HASH/{NAME.tar.zst,NAME.manifest.json,NAME.packages.txt,build.log}
# HASH is the recipe hash: sha256 of build-image.sh, recipes/NAME.conf, the
# suite, and the name and version of every package the build installs, as
# apt resolves them against the suite's current signed lists (suite.sh
# resolve; the lists are refreshed once per run). A security update thus
# changes the hash of exactly the images that contain the updated package,
# and only they are rebuilt; an image whose hash directory holds a verified
# tarball is not rebuilt. Several checkouts may share the cache at once (CI
# runs, worktrees): each build holds DIR/NAME/.lock, and hash directories
# are removed only once unused for 7 days, so a checkout always uses the
# hashes of its own recipes (--print-dirs). Downloaded .debs are shared in
# DIR/.debs, npm tarballs in DIR/.npm, apt lists in DIR/.apt.
#
#   --cache DIR     cache directory (default /var/cache/coderunner/images)
#   --jobs N        parallel builds (default 2)
#   --force         rebuild even when cached
#   --offline       do not refresh the apt lists (use the ones in DIR/.apt)
#   --suites "S..." only these suites (default: all of suites.conf, or
#                   $CODERUNNER_SUITES)
#   --list          print what would be built, build nothing
#   --print-dirs    print "NAME DIR" of this tree's build units, build nothing
#                   (uses the lists as they are: no refresh unless missing)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=/var/cache/coderunner/images
jobs=2
force=0
list=0
print_dirs=0
offline=0
suites=${CODERUNNER_SUITES:-}
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=${2:?--cache needs a directory}; shift 2;;
	--cache=*) cache=${1#--cache=}; shift;;
	--jobs) jobs=${2:?}; shift 2;;
	--force) force=1; shift;;
	--offline) offline=1; shift;;
	--suites) suites=${2?}; shift 2;;
	--list) list=1; shift;;
	--print-dirs) print_dirs=1; shift;;
	-h|--help) sed -n "2,31p" "$0" | sed 's/^# \{0,1\}//'; exit 0;;
	-*) echo "build-all: unknown option $1" >&2; exit 2;;
	*) args+=("$1"); shift;;
	esac
done
[ -n "$suites" ] || suites=$("$here/suite.sh" list | tr '\n' ' ')

# enabled NAME SUITE: suites.conf does not limit SUITE to other recipes
enabled() {
	local only
	only=$("$here/suite.sh" recipes "$2")
	[ -z "$only" ] || [[ ",$only," == *",$1,"* ]]
}

# recipe_suites NAME: the recipe's SUITES (default bookworm) that are wanted
recipe_suites() {
	local s
	for s in $(SUITE="" bash -c 'SUITES=bookworm; . "$1"; echo $SUITES' _ "$here/recipes/$1.conf"); do
		[[ " $suites " == *" $s "* ]] && enabled "$1" "$s" && echo "$s"
	done
	return 0
}

# biggest first, so the two build slots finish at about the same time
order=(rust go java cpp typescript typescript5 typescript7 c csharp javascript python)
units=()
if [ ${#args[@]} -eq 0 ]; then
	names=("${order[@]}")
	for f in "$here"/recipes/*.conf; do
		n=$(basename "$f" .conf)
		[[ " ${names[*]} " == *" $n "* ]] || names+=("$n")
	done
	# suite by suite (oldest first), so a partial cache is useful soonest
	for s in $suites; do
		for n in "${names[@]}"; do
			[ -f "$here/recipes/$n.conf" ] || continue
			[[ " $(recipe_suites "$n" | tr '\n' ' ') " == *" $s "* ]] && units+=("$n@$s")
		done
	done
else
	for a in "${args[@]}"; do
		n=${a%@*}
		[ -f "$here/recipes/$n.conf" ] || { echo "build-all: no recipe for $n" >&2; exit 2; }
		if [ "$a" != "$n" ]; then
			s=${a#*@}
			SUITE="" bash -c 'SUITES=bookworm; . "$1"; [[ " $SUITES " == *" $2 "* ]]' _ \
				"$here/recipes/$n.conf" "$s" ||
				{ echo "build-all: recipe $n does not build on $s" >&2; exit 2; }
			enabled "$n" "$s" || { echo "build-all: suites.conf does not enable $n on $s" >&2; exit 2; }
			units+=("$a")
		else
			while read -r s; do units+=("$n@$s"); done < <(recipe_suites "$n")
		fi
	done
fi
[ ${#units[@]} -gt 0 ] || { echo "build-all: nothing to build (suites: $suites)" >&2; exit 2; }

# ---- recipe hashes --------------------------------------------------------------
# refresh each suite's lists once per run (not for --list / --print-dirs,
# which must name what the last build used)
declare -A refreshed
refresh() {
	local s=$1 o=()
	[ -z "${refreshed[$s]:-}" ] || return 0
	refreshed[$s]=1
	if [ $offline = 1 ] || [ $list = 1 ] || [ $print_dirs = 1 ]; then o=(--offline); fi
	"$here/suite.sh" update "${o[@]}" --cache "$cache" "$s"
}

recipe_packages() { SUITE=$2 bash -c 'SUITES=bookworm; . "$1"; echo $PACKAGES' _ "$here/recipes/$1.conf"; }

declare -A hash_of resolved_of
compute_hash() {
	local u=$1 n=${1%@*} s=${1#*@} pk res
	refresh "$s"
	pk=$(recipe_packages "$n" "$s")
	# shellcheck disable=SC2086 # PACKAGES is a word list
	res=$("$here/suite.sh" resolve --cache "$cache" "$s" $pk)
	resolved_of[$u]=$res
	hash_of[$u]=$({
		cat "$here/build-image.sh" "$here/recipes/$n.conf"
		printf 'suite %s\n%s\n' "$s" "$res"
	} | sha256sum | cut -d' ' -f1)
}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
for u in "${units[@]}"; do compute_hash "$u"; done
unit_dir() { echo "$cache/${1%@*}/${hash_of[$1]}"; }

# cached and intact? (manifest present, hash matches, tarball digest matches)
is_cached() {
	local u=$1 n=${1%@*} d
	d=$(unit_dir "$u")
	[ -f "$d/$n.manifest.json" ] && [ -f "$d/$n.tar.zst" ] || return 1
	[ "$(jq -r .recipe_hash "$d/$n.manifest.json")" = "${hash_of[$u]}" ] || return 1
	[ "$(jq -r .sha256 "$d/$n.manifest.json")" = "$(sha256sum "$d/$n.tar.zst" | cut -d' ' -f1)" ] || return 1
	touch "$d" 2>/dev/null || true # in use: keep it from being pruned
}

if [ $print_dirs = 1 ]; then
	for u in "${units[@]}"; do printf '%s %s\n' "${u%@*}" "$(unit_dir "$u")"; done
	exit 0
fi

if [ $list = 1 ]; then
	printf '%-22s %-14s %-12s %s\n' UNIT RECIPE_HASH STATE DIR
	for u in "${units[@]}"; do
		if [ $force = 0 ] && is_cached "$u"; then st=cached; else st="would build"; fi
		printf '%-22s %-14s %-12s %s\n' "$u" "${hash_of[$u]:0:12}" "$st" "$(unit_dir "$u")"
	done
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "build-all: must run as root" >&2; exit 1; }
mkdir -p "$cache/.debs" "$cache/.npm"
case $cache/ in "$(cd "$here/.." && pwd)"/*) echo "build-all: cache must be outside the source tree" >&2; exit 2;; esac

declare -A state
# build_one UNIT: builds unless another process built it while we waited
# for the lock. Prunes hash directories unused for 7 days (is_cached touches).
build_one() {
	local u=$1 n=${1%@*} s=${1#*@} d lock
	d=$(unit_dir "$u")
	mkdir -p "$d"
	exec {lock}>"$cache/$n/.lock.$s"
	flock "$lock"
	if [ $force = 0 ] && is_cached "$u"; then
		return 0
	fi
	printf '%s\n' "${resolved_of[$u]}" >"$d/expected-packages.txt"
	# A private mount namespace keeps mmdebstrap's mounts (/proc, /sys, /dev
	# in the tree) out of the host's mount table, and none outlives a
	# killed build.
	if CODERUNNER_DEB_CACHE=$cache/.debs CODERUNNER_NPM_CACHE=$cache/.npm \
		CODERUNNER_RECIPE_HASH=${hash_of[$u]} CODERUNNER_EXPECT_PACKAGES=$d/expected-packages.txt \
		CODERUNNER_APT_CACHE=$cache \
		unshare --mount --propagation private \
		"$here/build-image.sh" --suite "$s" "$n" "$d" >"$d/build.log" 2>&1; then
		# CPU seconds of the build (user + system, all its processes): what
		# an idle machine's wall clock comes close to, unlike a busy one's.
		# `times` in this shell (a pipe would run it in a subshell).
		times >"$d/build.times"
		awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$d/build.times" >"$d/build.cpu"
		find "$cache/$n" -mindepth 1 -maxdepth 1 -type d ! -name "${hash_of[$u]}" -mtime +7 \
			-exec rm -rf {} +
	else
		echo "build-all: $u FAILED, see $d/build.log:" >&2
		tail -n 20 "$d/build.log" >&2
		return 1
	fi
}

t0=$(date +%s)
declare -A pid_of
failed=()
running=0
for u in "${units[@]}"; do
	if [ $force = 0 ] && is_cached "$u"; then
		state[$u]=cached
		continue
	fi
	state[$u]=built
	while [ "$running" -ge "$jobs" ]; do
		wait -n || true
		running=$((running - 1))
	done
	echo "build-all: building $u (${hash_of[$u]:0:12})" >&2
	build_one "$u" &
	pid_of[$u]=$!
	running=$((running + 1))
done
for u in "${!pid_of[@]}"; do
	wait "${pid_of[$u]}" 2>/dev/null || true
done
# wait -n above may have reaped some; judge success from the outputs
for u in "${!pid_of[@]}"; do
	is_cached "$u" || { failed+=("$u"); state[$u]=FAILED; }
done
total=$(($(date +%s) - t0))

printf '%-22s %-11s %-10s %10s %12s %9s %7s  %s\n' UNIT IMAGE VERSION PACKED_MiB UNPACKED_MiB BUILD_S CPU_S STATE
declare -A ref_of
for u in "${units[@]}"; do
	m=$(unit_dir "$u")/${u%@*}.manifest.json
	if [ "${state[$u]}" != FAILED ] && [ -f "$m" ]; then
		cpu=$(cat "$(unit_dir "$u")/build.cpu" 2>/dev/null || echo -)
		jq -r --arg u "$u" --arg st "${state[$u]}" --arg cpu "$cpu" '[$u, .name, .version,
			(.size_bytes/1048576*10|round/10), (.unpacked_bytes/1048576*10|round/10),
			.build_seconds.total, $cpu, $st] | @tsv' "$m" |
			awk -F'\t' '{ printf "%-22s %-11s %-10s %10.1f %12.1f %9.1f %7s  %s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
		ref=$(jq -r '.name + "@" + .version' "$m")
		# two units making one NAME@VERSION would replace each other in a store
		[ -z "${ref_of[$ref]:-}" ] ||
			echo "build-all: WARNING: $u and ${ref_of[$ref]} both make image $ref; give one recipe another IMAGE" >&2
		ref_of[$ref]=$u
	else
		printf '%-22s %-11s %-10s %10s %12s %9s %7s  %s\n' "$u" - - - - - - FAILED
	fi
done
echo "wall clock: ${total} s, cache: $cache"
[ ${#failed[@]} -eq 0 ] || { echo "build-all: failed: ${failed[*]}" >&2; exit 1; }
