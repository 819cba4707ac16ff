# Fail closed: no configuration switches a control off, the path comes
# from the request, and what the seed asks per request is checked per
# request (issue cases in order).
R=$BUILD/requests W=$(own_world)
fresh_world "$TMP/w"
w=$TMP/w
flow4() {	# flow4 WORLD FILE...: the records after adt-check
	_w=$1; shift
	solr-verify-sig -C "$_w" --at $PIN "$@" | solr-failed-suppliers -C "$_w" check |
		solr-gbcs-parse -C "$_w" | solr-adt-check -C "$_w"
}

# 1. a policy entry missing or misspelt is a world that does not load
for change in 's/^  SolrContingency: .*//' 's/^  SolrContingency:/  Solrcontingency:/'; do
	sed "$change" "$W/policy.yaml" > "$w/policy.yaml"
	solr-adt-check -C "$w" < /dev/null > /dev/null 2> "$TMP/e"
	check "policy without roles.SolrContingency ($change): does not load, exit 2" [ $? -eq 2 ]
	check "... naming the field" grep -q "policy.yaml:[0-9]*: roles" "$TMP/e"
done
# without required_stages, the four stages are required: verify-sig alone
# is not enough for countersign
grep -v '^required_stages:' "$W/policy.yaml" > "$w/policy.yaml"
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-unsafe-cv5.xml" |
	solr-countersign -C "$w" --at $PIN > "$TMP/o" 2>/dev/null
check "policy without required_stages: an unsafe request after verify-sig alone is rejected" \
	grep -q "^reason: the required stage failed-suppliers did not pass" "$TMP/o"
check "... and nothing is made" sh -c "! grep -Eq '^  command: [0-9a-f]' '$TMP/o'"
sed 's/^required_stages: .*/required_stages: [verify-sig]/' "$W/policy.yaml" > "$w/policy.yaml"
solr-countersign -C "$w" --at $PIN < /dev/null 2> "$TMP/e"
check "required_stages that leaves a stage out: does not load" grep -q "required_stages: lacks failed-suppliers" "$TMP/e"
cp "$W/policy.yaml" "$w/policy.yaml"

# 3. the path comes from the request: a supplier's own requests take the
# ordinary path, even when its party also holds SolrContingency
flow4 "$w" "$R/healthy-legacy-cv5.xml" > "$TMP/o"
check "a healthy supplier's own ECS08 (0x001F) Signed Pre-Command: no SoLR rule applies" \
	grep -q "^  gbcs-parse: {result: skipped}" "$TMP/o"
check "... and it passes" [ "$(field "$TMP/o" verdict)" = pass ]
sed 's/\(90-B3-D5-1F-30-03-00-00.*roles: \)\[IS, GS\]/\1[IS, GS, SolrContingency]/' "$W/registry.yaml" > "$w/registry.yaml"
check "setup: the healthy supplier's party also holds SolrContingency" grep -q "GS, SolrContingency" "$w/registry.yaml"
flow4 "$w" "$R/healthy-elec-cv4.xml" > "$TMP/o"
check "a party with both roles: its own request is not E65" [ "$(field "$TMP/o" verdict)" = pass ]
check "... the signer is the Business Originator" grep -q "originator_check: signer-is-originator" "$TMP/o"
cp "$W/registry.yaml" "$w/registry.yaml"

# 2. every failure of check A or B found by gbcs-parse is E020101 from the
# policy's first schema version on, E2 before (these requests are 5.4)
for f in srp-elec-legacy-cv5 g-counter g-recipient; do
	flow4 "$w" "$R/$f.xml" > "$TMP/o"
	check "$f (DUIS 5.4, E020101 from 5.5): E2" [ "$(field "$TMP/o" code)" = E2 ]
done
sed 's/^e020101_from_schema_version: .*/e020101_from_schema_version: "5.4"/' "$W/policy.yaml" > "$w/policy.yaml"
for f in srp-elec-legacy-cv5 g-counter g-recipient; do
	flow4 "$w" "$R/$f.xml" > "$TMP/o"
	check "$f (DUIS 5.4, E020101 from 5.4): E020101" [ "$(field "$TMP/o" code)" = E020101 ]
done
cp "$W/policy.yaml" "$w/policy.yaml"

