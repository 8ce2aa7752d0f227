# koopack: check VM images before releasing them on Huawei Cloud KooGallery.
#
#   make demo    install missing system packages, build, run koopack on testdata
#   make test    install missing system packages, run the whole test suite
#   make bench   speed figures as ratios against qemu-img, cp and sha256sum
#   make man     regenerate man/koopack.1 from the argument parser
#   make fuzz    build the libFuzzer targets and run each for FUZZ_SECONDS (see Fuzz/README.md)

SWIFT     ?= swift
PREFIX    ?= /usr/local
RELEASE   := .build/release/koopack
SUDO      := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo)

# System packages koopack builds against or tests with (Debian names).
APT_PACKAGES := pkg-config zlib1g-dev libzstd-dev libarchive-dev libsqlite3-dev \
                qemu-utils xorriso cryptsetup-bin fdisk gdisk dosfstools e2fsprogs xfsprogs mtools rpm debootstrap curl \
                bximage strace

# Python packages the SBOM tests validate with (the CycloneDX 1.5 and SPDX 2.3 schemas).
PIP_PACKAGES := cyclonedx-python-lib spdx-tools

.PHONY: deps build demo test bench man install clean fuzz

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@python3 -c "import cyclonedx.validation, spdx_tools" 2>/dev/null || \
		{ echo "installing: $(PIP_PACKAGES) (pip)"; python3 -m pip install --quiet $(PIP_PACKAGES) || \
		  echo "pip could not install $(PIP_PACKAGES): the SBOM schema tests will be skipped"; }

# The release binary is linked without position independence: a PIE this size spends ~2 ms of
# every start relocating pointers (and copying the pages they sit on), more than reading an
# image header takes. lld links it.
RELEASE_FLAGS := -c release --static-swift-stdlib -Xswiftc -use-ld=lld -Xswiftc -Xclang-linker -Xswiftc -no-pie

build: deps
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

man:
	$(SWIFT) package --allow-writing-to-package-directory generate-manual \
		--date 2026-11-25 --authors "koopack developers"
	cp .build/plugins/GenerateManual/outputs/koopack/koopack.1 man/koopack.1

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(RELEASE) $(DESTDIR)$(PREFIX)/bin/koopack
	install -m 644 man/koopack.1 $(DESTDIR)$(PREFIX)/share/man/man1/koopack.1
	install -m 644 man/koopack-release.5 $(DESTDIR)$(PREFIX)/share/man/man5/koopack-release.5

clean:
	rm -rf .build
