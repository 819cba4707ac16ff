# Scale-out that keeps its guarantees: many jobs, each in a working
# directory of its own, over one shared world decide as one process does;
# a world whose locks are not seen between processes, or between hosts,
# is refused.
R=$BUILD/requests

# (not the document that reuses a counter: which of the two is first
# races by nature)
ls "$R"/*.xml "$R"/batch/*.xml | grep -v reuse > "$TMP/files"
stages() {	# the stateful and stateless stages after the first, on $1
	echo "solr-failed-suppliers -C $1 check | solr-gbcs-parse -C $1 | solr-adt-check -C $1 | solr-countersign -C $1 --at $PIN --sat $1/sat"
}
fresh_world "$TMP/one"
fresh_world "$TMP/many"
solr-verify-sig -C "$TMP/one" --at $PIN --files-from "$TMP/files" 2>/dev/null > "$TMP/v1"
solr-verify-sig -C "$TMP/many" --at $PIN --files-from "$TMP/files" 2>/dev/null > "$TMP/vm"
sh -c "$(stages "$TMP/one")" < "$TMP/v1" > "$TMP/r1" 2>/dev/null
# six jobs at once, each started in a directory of its own (the world by
# its absolute path), as jobs on other hosts would be
mkdir -p "$TMP/jobs"
parallel --pipe --recstart '---' --block 4k -j6 \
	"d=\$(mktemp -d '$TMP/jobs/j.XXXXXX') && cd \"\$d\" && $(stages "$TMP/many")" < "$TMP/vm" > "$TMP/rm" 2>/dev/null
check "scale-out setup: the jobs ran in directories of their own" [ "$(ls "$TMP/jobs" | wc -l)" -ge 2 ]
norm() { sh scripts/solr-sort "$1" | grep -E '^(seq|verdict|code|reason):|^  command:|^duplicate_of:'; }
norm "$TMP/r1" > "$TMP/n1"; norm "$TMP/rm" > "$TMP/nm"
same_files "six jobs over one world: the same decisions and Commands as one process" "$TMP/n1" "$TMP/nm"
check "... for every request" [ "$(grep -c '^seq:' "$TMP/nm")" -eq "$(wc -l < "$TMP/files")" ]
solr-adt-check -C "$TMP/one" counters | sort > "$TMP/c1"
solr-adt-check -C "$TMP/many" counters | sort > "$TMP/cm"
check "... the same counts" sh -c '[ -s "$0" ] && cmp -s "$0" "$1"' "$TMP/c1" "$TMP/cm"
sort "$TMP/one/state/countersign-ledger" > "$TMP/l1"; sort "$TMP/many/state/countersign-ledger" > "$TMP/lm"
check "... the same ledger" sh -c '[ -s "$0" ] && cmp -s "$0" "$1"' "$TMP/l1" "$TMP/lm"
cut -d' ' -f1-4 "$TMP/one/state/countersign-requests-ledger" | sort > "$TMP/g1"
cut -d' ' -f1-4 "$TMP/many/state/countersign-requests-ledger" | sort > "$TMP/gm"
check "... the same register of decided requests" sh -c '[ -s "$0" ] && cmp -s "$0" "$1"' "$TMP/g1" "$TMP/gm"
solr-sat verify -C "$TMP/many" "$TMP/many/sat" > "$TMP/sv" 2>&1
check "... and one audit trail, with an entry for each, that verifies" \
	sh -c '[ $0 -eq 0 ] && grep -q "^entries: $1$" "$2"' $? "$(wc -l < "$TMP/files")" "$TMP/sv"
check "... no process left its entry in state/live" [ -z "$(ls "$TMP/many/state/live")" ]

# locks that do not work between two processes: refused at start
fresh_world "$TMP/nl"
solr-verify-sig -C "$TMP/nl" --at $PIN "$R/srp-elec-cv5.xml" | solr-failed-suppliers -C "$TMP/nl" check |
	solr-gbcs-parse -C "$TMP/nl" > "$TMP/x3"
if [ -f "$FAULTS" ]; then
	env LD_PRELOAD="$preload" FAULT_NOLOCK=/state/ solr-adt-check -C "$TMP/nl" < "$TMP/x3" > "$TMP/o" 2> "$TMP/e"
	check "a world whose locks are not seen between processes: adt-check refuses, exit 2" \
		sh -c '[ $0 -eq 2 ] && grep -q "state/live/.probe: locks do not work on this file system" "$1"' $? "$TMP/e"
	check "... counting nothing" [ -z "$(solr-adt-check -C "$TMP/nl" counters)" ]
	check "... and rejecting the record, not losing it" \
		grep -q "^reason: 'the stage''s state could not be used: .*locks do not work on this file system" "$TMP/o"
	env LD_PRELOAD="$preload" FAULT_NOLOCK=/state/ solr-countersign -C "$TMP/nl" --at $PIN < /dev/null > /dev/null 2> "$TMP/e"
	check "... and so does countersign" \
		sh -c '[ $0 -eq 2 ] && grep -q "locks do not work on this file system" "$1"' $? "$TMP/e"
else
	skip "a world without working locks" "build/faults.so is not built (make check builds it)"
fi
# a process of another host at work, whose lock is not seen from here
fresh_world "$TMP/xh"
mkdir -p "$TMP/xh/state/live"
: > "$TMP/xh/state/live/other-host.4242"
solr-adt-check -C "$TMP/xh" < "$TMP/x3" > /dev/null 2> "$TMP/e"
check "an entry of another host renewed seconds ago, its lock free: refused, exit 2" \
	sh -c '[ $0 -eq 2 ] && grep -q "state/live/other-host.4242: the process this names (other-host.4242) was at work [0-9]*s ago, yet its lock could be taken from here: locks on this file system are not seen between hosts" "$1"' $? "$TMP/e"
touch -d '-60 seconds' "$TMP/xh/state/live/other-host.4242"
solr-adt-check -C "$TMP/xh" < "$TMP/x3" > "$TMP/o" 2> "$TMP/e"
check "... once it is a minute old: taken for gone, removed, and the run goes on" \
	sh -c '[ $0 -eq 0 ] && [ ! -e "$1" ]' $? "$TMP/xh/state/live/other-host.4242"
# a process that holds its entry: seen, and the other runs beside it
mkfifo "$TMP/fifo"
solr-adt-check -C "$TMP/xh" < "$TMP/fifo" > /dev/null 2>&1 &
holder=$!
exec 9> "$TMP/fifo"
live_entries() { [ "$(ls "$TMP/xh/state/live" | wc -l)" -ge 1 ]; }
await "adt-check's entry in state/live" live_entries
check "a process at work holds its entry in state/live" [ "$(ls "$TMP/xh/state/live" | wc -l)" -eq 1 ]
solr-adt-check -C "$TMP/xh" counters > /dev/null 2>&1
solr-adt-check -C "$TMP/xh" < "$TMP/x3" > "$TMP/o" 2> "$TMP/e"
check "... and another runs beside it (its lock is seen)" [ $? -eq 0 ]
exec 9>&-
wait $holder
check "... which removes its entry when it ends" [ -z "$(ls "$TMP/xh/state/live")" ]
# a process here that died: its entry is removed at once
: > "$TMP/xh/state/live/$(hostname | tr ./ --).999999"
solr-adt-check -C "$TMP/xh" < "$TMP/x3" > /dev/null 2> "$TMP/e"
check "the entry of a process of this host that is gone: removed at once" [ $? -eq 0 ]

# the README's recipe keeps the worst status: 2 when a job's countersign
# cannot run, 1 when some are rejected
recipe() {	# recipe WORLD: the README's scale-out, under bash
	awk '/^    #!\/bin\/bash$/ { on = 1 } on && /^$/ { exit } on { sub(/^    /, ""); print }' README |
		sed "s|/srv/world|$1|g; s|/srv/sat|$1.sat|; s|^find requests .*|cp $TMP/files requests.list|; s|requests.list|$TMP/requests.list|g; s|jobs.tsv|$TMP/jobs.tsv|; s|sh scripts/solr-sort|sh $PWD/scripts/solr-sort|; s|> records.yaml|> $TMP/recipe.yaml|" > "$TMP/recipe.sh"
	bash "$TMP/recipe.sh" 2>/dev/null
}
fresh_world "$TMP/rc"
recipe "$TMP/rc"
check "the README's scale-out recipe: exit 1 on a batch with rejections" [ $? -eq 1 ]
check "... every record written" [ "$(grep -c '^seq:' "$TMP/recipe.yaml")" -eq "$(wc -l < "$TMP/files")" ]
check "... in the order of the list" \
	sh -c 'grep "^seq:" "$0" | cut -d" " -f2 | sort -n -c && [ "$(grep -m1 "^source:" "$0" | cut -d" " -f2)" = "$(head -1 "$1")" ]' \
	"$TMP/recipe.yaml" "$TMP/files"
solr-sat verify -C "$TMP/rc" "$TMP/rc.sat" > "$TMP/o" 2>&1
check "... and one trail for all the jobs, an entry each, that verifies" \
	sh -c '[ $0 -eq 0 ] && grep -q "^entries: $1$" "$2"' $? "$(wc -l < "$TMP/files")" "$TMP/o"
fresh_world "$TMP/rc2"
rm "$TMP/rc2/keys/acb.ka.key"
recipe "$TMP/rc2"
check "... exit 2 when countersign cannot run in the jobs" [ $? -eq 2 ]

# a second adt-check given the same RequestIDs while the first is inside
# the gate of one (it read the register and is counting: stopped at the
# counters' write): the second waits on that RequestID's lock, not on
# the counters it would reach without it, and takes the first's decision
if [ -f "$FAULTS" ]; then
	fresh_world "$TMP/kl"
	solr-verify-sig -C "$TMP/kl" --at $PIN "$R/srp-elec-cv4.xml" | solr-failed-suppliers -C "$TMP/kl" check |
		solr-gbcs-parse -C "$TMP/kl" | solr-adt-check -C "$TMP/kl" > /dev/null
	solr-verify-sig -C "$TMP/kl" --at $PIN "$R/srp-elec-cv5.xml" "$R/srp-gas-cv4.xml" |
		solr-failed-suppliers -C "$TMP/kl" check | solr-gbcs-parse -C "$TMP/kl" > "$TMP/kl.in"
	rm -f "$TMP/kl.fifo"; mkfifo "$TMP/kl.fifo"
	solr-adt-check -C "$TMP/kl" < "$TMP/kl.fifo" > "$TMP/kl.b" 2>&1 &
	second=$!
	exec 8> "$TMP/kl.fifo"
	has_counters() { ls -l "/proc/$second/fd" 2>/dev/null | grep -q 'state/adt-counters$'; }
	await "the second adt-check to open its counters" has_counters
	faulty_bg FAULT_STOP="$TMP/kl/state/adt-counters" FAULT_STOP_SKIP=0 solr-adt-check -C "$TMP/kl" \
		< "$TMP/kl.in" > "$TMP/kl.a"
	first=$bgpid
	await_stop "$first"
	check "setup: the first adt-check stopped in the gate, at its count" [ "$(proc_state "$first")" = T ]
	cat "$TMP/kl.in" >&8
	exec 8>&-
	live=$(stat -c %i "$TMP/kl/state/adt-requests-live")
	counters=$(stat -c %i "$TMP/kl/state/adt-counters")
	waiter() { grep -E -- "-> .*:($live|$counters) " /proc/locks; }
	await "the second adt-check to wait on a lock" waiter > /dev/null
	waiter > "$TMP/kl.w"
	check "the second waits on the RequestID's lock (one byte of adt-requests-live), not on the counters" \
		grep -Eq -- "-> OFDLCK +ADVISORY +WRITE .*:$live ([0-9]+) \\1\$" "$TMP/kl.w"
	kill -CONT "$first"
	wait "$first"
	rca=$?
	wait "$second"
	check "... then takes the first's decision for both requests (exit 0 each)" \
		sh -c '[ $0 -eq 0 ] && [ $1 -eq 0 ] && [ "$(grep -c "duplicate_of: {seq" "$2")" -eq 2 ] &&
		    [ "$(grep -c "adt-check: {result: pass" "$3")" -eq 2 ]' $rca $? "$TMP/kl.b" "$TMP/kl.a"
	check "... and the batch is counted once" \
		sh -c 'solr-adt-check -C "$0" counters | awk "{ n += \$NF } END { exit n != 3 }"' "$TMP/kl"
else
	skip "two adt-checks on one RequestID" "build/faults.so is not built (make check builds it)"
fi
