"""Make text from data safe to print: control characters are shown, never executed."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(text: str) -> str:
    r"""Replace terminal control characters (ESC, BEL, CSI …) with visible escapes like ``\x1b``.

    Newlines and tabs are kept.  Use this for every string that comes from data before
    it reaches a terminal; Rich markup is avoided separately by never parsing data as markup.
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
