#!/bin/sh
# The regression suite: sh tests/regress/run.sh from the top directory,
# after 'make' (make check does both).  Every t-*.sh is sourced in order.
. tests/regress/lib.sh
for t in tests/regress/t-*.sh; do
	printf '# %s\n' "$t"
	. "$t"
done
summary
