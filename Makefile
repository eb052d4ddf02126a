# Chat Booking: two commands for a newcomer.
#   make serve   set everything up, then serve the page + API at http://$(HOST):$(PORT)/
#   make test    set everything up (Chromium and PostgreSQL included), then run every test (with the
#                60 s soak; SKIP_SOAK=1 skips it for a quick local run). Without PostgreSQL it fails,
#                unless SKIP_POSTGRES=1 says to skip the PostgreSQL tests; the summary counts such skips.
# Set-up steps are file targets, so a second run with nothing changed skips them.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: setup serve test test-unit test-backend test-browser site bench browser postgres clean therapist-token

setup: $(VENV)/.installed node_modules/.package-lock.json runtime

$(VENV)/.installed: requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Cheap when nothing changed: the scripts compare a digest of their inputs (build_app.py: app/ as one
# wheel of bytecode, rebuilt when a module changed). tools/i18n.py compile writes the translations
# (static/locale/: .mo for Python, .json for boot.js) only when they change. The service worker
# (static/vendor/sw.js) is regenerated every time (~0.1 s) but only rewritten when it changes.
runtime: $(VENV)/.installed node_modules/.package-lock.json
	$(PY) tools/pyscript_files.py
	$(PY) tools/build_runtime.py
	$(PY) tools/i18n.py compile
	$(PY) tools/build_docs.py
	$(PY) tools/build_app.py
	$(PY) tools/build_sw.py

browser: $(VENV)/.installed
	$(PY) tools/ensure_browser.py

# PostgreSQL's server binaries, for the tests' and the benchmark's throwaway clusters (no service).
# Exits 1 when they cannot be had, unless SKIP_POSTGRES=1.
postgres: $(VENV)/.installed
	$(PY) tools/ensure_postgres.py

# WORKERS=4 with DATABASE_URL=postgresql://... serves one database from four processes.
serve: setup
	$(PY) -m backend

# A new access token for a therapist's inbox: make therapist-token THERAPIST=t-ayu (REVOKE=1 revokes theirs).
therapist-token: $(VENV)/.installed
	@test -n "$(THERAPIST)" || { echo "usage: make therapist-token THERAPIST=<therapist_id> [REVOKE=1]" >&2; exit 2; }
	@$(PY) -m backend therapist-token $(THERAPIST) $(if $(REVOKE),--revoke)

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

# Exits 1 when a section could not be measured; BENCH_ARGS=--strict also on a MISS.
bench: setup browser postgres
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf static/vendor static/locale dist .cache var
