# fg2ng --- GNU make, one file, no recursion.
#
#   make            build build/fg2ng
#   make deps       install every Debian package the project needs (root)
#   make check      all tests, ending with "N passed, N failed"
#   make check-asan the same tests under ASan + UBSan (build/asan)
#   make check-e2e  the slow end-to-end proofs (real initramfs rebuild, boot)
#   make fuzz       libFuzzer targets for the parsers, bounded time
#   make demo       build, make the sample first-gen image, check + convert it
#   make bench      benchmarks (never tests)
#   make install    the program and its data under PREFIX (/usr/local)
#   make deb        the Debian package build/fg2ng_VERSION_ARCH.deb

PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
SAN      ?=
OPT      ?= -O2

PKGS      := jansson libarchive zlib ext2fs com_err uuid libisal libguestfs sqlite3 libmicrohttpd \
             libcurl yaml-0.1 libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Wall -Wextra \
              -Werror -Wshadow -Wstrict-prototypes -I. $(PKG_CFLAGS) $(CFLAGS)
LDLIBS   := $(PKG_LIBS) -lm -pthread

# Hardened as Debian builds its packages (dpkg-buildflags with
# hardening=+all): stack protector, fortified libc calls, a
# position-independent executable, read-only relocations bound at start.
# tests/cli/t0010-hardening.sh reads the result back with readelf.
HARDEN_CFLAGS  := -fstack-protector-strong -fstack-clash-protection -fPIE \
                  -fcf-protection
HARDEN_LDFLAGS := -pie -Wl,-z,relro -Wl,-z,now

ALL_CFLAGS += $(HARDEN_CFLAGS)
LDFLAGS    += $(HARDEN_LDFLAGS)

ifeq ($(SAN),1)
  ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
  LDFLAGS    += -fsanitize=address,undefined
else
  # _FORTIFY_SOURCE needs the optimiser and fights ASan's interceptors.
  ALL_CFLAGS += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
endif

VERSION  := $(shell cat VERSION)
ALL_CFLAGS += -DFG_VERSION='"$(VERSION)"'

# The library: every folder but cli/, bottom up as doc/ARCHITECTURE.md
# draws them.  The CLI (cli/) sits on top and is the only code that may
# include every module; tests/cli/t0005-layers.sh holds the order.
LIB_DIRS := util cloud source facts net convert inspect plan fixups pipeline \
            jobs agent verify
