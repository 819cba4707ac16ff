# The suite keeps its own rules (tests/lint-tests): no test waits on the
# clock, every Check case has its own time limit, and no equality passes
# on two empty outputs.  Each rule, broken in a copy, is named; and a
# script that writes in the shared world build/world fails the suite.
sh tests/lint-tests tests > "$TMP/lint" 2>&1
check "tests/ keeps the suite's rules" sh -c '[ $0 -eq 0 ] && [ ! -s "$1" ]' $? "$TMP/lint"
spoil() {	# a copy of tests/, for the caller to make worse
	rm -rf "$TMP/t"; cp -R tests "$TMP/t"
}
lint_rc() { sh tests/lint-tests "$TMP/t" > "$TMP/out" 2>&1; echo $?; }
spoil; printf 'solr-adt-check -C "$w" < "$TMP/fifo" &\nsleep 1\n' >> "$TMP/t/regress/t-gc.sh"
rc=$(lint_rc)
check "a sleep that waits for a process: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "t-gc.sh:[0-9]*: sleep used to wait" "$1"' $rc "$TMP/out"
spoil; printf '(exec 9< "$w/lock"; flock -s 9; sleep 3) &\n' >> "$TMP/t/regress/t-sat.sh"
rc=$(lint_rc)
check "... one in a subshell: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "t-sat.sh:[0-9]*: sleep used to wait" "$1"' $rc "$TMP/out"
spoil; printf 'i=0; while [ $i -lt 9 ]; do sleep 0.1; i=$((i + 1)); done\n' >> "$TMP/t/regress/t-adt.sh"
rc=$(lint_rc)
check "... one in a loop of guesses: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "t-adt.sh:[0-9]*: sleep used to wait" "$1"' $rc "$TMP/out"
spoil; printf '\tsleep 0.05	# await'"'"'s poll\n' >> "$TMP/t/regress/t-adt.sh"
rc=$(lint_rc)
check "... the poll's mark outside lib.sh: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "t-adt.sh:[0-9]*: sleep used to wait" "$1"' $rc "$TMP/out"
spoil; printf "printf '#!/bin/sh\\\\nsleep 30\\\\n' > \"\$TMP/stub\"\n" >> "$TMP/t/regress/t-adt.sh"
rc=$(lint_rc)
check "a stub's body that sleeps, in quotes: not a wait" [ "$rc" -eq 0 ]
spoil; sed -i 's/TCase \*tc = unit_tcase("core", 60);/TCase *tc = tcase_create("core");/' "$TMP/t/unit/check_ywrite.c"
rc=$(lint_rc)
check "a Check case made without a time limit: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "check_ywrite.c:[0-9]*: a Check case made without its time limit" "$1"' $rc "$TMP/out"
spoil; printf 'check "same bytes" cmp -s "$TMP/a" "$TMP/b"\n' >> "$TMP/t/regress/t-adt.sh"
rc=$(lint_rc)
check "an equality by cmp that two empty files pass: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "t-adt.sh:[0-9]*: check with cmp passes two empty files" "$1"' $rc "$TMP/out"
spoil; printf 'check "the same Command" \\\n\t[ "$(cat "$TMP/a")" = "$(cat "$TMP/b")" ]\n' >> "$TMP/t/regress/t-adt.sh"
rc=$(lint_rc)
check "... by [ = ] of two outputs: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "t-adt.sh:[0-9]*: check \[ \"\$a\" = \"\$b\" \] passes two empty values" "$1"' $rc "$TMP/out"
# same and same_files fail on nothing
( passed=0 failed=0; same x "" ""; same_files y /dev/null /dev/null; echo "$failed" ) > "$TMP/s"
check "same and same_files: two empty outputs are a failure" [ "$(tail -1 "$TMP/s")" -eq 2 ]
# the runner: a script that writes in the shared world fails the suite
mkdir -p "$TMP/b/world/state"
printf 'policy: x\n' > "$TMP/b/world/policy.yaml"
printf 'check "a write" touch "$BUILD/world/state/x"\n' > "$TMP/t-writes.sh"
BUILD=$TMP/b sh tests/regress/run.sh "$TMP/t-writes.sh" > "$TMP/run" 2>&1
check "a script that writes in build/world: the suite fails, naming it" \
	sh -c '[ $0 -ne 0 ] && grep -q "^not ok - .*t-writes.sh leaves the shared world build/world as it was" "$1"' $? "$TMP/run"
check "... and the world is read-only to the tests (no write bit left)" \
	sh -c '[ -z "$(find "$0" -perm /222)" ]' "$TMP/b/world/policy.yaml"
chmod -R u+w "$TMP/b"
# the pages render as meant: tests/man-render finds what lint does not
sh tests/man-render > "$TMP/mr" 2>&1
check "man pages render as meant (tests/man-render)" sh -c '[ $0 -eq 0 ] && [ ! -s "$1" ]' $? "$TMP/mr"
mkdir -p "$TMP/man"
printf '.Dd x\n.Dt T 1\n.Os\n.Sh NAME\n.Nm t\n.Nd t\n.Sh DESCRIPTION\nA list\n.Pq Ql -\\& No for standard input .\n' > "$TMP/man/q.1"
printf '.Dd x\n.Dt T 1\n.Os\n.Sh NAME\n.Nm t\n.Nd t\n.Sh DESCRIPTION\nA seal\n.Dl ,"seal":" Ns Ar hex Ns "}\n' > "$TMP/man/s.1"
printf '.Dd x\n.Dt T 1\n.Os\n.Sh NAME\n.Nm t\n.Nd t\n.Sh DESCRIPTION\nOne object\n.Brq Qq intact : false , Qq file\nsays why.\n' > "$TMP/man/o.1"
for p in q s o; do
	sh tests/man-render "$TMP/man/$p.1" > "$TMP/mr" 2>&1
	check "tests/man-render: a page that renders wrongly ($p.1) is named" \
		sh -c '[ $0 -eq 1 ] && grep -q "$1" "$2"' $? "$TMP/man/$p.1" "$TMP/mr"
done
