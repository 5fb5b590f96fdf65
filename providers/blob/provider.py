"""Predictions from model data collection logs in Azure Blob Storage ("azure-blob").

The logs are parsed by the same :class:`~providers.predictions.reader.LogReader` as the
local-logs provider; only the store differs (:class:`~providers.blob.blob_log_store.BlobLogStore`).
Lookups of closed days go through an id index kept in the mirror folder, filled in the
background from the mirror alone (:class:`~providers.blob.mirrored.MirroredDays`): the
days a lookup had to search, as far as the mirror holds them.
Settings are described in :mod:`providers.blob.settings`.  The SDK is imported on the
first find or search, never when the provider is built.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from providers.blob.blob_log_store import BlobLogStore
from providers.blob.mirror import Mirror, default_mirror_base, mirror_folder
from providers.blob.mirrored import MirroredDays
from providers.blob.settings import BlobSettings, parse_settings
from providers.predictions.folder_layout import Layout, parse_path
from providers.predictions.index.background_indexer import BackgroundIndexer
from providers.predictions.index.id_index import IdIndex, index_folder
from providers.predictions.reader import LogReader
from providers.protocols import PredictionPage, PredictionsProvider, Provider, ProviderContext
from providers.query import PredictionQuery

SETTLE = timedelta(hours=1)
"""How long after midnight (UTC) a day's logs are taken as final."""

NO_V1 = "?no-v1-logs"
"""The v1 folder of a v2 provider's layout: outside the store, so never listed."""


class BlobPredictionsProvider(Provider, PredictionsProvider):
    """v1 (CSV) or v2 (JSONL) model data collection logs in one blob container.

    Blobs are read through a mirror folder (``mirror_dir``, else ``cache_dir`` of the
    context's ``extra``, else the user cache dir), one subfolder per account, container
    and prefix; the id index lives in its ``index`` folder.
    """

    name = "azure-blob"
    concerns = frozenset({"predictions"})

    def __init__(self, settings: BlobSettings, mirror_base: Path) -> None:
        self.settings = settings
        self.mirror = Mirror(
            mirror_folder(mirror_base, settings.account_url, settings.container, settings.prefix)
        )
        root = settings.root
        if settings.log_format == "v1":
            self.layout = Layout(v1_container=root, v2_prefixes=())
        else:
            self.layout = Layout(v1_container=NO_V1, v2_prefixes=(root,))
        self._store: BlobLogStore | None = None
        self._lock = threading.Lock()
        self.indexer = BackgroundIndexer(
            lambda: MirroredDays(self.mirror, root=root, closed_day=self._closed_day),
            IdIndex(index_folder(self.mirror.root / "index", {})),
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Build from a profile's settings (see :mod:`providers.blob.settings`)."""
        parsed = parse_settings(settings, context, cls.name)
        cache_dir = context.extra.get("cache_dir")
        base = parsed.mirror_dir or (
            Path(cache_dir) / "blobs" if cache_dir else default_mirror_base()
        )
        return cls(parsed, base)

    def identity(self) -> Mapping[str, str]:
        """Account URL, container, prefix and format; never a credential."""
        return self.settings.identity()

    def find(self, request_id: str) -> PredictionPage:
        """Predictions whose request id or correlation id is ``request_id``."""
        return self._reader().find(request_id)

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        """Pages of predictions matching ``query``, oldest partition first."""
        return self._reader().search(query)

    def close(self) -> None:
        """Close the id index and the connection to the storage account."""
        self.indexer.index.close()
        with self._lock:
            if self._store is not None:
                self._store.container.close()

    @property
    def store(self) -> BlobLogStore:
        """The container as a log store (the SDK is imported the first time)."""
        with self._lock:
            if self._store is None:
                from providers.blob.container import BlobContainer  # noqa: PLC0415 - lazy SDK

                self._store = BlobLogStore(
                    BlobContainer(self.settings, self.name),
                    self.mirror,
                    root=self.settings.root,
                    closed_day=self._closed_day,
                )
            return self._store

    def _reader(self) -> LogReader:
        return LogReader(
            self.store,
            self.layout,
            self.name,
            index=self.indexer.index,
            schedule=self.indexer.submit,
            recheck=self.indexer.recheck,
            clock=_settled_now,
        )

    def _closed_day(self, folder: str) -> str | None:
        """The day folder holding ``folder`` if that day (UTC) ended :data:`SETTLE` ago.

        The collectors flush in batches, so a day is taken as closed only once late
        writes after midnight are over.
        """
        suffix = ".csv" if self.settings.log_format == "v1" else ".jsonl"
        partition = parse_path(f"{folder}/-{suffix}", self.layout)
        if partition is None:
            return None
        day_start = partition.start.replace(hour=0)
        if day_start + timedelta(days=1) + SETTLE > datetime.now(UTC):
            return None
        return partition.folder.rsplit("/", 1)[0] if partition.hourly else partition.folder


def _settled_now() -> datetime:
    """The time whose past days are closed for the reader as for :meth:`_closed_day`."""
    return datetime.now(UTC) - SETTLE
