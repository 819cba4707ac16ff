# gbcs-parse's refusals of an SR 2.1 record, each for its reason, when a
# stage before lies to it (records written by hand and sealed with the
# world's key, as a stage holding it could): a body that is another
# SRV's, a request object that is not well-formed XML or has no body,
# one the store does not hold, and a record with no sender.
R=$BUILD/requests
fresh_world "$TMP/p"
w=$TMP/p
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv4.xml" | solr-failed-suppliers -C "$w" check > "$TMP/good"
check "setup: the request passes to gbcs-parse" grep -q '^  failed-suppliers: {result: pass' "$TMP/good"
# objects of documents that are not requests, in the world's store
printf '<sr:Request xmlns:sr="%s"><sr:Header>' "http://www.dccinterface.co.uk/ServiceUserGateway" > "$TMP/torn.xml"
printf '<sr:Request xmlns:sr="%s"/>\n' "http://www.dccinterface.co.uk/ServiceUserGateway" > "$TMP/nobody.xml"
solr-verify-sig -C "$w" --at $PIN "$TMP/torn.xml" "$TMP/nobody.xml" > "$TMP/others" 2>/dev/null
obj() {	# obj NAME: the request lines of the record of NAME
	awk -v s="source: $TMP/$1" '/^---$/ { k = 0 } $0 == s { k = 1 } k && /^  (object|at|size): /' "$TMP/others"
}
from=good at=$PIN
lie() {	# lie NAME SED...: the record in $from changed, sealed; gbcs-parse's record in NAME.out
	_n=$1; shift
	sed "$@" "$TMP/$from" > "$TMP/$_n"
	seal "$w" "$TMP/$_n"
	solr-gbcs-parse -C "$w" --at "$at" < "$TMP/$_n" > "$TMP/$_n.out" 2> "$TMP/$_n.err"
	echo $? > "$TMP/$_n.rc"
}
swap() {	# swap NAME FILE SED...: lie NAME with the request object of FILE's record
	_s=$1 _f=$2; shift 2
	obj "$_f" > "$TMP/objlines"
	lie "$_s" -e "/^  object: /d; /^  at: /d; /^  size: /d" -e "/^request:\$/r $TMP/objlines" "$@"
}
said() {	# said NAME CODE REASON: rejected with the code, for the reason
	grep -q '^verdict: reject$' "$TMP/$1.out" && grep -q "^code: $2\$" "$TMP/$1.out" &&
		grep -q "^reason: .*$3" "$TMP/$1.out"
}
lie srv 's/^  body: update-prepay-configuration$/  body: update-debt/'
check "an SR 2.1 record whose body is another SRV's: rejected E2 (E020101 from its version on), naming both" \
	said srv E2 "SRV 2.1 with a update-debt body; it takes UpdatePrepayConfiguration or SignedPreCommand"
swap torn torn.xml
check "a request object that is not well-formed XML: rejected, saying so" said torn null "not well-formed XML"
swap nobody nobody.xml
check "a request object with no body: rejected, saying so" said nobody null "the request has no body"
lie gone 's/^  object: .*/  object: 0000000000000000000000000000000000000000000000000000000000000000/'
check "a request object the store does not hold: exit 2, the record rejected" \
	sh -c '[ "$(cat "$0")" -eq 2 ] && grep -q "^verdict: reject$" "$1"' "$TMP/gone.rc" "$TMP/gone.out"
lie nosender '/^sender:$/,/^[a-z]/{/^sender:$/d;/^  /d}'
check "a record that lost its sender: rejected, saying what it lacks" said nosender null "the record lacks sender.id: solr-verify-sig must run first"
check "... and none of them passed" sh -c '! grep -q "^  gbcs-parse: {result: pass" "$0"/*.out' "$TMP"

# device alerts (records of solr-verify-sig -r): a response with no
# alert is passed over; an alert with no payload, or an object that is
# not XML, is refused; one the store does not hold is trouble
A=$BUILD/alerts
T2=2026-03-03T09:00:00Z
solr-verify-sig -r -C "$w" --at $T2 "$A/alert-8F1D-failed.xml" > "$TMP/agood" 2>/dev/null
NS=http://www.dccinterface.co.uk/ServiceUserGateway
printf '<sr:Response xmlns:sr="%s"><sr:Body><sr:ResponseMessage/></sr:Body></sr:Response>\n' $NS > "$TMP/noalert.xml"
printf '<sr:Response xmlns:sr="%s"><sr:Body><sr:DeviceAlertMessage><sr:AlertCode>8F1D</sr:AlertCode></sr:DeviceAlertMessage></sr:Body></sr:Response>\n' $NS > "$TMP/nopayload.xml"
solr-verify-sig -C "$w" --at $PIN "$TMP/noalert.xml" "$TMP/nopayload.xml" >> "$TMP/others" 2>/dev/null
from=agood at=$T2
lie aok -e 's/^seq: 1$/seq: 1/'
check "setup: the alert record passes gbcs-parse" grep -q '^  gbcs-parse: {result: pass, form: alert' "$TMP/aok.out"
swap anone noalert.xml -e 's/^  body: device-alert-message$/  body: response-message/'
check "a response with no alert in it: passed over (skipped)" grep -q '^  gbcs-parse: {result: skipped}' "$TMP/anone.out"
swap apayload nopayload.xml
check "an alert with no GBCSPayload: rejected, saying so" said apayload null "the alert has no alert code or no GBCSPayload"
swap atorn torn.xml
check "an alert object that is not well-formed XML: rejected, saying so" said atorn null "not well-formed XML"
lie agone 's/^  object: .*/  object: 0000000000000000000000000000000000000000000000000000000000000000/'
check "an alert object the store does not hold: exit 2, the record rejected" \
	sh -c '[ "$(cat "$0")" -eq 2 ] && grep -q "^verdict: reject$" "$1"' "$TMP/agone.rc" "$TMP/agone.out"
