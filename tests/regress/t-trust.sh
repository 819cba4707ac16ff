# Trust between the stages: an intruder on the pipe changes records, and
# the key holder acts on nothing it did not check.  Each attack ends with
# a rejected record, no Command, no countersignature and no response to
# anyone but the verified sender; facts that changed after the stages
# before decided are checked again by solr-countersign at its own time.
R=$BUILD/requests
# one object store for the worlds made afresh below
SOLR_OBJECTS=$TMP/objects; export SOLR_OBJECTS
fresh_world "$TMP/w"
w=$TMP/w
# the requests held after adt-check: SMETS2+ (elec, cv5), SMETS1 (gas, cv4),
# and an unsafe one that adt-check rejected
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" \
	"$R/srp-elec-unsafe-cv5.xml" | solr-failed-suppliers -C "$w" check |
	solr-gbcs-parse -C "$w" > "$TMP/parsed"
solr-adt-check -C "$w" < "$TMP/parsed" > "$TMP/held"
one() {	# one N FILE: the N-th record
	awk -v n="$1" '/^---$/ { k++ } k == n' "$2"
}
one 1 "$TMP/held" > "$TMP/elec"
one 2 "$TMP/held" > "$TMP/gas"
check "trust setup: the two safe requests pass adt-check" \
	[ "$(grep -c '^verdict: pass' "$TMP/held")" -eq 2 ]
# attacked REC: countersign rejects it, makes nothing, answers nobody else
attacked() {	# attacked NAME FILE [countersign options]
	name=$1 f=$2; shift 2
	solr-countersign -C "$w" --at $PIN "$@" < "$f" > "$TMP/cs" 2> "$TMP/cs.err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q '^verdict: reject' "$TMP/cs" &&
	    ! grep -Eq '^  (command|countersigned): [0-9a-f]' "$TMP/cs" &&
	    grep -q "^reason: .*seal" "$TMP/cs" &&
	    ! grep -Eq '^  response: [0-9a-f]' "$TMP/cs"; then
		ok "$name: rejected, nothing made, nobody answered"
	else
		not_ok "$name: rejected, nothing made, nobody answered" "rc $rc: $(grep -E '^(verdict|reason|  response)' "$TMP/cs" | tr '\n' ' ')"
	fi
}
# the untouched records are accepted
solr-countersign -C "$w" --at $PIN < "$TMP/elec" > "$TMP/cs" 2>/dev/null
check "the untouched SMETS2+ record: accepted, with its Command" \
	grep -Eq '^  command: [0-9a-f]{64}$' "$TMP/cs"
solr-countersign -C "$w" --at $PIN < "$TMP/gas" > "$TMP/cs" 2>/dev/null
check "the untouched SMETS1 record: accepted, countersigned" \
	grep -Eq '^  countersigned: [0-9a-f]{64}$' "$TMP/cs"
fresh_world "$TMP/w"	# no ledger entry from the runs above
# 1. an unsafe request given adt-check's pass by hand
one 3 "$TMP/parsed" | sed 's/^  gbcs-parse: .*/&\n  adt-check: {result: pass}/' > "$TMP/a1"
check "attack 1 setup: the unsafe record claims adt-check's pass" grep -q "adt-check: {result: pass}" "$TMP/a1"
attacked "an unsafe request with adt-check's pass added" "$TMP/a1"
# 2. the sender changed to a healthy supplier
sed 's/^  id: 00-DB-12-34-56-78-00-04$/  id: 90-B3-D5-1F-30-03-00-00/' "$TMP/elec" > "$TMP/a2"
check "attack 2 setup: the sender is changed" grep -q "^  id: 90-B3-D5-1F-30-03-00-00" "$TMP/a2"
attacked "a passed record whose sender.id names a healthy supplier" "$TMP/a2"
# 3. the object replaced by another stored request's, one whose signature fails
solr-verify-sig -C "$w" --at $PIN "$R/t-digest.xml" > "$TMP/bad"
other=$(sed -n 's/^  object: //p' "$TMP/bad")
sed "s/^  object: .*/  object: $other/" "$TMP/gas" > "$TMP/a3"
check "attack 3 setup: the object is another request's" grep -q "object: $other" "$TMP/a3"
attacked "a passed record whose request.object is another, unsigned, request" "$TMP/a3"
# 5. received_at moved back
sed 's/^received_at: .*/received_at: 2026-03-02T09:00:00Z/' "$TMP/elec" > "$TMP/a5"
attacked "a record whose received_at was moved back" "$TMP/a5"
# a record from another world: another key
fresh_world "$TMP/w2"
rm "$TMP/w2/keys/records.key"; (umask 077; openssl rand -hex 32 > "$TMP/w2/keys/records.key")
# its own key: its ADT file submitted again (the record of that is MACed)
solr-adt-check -C "$TMP/w2" --at $PIN submit "$TMP/w2"/adt/00-DB-12-34-56-78-00-04.yaml > /dev/null
solr-verify-sig -C "$TMP/w2" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$TMP/w2" check |
	solr-gbcs-parse -C "$TMP/w2" | solr-adt-check -C "$TMP/w2" > "$TMP/a6"
check "attack 6 setup: the other world passes it" grep -q '^verdict: pass' "$TMP/a6"
attacked "a record sealed in another world" "$TMP/a6"
# a record with no seal at all, and one sealed by hand with the right key
# after an edit (an insider with the key: only the checks at the moment of
# use stand)
grep -v '^seal: ' "$TMP/elec" > "$TMP/a7"
attacked "a record with no seal" "$TMP/a7"

