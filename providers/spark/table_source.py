# ruff: noqa: S608  (column names and values are bound; the SQL text is fixed)
"""Predictions from a table the engine reads (a Delta or Unity Catalog inference table, a
parquet folder), through a column mapping, queried as Spark SQL with bound parameters.

Settings (beside ``url`` and ``token_env``)::

    source = "table"
    table = "main.ml.mortgage_inference"     # a table the engine knows, or:
    path = "abfss://…/inference"; format = "delta"   # a folder it reads (parquet, delta…)
    [profiles.x.predictions.columns]           # the mapping: id, time, inputs, outputs
    id = "request_id"; time = "ts"; inputs = "request"; outputs = "response"
    correlation_id = "…"; endpoint = "…"; deployment = "…"; model = "…"; model_version = "…"

Column names are bound too (``IDENTIFIER(:name)``), after they are checked against the
table's schema: a mapping that names a missing column is a clear error listing the
table's columns.  The engine applies the id, the time range, the names and a superset of
the field filters (:func:`~providers.spark.pushdown.row_filters`, the rule of the
collector's logs); each row is then checked here as for any log
(:class:`~providers.predictions.paging.Wanted`).  Pages: the first ``LIMIT 200``, then
keyset pages after the last (time, id).  Inputs and outputs may be JSON text, structs or
maps (turned to JSON by the engine), one object or a list of rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from providers.errors import ConfigError, NotFound
from providers.predictions.paging import FIRST_PAGE_SIZE, PAGE_SIZE, Wanted
from providers.protocols import PredictionPage
from providers.query import PredictionQuery
from providers.records import DataIssue, Prediction, Source
from providers.settings_check import Key, check_table
from providers.spark.pushdown import PATTERNS, row_filters
from providers.spark.session import EngineSession

REQUIRED = ("id", "time", "inputs", "outputs")
OPTIONAL = ("correlation_id", "endpoint", "deployment", "model", "model_version")
COLUMN_KEYS = {name: Key(required=name in REQUIRED, filled=True) for name in REQUIRED + OPTIONAL}
_NAMES = (
    ("endpoint", "endpoint"),
    ("deployment", "deployment"),
    ("model", "model_name"),
    ("model_version", "model_version"),
)
_ROWS = """CASE WHEN startswith(ltrim({c}), '[') THEN from_json({c}, 'array<map<string,string>>')
  ELSE array(from_json({c}, 'map<string,string>')) END"""


def check_columns(columns: Any, provider: str) -> dict[str, str]:
    """The mapping of a profile's ``columns`` table (ConfigError if it is not one)."""
    if not isinstance(columns, Mapping):
        raise ConfigError(
            'source = "table" needs a columns table',
            hint="map id, time, inputs and outputs to the table's columns",
            provider=provider,
        )
    check_table(columns, COLUMN_KEYS, "columns", provider=provider)
    return {key: str(value) for key, value in columns.items()}


