# Shared by the regression scripts: counters, checks, and the paths.
set -u
BIN=${BIN:-$PWD/bin}
BUILD=${BUILD:-$PWD/build}
VECTORS=${SOLR_VECTORS:-$PWD/../shared/vectors}
TESTDATA=$PWD/testdata
PIN=2026-03-02T10:15:00Z	# generated world
VPIN=2025-10-01T00:00:00Z	# public test certificates
PATH=$BIN:$PATH
passed=0 failed=0 skipped=0
TMP=$(mktemp -d)
trap 'for _p in ${bgpids:-}; do kill -9 $_p 2>/dev/null; done; rm -rf "$TMP"' EXIT

ok() { passed=$((passed + 1)); printf 'ok - %s\n' "$1"; }
not_ok() { failed=$((failed + 1)); printf 'not ok - %s\n' "$1"; [ $# -gt 1 ] && printf '#   %s\n' "$2"; return 0; }
# a missing fixture is a visible SKIP; with SOLR_REQUIRE_VECTORS=1 a failure
skip() {
	if [ "${SOLR_REQUIRE_VECTORS:-}" = 1 ]; then not_ok "$1" "$2 (SOLR_REQUIRE_VECTORS=1)"; return; fi
	skipped=$((skipped + 1)); printf 'ok - %s # SKIP %s\n' "$1" "$2"
}
check() {	# check NAME CONDITION-COMMAND...
	name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# field FILE KEY: the value of a top-level key of the first record
field() { sed -n "s/^$2: //p" "$1" | head -1 | sed "s/^'\(.*\)'\$/\1/"; }
count_records() { grep -c '^---' "$1"; }
have_vectors() { [ -d "$VECTORS/duis" ]; }
summary() {
	printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
	[ "$failed" -eq 0 ]
}
# same NAME A B: A and B are the same string, and not an empty one (two
# outputs that both failed to appear are not the same output)
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1" "compared '${2:-(nothing)}' with '${3:-(nothing)}'"; fi
}
# same_files NAME F1 F2: the files hold the same bytes, and F1 is not empty
same_files() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then ok "$1"
	elif [ ! -s "$2" ]; then not_ok "$1" "$2 is empty or missing"
	else not_ok "$1" "$2 and $3 differ"; fi
}

# The tests wait on events, never on the clock.  await polls a condition
# (a file written, a lock held, a process's state) until it holds, and
# fails the test loudly when its bound runs out: SOLR_AWAIT_POLLS polls
# 50 ms apart (6,000: five minutes, far beyond any slow machine).
await() {	# await WHAT CONDITION-COMMAND...: 0 once it holds
	_what=$1; shift
	_n=0
	until "$@"; do
		_n=$((_n + 1))
		if [ $_n -ge "${SOLR_AWAIT_POLLS:-6000}" ]; then
			not_ok "waited for $_what" "not seen after ${SOLR_AWAIT_POLLS:-6000} polls"
			return 1
		fi
		sleep 0.05	# await's poll, the suite's one sleep
	done
}
# proc_state PID: the process's state letter (R, S, T, Z...), or nothing
# once it is gone
proc_state() { sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null; }
# stopped_or_gone PID: the process stopped (T) or ended
stopped_or_gone() { case $(proc_state "$1") in T|t|Z|X|'') return 0 ;; esac; return 1; }
# await_stop PID: waits until the process stops itself (faults.so's
# FAULT_STOP); 0 when it is stopped there, 1 when it ended first
await_stop() {
	await "process $1 to stop or end" stopped_or_gone "$1" || return 1
	case $(proc_state "$1") in T|t) return 0 ;; esac
	return 1
}
# faulty VAR=VALUE... CMD...: CMD with the fault-injection library
# (under ASan, its runtime first)
FAULTS=$BUILD/faults.so
preload=$FAULTS
[ "${SOLR_SANITIZE:-}" = asan ] && preload="$(${CC:-cc} -print-file-name=libasan.so) $FAULTS"
faulty() { env LD_PRELOAD="$preload" "$@"; }
# faulty_bg VAR=VALUE... CMD...: the same in the background, the
# command's own process id in bgpid (a function put in the background
# would give the subshell's); what is left of it is killed at exit.  Its
# standard input is the caller's (sh gives a background job /dev/null).
bgpids=
faulty_bg() {
	exec 9<&0
	env LD_PRELOAD="$preload" "$@" <&9 9<&- &
	bgpid=$!
	exec 9<&-
	bgpids="$bgpids $bgpid"
}
# kill_at STR N CMD...: CMD in the background, stopped just before the
# write, sync or rename of a path holding STR that follows the first N
# of them, then killed (-9) there; 0 when it was, 1 when CMD ended first
kill_at() {
	_str=$1 _n=$2; shift 2
	faulty_bg FAULT_STOP="$_str" FAULT_STOP_SKIP="$_n" "$@"
	if await_stop "$bgpid"; then
		kill -9 "$bgpid"; wait "$bgpid" 2>/dev/null; return 0
	fi
	wait "$bgpid" 2>/dev/null; return 1
}
# stop_points STR CMD...: runs CMD to its end, and prints how many of
# the calls kill_at can stop at it makes on paths holding STR
stop_points() {
	_str=$1; shift
	rm -f "$TMP/stop-points"
	faulty FAULT_STOP="$_str" FAULT_STOP_SKIP=999999999 \
		FAULT_STOP_LOG="$TMP/stop-points" "$@" > /dev/null 2>&1
	wc -l < "$TMP/stop-points" 2>/dev/null || echo 0
}
# hold_lock -s|-x FILE: another process takes FILE's lock and holds it
# until release_lock; hold_lock returns once the lock is held
hold_lock() {
	_hold=$TMP/hold.$$
	rm -f "$_hold.fifo" "$_hold.held"; mkfifo "$_hold.fifo"
	flock "$1" "$2" sh -c ': > "$0.held"; read _ < "$0.fifo"' "$_hold" &
	holder=$!
	await "the lock on $2 held by process $holder" test -e "$_hold.held"
}
release_lock() {
	kill -0 "$holder" 2>/dev/null && : > "$_hold.fifo"
	wait "$holder"
}

