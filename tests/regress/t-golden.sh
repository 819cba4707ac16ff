# Golden output: stdout, stderr and exit status of fixed commands.
# golden NAME CMD...: runs CMD in $GOLDEN_DIR, compares with
# testdata/golden/NAME.{out,err,rc}; SOLR_REGOLD=1 rewrites them.
golden() {
	name=$1; shift
	(cd "$GOLDEN_DIR" && "$@") > "$TMP/g.out" 2> "$TMP/g.err"
	echo $? > "$TMP/g.rc"
	sed -i "s|$TMP|TMP|g" "$TMP/g.err"
	# a test world's record key is new each time: its seals are masked
	sed -E -i -e 's/^seal: [0-9a-f]{64}$/seal: <seal>/' \
		-e "s/^( *[a-z_]*at): '?[0-9a-f]+-[0-9a-f]+-[0-9a-f]+:[0-9a-f]+'?\$/\1: <segment>:<offset>/" "$TMP/g.out"
	if [ "${SOLR_REGOLD:-}" = 1 ]; then
		for x in out err rc; do cp "$TMP/g.$x" "$TESTDATA/golden/$name.$x"; done
	fi
	for x in out err rc; do
		if ! cmp -s "$TMP/g.$x" "$TESTDATA/golden/$name.$x"; then
			not_ok "golden $name ($x)" "$(diff "$TESTDATA/golden/$name.$x" "$TMP/g.$x" | head -5)"
			return
		fi
	done
	ok "golden $name"
}
if have_vectors; then
	GOLDEN_DIR=$VECTORS/duis
	sh tests/mk-vworld "$VECTORS" "$TMP/gw"
	SOLR_OBJECTS=$TMP/gobj; export SOLR_OBJECTS
	golden attacks solr-verify-sig -C "$TMP/gw" --at $VPIN \
		attacks/a00b-control-srp-signed.xml attacks/a02-two-signatures-identity-confusion.xml \
		attacks/a18a-xxe-external-entity.xml attacks/a26-lowercase-eui.xml
	golden response solr-verify-sig -r -C "$TMP/gw" --at $VPIN \
		responses/resp-i0-precommand.dsp-signed.xml
	unset SOLR_OBJECTS
else
	skip "golden output of the vectors" "$VECTORS is absent"
fi
GOLDEN_DIR=$TESTDATA
mkdir -p "$TMP/bw/pki/trust" "$TMP/bw/keys"
(umask 077; openssl rand -hex 32 > "$TMP/bw/keys/records.key")
printf 'pki: {require_chain: false}\nroles:\n  SolrContingency: {srvs: 2.1}\n' > "$TMP/bw/policy.yaml"
echo 'users: []' > "$TMP/bw/registry.yaml"
golden bad-policy solr-verify-sig -C "$TMP/bw"
golden usage solr-verify-sig -q
