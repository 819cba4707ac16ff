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

# solr-sat: exit codes as for the stages, filters read as the stages
# read their inputs, the head's time when it was signed
trail() {	# trail DIR FILE...: the flow with a SAT in DIR
	_d=$1; shift
	solr-verify-sig -C "$t" --at $PIN "$@" | solr-failed-suppliers -C "$t" check |
		solr-gbcs-parse -C "$t" | solr-adt-check -C "$t" |
		solr-countersign -C "$t" --at $PIN --sat "$_d" > /dev/null 2>&1
}
fresh_world "$TMP/t"
t=$TMP/t
before=$(date -u +%s)
trail "$TMP/sat" "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" "$R/srp-elec-unsafe-cv5.xml"
signed=$(sed -n 's/^time: //p' "$TMP/sat/head")
check "the head's time is when it was signed, not --at" \
	sh -c '[ "$0" != "$1" ] && [ $(date -u -d "$0" +%s) -ge $2 ]' "$signed" "$PIN" "$before"
solr-sat verify -C "$t" --expect-head abc "$TMP/sat" > "$TMP/o" 2> "$TMP/e"
check "verify --expect-head abc: a usage error, exit 2" \
	sh -c '[ $0 -eq 2 ] && grep -q "^solr-sat: --expect-head: .abc. is not a head (64 hex digits" "$1"' $? "$TMP/e"
solr-sat verify -C "$t" /nonexistent > "$TMP/o" 2> "$TMP/e"
check "verify of a trail that is not there: exit 2, no count on stdout" \
	sh -c '[ $0 -eq 2 ] && [ ! -s "$1" ] && grep -q "/nonexistent: no such file or directory" "$2"' $? "$TMP/o" "$TMP/e"
solr-sat verify -C "$t" --json --expect-head "$(printf '%064d' 0)" "$TMP/sat" > "$TMP/o" 2> /dev/null
check "verify --json with another head: exit 1, one object, intact false, the reason as a field" \
	sh -c '[ $0 -eq 1 ] && [ $(wc -l < "$1") -eq 1 ] && grep -q "\"intact\":false,\"reason\":\"the head is [0-9a-f]*, not the expected 0*\"" "$1"' $? "$TMP/o"
solr-sat verify -C "$t" --json /nonexistent > "$TMP/o" 2> /dev/null
check "verify --json of no trail: the file and the reason as fields" \
	grep -q '^{"intact":false,"file":"/nonexistent","reason":"no such file or directory: not a trail"}$' "$TMP/o"
solr-sat verify -C "$t" "$TMP/sat" > "$TMP/o"
check "verify: the count is the trail's (3)" grep -q '^entries: 3$' "$TMP/o"
for bad in "--verdict bogus" "--verdict PASS" "--actor nobody" "--originator 1234" \
	"--request-id 90-B3-D5-1F-30-01-00-00" "--code E99"; do
	# shellcheck disable=SC2086
	solr-sat log -C "$t" $bad "$TMP/sat" > "$TMP/o" 2> "$TMP/e"
	check "log $bad: a usage error naming the option, exit 2, no rows" \
		sh -c '[ $0 -eq 2 ] && [ ! -s "$1" ] && grep -q "^solr-sat: ${2%% *}: " "$3"' $? "$TMP/o" "$bad" "$TMP/e"
done
solr-sat log -C "$t" --actor 00-DB-12-34-56-78-00-04 "$TMP/sat" | grep -c '^---' > "$TMP/n1"
solr-sat log -C "$t" --actor 00-db-12-34-56-78-00-04 "$TMP/sat" | grep -c '^---' > "$TMP/n2"
check "log --actor in lower case: the same 3 rows as in upper case" \
	sh -c '[ "$(cat "$0")" = 3 ] && cmp -s "$0" "$1"' "$TMP/n1" "$TMP/n2"
