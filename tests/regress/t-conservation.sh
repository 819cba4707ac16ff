# Conservation, as a property: streams that interleave random garbage,
# truncated records, huge records and valid records, from several seeds.
# Every stage gives N records out for N in, in order, and none crashes.
R=$BUILD/requests
fresh_world "$TMP/w"
w=$TMP/w
# valid records of every stage, as the pool
solr-verify-sig -C "$w" --at $PIN "$R"/*.xml > "$TMP/p1" 2>/dev/null
solr-failed-suppliers -C "$w" check < "$TMP/p1" > "$TMP/p2" 2>/dev/null
solr-gbcs-parse -C "$w" < "$TMP/p2" > "$TMP/p3" 2>/dev/null
solr-adt-check -C "$w" < "$TMP/p3" > "$TMP/p4" 2>/dev/null
cat "$TMP/p1" "$TMP/p2" "$TMP/p3" "$TMP/p4" > "$TMP/pool"
# gen SEED N: N items, each numbered in order by its seq
gen() {
	perl -e '
	my ($seed, $n, $pool) = @ARGV;
	srand($seed);
	local $/; open(my $f, "<", $pool) or die; my $all = <$f>;
	my @recs = grep { length } split /^(?=---\n)/m, $all;
	my @chars = map { chr } (9, 10, 32 .. 44, 46 .. 126, 128 .. 255);
	for my $i (1 .. $n) {
		my $k = int(rand(10));
		my $r = $recs[int(rand(@recs))];
		$r =~ s/^seq: \d+$/seq: $i/m;
		if ($k < 5) {			# valid
			print $r;
		} elsif ($k < 7) {		# garbage (never a line of ---)
			my $g = join "", map { $chars[int(rand(@chars))] } 1 .. int(rand(400));
			$g =~ s/^-/x/mg;
			print "---\n$g\n";
		} elsif ($k < 9) {		# truncated at a random byte
			my $t = substr($r, 0, 4 + int(rand(length($r) - 4)));
			$t =~ s/\n?\z/\n/;
			print $t;
		} else {			# huge: a 2 MB value
			$r =~ s/^(source: ).*$/$1 . ("A" x 2000000)/me;
			print $r;
		}
	}' "$1" "$2" "$TMP/pool"
}
bad=""
for seed in $(seq 1 ${SOLR_CONSERVATION_SEEDS:-5}); do
	gen $seed 60 > "$TMP/in"
	n=$(grep -c '^---$' "$TMP/in")
	for stage in "solr-verify-sig -C $w --at $PIN" "solr-failed-suppliers -C $w check" \
		"solr-gbcs-parse -C $w" "solr-adt-check -C $w" "solr-countersign -C $w --at $PIN"; do
		$stage < "$TMP/in" > "$TMP/out" 2>/dev/null
		rc=$?
		name=${stage%% *}
		[ $rc -le 2 ] || bad="$bad $name(seed $seed: exit $rc)"
		out=$(grep -c '^---$' "$TMP/out")
		[ "$out" -eq "$n" ] || bad="$bad $name(seed $seed: $out of $n)"
		# in order: the seq of the k-th record out is k
		awk '/^seq: / { k++; if ($2 != k) { bad = 1 } } END { exit bad }' "$TMP/out" ||
			bad="$bad $name(seed $seed: out of order)"
	done
done
if [ -z "$bad" ]; then ok "conservation: ${SOLR_CONSERVATION_SEEDS:-5} seeds x 60 mixed records, every stage N out for N in, in order"
else not_ok "conservation" "$bad"; fi
# found by this test: a record without a verdict crashed countersign
awk '/^---$/ { n++ } n == 1 && !/^verdict: /' "$TMP/p4" > "$TMP/nov"
seal "$w" "$TMP/nov"	# sealed: the record's own rules are what is tested
solr-countersign -C "$w" --at $PIN < "$TMP/nov" > "$TMP/out" 2>"$TMP/err"
check "a record without a verdict is kept, rejected: exit 1" [ $? -eq 1 ]
check "... naming the key and the rule" grep -q "^reason: .*verdict: must be pass, reject, quarantine or accept" "$TMP/out"
awk '/^---$/ { n++ } n == 1 { sub(/^seq: .*/, "seq: x") } n == 1' "$TMP/p4" > "$TMP/noseq"
seal "$w" "$TMP/noseq"
solr-gbcs-parse -C "$w" < "$TMP/noseq" > "$TMP/out" 2>"$TMP/err"
check "a record whose seq is not a number is kept, rejected" grep -q "^reason: .*seq: must be a whole number from 1" "$TMP/out"
