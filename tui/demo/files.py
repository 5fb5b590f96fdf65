"""File contents of the demo repository and the changes commits make to them."""

from __future__ import annotations

import random
import zlib

Tree = dict[str, bytes]

SCORING_YAML = """\
# Scoring configuration for the mortgage approval model.
# Owned by the credit-risk team: any change to `decision` needs a risk review (RR ticket).
model:
  name: mortgage
  flavour: gradient_boosting

decision:
  # Applications with approval_probability >= threshold are approved.
  threshold: 0.50
  # Manual review band around the threshold (not used by the online scorer yet).
  review_band: 0.03

logging:
  collect_inputs: true
  collect_outputs: true
"""

SCORING_YAML_TIDIED = """\
# Scoring configuration (mortgage approval).
model:
  flavour: gradient_boosting
  name: mortgage

decision:
  review_band: 0.03
  threshold: 0.62

logging:
  collect_inputs: true
  collect_outputs: true
"""

FEATURES_PY = '''\
"""Feature engineering for mortgage applications."""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMERIC = ["annual_income", "loan_amount", "property_value", "credit_score",
           "debt_to_income", "employment_years", "term_months", "applicant_age"]


def loan_to_value(df: pd.DataFrame) -> pd.Series:
    """Loan amount over property value, capped at 1.5."""
    return (df["loan_amount"] / df["property_value"]).clip(upper=1.5)


def income_multiple(df: pd.DataFrame) -> pd.Series:
    """How many annual incomes the loan is worth."""
    return df["loan_amount"] / df["annual_income"].clip(lower=1)


def build_features(df: pd.DataFrame) -> pd.DataFrame:
    """All model features from a raw application frame."""
    out = df[NUMERIC].astype(float).copy()
    out["loan_to_value"] = loan_to_value(df)
    out["income_multiple"] = income_multiple(df)
    out["log_income"] = np.log1p(df["annual_income"])
    return out
'''

TRAIN_PY = '''\
"""Train the mortgage approval model and log it to MLflow."""

from __future__ import annotations

import mlflow
import yaml
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from mortgage.data import load_snapshot
from mortgage.features import build_features


def main(snapshot: str) -> None:
    cfg = yaml.safe_load(open("config/training.yaml"))
    scoring = yaml.safe_load(open("config/scoring.yaml"))
    train, valid = load_snapshot(snapshot)
    model = HistGradientBoostingClassifier(**cfg["model"])
    model.fit(build_features(train), train["repaid"])
    proba = model.predict_proba(build_features(valid))[:, 1]
    mlflow.log_param("threshold", scoring["decision"]["threshold"])
    mlflow.log_param("training_data", snapshot)
    mlflow.log_metric("auc", roc_auc_score(valid["repaid"], proba))
    mlflow.sklearn.log_model(model, "model")
'''

SCORE_PY = '''\
"""Online scoring entry point (Azure ML)."""

from __future__ import annotations

import json

import yaml
from azureml.ai.monitoring import Collector

from mortgage.features import build_features

inputs_collector = Collector(name="model_inputs")
outputs_collector = Collector(name="model_outputs")


def init() -> None:
    global model, threshold
    model = load_model()
    threshold = yaml.safe_load(open("config/scoring.yaml"))["decision"]["threshold"]


def run(raw: str) -> str:
    frame = to_frame(json.loads(raw))
    context = inputs_collector.collect(frame)
    proba = model.predict_proba(build_features(frame))[:, 1]
    decision = ["approved" if p >= threshold else "rejected" for p in proba]
    out = frame_of(approval_probability=proba, decision=decision)
    outputs_collector.collect(out, context)
    return out.to_json(orient="records")
'''

TRAINING_YAML = """\
model:
  max_iter: 300
  learning_rate: 0.08
  max_depth: 6
  l2_regularization: 0.0
validation_fraction: 0.2
random_state: 7
"""

PYPROJECT = """\
[project]
name = "mortgage-model"
version = "0.1.0"
dependencies = [
    "scikit-learn==1.6.1",
    "pandas==2.2.3",
    "mlflow==2.21.0",
    "azureml-ai-monitoring==1.0.0",
]
"""

