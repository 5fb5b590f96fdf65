"""The decision explained: the rule found in the logged outputs and the model's threshold,
what every other version would have decided, and what cannot be known said as such.

The demo's case is checked end to end through the ``trace`` command (text and JSON); the
rule's edge cases on records built here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from providers.config import load_config
from providers.errors import ConfigError, Unavailable
from providers.records import ModelVersion, Prediction, Source, TrainingRun
from providers.trail.explanation import (
    DecisionRule,
    counterfactual_text,
    explain,
    explanation_lines,
)
from tui.demo.workspace import DemoCase

BIN = Path(sys.executable).parent / "modeltrail"
WHEN = datetime(2026, 8, 27, 14, 32, tzinfo=UTC)


def trace(demo: tuple[Path, DemoCase], *extra: str) -> str:
    workspace, case = demo
    result = subprocess.run(
        [str(BIN), "trace", case.request_id, "--workspace", str(workspace), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_trace_says_first_what_decided_the_demo_case(demo: tuple[Path, DemoCase]) -> None:
    lines = trace(demo).splitlines()
    assert lines[1] == (
        "  Decision: rejected: approval_probability 0.574 < threshold 0.62 of mortgage:4 "
        "(0.046 below)"
    )
    text = "\n".join(lines)
    assert "rule of mortgage:4: approval_probability >= 0.62 -> approved, else rejected" in text
    assert "under mortgage:3, threshold 0.5: approved" in text


def test_trace_json_carries_the_explanation(demo: tuple[Path, DemoCase]) -> None:
    explanation = json.loads(trace(demo, "--json"))["explanation"]
    assert explanation["decision"] == "rejected"
    assert explanation["score"] == 0.574
    assert explanation["threshold"] == 0.62
    assert explanation["model_version"] == "mortgage:4"
    assert explanation["rule"] == "approval_probability >= 0.62 -> approved, else rejected"
    by_version = {c["model_version"]: c for c in explanation["counterfactuals"]}
    assert set(by_version) == {"mortgage:1", "mortgage:2", "mortgage:3", "mortgage:5"}
    assert by_version["mortgage:3"]["threshold"] == 0.5
    assert by_version["mortgage:3"]["decision"] == "approved"


# --- the rule, on records built here ---------------------------------------------------


def prediction(outputs: dict[str, Any]) -> Prediction:
    return Prediction(
        "r1", "r1", WHEN, "ep", "d1", None, None, {"income": 1}, outputs, "v2", Source("t", "r1")
    )


def model(version: str, run_id: str | None = None, **tags: str) -> ModelVersion:
    return ModelVersion("m", version, "", tags, {}, run_id, None, None, Source("t", version))


def run(run_id: str, **parameters: str) -> TrainingRun:
    return TrainingRun(
        run_id, "FINISHED", "exp", parameters, {}, {}, (), None, {}, None, None, Source("t", run_id)
    )


def test_at_or_above_the_threshold_names_the_other_side() -> None:
    found = explain(
        prediction({"score": 0.7, "decision": "APPROVED"}),
        model("2", "r2"),
        run("r2", threshold="0.7"),
        DecisionRule(),
        [(model("1", "r1"), lambda: run("r1", threshold="0.75"))],
    )
    assert found.sentence == "APPROVED: score 0.7 >= threshold 0.7 of m:2 (0 above or at)"
    assert found.rule == "score >= 0.7 -> APPROVED, else REJECTED"
    assert [counterfactual_text(c) for c in found.counterfactuals] == [
        "under m:1, threshold 0.75: REJECTED"
    ]


def test_a_threshold_in_a_model_tag_and_named_fields() -> None:
    rule = DecisionRule(score="p", decision="outcome", threshold="tag:cutoff")
    found = explain(
        prediction({"p": "0.2", "q": 0.9, "outcome": "declined"}),
        model("3", cutoff="0.35"),
        None,
        rule,
    )
    assert found.score == 0.2 and found.threshold == 0.35
    assert found.sentence.startswith("declined: p 0.2 < threshold 0.35 of m:3")
    assert found.rule == "p >= 0.35 -> approved, else declined"


def test_what_cannot_be_known_is_said_with_where_it_looked() -> None:
    no_param = explain(
        prediction({"approval_probability": 0.4, "decision": "rejected"}),
        model("1", "r1"),
        run("r1", learning_rate="0.1"),
        DecisionRule(),
    )
    assert no_param.threshold is None
    assert no_param.sentence == (
        "rejected: the rule cannot be told: run r1 has no parameter 'threshold' "
        "(parameters: learning_rate)"
    )
    two_scores = explain(
        prediction({"score_a": 0.4, "score_b": 0.3}), model("1", "r1"), run("r1"), DecisionRule()
    )
    assert "several numeric outputs look like the score" in two_scores.unknown
    assert "score_a, score_b" in two_scores.unknown


def test_a_log_that_contradicts_the_configured_rule_is_flagged() -> None:
    found = explain(
        prediction({"score": 0.9, "decision": "rejected"}),
        model("1", "r1"),
        run("r1", threshold="0.5"),
        DecisionRule(above="approved"),
    )
    assert found.sentence.endswith("; but the log says 'rejected', which this rule does not give")


def test_another_versions_failure_is_said_for_that_version_only() -> None:
    def broken() -> TrainingRun:
        raise Unavailable("tracking server down", provider="mlflow")

    found = explain(
        prediction({"score": 0.4, "decision": "no"}),
        model("2", "r2"),
        run("r2", threshold="0.5"),
        DecisionRule(),
        [(model("1", "r1"), broken), (model("3", "r3"), lambda: run("r3", threshold="0.3"))],
    )
    texts = [counterfactual_text(c) for c in found.counterfactuals]
    assert texts == [
        "under m:1: cannot be told (mlflow: tracking server down)",
        "under m:3, threshold 0.3: yes",
    ]


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        (
            {"score": 0.4, "feature_attributions": {"income": -0.2, "dti": 0.35, "age": 0.01}},
            "reasons, strongest first: dti +0.35, income -0.2, age +0.01",
        ),
        ({"score": 0.4, "reason_codes": ["R12", "R03"]}, "reasons, strongest first: R12, R03"),
    ],
)
def test_reason_codes_and_attributions_are_ranked(outputs: dict[str, Any], expected: str) -> None:
    found = explain(
        prediction(outputs), model("1", "r1"), run("r1", threshold="0.5"), DecisionRule()
    )
    assert expected in explanation_lines(found)


# --- the profile's [explanation] table ---------------------------------------------------


def test_a_profile_names_its_rule_and_trace_follows_it(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[profiles.audit]\n"
        f"workspace = {json.dumps(str(demo[0]))}\n"
        "[profiles.audit.explanation]\n"
        'score = "approval_probability"\n'
        'threshold = "tag:cutoff"\n'
    )
    result = subprocess.run(
        [str(BIN), "trace", demo[1].request_id, "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    explanation = json.loads(result.stdout)["explanation"]
    assert explanation["threshold"] is None
    assert explanation["unknown"] == "model mortgage:4 has no tag 'cutoff'"


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('threshold = "column:t"', "neither param:NAME nor tag:NAME"),
        ("score = 5", "score must be a non-empty string"),
        ('scores = "p"', "unknown key(s) scores"),
    ],
)
def test_a_bad_explanation_table_names_the_key_and_file(
    tmp_path: Path, table: str, words: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[profiles.x.explanation]\n{table}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert words in str(raised.value) and str(config) in str(raised.value)
