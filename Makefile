# Two commands for a fresh machine: `make demo` (the console on the demo workspace) and
# `make test` (lint, types, tests).  Each sets itself up on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The Azurite blob emulator that the blob provider's tests start (pinned in package-lock.json).
AZURITE := node_modules/.installed-stamp
# A real MLflow tracking server for the mlflow provider's tests, in its own venv: its
# dependencies clash with azure-ai-ml's.
MLFLOW_VENV := .mlflow-venv
MLFLOW := $(MLFLOW_VENV)/.installed-stamp
# A real Spark Connect server (the full pyspark, ~510 MB, ~30 s to install; needs Java 17) for
# the spark provider's tests; the product itself depends on the thin client only.
SPARK_VENV := .spark-venv
SPARK := $(SPARK_VENV)/.installed-stamp

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(AZURITE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AZURITE)

$(MLFLOW):
	$(PYTHON) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/python -m pip install --quiet mlflow==3.17.2
	touch $(MLFLOW)

$(SPARK):
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet pyspark==4.2.1
	touch $(SPARK)

demo: $(STAMP)
	$(BIN)/modeltrail demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The installs run side by side (they mostly wait on downloads), lint as soon as .venv is
# ready; then pytest on two workers (pytest-xdist): each starts on half of the tests and takes
# over the other's last ones when it runs out, so neither idles at the end (a whole file per
# worker left one idle 2 min behind the few slow console files it had saved for last).
test:
	@$(MAKE) --no-print-directory --jobs=4 --output-sync=target lint $(AZURITE) $(MLFLOW) $(SPARK)
	MODELTRAIL_MLFLOW_PYTHON=$(CURDIR)/$(MLFLOW_VENV)/bin/python \
	MODELTRAIL_SPARK_PYTHON=$(CURDIR)/$(SPARK_VENV)/bin/python \
	$(BIN)/pytest -q --durations=20 -n 2 --dist worksteal

clean:
	rm -rf $(VENV) $(MLFLOW_VENV) $(SPARK_VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
