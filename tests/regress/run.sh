#!/bin/sh
# The regression suite: sh tests/regress/run.sh from the top directory,
# after 'make' (make check does both).  Every t-*.sh is sourced in order.
. tests/regress/lib.sh
TOP_TMP=$TMP
for t in tests/regress/t-*.sh; do
	printf '# %s\n' "$t"
	# each script has a scratch directory of its own
	TMP=$TOP_TMP/$(basename "$t" .sh)
	mkdir -p "$TMP"
	. "$t"
done
TMP=$TOP_TMP
summary
