# The device inventory: import, list and remove as an operator runs them;
# what each refuses; two imports at once; an import that fails or dies
# half done, and the stages and the next import after it.
R=$BUILD/requests
CS=solr-countersign
fresh_world "$TMP/w"
w=$TMP/w
rm "$w/state/devices" "$w/state/devices.idx" "$w/state/devices.head"
$CS -C "$w" devices list > "$TMP/l0" 2> "$TMP/e0"
check "an inventory not made yet: nothing listed, exit 1, saying how to make it" \
	sh -c '[ "$0" -eq 1 ] && [ ! -s "$1" ] && grep -q "state/devices: no device inventory: make one with solr-countersign devices import --all" "$2"' "$?" "$TMP/l0" "$TMP/e0"
$CS -C "$w" devices import --all > "$TMP/i1"
check "import --all: both devices of pki/device" sh -c '[ "$0" -eq 0 ] && grep -qx "2 imported, 0 unchanged, 0 refused" "$1"' "$?" "$TMP/i1"
$CS -C "$w" devices import --all > "$TMP/i2"
check "... again: nothing changed, nothing added" sh -c '[ "$0" -eq 0 ] && grep -qx "0 imported, 2 unchanged, 0 refused" "$1" && [ "$(stat -c %s "$2")" -eq 1024 ]' "$?" "$TMP/i2" "$w/state/devices"
$CS -C "$w" devices list > "$TMP/l1"
check "list: EUI, type, fuel, certificates, entry" sh -c 'grep -qx "00-DB-12-34-56-78-90-A0 ESME electricity ka,ds entry 0" "$0" && grep -qx "00-DB-12-34-56-78-90-A1 GSME gas ka,ds entry 1" "$0"' "$TMP/l1"
$CS -C "$w" --json devices list 00DB1234567890A1 > "$TMP/j1"
check "list --json of one device: its certificates' SHA-256" sh -c '[ "$(wc -l < "$0")" -eq 1 ] && jq -e "select(.device == \"00-DB-12-34-56-78-90-A1\" and .fuel == \"gas\" and (.ka_sha256 | length) == 64)" "$0" > /dev/null' "$TMP/j1"
want=$(openssl x509 -in "$w/pki/device/00DB1234567890A1.ka.pem" -outform DER | sha256sum | cut -c1-64)
same "... the SHA-256 of the certificate, as openssl makes it" "$(jq -r .ka_sha256 "$TMP/j1")" "$want"
$CS -C "$w" devices list 00-DB-12-34-56-78-90-FF > "$TMP/l2" 2> "$TMP/e2"
check "list of a device not held: exit 1, naming it" \
	sh -c '[ $0 -eq 1 ] && grep -q "00-DB-12-34-56-78-90-FF is not in the device inventory" "$1"' $? "$TMP/e2"
# SMETS1 devices from lines on stdin: type and fuel, no certificate
printf '00DB123800000001 ESME\n00-DB-12-38-00-00-00-02 GSME\n\n00DB123800000003 esme\nnot-an-eui ESME\n' |
	$CS -C "$w" devices import > "$TMP/i3" 2> "$TMP/e3"
