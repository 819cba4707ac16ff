# Crash consistency: kill -9 at points spread over the writes, syncs and
# renames of countersign (ledger and SAT appends), adt-check (counter
# updates) and apply, many times over.  Each process stops itself at the
# chosen point (faults.so's FAULT_STOP) and is killed there, so the kill
# lands where it was meant to, however loaded the machine.
# Afterwards the state files are valid, and no completed write is lost:
# every record that left has its ledger entry, its SAT entry and its
# count.  SOLR_CRASH_ITER sets the number of kills of each kind (12).
R=$BUILD/requests
N=${SOLR_CRASH_ITER:-12}
fresh_world "$TMP/base"
solr-verify-sig -C "$TMP/base" --at $PIN "$R"/batch/*.xml 2>/dev/null |
	solr-failed-suppliers -C "$TMP/base" check | solr-gbcs-parse -C "$TMP/base" > "$TMP/r3"
rm -rf "$TMP/base/state"	# the objects go with each copy
n3=$(count_records "$TMP/r3")
check "crash setup: $n3 distinct pre-commands pass to adt-check" [ "$n3" -ge 40 ]
cp -R "$TMP/base" "$TMP/w0"
# the objects the records name
solr-verify-sig -C "$TMP/w0" --at $PIN "$R"/batch/*.xml > /dev/null 2>&1
solr-adt-check -C "$TMP/w0" < "$TMP/r3" > "$TMP/r4"
rm -rf "$TMP/w0"/state/adt-counters* "$TMP/w0"/state/adt-requests-*
cp -R "$TMP/w0" "$TMP/seed"

# the points: every write, sync and rename under the world and its trail
w=$TMP/cw
rm -rf "$w"; cp -R "$TMP/seed" "$w"
points=$(stop_points "$w/" solr-countersign -C "$w" --at $PIN --sat "$w/sat" < "$TMP/r4")
step=$((points / N)); [ $step -ge 1 ] || step=1
check "crash setup: countersign makes $points writes, syncs and renames, killed every $step" [ "$points" -ge "$N" ]
lost=0 invalid=0 killed=0 i=1
while [ $i -le "$N" ]; do
	rm -rf "$w"; cp -R "$TMP/seed" "$w"
	kill_at "$w/" $(((i - 1) * step)) solr-countersign -C "$w" --at $PIN --sat "$w/sat" \
		< "$TMP/r4" > "$TMP/out" 2>/dev/null && killed=$((killed + 1))
	# a run with no input recovers (cuts a torn SAT entry), then checks
	# (nothing in it: exit 1, nothing checked; 2 would be trouble)
	printf "" | solr-countersign -C "$w" --at $PIN --sat "$w/sat" > /dev/null 2>&1
	[ $? -le 1 ] || { invalid=$((invalid + 1)); echo "# recovery failed: $w"; }
	solr-countersign -C "$w" --verify-sat "$w/sat" > /dev/null 2>&1 || { invalid=$((invalid + 1)); echo "# SAT check failed: $w"; }
	# every line of the ledger is whole, or the last one is torn
	awk 'NF != 4 || $1 !~ /^[0-9A-F]+$/ || length($1) != 16 || length($4) != 64 { bad++ } END { exit bad > 1 }' \
		"$w/state/countersign-ledger" 2>/dev/null || { invalid=$((invalid + 1)); echo "# ledger check failed: $w"; }
	# every accepted record that left is in the ledger and the SAT
	awk '/^---$/ { o = c = "" } /^  originator: / { o = $2 } /^  counter: / { c = $2 }
	    /^verdict: accept/ { gsub(/-/, "", o); print o, c }' "$TMP/out" > "$TMP/left"
	while read -r o c; do
		grep -q "^$o $c " "$w/state/countersign-ledger" || lost=$((lost + 1))
		grep -q ":$c\$" "$w/sat/sat.log" || lost=$((lost + 1))
	done < "$TMP/left"
	rm -rf "$w"
	i=$((i + 1))
done
check "countersign killed at each of the $N points" [ "$killed" -eq "$N" ]
check "... the ledger and SAT stay valid" [ "$invalid" -eq 0 ]
check "... and no record that left lost its ledger or SAT entry" [ "$lost" -eq 0 ]

# adt-check: the counts that left are on disk
lost=0 invalid=0 killed=0 i=1
w=$TMP/a
rm -rf "$w"; cp -R "$TMP/seed" "$w"
points=$(stop_points "$w/state/" solr-adt-check -C "$w" < "$TMP/r3")
step=$((points / N)); [ $step -ge 1 ] || step=1
total=0
while [ $i -le "$N" ]; do
	rm -rf "$w"; cp -R "$TMP/seed" "$w"
	kill_at "$w/state/" $(((i - 1) * step)) solr-adt-check -C "$w" \
		< "$TMP/r3" > "$TMP/out" 2>/dev/null && killed=$((killed + 1))
	solr-adt-check -C "$w" counters > "$TMP/cn" 2>/dev/null || invalid=$((invalid + 1))
	now=$(awk '$2 == "2.1" { print $NF }' "$TMP/cn" | head -1)
	high=$(sed -n 's/.*count: \([0-9]*\),.*/\1/p' "$TMP/out" | sort -n | tail -1)
	[ -z "$high" ] || [ "${now:-0}" -ge "$high" ] || lost=$((lost + 1))
	i=$((i + 1))
done
check "adt-check killed at each of $N points, spread over its $points writes" [ "$killed" -eq "$N" ]
check "... the counters stay readable" [ "$invalid" -eq 0 ]
check "... and no count that left is lost" [ "$lost" -eq 0 ]

# apply: the list and its history
invalid=0 killed=0 i=0
w=$TMP/l
rm -rf "$w"; cp -R "$TMP/seed" "$w"
points=$(stop_points "$w/" solr-failed-suppliers -C "$w" apply "$BUILD/world/failed-suppliers.yaml" \
	--by ops --reason count --accept version-not-newer)
while [ $i -lt "$points" ]; do
	kill_at "$w/" $i solr-failed-suppliers -C "$w" apply "$BUILD/world/failed-suppliers.yaml" \
		--by ops --reason "crash $i" --accept version-not-newer > /dev/null 2>&1 && killed=$((killed + 1))
	# whole, or the list installed by an apply that died before its
	# history entry: said so (exit 1), never a broken history
	solr-failed-suppliers -C "$w" show > /dev/null 2> "$TMP/se"
	case $? in
	0) ;;
	1) grep -q "an apply was interrupted" "$TMP/se" || invalid=$((invalid + 1)) ;;
	*) invalid=$((invalid + 1)) ;;
	esac
	i=$((i + 1))
done
solr-failed-suppliers -C "$w" apply "$BUILD/world/failed-suppliers.yaml" \
	--by ops --reason after --accept version-not-newer > "$TMP/ap" 2>&1
check "apply killed at each of its $points writes, syncs and renames" sh -c '[ $0 -ge 3 ] && [ $0 -eq $1 ]' "$points" "$killed"
check "... the list stays valid" [ "$invalid" -eq 0 ]
check "... the next apply succeeds" grep -q "^applied version" "$TMP/ap"
check "... and no temporary file is left" [ -z "$(ls "$w" | grep '\.tmp')" ]
