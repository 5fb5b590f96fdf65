"""Predictions from the collector's folders, queried where they live through Spark Connect.

Settings (a profile's provider table)::

    provider = "spark"
    url = "sc://spark-host:15002"       # Databricks: see the README
    token_env = "DATABRICKS_TOKEN"      # the NAME of the variable holding the token (optional)
    source = "layout"                   # the collector's folders (the only source built so far)
    path = "abfss://<container>@<account>.dfs.core.windows.net"   # as the engine reads it
    v1_container = "modeldata"          # as for local-logs
    v2_prefix = "modelDataCollector"

The engine lists only the query's folders (:mod:`providers.spark.globs`), searches the
files for an id in one query, and picks the lines a search needs (time range, field
filters and the join run as SQL: :mod:`providers.spark.pushdown` for v2,
:mod:`providers.spark.pushdown_v1` for v1); the local reader parses and joins those
lines (:mod:`providers.spark.engine_store`), so answers and data issues are those of
``local-logs``.  A filter the engine cannot compare as Python does (NaN, infinity) is
checked here on every row: :meth:`SparkPredictionsProvider.can_push_down` says so.
Read-only: listings and reads only, no table or view created; the session is closed
with the provider.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Self

from providers.errors import ConfigError
from providers.predictions.duckdb_search import filter_sql
from providers.predictions.folder_layout import Layout, oldest_first, walk_inputs
from providers.predictions.log_store import StoredFile
from providers.predictions.reader import LogReader
from providers.protocols import PredictionPage, PredictionsProvider, Provider, ProviderContext
from providers.query import PredictionQuery
from providers.settings_check import Key, check_table
from providers.spark.engine_store import EngineStore, missing_root, plain
from providers.spark.globs import LOG_FILES, either, layout_globs, literal
from providers.spark.picked_lines import PickedLines, plan
from providers.spark.pushdown import pushable_reason, query_sql
from providers.spark.pushdown_v1 import query_sql as v1_query_sql
from providers.spark.session import EngineSession
from providers.spark.table_source import TableSource, check_columns
from providers.streams import Cancel, Stream

DEFAULT_V1_CONTAINER = "modeldata"
DEFAULT_V2_PREFIX = "modelDataCollector"
_KEYS = {
    "url": Key(required=True, filled=True, hint='the Spark Connect URL, e.g. "sc://host:15002"'),
    "token_env": Key(filled=True),
    "source": Key(filled=True),
    "path": Key(filled=True),
    "v1_container": Key(filled=True),
    "v2_prefix": Key(filled=True),
    "table": Key(filled=True),
    "format": Key(filled=True),
    "columns": Key(types=(dict,)),
}
_PATH_HINT = "the folder of the logs, as the engine reads it"


class SparkPredictionsProvider(Provider, PredictionsProvider):
    """v1 (CSV) and v2 (JSONL) collector logs read by a Spark Connect server."""

    name = "spark"
    concerns = frozenset({"predictions"})

    def __init__(
        self,
        url: str,
        root: str,
        *,
        token_env: str | None = None,
        v1_container: str = DEFAULT_V1_CONTAINER,
        v2_prefix: str = DEFAULT_V2_PREFIX,
        table: TableSource | None = None,
    ) -> None:
        """``table``: the source is a table (``root`` unused), not the collector's folders."""
        self.url = url
        self.root = plain(root.rstrip("/"))
        self.token_env = token_env
        self.v1_container = v1_container.strip("/")
        self.v2_prefix = v2_prefix.strip("/")
        self.engine = table.engine if table is not None else EngineSession(url, token_env)
        self.table = table
        self.picked: dict[str, PickedLines] = {}  # the last search's picked lines by format
        self._searching: set[str] = set()  # the tags of the searches running

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Build from ``url``, ``token_env``, ``source``; for the layout ``path``
        (required), ``v1_container`` and ``v2_prefix``; for a table ``table`` or ``path``
        with ``format``, and ``columns`` (:mod:`providers.spark.table_source`)."""
        check_table(settings, _KEYS, provider=cls.name)
        url = str(settings["url"])
        if not url.startswith("sc://") or "token=" in url.lower():
            raise ConfigError(
                "url must be a Spark Connect URL (sc://…) without a token",
                hint="put the token in an environment variable and name it in token_env",
                provider=cls.name,
            )
        source = settings.get("source", "layout")
        if source == "table":
            return cls.for_table(url, settings)
        if source != "layout":
            raise ConfigError(
                f"source {source!r} is not supported",
                hint='use source = "layout" (the collector\'s folders under path) or "table"',
                provider=cls.name,
            )
        if "path" not in settings:
            raise ConfigError("path is required", hint=_PATH_HINT, provider=cls.name)
        return cls(
            url,
            str(settings["path"]),
            token_env=settings.get("token_env"),
            v1_container=settings.get("v1_container", DEFAULT_V1_CONTAINER),
            v2_prefix=settings.get("v2_prefix", DEFAULT_V2_PREFIX),
        )

    @classmethod
    def for_table(cls, url: str, settings: Mapping[str, Any]) -> Self:
        """A provider over a table (``table``, or ``path`` and ``format``) and its
        ``columns`` mapping."""
        if ("table" in settings) == ("path" in settings):
            raise ConfigError(
                'source = "table" needs either table or path (with format), not both',
                hint='e.g. table = "main.ml.inference", or path = "abfss://…" format = "delta"',
                provider=cls.name,
            )
        columns = check_columns(settings.get("columns"), cls.name)
        engine = EngineSession(url, settings.get("token_env"))
        table = TableSource(
            engine,
            columns,
            table=settings.get("table"),
            path=settings.get("path"),
            file_format=str(settings.get("format", "delta")),
        )
        return cls(url, "", token_env=settings.get("token_env"), table=table)

    def identity(self) -> Mapping[str, str]:
        """The server, the folder and the layout settings, or the table (never the token)."""
        if self.table is not None:
            return {"url": self.url, "table": self.table.where, "format": self.table.format}
        return {
            "url": self.url,
            "path": self.root,
            "v1_container": self.v1_container,
            "v2_prefix": self.v2_prefix,
        }

    def can_push_down(self, query: PredictionQuery) -> str | None:
        """None if the engine runs ``query`` whole (the folders pruned, the lines picked
        by SQL), else what modeltrail does itself instead: the answers are the same."""
        if query.request_id or self.table is not None:
            return None
        return pushable_reason(query)

    def find(self, request_id: str) -> PredictionPage:
        """Predictions whose request id or correlation id is ``request_id``: the engine
        searches every file for the id in one query (a table: one query on its id)."""
        if self.table is not None:
            return self.table.find(request_id)
        store = self._store(PredictionQuery())
        store.prefetch(request_id.strip().encode())
        return self._reader(store).find(request_id)

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        """Pages of predictions matching ``query``, oldest partition first: the engine
        picks the lines of v2 partitions (:mod:`providers.spark.pushdown`) and of v1
        partitions (:mod:`providers.spark.pushdown_v1`) unless the filters cannot be run
        there (``can_push_down``)."""
        return Stream(lambda cancel: self._search(query, cancel))

    def _search(self, query: PredictionQuery, cancel: Cancel) -> Iterator[PredictionPage]:
        """The search's pages, its engine operations tagged: a cancel interrupts them."""
        tag = f"modeltrail-search-{uuid.uuid4().hex}"
        self._searching.add(tag)
        with cancel.stopping(lambda: self.engine.interrupt(tag)):
            try:
                yield from self._pages(query, tag, cancel)
            finally:
                self._searching.discard(tag)

    def cancel_searches(self) -> None:
        """Cancel the searches running now (the console calls this when the user leaves a
        search for another, or quits): none of their queries is sent from now, and their
        jobs on the engine are interrupted on a thread of its own (a round trip the
        console does not wait for; a search started meanwhile is not touched)."""
        tags = list(self._searching)
        self.engine.refuse(tags)

        def interrupt() -> None:
            for tag in tags:
                self.engine.interrupt(tag)

        threading.Thread(target=interrupt, name="engine-cancel", daemon=True).start()

    def _pages(self, query: PredictionQuery, tag: str, cancel: Cancel) -> Iterator[PredictionPage]:
        table = self.table
        pages = table.search(query) if table is not None else self._log_pages(query, tag)
        while True:
            with self.engine.tagged(tag):
                page = next(pages, None)
            if page is None or cancel.is_set:
                return
            yield page

    def _log_pages(self, query: PredictionQuery, tag: str) -> Iterator[PredictionPage]:
        """The pages of the collector's folders (the engine picks the lines)."""
        with self.engine.tagged(tag):
            store = self._store(query)
            reader = self._reader(store)
            if query.request_id:
                store.prefetch(query.request_id.strip().encode())
            elif filter_sql.pushable(query.filters):
                partitions = sorted(
                    walk_inputs(store, reader.pages.layout, query), key=oldest_first
                )
                self.picked = {
                    log_format: PickedLines(
                        self.engine,
                        store.frames,
                        plan(store, self.root, [p for p in partitions if p.format == log_format]),
                        query,
                        sql,
                    )
                    for log_format, sql in (("v1", v1_query_sql), ("v2", query_sql))
                }
                store.picked = list(self.picked.values())
            return reader.search(query)

    def close(self) -> None:
        """Close the engine session."""
        self.engine.close()

    def _prefixes(self) -> tuple[str, ...]:
        if self.v2_prefix != DEFAULT_V2_PREFIX:
            return (self.v2_prefix,)
        return (self.v2_prefix, f"*/{self.v2_prefix}")  # also a datastore's container folder

    def _store(self, query: PredictionQuery) -> EngineStore:
        """A store of the files the query's folders hold, listed by the engine."""
        globs = layout_globs(query, self.v1_container, self._prefixes())

        def listing(session: Any) -> tuple[list[StoredFile], list[Any]]:
            files: list[StoredFile] = []
            frames = []
            head = self.root + "/"
            # one listing of every shape of folder (a glob alternative matching nothing
            # is no error); the parsers take the files their folders' format names
            reader = session.read.format("binaryFile").option("recursiveFileLookup", "true")
            frame = reader.option("pathGlobFilter", LOG_FILES).load(literal(head) + either(globs))
            try:
                rows = frame.select("path", "length").collect() if globs else []
            except Exception as exc:
                if "PATH_NOT_FOUND" not in str(exc):
                    raise
                rows = []  # no folder of any shape: nothing to list
            if rows:
                frames.append(frame)
                files += [
                    StoredFile(path[len(head) :], int(row["length"]))
                    for row in rows
                    if (path := plain(row["path"])).startswith(head)
                ]
            if not frames:  # nothing listed: is there a root at all?
                try:
                    session.read.format("binaryFile").load(literal(self.root)).schema  # noqa: B018
                except Exception as exc:
                    if "PATH_NOT_FOUND" in str(exc):
                        raise missing_root(self.root) from None
                    raise
            return files, frames

        files, frames = self.engine.run(listing, "listing the logs")
        return EngineStore(self.engine, self.root, files, frames)

    def _reader(self, store: EngineStore) -> LogReader:
        prefixes = sorted({_v2_prefix(name, self.v2_prefix) for name in store.files} - {""})
        layout = Layout(self.v1_container, tuple(prefixes) or (self.v2_prefix,))
        return LogReader(store, layout, self.name, use_duckdb=False)


def _v2_prefix(name: str, prefix: str) -> str:
    """The v2 prefix a listed file lies under (``prefix`` itself, or a container folder
    and ``prefix``); "" if none."""
    parts = name.split("/")
    last = prefix.rsplit("/", maxsplit=1)[-1]
    for depth, part in enumerate(parts):
        if part == last:
            return "/".join(parts[: depth + 1])
    return ""
