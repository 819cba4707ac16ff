# State put back without a key (solr-world(5), SECURITY): a trail's
# folder swapped for another trail of the same world, or removed, is
# found by the writer and by solr-sat verify -C, until an operator
# retires the world's record of it; the records of where trails live
# cannot be changed or removed by hand unseen.
R=$BUILD/requests
fresh_world "$TMP/w"
w=$TMP/w
trail() {	# trail DIR FILE...: the flow with a SAT in DIR; its exit status
	_d=$1; shift
	solr-verify-sig -C "$w" --at $PIN "$@" | solr-failed-suppliers -C "$w" check |
		solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" |
		solr-countersign -C "$w" --at $PIN --sat "$_d" > /dev/null 2> "$TMP/te"
}
verify_rc() { solr-sat verify -C "$w" "$1" > "$TMP/v" 2> "$TMP/ve"; echo $?; }
# trail A (one batch) elsewhere; trail B (three batches) in the folder
# the operator keeps
trail "$TMP/a" "$R/srp-elec-cv5.xml"
trail "$TMP/sat" "$R/srp-gas-cv5.xml"
trail "$TMP/sat" "$R/srp-elec-cv4.xml"
trail "$TMP/sat" "$R/srp-gas-cv4.xml"
check "setup: two trails of one world verify" \
	sh -c '[ "$(solr-sat verify -C "$0" "$1" | sed -n "s/^entries: //p")" -eq 1 ] && [ "$(solr-sat verify -C "$0" "$2" | sed -n "s/^entries: //p")" -eq 3 ]' "$w" "$TMP/a" "$TMP/sat"
idb=$(sed -n 's/^trail: //p' "$TMP/sat/head")
ida=$(sed -n 's/^trail: //p' "$TMP/a/head")
check "setup: the world records where each lives" \
	sh -c '[ -f "$0/state/sat-heads/$1.place" ] && [ -f "$0/state/sat-heads/$2.place" ]' "$w" "$ida" "$idb"
# the folder swapped for the older, different trail A
mv "$TMP/sat" "$TMP/sat-b"
cp -a "$TMP/a" "$TMP/sat"
rc=$(verify_rc "$TMP/sat")
check "a trail's folder holding another trail of the world: verify -C broken, exit 1" \
	sh -c '[ $0 -eq 1 ] && grep -q "this world wrote trail $1 here and signed a head of 3 entries for it .*; the folder now holds trail $2" "$3"' \
	"$rc" "$idb" "$ida" "$TMP/ve"
trail "$TMP/sat" "$R/srp2-elec-cv5.xml"
check "... and the next writer refuses to carry on there, exit 2, saying why" \
	sh -c '[ $0 -eq 2 ] && grep -q "this world wrote trail $1 here" "$2"' $? "$idb" "$TMP/te"
check "... adding nothing to the other trail" [ "$(grep -c '^---$' "$TMP/sat/sat.log")" -eq 1 ]
# the folder removed
rm -rf "$TMP/sat"
rc=$(verify_rc "$TMP/sat")
check "a trail's folder removed: verify -C broken, exit 1, naming the trail the world recorded" \
	sh -c '[ $0 -eq 1 ] && grep -q "this world wrote trail $1 here .*; the folder now holds no trail" "$2"' "$rc" "$idb" "$TMP/ve"
trail "$TMP/sat" "$R/srp2-elec-cv5.xml"
check "... and no fresh trail is started there, exit 2" \
	sh -c '[ $0 -eq 2 ] && { [ ! -f "$1/sat.log" ] || [ ! -s "$1/sat.log" ]; }' $? "$TMP/sat"
# the trail back where it was: it goes on
rm -rf "$TMP/sat"; mv "$TMP/sat-b" "$TMP/sat"
check "the trail put back: verifies again" [ "$(verify_rc "$TMP/sat")" -eq 0 ]
# retired by an operator: a new trail may be written in the folder
mv "$TMP/sat" "$TMP/sat-old"
solr-sat retire -C "$w" "$TMP/sat" > "$TMP/o" 2> "$TMP/e"
check "solr-sat retire: the world's record of the trail retired, exit 0" \
	sh -c '[ $0 -eq 0 ] && grep -q "^retired trail $1 at " "$2" && [ -f "$3/state/sat-heads/$1.retired" ] && [ ! -e "$3/state/sat-heads/$1.place" ]' \
	$? "$idb" "$TMP/o" "$w"
