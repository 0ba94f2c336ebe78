# newsdesk: every target bootstraps .venv itself (Python 3.11 and make are all it needs).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv

# Prefect state stays inside the project; no telemetry; a cold temporary API server on two
# cores needs more than the default 20 s to start.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 240
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: run test bench bench-quick lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip install --quiet uv

$(VENV)/.installed-test: pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(PY) -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(PY) -e '.[test,bench]'
	touch $@

run: $(VENV)/.installed-test
	$(PY) -m flows.demo

test: $(VENV)/.installed-test
	$(PY) -m pytest -q

bench: $(VENV)/.installed-bench
	$(PY) bench/run_all.py

bench-quick: $(VENV)/.installed-bench
	$(PY) bench/run_all.py --quick

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .prefect .pytest_cache newsdesk.duckdb newsdesk.duckdb.wal newsdesk.duckdb.bodies newsdesk.duckdb.tmp
