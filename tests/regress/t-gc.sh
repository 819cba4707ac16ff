# Storage: a batch leaves a few files in the world's state, not one per
# request; solr-sat gc keeps what the trails name, and the trail still
# verifies and replays from its bundle once the rest is gone.
R=$BUILD/requests
fresh_world "$TMP/w"
w=$TMP/w
# 1,500 documents: the demo requests over and over
: > "$TMP/list"
i=0
while [ $i -lt 1500 ]; do
	for f in "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" "$R/srp-elec-unsafe-cv5.xml"; do
		[ $i -lt 1500 ] && echo "$f" >> "$TMP/list"
		i=$((i + 1))
	done
done
flow() {	# flow SATDIR < list of files
	solr-verify-sig -C "$w" --at $PIN --files-from - | solr-failed-suppliers -C "$w" check |
		solr-gbcs-parse -C "$w" | solr-adt-check -C "$w" |
		solr-countersign -C "$w" --at $PIN --sat "$1" > "$TMP/out" 2> "$TMP/err"
}
before=$(find "$w" -type f | wc -l)
flow "$TMP/sat" < "$TMP/list"
check "1,500 requests through the flow" [ "$(grep -c '^verdict: ' "$TMP/out")" -eq 1500 ]
after=$(find "$w" -type f | wc -l)
check "... leave fewer than 50 new files in the world ($((after - before)))" [ $((after - before)) -lt 50 ]
check "... and a few in the bundle's store" [ "$(ls "$TMP/sat/objects" | wc -l)" -lt 10 ]
# the same three documents 500 times: each object once, all there
sed -n 's/^- //p' "$TMP/sat/sat.log" | sort -u > "$TMP/named"
cat "$TMP/sat/objects"/*.idx | cut -d' ' -f1 | sort > "$TMP/held"
check "... which holds every object the trail names, each once" \
	sh -c '[ -s "$0" ] && [ -z "$(comm -23 "$0" "$1")" ] && [ -z "$(uniq -d "$1")" ]' "$TMP/named" "$TMP/held"
# a second trail, so that gc keeps what either names
printf '%s\n' "$R/srp-gas-cv5.xml" | flow "$TMP/sat2"
# and a request that stopped before countersign: no trail names it
solr-verify-sig -C "$w" --at $PIN "$R/healthy-elec-cv4.xml" > /dev/null
solr-sat gc -C "$w" "$TMP/sat" "$TMP/sat2" > "$TMP/gc" 2> "$TMP/e"
check "gc: exit 0" [ $? -eq 0 ]
check "... says what it kept and removed" grep -q "kept [0-9]* objects, removed [1-9][0-9]*$" "$TMP/gc"
kept=$(sed -n 's/.*kept \([0-9]*\) objects.*/\1/p' "$TMP/gc")
check "... keeps no more than the trails name" [ "$kept" -le "$(( $(objects "$TMP/sat/objects") + $(objects "$TMP/sat2/objects") ))" ]
check "... and no copy twice" [ "$(objects "$w/state/objects")" -eq "$kept" ]
# what gc left serves the trails: every object they name is in the store
for s in "$TMP/sat" "$TMP/sat2"; do
	sed -n 's/^- \([0-9a-f]\{64\}\)$/\1/p; s/^  - \([0-9a-f]\{64\}\)$/\1/p' "$s/sat.log" | sort -u > "$TMP/names"
	cat "$w"/state/objects/*.idx | cut -c1-64 | sort -u > "$TMP/have"
	check "... every object $(basename "$s") names is kept" [ -z "$(comm -23 "$TMP/names" "$TMP/have")" ]
done
check "... (the names were found)" [ -s "$TMP/names" ]
# a second gc has nothing to remove: it rewrites nothing
(cd "$w/state/objects" && ls -i --full-time ./*.seg ./*.idx) > "$TMP/segs1"
solr-sat gc -C "$w" "$TMP/sat" "$TMP/sat2" > "$TMP/gc2" 2> "$TMP/e"
check "gc again: exit 0, kept the same, removed 0" \
	sh -c '[ $0 -eq 0 ] && grep -q "kept $1 objects, removed 0$" "$2"' $? "$kept" "$TMP/gc2"
(cd "$w/state/objects" && ls -i --full-time ./*.seg ./*.idx) > "$TMP/segs2"
same_files "... and leaves every segment and index as it was (the same files, unwritten)" "$TMP/segs1" "$TMP/segs2"
# not while a flow has the store open
hold_lock -s "$w/state/objects/lock"
solr-sat gc -C "$w" "$TMP/sat" > /dev/null 2> "$TMP/e"
check "gc while the store is in use: refused" grep -q "in use by another process" "$TMP/e"
release_lock
# the trail verifies and replays from its bundle alone
solr-sat verify -C "$w" "$TMP/sat" > /dev/null
check "the trail verifies after gc" [ $? -eq 0 ]
rm -rf "$w/state/objects"
solr-sat replay "$TMP/sat2" "$w" > "$TMP/r"
check "... and replays with the world's store gone" grep -q "^1 records replayed, 0 differ; 0 world inputs changed$" "$TMP/r"
# trails that name nothing would empty the store: refused
solr-countersign -C "$w" --at $PIN --sat "$TMP/empty" < /dev/null > /dev/null 2>&1
solr-verify-sig -C "$w" --at $PIN "$R/srp-gas-cv4.xml" > /dev/null
n0=$(objects "$w/state/objects")
check "empty-trail setup: the store holds an object" [ "$n0" -ge 1 ]
solr-sat gc -C "$w" "$TMP/empty" > /dev/null 2> "$TMP/e"
check "gc with an empty trail: refused, exit 1, saying so" \
	sh -c '[ $0 -eq 1 ] && grep -q "hold no object .*nothing is removed" "$1"' $? "$TMP/e"
check "... and nothing removed" [ "$(objects "$w/state/objects")" -eq "$n0" ]
# gc refuses a trail that does not verify, and a store in use
cp -R "$TMP/sat2" "$TMP/bad"; sed -i '0,/^actor: .*/s//actor: 11-22-33-44-55-66-77-88/' "$TMP/bad/sat.log"
solr-sat gc -C "$w" "$TMP/bad" > /dev/null 2> "$TMP/e"
check "gc with a trail that does not verify: exit 2, nothing removed" [ $? -eq 2 ]

# a document refused before any register kept it (a signer who may not
# take the RequestID), fed again and again: its bytes go into the bundle
# once
fresh_world "$TMP/gr"
yes "$R/t-wrong-bo.xml" | head -n 50 > "$TMP/grl"
solr-verify-sig -C "$TMP/gr" --at $PIN --files-from "$TMP/grl" 2>/dev/null |
	solr-failed-suppliers -C "$TMP/gr" check | solr-gbcs-parse -C "$TMP/gr" |
	solr-adt-check -C "$TMP/gr" | solr-countersign -C "$TMP/gr" --at $PIN --sat "$TMP/gr.sat" > "$TMP/gr.out" 2>/dev/null
check "a refused document 50 times: 50 rejections, none a duplicate" \
	sh -c '[ "$(grep -c "^verdict: reject" "$0")" -eq 50 ] && ! grep -q "^duplicate_of:" "$0"' "$TMP/gr.out"
check "... and each object once in the bundle" \
	[ "$(cat "$TMP/gr.sat/objects"/*.idx | cut -d' ' -f1 | sort | uniq -d | wc -l)" -eq 0 ]
