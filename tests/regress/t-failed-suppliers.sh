# solr-failed-suppliers: validate, apply, show, check.
W=$(own_world) R=$BUILD/requests
FS=solr-failed-suppliers
fw() { fresh_world "$TMP/fw"; }
fw
# the list mk-world made, as the next version: no finding once the
# certificates are revoked
sed 's/^version: 1$/version: 2/' "$W/failed-suppliers.yaml" > "$TMP/v2.yaml"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > "$TMP/f1"
check "validate: a good list exits 0" [ $? -eq 0 ]
check "... with no finding" [ ! -s "$TMP/f1" ]
$FS -C "$TMP/fw" --at 2026-02-01T00:00:00Z validate "$TMP/v2.yaml" > "$TMP/f2"
check "validate: before the revocation, active-certificates" \
	grep -q "^$TMP/v2.yaml:3: active-certificates: 90-B3-D5-1F-30-01-00-00 has supplier certificates valid and unrevoked" "$TMP/f2"
# the installed list again: its version is not above the installed one
$FS -C "$TMP/fw" --at $PIN validate "$W/failed-suppliers.yaml" > "$TMP/f1b"
check "validate: the installed version again, exit 1" [ $? -eq 1 ]
check "... version-not-newer, on the version's line" grep -q \
	"^$W/failed-suppliers.yaml:1: version-not-newer: version 1 is not above the installed version 1" "$TMP/f1b"

# every warning
cat > "$TMP/up.yaml" <<'YAML'
version: 7
suppliers:
  - {id: 90-b3-d5-1f-30-01-00-00, name: example  ENERGY ltd, srp: 00-DB-12-34-56-78-00-04}
  - {id: 90-B3-D5-1F-30-03-00-00, name: Steady Power, srp: 00-DB-12-34-56-78-00-06}
  - {id: 00-DB-12-34-56-78-00-05, name: Backup Resource Ltd, srp: 90-B3-D5-1F-30-03-00-00}
  - {id: 11-22-33-44-55-66-77-88, name: Nobody}
YAML
$FS -C "$TMP/fw" --at $PIN validate "$TMP/up.yaml" > "$TMP/f3"
check "validate: warnings exit 1" [ $? -eq 1 ]
for want in "4: name-mismatch: 90-B3-D5-1F-30-03-00-00 is 'Steady Power' in the list but 'Steady Power plc'" \
	"4: not-suspended: 90-B3-D5-1F-30-03-00-00" "4: active-certificates: 90-B3-D5-1F-30-03-00-00" \
	"4: srp-not-registered: the SRP 00-DB-12-34-56-78-00-06" "5: not-a-supplier: 00-DB-12-34-56-78-00-05" \
	"5: srp-not-solr: the SRP 90-B3-D5-1F-30-03-00-00" "6: not-registered: 11-22-33-44-55-66-77-88"; do
	check "validate finding ${want%%:*}: $(echo "$want" | cut -d: -f2)" grep -qF "$TMP/up.yaml:$want" "$TMP/f3"
done
check "validate: names match case- and space-folded (no finding on line 3)" \
	[ "$(grep -c "up.yaml:3:" "$TMP/f3")" -eq 0 ]
check "validate: a supplier the upload drops is a finding" grep -qF \
	"$TMP/up.yaml:2: removed: 90-B3-D5-1F-30-04-00-00 (Gone Gas Ltd) is on the installed list (version 1) but not on this one" "$TMP/f3"
check "validate: a supplier it adds is a note" grep -qF \
	"$TMP/up.yaml:4: note: 90-B3-D5-1F-30-03-00-00 (Steady Power) is added to the list" "$TMP/f3"
sed 's/\(00-DB-12-34-56-78-00-04.*status: \)active/\1suspended/' "$W/registry.yaml" > "$TMP/fw/registry.yaml"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > "$TMP/f4"
check "validate finding srp-suspended" grep -q ":3: srp-suspended: the SRP 00-DB-12-34-56-78-00-04" "$TMP/f4"
cp "$W/registry.yaml" "$TMP/fw/registry.yaml"

