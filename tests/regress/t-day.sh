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

# the summary answers first questions: the quarantines by their reason,
# the requests accepted above a warning threshold, each hour's verdicts;
# --json the same as one object
fresh_world "$TMP/t"
rm -f "$TMP/t"/adt/*
printf 'srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: "2.1", window: 3600, warning: 10, quarantine: 20}\n' > "$TMP/adt.yaml"
solr-adt-check -C "$TMP/t" --at $PIN submit "$TMP/adt.yaml" > /dev/null
sh scripts/solr-pipeline -C "$TMP/t" -o "$TMP/ot" --at $PIN --files-from "$TMP/list" > /dev/null 2>&1
# a fortnight later the instruction has ended
sh scripts/solr-pipeline -C "$TMP/t" -o "$TMP/ot2" --at 2026-03-16T10:00:00Z "$R/srp-elec-cv4.xml" "$R/srp-gas-cv4.xml" > /dev/null 2>&1
sh scripts/solr-summary -C "$TMP/t" "$TMP/ot/records.yaml" "$TMP/ot2/records.yaml" > "$TMP/sum" 2> "$TMP/e"
check "summary: exit 1 (some quarantined)" [ $? -eq 1 ]
q=$(grep -c '^verdict: quarantine' "$TMP/ot/records.yaml")
check "... the quarantines over the threshold ($q, 48 less 20) told apart from those with no instruction (2)" \
	sh -c '[ $0 -eq 28 ] && grep -Eq "^  over the quarantine threshold +28$" "$1" &&
	    grep -Eq "^  no Authority instruction +2$" "$1"' "$q" "$TMP/sum"
check "... the ten accepted above the warning threshold counted" \
	grep -q "^Accepted above a warning threshold (counted, not stopped): 10$" "$TMP/sum"
check "... each hour's verdicts" \
	sh -c 'grep -Eq "^  2026-03-02T10:00 +20 +0 +0 +28$" "$0" && grep -Eq "^  2026-03-16T10:00 +0 +0 +0 +2$" "$0"' "$TMP/sum"
sh scripts/solr-summary --json -C "$TMP/t" "$TMP/ot/records.yaml" "$TMP/ot2/records.yaml" > "$TMP/sj" 2> "$TMP/e"
check "--json: one object with the same counts" \
	sh -c '[ $0 -eq 1 ] && [ "$(wc -l < "$1")" -eq 1 ] && jq -e ".records == 50 and .accepted_with_warning == 10 and
	    .quarantine_by_reason[\"over the quarantine threshold\"] == 28 and
	    .quarantine_by_reason[\"no Authority instruction\"] == 2 and
	    .per_hour[\"2026-03-02T10:00\"].accept == 20 and .per_srp[\"00-DB-12-34-56-78-00-04\"].quarantine == 30" "$1" > /dev/null' $? "$TMP/sj"
solr-failed-suppliers -C "$TMP/t" --json check < "$TMP/ot/records.yaml" > "$TMP/ot.json" 2> /dev/null
sh scripts/solr-summary --json "$TMP/ot.json" > "$TMP/sj2" 2> /dev/null
check "... and the same from JSON Lines records" \
	sh -c 'jq -e ".records == 48 and .accepted_with_warning == 10 and
	    .quarantine_by_reason[\"over the quarantine threshold\"] == 28" "$0" > /dev/null' "$TMP/sj2"

# -o ARCHIVE.tar: a day's artifacts in one file tar(1) reads; a second
# countersign appending beside the first waits for the member the first
# is writing (its lock), and the archive holds both batches whole
if [ -f "$FAULTS" ]; then
	fresh_world "$TMP/tw"
	solr-verify-sig -C "$TMP/tw" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" |
		solr-failed-suppliers -C "$TMP/tw" check | solr-gbcs-parse -C "$TMP/tw" | solr-adt-check -C "$TMP/tw" > "$TMP/ta"
	solr-verify-sig -C "$TMP/tw" --at $PIN "$R/srp-gas-cv5.xml" "$R/srp-elec-cv4.xml" |
		solr-failed-suppliers -C "$TMP/tw" check | solr-gbcs-parse -C "$TMP/tw" | solr-adt-check -C "$TMP/tw" > "$TMP/tb"
	faulty_bg FAULT_STOP="$TMP/tw-out/day.tar" solr-countersign -C "$TMP/tw" --at $PIN -o "$TMP/tw-out/day.tar" \
		< "$TMP/ta" > "$TMP/tao"
	first=$bgpid
	await_stop "$first"
	check "setup: the first countersign stopped at its first member, the archive's lock held" [ "$(proc_state "$first")" = T ]
	solr-countersign -C "$TMP/tw" --at $PIN -o "$TMP/tw-out/day.tar" < "$TMP/tb" > "$TMP/tbo" 2> "$TMP/e" &
	second=$!
	ino=$(stat -c %i "$TMP/tw-out/day.tar")
	waits() { grep -q -- "-> FLOCK .*:$ino " /proc/locks; }
	await "the second countersign to wait on the archive's lock" waits
	kill -CONT "$first"
	wait "$first"; ra=$?
	wait "$second"; rb=$?
	tar -tf "$TMP/tw-out/day.tar" > "$TMP/tm" 2> "$TMP/te"
	check "... then both end (exit 0), and tar(1) reads the archive whole" \
		sh -c '[ $0 -eq 0 ] && [ $1 -eq 0 ] && [ ! -s "$2" ]' $ra $rb "$TMP/te"
	check "... holding each batch's Commands, countersigned requests and Responses (8 members)" \
		sh -c '[ "$(wc -l < "$0")" -eq 8 ] && [ "$(grep -c "\.command\.gbcs$" "$0")" -eq 2 ] &&
		    [ "$(grep -c "\.countersigned\.xml$" "$0")" -eq 2 ] && [ "$(grep -c "\.response\.xml$" "$0")" -eq 4 ]' "$TMP/tm"
else
	skip "two countersigns on one archive" "build/faults.so is not built (make check builds it)"
fi
# the archive anywhere the user may write (a folder like /tmp too), but
# never through a symbolic link or into another user's file
fresh_world "$TMP/aw"
mkdir -p "$TMP/shared"; chmod 1777 "$TMP/shared"
solr-verify-sig -C "$TMP/aw" --at $PIN "$R/srp-gas-cv5.xml" | solr-failed-suppliers -C "$TMP/aw" check |
	solr-gbcs-parse -C "$TMP/aw" | solr-adt-check -C "$TMP/aw" > "$TMP/a4"
solr-countersign -C "$TMP/aw" --at $PIN -o "$TMP/shared/day.tar" < "$TMP/a4" > /dev/null 2> "$TMP/e"
check "-o ARCHIVE.tar in a folder others may write (mode 1777): written" \
	sh -c '[ $0 -eq 0 ] && [ "$(tar -tf "$1" | wc -l)" -eq 2 ]' $? "$TMP/shared/day.tar"
ln -s "$TMP/shared/day.tar" "$TMP/shared/link.tar"
solr-countersign -C "$TMP/aw" --at $PIN -o "$TMP/shared/link.tar" < "$TMP/a4" > /dev/null 2> "$TMP/e"
check "... through a symbolic link: refused (2), naming it" \
	sh -c '[ $0 -eq 2 ] && grep -q "link.tar: a symbolic link" "$1"' $? "$TMP/e"
if [ "$(id -u)" -eq 0 ]; then
	: > "$TMP/shared/theirs.tar"; chown nobody "$TMP/shared/theirs.tar"
	solr-countersign -C "$TMP/aw" --at $PIN -o "$TMP/shared/theirs.tar" < "$TMP/a4" > /dev/null 2> "$TMP/e"
	check "... into another user's file: refused (2), nothing appended" \
		sh -c '[ $0 -eq 2 ] && grep -q "theirs.tar: not the user.s own file" "$1" && [ ! -s "$2" ]' $? "$TMP/e" "$TMP/shared/theirs.tar"
else
	skip "an archive of another user's" "needs root to give a file away"
fi
