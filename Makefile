# Jiceng: `make demo` runs the platform, `make test` runs the whole suite (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
JICENG := $(VENV)/bin/jiceng
PORT ?= 8000

.PHONY: demo test venv venv-dev assets lint serve clean

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
assets: jiceng/web/static/vendor/htmx.min.js
jiceng/web/static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	mkdir -p jiceng/web/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js jiceng/web/static/vendor/

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy jiceng
	DJANGO_SETTINGS_MODULE=jiceng.config.settings.test $(JICENG) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var node_modules jiceng/web/static/vendor