# 4. R6 B/C per request, at the request's time: the Business Originator
# held supplier-role certificates, and none is valid and unrevoked
sed 's/^suppliers:$/suppliers:\n  - {id: 90-B3-D5-1F-30-03-00-00, name: Steady Power plc, srp: 00-DB-12-34-56-78-00-04}/' \
	"$W/failed-suppliers.yaml" > "$w/failed-suppliers.yaml"
solr-failed-suppliers -C "$w" validate "$w/failed-suppliers.yaml" > "$TMP/o"
check "setup: the healthy supplier on the list has active certificates" grep -q "active-certificates: 90-B3-D5-1F-30-03-00-00" "$TMP/o"
flow4 "$w" "$R/srp-for-healthy-cv5.xml" > "$TMP/o"
check "an SRP request for a listed supplier with valid certificates: E65" [ "$(field "$TMP/o" code)" = E65 ]
check "... naming the certificate" grep -q "^reason: .*still holds a valid, unrevoked supplier-role certificate at 2026-03-02T10:15:00Z" "$TMP/o"
solr-verify-sig -C "$w" --at 2026-02-01T00:00:00Z "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$w" check > "$TMP/o"
check "the failed supplier before its certificates were revoked: E65" grep -q "^reason: .*still holds a valid" "$TMP/o"
printf 'version: 1\nsuppliers:\n  - {id: 00-DB-12-34-56-78-00-05, name: Backup Resource Ltd}\n' > "$TMP/nc.yaml"
solr-failed-suppliers -C "$w" validate "$TMP/nc.yaml" > "$TMP/o"
check "validate: a supplier that never held a supplier certificate is a finding" grep -q "never-certified: 00-DB-12-34-56-78-00-05" "$TMP/o"
cp "$W/failed-suppliers.yaml" "$w/failed-suppliers.yaml"

# 5. apply validates and records at the real time
solr-failed-suppliers -C "$w" --at 2026-02-01T00:00:00Z apply "$W/failed-suppliers.yaml" --by a --reason b > /dev/null 2> "$TMP/e"
check "apply --at is refused: exit 2" [ $? -eq 2 ]
check "... saying why" grep -q "apply validates and records at the real time" "$TMP/e"

# 11. alerts: every one goes to the Business Target; only the
# safety-critical ones are flagged for the SRP
A=$BUILD/alerts
solr-verify-sig -r -C "$w" --at 2026-03-02T12:00:00Z "$A/alert-8F30-failed.xml" "$A/alert-8F74-failed.xml" 2>/dev/null |
	solr-gbcs-parse -C "$w" | solr-failed-suppliers -C "$w" route > "$TMP/o"
check "a non-critical alert (0x8F30) for a failed supplier: not forwarded" \
	sh -c "awk '/^---\$/{r++} r==1' '$TMP/o' | grep -q '^  forward_to: null\$'"
check "a safety-critical one (0x8F74): flagged for the SRP" \
	sh -c "awk '/^---\$/{r++} r==2' '$TMP/o' | grep -q '^  forward_to: 00-DB-12-34-56-78-00-04\$'"

# a check that ran and failed is a rejection (exit 1, nothing on stderr);
# only a check that could not run is trouble (exit 2)
for d in t-digest t-sigvalue t-rogue t-revoked; do
	solr-verify-sig -C "$W" --at $PIN "$R/$d.xml" > "$TMP/o" 2> "$TMP/e"
	check "verify-sig on $d.xml: rejected, exit 1, nothing on stderr" \
		sh -c '[ "$0" -eq 1 ] && [ ! -s "$1" ] && grep -q "^verdict: reject$" "$2"' "$?" "$TMP/e" "$TMP/o"
done
perl -e 'print "<" . ("a" x 1100000)' > "$TMP/huge.xml"
solr-verify-sig -C "$W" --at $PIN "$TMP/huge.xml" > "$TMP/o" 2> "$TMP/e"
check "verify-sig on a document over max_document_bytes: rejected, exit 1, nothing on stderr" \
	sh -c '[ "$0" -eq 1 ] && [ ! -s "$1" ] && grep -q "^reason: .*exceeds the limit of 1048576 bytes" "$2"' "$?" "$TMP/e" "$TMP/o"

