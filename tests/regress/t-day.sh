# A failure's day through the documented commands: solr-pipeline takes
# its batch from a list (a file, or standard input) as well as from
# operands, shows each stage's progress with its total, goes on past a
# file that cannot be read (a rejected record), and says so when it
# cannot write where it is told to.
R=$BUILD/requests
ls "$R"/batch/*.xml > "$TMP/list"
n=$(wc -l < "$TMP/list")
fresh_world "$TMP/a"
sh scripts/solr-pipeline -C "$TMP/a" -o "$TMP/oa" --at $PIN "$R"/batch/*.xml > "$TMP/sa" 2> /dev/null
rca=$?
fresh_world "$TMP/b"
sh scripts/solr-pipeline -C "$TMP/b" -o "$TMP/ob" --at $PIN --files-from "$TMP/list" --progress > "$TMP/sb" 2> "$TMP/eb"
rcb=$?
norm() { grep -E '^(seq|source|verdict|code|reason):' "$1"; }
norm "$TMP/oa/records.yaml" > "$TMP/na"; norm "$TMP/ob/records.yaml" > "$TMP/nb"
same_files "solr-pipeline --files-from LIST: the same records as the names as operands" "$TMP/na" "$TMP/nb"
grep "^Decisions" -A40 "$TMP/sa" | grep -Ev "head:|^records:" > "$TMP/suma"
grep "^Decisions" -A40 "$TMP/sb" | grep -Ev "head:|^records:" > "$TMP/sumb"
check "... the same exit status ($rca)" [ $rca -eq $rcb ]
same_files "... and the same summary" "$TMP/suma" "$TMP/sumb"
check "... every request decided" [ "$(grep -c '^seq:' "$TMP/ob/records.yaml")" -eq "$n" ]
same_files "... the list kept beside the records" "$TMP/list" "$TMP/ob/files"
check "--progress: each of the five stages named in turn" \
	sh -c '[ "$(grep -c "^solr-pipeline: stage [1-5] of 5: solr-" "$0")" -eq 5 ]' "$TMP/eb"
for st in solr-verify-sig solr-failed-suppliers solr-gbcs-parse solr-adt-check solr-countersign; do
	check "... $st's last line says its total: $n records of $n (100%)" \
		grep -q "^$st: $n records of $n (100%, " "$TMP/eb"
done
fresh_world "$TMP/c"
sh scripts/solr-pipeline -C "$TMP/c" -o "$TMP/oc" --at $PIN --files-from - < "$TMP/list" > "$TMP/sc" 2> /dev/null
check "--files-from -: the names read from standard input, the same records" \
	sh -c '[ $0 -eq $1 ] && grep -E "^(seq|source|verdict|code|reason):" "$2" | cmp -s - "$3"' \
	$? $rca "$TMP/oc/records.yaml" "$TMP/na"

# a file that cannot be read among the others: its record is rejected,
# the batch goes on to its summary, the trail and the state heads
fresh_world "$TMP/d"
mkdir -p "$TMP/adir"
sh scripts/solr-pipeline -C "$TMP/d" -o "$TMP/od" --at $PIN "$R/srp-elec-cv5.xml" "$TMP/missing.xml" \
	"$TMP/adir" "$R/srp-gas-cv4.xml" > "$TMP/sd" 2> "$TMP/ed"
check "an unreadable operand: the batch goes on, exit 1 (some rejected)" [ $? -eq 1 ]
check "... four records, two accepted, the two unreadable rejected saying why" \
	sh -c '[ "$(grep -c "^seq:" "$0")" -eq 4 ] && [ "$(grep -c "^verdict: accept" "$0")" -eq 2 ] &&
	    [ "$(grep -c "^reason: .the document could not be read" "$0")" -eq 2 ]' "$TMP/od/records.yaml"
check "... the summary, the trail head and the state head printed" \
	sh -c 'grep -q "^4 records$" "$0" && grep -q "^trail head: " "$0" && grep -q "^state head: " "$0"' "$TMP/sd"
check "... and each named on stderr" \
	sh -c 'grep -q "missing.xml: No such file" "$0" && grep -q "adir: read: Is a directory" "$0"' "$TMP/ed"

# where it cannot write: trouble (2), not "some rejected" (1)
: > "$TMP/afile"
sh scripts/solr-pipeline -C "$TMP/d" -o "$TMP/afile/out" --at $PIN "$R/srp-elec-cv5.xml" > /dev/null 2> "$TMP/e"
check "-o where no directory can be made: exit 2, naming it" \
	sh -c '[ $0 -eq 2 ] && grep -q "afile/out: the output directory cannot be made or written" "$1"' $? "$TMP/e"
sh scripts/solr-pipeline -C "$TMP/d" -o "$TMP/od2" --at $PIN --files-from "$TMP/nolist" > /dev/null 2> "$TMP/e"
check "--files-from a list that cannot be read: exit 2, naming it" \
	sh -c '[ $0 -eq 2 ] && grep -q "nolist: the list cannot be read" "$1"' $? "$TMP/e"
sh scripts/solr-pipeline -C "$TMP/d" -o "$TMP/od3" > /dev/null 2> "$TMP/e"
check "no request and no list: a usage error (2)" \
	sh -c '[ $0 -eq 2 ] && grep -q "which requests" "$1"' $? "$TMP/e"
# a stage given its records in a file knows their total, YAML or JSON
solr-failed-suppliers -C "$TMP/a" --json check < "$TMP/oa/1-verify-sig.yaml" > "$TMP/j" 2> /dev/null
solr-gbcs-parse -C "$TMP/a" --progress < "$TMP/j" > /dev/null 2> "$TMP/e"
check "--progress on JSON Lines records read from a file: the total counted ahead" \
	grep -q "^solr-gbcs-parse: $n records of $n (100%, " "$TMP/e"
cat "$TMP/j" | solr-gbcs-parse -C "$TMP/a" --progress > /dev/null 2> "$TMP/e"
check "... from a pipe, the count alone" grep -q "^solr-gbcs-parse: $n records, " "$TMP/e"
