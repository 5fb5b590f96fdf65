"""The Commits pane's content search, without Textual: reading the prompt, finding the
match in a shown diff (the hunk to scroll to, the spans to highlight) and the status line.

Git does the searching (:meth:`providers.protocols.CommitsProvider.search_content`); this
only locates, in the one diff on screen, the line git matched, to put it in view.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from providers.content_query import PICKAXE, REGEX, ContentQuery
from providers.errors import BadQuery
from tui.render.plain import safe_text

PROMPT = "search changes: TEXT (git -S), -G REGEX, then -- PATH … to limit; empty clears"


def parse_prompt(text: str) -> ContentQuery | None:
    """The query typed at the ``s`` prompt (None for an empty one: clear the search).

    ``TEXT`` or ``-S TEXT`` searches for a change in how often TEXT occurs, ``-G REGEX``
    for a changed line matching REGEX; ``-- PATH …`` limits both.  Quote text with
    spaces ('decision threshold').
    """
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise BadQuery(f"cannot read the search: {exc}") from None
    paths: list[str] = []
    if "--" in words:
        cut = words.index("--")
        words, paths = words[:cut], words[cut + 1 :]
    mode = PICKAXE
    if words and words[0] in ("-S", "-G"):
        mode = REGEX if words[0] == "-G" else PICKAXE
        words = words[1:]
    if not words and not paths:
        return None
    return ContentQuery(" ".join(words), mode=mode, paths=tuple(paths))


def _pattern(query: ContentQuery) -> re.Pattern[str]:
    """The query as a Python regex (a POSIX class git knows, mapped; else the text literally)."""
    if query.is_regex:
        translated = query.text.replace("[:alnum:]", r"a-zA-Z0-9").replace("[:space:]", r"\s")
        try:
            return re.compile(translated)
        except re.error:
            pass
    return re.compile(re.escape(query.text))


@dataclass(frozen=True, slots=True)
class Match:
    """Where the query matches a shown diff: the first matching changed line, the hunk
    header above it, the last match of that hunk, and every (line, start, end) span."""

    line: int
    hunk: int
    last: int
    spans: tuple[tuple[int, int, int], ...]

    def top(self, height: int) -> int:
        """The diff line to scroll to the top of a view ``height`` lines high: the hunk
        header when the hunk's matches fit below it, else just above the matches."""
        top = self.hunk
        if self.last >= top + height - 1:
            top = max(self.hunk, self.last - height + 2)
        return min(top, self.line)


def find_match(diff: str, query: ContentQuery) -> Match | None:
    """The added or removed lines of ``diff`` (as shown) that ``query`` matches; None when
    none does (a path-only search, or a match in a binary file)."""
    if not query.text:
        return None
    pattern = _pattern(query)
    spans: list[tuple[int, int, int]] = []
    hunk, first, first_hunk, last = 0, None, 0, 0
    for index, line in enumerate(diff.splitlines()):
        if line.startswith("@@"):
            hunk = index
        if not line.startswith(("+", "-")) or line.startswith(("+++ ", "--- ")):
            continue
        for found in pattern.finditer(line, 1):
            if found.end() > found.start():
                spans.append((index, found.start(), found.end()))
                if first is None:
                    first, first_hunk = index, hunk
                if hunk == first_hunk:
                    last = index
    if first is None:
        return None
    return Match(first, first_hunk, last, tuple(spans))


def search_status(what: str, scope: str, found: int, *, running: bool) -> str:
    """``3 commits -S “threshold” in good … bad (searching …)``; ``what`` names the query."""
    noun = "commit" if found == 1 else "commits"
    state = " (searching …)" if running else ("" if found else " — none found")
    return f"{found} {noun} {safe_text(what)} in {safe_text(scope)}{state}  ·  s: new search"
