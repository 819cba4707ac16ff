# Counts that are final: a count adt-check made stays whatever happens
# after its batch left (countersign in trouble, a record fed again, a
# record whose bytes were collected, countersign killed or failing), and
# a re-run after trouble is counted exactly once.
R=$BUILD/requests
# before_cs WORLD FILE...: the stages up to adt-check
before_cs() {
	_w=$1; shift
	solr-verify-sig -C "$_w" --at $PIN "$@" 2>/dev/null | solr-failed-suppliers -C "$_w" check |
		solr-gbcs-parse -C "$_w" | solr-adt-check -C "$_w"
}
count_of() { solr-adt-check -C "$1" counters | awk '{ s += $5 } END { print s + 0 }'; }
commands() { grep -c '^  command: [0-9a-f]\{64\}$' "$1"; }

# countersign in trouble (its object store unreadable), five times over
fresh_world "$TMP/t"
w=$TMP/t
before_cs "$w" "$R/srp-elec-cv5.xml" > "$TMP/held"
check "count setup: one request counted" [ "$(count_of "$w")" -eq 1 ]
i=1 rcs=""
while [ $i -le 5 ]; do
	SOLR_OBJECTS=$TMP/none solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o$i" 2>/dev/null
	rcs="$rcs$?"
	i=$((i + 1))
done
check "countersign in trouble five times: exit 2 each time" [ "$rcs" = 22222 ]
cat "$TMP"/o[1-5] > "$TMP/o1-5"
check "... each record rejected" [ "$(grep -c '^verdict: reject' "$TMP/o1-5")" -eq 5 ]
check "... none MACed" [ "$(commands "$TMP/o1-5")" -eq 0 ]
check "... and the count stays 1" [ "$(count_of "$w")" -eq 1 ]
solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o6"
check "the same record once the store is back: accepted, one Command" \
	sh -c '[ "$(grep -c "^verdict: accept" "$1")" -eq 1 ] && [ "$(grep -c "^  command: [0-9a-f]" "$1")" -eq 1 ]' "$TMP/o6" "$TMP/o6"
check "... still counted once" [ "$(count_of "$w")" -eq 1 ]
solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o7"
check "... fed again: the first decision, nothing new MACed" grep -q "^duplicate_of: " "$TMP/o7"
check "... the ledger holds one Command" [ "$(wc -l < "$w/state/countersign-ledger")" -eq 1 ]
check "... and the count stays 1" [ "$(count_of "$w")" -eq 1 ]
# the documented re-run after trouble, from the XML: counted once
fresh_world "$TMP/r"
w=$TMP/r
before_cs "$w" "$R/srp-elec-cv5.xml" | SOLR_OBJECTS=$TMP/none solr-countersign -C "$w" --at $PIN > /dev/null 2>&1
before_cs "$w" "$R/srp-elec-cv5.xml" | solr-countersign -C "$w" --at $PIN > "$TMP/re"
check "the re-run after trouble: accepted and MACed" [ "$(commands "$TMP/re")" -eq 1 ]
check "... counted exactly once" [ "$(count_of "$w")" -eq 1 ]

# gc between adt-check and countersign, then the held record replayed
fresh_world "$TMP/g"
w=$TMP/g
before_cs "$w" "$R/srp-elec-cv5.xml" "$R/batch/001.xml" "$R/batch/002.xml" "$R/batch/003.xml" \
	"$R/batch/004.xml" "$R/batch/005.xml" > "$TMP/held6"
check "gc setup: six counted" [ "$(count_of "$w")" -eq 6 ]
# a trail of another request: gc keeps its objects, and drops the held
# records' requests, which no trail names yet
before_cs "$w" "$R/srp-gas-cv4.xml" | solr-countersign -C "$w" --at $PIN --sat "$TMP/g-sat" > /dev/null
solr-sat gc -C "$w" "$TMP/g-sat" > "$TMP/gc"
check "gc setup: the held records' objects removed" grep -q "removed [1-9]" "$TMP/gc"
i=1 rcs=""
while [ $i -le 4 ]; do
	solr-countersign -C "$w" --at $PIN < "$TMP/held6" > "$TMP/g$i" 2>/dev/null
	rcs="$rcs$?"
	i=$((i + 1))