# the alert's own fields, each lied: no alert code, a payload that is not
# base64, an alert code in a second form, a future-dated alert whose
# payload is not an alert, and a response with no body at all
da() { printf '<sr:Response xmlns:sr="%s"><sr:Body>%s</sr:Body></sr:Response>\n' $NS "$1"; }
da '<sr:DeviceAlertMessage><sr:GBCSPayload>3wk=</sr:GBCSPayload></sr:DeviceAlertMessage>' > "$TMP/nocode.xml"
da '<sr:DeviceAlertMessage><sr:AlertCode>8F1D</sr:AlertCode><sr:GBCSPayload>not base64!</sr:GBCSPayload></sr:DeviceAlertMessage>' > "$TMP/nob64.xml"
da '<sr:DeviceAlertMessage><sr:AlertCode><![CDATA[8F1D]]></sr:AlertCode><sr:GBCSPayload>3wk=</sr:GBCSPayload></sr:DeviceAlertMessage>' > "$TMP/cdata.xml"
da '<sr:ResponseMessage><sr:FutureDatedDeviceAlertMessage><sr:FutureDatedAlertCode>8F66</sr:FutureDatedAlertCode><sr:GBCSPayload>3wk=</sr:GBCSPayload></sr:FutureDatedDeviceAlertMessage></sr:ResponseMessage>' > "$TMP/future.xml"
da '<sr:DeviceAlertMessage><sr:AlertCode>8F1D</sr:AlertCode><sr:GBCSPayload><![CDATA[3wk=]]></sr:GBCSPayload></sr:DeviceAlertMessage>' > "$TMP/pcdata.xml"
printf '<sr:Response xmlns:sr="%s"/>\n' $NS > "$TMP/bodiless.xml"
solr-verify-sig -C "$w" --at $PIN "$TMP/nocode.xml" "$TMP/nob64.xml" "$TMP/cdata.xml" \
	"$TMP/future.xml" "$TMP/bodiless.xml" "$TMP/pcdata.xml" >> "$TMP/others" 2>/dev/null
swap anocode nocode.xml
check "an alert with no AlertCode: rejected, saying so" said anocode null "the alert has no alert code or no GBCSPayload"
swap anob64 nob64.xml
check "an alert whose GBCSPayload is not base64: rejected, saying so" said anob64 null "base64"
swap acdata cdata.xml
check "an AlertCode written in a CDATA section: rejected, naming the element" said acdata null "AlertCode.*CDATA"
swap afuture future.xml -e 's/^  body: device-alert-message$/  body: response-message/'
check "a future-dated alert whose payload is no alert: rejected by the GBCS framing" said afuture null "offset"
swap apcdata pcdata.xml
check "a GBCSPayload written in a CDATA section: rejected, naming the element" said apcdata null "GBCSPayload.*CDATA"
swap abodiless bodiless.xml
check "a response with no body: rejected, saying so" said abodiless null "the response has no body"
# the request's header lied: a Signed Pre-Command with no counter, or
# either body with a CommandVariant that is not its own
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$w" check > "$TMP/good5"
check "setup: the SMETS2+ request passes to gbcs-parse" grep -q '^  failed-suppliers: {result: pass' "$TMP/good5"
from=good5 at=$PIN
lie nocounter '/^  counter: /d'
check "a Signed Pre-Command whose record lost its counter: rejected E2 (schema 5.4), the GBCS counter not the header's" \
	said nocounter E2 "offset 3: the GBCS originator counter 1003 is not the RequestID"
lie cv4spc 's/^  cv: 5$/  cv: 4/'
check "a Signed Pre-Command under CommandVariant 4: rejected E12, naming both" \
	said cv4spc E12 "CommandVariant 4 with a signed-pre-command body: a Signed Pre-Command takes 5, 6 or 7"
from=good
lie cv5xml 's/^  cv: 4$/  cv: 5/'
check "an XML body under CommandVariant 5: rejected E12, naming both" \
	said cv5xml E12 "CommandVariant 5 with a update-prepay-configuration body"
# an alert named as an operand: its record names the object it is kept
# as, where and how large, as the first stage's records do
solr-gbcs-parse -C "$w" --at $T2 "$A/alert-8F1D-failed.xml" > "$TMP/afile" 2>/dev/null
check "an alert file's record names its object, where it is kept and its size" \
	sh -c 'grep -q "^  object: [0-9a-f]\{64\}\$" "$0" && grep -q "^  at: " "$0" &&
		grep -q "^  size: $(wc -c < "$1")\$" "$0"' "$TMP/afile" "$A/alert-8F1D-failed.xml"
