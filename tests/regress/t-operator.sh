# What operators expect of every tool: --help, usage errors, --json in
# and out, --progress, a word when a stage reads a terminal.
R=$BUILD/requests
fresh_world "$TMP/w"
O="$TMP/w"

# --help: every option, on stdout, exit 0; a wrong option: stderr, exit 2
for t in solr-verify-sig solr-gbcs-parse solr-failed-suppliers solr-adt-check solr-countersign solr-sat; do
	for h in -h --help; do
		$t $h > "$TMP/h.out" 2> "$TMP/h.err"
		rc=$?
		if [ $rc -eq 0 ] && [ ! -s "$TMP/h.err" ] && grep -q "^usage: $t" "$TMP/h.out" &&
			grep -q -- '--json' "$TMP/h.out" && grep -q -- '--help' "$TMP/h.out" &&
			grep -q '^Exit status' "$TMP/h.out"; then
			ok "$t $h: the usage and every option on stdout, exit 0"
		else
			not_ok "$t $h: the usage and every option on stdout, exit 0" "rc $rc: $(head -2 "$TMP/h.err")"
		fi
	done
	$t --no-such-option > "$TMP/h.out" 2> "$TMP/h.err"
	rc=$?
	check "$t --no-such-option: exit 2, naming it, the usage on stderr, nothing on stdout" \
		sh -c '[ $0 -eq 2 ] && [ ! -s "$1" ] && grep -q "no-such-option" "$2" && grep -q "^usage: " "$2" && grep -q -- "--help" "$2"' \
		$rc "$TMP/h.out" "$TMP/h.err"
done
# every option a tool takes is in its help
for t in solr-verify-sig solr-gbcs-parse solr-failed-suppliers solr-adt-check solr-countersign; do
	$t --help > "$TMP/h.out"
	miss=
	for o in $(sed -n 's/.*{ "\([a-z-]*\)", [a-z_]*_argument.*/\1/p' "cmd/$t.c" cmd/cli.h | sort -u); do
		grep -q -- "--$o" "$TMP/h.out" || miss="$miss --$o"
	done
	check "$t --help describes every long option it takes${miss:+ (missing:$miss)}" [ -z "$miss" ]
done
solr-verify-sig --help | grep -q -- '--files-from list'
check "solr-verify-sig --help documents --files-from" [ $? -eq 0 ]
solr-sat > /dev/null 2> "$TMP/h.err"
check "solr-sat without a command: exit 2, asking which" sh -c '[ $0 -eq 2 ] && grep -q "which command" "$1"' $? "$TMP/h.err"
solr-adt-check -C "$TMP/nowhere" counters > /dev/null 2> "$TMP/h.err"
check "a missing world names the file looked for, -C and SOLR_WORLD" \
	grep -q "$TMP/nowhere/policy.yaml: .*-C dir, or SOLR_WORLD" "$TMP/h.err"

# a stage reading records from a terminal says so (script(1) gives it one)
if command -v script > /dev/null 2>&1; then
	script -qec "printf '' | true; solr-adt-check -C '$O' < /dev/tty" /dev/null < /dev/null > "$TMP/tty.out" 2>&1
	check "a stage whose input is a terminal says it reads records from it" \
		grep -q "reading records from the terminal (standard input); end with Ctrl-D" "$TMP/tty.out"
else
	skip "a stage reading a terminal" "script(1) is not installed"
fi
solr-adt-check -C "$O" < /dev/null 2> "$TMP/h.err"
check "... and says nothing of a terminal when it reads a pipe or a file" sh -c '! grep -q terminal "$0"' "$TMP/h.err"

# --json: one object a line, hex values as strings, sealed
solr-verify-sig -C "$O" --json --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-elec-unsafe-cv5.xml" \
	"$R/srp-gas-cv4.xml" "$R/t-digest.xml" > "$TMP/j1"
