# The Service Audit Trail for auditors: a signed head after every batch;
# a trail cut short, a chain rewritten with consistent hashes, a head from
# another trail or a changed object is broken (exit 1); solr-sat log and
# replay.
R=$BUILD/requests W=$BUILD/world
fresh_world "$TMP/w"
w=$TMP/w
trail() {	# trail DIR FILE...: the flow with a SAT in DIR
	_d=$1; shift
	solr-verify-sig -C "$w" --at $PIN "$@" | solr-failed-suppliers -C "$w" check |
		solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" |
		solr-countersign -C "$w" --at $PIN --sat "$_d" > /dev/null 2>&1
}
trail "$TMP/sat" "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" "$R/srp-elec-unsafe-cv5.xml" "$R/healthy-elec-cv4.xml"
trail "$TMP/sat" "$R/srp-gas-cv5.xml" "$R/srp2-elec-cv5.xml"
solr-sat verify "$TMP/sat" > "$TMP/v"
check "an untouched trail verifies" [ $? -eq 0 ]
check "... entries: 6" grep -q "^entries: 6$" "$TMP/v"
head=$(sed -n 's/^head: //p' "$TMP/v")
check "... and prints its head" [ ${#head} -eq 64 ]
solr-sat verify --expect-head "$head" "$TMP/sat" > /dev/null
check "--expect-head with the head kept elsewhere: exit 0" [ $? -eq 0 ]
solr-sat verify --expect-head "$(echo "$head" | tr 0-9a-f 1-9a-f0)" "$TMP/sat" > /dev/null 2>&1
check "--expect-head with another: exit 1" [ $? -eq 1 ]
solr-sat verify -C "$w" "$TMP/sat" > /dev/null
check "the head verifies with the world's DCC certificate" [ $? -eq 0 ]
# the head with the openssl command line (solr-sat(5))
( cd "$TMP/sat" && head -n 4 head > "$TMP/h.txt" &&
	sed -n 's/^signature: //p' head | openssl base64 -d -A > "$TMP/h.sig" &&
	openssl x509 -in head.pem -pubkey -noout > "$TMP/h.pub" )
check "the head's signature verifies with openssl dgst" \
	sh -c "openssl dgst -sha256 -verify '$TMP/h.pub' -signature '$TMP/h.sig' '$TMP/h.txt' > /dev/null"

broken() {	# broken NAME DIR PATTERN
	solr-sat verify "$2" > "$TMP/o" 2> "$TMP/e"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "$3" "$TMP/e"; then ok "$1: broken, exit 1"
	else not_ok "$1: broken, exit 1" "rc $rc: $(cat "$TMP/e")"; fi
}
# the last entry cut off whole
cp -R "$TMP/sat" "$TMP/cut"
awk '/^---$/ { n++ } n < 6' "$TMP/sat/sat.log" > "$TMP/cut/sat.log"
broken "the last entry cut off" "$TMP/cut" "5 entries, but the signed head covers 6: entry 6"
# the chain rewritten with consistent hashes: another actor in every entry
cp -R "$TMP/sat" "$TMP/rw"
perl -e 'use Digest::SHA qw(sha256_hex); local $/; $_ = <>; my $prev = "0" x 64; my $out = "";
	for my $e (split /(?=^---$)/m, $_) { $e =~ s/^hash: .*\n//m; $e =~ s/^actor: .*$/actor: 11-22-33-44-55-66-77-88/m;
	$e =~ s/^prev: .*$/prev: '"'"'$prev'"'"'/m if $prev =~ /^0+$/; $e =~ s/^prev: [0-9a-f]{64}$/prev: $prev/m unless $prev =~ /^0+$/;
	my $h = sha256_hex($e); $out .= $e . "hash: $h\n"; $prev = $h } print $out' "$TMP/sat/sat.log" > "$TMP/rw/sat.log"
solr-countersign --verify-sat "$TMP/rw" > /dev/null 2>&1 || true
check "rewrite setup: the rewritten chain is consistent" sh -c "solr-sat verify '$TMP/rw' 2>&1 | grep -q 'chain was rewritten'"
broken "a chain rewritten with consistent hashes" "$TMP/rw" "hashes to .*, not to the signed head's"
# a head from another trail
trail "$TMP/other" "$R/srp-gas-cv5.xml"
cp -R "$TMP/sat" "$TMP/swap"
cp "$TMP/other/head" "$TMP/swap/head"
broken "a head from another trail" "$TMP/swap" "signed head"
# a head whose signature fails
cp -R "$TMP/sat" "$TMP/badsig"
sed -i 's/^entries: 6$/entries: 5/' "$TMP/badsig/head"
broken "a head changed after signing" "$TMP/badsig" "signature does not verify"
# a head signed by another key
cp -R "$TMP/sat" "$TMP/otherkey"
openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/k.pem" 2>/dev/null
openssl req -new -x509 -key "$TMP/k.pem" -subj /CN=x -days 1 -out "$TMP/otherkey/head.pem" 2>/dev/null
broken "the bundle's certificate replaced" "$TMP/otherkey" "signature does not verify"
# entries after the head
cp -R "$TMP/sat" "$TMP/extra"
awk '/^---$/ { n++ } n == 6' "$TMP/sat/sat.log" | sed 's/^n: 6$/n: 7/' >> "$TMP/extra/sat.log"
solr-sat verify "$TMP/extra" > /dev/null 2> "$TMP/e"
check "an entry appended after the head: broken" [ $? -eq 1 ]
# the head removed: verify says so, and the writer will not add to the
# trail (cutting it back to nothing would erase it)
cp -R "$TMP/sat" "$TMP/nohead"
rm "$TMP/nohead/head"
broken "the head removed" "$TMP/nohead" "no signed head"
n0=$(grep -c '^---$' "$TMP/nohead/sat.log")
trail "$TMP/nohead" "$R/srp-gas-cv5.xml"
check "... countersign refuses the trail, and says why" sh -c "solr-countersign -C '$w' --at $PIN --sat '$TMP/nohead' < /dev/null 2>&1 | grep -q 'entries and no signed head'"
check "... and keeps every entry" [ "$(grep -c '^---$' "$TMP/nohead/sat.log")" -eq "$n0" ]
# a new trail is signed empty before its first batch
solr-countersign -C "$w" --at $PIN --sat "$TMP/empty" < /dev/null > /dev/null
solr-sat verify "$TMP/empty" > "$TMP/v"
check "a new trail with no batch yet verifies" [ $? -eq 0 ]
check "... with a head of 0 entries" grep -q "^entries: 0$" "$TMP/v"
# entries a dead batch appended after the head are cut at the next open
cp -R "$TMP/sat" "$TMP/dead"
awk '/^---$/ { n++ } n == 6' "$TMP/sat/sat.log" | sed 's/^n: 6$/n: 7/' >> "$TMP/dead/sat.log"
solr-countersign -C "$w" --at $PIN --sat "$TMP/dead" < /dev/null > /dev/null 2> "$TMP/e"
check "a dead batch's unsigned entry: cut at the next open" sh -c "solr-sat verify '$TMP/dead' > /dev/null"
check "... and said" grep -q "cut 1 entry after the signed head" "$TMP/e"
# one object changed
cp -R "$TMP/sat" "$TMP/obj"
corrupt_object "$TMP/obj/objects"
broken "an object changed" "$TMP/obj" "not to its name"

# the auditor's question: what did SRP X send for failed supplier Y on
# day Z, and what happened to each (solr-sat(1))
solr-sat log --actor 00-DB-12-34-56-78-00-04 --originator 90-B3-D5-1F-30-01-00-00 \
	--since 2026-03-02T00:00:00Z --until 2026-03-03T00:00:00Z "$TMP/sat" > "$TMP/log"
check "log: the SRP's requests for the supplier that day, with their verdicts" \
	[ "$(grep -c '^verdict: ' "$TMP/log")" -eq 4 ]
check "... the rejected one says reject (its recorded verdict)" grep -q "^verdict: reject" "$TMP/log"
solr-sat log --json --verdict accept "$TMP/sat" > "$TMP/j"
check "log --json: one object a line, hex as strings" \
	[ "$(wc -l < "$TMP/j")" -eq 4 ] && grep -q '"message_code":"0x00DE"' "$TMP/j"
solr-sat log --actor 00-DB-12-34-56-78-00-04 "$TMP/cut" > /dev/null 2>&1
check "log on a broken trail: refused, exit 1" [ $? -eq 1 ]
# replay after a policy change names the file and the new reason
cp -R "$w" "$TMP/pw"
sed -i 's/DebtRecoveryRateCap: {eq: 0}/DebtRecoveryRateCap: {eq: 1}/' "$TMP/pw/policy.yaml"
solr-sat replay -o "$TMP/replayed" "$TMP/sat" "$TMP/pw" > "$TMP/r"
check "replay after a policy change: exit 1" [ $? -eq 1 ]
check "... naming policy.yaml" grep -q "^world policy.yaml: sha256 [0-9a-f]* recorded, [0-9a-f]* now" "$TMP/r"
check "... and the new reason" grep -q "reason now: DebtRecoveryRateCap is 0; the profile requires eq 1" "$TMP/r"
check "-o keeps the replayed records" [ -s "$TMP/replayed/replayed.yaml" ]
mkdir -p "$TMP/a dir"; cp -R "$TMP/sat" "$TMP/a dir/s a t"; cp -R "$w" "$TMP/a dir/w o"
solr-sat replay "$TMP/a dir/s a t" "$TMP/a dir/w o" > "$TMP/r" 2>&1
check "replay with spaces in the paths" grep -q "^6 records replayed, 0 differ$" "$TMP/r"
