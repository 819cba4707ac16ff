# One form of each value (solr-world(5)): a value a decision reads,
# written in another form that reads as the same value to us (a CDATA
# section, a character reference, a sign, leading zeros, white space, a
# time or date without its zone), is refused, naming the element, and
# never countersigned.  Then, for every request the flow countersigns,
# what an independent reader reads in the bytes sent on (xmllint's XPath
# string(), and the raw text read as a base-10 integer) is what we
# checked.
R=$BUILD/requests
fresh_world "$TMP/f"
flow() {	# flow OUT FILE...: the whole flow, artifacts in OUT
	_o=$1; shift
	solr-verify-sig -C "$TMP/f" --at $PIN "$@" 2>/dev/null | solr-failed-suppliers -C "$TMP/f" check |
		solr-gbcs-parse -C "$TMP/f" | solr-adt-check -C "$TMP/f" |
		solr-countersign -C "$TMP/f" --at $PIN -o "$_o"
}
# record FILE SOURCE: the record of one source, from its stream
record() { awk -v s="source: $2" '/^---$/ { keep = 0 } $0 == s { keep = 1 } keep' "$1"; }

check "setup: the forms are made" [ "$(wc -l < "$R/FORMS.tsv")" -ge 12 ]
flow "$TMP/fo" "$R"/forms/*.xml > "$TMP/fr" 2> "$TMP/fe"
n=0 bad=
while IFS="$(printf '\t')" read -r file el; do
	record "$TMP/fr" "$R/forms/$file" > "$TMP/one"
	if grep -q '^verdict: reject$' "$TMP/one" && ! grep -q '^  countersigned: ' "$TMP/one" &&
		grep -Eq "^reason: .*(sr:$el \(line [0-9]+\) (must be written out as one text|has white space around|'[^']*' is not)|not valid DUIS.*$el)" "$TMP/one"; then
		n=$((n + 1))
	else
		bad="$bad $file"
	fi
done < "$R/FORMS.tsv"
check "each value in another form refused, naming its element, never countersigned ($n)" \
	sh -c '[ -z "$0" ] && [ "$1" -ge 12 ]' "$bad" "$n"
check "... and nothing of them is made but the responses that refuse them" \
	[ -z "$(ls "$TMP/fo" 2>/dev/null | grep -v '\.response\.xml$')" ]

# what others read of what we send on
flow "$TMP/ao" "$R"/*.xml > "$TMP/ar" 2> /dev/null
fields="MaxCreditThreshold EmergencyCreditLimit EmergencyCreditThreshold LowCreditThreshold MaxMeterBalance DebtRecoveryRateCap"
compared=0 differ=
for doc in "$TMP"/ao/*.countersigned.xml; do
	[ -f "$doc" ] || continue
	rid=$(basename "$doc" .countersigned.xml | tr _ :)
	awk -v r="  request_id: $rid" '/^---$/ { keep = 0 } $0 == r { keep = 1 } keep' "$TMP/ar" > "$TMP/one"
	# a healthy supplier's request goes the ordinary way: no SR 2.1 rule
	# read its values
	grep -q '^prepay:$' "$TMP/one" || continue
	for f in $fields; do
		ours=$(sed -n "s/^  $f: \([0-9-]*\)\$/\1/p" "$TMP/one")
		xpath=$(xmllint --xpath "string(//*[local-name()='$f'])" "$doc")
		raw=$(sed -n "s|.*<sr:$f>\([^<]*\)</sr:$f>.*|\1|p" "$doc")
		base10=$(printf '%s\n' "$raw" | awk '/^-?[0-9]+$/ { printf "%d", $0 }')
		if [ -n "$ours" ] && [ "$ours" = "$xpath" ] && [ "$ours" = "$base10" ] && [ "$ours" = "$raw" ]; then
			compared=$((compared + 1))
		else
			differ="$differ $rid:$f(ours=$ours xpath=$xpath raw=$raw)"
		fi
	done
	c=$(sed -n 's/^  counter: //p' "$TMP/one") cv=$(sed -n 's/^  cv: //p' "$TMP/one")
	[ "$c" = "$(xmllint --xpath "string(//*[local-name()='RequestID'])" "$doc" | sed 's/.*://')" ] &&
		[ "$cv" = "$(xmllint --xpath "string(//*[local-name()='CommandVariant'])" "$doc")" ] &&
		compared=$((compared + 2)) || differ="$differ $rid:header"
done
check "what xmllint and a base-10 read find in every countersigned request is what we checked ($compared values)" \
	sh -c '[ -z "$0" ] && [ "$1" -ge 12 ]' "$differ" "$compared"

# the GBCS side: the values we decode from the DCC's reference Commands
# (ECS08a and GCS05, SRV 2.1) are the ones its DUIS templates state, as
# xmllint reads them
if ! have_vectors || [ ! -d "$VECTORS/gbcs/rtds" ]; then
	skip "the reference Commands against their templates" "$VECTORS is absent"
else
	same=0 differ=
	for k in ECS08a:2.1_ECS08a GCS05:2.1_GCS05; do
		n=${k%%:*} d=${k#*:}
		tr -d ' \r\n' < "$VECTORS/gbcs/rtds/$d/${n}_2.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX" |
			solr-gbcs-parse --decode-only -x > "$TMP/g-$n"
		for f in $fields; do
			ours=$(sed -n '/^prepay:/,/^[a-z]/p' "$TMP/g-$n" | sed -n "s/^  $f: \(-\{0,1\}[0-9]*\)\$/\1/p")
			theirs=$(xmllint --xpath "string(//*[local-name()='$f'])" \
				"$VECTORS/duis/samples/templates/${n}_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML")
			if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then same=$((same + 1))
			else differ="$differ $n:$f(ours=$ours theirs=$theirs)"; fi
		done
	done
	check "the values decoded from the reference ECS08a and GCS05 Commands are their templates' ($same values)" \
		sh -c '[ -z "$0" ] && [ "$1" -eq 12 ]' "$differ" "$same"
fi
