# Two commands for a fresh clone (see README): `make serve` and `make test`.
# Each installs what it needs into .venv first; nothing else is assumed beyond
# Python 3.11+ with venv.  `make serve` installs the runtime dependencies only
# (about 20 s with pip's cache warm); `make test` adds the test and Spark extras,
# and installs with apt-get what the tests need beyond Python when it is missing:
# Debian's chromium (Playwright drives it; it cannot download its own browsers
# here) and a Java runtime (the Spark engine's tests).  apt-get waits up to ten
# minutes for a package manager that holds its lock instead of failing on it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.installed-serve
TEST_STAMP := $(VENV)/.installed-test
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET := $(SUDO) apt-get -o DPkg::Lock::Timeout=600

.PHONY: serve test install bench java

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Editable, as the test install is: a clone's rules/ and fixtures/ are the ones served
# (pyproject.toml maps them into the package), and an edit to service/ needs no reinstall.
$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Everything serving needs and more, so it stamps serving's install too.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	touch $@ $(SERVE_STAMP)

install: $(TEST_STAMP) java

java:
	@command -v java >/dev/null || [ -x "$$JAVA_HOME/bin/java" ] || { \
		command -v apt-get >/dev/null || { echo "the Spark tests need a Java runtime (17+): install one, or set JAVA_HOME"; exit 1; }; \
		$(APT_GET) update -qq && $(APT_GET) install -y -qq --no-install-recommends openjdk-17-jre-headless; }

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the browser tests need chromium at $(CHROMIUM) (set CHROMIUM=... to use another)"; exit 1; }
	$(APT_GET) update -qq
	$(APT_GET) install -y -qq --no-install-recommends chromium

serve: $(SERVE_STAMP)
	$(BIN)/tally serve

# --dist loadgroup keeps each xdist_group on one worker: the Spark tests share one session.
test: $(TEST_STAMP) $(CHROMIUM) java
	$(BIN)/tally rules lint rules
	TALLY_CHROMIUM=$(CHROMIUM) TALLY_REQUIRE_SPARK=1 $(BIN)/python -m pytest -q -n 2 --dist loadgroup -p no:cacheprovider

bench: $(TEST_STAMP)
	$(BIN)/python -m bench.run