# schema errors: exit 2, file, line, field, rule
n=0
for bad in "suppliers: []|version: the list has no version" \
	"version: 0\nsuppliers: []|version: must be a whole number" \
	"version: 1\nsuppliers:\n  - {id: 90B3D51F30010000, name: x}|suppliers[].id: must be an EUI-64" \
	"version: 1\nsuppliers:\n  - {id: 90-B3-D5-1F-30-01-00-00}|suppliers[].name: every supplier needs a name" \
	"version: 1\nsuppliers:\n  - {id: 90-B3-D5-1F-30-01-00-00, name: x}\n  - {id: 90-b3-d5-1f-30-01-00-00, name: y}|listed twice (first at line 3)" \
	"version: 1\nsuppliers:\n  - {id: 90-B3-D5-1F-30-01-00-00, name: x, srp: yes}|suppliers[].srp: must be an EUI-64" \
	"version: 1\nsuppliers:\n  - {id: 90-B3-D5-1F-30-01-00-00, name: x, mpid: EXMP}|mpid: unknown key" \
	"version: 1\nextra: 1\nsuppliers: []|extra: unknown key"; do
	n=$((n + 1))
	printf "${bad%%|*}\n" > "$TMP/bad$n.yaml"
	$FS -C "$TMP/fw" validate "$TMP/bad$n.yaml" > /dev/null 2>"$TMP/e"
	rc=$?
	if [ $rc -eq 2 ] && grep -qF "bad$n.yaml:" "$TMP/e" && grep -qF -- "${bad#*|}" "$TMP/e"; then
		ok "schema error: ${bad#*|}"
	else
		not_ok "schema error: ${bad#*|}" "rc $rc: $(cat "$TMP/e")"
	fi
done

# apply: refused until every finding is accepted; the list is untouched
cp "$TMP/fw/failed-suppliers.yaml" "$TMP/before"
$FS -C "$TMP/fw" apply "$TMP/up.yaml" --by alice --reason "two more failed" > "$TMP/a1" 2>"$TMP/e1"
check "apply: refused with findings, exit 1" [ $? -eq 1 ]
check "... naming each one not accepted" grep -q "(not accepted)$" "$TMP/a1"
same_files "... the list is unchanged" "$TMP/before" "$TMP/fw/failed-suppliers.yaml"
check "... no history" [ ! -e "$TMP/fw/state/failed-suppliers.history" ]
$FS -C "$TMP/fw" apply "$TMP/up.yaml" --by alice --reason x \
	--accept name-mismatch --accept not-suspended --accept active-certificates \
	--accept srp-not-registered --accept not-a-supplier --accept srp-not-solr --accept never-certified --accept removed \
	--accept not-registered:90-B3-D5-1F-30-03-00-00 > "$TMP/a2" 2>&1
check "apply: CODE:EUI accepts only that supplier's finding" grep -q "6: not-registered.*(not accepted)" "$TMP/a2"
day0=$(today)
$FS -C "$TMP/fw" apply "$TMP/up.yaml" --by "alice o'brien" --reason "two more failed" \
	--accept name-mismatch --accept not-suspended --accept active-certificates \
	--accept srp-not-registered --accept not-a-supplier --accept srp-not-solr --accept never-certified --accept removed \
	--accept not-registered:11-22-33-44-55-66-77-88 > "$TMP/a3"