# 4. held after adt-check, then the world changes before countersign
fresh_world "$TMP/w"
echo 'version: 2' > "$TMP/w/failed-suppliers.yaml"; echo 'suppliers: []' >> "$TMP/w/failed-suppliers.yaml"
solr-countersign -C "$w" --at $PIN < "$TMP/elec" > "$TMP/cs" 2>/dev/null
check "the supplier taken off the list before countersign: E65" [ "$(field "$TMP/cs" code)" = E65 ]
check "... nothing made" sh -c "! grep -Eq '^  command: [0-9a-f]' '$TMP/cs'"
check "... the response goes to the verified sender" grep -q '^  response_to: 00-DB-12-34-56-78-00-04$' "$TMP/cs"
check "... saying when and why" grep -q "^reason: .*at countersigning (2026-03-02T10:15:00Z): the Business Originator 90-B3-D5-1F-30-01-00-00 is not on the Failed Suppliers list" "$TMP/cs"
fresh_world "$TMP/w"
echo 'instructions: []' > "$TMP/w/instructions.yaml"
solr-countersign -C "$w" --at $PIN < "$TMP/elec" > "$TMP/cs" 2>/dev/null
check "the Authority instruction withdrawn before countersign: quarantine AD1" \
	sh -c '[ "$0" = quarantine ] && [ "$1" = AD1 ]' "$(field "$TMP/cs" verdict)" "$(field "$TMP/cs" code)"
check "... nothing made" sh -c "! grep -Eq '^  command: [0-9a-f]' '$TMP/cs'"
fresh_world "$TMP/w"
solr-countersign -C "$w" --at 2026-03-17T00:00:00Z < "$TMP/gas" > "$TMP/cs" 2>/dev/null
check "countersign after the instruction ended: quarantine AD1" [ "$(field "$TMP/cs" code)" = AD1 ]
check "... not countersigned" sh -c "! grep -Eq '^  countersigned: [0-9a-f]' '$TMP/cs'"
fresh_world "$TMP/w"
cp "$w/test-keys/crl-srp-revoked.pem" "$w/pki/crl/org-ca.pem"
solr-countersign -C "$w" --at 2026-03-11T00:00:00Z < "$TMP/gas" > "$TMP/cs" 2>/dev/null
check "the signer's certificate revoked before countersign: E65" [ "$(field "$TMP/cs" code)" = E65 ]
check "... saying so" grep -q "^reason: .*certificate (serial [0-9]*) no longer holds: .*was revoked at 2026-03-10" "$TMP/cs"
check "... not countersigned" sh -c "! grep -Eq '^  countersigned: [0-9a-f]' '$TMP/cs'"
# decided afresh (with its register, the same request again would be the
# duplicate of the refusal above, with its outcome)
rm -f "$w"/state/countersign-requests-*
solr-countersign -C "$w" --at $PIN < "$TMP/gas" > "$TMP/cs" 2>/dev/null
check "... and before the revocation date it is countersigned" grep -Eq '^  countersigned: [0-9a-f]{64}$' "$TMP/cs"
# the stage after the first takes time only from the record
solr-adt-check -C "$w" --at $PIN < "$TMP/parsed" > /dev/null 2> "$TMP/e"
check "adt-check refuses --at for the stage: time comes from the record" \
	grep -q "the stage decides each record at its received_at" "$TMP/e"
# a record whose object hint (request.at) points at another request's
# bytes: what is read is checked against request.object, so the hint is
# passed over and the request's own bytes decide
fresh_world "$TMP/wat"
other=$(one 3 "$TMP/held" | sed -n 's/^  at: //p')
mine=$(sed -n 's/^  at: //p' "$TMP/elec")
sed "s|^  at: .*|  at: $other|" "$TMP/elec" > "$TMP/elec-at"
seal "$TMP/wat" "$TMP/elec-at"
check "hint setup: the hint now names another place" sh -c '[ -n "$0" ] && [ "$0" != "$1" ]' "$other" "$mine"
solr-countersign -C "$TMP/wat" --at $PIN < "$TMP/elec-at" > "$TMP/cs" 2> "$TMP/e"
check "a hint that points at another object: the request's own bytes decide (accept)" [ "$(field "$TMP/cs" verdict)" = accept ]
sed "s|^  at: .*|  at: 0123-4-5:0|" "$TMP/elec" > "$TMP/elec-at"
seal "$TMP/wat" "$TMP/elec-at"
solr-gbcs-parse -C "$TMP/wat" < "$TMP/elec-at" > "$TMP/p" 2> "$TMP/e"
check "a hint to no segment: passed over" [ "$(field "$TMP/p" verdict)" = pass ]
# a stage upstream, holding the key, that lost which certificate signed:
# countersign re-checks the signer or refuses
# (in a world of its own: the request is decided once a world)
fresh_world "$TMP/wnc"
grep -v '^  cert: ' "$TMP/elec" > "$TMP/elec-nocert"
seal "$TMP/wnc" "$TMP/elec-nocert"
solr-countersign -C "$TMP/wnc" --at $PIN < "$TMP/elec-nocert" > "$TMP/cs" 2> "$TMP/e"
check "a sealed record without sender.cert: E65, nothing made, naming what it lacks" \
	sh -c '[ "$0" -eq 1 ] && [ "$(sed -n "s/^code: //p" "$1")" = E65 ] && grep -q "^reason: .*the record names no signer certificate (sender.cert)" "$1" && ! grep -Eq "^  (command|countersigned): [0-9a-f]" "$1"' "$?" "$TMP/cs"
unset SOLR_OBJECTS
