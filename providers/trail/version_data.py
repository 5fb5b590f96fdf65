"""A model version's training data (its trail's data hop), and the diff of two versions'
data: one rule for ``modeltrail data``, the Models compare and case evidence."""

from __future__ import annotations

from collections.abc import Callable

from providers.backends import Backends
from providers.datafolders.diff import DataDiff, diff_training_data
from providers.datafolders.tabular import DEFAULT_LIMIT
from providers.errors import NotFound, ProviderError
from providers.records import TrainingData
from providers.trail.hop_status import UNRESOLVED
from providers.trail.resolver import TrailResolver


def training_data(backends: Backends, name: str, version: str) -> TrainingData:
    """The data hop's evidence of ``name:version``; NotFound for an unknown version, and
    NotFound saying why when its trail does not reach the data."""
    if backends.models is None:
        raise ProviderError(backends.missing("models"))
    backends.models.get_version(name, version)  # NotFound: an unknown version
    hop = TrailResolver(backends).from_model(name, version).hop("data")
    if hop is None or hop.status == UNRESOLVED or not isinstance(hop.record, TrainingData):
        why = hop.reason if hop is not None else "the trail has no data hop"
        raise NotFound(f"the training data of {name}:{version} is not known: {why}")
    return hop.record


def diff_versions(
    backends: Backends,
    left: tuple[str, str],
    right: tuple[str, str],
    limit: int = DEFAULT_LIMIT,
    progress: Callable[[str], None] | None = None,
) -> DataDiff:
    """What changed from ``left``'s training data to ``right``'s (each name, version)."""
    old, new = training_data(backends, *left), training_data(backends, *right)
    if backends.data is None:
        raise ProviderError(backends.missing("data"))
    return diff_training_data(
        backends.data, (":".join(left), old), (":".join(right), new), limit, progress
    )
