"""The object ``m`` bookmarks: what is selected in the pane on screen, and how to fetch
its full record (a commit with its diff, a model version with its training run)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.widgets import DataTable

from providers.backends import Backends
from tui.panes.base import Pane
from tui.panes.commits import CommitsPane
from tui.panes.deployments import DeploymentsPane
from tui.panes.models import ModelsPane
from tui.panes.predictions import PredictionsPane
from tui.panes.releases import ReleasesPane
from tui.virtual_table import PredictionTable

Fetched = tuple[Any, list[Any]]  # the record, and related records (a model's run)


@dataclass(frozen=True, slots=True)
class Target:
    """An object to bookmark; ``fetch`` runs in a worker and returns its records."""

    kind: str
    key: str
    label: str
    fetch: Callable[[], Fetched]


def current_target(pane: Pane, backends: Backends) -> Target | None:
    """The object selected in ``pane``, None when nothing is."""
    if isinstance(pane, PredictionsPane):
        prediction = pane.query_one(PredictionTable).current
        if prediction is None:
            return None
        return Target(
            "prediction", prediction.correlation_id, prediction.request_id, lambda: (prediction, [])
        )
    if isinstance(pane, DeploymentsPane):
        row = pane.query_one(DataTable).cursor_row
        if not 0 <= row < len(pane.rows):
            return None
        endpoint, deployment = pane.rows[row]
        key = f"{endpoint.name}/{deployment.name}"
        return Target("deployment", key, key, lambda: (deployment, []))
    if isinstance(pane, ModelsPane):
        return _model_target(pane.selected_key, backends)
    if isinstance(pane, ReleasesPane):
        release = pane.selected
        if release is None:
            return None
        build = pane.builds.get(release.build_id) if release.build_id is not None else None
        return Target("release", str(release.release_id), release.name, lambda: (release, [build]))
    if isinstance(pane, CommitsPane):
        commit, commits = pane.shown, backends.commits
        if commit is None or commits is None:
            return None
        sha = commit.sha
        return Target("commit", sha, commit.subject, lambda: (commits.get_commit(sha), []))
    return None


def _model_target(key: str | None, backends: Backends) -> Target | None:
    models = backends.models
    if key is None or models is None:
        return None
    name, _, version = key.rpartition(":")

    def fetch() -> Fetched:
        model = models.get_version(name, version)
        return model, [models.get_run(model.run_id)] if model.run_id else []

    return Target("model", key, key, fetch)
