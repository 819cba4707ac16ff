# An SRV is a row: a second SRV added two ways, each accepted and refused
# end to end with reasons that name it.  2.3 (Update Debt) has a row of
# its own, reader and rule, in the test build's table (tests/srv/rows.c,
# linked into build/srvtest/); 4.1.1 is listed as not inspected by one
# line of policy.yaml, with no code at all.
S=$BUILD/srvtest
[ -x "$S/solr-countersign" ] || { not_ok "the test build of the tools" "$S is missing: make check builds it"; return 0; }
W=$TMP/sw
fresh_world "$W"
NS=http://www.dccinterface.co.uk/ServiceUserGateway
FAILED=90-B3-D5-1F-30-01-00-00 ESME=00-DB-12-34-56-78-90-A0
SIG='<ds:Signature><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/><ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial/></ds:X509Data></ds:KeyInfo></ds:Signature>'
# req NAME SRV COUNTER CV BODY: a request of the SRP, signed with xmlsec1
req() {
	sr=$2
	case $2 in *.*.*) sr=${2%.*} ;; esac
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<sr:Request xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:sr="%s" schemaVersion="5.4"><sr:Header><sr:RequestID>%s:%s:%s</sr:RequestID><sr:CommandVariant>%s</sr:CommandVariant><sr:ServiceReference>%s</sr:ServiceReference><sr:ServiceReferenceVariant>%s</sr:ServiceReferenceVariant></sr:Header><sr:Body>%s</sr:Body>%s</sr:Request>\n' \
		$NS $FAILED $ESME "$3" "$4" "$sr" "$2" "$5" "$SIG" > "$TMP/unsigned.xml"
	xmlsec1 --sign --privkey-pem "$W/test-keys/srp-xmlsign.key,$W/pki/org/srp-xmlsign.pem" \
		--output "$TMP/$1.xml" "$TMP/unsigned.xml" 2> "$TMP/xmlsec.err" || cat "$TMP/xmlsec.err" >&2
}
# flow NAME...: the five stages of the test build, one record each
flow() {
	for n in "$@"; do set -- "$@" "$TMP/$n.xml"; shift; done
	"$S/solr-verify-sig" -C "$W" --at $PIN "$@" 2>/dev/null | "$S/solr-failed-suppliers" -C "$W" check |
		"$S/solr-gbcs-parse" -C "$W" | "$S/solr-adt-check" -C "$W" |
		"$S/solr-countersign" -C "$W" --at $PIN > "$TMP/out" 2> "$TMP/err"
}
# the records of the last flow, one a file: $TMP/r1, $TMP/r2, ...
split() { rm -f "$TMP"/r[0-9]*; awk -v d="$TMP" '/^---$/{n++} n{print > (d "/r" n)}' "$TMP/out"; }