check "--json: one line a record" [ "$(wc -l < "$TMP/j1")" -eq 4 ]
check "--json: every line is a JSON object jq reads" [ "$(jq -c 'type' "$TMP/j1" | sort -u)" = '"object"' ]
check "--json: a role stays the string 0x87" [ "$(jq -r 'select(.seq == 1) | .sender.cert.role' "$TMP/j1")" = 0x87 ]
check "--json: seq and counter are numbers" [ "$(jq -c 'select(.seq == 1) | [.seq, .request.counter]' "$TMP/j1")" = '[1,1003]' ]
check "--json: the seal is the last member" [ "$(jq -r 'keys_unsorted | last' "$TMP/j1" | sort -u)" = seal ]
# the same pipeline in YAML and in JSON with jq between the stages
yaml_flow() {
	solr-verify-sig -C "$1" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-elec-unsafe-cv5.xml" \
		"$R/srp-gas-cv4.xml" "$R/t-digest.xml" | solr-failed-suppliers -C "$1" check |
		solr-gbcs-parse -C "$1" | solr-adt-check -C "$1" | solr-countersign -C "$1" --at $PIN
}
json_flow() {
	solr-verify-sig -C "$1" --json --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-elec-unsafe-cv5.xml" \
		"$R/srp-gas-cv4.xml" "$R/t-digest.xml" | jq -c . |
		solr-failed-suppliers -C "$1" --json check | jq -c 'select(.seq > 0)' |
		solr-gbcs-parse -C "$1" --json | solr-adt-check -C "$1" --json | jq -c . |
		solr-countersign -C "$1" --json --at $PIN
}
fresh_world "$TMP/wy"; fresh_world "$TMP/wj"
yaml_flow "$TMP/wy" 2>/dev/null | awk '/^(seq|verdict|code):/' > "$TMP/y.dec"
json_flow "$TMP/wj" 2>/dev/null > "$TMP/j.out"
jq -r '"seq: \(.seq)\nverdict: \(.verdict)\ncode: \(.code)"' "$TMP/j.out" > "$TMP/j.dec"
same_files "--json and jq -c between every stage: the same decisions as YAML" "$TMP/y.dec" "$TMP/j.dec"
check "... and requests were accepted through it" grep -q '^verdict: accept' "$TMP/j.dec"
check "... with their response in the record" [ "$(jq -r 'select(.verdict == "accept") | .output.response' "$TMP/j.out" | grep -c '^[0-9a-f]\{64\}$')" -ge 2 ]
# a stage reads YAML and JSON Lines mixed in one stream
solr-verify-sig -C "$O" --at $PIN "$R/srp-elec-cv5.xml" > "$TMP/m"
sed -n 3p "$TMP/j1" >> "$TMP/m"
solr-verify-sig -C "$O" --at $PIN "$R/srp-gas-cv4.xml" >> "$TMP/m"
solr-failed-suppliers -C "$O" check < "$TMP/m" > "$TMP/m.out"
check "YAML, JSON and YAML records in one stream: three records, none rejected" \
	[ "$(grep -c "^verdict: pass" "$TMP/m.out")" -eq 3 ]
# what jq changes breaks the seal: the record is rejected, nothing in it used
jq -cS . "$TMP/j1" | head -1 | solr-failed-suppliers -C "$O" check > "$TMP/s1" 2>/dev/null
check "jq -S (keys sorted): the seal is not last, the record is rejected" grep -q "^reason: 'the record has no seal" "$TMP/s1"
head -1 "$TMP/j1" | jq -c '.sender.id = "00-DB-12-34-56-78-00-05"' | solr-failed-suppliers -C "$O" check > "$TMP/s2" 2>/dev/null
check "a JSON record edited with jq: rejected, the seal does not verify" grep -q "^reason: 'the record''s seal does not verify" "$TMP/s2"
check "... and what it claims is not carried on" [ "$(grep -c '00-DB-12-34-56-78-00-05' "$TMP/s2")" -eq 0 ]
# a JSON record sealed with the openssl CLI (its bytes without the seal
# member) is taken: the seal is exactly what solr-records(5) says
key=$(cat "$O/keys/records.key")
body=$(head -1 "$TMP/j1" | jq -c 'del(.seal)')
mac=$(printf '%s' "$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" | awk '{ print $NF }')
same "the JSON seal is HMAC-SHA-256 of the object without it (openssl)" \
	"$(head -1 "$TMP/j1" | jq -r .seal)" "$mac"
