# What a user trips on, each once reproduced: the help says what -b
# reads; a time written with a space; a device asked for and not there;
# a write error that names its cause, once.
W=$(own_world) R=$BUILD/requests

# -b reads base64: the help says so, and a message in base64 decodes
# with it where the same bytes in binary do not
sed -n 's|.*<sr:GBCSPayload>\(.*\)</sr:GBCSPayload>.*|\1|p' "$R/srp-gas-cv5.xml" > "$TMP/b64"
for t in solr-gbcs-parse solr-countersign; do
	$t --help > "$TMP/h"
	check "$t --help: -b is base64, never binary" \
		sh -c 'grep -q "base64" "$0" && ! grep -qi "binary" "$0"' "$TMP/h"
done
solr-gbcs-parse -b --decode-only < "$TMP/b64" > /dev/null 2>&1
check "solr-gbcs-parse -b: a message in base64 decodes" [ $? -eq 0 ]
base64 -d < "$TMP/b64" > "$TMP/bin"
solr-gbcs-parse -b --decode-only < "$TMP/bin" > /dev/null 2> "$TMP/e"
check "... the same bytes in binary do not, saying so" sh -c '[ $0 -ne 0 ] && grep -q "not base64" "$1"' $? "$TMP/e"

# --at with a space for the T (RFC 3339 5.6 allows it): the same time
solr-verify-sig -C "$W" --at '2026-03-02 10:15:00Z' "$R/srp-elec-cv5.xml" > "$TMP/sp" 2> "$TMP/e"
check "--at '2026-03-02 10:15:00Z': accepted (exit 0)" [ $? -eq 0 ]
check "... received at 2026-03-02T10:15:00Z" grep -q "^received_at: 2026-03-02T10:15:00Z$" "$TMP/sp"
solr-verify-sig -C "$W" --at '2026-03-02  10:15:00Z' "$R/srp-elec-cv5.xml" > /dev/null 2> "$TMP/e"
check "... two spaces: refused (2), the time quoted as given" \
	sh -c '[ $0 -eq 2 ] && grep -q "'"'"'2026-03-02  10:15:00Z'"'"' is not an RFC 3339 time" "$1"' $? "$TMP/e"
fresh_world "$TMP/pw"
sh scripts/solr-pipeline -C "$TMP/pw" -o "$TMP/po" --at '2026-03-02 10:15:00Z' "$R/srp-elec-cv5.xml" > /dev/null 2> "$TMP/e"
check "solr-pipeline --at with a space: one word to each stage, accepted" \
	sh -c '[ $0 -eq 0 ] && grep -q "^received_at: 2026-03-02T10:15:00Z$" "$1" &&
	    grep -q "^verdict: accept$" "$1"' $? "$TMP/po/records.yaml"

# devices list of a device the inventory does not hold: named, exit 1
solr-countersign -C "$W" devices list 00-11-22-33-44-55-66-77 00-DB-12-34-56-78-90-A0 > "$TMP/o" 2> "$TMP/e"
check "devices list with a device not held: exit 1, naming it on stderr, the other listed" \
	sh -c '[ $0 -eq 1 ] && grep -qx "solr-countersign: 00-11-22-33-44-55-66-77 is not in the device inventory" "$1" &&
	    grep -q "^00-DB-12-34-56-78-90-A0 " "$2"' $? "$TMP/e" "$TMP/o"
solr-countersign -C "$W" devices list 00-DB-12-34-56-78-90-A0 > "$TMP/o" 2> "$TMP/e"
check "... every device held: exit 0, nothing on stderr" sh -c '[ $0 -eq 0 ] && [ ! -s "$1" ]' $? "$TMP/e"

