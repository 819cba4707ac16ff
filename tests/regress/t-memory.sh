# A batch streams in constant memory, and records stay small whatever the
# request size.
W=$(own_world) R=$BUILD/requests
gen() {	# the records of N copies of a request, sealed by the first stage
	yes "$R/srp-elec-cv5.xml" | head -n "$1" |
		solr-verify-sig -C "$W" --at $PIN --files-from -
}
gen 1000 > "$TMP/b1"
gen 10000 > "$TMP/b10"
"$BUILD/maxrss" solr-verify-sig -C "$W" --at $PIN < "$TMP/b1" > "$TMP/o1" 2>"$TMP/m1"
"$BUILD/maxrss" solr-verify-sig -C "$W" --at $PIN < "$TMP/b10" > "$TMP/o10" 2>"$TMP/m10"
m1=$(sed -n 's/^maxrss //p' "$TMP/m1") m10=$(sed -n 's/^maxrss //p' "$TMP/m10")
check "10,000 records out of 10,000" [ "$(count_records "$TMP/o10")" -eq 10000 ]
check "all 10,000 pass" [ "$(grep -c '^verdict: pass' "$TMP/o10")" -eq 10000 ]
case ${SOLR_SANITIZE:-} in asan|valgrind) sanitized=1 ;; *) sanitized=0 ;; esac
if [ $sanitized = 1 ]; then skip "constant memory" "$SOLR_SANITIZE keeps freed memory aside"
elif [ -n "$m1" ] && [ -n "$m10" ] && [ $((m10 - m1)) -lt 2048 ]; then ok "constant memory: ${m1} KB for 1,000, ${m10} KB for 10,000"
else not_ok "constant memory" "${m1} KB for 1,000, ${m10} KB for 10,000"; fi

# a 2 MB request: the record stays a few kilobytes
perl -pe 'BEGIN { $b = "A" x 1500000 } s|<sr:GBCSPayload>[^<]*</sr:GBCSPayload>|<sr:GBCSPayload>$b</sr:GBCSPayload>|;
	s|<ds:DigestValue>[^<]*</ds:DigestValue>|<ds:DigestValue/>|; s|<ds:SignatureValue>[^<]*</ds:SignatureValue>|<ds:SignatureValue/>|s' \
	"$R/srp-gas-cv5.xml" > "$TMP/big-unsigned.xml"
perl -0pi -e 's|<ds:SignatureValue>.*?</ds:SignatureValue>|<ds:SignatureValue/>|s; s|<ds:X509IssuerSerial>.*?</ds:X509IssuerSerial>|<ds:X509IssuerSerial/>|s' "$TMP/big-unsigned.xml"
xmlsec1 --sign --privkey-pem "$W/test-keys/srp-xmlsign.key,$W/pki/org/srp-xmlsign.pem" \
	--output "$TMP/big.xml" "$TMP/big-unsigned.xml" 2>/dev/null
fresh_world "$TMP/wbig"
echo "max_document_bytes: 4194304" >> "$TMP/wbig/policy.yaml"
solr-verify-sig -C "$TMP/wbig" --at $PIN "$TMP/big.xml" > "$TMP/ob"
check "a 1.5 MB request verifies" [ "$(field "$TMP/ob" verdict)" = pass ]
check "... and its record is under 2 KB" [ "$(wc -c < "$TMP/ob")" -lt 2048 ]
solr-verify-sig -C "$W" --at $PIN "$TMP/big.xml" > "$TMP/ob2"
check "... and is over the default document limit" grep -q "^reason: .*limit of 1048576 bytes" "$TMP/ob2"
solr-verify-sig -C "$W" --at $PIN < "$TMP/big.xml" > "$TMP/ob3" 2>/dev/null
check "... on standard input too: rejected, naming the limit" \
	sh -c '[ "$(sed -n "s/^verdict: //p" "$0")" = reject ] && grep -q "^reason: the document exceeds the limit of 1048576 bytes (policy max_document_bytes)" "$0"' "$TMP/ob3"
solr-gbcs-parse -C "$W" < "$TMP/big.xml" > "$TMP/ob4" 2> "$TMP/eb4"
check "... and as an alert document on solr-gbcs-parse's standard input: rejected (exit 1), naming the limit" \
	sh -c '[ "$0" -eq 1 ] && grep -q "(stdin): input exceeds the limit of 1048576 bytes" "$1" &&
	    grep -q "^reason: .the document could not be read: input exceeds the limit of 1048576 bytes" "$2"' "$?" "$TMP/eb4" "$TMP/ob4"

