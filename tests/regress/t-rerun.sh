# Re-runs and duplicates: the same request again is decided once; another
# document under a RequestID already used is a replay.
R=$BUILD/requests
flow() {	# flow WORLD FILE...: the whole flow, with a SAT in WORLD/sat
	_w=$1; shift
	solr-verify-sig -C "$_w" --at $PIN "$@" 2>/dev/null | solr-failed-suppliers -C "$_w" check |
		solr-gbcs-parse -C "$_w" | solr-adt-check -C "$_w" |
		solr-countersign -C "$_w" --at $PIN --sat "$_w/sat"
}
made() {	# made FILE KEY: the artifact names a run's records carry
	sed -n "s/^  $2: \([0-9a-f]\{64\}\)\$/\1/p" "$1" | sort
}

# one run, the same two requests three times each
fresh_world "$TMP/w"
w=$TMP/w
flow "$w" "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" \
	"$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" > "$TMP/o1"
check "six copies of two requests: six records, all accepted" [ "$(grep -c '^verdict: accept' "$TMP/o1")" -eq 6 ]
check "... four of them duplicates of the first two" [ "$(grep -c '^duplicate_of: ' "$TMP/o1")" -eq 4 ]
check "... naming the first by seq" [ "$(grep -c '^duplicate_of: {seq: 1,' "$TMP/o1")" -eq 2 ]
check "... one count" [ "$(solr-adt-check -C "$w" counters | awk '{ print $5 }')" = 2 ]
check "... one Command, the same in every copy" [ "$(made "$TMP/o1" command | uniq -c | awk '{ print $1 }')" = 3 ]
check "... one countersignature, the same in every copy" [ "$(made "$TMP/o1" countersigned | uniq -c | awk '{ print $1 }')" = 3 ]
check "... one response each, the first's" [ "$(made "$TMP/o1" response | uniq | wc -l)" -eq 2 ]
check "... one ledger entry" [ "$(wc -l < "$w/state/countersign-ledger")" -eq 1 ]
check "... six SAT entries, four saying whose duplicate they are" \
	[ "$(solr-sat log --json "$w/sat" | jq -r 'select(.duplicate_of) | .duplicate_of.seq' | tr '\n' ' ')" = "1 2 1 2 " ]

# the same batch again, in a second run
snapshot() { solr-adt-check -C "$w" counters; cat "$w/state/countersign-ledger"; }
snapshot > "$TMP/s1"
flow "$w" "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" > "$TMP/o2"
snapshot > "$TMP/s2"
same_files "a second run of the batch: the counts and the ledger unchanged" "$TMP/s1" "$TMP/s2"
check "... the same outcome and artifacts" [ "$(made "$TMP/o2" command) $(made "$TMP/o2" countersigned)" = \
	"$(made "$TMP/o1" command | head -1) $(made "$TMP/o1" countersigned | head -1)" ]
check "... both duplicates of the first run's" [ "$(grep -c '^duplicate_of: ' "$TMP/o2")" -eq 2 ]
solr-sat verify -C "$w" "$w/sat" > /dev/null 2>&1
check "... and the trail verifies" [ $? -eq 0 ]
solr-sat replay "$w/sat" "$w" > "$TMP/rp" 2>&1
check "solr-sat replay of a trail with duplicates: nothing differs" grep -q "^8 records replayed, 0 differ; 0 world inputs changed$" "$TMP/rp"

# a run that stopped after adt-check, run again in full: counted once,
# and the Command made the second time
fresh_world "$TMP/p"
p=$TMP/p
solr-verify-sig -C "$p" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$p" check |
	solr-gbcs-parse -C "$p" | solr-adt-check -C "$p" > /dev/null
flow "$p" "$R/srp-elec-cv5.xml" > "$TMP/p2"
check "a batch stopped before countersign, run again: counted once" \
	[ "$(solr-adt-check -C "$p" counters | awk '{ print $5 }')" = 1 ]
check "... and accepted, with its Command" sh -c '[ "$(grep -c "^verdict: accept" "$1")" -eq 1 ] && grep -q "^  command: [0-9a-f]" "$1"' "$TMP/p2" "$TMP/p2"