PIPELINE_YML = """\
# Nightly: train on the newest immutable snapshot, register the model, publish meta.json.
schedules:
  - cron: "0 2 * * *"
    branches: { include: [main] }
steps:
  - script: pip install -e .
  - script: python -m mortgage.train --snapshot $(SNAPSHOT)
  - script: python tools/write_meta.py --out $(Build.ArtifactStagingDirectory)/meta.json
  - publish: $(Build.ArtifactStagingDirectory)
    artifact: model-meta
"""

MODEL_CARD = """\
# Mortgage approval model — model card

Intended use: pre-screening of mortgage applications; final decisions are reviewed.
"""

TEST_FEATURES = """\
import pandas as pd

from mortgage.features import loan_to_value


def test_loan_to_value_is_capped():
    df = pd.DataFrame({"loan_amount": [900_000], "property_value": [300_000]})
    assert loan_to_value(df).iloc[0] == 1.5
"""


def _png(seed: int) -> bytes:
    """A small, valid-looking binary figure (PNG signature + compressed noise)."""
    rnd = random.Random(seed)
    body = zlib.compress(bytes(rnd.randrange(256) for _ in range(600)))
    return b"\x89PNG\r\n\x1a\n" + body


def initial_tree() -> Tree:
    """The files of the first commit."""
    return {
        "README.md": b"# mortgage-model\n\nTraining and scoring code of the mortgage approval model.\n",
        "pyproject.toml": PYPROJECT.encode(),
        "config/scoring.yaml": SCORING_YAML.encode(),
        "config/training.yaml": TRAINING_YAML.encode(),
        "src/mortgage/__init__.py": b"",
        "src/mortgage/features.py": FEATURES_PY.encode(),
        "src/mortgage/train.py": TRAIN_PY.encode(),
        "src/mortgage/score.py": SCORE_PY.encode(),
        "tests/test_features.py": TEST_FEATURES.encode(),
        "pipelines/nightly.yml": PIPELINE_YML.encode(),
        "docs/model_card.md": MODEL_CARD.encode(),
        "docs/roc.png": _png(0),
    }


def special_change(tree: Tree, kind: str) -> tuple[str, Tree]:
    """The suspicious threshold change, or its fix."""
    if kind == "suspicious":
        return (
            "Tidy scoring config\n\nSort keys and shorten comments; no functional change intended.\n",
            {"config/scoring.yaml": SCORING_YAML_TIDIED.encode()},
        )
    fixed = SCORING_YAML_TIDIED.replace("threshold: 0.62", "threshold: 0.50")
    return (
        "Restore approval threshold to 0.50 (risk review RR-311)\n\n"
        "The threshold was raised to 0.62 by the config tidy-up in July without a risk review.\n",
        {"config/scoring.yaml": fixed.encode()},
    )


_FEATURES = [
    ("savings_ratio", 'df["savings"] / df["loan_amount"].clip(lower=1)'),
    ("age_at_maturity", 'df["applicant_age"] + df["term_months"] / 12'),
    ("credit_band", '(df["credit_score"] // 50).astype(int)'),
    ("payment_to_income", 'df["loan_amount"] / df["term_months"] * 12 / df["annual_income"]'),
    ("tenure_bucket", 'df["employment_years"].clip(upper=20) // 5'),
    ("high_ltv", "(loan_to_value(df) > 0.9).astype(int)"),
    ("dti_squared", 'df["debt_to_income"] ** 2'),
    ("property_log", 'np.log1p(df["property_value"])'),
]
_DOC_TOPICS = [
    "evaluation data",
    "fairness checks",
    "known limitations",
    "monitoring",
    "retraining policy",
    "feature glossary",
    "decision threshold governance",
    "data retention",
]
_DEPS = [
    ("scikit-learn", ["1.6.1", "1.7.0", "1.7.1", "1.7.2"]),
    ("pandas", ["2.2.3", "2.3.0", "2.3.1"]),
    ("mlflow", ["2.21.0", "2.22.0", "3.0.1"]),
]
_PIPELINE_TWEAKS = [
    "  - script: pip cache info\n",
    "  - script: python -m pytest -q\n",
    "  - script: python tools/check_snapshot.py --snapshot $(SNAPSHOT)\n",
    "  - script: python tools/export_metrics.py\n",
]


