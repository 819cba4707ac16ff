# solr-gbcs-parse: as a stage after solr-verify-sig, and standalone.
W=$(own_world) R=$BUILD/requests
awk -F'\t' '$2 == "pass" { print $1 }' "$R/MANIFEST.tsv" | sed "s|^|$R/|" > "$TMP/gfiles"
solr-verify-sig -C "$W" --at $PIN $(cat "$TMP/gfiles") > "$TMP/g1" 2>/dev/null
solr-gbcs-parse -C "$W" < "$TMP/g1" > "$TMP/g2" 2>"$TMP/ge"
rc=$?
check "gbcs-parse: records in, as many out" [ "$(count_records "$TMP/g2")" -eq "$(count_records "$TMP/g1")" ]
check "gbcs-parse: exit 1 when some are rejected" [ $rc -eq 1 ]
awk '/^---$/{r++} {print > ("'"$TMP"'/g." r)}' "$TMP/g2"
while IFS='	' read -r f verdict code what; do
	rec=$(grep -l "^source: $R/$f\$" "$TMP"/g.* | head -1)
	if [ -z "$rec" ]; then not_ok "gbcs-parse $f: no record"; continue; fi
	st=$(sed -n 's/^  gbcs-parse: {result: \([a-z]*\).*/\1/p' "$rec")
	case $verdict in
	pass)
		if [ "$(field "$rec" verdict)" = pass ] && [ "$st" = pass ] &&
			grep -q "^  gbcs-parse: {result: pass, form: $what" "$rec" &&
			grep -q '^prepay:' "$rec"; then ok "gbcs-parse $f: pass ($what)"
		else not_ok "gbcs-parse $f: pass ($what)" "$(field "$rec" reason)"; fi ;;
	skipped)
		if [ "$st" = skipped ] && [ "$(field "$rec" verdict)" = pass ] &&
			! grep -q '^prepay:' "$rec"; then ok "gbcs-parse $f: skipped"
		else not_ok "gbcs-parse $f: skipped"; fi ;;
	reject)
		if [ "$(field "$rec" code)" = "$code" ] && field "$rec" reason | grep -qF -- "$what" &&
			! grep -q '^prepay:' "$rec"; then ok "gbcs-parse $f: $code ($what)"
		else not_ok "gbcs-parse $f: $code ($what)" "$(field "$rec" code): $(field "$rec" reason)"; fi ;;
	esac
done < "$R/GBCS.tsv"
grep -l '^source: .*srp-elec-cv5.xml$' "$TMP"/g.* > "$TMP/one.name"
rec=$(cat "$TMP/one.name")
check "the Signed Pre-Command's values are in prepay:" grep -q '^  MaxCreditThreshold: 9000000$' "$rec"
check "... with the GBCS summary" grep -q '^  message_code: 0x00DE$' "$rec"
check "... and the supplier certificate that verified it" grep -q '^  signer: {issuer:' "$rec"
# a rejected record passes through untouched
awk '/^---$/{r++} r==1' "$TMP/g1" | sed 's/^verdict: pass/verdict: quarantine/' > "$TMP/q"
seal "$W" "$TMP/q"
solr-gbcs-parse -C "$W" < "$TMP/q" > "$TMP/q2"
same_files "gbcs-parse passes a quarantined record through byte for byte" "$TMP/q" "$TMP/q2"
# a record that never went through solr-verify-sig is refused
printf -- '---\nrecord: 1\nseq: 1\nsource: x.xml\nverdict: pass\n' > "$TMP/q0"
seal "$W" "$TMP/q0"
solr-gbcs-parse -C "$W" < "$TMP/q0" > "$TMP/q3"
check "gbcs-parse refuses a record without the first stage" grep -q "solr-verify-sig must run first" "$TMP/q3"

# standalone
if have_vectors; then
	VW=$TMP/gvw
	sh tests/mk-vworld "$VECTORS" "$VW"
	M=$VECTORS/gbcs/malformed
	solr-gbcs-parse -C "$VW" -x "$M/ECS08a_SIGNED_PRECOMMAND_OK.HEX" > "$TMP/d1"
	check "-x: an RTDS Signed Pre-Command decodes, exit 0" [ $? -eq 0 ]
	check "... its signature verifies" grep -q "^signature: verified with serial 105986833131214866166891566273223584671" "$TMP/d1"
	check "... every field has its offset" grep -q "^- {offset: 1210, length: 64, field: signature" "$TMP/d1"
	tr -d '\n' < "$VECTORS/duis/signed/spc-gas.gbcs-signed-precommand.b64" |
		solr-gbcs-parse -C "$VW" -b > "$TMP/d2"
	check "-b: the gas Signed Pre-Command on stdin decodes" grep -q "^  fuel: gas" "$TMP/d2"
	solr-gbcs-parse -C "$VW" -b "$M/ECS08a_SIGNED_PRECOMMAND_OK.HEX" > "$TMP/d3" 2>"$TMP/d3e"
	check "-b on hex text: the bytes are no GBCS, exit 1" [ $? -eq 1 ]
	check "... nothing guessed" grep -q "general-signing tag is 0x0C" "$TMP/d3"
	solr-gbcs-parse -C "$VW" -x "$M/BAD_trailing-byte.HEX" > "$TMP/d4"
	check "a malformed message exits 1" [ $? -eq 1 ]
	check "... naming its offset" grep -q "offset 1274" "$TMP/d4"
	# the supplier signature with any other key fails
	cp -R "$VW" "$TMP/gvw2"
	rm "$TMP/gvw2/pki/org/Z1-supplier-ds.pem" "$TMP/gvw2/pki/org/Z1b-supplier-ds.pem"
	cp "$VECTORS/gbcs/keys/00db1234567890a0-ds.pem" "$TMP/gvw2/pki/org/"
	solr-gbcs-parse -C "$TMP/gvw2" -x "$M/ECS08a_SIGNED_PRECOMMAND_OK.HEX" > "$TMP/d5"
	check "without the supplier's certificate the signature fails" grep -q "no supplier-role (0x02)" "$TMP/d5"
	check "... and no value is shown" [ -z "$(grep -c '^prepay:\|^fields:' "$TMP/d5" | grep -v '^0$')" ]
	cp "$VECTORS/duis/certs/Z1b-supplier-ds.pem" "$TMP/gvw2/pki/org/"
	solr-gbcs-parse -C "$TMP/gvw2" -x "$M/ECS08a_SIGNED_PRECOMMAND_OK.HEX" > "$TMP/d6"
	check "the supplier's other key does not verify it" grep -q "does not verify with the supplier" "$TMP/d6"
else
	skip "solr-gbcs-parse on the public vectors" "$VECTORS is absent"
fi
printf '0G' | solr-gbcs-parse -x > "$TMP/d7" 2>"$TMP/d7e"
check "-x refuses a non-hex digit" grep -q "is not a hex digit" "$TMP/d7e"
printf 'DF 09' | solr-gbcs-parse -x > /dev/null 2>"$TMP/d8e"
check "-x refuses embedded white space" grep -q "character 2 (0x20)" "$TMP/d8e"
solr-gbcs-parse -x -b < /dev/null > /dev/null 2>&1
check "-x with -b is a usage error" [ $? -eq 2 ]
