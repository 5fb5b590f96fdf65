"""Stream parser of v2 data collector JSONL files (``modelDataCollector/.../*.jsonl``).

Each line is a CloudEvents-like record: ``id``, ``source``, ``type``
(``azureml.inference.<collection>``), ``time``, ``data`` (a list of row objects, or the
raw JSON body for payload logging), ``correlationid``, ``xrequestid``, ``modelversion``.
Bad lines are skipped with a :class:`~providers.records.DataIssue` at ``"<file>:<line>"``,
among them valid JSON that Python will not hold (:func:`decode`): nested deeper than
:data:`MAX_JSON_DEPTH`, or an integer longer than ``int()`` converts (4,300 digits).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from providers.predictions.formats.csv_v1 import parse_timestamp
from providers.predictions.formats.lines import Decoder, RawLine, text_lines, too_long_issue
from providers.records import DataIssue

_TYPE_PREFIX = "azureml.inference."
_PREFIX_LENGTH = len(_TYPE_PREFIX)
_NO_VERSION = ("", "default")
MAX_JSON_DEPTH = 256
"""Deeper JSON is refused before it is decoded: decoding, showing or saving a value
recurses once a level, and Python stops at 1,000 (less what the stack already holds)."""
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class Unreadable(ValueError):
    """Valid JSON that Python will not hold (too deep, or an integer too long)."""


@dataclass(slots=True)
class JsonlRecord:
    """One collected record; ``data`` is as logged (rows or a raw body).  Not frozen: a
    frozen dataclass costs ~1 µs more to make, and a search makes one per line."""

    file: str
    line: int
    event_id: str
    collection: str | None  # from ``type``; None if the type is not azureml.inference.*
    time: datetime
    data: Any
    correlation_id: str  # empty only for data kept in a blob (documented without one)
    request_id: str  # ``xrequestid``, or the correlation id, or (data in a blob) ``id``
    model_version: str | None  # None when logged as "default" or empty
    data_in_blob: bool  # ``data`` is the URL of a separate blob (records over 256 KB)


def parse_jsonl(stream: BinaryIO, name: str) -> Iterator[JsonlRecord | DataIssue]:
    """Parse a whole file: records in file order, with issues where lines were skipped."""
    yield from parse_lines(name, text_lines(stream))


def parse_lines(name: str, lines: Iterable[RawLine]) -> Iterator[JsonlRecord | DataIssue]:
    """Parse lines of one file (consecutive or not); blank lines are ignored."""
    decoder = Decoder(name)
    for line in lines:
        if line.too_long:
            yield too_long_issue(name, line)
            continue
        text, bad = decoder.decode(line)
        if bad:
            yield bad
        if text and not text.isspace():  # as text.strip(), without copying the line
            yield parse_record(name, line, text)


def parse_record(name: str, line: RawLine, text: str) -> JsonlRecord | DataIssue:
    """One record from its line's text, or the issue that made it unusable."""
    try:
        event = decode(text)
    except json.JSONDecodeError as exc:
        where = f"{name}:{line.number}"
        if not line.complete:
            return DataIssue(where, f"truncated last line ({exc.msg}); record skipped")
        return DataIssue(where, f"invalid JSON ({exc.msg} at column {exc.colno}); line skipped")
    except Unreadable as exc:
        return DataIssue(f"{name}:{line.number}", f"{exc}; line skipped")
    if not isinstance(event, dict):
        what = type(event).__name__
        return DataIssue(f"{name}:{line.number}", f"a JSON {what}, not an object; line skipped")
    get = event.get
    correlation_id = _text(get("correlationid"))
    in_blob = str(get("datainblob", "")).lower() == "true"
    if not correlation_id and not in_blob:
        return DataIssue(f"{name}:{line.number}", "no correlationid; record skipped")
    if "time" not in event:
        return DataIssue(f"{name}:{line.number}", "no time; record skipped")
    when = _time(event["time"])
    if when is None:
        bad = str(event["time"])[:40]
        return DataIssue(f"{name}:{line.number}", f"bad time {bad!r}; record skipped")
    kind = _text(get("type"))
    version = _text(get("modelversion"))
    return JsonlRecord(
        name,
        line.number,
        _text(get("id")),
        kind[_PREFIX_LENGTH:] if kind.startswith(_TYPE_PREFIX) else None,
        when,
        get("data"),
        correlation_id,
        _text(get("xrequestid")) or correlation_id or _text(get("id")),
        None if version.lower() in _NO_VERSION else version,
        in_blob,
    )


def decode(text: str) -> Any:
    """The JSON value of ``text``, as ``json.loads`` gives it; JSONDecodeError if it is
    not JSON, :class:`Unreadable` (saying why) if it is nested deeper than
    :data:`MAX_JSON_DEPTH` or holds an integer longer than ``int()`` converts."""
    if _too_deep(text):
        raise Unreadable(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return _loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:  # int() refused a number's digits (json.loads says no more)
        digits = sys.get_int_max_str_digits()
        raise Unreadable(f"an integer of more than {digits:,} digits") from None
    except RecursionError:  # not at MAX_JSON_DEPTH, unless the stack is nearly full
        raise Unreadable("JSON nested too deeply to decode here") from None


def _too_deep(text: str) -> bool:
    """True if the JSON text is nested deeper than :data:`MAX_JSON_DEPTH` (brackets in
    strings do not count); a look at the whole text only if it has enough brackets."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_JSON_DEPTH


def _loads(text: str) -> Any:
    """``json.loads(text)``, three times faster: msgspec decodes the line, and where it
    refuses it (NaN, a lone surrogate, bad JSON…) ``json`` decides, and says why.  Where
    msgspec succeeds its value is json's (checked on 400k generated texts, and in the
    tests), integers of any size included."""
    decode, refused = _msgspec()
    try:
        return decode(text)
    except refused:
        return json.loads(text)


@functools.cache
def _msgspec() -> tuple[Callable[[str], Any], type[Exception]]:
    import msgspec  # noqa: PLC0415  (~5 ms: not on the console's start path)

    return msgspec.json.Decoder().decode, msgspec.DecodeError


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _time(value: object) -> datetime | None:
    """An ISO string (naive means UTC) or epoch seconds as an aware UTC datetime."""
    if isinstance(value, str):
        return parse_timestamp(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None
