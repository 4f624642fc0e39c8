# Bookstation: `make demo` and `make test` are all a fresh Debian machine with Rust needs.
SHELL := /bin/bash

# Debian packages the build and the tests need (checked, installed when missing).
DEB_PACKAGES := pkg-config build-essential libfontconfig-dev libudev-dev libinput-dev libxkbcommon-dev xvfb x11-apps libpcsclite-dev pcscd vsmartcard-vpcd \
  systemd dpkg-dev gettext python3-venv openssl espeak-ng dbus at-spi2-core python3-pyatspi
STATE_DIR ?= demo-state
CARGO ?= cargo
# cargo-deb, pinned (MSRV 1.85; builds with our rustc 1.95): `make deb` installs it into ~/.cargo/bin.
CARGO_DEB_VERSION := 3.8.0
# Cargo's target directory (CARGO_TARGET_DIR when set); the .deb goes to its debian/.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
# The build profile `make deb` packages. release: the real package, in debian/.
# `make test` checks the packaging with DEB_PROFILE=dev instead: the binary its
# tests already built, in debian-dev/, because a cold release build (Slint and
# all: 30 CPU-minutes) would add 15-20 minutes on a 2-core machine.
DEB_PROFILE ?= release
DEB_DIR := $(TARGET_DIR)/debian$(if $(filter-out release,$(DEB_PROFILE)),-$(DEB_PROFILE))

# The touch screen's translations (docs/translations.md): each language's .po is
# the source translators edit; the template is what slint-tr-extractor finds in
# ui/, pinned to Slint's version in Cargo.toml (installed into ~/.cargo/bin).
SLINT_TR_EXTRACTOR_VERSION := 1.18.1
TR_POT := ui/translations/bookstation.pot
TR_PO = $(wildcard ui/translations/*/LC_MESSAGES/bookstation.po)
TR_EXTRACT = slint-tr-extractor --no-default-translation-context -d bookstation \
  --package-name bookstation --package-version 0.1.0 $$(find ui -name '*.slint' | LC_ALL=C sort)

# `make fuzz`: each cargo-fuzz target (fuzz/fuzz_targets/) runs this many seconds.
FUZZ_SECS ?= 60
FUZZ_TARGETS := kerong_cu modbus_rtu control_request district_answer config qr_pattern hangul sip2
# Extra `cargo fuzz run` flags, e.g. FUZZ_FLAGS="-s none" for a build without AddressSanitizer.
FUZZ_FLAGS ?=

.PHONY: deps build demo test lint sip2-peer soak bench bench-ui fuzz clean cargo-deb deb check-units check-deb \
  slint-tr-extractor translations check-translations fonts

## deps: install the missing Debian packages (apt-get update first; sudo when not root)
deps:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust with rustup first"; exit 1; }
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "make deps: installing$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

## build: release build of the kiosk daemon (what the .deb ships: no simulator)
build: deps
	$(CARGO) build --release --locked

## demo: the demo kiosk on simulated hardware: kiosk window + simulator window (see README);
## the demo build (feature `demo`: the simulated district inside)
demo: deps
	$(CARGO) build --release --locked --features demo
	./target/release/bookstation demo --state-dir $(STATE_DIR)

# The SIP2 tests' peer (tests/sip2_peer/): pysip2 from PyPI, pinned with its
# dependencies, in a venv under the target dir (rebuilt when the pins change).
SIP2_VENV := $(TARGET_DIR)/sip2-venv
SIP2_REQUIREMENTS := tests/sip2_peer/requirements.txt

## sip2-peer: the venv with the pinned pysip2 the SIP2 tests run their toy library on
sip2-peer: deps $(SIP2_VENV)/.installed
$(SIP2_VENV)/.installed: $(SIP2_REQUIREMENTS)
	rm -rf $(SIP2_VENV)
	python3 -m venv $(SIP2_VENV)
	$(SIP2_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r $(SIP2_REQUIREMENTS)
	touch $@

## test: the whole suite (format and lint checks, the translations, unit, flow, store, process and SIP2 tests; the units and the package)
test: deps lint check-translations sip2-peer
	$(CARGO) test --workspace --locked
	$(MAKE) check-units check-deb DEB_PROFILE=dev

## lint: rustfmt check and clippy with warnings as errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

## slint-tr-extractor: install the pinned slint-tr-extractor when it is missing (a temporary target dir, not ours)
slint-tr-extractor:
	@slint-tr-extractor --version 2>/dev/null | grep -qw '$(SLINT_TR_EXTRACTOR_VERSION)' || { \
	  echo "make slint-tr-extractor: installing slint-tr-extractor $(SLINT_TR_EXTRACTOR_VERSION)"; \
	  env -u CARGO_TARGET_DIR $(CARGO) install slint-tr-extractor --locked --version $(SLINT_TR_EXTRACTOR_VERSION); }

## translations: after changing a UI string: the template from ui/ (slint-tr-extractor), merged into every .po
## (msgmerge: new strings empty, changed ones fuzzy with the previous msgid; gone ones dropped); then translate
translations: deps slint-tr-extractor
	$(TR_EXTRACT) -o $(TR_POT)
	@# No creation date: the same .slint files give the same template and .po headers.
	sed -i '/^"POT-Creation-Date: /d' $(TR_POT)
	@for po in $(TR_PO); do \
	  msgmerge --quiet --update --backup=none --previous $$po $(TR_POT) && \
	  msgattrib --no-obsolete --output-file=$$po $$po && \
	  echo -n "$$po: " && msgfmt --check --statistics --output-file=/dev/null $$po || exit 1; \
	done

## fonts: after the zh or ja catalog changed: cut the embedded Chinese and Japanese faces
## (ui/fonts/BookstationCJK*.otf) out of Noto Sans CJK again; tests/fonts.rs says when it is due
fonts:
	@dpkg-query -W -f='$${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed' || { \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq fonts-noto-cjk; }
	@python3 -c 'import fontTools' 2>/dev/null || python3 -m pip install --user --break-system-packages -q 'fonttools==4.68.0'
	python3 ui/fonts/cjk-subsets.py

## check-translations: the template is what ui/ has now, every .po is well-formed (msgfmt --check) and translates
## all of it (msgcmp); tests/translations.rs checks the rest (placeholders, stale entries)
check-translations: deps slint-tr-extractor
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(TR_EXTRACT) -o "$$tmp/ui.pot" && \
	msgcmp --use-untranslated "$$tmp/ui.pot" $(TR_POT) && msgcmp --use-untranslated $(TR_POT) "$$tmp/ui.pot" || { \
	  echo "check-translations: $(TR_POT) is not what ui/ says: run make translations, then translate"; exit 1; }
	@for po in $(TR_PO); do \
	  msgfmt --check --output-file=/dev/null $$po && msgcmp $$po $(TR_POT) || { \
	    echo "check-translations: $$po: see docs/translations.md"; exit 1; }; \
	done

## soak: 24 simulated hours of a busy station (2,000 sessions, outages, jams, walk-aways); prints figures
## (SOAK_SEED=N replays a run; `make test` runs a 150-session version)
soak: deps
	SOAK_SESSIONS=$${SOAK_SESSIONS:-2000} $(CARGO) test --locked --test soak -- --nocapture

## bench: every figure of docs/benchmarks.md at 40, 500 and 1,000 lockers, each beside its goal or floor (tables; not tests)
bench: deps
	$(CARGO) build --release --locked --features demo
	$(CARGO) run --release --locked --example engine_bench
	$(CARGO) run --release --locked --example sync_bench
	$(CARGO) run --release --locked --example sensor_bench
	$(CARGO) run --release --locked --example ui_frames
	$(CARGO) run --release --locked --example ui_bench

## bench-ui: the touch-UI figures alone: frames in process, then the real demo in Xvfb (start-up, idle CPU, memory)
bench-ui: deps
	$(CARGO) build --release --locked --features demo
	$(CARGO) run --release --locked --example ui_frames
	$(CARGO) run --release --locked --example ui_bench

## fuzz: run each fuzz target FUZZ_SECS seconds (default 60; nightly, AddressSanitizer; installs cargo-fuzz when missing); crashes land in fuzz/artifacts/
fuzz:
	@rustup run nightly cargo --version >/dev/null 2>&1 || { echo "make fuzz: needs the nightly toolchain (rustup toolchain install nightly)"; exit 1; }
	@$(CARGO) +nightly fuzz --version >/dev/null 2>&1 || { \
	  echo "make fuzz: installing cargo-fuzz"; \
	  env -u CARGO_TARGET_DIR $(CARGO) install cargo-fuzz --locked; }
	@for t in $(FUZZ_TARGETS); do \
	  echo "make fuzz: $$t for $(FUZZ_SECS) s"; \
	  $(CARGO) +nightly fuzz run $(FUZZ_FLAGS) $$t -- -max_total_time=$(FUZZ_SECS) -print_final_stats=1 || exit 1; \
	done

## cargo-deb: install the pinned cargo-deb when it is missing (a temporary target dir, not ours)
cargo-deb:
	@$(CARGO) deb --version 2>/dev/null | grep -qw '$(CARGO_DEB_VERSION)' || { \
	  echo "make cargo-deb: installing cargo-deb $(CARGO_DEB_VERSION)"; \
	  env -u CARGO_TARGET_DIR $(CARGO) install cargo-deb --locked --version $(CARGO_DEB_VERSION); }

## deb: the Debian package (release build) in target/debian/; see docs/operations.md
deb: deps cargo-deb
ifeq ($(DEB_PROFILE),release)
	$(CARGO) deb --locked --output $(DEB_DIR)/
else ifeq ($(DEB_PROFILE),dev)
	@# The kiosk binary as it ships (no feature `demo`: the tests' binary has the
	@# simulator), in the dev profile; cargo-deb 3.8 packages it with a warning, stripped.
	$(CARGO) build --locked --bin bookstation
	$(CARGO) deb --locked --no-build --profile dev --fast --output $(DEB_DIR)/
else
	$(error DEB_PROFILE is release or dev, not $(DEB_PROFILE))
endif

## check-units: the systemd units' exposure (at most 2.5) and systemd-analyze verify
check-units:
	packaging/check-units.sh 25

## check-deb: build the package, check its contents, install/upgrade/remove/purge it in a scratch root
## (DEB_PROFILE=dev: package the tests' dev binary instead of a release build)
check-deb: deb
	packaging/check-deb.sh $(DEB_DIR)

clean:
	$(CARGO) clean
	rm -rf $(STATE_DIR)
