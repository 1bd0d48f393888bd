#!/bin/bash
# smoke-test.sh [--cache DIR] [--runs N] [--suite hello|stdlib] [--enforce] [--keep] [NAME...]
#
# For each runtime in rootfs/runtimes/NAME.json (default: all) and each of its
# images this tree builds (every suite; build-all.sh --print-dirs): unpack it
# from the build cache (digest checked against the
# manifest) into a temporary directory, put rootfs/tests/hello/<source_file>
# into /box (SUITE=stdlib: programs using threads, big numbers, collections,
# bits/stdc++.h, net/http, System.Numerics ...), then run the catalogue's compile argv and its run argv N times
# each (medians reported), exactly as written (no shell), with the catalogue env, as uid/gid
# 1000, in a throw-away namespace sandbox:
#     unshare --mount --pid --fork; image bind-mounted read-only, nosuid, nodev;
#     tmpfs on /box and /tmp; fresh /proc;
#     /dev = tmpfs + bind-mounted null, zero, full, random, urandom; chroot.
# Feeds tests/SUITE/stdin.txt, checks stdout equals tests/SUITE/expected.txt,
# prints one line per runtime:
# unpack time, compile wall/CPU time, peak memory (memory cgroup v1
# max_usage_in_bytes of a child of our own cgroup, or the cgroup v2
# memory.peak), peak task count (tasks polled every ~2 ms), median run time.
# These are the numbers behind the default limits in the catalogue.
# --enforce applies the catalogue limits roughly as the sandbox will: memory
# cgroup limit (v1 memory.limit_in_bytes / v2 memory.max), RLIMIT_NPROC = pids
# (uid 1000 must have no other processes), RLIMIT_CPU = ceil(time_ms), and a
# SIGKILL after wall_ms. Needs root. Not a sandbox (no seccomp, no net ns).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=/var/cache/coderunner/images
runs=5
suite=hello
enforce=0
keep=0
names=()
while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift 2;;
	--runs) runs=$2; shift 2;;
	--suite) suite=$2; shift 2;;
	--keep) keep=1; shift;;
	--enforce) enforce=1; shift;;
	-h|--help) sed -n "2,20p" "$0" | sed 's/^# \{0,1\}//'; exit 0;;
	-*) echo "smoke-test: unknown option $1" >&2; exit 2;;
	*) names+=("$1"); shift;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "smoke-test: must run as root" >&2; exit 1; }
