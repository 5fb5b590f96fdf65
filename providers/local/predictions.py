"""Predictions from a local folder laid out like the workspace's storage account.

Settings (a profile's provider table)::

    path = "logs"                       # required; relative to the profile's base_dir
    v1_container = "modeldata"          # folder of the v1 CSV logs under ``path``
    v2_prefix = "modelDataCollector"    # folder of the v2 JSONL logs under ``path``

With the default ``v2_prefix``, when ``path/modelDataCollector`` does not exist every
``path/*/modelDataCollector`` is used (the blob container folder of the datastore,
e.g. ``azureml-blobstore-<guid>/modelDataCollector``).

Lookups of closed days go through an id index (:mod:`providers.predictions.index.id_index`) in
``log-index`` of the cache directory (``[cache] directory``, else the user cache dir),
filled in the background after the first lookup that had to scan them; where it cannot
be written it turns itself off, and lookups search the files.  Symbolic links below
``path`` are never followed, each reported as skipped with its path (a link loop, a link
to '/' or out of the tree is neither walked nor read).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Self

from providers.builtin_settings import check_local_logs
from providers.errors import NotFound
from providers.predictions.folder_layout import Layout
from providers.predictions.index.background_indexer import BackgroundIndexer
from providers.predictions.index.id_index import IdIndex, default_base, index_folder
from providers.predictions.log_store import LocalFolderStore
from providers.predictions.reader import LogReader
from providers.protocols import PredictionPage, PredictionsProvider, Provider, ProviderContext
from providers.query import PredictionQuery

DEFAULT_V1_CONTAINER = "modeldata"
DEFAULT_V2_PREFIX = "modelDataCollector"


class LocalPredictionsProvider(Provider, PredictionsProvider):
    """v1 (CSV) and v2 (JSONL) model data collection logs in a local folder."""

    name = "local-logs"
    concerns = frozenset({"predictions"})

    def __init__(
        self,
        root: Path,
        *,
        v1_container: str = DEFAULT_V1_CONTAINER,
        v2_prefix: str = DEFAULT_V2_PREFIX,
        index_base: Path | None = None,
    ) -> None:
        """``index_base``: where id indexes live (default: ``log-index`` in the user
        cache dir)."""
        self.root = root
        self.index_base = index_base
        self.v1_container = v1_container.strip("/")
        self.v2_prefix = v2_prefix.strip("/")
        self.store = LocalFolderStore(root)
        self._indexer: BackgroundIndexer | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Build from ``path`` (required), ``v1_container`` and ``v2_prefix``."""
        check_local_logs(settings)
        cache_dir = context.extra.get("cache_dir")
        return cls(
            context.base_dir / Path(settings["path"]).expanduser(),
            v1_container=settings.get("v1_container", DEFAULT_V1_CONTAINER),
            v2_prefix=settings.get("v2_prefix", DEFAULT_V2_PREFIX),
            index_base=Path(cache_dir) / "log-index" if cache_dir else None,
        )

    def identity(self) -> Mapping[str, str]:
        """The folder and the two layout settings."""
        return {
            "path": str(self.root),
            "v1_container": self.v1_container,
            "v2_prefix": self.v2_prefix,
        }

    def find(self, request_id: str) -> PredictionPage:
        """Predictions whose request id or correlation id is ``request_id``."""
        return self._reader().find(request_id)

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        """Pages of predictions matching ``query``, oldest partition first."""
        return self._reader().search(query)

    def close(self) -> None:
        """Close the id index."""
        if self._indexer is not None:
            self._indexer.index.close()

    @property
    def indexer(self) -> BackgroundIndexer:
        """The background indexer of closed days (the index is opened on first use)."""
        if self._indexer is None:
            index = IdIndex(index_folder(self.index_base or default_base(), self.identity()))
            self._indexer = BackgroundIndexer(lambda: self.store, index)
        return self._indexer

    def _reader(self) -> LogReader:
        if not self.root.is_dir():
            raise NotFound(
                f"no log folder {self.root}",
                hint="check the path setting of the local-logs provider",
                provider=self.name,
            )
        indexer = self.indexer
        layout = Layout(self.v1_container, self._v2_prefixes())
        return LogReader(
            self.store,
            layout,
            self.name,
            index=indexer.index,
            schedule=indexer.submit,
            recheck=indexer.recheck,
        )

    def _v2_prefixes(self) -> tuple[str, ...]:
        if self.v2_prefix != DEFAULT_V2_PREFIX or (self.root / self.v2_prefix).is_dir():
            return (self.v2_prefix,)
        return tuple(
            f"{folder}/{DEFAULT_V2_PREFIX}"
            for folder in self.store.list_dirs()
            if (self.root / folder / DEFAULT_V2_PREFIX).is_dir()
        )
