# Requests from scripts/mk-requests against the world from scripts/mk-world:
# each gets the verdict and the reason its manifest gives.
W=$(own_world) R=$BUILD/requests
while IFS='	' read -r f verdict code reason; do
	solr-verify-sig -C "$W" --at $PIN "$R/$f" > "$TMP/out" 2>"$TMP/err"
	rc=$?
	got=$(field "$TMP/out" verdict) gcode=$(field "$TMP/out" code)
	if [ "$got" != "$verdict" ]; then
		not_ok "$f: $verdict" "got $got: $(field "$TMP/out" reason)"
	elif [ "$verdict" = reject ] && { [ "$gcode" != "$code" ] || [ $rc -ne 1 ] ||
		! field "$TMP/out" reason | grep -qF -- "$reason"; }; then
		not_ok "$f: $code $reason" "got rc $rc $gcode: $(field "$TMP/out" reason)"
	elif [ "$verdict" = pass ] && [ $rc -ne 0 ]; then
		not_ok "$f: exit 0" "rc $rc"
	else
		ok "$f: $verdict$([ "$reason" = - ] || printf " (%s)" "$reason")"
	fi
done < "$R/MANIFEST.tsv"

# identity comes from the registry
fresh_world "$TMP/w2"
grep -v 00-DB-12-34-56-78-00-05 "$W/registry.yaml" > "$TMP/w2/registry.yaml"
solr-verify-sig -C "$TMP/w2" --at $PIN "$R/srp2-elec-cv5.xml" > "$TMP/out" 2>&1
check "unregistered signer: E1" [ "$(field "$TMP/out" code)" = E1 ]
sed 's/\(00-DB-12-34-56-78-00-04.*status: \)active/\1suspended/' "$W/registry.yaml" > "$TMP/w2/registry.yaml"
solr-verify-sig -C "$TMP/w2" --at $PIN "$R/srp-elec-cv5.xml" > "$TMP/out" 2>&1
check "suspended signer: E3" [ "$(field "$TMP/out" code)" = E3 ]
grep -q '^  id: 00-DB-12-34-56-78-00-04' "$TMP/out"
check "the sender is recorded even when rejected" [ $? -eq 0 ]

# key usage: a key-agreement certificate never signs, whatever its role
cp "$W/registry.yaml" "$TMP/w2/registry.yaml"
sed 's/^xml_signer_roles: \[0x87\]/xml_signer_roles: [0x87, 0x02]/' "$W/policy.yaml" > "$TMP/w2/policy.yaml"
perl -0pe 's|<ds:DigestValue>[^<]*</ds:DigestValue>|<ds:DigestValue/>|; s|<ds:SignatureValue>.*?</ds:SignatureValue>|<ds:SignatureValue/>|s; s|<ds:X509IssuerSerial>.*?</ds:X509IssuerSerial>|<ds:X509IssuerSerial/>|s' \
	"$R/srp-elec-cv4.xml" > "$TMP/unsigned.xml"
xmlsec1 --sign --privkey-pem "$W/test-keys/failed-ka.key,$W/pki/org/failed-ka.pem" \
	--output "$TMP/ka-signed.xml" "$TMP/unsigned.xml" 2>/dev/null
solr-verify-sig -C "$TMP/w2" --at 2026-02-01T00:00:00Z "$TMP/ka-signed.xml" > "$TMP/out" 2>&1
check "a key-agreement certificate is refused for signing" \
	grep -q "lacks the digitalSignature key usage" "$TMP/out"
cp "$W/policy.yaml" "$TMP/w2/policy.yaml"

# time: before the revocation the failed supplier's certificate was good
# (what stops it then is its suspension)
solr-verify-sig -C "$W" --at 2026-02-01T00:00:00Z "$R/t-revoked.xml" > "$TMP/out" 2>&1
check "revocation takes effect at its date" [ "$(field "$TMP/out" code)" = E3 ]
solr-verify-sig -C "$W" --at 2036-01-01T00:00:00Z "$R/srp-elec-cv5.xml" > "$TMP/out" 2>&1
check "an expired certificate is rejected" grep -q "expired at 2035-12-31T23:59:59Z" "$TMP/out"
# a world whose CRL is damaged is refused
cp "$W/registry.yaml" "$TMP/w2/registry.yaml"
openssl crl -in "$W/pki/crl/org-ca.pem" -outform DER |
	perl -0pe 'substr($_, -1, 1) = chr(ord(substr($_, -1, 1)) ^ 1)' |
	openssl crl -inform DER -out "$TMP/w2/pki/crl/org-ca.pem"
solr-verify-sig -C "$TMP/w2" --at $PIN "$R/srp-elec-cv5.xml" > /dev/null 2>"$TMP/err"
rc=$?
check "a CRL that does not verify is a configuration error" [ $rc -eq 2 ]
check "... and the message names the file" grep -q "pki/crl/org-ca.pem" "$TMP/err"
