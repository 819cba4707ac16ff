# solr-adt-check: role eligibility, the safe profile, the Authority gate,
# the thresholds, submit and the shared counters.
W=$(own_world) R=$BUILD/requests
AC=solr-adt-check
aw() { fresh_world "$TMP/aw"; rm -f "$TMP/aw"/adt/*; }
# records that passed the earlier stages
flow() {	# flow WORLD TIME FILE...: the three stages before adt-check
	w=$1 t=$2
	shift 2
	solr-verify-sig -C "$w" --at "$t" "$@" 2>/dev/null | solr-failed-suppliers -C "$w" check |
		solr-gbcs-parse -C "$w"
}
adt() {	# adt QUARANTINE [WARNING] [SRVS...]
	q=$1 wn=$2
	shift 2
	{ echo "srp: 00-DB-12-34-56-78-00-04"; echo "thresholds:"
	  for s in "${@:-2.1}"; do echo "  - {srv: \"$s\", window: 3600, warning: $wn, quarantine: $q}"; done
	} > "$TMP/adt.yaml"
}
first() { awk '/^---$/{r++} r==1' "$1"; }
aw
flow "$TMP/aw" $PIN "$R/srp-elec-cv5.xml" > "$TMP/r1"
adt 100 50
$AC -C "$TMP/aw" --at $PIN submit "$TMP/adt.yaml" > "$TMP/s1"
check "submit: a non-zero ADT under a current instruction is accepted" [ $? -eq 0 ]
same_files "... installed in adt/" "$TMP/adt.yaml" "$TMP/aw/adt/00-DB-12-34-56-78-00-04.yaml"
check "... and logged" grep -q "^result: accepted" "$TMP/aw/state/adt-submissions.log"
$AC -C "$TMP/aw" < "$TMP/r1" > "$TMP/o1"
check "a safe request under instruction and ADT passes" [ "$(field "$TMP/o1" verdict)" = pass ]
check "... with the instruction, the ADT and the count" \
	grep -q "^  adt-check: {result: pass, instruction: OFGEM/SOLR/2026/001, adt_sha256: [0-9a-f]*, count: 1, window_start: '2026-03-02T10:00:00Z', window: 3600}" "$TMP/o1"

# an ADT file in the SRP's place that is another SRP's, in a world of its
# own (the request is decided once a world)
fresh_world "$TMP/ax"
sed 's/^srp: 00-DB-12-34-56-78-00-04/srp: 00-DB-12-34-56-78-00-05/' "$TMP/adt.yaml" > "$TMP/ax/adt/00-DB-12-34-56-78-00-04.yaml"
flow "$TMP/ax" $PIN "$R/srp-elec-cv5.xml" | $AC -C "$TMP/ax" > "$TMP/o1x" 2> "$TMP/e1x"; rc=$?
check "an ADT file that names another SRP: the record rejected, not counted, naming the file" \
	sh -c '[ "$0" -eq 2 ] && [ "$(sed -n "s/^verdict: //p" "$1")" = reject ] && grep -q "adt/00-DB-12-34-56-78-00-04.yaml: the file is for another SRP" "$1" && ! grep -q "count:" "$1"' "$rc" "$TMP/o1x"
rm -rf "$TMP/ax"

# R3: role eligibility, from policy.yaml alone
flow "$TMP/aw" $PIN "$R/srp-srv23-cv4.xml" > "$TMP/r23"
$AC -C "$TMP/aw" < "$TMP/r23" > "$TMP/o23"
check "SRV 2.3 is not allowed: E2" grep -q "^reason: SRV 2.3 is not allowed for the SolrContingency role (policy.yaml roles.SolrContingency.srvs)" "$TMP/o23"
# an SRV without a content rule is a world that does not load: no policy
# lets the role send what nothing checks
sed 's/srvs: \["2.1"\]/srvs: ["2.1", "2.3"]/' "$W/policy.yaml" > "$TMP/aw/policy.yaml"
$AC -C "$TMP/aw" < "$TMP/r23" > "$TMP/o23b" 2> "$TMP/e23b"
check "with 2.3 added to the role, the world does not load: exit 2" [ $? -eq 2 ]
check "... naming the field and the rule" grep -q "policy.yaml:[0-9]*: roles.SolrContingency.srvs: SRV 2.3 has no content rule" "$TMP/e23b"
sed 's/srvs: \["2.1"\]/srvs: []/' "$W/policy.yaml" > "$TMP/aw/policy.yaml"
$AC -C "$TMP/aw" < "$TMP/r1" > "$TMP/o1b"
check "with 2.1 removed, SRV 2.1 is blocked: E2" [ "$(field "$TMP/o1b" code)" = E2 ]
sed 's/cvs: \[4, 5, 6, 7\]/cvs: [4]/' "$W/policy.yaml" > "$TMP/aw/policy.yaml"
$AC -C "$TMP/aw" < "$TMP/r1" > "$TMP/o1c"
check "a CommandVariant not allowed: E2" grep -q "^reason: CommandVariant 5 is not allowed" "$TMP/o1c"
cp "$W/policy.yaml" "$TMP/aw/policy.yaml"

# R5: the profile, E2 before the first schema version with E020101
aw
flow "$TMP/aw" $PIN "$R/srp-elec-unsafe-cv5.xml" "$R/srp-elec-calendar-stops-cv5.xml" > "$TMP/ru"
$AC -C "$TMP/aw" < "$TMP/ru" > "$TMP/ou"
awk '/^---$/{r++} {print > ("'"$TMP"'/u." r)}' "$TMP/ou"
check "unsafe values, schema 5.4 below 5.5: E2" [ "$(field "$TMP/u.1" code)" = E2 ]
check "... naming the field, the value and the rule" grep -q "^reason: EmergencyCreditLimit is 0; the profile requires min 1000000$" "$TMP/u.1"
check "a calendar that stops: the first instant" grep -q "non-disablement would end at 2026-03-07T22:00:00Z (schedule entry 2: STOP on a Saturday)" "$TMP/u.2"
sed 's/^e020101_from_schema_version: "5.5"/e020101_from_schema_version: "5.4"/' "$W/policy.yaml" > "$TMP/aw/policy.yaml"
$AC -C "$TMP/aw" < "$TMP/ru" > "$TMP/ou2"
check "schema 5.4 at the first version with E020101: E020101" [ "$(field "$TMP/ou2" code)" = E020101 ]
sed 's/^e020101_from_schema_version: "5.5"/e020101_from_schema_version: "5.3.9"/' "$W/policy.yaml" > "$TMP/aw/policy.yaml"
$AC -C "$TMP/aw" < "$TMP/ru" > "$TMP/ou3"
check "schema 5.4 above 5.3.9: E020101" [ "$(field "$TMP/ou3" code)" = E020101 ]
cp "$W/policy.yaml" "$TMP/aw/policy.yaml"
flow "$TMP/aw" $PIN "$R/srp-gas-cv4.xml" "$R/srp-gas-cv5.xml" "$R/srp-elec-cv4.xml" > "$TMP/rs"
$AC -C "$TMP/aw" < "$TMP/rs" > "$TMP/os"
check "the demo world's safe requests pass the profile (and are quarantined without an ADT)" \
	[ "$(grep -c '^code: AD1' "$TMP/os")" -eq 3 ]
check "... with no ADT file named" grep -q "has no accepted ADT file for SRV 2.1; the threshold is 0" "$TMP/os"

# R4/R6A: the gate, at the edges of the instruction window
aw
adt 100 50
$AC -C "$TMP/aw" --at 2026-03-02T10:00:00Z submit "$TMP/adt.yaml" > /dev/null
check "submit at the instruction's from: accepted" [ $? -eq 0 ]
$AC -C "$TMP/aw" --at 2026-03-02T09:59:59Z submit "$TMP/adt.yaml" > /dev/null 2>"$TMP/e"
check "submit a second before from: refused" [ $? -eq 1 ]
check "... naming the missing instruction" grep -q "no Authority instruction in instructions.yaml covers the SRP 00-DB-12-34-56-78-00-04 at 2026-03-02T09:59:59Z" "$TMP/e"
$AC -C "$TMP/aw" --at 2026-03-16T10:00:00Z submit "$TMP/adt.yaml" > /dev/null 2>&1
check "submit at the instruction's until: refused" [ $? -eq 1 ]
check "... and the refusals are logged" [ "$(grep -c '^result: refused' "$TMP/aw/state/adt-submissions.log")" -eq 2 ]
adt 0 0
$AC -C "$TMP/aw" --at 2026-01-01T00:00:00Z submit "$TMP/adt.yaml" > /dev/null
check "a zero ADT is accepted without an instruction" [ $? -eq 0 ]
adt 100 50
$AC -C "$TMP/aw" --at $PIN submit "$TMP/adt.yaml" > /dev/null
# (a request of its own each time: the same one again is a duplicate)
n=0
for edge in "2026-03-02T10:00:00Z pass" "2026-03-02T09:59:59Z quarantine" \
	"2026-03-16T09:59:59Z pass" "2026-03-16T10:00:00Z quarantine"; do
	t=${edge% *} want=${edge#* } n=$((n + 1))
	flow "$TMP/aw" "$t" "$R/batch/00$n.xml" | $AC -C "$TMP/aw" > "$TMP/oe"
	same "a request at $t: $want" "$(field "$TMP/oe" verdict)" "$want"
done
check "... the quarantine names the instruction that is missing" grep -q "no Authority instruction in instructions.yaml covers the failed supplier 90-B3-D5-1F-30-01-00-00 and the SRP 00-DB-12-34-56-78-00-04 at 2026-03-16T10:00:00Z; the threshold is 0" "$TMP/oe"
adt 100 50 2.3
$AC -C "$TMP/aw" --at $PIN submit "$TMP/adt.yaml" > /dev/null
flow "$TMP/aw" $PIN "$R/srp-gas-cv5.xml" | $AC -C "$TMP/aw" > "$TMP/on"
check "an ADT without the SRV: quarantine" grep -q "has no threshold in its ADT file for SRV 2.1" "$TMP/on"

# thresholds: warning, then quarantine; counts survive the process
aw
adt 3 1
$AC -C "$TMP/aw" --at $PIN submit "$TMP/adt.yaml" > /dev/null
flow "$TMP/aw" $PIN "$R/srp-elec-cv5.xml" > "$TMP/one"
for i in 1 2 3 4; do
	flow "$TMP/aw" $PIN "$R/batch/00$((i + 4)).xml" | $AC -C "$TMP/aw" > "$TMP/t$i"
done
check "request 1: pass" [ "$(field "$TMP/t1" verdict)" = pass ]
check "... without a warning" [ "$(grep -c warning "$TMP/t1")" -eq 0 ]
check "request 2: above the warning level, passes with a warning" grep -q "warning: request 2 in the window is above the warning threshold 1" "$TMP/t2"
check "request 3: passes" [ "$(field "$TMP/t3" verdict)" = pass ]
check "request 4: above the quarantine level: AD1" grep -q "^reason: request 4 of the SRP 00-DB-12-34-56-78-00-04 for SRV 2.1 in the window from 2026-03-02T10:00:00Z is above the quarantine threshold 3" "$TMP/t4"
flow "$TMP/aw" 2026-03-02T11:00:00Z "$R/srp-elec-cv5.xml" | $AC -C "$TMP/aw" > "$TMP/t5"
check "a new window starts at 1" grep -q "count: 1, window_start: '2026-03-02T11:00:00Z'" "$TMP/t5"
$AC -C "$TMP/aw" counters > "$TMP/cn"
check "counters: the two windows" [ "$(grep -c '^00-DB-12-34-56-78-00-04  2.1' "$TMP/cn")" -eq 2 ]
# two processes share the counts
aw
adt 100000 100000
$AC -C "$TMP/aw" --at $PIN submit "$TMP/adt.yaml" > /dev/null
ls "$R"/batch/*.xml > "$TMP/all"
nb=$(wc -l < "$TMP/all")
flow "$TMP/aw" $PIN $(cat "$TMP/all") > "$TMP/many"
# each process its half of the requests
awk '/^---$/ { r++ } r % 2 == 1' "$TMP/many" > "$TMP/half1"
awk '/^---$/ { r++ } r % 2 == 0' "$TMP/many" > "$TMP/half2"
$AC -C "$TMP/aw" < "$TMP/half1" > "$TMP/p1" &
$AC -C "$TMP/aw" < "$TMP/half2" > "$TMP/p2" &
wait
sed -n 's/.*count: \([0-9]*\),.*/\1/p' "$TMP/p1" "$TMP/p2" | sort -n | uniq > "$TMP/counts"
check "two concurrent processes: $nb distinct counts" [ "$(wc -l < "$TMP/counts")" -eq "$nb" ]
check "... from 1 to $nb" [ "$(head -1 "$TMP/counts")-$(tail -1 "$TMP/counts")" = "1-$nb" ]
# both processes on all of them at once: each request is counted once,
# the other process's copy is its duplicate
aw
adt 100000 100000
$AC -C "$TMP/aw" --at $PIN submit "$TMP/adt.yaml" > /dev/null
for i in 1 2 3; do $AC -C "$TMP/aw" < "$TMP/many" > "$TMP/q$i" & done
wait
same "three processes on the same $nb requests at once: counted $nb times" \
	"$($AC -C "$TMP/aw" counters | awk '{ print $5 }')" "$nb"
check "... each copy either counted or the duplicate of one that was" \
	[ "$(cat "$TMP/q1" "$TMP/q2" "$TMP/q3" | grep -c 'duplicate_of:')" -eq $((2 * nb)) ]
sed -n 's/.*count: \([0-9]*\),.*/\1/p' "$TMP/q1" "$TMP/q2" "$TMP/q3" | sort -n | uniq > "$TMP/counts"
same "... and the counts are 1 to $nb" "$(wc -l < "$TMP/counts")-$(head -1 "$TMP/counts")-$(tail -1 "$TMP/counts")" "$nb-1-$nb"

# other senders, and records decided before
flow "$TMP/aw" $PIN "$R/healthy-elec-cv4.xml" | $AC -C "$TMP/aw" > "$TMP/h"
check "other senders are skipped" grep -q "^  adt-check: {result: skipped}" "$TMP/h"
flow "$TMP/aw" $PIN "$R/srp-elec-legacy-cv5.xml" > "$TMP/lg"
$AC -C "$TMP/aw" < "$TMP/lg" > "$TMP/lg2"
same_files "a rejected record passes through byte for byte" "$TMP/lg" "$TMP/lg2"
# configuration errors
sed 's/    DebtRecoveryRateCap: {eq: 0}//' "$W/policy.yaml" > "$TMP/aw/policy.yaml"
$AC -C "$TMP/aw" < /dev/null > /dev/null 2>"$TMP/e"
check "a profile without a field is a configuration error" [ $? -eq 2 ]
check "... naming the file, the field and the rule" grep -q "policy.yaml:[0-9]*: safe_prepay.electricity.DebtRecoveryRateCap: the profile has no rule" "$TMP/e"