# standard output full: exit 2 and one line naming the cause
fresh_world "$TMP/fw"
sh scripts/solr-pipeline -C "$TMP/fw" -o "$TMP/fo" --at $PIN "$R/srp-elec-cv5.xml" > /dev/null 2>&1
cp "$TMP/fo/1-verify-sig.yaml" "$TMP/r1"
for c in "solr-verify-sig -C $TMP/fw --at $PIN $R/srp-elec-cv5.xml" \
	"solr-failed-suppliers -C $TMP/fw check" "solr-failed-suppliers -C $TMP/fw show" \
	"solr-countersign -C $TMP/fw devices list" "solr-adt-check -C $TMP/fw counters" \
	"solr-sat log -C $TMP/fw $TMP/fo/sat" "solr-sat log --json -C $TMP/fw $TMP/fo/sat" \
	"solr-sat verify -C $TMP/fw $TMP/fo/sat" "solr-sat state -C $TMP/fw"; do
	# shellcheck disable=SC2086
	$c < "$TMP/r1" > /dev/full 2> "$TMP/e"
	check "${c%% -C*} ${c#* -C * }: stdout full: exit 2, one line naming the cause" \
		sh -c '[ $0 -eq 2 ] && [ "$(wc -l < "$1")" -eq 1 ] &&
		    grep -q ": (stdout): write error: No space left on device$" "$1"' $? "$TMP/e"
done

# mk-world over a world: refused, its keys kept; -f makes a new one, but
# never over a directory that is not a world
fresh_world "$TMP/mw"
sum0=$(cat "$TMP/mw/keys/"* | sha256sum)
sh scripts/mk-world "$TMP/mw" > /dev/null 2> "$TMP/e"
check "mk-world on an existing world: refused (2), saying -f makes a new one" \
	sh -c '[ $0 -eq 2 ] && grep -q "mw: not empty; .*give -f" "$1"' $? "$TMP/e"
same "... its keys kept" "$(cat "$TMP/mw/keys/"* | sha256sum)" "$sum0"
mkdir -p "$TMP/notw"; echo keep > "$TMP/notw/f"
sh scripts/mk-world -f "$TMP/notw" > /dev/null 2> "$TMP/e"
check "mk-world -f on a directory that is not a world: refused, nothing removed" \
	sh -c '[ $0 -eq 2 ] && grep -q "not a world" "$1" && [ "$(cat "$2")" = keep ]' $? "$TMP/e" "$TMP/notw/f"
sh scripts/mk-world -f "$TMP/mw" > /dev/null 2> "$TMP/e"
check "mk-world -f on a world: a new world (exit 0), new keys" \
	sh -c '[ $0 -eq 0 ] && [ "$(cat "$1/keys/"* | sha256sum)" != "$2" ] && [ -f "$1/policy.yaml" ]' $? "$TMP/mw" "$sum0"

# mk-requests for a directory that is not a world: one line, exit 2,
# nothing made; a step that fails leaves no partial folder
sh scripts/mk-requests "$TMP/notw" "$TMP/rq" > "$TMP/o" 2> "$TMP/e"
check "mk-requests with a directory that is not a world: exit 2, one line naming what is missing" \
	sh -c '[ $0 -eq 2 ] && [ "$(wc -l < "$1")" -eq 1 ] && grep -q "notw: not a world mk-world made (no policy.yaml)" "$1" &&
	    [ ! -e "$2" ]' $? "$TMP/e" "$TMP/rq"
rm "$TMP/mw/test-keys/failed-ds.key"
sh scripts/mk-requests "$TMP/mw" "$TMP/rq" > /dev/null 2> "$TMP/e"
check "mk-requests whose step fails: exit 2, its folder removed, saying so" \
	sh -c '[ $0 -eq 2 ] && [ ! -e "$1" ] && grep -q "a step failed (above); .*rq was removed" "$2"' $? "$TMP/rq" "$TMP/e"

