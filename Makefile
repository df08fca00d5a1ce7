# Two commands for a fresh clone (see README): `make serve` and `make test`.
# Each installs what the project needs into .venv first; nothing else is assumed
# beyond Python 3.11+ with venv, and for the tests Debian's chromium, which
# `make test` installs with apt-get when it is missing (Playwright drives it;
# it cannot download its own browsers here).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test install bench lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the browser tests need chromium at $(CHROMIUM) (set CHROMIUM=... to use another)"; exit 1; }
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq --no-install-recommends chromium

serve: $(STAMP)
	$(BIN)/tally serve

test: $(STAMP) $(CHROMIUM)
	$(BIN)/tally rules lint rules
	TALLY_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q -n 2 -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m bench.run
