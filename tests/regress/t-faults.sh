# Faults: stdout on /dev/full, failed fsyncs of the ledger, the counters,
# the list and the SAT, a failed rename during apply, a failed open.  Each
# ends with exit 2, a message, and the world and state as they were (the
# object store may keep objects it was given: they are named by their
# content and nothing refers to them).
R=$BUILD/requests
snap() {	# the world's files and state, without the object stores and
	# the ledgers' indexes (built again from their ledger whenever in
	# doubt) and live files; the ADT counters by their counts (their
	# generation moves at every sync, even of a batch taken back)
	(cd "$1" && find . -path ./state/objects -prune -o -path ./sat/objects -prune \
		-o -path './state/*-index' -prune -o -path './state/*-live' -prune \
		-o -path './state/adt-counters*' -prune \
		-o -type f -print | LC_ALL=C sort | xargs sha256sum)
	solr-adt-check -C "$1" counters
}
if [ ! -f "$FAULTS" ]; then
	skip "fault injection" "build/faults.so is not built (make check builds it)"
else
fresh_world "$TMP/w"
w=$TMP/w
# records before each stage, and state that exists already
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" > "$TMP/r1"
solr-failed-suppliers -C "$w" check < "$TMP/r1" > "$TMP/r2"
solr-gbcs-parse -C "$w" < "$TMP/r2" > "$TMP/r3"
# the SMETS1 request (no ledger entry) goes through to make the SAT: the
# SMETS2+ one will need a new ledger entry
solr-verify-sig -C "$w" --at $PIN "$R/srp-gas-cv4.xml" | solr-failed-suppliers -C "$w" check |
	solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" > "$TMP/r4"
solr-countersign -C "$w" --at $PIN --sat "$w/sat" < "$TMP/r4" > "$TMP/r5"
check "fault setup: the flow accepts the request" [ "$(grep -c '^verdict: accept' "$TMP/r5")" -eq 1 ]
solr-failed-suppliers -C "$w" apply "$BUILD/world/failed-suppliers.yaml" \
	--by ops --reason setup --accept version-not-newer > /dev/null
# the same requests again, at a later time: new counts, new ledger keys
sed 's/^received_at: .*/received_at: 2026-03-02T12:00:00Z/' "$TMP/r3" > "$TMP/r3b"
seal "$w" "$TMP/r3b"
snap "$w" > "$TMP/before"

same_state() {
	snap "$w" > "$TMP/after"
	cmp -s "$TMP/before" "$TMP/after" && return 0
	[ -n "${SOLR_DEBUG:-}" ] && diff "$TMP/before" "$TMP/after" >&2
	return 1
}
# expect NAME STDERR-PATTERN: exit 2, the message, nothing changed
expect() {
	check "$1: exit 2" [ "$rc" -eq 2 ]
	check "... saying why" grep -q "$2" "$TMP/err"
	check "... the world and state as they were" same_state
}

# stdout on /dev/full, every tool
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" > /dev/full 2>"$TMP/err"; rc=$?
expect "verify-sig, stdout on /dev/full" "(stdout).*No space left on device"
solr-failed-suppliers -C "$w" check < "$TMP/r1" > /dev/full 2>"$TMP/err"; rc=$?
expect "failed-suppliers check, stdout on /dev/full" "(stdout).*No space left on device"
solr-gbcs-parse -C "$w" < "$TMP/r2" > /dev/full 2>"$TMP/err"; rc=$?
expect "gbcs-parse, stdout on /dev/full" "(stdout).*No space left on device"
solr-adt-check -C "$w" < "$TMP/r3b" > /dev/full 2>"$TMP/err"; rc=$?
expect "adt-check, stdout on /dev/full" "its counts are taken back"
solr-adt-check -C "$w" < "$TMP/r3b" > "$TMP/o" 2>/dev/null
check "... and a run after it counts from where it was" grep -q "count: 1, window_start: '2026-03-02T12:00:00Z'" "$TMP/o"
snap "$w" > "$TMP/before"
solr-countersign -C "$w" --at $PIN --sat "$w/sat" < "$TMP/o" > /dev/full 2>"$TMP/err"; rc=$?
expect "countersign, stdout on /dev/full" "its ledger and SAT entries are taken back"

