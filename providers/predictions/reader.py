"""One store's predictions for a provider: :class:`LogReader` finds by id and searches.

It holds no storage details, so the local-folder provider and a blob provider share it;
the two jobs are :mod:`providers.predictions.id_lookup` and
:mod:`providers.predictions.page_search` (which hands a search by id to the lookup).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from providers.predictions.folder_layout import Layout, Partition
from providers.predictions.id_lookup import IdLookup
from providers.predictions.index.id_index import IdIndex
from providers.predictions.log_store import LogStore
from providers.predictions.page_search import PageSearch
from providers.protocols import PredictionPage
from providers.query import PredictionQuery


class LogReader:
    """Predictions from the v1 and v2 logs of one store.

    ``files_scanned`` of a page counts the files read while filling that page.
    """

    def __init__(
        self,
        store: LogStore,
        layout: Layout,
        provider: str,
        *,
        index: IdIndex | None = None,
        schedule: Callable[[list[Partition]], None] | None = None,
        recheck: Callable[[], bool] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        use_duckdb: bool = True,
    ) -> None:
        """``index``, ``schedule``, ``recheck`` and ``clock``: as :class:`IdLookup`'s;
        ``use_duckdb``: as :class:`PageSearch`'s."""
        self.lookup = IdLookup(
            store, layout, provider, index=index, schedule=schedule, recheck=recheck, clock=clock
        )
        self.pages = PageSearch(store, layout, provider, self.lookup, use_duckdb=use_duckdb)

    def find(self, request_id: str) -> PredictionPage:
        """Predictions whose request id or correlation id is ``request_id``."""
        return self.lookup.find(request_id)

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        """Pages of predictions matching ``query``, oldest partition first."""
        return self.pages.search(query)