done
check "after gc, the held records fed four times: exit 2 each time" [ "$rcs" = 2222 ]
check "... every record rejected, none lost" [ "$(cat "$TMP"/g[1-4] | grep -c '^verdict: reject')" -eq 24 ]
check "... and the counts stay 7 (six held, one through)" [ "$(count_of "$w")" -eq 7 ]

# under --sat: one record whose bytes are gone does not take the batch
fresh_world "$TMP/s"
w=$TMP/s
{ before_cs "$w" "$R/batch/001.xml" "$R/batch/002.xml" "$R/batch/003.xml" "$R/batch/004.xml"
  SOLR_OBJECTS=$TMP/elsewhere solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" |
	solr-failed-suppliers -C "$w" check | SOLR_OBJECTS=$TMP/elsewhere solr-gbcs-parse -C "$w" |
	solr-adt-check -C "$w"; } > "$TMP/held5"
solr-countersign -C "$w" --at $PIN --sat "$w/sat" < "$TMP/held5" > "$TMP/s1" 2> "$TMP/e"
check "a batch of five, one record's bytes missing: exit 2" [ $? -eq 2 ]
check "... five records out, in order" [ "$(sed -n 's/^seq: //p' "$TMP/s1" | tr '\n' ' ')" = "1 2 3 4 1 " ]
check "... four accepted" [ "$(grep -c '^verdict: accept' "$TMP/s1")" -eq 4 ]
check "... the fifth rejected, naming the object" grep -q "^reason: object [0-9a-f]\{64\} is not in the store" "$TMP/s1"
check "... five counted" [ "$(count_of "$w")" -eq 5 ]
solr-sat verify -C "$w" "$w/sat" > "$TMP/v"
check "... and five entries in a trail that verifies" sh -c '[ $0 -eq 0 ] && grep -q "^entries: 5$" "$1"' $? "$TMP/v"
check "... the fifth naming the object it lacks" grep -q "^objects_missing:" "$w/sat/sat.log"

# the next stage killed, or failing at start: the count stays
fresh_world "$TMP/k"
w=$TMP/k
before_cs "$w" "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" > "$TMP/held2"
c0=$(count_of "$w")
# killed while it holds the records it read (its batch open): it stops
# itself before its first ledger write, with the batch read and decided
faulty_bg FAULT_STOP=countersign-ledger solr-countersign -C "$w" --at $PIN \
	< "$TMP/held2" > "$TMP/killed" 2>/dev/null
pid=$bgpid
await_stop $pid
check "countersign stopped in the middle of its batch, at its ledger write" [ $? -eq 0 ]
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check "... killed there: nothing of the batch left it" [ ! -s "$TMP/killed" ]
check "... and the count stays $c0" [ "$(count_of "$w")" -eq "$c0" ]
mv "$w/keys/acb.ka.key" "$w/keys/acb.away"
solr-countersign -C "$w" --at $PIN < "$TMP/held2" > "$TMP/f" 2>/dev/null
check "countersign failing at start (no ACB key): exit 2, records rejected" \
	sh -c '[ $0 -eq 2 ] && [ "$(grep -c "^verdict: reject" "$1")" -eq 2 ]' $? "$TMP/f"
check "... and the count stays $c0" [ "$(count_of "$w")" -eq "$c0" ]
mv "$w/keys/acb.away" "$w/keys/acb.ka.key"
# adt-check fed the same records again: counted once
before_cs "$w" "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" > /dev/null
solr-adt-check -C "$w" < "$TMP/held2" > "$TMP/a2" 2>/dev/null
check "adt-check's own records fed to it again: nothing counted twice" [ "$(count_of "$w")" -eq "$c0" ]
solr-countersign -C "$w" --at $PIN < "$TMP/held2" > "$TMP/f2"
check "... and countersign, the store and key back: both accepted" [ "$(grep -c '^verdict: accept' "$TMP/f2")" -eq 2 ]
check "... the count still $c0" [ "$(count_of "$w")" -eq "$c0" ]