# 10. solr-countersign -x/-b runs solr-gbcs-parse's checks first: nothing
# is MACed that the pipeline would refuse
payload() { sed -n 's|.*<sr:GBCSPayload>\(.*\)</sr:GBCSPayload>.*|\1|p' "$1"; }
fresh_world "$TMP/w"
payload "$R/srp-elec-cv5.xml" | solr-countersign -C "$w" --at $PIN -b > "$TMP/o" 2> "$TMP/e"
check "-b on a good Signed Pre-Command: its Command" sh -c '[ $0 -eq 0 ] && [ -s "$1" ]' $? "$TMP/o"
payload "$R/g-badsig.xml" | solr-countersign -C "$w" --at $PIN -b > "$TMP/o" 2> "$TMP/e"
check "-b on one whose supplier signature fails: refused, exit 1" sh -c '[ $0 -eq 1 ] && [ ! -s "$1" ]' $? "$TMP/o"
check "... saying why" grep -q "does not verify" "$TMP/e"
payload "$R/srp-elec-legacy-cv5.xml" | solr-countersign -C "$w" --at $PIN -b > "$TMP/o" 2> "$TMP/e"
check "-b on the legacy ECS08 (0x001F): refused" sh -c '[ ! -s "$0" ] && grep -q "message code 0x001F" "$1"' "$TMP/o" "$TMP/e"

# 7. a world that does not load loses no record: each comes out rejected,
# naming the problem, and the run exits 2
fresh_world "$TMP/w"
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv5.xml" "$R/srp-gas-cv4.xml" > "$TMP/held"
echo 'roles: [' >> "$w/policy.yaml"
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv5.xml" > "$TMP/o" 2> "$TMP/e"
check "verify-sig, world broken: exit 2" [ $? -eq 2 ]
check "... one rejected record a document" [ "$(grep -c '^verdict: reject' "$TMP/o")" -eq 2 ]
check "... naming the problem" grep -q "^reason: .*the world did not load: .*policy.yaml" "$TMP/o"
for stage in "solr-failed-suppliers -C $w check" "solr-gbcs-parse -C $w" "solr-adt-check -C $w" \
	"solr-countersign -C $w --at $PIN"; do
	$stage < "$TMP/held" > "$TMP/o" 2> "$TMP/e"
	rc=$?
	check "${stage%% *}, world broken: 3 records in, 3 rejected out, exit 2" \
		sh -c '[ $0 -eq 2 ] && [ "$(grep -c "^verdict: reject" "$1")" -eq 3 ]' $rc "$TMP/o"
	check "... sealed, so the next stage keeps the reason" grep -q '^seal: ' "$TMP/o"
done
cp "$W/policy.yaml" "$w/policy.yaml"
# an object missing from the store, or not matching its name: exit 2
rm -rf "$w/state/objects"
solr-failed-suppliers -C "$w" check < "$TMP/held" | solr-gbcs-parse -C "$w" > "$TMP/o" 2> "$TMP/e"
check "gbcs-parse, the objects gone: exit 2" [ $? -eq 2 ]
check "... each record rejected" [ "$(grep -c '^verdict: reject' "$TMP/o")" -eq 3 ]

# 6. the world's files: state files that are symbolic links are not
# followed; what group or others may write is refused; with chains, a
# missing CRL is no world
fresh_world "$TMP/w"
mkdir -p "$w/state"
ln -s "$TMP/elsewhere" "$w/state/countersign-ledger"
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$w" check |
	solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" > "$TMP/held4"
solr-countersign -C "$w" --at $PIN < "$TMP/held4" > "$TMP/o" 2> "$TMP/e"
check "a ledger that is a symbolic link: exit 2" [ $? -eq 2 ]
check "... and its target is not created" [ ! -e "$TMP/elsewhere" ]
rm "$w/state/countersign-ledger"
for f in policy.yaml registry.yaml failed-suppliers.yaml pki/org keys .; do
	chmod g+w "$w/$f"
	solr-adt-check -C "$w" < /dev/null > /dev/null 2> "$TMP/e"
	rc=$?
	check "$f writable by group: refused, exit 2" sh -c '[ $0 -eq 2 ] && grep -q "group or others may write it" "$1"' $rc "$TMP/e"
	chmod g-w "$w/$f"
done
# the shared counters, which others could otherwise rewrite
chmod g+w "$w/state/adt-counters"
solr-adt-check -C "$w" < /dev/null > /dev/null 2> "$TMP/e"
check "state/adt-counters writable by group: refused, exit 2, naming it" \
	sh -c '[ $0 -eq 2 ] && grep -q "state/adt-counters: mode 0[0-7]*: group or others may write it" "$1"' $? "$TMP/e"
