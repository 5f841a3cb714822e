# Two commands do everything on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= python3

export OHWB_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(OHWB_DATA_DIR)/dagster_home
# The real NHS England months have their own data folder and Dagster instance, beside the synthetic demo.
REAL_DATA_DIR := $(OHWB_DATA_DIR)/real
REAL_ENV := OHWB_DATA_DIR=$(REAL_DATA_DIR) DAGSTER_HOME=$(REAL_DATA_DIR)/dagster_home

.PHONY: install run test ui ui-real bench faults roi-calibration catalog-compat first-tick serve stop lint clean dagster-home

# The install's own output goes to .venv/install.log and is printed only when it fails.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing pinned dependencies into $(VENV) (log: $(VENV)/install.log) ..."
	@$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]' \
		> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

# Telemetry off: the pipeline makes no network calls at run time. Nux off: the UI does not open on a
# "join the community" newsletter form asking a first-time user for an email address. Pools at 1: two
# runs never write the same domain's tables at once (docs/operations.md, "Concurrency"). The default
# run coordinator: runs launched without the daemon (`make run` launches through the workspace) start
# at once, not queued. Run workers print INFO and above, not their DEBUG event stream (the event log
# keeps every event; deploy/dagster.yaml says more).
# The instance's storage is created here, once, before any Dagster process starts: two processes
# creating it at the same moment raced ("table jobs already exists").
dagster-home: $(STAMP)
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || printf 'telemetry:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml
	@grep -q '^nux:' $(DAGSTER_HOME)/dagster.yaml || printf 'nux:\n  enabled: false\n' >> $(DAGSTER_HOME)/dagster.yaml
	@grep -q '^concurrency:' $(DAGSTER_HOME)/dagster.yaml || \
		printf 'concurrency:\n  pools:\n    default_limit: 1\n' >> $(DAGSTER_HOME)/dagster.yaml
	@grep -q '^python_logs:' $(DAGSTER_HOME)/dagster.yaml || \
		printf 'python_logs:\n  python_log_level: INFO\n' >> $(DAGSTER_HOME)/dagster.yaml
	@grep -q '^run_coordinator:' $(DAGSTER_HOME)/dagster.yaml || \
		printf 'run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\n' \
		>> $(DAGSTER_HOME)/dagster.yaml
	@$(BIN)/python -c 'import dagster; dagster.DagsterInstance.get().get_runs(limit=1)' 2>/dev/null

# Real figures first (data/real, its own instance), then the synthetic case-study demo (data/).
run: $(STAMP) dagster-home
	@$(MAKE) --no-print-directory dagster-home $(REAL_ENV)
	@$(REAL_ENV) $(BIN)/ohwb real
	@$(BIN)/ohwb demo

test: $(STAMP) dagster-home
	$(BIN)/pytest

# Quiet start-up (warnings only); OHWB_LOG_LEVEL=info make ui brings Dagster's own logs back. Dagster
# 1.13 warns that `dagster dev` is superseded by `dg dev` (dagster-dg-cli, not in the pinned stack): that
# FutureWarning, raised through click, is the only one silenced.
ui: $(STAMP) dagster-home
	@echo "Dagster UI: http://127.0.0.1:3000 (starting; Ctrl-C stops it)"
	@PYTHONWARNINGS=ignore::FutureWarning:click.core \
		$(BIN)/dagster dev -w workspace.yaml --log-level $$(echo $${OHWB_LOG_LEVEL:-warning} | tr A-Z a-z)

# The real-data instance (data/real) on port 3001, so both UIs can be open at once.
ui-real: $(STAMP)
	@$(MAKE) --no-print-directory dagster-home $(REAL_ENV)
	@echo "Dagster UI (real NHS England data): http://127.0.0.1:3001 (starting; Ctrl-C stops it)"
	@$(REAL_ENV) PYTHONWARNINGS=ignore::FutureWarning:click.core \
		$(BIN)/dagster dev -w workspace.yaml -p 3001 --log-level $$(echo $${OHWB_LOG_LEVEL:-warning} | tr A-Z a-z)

bench: $(STAMP) dagster-home
	$(BIN)/python -m benchmarks.run

# kill -9, full disk and concurrent readers against the publication (benchmarks/faults.py).
faults: $(STAMP) dagster-home
	$(BIN)/python -m benchmarks.faults
	$(BIN)/python -m benchmarks.landing_corpus

# Placebo and known-effect interventions on synthetic national data (benchmarks/roi_calibration.py).
roi-calibration: $(STAMP) dagster-home
	$(BIN)/python -m benchmarks.roi_calibration

# Opens a freshly published ohwb.duckdb with DuckDB 1.0.0, 1.1.3 and 1.4.4 (benchmarks/catalog_compat.py).
# The one target that downloads: each release is pip-installed from PyPI into its own virtual
# environment under the temp dir, kept for the next run and for the test that uses it.
catalog-compat: $(STAMP)
	$(BIN)/python -m benchmarks.catalog_compat

# Turning the landing sensor on over 48 landed months: one run per month (before) against the ranged
# runs it asks for now, each a `dagster job execute` process, at most 4 at once (benchmarks/first_tick.py).
first-tick: $(STAMP)
	$(BIN)/python -m benchmarks.first_tick --out benchmarks/results/first_tick.json

# A standing deployment on this machine, in the background over $(DAGSTER_HOME) (deploy/serve.sh): the
# code server deploy/workspace.yaml points at (127.0.0.1:4266), the webserver (http://127.0.0.1:3000)
# and the daemon (schedules, sensors, queued runs). Logs and process ids in $(DAGSTER_HOME)/serve/;
# `make stop` ends them by those ids. OHWB_UI_PORT and OHWB_CODE_SERVER_PORT change the ports.
serve: $(STAMP) dagster-home
	@bash deploy/serve.sh start

stop:
	@bash deploy/serve.sh stop

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf data/landing data/warehouse data/published data/dagster_home data/config data/real