check "lines of 'eui type': two taken, two refused, exit 1" sh -c '[ "$0" -eq 1 ] && grep -qx "2 imported, 0 unchanged, 2 refused" "$1"' "$?" "$TMP/i3"
check "... each refusal names the line" sh -c 'grep -q "(stdin):4: not .eui \[type\]." "$0" && grep -q "(stdin):5: not .eui \[type\]." "$0"' "$TMP/e3"
$CS -C "$w" devices list > "$TMP/l3"
check "... a SMETS1 device listed with its type and fuel, no certificate" grep -qx "00-DB-12-38-00-00-00-02 GSME gas - entry 3" "$TMP/l3"
echo 00DB123800000009 | $CS -C "$w" devices import > /dev/null 2> "$TMP/e4"
check "a device with no type given and no .type file: refused, naming the file" sh -c '[ "$0" -eq 1 ] && grep -q "pki/device/00DB123800000009.type.*missing" "$1"' "$?" "$TMP/e4"
# a certificate with no .type: --all refuses it, once
cp "$w/pki/device/00DB1234567890A0.ka.pem" "$w/pki/device/00DB1234567890B0.ka.pem"
cp "$w/pki/device/00DB1234567890A0.ds.pem" "$w/pki/device/00DB1234567890B0.ds.pem"
$CS -C "$w" devices import --all > "$TMP/i5" 2> "$TMP/e5"
check "--all: certificates without a .type refused once, the rest unchanged" sh -c '[ "$0" -eq 1 ] && grep -qx "0 imported, 2 unchanged, 1 refused" "$1" && [ "$(grep -c 00DB1234567890B0 "$2")" -eq 1 ]' "$?" "$TMP/i5" "$TMP/e5"
echo ESME > "$w/pki/device/00DB1234567890B0.type"
$CS -C "$w" devices import 00DB1234567890B0 > "$TMP/i6" 2> "$TMP/e6"
check "... with a .type: A0's certificates for B0 refused by their hardwareModuleName" sh -c '[ "$0" -eq 1 ] && grep -q "00DB1234567890B0.ka.pem: the certificate.s hardwareModuleName is not the device 00DB1234567890B0" "$1"' "$?" "$TMP/e6"
rm "$w"/pki/device/00DB1234567890B0.*
# what a .type file holds, and a certificate file that is none
printf 'esme\n' > "$w/pki/device/00DB123800000010.type"
: > "$w/pki/device/00DB123800000011.type"
printf 'ELECTRICITYMETER\n' > "$w/pki/device/00DB123800000012.type"
$CS -C "$w" devices import 00DB123800000010 00DB123800000011 00DB123800000012 > "$TMP/i6b" 2> "$TMP/e6b"
check "a .type that is no type: refused, naming the file and the rule" sh -c '[ "$0" -eq 1 ] && grep -qx "0 imported, 0 unchanged, 3 refused" "$1" && grep -q "device type .esme.: a type is 1 to [0-9]* of A-Z and 0-9" "$2" && grep -q "00DB123800000011.type: not a device type" "$2" && grep -q "00DB123800000012.type: not a device type" "$2"' "$?" "$TMP/i6b" "$TMP/e6b"
rm "$w"/pki/device/00DB12380000001*
echo ESME > "$w/pki/device/00DB1234567890B1.type"
echo 'not a certificate' > "$w/pki/device/00DB1234567890B1.ka.pem"
cp "$w/pki/device/00DB1234567890A0.ds.pem" "$w/pki/device/00DB1234567890B1.ds.pem"
$CS -C "$w" devices import 00DB1234567890B1 > /dev/null 2> "$TMP/e6c"
check "a device certificate file that holds no PEM certificate: refused, naming it" sh -c '[ "$0" -eq 1 ] && grep -q "00DB1234567890B1.ka.pem: not a PEM certificate" "$1"' "$?" "$TMP/e6c"
rm "$w"/pki/device/00DB1234567890B1.*
# a certificate of the wrong use, one that does not chain
cp "$w/pki/device/00DB1234567890A0.ds.pem" "$TMP/ds.pem"
cp "$w/pki/device/00DB1234567890A0.ka.pem" "$w/pki/device/00DB1234567890A0.ds.pem"
$CS -C "$w" devices import 00DB1234567890A0 > /dev/null 2> "$TMP/e7"
check "a key-agreement certificate as .ds.pem: refused for its key usage" sh -c '[ "$0" -eq 1 ] && grep -q "ds.pem: the certificate lacks the digitalSignature key usage" "$1"' "$?" "$TMP/e7"
cp "$TMP/ds.pem" "$w/pki/device/00DB1234567890A0.ds.pem"
# a certificate right in every field but its issuer: made here with the
# openssl command line, self-signed
cat > "$TMP/self.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = self
[ext]
keyUsage = critical,keyAgreement
subjectAltName = critical,otherName:1.3.6.1.5.5.7.8.4;SEQUENCE:hmn
[hmn]
hw_type = OID:1.2.826.0.1.8641679.1.2.2.1
hw_serial = FORMAT:HEX,OCTETSTRING:00DB1234567890A1
CNF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/self.key" \
	-config "$TMP/self.cnf" -extensions ext -days 1 -out "$TMP/self.pem" 2>/dev/null
cp "$TMP/self.pem" "$w/pki/device/00DB1234567890A1.ka.pem"
$CS -C "$w" devices import 00DB1234567890A1 > /dev/null 2> "$TMP/e8"
check "a device certificate that does not chain to pki/trust: refused, naming the file and why" \
	sh -c '[ "$0" -eq 1 ] && grep -q "00DB1234567890A1.ka.pem: it does not chain to pki/trust" "$1"' "$?" "$TMP/e8"