rid=$(solr-sat log -C "$t" --verdict accept "$TMP/sat" | sed -n 's/^  request_id: //p' | head -1)
lrid=$(printf '%s' "$rid" | tr A-F a-f)
solr-sat log -C "$t" --request-id "$lrid" "$TMP/sat" > "$TMP/o"
check "log --request-id in lower case finds the accepted request" \
	sh -c '[ -n "$1" ] && [ "$1" != "$2" ] && grep -q "^verdict: accept$" "$0" && [ $(grep -c "^---" "$0") -eq 1 ]' "$TMP/o" "$lrid" "$rid"
solr-sat log -C "$t" --code e2 "$TMP/sat" > "$TMP/o"
check "log --code in lower case: read as the code" grep -q "^code: E2$" "$TMP/o"

# a re-run stores nothing twice, and its -o directory holds its answers
idx_lines() { cat "$1"/*.idx 2>/dev/null | wc -l; }
obj_before=$(idx_lines "$t/state/objects") sat_before=$(idx_lines "$TMP/sat/objects")
solr-verify-sig -C "$t" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" "$R/srp-elec-unsafe-cv5.xml" |
	solr-failed-suppliers -C "$t" check | solr-gbcs-parse -C "$t" | solr-adt-check -C "$t" |
	solr-countersign -C "$t" --at $PIN --sat "$TMP/sat" -o "$TMP/again" > "$TMP/o" 2> /dev/null
check "a re-run: every record is a duplicate of the first run's" \
	sh -c '[ $(grep -c "^duplicate_of:" "$0") -eq 3 ]' "$TMP/o"
check "... the world's object store holds no object twice" \
	sh -c '[ "$0" -gt 0 ] && [ "$0" -eq "$1" ]' "$obj_before" "$(idx_lines "$t/state/objects")"
check "... nor does the trail's bundle" \
	sh -c '[ "$0" -gt 0 ] && [ "$0" -eq "$1" ]' "$sat_before" "$(idx_lines "$TMP/sat/objects")"
check "... its -o directory holds the first decisions' artifacts (a Command, a countersigned request, responses)" \
	sh -c 'ls "$0" | grep -q "\.command\.gbcs$" && ls "$0" | grep -q "\.countersigned\.xml$" && [ $(ls "$0" | grep -c "\.response\.xml$") -eq 3 ]' "$TMP/again"
solr-sat verify -C "$t" "$TMP/sat" > /dev/null
check "... and the trail still verifies" [ $? -eq 0 ]

# replay names, for every input that changed, the file and the key, and
# for each decision that came out differently, the change that made it;
# exit 0 exactly when no decision differs
fresh_world "$TMP/r"
r=$TMP/r
rtrail() { solr-verify-sig -C "$r" --at $PIN "$@" | solr-failed-suppliers -C "$r" check |
	solr-gbcs-parse -C "$r" | solr-adt-check -C "$r" |
	solr-countersign -C "$r" --at $PIN --sat "$TMP/rsat" > /dev/null 2>&1; }
rtrail "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" "$R/srp2-elec-cv5.xml"
solr-sat replay "$TMP/rsat" "$r" > "$TMP/o"
check "replay against the same world: exit 0, no change, no difference" \
	sh -c '[ $0 -eq 0 ] && grep -q "^3 records replayed, 0 differ; 0 world inputs changed$" "$1"' $? "$TMP/o"
cp -R "$r" "$TMP/ri"
sed -i 's/until: 2026-03-16T10:00:00Z/until: 2026-03-02T10:10:00Z/' "$TMP/ri/instructions.yaml"
solr-sat replay "$TMP/rsat" "$TMP/ri" > "$TMP/o"
check "replay after instructions.yaml changed: exit 1" [ $? -eq 1 ]
check "... naming the file, the key and both values" \
	grep -q "^world instructions.yaml: instructions\[0\].until: 2026-03-16T10:00:00Z recorded, 2026-03-02T10:10:00Z now$" "$TMP/o"
check "... and for each decision that differs, that change as its cause" \
	sh -c '[ $(grep -c "^  because: instructions.yaml: instructions\[0\].until: " "$0") -eq $(grep -c "^seq " "$0") ] && [ $(grep -c "^seq " "$0") -ge 1 ]' "$TMP/o"
cp -R "$r" "$TMP/ra"
sed -i 's/warning: 8000, quarantine: 10000/warning: 0, quarantine: 1/' "$TMP/ra"/adt/*.yaml
solr-sat replay "$TMP/rsat" "$TMP/ra" > "$TMP/o"
check "replay after an ADT file changed: exit 1, the file and the key named" \
	sh -c '[ $0 -eq 1 ] && grep -q "^world adt/00-DB-12-34-56-78-00-04.yaml: thresholds\[0\].warning: 8000 recorded, 0 now; thresholds\[0\].quarantine: 10000 recorded, 1 now$" "$1"' $? "$TMP/o"
check "... the quarantine it causes is put down to that key" \
	grep -q "^  because: adt/00-DB-12-34-56-78-00-04.yaml: thresholds\[0\].warning: " "$TMP/o"
cp -R "$r" "$TMP/rp"
printf 'max_document_bytes: 200000\n' >> "$TMP/rp/policy.yaml"
solr-sat replay "$TMP/rsat" "$TMP/rp" > "$TMP/o"
check "replay after a change that changes no decision: said, exit 0" \
	sh -c '[ $0 -eq 0 ] && grep -q "^world policy.yaml: max_document_bytes: (none) recorded, 200000 now$" "$1" && grep -q "^3 records replayed, 0 differ; 1 world input changed$" "$1"' $? "$TMP/o"
solr-sat replay --json "$TMP/rsat" "$TMP/ri" > "$TMP/o"
check "replay --json: the change as an object with named fields" \
	grep -q '^{"world":"instructions.yaml","key":"instructions\[0\].until","recorded":"2026-03-16T10:00:00Z","now":"2026-03-02T10:10:00Z"}$' "$TMP/o"
check "... each difference with its cause as fields" \
	grep -q '"differs_at":"adt-check","because_file":"instructions.yaml","because_key":"instructions\[0\].until"' "$TMP/o"
check "... and the summary" grep -q '^{"replayed":3,"differ":[1-3],"world_changes":1}$' "$TMP/o"
solr-sat replay --progress "$TMP/rsat" "$r" > /dev/null 2> "$TMP/e"
check "replay --progress: accepted, the count on stderr" \
	sh -c '[ $0 -eq 0 ] && grep -q "3 records" "$1"' $? "$TMP/e"

# mk-requests --count N: a rehearsal batch of N distinct requests to
# distinct meters in the mix of a failure (SMETS2+ Pre-Commands, SMETS1,
# and a supplier no instruction covers), that the flow decides without a
# device unknown (E19) or of the wrong fuel (E11), most of it accepted
fresh_world "$TMP/m"
sh scripts/mk-requests --count 600 "$TMP/m" "$TMP/mreq" > /dev/null 2> "$TMP/e"
check "mk-requests --count 600: exit 0, 600 requests" \
	sh -c '[ $0 -eq 0 ] && [ $(ls "$1" | grep -c "\.xml$") -eq 600 ]' $? "$TMP/mreq"
check "... each to a meter of its own" [ "$(cut -f4 "$TMP/mreq/BATCH.tsv" | sort -u | wc -l)" -eq 600 ]
check "... saying how far it is, to the last request" \
	sh -c 'grep -q "^mk-requests: 600 of 600 requests signed (100%, " "$0" &&
	    grep -q "^mk-requests: importing the 600 meters into " "$0" &&
	    grep -q "^solr-countersign: devices checked: 600 of 600 (100%, done)$" "$0"' "$TMP/e"
check "... from both failed suppliers, by both SRPs" \
	sh -c '[ $(cut -f2 "$0" | sort -u | wc -l) -eq 2 ] && [ $(cut -f3 "$0" | sort -u | wc -l) -eq 2 ]' "$TMP/mreq/BATCH.tsv"
ls "$TMP/mreq"/*.xml > "$TMP/mlist"
solr-verify-sig -C "$TMP/m" --at $PIN --files-from - < "$TMP/mlist" | solr-failed-suppliers -C "$TMP/m" check |
	solr-gbcs-parse -C "$TMP/m" | solr-adt-check -C "$TMP/m" |
	solr-countersign -C "$TMP/m" --at $PIN > "$TMP/mout" 2> /dev/null
check "... every one decided: 540 accepted, 60 quarantined where no instruction covers the SRP" \
	sh -c '[ $(grep -c "^verdict: accept$" "$0") -eq 540 ] && [ $(grep -c "^code: AD1$" "$0") -eq 60 ] &&
	    [ $(grep -c "^reason: no Authority instruction" "$0") -eq 60 ]' "$TMP/mout"
check "... 360 of them SMETS2+ Pre-Commands, each MACed into a Command for its meter" \
	sh -c '[ $(awk -F"\t" "\$6 == 5" "$1" | wc -l) -eq 360 ] && [ $(grep -c "^  command: [0-9a-f]\{64\}$" "$0") -eq 360 ] &&
	    [ $(grep -c "^  countersigned: [0-9a-f]\{64\}$" "$0") -eq 180 ]' "$TMP/mout" "$TMP/mreq/BATCH.tsv"
check "... the SRP's thresholds for the batch submitted (adt.yaml)" \
	sh -c 'grep -q "warning: 600, quarantine: 601" "$0" && ls "$1"/adt/*.accepted > /dev/null' "$TMP/mreq/adt.yaml" "$TMP/m"
check "... none refused for an unknown device or the wrong fuel" sh -c '! grep -q "^code: E1[19]$" "$0"' "$TMP/mout"
check "... 600 distinct RequestIDs, each once" \
	[ "$(sed -n 's/^  request_id: //p' "$TMP/mout" | sort -u | wc -l)" -eq 600 ]
sh scripts/mk-requests --count 0 "$TMP/m" "$TMP/m0" > /dev/null 2> "$TMP/e"
check "mk-requests --count 0: exit 2, saying why" sh -c '[ $0 -eq 2 ] && grep -q "is not a number from 1" "$1"' $? "$TMP/e"

# solr-pipeline from a directory whose name has a space: its summary
# (the solr-summary beside it) still runs
mkdir -p "$TMP/a dir"
cp scripts/solr-pipeline scripts/solr-summary "$TMP/a dir/"
fresh_world "$TMP/pw"
SOLR_BIN=$BIN sh "$TMP/a dir/solr-pipeline" -C "$TMP/pw" -o "$TMP/pwout" --at $PIN "$R/srp-elec-cv5.xml" > "$TMP/o" 2> "$TMP/e"
check "solr-pipeline from a path with a space: exit 0, with its summary" \
	sh -c '[ $0 -eq 0 ] && grep -q "^1 records$" "$1" && [ ! -s "$2" ]' $? "$TMP/o" "$TMP/e"

# a replay of a trail that holds no request checked nothing: exit 1
fresh_world "$TMP/ew"
solr-countersign -C "$TMP/ew" --at $PIN --sat "$TMP/esat" < /dev/null > /dev/null 2>&1
solr-sat replay "$TMP/esat" "$TMP/ew" > "$TMP/o" 2> "$TMP/e"
check "replay of a trail with no entry: exit 1, saying nothing was replayed" \
	sh -c '[ $0 -eq 1 ] && grep -q "nothing was replayed: the trail holds no recorded request" "$1"' $? "$TMP/e"
