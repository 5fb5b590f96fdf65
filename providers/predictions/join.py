"""Joining logged inputs with their outputs into :class:`~providers.records.Prediction`s.

v1: an ``inputs`` row joins the ``predictions`` row of the same partition with the same
``$aml_dc_correlation_id`` (or, failing that, the same non-zero ``$aml_request_id``).
v2: a ``model_inputs`` (or ``request``) record joins the ``model_outputs`` (or
``response``) record of the same partition with the same ``correlationid``; a record with
several rows gives one prediction per row, outputs lined up by position, and so does a
batched payload (``{"data": [[…], […]]}`` answered by ``[…, …]``, as the collector docs
show) or a payload naming its columns (:mod:`.named_payloads`), answered by as many
values (or ``{"predictions": […]}``); a payload of several rows answered by another
number of them is one prediction, with the reason, never rows paired by a guess.  A
payload kept in a separate blob is read from it (:mod:`.blob_payload`).  Inputs without
an output still give a prediction, with empty outputs and an issue.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from providers.predictions.blob_payload import BlobPayloads
from providers.predictions.folder_layout import Partition
from providers.predictions.formats.csv_v1 import ZERO_REQUEST_ID, CsvRow
from providers.predictions.formats.jsonl_v2 import JsonlRecord, Unreadable, decode
from providers.predictions.named_payloads import PayloadRows, named_rows
from providers.records import DataIssue, Prediction, Source

PAYLOAD_COLLECTIONS = frozenset({"request", "response"})


def v1_request_id(row: CsvRow) -> str:
    """The row's request id; the correlation id when the request id is missing or all zeros."""
    return _request_id(row.request_id, row.correlation_id)


def _request_id(request_id: str, correlation_id: str) -> str:
    return request_id if request_id not in ("", ZERO_REQUEST_ID) else correlation_id


class _Pulled(ABC):
    """Output rows read from ``source`` only as far as a match needs.

    The collector writes an input and its output at the same moment, so the output of
    the next input is nearly always among the next output rows: a search streams both
    files side by side instead of indexing every output before the first prediction.
    Issues met in the outputs are kept for :meth:`take_issues`.
    """

    def __init__(self, source: Iterable[Any]) -> None:
        self._source = iter(source)
        self._issues: list[DataIssue] = []

    @abstractmethod
    def add(self, row: Any) -> None:
        """Index one output row."""

    def _pull(self) -> bool:
        """Read one more item of the source; False when it is exhausted."""
        for item in self._source:
            if isinstance(item, DataIssue):
                self._issues.append(item)
            else:
                self.add(item)
            return True
        return False

    def take_issues(self) -> list[DataIssue]:
        """The issues met in the outputs since the last call."""
        issues, self._issues = self._issues, []
        return issues


class V1Outputs(_Pulled):
    """The output rows of one v1 partition, indexed by correlation id and request id."""

    def __init__(self, source: Iterable[CsvRow | DataIssue] = ()) -> None:
        super().__init__(source)
        self._by_correlation: dict[str, CsvRow] = {}
        self._by_request: dict[str, CsvRow] = {}

    def add(self, row: CsvRow) -> None:
        """Index a row; the first row with a given id wins."""
        if row.correlation_id:
            self._by_correlation.setdefault(row.correlation_id, row)
        if row.request_id not in ("", ZERO_REQUEST_ID):
            self._by_request.setdefault(row.request_id, row)

    def match(self, row: CsvRow) -> CsvRow | None:
        """The output of an input row, by correlation id, then by request id (reading
        the source as far as needed: to its end if there is no correlation match)."""
        wanted = row.correlation_id
        while True:
            found = self._by_correlation.get(wanted) if wanted else None
            if found is not None or not self._pull():
                break
        if found is None and row.request_id not in ("", ZERO_REQUEST_ID):
            found = self._by_request.get(row.request_id)
        return found


class V2Outputs(_Pulled):
    """The output records of one v2 partition, indexed by correlation id."""

    def __init__(self, source: Iterable[JsonlRecord | DataIssue] = ()) -> None:
        super().__init__(source)
        self._by_correlation: dict[str, JsonlRecord] = {}

    def add(self, record: JsonlRecord) -> None:
        """Index a record; the first record with a given id wins (none without one)."""
        if record.correlation_id:
            self._by_correlation.setdefault(record.correlation_id, record)

    def match(self, record: JsonlRecord) -> JsonlRecord | None:
        """The output record of an input record (reading the source as far as needed);
        None for a record logged without a correlation id."""
        if not record.correlation_id:
            return None
        while True:
            found = self._by_correlation.get(record.correlation_id)
            if found is not None or not self._pull():
                return found


def join_v1(
    provider: str,
    partition: Partition,
    inputs: Iterable[CsvRow | DataIssue],
    outputs: V1Outputs,
) -> Iterator[Prediction | DataIssue]:
    """Predictions from v1 input rows (issues passed through), in input order."""
    for row in inputs:
        if isinstance(row, DataIssue):
            yield row
            continue
        output = outputs.match(row)
        yield from outputs.take_issues()
        if output is None:
            yield DataIssue(f"{row.file}:{row.line}", _unjoined(row.correlation_id))
        yield v1_prediction(provider, partition, row, output.values if output else {})


def v1_prediction(
    provider: str, partition: Partition, row: CsvRow, outputs: Mapping[str, Any]
) -> Prediction:
    """The prediction of a v1 input row and the values of its output row."""
    return v1_fields_prediction(
        provider,
        partition,
        f"{row.file}:{row.line}",
        row.correlation_id,
        row.request_id,
        row.timestamp or partition.start,
        row.service,
        row.model_name,
        row.model_version,
        row.values,
        outputs,
    )


