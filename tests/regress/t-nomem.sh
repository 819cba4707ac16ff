# Out of memory at every allocation of a record's decision, in turn, in
# each stage (faults.so's FAULT_MALLOC, counted from a path each stage
# opens once its world is loaded: OpenSSL 3 carries on after an
# allocation of its own start-up failed and crashes later, which no
# caller can mend).  solr-verify-sig is left out: libxml2 2.9's XML Schema
# code, which validates every request, reads through a pointer its failed
# allocation left NULL, and corrupts its heap (found here); what it could
# answer otherwise, "not valid", is caught and said to be out of memory.  Whatever fails: no crash, and either the run is in
# trouble (exit 2) or every record is decided as it is with memory to
# spare.  An allocation that failed inside libxml2 or OpenSSL is never
# taken for a fault of the record (a signature that "does not verify", a
# chain that "does not hold", a body cut short).
R=$BUILD/requests
if [ ! -f "$FAULTS" ]; then
	skip "out of memory" "build/faults.so is not built (make check builds it)"
elif [ -n "${SOLR_SANITIZE:-}" ]; then
	skip "out of memory" "under $SOLR_SANITIZE the sanitizer's allocator comes first"
else
fresh_world "$TMP/base"
verdicts() { grep -E '^(verdict|code|reason):' "$1"; }
# the stage's input, made once
solr-verify-sig -C "$TMP/base" --at $PIN "$R/srp-elec-cv4.xml" "$R/srp-gas-cv5.xml" > "$TMP/in2"
solr-failed-suppliers -C "$TMP/base" check < "$TMP/in2" > "$TMP/in3"
# and a device alert for gbcs-parse
solr-verify-sig -r -C "$TMP/base" --at 2026-03-03T09:00:00Z "$BUILD/alerts/alert-8F1D-failed.xml" > "$TMP/in3a"
cat "$TMP/in3" >> "$TMP/in3a"
solr-gbcs-parse -C "$TMP/base" < "$TMP/in3" > "$TMP/in4"
solr-adt-check -C "$TMP/base" < "$TMP/in4" > "$TMP/in5"
# and for adt-check, a request fed twice in one batch (the second is the
# first's duplicate)
solr-verify-sig -C "$TMP/base" --at $PIN "$R/srp-elec-cv4.xml" "$R/srp-elec-cv4.xml" "$R/srp-gas-cv5.xml" |
	solr-failed-suppliers -C "$TMP/base" check | solr-gbcs-parse -C "$TMP/base" > "$TMP/in4d"
rm -rf "$TMP/base/state/adt-"* "$TMP/base/state/countersign-"*
# sweep NAME AFTER INPUT CMD...: CMD on a copy of the base world each time,
# at about 300 of its allocations spread evenly (all of them, to $cap)
sweep() {
	_name=$1 _after=$2 _in=$3; shift 3
	rm -rf "$TMP/s"; cp -a "$TMP/base" "$TMP/s"
	"$@" < "$_in" > "$TMP/ref" 2>/dev/null
	verdicts "$TMP/ref" > "$TMP/refv"
	rm -rf "$TMP/s"; cp -a "$TMP/base" "$TMP/s"
	faulty FAULT_MALLOC_AFTER="$_after" FAULT_MALLOC_LOG="$TMP/k" "$@" < "$_in" > /dev/null 2>&1
	_k=$(cat "$TMP/k" 2>/dev/null || echo 0)
	_step=$(( _k / ${cap:-300} + 1 )) _n=1 _runs=0 _bad=
	while [ $_n -le "$_k" ]; do
		rm -rf "$TMP/s"; cp -a "$TMP/base" "$TMP/s"
		faulty FAULT_MALLOC_AFTER="$_after" FAULT_MALLOC=$_n "$@" < "$_in" > "$TMP/o" 2> "$TMP/e"
		_rc=$?
		_runs=$((_runs + 1))
		if [ $_rc -gt 2 ]; then _bad="$_bad $_n:signal$((_rc - 128))"
		elif [ $_rc -eq 2 ] && [ ! -s "$TMP/e" ]; then _bad="$_bad $_n:silent"
		elif [ $_rc -le 1 ] && ! verdicts "$TMP/o" | cmp -s - "$TMP/refv"; then _bad="$_bad $_n:decided-otherwise"
		fi
		_n=$((_n + _step))
	done
	check "$_name: out of memory at each of $_runs of its $_k allocations: no crash, and trouble or the same decisions" \
		sh -c '[ -z "$0" ] && [ "$1" -ge 50 ]' "$_bad" "$_runs"
	[ -z "$_bad" ] || echo "# $_name:$_bad" | cut -c1-400
}
skip "solr-verify-sig out of memory" "libxml2 2.9's XML Schema validation crashes when an allocation of its own fails"
sweep solr-failed-suppliers failed-suppliers.yaml "$TMP/in2" solr-failed-suppliers -C "$TMP/s" check
sweep solr-gbcs-parse .seg "$TMP/in3a" solr-gbcs-parse -C "$TMP/s" --at 2026-03-03T09:00:00Z
# an alert Response named as an operand, every allocation in turn
cap=100000
sweep "solr-gbcs-parse, an alert file" .seg /dev/null solr-gbcs-parse -C "$TMP/s" \
	--at 2026-03-03T09:00:00Z "$BUILD/alerts/alert-8F1D-failed.xml"
# the same alert's GBCS payload decoded and checked with -b
sed -n 's/.*<sr:GBCSPayload>\([^<]*\)<.*/\1/p' "$BUILD/alerts/alert-8F1D-failed.xml" > "$TMP/alert.b64"
sweep "solr-gbcs-parse -b" state/devices /dev/null solr-gbcs-parse -C "$TMP/s" \
	--at 2026-03-03T09:00:00Z -b "$TMP/alert.b64"
cap=
# adt-check's decisions, every allocation of them in turn, from the
# Authority instructions it reads at start
cap=100000
sweep solr-adt-check instructions.yaml "$TMP/in4d" solr-adt-check -C "$TMP/s"
cap=
sweep solr-countersign countersign-ledger "$TMP/in5" solr-countersign -C "$TMP/s" --at $PIN
fi
