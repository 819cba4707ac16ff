# Device alerts: decoded and verified by solr-gbcs-parse, routed by
# solr-failed-suppliers route.
W=$(own_world) A=$BUILD/alerts
T2=2026-03-03T09:00:00Z
solr-verify-sig -r -C "$W" --at $T2 "$A"/*.xml 2>/dev/null > "$TMP/v"
solr-gbcs-parse -C "$W" < "$TMP/v" > "$TMP/g"
solr-failed-suppliers -C "$W" route < "$TMP/g" > "$TMP/r"
check "every alert passes through: as many out as in" [ "$(count_records "$TMP/r")" -eq "$(ls "$A"/*.xml | wc -l)" ]
awk '/^---$/{r++} {print > ("'"$TMP"'/r." r)}' "$TMP/r"
awk '/^---$/{r++} {print > ("'"$TMP"'/g." r)}' "$TMP/g"
i=0
ls "$A"/*.xml | while read -r f; do i=$((i + 1)); echo "$i $(basename "$f")"; done > "$TMP/order"
while IFS='	' read -r f verdict fwd crit; do
	k=$(awk -v f="$f" '$2 == f { print $1 }' "$TMP/order")
	rec=$TMP/r.$k
	if [ "$verdict" = reject ]; then
		if [ "$(field "$rec" verdict)" = reject ] && grep -q "^reason: .*$crit" "$rec"; then ok "$f: rejected ($crit)"
		else not_ok "$f: rejected ($crit)" "$(field "$rec" reason)"; fi
	elif [ "$fwd" = - ]; then
		same_files "$f: a healthy supplier's alert comes out untouched" "$rec" "$TMP/g.$k"
		check "... and verified" grep -q "^  check: device signature verified" "$rec"
	else
		if [ "$(field "$rec" verdict)" = pass ] && grep -q "^  forward_to: $fwd$" "$rec" &&
			grep -q "^  safety_critical: $crit$" "$rec" && grep -q "^  deliver_to: 90-B3-D5-1F-30-01-00-00$" "$rec"; then
			ok "$f: delivered, forwarded to $fwd, safety_critical $crit"
		else not_ok "$f: delivered, forwarded to $fwd, safety_critical $crit"; fi
	fi
done < "$A/ALERTS.tsv"
# alerts as documents, without a record
solr-gbcs-parse -C "$W" --at $T2 "$A/alert-8F74-failed.xml" "$A/t-alert-duis-code.xml" > "$TMP/d" 2>/dev/null
check "alert responses as files: one record each" [ "$(count_records "$TMP/d")" -eq 2 ]
check "... checked" [ "$(grep -c '^verdict: pass' "$TMP/d")" -eq 1 ]
solr-gbcs-parse -C "$W" --at $T2 < "$A/alert-8F1D-failed.xml" > "$TMP/d2"
check "an alert response on stdin" grep -q "^  code: 0x8F1D$" "$TMP/d2"
# a safety-critical list from the policy
fresh_world "$TMP/w"
{ grep -v '^safety_critical_alerts:' "$W/policy.yaml"; echo 'safety_critical_alerts: [0x8F30]'; } > "$TMP/w/policy.yaml"
solr-failed-suppliers -C "$TMP/w" route < "$TMP/g" > "$TMP/r2"
check "the policy's list decides what is safety-critical" [ "$(grep -c 'safety_critical: true' "$TMP/r2")" -eq 1 ]
# the RTDS alerts
if have_vectors; then
	sh tests/mk-vworld "$VECTORS" "$TMP/vw"
	for f in NA_GCA-DLMS/GCA-DLMS_NA_8F30_ALERT_GBCS.HEX NA_GCA-ZigBee/GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX \
		2.1_ECS08a/ECS08a_2.1_8F66_FUTURE_DATED_SUCCESS_ALERT_CALENDAR_GBCS.HEX \
		2.1_GCS05/GCS05_2.1_8F66_FUTURE_DATED_SUCCESS_ALERT_EMERGENCY_CREDIT_SETUP_GBCS.HEX; do
		solr-gbcs-parse -C "$TMP/vw" -x "$VECTORS/gbcs/rtds/$f" > "$TMP/x"
		check "RTDS $(basename "$f" _GBCS.HEX): the device signature verifies" grep -q "^  check: device signature verified" "$TMP/x"
	done
	for f in NA_GNCA-DLMS/GNCA-DLMS_NA_810E_ALERT_GBCS.HEX NA_GNCA-ZigBee/GNCA-ZigBee_NA_810E_ALERT_GBCS.HEX; do
		solr-gbcs-parse -C "$TMP/vw" -x "$VECTORS/gbcs/rtds/$f" > "$TMP/x"
		check "RTDS $(basename "$f" _GBCS.HEX): the MAC verifies" grep -q "^  check: MAC verified" "$TMP/x"
	done
	rm "$TMP/vw/keys/90B3D51F30010000.ka.key"
	solr-gbcs-parse -C "$TMP/vw" -x "$VECTORS/gbcs/rtds/$f" > "$TMP/x"
	check "without the recipient's key the MAC is not verifiable, the alert still decodes" \
		grep -q "^  check: 'MAC not verifiable" "$TMP/x"
	solr-gbcs-parse -C "$TMP/vw" -x "$VECTORS/gbcs/rtds/2.1_ECS08a/ECS08a_2.1_8F66_FUTURE_DATED_SUCCESS_ALERT_CALENDAR_GBCS.HEX" > "$TMP/x"
	check "a future-dated alert names its command" grep -q "future_dated: {message_code: 0x00DE, counter: 1004, object: 'class 9000, 0-0:94.44.128.28, attribute 6'}" "$TMP/x"
else
	skip "RTDS alerts" "$VECTORS is absent"
fi