check "apply: with every finding accepted, exit 0" [ $? -eq 0 ]
check "... version 1 becomes the upload's 7" grep -q "^applied version 7 " "$TMP/a3"
check "... the list carries version 7" grep -q "^version: 7$" "$TMP/fw/failed-suppliers.yaml"
check "... and 4 suppliers" [ "$(grep -c '^  - {id:' "$TMP/fw/failed-suppliers.yaml")" -eq 4 ]
H=$TMP/fw/state/failed-suppliers.history
check "... history: who" grep -q "^by: 'alice o''brien'$" "$H"
check "... history: why" grep -q "^reason: 'two more failed'$" "$H"
check "... history: when, at the real time" grep -Eq "^at: $(days "$day0")T[0-9:]*Z$" "$H"
check "... history: the overridden findings" grep -q "{code: not-registered, supplier: 11-22-33-44-55-66-77-88}" "$H"
old=$(sha256sum < "$TMP/before" | cut -c1-64) new=$(sha256sum < "$TMP/fw/failed-suppliers.yaml" | cut -c1-64)
check "... history: SHA-256 of old and new" grep -q "^sha256: {old: $old, new: $new}$" "$H"
$FS -C "$TMP/fw" show > "$TMP/s1"
check "show: the list" grep -q "^Failed Suppliers list: version 7, sha256 $new, 4 suppliers" "$TMP/s1"
check "show: the history" grep -q "version 1 -> 7  by alice o'brien: two more failed" "$TMP/s1"
$FS -C "$TMP/fw" --json show > "$TMP/s1j"
check "show --json: the list as one object" [ "$(head -1 "$TMP/s1j" | jq -c '[.version, (.suppliers | length), .suppliers[0].id]')" = '[7,4,"90-B3-D5-1F-30-01-00-00"]' ]
check "show --json: then a history entry a line" [ "$(sed -n 2p "$TMP/s1j" | jq -r '.entry.by')" = "alice o'brien" ]
# the re-validated list is what the pipeline now uses
$FS -C "$TMP/fw" apply "$W/failed-suppliers.yaml" --by bob --reason back > "$TMP/a4" 2>/dev/null
check "apply an older version: refused (version-not-newer, removed)" [ $? -eq 1 ]
check "... the finding does not say it was accepted when it was not" \
	sh -c 'grep -q "version-not-newer: .*; if it is accepted, it is installed as version 8 (not accepted)$" "$0" && ! grep -q "; accepted, it is installed" "$0"' "$TMP/a4"
$FS -C "$TMP/fw" apply "$W/failed-suppliers.yaml" --by bob --reason back \
	--accept version-not-newer --accept removed > /dev/null
check "apply again, accepting it: version 8" grep -q "^version: 8$" "$TMP/fw/failed-suppliers.yaml"
check "the history is appended, never rewritten" [ "$(grep -c '^---$' "$H")" -eq 2 ]
$FS -C "$TMP/fw" show > "$TMP/s3"
check "show: a finding about the list itself names no supplier, and no EUI that does not exist" \
	sh -c 'grep -q "^      overridden: version-not-newer$" "$0" && ! grep -q "00-00-00-00-00-00-00-00" "$0"' "$TMP/s3"
# a change made behind apply's back is recorded by the next apply
printf '%s\n' "# edited by hand" >> "$TMP/fw/failed-suppliers.yaml"
$FS -C "$TMP/fw" show > "$TMP/s2" 2> "$TMP/e2"
check "show: a list changed without apply is reported, exit 1" \
	sh -c '[ $0 -eq 1 ] && grep -q "changed without apply" "$1"' $? "$TMP/e2"
$FS -C "$TMP/fw" apply "$W/failed-suppliers.yaml" --by bob --reason again --accept version-not-newer > /dev/null
check "... and recorded by the next apply" grep -q "^event: unrecorded-change$" "$H"
$FS -C "$TMP/fw" apply "$W/failed-suppliers.yaml" --reason x > /dev/null 2>"$TMP/e"
check "apply without --by is a usage error" [ $? -eq 2 ]
check "... that says --by is missing" grep -q "apply needs --by NAME" "$TMP/e"
$FS -C "$TMP/fw" apply "$W/failed-suppliers.yaml" --by x > /dev/null 2>"$TMP/e"
check "apply without --reason: exit 2, saying so" sh -c '[ $0 -eq 2 ] && grep -q "apply needs --reason TEXT" "$1"' $? "$TMP/e"
$FS -C "$TMP/fw" apply "$W/failed-suppliers.yaml" --by x --reason y --accept active-certificate > /dev/null 2>"$TMP/e"
check "--accept with an unknown code: exit 2" [ $? -eq 2 ]
check "... naming the known codes" grep -q "active-certificate: not a finding's code" "$TMP/e"
check "... all of them" grep -q "removed, version-not-newer" "$TMP/e"
$FS -C "$TMP/fw" aply "$W/failed-suppliers.yaml" > /dev/null 2>"$TMP/e"
check "an unknown command: exit 2, naming it" sh -c '[ $0 -eq 2 ] && grep -q "unknown command .aply." "$1"' $? "$TMP/e"