# The real time, for the runs that do not pin --at: day0=$(today) before
# the run, then days "$day0" is a pattern for the day it began or the day
# it ended (a run that crosses midnight)
today() { date -u +%Y-%m-%d; }
days() { printf '(%s|%s)' "$1" "$(today)"; }

# fresh_world DEST: a copy of the generated world without its state (its
# device inventory aside), so no earlier run's counters or ledger can
# change a result.  build/world itself is read-only to the tests.
fresh_world() {
	rm -rf "$1"; cp -R "$BUILD/world" "$1"; chmod -R u+w "$1"
	find "$1/state" -mindepth 1 -maxdepth 1 ! -name devices \
	    ! -name devices.idx ! -name devices.head -exec rm -rf {} +
}
# own_world: the path of this script's own copy of the generated world,
# made at the first call (build/world is read-only to the tests)
own_world() {
	[ -d "$TMP/own-world" ] || fresh_world "$TMP/own-world" >&2
	printf '%s\n' "$TMP/own-world"
}
# seal WORLD FILE: seals again every record of FILE with WORLD's key, as a
# stage would (HMAC-SHA-256 with the openssl command line, over each
# record's bytes from its "---" line); for records a test edits by hand
seal() {
	_key=$(cat "$1/keys/records.key")
	_d=$(mktemp -d)
	awk -v d="$_d" '/^---/ { n++ } n && !/^seal: / { print > (d "/" sprintf("%06d", n)) }' "$2"
	: > "$2"
	for _f in "$_d"/*; do
		[ -f "$_f" ] || continue
		_mac=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$_key" < "$_f" | awk '{ print $NF }')
		{ cat "$_f"; echo "seal: $_mac"; } >> "$2"
	done
	rm -rf "$_d"
}

# corrupt_object STORE [NAME]: one byte changed in place in every copy
# of object NAME (or in the first object of the first segment)
corrupt_object() {
	perl -e 'my ($d, $n) = @ARGV; my $all = defined $n; $n = "" unless $all; my $hit = 0;
	for my $f (sort glob "$d/*.seg") {
		open my $h, "+<", $f or die "$f: $!"; binmode $h; local $/; my $s = <$h>;
		my $i = 0;
		while (($i = index($s, "obj $n", $i)) >= 0) {
			my $j = index($s, "\n", $i) + 1;
			seek $h, $j, 0; print $h (substr($s, $j, 1) eq "x" ? "y" : "x");
			$hit++; $i = $j; last unless $all;
		}
		close $h; exit 0 if $hit && !$all }
	die "no object $n in $d\n" unless $hit' "$@"
}
# objects STORE: how many objects the store's indexes list
objects() {
	cat "$1"/*.idx 2>/dev/null | wc -l
}
