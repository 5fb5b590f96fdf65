"""Why the decision came out as it did, in one sentence an auditor can check.

A scoring model logs a score and a decision; the decision is the score held against a
threshold of the model version that served it.  :func:`explain` finds the three — which
output is the score, which the decision, where the threshold lives (a run parameter or a
model tag, per :class:`DecisionRule`) — and says e.g. ``rejected: approval_probability
0.574 < threshold 0.62 of mortgage:4 (0.046 below)``.  For every other version of the
model it says what that version's threshold would have decided on the same score
(``under mortgage:3, threshold 0.5: approved``).  Reason codes or feature attributions
the output carries are ranked.  Where something cannot be known, the explanation says
what is missing and where it looked; it never guesses a threshold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from providers.errors import ProviderError
from providers.records import ModelVersion, Prediction, TrainingRun

SCORE_WORDS = ("probability", "proba", "prob", "score")
DECISION_FIELDS = ("decision", "outcome", "label", "prediction", "predicted_label", "class")
REASON_WORDS = ("reason", "attribution", "shap", "contribution", "explanation")
# Two-way decisions, so the other outcome can be named (the first pair naming a word wins).
_PAIRS = (
    ("approved", "rejected"),
    ("approve", "reject"),
    ("accepted", "rejected"),
    ("declined", "approved"),
    ("denied", "approved"),
    ("yes", "no"),
    ("true", "false"),
    ("1", "0"),
    ("pass", "fail"),
    ("positive", "negative"),
)
_OPPOSITES = {b: a for a, b in reversed(_PAIRS)} | dict(reversed(_PAIRS))


@dataclass(frozen=True, slots=True)
class DecisionRule:
    """How a profile's model decides: which output is the score and which the decision,
    where the threshold lives (``param:<name>``, a parameter of the training run, or
    ``tag:<name>``, a tag of the model version), and the decisions at or above it and
    below it.  None: found by name, or (decisions) read off the logged one — then a log
    that contradicts the rule cannot be told from one that follows it."""

    score: str | None = None
    decision: str | None = None
    threshold: str = "param:threshold"
    above: str | None = None
    below: str | None = None


@dataclass(frozen=True, slots=True)
class Counterfactual:
    """What another model version would have decided on the same score (``why`` when its
    threshold cannot be known)."""

    model_version: str
    threshold: float | None
    decision: str | None
    why: str = ""


@dataclass(frozen=True, slots=True)
class Explanation:
    """The decision explained; ``sentence`` is what the console and ``trace`` show first.

    ``unknown`` says why the rule cannot be told (then score or threshold may be None)."""

    sentence: str
    decision: str | None
    score: float | None
    score_field: str | None
    threshold: float | None
    rule: str
    model_version: str | None
    margin: float | None
    reasons: tuple[tuple[str, float | None], ...] = ()
    counterfactuals: tuple[Counterfactual, ...] = ()
    unknown: str = ""


Threshold = tuple[float | None, str]  # the value, or None and why not


def explain(
    prediction: Prediction,
    model: ModelVersion | None,
    run: TrainingRun | None,
    rule: DecisionRule,
    others: Sequence[tuple[ModelVersion, Callable[[], TrainingRun]]] = (),
    *,
    others_missing: str = "",
) -> Explanation:
    """The explanation of ``prediction`` served by ``model`` (trained by ``run``);
    ``others`` are the model's other versions, each with a call reading its run, and
    ``others_missing`` why they could not be listed."""
    outputs = prediction.outputs if isinstance(prediction.outputs, Mapping) else {}
    version = f"{model.name}:{model.version}" if model else None
    reasons = ranked_reasons(outputs)
    score_field, why_not = _score_field(outputs, rule)
    decision_field = _decision_field(outputs, rule)
    decision = _text(outputs.get(decision_field)) if decision_field else None
    score = _number(outputs.get(score_field)) if score_field else None
    threshold, threshold_why = (
        (None, "no model version") if model is None else _threshold(model, run, rule.threshold)
    )
    missing = why_not or threshold_why
    if score is None or threshold is None:
        told = f"{decision}: " if decision else ""
        sentence = f"{told}the rule cannot be told: {missing}"
        return Explanation(
            sentence, decision, score, score_field, threshold, "", version, None, reasons,
            unknown=missing,
        )  # fmt: skip
    above = score >= threshold
    below_label, above_label = _labels(decision, above, rule)
    name = score_field or "score"
    rule_text = (
        f"{name} >= {threshold:g} -> {above_label or 'the other decision'}, "
        f"else {below_label or 'the other decision'}"
    )
    margin = round(abs(score - threshold), 6)
    compare = ">=" if above else "<"
    side = "above or at" if above else "below"
    sentence = (
        f"{decision or (above_label if above else below_label) or 'decided'}: {name} {score:g} "
        f"{compare} threshold {threshold:g} of {version} ({margin:g} {side})"
    )
    expected = above_label if above else below_label
    if decision is not None and expected is not None and decision != expected:
        sentence += f"; but the log says {decision!r}, which this rule does not give"
    counterfactuals = tuple(
        _counterfactual(other, read_run, rule.threshold, score, below_label, above_label)
        for other, read_run in others
        if f"{other.name}:{other.version}" != version
    )
    if others_missing and model is not None:
        missing_others = Counterfactual(
            f"other versions of {model.name}", None, None, others_missing
        )
        counterfactuals += (missing_others,)
    return Explanation(
        sentence, decision, score, score_field, threshold, rule_text, version, margin, reasons,
        counterfactuals,
    )  # fmt: skip


def explanation_lines(explanation: Explanation) -> list[str]:
    """The explanation as text lines: the sentence, the rule, ranked reasons, and what
    each other version would have decided (one implementation for CLI, console, reports)."""
    lines = [explanation.sentence]
    if explanation.rule:
        lines.append(f"rule of {explanation.model_version}: {explanation.rule}")
    if explanation.reasons:
        ranked = ", ".join(
            name if weight is None else f"{name} {weight:+g}"
            for name, weight in explanation.reasons
        )
        lines.append(f"reasons, strongest first: {ranked}")
    lines += [counterfactual_text(item) for item in explanation.counterfactuals]
    return lines


def counterfactual_text(item: Counterfactual) -> str:
    """``under mortgage:3, threshold 0.5: approved`` (or why it cannot be told)."""
    if item.threshold is None:
        return f"under {item.model_version}: cannot be told ({item.why})"
    return f"under {item.model_version}, threshold {item.threshold:g}: {item.decision}"


def ranked_reasons(outputs: Mapping[str, Any]) -> tuple[tuple[str, float | None], ...]:
    """Reason codes (in the logged order) or feature attributions (largest effect first)
    from output fields whose names say so."""
    for key, value in outputs.items():
        if not any(word in key.lower() for word in REASON_WORDS):
            continue
        if isinstance(value, Mapping):
            numbers = [(str(k), _number(v)) for k, v in value.items()]
            known = [(k, v) for k, v in numbers if v is not None]
            return tuple(sorted(known, key=lambda kv: -abs(kv[1] or 0.0)))
        if isinstance(value, list):
            return tuple((str(v), None) for v in value if isinstance(v, str | int))
    return ()


def _score_field(outputs: Mapping[str, Any], rule: DecisionRule) -> tuple[str | None, str]:
    fields = ", ".join(outputs) or "none"
    if rule.score is not None:
        if _number(outputs.get(rule.score)) is None:
            return None, f"the output has no number {rule.score!r} (outputs: {fields})"
        return rule.score, ""
    numeric = [k for k, v in outputs.items() if _number(v) is not None]
    named = [k for k in numeric if any(word in k.lower() for word in SCORE_WORDS)]
    found = named if named else numeric
    if len(found) == 1:
        return found[0], ""
    which = "several" if found else "no"
    return None, (
        f"{which} numeric outputs look like the score (outputs: {fields}); "
        "name it with score = … in the profile's [explanation] table"
    )


def _decision_field(outputs: Mapping[str, Any], rule: DecisionRule) -> str | None:
    if rule.decision is not None:
        return rule.decision if rule.decision in outputs else None
    lowered = {k.lower(): k for k in outputs}
    return next((lowered[name] for name in DECISION_FIELDS if name in lowered), None)


def _threshold(model: ModelVersion, run: TrainingRun | None, where: str) -> Threshold:
    kind, _, name = where.partition(":")
    label = f"{model.name}:{model.version}"
    if kind == "tag":
        value = model.tags.get(name)
        if value is None:
            return None, f"model {label} has no tag {name!r}"
        return _parsed(value, f"tag {name!r} of model {label}")
    if kind == "param":
        if run is None:
            return None, f"the run of model {label} could not be read"
        value = run.parameters.get(name)
        if value is None:
            known = ", ".join(sorted(run.parameters)) or "none"
            return None, f"run {run.run_id} has no parameter {name!r} (parameters: {known})"
        return _parsed(value, f"parameter {name!r} of run {run.run_id}")
    return None, f"threshold = {where!r} is neither param:NAME nor tag:NAME"


def _parsed(value: Any, what: str) -> Threshold:
    number = _number(value)
    if number is None:
        return None, f"{what} is {value!r}, not a number"
    return number, ""


def _labels(decision: str | None, above: bool, rule: DecisionRule) -> tuple[str | None, str | None]:
    """(the decision below the threshold, the decision at or above it): the rule's, else
    from the logged decision and the side of the threshold its score is on."""
    if rule.above is not None or rule.below is not None:
        below = rule.below or (_other(rule.above) if rule.above else None)
        return below, rule.above or (_other(rule.below) if rule.below else None)
    if decision is None:
        return None, None
    other = _other(decision)
    return (other, decision) if above else (decision, other)


def _other(decision: str) -> str | None:
    """The other outcome of a two-way decision, in the same letter case."""
    other = _OPPOSITES.get(decision.lower())
    if other is not None and decision.isupper():
        return other.upper()
    if other is not None and decision[:1].isupper():
        return other.capitalize()
    return other


def _counterfactual(
    other: ModelVersion,
    read_run: Callable[[], TrainingRun],
    where: str,
    score: float,
    below: str | None,
    above: str | None,
) -> Counterfactual:
    label = f"{other.name}:{other.version}"
    try:
        run = read_run() if where.startswith("param:") and other.run_id else None
    except ProviderError as exc:  # said for this version only
        return Counterfactual(label, None, None, str(exc))
    threshold, why = _threshold(other, run, where)
    if threshold is None:
        return Counterfactual(label, None, None, why)
    decision = above if score >= threshold else below
    return Counterfactual(label, threshold, decision or "the other decision")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)
