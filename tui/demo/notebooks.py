"""The demo repository's training notebooks, one in each form, and their change between
model versions 3 and 4: the Databricks source notebook's feature filter drops applicants
employed under a year; the ``.ipynb`` (one-line JSON, as Databricks exports it) labels a
loan as a default from 60 days past due instead of 90, and was re-run (new outputs).
"""

from __future__ import annotations

import json
from typing import Any

SOURCE_PATH = "notebooks/prepare_training_set.py"
IPYNB_PATH = "notebooks/train_mortgage.ipynb"

_PREPARE = """\
# Databricks notebook source
# MAGIC %md
# MAGIC # Prepare the mortgage training set
# MAGIC Reads one immutable application snapshot and keeps the applications the model learns from.

# COMMAND ----------

dbutils.widgets.text("snapshot", "")
snapshot = dbutils.widgets.get("snapshot")
applications = spark.read.parquet(f"abfss://training@stmortgageml.dfs.core.windows.net/{snapshot}")

# COMMAND ----------

# DBTITLE 1,Feature filter
eligible = applications.filter(
    "credit_score IS NOT NULL"
    " AND loan_amount BETWEEN 20000 AND 2000000"
)
eligible.createOrReplaceTempView("eligible")

# COMMAND ----------

# MAGIC %sql
# MAGIC SELECT employment_type, count(*) AS applications
# MAGIC FROM eligible
# MAGIC GROUP BY employment_type

# COMMAND ----------

eligible.write.mode("overwrite").saveAsTable("mortgage.training_set")
"""

PREPARE_V1 = _PREPARE.encode()
PREPARE_V2 = _PREPARE.replace(
    '    " AND loan_amount BETWEEN 20000 AND 2000000"\n',
    '    " AND loan_amount BETWEEN 20000 AND 2000000"\n    " AND employment_years >= 1"\n',
).encode()


def _cell(n: int, kind: str, source: str, count: int | None = None, out: str = "") -> Any:
    cell: dict[str, Any] = {
        "cell_type": kind,
        "metadata": {
            "application/vnd.databricks.v1+cell": {
                "cellMetadata": {"byteLimit": 2048000, "rowLimit": 10000},
                "inputWidgets": {},
                "nuid": f"5b0c7e2a-91d4-4f6e-8a3b-0c1d2e3f4a{n:02d}",
                "showTitle": False,
                "title": "",
            }
        },
        "source": source.splitlines(keepends=True),
    }
    if kind == "code":
        cell["execution_count"] = count
        cell["outputs"] = (
            [{"name": "stdout", "output_type": "stream", "text": [out]}] if out else []
        )
    return cell


def _train(days: int, rows: int, auc: str) -> bytes:
    cells = [
        _cell(
            1,
            "markdown",
            "# Train the mortgage approval model\n"
            "Labels each application of the training set, fits the model and logs it to MLflow.",
        ),
        _cell(2, "code", 'train = spark.table("mortgage.training_set").toPandas()', 1),
        _cell(
            3,
            "code",
            f"# Label rule: a loan is a default once it is {days}+ days past due"
            " within 24 months.\n"
            f'train["repaid"] = (train["max_days_past_due_24m"] < {days}).astype(int)',
            2,
        ),
        _cell(
            4,
            "code",
            "model = HistGradientBoostingClassifier(**training_config()).fit(\n"
            '    build_features(train), train["repaid"]\n'
            ")\n"
            'print(f"fitted on {len(train)} rows, validation AUC {validation_auc(model):.3f}")',
            3,
            f"fitted on {rows} rows, validation AUC {auc}\n",
        ),
        _cell(5, "code", 'mlflow.sklearn.log_model(model, "model")', 4),
    ]
    notebook = {
        "cells": cells,
        "metadata": {
            "application/vnd.databricks.v1+notebook": {
                "dashboards": [],
                "language": "python",
                "notebookMetadata": {"pythonIndentUnit": 4},
                "notebookName": "train_mortgage",
                "widgets": {},
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 0,
    }
    return json.dumps(notebook, separators=(",", ":")).encode()  # one line, as exported


TRAIN_V1 = _train(90, 48213, "0.861")
TRAIN_V2 = _train(60, 46870, "0.859")

INITIAL = {SOURCE_PATH: PREPARE_V1, IPYNB_PATH: TRAIN_V1}
CHANGE_MESSAGE = (
    "Training set: require a year of employment; default from 60 days past due\n\n"
    "Agreed in the July model review.\n"
)
CHANGE = {SOURCE_PATH: PREPARE_V2, IPYNB_PATH: TRAIN_V2}
