# backcheck: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MEDIAPIPE := mediapipe==0.10.14

.PHONY: run test lint typecheck unit bench system-deps clean

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

# The local web app on 127.0.0.1 with an embedded SQLite database (BACKCHECK_PORT to change it).
run: $(STAMP)
	$(BIN)/backcheck serve --host 127.0.0.1 --port $${BACKCHECK_PORT:-8000}

# Debian packages the test-suite needs: a browser for end-to-end tests, a PostgreSQL server.
system-deps:
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing chromium and postgresql from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql >/dev/null; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q -n 2 tests

test: $(STAMP) system-deps lint
	$(BIN)/pytest -q -n 2 tests

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