CLI_SRCS := $(wildcard cli/*.c)
LIB_SRCS := $(wildcard $(LIB_DIRS:%=%/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libfg2ng.a
BIN      := $(BUILD)/fg2ng

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# Small programs the tests drive, built with the same flags (and
# sanitizers) as the library.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60

.PHONY: all deps check check-asan check-e2e check-peers fuzz demo bench bench-quick \
        install clean unit samples deb

all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

unit: $(UNIT_BINS) $(TOOL_BINS)

# ---- dependencies ------------------------------------------------------
# Everything the build, tests, demo and benchmarks need, from Debian only.
DEB_PACKAGES := build-essential pkg-config clang libclang-rt-14-dev \
  libjansson-dev libarchive-dev zlib1g-dev libext2fs-dev comerr-dev uuid-dev \
  libisal-dev libsqlite3-dev libmicrohttpd-dev libhivex-dev \
  libguestfs-dev libguestfs-tools linux-image-amd64 \
  qemu-utils qemu-system-x86 libvhdi-utils e2fsprogs debootstrap fdisk \
  pigz xz-utils bzip2 attr acl libcap2-bin python3 hyperfine valgrind man-db \
  time isal util-linux python3-jsonschema cpio ntfs-3g python3-yaml zstd libwin-hivex-perl \
  debhelper dpkg-dev lintian curl libcurl4-openssl-dev libyaml-dev libssl-dev

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  st=$$(dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null); \
	  [ "$$st" = installed ] || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo "deps: all $(words $(DEB_PACKAGES)) packages are installed"; else \
	echo "deps: installing$$missing"; \
	if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
	$$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	  --no-install-recommends $$missing; fi
	@# Keystone, Swift and Glance for the transport tests (t0700): their
	@# own script, which answers debconf and keeps their daemons stopped.
	@bash tests/openstack/install-deps.sh

# ---- tests -------------------------------------------------------------
check: $(BIN) $(UNIT_BINS) $(TOOL_BINS)
	BUILD=$(BUILD) bash tests/run.sh

check-asan:
	$(MAKE) BUILD=build/asan SAN=1 OPT=-O1 check

# The slow end-to-end proofs: the sample's real update-initramfs through
# libguestfs, then a boot of the result (a quarter of an hour under TCG).
check-e2e: $(BIN) $(TOOL_BINS)
	FG_E2E=1 BUILD=$(BUILD) bash tests/run.sh t0230

check-peers: $(BIN) $(TOOL_BINS)
	BUILD=$(BUILD) bash tests/peers.sh
	BUILD=$(BUILD) bash tests/peers-netcfg.sh

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I. $(PKG_CFLAGS) \
	  -DFG_VERSION='"$(VERSION)"' -g -O1 \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -o $@ $< $(LIB_SRCS) $(LDLIBS)

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	  name=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus-$$name; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus-$$name tests/fuzz/seeds/$$name \
	    > $(BUILD)/fuzz/$$name.log 2>&1; rc=$$?; tail -4 $(BUILD)/fuzz/$$name.log; \
	  [ $$rc = 0 ] || { echo "fuzz: $$name failed (exit $$rc): $(BUILD)/fuzz/$$name.log"; exit 1; }; \
	done

# ---- sample, demo, bench -----------------------------------------------
samples: build/samples/fg-debian.expected.json

build/samples/fg-debian.expected.json: examples/make-sample.sh
	bash examples/make-sample.sh

demo: deps $(BIN)
	bash examples/demo.sh

bench: $(BIN)
	bash bench/run.sh --fg2ng $(BIN)

bench-quick: $(BIN)
	bash bench/run.sh --fg2ng $(BIN) --sizes 250m --no-sample --out build/bench-quick.json

# The program finds its data from its own path (PREFIX/bin/fg2ng ->
# PREFIX/share/fg2ng/profiles, PREFIX/libexec/fg2ng): whatever PREFIX is,
# the installed copy checks and converts from any folder.  The Debian
# package (make deb) is this same layout with PREFIX=/usr.
SCHEMAS := $(wildcard doc/*.schema.json)

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/fg2ng
	install -D -m 0755 libexec/fg2ng-boot-check $(DESTDIR)$(PREFIX)/libexec/fg2ng/fg2ng-boot-check
	install -d -m 0755 $(DESTDIR)$(PREFIX)/share/fg2ng/profiles $(DESTDIR)$(PREFIX)/share/fg2ng/schemas
	install -m 0644 profiles/*.json $(DESTDIR)$(PREFIX)/share/fg2ng/profiles/
	install -m 0644 $(SCHEMAS) $(DESTDIR)$(PREFIX)/share/fg2ng/schemas/
	install -D -m 0644 doc/fg2ng.1 $(DESTDIR)$(PREFIX)/share/man/man1/fg2ng.1
	install -D -m 0644 doc/fg2ng.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/fg2ng

# ---- Debian package ----------------------------------------------------
# make deb: $(BUILD)/fg2ng_VERSION_ARCH.deb, built by Debian's own tools
# (debhelper, dpkg-buildpackage) from a copy of the tree, so that neither
# the source nor the build folder changes; then lintian, which must find
# nothing at its default level.  tests/cli/t0015-deb.sh installs it.
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB      := $(BUILD)/fg2ng_$(VERSION)_$(DEB_ARCH).deb
DEB_SRC  := $(BUILD)/deb/fg2ng-$(VERSION)
# (The folders too: a file removed from them changes what is packaged.)
DEB_INPUTS := Makefile VERSION README.md SECURITY.md $(LIB_SRCS) $(CLI_SRCS) \
  $(wildcard */*.h debian/* debian/source/* profiles/* doc/* libexec/* \
             examples/agent/* examples/server-record.json) \
  debian profiles doc libexec

deb: $(DEB)

$(DEB): $(DEB_INPUTS)
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version); \
	if [ "$$v" != "$(VERSION)" ]; then \
	  echo "deb: debian/changelog is at $$v but VERSION says $(VERSION)" >&2; \
	  echo "hint: add an entry: dch -v $(VERSION) 'what changed'" >&2; exit 1; fi
	rm -rf $(BUILD)/deb && mkdir -p $(DEB_SRC)
	tar -c --exclude=./.git --exclude=./build \
	  --exclude='./$(patsubst $(CURDIR)/%,%,$(abspath $(BUILD)))' -f - . \
	  | tar -x -C $(DEB_SRC) -f -
	# The outer make's variables (BUILD, SAN) must not reach debian/rules.
	cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	  dpkg-buildpackage -b -us -uc -j$(or $(DEB_JOBS),auto) \
	  > ../dpkg-buildpackage.log 2>&1 || { \
	  tail -30 ../dpkg-buildpackage.log; \
	  echo "deb: dpkg-buildpackage failed; the log: $(BUILD)/deb/dpkg-buildpackage.log" >&2; exit 1; }
	lintian --fail-on error,warning $(BUILD)/deb/fg2ng_$(VERSION)_$(DEB_ARCH).changes
	cp $(BUILD)/deb/$(notdir $(DEB)) $@

clean:
	rm -rf $(BUILD)/*.a $(LIB_DIRS:%=$(BUILD)/%) $(BUILD)/cli $(BUILD)/core \
	  $(BUILD)/tests $(BUILD)/tools $(BUILD)/fg2ng $(BUILD)/asan $(BUILD)/fuzz \
	  $(BUILD)/deb $(BUILD)/fg2ng_*.deb

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
