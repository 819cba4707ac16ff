# solr-tools

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2 -g
# make asan check, make ubsan check: the same build and tests under a
# sanitizer (everything is rebuilt when the flags change); the user's
# CFLAGS are kept, the sanitizer's flags after them
SANITIZE = $(firstword $(filter asan ubsan,$(MAKECMDGOALS)))
ifeq ($(SANITIZE),asan)
SAN_CFLAGS = -O1 -g -fsanitize=address -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address
endif
ifeq ($(SANITIZE),ubsan)
SAN_CFLAGS = -O1 -g -fsanitize=undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=undefined
endif
WERROR ?= -Werror
PKGS = libxml-2.0 libcrypto yaml-0.1
PKG_CFLAGS = `pkg-config --cflags $(PKGS)`
PKG_LIBS = `pkg-config --libs $(PKGS)`
# gcc's format-truncation warnings fire on snprintf calls whose truncation
# is checked; a compiler without the option (clang) is not given it.  The
# compiler is asked at the first compile, not when make starts: on a fresh
# machine make deps installs it after that.
NO_FORMAT_TRUNC = $(eval NO_FORMAT_TRUNC := $(shell $(CC) -Werror \
	-Wno-format-truncation -x c -c -o /dev/null /dev/null 2>/dev/null && \
	echo -Wno-format-truncation))$(NO_FORMAT_TRUNC)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra $(NO_FORMAT_TRUNC) \
	$(WERROR) -Icommon $(CPPFLAGS) $(CFLAGS) $(SAN_CFLAGS) \
	$(PKG_CFLAGS)

TOOLS = solr-verify-sig solr-gbcs-parse solr-failed-suppliers solr-adt-check \
	solr-countersign solr-sat
