#!/bin/bash
# build-all.sh [--cache DIR] [--jobs N] [--force] [--list|--print-dirs] [NAME...]
#
# Builds every language image (or the NAMEs given) with build-image.sh, two at
# a time, into a cache outside the source tree:
#     DIR/NAME/HASH/{NAME.tar.zst,NAME.manifest.json,NAME.packages.txt,build.log}
#     DIR/NAME/current -> HASH   (the newest build; informational)
# HASH is the recipe hash, sha256(build-image.sh + recipes/NAME.conf): an image
# whose hash directory already holds a verified tarball is not rebuilt. Several
# checkouts may share the cache at once (CI runs, worktrees): each build holds
# DIR/NAME/.lock, and hash directories are removed only once unused for
# 7 days, so a checkout always uses the hash of its own recipes (--print-dirs),
# never whatever `current` points at. Downloaded .debs are shared between
# builds in DIR/.debs.
#
#   --cache DIR    cache directory (default /var/cache/coderunner/images)
#   --jobs N       parallel builds (default 2)
#   --force        rebuild even when cached
#   --list         print what would be built, build nothing
#   --print-dirs   print "NAME DIR" of this tree's recipes, build nothing
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=/var/cache/coderunner/images
jobs=2
force=0
list=0
print_dirs=0
names=()
while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=${2:?--cache needs a directory}; shift 2;;
	--cache=*) cache=${1#--cache=}; shift;;
	--jobs) jobs=${2:?}; shift 2;;
	--force) force=1; shift;;
	--list) list=1; shift;;
	--print-dirs) print_dirs=1; shift;;
	-h|--help) sed -n "2,22p" "$0" | sed 's/^# \{0,1\}//'; exit 0;;
	-*) echo "build-all: unknown option $1" >&2; exit 2;;
	*) names+=("$1"); shift;;
	esac
done

# biggest first, so the two build slots finish at about the same time
order=(rust go java cpp typescript c csharp javascript python)
if [ ${#names[@]} -eq 0 ]; then
	names=("${order[@]}")
	for f in "$here"/recipes/*.conf; do
		n=$(basename "$f" .conf)
		[[ " ${names[*]} " == *" $n "* ]] || names+=("$n")
	done
fi
for n in "${names[@]}"; do
	[ -f "$here/recipes/$n.conf" ] || { echo "build-all: no recipe for $n" >&2; exit 2; }
done

recipe_hash() { cat "$here/build-image.sh" "$here/recipes/$1.conf" | sha256sum | cut -d' ' -f1; }

# cached and intact? (manifest present, hash matches, tarball digest matches)
is_cached() {
	local n=$1 h=$2 d=$cache/$1/$2
	[ -f "$d/$n.manifest.json" ] && [ -f "$d/$n.tar.zst" ] || return 1
	[ "$(jq -r .recipe_hash "$d/$n.manifest.json")" = "$h" ] || return 1
	[ "$(jq -r .sha256 "$d/$n.manifest.json")" = "$(sha256sum "$d/$n.tar.zst" | cut -d' ' -f1)" ] || return 1
	touch "$d" 2>/dev/null || true # in use: keep it from being pruned
}

if [ $print_dirs = 1 ]; then
	for n in "${names[@]}"; do printf '%s %s\n' "$n" "$cache/$n/$(recipe_hash "$n")"; done
	exit 0
fi

if [ $list = 1 ]; then
	printf '%-11s %-14s %-12s %s\n' NAME RECIPE_HASH STATE DIR
	for n in "${names[@]}"; do
		h=$(recipe_hash "$n")
		if [ $force = 0 ] && is_cached "$n" "$h"; then s=cached; else s="would build"; fi
		printf '%-11s %-14s %-12s %s\n' "$n" "${h:0:12}" "$s" "$cache/$n/$h"
	done
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "build-all: must run as root" >&2; exit 1; }
mkdir -p "$cache/.debs"
cache=$(cd "$cache" && pwd)
case $cache/ in "$(cd "$here/.." && pwd)"/*) echo "build-all: cache must be outside the source tree" >&2; exit 2;; esac

declare -A state
# build_one NAME HASH: builds unless another process built it while we waited
# for the lock. Prunes hash directories unused for 7 days (is_cached touches).
build_one() {
	local n=$1 h=$2 d=$cache/$1/$2 lock
	mkdir -p "$d"
	exec {lock}>"$cache/$n/.lock"
	flock "$lock"
	if [ $force = 0 ] && is_cached "$n" "$h"; then
		return 0
	fi
	# A private mount namespace keeps mmdebstrap's mounts (/proc, /sys, /dev
	# in the tree) out of the host's mount table, and none outlives a
	# killed build.
	if CODERUNNER_DEB_CACHE=$cache/.debs unshare --mount --propagation private \
		"$here/build-image.sh" "$n" "$d" >"$d/build.log" 2>&1; then
		ln -sfn "$h" "$cache/$n/current"
		find "$cache/$n" -mindepth 1 -maxdepth 1 -type d ! -name "$h" -mtime +7 -exec rm -rf {} +
	else
		echo "build-all: $n FAILED, see $d/build.log:" >&2
		tail -n 20 "$d/build.log" >&2
		return 1
	fi
}

t0=$(date +%s)
declare -A pid_of
failed=()
running=0
for n in "${names[@]}"; do
	h=$(recipe_hash "$n")
	if [ $force = 0 ] && is_cached "$n" "$h"; then
		state[$n]=cached
		continue
	fi
	state[$n]=built
	while [ "$running" -ge "$jobs" ]; do
		wait -n || true
		running=$((running - 1))
	done
	echo "build-all: building $n (${h:0:12})" >&2
	build_one "$n" "$h" &
	pid_of[$n]=$!
	running=$((running + 1))
done
for n in "${!pid_of[@]}"; do
	wait "${pid_of[$n]}" 2>/dev/null || true
done
# wait -n above may have reaped some; judge success from the outputs
for n in "${!pid_of[@]}"; do
	is_cached "$n" "$(recipe_hash "$n")" || { failed+=("$n"); state[$n]=FAILED; }
done
total=$(($(date +%s) - t0))

printf '%-11s %-10s %10s %12s %9s  %s\n' NAME VERSION PACKED_MiB UNPACKED_MiB BUILD_S STATE
for n in "${names[@]}"; do
	m=$cache/$n/$(recipe_hash "$n")/$n.manifest.json
	if [ "${state[$n]}" != FAILED ] && [ -f "$m" ]; then
		jq -r --arg st "${state[$n]}" '[.name, .version, (.size_bytes/1048576*10|round/10),
			(.unpacked_bytes/1048576*10|round/10), .build_seconds.total, $st] | @tsv' "$m" |
			awk -F'\t' '{ printf "%-11s %-10s %10.1f %12.1f %9.1f  %s\n", $1, $2, $3, $4, $5, $6 }'
	else
		printf '%-11s %-10s %10s %12s %9s  %s\n' "$n" - - - - FAILED
	fi
done
echo "wall clock: ${total} s, cache: $cache"

[ ${#failed[@]} -eq 0 ] || { echo "build-all: failed: ${failed[*]}" >&2; exit 1; }
