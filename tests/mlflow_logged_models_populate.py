"""Register MLflow 3 model versions of four origins on a real tracking server.

Run with a Python that has ``mlflow``, ``pandas`` and ``scikit-learn`` (the MLflow test
environment)::

    python tests/mlflow_logged_models_populate.py TRACKING_URI

``credit`` version 1: a model logged by a run with ``mlflow.sklearn.log_model(name=...)``
(the run logged its training dataset with ``mlflow.log_input``), registered from its
``models:/m-…`` URI; version 2: a logged model made outside any run with the logged-model
client API, registered by its ``model_id``; version 3: a plain folder registered without a
run, as the UI's "register model" on a file does; version 4: version 1's logged model
registered naming another run (the server checks the source against model_id, not
run_id).  Prints a JSON map of the ids made.
"""

from __future__ import annotations

import json
import sys

import mlflow
import pandas as pd
from mlflow.entities import LoggedModelStatus
from mlflow.tracking import MlflowClient
from sklearn.linear_model import LogisticRegression

DATA = "abfss://training@mortgagedata.dfs.core.windows.net/credit/2026-08-01T0200Z/"
PLAIN = "wasbs://models@mortgagemodels.blob.core.windows.net/credit/manual-2026-08-20/"


def main() -> None:
    uri = sys.argv[1]
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri, uri)
    experiment = client.create_experiment("credit-training")
    frame = pd.DataFrame({"income": [31.0, 54.0, 77.0, 92.0], "approved": [0, 0, 1, 1]})
    with mlflow.start_run(experiment_id=experiment) as run:
        data = mlflow.data.from_pandas(
            frame, source=DATA, name="credit-2026-08-01", targets="approved"
        )
        mlflow.log_input(data, context="training")
        fitted = LogisticRegression().fit(frame[["income"]], frame["approved"])
        logged = mlflow.sklearn.log_model(fitted, name="model", pip_requirements=["scikit-learn"])
    mlflow.register_model(logged.model_uri, "credit")
    outside = client.create_logged_model(experiment, name="hand-made")
    client.finalize_logged_model(outside.model_id, LoggedModelStatus.READY)
    client.create_model_version(
        "credit", source=f"models:/{outside.model_id}", model_id=outside.model_id
    )
    client.create_model_version("credit", source=PLAIN, description="uploaded by hand")
    with mlflow.start_run(experiment_id=experiment, run_name="retrain") as other:
        mlflow.log_param("note", "did not log the model")
    client.create_model_version(
        "credit", source=logged.model_uri, run_id=other.info.run_id, model_id=logged.model_id
    )
    made = {"run": run.info.run_id, "logged": logged.model_id, "outside": outside.model_id}
    print(json.dumps({**made, "other": other.info.run_id}))


if __name__ == "__main__":
    main()
