# Two commands for a fresh clone (see README): `make serve` and `make test`.
# Each installs what the project needs into .venv first; nothing else is assumed
# beyond Python 3.11+ with venv, and for the tests Debian's chromium, which
# `make test` installs with apt-get when it is missing (Playwright drives it;
# it cannot download its own browsers here).  The Spark engine's tests need pyspark
# (the `spark` extra) and a Java runtime, which `make install` installs with apt-get
# when `java` is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test install bench lint java

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	touch $(STAMP)

install: $(STAMP) java

java:
	@command -v java >/dev/null || [ -x "$$JAVA_HOME/bin/java" ] || { \
		command -v apt-get >/dev/null || { echo "the Spark tests need a Java runtime (17+): install one, or set JAVA_HOME"; exit 1; }; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless; }

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the browser tests need chromium at $(CHROMIUM) (set CHROMIUM=... to use another)"; exit 1; }
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq --no-install-recommends chromium

serve: $(STAMP)
	$(BIN)/tally serve

# --dist loadgroup keeps each xdist_group on one worker: the Spark tests share one session.
test: $(STAMP) $(CHROMIUM) java
	$(BIN)/tally rules lint rules
	TALLY_CHROMIUM=$(CHROMIUM) TALLY_REQUIRE_SPARK=1 $(BIN)/python -m pytest -q -n 2 --dist loadgroup -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m bench.run
