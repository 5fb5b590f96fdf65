"""Provider interfaces: one small abstract class per concern of the audit trail.

A backend implements one or several of them (Azure ML serves deployments *and* models,
Azure DevOps serves releases *and* commits).  Providers are read-only by construction:
no interface here has a method that writes to a backend.

Writing a provider (for plugin authors)
---------------------------------------
1. Subclass :class:`Provider` and every concern class you serve.
2. Implement :meth:`Provider.from_settings` to build an instance from the profile's
   settings table (never read secrets from it: take the *name* of an environment
   variable instead).
3. Raise the typed errors of :mod:`providers.errors` so the console can explain
   what happened; report skipped bad rows as :class:`~providers.records.DataIssue`.
4. Register the class under the entry-point group ``modeltrail.providers``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

from providers.content_query import ContentQuery
from providers.errors import Unavailable
from providers.query import PredictionQuery
from providers.records import (
    Build,
    Commit,
    DataFolder,
    DataIssue,
    Deployment,
    Endpoint,
    ModelVersion,
    Prediction,
    Release,
    TrainingRun,
)

CONCERNS = ("predictions", "deployments", "models", "releases", "commits", "data")


@dataclass(frozen=True, slots=True)
class ProviderContext:
    """What every provider may use besides its settings."""

    profile: str
    base_dir: Path  # relative paths in settings are resolved against this
    extra: Mapping[str, Any] = field(default_factory=dict)


class Provider(ABC):
    """Base of every provider.

    ``concerns`` names what the class serves; ``name`` is the entry-point name under
    which it is registered.
    """

    name: ClassVar[str] = ""
    concerns: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Build the provider from a profile's settings table; raise ConfigError if invalid."""

    @abstractmethod
    def identity(self) -> Mapping[str, str]:
        """Non-secret settings that identify the data this provider serves (for cache keys)."""

    def close(self) -> None:  # noqa: B027 - optional hook with a safe default
        """Release files, processes or connections. Optional."""


@dataclass(frozen=True, slots=True)
class PredictionPage:
    """A page of predictions and the data problems met while reading it.

    An id lookup also says what it searched: the days whose files it read, and the closed
    days the id index answered for.
    """

    rows: tuple[Prediction, ...]
    issues: tuple[DataIssue, ...] = ()
    files_scanned: int = 0
    days_read: int = 0
    days_indexed: int = 0


class PredictionsProvider(ABC):
    """Logged scoring requests and responses (model data collection logs)."""

    @abstractmethod
    def find(self, request_id: str) -> PredictionPage:
        """All predictions whose request id or correlation id equals ``request_id``."""

    @abstractmethod
    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        """Stream pages of predictions matching ``query``, oldest first; first page early."""


class DeploymentsProvider(ABC):
    """Endpoints and the deployments behind them."""

    @abstractmethod
    def list_endpoints(self) -> list[Endpoint]:
        """All online endpoints (and v1 web services)."""

    @abstractmethod
    def list_deployments(self, endpoint: str) -> list[Deployment]:
        """The deployments of one endpoint, with their traffic share."""

    @abstractmethod
    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        """One deployment; NotFound if it does not exist."""


class ModelsProvider(ABC):
    """Registered model versions and their training runs."""

    @abstractmethod
    def list_models(self) -> list[str]:
        """Names of registered models."""

    @abstractmethod
    def list_versions(self, name: str) -> list[ModelVersion]:
        """All versions of a model, oldest first."""

    @abstractmethod
    def get_version(self, name: str, version: str) -> ModelVersion:
        """One model version; NotFound if it does not exist."""

    @abstractmethod
    def get_run(self, run_id: str) -> TrainingRun:
        """A training run with its metrics, histories and curves."""

    def get_registry_version(self, ref: str) -> ModelVersion:
        """A model version of an Azure ML registry (``azureml://registries/…``), read in
        that registry; providers that read no registry say so."""
        raise Unavailable(
            f"{ref} is a registry model; this models provider reads no Azure ML registry",
            hint="use an azureml models provider, which reads registries",
        )


class ReleasesProvider(ABC):
    """Releases that deployed images and builds whose artifacts record the commit."""

    @abstractmethod
    def list_releases(self, top: int = 100) -> list[Release]:
        """The newest releases first."""

    @abstractmethod
    def get_release(self, release_id: int) -> Release:
        """One release with its environments, tasks, variables and target."""

    @abstractmethod
    def list_builds(self, top: int = 100) -> list[Build]:
        """The newest builds first."""

    @abstractmethod
    def get_build(self, build_id: int) -> Build:
        """One build with its artifacts' recorded commit and training-data folders."""

    @abstractmethod
    def get_task_log(self, release_id: int, env_id: int, phase_id: int, task_id: int) -> str:
        """The log text of one release task."""


class CommitsProvider(ABC):
    """A git repository's history."""

    @abstractmethod
    def get_commit(self, sha: str, *, with_diff: bool = True) -> Commit:
        """One commit (full or abbreviated sha) with its files and, if asked, per-file diffs."""

    @abstractmethod
    def history(
        self, start: str, *, first_parent: bool = False, page_size: int = 300, stats: bool = False
    ) -> Iterator[list[Commit]]:
        """Commits reachable from ``start``, newest first, streamed in pages.

        With ``stats`` each commit carries its files with addition/deletion counts.
        """

    @abstractmethod
    def between(self, old: str, new: str, *, page_size: int = 300) -> Iterator[list[Commit]]:
        """Commits reachable from ``new`` but not from ``old`` (what shipped), newest first."""

    def search_content(
        self,
        query: ContentQuery,
        start: str,
        *,
        since: str | None = None,
        page_size: int = 300,
        stats: bool = False,
    ) -> Iterator[list[Commit]]:
        """Commits reachable from ``start`` and not from ``since`` whose diff ``query``
        matches (as ``git log -S``/``-G``), newest first, streamed as they are found.

        A provider that cannot search contents raises Unavailable saying why.
        """
        raise Unavailable(f"the {self.__class__.__name__} provider cannot search contents")


class DataProvider(ABC):
    """Training-data folders (read-only): what each holds, for manifests and data diffs.

    Folder names are the ones a build's artifact records, relative to the provider's root.
    """

    @abstractmethod
    def list_folder(self, folder: str) -> DataFolder:
        """The folder's files (recursively, sorted by path); ``exists`` False if none."""

    @abstractmethod
    def read_head(self, folder: str, path: str, limit: int) -> Iterator[bytes]:
        """The first ``limit`` bytes of one file of ``folder``, in chunks."""

    def local_path(self, folder: str, path: str) -> Path | None:
        """The file on this machine when the store is a local folder (else None)."""
        return None