class TableSource:
    """One table (or folder) of predictions, read through a column mapping."""

    def __init__(
        self,
        engine: EngineSession,
        columns: Mapping[str, str],
        *,
        table: str | None = None,
        path: str | None = None,
        file_format: str = "delta",
    ) -> None:
        self.engine = engine
        self.columns = dict(columns)
        self.table, self.path, self.format = table, path, file_format
        self.where = table or path or ""

    def find(self, request_id: str) -> PredictionPage:
        """The rows whose id (or correlation id) is ``request_id``."""
        rows: list[Prediction] = []
        issues: list[DataIssue] = []
        for page in self.search(PredictionQuery(request_id=request_id.strip())):
            rows += page.rows
            issues += page.issues
        return PredictionPage(tuple(rows), tuple(issues))

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        """Pages in (time, id) order: the first of :data:`FIRST_PAGE_SIZE` rows, then
        keyset pages of :data:`PAGE_SIZE` after the last row's (time, id)."""
        wanted = Wanted(query)
        after: tuple[str, str] | None = None
        limit, total = FIRST_PAGE_SIZE, 0
        while True:
            rows = self._fetch(query, after, limit)
            found: list[Prediction] = []
            issues: list[DataIssue] = []
            for row in rows:
                for item in self._predictions(row):
                    if isinstance(item, DataIssue):
                        issues.append(item)
                    elif wanted(item):
                        found.append(item)
            found = found[: None if query.limit is None else query.limit - total]
            total += len(found)
            yield PredictionPage(tuple(found), tuple(issues))
            if len(rows) < limit or (query.limit is not None and total >= query.limit):
                return
            after = (str(rows[-1]["at"]), str(rows[-1]["id"]))
            limit = PAGE_SIZE

    def _fetch(
        self, query: PredictionQuery, after: tuple[str, str] | None, limit: int
    ) -> list[Any]:
        def page(session: Any) -> list[Any]:
            return self._page(session, query, after, limit)

        return self.engine.run(page, f"reading {self.where}")

    def _frame(self, session: Any) -> Any:
        """The table, its mapping checked against its columns."""
        try:
            if self.table is not None:
                frame = session.read.table(self.table)
            else:
                frame = session.read.format(self.format).load(self.path)
            names = frame.columns
        except Exception as exc:
            if any(code in str(exc) for code in ("PATH_NOT_FOUND", "TABLE_OR_VIEW_NOT_FOUND")):
                raise NotFound(
                    f"the engine finds no table {self.where}",
                    hint="check the table (or path and format) setting of the spark provider",
                    provider="spark",
                ) from None
            raise
        missing = sorted({c for c in self.columns.values() if c not in names})
        if missing:
            raise ConfigError(
                f"the column mapping names {', '.join(map(repr, missing))}, not a column"
                f" of {self.where}",
                hint=f"its columns: {', '.join(names)}",
                provider="spark",
            )
        return frame

    def _page(
        self, session: Any, query: PredictionQuery, after: tuple[str, str] | None, limit: int
    ) -> list[Any]:
        frame = self._frame(session)
        types = {field.name: field.dataType.typeName() for field in frame.schema.fields}
        args: dict[str, Any] = {**PATTERNS, **{f"c_{k}": v for k, v in self.columns.items()}}
        args["iso"] = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"  # the session's time zone is UTC
        out = {
            key: f"IDENTIFIER(:c_{key})"
            if types[name] == "string"
            else f"to_json(IDENTIFIER(:c_{key}))"
            for key, name in self.columns.items()
            if key in ("inputs", "outputs")
        }
        picked = [
            "CAST(IDENTIFIER(:c_id) AS STRING) AS id",
            "CAST(IDENTIFIER(:c_time) AS TIMESTAMP) AS t",
            "date_format(CAST(IDENTIFIER(:c_time) AS TIMESTAMP), :iso) AS at",
            f"{out['inputs']} AS inputs",
            f"{out['outputs']} AS outputs",
        ] + [
            f"CAST(IDENTIFIER(:c_{key}) AS STRING) AS {key}"
            for key in OPTIONAL
            if key in self.columns
        ]
        terms = ["true"]
        if query.request_id:
            args["id"] = query.request_id
            ids = ["id = :id"] + (
                ["correlation_id = :id"] if "correlation_id" in self.columns else []
            )
            terms.append("(" + " OR ".join(ids) + ")")
        if query.start is not None:
            args["start"] = f"{query.start.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}"
            terms.append("t >= CAST(:start AS TIMESTAMP)")
        if query.end is not None:
            args["end"] = f"{query.end.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}"
            terms.append("t < CAST(:end AS TIMESTAMP)")
        for key, attr in _NAMES:
            want = getattr(query, attr)
            if want is not None:
                if key not in self.columns:
                    terms.append("false")  # Python: no such name, no match
                    continue
                args[f"n_{key}"] = want
                terms.append(f"(lower({key}) = lower(:n_{key}) OR {key} RLIKE :re_wide)")
        filters, values = row_filters(query, "rows_in", "rows_out")
        args.update(values)
        terms += filters
        if after is not None:
            args["after_t"], args["after_id"] = after
            terms.append(
                "(t > CAST(:after_t AS TIMESTAMP) OR (t = CAST(:after_t AS TIMESTAMP)"
                " AND id > :after_id))"
            )
        sql = f"""
SELECT * FROM (
  SELECT *, {_ROWS.format(c="inputs")} AS rows_in, {_ROWS.format(c="outputs")} AS rows_out
  FROM (SELECT {", ".join(picked)} FROM {{table}})
) WHERE {" AND ".join(terms)}
ORDER BY t, id
"""
        return list(session.sql(sql, args=args, table=frame).limit(limit).collect())

    def _predictions(self, row: Any) -> Iterator[Prediction | DataIssue]:
        where = f"{self.where}:{row['id']}"
        if row["at"] is None:
            yield DataIssue(where, "no time; row skipped")
            return
        when = datetime.fromisoformat(row["at"]).replace(tzinfo=UTC)
        sides = []
        for side in ("inputs", "outputs"):
            try:
                value = json.loads(row[side]) if row[side] is not None else {}
            except json.JSONDecodeError as exc:
                yield DataIssue(where, f"{side} are not JSON ({exc.msg}); row kept, {side} empty")
                value = {}
            items = value if isinstance(value, list) else [value]
            sides.append([item if isinstance(item, dict) else {"value": item} for item in items])
        inputs, outputs = sides
        if len(inputs) != len(outputs) and len(outputs) > 0:
            yield DataIssue(
                where, f"{len(inputs)} input row(s) but {len(outputs)} output row(s); lined up"
            )
        get = row.asDict().get
        for index, item in enumerate(inputs):
            yield Prediction(
                request_id=str(row["id"]),
                correlation_id=str(get("correlation_id") or row["id"]),
                timestamp=when,
                endpoint=str(get("endpoint") or ""),
                deployment=get("deployment"),
                model_name=get("model"),
                model_version=get("model_version"),
                inputs=item,
                outputs=outputs[index] if index < len(outputs) else {},
                log_format="table",
                source=Source("spark", f"{where}#{index}" if len(inputs) > 1 else where),
            )
