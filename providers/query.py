"""Prediction queries and the small language of the query bar.

``parse_query("income<40000 decision=rejected from:2026-09-01 to:2026-09-02")`` gives a
:class:`PredictionQuery`.  Terms, separated by spaces (quote values with spaces):

- ``id:VALUE`` or a bare token without an operator: request id or correlation id;
- ``from:TIME`` / ``to:TIME``: ISO date or date-time, UTC when no zone is given
  (``to:`` with a bare date includes that whole day); a date and a time may also be
  written apart (``from:2026-08-27 12:00``);
- ``endpoint:NAME``, ``deployment:NAME``, ``model:NAME[:VERSION]``;
- ``FIELD OP VALUE`` with OP one of ``= != < <= > >= ~`` (``~`` = contains), on an input
  or output field; ``inputs.FIELD`` / ``outputs.FIELD`` pick one side.
"""

from __future__ import annotations

import difflib
import operator
import re
import shlex
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from providers.errors import BadQuery

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "=": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
    "~": lambda have, want: str(want).lower() in str(have).lower(),
}
_FILTER = re.compile(r"^(?P<field>[A-Za-z_$][\w$.\-]*)(?P<op>!=|<=|>=|=|<|>|~)(?P<value>.*)$")
_KEYWORDS = ("id", "from", "to", "endpoint", "deployment", "model")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")  # the time of ``from:DATE HH:MM``


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """A comparison on one input or output field."""

    field: str
    op: str
    value: str | float

    @property
    def keys(self) -> tuple[str | None, str | None]:
        """The key the field is looked up by in the inputs and in the outputs (None: not
        there): ``inputs.x`` and ``outputs.x`` name one side, any other field both."""
        side, _, name = self.field.partition(".")
        if side == "inputs" and name:
            return name, None
        if side == "outputs" and name:
            return None, name
        return self.field, self.field

    def matches(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> bool:
        """True if the field (looked up in inputs, then outputs) satisfies the comparison."""
        key_in, key_out = self.keys
        have = inputs.get(key_in, _MISSING) if key_in is not None else _MISSING
        if have is not _MISSING and self._compare(have):
            return True
        have = outputs.get(key_out, _MISSING) if key_out is not None else _MISSING
        return have is not _MISSING and self._compare(have)

    def _compare(self, have: Any) -> bool:
        want = self.value
        if isinstance(want, float) and self.op != "~":
            try:
                have = float(have)
            except (TypeError, ValueError):
                return False
        elif self.op != "~":
            have = str(have)
        try:
            return bool(_OPS[self.op](have, want))
        except TypeError:
            return False


_MISSING = object()
SYNTAX = "use id:…, from:2026-08-27 12:00, to:…, endpoint:…, field=value, field<number"


@dataclass(frozen=True, slots=True)
class PredictionQuery:
    """What to look for in the prediction logs; every part is optional."""

    request_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    endpoint: str | None = None
    deployment: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    filters: tuple[FieldFilter, ...] = ()
    limit: int | None = None

    def matches_fields(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> bool:
        """True if every field filter matches."""
        return all(f.matches(inputs, outputs) for f in self.filters)

    def matches_time(self, when: datetime) -> bool:
        """True if ``when`` lies in [start, end)."""
        return (self.start is None or when >= self.start) and (self.end is None or when < self.end)


def parse_time(text: str, *, end_of_day: bool = False) -> datetime:
    """Parse an ISO date or date-time; naive values are UTC. Raise BadQuery if invalid."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadQuery(
            f"not a date or time: {text!r}", hint="use e.g. 2026-09-14 or 2026-09-14T10:30"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_query(text: str) -> PredictionQuery:
    """Parse the query bar language (see the module docstring); BadQuery names the bad term."""
    try:
        terms = shlex.split(text)
    except ValueError as exc:
        raise BadQuery(f"cannot read query: {exc}", hint="close the quote") from None
    parts: dict[str, Any] = {}
    filters: list[FieldFilter] = []
    terms.reverse()
    while terms:
        term = terms.pop()
        key, sep, value = term.partition(":")
        if sep and key in _KEYWORDS and not _FILTER.match(key):
            if not value:
                raise BadQuery(f"{key}: needs a value", hint=f"e.g. {key}:…")
            if key in ("from", "to") and len(value) == 10 and terms and _CLOCK.match(terms[-1]):
                value = f"{value}T{terms.pop()}"
            _apply_keyword(parts, key, value)
            continue
        match = _FILTER.match(term)
        if match:
            raw = match["value"]
            if raw == "":
                raise BadQuery(f"{term!r}: no value after {match['op']!r}")
            filters.append(FieldFilter(match["field"], match["op"], _coerce(raw, match["op"])))
        elif re.fullmatch(r"[\w\-]+", term):
            parts["request_id"] = term
        else:
            raise BadQuery(f"cannot read query term {term!r}", hint=SYNTAX)
    query = PredictionQuery(filters=tuple(filters), **parts)
    if query.start and query.end and query.start >= query.end:
        raise BadQuery("from: must be before to:")
    return query


def _apply_keyword(parts: dict[str, Any], key: str, value: str) -> None:
    if key == "id":
        parts["request_id"] = value
    elif key == "from":
        parts["start"] = parse_time(value)
    elif key == "to":
        parts["end"] = parse_time(value, end_of_day=True)
    elif key == "model":
        name, _, version = value.partition(":")
        parts["model_name"] = name
        if version:
            parts["model_version"] = version
    else:
        parts[key] = value


def _coerce(raw: str, op: str) -> str | float:
    if op == "~":
        return raw
    try:
        return float(raw)
    except ValueError:
        return raw


def check_fields(query: PredictionQuery, known: Collection[str]) -> None:
    """BadQuery for a filter on a field that is none of ``known`` (the input and output
    fields seen in the logs so far; nothing is checked while none was seen).  A field with
    its side named (``inputs.X``, ``outputs.X``) is taken as it is."""
    for term in query.filters:
        key_in, key_out = term.keys
        if not known or key_in is None or key_out is None or term.field in known:
            continue
        close = difflib.get_close_matches(term.field, known, n=1)
        maybe = f"did you mean {close[0]}? " if close else ""
        raise BadQuery(
            f"unknown field {term.field!r}",
            hint=f"{maybe}the logs have {', '.join(sorted(known))}; "
            f"inputs.{term.field}=… searches it anyway",
        )


def describe(query: PredictionQuery) -> str:
    """What ``query`` looks for, in words (e.g. for a message saying nothing matched)."""
    said = []
    if query.request_id:
        said.append(f"request id {query.request_id!r}")
    if query.start:
        said.append(f"from {query.start:%Y-%m-%d %H:%M} UTC")
    if query.end:
        said.append(f"before {query.end:%Y-%m-%d %H:%M} UTC")
    for name, value in (
        ("endpoint", query.endpoint),
        ("deployment", query.deployment),
        ("model", query.model_name),
        ("model version", query.model_version),
    ):
        if value:
            said.append(f"{name} {value!r}")
    said += [
        f"{f.field} {f.op} " + (f"{f.value:g}" if isinstance(f.value, float) else repr(f.value))
        for f in query.filters
    ]
    return ", ".join(said) or "every prediction"