# failed fsyncs
faulty FAULT_FSYNC=countersign-ledger solr-countersign -C "$w" --at $PIN < "$TMP/o" > "$TMP/out" 2>"$TMP/err"; rc=$?
expect "countersign, the ledger's fsync fails" "countersign-ledger: fsync: Input/output error; the entries of this batch are taken back"
check "... and no record leaves" [ ! -s "$TMP/out" ]
faulty FAULT_FSYNC=countersign-index solr-countersign -C "$w" --at $PIN < "$TMP/o" > "$TMP/out" 2>"$TMP/err"; rc=$?
expect "countersign, the ledger index's fsync fails" "countersign-index.*fsync: Input/output error"
check "... and no record passes" [ "$(grep -c '^verdict: accept' "$TMP/out")" -eq 0 ]
faulty FAULT_FSYNC=sat.log solr-countersign -C "$w" --at $PIN --sat "$w/sat" < "$TMP/o" > "$TMP/out" 2>"$TMP/err"; rc=$?
expect "countersign, the SAT's fsync fails" "sat.log: fsync: Input/output error"
check "... and no record leaves" [ ! -s "$TMP/out" ]
solr-countersign -C "$w" --verify-sat "$w/sat" > /dev/null 2>&1
check "... the SAT chain is intact" [ $? -eq 0 ]
# a request adt-check has not counted yet (a duplicate counts nothing)
solr-verify-sig -C "$w" --at $PIN "$R/batch/001.xml" | solr-failed-suppliers -C "$w" check |
	solr-gbcs-parse -C "$w" > "$TMP/r3c"
snap "$w" > "$TMP/before"
faulty FAULT_FSYNC=adt-counters solr-adt-check -C "$w" < "$TMP/r3c" > "$TMP/out" 2>"$TMP/err"; rc=$?
expect "adt-check, the counters' fsync fails" "adt-counters: fsync: Input/output error"
check "... and no record leaves" [ ! -s "$TMP/out" ]
for f in failed-suppliers.yaml.tmp failed-suppliers.history; do
	faulty FAULT_FSYNC=$f solr-failed-suppliers -C "$w" apply \
		"$BUILD/world/failed-suppliers.yaml" --by ops --reason again --accept version-not-newer > "$TMP/out" 2>"$TMP/err"; rc=$?
	expect "apply, the fsync of $f fails" "not applied: the list and its history are as they were"
done
faulty FAULT_RENAME=failed-suppliers.yaml solr-failed-suppliers -C "$w" apply \
	"$BUILD/world/failed-suppliers.yaml" --by ops --reason again --accept version-not-newer > "$TMP/out" 2>"$TMP/err"; rc=$?
expect "apply, the rename fails" "not applied: the list and its history are as they were"
check "... and leaves no temporary file" [ -z "$(ls "$w" | grep '\.tmp')" ]
faulty FAULT_OPEN=countersign-ledger solr-countersign -C "$w" --at $PIN < "$TMP/o" > "$TMP/out" 2>"$TMP/err"; rc=$?
expect "countersign, the ledger cannot be opened" "countersign-ledger: Input/output error"
faulty FAULT_OPEN=adt-counters solr-adt-check -C "$w" < "$TMP/r3b" > "$TMP/out" 2>"$TMP/err"; rc=$?
expect "adt-check, the counters cannot be opened" "adt-counters: Input/output error"
# the object store: a segment that cannot be written; the request is
# rejected, the run ends in trouble, and the next object goes elsewhere
# (requests this store does not hold yet: one it holds is not written)
faulty FAULT_WRITE=.seg solr-verify-sig -C "$w" --at $PIN "$R/srp2-elec-cv5.xml" > "$TMP/out" 2>"$TMP/err"; rc=$?
expect "verify-sig, the object store's segment cannot be written" "\.seg: write: Input/output error"
check "... and the request is rejected, not lost" [ "$(grep -c '^verdict: reject' "$TMP/out")" -eq 1 ]
faulty FAULT_WRITE=.seg FAULT_SKIP=1 solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv4.xml" "$R/srp-elec-cv5-pretty.xml" > "$TMP/out" 2>"$TMP/err"; rc=$?
check "... a later object goes into a new segment" [ "$(grep -c '^verdict: pass' "$TMP/out")" -eq 1 ]
# and with no fault, the same runs go through
solr-countersign -C "$w" --at $PIN --sat "$w/sat" < "$TMP/o" > "$TMP/out" 2>"$TMP/err"
check "with no fault, countersign accepts" [ "$(grep -c '^verdict: accept' "$TMP/out")" -eq 2 ]
# the counters' writes failing from the Kth on, for each K: the run is in
# trouble, naming the file, and the next run goes on from what is there,
# never counting fewer than a run with no fault (a count it could not
# take back stays: the safe way)
fresh_world "$TMP/cb"
solr-verify-sig -C "$TMP/cb" --at $PIN "$R/srp-elec-cv4.xml" "$R/srp-gas-cv4.xml" "$R/srp-gas-cv5.xml" |
	solr-failed-suppliers -C "$TMP/cb" check | solr-gbcs-parse -C "$TMP/cb" > "$TMP/cin"