LIB_OBJ = $(patsubst %.c,build/%.o,$(notdir $(LIB_SRC)))
LIB = build/libsolr.a
CLI_OBJ = build/cli.o
# common/ in layers, each a folder that includes only the ones before it
# (tests/layers checks it): a file names a header by its layer, as in
# "world/world.h"
LAYERS = base store prepay world duis gbcs stage decide
vpath %.c $(LAYERS:%=common/%)
LIB_SRC = $(wildcard $(LAYERS:%=common/%/*.c))
HDRS = $(wildcard $(LAYERS:%=common/%/*.h)) cmd/cli.h
UNIT_SRC = tests/unit/check_main.c tests/unit/check_util.c \
	tests/unit/check_ytree.c tests/unit/check_record.c \
	tests/unit/check_objstore.c tests/unit/check_xmlsig.c \
	tests/unit/check_world.c tests/unit/check_gbcs.c \
	tests/unit/check_safe.c tests/unit/check_ledger.c \
	tests/unit/check_duis.c tests/unit/check_adt.c \
	tests/unit/check_fslist.c tests/unit/check_sat.c \
	tests/unit/check_prepay.c tests/unit/check_stage.c \
	tests/unit/check_ywrite.c

FUZZERS = gbcs-precommand gbcs-alert xml-verify records world inventory
FUZZ_SRC = tests/fuzz/world-once.c
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?=
FUZZ_CC ?= clang

# make only builds: it says what is missing and how to get it, and never
# installs; make deps, check and demo install as root with apt
all: build/.deps $(TOOLS:%=bin/%)

build/.deps: scripts/deps
	@mkdir -p build bin
	@sh scripts/deps --check
	@touch $@

deps:
	@sh scripts/deps

# rebuilt whenever the compiler or its flags change
build/.flags: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' >$@

# each object depends on the headers it includes (-MMD: build/*.d)
build/%.o: %.c build/.deps build/.flags
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

build/cli.o: cmd/cli.c build/.deps build/.flags
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ cmd/cli.c

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

bin/%: cmd/%.c $(LIB) $(CLI_OBJ) build/.flags
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF build/$*.main.d -o $@ $< $(CLI_OBJ) \
		$(LIB) $(LDFLAGS) $(PKG_LIBS)

-include $(wildcard build/*.d)

# The five tools linked with the SRV table of tests/srv/rows.c in place
# of the shipped one (srvrows.o is then never taken from the library)
SRVTEST = $(patsubst %,build/srvtest/%,$(filter-out solr-sat,$(TOOLS)))
build/srvtest/rows.o: tests/srv/rows.c build/.deps build/.flags
	@mkdir -p build/srvtest
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ tests/srv/rows.c

build/srvtest/%: cmd/%.c build/srvtest/rows.o $(LIB) $(CLI_OBJ) build/.flags
	$(CC) $(ALL_CFLAGS) -o $@ $< build/srvtest/rows.o $(CLI_OBJ) $(LIB) \
		$(LDFLAGS) $(PKG_LIBS)

-include $(wildcard build/srvtest/*.d)

build/check_unit: $(UNIT_SRC) tests/unit/unit.h $(LIB) build/.flags
	$(CC) $(ALL_CFLAGS) `pkg-config --cflags check` -o $@ $(UNIT_SRC) \
		$(LIB) $(LDFLAGS) $(PKG_LIBS) `pkg-config --libs check`

# A generated world (openssl CLI) and requests (xmlsec1) for the tests;
# its devices are then imported, and its ADT file submitted, as an
# operator does both
build/world/.made: scripts/mk-world build/.deps | bin/solr-countersign \
		bin/solr-adt-check
	@chmod -R u+w build/world 2>/dev/null || true
	rm -rf build/world
	sh scripts/mk-world build/world
	bin/solr-countersign -C build/world devices import --all > /dev/null
	for f in build/world/adt/*.yaml; do bin/solr-adt-check -C build/world \
		--at 2026-03-02T10:15:00Z submit "$$f" > /dev/null || exit 1; done
	touch $@

build/requests/.made: scripts/mk-requests scripts/mk-gbcs build/world/.made
	rm -rf build/requests
	sh scripts/mk-requests build/world build/requests
	touch $@

# mk-requests --count: a rehearsal batch signed with the xmlsec1 library
build/mk-batch: scripts/mk-batch.c scripts/device-cert.h
	@sh scripts/deps batch
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -O2 \
		`pkg-config --cflags xmlsec1-openssl libxml-2.0` -o $@ \
		scripts/mk-batch.c \
		`pkg-config --libs xmlsec1-openssl libxml-2.0 libcrypto`

# test only: makes open, write, fsync and rename fail on chosen paths
build/faults.so: tests/faults/faults.c
	$(CC) -std=c11 -Wall -Wextra $(WERROR) -O2 -fPIC -shared -o $@ \
		tests/faults/faults.c -ldl

build/maxrss: tests/maxrss.c build/.flags
	$(CC) $(ALL_CFLAGS) -o $@ tests/maxrss.c

build/alerts/.made: scripts/mk-alerts build/world/.made
	rm -rf build/alerts
	sh scripts/mk-alerts build/world build/alerts
	touch $@

build/bench-gen: tests/bench/bench-gen.c scripts/device-cert.h $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ tests/bench/bench-gen.c $(LIB) $(LDFLAGS) $(PKG_LIBS)

build/bench-floor: tests/bench/floor.c $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ tests/bench/floor.c $(LIB) $(LDFLAGS) $(PKG_LIBS)

build/inv-lookup: tests/bench/inv-lookup.c $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ tests/bench/inv-lookup.c $(LIB) $(LDFLAGS) $(PKG_LIBS)

build/ledger-seal: tests/ledger-seal.c $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ tests/ledger-seal.c $(LIB) $(LDFLAGS) $(PKG_LIBS)

build/runstat: tests/bench/runstat.c
	$(CC) $(ALL_CFLAGS) -o $@ tests/bench/runstat.c

# The fuzz harnesses: with libFuzzer (clang) for make fuzz, and with a
# plain driver that replays the corpora of testdata/fuzz in make check.
build/fuzz/%: tests/fuzz/fuzz-%.c $(FUZZ_SRC) tests/fuzz/fuzz.h $(LIB_SRC) \
		$(HDRS) build/.deps
	@sh scripts/deps fuzz
	@mkdir -p build/fuzz
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Icommon $(PKG_CFLAGS) -o $@ $< \
		$(FUZZ_SRC) $(LIB_SRC) $(PKG_LIBS)

build/replay/%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c $(FUZZ_SRC) \
		tests/fuzz/fuzz.h $(LIB) build/.flags
	@mkdir -p build/replay
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(FUZZ_SRC) $(LIB) \
		$(LDFLAGS) $(PKG_LIBS)

fuzz: build/world/.made build/requests/.made build/alerts/.made \
		build/runstat $(FUZZERS:%=build/fuzz/%)
	FUZZ_JOBS=$(FUZZ_JOBS) sh scripts/fuzz $(FUZZ_SECONDS)

# the corpora, and the vectors as they are when they are there
VECTORS = $${SOLR_VECTORS:-../shared/vectors}
replay-fuzz: build/world/.made $(FUZZERS:%=build/replay/%)
	@for h in $(FUZZERS); do \
		SOLR_FUZZ_WORLD=build/world build/replay/$$h testdata/fuzz/$$h \
			|| exit 1; \
	done
	@if [ -d "$(VECTORS)/gbcs" ]; then \
		for h in gbcs-precommand gbcs-alert; do \
			SOLR_FUZZ_WORLD=build/world build/replay/$$h -x \
				$(VECTORS)/gbcs || exit 1; \
		done; \
		SOLR_FUZZ_WORLD=build/world build/replay/xml-verify \
			$(VECTORS)/duis || exit 1; \
	elif [ "$${SOLR_REQUIRE_VECTORS:-}" = 1 ]; then \
		echo "replay-fuzz: $(VECTORS) is absent and SOLR_REQUIRE_VECTORS=1"; \
		exit 1; \
	else \
		echo "replay-fuzz: SKIP the vectors: $(VECTORS) is absent"; \
	fi

check: deps all build/check_unit build/maxrss build/faults.so build/inv-lookup $(SRVTEST) \
		build/ledger-seal \
		build/requests/.made build/alerts/.made
	SOLR_TESTDATA=testdata SOLR_VECTORS=$${SOLR_VECTORS:-../shared/vectors} \
		SOLR_WORLD_DIR=build/world ./build/check_unit
	SOLR_SANITIZE=$(SANITIZE) sh tests/regress/run.sh
	$(MAKE) -s replay-fuzz $(SANITIZE)
	$(MAKE) -s lint-man

# exit 1 means "some records were rejected", which the demo batch has
# on a copy of the world, so that build/world keeps no state and the demo
# gives the same result each time
demo: deps all build/requests/.made
	rm -rf build/demo
	mkdir -p build/demo
	cp -R build/world build/demo/world
	chmod -R u+w build/demo/world
	rm -rf build/demo/world/state
	bin/solr-countersign -C build/demo/world devices import --all
	sh scripts/solr-pipeline -C build/demo/world -o build/demo \
		--at 2026-03-02T10:15:00Z build/requests/*.xml || [ $$? -eq 1 ]

# the tools, the auditor's solr-sat, the pipeline helpers and the pages
HELPERS = solr-pipeline solr-summary solr-sort install-duis-xsd
PAGES5 = solr-records solr-world solr-sat
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	for t in $(TOOLS); do install -m 755 bin/$$t $(DESTDIR)$(BINDIR)/ && \
		install -m 644 man/$$t.1 $(DESTDIR)$(MANDIR)/man1/ || exit 1; done
	for h in $(HELPERS); do \
		sed "s/@VERSION@/$(VERSION)/" scripts/$$h > build/$$h.installed && \
		install -m 755 build/$$h.installed $(DESTDIR)$(BINDIR)/$$h && \
		install -m 644 man/$$h.1 $(DESTDIR)$(MANDIR)/man1/ || exit 1; done
	for p in $(PAGES5); do install -m 644 man/$$p.5 \
		$(DESTDIR)$(MANDIR)/man5/ || exit 1; done
	install -m 644 man/solr-tools.7 $(DESTDIR)$(MANDIR)/man7/

# what install put there, and nothing else
uninstall:
	for t in $(TOOLS) $(HELPERS); do rm -f $(DESTDIR)$(BINDIR)/$$t \
		$(DESTDIR)$(MANDIR)/man1/$$t.1; done
	for p in $(PAGES5); do rm -f $(DESTDIR)$(MANDIR)/man5/$$p.5; done
	rm -f $(DESTDIR)$(MANDIR)/man7/solr-tools.7

lint-man:
	@for m in man/*.[157]; do mandoc -T lint -W warning $$m || exit 1; done
	@sh tests/man-render
	@echo "man pages: lint clean"


# the suite under valgrind memcheck (about half an hour: not part of CI)
valgrind-check: deps all build/check_unit build/maxrss build/faults.so \
		build/requests/.made build/alerts/.made
	@sh scripts/deps valgrind
	sh tests/valgrind/run.sh

asan ubsan: all
	@echo "built with $@: $(CFLAGS) $(SAN_CFLAGS)"

# make coverage: the whole suite on a build with gcov, then the lines and
# branches of each file of common/ it ran (tests/coverage), and the files
# whose branches must be covered to 90% held to it
coverage: deps
	rm -f build/*.gcda
	$(MAKE) check CFLAGS="-O0 -g --coverage" LDFLAGS=--coverage
	sh tests/coverage

clean:
	rm -rf bin build/*.o build/*.d build/*.gcno build/*.gcda \
		build/libsolr.a build/check_unit build/fuzz build/replay

distclean:
	@chmod -R u+w build 2>/dev/null || true
	rm -rf bin build

# make bench N=250000 [DEVICES=1000000] [BENCH_REUSE=1: the last requests of N]
# [SCALE="10000 50000 200000": the batches of the growth lines]
bench: all build/requests/.made build/alerts/.made build/bench-gen \
		build/bench-floor build/runstat \
		build/inv-lookup
	sh scripts/bench $${N:-20000} $${DEVICES:-$${N:-20000}}

# make bench-scale [SCALE="10000 50000 200000"]: CPU a request as a batch
# grows, and the same batch again
bench-scale: all build/requests/.made build/bench-gen build/runstat
	sh tests/bench/scale $${SCALE:-10000 50000 200000}

.PHONY: bench bench-scale all check coverage demo deps install uninstall lint-man asan \
	ubsan clean \
	distclean \
	fuzz replay-fuzz valgrind-check FORCE
