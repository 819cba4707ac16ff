#!/bin/sh
# make valgrind-check: the unit tests and the regression suite with every
# tool run under valgrind memcheck.  Any invalid access, use of an
# uninitialised value, or definite or indirect leak fails the run; each
# process writes its report to build/valgrind/PID.log.
set -u
top=$(pwd)
logs=$top/build/valgrind
rm -rf "$logs" "$top/build/vgbin"
mkdir -p "$logs" "$top/build/vgbin"
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect \
--error-exitcode=99 --log-file=$logs/%p.log"
for t in bin/solr-*; do
	n=$(basename "$t")
	# by name, as the suite runs them: messages start with argv[0]
	printf '#!/bin/sh\nPATH=%s:$PATH exec %s %s "$@"\n' "$top/bin" "$VG" "$n" \
	    >"build/vgbin/$n"
	chmod +x "build/vgbin/$n"
done
status=0
CK_FORK=no SOLR_TESTDATA=testdata \
    SOLR_VECTORS=${SOLR_VECTORS:-../shared/vectors} \
    SOLR_WORLD_DIR=build/world $VG build/check_unit || status=1
BIN=$top/build/vgbin SOLR_BIN=$top/build/vgbin SOLR_SANITIZE=valgrind \
    sh tests/regress/run.sh >"$logs/regress.out" 2>&1 || status=1
tail -1 "$logs/regress.out"
grep '^not ok' "$logs/regress.out"
runs=$(ls "$logs" | grep -c '\.log$')
bad=0
for f in "$logs"/*.log; do
	[ -s "$f" ] || continue
	bad=$((bad + 1))
	echo "valgrind: $f:"
	head -40 "$f"
done
echo "valgrind: $runs processes checked, $bad with errors or leaks"
[ "$bad" -eq 0 ] && [ "$status" -eq 0 ]