printf '%s\n' "$body" | jq -c ".verdict = \"pass\" | .seal = \"$mac\"" | solr-failed-suppliers -C "$O" check > "$TMP/s3" 2>/dev/null
check "... and a record so sealed is read" grep -q "^  failed-suppliers: {result: pass" "$TMP/s3"
# malformed JSON lines are rejections, each in its place
printf '{"record":1,\n{"record": 1, "seq": 1}}\n[1,2]\n{"a":"\\u0000"}\n' | solr-failed-suppliers -C "$O" check > "$TMP/bad" 2> "$TMP/bad.err"
check "malformed JSON lines: one rejection each, exit 1" \
	sh -c '[ $0 -eq 1 ] && [ "$(grep -c "^verdict: reject" "$1")" -eq 4 ]' $? "$TMP/bad"
check "... naming the line and the byte" grep -qF '(stdin):4: JSON, at byte 13: a string holds \u0000' "$TMP/bad.err"
check "... and a line that is JSON but no object says what a record is" grep -qF "(stdin):3: text that is not a record (records start with '---', or are one JSON object on a line)" "$TMP/bad.err"
# reports
solr-adt-check -C "$TMP/wj" --json counters > "$TMP/c.json"
solr-adt-check -C "$TMP/wj" counters | awk '{ print $1, $2, $5 }' > "$TMP/c.txt"
jq -r '"\(.srp) \(.srv) \(.count)"' "$TMP/c.json" > "$TMP/c2.txt"
check "solr-adt-check --json counters: the counters, as objects" sh -c '[ -s "$0" ] && cmp -s "$0" "$1"' "$TMP/c.txt" "$TMP/c2.txt"
echo 0 | solr-gbcs-parse -x --json > "$TMP/x.json" 2>/dev/null
check "solr-gbcs-parse -x --json: a record a line" [ "$(jq -r .verdict "$TMP/x.json")" = reject ]

# --progress: a status line on stderr, stdout unchanged
fresh_world "$TMP/wp1"; fresh_world "$TMP/wp2"
ls "$R"/srp-*.xml > "$TMP/list"
solr-verify-sig -C "$TMP/wp1" --at $PIN --files-from "$TMP/list" > "$TMP/p1" 2>/dev/null
solr-verify-sig -C "$TMP/wp2" --at $PIN --progress --files-from "$TMP/list" > "$TMP/p2" 2> "$TMP/p2.err"
# the same records but for where their objects went (and so the seal)
for f in p1 p2; do sed -e '/^seal: /d' -e '/^  at: /d' "$TMP/$f" > "$TMP/$f.cmp"; done
same_files "--progress: stdout is what it is without" "$TMP/p1.cmp" "$TMP/p2.cmp"
n=$(wc -l < "$TMP/list")
check "--progress: the last status line counts every record, by verdict" \
	grep -q "^solr-verify-sig: $n records of $n (100%, 0:00 left), [0-9]*/s; accept 0, pass [0-9]*, reject [0-9]*, quarantine 0$" "$TMP/p2.err"
solr-failed-suppliers -C "$TMP/wp2" --progress check < "$TMP/p2" > /dev/null 2> "$TMP/p3.err"
check "--progress on a later stage reading a file: records, its total and verdicts" \
	grep -q "^solr-failed-suppliers: $n records of $n (100%, 0:00 left), [0-9]*/s; accept 0, pass [0-9]*, reject [0-9]*, quarantine 0$" "$TMP/p3.err"
cat "$TMP/p2" | solr-failed-suppliers -C "$TMP/wp2" --progress check > /dev/null 2> "$TMP/p4.err"
check "... reading a pipe: records and verdicts (no total known)" \
	grep -q "^solr-failed-suppliers: $n records, [0-9]*/s; accept 0, pass [0-9]*, reject [0-9]*, quarantine 0$" "$TMP/p4.err"
check "... at most one line a second off a terminal" [ "$(wc -l < "$TMP/p3.err")" -le 3 ]
check "... and no other word" [ "$(grep -vc '^solr-failed-suppliers: [0-9]* records' "$TMP/p3.err")" -eq 0 ]