# removal
fresh_world "$TMP/w"
$CS -C "$w" devices remove 00-DB-12-34-56-78-90-A1 00DB1234567890FF > "$TMP/r1" 2> "$TMP/e9"
check "remove: one removed, one not held (exit 1, named)" sh -c '[ "$0" -eq 1 ] && grep -qx "1 removed, 1 not in the inventory" "$1" && grep -q "00-DB-12-34-56-78-90-FF is not in the device inventory" "$2"' "$?" "$TMP/r1" "$TMP/e9"
$CS -C "$w" devices list > "$TMP/l4"
check "... list leaves it out" sh -c '! grep -q A1 "$0" && grep -q A0 "$0"' "$TMP/l4"
$CS -C "$w" devices list --all > "$TMP/l5"
check "... list --all shows the removal" grep -q "^00-DB-12-34-56-78-90-A1 removed .* entry 2$" "$TMP/l5"
$CS -C "$w" devices import 00DB1234567890A1 > "$TMP/i9"
check "... imported again: held again" sh -c 'grep -qx "1 imported, 0 unchanged, 0 refused" "$0" && solr-countersign -C "$1" devices list 00DB1234567890A1 > /dev/null' "$TMP/i9" "$w"
# usage
$CS -C "$w" devices > /dev/null 2>&1
check "devices with no subcommand: usage, exit 2" [ $? -eq 2 ]
$CS -C "$w" devices frob > /dev/null 2>&1
check "an unknown subcommand: exit 2" [ $? -eq 2 ]
$CS -C "$w" devices remove --all > /dev/null 2>&1
check "remove --all: exit 2" [ $? -eq 2 ]
$CS -C "$w" --sat "$TMP/sat" devices list > /dev/null 2>&1
check "devices with a stage option: exit 2" [ $? -eq 2 ]
$CS -C "$w" devices import 12345 > /dev/null 2>&1
check "an EUI that is not one: exit 2" [ $? -eq 2 ]
# two imports at once, each of its own devices: both land, the log whole
fresh_world "$TMP/w"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "00DB1239%08X ESME\n", i }' > "$TMP/a"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "00DB123A%08X GSME\n", i }' > "$TMP/b"
$CS -C "$w" devices import < "$TMP/a" > "$TMP/ia" & pa=$!
$CS -C "$w" devices import < "$TMP/b" > "$TMP/ib"; rb=$?
wait $pa; ra=$?
check "two imports at once: both take all their devices" sh -c '[ "$0" -eq 0 ] && [ "$1" -eq 0 ] && grep -qx "3000 imported, 0 unchanged, 0 refused" "$2" && grep -qx "3000 imported, 0 unchanged, 0 refused" "$3"' "$ra" "$rb" "$TMP/ia" "$TMP/ib"
$CS -C "$w" devices list > "$TMP/l6"
check "... and the inventory holds 6,002 devices, every link checked" sh -c '[ $? -eq 0 ] && [ "$(wc -l < "$0")" -eq 6002 ]' "$TMP/l6"
# the stages beside an import: each lookup sees the inventory before or
# after it (the index is swapped whole, under the log's lock), so every
# request is decided as it would be without the import
fresh_world "$TMP/w"
sh scripts/mk-requests --count 300 "$w" "$TMP/batch" > /dev/null 2>&1
ls "$TMP/batch"/*.xml | solr-verify-sig -C "$w" --at $PIN --files-from - |
	solr-failed-suppliers -C "$w" check | solr-gbcs-parse -C "$w" |
	solr-adt-check -C "$w" > "$TMP/held"
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "00DB123C%08X ESME\n", i }' > "$TMP/big"
$CS -C "$w" devices import < "$TMP/big" > "$TMP/ibig" & pi=$!
solr-countersign -C "$w" --at $PIN --sat "$TMP/bsat" < "$TMP/held" > "$TMP/o" 2> "$TMP/e"; rc=$?
wait $pi; ri=$?
check "countersign beside an import of 30,000 devices: both finish, nothing on stderr" \
	sh -c '[ "$0" -eq 1 ] && [ "$1" -eq 0 ] && [ ! -s "$2" ]' "$rc" "$ri" "$TMP/e"
check "... every request decided as without the import: 270 accepted, 30 quarantined at adt-check, none E19 or E11" \
	sh -c '[ $(grep -c "^verdict: accept$" "$0") -eq 270 ] && [ $(grep -c "^code: AD1$" "$0") -eq 30 ] && ! grep -q "^code: E1[19]$" "$0"' "$TMP/o"
solr-sat verify -C "$w" "$TMP/bsat" > /dev/null 2> "$TMP/e"
check "... and the trail, whose entries record the inventory growing under them, verifies" \
	sh -c '[ "$0" -eq 0 ] && [ $(grep -c "^  inventory: {entries: [0-9]*," "$1") -eq 300 ]' "$?" "$TMP/bsat/sat.log"
if [ ! -f "$FAULTS" ]; then
	skip "an import that fails half done" "build/faults.so is not built (make check builds it)"
else
	fresh_world "$TMP/w"
	cp "$w/state/devices" "$TMP/log0"
	# the log's sync fails: nothing of the import stays
	echo "00DB123B00000001 ESME" | env LD_PRELOAD="$preload" FAULT_FSYNC=state/devices \
		$CS -C "$w" devices import > /dev/null 2> "$TMP/f1"
	check "an import whose log cannot be synced: exit 2, the log as it was" \
		sh -c '[ "$0" -eq 2 ] && cmp -s "$1" "$2"' "$?" "$TMP/log0" "$w/state/devices"
	# the index cannot be written: the log has the entry, the index not
	echo "00DB123B00000001 ESME" | env LD_PRELOAD="$preload" FAULT_RENAME=devices.idx \
		$CS -C "$w" devices import > /dev/null 2> "$TMP/f2"
	check "an import whose index cannot be written: exit 2" [ $? -eq 2 ]
	solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$w" check |
		solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" > "$TMP/held"
	solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o" 2> "$TMP/f3"
	check "... the stage after it refuses the inventory: exit 2, nothing made, saying what to run" \
		sh -c '[ "$0" -eq 2 ] && grep -q "an import that did not end.*devices import" "$1" && ! grep -Eq "^  command: [0-9a-f]" "$2"' "$?" "$TMP/f3" "$TMP/o"
	$CS -C "$w" devices import < /dev/null > "$TMP/i10"
	check "... the next import makes the index again" [ $? -eq 0 ]
	$CS -C "$w" devices list 00DB123B00000001 > /dev/null
	check "... and the entry the log kept is held" [ $? -eq 0 ]
	solr-countersign -C "$w" --at $PIN < "$TMP/held" > "$TMP/o2" 2>/dev/null
	check "... and the held request is decided: accepted with its Command" \
		sh -c '[ "$0" -eq 0 ] && grep -Eq "^  command: [0-9a-f]" "$1"' "$?" "$TMP/o2"
fi
# an import killed half way: its torn entry is cut by the next one
fresh_world "$TMP/w"
head -c 200 /dev/urandom >> "$w/state/devices"
$CS -C "$w" devices import --all > "$TMP/i11" 2> "$TMP/e11"
check "a torn last entry: cut by the next import, with a warning" sh -c '[ "$0" -eq 0 ] && grep -q "cut a torn last entry of 200 bytes" "$1" && [ $(($(stat -c %s "$2") % 512)) -eq 0 ]' "$?" "$TMP/e11" "$w/state/devices"
$CS -C "$w" devices list > "$TMP/l11"
check "... and the inventory after it is whole" sh -c '[ "$0" -eq 0 ] && [ "$(wc -l < "$1")" -eq 2 ]' "$?" "$TMP/l11"
# a forger without records.key: an entry changed is refused everywhere
fresh_world "$TMP/w"
printf 'G' | dd of="$w/state/devices" bs=1 seek=32 conv=notrunc 2>/dev/null
$CS -C "$w" devices list > /dev/null 2> "$TMP/e12"
check "an entry's type changed by hand: list refuses the inventory, exit 2" sh -c '[ "$0" -eq 2 ] && grep -q "entry 0: its MAC does not hold" "$1"' "$?" "$TMP/e12"
$CS -C "$w" devices import --all > /dev/null 2>&1
check "... and so does import (nothing is added to a log that is not whole)" [ $? -eq 2 ]
# checked at use, not at import: a device certificate revoked by the
# Device CA, and the Device CA revoked by the root.  The CRLs are made
# here with the openssl command line.
crl() {	# crl CA-KEY CA-CERT OUT [SERIAL REVOKED-AT]...
	ck=$1 cc=$2 out=$3
	shift 3
	: > "$TMP/index.txt"
	while [ $# -ge 2 ]; do
		printf 'R\t351231235959Z\t%s,keyCompromise\t%s\tunknown\t/CN=x\n' "$2" "$1" >> "$TMP/index.txt"
		shift 2
	done
	printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\ndefault_crl_days = 3650\n' \
		"$TMP/index.txt" "$TMP/crlnumber" > "$TMP/crl.cnf"
	echo 01 > "$TMP/crlnumber"
	openssl ca -gencrl -config "$TMP/crl.cnf" -keyfile "$ck" -cert "$cc" -out "$out" 2>/dev/null
}
decide() {	# decide WORLD: srp-elec-cv5.xml (to 00DB1234567890A0) through the flow
	solr-verify-sig -C "$1" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$1" check |
		solr-gbcs-parse -C "$1" | solr-adt-check -C "$1" | solr-countersign -C "$1" --at $PIN
}
# (a world of its own for each: a request decided is not decided again)
fresh_world "$TMP/w"
ka=$(openssl x509 -in "$w/pki/device/00DB1234567890A0.ka.pem" -noout -serial | cut -d= -f2)
crl "$w/test-keys/device-ca.key" "$w/pki/trust/device-ca.pem" "$w/pki/crl/device-ca.pem" "$ka" 260303000000Z
decide "$w" > "$TMP/v1" 2>/dev/null
check "a device's key-agreement certificate revoked after the request's time: accepted" \
	sh -c '[ "$0" -eq 0 ] && grep -q "^verdict: accept$" "$1"' "$?" "$TMP/v1"
fresh_world "$TMP/w"
crl "$w/test-keys/device-ca.key" "$w/pki/trust/device-ca.pem" "$w/pki/crl/device-ca.pem" "$ka" 260301000000Z
decide "$w" > "$TMP/v2" 2>/dev/null
check "... revoked before it: rejected, nothing made, saying when" \
	sh -c '[ "$0" -eq 1 ] && grep -q "^verdict: reject$" "$1" && grep -q "the ka certificate of device 00-DB-12-34-56-78-90-A0 was revoked at 2026-03-01T00:00:00Z" "$1" && ! grep -Eq "^  command: [0-9a-f]" "$1"' "$?" "$TMP/v2"
fresh_world "$TMP/w"
ca=$(openssl x509 -in "$w/pki/trust/device-ca.pem" -noout -serial | cut -d= -f2)
crl "$w/test-keys/root.key" "$w/pki/trust/root.pem" "$w/pki/crl/root.pem" "$ca" 260301000000Z
decide "$w" > "$TMP/v3" 2>/dev/null
check "the Device CA revoked by the root: its devices' keys refused at use, though imported" \
	sh -c '[ "$0" -eq 1 ] && grep -q "the ka certificate of device 00-DB-12-34-56-78-90-A0: its issuing CA is revoked" "$1" && ! grep -Eq "^  command: [0-9a-f]" "$1"' "$?" "$TMP/v3"
# the trail records the inventory each request was decided with: one
# rolled back, or replaced by another of as many entries, decides
# nothing after it (solr-sat verify's own check of the entries is in
# check_sat.c)
fresh_world "$TMP/w"
cp "$w/state/devices" "$w/state/devices.idx" "$w/state/devices.head" "$TMP/"
echo "00DB123800000001 ESME" | $CS -C "$w" devices import > /dev/null
flow() {	# flow FILE: the file through the flow, with the trail
	solr-verify-sig -C "$w" --at $PIN "$1" | solr-failed-suppliers -C "$w" check |
		solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" |
		solr-countersign -C "$w" --at $PIN --sat "$TMP/sat"
}
rm -rf "$TMP/sat"
flow "$R/srp-elec-cv5.xml" > "$TMP/t1"
check "a decision's entry records the inventory it was made with" \
	grep -q "^  inventory: {entries: 3, head: [0-9a-f]\{64\}}$" "$TMP/sat/sat.log"
mkdir -p "$TMP/now"
cp "$w/state/devices" "$w/state/devices.idx" "$w/state/devices.head" "$TMP/now/"
# the log and its index put back: the inventory's own record of its last
# change finds it, with or without a trail
cp "$TMP/devices" "$TMP/devices.idx" "$w/state/"
flow "$R/srp-gas-cv5.xml" > "$TMP/t2" 2> "$TMP/e2"
check "the inventory's log and index put back: exit 2, nothing decided, naming both counts" \
	sh -c '[ "$0" -eq 2 ] && [ ! -s "$1" ] && grep -q "state/devices.head: the inventory holds 2 entries, where its last change left 3: it was put back to an older copy" "$2"' "$?" "$TMP/t2" "$TMP/e2"
echo "00DB1234567890A0 ESME" | $CS -C "$w" devices import > /dev/null 2> "$TMP/e2b"
check "... and an import refuses to add to it" sh -c '[ "$0" -eq 2 ] && grep -q "put back to an older copy" "$1"' "$?" "$TMP/e2b"
sed -i 's/^entries: .*/entries: 2/' "$w/state/devices.head"
flow "$R/srp-gas-cv5.xml" > "$TMP/t2" 2> "$TMP/e2"
check "... its record changed to match, without the key: refused" \
	sh -c '[ "$0" -eq 2 ] && grep -q "state/devices.head: not a record this world wrote" "$1"' "$?" "$TMP/e2"
