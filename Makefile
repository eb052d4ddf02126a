# Chat Booking: two commands for a newcomer.
#   make serve   set everything up, then serve the page + API at http://$(HOST):$(PORT)/
#   make test    set everything up (Chromium included), then run every test (with the 60 s soak;
#                SKIP_SOAK=1 skips it for a quick local run)
# Set-up steps are file targets, so a second run with nothing changed skips them.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: setup serve test test-unit test-backend test-browser site bench browser postgres clean

setup: $(VENV)/.installed node_modules/.package-lock.json runtime

$(VENV)/.installed: requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Cheap when nothing changed: the scripts compare a digest of their inputs (build_app.py: app/ as one
# wheel of bytecode, rebuilt when a module changed). The service worker
# (static/vendor/sw.js) is regenerated every time (~0.1 s) but only rewritten when it changes.
runtime: $(VENV)/.installed node_modules/.package-lock.json
	$(PY) tools/pyscript_files.py
	$(PY) tools/build_runtime.py
	$(PY) tools/build_app.py
	$(PY) tools/build_sw.py

browser: $(VENV)/.installed
	$(PY) tools/ensure_browser.py

# PostgreSQL's server binaries, for the tests' and the benchmark's throwaway clusters (no service).
postgres: $(VENV)/.installed
	$(PY) tools/ensure_postgres.py

# WORKERS=4 with DATABASE_URL=postgresql://... serves one database from four processes.
serve: setup
	$(PY) -m backend

test: setup browser postgres
	$(PY) -m pytest

test-unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit tests/build

test-backend: $(VENV)/.installed postgres
	$(PY) -m pytest tests/backend

test-browser: setup browser
	$(PY) -m pytest tests/browser

# dist/site/: exactly the published files (backend/site_files.py) + sw.js + .nojekyll, rebuilt from scratch.
site: setup
	$(PY) tools/build_site.py

bench: setup browser postgres
	$(PY) -m bench

clean:
	rm -rf static/vendor dist .cache var
