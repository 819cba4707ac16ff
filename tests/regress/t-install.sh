# make install PREFIX=...: the tools, solr-sat and the helpers work from
# the installed copies in a clean shell, outside the source tree.
P=$TMP/prefix
make -s install PREFIX="$P" > "$TMP/install.out" 2>&1
check "make install PREFIX=...: exit 0" [ $? -eq 0 ]
cp -p "$P/bin/solr-sat" "$TMP/mode.bin"; cp -p "$P/share/man/man1/solr-sat.1" "$TMP/mode.man"
for t in solr-verify-sig solr-failed-suppliers solr-gbcs-parse solr-adt-check solr-countersign \
	solr-sat solr-pipeline solr-summary solr-sort install-duis-xsd; do
	check "installed: bin/$t" [ -x "$P/bin/$t" ]
done
for m in man1/solr-sat.1 man5/solr-sat.5 man5/solr-records.5 man7/solr-tools.7 \
	man1/solr-pipeline.1 man1/solr-summary.1 man1/solr-sort.1 man1/install-duis-xsd.1; do
	check "installed: $m" [ -s "$P/share/man/$m" ]
done
mkdir -p "$TMP/site"
fresh_world "$TMP/site/a world"
env -i HOME="$TMP" PATH="$P/bin:/usr/bin:/bin" sh -c "cd '$TMP/site' &&
	solr-pipeline -C 'a world' -o out '$BUILD/requests/srp-elec-cv5.xml' '$BUILD/requests/srp-gas-cv4.xml' > summary;
	solr-sat verify -C 'a world' out/sat > verify && solr-sat replay out/sat 'a world' > replay" > "$TMP/clean.out" 2>&1
check "a clean shell: the installed pipeline runs the flow" grep -q "^trail head: " "$TMP/site/summary"
check "... solr-sat verifies its trail" grep -q "^entries: 2$" "$TMP/site/verify"
check "... and replays it, from a world path with a space" grep -q "^2 records replayed, 0 differ; 0 world inputs changed$" "$TMP/site/replay"
# the installed helpers: no demo defaults, their version without the
# source tree, the time now unless given
env -i HOME="$TMP" PATH="$P/bin:/usr/bin:/bin" sh -c "cd '$TMP/site' && solr-pipeline '$BUILD/requests/srp-elec-cv5.xml'" > "$TMP/o" 2> "$TMP/e"
check "installed solr-pipeline without -C or SOLR_WORLD: exit 2, asking which world" \
	sh -c '[ $0 -eq 2 ] && grep -q "which world? give -C WORLD or set SOLR_WORLD" "$1" && [ ! -d "$2/build" ]' $? "$TMP/e" "$P"
env -i HOME="$TMP" PATH="$P/bin:/usr/bin:/bin" SOLR_WORLD="$TMP/site/a world" sh -c "cd '$TMP/site' && solr-pipeline -o out2" > "$TMP/o" 2> "$TMP/e"
check "... with SOLR_WORLD but no requests: exit 2, asking which" \
	sh -c '[ $0 -eq 2 ] && grep -q "which requests?" "$1" && [ ! -d "$2" ]' $? "$TMP/e" "$TMP/site/out2"
env -i HOME="$TMP" PATH="$P/bin:/usr/bin:/bin" SOLR_WORLD="$TMP/site/a world" sh -c "cd '$TMP/site' && solr-pipeline '$BUILD/requests/srp-elec-cv5.xml'" > "$TMP/o" 2> "$TMP/e"
check "... without -o: exit 2, nothing written under the prefix" \
	sh -c '[ $0 -eq 2 ] && grep -q "where to? give -o DIR" "$1" && [ ! -d "$2/build" ]' $? "$TMP/e" "$P"
day0=$(today)
env -i HOME="$TMP" PATH="$P/bin:/usr/bin:/bin" SOLR_WORLD="$TMP/site/a world" sh -c "cd '$TMP/site' && solr-pipeline -o now '$BUILD/requests/srp-gas-cv5.xml'" > "$TMP/o" 2> "$TMP/e"
check "... with SOLR_WORLD and no --at: the requests are received now" \
	grep -Eq "^received_at: $(days "$day0")T" "$TMP/site/now/1-verify-sig.yaml"
for h in solr-pipeline solr-summary solr-sort install-duis-xsd; do
	env -i PATH="/usr/bin:/bin" sh "$P/bin/$h" --version > "$TMP/v" 2>&1
	check "installed $h --version: its version, without the source tree or the tools" \
		sh -c '[ $0 -eq 0 ] && grep -qx "$1 $2" "$3"' $? "$h" "$(sed -n 's/^VERSION = //p' Makefile)" "$TMP/v"
	env -i PATH="/usr/bin:/bin" sh "$P/bin/$h" -h > "$TMP/v" 2> "$TMP/e"
	check "installed $h -h: its usage on stdout, exit 0" \
		sh -c '[ $0 -eq 0 ] && grep -q "^usage: $1" "$2" && [ ! -s "$3" ]' $? "$h" "$TMP/v" "$TMP/e"
done
# make uninstall takes back what install put there, and nothing else
: > "$P/bin/users-own-tool"
make -s uninstall PREFIX="$P" > "$TMP/un.out" 2>&1
check "make uninstall: exit 0, every file install made gone, the user's own kept" \
	sh -c '[ $0 -eq 0 ] && [ -z "$(find "$1" -type f ! -name users-own-tool)" ] && [ -f "$1/bin/users-own-tool" ]' $? "$P"
check "... and install's files had their modes (755 the programs, 644 the pages)" \
	sh -c '[ "$(stat -c %a "$0")" = 755 ] && [ "$(stat -c %a "$1")" = 644 ]' "$TMP/mode.bin" "$TMP/mode.man"
