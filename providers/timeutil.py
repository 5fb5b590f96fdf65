"""Lenient parsing of the timestamps backends send, and the text of one nobody could read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_iso(value: Any) -> datetime | None:
    """Parse an ISO 8601 string (``Z`` allowed; naive means UTC) or epoch milliseconds.

    Returns None for None, empty strings, values that are not timestamps, and .NET's
    ``DateTime.MinValue`` (``0001-01-01T00:00:00``), which Azure DevOps sends for a time
    that never happened (a deployment step not queued yet).
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    # Python < 3.11 style fractions longer than 6 digits (.NET writes 7) are trimmed.
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if digits > 6:
            text = f"{head}.{rest[:6]}{rest[digits:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.replace(tzinfo=None) == datetime.min:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


UNREADABLE_DATE = "(unreadable date)"


def date_text(value: datetime | None, fmt: str) -> str:
    """``value`` in ``fmt``, or ``(unreadable date)`` for a date the backend printed but
    nobody could read (a commit's author line holding a NUL byte): flagged, not made up."""
    return UNREADABLE_DATE if value is None else value.strftime(fmt)