check "... itself recorded, with when" grep -q '^retired: 20[0-9-]*T[0-9:]*Z$' "$w/state/sat-heads/$idb.retired"
trail "$TMP/sat" "$R/srp2-elec-cv5.xml"
rc=$?
check "... then a new trail is written there" sh -c '[ $0 -le 1 ] && [ $1 -eq 0 ]' $rc "$(verify_rc "$TMP/sat")"
solr-sat retire -C "$w" "$TMP/nowhere" > /dev/null 2> "$TMP/e"
check "retire where the world recorded no trail: exit 1, saying so" \
	sh -c '[ $0 -eq 1 ] && grep -q "this world recorded no trail here" "$1"' $? "$TMP/e"
# the records themselves, changed by hand
cp "$w/state/sat-heads/$ida.place" "$TMP/place"
sed -i "s|^dir: .*|dir: $TMP/elsewhere|" "$w/state/sat-heads/$ida.place"
rc=$(verify_rc "$TMP/a")
check "a record of where a trail lives, edited: broken, exit 1, naming it" \
	sh -c '[ $0 -eq 1 ] && grep -q "$1.place: not a record this world wrote" "$2"' "$rc" "$ida" "$TMP/ve"
trail "$TMP/a" "$R/srp2-elec-cv5.xml"
check "... and the writer refuses, exit 2" [ $? -eq 2 ]
rm "$w/state/sat-heads/$ida.place"
rc=$(verify_rc "$TMP/sat")
check "a record removed by hand: every trail's verify -C broken, exit 1, naming the trail" \
	sh -c '[ $0 -eq 1 ] && grep -q "signed heads for trail $1, but its record of where that trail lives ($1.place) is gone" "$2"' "$rc" "$ida" "$TMP/ve"
cp "$TMP/place" "$w/state/sat-heads/$ida.place"
check "... put back: intact again" [ "$(verify_rc "$TMP/sat")" -eq 0 ]
sed -i 's/^retired: .*/retired: 2000-01-01T00:00:00Z/' "$w/state/sat-heads/$idb.retired"
rc=$(verify_rc "$TMP/sat")
check "a retirement changed by hand: broken, exit 1" \
	sh -c '[ $0 -eq 1 ] && grep -q "$1.retired: not a record this world wrote" "$2"' "$rc" "$idb" "$TMP/ve"

# the Failed Suppliers history: chained and MACed, like the trail
fresh_world "$TMP/h"
h=$TMP/h
H=$h/state/failed-suppliers.history
happly() {	# happly REASON: an apply of the world's own list again
	solr-failed-suppliers -C "$h" apply "$BUILD/world/failed-suppliers.yaml" \
		--by ops --reason "$1" --accept version-not-newer > /dev/null 2> "$TMP/ae"
}
happly one; happly two; happly three
show_rc() { solr-failed-suppliers -C "$h" show > "$TMP/so" 2> "$TMP/se"; echo $?; }
check "setup: three applies, a history that holds: show exit 0" \
	sh -c '[ $0 -eq 0 ] && [ "$(grep -c "^mac: [0-9a-f]\{64\}$" "$1")" -eq 3 ]' "$(show_rc)" "$H"
cp "$H" "$TMP/h0"
sed -i "s/^reason: 'two'$/reason: 'an audit'/" "$H"
check "an entry rewritten by hand: show exit 1, naming its line, and not shown as history" \
	sh -c '[ $0 -eq 1 ] && grep -q "failed-suppliers.history:[0-9]*: the entry here is not one this world.s apply wrote" "$1" && ! grep -q "an audit" "$2"' \
	"$(show_rc)" "$TMP/se" "$TMP/so"
happly four
check "... and apply refuses to add to it, exit 2" sh -c '[ $0 -eq 2 ] && grep -q "not one this world.s apply wrote" "$1"' $? "$TMP/ae"
awk '/^---$/ { n++ } n != 2' "$TMP/h0" > "$H"
check "an entry taken out of the middle: show exit 1, the next does not follow" \
	sh -c '[ $0 -eq 1 ] && grep -q "does not follow the one before it" "$1"' "$(show_rc)" "$TMP/se"
awk '/^---$/ { n++ } n <= 2' "$TMP/h0" > "$H"
check "the history cut short: show exit 1" \
	sh -c '[ $0 -eq 1 ] && grep -q "not the one the last history entry installed" "$1"' "$(show_rc)" "$TMP/se"
