#!/bin/bash
# suite.sh — the Debian suites language images are built from.
#
#   suite.sh list                        suites of suites.conf, one per line
#   suite.sh sources SUITE               sources.list lines for SUITE: the
#                                        host's Debian mirror entries with
#                                        the host's suite renamed
#                                        (bookworm-security -> SUITE-security)
#   suite.sh recipes SUITE               the recipes SUITE is limited to
#                                        (suites.conf recipes=A,B; empty: all)
#   suite.sh aptopts SUITE               extra apt options for SUITE, one
#                                        "Key \"value\"" per line
#   suite.sh update [--offline] --cache DIR SUITE
#                                        fetch SUITE's signed package lists
#                                        into DIR/.apt/SUITE (a private apt
#                                        state; --offline: only when there
#                                        are none yet; an unreachable mirror
#                                        with lists present is a warning)
#   suite.sh resolve --cache DIR SUITE PKG...
#                                        "package version" of every package a
#                                        build of PKG... installs (variant
#                                        essential + PKG + hard dependencies),
#                                        sorted, from the lists update fetched
#   suite.sh release-date --cache DIR SUITE
#                                        Date: of SUITE's Release file
#
# resolve is what makes a security update rebuild exactly the images whose
# packages changed: build-all.sh puts its output into the recipe hash.
# Environment: CODERUNNER_MIRRORS (sources.list lines for every suite,
# "SUITE" in them replaced) overrides the host's entries.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
die() { echo "suite.sh: $*" >&2; exit 1; }

suite_known() { awk -v s="$1" '$1 == s { f = 1 } END { exit !f }' "$here/suites.conf"; }
suite_has() { awk -v s="$1" -v o="$2" '$1 == s { for (i = 2; i <= NF; i++) if ($i == o) f = 1 } END { exit !f }' "$here/suites.conf"; }

cmd_list() { awk '$1 !~ /^#/ && NF { print $1 }' "$here/suites.conf"; }

# "URI SUITE" of every enabled Debian archive entry of the host (one-line
# and deb822 formats).
host_entries() {
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
		awk '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } print $i, $(i+1) }'
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN{RS=""; FS="\n"}
			{ t=""; u=""; s="";
			  for (i=1;i<=NF;i++) {
				if ($i ~ /^Types:/)  { t=$i; sub(/^Types:[ \t]*/,"",t) }
				if ($i ~ /^URIs:/)   { u=$i; sub(/^URIs:[ \t]*/,"",u) }
				if ($i ~ /^Suites:/) { s=$i; sub(/^Suites:[ \t]*/,"",s) }
				if ($i ~ /^Enabled:[ \t]*no/) t="" }
			  if (t ~ /(^| )deb( |$)/) {
				nu=split(u,U," "); ns=split(s,S," ");
				for (a=1;a<=nu;a++) for (b=1;b<=ns;b++) print U[a], S[b] } }' "$f"
	done
}

# The host's base suite (bookworm) is the suite of its plain /debian entry;
# every entry of that suite family is emitted with the suite renamed.
cmd_sources() {
	local suite=$1
	if [ -n "${CODERUNNER_MIRRORS:-}" ]; then
		printf '%s\n' "$CODERUNNER_MIRRORS" | sed "s/SUITE/$suite/g"
		return
	fi
	host_entries | awk -v suite="$suite" '
		$1 ~ /\/debian(-security)?\/?$/ { uri[NR] = $1; st[NR] = $2; if (base == "" && $2 !~ /-/ && $1 ~ /\/debian\/?$/) base = $2 }
		END {
			for (i = 1; i <= NR; i++) {
				if (!(i in st)) continue
				s = st[i]
				if (s == base) s = suite
				else if (index(s, base "-") == 1) s = suite substr(s, length(base) + 1)
				else continue
				key = uri[i] " " s
				if (!(key in seen)) { seen[key] = 1; print "deb " uri[i] " " s " main" }
			}
		}'
}

cmd_recipes() {
	awk -v s="$1" '$1 == s { for (i = 2; i <= NF; i++) if ($i ~ /^recipes=/) { sub(/^recipes=/, "", $i); print $i } }' \
		"$here/suites.conf"
}

cmd_aptopts() {
	if suite_has "$1" allow-expired; then echo 'Acquire::Check-Valid-Until "false"'; fi
}

# A private apt configuration for SUITE under DIR/.apt/SUITE: nothing of the
# host's apt state is read or written.
apt_setup() {
	local cache=$1 suite=$2 d
	d=$cache/.apt/$suite
	mkdir -p "$d/etc/apt.conf.d" "$d/etc/preferences.d" "$d/etc/sources.list.d" "$d/lists/partial" \
		"$d/cache/archives/partial" "$d/log"
	: >>"$d/status"
	cmd_sources "$suite" | sed "s|^deb |deb [signed-by=$keyring] |" >"$d/etc/sources.list"
	[ -s "$d/etc/sources.list" ] || die "no Debian mirror for $suite in /etc/apt (set CODERUNNER_MIRRORS)"
	{
		echo "Dir::Etc \"$d/etc/\";"
		echo "Dir::Etc::SourceList \"$d/etc/sources.list\";"
		echo "Dir::Etc::SourceParts \"$d/etc/sources.list.d/\";"
		echo "Dir::Etc::Parts \"$d/etc/apt.conf.d/\";"
		echo "Dir::Etc::Preferences \"$d/etc/preferences\";"
		echo "Dir::Etc::PreferencesParts \"$d/etc/preferences.d/\";"
		echo "Dir::State \"$d/\";"
		echo "Dir::State::Lists \"$d/lists/\";"
		echo "Dir::State::status \"$d/status\";"
		echo "Dir::Cache \"$d/cache/\";"
		echo "Dir::Log \"$d/log/\";"
		echo 'APT::Architecture "amd64";'
		echo 'APT::Architectures { "amd64"; };'
		echo 'APT::Install-Recommends "false";'
		echo 'Acquire::Languages "none";'
		echo 'Debug::NoLocking "true";'
		# mmdebstrap's essential set leaves apt out (libapt treats it as
		# essential otherwise); the setting is baked into apt's binary
		# cache, which update therefore always rebuilds
		echo 'pkgCacheGen::ForceEssential ",";'
		cmd_aptopts "$suite" | sed 's/$/;/'
	} >"$d/apt.conf"
	echo "$d"
}

