"""The key a prediction is remembered by (history, bookmarks, case files): its correlation
id, and where it was logged when that names a row of a record of several (the rows of a
batched record share their correlation id, so the id alone would name them all)."""

from __future__ import annotations

ROW_MARK = " @ "  # between the correlation id and where the row was logged


def prediction_key(correlation_id: str, native_id: str) -> str:
    """The key of the prediction logged at ``native_id`` (``file:line#row`` for a row of a
    record of several, ``file:line`` otherwise)."""
    if "#" in native_id:
        return f"{correlation_id}{ROW_MARK}{native_id}"
    return correlation_id


def row_key(key: str) -> tuple[str, str | None]:
    """The correlation id and the logged row (None if the key names no row) of a key."""
    correlation_id, _, where = key.partition(ROW_MARK)
    return correlation_id, where or None