rm -rf "$TMP/cb/state/adt-"*
rm -rf "$TMP/cs"; cp -a "$TMP/cb" "$TMP/cs"
solr-adt-check -C "$TMP/cs" < "$TMP/cin" > /dev/null
refn=$(solr-adt-check -C "$TMP/cs" counters | awk '{ n += $NF } END { print n + 0 }')
k=0 faulted=0 bad=
while [ $k -le 12 ]; do
	rm -rf "$TMP/cs"; cp -a "$TMP/cb" "$TMP/cs"
	faulty FAULT_WRITE=adt-counters FAULT_SKIP=$k solr-adt-check -C "$TMP/cs" < "$TMP/cin" > /dev/null 2> "$TMP/ce"
	rc=$?
	[ $rc -eq 2 ] && faulted=$((faulted + 1))
	{ [ $rc -eq 0 ] || { [ $rc -eq 2 ] && grep -q "adt-counters" "$TMP/ce"; }; } || bad="$bad $k:rc$rc"
	solr-adt-check -C "$TMP/cs" < "$TMP/cin" > /dev/null 2> "$TMP/ce2" || bad="$bad $k:next"
	n=$(solr-adt-check -C "$TMP/cs" counters | awk '{ n += $NF } END { print n + 0 }')
	[ "$n" -ge "$refn" ] || bad="$bad $k:counted$n<$refn"
	k=$((k + 1))
done
check "adt-check, the counters' writes failing from each point on: trouble naming them, then a run that counts no fewer ($faulted faulted)" \
	sh -c '[ -z "$0" ] && [ "$1" -ge 5 ]' "$bad" "$faulted"


# a world its user may read but not write (a read-only file system): each
# stage rejects every record it reads or file it is given, naming the
# file it could not write, and exits 2; the auditor's commands read it
fresh_world "$TMP/ro"
ro=$TMP/ro
solr-verify-sig -C "$ro" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" > "$TMP/ro1"
solr-failed-suppliers -C "$ro" check < "$TMP/ro1" > "$TMP/ro2"
solr-gbcs-parse -C "$ro" < "$TMP/ro2" > "$TMP/ro3"
solr-adt-check -C "$ro" < "$TMP/ro3" > "$TMP/ro4"
solr-countersign -C "$ro" --at $PIN --sat "$ro/sat" < "$TMP/ro4" > /dev/null
snap "$ro" > "$TMP/ro.before"
rofs() { faulty FAULT_ROFS="$ro/" "$@"; }
for st in "verify-sig:/dev/null:solr-verify-sig -C $ro --at $PIN $R/srp-elec-cv4.xml $R/srp-gas-cv5.xml" \
	"gbcs-parse:$TMP/ro2:solr-gbcs-parse -C $ro" \
	"gbcs-parse:/dev/null:solr-gbcs-parse -C $ro --at $PIN $BUILD/alerts/alert-8F1D-failed.xml $R/srp-gas-cv5.xml" \
	"adt-check:$TMP/ro3:solr-adt-check -C $ro" \
	"countersign:$TMP/ro4:solr-countersign -C $ro --at $PIN --sat $ro/sat"; do
	name=${st%%:*} rest=${st#*:}; in=${rest%%:*} cmd=${rest#*:}
	# shellcheck disable=SC2086
	rofs $cmd < "$in" > "$TMP/o" 2> "$TMP/e"
	check "a read-only world: $name exits 2, naming the file it cannot write" \
		sh -c '[ $0 -eq 2 ] && grep -q "^solr-$1: $2/state/.*: Read-only file system" "$3"' $? "$name" "$ro" "$TMP/e"
	check "... and rejects each of its 2 records, saying why" \
		sh -c '[ "$(grep -c "^verdict: reject$" "$0")" -eq 2 ] &&
		    [ "$(grep -c "^reason: .the stage..s state could not be used: .*Read-only file system" "$0")" -eq 2 ]' "$TMP/o"
done
rofs solr-failed-suppliers -C "$ro" check < "$TMP/ro1" > "$TMP/o" 2> "$TMP/e"
check "... failed-suppliers check, which keeps no state, decides as before" \
	sh -c '[ $0 -eq 0 ] && [ "$(grep -c "^verdict: pass$" "$1")" -eq 2 ]' $? "$TMP/o"
rofs solr-sat verify -C "$ro" "$ro/sat" > "$TMP/o" 2> "$TMP/e"
check "... the auditor verifies its trail (its counters read, not written)" \
	sh -c '[ $0 -eq 0 ] && grep -q "^entries: 2$" "$1"' $? "$TMP/o"
rofs solr-sat state -C "$ro" > "$TMP/o" 2> "$TMP/e"
check "... and its state" sh -c '[ $0 -eq 0 ] && grep -q "^state: [0-9a-f]\{64\}$" "$1"' $? "$TMP/o"
rofs solr-adt-check -C "$ro" counters > "$TMP/o" 2> "$TMP/e"
check "... and lists its counts" sh -c '[ $0 -eq 0 ] && [ "$(wc -l < "$1")" -ge 1 ]' $? "$TMP/o"
snap "$ro" > "$TMP/ro.after"
same_files "... and nothing in it changed" "$TMP/ro.before" "$TMP/ro.after"

fi
