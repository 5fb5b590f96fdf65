"""Text from data, made safe to show or to write: one rule for the console, the CLI, case
files and reports.

Never written as they are: control characters (C0 but newline and tab, DEL, and C1 —
ESC, CSI, OSC …), the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069, which reorder what a terminal or editor shows), and lone surrogates
(valid in JSON as ``"\\ud800"``, but not encodable as UTF-8).  In text they are shown as
escapes (``\\x1b``, ``\\u202e``, ``\\ud800``); in JSON they are written as ``\\u`` escapes,
which leaves the JSON value unchanged.  Two surrogates that form a pair are first joined
into the character they encode (what any JSON reader makes of them).
"""

from __future__ import annotations

import json
import re
from typing import Any

from providers.errors import BadData

_SHOWN = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[{_SHOWN}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _join_pairs(text: str) -> str:
    if not _SURROGATE.search(text):
        return text
    return _PAIR.sub(
        lambda m: m.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le"), text
    )


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe_text(text: str) -> str:
    r"""``text`` with every unsafe character shown as an escape (``\x1b``, ``\u202e``).

    Newlines and tabs are kept.  Use this for every string from data before it reaches a
    terminal or a report; Rich markup is avoided separately (data is never parsed as markup).
    """
    return _UNSAFE.sub(_shown, _join_pairs(text))


def json_text(
    value: Any,
    *,
    indent: int | None = None,
    sort_keys: bool = False,
    separators: tuple[str, str] | None = None,
    only_surrogates: bool = False,
    allow_nan: bool = False,
) -> str:
    """``value`` as JSON text (non-ASCII kept) holding no unsafe character: each is a
    ``\\u`` escape.  ``only_surrogates`` escapes lone surrogates only (the canonical form
    evidence hashes are taken over).  BadData for a value JSON cannot hold (a cycle; NaN or
    infinity unless ``allow_nan``, which writes them as Python does)."""
    try:
        text = json.dumps(
            value,
            indent=indent,
            sort_keys=sort_keys,
            separators=separators,
            ensure_ascii=False,
            allow_nan=allow_nan,
        )
    except (ValueError, TypeError, RecursionError) as exc:
        raise BadData(f"cannot be written as JSON: {exc}") from None
    # Outside strings JSON text is ASCII without DEL, so every match is inside a string.
    pattern = _SURROGATE if only_surrogates else _UNSAFE
    return pattern.sub(_json_escape, _join_pairs(text))
