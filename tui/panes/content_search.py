"""Content search in the Commits pane: ``s`` asks git for the commits whose changes add or
remove a text (``git log -S``) or change a line matching a regex (``-G``), in paths, over
the walk's good..bad range (or the history shown); results stream into the list as git
finds them, and each opens with the matching hunk in view and the match highlighted.

The Models compare's Enter on a changed setting uses the same search between the two
versions' training commits (:meth:`ContentSearch.find_setting_change`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType
from textual.widgets import Static

from providers.content_query import REGEX, ContentQuery, setting_regex
from providers.errors import BadQuery
from providers.protocols import CommitsProvider
from providers.records import Commit
from tui.render.content_search import PROMPT, find_match, parse_prompt, search_status
from tui.widgets.detail import DetailView

if TYPE_CHECKING:
    from rich.syntax import Syntax

    from tui.panes.commits import CommitsPane

CONTENT_BINDINGS: list[BindingType] = [
    Binding("s", "content_search", "Search changes", show=False, id="commits.content_search"),
]
HIGHLIGHT = "bold black on yellow"


@dataclass(frozen=True, slots=True)
class Search:
    """A content search on show: the query, where it runs and how far it got."""

    query: ContentQuery
    start: str
    since: str | None
    scope: str
    found: int = 0
    running: bool = True
    ordered: bool = False  # ``start``/``since`` may be either way round: order by date
    what: str = ""  # how the status names the query (default: git's options)
    land: bool = False  # show the first commit found as a jump, its detail focused


def _ordered(provider: CommitsProvider, search: Search) -> tuple[str, str | None]:
    """``start`` and ``since`` with the newer commit first (a compare may be either way)."""
    if search.since is None or not search.ordered:
        return search.start, search.since
    one = provider.get_commit(search.start, with_diff=False)
    other = provider.get_commit(search.since, with_diff=False)
    if one.committed_at is None or other.committed_at is None:
        return one.sha, other.sha  # a date is unreadable: nothing to order by, as asked
    return (one.sha, other.sha) if one.committed_at >= other.committed_at else (other.sha, one.sha)


def _pages(provider: CommitsProvider, search: Search) -> Iterator[list[Commit]]:
    start, since = _ordered(provider, search)
    return provider.search_content(search.query, start, since=since)


class ContentSearch:
    """The pane's search state and its steps; the pane calls in from a few hooks."""

    def __init__(self, pane: CommitsPane) -> None:
        self._pane = pane
        self.search: Search | None = None
        self.prompt_text = ""

    @property
    def active(self) -> bool:
        """True while the list shows search results instead of the history."""
        return self.search is not None

    def open_prompt(self) -> None:
        """Open the pane's input box for a content search."""
        self._pane.open_prompt(self.prompt_text, PROMPT, mode="content")

    def submitted(self, text: str) -> None:
        """Run the search typed (an empty one clears it and shows the history again)."""
        self.prompt_text = text.strip()
        try:
            query = parse_prompt(text)
        except BadQuery as exc:
            self._pane.notify(str(exc), severity="warning", timeout=5, markup=False)
            return
        if query is None:
            self.clear()
            return
        start, since, scope = self._pane.search_scope()
        self.run(Search(query, start, since, scope))

    def find_setting_change(self, key: str, old: str, new: str, scope: str) -> None:
        """Search the commits between two training commits for a changed line setting
        ``key`` (``git log -G``), listing them newest first; the newest is shown."""
        query = ContentQuery(setting_regex(key), mode=REGEX)
        self.prompt_text = f"-G '{query.text}'"
        what = f"changing a line that sets {key}"
        self.run(Search(query, new, old, scope, ordered=True, what=what, land=True))

    def run(self, search: Search) -> None:
        """Replace the list with the search's results as they stream in."""
        pane = self._pane
        provider = pane.commits_provider()
        if provider is None:
            return
        self.search = search
        pane.clear_list()
        pane.stream_provider(
            lambda: _pages(provider, search), self._page, self._done, group="content"
        )

    def clear(self) -> None:
        """Back to the history (a search still running is stopped)."""
        if self.search is not None:
            self.stop()
            self._pane.reload()

    def stop(self) -> None:
        """Drop the search on show; git, if still searching, is killed now."""
        self.search = None
        self._pane.cancel_stream("content")

    def _page(self, page: list[Commit]) -> None:
        if self.search is None:
            return
        first = self.search.found == 0
        self.search = replace(self.search, found=self.search.found + len(page))
        self._pane.add_results(page, first=first)
        if first and self.search.land:
            self._pane.go_to_ref(page[0].sha)
            self._pane.call_after_refresh(self._focus_detail)

    def _focus_detail(self) -> None:
        detail = self._pane.detail_view()
        if detail is not None:
            detail.focus()

    def _done(self) -> None:
        if self.search is not None:
            self.search = replace(self.search, running=False)
            self._pane.refresh_status()

    def status(self) -> str | None:
        """The status line's first part while a search is on show."""
        found = self.search
        if found is None:
            return None
        what = found.what or found.query.describe()
        return search_status(what, found.scope, found.found, running=found.running)

    def mark_match(self, syntax: Syntax, diff: str, detail: DetailView, patch: Static) -> None:
        """Highlight the search's matches in the diff shown and scroll its hunk into view."""
        if self.search is None:
            return
        match = find_match(diff, self.search.query)
        if match is None:
            return
        for line, start, end in match.spans:
            syntax.stylize_range(HIGHLIGHT, (line + 1, start), (line + 1, end))

        def reveal() -> None:
            height = max(3, detail.scrollable_content_region.height)
            detail.scroll_to(y=patch.virtual_region.y + match.top(height), animate=False)

        detail.call_after_refresh(reveal)
