# Set-up and everyday commands of the book. Every target builds .venv first.
#   make serve   install everything and serve the book at http://127.0.0.1:8000
#   make test    install everything and run the whole test suite
#   make build   build the site into site/ with mkdocs --strict
#   make bench   measure cold and warm builds
#   make lint    check formatting and common errors with ruff

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve build test bench lint clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

serve: install
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

build: install
	$(BIN)/mkdocs build --strict

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/figures.py

lint: install
	$(BIN)/ruff check src hooks tests benchmarks
	$(BIN)/ruff format --check src hooks tests benchmarks

clean:
	rm -rf site .cache
