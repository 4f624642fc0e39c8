# Bookstation: `make demo` and `make test` are all a fresh Debian machine with Rust needs.
SHELL := /bin/bash

# Debian packages the build and the tests need (checked, installed when missing).
DEB_PACKAGES := pkg-config build-essential libfontconfig-dev libudev-dev libinput-dev libxkbcommon-dev xvfb x11-apps libpcsclite-dev pcscd vsmartcard-vpcd
STATE_DIR ?= demo-state
CARGO ?= cargo

.PHONY: deps build demo test lint bench bench-ui clean

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

## build: release build of the daemon
build: deps
	$(CARGO) build --release --locked

## demo: the demo kiosk on simulated hardware: kiosk window + simulator window (see README)
demo: build
	./target/release/bookstation demo --state-dir $(STATE_DIR)

## test: the whole suite (format and lint checks, unit, flow, store, process tests)
test: deps lint
	$(CARGO) test --workspace --locked

## lint: rustfmt check and clippy with warnings as errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

## bench: engine and district sync figures (tables; not tests)
bench: deps
	$(CARGO) run --release --locked --example engine_bench
	$(CARGO) run --release --locked --example sync_bench

## bench-ui: touch-UI figures in Xvfb (first frame, idle CPU, memory)
bench-ui: deps
	$(CARGO) build --release --locked
	$(CARGO) run --release --locked --example ui_bench

clean:
	$(CARGO) clean
	rm -rf $(STATE_DIR)