# a rejected document keeps what it claims, apart and marked unverified
solr-verify-sig -C "$O" --json --at $PIN "$R/t-digest.xml" "$R/srp-elec-cv5.xml" > "$TMP/cl"
rid=90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1001
check "a forged or tampered copy is found by the RequestID it claims" \
	[ "$(jq -r --arg r "$rid" 'select(.claimed.request_id == $r) | .verdict' "$TMP/cl")" = reject ]
check "... marked unverified, with originator, target and SRV" \
	[ "$(jq -c 'select(.claimed) | .claimed | [.verified, .originator, .target, .srv]' "$TMP/cl")" = \
	'[false,"90-B3-D5-1F-30-01-00-00","00-DB-12-34-56-78-90-A0","2.1"]' ]
check "... and nothing of it under request:" [ "$(jq -r 'select(.claimed) | .request.request_id' "$TMP/cl")" = null ]
check "a record that verified has no claimed:" [ "$(jq -r 'select(.seq == 2) | .claimed' "$TMP/cl")" = null ]
printf 'not xml at all' > "$TMP/junk.xml"
solr-verify-sig -C "$O" --at $PIN "$TMP/junk.xml" > "$TMP/cl2" 2>/dev/null
check "a document that does not parse claims nothing" [ "$(grep -c '^claimed:' "$TMP/cl2")" -eq 0 ]
# a JSON line over the record limit: one rejection, the stream goes on
{ head -c 300000 /dev/zero | tr '\0' a | sed 's/^/{"x":"/; s/$/"}/'; echo; sed -n 1p "$TMP/j1"; } |
	solr-failed-suppliers -C "$O" check > "$TMP/big" 2> "$TMP/big.err"
check "a JSON line over 256 KiB: rejected as too long, and the next record read" \
	sh -c 'grep -q "(stdin):1: record exceeds the limit of 262144 bytes" "$0" && [ "$(grep -c "^verdict: pass" "$1")" -eq 1 ]' "$TMP/big.err" "$TMP/big"
# jq -c keeps every byte of what we write, so the seal holds: file names
# with a tab, DEL, a control character, a quote, a backslash, non-ASCII,
# and bytes that are not UTF-8
mkdir -p "$TMP/odd"
for n in "$(printf 'a\tb')" "$(printf 'del\177x')" "$(printf 'c\001d')" 'q"uo\te' \
	"$(printf 'caf\303\251 \342\230\203')" "$(printf 'bad\377\376')"; do
	cp "$R/srp-gas-cv4.xml" "$TMP/odd/$n.xml"
