# Every EXAMPLE of the section-1 and section-7 pages runs as a reader
# pastes it: each page from a directory of its own holding a fresh
# 'world', 'requests' and 'scripts' and nothing else, its examples in
# order.  Each ends in 0 or 1 (1: some record not accepted) with no word
# of a file not there, and its stdout, stderr and exit status are
# compared with testdata/golden/examples/ (SOLR_REGOLD=1 rewrites
# them).  What a new world or a new signature changes is masked: SHA-256
# names, certificate serials, document sizes, the length of a DER
# signature, and times of today for the examples that do not pin --at.
mkdir -p "$TESTDATA/golden/examples"
day0=$(today)
mask() {	# mask FILE
	sed -E -i -e "s/$(days "$day0")T[0-9:]{8}Z/<now>/g" -e "s|$TMP/ex[^/]*|TMP/ex|g" -e "s|$TMP|TMP|g" \
		-e 's/[0-9a-f]{64}/<sha256>/g' \
		-e 's/[0-9]{17,}/<number>/g' -e 's/^(  size:) [0-9]+$/\1 <size>/' \
		-e 's/(DER signature|decodes to) 7[0-2] bytes/\1 <70-72> bytes/' \
		-e 's|, [0-9]+/s;|, <rate>/s;|' \
		-e "s/^( *[a-z_]*at): '?[0-9a-f]+-[0-9a-f]+-[0-9a-f]+:[0-9a-f]+'?\$/\1: <segment>:<offset>/" "$1"
}
# each page as a reader sees it: the examples run are the ones pasted
# from the rendered text, not read from the source
render() { mandoc -T ascii -O width=1000 "$1"; }
for page in man/*.1 man/*.7; do
	ex=$TMP/ex.$(basename "$page")
	mkdir -p "$ex"
	fresh_world "$ex/world"
	ln -s "$BUILD/requests" "$ex/requests"
	ln -s "$PWD/scripts" "$ex/scripts"
	render "$page" | sed -n 's/^ *\$ //p' > "$TMP/ex.sh"
	n=0
	while IFS= read -r cmd; do
		n=$((n + 1))
		g=$TESTDATA/golden/examples/$(basename "$page").$n
		(cd "$ex" && PATH=$BIN:$PATH sh -c "$cmd") > "$TMP/ex.out" 2> "$TMP/ex.err"
		rc=$?
		echo $rc > "$TMP/ex.rc"
		mask "$TMP/ex.out"
		mask "$TMP/ex.err"
		if [ "${SOLR_REGOLD:-}" = 1 ]; then
			for x in out err rc; do cp "$TMP/ex.$x" "$g.$x"; done
		fi
		bad=
		if [ $rc -gt 1 ]; then bad="exit $rc: $(head -2 "$TMP/ex.err" | tr '\n' ' ')"
		elif grep -Eiq "no such file|cannot be read|not found|: is a directory" "$TMP/ex.err"; then
			bad="a file not there: $(head -2 "$TMP/ex.err" | tr '\n' ' ')"
		fi
		for x in out err rc; do
			[ -z "$bad" ] || break
			if ! cmp -s "$TMP/ex.$x" "$g.$x" 2>/dev/null; then
				bad="$x: $(diff "$g.$x" "$TMP/ex.$x" 2>&1 | head -3 | tr '\n' ' ')"
			fi
		done
		if [ -z "$bad" ]; then ok "$(basename "$page") example $n: $cmd"
		else not_ok "$(basename "$page") example $n: $cmd" "$bad"; fi
	done < "$TMP/ex.sh"
done

# every line of every literal display, and every .Dl that is plain text,
# renders as it is written: a quote or a backslash the formatter eats,
# or a line it wraps, makes a command that fails when pasted
literal() {	# literal PAGE: those lines, as a reader should see them
	perl -ne 'if (/^\.Bd -literal/) { $in = 1; next } if (/^\.Ed/) { $in = 0; next }
		my $l; if ($in && !/^\./) { $l = $_ } elsif (/^\.Dl (.*)/ && $1 !~ / (Ns|Ar|Li|Cm|Fl|Pa|Ql) /) { $l = "$1\n" }
		next unless defined $l;
		$l =~ s/\\e/\\/g; $l =~ s/\\\(aq/\x27/g; $l =~ s/\\\(dq/"/g; $l =~ s/\\&//g;
		$l =~ s/\\-/-/g; $l =~ s/\\ / /g; $l =~ s/^\s+//; print $l if $l =~ /\S/' "$1"
}
for page in man/*.[157]; do
	render "$page" | sed 's/^ *//' > "$TMP/r.txt"
	literal "$page" > "$TMP/lit.txt"
	missing=$(grep -vxF -f "$TMP/r.txt" "$TMP/lit.txt" | head -1)
	check "$(basename "$page"): its literal lines render as written${missing:+ (not: $missing)}" \
		sh -c '[ -s "$0" ] && [ -z "$1" ]' "$TMP/lit.txt" "$missing"
done
# every section-1 page says what its messages mean
for page in man/*.1; do
	check "$(basename "$page") has DIAGNOSTICS" grep -q '^\.Sh DIAGNOSTICS$' "$page"
	check "$(basename "$page") lists -h once" [ "$(grep -c '^\.It Fl h' "$page")" -le 1 ]
done