# countersign's memory does not grow with its ledger: 300,000 entries
# written before, then a batch
fresh_world "$TMP/wl0"; fresh_world "$TMP/wl1"
mkdir -p "$TMP/wl1/state"
perl -e 'for my $i (1 .. 300000) { printf "%016X %d %016X %064x\n", 0x1234, $i, 0x5678, $i }' \
	> "$TMP/wl1/state/countersign-ledger"
"$BUILD/ledger-seal" "$TMP/wl1" countersign	# the record its syncs would have left
flow4() {	# flow4 WORLD: the stages before countersign
	solr-verify-sig -C "$1" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv5.xml" "$R/srp-elec-cv4.xml" |
		solr-failed-suppliers -C "$1" check | solr-gbcs-parse -C "$1" | solr-adt-check -C "$1"
}
flow4 "$TMP/wl0" > "$TMP/l0"; flow4 "$TMP/wl1" > "$TMP/l1"
"$BUILD/maxrss" solr-countersign -C "$TMP/wl0" --at $PIN < "$TMP/l0" > "$TMP/c0" 2> "$TMP/m0"
"$BUILD/maxrss" solr-countersign -C "$TMP/wl1" --at $PIN < "$TMP/l1" > "$TMP/c1" 2> "$TMP/m1"
check "a ledger of 300,000 entries: the batch is accepted" [ "$(grep -c '^verdict: accept' "$TMP/c1")" -eq 3 ]
check "... and indexed (state/countersign-index)" [ -s "$TMP/wl1/state/countersign-index" ]
m0=$(sed -n 's/^maxrss //p' "$TMP/m0") m1=$(sed -n 's/^maxrss //p' "$TMP/m1")
if [ $sanitized = 1 ]; then skip "countersign's memory and its ledger" "$SOLR_SANITIZE keeps freed memory aside"
elif [ -n "$m0" ] && [ -n "$m1" ] && [ $((m1 - m0)) -lt 2048 ]; then ok "countersign's memory and its ledger: ${m0} KB with none, ${m1} KB with 300,000 entries"
else not_ok "countersign's memory and its ledger" "${m0} KB with none, ${m1} KB with 300,000 entries"; fi

# countersign's memory does not grow with the object stores: 300,000
# objects more in the world's store and in the trail's bundle, then a
# batch (what it makes is stored without a table of every name; the
# world files looked for in the bundle by reading its indexes through)
filler() {	# filler DIR N TAG: N objects in a segment of DIR, as the store lays them out
	perl -MDigest::SHA=sha256_hex -e '
		my ($dir, $n, $tag) = @ARGV; my $id = "0000000000001-f$tag-0"; my $off = 0;
		open(my $s, ">", "$dir/$id.seg") or die; open(my $x, ">", "$dir/$id.idx") or die;
		for my $i (1 .. $n) {
			my $b = "filler object $tag $i"; my $h = sha256_hex($b);
			my $rec = "obj $h " . length($b) . "\n$b\n";
			print $s $rec; printf $x "%s %016x %08x\n", $h, $off, length($b);
			$off += length($rec);
		}' "$@"
}
for w in so sf; do
	fresh_world "$TMP/$w"
	flow4 "$TMP/$w" > "$TMP/$w.4"
	sed -n '1,/^---$/p' "$TMP/$w.4" | sed '$d' > "$TMP/$w.first"
	solr-countersign -C "$TMP/$w" --at $PIN --sat "$TMP/$w.sat" < "$TMP/$w.first" > /dev/null
	awk '/^---$/ { n++ } n > 1' "$TMP/$w.4" > "$TMP/$w.rest"
done
filler "$TMP/sf/state/objects" 300000 111
filler "$TMP/sf.sat/objects" 300000 222
"$BUILD/maxrss" solr-countersign -C "$TMP/so" --at $PIN --sat "$TMP/so.sat" < "$TMP/so.rest" > "$TMP/so.5" 2> "$TMP/mso"
"$BUILD/maxrss" solr-countersign -C "$TMP/sf" --at $PIN --sat "$TMP/sf.sat" < "$TMP/sf.rest" > "$TMP/sf.5" 2> "$TMP/msf"
check "stores of 300,000 objects more: the batch is accepted" [ "$(grep -c '^verdict: accept' "$TMP/sf.5")" -eq 2 ]
solr-sat verify -C "$TMP/sf" "$TMP/sf.sat" > /dev/null 2>&1
check "... and the trail verifies" [ $? -eq 0 ]
m0=$(sed -n 's/^maxrss //p' "$TMP/mso") m1=$(sed -n 's/^maxrss //p' "$TMP/msf")
if [ $sanitized = 1 ]; then skip "countersign's memory and the object stores" "$SOLR_SANITIZE keeps freed memory aside"
elif [ -n "$m0" ] && [ -n "$m1" ] && [ $((m1 - m0)) -lt 2048 ]; then ok "countersign's memory and the object stores: ${m0} KB over small stores, ${m1} KB with 300,000 objects more in each"
else not_ok "countersign's memory and the object stores" "${m0} KB over small stores, ${m1} KB with 300,000 objects more in each"; fi