# refused N REASON [STAGE CODE]: record N was rejected for REASON (by
# STAGE with CODE)
refused() {
	[ "$(field "$TMP/r$1" verdict)" = reject ] && [ "$(field "$TMP/r$1" reason)" = "$2" ] &&
		{ [ $# -lt 3 ] || grep -q "^  $3: {result: reject, code: $4" "$TMP/r$1"; }
}

# the world: both SRVs listed for the role, with thresholds for them
sed 's/srvs: \["2.1"\]/srvs: ["2.1", "2.3", {srv: "4.1.1", body: ReadInstantaneousImportRegisters, content: not inspected}]/' \
	"$BUILD/world/policy.yaml" > "$W/policy.yaml"
printf 'srp: 00-DB-12-34-56-78-00-04\nthresholds:\n' > "$TMP/adt.yaml"
for s in 2.1 2.3 4.1.1; do
	printf '  - {srv: "%s", window: 3600, warning: 100, quarantine: 200}\n' $s >> "$TMP/adt.yaml"
done
"$S/solr-adt-check" -C "$W" --at $PIN submit "$TMP/adt.yaml" > /dev/null 2> "$TMP/submit.err"
check "setup: the SRP's thresholds for the three SRVs are accepted" [ $? -eq 0 ]

# 2.3, its own reader and rule
# debt P [T1]: an UpdateDebt body, PaymentDebtRegister P
debt() {
	rec='<sr:DebtRecoveryRate>0</sr:DebtRecoveryRate><sr:DebtRecoveryRatePriceScale>0</sr:DebtRecoveryRatePriceScale><sr:DebtRecoveryRatePeriod>DAILY</sr:DebtRecoveryRatePeriod>'
	printf '<sr:UpdateDebt><sr:TimeDebtRegister1>%s</sr:TimeDebtRegister1><sr:TimeDebtRegister2>0</sr:TimeDebtRegister2><sr:PaymentDebtRegister>%s</sr:PaymentDebtRegister><sr:DebtRecoveryPerPayment>0</sr:DebtRecoveryPerPayment><sr:ElecDebtRecovery1>%s</sr:ElecDebtRecovery1><sr:ElecDebtRecovery2>%s</sr:ElecDebtRecovery2></sr:UpdateDebt>' \
		"${2:-0}" "$1" "$rec" "$rec"
}
req debt0 2.3 7001 4 "$(debt 0)"
req debt5 2.3 7002 4 "$(debt 5)"
req debtbad 2.3 7003 4 "$(debt 0 -1)"
req debtbody 2.3 7004 4 '<sr:ReadInstantaneousImportRegisters/>'
req debtspc 2.3 7005 5 '<sr:SignedPreCommand><sr:GBCSPayload>3wk=</sr:GBCSPayload></sr:SignedPreCommand>'
flow debt0 debt5 debtbad debtbody debtspc
split
check "2.3, its values as its rule wants: accepted, read by its row's reader and countersigned" \
	sh -c 'grep -qx "verdict: accept" "$0" && grep -qx "debt: {time_debt_1: 0, time_debt_2: 0, payment_debt: 0}" "$0" && grep -q "^  countersigned: [0-9a-f]" "$0"' "$TMP/r1"
check "2.3, a value its rule refuses: rejected by adt-check, naming the SRV and the rule" \
	refused 2 "SRV 2.3 (Update Debt): PaymentDebtRegister is 5; the rule holds it at 0" adt-check E2
check "2.3, a body its reader refuses: rejected by gbcs-parse, naming the SRV" \
	refused 3 "SRV 2.3 (Update Debt): sr:TimeDebtRegister1 is not a whole number of pence" gbcs-parse E2
check "2.3 with another SRV's body: rejected, naming the SRV and its body" \
	refused 4 "SRV 2.3 with a read-instantaneous-import-registers body; it takes UpdateDebt"
check "2.3 as a Signed Pre-Command, which no GBCS message of its row carries: rejected, saying so" \
	refused 5 "SRV 2.3 with a Signed Pre-Command: no GBCS message carries it; it takes UpdateDebt"

# 4.1.1, listed as not inspected by the policy alone
req read0 4.1.1 7101 4 '<sr:ReadInstantaneousImportRegisters/>'
req readbody 4.1.1 7102 4 "$(debt 0)"
req readspc 4.1.1 7103 5 '<sr:SignedPreCommand><sr:GBCSPayload>3wk=</sr:GBCSPayload></sr:SignedPreCommand>'
flow read0 readbody readspc
split
check "4.1.1, not inspected: accepted with no values read, and countersigned" \
	sh -c 'grep -qx "verdict: accept" "$0" && ! grep -q "^\(prepay\|debt\):" "$0" && grep -q "^  countersigned: [0-9a-f]" "$0"' "$TMP/r1"
check "4.1.1 with another body: rejected, naming the SRV and the body its line gives" \
	refused 2 "SRV 4.1.1 with a update-debt body; it takes ReadInstantaneousImportRegisters"
check "4.1.1 as a Signed Pre-Command: rejected, saying no GBCS message carries it" \
	refused 3 "SRV 4.1.1 with a Signed Pre-Command: no GBCS message carries it; it takes ReadInstantaneousImportRegisters"

# the same world with the shipped tools: 2.3 has no row there, so the
# world does not load, and says which SRV and why
solr-adt-check -C "$W" < /dev/null > /dev/null 2> "$TMP/e23"
check "the shipped table has no row for 2.3: the world does not load, naming the SRV" \
	grep -q "policy.yaml:[0-9]*: roles.SolrContingency.srvs: SRV 2.3 has no content rule: no row of the SRV table reads it" "$TMP/e23"
# a policy line may say only "not inspected", and only of an SRV with no row
bad() {	# bad NAME ENTRY EXPECTED
	sed "s/srvs: \[\"2.1\"\]/srvs: [\"2.1\", $2]/" "$BUILD/world/policy.yaml" > "$W/policy.yaml"
	"$S/solr-adt-check" -C "$W" < /dev/null > /dev/null 2> "$TMP/bad.err"
	check "$1" grep -q "$3" "$TMP/bad.err"
}
bad "a policy line that gives a rule: the world does not load" \
	'{srv: "4.1.1", body: ReadInstantaneousImportRegisters, content: checked}' \
	"roles.SolrContingency.srvs: content: the policy lists an SRV only as 'not inspected'"
bad "a policy line that says 2.3, whose row has a rule, is not inspected: the world does not load" \
	'{srv: "2.3", body: UpdateDebt, content: not inspected}' \
	"SRV 2.3 has a row with a content rule; listing it as not inspected would skip the rule"
bad "a policy line with no body element: the world does not load" \
	'{srv: "4.1.1", content: not inspected}' \
	"roles.SolrContingency.srvs: body: the name of the body's element"
bad "a policy line with a key it does not know: the world does not load" \
	'{srv: "4.1.1", body: ReadInstantaneousImportRegisters, content: not inspected, rule: none}' \
	"roles.SolrContingency.srvs"
bad "a row of the table with no rule, not said to be not inspected: the world does not load" \
	'"1.1.1"' \
	"SRV 1.1.1 has no content rule: its row neither has a rule nor says its content is not inspected"