parse_cache_opts() {
	offline=0
	cache=""
	while [ $# -gt 0 ]; do
		case $1 in
		--offline) offline=1; shift;;
		--cache) cache=${2:?--cache needs a directory}; shift 2;;
		*) break;;
		esac
	done
	[ -n "$cache" ] || die "--cache DIR is required"
	rest=("$@")
}

# Refreshes the lists (under a per-suite lock, so concurrent builds share
# them); a failed refresh falls back to existing lists with a warning.
cmd_update() {
	local suite d lock
	parse_cache_opts "$@"
	suite=${rest[0]:?update needs a SUITE}
	suite_known "$suite" || die "suite '$suite' is not in suites.conf"
	d=$(apt_setup "$cache" "$suite")
	exec {lock}>"$d.lock"
	flock "$lock"
	if [ "$offline" = 1 ] && have_lists "$d"; then return 0; fi
	rm -f "$d"/cache/*.bin
	if ! APT_CONFIG=$d/apt.conf apt-get -qq update >"$d/log/update.log" 2>&1 ||
		grep -qE '^(E:|W: Failed)' "$d/log/update.log"; then
		have_lists "$d" || die "cannot fetch the $suite lists: $(tail -n 3 "$d/log/update.log")"
		echo "suite.sh: WARNING: could not refresh the $suite lists, using the previous ones:" \
			"$(grep -E '^(E|W):' "$d/log/update.log" | head -n 2)" >&2
	fi
}

have_lists() { compgen -G "$1/lists/*_InRelease" >/dev/null; }

# Answers are kept per (lists, packages): the same question against the same
# signed indexes has the same answer, and apt takes seconds to give it.
cmd_resolve() {
	local suite d lock key out
	parse_cache_opts "$@"
	set -- "${rest[@]}"
	suite=${1:?resolve needs a SUITE}
	shift
	suite_known "$suite" || die "suite '$suite' is not in suites.conf"
	d=$cache/.apt/$suite
	# In a subshell: cmd_update returns holding the suite's lock on its own
	# descriptor, and flock on a second descriptor of the same file would
	# wait for this very process.
	have_lists "$d" || (cmd_update --cache "$cache" "$suite")
	exec {lock}>"$d.lock"
	flock "$lock"
	key=$({ echo v2; cat "$d"/lists/*_InRelease; printf '%s\n' "$@" | sort; } | sha256sum | cut -c1-32)
	if [ -f "$d/resolved/$key" ]; then
		cat "$d/resolved/$key"
		return 0
	fi
	# mmdebstrap's variant essential: the Essential:yes packages of the suite
	# (apt itself not forced in), usr-is-merged from the merged-usr hook, then
	# the included packages; apt adds hard dependencies. Simulated against an
	# empty dpkg status, so the answer is what a fresh tree gets.
	if ! out=$(APT_CONFIG=$d/apt.conf apt-get -s -q install \
		"?narrow(?or(?archive(^$suite\$),?codename(^$suite\$)),?architecture(amd64),?essential)" \
		usr-is-merged "$@" 2>&1); then
		die "cannot resolve $* on $suite: $(grep -E '^E:' <<<"$out" | head -n 3)"
	fi
	mkdir -p "$d/resolved"
	find "$d/resolved" -type f -mtime +7 -delete
	awk '$1 == "Inst" { v = $3; sub(/^\(/, "", v); print $2, v }' <<<"$out" | sort >"$d/resolved/.$key.$$"
	mv -f "$d/resolved/.$key.$$" "$d/resolved/$key"
	cat "$d/resolved/$key"
}

cmd_release_date() {
	local suite d
	parse_cache_opts "$@"
	suite=${rest[0]:?release-date needs a SUITE}
	d=$cache/.apt/$suite/lists
	for f in "$d"/*_dists_"${suite}"_InRelease; do
		[ -f "$f" ] && awk -F': ' '$1 == "Date" { print $2; exit }' "$f" && return 0
	done
	return 1
}

case ${1:-} in
list) cmd_list;;
sources) cmd_sources "${2:?sources needs a SUITE}";;
recipes) cmd_recipes "${2:?recipes needs a SUITE}";;
aptopts) cmd_aptopts "${2:?aptopts needs a SUITE}";;
update) shift; cmd_update "$@";;
resolve) shift; cmd_resolve "$@";;
release-date) shift; cmd_release_date "$@";;
*) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2;;
esac