# the device inventory: a stage's lookups cost the same memory at 1,000
# devices and at 101,000 (slots and entries are read, never mapped or
# loaded whole)
if [ -x "$BUILD/inv-lookup" ]; then
	fresh_world "$TMP/wi"
	awk 'BEGIN { for (i = 0; i < 1000; i++) printf "00DB1237%08X ESME\n", i }' |
		solr-countersign -C "$TMP/wi" devices import > /dev/null
	"$BUILD/inv-lookup" "$TMP/wi" 1000 20000 > "$TMP/lk1"
	awk 'BEGIN { for (i = 1000; i < 101000; i++) printf "00DB1237%08X GSME\n", i }' |
		solr-countersign -C "$TMP/wi" devices import > /dev/null
	"$BUILD/inv-lookup" "$TMP/wi" 101000 20000 > "$TMP/lk2"
	k1=$(cut -f4 "$TMP/lk1") k2=$(cut -f4 "$TMP/lk2")
	if [ $sanitized = 1 ]; then skip "the inventory's lookups in constant memory" "$SOLR_SANITIZE keeps freed memory aside"
	elif [ -n "$k1" ] && [ -n "$k2" ] && [ $((k2 - k1)) -lt 1024 ]; then
		ok "the inventory's lookups in constant memory: $k1 KB at 1,000 devices, $k2 KB at 101,000"
	else not_ok "the inventory's lookups in constant memory" "$k1 KB at 1,000 devices, $k2 KB at 101,000"; fi
else
	skip "the inventory's lookups in constant memory" "build/inv-lookup is not built (make check builds it)"
fi

# the object store's table of where objects lie: about 16 bytes an
# object held (written here with perl, as the store lays them out:
# solr-objects(5)), so 150,000 objects add some 4 MiB to the stage that
# loads it, not the 12 of a table that keeps whole names
fresh_world "$TMP/wo"
mkdir -p "$TMP/wo/state/objects"
perl -MDigest::SHA=sha256_hex -e '
	my ($dir) = @ARGV; my $id = "0000000000001-f111-0";
	open(my $s, ">", "$dir/$id.seg") or die; open(my $x, ">", "$dir/$id.idx") or die;
	my $off = 0;
	for my $i (1 .. 150000) {
		my $b = "filler object $i"; my $n = sha256_hex($b);
		my $rec = "obj $n " . length($b) . "\n$b\n";
		print $s $rec; printf $x "%s %016x %08x\n", $n, $off, length($b);
		$off += length($rec);
	}' "$TMP/wo/state/objects"
fresh_world "$TMP/we"
"$BUILD/maxrss" solr-verify-sig -C "$TMP/we" --at $PIN "$R/srp-elec-cv5.xml" > "$TMP/oe" 2> "$TMP/me"
"$BUILD/maxrss" solr-verify-sig -C "$TMP/wo" --at $PIN "$R/srp-elec-cv5.xml" > "$TMP/oo" 2> "$TMP/mo"
me=$(sed -n 's/^maxrss //p' "$TMP/me") mo=$(sed -n 's/^maxrss //p' "$TMP/mo")
check "a document stored beside 150,000 objects: passes, and is one more" \
	sh -c '[ "$(grep -c "^verdict: pass" "$0")" -eq 1 ] && [ "$(cat "$1"/*.idx | wc -l)" -eq 150001 ]' "$TMP/oo" "$TMP/wo/state/objects"
if [ $sanitized = 1 ]; then skip "the store's table in 16 bytes an object" "$SOLR_SANITIZE keeps freed memory aside"
elif [ -n "$me" ] && [ -n "$mo" ] && [ $((mo - me)) -lt 5120 ]; then
	ok "the store's table in 16 bytes an object: $me KB with an empty store, $mo KB with 150,000 objects"
else not_ok "the store's table in 16 bytes an object" "$me KB with an empty store, $mo KB with 150,000 objects"; fi