if [ ${#names[@]} -eq 0 ]; then
	for f in "$here"/runtimes/*.json; do names+=("$(basename "$f" .json)"); done
fi

# ---- a memory cgroup below our own one -----------------------------------------
cg=""
own=$(awk -F: '$2=="memory" {print $3}' /proc/self/cgroup)
if [ -n "$own" ] && [ -d "/sys/fs/cgroup/memory$own" ]; then
	cg=/sys/fs/cgroup/memory${own%/}/coderunner-smoke-$$
	mkdir "$cg"
	cg_peak() { cat "$cg/memory.max_usage_in_bytes"; }
	cg_reset() { echo 0 >"$cg/memory.max_usage_in_bytes"; }
	cg_tasks=$cg/tasks
else
	own=$(awk -F: '$1=="0" {print $3}' /proc/self/cgroup)
	if [ -f "/sys/fs/cgroup${own%/}/cgroup.subtree_control" ] 2>/dev/null; then
		cg=/sys/fs/cgroup${own%/}/coderunner-smoke-$$
		mkdir "$cg" 2>/dev/null || cg=""
	fi
	cg_peak() { cat "$cg/memory.peak" 2>/dev/null || echo 0; }
	cg_reset() { :; }  # v2 memory.peak cannot be reset before 6.12: fresh child per step
	cg_tasks=$cg/cgroup.threads
fi
work=$(mktemp -d /var/tmp/coderunner-smoke.XXXXXX)
cleanup() {
	[ -z "$cg" ] || rmdir "$cg" 2>/dev/null || true
	if grep -q " $work/" /proc/self/mounts; then
		echo "smoke-test: mounts left under $work" >&2
	elif [ $keep = 0 ]; then
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT

# run_step ROOT STEPNAME STDIN_FILE CATALOGUE_JSON KIND(compile|run)
#   runs inside the namespace set up below; prints "wall_ms cpu_ms peak_bytes tasks rc"
#   (wall includes ~2 ms for sh + time + chroot + env execs)
run_step() {
	local r=$1 step=$2 in=$3 json=$4 kind=$5
	local -a envv argv
	mapfile -t envv < <(jq -r '.env | to_entries[] | "\(.key)=\(.value)"' "$json")
	mapfile -t argv < <(jq -r ".$kind.argv[]" "$json")
	local out=$work/$step
	[ -z "$cg" ] || cg_reset
	local -a lim=()
	if [ "$enforce" = 1 ]; then
		local mem pids cpu wall
		read -r mem pids cpu wall < <(jq -r ".$kind.limits | \"\(.memory_bytes) \(.pids) \((.time_ms + 999) / 1000 | floor) \(.wall_ms)\"" "$json")
		lim=(timeout -s KILL "$(echo "$wall / 1000" | bc -l)" prlimit "--nproc=$pids" "--cpu=$cpu")
		if [ -n "$cg" ]; then
			if [ -f "$cg/memory.limit_in_bytes" ]; then
				echo "$mem" >"$cg/memory.limit_in_bytes"
			else
				echo "$mem" >"$cg/memory.max"
			fi
		fi
	fi
	echo 0 >"$out.tasks"
	if [ -n "$cg" ]; then
		( max=0; while :; do n=$(wc -l <"$cg_tasks"); [ "$n" -le "$max" ] || { max=$n; echo "$max" >>"$out.tasks"; }; sleep 0.002; done ) &
	fi
	local poll=$!
	set +e
	local t0; t0=$(date +%s%N)
	sh -c '[ -z "$1" ] || echo $$ >"$1"; shift; exec "$@"' sh "${cg:+$cg/cgroup.procs}" \
		/usr/bin/time -o "$out.time" -f '%e %U %S %M' \
		${lim[@]+"${lim[@]}"} chroot --userspec=1000:1000 --groups=1000 "$r" \
		/usr/bin/env -i --chdir=/box "${envv[@]}" "${argv[@]}" <"$in" >"$out.out" 2>"$out.err"
	local rc=$?
	local t1; t1=$(date +%s%N)
	set -e
	[ -z "$cg" ] || { kill "$poll"; wait "$poll" 2>/dev/null || true; }
	local peak=0
	[ -z "$cg" ] || peak=$(cg_peak)
	read -r _ u s rss < <(tail -n1 "$out.time") || { u=0 s=0 rss=0; }
	echo "$(( (t1 - t0) / 1000000 )) $(echo "($u + $s) * 1000 / 1" | bc) $peak $(sort -n "$out.tasks" | tail -n1) $rc $rss"
}

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

inner() {   # inner NAME ROOT JSON   (already in the private namespaces)
	local n=$1 r=$2 json=$3
	# the image is read-only at run time, as in the service
	mount --bind "$r" "$r"
	mount -o remount,bind,ro,nosuid,nodev "$r"
	mount -t proc proc "$r/proc"
	mount -t tmpfs -o size=256m,mode=1777 tmpfs "$r/tmp"
	mount -t tmpfs -o size=64m,mode=0755,uid=1000,gid=1000 tmpfs "$r/box"
	mount -t tmpfs -o size=1m,mode=0755 tmpfs "$r/dev"
	local d
	for d in null zero full random urandom; do : >"$r/dev/$d"; mount --bind "/dev/$d" "$r/dev/$d"; done
	mkdir "$r/dev/shm"; mount -t tmpfs -o size=16m,mode=1777 tmpfs "$r/dev/shm"
	ln -s /proc/self/fd "$r/dev/fd"
	local src; src=$(jq -r .source_file "$json")
	install -o 1000 -g 1000 -m 0644 "$here/tests/$suite/$src" "$r/box/$src"
	local c="- - - - - -"
	if [ "$(jq -r '.compile != null' "$json")" = true ]; then
		local k cw="" ccpu="" cpk=0 ctk=0 crss=0
		for k in $(seq "$runs"); do
			c=$(run_step "$r" "$n.compile" /dev/null "$json" compile)
			set -- $c
			if [ "$5" != 0 ]; then
				echo "COMPILE FAILED rc=$5" >&2; cat "$work/$n.compile.out" "$work/$n.compile.err" >&2; echo "$c|- - - - -|FAIL"; return
			fi
			cw="$cw $1"; ccpu="$ccpu $2"
			[ "$3" -le "$cpk" ] || cpk=$3
			[ "$4" -le "$ctk" ] || ctk=$4
			[ "$6" -le "$crss" ] || crss=$6
		done
		c="$(median "$cw") $(median "$ccpu") $cpk $ctk 0 $crss"
		[ ! -s "$work/$n.compile.err" ] || { echo "--- $n compile stderr:" >&2; head -20 "$work/$n.compile.err" >&2; }
	fi
	local i res walls="" cpus="" ok=ok rpeak=0 rtasks=0 rrss=0
	for i in $(seq "$runs"); do
		res=$(run_step "$r" "$n.run" "$here/tests/$suite/stdin.txt" "$json" run)
		set -- $res
		walls="$walls $1"
		cpus="$cpus $2"
		[ "$6" -le "$rrss" ] || rrss=$6
		[ "$3" -le "$rpeak" ] || rpeak=$3
		[ "$4" -le "$rtasks" ] || rtasks=$4
		if [ "$5" != 0 ] || ! cmp -s "$work/$n.run.out" "$here/tests/$suite/expected.txt"; then
			ok=FAIL
			echo "--- $n run rc=$5 out: $(head -c 300 "$work/$n.run.out") err: $(head -c 600 "$work/$n.run.err")" >&2
		fi
	done
	echo "$c|$(median "$walls") $(median "$cpus") $rpeak $rrss $rtasks|$ok"
}

hdr='%-10s %-10s %6s | %6s %6s %6s %6s %4s | %6s %6s %6s %6s %4s | %s\n'
printf "$hdr" "" "" "" COMPILE "" "" "" "" RUN "" "" "" "" ""
printf "$hdr" NAME VERSION UNPACK WALL CPU CGPEAK MAXRSS TASK WALL CPU CGPEAK MAXRSS TASK OK
printf "$hdr" "" "" s ms ms MiB MiB "" ms ms MiB MiB "" ""
status=0
# every build unit of this tree (recipe@suite) whose image a runtime names
units=$("$here/build-all.sh" --cache "$cache" --print-dirs)
for n in "${names[@]}"; do
	json=$here/runtimes/$n.json
	[ -f "$json" ] || { echo "smoke-test: no $json" >&2; status=1; continue; }
	img=$(jq -r .image "$json")
	found=0
	while read -r recipe d; do
		m=$d/$recipe.manifest.json
		[ -f "$m" ] && [ "$(jq -r .name "$m")" = "$img" ] || continue
		found=1
		tarball=$d/$recipe.tar.zst
		[ "$(sha256sum "$tarball" | cut -d' ' -f1)" = "$(jq -r .sha256 "$m")" ] ||
			{ echo "smoke-test: $tarball does not match its manifest" >&2; status=1; continue; }
		version=$(jq -r .version "$m")
		r=$work/$n@$version
		mkdir "$r"
		t0=$(date +%s.%N)
		zstd -dcq "$tarball" | tar -x -C "$r" --numeric-owner
		unpack=$(echo "$(date +%s.%N) - $t0" | bc)
		export -f run_step inner cg_peak cg_reset median
		export here work runs cg cg_tasks suite enforce
		res=$(unshare --mount --pid --fork --mount-proc --propagation private bash -c 'inner "$@"' inner "$n" "$r" "$json" </dev/null)
		IFS='|' read -r c rr ok <<<"$res"
		read -r cw cc cp ct _ crss <<<"$c"
		read -r rw rc rp rrss rt <<<"$rr"
		mib() { [ "$1" = - ] && echo - || echo "$1" | awk '{printf "%.1f", $1/1048576}'; }
		kib() { [ "$1" = - ] && echo - || echo "$1" | awk '{printf "%.1f", $1/1024}'; }
		printf "$hdr" "$n" "$version" "$(printf %.2f "$unpack")" \
			"$cw" "$cc" "$(mib "$cp")" "$(kib "$crss")" "$ct" "$rw" "$rc" "$(mib "$rp")" "$(kib "$rrss")" "$rt" "$ok"
		[ "$ok" = ok ] || status=1
		[ $keep = 1 ] || rm -rf --one-file-system "$r"
	done <<<"$units"
	[ $found = 1 ] || { echo "smoke-test: no built image '$img' (run build-all.sh)" >&2; status=1; }
done
exit $status
