# Two entry points on a fresh machine with Python 3.11 and make: `make demo`, `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/casewatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: $(BIN)/casewatch
	$(BIN)/casewatch demo

# ruff over the code, tests and benchmarks; mypy over monitor, feeds and alerts ([tool.mypy])
lint: $(BIN)/casewatch
	$(BIN)/ruff check monitor feeds alerts tests bench
	$(BIN)/python -m mypy

test: lint
	$(BIN)/python -m pytest

# `make bench ARGS=--quick` for the two-minute version; bench/run_all.py runs every benchmark
bench: $(BIN)/casewatch
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/bench_farm.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
