# One obvious way to re-run everything. Only Python 3.11+, make and git are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
WAVE   ?= all

.PHONY: all test lab lint data reconstruct clean-survey audit reproduce models reports site bench clean help

help:
	@echo "make all   - set up .venv and run the whole pipeline on the shipped data"
	@echo "make test  - set up .venv with dev extras and run the test suite"
	@echo "make lab   - open the notebooks in JupyterLab"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP) $@

all: $(STAMP)
	$(BIN)/wijkteam pipeline --wave $(WAVE)

test: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_reports.py

clean:
	rm -rf outputs/* data/processed/*
	git checkout -- outputs/README.md data/processed/README.md
