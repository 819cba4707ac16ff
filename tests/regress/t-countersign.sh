# solr-countersign: Commands, countersignatures, responses, the ledger.
W=$(own_world) R=$BUILD/requests
CS="solr-countersign --at $PIN"
cw() { fresh_world "$TMP/cw"; }
full() {	# full WORLD FILE...: every stage before countersign
	w=$1
	shift
	solr-verify-sig -C "$w" --at $PIN "$@" 2>/dev/null | solr-failed-suppliers -C "$w" check |
		solr-gbcs-parse -C "$w" | solr-adt-check -C "$w"
}
cw
full "$TMP/cw" "$R/srp-elec-cv5.xml" "$R/srp-gas-cv5.xml" "$R/srp-elec-cv4.xml" \
	"$R/srp-gas-cv4.xml" "$R/srp-elec-unsafe-cv5.xml" "$R/srp2-elec-cv5.xml" "$R/t-digest.xml" > "$TMP/in"
$CS -C "$TMP/cw" -o "$TMP/out" < "$TMP/in" > "$TMP/o" 2>"$TMP/e"
check "countersign: exit 1 when not every record is accepted" [ $? -eq 1 ]
check "... as many records out as in" [ "$(count_records "$TMP/o")" -eq "$(count_records "$TMP/in")" ]
awk '/^---$/{r++} {print > ("'"$TMP"'/c." r)}' "$TMP/o"
check "a safe SMETS2+ request: accept, with its Command" grep -q "^  command: [0-9a-f]\{64\}$" "$TMP/c.1"
check "... verdict accept" [ "$(field "$TMP/c.1" verdict)" = accept ]
check "... I99 to the sender" grep -q "^  response_to: 00-DB-12-34-56-78-00-04$" "$TMP/c.1"
check "a safe SMETS1 request: countersigned" grep -q "^  countersigned: [0-9a-f]\{64\}$" "$TMP/c.3"
check "an unsafe request: E2 response" grep -q "^  response_code: E2$" "$TMP/c.5"
check "another SRP than the listed one: E65 response to it" grep -q "^  response_to: 00-DB-12-34-56-78-00-05$" "$TMP/c.6"
check "a request whose signature failed: no response, and why" grep -q "^  response_note: 'no response: the sender is not known" "$TMP/c.7"
O=$TMP/out
check "-o: artifacts named after the RequestID" [ -s "$O/90-B3-D5-1F-30-01-00-00_00-DB-12-34-56-78-90-A0_1003.command.gbcs" ]
n=0 bad=0
for f in "$O"/*.response.xml; do
	n=$((n + 1))
	xmlsec1 --verify --pubkey-cert-pem "$W/keys/dcc.xmlsign.pem" "$f" > /dev/null 2>&1 || bad=$((bad + 1))
	solr-verify-sig -r -C "$TMP/cw" --at $PIN "$f" > "$TMP/v" 2>/dev/null || bad=$((bad + 1))
	# one byte changed: the code
	sed 's|<sr:ResponseCode>\(.\)|<sr:ResponseCode>X|' "$f" > "$TMP/t.xml"
	solr-verify-sig -r -C "$TMP/cw" --at $PIN "$TMP/t.xml" > /dev/null 2>&1 && bad=$((bad + 1))
done
check "xmlsec1 and solr-verify-sig -r verify all $n responses; a changed one fails" [ $bad -eq 0 ]
check "... and there are responses for the four decided requests" [ $n -ge 4 ]
for f in "$O"/*.countersigned.xml; do
	xmlsec1 --verify --pubkey-cert-pem "$W/keys/dcc.xmlsign.pem" --node-xpath '/*/*[last()]' "$f" > /dev/null 2>&1
	check "xmlsec1 verifies the countersignature of $(basename "$f")" [ $? -eq 0 ]
	solr-verify-sig --countersigned -C "$TMP/cw" --at $PIN "$f" > "$TMP/v"
	check "solr-verify-sig --countersigned verifies it" [ "$(field "$TMP/v" verdict)" = pass ]
	# without the countersignature, the SRP's signature is as it was sent
	perl -0pe 's|<ds:Signature>(?:(?!<ds:Signature>).)*</ds:Signature>(</sr:Request>)|$1|s' "$f" > "$TMP/srp.xml"
	xmlsec1 --verify --pubkey-cert-pem "$W/pki/org/srp-xmlsign.pem" "$TMP/srp.xml" > /dev/null 2>&1
	check "... and the SRP's signature inside still verifies (xmlsec1)" [ $? -eq 0 ]
	for change in 's|<sr:MaxCreditThreshold>9|<sr:MaxCreditThreshold>8|' \
		's|\(:[0-9]*\)</sr:RequestID>|\19</sr:RequestID>|' \
		's|\(<ds:SignatureValue>\)\(.\)|\1A\2|; s|\(<ds:SignatureValue>A\).|\1|' \
		's|\(<ds:DigestValue>\)[^z]|\1z|'; do
		sed "$change" "$f" > "$TMP/t.xml"
		# a change that no longer matches is a failure, not a skip
		if cmp -s "$f" "$TMP/t.xml"; then
			not_ok "the tamper case ($change) changes $(basename "$f")" "the sed expression matched nothing"
			continue
		fi
		solr-verify-sig --countersigned -C "$TMP/cw" --at $PIN "$TMP/t.xml" > "$TMP/v" 2>/dev/null
		check "--countersigned rejects a one-byte change ($change): S1VE100" [ "$(field "$TMP/v" code)" = S1VE100 ]
	done
