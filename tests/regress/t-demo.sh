# The end-to-end flow: the demo batch and its golden summary; the Service
# Audit Trail; replay.
W=$(own_world) R=$BUILD/requests
fresh_world "$TMP/dw"
sh scripts/solr-pipeline -C "$TMP/dw" -o "$TMP/demo" --at $PIN "$BUILD"/requests/*.xml > "$TMP/summary" 2>"$TMP/e"
check "the demo batch exits 1 (it has rejections)" [ $? -eq 1 ]
sed '$d' "$TMP/summary" | grep -v '^\(trail\|state\) head: ' > "$TMP/summary.out"
check "the demo prints the trail's verified head" grep -q "^trail head: [0-9a-f]\{64\}$" "$TMP/summary"
check "... and the world's state head" sh -c 'grep -q "^state head: $(solr-sat state -C "$1" | sed -n "s/^state: //p")$" "$0"' "$TMP/summary" "$TMP/dw"
[ "${SOLR_REGOLD:-}" = 1 ] && cp "$TMP/summary.out" "$TESTDATA/golden/demo-summary.out"
if cmp -s "$TMP/summary.out" "$TESTDATA/golden/demo-summary.out"; then ok "golden demo summary"
else not_ok "golden demo summary" "$(diff "$TESTDATA/golden/demo-summary.out" "$TMP/summary.out" | head -5)"; fi
check "the summary names the failed suppliers and the SRPs" sh -c 'grep -q "^  90-B3-D5-1F-30-01-00-00  Example Energy Ltd " "$1" && grep -q "^  00-DB-12-34-56-78-00-04  Shared Resource Co " "$1"' "$TMP/summary" "$TMP/summary"
check "... keeps a healthy supplier out of the failed ones" \
	[ "$(sed -n '/^Per failed supplier/,/^$/p' "$TMP/summary" | grep -c 'Steady Power')" -eq 0 ]
check "... and lists it apart, named" grep -q "^  90-B3-D5-1F-30-03-00-00  Steady Power plc  *0  *1  *0$" "$TMP/summary"
check "... and says what each table counts" grep -q "^on the Failed Suppliers list (by Business Originator), by final verdict$" "$TMP/summary"
D=$TMP/demo
tar -tf "$D/artifacts.tar" > "$TMP/members"
check "the Commands are written, in one archive" [ "$(grep -c '\.command\.gbcs$' "$TMP/members")" -ge 3 ]
check "the countersigned requests are written" [ "$(grep -c '\.countersigned\.xml$' "$TMP/members")" -ge 2 ]
check "the responses are written" [ "$(grep -c '\.response\.xml$' "$TMP/members")" -ge 10 ]
mkdir -p "$TMP/x"
(cd "$TMP/x" && tar -xf "$D/artifacts.tar" --wildcards '*.command.gbcs')
check "... each extracted with tar(1) is the object its record names" \
	sh -c 'n=0; for f in "$0"/*.command.gbcs; do h=$(sha256sum < "$f" | cut -c1-64); grep -q "^  command: $h$" "$1" || exit 1;
	    case ${f##*/} in *".${h%${h#????????????}}.command.gbcs") ;; *) exit 1 ;; esac; n=$((n + 1)); done; [ $n -ge 3 ]' "$TMP/x" "$D/records.yaml"