# the anti-malware check comes first: the EICAR test string is refused
# before anything parses it, and no --accept overrides it
fw
{ cat "$TMP/v2.yaml"; printf '# X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n'; } > "$TMP/eicar.yaml"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/eicar.yaml" > /dev/null 2>"$TMP/e"
check "validate: an upload the scanner refuses, exit 2" [ $? -eq 2 ]
check "... with the scanner's verdict, naming the upload" grep -q "refused by the anti-malware scanner (./scan-upload, exit status 1.*$TMP/eicar.yaml: .*FOUND" "$TMP/e"
$FS -C "$TMP/fw" apply "$TMP/eicar.yaml" --by x --reason y --accept active-certificates > /dev/null 2>&1
check "apply: refused too, nothing installed" sh -c '[ $0 -eq 2 ] && grep -q "^version: 1$" "$1"' $? "$TMP/fw/failed-suppliers.yaml"
# a stub scanner: its status decides, its words are reported
printf '#!/bin/sh\necho "stub: $2 looked at"\nexit 3\n' > "$TMP/fw/stub-scan"
chmod 755 "$TMP/fw/stub-scan"
sed -i 's|^upload_scanner: .*|upload_scanner: ./stub-scan --flag|' "$TMP/fw/policy.yaml"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
check "a stub scanner that exits 3 refuses a clean list" sh -c '[ $0 -eq 2 ] && grep -qF "(./stub-scan --flag, exit status 3): stub: $1 looked at" "$2"' $? "$TMP/v2.yaml" "$TMP/e"
printf '#!/bin/sh\n[ "$1" = --flag ] && [ -r "$2" ] && exit 0; exit 9\n' > "$TMP/fw/stub-scan"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
check "... one that exits 0 passes it on (it got a readable copy)" [ $? -eq 0 ]
# a scanner that does not finish: stopped at the policy's limit, refused
printf '#!/bin/sh\nsleep 30 & sleep 30\n' > "$TMP/fw/stub-scan"
printf 'upload_scanner_seconds: 1\n' >> "$TMP/fw/policy.yaml"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
rc=$?
check "a scanner that hangs: refused after upload_scanner_seconds, exit 2" \
	sh -c '[ $0 -eq 2 ] && grep -q "did not finish within 1 s (policy upload_scanner_seconds)" "$1"' $rc "$TMP/e"
# one that closes its output first, or leaves its process group: the
# limit holds all the same
for body in 'exec >/dev/null 2>&1; sleep 30' 'exec >&- 2>&-; sleep 30' \
	'setsid sleep 30 >/dev/null 2>&1 & exec >/dev/null 2>&1; sleep 30'; do
	printf '#!/bin/sh\n%s\n' "$body" > "$TMP/fw/stub-scan"
	$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
	check "a scanner that hangs ($body): refused, exit 2" \
		sh -c '[ $0 -eq 2 ] && grep -q "did not finish within 1 s" "$1"' $? "$TMP/e"
done
sed -i 's/^upload_scanner_seconds: 1$/upload_scanner_seconds: 0/' "$TMP/fw/policy.yaml"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
check "upload_scanner_seconds: 0 is refused, naming the field" \
	sh -c '[ $0 -eq 2 ] && grep -q "policy.yaml:[0-9]*: upload_scanner_seconds: must be at least 1" "$1"' $? "$TMP/e"
