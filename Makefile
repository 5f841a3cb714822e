# Two commands do everything on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= python3

export OHWB_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(OHWB_DATA_DIR)/dagster_home

.PHONY: install run test ui bench lint clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p $(DAGSTER_HOME)
	$(BIN)/ohwb demo

test: $(STAMP)
	$(BIN)/pytest

ui: $(STAMP)
	@mkdir -p $(DAGSTER_HOME)
	$(BIN)/dagster dev -w workspace.yaml

bench: $(STAMP)
	@mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m benchmarks.run

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf data/landing data/warehouse data/published data/dagster_home
