# alerthub - build, run and test. Dependencies are Debian packages found with
# pkg-config; scripts/deps.sh installs the missing ones.

CC       ?= cc
# libpq: the PostgreSQL store (src/store/db_postgres.c). yaml-0.1
# (libyaml) reads YAML --config files (src/http/config_yaml.c).
PKGS     := libmicrohttpd jansson sqlite3 libpq libpcre2-8 libcurl libcrypto yaml-0.1
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wformat=2 -Wno-format-nonliteral -pthread -Isrc
# The release version lives in one place, the file VERSION.
VERSION  := $(shell cat VERSION)
CFLAGS   += -DAH_VERSION='"$(VERSION)"'
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
PREFIX   ?= /usr/local
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# ThreadSanitizer: -O1 (after CFLAGS' -O2, so it wins) keeps the reports readable.
TSAN_FLAGS := -fsanitize=thread -O1 -g -fno-omit-frame-pointer
# The e2e suites that drive many threads at once, run by make tsan-test.
TSAN_SUITES := t_push_standard t_crash t_notify t_escalation t_hostile t_kill9_loop t_tls

SRC      := $(shell find src -name '*.c' | sort)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
TEST_SRC := $(shell find tests/unit -name '*_test.c' 2>/dev/null | sort)

# Static assets built into the binary (the console: every file of web/,
# served at /NAME with its Content-Type; the OpenAPI description served at
# /api/v1/openapi.json).
WEB_FILES := $(sort $(wildcard web/*.html web/*.js web/*.css web/*.svg))
GEN_SRC  := build/gen/web_assets.c build/gen/openapi_json.c

# Three flavours share the rules below: build/ (normal), build/asan/ and
# build/tsan/.
OBJ      := $(SRC:%.c=build/obj/%.o) $(GEN_SRC:%.c=build/obj/%.o)
LIB_OBJ  := $(LIB_SRC:%.c=build/obj/%.o) $(GEN_SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(SRC:%.c=build/asan/obj/%.o) $(GEN_SRC:%.c=build/asan/obj/%.o)
ASAN_LIB := $(LIB_SRC:%.c=build/asan/obj/%.o) $(GEN_SRC:%.c=build/asan/obj/%.o)
TSAN_OBJ := $(SRC:%.c=build/tsan/obj/%.o) $(GEN_SRC:%.c=build/tsan/obj/%.o)
TESTS      := $(TEST_SRC:tests/unit/%.c=build/tests/%)
ASAN_TESTS := $(TEST_SRC:tests/unit/%.c=build/asan/tests/%)

# Fuzz targets (tests/fuzz/<target>.c, each an LLVMFuzzerTestOneInput) and
# the code they share. make fuzz builds them with clang and libFuzzer under
# build/fuzz/; make fuzz-replay builds them with gcc against the ASan+UBSan
# objects (build/asan/fuzz/) and replays the committed corpora.
FUZZ_TARGETS ?= push_standard push_volcengine_rtc push_alertmanager filter template schedule rules
FUZZ_SHARED  := tests/fuzz/fuzz_util.c
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_OBJ     := $(LIB_SRC:%.c=build/fuzz/obj/%.o) $(GEN_SRC:%.c=build/fuzz/obj/%.o) \
                $(FUZZ_SHARED:%.c=build/fuzz/obj/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=build/fuzz/%)
REPLAY_BINS  := $(FUZZ_TARGETS:%=build/asan/fuzz/%)

.PHONY: FORCE all asan tsan tsan-test run test unit e2e browser-test bench deps deps-test format \
        lint check-layers clean install fuzz fuzz-replay

all: build/alerthub

asan: build/asan/alerthub

tsan: build/tsan/alerthub

build/alerthub: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

build/asan/alerthub: $(ASAN_OBJ)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lm

build/tsan/alerthub: $(TSAN_OBJ)
	$(CC) $(CFLAGS) $(TSAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lm

# The list of web/ files is a prerequisite too (build/gen/web_files), so
# that adding or removing a file rebuilds the table.
build/gen/web_files: FORCE
	@mkdir -p $(dir $@)
	@echo '$(WEB_FILES)' | cmp -s - $@ || echo '$(WEB_FILES)' > $@

build/gen/web_assets.c: $(WEB_FILES) build/gen/web_files scripts/embed.sh scripts/embed-web.sh
	@mkdir -p $(dir $@)
	scripts/embed-web.sh $(WEB_FILES) > $@.tmp && mv $@.tmp $@

FORCE:

build/gen/openapi_json.c: docs/openapi.json scripts/embed.sh
	@mkdir -p $(dir $@)
	scripts/embed.sh $< ah_openapi_json > $@

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

build/tsan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TSAN_FLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

build/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit -MMD -MP -o $@ $< $(LIB_OBJ) $(PKG_LIBS) -lcmocka -lm

build/bench/%: bench/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS) -lm

build/asan/tests/%: tests/unit/%.c $(ASAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) -Itests/unit -MMD -MP -o $@ $< $(ASAN_LIB) $(PKG_LIBS) -lcmocka -lm

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(PKG_CFLAGS) -Itests/fuzz \
	    -MMD -MP -c -o $@ $<

build/fuzz/%: build/fuzz/obj/tests/fuzz/%.o $(FUZZ_OBJ)
	$(FUZZ_CC) $(CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS) -lm

# Keep the objects that only the pattern rule above names.
.SECONDARY: $(FUZZ_OBJ) $(FUZZ_TARGETS:%=build/fuzz/obj/tests/fuzz/%.o) $(GEN_SRC)

build/asan/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_SHARED) $(ASAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) -Itests/fuzz -MMD -MP -o $@ $< \
	    tests/fuzz/replay.c $(FUZZ_SHARED) $(ASAN_LIB) $(PKG_LIBS) -lm

# The objects that use AH_VERSION are rebuilt when it changes.
build/obj/src/http/metrics.o build/asan/obj/src/http/metrics.o build/tsan/obj/src/http/metrics.o \
    build/fuzz/obj/src/http/metrics.o: VERSION
build/obj/src/main.o build/asan/obj/src/main.o build/tsan/obj/src/main.o: VERSION

# Tests depend on their headers too (the fixtures in tests/unit/).
-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(TSAN_OBJ:.o=.d) $(TESTS:=.d) $(ASAN_TESTS:=.d) \
    $(FUZZ_OBJ:.o=.d) $(REPLAY_BINS:=.d) $(FUZZ_TARGETS:%=build/fuzz/obj/tests/fuzz/%.d)

deps:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

# make run: install what is missing, build, serve on 127.0.0.1:8080 with
# SQLite in ./data. The first start prints the console URL and admin token.
run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p data
	./build/alerthub serve --data ./data

# The unit tests built on the store fixture: the store's contract, run on
# SQLite with the others and again on PostgreSQL (scripts/run-unit-pg.sh).
STORE_TESTS := store/tx_test store/read_test store/cluster_test reduce/dedup_test reduce/incident_test reduce/lifecycle_test reduce/push_test

# make test: the same set-up, both builds, every suite (unit and e2e, each
# against the normal and the ASan+UBSan build), the store's contract and the
# e2e suites again on PostgreSQL (a throw-away cluster each), and the
# console's browser tests (tests/browser/run.sh: headless Chromium against
# the normal build; screenshots in build/browser-shots/).
test: deps-test
	@$(MAKE) --no-print-directory all asan $(TESTS) $(ASAN_TESTS)
	@scripts/check-layers.sh
	@scripts/run-unit.sh build/tests $(TESTS:build/tests/%=%)
	@scripts/run-unit.sh build/asan/tests $(TESTS:build/tests/%=%)
	@scripts/run-unit-pg.sh build/tests $(STORE_TESTS)
	@tests/e2e/run.sh build/alerthub
	@tests/e2e/run.sh build/asan/alerthub
	@tests/e2e/run-pg.sh build/alerthub
	@$(MAKE) --no-print-directory fuzz-replay
	@tests/browser/run.sh build/alerthub

# make test-pg: the PostgreSQL runs alone (store contract and e2e).
test-pg: deps-test
	@$(MAKE) --no-print-directory all $(STORE_TESTS:%=build/tests/%)
	@scripts/run-unit-pg.sh build/tests $(STORE_TESTS)
	@tests/e2e/run-pg.sh build/alerthub

# make browser-test: the console's browser tests alone.
browser-test: deps-test
	@$(MAKE) --no-print-directory all
	@tests/browser/run.sh build/alerthub

unit: deps-test
	@$(MAKE) --no-print-directory $(TESTS)
	@scripts/run-unit.sh build/tests $(TESTS:build/tests/%=%)

# make tsan-test: the concurrent e2e suites against the ThreadSanitizer build
# (not part of make test: see docs/security.md for its time). Any report
# fails the run: the server exits 66 at the first one, and every report file
# is looked for afterwards.
tsan-test: deps-test
	@$(MAKE) --no-print-directory tsan
	@scripts/tsan-test.sh build/tsan/alerthub $(TSAN_SUITES)

e2e: deps-test
	@$(MAKE) --no-print-directory all
	@tests/e2e/run.sh build/alerthub

# make bench: install what is missing (wrk, nginx, Alertmanager), build, time
# one grouping decision (bench/group_bench), then put alerthub side by side
# with nginx and Alertmanager in one table (bench/run.sh; BENCH_DURATION,
# default 10s per row).
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all build/bench/group_bench build/bench/writer_bench build/bench/mhd_floor
	@build/bench/group_bench
	@bench/run.sh build/alerthub

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the man page
# alerthub(1) and the systemd unit (its ExecStart names the installed binary).
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 755 build/alerthub $(DESTDIR)$(PREFIX)/bin/alerthub
	install -m 644 docs/alerthub.1 $(DESTDIR)$(PREFIX)/share/man/man1/alerthub.1
	sed 's|/usr/local/bin/alerthub|$(PREFIX)/bin/alerthub|' packaging/alerthub.service \
	    > $(DESTDIR)$(PREFIX)/lib/systemd/system/alerthub.service
	chmod 644 $(DESTDIR)$(PREFIX)/lib/systemd/system/alerthub.service

# make fuzz: install clang and libFuzzer's runtime if missing, build every
# target, run each for FUZZ_SECONDS (default 60) on a copy of its corpus in
# build/fuzz/corpus/ and print executions, exec/s, corpus size and whether it
# crashed (tests/fuzz/run.sh). FUZZ_TARGETS picks a subset.
fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# make fuzz-replay: every committed corpus input once through its target,
# built with gcc and ASan+UBSan (no clang needed); part of make test.
fuzz-replay: $(REPLAY_BINS)
	@for t in $(FUZZ_TARGETS); do \
	    build/asan/fuzz/$$t tests/fuzz/corpus/$$t/* || { echo "fuzz-replay: $$t failed"; exit 1; }; \
	done
	@echo "fuzz-replay: $(words $(FUZZ_TARGETS)) targets," \
	    "$$(find $(FUZZ_TARGETS:%=tests/fuzz/corpus/%) -type f | wc -l) inputs replayed"

FMT_SRC = $(SRC) $(shell find src tests/unit tests/fuzz -name '*.h') $(TEST_SRC) \
          $(wildcard tests/fuzz/*.c)

format:
	clang-format -i $(FMT_SRC)

lint: check-layers
	clang-format --dry-run -Werror $(FMT_SRC)

check-layers:
	@scripts/check-layers.sh

clean:
	rm -rf build
