# The two commands of ../shared/RUNNING.md: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint install install-test browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser

# Debian's chromium and chromium-driver for the browser tests (root + apt only).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null; \
	  else echo "chromium/chromedriver missing and apt unavailable: install them to run browser tests"; fi; \
	fi

run: install
	$(BIN)/python -m clinicapp.devserver

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmark (tests/load/bench.py): timings of the busy calendar on a live server.
bench: install-test
	$(BIN)/python -m tests.load.bench

# Unused names and import order (ruff settings in pyproject.toml).
lint: install-test
	$(BIN)/ruff check --select F,I clinicapp tests migrations

clean:
	rm -rf $(VENV) instance/pgdata instance/test-pgdata instance/run
