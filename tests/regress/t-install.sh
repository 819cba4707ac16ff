# make install PREFIX=...: the tools, solr-sat and the helpers work from
# the installed copies in a clean shell, outside the source tree.
P=$TMP/prefix
make -s install PREFIX="$P" > "$TMP/install.out" 2>&1
check "make install PREFIX=...: exit 0" [ $? -eq 0 ]
for t in solr-verify-sig solr-failed-suppliers solr-gbcs-parse solr-adt-check solr-countersign \
	solr-sat solr-pipeline solr-summary solr-sort install-duis-xsd; do
	check "installed: bin/$t" [ -x "$P/bin/$t" ]
done
for m in man1/solr-sat.1 man5/solr-sat.5 man5/solr-records.5 man7/solr-tools.7; do
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
