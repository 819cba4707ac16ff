# The one guard (solr-world(5), SECURITY), tested so that no file can be
# missed: every tool and subcommand runs once over a world, a trail and
# an output folder while faults.so notes every path it opens or runs;
# then each path under them is made writable by others, and (as root)
# owned by another user, in turn, and the command that opened it must
# refuse with exit 2, naming it.  A file a future change opens is covered
# without anyone adding it here.
R=$BUILD/requests
if [ ! -f "$FAULTS" ]; then
	skip "the one guard over every file" "build/faults.so is not built (make check builds it)"
	return 0 2>/dev/null || exit 0
fi
G=$TMP/g
mkdir -p "$G"
w=$G/world sat=$G/sat out=$G/out
fresh_world "$w"
cp "$TESTDATA/examples/upload.yaml" "$G/upload.yaml"
cp "$w/adt/00-DB-12-34-56-78-00-04.yaml" "$G/adt.yaml"
# cmd N: the command line of command N (one a line, run by sh in $G)
cat > "$G/cmds" <<EOF
solr-verify-sig -C world --at $PIN $R/srp-elec-cv5.xml $R/srp-gas-cv4.xml > r1
solr-failed-suppliers -C world check < r1 > r2
solr-gbcs-parse -C world < r2 > r3
solr-adt-check -C world < r3 > r4
solr-countersign -C world --at $PIN --sat sat -o out < r4 > r5
solr-verify-sig -C world --at $PIN $R/srp-gas-cv5.xml $R/srp-elec-cv4.xml > s1
solr-failed-suppliers -C world check < s1 > s2
solr-gbcs-parse -C world < s2 > s3
solr-adt-check -C world < s3 > s4
solr-countersign -C world --at $PIN --sat sat -o out < s4 > s5
solr-failed-suppliers -C world --at $PIN validate upload.yaml
solr-failed-suppliers -C world apply upload.yaml --by ops --reason guard --accept name-mismatch --accept not-suspended --accept active-certificates --accept srp-not-registered --accept not-a-supplier --accept srp-not-solr --accept never-certified --accept removed --accept not-registered --accept version-not-newer
solr-failed-suppliers -C world show
solr-adt-check -C world --at $PIN submit adt.yaml
solr-adt-check -C world counters
solr-countersign -C world devices list
solr-countersign -C world devices import --all
solr-sat verify -C world sat
solr-sat log -C world sat
solr-sat replay sat world
solr-sat gc -C world sat
solr-sat state -C world
EOF
# each command runs on what the ones before it left: that state is kept
# (snap.N), so that an attack on a path replays the very command that
# opened it on the very state it opened it in
n=0
while IFS= read -r c; do
	n=$((n + 1))
	cp -a "$G" "$TMP/snap.$n"
	(cd "$G" && FAULT_OPEN_LOG="$TMP/opened.$n" faulty sh -c "$c") > /dev/null 2> "$TMP/err.$n"
done < "$G/cmds"
check "guard setup: the flow accepts a request" grep -q '^verdict: accept' "$G/r5"
# each path under the world, the trail or the output folder, with the
# first command that opened it when it was there before the command ran
# (not a file the command made), and not a process's own temporary or
# live files
: > "$TMP/paths"
i=0
while [ $i -lt $n ]; do
	i=$((i + 1))
	[ -f "$TMP/opened.$i" ] || continue
	sed 's/^[a-z]* //' "$TMP/opened.$i" | sed "s|/\\./|/|g; s|//*|/|g; s|/\$||" |
		grep -E "^$G/(world|sat|out)(/|\$)" | sort -u | while IFS= read -r p; do
		[ -e "$TMP/snap.$i/${p#"$G"/}" ] || continue
		case $p in */live/*|*.new|*.tmp*|*/.probe) continue ;; esac
		printf '%s\t%s\n' "$p" "$i"
	done >> "$TMP/paths"
done
awk -F '\t' '!seen[$1]++' "$TMP/paths" > "$TMP/targets"
nt=$(wc -l < "$TMP/targets")
check "guard setup: $nt paths the tools open under the world, the trail and the output folder" [ "$nt" -ge 40 ]
for d in world/policy.yaml world/keys/records.key world/pki/trust world/adt/00-DB-12-34-56-78-00-04.yaml \
	world/state/countersign-ledger world/state/devices world/scan-upload sat/sat.log sat/head; do
	check "... among them $d" grep -q "^$G/$d	" "$TMP/targets"
