# backcheck: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.dev-installed-stamp
# The fast loop's tests: no browsers, no PostgreSQL server, nothing that needs root.
UNIT_TESTS := -m "not slow and not postgres"
MEDIAPIPE := mediapipe==0.10.14

.PHONY: run test lint typecheck unit coverage bench bench-table system-deps clean

# The venv is rebuilt whenever the pins change. mediapipe is installed without its
# dependencies: its wheel asks for opencv-contrib-python (clashes with the headless build)
# and jax, neither of which the legacy pose solution needs (see docs/video.md).
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps $(MEDIAPIPE)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e . || $(BIN)/pip install -q --no-deps -e .
	touch $@

# Test and lint tools (pyproject's dev dependency group), pinned in requirements-dev.lock and
# installed on top of the runtime pins; `make run` never needs them.
$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(BIN)/pip install -q -r requirements-dev.lock
	touch $@

# The local web app on 127.0.0.1 with an embedded SQLite database (BACKCHECK_PORT to change it).
run: $(STAMP)
	$(BIN)/backcheck serve --host 127.0.0.1 --port $${BACKCHECK_PORT:-8000}

# Debian packages the test-suite needs: a browser for end-to-end tests, a PostgreSQL server.
system-deps:
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing chromium and postgresql from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql >/dev/null; \
	fi

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# The quick loop while developing (a minute or two, no root): lint, types, the fast tests.
unit: lint
	$(BIN)/pytest -q -n 2 $(UNIT_TESTS) tests

# Everything, as CI runs it: every test (browsers, PostgreSQL, real clips, the API fuzz) under
# coverage, then each package's coverage against its floor in pyproject.toml.
test: $(DEV_STAMP) system-deps lint
	rm -f .coverage .coverage.*
	$(BIN)/pytest -q -n 2 --cov --cov-report= tests
	$(BIN)/python -m tests.coverage_floors

# The per-package coverage table of the last `make test` (or run it with the floors checked).
coverage: $(DEV_STAMP)
	$(BIN)/python -m tests.coverage_floors

# Every benchmark, each writing artifacts/bench/<name>.json (a few minutes). CHECK=1: exit 1
# when a goal is missed; QUICK=1: smaller sizes. `make bench-table` then rewrites the README's
# speed table from those files.
bench: $(DEV_STAMP)
	$(BIN)/python bench/run_all.py $(if $(CHECK),--check) $(if $(QUICK),--quick)

bench-table: $(DEV_STAMP)
	$(BIN)/python bench/readme_table.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.*