# another document under a RequestID already used: a replay
flow "$w" "$R/srp-elec-reuse-cv5.xml" > "$TMP/o3"
check "another document under a used RequestID: rejected" [ "$(field "$TMP/o3" verdict)" = reject ]
check "... as a replay, naming the RequestID and the first document" \
	grep -q "^reason: 'RequestID 90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1003 was decided before for another document (sha256 [0-9a-f]\{64\}): a second signed document for one counter is a replay'" "$TMP/o3"
check "... with the check B code of its DUIS version (5.4: E2)" [ "$(field "$TMP/o3" code)" = E2 ]
check "... never MACed" [ -z "$(made "$TMP/o3" command)" ]
check "... answered" grep -q "^  response_code: E2" "$TMP/o3"
check "... not counted" [ "$(solr-adt-check -C "$w" counters | awk '{ print $5 }')" = 2 ]
# the first document is still the one decided
flow "$w" "$R/srp-elec-cv5.xml" > "$TMP/o4"
check "... and the first document is still its duplicate" grep -q "^duplicate_of: {seq: 1," "$TMP/o4"
# countersign holds alone (adt-check's register gone, or skipped)
rm -f "$w"/state/adt-requests-*
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-reuse-cv5.xml" | solr-failed-suppliers -C "$w" check |
	solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" > "$TMP/o5a"
check "without adt-check's register the replay passes it (counted)" [ "$(field "$TMP/o5a" verdict)" = pass ]
solr-countersign -C "$w" --at $PIN < "$TMP/o5a" > "$TMP/o5"
check "... and countersign refuses it as a replay" grep -q "^reason: 'RequestID .* a second signed document for one counter is a replay'" "$TMP/o5"
check "... the count adt-check made stays" [ "$(solr-adt-check -C "$w" counters | awk '{ print $5 }')" = 3 ]

# the registers survive a damaged note: refused, not guessed
fresh_world "$TMP/d"
flow "$TMP/d" "$R/srp-gas-cv4.xml" > /dev/null
sed -i 's/ {.*$/ {"seq":/' "$TMP/d/state/countersign-requests-ledger"
solr-verify-sig -C "$TMP/d" --at $PIN "$R/srp-gas-cv4.xml" | solr-failed-suppliers -C "$TMP/d" check |
	solr-gbcs-parse -C "$TMP/d" | solr-adt-check -C "$TMP/d" > "$TMP/d1"
solr-countersign -C "$TMP/d" --at $PIN < "$TMP/d1" > "$TMP/d2" 2> "$TMP/d2.err"
check "a register entry whose decision is damaged: exit 2, nothing countersigned" \
	sh -c '[ $0 -eq 2 ] && ! grep -q "^verdict: accept" "$1"' $? "$TMP/d2"
check "... naming the register, changed since its last sync" grep -q "countersign-requests-ledger: holds [0-9]* bytes where its last writer left [0-9]*" "$TMP/d2.err"
# damaged by a holder of the key, the record written again to match
"$BUILD/ledger-seal" "$TMP/d" countersign-requests
solr-countersign -C "$TMP/d" --at $PIN < "$TMP/d1" > "$TMP/d2" 2> "$TMP/d2.err"
check "... or, with a record that matches, exit 2 and nothing countersigned" \
	sh -c '[ $0 -eq 2 ] && ! grep -q "^verdict: accept" "$1"' $? "$TMP/d2"
check "... naming the register and the RequestID" grep -q "countersign-requests-ledger: the entry of RequestID .* does not hold its first decision" "$TMP/d2.err"

