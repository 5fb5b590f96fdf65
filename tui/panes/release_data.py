"""The training data of a build shown in the Releases detail: the trail's data hop when
the release was traced, else each recorded folder read through the data provider in a
worker (checked against the build's queue time; the trail also knows the run's start)."""

from __future__ import annotations

from collections.abc import Callable

from providers.records import Build, TrainingData
from providers.trail.data_evidence import check_training_data
from providers.trail.resolver import Trail
from tui.panes.base import Pane


class BuildData:
    """Each build's training-data evidence, as far as it is known."""

    def __init__(self) -> None:
        self.by_build: dict[int, TrainingData] = {}

    def from_trail(self, trail: Trail) -> None:
        """Keep the evidence the trail's data hop holds."""
        build, data = trail.hop("build"), trail.hop("data")
        built = build.record if build is not None else None
        found = data.record if data is not None else None
        if isinstance(built, Build) and isinstance(found, TrainingData):
            self.by_build[built.build_id] = found

    def load(self, pane: Pane, build: Build, then: Callable[[], None]) -> None:
        """Read ``build``'s recorded folders in a worker, unless known or unreadable."""
        backends = pane.session.backends
        artifact = next((a for a in build.artifacts if a.data_folders), None)
        if artifact is None or build.build_id in self.by_build or backends.data is None:
            return
        missing = backends.missing("data")

        def read() -> TrainingData:
            return check_training_data(backends.data, missing, artifact, build, None)[0]

        def keep(found: TrainingData) -> None:
            self.by_build[build.build_id] = found
            then()

        pane.call_provider(read, keep, group="build-data")
