# Keys and secrets: the tools refuse a private key that group or others
# can access, and never prompt for a passphrase; no key material (the
# PEM text or the private scalar of any private key in the world) appears
# in any output, record, artifact, SAT entry or message.
R=$BUILD/requests A=$BUILD/alerts
fresh_world "$TMP/w"
w=$TMP/w
# the key material, as fixed strings: PEM lines and the scalar in hex
: > "$TMP/pat"
for k in "$w"/keys/*.key "$w"/test-keys/*.key; do
	grep -v '^-----' "$k" | awk 'length($0) >= 16' >> "$TMP/pat"
	openssl pkey -in "$k" -text -noout 2>/dev/null |
		awk '/^priv:/ { p = 1; next } /^[a-zA-Z]/ { p = 0 } p' | tr -d ' :\n' > "$TMP/hex"
	if [ -s "$TMP/hex" ]; then
		cat "$TMP/hex" >> "$TMP/pat"; echo >> "$TMP/pat"
		tr a-f A-F < "$TMP/hex" >> "$TMP/pat"; echo >> "$TMP/pat"
		# and any 16 hex digits of it, in case a part is printed
		cut -c17-32 "$TMP/hex" >> "$TMP/pat"
	fi
done
check "secrets: the patterns find the keys themselves" grep -rqF -f "$TMP/pat" "$w/keys"
# everything the tools write: the flow with a SAT, artifacts and MACed
# Commands, device alerts, replays, and errors about keys
mkdir -p "$TMP/o"
sh "$PWD/scripts/solr-pipeline" -C "$w" -o "$TMP/o/flow" --at $PIN "$BUILD"/requests/*.xml > "$TMP/o/flow.out" 2> "$TMP/o/flow.err"
solr-gbcs-parse -C "$w" --at $PIN "$A"/*.xml > "$TMP/o/alerts" 2> "$TMP/o/alerts.err"
solr-countersign -C "$w" --at $PIN --sat-records "$TMP/o/flow/sat" > "$TMP/o/sat-records" 2>&1
solr-sat replay "$TMP/o/flow/sat" "$w" > "$TMP/o/replay" 2>&1
awk '/^---$/ { n++ } n == 1' "$TMP/o/flow/4-adt-check.yaml" > "$TMP/one"
for k in dcc.xmlsign.key acb.ka.key; do
	cp "$w/keys/$k" "$TMP/saved"
	# too open: refused, in the style of ssh
	chmod 644 "$w/keys/$k"
	solr-countersign -C "$w" --at $PIN < "$TMP/one" > "$TMP/o/open-$k" 2> "$TMP/o/open-$k.err"
	check "$k readable by others: refused, exit 2" [ $? -eq 2 ]
	check "... saying why" grep -q "keys/$k: permissions 0644 are too open: a private key must not be accessible by group or others; this key is not used" "$TMP/o/open-$k.err"
	chmod 640 "$w/keys/$k"
	solr-countersign -C "$w" --at $PIN < "$TMP/one" > /dev/null 2> "$TMP/o/group-$k.err"
	check "... and readable by the group: refused" grep -q "permissions 0640 are too open" "$TMP/o/group-$k.err"
	# half a key: refused without quoting it
	head -c 150 "$TMP/saved" > "$w/keys/$k"; chmod 600 "$w/keys/$k"
	solr-countersign -C "$w" --at $PIN < "$TMP/one" > "$TMP/o/half-$k" 2> "$TMP/o/half-$k.err"
	check "half of $k: refused" grep -q "keys/$k: not an unencrypted PEM private key" "$TMP/o/half-$k.err"
	# an encrypted key: refused, not prompted for (stdin is the records)
	openssl pkey -in "$TMP/saved" -aes256 -passout pass:secret -out "$w/keys/$k" 2>/dev/null
	chmod 600 "$w/keys/$k"
	solr-countersign -C "$w" --at $PIN < "$TMP/one" > "$TMP/o/enc-$k" 2> "$TMP/o/enc-$k.err"
	check "encrypted $k: refused without a prompt" grep -q "keys/$k: not an unencrypted PEM private key" "$TMP/o/enc-$k.err"
	cp "$TMP/saved" "$w/keys/$k"; chmod 600 "$w/keys/$k"
done
check "secrets: the outputs are there to search" [ "$(find "$TMP/o" -type f | wc -l)" -gt 20 ]
if grep -rlF -f "$TMP/pat" "$TMP/o" > "$TMP/found"; then
	not_ok "no key material in any output, record, artifact, SAT entry or message" "$(head -3 "$TMP/found")"
else
	ok "no key material in any output, record, artifact, SAT entry or message ($(find "$TMP/o" -type f | wc -l) files)"
fi