def v1_fields_prediction(
    provider: str,
    partition: Partition,
    where: str,
    correlation_id: str,
    request_id: str,
    timestamp: datetime,
    service: str | None,
    model_name: str | None,
    model_version: str | None,
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any],
) -> Prediction:
    """The prediction of a v1 input row given as fields (``where``: ``file:line``); empty
    service, model and version fields fall back to the folder's."""
    return Prediction(
        _request_id(request_id, correlation_id),
        correlation_id,
        timestamp,
        service or partition.endpoint,
        None,
        model_name or partition.model_name,
        model_version or partition.model_version,
        inputs,
        outputs,
        "v1",
        Source(provider, where),
    )


def join_v2(
    provider: str,
    partition: Partition,
    inputs: Iterable[JsonlRecord | DataIssue],
    outputs: V2Outputs,
    blobs: BlobPayloads | None = None,
) -> Iterator[Prediction | DataIssue]:
    """Predictions from v2 input records, one per row (issues passed through); payloads
    kept in a separate blob are read through ``blobs`` (not loaded without)."""
    payload = partition.collection in PAYLOAD_COLLECTIONS
    for record in inputs:
        if isinstance(record, DataIssue):
            yield record
            continue
        where = f"{record.file}:{record.line}"
        output = outputs.match(record)
        yield from outputs.take_issues()
        request, issue = record_rows(record, payload, blobs)
        rows = request.rows
        if issue:
            yield issue
        results: list[Mapping[str, Any]] = []
        if output is None:
            yield DataIssue(where, _unjoined(record.correlation_id))
        else:
            parted = len(rows) if request.parted else 0
            answer, issue = record_rows(output, payload, blobs, parted, whole=not parted)
            results = answer.rows
            if issue:
                yield issue
            if payload and len(results) != len(rows):
                yield DataIssue(
                    where,
                    f"a request of {len(rows)} rows answered by a response that is not"
                    f" {len(rows)} rows at {output.file}:{output.line}; kept as one"
                    " prediction, rows not paired",
                )
                rows = record_rows(record, payload, blobs, whole=True)[0].rows
                results = record_rows(output, payload, blobs, whole=True)[0].rows
            elif len(results) != len(rows):
                yield DataIssue(
                    where,
                    f"{len(rows)} input row(s) but {len(results)} output row(s)"
                    f" at {output.file}:{output.line}; outputs lined up by position",
                )
        for index, row in enumerate(rows):
            suffix = f"#{index}" if len(rows) > 1 else ""
            yield Prediction(
                request_id=record.request_id,
                correlation_id=record.correlation_id,
                timestamp=record.time,
                endpoint=partition.endpoint,
                deployment=partition.deployment,
                model_name=None,
                model_version=record.model_version,
                inputs=row,
                outputs=results[index] if index < len(results) else {},
                log_format="v2",
                source=Source(provider, f"{where}{suffix}"),
            )


def record_rows(
    record: JsonlRecord,
    payload: bool,
    blobs: BlobPayloads | None = None,
    batch: int = 0,
    *,
    whole: bool = False,
) -> tuple[PayloadRows, DataIssue | None]:
    """The rows of a record: each element of a list of rows, or the payload body's rows
    (:func:`payload_rows`; ``batch``: the rows parted from the request a response
    answers; ``whole``: the body as one row).

    Values that are not objects are wrapped as ``{"value": …}``; a payload body held as
    JSON text is decoded; a payload kept in a separate blob is read through ``blobs``.
    """
    where = f"{record.file}:{record.line}"
    body_rows = _whole if whole else partial(payload_rows, batch=batch)
    if record.data_in_blob:
        if blobs is None:
            issue = DataIssue(where, f"data kept in a separate blob ({record.data}); not loaded")
            return PayloadRows([{"data_blob": record.data}]), issue
        return blobs.rows(record.data, where, body_rows)
    data = record.data
    if payload:
        if isinstance(data, str):
            try:
                data = decode(data)
            except json.JSONDecodeError:
                pass  # a body that is not JSON is shown as text
            except Unreadable as exc:
                return PayloadRows([_as_row(data)]), DataIssue(where, f"body kept as text: {exc}")
        split = body_rows(data)
        return split, DataIssue(where, split.why) if split.why else None
    if not isinstance(data, list):
        return PayloadRows([_as_row(data)]), None
    if not data:
        return PayloadRows([]), DataIssue(where, "record holds no rows")
    return PayloadRows([_as_row(item) for item in data], parted=True), None


def payload_rows(body: Any, batch: int = 0) -> PayloadRows:
    """The rows of a payload body.  A request: the rows of a body naming its columns
    (:func:`~providers.predictions.named_payloads.named_rows`), else of a list of two or
    more rows (lists or objects) or of an object of one key holding one
    (``{"data": [[…], […]]}``); any other body is one row.  A response (``batch``: the
    rows parted from its request) is split the same way when it holds exactly that many."""
    if batch == 0:
        named = named_rows(body)
        if named is not None:
            return named
    items: list[Any] = []
    key = None
    if isinstance(body, list):
        items = body
    elif isinstance(body, dict) and len(body) == 1:
        key, value = next(iter(body.items()))
        items = value if isinstance(value, list) else []
    if batch:
        split = len(items) == batch
    else:
        split = len(items) > 1 and all(isinstance(item, list | dict) for item in items)
    if not split:
        return PayloadRows([_as_row(body)])
    return PayloadRows([_as_row(item) if key is None else {key: item} for item in items], True)


def _whole(body: Any) -> PayloadRows:
    return PayloadRows([_as_row(body)])


def _as_row(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {"value": value}


def _unjoined(correlation_id: str) -> str:
    if not correlation_id:
        return "logged without a correlation id, so no output can be joined; outputs left empty"
    return f"no output with correlation id {correlation_id}; outputs left empty"
