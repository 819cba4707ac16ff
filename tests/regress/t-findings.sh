# What fuzzing and the property tests found, kept as regressions (the
# inputs are in testdata/findings; the fuzz corpora are replayed by make
# check as well).
F=$TESTDATA/findings
# a namespace URI that C14N refuses: libxml2 printed its own errors
for mode in "" --response; do
	solr-verify-sig -C "$BUILD/world" --at $PIN $mode "$F/c14n-bad-namespace-uri.xml" > "$TMP/o$mode" 2> "$TMP/e"
	check "C14N failure${mode:+ ($mode)}: rejected, exit 1" [ $? -eq 1 ]
	check "... and nothing from libxml2 on stderr" [ ! -s "$TMP/e" ]
done
check "... the reason names the canonicalisation" grep -q "^reason: the document cannot be canonicalised" "$TMP/o"