chmod g-w "$w/state/adt-counters"
rm "$w"/pki/crl/*
solr-adt-check -C "$w" < /dev/null > /dev/null 2> "$TMP/e"
check "no CRL while chains are required: does not load" grep -q "no CRL, but policy.yaml requires chains" "$TMP/e"

# 8. every rejection has its code and its response to the verified
# sender; a request rejected after adt-check counted it keeps its count
# (final when adt-check's batch left); -o never overwrites another
# request's artifact
fresh_world "$TMP/w"
flow4 "$w" "$R/srp-elec-cv5.xml" "$R/srp-elec-reuse-cv5.xml" > "$TMP/held"
solr-adt-check -C "$w" counters > "$TMP/c0"
check "setup: the first counted; the reuse, a replay at adt-check, not" grep -q "  1$" "$TMP/c0"
solr-countersign -C "$w" --at $PIN -o "$TMP/art" < "$TMP/held" > "$TMP/o" 2> "$TMP/e"
awk '/^---$/{r++} r==2' "$TMP/o" > "$TMP/o2"
check "a reused GBCS counter: rejected with a code (E2 for DUIS 5.4)" [ "$(field "$TMP/o2" code)" = E2 ]
check "... and a response to the sender" grep -q "^  response_to: 00-DB-12-34-56-78-00-04$" "$TMP/o2"
solr-adt-check -C "$w" counters > "$TMP/c1"
check "... the count unchanged" grep -q "  1$" "$TMP/c1"
check "-o: the second request with the same RequestID does not overwrite the first's response" \
	[ "$(ls "$TMP/art" | grep -c 'response.xml$')" -eq 2 ]

# 9. consistency the DCC checks: the ServiceReference is the variant's;
# a Command only for the kind of device it is for
solr-verify-sig -C "$w" --at $PIN "$R/srp-sr16-cv4.xml" > "$TMP/o"
check "ServiceReference 1.6 with variant 2.1: rejected (E2 for DUIS 5.4)" [ "$(field "$TMP/o" code)" = E2 ]
fresh_world "$TMP/w"
flow4 "$w" "$R/srp-gas-to-esme-cv5.xml" > "$TMP/held"
check "setup: a GCS05 for an ESME passes the stages before" grep -q "^verdict: pass" "$TMP/held"
solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o" 2>/dev/null
check "... countersign: E11, no Command" sh -c '[ "$0" = E11 ] && ! grep -Eq "^  command: [0-9a-f]" "$1"' "$(field "$TMP/o" code)" "$TMP/o"
check "... saying what the device inventory says" grep -q "^reason: .*is for a GSME; the device inventory says 00-DB-12-34-56-78-90-A0 is a ESME" "$TMP/o"
# the XML form (SMETS1) is held to the device's fuel in the same way
for f in srp-gas-to-esme-cv4:GSME:ESME:A0 srp-elec-to-gsme-cv4:ESME:GSME:A1; do
	req=${f%%:*} dev=${f##*:} want=${f#*:} is=${f%:*}
	want=${want%%:*} is=${is##*:}
	fresh_world "$TMP/w"
	flow4 "$w" "$R/$req.xml" > "$TMP/held"
	check "setup: $req passes the stages before" grep -q "^verdict: pass" "$TMP/held"
	solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o" 2>/dev/null
	check "... countersign: E11, nothing countersigned" \
		sh -c '[ "$0" = E11 ] && ! grep -Eq "^  countersigned: [0-9a-f]" "$1"' "$(field "$TMP/o" code)" "$TMP/o"
	check "... saying what the device inventory says" \
		grep -q "^reason: .*is for a $want; the device inventory says 00-DB-12-34-56-78-90-$dev is a $is" "$TMP/o"
done
# the inventory, not pki/device, says what a device is: a .type changed
# but not imported changes nothing; imported, it decides
fresh_world "$TMP/w"
echo ESME > "$w/pki/device/00DB1234567890A1.type"
flow4 "$w" "$R/srp-gas-cv4.xml" > "$TMP/held"
solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o" 2>/dev/null
check "SMETS1: a .type changed, not imported: the inventory's GSME holds" [ "$(field "$TMP/o" verdict)" = accept ]
fresh_world "$TMP/w"
echo ESME > "$w/pki/device/00DB1234567890A1.type"
solr-countersign -C "$w" devices import 00DB1234567890A1 > /dev/null
flow4 "$w" "$R/srp-gas-cv4.xml" | solr-countersign -C "$w" --at $PIN > "$TMP/o" 2>/dev/null
check "... imported as an ESME: E11" [ "$(field "$TMP/o" code)" = E11 ]
# a device the inventory does not hold (removed, or never imported): E19,
# for a Command and for a countersigned request alike, and nothing made
for req in srp-elec-cv5 srp-elec-cv4; do
	fresh_world "$TMP/w"
	flow4 "$w" "$R/$req.xml" > "$TMP/held"
	solr-countersign -C "$w" devices remove 00-DB-12-34-56-78-90-A0 > /dev/null
	solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o" 2>/dev/null
	check "$req, its device removed from the inventory: E19, nothing made" \
		sh -c '[ "$0" = E19 ] && grep -q "^reason: .*device 00-DB-12-34-56-78-90-A0 was removed from the device inventory" "$1" && ! grep -Eq "^  (command|countersigned): [0-9a-f]" "$1"' \
		"$(field "$TMP/o" code)" "$TMP/o"
	fresh_world "$TMP/w"
	rm "$w/state/devices" "$w/state/devices.idx" "$w/state/devices.head"
	flow4 "$w" "$R/$req.xml" | solr-countersign -C "$w" --at $PIN > "$TMP/o" 2>/dev/null
	check "... with no inventory at all: E19, saying how to make one" \
		sh -c '[ "$0" = E19 ] && grep -q "^reason: .*no device inventory.*devices import" "$1"' \
		"$(field "$TMP/o" code)" "$TMP/o"
done
# a certificate file changed or gone since its import: E19 until it is
# imported again (and the import checks it)
fresh_world "$TMP/w"
flow4 "$w" "$R/srp-elec-cv5.xml" > "$TMP/held"
cp "$w/pki/device/00DB1234567890A1.ka.pem" "$w/pki/device/00DB1234567890A0.ka.pem"
solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o" 2>/dev/null
check "a device's .ka.pem changed since its import: E19, naming the file" \
	sh -c '[ "$0" = E19 ] && grep -q "^reason: .*pki/device/00DB1234567890A0.ka.pem has changed since it was imported" "$1" && ! grep -Eq "^  command: [0-9a-f]" "$1"' \
	"$(field "$TMP/o" code)" "$TMP/o"
solr-countersign -C "$w" devices import 00DB1234567890A0 > "$TMP/imp" 2> "$TMP/err"
check "... and its import refuses it: exit 1, naming the file and the rule" \
	sh -c '[ "$0" -eq 1 ] && grep -q "00DB1234567890A0.ka.pem.*hardwareModuleName" "$1" && grep -q "0 imported, 0 unchanged, 1 refused" "$2"' \
	"$?" "$TMP/err" "$TMP/imp"
fresh_world "$TMP/w"
rm "$w/pki/device/00DB1234567890A0.ka.pem"
flow4 "$w" "$R/srp-elec-cv5.xml" | solr-countersign -C "$w" --at $PIN > "$TMP/o" 2>/dev/null
check "... gone: E19" sh -c '[ "$0" = E19 ] && grep -q "^reason: .*is gone since it was imported" "$1"' \
	"$(field "$TMP/o" code)" "$TMP/o"
# a request that fails only in countersign (UTF-16: it verifies, and the
# countersignature cannot be inserted): E65, a response; the count adt-check
# made stays, since it was final when adt-check's records left
fresh_world "$TMP/w"
sed 's/encoding="UTF-8"/encoding="UTF-16"/' "$R/srp-gas-cv4.xml" | iconv -f UTF-8 -t UTF-16 > "$TMP/u16.xml"
flow4 "$w" "$TMP/u16.xml" > "$TMP/held"
check "setup: the UTF-16 request passes the stages before, counted" grep -q "count: 1" "$TMP/held"
solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o" 2>/dev/null
check "UTF-16, refused at countersign: E65 with a response" \
	sh -c '[ "$0" = E65 ] && grep -q "^  response_to: 00-DB-12-34-56-78-00-04$" "$1"' "$(field "$TMP/o" code)" "$TMP/o"
check "... its count stays" [ "$(solr-adt-check -C "$w" counters | awk '{ print $5 }')" = 1 ]
