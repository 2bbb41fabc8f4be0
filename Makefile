# libmail - plain POSIX-ish GNU Makefile.
#
#   make              library (static + shared), pkgconfig file, examples
#   make check        every test (installs missing Debian packages as root)
#   make demo         send a real mail through a private Postfix + Dovecot
#   make install PREFIX=/usr/local DESTDIR=
#   make IDN=0        build without libidn2 (firmware)
#   make ICONV=0      build without iconv (firmware; built-in charsets only)
#   make SMALL=1      favour size over speed (base64 without tables/SIMD)
#   make NET=0        engines only (core, sasl, mime, smtp, pop3, imap): no
#                     sockets, no TLS session code, no examples; for firmware
#                     with its own network stack
#   make CC=clang     any C99 compiler
#
# BUILD and LIBDIR/BINDIR may be pointed elsewhere to keep parallel
# builds apart (make BUILD=/tmp/b LIBDIR=/tmp/b BINDIR=/tmp/b).

CC      ?= cc
AR      ?= ar
PREFIX  ?= /usr/local
DESTDIR ?=
IDN     ?= 1
SANITIZE ?= 0

BUILD  ?= build
LIBDIR ?= lib
BINDIR ?= examples

VERSION = 0.1.0
SOMAJOR = 0

WARN    = -std=c99 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
          -Wmissing-prototypes -Wpointer-arith -Wvla
OPT     ?= -O2 -g
CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L
ifeq ($(SANITIZE),1)
OPT     = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
          -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS  ?=
ALL_CFLAGS = $(WARN) $(OPT) $(CFLAGS)

TLS_LIBS = -lmbedtls -lmbedx509 -lmbedcrypto
SMALL ?= 0
ifeq ($(SMALL),1)
CPPFLAGS += -DLM_SMALL=1
endif
ifeq ($(IDN),1)
IDN_LIBS = -lidn2
else
CPPFLAGS += -DLM_HAVE_IDN=0
IDN_LIBS =
endif
LIBS = $(TLS_LIBS) $(IDN_LIBS)

# ICONV=0 (firmware): no iconv, so lib/mime converts only its built-in
# charsets (UTF-8, US-ASCII, ISO-8859-*, Windows-125x, KOI8-R/U); the
# East Asian ones become "unknown charset" defects. glibc needs no -l.
ICONV ?= 1
ifeq ($(ICONV),0)
CPPFLAGS += -DLM_HAVE_ICONV=0
endif

