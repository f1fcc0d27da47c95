# Jiceng: `make demo` runs the platform, `make test` runs the whole suite (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
JICENG := $(VENV)/bin/jiceng
PYTEST := $(VENV)/bin/pytest
# :: listens on IPv6 and IPv4 both (IPv4 clients arrive as IPv4-mapped addresses), as long as
# the system allows it (net.ipv6.bindv6only = 0, Linux's default). HOST=127.0.0.1 for IPv4 only.
HOST ?= ::
PORT ?= 8000
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-x -k members"`.
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto

.PHONY: demo test test-sqlite test-postgres system-deps venv venv-dev assets lint serve clean

$(VENV)/.base: requirements/base.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements/base.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base requirements/dev.txt
	$(PY) -m pip install -q -r requirements/dev.txt
	touch $@

venv: $(VENV)/.base
venv-dev: $(VENV)/.dev

# Front-end libraries pinned in package.json / package-lock.json, served by whitenoise.
# htmx for pages, ECharts for charts, Leaflet for maps (no tiles needed).
assets: jiceng/web/static/vendor/.stamp
jiceng/web/static/vendor/.stamp: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	mkdir -p jiceng/web/static/vendor/leaflet
	cp node_modules/htmx.org/dist/htmx.min.js jiceng/web/static/vendor/
	cp node_modules/echarts/dist/echarts.min.js jiceng/web/static/vendor/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map \
		node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images \
		jiceng/web/static/vendor/leaflet/
	touch $@

# PostgreSQL 15 and Chromium from Debian's packages, installed only when missing.
system-deps:
	scripts/system-deps.sh

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy jiceng
	$(VENV)/bin/bandit -c pyproject.toml -r . -q
	DJANGO_SETTINGS_MODULE=jiceng.config.settings.test $(JICENG) makemigrations --check --dry-run

# The whole suite twice: on SQLite (in memory), then on a private PostgreSQL 15 server that
# scripts/with-postgres.sh starts on a free port and removes afterwards.
test: system-deps venv-dev assets lint test-sqlite test-postgres

test-sqlite: venv-dev assets
	@echo "== pytest on SQLite"
	env -u DATABASE_URL $(PYTEST) -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-postgres: system-deps venv-dev assets
	@echo "== pytest on PostgreSQL"
	scripts/with-postgres.sh $(PYTEST) -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The demo district on the embedded SQLite database, served the way production serves:
# granian (a WSGI server, not Django's development server), persistent database connections
# (CONN_MAX_AGE), static files collected into var/static and served by whitenoise.
demo: venv assets
	$(JICENG) migrate --noinput
	$(JICENG) load-divisions
	$(JICENG) load-demo
	$(JICENG) collectstatic --noinput --verbosity 0
	$(MAKE) --no-print-directory serve

# The web server, the task worker and the scheduler of periodic tasks, started together by
# honcho from the Procfile and stopped together by Ctrl-C. SQLite takes one writer at a time:
# with several blocking threads per worker, writers pile up on its lock and waits reach
# seconds; with one, requests queue in granian instead. A blocking thread holds its database
# connection, so it lives as long as the connection may (CONN_MAX_AGE) rather than granian's
# default 30 s.
serve: venv
	@echo "== serving on http://127.0.0.1:$(PORT)/ and http://[::1]:$(PORT)/ (host $(HOST)), with the task worker and the scheduler (Ctrl-C stops all three)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST="$(HOST)" $(VENV)/bin/honcho --no-colour \
		--procfile Procfile start --port $(PORT)

clean:
	rm -rf $(VENV) var node_modules jiceng/web/static/vendor

# Issue 17: the national scale on one box, unattended, SQLite then PostgreSQL (each seeded,
# measured and removed; at scale 1 hours, not minutes, and 62 GB free, checked before starting:
# the tree alone takes 52 minutes on SQLite; the modules go into a database of the largest
# province alone, bench/RESULTS.md).
# `make scale-run SCALE=0.002` tries it small. Results: bench/out/scale-run-*.md.
SCALE ?= 1
.PHONY: scale-run
scale-run: system-deps venv
	$(PY) bench/scale_run.py --scale $(SCALE)
