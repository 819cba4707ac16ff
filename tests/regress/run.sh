#!/bin/sh
# The regression suite: sh tests/regress/run.sh [SCRIPT...] from the top
# directory, after 'make' (make check does both); every t-*.sh unless
# scripts are named.  Each t-*.sh runs in a process of
# its own, with lib.sh and a scratch directory of its own, and passes its
# counts back; a script that does not finish is a failure.
. tests/regress/lib.sh
# a check asserts its whole condition (tests/regress/lint-checks)
if ! lint=$(sh tests/regress/lint-checks tests/regress/t-*.sh); then
	printf '%s\n' "$lint" | while IFS= read -r l; do
		printf 'not ok - a check asserts its whole condition\n#   %s\n' "$l"
	done
	failed=$((failed + $(printf '%s\n' "$lint" | wc -l)))
fi
# the generated world in build/world is the tests' shared fixture: it is
# read-only to them (each makes its own copy to write in), and a script
# that changes it anyway fails (as root, where a mode does not stop it)
chmod -R a-w "$BUILD/world"
fixture() { find "$BUILD/world" -printf '%P %y %m %s %T@\n' | LC_ALL=C sort | cksum; }
[ $# -gt 0 ] || set -- tests/regress/t-*.sh
for t in "$@"; do
	printf '# %s\n' "$t"
	before=$(fixture)
	rm -f "$TMP/counts"
	# the counts file by the environment: a script may set its own
	# positional parameters
	SOLR_COUNTS=$TMP/counts sh -c '. tests/regress/lib.sh; . "$1"
		printf "%d %d %d\n" "$passed" "$failed" "$skipped" > "$SOLR_COUNTS"' sh "$t"
	if [ -s "$TMP/counts" ]; then
		read -r p f s < "$TMP/counts"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	else
		not_ok "$t ran to its end" "it exited before its last check"
	fi
	if [ "$(fixture)" != "$before" ]; then
		not_ok "$t leaves the shared world build/world as it was" \
			"it wrote in it: a test writes in a copy (fresh_world, own_world)"
	fi
done
summary
