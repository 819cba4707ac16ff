# The public vectors: signed documents, attacks and DCC responses, against
# a world built around the public test certificates (pinned, no chain).
if ! have_vectors; then
	skip "public vectors" "$VECTORS is absent"
else
	VW=$TMP/vworld
	sh tests/mk-vworld "$VECTORS" "$VW"
	for f in "$VECTORS"/duis/signed/*.xml; do
		n=$(basename "$f")
		solr-verify-sig -C "$VW" --at $VPIN "$f" > "$TMP/out" 2>"$TMP/err"
		rc=$?
		if [ $rc -eq 0 ] && [ "$(field "$TMP/out" verdict)" = pass ]; then
			ok "vector $n passes"
		else
			not_ok "vector $n passes" "$(field "$TMP/out" reason)"
		fi
	done
	# the attack manifest: ACCEPT passes, REJECT is rejected with E65; A29
	# passes this stage (the Failed Suppliers stage rejects it)
	tail -n +2 "$VECTORS/duis/attacks/MANIFEST.tsv" |
	while IFS='	' read -r id file cert extra verdict desc; do
		solr-verify-sig -C "$VW" --at $VPIN "$VECTORS/duis/attacks/$file" \
			> "$TMP/a-$id" 2>/dev/null
		echo "$id $verdict $(field "$TMP/a-$id" verdict) $(field "$TMP/a-$id" code)"
	done > "$TMP/attacks"
	while read -r id want got code; do
		case $id:$want in
		A29:*) exp="pass" ;;
		*:ACCEPT) exp="pass" ;;
		*) exp="reject" ;;
		esac
		# E65, or no code when the DUIS schema refuses it at the door
		if [ "$got" = "$exp" ] && { [ "$exp" = pass ] || [ "$code" = E65 ] ||
			[ "$code" = null ]; }; then
			ok "attack $id: $got${code:+ $code}"
		else
			not_ok "attack $id: expected $exp, got $got $code"
		fi
	done < "$TMP/attacks"
	# A29 carries what the Failed Suppliers stage needs to reject it
	grep -q 'originator_check: deferred-to-failed-suppliers' "$TMP/a-A29" &&
		grep -q '^  originator: 90-B3-D5-1F-30-03-00-00' "$TMP/a-A29"
	check "A29 is handed to the Failed Suppliers stage" [ $? -eq 0 ]
	# exact reasons for the attacks
	for pair in "A01:not valid DUIS 5.4: line 8" "A02:not valid DUIS 5.4: line 37" \
		"A06:Body'', attribute ''Id'': The attribute ''Id'' is not allowed" \
		"A12:hmac-sha256" "A14:decodes to 71 bytes" "A18a:DOCTYPE" \
		"A18b:DOCTYPE" "A23:role 0x02"; do
		id=${pair%%:*} want=${pair#*:}
		if grep -qF -- "$want" "$TMP/a-$id"; then ok "attack $id reason: $want"
		else not_ok "attack $id reason: $want" "$(field "$TMP/a-$id" reason)"; fi
	done
	# DCC-signed responses pass with --response; the forged ones do not
	S=$VECTORS/duis/samples
	for f in signing-tool/readfw-response.xml signing-tool/readfw-response-resigned.xml \
		signing-tool/read-inventory-response-4g.xml signing-tool/read-inventory-response-5.4.xml \
		signing-tool/message.xml duis-parser/readfw-response.xml \
		duis-sign-wrap/readfw-version-response.xml; do
		solr-verify-sig -r -C "$VW" --at $VPIN "$S/$f" > "$TMP/out" 2>/dev/null
		check "response $f passes" [ "$(field "$TMP/out" verdict)" = pass ]
	done
	for f in "$VECTORS"/duis/responses/*.dsp-signed.xml; do
		solr-verify-sig -r -C "$VW" --at $VPIN "$f" > "$TMP/out" 2>/dev/null
		check "response $(basename "$f") passes" [ "$(field "$TMP/out" verdict)" = pass ]
	done
	for pair in "readfw-response-badsignature.xml:does not verify" \
		"readfw-response-invalid.xml:The value ''11.2.11.2'' is not an element of the set" \
		"readfw-response-no-serial.xml:lacks the child ds:KeyInfo" \
		"readfw-response-nonexist-serial.xml:no certificate in pki/org" \
		"readfw-response-no-signature.xml:0 ds:Signature" \
		"acknowledgement-error.xml:0 ds:Signature" "duis-xxe.xml:DOCTYPE"; do
		f=${pair%%:*} want=${pair#*:}
		solr-verify-sig -r -C "$VW" --at $VPIN "$S/signing-tool/$f" > "$TMP/out" 2>/dev/null
		if [ $? -eq 1 ] && grep -qF -- "$want" "$TMP/out"; then ok "response $f rejected: $want"
		else not_ok "response $f rejected: $want" "$(field "$TMP/out" reason)"; fi
	done
	# the DSP certificate of Z1 is not valid before 2025-09-01
	solr-verify-sig -r -C "$VW" --at 2025-06-01T00:00:00Z \
		"$S/signing-tool/readfw-response-resigned.xml" > "$TMP/out" 2>/dev/null
	check "response before its certificate's validity is rejected" \
		grep -q "is not valid before 2025-09-01" "$TMP/out"
	# without the legacy reading, OU "137" is no role
	sed 's/decimal_role_ou: true/decimal_role_ou: false/' "$VW/policy.yaml" > "$TMP/p" &&
		cp "$TMP/p" "$VW/policy.yaml"
	solr-verify-sig -r -C "$VW" --at $VPIN "$S/signing-tool/readfw-response.xml" > "$TMP/out" 2>/dev/null
	check "OU '137' is refused unless the policy reads it as decimal" \
		grep -q "subject OU '137', which is not a role" "$TMP/out"
fi