: > "$H"
check "the history emptied: show exit 1, saying so" \
	sh -c '[ $0 -eq 1 ] && grep -q "no entry, yet list version [0-9]* is applied: the history was emptied or removed" "$1"' "$(show_rc)" "$TMP/se"
rm "$H"
check "... or removed: the same" [ "$(show_rc)" -eq 1 ]
cp "$TMP/h0" "$H"
printf -- '---\nat: 2026-01-01T00:00:00Z\nby: mallory\nreason: forged\n' >> "$H"
check "an entry appended without a MAC: taken for a torn append, never shown" \
	sh -c '[ $0 -eq 0 ] && ! grep -q mallory "$1"' "$(show_rc)" "$TMP/so"
happly five
check "... and cut by the next apply" sh -c '[ $0 -eq 0 ] && ! grep -q mallory "$1" && [ "$(grep -c "^mac: " "$1")" -eq 4 ]' $? "$H"
check "... whose history holds" [ "$(show_rc)" -eq 0 ]
cp "$H" "$TMP/h1"
{ printf 'version: 9\n'; cat "$TMP/h1"; } > "$H"
check "a line put before the first entry: show exit 1, saying the history was changed" \
	sh -c '[ $0 -eq 1 ] && grep -q "not an entry of the history: the history was changed by hand" "$1"' "$(show_rc)" "$TMP/se"
awk '/^mac: / && !done { done = 1; next } { print }' "$TMP/h1" > "$H"
check "the first entry's MAC taken out: show exit 1, naming the entry" \
	sh -c '[ $0 -eq 1 ] && grep -q "the entry here .*changed by hand, or entries were taken out" "$1"' "$(show_rc)" "$TMP/se"
cp "$TMP/h1" "$H"

# the ADT file in force is the one submit accepted
fresh_world "$TMP/d"
d=$TMP/d
A=$d/adt/00-DB-12-34-56-78-00-04.yaml
adt_run() {	# adt_run REQUEST: the stages to adt-check; its exit status
	solr-verify-sig -C "$d" --at $PIN "$R/$1" | solr-failed-suppliers -C "$d" check |
		solr-gbcs-parse -C "$d" > "$TMP/d3"
	solr-adt-check -C "$d" < "$TMP/d3" > "$TMP/do" 2> "$TMP/de"; echo $?
}
check "setup: the world's ADT file, as submit accepted it, counts the request" \
	sh -c '[ $0 -eq 0 ] && grep -q "^verdict: pass" "$1"' "$(adt_run srp-elec-cv5.xml)" "$TMP/do"
cp "$A" "$TMP/adt-was"
sed -i 's/warning: [0-9]*, quarantine: [0-9]*/warning: 999999, quarantine: 1000000/' "$A"
rc=$(adt_run srp-gas-cv5.xml)
check "an ADT file rewritten after submit: refused, exit 2, naming it, the record rejected" \
	sh -c '[ $0 -eq 2 ] && grep -q "00-DB-12-34-56-78-00-04.yaml: not the file solr-adt-check submit accepted" "$1" && grep -q "^verdict: reject" "$2"' \
	"$rc" "$TMP/de" "$TMP/do"
solr-adt-check -C "$d" --at $PIN submit "$A" > /dev/null
check "... submitted: in force" sh -c '[ $0 -le 1 ] && ! grep -q "^verdict: reject" "$1"' "$(adt_run srp-gas-cv5.xml)" "$TMP/do"
rm "$d/adt/00-DB-12-34-56-78-00-04.accepted"
rc=$(adt_run srp-elec-cv4.xml)
check "an ADT file with no record of submit (put in place by hand): refused, exit 2" \
	sh -c '[ $0 -eq 2 ] && grep -q "no record that solr-adt-check submit accepted it" "$1"' "$rc" "$TMP/de"
solr-adt-check -C "$d" --at $PIN submit "$TMP/adt-was" > /dev/null
sed 's/warning: [0-9]*, quarantine: [0-9]*/warning: 999999, quarantine: 1000000/' "$TMP/adt-was" > "$A"
sed -i 's/^sha256: .*/sha256: '"$(sha256sum "$A" | cut -c1-64)"'/' "$d/adt/00-DB-12-34-56-78-00-04.accepted"
rc=$(adt_run srp-elec-cv4.xml)
check "a record of submit rewritten by hand: refused, exit 2" \
	sh -c '[ $0 -eq 2 ] && grep -q "00-DB-12-34-56-78-00-04.accepted: not a record this world.s submit wrote" "$1"' "$rc" "$TMP/de"

