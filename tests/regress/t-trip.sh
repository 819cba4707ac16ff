# What auditors and operators tripped on (2026-12-03), each case as it
# was met: a time cut short, a world that could not load shown as if it
# could, a reason that did not name its file.
R=$BUILD/requests
fresh_world "$TMP/w"
w=$TMP/w

# --at, --since, --until: a fraction of a second is refused, never cut
solr-verify-sig -C "$w" --at 2026-03-02T10:15:00.5Z "$R/srp-elec-cv5.xml" > "$TMP/o" 2> "$TMP/e"
check "--at with a fraction of a second: exit 2, nothing decided" \
	sh -c '[ $0 -eq 2 ] && [ ! -s "$1" ]' $? "$TMP/o"
check "... saying the tools decide to the second" grep -q "^solr-verify-sig: --at: '2026-03-02T10:15:00.5Z' has a fraction of a second" "$TMP/e"
solr-verify-sig -C "$w" --at 2026-03-02T11:15:00+01:00 "$R/srp-elec-cv5.xml" > "$TMP/o" 2> /dev/null
check "--at with an offset and whole seconds: read, not refused" grep -q "^received_at: 2026-03-02T10:15:00Z$" "$TMP/o"
solr-sat log --since yesterday "$TMP" > /dev/null 2> "$TMP/e"
check "log --since yesterday: exit 2, naming --since, not --at" \
	sh -c '[ $0 -eq 2 ] && grep -q "^solr-sat: --since: .yesterday. is not an RFC 3339 time" "$1"' $? "$TMP/e"
solr-sat log --until 2026-03-02T10:15:00.25Z "$TMP" > /dev/null 2> "$TMP/e"
check "log --until with a fraction: exit 2, naming --until" \
	sh -c '[ $0 -eq 2 ] && grep -q "^solr-sat: --until: .* has a fraction of a second" "$1"' $? "$TMP/e"

# counters in a world whose instructions.yaml cannot be read: exit 2
cp -R "$w" "$TMP/w2"
sed -i 's/^instructions:/instrutions:/' "$TMP/w2/instructions.yaml"
solr-adt-check -C "$TMP/w2" counters > "$TMP/o" 2> "$TMP/e"
check "counters with a misspelt instructions.yaml: exit 2, no counts shown" \
	sh -c '[ $0 -eq 2 ] && [ ! -s "$1" ]' $? "$TMP/o"
check "... naming the file, the line and the key" grep -q "instructions.yaml:1: instrutions: unknown key" "$TMP/e"
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$w" check |
	solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" > /dev/null 2>&1
solr-adt-check -C "$w" --json counters > "$TMP/o"
check "counters --json: the window is 'window', as in the records" \
	sh -c 'grep -q "\"window\":3600," "$0" && ! grep -q window_seconds "$0"' "$TMP/o"

# an ADT file with a misspelt key: the record's reason names the file
fresh_world "$TMP/w3"
sed -i 's/^thresholds:/threshold:/' "$TMP/w3"/adt/*.yaml
solr-verify-sig -C "$TMP/w3" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$TMP/w3" check |
	solr-gbcs-parse -C "$TMP/w3" | solr-adt-check -C "$TMP/w3" > "$TMP/o" 2> /dev/null
check "an ADT file with a misspelt key: the record is rejected" grep -q "^verdict: reject$" "$TMP/o"
check "... and its reason names the file, the line and the key" \
	grep -q "^reason: '.*/adt/00-DB-12-34-56-78-00-04.yaml:2: threshold: unknown key'$" "$TMP/o"
