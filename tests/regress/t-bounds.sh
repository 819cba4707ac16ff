# Hostile input costs linear time: the shapes that made libxml2's
# namespace search and the records' duplicate-key checks quadratic are
# refused, or read, within a budget that grows with their size, measured
# as CPU time (user + system) against a normal input of the same stage in
# the same run; never a wall-clock time.
R=$BUILD/requests W=$(own_world)
RUNSTAT=$BUILD/runstat
[ -x "$RUNSTAT" ] || cc -O2 -o "$RUNSTAT" tests/bench/runstat.c
cpu() {	# cpu OUT CMD...: CMD's CPU seconds, its stdout in OUT
	_o=$1; shift
	rm -f "$TMP/stat"
	"$RUNSTAT" "$TMP/stat" "$@" > "$_o" 2>/dev/null
	awk '{ printf "%.6f\n", $1 + $2 }' "$TMP/stat"
}
# within SHAPE NORMAL-CPU NORMAL-BYTES SHAPE-CPU SHAPE-BYTES: the shape's
# CPU is at most its size's share of the normal cost (with a floor of 20
# normal runs, for process start-up)
within() {
	awk -v n="$2" -v nb="$3" -v s="$4" -v sb="$5" 'BEGIN {
		r = sb / nb; if (r < 20) r = 20; if (n < 0.001) n = 0.001
		exit !(s <= n * r) }'
}
perl -e 'my ($f, $n) = @ARGV; local $/; open my $h, "<", $f or die; my $s = <$h>;
	my $d = join "", map { " xmlns:n$_=\"u:$_\"" } 1 .. $n; $s =~ s/<sr:Request/<sr:Request$d/; print $s' \
	"$R/srp-elec-cv5.xml" 40000 > "$TMP/ns.xml"
perl -e 'my ($f, $n) = @ARGV; local $/; open my $h, "<", $f or die; my $s = <$h>;
	my $d = join "", map { " a$_=\"1\"" } 1 .. $n; $s =~ s/<sr:Request/<sr:Request$d/; print $s' \
	"$R/srp-elec-cv5.xml" 40000 > "$TMP/attrs.xml"
normal=$(cpu "$TMP/o" solr-verify-sig -C "$W" --at $PIN "$R/srp-elec-cv5.xml")
nb=$(wc -c < "$R/srp-elec-cv5.xml")
for shape in ns attrs; do
	c=$(cpu "$TMP/o" solr-verify-sig -C "$W" --at $PIN "$TMP/$shape.xml")
	sb=$(wc -c < "$TMP/$shape.xml")
	check "a request with 40,000 ${shape} on its root ($sb bytes): refused" \
		grep -q "^reason: .*more than 64 .*refused before it is read" "$TMP/o"
	check "... within its size's budget (CPU $c s; a normal request $normal s)" within $shape "$normal" "$nb" "$c" "$sb"
done
# a DUIS document's own namespaces pass the scan
solr-verify-sig -C "$W" --at $PIN "$R/srp-elec-cv5.xml" > "$TMP/ok"
check "... a normal request still passes" [ "$(field "$TMP/ok" verdict)" = pass ]
# records: one object of 20,000 keys, one mapping of 20,000 keys, and
# nineteen objects of 1,000 keys each (under the cap, read in full)
perl -e 'print "{\"record\":1,\"seq\":1,", join(",", map { "\"k$_\":1" } 1 .. 20000), ",\"seal\":\"", "0" x 64, "\"}\n"' > "$TMP/keys.jsonl"
perl -e 'print "---\nrecord: 1\nseq: 1\n", (map { "k$_: 1\n" } 1 .. 20000), "seal: ", "0" x 64, "\n"' > "$TMP/keys.yaml"
perl -e 'print "{\"record\":1,\"seq\":1,", join(",", map { my $m = $_; "\"m$m\":{" . join(",", map { "\"k$_\":1" } 1 .. 1000) . "}" } 1 .. 19), ",\"seal\":\"", "0" x 64, "\"}\n"' > "$TMP/maps.jsonl"
solr-verify-sig -C "$W" --at $PIN "$R/srp-elec-cv5.xml" > "$TMP/rec"
normal=$(cpu "$TMP/o" solr-adt-check -C "$W" < "$TMP/rec")
nb=$(wc -c < "$TMP/rec")
for shape in keys.jsonl keys.yaml maps.jsonl; do
	c=$(cpu "$TMP/o" sh -c 'solr-adt-check -C "$0" < "$1"' "$W" "$TMP/$shape")
	sb=$(wc -c < "$TMP/$shape")
	check "a record $shape ($sb bytes): rejected, one record out" sh -c '[ "$(grep -c "^verdict: reject" "$0")" -eq 1 ]' "$TMP/o"
	check "... within its size's budget (CPU $c s; a normal record $normal s)" within $shape "$normal" "$nb" "$c" "$sb"
done
solr-adt-check -C "$W" < "$TMP/keys.jsonl" > "$TMP/o" 2>/dev/null
check "20,000 keys in one object: refused at the cap, naming it" grep -q "^reason: .*more keys in one object than a record has (1024)" "$TMP/o"
solr-adt-check -C "$W" < "$TMP/keys.yaml" > "$TMP/o" 2>/dev/null
check "20,000 keys in one YAML mapping: refused at the cap" grep -q "^reason: .*more than 1024 keys in one mapping" "$TMP/o"
# duplicate keys are still found, now in linear time
perl -e 'print "{\"record\":1,\"seq\":1,", join(",", map { "\"k$_\":1" } 1 .. 900), ",\"k7\":2,\"seal\":\"", "0" x 64, "\"}\n"' > "$TMP/dup.jsonl"
solr-adt-check -C "$W" < "$TMP/dup.jsonl" > "$TMP/o" 2>/dev/null
check "a key twice among 900: found" grep -q "^reason: .*a key appears twice" "$TMP/o"
perl -e 'print "---\nrecord: 1\nseq: 1\n", (map { "k$_: 1\n" } 1 .. 900), "k7: 2\nseal: ", "0" x 64, "\n"' > "$TMP/dup.yaml"
solr-adt-check -C "$W" < "$TMP/dup.yaml" > "$TMP/o" 2>/dev/null
check "... in YAML too, naming it" grep -q "^reason: .*duplicate key .k7." "$TMP/o"
