"""Text from data, safe to print: the one rule of :mod:`providers.safetext`."""

from __future__ import annotations

import sys

from providers.safetext import safe_text

__all__ = ["echo", "safe_text"]


def echo(text: str, *, err: bool = False) -> None:
    """Print a line on standard output (``err``: standard error), every unsafe character
    (escape sequences, bidi overrides …) shown as an escape."""
    print(safe_text(text), file=sys.stderr if err else sys.stdout)