done
# attack ATTACK [TARGETS]: each target in turn, then the command that
# opened it
attack() {
	_bad=0 _tried=0
	while IFS="$(printf '\t')" read -r p i; do
		c=$(sed -n "${i}p" "$TMP/snap.1/cmds")
		rel=${p#"$G"/}
		rm -rf "$G"; cp -a "$TMP/snap.$i" "$G"
		[ -e "$p" ] || continue
		case $1 in
		mode) chmod o+w "$p" ;;
		owner) chown 4242 "$p" ;;
		esac
		(cd "$G" && sh -c "$c") > /dev/null 2> "$TMP/e" < /dev/null
		rc=$?
		_tried=$((_tried + 1))
		if [ $rc -ne 2 ] || ! grep -qF "$rel" "$TMP/e"; then
			_bad=$((_bad + 1))
			printf '#   %s: %s; command %d: exit %d: %s\n' "$1" "$rel" "$i" "$rc" "$(head -c 200 "$TMP/e")"
		fi
	done < "${2:-$TMP/targets}"
	printf '%d %d\n' "$_tried" "$_bad" > "$TMP/result"
}
attack mode
read -r tried bad < "$TMP/result"
check "each of the $tried paths writable by others: refused by the command that opened it, exit 2, named" \
	sh -c '[ $0 -ge 40 ] && [ $1 -eq 0 ]' "$tried" "$bad"
if [ "$(id -u)" -eq 0 ]; then
	attack owner
	read -r tried bad < "$TMP/result"
	check "each of the $tried paths owned by another user: refused, exit 2, named" \
		sh -c '[ $0 -ge 40 ] && [ $1 -eq 0 ]' "$tried" "$bad"
else
	skip "each path owned by another user" "only root can give a file away"
fi
# the test itself: a copy of the tools in which one file, the ADT file
# adt-check reads, skips the guard, is caught, and the file named
sp=$TMP/spoiled
mkdir -p "$sp/build"
cp -a Makefile cmd common scripts "$sp/"
cp -a "$BUILD"/*.o "$BUILD/libsolr.a" "$BUILD/.deps" "$BUILD/.flags" "$sp/build/"
sed -i 's/solr_read_guarded(path, FILE_MAX, &b, e)) != 0) {/solr_read_file(path, FILE_MAX, \&b, e)) != 0) {/' \
	"$sp/common/decide/adt.c"
if ! grep -q 'solr_read_file(path, FILE_MAX' "$sp/common/decide/adt.c"; then
	not_ok "a copy whose ADT file skips the guard" "the line to spoil is not in common/decide/adt.c"
elif ! make -s -C "$sp" ${SOLR_SANITIZE:-} bin/solr-adt-check > "$TMP/spoil.log" 2>&1; then
	not_ok "a copy whose ADT file skips the guard" "it did not build: $(tail -3 "$TMP/spoil.log")"
else
	grep "/world/adt/" "$TMP/targets" > "$TMP/adt-targets"
	PATH=$sp/bin:$PATH attack mode "$TMP/adt-targets" > "$TMP/spoiled.out"
	read -r tried bad < "$TMP/result"
	check "a copy whose ADT file skips the guard: the test fails, naming the file" \
		sh -c '[ $0 -ge 1 ] && [ $1 -ge 1 ] && grep -q "mode: world/adt/00-DB-12-34-56-78-00-04.yaml; command [0-9]*: exit 0" "$2"' \
		"$tried" "$bad" "$TMP/spoiled.out"
fi
# the scanner outside the world: run only from a path checked from / down
fresh_world "$TMP/sw"
cp "$TESTDATA/examples/upload.yaml" "$TMP/up.yaml"
mkdir -p "$TMP/bin"; printf '#!/bin/sh\nexit 0\n' > "$TMP/bin/scan"; chmod 755 "$TMP/bin/scan"
sed -i "s|^upload_scanner: .*|upload_scanner: $TMP/bin/scan|" "$TMP/sw/policy.yaml"
solr-failed-suppliers -C "$TMP/sw" --at $PIN validate "$TMP/up.yaml" > /dev/null 2> "$TMP/e"
rc=$?
tmpdir=$(dirname "$TMP")
if [ -n "$(find "$tmpdir" -maxdepth 0 -perm -002)" ]; then
	check "a scanner under $tmpdir (writable by all): refused, exit 2, naming the folder" \
		sh -c '[ $0 -eq 2 ] && grep -q "^solr-failed-suppliers: $1: mode [0-7]*: group or others may write it" "$2"' $rc "$tmpdir" "$TMP/e"
else
	skip "a scanner in a folder writable by all" "$tmpdir is not writable by all"
fi
sed -i "s|^upload_scanner: .*|upload_scanner: true --ignored|" "$TMP/sw/policy.yaml"
solr-failed-suppliers -C "$TMP/sw" --at $PIN validate "$TMP/up.yaml" > /dev/null 2> "$TMP/e"
check "a scanner found on PATH in root's folders (true): run, the upload reviewed" \
	sh -c '[ $0 -le 1 ] && ! grep -q "scanner" "$1"' $? "$TMP/e"
sed -i "s|^upload_scanner: .*|upload_scanner: ./scan-upload;rm -rf /|" "$TMP/sw/policy.yaml"
solr-failed-suppliers -C "$TMP/sw" --at $PIN validate "$TMP/up.yaml" > /dev/null 2> "$TMP/e"
check "a scanner whose program word holds shell syntax: refused, exit 2" \
	sh -c '[ $0 -eq 2 ] && grep -q "its program must be a plain path" "$1"' $? "$TMP/e"