done
# S1SP codes for the identity rules
sed 's/\(00-DB-12-34-56-78-00-04.*status: \)active/\1suspended/' "$W/registry.yaml" > "$TMP/cw/registry.yaml"
solr-verify-sig --countersigned -C "$TMP/cw" --at $PIN "$O"/*.countersigned.xml > "$TMP/v" 2>/dev/null
check "--countersigned: a suspended SRP gets S1VE3" [ "$(field "$TMP/v" code)" = S1VE3 ]
sed 's/srvs: \["2.1"\]/srvs: []/' "$W/policy.yaml" > "$TMP/cw/policy.yaml"
cp "$W/registry.yaml" "$TMP/cw/registry.yaml"
solr-verify-sig --countersigned -C "$TMP/cw" --at $PIN "$O"/*.countersigned.xml > "$TMP/v" 2>/dev/null
check "--countersigned: a role not allowed the SRV gets S1VE2" [ "$(field "$TMP/v" code)" = S1VE2 ]
cp "$W/policy.yaml" "$TMP/cw/policy.yaml"
solr-verify-sig --countersigned -C "$TMP/cw" --at $PIN "$R/srp-gas-cv4.xml" > "$TMP/v" 2>/dev/null
check "--countersigned: a request without the DCC's countersignature fails" grep -q "requires exactly two" "$TMP/v"

# the ledger: same APDU again is the same Command; a different APDU for
# the same counter is refused
cw
full "$TMP/cw" "$R/srp-elec-cv5.xml" > "$TMP/a"
$CS -C "$TMP/cw" < "$TMP/a" > "$TMP/a1"
$CS -C "$TMP/cw" < "$TMP/a" > "$TMP/a2"
same "ledger: the same APDU again gives the same Command" \
	"$(sed -n 's/^  command: //p' "$TMP/a1")" "$(sed -n 's/^  command: //p' "$TMP/a2")"
full "$TMP/cw" "$R/srp-elec-reuse-cv5.xml" > "$TMP/b"
check "another document under the same RequestID: adt-check refuses it as a replay" \
	grep -q "^reason: 'RequestID .* was decided before for another document (sha256 [0-9a-f]*): a second signed document for one counter is a replay" "$TMP/b"
$CS -C "$TMP/cw" < "$TMP/b" > "$TMP/b0"
check "... and countersign makes nothing for it" [ "$(grep -c '^  command:' "$TMP/b0")" -eq 0 ]
# below the registers of decided requests, the ledger of MACed APDUs
# holds alone: without them, the other APDU passes every earlier stage
# and the ledger refuses it
rm -f "$TMP/cw"/state/*-requests-*
full "$TMP/cw" "$R/srp-elec-reuse-cv5.xml" > "$TMP/b"
check "... (the other APDU passes every earlier stage)" [ "$(field "$TMP/b" verdict)" = pass ]
$CS -C "$TMP/cw" < "$TMP/b" > "$TMP/b1"
check "ledger: another APDU with the same counter is refused" grep -q "was MACed before for another APDU" "$TMP/b1"
check "... naming the EUIs in the DUIS form" grep -q "from 90-B3-D5-1F-30-01-00-00 to 00-DB-12-34-56-78-90-A" "$TMP/b1"
check "... and has no Command" [ "$(grep -c '^  command:' "$TMP/b1")" -eq 0 ]
# it survives kills: the entries synced before are still there.  A batch
# of nine more requests, killed at each of its first ten ledger writes
# (each time from the same state), leaves a ledger that still refuses the
# other APDU and still gives the same Command
full "$TMP/cw" "$R"/batch/00[1-9].xml > "$TMP/k"
cp -R "$TMP/cw" "$TMP/cwk"
i=0 killed=0 lost=0
while [ $i -lt 10 ]; do
	rm -rf "$TMP/cw"; cp -R "$TMP/cwk" "$TMP/cw"
	kill_at countersign-ledger $i $CS -C "$TMP/cw" < "$TMP/k" > /dev/null 2>&1 && killed=$((killed + 1))
	grep -q "^$(sed -n 1p "$TMP/cwk/state/countersign-ledger")\$" "$TMP/cw/state/countersign-ledger" || lost=$((lost + 1))
	i=$((i + 1))
done
check "countersign killed at each of its first ten ledger writes" [ $killed -eq 10 ]
check "... the entry synced before each kill is still there" [ $lost -eq 0 ]
printf '90B3D51F30010000 77 00DB12' >> "$TMP/cw/state/countersign-ledger"	# a torn append
rm -f "$TMP/cw"/state/countersign-requests-*
$CS -C "$TMP/cw" < "$TMP/b" > "$TMP/b2"
check "after kills and a torn append, the ledger still refuses" grep -q "was MACed before for another APDU" "$TMP/b2"
rm -f "$TMP/cw"/state/countersign-requests-*
$CS -C "$TMP/cw" < "$TMP/a" > "$TMP/a3"
same "... and still gives the same Command" \
	"$(sed -n 's/^  command: //p' "$TMP/a1")" "$(sed -n 's/^  command: //p' "$TMP/a3")"

# a pipeline that omits a required stage countersigns nothing
cw
solr-verify-sig -C "$TMP/cw" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" 2>/dev/null |
	solr-gbcs-parse -C "$TMP/cw" | $CS -C "$TMP/cw" > "$TMP/m"
check "without failed-suppliers and adt-check: nothing accepted" [ "$(grep -c '^verdict: accept' "$TMP/m")" -eq 0 ]
check "... each rejected naming the stage" [ "$(grep -c 'the required stage failed-suppliers did not pass' "$TMP/m")" -eq 2 ]
check "... and nothing made" [ "$(grep -c '^  \(command\|countersigned\):' "$TMP/m")" -eq 0 ]

# keys
cw
chmod 644 "$TMP/cw/keys/acb.ka.key"
$CS -C "$TMP/cw" < /dev/null > /dev/null 2>"$TMP/e"
check "a key readable by others is refused" [ $? -eq 2 ]
check "... with the reason" grep -q "permissions 0644 are too open" "$TMP/e"
for alg in "-algorithm ed25519" "-algorithm EC -pkeyopt ec_paramgen_curve:P-384"; do
	cw
	openssl genpkey $alg -out "$TMP/cw/keys/acb.ka.key" 2>/dev/null
	chmod 600 "$TMP/cw/keys/acb.ka.key"
	$CS -C "$TMP/cw" < /dev/null > /dev/null 2>"$TMP/e"
	check "an ACB key of another kind ($alg) is refused at the start" [ $? -eq 2 ]
	check "... naming the file and the rule" \
		grep -q "keys/acb.ka.key: not a P-256 private key" "$TMP/e"
done

# the DCC's signing certificate: one that is none, one of another role
# (another's, or the DCC's own key-agreement one beside its key), the
# right one beside another key
for c in junk srp-xmlsign acb-ka another-key; do
	cw
	case $c in
	junk) echo 'not a certificate' > "$TMP/cw/keys/dcc.xmlsign.pem"; why="not a PEM certificate"
		what="keys/dcc.xmlsign.pem holding no certificate" ;;
	acb-ka) what="the ACB's key-agreement certificate and key (role 0x04) as the DCC's"
		cp "$TMP/cw/pki/org/acb-ka.pem" "$TMP/cw/keys/dcc.xmlsign.pem"
		cp "$TMP/cw/keys/acb.ka.key" "$TMP/cw/keys/dcc.xmlsign.key"
		why="the DCC's XML-signing certificate must have role 0x89 and match keys/dcc.xmlsign.key" ;;
	another-key) what="keys/dcc.xmlsign.key another key than the certificate's"
		cp "$TMP/cw/test-keys/srp-xmlsign.key" "$TMP/cw/keys/dcc.xmlsign.key"
		chmod 600 "$TMP/cw/keys/dcc.xmlsign.key"
		why="the DCC's XML-signing certificate must have role 0x89 and match keys/dcc.xmlsign.key" ;;
	*) cp "$TMP/cw/pki/org/$c.pem" "$TMP/cw/keys/dcc.xmlsign.pem"
		what="keys/dcc.xmlsign.pem holding the $c certificate (role 0x87)"
		why="the DCC's XML-signing certificate must have role 0x89 and match keys/dcc.xmlsign.key" ;;
	esac
	$CS -C "$TMP/cw" --at $PIN < /dev/null > /dev/null 2>"$TMP/e"
	check "$what: refused at the start, naming the file and the rule" \
		sh -c '[ "$0" -eq 2 ] && grep -q "keys/dcc.xmlsign.pem: $1" "$2"' "$?" "$why" "$TMP/e"
done

# a key file rotated while a run is at work (each of the three it reads:
# the ACB's key-agreement key, the DCC's signing key and certificate):
# what was decided before stands, nothing more is signed or MACed with
# what was read at the start, and each record after it is rejected, not
# lost
cw
# (JSON Lines: a record is whole at its newline, so the first is decided
# before the second comes)
solr-verify-sig -C "$TMP/cw" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv5.xml" 2>/dev/null |
	solr-failed-suppliers -C "$TMP/cw" check | solr-gbcs-parse -C "$TMP/cw" |
	solr-adt-check -C "$TMP/cw" --json > "$TMP/two"
sed -n 1p "$TMP/two" > "$TMP/first"
sed -n 2p "$TMP/two" > "$TMP/second"
cp -R "$TMP/cw" "$TMP/cw2"
for f in keys/acb.ka.key keys/dcc.xmlsign.key keys/dcc.xmlsign.pem; do
	rm -rf "$TMP/cw"; cp -R "$TMP/cw2" "$TMP/cw"
	rm -f "$TMP/in"; mkfifo "$TMP/in"
	$CS -C "$TMP/cw" --at $PIN < "$TMP/in" > "$TMP/rot" 2> "$TMP/rote" & pc=$!
	exec 3> "$TMP/in"
	cat "$TMP/first" >&3
	await "countersign's first verdict" grep -q '^verdict:' "$TMP/rot"
	# the ACB's key becomes another; the DCC's files the same bytes in a
	# new file, as a copy put in place is
	case $f in
	*acb*) cp "$TMP/cw/test-keys/failed-ka.key" "$TMP/cw/new" ;;
	*) cp "$TMP/cw/$f" "$TMP/cw/new" ;;
	esac
	chmod 600 "$TMP/cw/new" && mv "$TMP/cw/new" "$TMP/cw/$f"
	cat "$TMP/second" >&3
	exec 3>&-
	wait $pc; rc=$?
	check "$f rotated under a run: the record before it accepted, with its Command" \
		sh -c '[ "$(awk "/^verdict:/ { print; exit }" "$0")" = "verdict: accept" ] && [ "$(grep -Ec "^  command: [0-9a-f]" "$0")" -eq 1 ]' "$TMP/rot"
	awk '/^---/ { n++ } n == 2' "$TMP/rot" > "$TMP/second-out"
	check "... the one after rejected naming $f, nothing made, exit 2" \
		sh -c '[ "$0" -eq 2 ] && [ "$(grep -c "^verdict: reject$" "$1")" -eq 1 ] && grep -q "^reason: .$3 changed since the run began" "$1" && ! grep -Eq "^  (command|response): " "$2"' "$rc" "$TMP/rot" "$TMP/second-out" "$f"
	$CS -C "$TMP/cw" --at $PIN < "$TMP/second" > "$TMP/rot2" 2>/dev/null
	check "... and the next run uses what is there now (the gas request, MACed)" \
		sh -c '[ "$0" -eq 0 ] && grep -Eq "^  command: [0-9a-f]" "$1"' "$?" "$TMP/rot2"
done
# the device inventory changed while a run is at work: a batch decided
# before stands; the next batch reads the inventory again (a device
# removed under the run gets no Command from then on)
rm -rf "$TMP/cw"; cp -R "$TMP/cw2" "$TMP/cw"
rm -f "$TMP/in"; mkfifo "$TMP/in"
$CS -C "$TMP/cw" --at $PIN < "$TMP/in" > "$TMP/inv" 2>/dev/null & pc=$!
exec 3> "$TMP/in"
cat "$TMP/first" >&3
await "countersign's first verdict" grep -q '^verdict:' "$TMP/inv"
$CS -C "$TMP/cw" devices remove 00-DB-12-34-56-78-90-A1 > /dev/null
cat "$TMP/second" >&3
exec 3>&-
wait $pc
awk '/^---/ { n++ } n == 2' "$TMP/inv" > "$TMP/inv2"
check "a device removed under a run: the record before it accepted" \
	sh -c '[ "$(awk "/^verdict:/ { print; exit }" "$0")" = "verdict: accept" ]' "$TMP/inv"
check "... the one after, in the next batch, refused E19 with nothing made" \
	sh -c 'grep -q "^code: E19" "$0" && ! grep -Eq "^  command: " "$0"' "$TMP/inv2"
rm -rf "$TMP/cw2"

# standalone: the RTDS Commands, byte for byte
if have_vectors; then
	sh tests/mk-vworld "$VECTORS" "$TMP/cvw"
	for d in 2.1_ECS08a/ECS08a_2.1_IMMEDIATE_SUCCESS 2.1_ECS08a/ECS08a_2.1_IMMEDIATE_ERROR \
		2.1_GCS05/GCS05_2.1_IMMEDIATE_SUCCESS; do
		V=$VECTORS/gbcs/rtds/$d
		pre=$(tr -d '\r\n' < "${V}_PRECOMMAND_GBCS.HEX") cmd=$(tr -d '\r\n' < "${V}_COMMAND_GBCS.HEX")
		n=${#cmd}
		sig=$(printf '%s' "$cmd" | cut -c$((n - 24 - 128 + 1))-$((n - 24)))
		printf '%s40%s' "$pre" "$sig" | $CS -C "$TMP/cvw" --at $VPIN -x > "$TMP/x.hex"
		check "-x rebuilds the RTDS $(basename "$d") Command byte for byte" [ "$(cat "$TMP/x.hex")" = "$cmd" ]
	done
	printf '%s40%s' "$pre" "$sig" | perl -ne 'print pack("H*", $_)' | openssl base64 -A |
		$CS -C "$TMP/cvw" --at $VPIN -b > "$TMP/x.b64out"
	same "-b gives the same Command in base64" "$(openssl base64 -d -A < "$TMP/x.b64out" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)" "$cmd"
else
	skip "RTDS Commands" "$VECTORS is absent"
fi
