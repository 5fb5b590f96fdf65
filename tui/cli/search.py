"""The query bar's language on the command line: ``modeltrail search QUERY`` and the query
form of ``trace`` (an auditor names a business key, e.g. ``application_id=APP-2026-081734``,
not a request id).  Both run the predictions provider's search, the console's engine, and
report the issues it meets on standard error."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from providers.backends import Backends
from providers.errors import Ambiguous, BadData, NotFound
from providers.predictions.misses import query_miss, store_of
from providers.protocols import PredictionPage
from providers.query import PredictionQuery, check_fields, describe, parse_query
from providers.records import Prediction
from providers.safetext import json_text
from providers.serialize import to_jsonable
from providers.trail.choice import SeveralPredictions, pick
from providers.trail.resolver import TrailResolver
from tui.render.plain import echo
from tui.render.rows import issue_text, prediction_line

MOST_LISTED = 20  # matches listed when a trace query names several predictions
FIELDS_SAMPLE = 50  # rows whose fields tell a misspelled field from a known one


class Search:
    """One search's matching predictions, streamed, with the log files it read."""

    def __init__(
        self, backends: Backends, query: PredictionQuery, warn: Callable[[str], None]
    ) -> None:
        if backends.predictions is None:
            raise NotFound(
                "no predictions provider in this profile", hint=backends.missing("predictions")
            )
        self.provider, self.query, self.warn = backends.predictions, query, warn
        self.files = 0

    def rows(self) -> Iterator[Prediction]:
        """The matching predictions, oldest first, up to the query's limit."""
        if self.query.filters:
            check_fields(self.query, self.fields_seen())
        left = self.query.limit
        for page in self.provider.search(self.query):
            self.files += page.files_scanned
            for issue in page.issues:
                self.warn(issue_text(issue))
            yield from page.rows[:left]
            if left is not None:
                left -= min(left, len(page.rows))
                if left == 0:
                    return

    def fields_seen(self) -> set[str]:
        """The input and output fields of the first rows the query's place and time hold
        (one partition read, not a scan): what a field filter may name."""
        sample = replace(self.query, filters=(), limit=FIELDS_SAMPLE)
        rows = next(iter(self.provider.search(sample)), PredictionPage(())).rows
        return {field for row in rows for field in (*row.inputs, *row.outputs)}

    def nothing(self) -> str:
        """What was searched and what to try, for a search that matched nothing."""
        return query_miss(self.query, self.files, store_of(self.provider))


def run_search(
    backends: Backends, text: str, limit: int | None, as_json: bool, warn: Callable[[str], None]
) -> int:
    """Print the predictions matching ``text``, a line each (or a JSON array), then a count
    on standard error."""
    query = parse_query(text)
    if limit is not None:
        query = replace(query, limit=limit)
    search = Search(backends, query, warn)
    shown = 0
    if as_json:
        sys.stdout.write("[")
    for row in search.rows():
        if as_json:
            sys.stdout.write(
                ("," if shown else "") + "\n" + json_text(to_jsonable(row), allow_nan=True)
            )
        else:
            echo(prediction_line(row))
        shown += 1
    if as_json:
        sys.stdout.write("\n]\n")
    sys.stdout.flush()
    count = f"{shown:,} prediction{'' if shown == 1 else 's'}"
    echo(
        f"{count} for {describe(query)}" if shown else f"0 predictions: {search.nothing()}",
        err=True,
    )
    return 0


def find_one(
    resolver: TrailResolver, text: str, warn: Callable[[str], None], row: int | None = None
) -> Prediction:
    """The one prediction ``text`` names: a request or correlation id, or a query matching
    exactly one prediction; of several, the ``row``-th (from 1) when given.  NotFound says
    what was searched; when several match and no row is chosen, they are listed numbered on
    standard error, then Ambiguous."""
    try:
        query = parse_query(text)
    except BadData:
        if len(text.split()) == 1:  # an id the query language cannot spell
            return _one_of_id(resolver, text, row)
        raise
    if query.request_id and query == PredictionQuery(request_id=query.request_id):
        return _one_of_id(resolver, query.request_id, row)
    search = Search(resolver.backends, replace(query, limit=MOST_LISTED + 1), warn)
    found = list(search.rows())
    if not found:
        raise NotFound(f"no prediction matches {text!r}", hint=search.nothing())
    if len(found) == 1 or (row is not None and len(found) <= MOST_LISTED):
        return pick(found, row, repr(text))
    _list(found[:MOST_LISTED])
    more = f"more than {MOST_LISTED}" if len(found) > MOST_LISTED else str(len(found))
    raise Ambiguous(
        f"{text!r} matches {more} predictions (listed above)",
        hint="narrow the query, trace one by its request id, or choose one with --row N",
    )


def _one_of_id(resolver: TrailResolver, request_id: str, row: int | None) -> Prediction:
    try:
        return resolver.find_prediction(request_id, row)
    except SeveralPredictions as several:
        _list(several.choices)
        raise


def _list(rows: Sequence[Prediction]) -> None:
    """The predictions on standard error, numbered from 1 as --row takes them, each with
    where it was logged (a batched record's row named)."""
    for number, row in enumerate(rows, start=1):
        echo(f"{number:>3}. {prediction_line(row)}  [{row.source.native_id}]", err=True)