NET ?= 1
LIB_AREAS = core sasl mime smtp pop3 imap
ifeq ($(NET),1)
LIB_AREAS += net
endif
LIB_SRCS  = $(foreach a,$(LIB_AREAS),$(sort $(wildcard lib/$(a)/*.c)))
LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB_PIC   = $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)

STATIC = $(LIBDIR)/libmail.a
SHARED = $(LIBDIR)/libmail.so.$(VERSION)

ifeq ($(NET),1)
EX_SRCS = $(sort $(wildcard examples/*.c))
else
EX_SRCS =
endif
EX_BINS = $(EX_SRCS:examples/%.c=$(BINDIR)/%)

UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))
ifneq ($(NET),1)
# NET=0 has no lib/net: its tests (sockets, TLS, sessions) have nothing to test
UNIT_SRCS := $(filter-out tests/unit/test_net%,$(UNIT_SRCS))
endif
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TEST_HELPERS = $(sort $(wildcard tests/unit/helper_*.c))

PCFILE = pkgconfig/libmail.pc

.PHONY: all lib examples tests check unit demo bench install uninstall clean

all: lib $(PCFILE) examples

lib: $(STATIC) $(SHARED)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DLM_ALLOW_PRIVATE $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DLM_ALLOW_PRIVATE $(ALL_CFLAGS) -fPIC -fvisibility=hidden \
	  -DLM_BUILDING_SHARED -MMD -MP -c $< -o $@

$(STATIC): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)

$(SHARED): $(LIB_PIC)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libmail.so.$(SOMAJOR) $(LDFLAGS) -o $@ $(LIB_PIC) $(LIBS)
	ln -sf libmail.so.$(VERSION) $(LIBDIR)/libmail.so.$(SOMAJOR)
	ln -sf libmail.so.$(SOMAJOR) $(LIBDIR)/libmail.so

# Regenerated on every run (FORCE) so that `make install PREFIX=x` after a
# plain `make` never installs a .pc file naming the old prefix; the file is
# only replaced when its text changes.
$(PCFILE): pkgconfig/libmail.pc.in FORCE
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@LIBS_PRIVATE@|$(LIBS)|g' $< > $@.$$$$.tmp && \
	if cmp -s $@.$$$$.tmp $@; then rm -f $@.$$$$.tmp; else mv -f $@.$$$$.tmp $@; fi

FORCE:

examples: $(EX_BINS)

$(BINDIR)/%: examples/%.c $(wildcard examples/*.h) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $< -o $@ $(LDFLAGS) $(STATIC) $(LIBS)

tests: $(UNIT_BINS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(TEST_HELPERS) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -D_DEFAULT_SOURCE -DLM_ALLOW_PRIVATE -Ilib $(ALL_CFLAGS) $< $(TEST_HELPERS) \
	  -o $@ $(LDFLAGS) $(STATIC) $(LIBS)

unit: tests
	@sh tests/run-unit.sh $(BUILD)/tests

check:
	@sh tests/check.sh

demo:
	@sh tests/demo.sh

# Benchmarks: every tests/bench/*.sh, each printing its figures side by
# side with a peer measured in the same run (never part of make check),
# but smoke.sh: that is make check's step running them small, no figures.
BENCH_SCRIPTS = $(filter-out tests/bench/smoke.sh,$(sort $(wildcard tests/bench/*.sh)))
bench: all
	@set -e; for b in $(BENCH_SCRIPTS); do sh "$$b"; done

# Unit tests under valgrind memcheck (tests/valgrind.sh; a step of make
# check): built again with -O1 -g and no sanitizer in $(BUILD)/valgrind.
.PHONY: valgrind
valgrind:
	$(MAKE) BUILD=$(BUILD)/valgrind LIBDIR=$(BUILD)/valgrind \
	  BINDIR=$(BUILD)/valgrind/bin OPT="-O1 -g" SANITIZE=0 tests
	@sh tests/valgrind.sh $(BUILD)/valgrind/tests

install: all
	install -d $(DESTDIR)$(PREFIX)/include/libmail $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/libmail.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/libmail/*.h $(DESTDIR)$(PREFIX)/include/libmail/
	install -m 644 $(STATIC) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(SHARED) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libmail.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libmail.so.$(SOMAJOR)
	ln -sf libmail.so.$(SOMAJOR) $(DESTDIR)$(PREFIX)/lib/libmail.so
	install -m 644 $(PCFILE) $(DESTDIR)$(PREFIX)/lib/pkgconfig/

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/include/libmail $(DESTDIR)$(PREFIX)/include/libmail.h
	rm -f $(DESTDIR)$(PREFIX)/lib/libmail.* $(DESTDIR)$(PREFIX)/lib/pkgconfig/libmail.pc

clean:
	rm -rf $(BUILD) $(LIBDIR)/libmail.a $(LIBDIR)/libmail.so* $(PCFILE) $(EX_BINS)

# Fuzzing (fuzz/, see fuzz/README). `make fuzz` builds one libFuzzer
# binary per fuzz/fuzz_*.c with clang, the library compiled again with the
# same sanitizers; `make fuzz-smoke` runs each for FUZZ_TIME seconds on a
# copy of its seed corpus; `make fuzz-replay` builds the same harnesses
# with FUZZ_REPLAY_CC (gcc) and fuzz/driver.c and replays the corpora and
# fuzz/regress. libFuzzer on Debian: package libclang-rt-14-dev.
FUZZ_CC    ?= clang
FUZZ_REPLAY_CC ?= gcc
FUZZ_TIME  ?= 10
FUZZ_RUNS  ?= 2000000
FUZZ_SAN    = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = $(WARN) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_SRCS   = $(filter-out $(if $(filter 1,$(NET)),,fuzz/fuzz_url.c),$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS   = $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_OBJS   = $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_LIB    = $(BUILD)/fuzz/obj/libmail-fuzz.a
FUZZ_RBINS  = $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz-replay/%)
FUZZ_ROBJS  = $(LIB_SRCS:%.c=$(BUILD)/fuzz-replay/obj/%.o)
FUZZ_RLIB   = $(BUILD)/fuzz-replay/obj/libmail-fuzz.a
.PHONY: fuzz fuzz-smoke fuzz-replay
.SECONDARY: $(FUZZ_OBJS) $(FUZZ_ROBJS)
fuzz: $(FUZZ_BINS)
fuzz-smoke: $(FUZZ_BINS)
	@sh fuzz/smoke.sh $(BUILD)/fuzz $(FUZZ_TIME) $(FUZZ_RUNS)
fuzz-replay: $(FUZZ_RBINS)
	@sh fuzz/replay.sh $(BUILD)/fuzz-replay
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -DLM_ALLOW_PRIVATE $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
# the harnesses' shared headers (invariants, helpers)
FUZZ_HDRS = $(wildcard fuzz/*.h)
$(FUZZ_LIB): $(FUZZ_OBJS)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_OBJS)
$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_HDRS) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB) -o $@ $(LIBS)
$(BUILD)/fuzz-replay/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_REPLAY_CC) $(CPPFLAGS) -DLM_ALLOW_PRIVATE $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
$(FUZZ_RLIB): $(FUZZ_ROBJS)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_ROBJS)
$(BUILD)/fuzz-replay/%: fuzz/%.c fuzz/driver.c $(FUZZ_HDRS) $(FUZZ_RLIB)
	@mkdir -p $(dir $@)
	$(FUZZ_REPLAY_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $< fuzz/driver.c $(FUZZ_RLIB) -o $@ $(LIBS)

-include $(LIB_OBJS:.o=.d) $(LIB_PIC:.o=.d) $(FUZZ_OBJS:.o=.d) $(FUZZ_ROBJS:.o=.d)
