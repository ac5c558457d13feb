# Two commands do all the set-up:  make explore   and   make test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DATA   ?= data/scifact
PORT   ?= 8888

.PHONY: explore test lint bench browser clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

# Debian's chromium for the browser tests (never `playwright install`), and Java 17 for
# the Spark tests, each installed only when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq openjdk-17-jre-headless >/dev/null; fi; }

## Open JupyterLab on the main notebook with the bundled data.
explore: $(STAMP)
	EXPLORER_DATA=$(abspath $(DATA)) $(VENV)/bin/jupyter lab --port=$(PORT) $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(JUPYTER_ARGS) notebooks/01-explore-claims.ipynb

## Run the whole test suite (installs what it needs first).
test: $(STAMP) browser
	$(VENV)/bin/ruff check explorer tests benchmarks
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check explorer tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache
