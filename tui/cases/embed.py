"""The evidence document inside a Markdown or HTML report, and finding it again.

The JSON is written with ``` ` ``, ``<``, ``>`` and ``&`` as ``\\u`` escapes (still the same
JSON), so it can neither close the Markdown fence nor the HTML ``<script>`` element
around it.
"""

from __future__ import annotations

from typing import Any

from providers.safetext import json_text

MD_FENCE_OPEN = "```json modeltrail-evidence"
HTML_OPEN = '<script type="application/json" id="modeltrail-evidence">'
HTML_CLOSE = "</script>"
_UNSAFE = {"`": "\\u0060", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def embed_json(doc: dict[str, Any]) -> str:
    """The document as indented JSON that is safe inside a fence or a script element."""
    text = json_text(doc, indent=1)
    return "".join(_UNSAFE.get(ch, ch) for ch in text)


def markdown_block(doc: dict[str, Any]) -> str:
    """The fenced block a Markdown report ends with."""
    return f"{MD_FENCE_OPEN}\n{embed_json(doc)}\n```\n"


def html_block(doc: dict[str, Any]) -> str:
    """The (never executed) JSON script element of an HTML report."""
    return f"{HTML_OPEN}{embed_json(doc)}{HTML_CLOSE}"


def embedded_text(text: str, kind: str) -> str | None:
    """The JSON embedded in a ``"md"`` or ``"html"`` report, None if there is none.

    The last block counts: the report's own comes after everything taken from data.
    """
    opener, closer = (HTML_OPEN, HTML_CLOSE) if kind == "html" else (MD_FENCE_OPEN + "\n", "\n```")
    start = text.rfind(opener)
    if start < 0:
        return None
    end = text.find(closer, start + len(opener))
    return text[start + len(opener) : end] if end >= 0 else None
