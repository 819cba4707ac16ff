# Every EXAMPLE of the section-1 pages runs: in a directory holding
# 'world' and 'requests', each "$ command" line must exit 0 or 1 and,
# unless it redirects its output, print.
mkdir -p "$TMP/ex"
fresh_world "$TMP/ex/world"
ln -s "$BUILD/requests" "$TMP/ex/requests"
ln -s "$PWD/scripts" "$TMP/ex/scripts"
for page in man/*.1 man/*.7; do
	awk '/^\.Bd/ { inb = 1; next } /^\.Ed/ { inb = 0 } inb && /^\$ / { sub(/^\$ /, ""); gsub(/\\e/, "\\"); print }' \
		"$page" > "$TMP/ex.sh"
	while IFS= read -r cmd; do
		(cd "$TMP/ex" && PATH=$BIN:$PATH sh -c "$cmd") > "$TMP/ex.out" 2>&1
		rc=$?
		printed=yes
		case $cmd in *'>'*) ;; *) [ -s "$TMP/ex.out" ] || printed=no ;; esac
		if [ $rc -le 1 ] && [ $printed = yes ]; then ok "$(basename "$page") example: $cmd"
		else not_ok "$(basename "$page") example: $cmd" "exit $rc: $(head -2 "$TMP/ex.out")"; fi
	done < "$TMP/ex.sh"
done
