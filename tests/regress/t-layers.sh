# common/ keeps its layers (tests/layers): this tree passes, and each kind
# of breach, made in a copy, is found and named.
sh tests/layers common cmd/*.c > "$TMP/layers" 2>&1
check "common/ keeps its layers: no arrow up or sideways, no loop, no long function (cmd/ too)" \
	sh -c '[ $0 -eq 0 ] && [ ! -s "$1" ]' $? "$TMP/layers"
sh tests/layers cmd > /dev/null 2>&1
check "layers on a folder with no layers: refused" [ $? -eq 1 ]
breach() {	# a copy of common/, for the caller to make worse
	rm -rf "$TMP/c"; cp -R common "$TMP/c"
}
layers_rc() { sh tests/layers "$TMP/c" > "$TMP/out" 2>&1; echo $?; }
breach; printf '#include "decide/adt.h"\n' >> "$TMP/c/world/world.c"
rc=$(layers_rc)
check "a world file that includes a decide header: an arrow up, named" \
	sh -c '[ $0 -eq 1 ] && grep -q "world/world.c:[0-9]*: layer world includes decide/adt.h, a layer above it" "$1"' $rc "$TMP/out"
breach; printf '#include "gbcs/gbcs.h"\n' >> "$TMP/c/duis/duis.c"
rc=$(layers_rc)
check "duis includes gbcs: a layer beside it, named" \
	sh -c '[ $0 -eq 1 ] && grep -q "layer duis includes gbcs/gbcs.h, a layer beside it" "$1"' $rc "$TMP/out"
breach; printf '#include "util.h"\n' >> "$TMP/c/base/ytree.c"
rc=$(layers_rc)
check "an include that does not name its layer: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "base/ytree.c:[0-9]*: \"util.h\" does not name its layer" "$1"' $rc "$TMP/out"
breach; printf '#include "base/ytree.h"\n' >> "$TMP/c/base/util.c"
rc=$(layers_rc)
check "two modules of one layer that include each other: the loop, named" \
	sh -c '[ $0 -eq 1 ] && grep -q "modules include each other in a loop: .*base/util" "$1"' $rc "$TMP/out"
breach; sed -i 's/Layer store: may use base\./Layer store: may use anything./' "$TMP/c/store/objstore.h"
rc=$(layers_rc)
check "a main header that misstates what its layer may use: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "store/objstore.h:1: its first comment must say .Layer store: may use base\.." "$1"' $rc "$TMP/out"
breach; { printf 'int\nlong_one(void)\n{\n'; i=0; while [ $i -lt 78 ]; do printf '\t;\n'; i=$((i + 1)); done; printf '}\n'; } >> "$TMP/c/base/err.c"
rc=$(layers_rc)
check "a function of 81 lines: named, with its length" \
	sh -c '[ $0 -eq 1 ] && grep -q "base/err.c:[0-9]*: long_one is 81 lines, over 80" "$1"' $rc "$TMP/out"
breach; mkdir "$TMP/c/extra"
rc=$(layers_rc)
check "a folder that is no layer: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "extra: a folder that is no layer" "$1"' $rc "$TMP/out"
breach; cp "$TMP/c/base/err.h" "$TMP/c/stray.h"
rc=$(layers_rc)
check "a file outside every layer: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "stray.h: outside every layer" "$1"' $rc "$TMP/out"
breach; printf 'int\ntri(int x)\n{\n\tif (x)\n\t\treturn 1;\n\treturn SOLR_ERR_FORMAT;\n}\n' >> "$TMP/c/base/err.c"
rc=$(layers_rc)
check "a function that returns 1 beside a SOLR_ERR_* code: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "base/err.c:[0-9]*: tri returns 1 beside a SOLR_ERR_\* code" "$1"' $rc "$TMP/out"
breach; printf 'int\nbare(int x, struct solr_err *e)\n{\n\tif (x)\n\t\treturn -1;\n\treturn solr_seterr(e, SOLR_ERR_IO, "x");\n}\n' >> "$TMP/c/base/err.c"
rc=$(layers_rc)
check "a function that returns a bare -1 beside a SOLR_ERR_* code: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "base/err.c:[0-9]*: bare returns -1 beside a SOLR_ERR_\* code" "$1"' $rc "$TMP/out"
breach; printf '#define REJECTED 100\n' >> "$TMP/c/decide/countersign.c"
rc=$(layers_rc)
check "a positive answer beside SOLR_ERR_* brought back: named" \
	sh -c '[ $0 -eq 1 ] && grep -q "decide/countersign.c:[0-9]*: a second return convention" "$1"' $rc "$TMP/out"
