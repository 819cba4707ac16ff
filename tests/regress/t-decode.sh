# solr-gbcs-parse -x/-b on what the DCC sends: Commands (the Signed
# Pre-Command inside, the supplier's signature, the ACB's MAC), a message
# a line, and the Commands of an audit trail.
R=$BUILD/requests
fresh_world "$TMP/w"
w=$TMP/w
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv5.xml" | solr-failed-suppliers -C "$w" check |
	solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" |
	solr-countersign -C "$w" --at $PIN --sat "$w/sat" -o "$TMP/art" > "$TMP/flow"
hexof() { od -An -v -tx1 "$1" | tr -d ' \n' | tr a-f A-F; echo; }
for f in "$TMP"/art/*.command.gbcs; do hexof "$f"; done > "$TMP/cmds.hex"
check "decode setup: two Commands made" [ "$(wc -l < "$TMP/cmds.hex")" -eq 2 ]
solr-gbcs-parse -C "$w" --at $PIN -x "$TMP/cmds.hex" > "$TMP/d1"
check "-x on a file of two Commands, one a line: two records, exit 0" \
	sh -c '[ $0 -eq 0 ] && [ "$(grep -c "^message: command$" "$1")" -eq 2 ]' $? "$TMP/d1"
check "... named by file and line" [ "$(grep -c "^source: $TMP/cmds.hex:[12]$" "$TMP/d1")" -eq 2 ]
check "... the supplier's signature verified" [ "$(grep -c '^signature: verified with serial ' "$TMP/d1")" -eq 2 ]
check "... and the ACB's MAC, for the device" [ "$(grep -c "^mac: 'verified: the ACB''s, for the device''s key-agreement key'" "$TMP/d1")" -eq 2 ]
check "... every field from the envelope on" grep -q "^- {offset: 10, length: 5, field: security header, value: 11 00000000}" "$TMP/d1"
check "... the values, at their offsets in the whole Command" grep -q "^- {offset: 51, length: 1, field: DLMS ACCESS-Request tag" "$TMP/d1"
# the values decoded from the Command are the ones the flow read
sed -n '/^prepay:/,/^[a-z]/p' "$TMP/d1" | grep -E '^  (fuel|EmergencyCreditLimit|MaxCreditThreshold):' | sort > "$TMP/v1"
sed -n '/^prepay:/,/^[a-z]/p' "$TMP/flow" | grep -E '^  (fuel|EmergencyCreditLimit|MaxCreditThreshold):' | sort > "$TMP/v2"
check "... the values the flow read from the Signed Pre-Command" sh -c '[ -s "$0" ] && cmp -s "$0" "$1"' "$TMP/v1" "$TMP/v2"
# without a world: decoded, nothing checked
head -1 "$TMP/cmds.hex" | solr-gbcs-parse -x > "$TMP/d2"
check "-x without a world: decoded, unchecked (not pass), exit 1" \
	sh -c '[ $0 -eq 1 ] && grep -q "^mac: .not checked" "$1" && grep -q "^verdict: unchecked$" "$1"' $? "$TMP/d2"
head -1 "$TMP/cmds.hex" | solr-gbcs-parse --decode-only -x > "$TMP/d2b"
check "... with --decode-only: the same record, exit 0" \
	sh -c '[ $0 -eq 0 ] && cmp -s "$1" "$2"' $? "$TMP/d2" "$TMP/d2b"
solr-gbcs-parse --decode-only -C "$w" -x < "$TMP/cmds.hex" > /dev/null 2>&1
check "... which takes no world: exit 2" [ $? -eq 2 ]
printf '\n# a comment\n\n' > "$TMP/blank.hex"
solr-gbcs-parse -C "$w" -x "$TMP/blank.hex" > "$TMP/d2c" 2> "$TMP/e"
check "-x on a file of blank lines: nothing checked, exit 1, saying so" \
	sh -c '[ $0 -eq 1 ] && [ ! -s "$1" ] && grep -q "nothing was checked: no message" "$2"' $? "$TMP/d2c" "$TMP/e"
solr-gbcs-parse -C "$w" -x < /dev/null > /dev/null 2> "$TMP/e"
check "-x on empty input: exit 1" sh -c '[ $0 -eq 1 ] && grep -q "nothing was checked" "$1"' $? "$TMP/e"
# a MAC that is not the ACB's
head -1 "$TMP/cmds.hex" | perl -pe 's/([0-9A-F])$/sprintf("%X", (hex($1) + 1) % 16)/e' > "$TMP/bad.hex"
solr-gbcs-parse -C "$w" --at $PIN -x "$TMP/bad.hex" > "$TMP/d3"
check "a Command whose MAC was changed: rejected, exit 1" \
	sh -c '[ $0 -eq 1 ] && grep -q "^reason: .*the Command..s MAC does not verify" "$1"' $? "$TMP/d3"
# the MAC of another device
sed 's/^\(.\{72\}\)00DB1234567890A0/\100DB1234567890A1/' "$TMP/cmds.hex" | head -1 > "$TMP/other.hex"
solr-gbcs-parse -C "$w" --at $PIN -x "$TMP/other.hex" > "$TMP/d4"
check "a Command whose recipient was changed: rejected" grep -q "^verdict: reject" "$TMP/d4"
# a MACed message whose inner APDU is neither a command nor an alert
head -1 "$TMP/cmds.hex" | sed 's/^\(.\{34\}\)01/\102/' > "$TMP/cra2.hex"
solr-gbcs-parse -x "$TMP/cra2.hex" > "$TMP/d5"
check "a CRA flag of 2 inside General-Ciphering: 'an alert has 0x03'" grep -q "CRA flag is 0x02; an alert has 0x03" "$TMP/d5"
# a file of many messages: blank lines and comments skipped, a bad line
# is its own rejection
{ echo "# two Commands and a line that is not hex"; head -1 "$TMP/cmds.hex"; echo; echo "ZZ"; tail -1 "$TMP/cmds.hex"; } > "$TMP/mixed.hex"
solr-gbcs-parse -C "$w" --at $PIN -x "$TMP/mixed.hex" > "$TMP/d6" 2> "$TMP/d6e"
check "a file with a bad line: three records, the bad one rejected, exit 2" \
	sh -c '[ $0 -eq 2 ] && [ "$(grep -c "^verdict: pass" "$1")" -eq 2 ] && [ "$(grep -c "^verdict: reject" "$1")" -eq 1 ]' $? "$TMP/d6"
check "... naming its line" grep -q "^source: $TMP/mixed.hex:4$" "$TMP/d6"
# base64, one a line
while read -r h; do printf '%s' "$h" | perl -ne 'print pack("H*", $_)' | openssl base64 -A; echo; done < "$TMP/cmds.hex" > "$TMP/cmds.b64"
solr-gbcs-parse -C "$w" --at $PIN -b "$TMP/cmds.b64" > "$TMP/d7"
check "-b on a file of base64 Commands, one a line" [ "$(grep -c '^mac: .verified' "$TMP/d7")" -eq 2 ]
# what the trail says was sent
solr-sat log --commands "$w/sat" > "$TMP/sat.hex"
sort "$TMP/sat.hex" > "$TMP/s1"; sort "$TMP/cmds.hex" > "$TMP/s2"
same_files "solr-sat log --commands: the trail's Commands, in hex" "$TMP/s1" "$TMP/s2"
solr-sat log --commands "$w/sat" | solr-gbcs-parse -C "$w" --at $PIN -x > "$TMP/d8"
check "... piped into the decoder: each verified" [ "$(grep -c '^mac: .verified' "$TMP/d8")" -eq 2 ]
solr-sat log --commands --request-id 90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:1004 "$w/sat" > "$TMP/one.hex"
check "... filtered like the log" [ "$(wc -l < "$TMP/one.hex")" -eq 1 ]

# the RTDS Commands, with the public keys
if have_vectors; then
	sh tests/mk-vworld "$VECTORS" "$TMP/vw"
	n=0 good=0
	for f in "$VECTORS"/gbcs/rtds/*/*_COMMAND_GBCS.HEX; do
		case $f in *PRECOMMAND*) continue ;; esac
		n=$((n + 1))
		solr-gbcs-parse -C "$TMP/vw" --at $VPIN -x "$f" > "$TMP/rt" 2>/dev/null
		grep -q "^signature: verified" "$TMP/rt" && grep -q "^mac: .verified" "$TMP/rt" && good=$((good + 1))
	done
	check "the RTDS Commands ($n): signature and MAC verified in every one" sh -c '[ "$0" -gt 0 ] && [ "$0" -eq "$1" ]' "$n" "$good"
else
	skip "the RTDS Commands" "$VECTORS is absent"
fi
# a line longer than any message: rejected in its place, and the next read
{ head -c 300000 /dev/zero | tr '\0' A; echo; head -1 "$TMP/cmds.hex"; } | solr-gbcs-parse -C "$w" --at $PIN -x > "$TMP/d9" 2> "$TMP/d9e"
check "a line longer than any message: its own rejection, the next decoded, exit 2" \
	sh -c '[ $0 -eq 2 ] && grep -q "^reason: .a line of 300000 bytes: longer than any GBCS message" "$1" && grep -q "^mac: .verified" "$1"' $? "$TMP/d9"
