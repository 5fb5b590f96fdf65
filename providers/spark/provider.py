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
files for an id in one query, and hands over the files a search reads; the local reader
parses and joins them (:mod:`providers.spark.engine_store`), so answers and data issues
are those of ``local-logs``.  Field filters are checked here, on every row of the pruned
folders: :meth:`SparkPredictionsProvider.can_push_down` says so before a search runs.
Read-only: listings and reads only, no table or view created; the session is closed
with the provider.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Self

from providers.errors import ConfigError
from providers.predictions.folder_layout import Layout
from providers.predictions.log_store import StoredFile
from providers.predictions.reader import LogReader
from providers.protocols import PredictionPage, PredictionsProvider, Provider, ProviderContext
from providers.query import PredictionQuery
from providers.settings_check import Key, check_table
from providers.spark.engine_store import EngineStore, missing_root, plain
from providers.spark.globs import layout_globs
from providers.spark.session import EngineSession

DEFAULT_V1_CONTAINER = "modeldata"
DEFAULT_V2_PREFIX = "modelDataCollector"
_KEYS = {
    "url": Key(required=True, filled=True, hint='the Spark Connect URL, e.g. "sc://host:15002"'),
    "token_env": Key(filled=True),
    "source": Key(filled=True),
    "path": Key(required=True, filled=True, hint="the folder of the logs, as the engine reads it"),
    "v1_container": Key(filled=True),
    "v2_prefix": Key(filled=True),
}


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
    ) -> None:
        self.url = url
        self.root = plain(root.rstrip("/"))
        self.token_env = token_env
        self.v1_container = v1_container.strip("/")
        self.v2_prefix = v2_prefix.strip("/")
        self.engine = EngineSession(url, token_env)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Build from ``url``, ``path`` (required), ``token_env``, ``source``,
        ``v1_container`` and ``v2_prefix``."""
        check_table(settings, _KEYS, provider=cls.name)
        url = str(settings["url"])
        if not url.startswith("sc://") or "token=" in url.lower():
            raise ConfigError(
                "url must be a Spark Connect URL (sc://…) without a token",
                hint="put the token in an environment variable and name it in token_env",
                provider=cls.name,
            )
        if settings.get("source", "layout") != "layout":
            raise ConfigError(
                f"source {settings['source']!r} is not supported",
                hint='use source = "layout" (the collector\'s folders under path)',
                provider=cls.name,
            )
        return cls(
            url,
            str(settings["path"]),
            token_env=settings.get("token_env"),
            v1_container=settings.get("v1_container", DEFAULT_V1_CONTAINER),
            v2_prefix=settings.get("v2_prefix", DEFAULT_V2_PREFIX),
        )

    def identity(self) -> Mapping[str, str]:
        """The server, the folder and the layout settings (never the token)."""
        return {
            "url": self.url,
            "path": self.root,
            "v1_container": self.v1_container,
            "v2_prefix": self.v2_prefix,
        }

    def can_push_down(self, query: PredictionQuery) -> str | None:
        """None if the engine runs ``query`` as the local reader would, else what differs."""
        if query.filters and not query.request_id:
            return (
                "field filters are checked by modeltrail on every row of the folders the"
                " time range and names select, not by the engine"
            )
        return None

    def find(self, request_id: str) -> PredictionPage:
        """Predictions whose request id or correlation id is ``request_id``: the engine
        searches every file for the id in one query."""
        store = self._store(PredictionQuery())
        store.prefetch(request_id.strip().encode())
        return self._reader(store).find(request_id)

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        """Pages of predictions matching ``query``, oldest partition first."""
        store = self._store(query)
        if query.request_id:
            store.prefetch(query.request_id.strip().encode())
        return self._reader(store).search(query)

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
            try:
                session.read.format("binaryFile").load(self.root).schema  # noqa: B018
            except Exception as exc:
                if "PATH_NOT_FOUND" in str(exc):
                    raise missing_root(self.root) from None
                raise
            files: list[StoredFile] = []
            frames = []
            head = self.root + "/"
            for glob, ext in globs:
                reader = session.read.format("binaryFile").option("recursiveFileLookup", "true")
                frame = reader.option("pathGlobFilter", f"*.{ext}").load(head + glob)
                try:
                    rows = frame.select("path", "length").collect()
                except Exception as exc:
                    if "PATH_NOT_FOUND" in str(exc):
                        continue  # no folder of this shape: nothing to list
                    raise
                frames.append(frame)
                files += [
                    StoredFile(path[len(head) :], int(row["length"]))
                    for row in rows
                    if (path := plain(row["path"])).startswith(head)
                ]
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