rm "$w/state/devices.head"
flow "$R/srp-gas-cv5.xml" > "$TMP/t2" 2> "$TMP/e2"
check "... or removed: refused" \
	sh -c '[ "$0" -eq 2 ] && grep -q "state/devices.head: gone, while the inventory holds 2 entries" "$1"' "$?" "$TMP/e2"
# the log, its index and its record put back together: the trail finds it
cp "$TMP/devices.head" "$w/state/"
flow "$R/srp-gas-cv5.xml" > "$TMP/t2" 2> "$TMP/e2"
check "the inventory put back whole, its record too: exit 2, nothing decided, naming both counts" \
	sh -c '[ "$0" -eq 2 ] && [ ! -s "$1" ] && grep -q "state/devices: 2 entries, where 3 were recorded by the trail.s last entry (1): the device inventory was rolled back or replaced since" "$2"' "$?" "$TMP/t2" "$TMP/e2"
echo "00DB123800000002 GSME" | $CS -C "$w" devices import > /dev/null
flow "$R/srp-gas-cv5.xml" > "$TMP/t3" 2> "$TMP/e3"
check "... then grown to as many entries by another import: still refused (its last entry is not the one recorded)" \
	sh -c '[ "$0" -eq 2 ] && grep -q "entry 2 is not the one recorded" "$1"' "$?" "$TMP/e3"