# make demo's batch, twice against one world
fresh_world "$TMP/demo"
sh scripts/solr-pipeline -C "$TMP/demo" -o "$TMP/run1" --at $PIN "$BUILD"/requests/*.xml > /dev/null 2>&1
snapshot2() { solr-adt-check -C "$TMP/demo" counters; cat "$TMP/demo/state/countersign-ledger"; }
snapshot2 > "$TMP/d1s"
sh scripts/solr-pipeline -C "$TMP/demo" -o "$TMP/run2" --at $PIN "$BUILD"/requests/*.xml > /dev/null 2>&1
snapshot2 > "$TMP/d2s"
same_files "the demo batch run twice: no count or ledger entry changes" "$TMP/d1s" "$TMP/d2s"
# a countersignature made again would differ (ECDSA): the same bytes are
# the first run's, copied from the store
tar -tf "$TMP/run1/artifacts.tar" | grep -E '\.(command\.gbcs|countersigned\.xml)$' | sort > "$TMP/a1"
tar -tf "$TMP/run2/artifacts.tar" | grep -E '\.(command\.gbcs|countersigned\.xml)$' | sort > "$TMP/a2"
same_files "... the second run makes no Command or countersignature: its -o holds the first run's (named by their bytes)" "$TMP/a1" "$TMP/a2"
# what it answers again is only what no register holds: the replay, and
# requests refused before their sender was found entitled to the
# RequestID (a signer who is not the Business Originator or its SRP must
# not be able to take a RequestID from its owner)
# every duplicate carries a response of the first run, none new
awk '/^---$/ { if (d && r) print r; d = 0; r = "" } /^duplicate_of:/ { d = 1 }
	/^  response: [0-9a-f]/ { r = $2 } END { if (d && r) print r }' "$TMP/run2/records.yaml" | sort -u > "$TMP/dupresp"
sed -n 's/^  response: \([0-9a-f]\{64\}\)$/\1/p' "$TMP/run1/records.yaml" | sort -u > "$TMP/resp1"
bad=$(comm -23 "$TMP/dupresp" "$TMP/resp1" | wc -l)
check "... its duplicates carry the first run's responses, none new" sh -c '[ "$0" -eq 0 ] && [ -s "$1" ]' "$bad" "$TMP/dupresp"
check "... (the replay among them)" \
	sh -c 'tar -tf "$0" | grep -q "^90-B3-D5-1F-30-01-00-00_00-DB-12-34-56-78-90-A0_1003\.[0-9a-f]\{12\}\.response\.xml$"' "$TMP/run2/artifacts.tar"

# a record refused in trouble is no decision: nothing of it is kept in
# the register, and the run after the trouble decides it afresh, at that
# run's moment; an instruction that ended meanwhile quarantines it
fresh_world "$TMP/tr"
tr=$TMP/tr
solr-verify-sig -C "$tr" --at $PIN "$R/srp-gas-cv4.xml" | solr-failed-suppliers -C "$tr" check |
	solr-gbcs-parse -C "$tr" | solr-adt-check -C "$tr" > "$TMP/tr4"
mv "$tr/state/objects" "$TMP/tr-objects"; mkdir "$tr/state/objects"
solr-countersign -C "$tr" --at $PIN < "$TMP/tr4" > "$TMP/tr5" 2>/dev/null
check "countersign that cannot read a request's bytes: trouble (2), the record rejected with no code" \
	sh -c '[ $0 -eq 2 ] && [ "$(sed -n "s/^verdict: //p" "$1")" = reject ] && grep -q "^code: null" "$1" &&
		grep -q "^reason: object [0-9a-f]* is not in the store" "$1"' $? "$TMP/tr5"
rm -rf "$tr/state/objects"; mv "$TMP/tr-objects" "$tr/state/objects"
flow_at() {	# flow_at WORLD AT FILE...: the whole flow at AT
	_w=$1 _at=$2; shift 2
	solr-verify-sig -C "$_w" --at "$_at" "$@" 2>/dev/null | solr-failed-suppliers -C "$_w" check |
		solr-gbcs-parse -C "$_w" | solr-adt-check -C "$_w" | solr-countersign -C "$_w" --at "$_at"
}
cp -R "$tr" "$TMP/tr-same"
flow_at "$TMP/tr-same" $PIN "$R/srp-gas-cv4.xml" > "$TMP/tr6"
check "... run again at the same moment: accepted, and not a duplicate at countersign" \
	sh -c '[ "$(sed -n "s/^verdict: //p" "$0")" = accept ] && grep -q "^  countersigned: [0-9a-f]" "$0"' "$TMP/tr6"
check "... counted once (adt-check's first decision stands)" \
	[ "$(solr-adt-check -C "$TMP/tr-same" counters | awk '{ print $5 }')" = 1 ]
flow_at "$tr" 2026-03-17T10:00:00Z "$R/srp-gas-cv4.xml" > "$TMP/tr7"
check "... run again after the instruction ended: quarantined at countersigning, not the trouble's refusal" \
	sh -c '[ "$(sed -n "s/^verdict: //p" "$0")" = quarantine ] && grep -q "^code: AD1" "$0" &&
		grep -q "^reason: .*at countersigning (2026-03-17T10:00:00Z), no Authority instruction" "$0"' "$TMP/tr7"
check "... still counted once" [ "$(solr-adt-check -C "$tr" counters | awk '{ print $5 }')" = 1 ]

# a signer who may not use a RequestID cannot take it from its owner
fresh_world "$TMP/t"
flow "$TMP/t" "$R/t-wrong-bo.xml" > "$TMP/t1"
check "a request from a signer who is not the Business Originator: refused" [ "$(field "$TMP/t1" code)" = E65 ]
check "... and its RequestID not registered" [ ! -s "$TMP/t/state/countersign-requests-ledger" ]
same "... every decision the same" "$(grep -E '^(verdict|code):' "$TMP/run1/records.yaml")" "$(grep -E '^(verdict|code):' "$TMP/run2/records.yaml")"

# the demo batch (each stage refuses something in it) run again after
# the world changed under it: the ADT thresholds below the batch and
# submitted, the Authority instruction ended before the requests' time,
# a device taken out of the inventory.  Every record gets its first
# decision; each that reached adt-check says whose duplicate it is;
# nothing is counted, MACed or countersigned again
decisions() {	# decisions FILE: source, verdict, code and duplicate_of, sorted
	awk '/^---$/ { if (s != "") print s, v, c, d; s = v = c = d = "" }
		/^source:/ { s = $2 } /^verdict:/ { v = $2 } /^code:/ { c = $2 }
		/^duplicate_of:/ { d = "duplicate" }
		END { if (s != "") print s, v, c, d }' "$1" | sort
}
for st in verify-sig failed-suppliers gbcs-parse adt-check countersign; do
	check "the demo batch: $st refuses some of it" grep -q "^  $st: {result: \(reject\|quarantine\)" "$TMP/run1/records.yaml"
done
sed -i 's/warning: [0-9]*, quarantine: [0-9]*/warning: 1, quarantine: 2/' "$TMP/demo"/adt/*.yaml
for f in "$TMP/demo"/adt/*.yaml; do solr-adt-check -C "$TMP/demo" --at $PIN submit "$f" > /dev/null; done
sed -i 's/until: [0-9TZ:-]*}/until: 2026-03-02T10:05:00Z}/' "$TMP/demo/instructions.yaml"
solr-countersign -C "$TMP/demo" devices remove 00-DB-12-34-56-78-90-A1 > /dev/null
sh scripts/solr-pipeline -C "$TMP/demo" -o "$TMP/run3" --at $PIN "$BUILD"/requests/*.xml > /dev/null 2>&1
snapshot2 > "$TMP/d3s"
decisions "$TMP/run1/records.yaml" | cut -d' ' -f1-3 > "$TMP/dec1"
decisions "$TMP/run3/records.yaml" > "$TMP/dec3"
same_files "the demo batch again in a world changed since (thresholds, instruction, inventory): every first decision" \
	"$TMP/dec1" "$(cut -d' ' -f1-3 "$TMP/dec3" > "$TMP/dec3c"; echo "$TMP/dec3c")"
awk '/^---$/ { if (p) print s; s = ""; p = 0 } /^source:/ { s = $2 }
	/^  adt-check: \{result: pass/ { p = 1 } END { if (p) print s }' "$TMP/run1/records.yaml" | sort > "$TMP/passed1"
check "... each record adt-check passed the first time marked a duplicate" \
	sh -c '[ -s "$0" ] && [ -z "$(grep -v " duplicate$" "$1" | cut -d" " -f1 | comm -12 - "$0")" ]' "$TMP/passed1" "$TMP/dec3"
same_files "... no count or ledger entry changes" "$TMP/d1s" "$TMP/d3s"
