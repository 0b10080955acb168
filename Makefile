# Timelapser — the two commands: `make run` and `make test`.
SHELL := /bin/bash
export SWIFT_DETERMINISTIC_HASHING := 1

.PHONY: run build release test test-sqlite bench fuzz screenshots clean install uninstall

## Install what is missing, build, and serve on SQLite under ./data. `make run PORT=9000 DATA_DIR=/srv/tl` passes
## flags; otherwise `timelapser serve` reads TIMELAPSER_HOST, TIMELAPSER_PORT, TIMELAPSER_DATA_DIR,
## TIMELAPSER_DATABASE_URL and TIMELAPSER_API_TOKEN itself, with 127.0.0.1:8080 and ./data as its defaults.
run: release
	.build/release/timelapser serve$(if $(DATA_DIR), --data-dir '$(DATA_DIR)')$(if $(PORT), --port '$(PORT)')

build:
	scripts/install-deps.sh run
	swift build

release:
	scripts/install-deps.sh run
	swift build -c release --product timelapser

## The whole suite on SQLite and a throwaway PostgreSQL cluster, then the dashboard in a real browser.
test:
	scripts/install-deps.sh test
	scripts/check-architecture.py
	scripts/check-architecture.py --self-test
	swift build --build-tests
	scripts/fuzz.sh 0
	/usr/bin/python3 Tests/browser/test_dashboard.py
	Tests/browser/fetch-axe.sh
	TIMELAPSER_REQUIRE_AXE=1 /usr/bin/python3 Tests/browser/test_viewer.py
	@# One test at a time: in parallel on 2 cores the suite stalled in 3 of 4 full runs (every thread idle, an await
	@# never resumed; see docs/OPERATIONS.md "Test suite"); serially it takes about 10 minutes here and has not.
	set -o pipefail; TIMELAPSER_REQUIRE_POSTGRES=1 scripts/with-postgres.sh swift test --skip-build --no-parallel 2>&1 | tee .build/swift-test.log
	@sed -n 's/^.*Test run with \([0-9]*\) tests.* passed after.*/tests: \1 passed, 0 failed/p' .build/swift-test.log
	scripts/test-install.sh

## Install as a system service (root): the release binary in $(PREFIX)/bin, a `timelapser` user, data in
## /var/lib/timelapser, configuration in /etc/timelapser/timelapser.env, a hardened systemd unit.
## DESTDIR stages it under a folder instead; SKIP_BUILD=1 and INSTALL_BIN=… install a binary already built.
PREFIX ?= /usr/local
INSTALL_BIN ?= .build/release/timelapser
install:
	@if [ "$$(id -u)" != 0 ] && [ -z "$(DESTDIR)" ]; then echo "make install needs root: sudo make install" >&2; exit 1; fi
	@if [ -z "$(SKIP_BUILD)" ]; then scripts/install-deps.sh run && swift build -c release --product timelapser; fi
	scripts/install-service.sh install "$(DESTDIR)" "$(PREFIX)" "$(INSTALL_BIN)"

## Removes the service, binary and configuration; the data and the `timelapser` user stay.
uninstall:
	@if [ "$$(id -u)" != 0 ] && [ -z "$(DESTDIR)" ]; then echo "make uninstall needs root: sudo make uninstall" >&2; exit 1; fi
	scripts/install-service.sh uninstall "$(DESTDIR)" "$(PREFIX)"

## Screenshots of the dashboard's pages, the player, the grid, the phone layout and dark mode into docs/screenshots
## (made by the browser tests).
screenshots:
	swift build
	SCREENSHOTS_DIR=docs/screenshots /usr/bin/python3 Tests/browser/test_dashboard.py
	SCREENSHOTS_DIR=docs/screenshots /usr/bin/python3 Tests/browser/test_viewer.py

## Quick loop without PostgreSQL (its tests are skipped).
test-sqlite:
	swift test

## Benchmarks against the anchors measured in the same run; figures go in docs/PERFORMANCE.md.
bench:
	scripts/install-deps.sh bench
	scripts/bench.sh

## Fuzz the code that reads untrusted bytes (libFuzzer + AddressSanitizer): FUZZ_SECONDS per job on every core.
FUZZ_SECONDS ?= 600
fuzz:
	scripts/install-deps.sh test
	scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build .build-fuzz