cp "$TMP/now/devices" "$TMP/now/devices.idx" "$TMP/now/devices.head" "$w/state/"
flow "$R/srp-gas-cv5.xml" > "$TMP/t4" 2> "$TMP/e4"
check "... restored: the next request is decided" sh -c '[ "$0" -eq 0 ] && grep -q "^verdict: accept$" "$1"' "$?" "$TMP/t4"
solr-sat verify -C "$w" "$TMP/sat" > /dev/null
check "... and the trail verifies" [ $? -eq 0 ]
# a replay names the inventory a decision was made with when it changed
cp -R "$w" "$TMP/w3"
$CS -C "$TMP/w3" devices remove 00DB1234567890A1 > /dev/null
solr-sat replay "$TMP/sat" "$TMP/w3" > "$TMP/rp" 2>&1
check "replay after a device was removed: the inventory named as the world input that changed, exit 1" \
	sh -c '[ "$0" -eq 1 ] && grep -q "^world state/devices: entries: 3 (last entry.s MAC [0-9a-f]\{16\}...) recorded, 4 (last entry.s MAC [0-9a-f]\{16\}...) now$" "$1"' "$?" "$TMP/rp"
check "... and as why the gas request is decided otherwise (E19)" \
	sh -c 'grep -q "now reject E19 (differs at: countersign)" "$0" && grep -q "^  because: state/devices: entries: 3" "$0"' "$TMP/rp"
solr-sat replay "$TMP/sat" "$w" > "$TMP/rp2" 2>&1
check "... and against the world as it is, nothing differs" \
	sh -c '[ "$0" -eq 0 ] && grep -q "0 differ; 0 world inputs changed" "$1"' "$?" "$TMP/rp2"
