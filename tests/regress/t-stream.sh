# The record stream: records in, records out; conservation; stdin; output
# errors; the exit-status contract.
W=$(own_world) R=$BUILD/requests
ls "$R"/*.xml > "$TMP/files"
n=$(wc -l < "$TMP/files")
solr-verify-sig -C "$W" --at $PIN $(cat "$TMP/files") > "$TMP/s1" 2>"$TMP/e1"
rc=$?
check "a mixed batch exits 1" [ $rc -eq 1 ]
check "one record per document" [ "$(count_records "$TMP/s1")" -eq "$n" ]
check "seq counts the operands" [ "$(grep -c '^seq: ' "$TMP/s1")" -eq "$n" ] 
check "rejections print nothing on stderr" [ ! -s "$TMP/e1" ]

# records in: the stage re-checks passing records from the object store
solr-verify-sig -C "$W" --at $PIN < "$TMP/s1" > "$TMP/s2" 2>"$TMP/e2"
check "records through again: the same verdicts" \
	[ "$(grep -c '^verdict: pass' "$TMP/s2")" -eq "$(grep -c '^verdict: pass' "$TMP/s1")" ]
check "records through again: the same count" [ "$(count_records "$TMP/s2")" -eq "$n" ]

# garbage between records becomes a rejected record, in place
awk 'BEGIN{r=0} /^---$/{r++; if (r==3) print "---\nrecord: 1\nseq: [broken\n"} {print}' \
	"$TMP/s1" > "$TMP/garbled"
solr-verify-sig -C "$W" --at $PIN < "$TMP/garbled" > "$TMP/s3" 2>"$TMP/e3"
check "a broken record is kept: N+1 out" [ "$(count_records "$TMP/s3")" -eq $((n + 1)) ]
check "... rejected, naming the YAML error" grep -q "^reason: '*not valid YAML" "$TMP/s3"
check "... and its line" grep -q "^source: '*(stdin):[0-9]" "$TMP/s3"
check "... and reported on stderr" grep -q '^solr-verify-sig: (stdin):[0-9]*: not valid YAML' "$TMP/e3"
# an object changed in the store is caught
obj=$(sed -n 's/^  object: //p' "$TMP/s1" | head -1)
cp -R "$W" "$TMP/w3"	# with the objects the stream refers to
corrupt_object "$TMP/w3/state/objects" "$obj"
awk '/^---$/{r++} r==1' "$TMP/s1" | solr-verify-sig -C "$TMP/w3" --at $PIN > "$TMP/s4" 2>"$TMP/e4"
check "a tampered object is rejected" grep -q "^reason: .*not to its name" "$TMP/s4"
# a record already rejected passes through untouched
grep -q "^verdict: reject" "$TMP/s1" && awk '/^---$/{r++} {print > ("'"$TMP"'/rec." r)}' "$TMP/s1"
for f in "$TMP"/rec.*; do
	if grep -q '^verdict: reject' "$f"; then
		solr-verify-sig -C "$W" --at $PIN < "$f" > "$TMP/again"
		same_files "a rejected record passes through byte for byte" "$f" "$TMP/again"
		break
	fi
done

# one document on stdin
solr-verify-sig -C "$W" --at $PIN < "$R/srp-gas-cv5.xml" > "$TMP/s5"
check "one document on stdin" [ "$(field "$TMP/s5" source)" = "(stdin)" ]
check "... passes" [ "$(field "$TMP/s5" verdict)" = pass ]
# exit 0 means something was checked
: | solr-verify-sig -C "$W" > "$TMP/s6" 2> "$TMP/e"
check "empty input: exit 1" [ $? -eq 1 ]
check "... with no records" [ ! -s "$TMP/s6" ]
check "... saying what was empty" grep -q "nothing was checked: no document or record on standard input" "$TMP/e"
solr-verify-sig -C "$W" --files-from /dev/null > /dev/null 2> "$TMP/e"
check "--files-from an empty list: exit 1, saying so" sh -c '[ $0 -eq 1 ] && grep -q "the --files-from list names no file" "$1"' $? "$TMP/e"
solr-verify-sig -C "$W" --files-from "$TMP" > /dev/null 2> "$TMP/e"
check "--files-from a directory: exit 2, saying so" sh -c '[ $0 -eq 2 ] && grep -q "Is a directory" "$1"' $? "$TMP/e"
for st in "solr-failed-suppliers -C $W check" "solr-gbcs-parse -C $W" "solr-adt-check -C $W" "solr-countersign -C $W --at $PIN"; do
	$st < /dev/null > "$TMP/s7" 2> "$TMP/e"
	check "${st%% *} on empty input: exit 1, nothing written, saying so" \
		sh -c '[ $0 -eq 1 ] && [ ! -s "$1" ] && grep -q "nothing was checked: no record on standard input" "$2"' $? "$TMP/s7" "$TMP/e"
done

# errors: usage, configuration, output
solr-verify-sig -C "$W" --at yesterday "$R/srp-gas-cv5.xml" > /dev/null 2>"$TMP/e"
check "a bad --at is a usage error" [ $? -eq 2 ]
solr-verify-sig -x > /dev/null 2>&1
check "an unknown option exits 2" [ $? -eq 2 ]
solr-verify-sig -C "$TMP/nowhere" "$R/srp-gas-cv5.xml" > /dev/null 2>"$TMP/e"
check "a missing world exits 2" [ $? -eq 2 ]
check "... naming the file" grep -q "nowhere/policy.yaml" "$TMP/e"
solr-verify-sig -C "$W" --at $PIN "$R/srp-gas-cv5.xml" > /dev/full 2>"$TMP/e"
check "a full stdout exits 2" [ $? -eq 2 ]
check "... with a message" grep -q "write error" "$TMP/e"
mkdir -p "$TMP/adir"
solr-verify-sig -C "$W" --at $PIN "$R/srp-gas-cv5.xml" "$TMP/missing.xml" "$TMP/adir" "$R/srp-elec-cv4.xml" > "$TMP/s7" 2>"$TMP/e"
check "an operand that cannot be read (not there, a directory) is a rejection: exit 1" [ $? -eq 1 ]
check "... each with its record, and the others decided" \
	sh -c '[ "$(grep -c "^verdict: pass" "$0")" -eq 2 ] && [ "$(grep -c "^verdict: reject" "$0")" -eq 2 ]' "$TMP/s7"
check "... rejected, saying why" \
	sh -c '[ "$(grep -c "^reason: .the document could not be read: " "$0")" -eq 2 ] &&
	    grep -q "^reason: .*No such file" "$0" && grep -q "^reason: .*Is a directory" "$0"' "$TMP/s7"
check "... and each named on stderr" \
	sh -c 'grep -q "missing.xml: No such file" "$0" && grep -q "adir: read: Is a directory" "$0"' "$TMP/e"
solr-gbcs-parse -C "$W" --at $PIN "$TMP/missing.xml" "$BUILD/alerts/alert-8F1D-failed.xml" > "$TMP/s8" 2> "$TMP/e"
check "an alert file that cannot be read: a rejection (exit 1), the others decided" \
	sh -c '[ $0 -eq 1 ] && [ "$(grep -c "^seq:" "$1")" -eq 2 ] &&
	    grep -q "^reason: .the document could not be read: No such file" "$1" && grep -q "missing.xml" "$2"' $? "$TMP/s8" "$TMP/e"
solr-verify-sig --version > "$TMP/v"
check "--version" grep -q '^solr-verify-sig [0-9]' "$TMP/v"
SOLR_WORLD=$W solr-verify-sig --at $PIN "$R/srp-gas-cv5.xml" > /dev/null
check "SOLR_WORLD names the world" [ $? -eq 0 ]

# a stage with group commit lets its batch go before it waits for input,
# even in the middle of the next record: the first record's decision
# leaves while the second is still arriving (and what adt-check holds
# locked for the batch is let go)
fresh_world "$TMP/ws"
solr-verify-sig -C "$TMP/ws" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" 2>/dev/null |
	solr-failed-suppliers -C "$TMP/ws" check | solr-gbcs-parse -C "$TMP/ws" > "$TMP/ws.in"
awk '/^---$/ { n++ } n == 1' "$TMP/ws.in" > "$TMP/ws.first"
awk '/^---$/ { n++ } n == 2' "$TMP/ws.in" > "$TMP/ws.second"
head -n 3 "$TMP/ws.second" > "$TMP/ws.head"
tail -n +4 "$TMP/ws.second" > "$TMP/ws.tail"
rm -f "$TMP/ws.fifo"; mkfifo "$TMP/ws.fifo"
solr-adt-check -C "$TMP/ws" < "$TMP/ws.fifo" > "$TMP/ws.out" 2>&1 &
pa=$!
exec 7> "$TMP/ws.fifo"
cat "$TMP/ws.first" "$TMP/ws.head" >&7
await "adt-check's first decision while the second record is half sent" grep -q '^verdict: pass' "$TMP/ws.out"
check "the first record leaves before the second has come whole" [ "$(grep -c '^verdict:' "$TMP/ws.out")" -eq 1 ]
cat "$TMP/ws.tail" >&7
exec 7>&-
wait $pa
check "... and the second follows when it has (exit 0, two records)" \
	sh -c '[ $0 -eq 0 ] && [ "$(grep -c "^verdict: pass" "$1")" -eq 2 ]' $? "$TMP/ws.out"