sed -i '/^upload_scanner_seconds:/d' "$TMP/fw/policy.yaml"
sed -i '/^upload_scanner:/d' "$TMP/fw/policy.yaml"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
check "a policy with no upload_scanner refuses every upload" sh -c '[ $0 -eq 2 ] && grep -q "names no upload_scanner" "$1"' $? "$TMP/e"
# a scanner named by a word PATH does not hold, or by a path with a quote
# (which the shell that runs it would read otherwise)
printf 'upload_scanner: solr-no-such-scanner --flag\n' >> "$TMP/fw/policy.yaml"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
check "a scanner on no directory of PATH: refused, exit 2, naming it" \
	sh -c '[ $0 -eq 2 ] && grep -q "upload_scanner: solr-no-such-scanner is on no directory of PATH" "$1"' $? "$TMP/e"
sed -i "s|^upload_scanner: .*|upload_scanner: ./stub\\'scan|" "$TMP/fw/policy.yaml"
$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
check "a scanner named with a quote: refused, exit 2, saying so" \
	sh -c '[ $0 -eq 2 ] && grep -q "its program must be a plain path or name, without quotes" "$1"' $? "$TMP/e"
mkdir "$TMP/q'bin"
cp "$TMP/fw/stub-scan" "$TMP/q'bin/solr-quoted-scan"
sed -i "s|^upload_scanner: .*|upload_scanner: solr-quoted-scan|" "$TMP/fw/policy.yaml"
PATH="$TMP/q'bin:$PATH" $FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
check "a scanner found in a directory whose name holds a quote: refused, exit 2, saying so" \
	sh -c '[ $0 -eq 2 ] && grep -q "a quote in its path" "$1"' $? "$TMP/e"
sed -i '/^upload_scanner:/d' "$TMP/fw/policy.yaml"
if command -v clamscan > /dev/null 2>&1; then
	fw
	sed -i 's|^upload_scanner: .*|upload_scanner: clamscan --no-summary|' "$TMP/fw/policy.yaml"
	$FS -C "$TMP/fw" --at $PIN validate "$TMP/eicar.yaml" > /dev/null 2>"$TMP/e"
	check "ClamAV: the EICAR test file is refused" sh -c '[ $0 -eq 2 ] && grep -q "FOUND" "$1"' $? "$TMP/e"
	$FS -C "$TMP/fw" --at $PIN validate "$TMP/v2.yaml" > /dev/null 2>"$TMP/e"
	check "ClamAV: a clean list passes" [ $? -eq 0 ]
else
	skip "ClamAV on the EICAR test file" "clamscan is not installed"
fi

# concurrent applies are serialised: both are in the history
fw
for i in 1 2 3 4; do
	$FS -C "$TMP/fw" apply "$W/failed-suppliers.yaml" --by "p$i" --reason parallel --accept version-not-newer > /dev/null &
done
wait
check "four concurrent applies: version 5" grep -q "^version: 5$" "$TMP/fw/failed-suppliers.yaml"
check "... four history entries, versions 2 to 5" \
	[ "$(sed -n 's/^version: {old: \([0-9]*\), new: \([0-9]*\)}$/\1-\2/p' "$TMP/fw/state/failed-suppliers.history" | sort | tr '\n' ' ')" = "1-2 2-3 3-4 4-5 " ]
# a kill at any moment leaves the old list or the new one
fw
cp "$TMP/fw/failed-suppliers.yaml" "$TMP/v1"
# killed at each of its writes, syncs and renames in the world, in turn,
# until one runs to its end
bad=0 i=0 killed=0
while [ $i -lt 40 ]; do
	cp "$TMP/fw/failed-suppliers.yaml" "$TMP/prev"
	kill_at "$TMP/fw/" $i $FS -C "$TMP/fw" apply "$TMP/up.yaml" --by k --reason kill \
		--accept name-mismatch --accept not-suspended --accept active-certificates \
		--accept srp-not-registered --accept not-a-supplier --accept srp-not-solr --accept never-certified --accept removed \
		--accept not-registered --accept removed --accept version-not-newer > /dev/null 2>&1 || break
	killed=$((killed + 1)) i=$((i + 1))
	cur=$TMP/fw/failed-suppliers.yaml
	if ! $FS -C "$TMP/fw" --at $PIN validate "$cur" > /dev/null 2>&1 && [ $? -eq 2 ]; then bad=$((bad + 1)); fi
	if ! cmp -s "$cur" "$TMP/prev" && [ "$(sed -n 's/^version: //p' "$cur")" -le "$(sed -n 's/^version: //p' "$TMP/prev")" ]; then
		bad=$((bad + 1))
	fi
