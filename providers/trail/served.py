"""Which deployment served a logged prediction whose log names no deployment.

Evidence, strongest first: the model version the log names (v1 logs), then the
endpoint's traffic split.  The backends only know the *current* deployments and
traffic, plus when each was created and last modified, so the answer is certain only
when nothing changed after the prediction; otherwise it says why it is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from providers.records import Deployment, Endpoint, Prediction


@dataclass(frozen=True, slots=True)
class ServedBy:
    """The deployment found (None if it cannot be told), whether that is certain, and why."""

    deployment: Deployment | None
    certain: bool
    reason: str


def served_by(
    prediction: Prediction, endpoint: Endpoint | None, deployments: Sequence[Deployment]
) -> ServedBy:
    """The deployment of ``prediction.endpoint`` that served ``prediction``.

    ``endpoint`` (for its traffic and modification time) is needed only when the log
    names no model version either.
    """
    ep, when = prediction.endpoint, prediction.timestamp
    existed = [d for d in deployments if d.created_at is None or d.created_at <= when]
    if not existed:
        return ServedBy(None, False, f"no deployment of {ep} existed at {when.isoformat()}")
    if prediction.model_name and prediction.model_version:
        return _by_model(prediction, existed)
    return _by_traffic(ep, when, endpoint, existed)


def _by_model(prediction: Prediction, existed: Sequence[Deployment]) -> ServedBy:
    ep, model = prediction.endpoint, f"{prediction.model_name}:{prediction.model_version}"
    running = [
        d
        for d in existed
        if (d.model_name, d.model_version) == (prediction.model_name, prediction.model_version)
    ]
    if not running:
        return ServedBy(None, False, f"no deployment of {ep} runs {model}")
    if len(running) == 1:
        dep = running[0]
        return ServedBy(
            dep,
            True,
            f"deployment {dep.endpoint}/{dep.name} of {ep} runs {model}, "
            "the model the log path names",
        )
    names = ", ".join(d.name for d in running)
    serving = [d for d in running if (d.traffic_share or 0) > 0]
    if len(serving) == 1:
        dep = serving[0]
        return ServedBy(
            dep,
            False,
            f"several deployments of {ep} run {model} ({names}); {dep.name} is the only one "
            "taking traffic now, but it may not have been at the time",
        )
    return ServedBy(None, False, f"several deployments of {ep} run that model: {names}")


def _by_traffic(
    ep: str, when: datetime, endpoint: Endpoint | None, existed: Sequence[Deployment]
) -> ServedBy:
    traffic = (
        dict(endpoint.traffic) if endpoint else {d.name: d.traffic_share or 0 for d in existed}
    )
    serving = [d for d in existed if traffic.get(d.name, 0) > 0]
    if not serving:
        return ServedBy(
            None, False, f"the log names no deployment and {ep} sends no traffic to any now"
        )
    if len(serving) > 1:
        split = ", ".join(f"{d.name} {traffic[d.name]}%" for d in serving)
        return ServedBy(
            None,
            False,
            f"the log names no deployment and {ep} splits its traffic ({split}): which one "
            "served this prediction cannot be known for sure",
        )
    dep = serving[0]
    reason = (
        f"the log names no deployment; {ep} sends {traffic[dep.name]}% of its traffic to {dep.name}"
    )
    changed = endpoint.updated_at if endpoint else None
    if changed is None or changed > when:
        moment = f"was modified at {changed.isoformat()}" if changed else "has no modification time"
        return ServedBy(
            dep, False, f"{reason}, but the endpoint {moment}, so it may have differed then"
        )
    return ServedBy(dep, True, f"{reason}, unchanged since {changed.isoformat()}")