def random_change(tree: Tree, rng: random.Random, area: str) -> tuple[str, Tree]:
    """One plausible commit: a message and the files it rewrites."""
    kinds = (
        ["feature", "test", "tune", "score"]
        if area == "code"
        else ["docs", "deps", "pipeline", "figure"]
    )
    kind = rng.choice(kinds)
    text = {p: c.decode("utf-8", "replace") for p, c in tree.items() if p != "docs/roc.png"}
    if kind == "feature":
        name, expr = rng.choice(_FEATURES)
        n = text["src/mortgage/features.py"].count("\ndef ")
        fname = f"{name}_{n}" if f"def {name}(" in text["src/mortgage/features.py"] else name
        src = (
            text["src/mortgage/features.py"]
            .replace(
                "\n\ndef build_features",
                f'\n\ndef {fname}(df: pd.DataFrame) -> pd.Series:\n    """{fname.replace("_", " ")}."""\n'
                f"    return {expr}\n\n\ndef build_features",
            )
            .replace("    return out\n", f'    out["{fname}"] = {fname}(df)\n    return out\n')
        )
        return f"Add {fname} feature\n", {"src/mortgage/features.py": src.encode()}
    if kind == "test":
        n = text["tests/test_features.py"].count("def test_")
        body = (
            f"\n\ndef test_build_features_has_no_nans_{n}():\n"
            f"    df = sample_frame(seed={n})\n    assert not build_features(df).isna().any().any()\n"
        )
        return (
            f"Add NaN check test #{n}\n",
            {"tests/test_features.py": (text["tests/test_features.py"] + body).encode()},
        )
    if kind == "tune":
        key, values = rng.choice(
            [
                ("max_iter", ["250", "300", "350", "400", "420"]),
                ("learning_rate", ["0.05", "0.06", "0.08", "0.1"]),
                ("max_depth", ["5", "6", "7", "8"]),
            ]
        )
        lines = text["config/training.yaml"].splitlines(keepends=True)
        value = rng.choice(values)
        new = "".join(f"  {key}: {value}\n" if ln.startswith(f"  {key}:") else ln for ln in lines)
        return f"Tune {key} to {value}\n", {"config/training.yaml": new.encode()}
    if kind == "score":
        n = text["src/mortgage/score.py"].count("logger.")
        src = text["src/mortgage/score.py"].replace(
            "    return out.to_json",
            f'    logger.info("scored %d rows (step {n})", len(out))\n    return out.to_json',
        )
        return "Log scored row counts in scorer\n", {"src/mortgage/score.py": src.encode()}
    if kind == "docs":
        card = "docs/model-card.md" if "docs/model-card.md" in tree else "docs/model_card.md"
        topic = rng.choice(_DOC_TOPICS)
        body = text[card] + f"\n## {topic.capitalize()}\n\nSee the {topic} notes from the team.\n"
        return f"Document {topic} in model card\n", {card: body.encode()}
    if kind == "deps":
        dep, versions = rng.choice(_DEPS)
        version = rng.choice(versions)
        lines = [
            f'    "{dep}=={version}",' if f'"{dep}==' in ln else ln
            for ln in text["pyproject.toml"].splitlines()
        ]
        return f"Bump {dep} to {version}\n", {"pyproject.toml": ("\n".join(lines) + "\n").encode()}
    if kind == "pipeline":
        step = rng.choice(_PIPELINE_TWEAKS)
        return (
            f"Pipeline: {step.strip()[10:50]}\n",
            {"pipelines/nightly.yml": (text["pipelines/nightly.yml"] + step).encode()},
        )
    return "Refresh ROC figure\n", {"docs/roc.png": _png(rng.randrange(1 << 30))}
