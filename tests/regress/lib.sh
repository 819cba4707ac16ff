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
trap 'rm -rf "$TMP"' EXIT

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
# fresh_world DEST: a copy of the generated world without its state (its
# device inventory aside), so no earlier run's counters or ledger can
# change a result
fresh_world() {
	rm -rf "$1"; cp -R "$BUILD/world" "$1"
	find "$1/state" -mindepth 1 -maxdepth 1 ! -name devices \
	    ! -name devices.idx -exec rm -rf {} +
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