# every field a record carries (to the second level; a stage's own and
# the prepay values aside) is named in solr-records(5)
fresh_world "$TMP/dw"
sh scripts/solr-pipeline -C "$TMP/dw" -o "$TMP/do" --at $PIN "$R"/*.xml > /dev/null 2>&1
solr-gbcs-parse -C "$TMP/dw" --at 2026-03-03T09:00:00Z "$BUILD"/alerts/*.xml > "$TMP/al.yaml" 2> /dev/null
cat "$TMP/do/records.yaml" "$TMP/al.yaml" | solr-failed-suppliers -C "$TMP/dw" --json check 2> /dev/null |
	jq -r 'paths | select(length <= 2) | select(.[0] != "stages" or length == 1) |
	    select(.[0] != "prepay" or length == 1) | select(length == 1 or (.[1] | type) == "string") | join(".")' |
	sort -u > "$TMP/keys"
# named: on a macro line as Cm NAME (alone, or in a list)
mandoc -T ascii "man/solr-records.5" | sed 's/.\x08//g' | tr -s ' \n' '  ' > "$TMP/recs.txt"
missing=$(while read -r k; do
	grep -Eq "^\.(It |Pq )?Cm (.* )?${k##*.}( |\$)" man/solr-records.5 || printf '%s ' "$k"; done < "$TMP/keys")
check "solr-records(5) names every field of the records ($(wc -l < "$TMP/keys") seen)${missing:+: not $missing}" \
	sh -c '[ -z "$0" ] && [ "$(wc -l < "$1")" -ge 50 ]' "$missing" "$TMP/keys"
check "... and says record: is the format's version, not a count" \
	grep -q "The version of the record format, 1, the same on every record: not a count" "$TMP/recs.txt"

# mk-requests --one: just the request a test needs, as described
fresh_world "$TMP/ow"
flow1() {	# flow1 FILE: the five stages on one request, the record out
	solr-verify-sig -C "$TMP/ow" --at $PIN "$1" | solr-failed-suppliers -C "$TMP/ow" check |
		solr-gbcs-parse -C "$TMP/ow" | solr-adt-check -C "$TMP/ow" | solr-countersign -C "$TMP/ow" --at $PIN
}
mkdir -p "$TMP/one"
for d in "cv=5:accept:-" "cv=5 fuel=gas counter=5001:accept:-" "cv=4 counter=5002:accept:-" \
	"cv=4 fuel=gas counter=5003 MCT=9000001:reject:E2" "cv=5 counter=5004 DRRC=1:reject:E2" \
	"cv=4 counter=5005 srp=srp2:quarantine:AD1"; do
	desc=${d%%:*} rest=${d#*:}; want=${rest%%:*} code=${rest#*:}
	f=$TMP/one/$(printf '%s' "$desc" | tr ' =' '__').xml
	sh scripts/mk-requests --one "$desc" "$TMP/ow" "$f" > /dev/null 2> "$TMP/e"
	rc=$?
	flow1 "$f" > "$TMP/o" 2> /dev/null
	check "mk-requests --one '$desc': one request, decided $want ${code#-}" \
		sh -c '[ $0 -eq 0 ] && [ "$(ls "$1" | wc -l)" -ge 1 ] && grep -qx "verdict: $2" "$3" &&
		    { [ "$4" = - ] || grep -qx "code: $4" "$3"; }' $rc "$TMP/one" "$want" "$TMP/o" "$code"
done
check "... and nothing else made beside them" [ "$(ls "$TMP/one" | wc -l)" -eq 6 ]
sh scripts/mk-requests --one 'cv=6' "$TMP/ow" "$TMP/one/x.xml" > /dev/null 2> "$TMP/e"
check "mk-requests --one with a key it does not know: exit 2, listing the keys" \
	sh -c '[ $0 -eq 2 ] && grep -q "'"'"'cv=6'"'"' is not one of fuel=elec|gas, cv=4|5" "$1" && [ ! -e "$2" ]' $? "$TMP/e" "$TMP/one/x.xml"
sh scripts/mk-requests --one 'ECL=1e6' "$TMP/ow" "$TMP/one/x.xml" > /dev/null 2> "$TMP/e"
check "... a value not a whole number: exit 2" sh -c '[ $0 -eq 2 ] && grep -q "ECL=1e6: a value is a whole number" "$1"' $? "$TMP/e"
# solr-sat: an option a command would not use is a usage error, named
for c in "state -C $W --tsv:state does not take --tsv" \
	"gc -C $W --world-files $TMP $TMP/nosat:gc does not take --world-files" \
	"verify -C $W --actor 00-DB-12-34-56-78-00-04 $TMP/nosat:verify does not take --actor" \
	"replay -C $W $TMP/nosat $W:replay does not take -C" \
	"retire -C $W --progress $TMP/nosat:retire does not take --progress"; do
	solr-sat ${c%%:*} > "$TMP/o" 2> "$TMP/e"
	check "solr-sat ${c%%:*}: exit 2, '${c#*:}'" sh -c '[ $0 -eq 2 ] && grep -q "$1" "$2" && [ ! -s "$3" ]' $? "${c#*:}" "$TMP/e" "$TMP/o"
done
