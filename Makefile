# jingzhun — two commands to start: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test install run lint fmt check messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

## demo: install, migrate an SQLite database, build the demo county, serve http://127.0.0.1:$(PORT)
demo: install
	$(VENV)/bin/jingzhun migrate --verbosity 0
	$(VENV)/bin/jingzhun demo
	$(VENV)/bin/jingzhun runserver 127.0.0.1:$(PORT) --insecure

## run: serve the existing database without rebuilding the demo
run: install
	$(VENV)/bin/jingzhun runserver 127.0.0.1:$(PORT) --insecure

## test: install and run the whole suite (DATABASE_URL=postgres://... runs it on PostgreSQL)
test: install
	$(PY) -m ruff check jingzhun bench
	$(VENV)/bin/jingzhun makemigrations --check --dry-run --verbosity 1
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check jingzhun bench
	$(PY) -m ruff format --check jingzhun bench

fmt: install
	$(PY) -m ruff format jingzhun bench
	$(PY) -m ruff check --fix jingzhun bench

## messages: refresh the zh-hans catalogue from the sources, then compile it
messages: install
	cd jingzhun && ../$(VENV)/bin/jingzhun makemessages -l zh_Hans --no-obsolete --no-location
	cd jingzhun && ../$(VENV)/bin/jingzhun compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var .pytest_cache