done
solr-verify-sig -C "$O" --json --at $PIN "$TMP"/odd/*.xml > "$TMP/odd.json" 2>/dev/null
check "odd file names: six JSON records" [ "$(wc -l < "$TMP/odd.json")" -eq 6 ]
jq -c . "$TMP/odd.json" > "$TMP/odd2.json"
same_files "... jq -c writes them back byte for byte" "$TMP/odd.json" "$TMP/odd2.json"
solr-failed-suppliers -C "$O" check < "$TMP/odd2.json" > "$TMP/odd3" 2>&1
check "... and their seals hold through it" [ "$(grep -c '^verdict: pass' "$TMP/odd3")" -eq 6 ]

# the suite's own rule: a check asserts its whole condition
printf '%s\n' 'check demo [ 0 -eq 0 ] && false' 'check "a" grep -q x y || true' \
	"check \"b\" sh -c '[ 1 ] && false'" 'check "c" grep -q x y' \
	'check "d, continued" \' '	[ 0 -eq 0 ] && false' > "$TMP/t-sample.sh"
sh tests/regress/lint-checks "$TMP/t-sample.sh" > "$TMP/lint"
check "lint-checks: a check with && or || after it is refused, exit 1, continued lines too" \
	sh -c '[ $0 -eq 1 ] && [ "$(cut -d: -f2 "$1" | tr "\n" " ")" = "1 2 5 " ]' $? "$TMP/lint"

# the helpers keep the tools' exit contract
for h in solr-sort solr-summary; do
	sh scripts/$h -h > "$TMP/hh" 2>&1
	check "$h -h: its usage on stdout, exit 0" sh -c '[ $0 -eq 0 ] && grep -q "^usage: '"$h"'" "$1"' $? "$TMP/hh"
	sh scripts/$h --version > "$TMP/hv" 2>&1
	check "$h --version: exit 0" sh -c '[ $0 -eq 0 ] && grep -q "^'"$h"' [0-9]" "$1"' $? "$TMP/hv"
	sh scripts/$h "$TMP" > /dev/null 2> "$TMP/he"
	check "$h on a directory: exit 2, saying so" sh -c '[ $0 -eq 2 ] && grep -q "is a directory" "$1"' $? "$TMP/he"
	sh scripts/$h "$TMP/no-such-file" > /dev/null 2> "$TMP/he"
	check "$h on a missing file: exit 2" sh -c '[ $0 -eq 2 ] && grep -q "cannot be read" "$1"' $? "$TMP/he"
	sh scripts/$h < /dev/null > /dev/null 2> "$TMP/he"
	check "$h on empty input: exit 1, saying so" sh -c '[ $0 -eq 1 ] && grep -q "nothing was" "$1"' $? "$TMP/he"
	sh scripts/$h --bogus > /dev/null 2>&1
	check "$h with an unknown option: exit 2" [ $? -eq 2 ]
done
for h in solr-pipeline install-duis-xsd mk-world mk-requests mk-alerts; do
	sh scripts/$h -h > "$TMP/hh" 2> "$TMP/he"
	check "$h -h: its usage on stdout, nothing on stderr, exit 0" \
		sh -c '[ $0 -eq 0 ] && grep -q "^usage: '"$h"' " "$1" && [ ! -s "$2" ]' $? "$TMP/hh" "$TMP/he"
	sh scripts/$h --help > "$TMP/hh2" 2>&1
	same_files "$h --help: the same" "$TMP/hh" "$TMP/hh2"
	sh scripts/$h --version > "$TMP/hv" 2>&1
	check "$h --version: its name and version, exit 0" sh -c '[ $0 -eq 0 ] && grep -qx "'"$h"' [0-9][0-9.]*" "$1"' $? "$TMP/hv"
	sh scripts/$h --bogus > "$TMP/hb" 2> "$TMP/he"
	check "$h with an unknown option: exit 2, naming it, nothing on stdout" \
		sh -c '[ $0 -eq 2 ] && grep -q "unknown option --bogus" "$1" && [ ! -s "$2" ]' $? "$TMP/he" "$TMP/hb"
done
for h in install-duis-xsd mk-world mk-requests mk-alerts; do
	sh scripts/$h > "$TMP/hb" 2> "$TMP/he"
	check "$h without its operands: exit 2, the usage on stderr" \
		sh -c '[ $0 -eq 2 ] && grep -q "^usage: " "$1" && [ ! -s "$2" ]' $? "$TMP/he" "$TMP/hb"
done
fresh_world "$TMP/hw"
solr-verify-sig -C "$TMP/hw" --json --at $PIN "$BUILD/requests/srp-gas-cv4.xml" "$BUILD/requests/srp-elec-cv5.xml" |
	solr-failed-suppliers -C "$TMP/hw" check | solr-gbcs-parse -C "$TMP/hw" | solr-adt-check -C "$TMP/hw" |
	solr-countersign -C "$TMP/hw" --at $PIN --json > "$TMP/h.jsonl"
sh scripts/solr-summary -C "$TMP/hw" "$TMP/h.jsonl" > "$TMP/hs"
check "solr-summary reads JSON Lines: both records, accepted, exit 0" \
	sh -c '[ $0 -eq 0 ] && grep -q "^2 records$" "$1" && grep -q "^  accept .* 2$" "$1"' $? "$TMP/hs"
printf '%s\n' "$(sed -n 2p "$TMP/h.jsonl")" "$(sed -n 1p "$TMP/h.jsonl")" | sh scripts/solr-sort > "$TMP/hsort"
same_files "solr-sort puts JSON Lines in seq order" "$TMP/hsort" "$TMP/h.jsonl"