# a device certificate swapped for another of the same size, its time put
# back: compared by content, refused.  The other certificate is padded to
# the size with a line before it (PEM readers pass over such lines).
fresh_world "$TMP/c"
c=$TMP/c
# the larger of the two meters' key-agreement certificates, and the
# request to that meter: the other one is no larger
if [ "$(wc -c < "$c/pki/device/00DB1234567890A1.ka.pem")" -ge "$(wc -c < "$c/pki/device/00DB1234567890A0.ka.pem")" ]; then
	dev=00DB1234567890A1 req=srp-gas-cv5.xml
else
	dev=00DB1234567890A0 req=srp-elec-cv5.xml
fi
cert=$c/pki/device/$dev.ka.pem
solr-verify-sig -C "$c" --at $PIN "$R/$req" | solr-failed-suppliers -C "$c" check |
	solr-gbcs-parse -C "$c" | solr-adt-check -C "$c" > "$TMP/c4"
size=$(wc -c < "$cert")
other=
for f in "$c"/pki/device/*.pem; do
	[ "$f" != "$cert" ] && [ "$(wc -c < "$f")" -le "$size" ] && { other=$f; break; }
done
if [ -n "$other" ]; then
	cp "$cert" "$TMP/cert-was"
	pad=$((size - $(wc -c < "$other")))
	{ if [ $pad -gt 0 ]; then head -c $((pad - 1)) /dev/zero | tr '\0' x; echo; fi; cat "$other"; } > "$TMP/swap"
	cp "$TMP/swap" "$cert"
	touch -r "$TMP/cert-was" "$cert"
	check "setup: the swapped certificate has the size and time of the imported one" \
		sh -c '[ "$(stat -c %s.%Y "$0")" = "$(stat -c %s.%Y "$1")" ] && ! cmp -s "$0" "$1"' "$cert" "$TMP/cert-was"
	solr-countersign -C "$c" --at $PIN < "$TMP/c4" > "$TMP/co" 2> "$TMP/ce"
	check "a device certificate of the same size, its time put back (touch -r): refused" \
		sh -c '! grep -q "^  command: [0-9a-f]" "$0" && grep -q "$1.ka.pem has changed since it was imported" "$0"' "$TMP/co" "$dev"
else
	not_ok "a device certificate of the same size" "no other certificate in pki/device no larger than $cert"
fi

# The ledgers, the registers and the ADT counters, each put back to the
# copy after the first batch, cut or emptied: refused (exit 2, naming the
# file) by the stage that opens it, and by solr-sat verify -C and state.
# The counter the emptied ledger held is never MACed again for another
# APDU.
fresh_world "$TMP/s"
s=$TMP/s
sflow() {	# sflow REQUEST...: the flow with the trail in $s/sat; countersign's stderr in $TMP/se
	solr-verify-sig -C "$s" --at $PIN "$@" | solr-failed-suppliers -C "$s" check |
		solr-gbcs-parse -C "$s" | solr-adt-check -C "$s" 2> "$TMP/ae" |
		solr-countersign -C "$s" --at $PIN --sat "$s/sat" > "$TMP/so" 2> "$TMP/se"
}
sflow "$R/srp-gas-cv5.xml"
cp -a "$s/state" "$TMP/state1"
sflow "$R/srp-elec-cv5.xml"
check "setup: two batches accepted, a ledger entry each" \
	sh -c '[ "$(wc -l < "$0/state/countersign-ledger")" -eq 2 ] && [ "$(solr-sat state -C "$0" >/dev/null; echo $?)" -eq 0 ]' "$s"
cp -a "$s/state" "$TMP/state2"
state_rc() { solr-sat state -C "$s" > /dev/null 2> "$TMP/ste"; echo $?; }
for f in countersign-ledger countersign-requests-ledger adt-requests-ledger adt-counters; do
	for how in older cut emptied; do
		case $how in
		older) cp "$TMP/state1/$f" "$s/state/$f" ;;
		cut) head -c 40 "$TMP/state2/$f" > "$s/state/$f" ;;
		emptied) : > "$s/state/$f" ;;
		esac
		rc=$(state_rc)
		check "$f $how: solr-sat state broken, exit 1, naming it" \
			sh -c '[ $0 -eq 1 ] && grep -q "state/$1: " "$2"' "$rc" "$f" "$TMP/ste"
		solr-sat verify -C "$s" "$s/sat" > /dev/null 2> "$TMP/ve"
		check "... and verify -C, exit 1" sh -c '[ $0 -eq 1 ] && grep -q "state/$1: " "$2"' $? "$f" "$TMP/ve"
		sflow "$R/srp-elec-cv5.xml"
		check "... and the stage that opens it refuses, exit 2, nothing made" \
			sh -c '! grep -q "^  command: [0-9a-f]" "$0" && grep -q "state/$1: " "$2" "$3"' \
			"$TMP/so" "$f" "$TMP/se" "$TMP/ae"
		rm -rf "$s/state"; cp -a "$TMP/state2" "$s/state"
	done
done
# the index emptied with its ledger: the issue's two Commands under one
# key and IV
: > "$s/state/countersign-ledger"; : > "$s/state/countersign-index"
sed 's/<sr:SuspendDebtDisabled>true</<sr:SuspendDebtDisabled>false</' "$R/srp-gas-cv5.xml" > "$TMP/other.xml"
sflow "$R/srp-gas-cv5.xml"
check "the ledger and its index emptied: no Command MACed again for a counter used" \
	sh -c '! grep -q "^  command: [0-9a-f]" "$0" && grep -q "countersign-ledger: holds 0 bytes" "$1"' "$TMP/so" "$TMP/se"
rm -rf "$s/state"; cp -a "$TMP/state2" "$s/state"
# a ledger's record copied from another ledger, or removed
cp "$s/state/countersign-requests-head" "$s/state/countersign-head"
check "a ledger's record taken from another: broken, naming it" \
	sh -c '[ $0 -eq 1 ] && grep -q "countersign-head: not this world.s record of countersign-ledger" "$1"' "$(state_rc)" "$TMP/ste"
rm "$s/state/countersign-head"
check "a ledger's record removed: broken" \
	sh -c '[ $0 -eq 1 ] && grep -q "countersign-ledger: holds [0-9]* bytes and its record .* is gone" "$1"' "$(state_rc)" "$TMP/ste"
rm -rf "$s/state"; cp -a "$TMP/state2" "$s/state"
check "... put back as it was: holds" [ "$(state_rc)" -eq 0 ]

# the whole state put back to a consistent older copy: nothing inside the
# world finds it; the state head printed after the batch and kept apart
# does (solr-sat state --expect-head, solr-pipeline --expect-state)
head2=$(solr-sat state -C "$s" | sed -n 's/^state: //p')
rm -rf "$s/state"; cp -a "$TMP/state1" "$s/state"
check "the whole state put back: every piece holds by itself" [ "$(state_rc)" -eq 0 ]
solr-sat state -C "$s" --expect-head "$head2" > /dev/null 2> "$TMP/ste"
check "... but not the state head kept apart: exit 1, saying so" \
	sh -c '[ $0 -eq 1 ] && grep -q "the state head is [0-9a-f]*, not the expected $1" "$2"' $? "$head2" "$TMP/ste"
sh scripts/solr-pipeline -C "$s" -o "$TMP/prun" --at $PIN --expect-state "$head2" \
	"$R/srp-elec-cv5.xml" > "$TMP/po" 2> "$TMP/pe"
check "... and solr-pipeline --expect-state does not start, exit 2" \
	sh -c '[ $0 -eq 2 ] && grep -q "not started: .*not the expected $1" "$2" && [ ! -e "$3/records.yaml" ]' $? "$head2" "$TMP/pe" "$TMP/prun"
rm -rf "$s/state"; cp -a "$TMP/state2" "$s/state"
sh scripts/solr-pipeline -C "$s" -o "$TMP/prun" --at $PIN --expect-state "$head2" \
	"$R/srp2-elec-cv5.xml" > "$TMP/po" 2> "$TMP/pe"
check "... with the state it printed: runs, and prints the new state head" \
	sh -c '[ $0 -le 1 ] && grep -q "^state head: [0-9a-f]\{64\}$" "$1" && ! grep -q "^state head: $2$" "$1"' $? "$TMP/po" "$head2"