done
check "apply killed at each of its $killed writes, syncs and renames: always the old list or the new one" \
	sh -c '[ $0 -ge 3 ] && [ $1 -eq 0 ]' "$killed" "$bad"
$FS -C "$TMP/fw" apply "$W/failed-suppliers.yaml" --by k --reason tidy --accept version-not-newer --accept removed > /dev/null
check "... and the next apply removes their temporary files" [ -z "$(ls "$TMP/fw" | grep '\.tmp')" ]

# check: the pipeline stage
fw
solr-verify-sig -C "$TMP/fw" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-for-healthy-cv5.xml" \
	"$R/srp2-elec-cv5.xml" "$R/healthy-elec-cv4.xml" 2>/dev/null > "$TMP/c0"
$FS -C "$TMP/fw" check < "$TMP/c0" > "$TMP/c1"
check "check: exit 1 when a record is rejected" [ $? -eq 1 ]
awk '/^---$/{r++} {print > ("'"$TMP"'/c." r)}' "$TMP/c1"
check "check: the SRP named for a listed supplier passes" grep -q "^  failed-suppliers: {result: pass, list_version: 1, list_sha256: [0-9a-f]\{64\}}" "$TMP/c.1"
check "check: a supplier not on the list: E65" grep -q "^reason: the Business Originator 90-B3-D5-1F-30-03-00-00 is not on the Failed Suppliers list (version 1)" "$TMP/c.2"
check "check: another SRP than the one named: E65" grep -q "names 00-DB-12-34-56-78-00-04 as the SRP of 90-B3-D5-1F-30-01-00-00, not the sender 00-DB-12-34-56-78-00-05" "$TMP/c.3"
check "check: other senders are skipped, with the list version" grep -q "^  failed-suppliers: {result: skipped, list_version: 1" "$TMP/c.4"
rm "$TMP/fw/failed-suppliers.yaml"
$FS -C "$TMP/fw" check < "$TMP/c0" > "$TMP/c2"
check "check: with no list applied, every SolrContingency request is refused" \
	[ "$(grep -c '^code: E65' "$TMP/c2")" -eq 3 ]
if have_vectors; then
	sh tests/mk-vworld "$VECTORS" "$TMP/fvw"
	solr-verify-sig -C "$TMP/fvw" --at $VPIN "$VECTORS/duis/attacks/a29-srp-for-healthy-supplier.xml" \
		"$VECTORS/duis/attacks/a00b-control-srp-signed.xml" | $FS -C "$TMP/fvw" check > "$TMP/c3"
	awk '/^---$/{r++} {print > ("'"$TMP"'/v." r)}' "$TMP/c3"
	check "A29 after solr-verify-sig: E65 at this stage" grep -q "^  failed-suppliers: {result: reject, code: E65" "$TMP/v.1"
	# R6 B/C: at the vectors' time the supplier's certificates are still
	# valid (the public PKI revokes nothing); once they have all expired,
	# the SRP may act for it
	check "A00b while the supplier's certificates are valid: E65" \
		grep -q "^reason: .*still holds a valid, unrevoked supplier-role certificate" "$TMP/v.2"
	solr-verify-sig -C "$TMP/fvw" --at 2026-02-01T00:00:00Z \
		"$VECTORS/duis/attacks/a00b-control-srp-signed.xml" | $FS -C "$TMP/fvw" check > "$TMP/c4"
	check "A00b after they expired: passes" grep -q "^  failed-suppliers: {result: pass" "$TMP/c4"
else
	skip "A29 and A00b" "$VECTORS is absent"
fi