# the SAT: one entry per record, the sender as actor, a chain
solr-countersign -C "$TMP/dw" --verify-sat "$D/sat" > "$TMP/v"
check "the SAT verifies" [ $? -eq 0 ]
check "... one entry per record" grep -q "^$(count_records "$D/records.yaml") entries, chain, objects and signed head intact" "$TMP/v"
check "an entry names the sender as actor" grep -q "^actor: 00-DB-12-34-56-78-00-04$" "$D/sat/sat.log"
check "... the world inputs that decided" grep -q "^  failed_suppliers_sha256: [0-9a-f]\{64\}$" "$D/sat/sat.log"
check "... and the tool" grep -q "^tool: solr-tools [0-9]" "$D/sat/sat.log"
check "the bundle holds every object" [ "$(objects "$D/sat/objects")" -ge 40 ]
check "... in a few segment files, not a file each" [ "$(ls "$D/sat/objects" | wc -l)" -le 5 ]
# the bundle travels: verified and replayed from elsewhere
cp -R "$D/sat" "$TMP/sat-elsewhere"
solr-countersign -C "$TMP/dw" --verify-sat "$TMP/sat-elsewhere" > /dev/null
check "a copied bundle verifies on its own" [ $? -eq 0 ]
# changes are caught, at the first broken link
cp -R "$D/sat" "$TMP/s1"
sed -i '0,/^  verdict: reject/s//  verdict: accept/' "$TMP/s1/sat.log"
solr-countersign -C "$TMP/dw" --verify-sat "$TMP/s1" > /dev/null 2>"$TMP/e"
check "an edited entry is caught by the chain check" grep -q "was changed: its content hashes to" "$TMP/e"
cp -R "$D/sat" "$TMP/s2"
awk '/^---$/{n++} n!=3' "$D/sat/sat.log" > "$TMP/s2/sat.log"
solr-countersign -C "$TMP/dw" --verify-sat "$TMP/s2" > /dev/null 2>"$TMP/e"
check "a removed entry is caught" grep -q "entry 3 does not follow the one before it" "$TMP/e"
cp -R "$D/sat" "$TMP/s3"
printf -- '---\nsat: 2\nn: 9999\nprev: 00' >> "$TMP/s3/sat.log"
solr-countersign -C "$TMP/dw" --verify-sat "$TMP/s3" > "$TMP/o" 2>"$TMP/e"
check "a torn last entry is reported" grep -q "is torn, or lacks its mac or hash line" "$TMP/e"
printf '' | solr-countersign -C "$TMP/dw" --at $PIN --sat "$TMP/s3" > /dev/null 2>"$TMP/e"
check "... and the next run cuts it, saying so" grep -q "sat.log: cut a torn last entry of [0-9]* bytes" "$TMP/e"
solr-countersign -C "$TMP/dw" --verify-sat "$TMP/s3" > "$TMP/o" 2>"$TMP/e"
check "... after which the trail is intact" grep -q "entries, chain, objects and signed head intact" "$TMP/o"
check "... with as many entries as before" [ "$(grep -c '^---$' "$TMP/s3/sat.log")" -eq "$(grep -c '^---$' "$D/sat/sat.log")" ]
cp -R "$D/sat" "$TMP/s4"
corrupt_object "$TMP/s4/objects"
solr-countersign -C "$TMP/dw" --verify-sat "$TMP/s4" > /dev/null 2>"$TMP/e"
check "a changed object is caught" grep -q "not to its name" "$TMP/e"

# replay
solr-sat replay "$D/sat" "$TMP/dw" > "$TMP/r1"
check "an untouched SAT replays identically" [ $? -eq 0 ]
check "... every record" grep -q "^$(count_records "$D/records.yaml") records replayed, 0 differ; 0 world inputs changed$" "$TMP/r1"
rm -rf "$TMP/pw"; cp -R "$TMP/dw" "$TMP/pw"
sed 's/srvs: \["2.1"\]/srvs: []/' "$W/policy.yaml" > "$TMP/pw/policy.yaml"
solr-sat replay "$D/sat" "$TMP/pw" > "$TMP/r2"
check "a policy change replays with differences, exit 1" [ $? -eq 1 ]
# exactly the SolrContingency SR 2.1 requests that passed adt-check or were
# quarantined there now differ
awk '/^---$/ { if (id != "") print id; id = ""; seq = "" }
	/^  seq: / { seq = $2 }
	/^    adt-check: \{result: (pass|quarantine)/ { id = seq }
	END { if (id != "") print id }' "$D/sat/sat.log" | sort -n > "$TMP/want"
sed -n 's/^seq \([0-9]*\) .*differs at:.* adt-check.*/\1/p' "$TMP/r2" | sort -n > "$TMP/got"
same_files "... exactly the affected records: $(wc -l < "$TMP/want" | tr -d ' ')" "$TMP/want" "$TMP/got"
check "... now E2" [ "$(grep -c ', now reject E2 ' "$TMP/r2")" -eq "$(wc -l < "$TMP/want")" ]
solr-sat replay "$TMP/s1" "$TMP/dw" > /dev/null 2>"$TMP/e"
check "replaying an edited SAT stops at the chain check, exit 2" [ $? -eq 2 ]

# scale-out: tests/regress/t-scaleout.sh
