# koopack: check VM images before releasing them on Huawei Cloud KooGallery.
#
#   make demo    install missing system packages, build, run koopack on testdata
#   make test    install missing system packages, run the whole test suite
#   make bench   speed figures as ratios against qemu-img, cp and sha256sum
#   make man     regenerate man/koopack.1 from the argument parser
#   make install install the binary, the manuals and bash, zsh and fish completions under PREFIX
#   make fuzz    build the libFuzzer targets and run each for FUZZ_SECONDS (see Fuzz/README.md)

SWIFT     ?= swift
PREFIX    ?= /usr/local
RELEASE   := .build/release/koopack
SUDO      := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo)

# System packages koopack builds against or tests with (Debian names).
APT_PACKAGES := pkg-config zlib1g-dev libzstd-dev libarchive-dev libsqlite3-dev \
                qemu-utils xorriso cryptsetup-bin fdisk gdisk dosfstools e2fsprogs xfsprogs btrfs-progs ntfs-3g \
                mtools rpm debootstrap curl \
                libcurl4-openssl-dev nginx openssl exfatprogs bximage strace

# Python packages the tests validate output with: the CycloneDX 1.5 and SPDX 2.3 schemas (SBOM),
# a SARIF 2.1.0 model (check and scan --format sarif), and Huawei Cloud's own Python SDK, the
# oracle of the AK/SK signing tests and their test server.
PIP_PACKAGES := cyclonedx-python-lib spdx-tools sarif-pydantic huaweicloudsdkcore huaweicloudsdkims

.PHONY: deps build demo test bench man install install-files clean fuzz distro-eol

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@python3 -c "import cyclonedx.validation, spdx_tools, sarif_pydantic, huaweicloudsdkcore, huaweicloudsdkims" 2>/dev/null || \
		{ echo "installing: $(PIP_PACKAGES) (pip)"; python3 -m pip install --quiet $(PIP_PACKAGES) || \
		  echo "pip could not install $(PIP_PACKAGES): the SBOM and SARIF schema and AK/SK signing tests will be skipped"; }

# The release binary is linked without position independence: a PIE this size spends ~2 ms of
# every start relocating pointers (and copying the pages they sit on), more than reading an
# image header takes. lld links it. No $$ORIGIN run path (the loader would look for every
# shared library in the binary's folder first), and no module asks for the shared zlib, libzstd
# or SQLite: Package.swift links the static ones (Benchmarks/README.md says what each saves).
#
# libstdc++ and libgcc are linked statically too. The static Swift standard library and the ICU
# copy in Foundation are C++: with the shared libstdc++ the loader opened, mapped and relocated it
# at every start, and wrote 800 pointers to its type information into koopack's vtables (a
# copy-on-write fault on each of some 40 pages). The Swift driver asks for `-lstdc++` before any
# option of ours, so a linker script named libstdc++.so, found first on the search path, turns
# that into the static archive; `-static-libgcc` takes the unwinder from libgcc_eh.a.
NO_SHARED   := $(foreach lib,sqlite3 zstd z,-Xswiftc -Xfrontend -Xswiftc -disable-autolink-library -Xswiftc -Xfrontend -Xswiftc $(lib))
STATIC_CXX  := .build/static-libstdc++
CLANG       ?= $(dir $(shell command -v $(SWIFT) 2>/dev/null))clang
RELEASE_FLAGS := -c release --static-swift-stdlib --disable-local-rpath -Xswiftc -use-ld=lld \
                 -Xswiftc -Xclang-linker -Xswiftc -no-pie $(NO_SHARED) \
                 -Xswiftc -L -Xswiftc $(CURDIR)/$(STATIC_CXX) -Xswiftc -Xclang-linker -Xswiftc -static-libgcc

build: deps
	@mkdir -p $(STATIC_CXX)
	@archive=$$($(CLANG) -print-file-name=libstdc++.a 2>/dev/null); \
	if [ ! -f "$$archive" ]; then echo "make: libstdc++.a not found by $(CLANG) (Debian: libstdc++-12-dev)" >&2; exit 2; fi; \
	echo "INPUT($$archive)" > $(STATIC_CXX)/libstdc++.so
	$(SWIFT) build $(RELEASE_FLAGS)

demo: build
	@sh testdata/demo.sh $(RELEASE)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: build
	sh Benchmarks/bench.sh

# Fuzz every parser: FUZZ_SECONDS per target (default 60), FUZZ_TARGETS to pick some.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	SWIFT=$(SWIFT) sh Fuzz/build.sh
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh Fuzz/run.sh $(FUZZ_TARGETS)

# KG415's Debian and Ubuntu end-of-life table, generated from the distro-info-data CSVs copied
# under testdata/distro-info/ (see its README).
distro-eol:
	sh testdata/distro-info/make-eol-table.sh

# swift-argument-parser's generate-manual tool run on the debug binary (its package plugin
# waits forever for a build lock of its own here, so the tool is built and run directly).
man:
	$(SWIFT) build --product generate-manual
	$(SWIFT) build --product koopack
	"$$($(SWIFT) build --show-bin-path)/generate-manual" "$$($(SWIFT) build --show-bin-path)/koopack" \
		--date 2026-11-25 --authors "koopack developers" --output-directory man

install: build
	$(MAKE) install-files

# What `make install` puts under $(DESTDIR)$(PREFIX), from an already built KOOPACK: the binary,
# both manuals, and the completion scripts the argument parser writes for bash, zsh and fish,
# where each shell looks for them.
KOOPACK         ?= $(RELEASE)
BASH_COMPLETION := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSH_COMPLETION  := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISH_COMPLETION := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(BASH_COMPLETION) $(ZSH_COMPLETION) $(FISH_COMPLETION)
	install -m 755 $(KOOPACK) $(DESTDIR)$(PREFIX)/bin/koopack
	install -m 644 man/koopack.1 $(DESTDIR)$(PREFIX)/share/man/man1/koopack.1
	install -m 644 man/koopack-release.5 $(DESTDIR)$(PREFIX)/share/man/man5/koopack-release.5
	$(KOOPACK) --generate-completion-script bash > $(BASH_COMPLETION)/koopack
	$(KOOPACK) --generate-completion-script zsh > $(ZSH_COMPLETION)/_koopack
	$(KOOPACK) --generate-completion-script fish > $(FISH_COMPLETION)/koopack.fish

clean:
	rm -rf .build
