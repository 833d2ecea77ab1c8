# Lectern — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench bench-flood bench-nodes install install-dev demo clean lock messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: requirements/base.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.lock
	touch $@

$(VENV)/.installed-dev: requirements/dev.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements/dev.lock
	touch $@ $(VENV)/.installed-base

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

demo: install
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py migrate --noinput
	HOST=$(HOST) PORT=$(PORT) DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py load_demo
	@# Homework 2's autograder environment (numpy; pip, once): without it, or without
	@# bubblewrap, hand-ins are kept and their runs say why they failed (docs/autograder.md).
	-DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py autograder_env create \
		info8010-demo --requirements demo/autograder/requirements.txt --if-missing

## Serve the embedded default (SQLite under var/, in-process tasks, console e-mail).
run: demo
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py runserver $(HOST):$(PORT)

## The whole suite. PostgreSQL / Redis are used when DATABASE_URL / REDIS_URL are set.
test: install-dev
	@mkdir -p var
	$(PY) -m pytest $(PYTEST_ARGS)

## ruff, the import contracts of docs/decisions/0001-layers.md, and mypy (pyproject.toml).
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

## Regenerate requirements/*.lock from pyproject.toml: pinned versions with their hashes.
## Pins already there stay unless pyproject.toml rules them out; UPGRADE=1 moves them all.
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes \
	--no-header --annotation-style split $(if $(UPGRADE),--upgrade)
lock: | $(PY)
	$(PY) -m pip install --quiet "uv>=0.8"
	$(UV_COMPILE) -o requirements/base.lock
	$(UV_COMPILE) --extra dev -o requirements/dev.lock

## Regenerate the French catalogue: collect the strings, fill them from
## locale/fr_translations.py (fails naming any string without French), compile the .mo.
## Needs GNU gettext (apt-get install gettext); the compiled .mo is committed, so `make run`
## and `make test` do not.
MAKEMESSAGES = $(PY) manage.py makemessages -l fr --no-location --no-wrap \
	-i ".venv/*" -i "var/*" -i "tests/*" -i "bench/*" -i "locale/*"
messages: install-dev
	$(MAKEMESSAGES)
	cd locale && ../$(PY) apply.py
	$(PY) manage.py compilemessages -l fr -i ".venv/*" -i "var/*"

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install-dev
	bash bench/run.sh
	$(PY) bench/flood.py

## The upload flood alone (docs/performance.md, "Upload flood").
bench-flood: install-dev
	$(PY) bench/flood.py

## The deadline race over two web nodes on PostgreSQL, Redis and a local S3 server (moto):
## 300 uploads in 10 s (docs/performance.md, "Two web nodes"). BENCH_PG and BENCH_REDIS_URL
## say where PostgreSQL and Redis are.
bench-nodes: install-dev
	$(PY) bench/two_nodes.py

clean:
	rm -rf var/test-media var/test.sqlite3 .pytest_cache
