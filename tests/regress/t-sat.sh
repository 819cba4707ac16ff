# The Service Audit Trail for auditors: a signed head after every batch;
# a trail cut short, a chain rewritten with consistent hashes, a head from
# another trail or a changed object is broken (exit 1); solr-sat log and
# replay.
R=$BUILD/requests W=$(own_world)
fresh_world "$TMP/w"
w=$TMP/w
trail() {	# trail DIR FILE...: the flow with a SAT in DIR
	_d=$1; shift
	solr-verify-sig -C "$w" --at $PIN "$@" | solr-failed-suppliers -C "$w" check |
		solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" |
		solr-countersign -C "$w" --at $PIN --sat "$_d" > /dev/null 2>&1
}
trail "$TMP/sat" "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" "$R/srp-elec-unsafe-cv5.xml" "$R/healthy-elec-cv4.xml"
trail "$TMP/sat" "$R/srp-gas-cv5.xml" "$R/srp2-elec-cv5.xml"
solr-sat verify -C "$w" "$TMP/sat" > "$TMP/v"
check "an untouched trail verifies" [ $? -eq 0 ]
check "... every MAC and the world's last head checked" grep -q "^checked: every entry's MAC, and the world's last head for the trail$" "$TMP/v"
check "... entries: 6" grep -q "^entries: 6$" "$TMP/v"
head=$(sed -n 's/^head: //p' "$TMP/v")
check "... and prints its head" [ ${#head} -eq 64 ]
solr-sat verify -C "$w" --expect-head "$head" "$TMP/sat" > /dev/null
check "--expect-head with the head kept elsewhere: exit 0" [ $? -eq 0 ]
solr-sat verify -C "$w" --expect-head "$(echo "$head" | tr 0-9a-f 1-9a-f0)" "$TMP/sat" > /dev/null 2>&1
check "--expect-head with another: exit 1" [ $? -eq 1 ]
# nothing is trusted by default: neither -C nor --cert is a usage error
solr-sat verify "$TMP/sat" > /dev/null 2> "$TMP/e"
check "verify with neither -C nor --cert: exit 2" [ $? -eq 2 ]
check "... saying why, and how to name the trail's own certificate" \
	grep -q "no certificate to check the head with: give -C world .* --cert $TMP/sat/head.pem" "$TMP/e"
solr-sat verify --cert "$TMP/sat/head.pem" "$TMP/sat" > "$TMP/v"
check "... the trail's own certificate when named: exit 0, its fingerprint printed" \
	sh -c '[ $0 -eq 0 ] && grep -q "^signed: .* (sha256 [0-9a-f]\{64\})$" "$1"' $? "$TMP/v"
solr-sat verify -C "$w" "$TMP/sat" > /dev/null
check "the head verifies with the world's DCC certificate" [ $? -eq 0 ]
# the head with the openssl command line (solr-sat(5))
( cd "$TMP/sat" && head -n 5 head > "$TMP/h.txt" &&
	sed -n 's/^signature: //p' head | openssl base64 -d -A > "$TMP/h.sig" &&
	openssl x509 -in head.pem -pubkey -noout > "$TMP/h.pub" )
check "the head's signature verifies with openssl dgst" \
	sh -c "openssl dgst -sha256 -verify '$TMP/h.pub' -signature '$TMP/h.sig' '$TMP/h.txt' > /dev/null"

broken() {	# broken NAME DIR PATTERN [VERIFY-OPTION...]
	_n=$1 _d=$2 _p=$3; shift 3
	[ $# -gt 0 ] || set -- -C "$w"
	solr-sat verify "$@" "$_d" > "$TMP/o" 2> "$TMP/e"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "$_p" "$TMP/e"; then ok "$_n: broken, exit 1"
	else not_ok "$_n: broken, exit 1" "rc $rc: $(cat "$TMP/e")"; fi
}
# the last entry cut off whole
cp -R "$TMP/sat" "$TMP/cut"
awk '/^---$/ { n++ } n < 6' "$TMP/sat/sat.log" > "$TMP/cut/sat.log"
broken "the last entry cut off" "$TMP/cut" "5 entries, but the signed head covers 6: entry 6"
# the chain rewritten with consistent hashes: another actor in every entry
cp -R "$TMP/sat" "$TMP/rw"
perl -e 'use Digest::SHA qw(sha256_hex); local $/; $_ = <>; my $prev = "0" x 64; my $out = "";
	for my $e (split /(?=^---$)/m, $_) { $e =~ s/^hash: .*\n//m; $e =~ s/^actor: .*$/actor: 11-22-33-44-55-66-77-88/m;
	$e =~ s/^prev: .*$/prev: '"'"'$prev'"'"'/m if $prev =~ /^0+$/; $e =~ s/^prev: [0-9a-f]{64}$/prev: $prev/m unless $prev =~ /^0+$/;
	my $h = sha256_hex($e); $out .= $e . "hash: $h\n"; $prev = $h } print $out' "$TMP/sat/sat.log" > "$TMP/rw/sat.log"
check "rewrite setup: the rewritten chain is consistent" sh -c "solr-sat verify --cert '$TMP/rw/head.pem' '$TMP/rw' 2>&1 | grep -q 'chain was rewritten'"
broken "a chain rewritten with consistent hashes" "$TMP/rw" "hashes to .*, not to the signed head's" --cert "$TMP/rw/head.pem"
broken "... with the world: each changed entry's MAC" "$TMP/rw" "entry 1 was not written by a writer of this world"
# a head from another trail
trail "$TMP/other" "$R/srp-gas-cv5.xml"
cp -R "$TMP/sat" "$TMP/swap"
cp "$TMP/other/head" "$TMP/swap/head"
broken "a head from another trail" "$TMP/swap" "signed head"
# a head whose signature fails
cp -R "$TMP/sat" "$TMP/badsig"
sed -i 's/^entries: 6$/entries: 5/' "$TMP/badsig/head"
broken "a head changed after signing" "$TMP/badsig" "signature does not verify"
# a head signed by another key
cp -R "$TMP/sat" "$TMP/otherkey"
openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/k.pem" 2>/dev/null
openssl req -new -x509 -key "$TMP/k.pem" -subj /CN=x -days 1 -out "$TMP/otherkey/head.pem" 2>/dev/null
broken "the bundle's certificate replaced, checked with it" "$TMP/otherkey" "signature does not verify" --cert "$TMP/otherkey/head.pem"
solr-sat verify -C "$w" "$TMP/otherkey" > /dev/null 2>&1
check "... with the world: its own certificate is not used" [ $? -eq 0 ]
# entries after the head
cp -R "$TMP/sat" "$TMP/extra"
awk '/^---$/ { n++ } n == 6' "$TMP/sat/sat.log" | sed 's/^n: 6$/n: 7/' >> "$TMP/extra/sat.log"
solr-sat verify -C "$w" "$TMP/extra" > /dev/null 2> "$TMP/e"
check "an entry appended after the head: broken" [ $? -eq 1 ]
# the head removed: verify says so, and the writer will not add to the
# trail (cutting it back to nothing would erase it)
cp -R "$TMP/sat" "$TMP/nohead"
rm "$TMP/nohead/head"
broken "the head removed" "$TMP/nohead" "no signed head"
n0=$(grep -c '^---$' "$TMP/nohead/sat.log")
trail "$TMP/nohead" "$R/srp-gas-cv5.xml"
check "... countersign refuses the trail, and says why" sh -c "solr-countersign -C '$w' --at $PIN --sat '$TMP/nohead' < /dev/null 2>&1 | grep -q 'entries and no signed head'"
check "... and keeps every entry" [ "$(grep -c '^---$' "$TMP/nohead/sat.log")" -eq "$n0" ]
# a new trail is signed empty before its first batch
solr-countersign -C "$w" --at $PIN --sat "$TMP/empty" < /dev/null > /dev/null 2> "$TMP/e"
check "a run with no record: exit 1, saying nothing was checked" \
	sh -c '[ $0 -eq 1 ] && grep -q "nothing was checked: no record on standard input" "$1"' $? "$TMP/e"
solr-sat verify -C "$w" "$TMP/empty" > "$TMP/v"
check "a new trail with no batch yet verifies" [ $? -eq 0 ]
check "... with a head of 0 entries" grep -q "^entries: 0$" "$TMP/v"
# an entry that is no writer's after the head: chained as the trail
# expects, but its MAC made without the world's key (solr-sat(5))
forge() {	# forge DIR: one entry appended, chained to the last
	perl -e 'use Digest::SHA qw(sha256_hex); my ($log) = @ARGV; local $/; open my $h, "<", $log or die; my $t = <$h>; close $h;
	my ($n) = $t =~ /.*^n: (\d+)$/ms; my ($last) = $t =~ /.*^hash: ([0-9a-f]{64})$/ms;
	my $e = "---\nsat: 2\nn: " . ($n + 1) . "\nprev: $last\nat: 2026-03-02T10:15:00Z\nactor: 00-DB-12-34-56-78-00-04\nobjects: []\nmac: " . ("ab" x 32) . "\n";
	open $h, ">>", $log or die; print $h $e . "hash: " . sha256_hex($e) . "\n"; close $h' "$1/sat.log"
}
cp -R "$TMP/sat" "$TMP/forged"
forge "$TMP/forged"
n0=$(grep -c '^---$' "$TMP/forged/sat.log")
solr-countersign -C "$w" --at $PIN --sat "$TMP/forged" < /dev/null > /dev/null 2> "$TMP/e"
check "a forged entry after the head, the writer alone: refused, exit 2" [ $? -eq 2 ]
check "... naming the entry" grep -q "entry 7 was not written by a writer of this world: its MAC does not verify" "$TMP/e"
check "... and nothing is cut" [ "$(grep -c '^---$' "$TMP/forged/sat.log")" -eq "$n0" ]
broken "... and verify reports it" "$TMP/forged" "entry 7 was not written by a writer of this world"
# beside a writer: another holds the trail's live file, as a second job
# does; the forged entry is never covered by a head
cp -R "$TMP/sat" "$TMP/beside"
hold_lock -s "$TMP/beside/live"
solr-verify-sig -C "$w" --at $PIN "$R/srp-gas-cv5.xml" | solr-failed-suppliers -C "$w" check |
	solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" > "$TMP/held" 2>/dev/null
# the first batch of the second writer is signed; the forger appends
# after its head; the next batch must not sign over it
forge "$TMP/beside"
solr-countersign -C "$w" --at $PIN --sat "$TMP/beside" < "$TMP/held" > "$TMP/o" 2> "$TMP/e"
check "a forged entry beside a writer that is not alone: refused, exit 2" [ $? -eq 2 ]
check "... naming the entry" grep -q "entry 7 was not written by a writer of this world" "$TMP/e"
check "... the head still covers 6" grep -q "^entries: 6$" "$TMP/beside/head"
release_lock
# a trail put back to an older copy of itself
cp -R "$TMP/sat" "$TMP/roll"
cp -R "$TMP/roll" "$TMP/roll-older"
trail "$TMP/roll" "$R/srp-elec-cv5-pretty.xml"
rm -rf "$TMP/roll"; mv "$TMP/roll-older" "$TMP/roll"
broken "a trail replaced by an older copy of itself" "$TMP/roll" "the trail was rolled back: its signed head covers 6 entries, but the world signed a head of 7"
solr-countersign -C "$w" --at $PIN --sat "$TMP/roll" < /dev/null > /dev/null 2> "$TMP/e"
check "... and the writer refuses it, exit 2" [ $? -eq 2 ]
check "... saying so" grep -q "the trail was rolled back" "$TMP/e"
# the trail's files are the owner's alone
for f in . sat.log head objects; do
	cp -R "$TMP/sat" "$TMP/mode"
	chmod go+w "$TMP/mode/$f"
	solr-sat verify -C "$w" "$TMP/mode" > /dev/null 2> "$TMP/e"
	check "the trail's $f writable by others: verify refuses, exit 2" \
		sh -c '[ $0 -eq 2 ] && grep -q "group or others may write it" "$1"' $? "$TMP/e"
	solr-countersign -C "$w" --at $PIN --sat "$TMP/mode" < /dev/null > /dev/null 2> "$TMP/e"
	check "... and so does the writer" sh -c '[ $0 -eq 2 ] && grep -q "group or others may write it" "$1"' $? "$TMP/e"
	rm -rf "$TMP/mode"
done
cp -R "$TMP/sat" "$TMP/link"
mv "$TMP/link/sat.log" "$TMP/link/real.log"; ln -s real.log "$TMP/link/sat.log"
solr-countersign -C "$w" --at $PIN --sat "$TMP/link" < /dev/null > /dev/null 2> "$TMP/e"
check "a trail log that is a symbolic link: refused" sh -c '[ $0 -eq 2 ] && grep -q "symbolic link" "$1"' $? "$TMP/e"
# a FIFO where an index should be: refused at once, never waited on
cp -R "$TMP/sat" "$TMP/fifo"
i=$(ls "$TMP/fifo/objects"/*.idx | head -1)
rm "$i"; mkfifo "$i"
timeout 20 solr-sat verify -C "$w" "$TMP/fifo" > /dev/null 2> "$TMP/e"
check "a FIFO named as an object index: verify does not wait on it" sh -c '[ $0 -ne 124 ] && [ $0 -ne 0 ] && grep -q "not a regular file" "$1"' $? "$TMP/e"
# one object changed
cp -R "$TMP/sat" "$TMP/obj"
corrupt_object "$TMP/obj/objects" "$(sed -n '/^objects:$/{n;s/^- //p;q}' "$TMP/obj/sat.log")"
broken "an object changed" "$TMP/obj" "not to its name"
# log is a query: the chain, its MACs and the head, not every object
# (verify is the check, above); a Command it prints is checked as read
solr-sat log --cert "$TMP/obj/head.pem" --verdict accept "$TMP/obj" > "$TMP/o" 2> "$TMP/e"
check "log on a trail whose object changed: the entries answer (a query; verify refuses it)" \
	sh -c '[ $0 -eq 0 ] && [ "$(grep -c "^verdict: accept" "$1")" -ge 1 ]' $? "$TMP/o"

# the auditor's question: what did SRP X send for failed supplier Y on
# day Z, and what happened to each (solr-sat(1))
solr-sat log --actor 00-DB-12-34-56-78-00-04 --originator 90-B3-D5-1F-30-01-00-00 \
	--since 2026-03-02T00:00:00Z --until 2026-03-03T00:00:00Z "$TMP/sat" > "$TMP/log"
check "log: the SRP's requests for the supplier that day, with their verdicts" \
	[ "$(grep -c '^verdict: ' "$TMP/log")" -eq 4 ]
check "... the rejected one says reject (its recorded verdict)" grep -q "^verdict: reject" "$TMP/log"
solr-sat log --json --verdict accept "$TMP/sat" > "$TMP/j"
check "log --json: one object a line, hex as strings" \
	sh -c '[ "$(wc -l < "$0")" -eq 4 ] && grep -q "\"message_code\":\"0x00DE\"" "$0"' "$TMP/j"
solr-sat log --tsv --actor 00-DB-12-34-56-78-00-04 --originator 90-B3-D5-1F-30-01-00-00 \
	--since 2026-03-02T00:00:00Z --until 2026-03-03T00:00:00Z "$TMP/sat" > "$TMP/tsv"
check "log --tsv: a header, then a line a record, the same records" \
	sh -c '[ "$(head -1 "$0")" = "$(printf "seq\treceived_at\trequest_id\tactor\toriginator\tsrv\tverdict\tcode\treason")" ] &&
	    [ "$(awk -F"\t" "NR > 1 && NF == 9" "$0" | wc -l)" -eq 4 ] &&
	    [ "$(cut -f7 "$0" | tail -n +2 | sort | tr "\n" " ")" = "$(sed -n "s/^verdict: //p" "$1" | sort | tr "\n" " ")" ]' \
	"$TMP/tsv" "$TMP/log"
check "... each line's actor the SRP, its originator the supplier" \
	sh -c '[ "$(awk -F"\t" "NR > 1 && \$4 == \"00-DB-12-34-56-78-00-04\" && \$5 == \"90-B3-D5-1F-30-01-00-00\"" "$0" | wc -l)" -eq 4 ]' "$TMP/tsv"
# a query reads in full only the entries that could match: the ids and
# the code in either case find the same records as written
solr-sat log --actor 00-db-12-34-56-78-00-04 --originator 90-b3-d5-1f-30-01-00-00 --tsv "$TMP/sat" > "$TMP/lc"
solr-sat log --actor 00-DB-12-34-56-78-00-04 --originator 90-B3-D5-1F-30-01-00-00 --tsv "$TMP/sat" > "$TMP/uc"
same_files "log: EUI-64s in lower case find the records written in upper case" "$TMP/uc" "$TMP/lc"
solr-sat log --verdict reject --code e2 --tsv "$TMP/sat" > "$TMP/lc"
solr-sat log --verdict reject --code E2 --tsv "$TMP/sat" > "$TMP/uc"
check "... and a code in lower case, the same (at least one)" \
	sh -c 'cmp -s "$0" "$1" && [ "$(wc -l < "$0")" -ge 2 ]' "$TMP/uc" "$TMP/lc"
solr-sat log --request-id 90-b3-d5-1f-30-01-00-00:00-db-12-34-56-78-90-a0:1003 --tsv "$TMP/sat" > "$TMP/lc"
check "... and a RequestID in lower case, its record" \
	sh -c '[ "$(wc -l < "$0")" -eq 2 ] && grep -q "	90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1003	" "$0"' "$TMP/lc"
solr-sat log --verdict accept --code E2 "$TMP/sat" > "$TMP/o" 2> "$TMP/e"
check "log: a question no entry answers says 0 records on stderr, exit 0, nothing on stdout" \
	sh -c '[ $0 -eq 0 ] && [ ! -s "$1" ] && grep -qx "solr-sat: 0 records: no entry of the trail matches" "$2"' $? "$TMP/o" "$TMP/e"
# --progress: how far through the trail and its objects, on stderr only
# (the trail checked with its own certificate: a query, not the check)
own="--cert $TMP/sat/head.pem"
# shellcheck disable=SC2086
solr-sat verify $own "$TMP/sat" > "$TMP/v0"
for c in verify log; do
	# shellcheck disable=SC2086
	solr-sat $c --progress $own "$TMP/sat" > "$TMP/v1" 2> "$TMP/p"
	check "$c --progress: the trail read to its end, with its size" \
		grep -qx "solr-sat: bytes of sat.log: $(wc -c < "$TMP/sat/sat.log") of $(wc -c < "$TMP/sat/sat.log") (100%, done)" "$TMP/p"
done
# shellcheck disable=SC2086
solr-sat verify --progress $own "$TMP/sat" 2> "$TMP/p" > "$TMP/v1"
check "... and verify's objects counted to the last" grep -q "^solr-sat: objects: \([0-9]*\) of \1 (100%, done)$" "$TMP/p"
same_files "... its standard output unchanged" "$TMP/v0" "$TMP/v1"
solr-sat log --tsv --json "$TMP/sat" > /dev/null 2> "$TMP/e"
check "log --tsv --json: a usage error" sh -c '[ $0 -eq 2 ] && grep -q "exclude each other" "$1"' $? "$TMP/e"
solr-sat log --actor 00-DB-12-34-56-78-00-04 "$TMP/cut" > /dev/null 2>&1
check "log on a broken trail: refused, exit 1" [ $? -eq 1 ]
solr-sat log -C "$w" --actor 00-DB-12-34-56-78-00-04 "$TMP/forged" > /dev/null 2>&1
check "log -C on a trail with a forged entry: refused, exit 1" [ $? -eq 1 ]
# replay after a policy change names the file and the new reason
cp -R "$w" "$TMP/pw"
sed -i 's/DebtRecoveryRateCap: {eq: 0}/DebtRecoveryRateCap: {eq: 1}/' "$TMP/pw/policy.yaml"
solr-sat replay -o "$TMP/replayed" "$TMP/sat" "$TMP/pw" > "$TMP/r"
check "replay after a policy change: exit 1" [ $? -eq 1 ]
check "... naming policy.yaml and each key that changed" grep -q "^world policy.yaml: safe_prepay.electricity.DebtRecoveryRateCap.eq: 0 recorded, 1 now; safe_prepay.gas.DebtRecoveryRateCap.eq: 0 recorded, 1 now$" "$TMP/r"
check "... and the new reason" grep -q "reason now: DebtRecoveryRateCap is 0; the profile requires eq 1" "$TMP/r"
check "-o keeps the replayed records" [ -s "$TMP/replayed/replayed.yaml" ]
# the same what-if without a copy of the world: the changed file alone
mkdir -p "$TMP/wf"; cp "$TMP/pw/policy.yaml" "$TMP/wf/"
(cd "$w" && find . -type f ! -path './state/objects/*' -exec sha256sum {} + | sort) > "$TMP/w.before"
solr-sat replay --world-files "$TMP/wf" "$TMP/sat" "$w" > "$TMP/rwf"
check "replay --world-files: the same report as the copied world's, exit 1" \
	sh -c '[ $0 -eq 1 ] && cmp -s "$1" "$2"' $? "$TMP/r" "$TMP/rwf"
(cd "$w" && find . -type f ! -path './state/objects/*' -exec sha256sum {} + | sort) > "$TMP/w.after"
same_files "... and the world only read" "$TMP/w.before" "$TMP/w.after"
solr-sat replay --world-files "$TMP/nowhere" "$TMP/sat" "$w" > /dev/null 2> "$TMP/e"
check "replay --world-files of a folder not there: a usage error" sh -c '[ $0 -eq 2 ] && grep -q "nowhere" "$1"' $? "$TMP/e"
mkdir -p "$TMP/wf-empty"
solr-sat replay --world-files "$TMP/wf-empty" "$TMP/sat" "$w" > /dev/null 2> "$TMP/e"
check "... or holding none of the world's files: a usage error" sh -c '[ $0 -eq 2 ] && grep -q "holds none of policy.yaml" "$1"' $? "$TMP/e"
# the flow never reads them: the variable the replay sets, exported, and
# a stage run without --replay decides as the world says
fresh_world "$TMP/fw"
sed 's/DebtRecoveryRateCap: {eq: 0}/DebtRecoveryRateCap: {eq: 1}/' "$TMP/fw/policy.yaml" > "$TMP/wf/policy.yaml"
solr-verify-sig -C "$TMP/fw" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$TMP/fw" check |
	SOLR_REPLAY_WORLD_FILES="$TMP/wf" solr-gbcs-parse -C "$TMP/fw" |
	SOLR_REPLAY_WORLD_FILES="$TMP/wf" solr-adt-check -C "$TMP/fw" > "$TMP/o"
check "SOLR_REPLAY_WORLD_FILES in the flow (no --replay): ignored, the request passes on the world's policy" \
	sh -c 'grep -q "^  adt-check: {result: pass" "$0" && ! grep -q "requires eq 1" "$0"' "$TMP/o"
solr-sat replay --progress "$TMP/sat" "$TMP/pw" > "$TMP/r2" 2> "$TMP/p"
n=$(sed -n 's/^\([0-9]*\) records replayed, \([0-9]*\) differ;.*/\1 \2/p' "$TMP/r2")
check "replay --progress: the last line counts the differences so far, as the report does ($n)" \
	sh -c '[ -n "$0" ] && grep -q "^solr-countersign: ${0%% *} records, .*; differ ${0#* }$" "$1" && [ "${0#* }" -ge 1 ]' "$n" "$TMP/p"
mkdir -p "$TMP/a dir"; cp -R "$TMP/sat" "$TMP/a dir/s a t"; cp -R "$w" "$TMP/a dir/w o"
solr-sat replay "$TMP/a dir/s a t" "$TMP/a dir/w o" > "$TMP/r" 2>&1
check "replay with spaces in the paths" grep -q "^6 records replayed, 0 differ; 0 world inputs changed$" "$TMP/r"
# a stage of the replay in trouble (the ACB's key unreadable): the replay
# is trouble too, never a count of records that differ
cp -R "$w" "$TMP/kw"
printf 'not a key\n' > "$TMP/kw/keys/acb.ka.key"
solr-sat replay "$TMP/sat" "$TMP/kw" > "$TMP/r" 2> "$TMP/e"
check "replay with a stage in trouble: exit 2, saying so, no count" \
	sh -c '[ $0 -eq 2 ] && grep -q "a stage of the replay failed" "$1" && ! grep -q "records replayed" "$2"' $? "$TMP/e" "$TMP/r"

# a bundle re-signed with another key, its certificate in head.pem: its
# records are taken from nowhere but a trail the world's DCC signed
cp -R "$TMP/sat" "$TMP/resigned"
perl -e 'use Digest::SHA qw(sha256_hex); local $/; $_ = <>; my $prev = "0" x 64; my $out = "";
	for my $e (split /(?=^---$)/m, $_) { $e =~ s/^hash: .*\n//m; $e =~ s/^(    adt-check: \{result: pass.*window: )3600/${1}60/m;
	$e =~ s/^prev: .*$/prev: '"'"'$prev'"'"'/m if $prev =~ /^0+$/; $e =~ s/^prev: [0-9a-f]{64}$/prev: $prev/m unless $prev =~ /^0+$/;
	my $h = sha256_hex($e); $out .= $e . "hash: $h\n"; $prev = $h } print $out' "$TMP/sat/sat.log" > "$TMP/resigned/sat.log"
last=$(sed -n 's/^hash: //p' "$TMP/resigned/sat.log" | tail -1)
{ sed -n 1,2p "$TMP/sat/head"; echo "entries: 6"; echo "hash: $last"; sed -n 5p "$TMP/sat/head"; } > "$TMP/rh.txt"
openssl dgst -sha256 -sign "$TMP/k.pem" -out "$TMP/rh.sig" "$TMP/rh.txt"
{ cat "$TMP/rh.txt"; printf 'signature: %s\n' "$(openssl base64 -A < "$TMP/rh.sig")"; } > "$TMP/resigned/head"
openssl req -new -x509 -key "$TMP/k.pem" -subj /CN=attacker -days 1 -out "$TMP/resigned/head.pem" 2>/dev/null
check "re-signed setup: the bundle holds with its own certificate" \
	sh -c "solr-sat verify --cert '$TMP/resigned/head.pem' '$TMP/resigned' > /dev/null"
solr-countersign -C "$w" --sat-records "$TMP/resigned" > "$TMP/o" 2> "$TMP/e"
check "a re-signed bundle: --sat-records -C world refuses it, exit 2" sh -c '[ $0 -eq 2 ] && [ ! -s "$1" ]' $? "$TMP/o"
check "... saying the head does not verify with the world's certificate" grep -q "signature does not verify with .*keys/dcc.xmlsign.pem" "$TMP/e"
solr-sat replay "$TMP/resigned" "$w" > "$TMP/o" 2> "$TMP/e"
check "... and so does replay" sh -c '[ $0 -eq 2 ] && grep -q "signature does not verify" "$1"' $? "$TMP/e"

# seal domains: what a replay writes never feeds the flow, and the flow's
# records are not a replay's input
solr-countersign -C "$w" --sat-records "$TMP/sat" > "$TMP/sr"
check "--sat-records writes the trail's records" [ "$(count_records "$TMP/sr")" -eq 6 ]
solr-adt-check -C "$w" < "$TMP/sr" > "$TMP/o" 2>/dev/null
check "... which a stage of the flow refuses, every one" [ "$(grep -c '^verdict: reject' "$TMP/o")" -eq 6 ]
check "... saying they are a replay's" grep -q "^reason: .*sealed by an auditor.*replay (--replay, solr-sat replay): a replay.*records are never input to a stage that counts, MACs or signs" "$TMP/o"
solr-verify-sig -C "$w" --replay --json < "$TMP/sr" > "$TMP/srj"
solr-adt-check -C "$w" < "$TMP/srj" > "$TMP/o" 2>/dev/null
check "... and as JSON Lines too" sh -c '[ "$(grep -c "^verdict: reject" "$0")" -eq 6 ] && [ "$(grep -c "^reason: .*sealed by an auditor" "$0")" -eq 6 ]' "$TMP/o"
solr-verify-sig -C "$w" --replay < "$TMP/sr" | solr-failed-suppliers -C "$w" --replay check |
	solr-gbcs-parse -C "$w" --replay | solr-adt-check -C "$w" --replay > "$TMP/rp4"
check "... the --replay stages take them" [ "$(grep -c '^verdict: reject' "$TMP/rp4")" -lt 6 ]
before=$(solr-adt-check -C "$w" counters)
solr-countersign -C "$w" --at $PIN < "$TMP/rp4" > "$TMP/o" 2>/dev/null
check "the --replay stages' output into countersign: nothing MACed or signed" \
	sh -c '[ "$(grep -c "^verdict: reject" "$1")" -eq 6 ] && ! grep -q "^  command: [0-9a-f]" "$1"' "$TMP/o" "$TMP/o"
same "... and nothing counted" "$(solr-adt-check -C "$w" counters)" "$before"
solr-verify-sig -C "$w" --at $PIN "$R/srp-elec-cv5.xml" > "$TMP/flow1"
solr-failed-suppliers -C "$w" --replay check < "$TMP/flow1" > "$TMP/o" 2>/dev/null
check "a record of the flow into a --replay stage: refused" grep -q "^reason: .*sealed by a stage of the flow: a --replay stage reads only" "$TMP/o"
