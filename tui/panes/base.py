"""The base of every pane: provider calls and streams in thread workers, a busy indicator,
one place that turns errors into a message in the pane with what to do, and the messages a
pane sends the console (it never calls the app or another pane)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher, DataTable, Static
from textual.worker import get_current_worker

from cache.context import REFRESH, STALE_OK, VERIFY, Observation, using
from providers.errors import NotFound
from providers.runtime_tuning import freeze_heap, short_switches, thaw_heap
from providers.streams import Stream
from tui.render.history import Location
from tui.render.status import error_text, freshness_text
from tui.widgets.detail import PANE_READING_BINDINGS, DetailView

if TYPE_CHECKING:
    from providers.trail.resolver import Trail, TrailResolver
    from tui.panes.session import Session

T = TypeVar("T")

USER_PAUSE = 0.3  # s: a stream waits between pages while the user moves the cursor
Fetched = tuple[Any, list[Any]]  # a record, and related records (a model's run)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a pane has selected, to bookmark: ``fetch`` runs in a worker and returns its
    full record (a commit with its diff, a model version with its training run)."""

    kind: str
    key: str
    label: str
    fetch: Callable[[], Fetched]


class Pane(Vertical):
    """A pane of the console.  Subclasses set ``pane_id``/``title``/``hops`` and implement
    ``reload``; they tell the console what happened with the messages below."""

    pane_id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    help_text: ClassVar[str] = ""
    hops: ClassVar[tuple[str, ...]] = ()  # the trail hops (kinds) this pane shows
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Refresh", show=False),
        *PANE_READING_BINDINGS,
    ]

    class Visited(Message):
        """The user opened an object: a jump to record in the history (and the case)."""

        def __init__(self, location: Location) -> None:
            super().__init__()
            self.location = location

    class TrailResolved(Message):
        """A trail was resolved in this pane's worker: to show in every pane."""

        def __init__(self, trail: Trail) -> None:
            super().__init__()
            self.trail = trail

    class FellBack(Message):
        """A backend failed and cached answers stood in (``seen.fallback`` says why)."""

        def __init__(self, seen: Observation) -> None:
            super().__init__()
            self.seen = seen

    def __init__(self, session: Session) -> None:
        super().__init__(id=self.pane_id, classes="pane")
        self.session = session
        self._calls: dict[str, int] = {}
        self._busy_groups: set[str] = set()
        self._streams: dict[tuple[str, int], Stream[Any]] = {}  # by group and generation
        self._refreshing = False  # True while `r` reloads: calls bypass the cache

    def compose_error(self) -> Vertical:
        """The lines every pane shows above its body: the error of a failed call, and how
        old the cached answers on show are when they are not fresh."""
        return Vertical(
            Static("", id=f"{self.pane_id}-error", classes="pane-error", markup=False),
            Static("", id=f"{self.pane_id}-cached", classes="pane-cached", markup=False),
            classes="pane-notes",
        )

    def on_mount(self) -> None:
        self._loaded = False
        if not isinstance(self.parent, ContentSwitcher):  # shown on its own: load now
            self.ensure_loaded()

    def on_unmount(self) -> None:
        for key in list(self._streams):  # the pane goes: the work behind its streams too
            self._stop_stream(key)

    def ensure_loaded(self) -> None:
        """Load on first show, so start-up only pays for the pane on screen."""
        if not self._loaded:
            self._loaded = True
            self.reload()

    def reload(self) -> None:
        """(Re)load the pane's data from its provider."""

    def focus_body(self) -> None:
        """Focus the pane's main widget (the first focusable one by default)."""
        for widget in self.query("*"):
            if widget.focusable:
                widget.focus()
                return

    # -- reading: the list and the detail ----------------------------------------------

    def detail_view(self) -> DetailView | None:
        """The detail on show (a pane may switch between two, like the models compare)."""
        shown = [detail for detail in self.query(DetailView) if detail.display]
        return shown[0] if shown else None

    def _focus_in_detail(self) -> bool:
        focused = self.screen.focused
        return focused is not None and any(
            isinstance(node, DetailView) for node in focused.ancestors_with_self
        )

    def on_descendant_focus(self) -> None:
        self._reading(self._focus_in_detail())

    def on_descendant_blur(self) -> None:
        self._reading(self._focus_in_detail())

    def _reading(self, reading: bool) -> None:
        """Grow the detail while it has the focus (app.tcss); the list, smaller or larger,
        scrolls to keep its cursor row in view."""
        if self.has_class("-reading") != reading:
            self.set_class(reading, "-reading")
            # the list's new height is known after the next layout: reveal its cursor then
            self.call_after_refresh(self.call_after_refresh, self._reveal_cursors)

    def _reveal_cursors(self) -> None:
        for table in self.query(DataTable):
            if table.display and table.row_count:
                table.move_cursor(row=table.cursor_row, animate=False)

    def action_toggle_detail(self) -> None:
        """Move the focus from the list into the detail, or back to the list."""
        detail = self.detail_view()
        zoomed = self.screen.maximized is not None
        if self._focus_in_detail() or detail is None:
            self.focus_body()
        else:
            detail.focus()
        if zoomed:  # the zoom follows the focus
            self.call_after_refresh(self._zoom_focused)

    def action_zoom(self) -> None:
        """Zoom the focused part (the list or the detail) to the whole screen, and back."""
        if self.screen.maximized is not None:
            self.screen.minimize()
        else:
            self._zoom_focused()

    def _zoom_focused(self) -> None:
        focused = self.screen.focused
        if focused is not None:
            self.screen.maximize(focused)

    def action_reload(self) -> None:
        """Reload, asking the backends again rather than the cache."""
        self._refreshing = True
        try:
            self.reload()
        finally:
            self._refreshing = False

    def cache_mode(self) -> str:
        """How a call started now should use the cache (see :mod:`cache.context`)."""
        return REFRESH if self._refreshing else STALE_OK

    def show_trail(self, trail: Trail) -> None:
        """Select the object the trail links to in this pane (default: nothing)."""

    def go_to(self, location: Location) -> None:
        """Show the object a history entry points at (default: nothing)."""

    def evidence(self) -> Evidence | None:
        """The object selected in this pane, as evidence to bookmark (default: none)."""
        return None

    def resolve_trail(self, resolve: Callable[[TrailResolver], Trail]) -> None:
        """Resolve a trail in this pane's worker (a failure is shown here), then post it."""
        resolver = self.session.resolver
        self.call_provider(
            lambda: resolve(resolver),
            lambda trail: self.post_message(self.TrailResolved(trail)),
            group="trace",
        )

    # -- workers ---------------------------------------------------------------------

    def _begin(self, group: str) -> int:
        """A new call of ``group``: it supersedes the older ones; the pane shows it is busy."""
        generation = self._calls[group] = self._calls.get(group, 0) + 1
        self.set_error(None)
        self._busy_groups.add(group)
        self.loading = True
        return generation

    def call_provider(
        self,
        work: Callable[[], T],
        then: Callable[[T], Any],
        *,
        group: str = "load",
        discard: Callable[[T], Any] | None = None,
    ) -> None:
        """Run ``work`` in a thread worker; ``then(result)`` runs on the UI thread.

        A newer call of the same group supersedes an older one: the older result goes to
        ``discard`` (if given) instead; errors land in the pane.  A stale cached answer is
        shown at once, marked with its age, then fetched again in the same worker and
        shown once more.
        """
        generation = self._begin(group)
        mode = self.cache_mode()

        def attempt(mode: str, last: bool) -> Observation | None:
            try:
                with using(mode) as seen:
                    result = work()
            except Exception as exc:  # every failure is shown in the pane, never raised
                self.app.call_from_thread(self._finish, group, generation, None, exc)
                return None
            self.app.call_from_thread(
                self._deliver, group, generation, then, discard, result, seen, last
            )
            return seen

        def job() -> None:
            seen = attempt(mode, last=False)
            cache = self.session.cache
            if seen is not None and seen.stale and cache is not None and not cache.offline:
                attempt(VERIFY, last=True)
            else:
                self.app.call_from_thread(self._settle, group, generation)

        self.run_worker(job, thread=True, group=f"{self.pane_id}.{group}", exit_on_error=False)

    def stream_provider(
        self,
        pages: Callable[[], Iterable[T]],
        each: Callable[[T], Any],
        then: Callable[[], Any],
        *,
        group: str = "load",
        moved_at: Callable[[], float] = lambda: 0.0,
    ) -> None:
        """Read ``pages`` in a thread worker; ``each(page)`` runs on the UI thread as each
        arrives (the pane is uncovered at the first), ``then()`` after the last.

        A newer stream of the group cancels this one between pages; while the user moves
        the cursor (``moved_at()``, a ``time.monotonic()``, less than USER_PAUSE ago) the
        worker waits before reading on.  The pages kept leave the garbage collector's view
        (see :mod:`providers.runtime_tuning`), and the UI thread gets the GIL back promptly.
        """
        self.cancel_stream(group)
        generation = self._begin(group)
        mode = self.cache_mode()

        def job() -> None:
            worker = get_current_worker()
            try:
                with (
                    using(mode) as seen,
                    short_switches(),
                    self._tracked(group, generation, pages()) as stream,
                ):
                    for page in stream:
                        if worker.is_cancelled or generation != self._calls[group]:
                            return
                        self.app.call_from_thread(self._page, group, generation, each, page)
                        freeze_heap()
                        while time.monotonic() - moved_at() < USER_PAUSE:
                            if worker.is_cancelled:  # the user is scrolling: read on later
                                return
                            time.sleep(0.02)
            except Exception as exc:
                self.app.call_from_thread(self._finish, group, generation, None, exc)
                return
            self.app.call_from_thread(self._finish, group, generation, then, None, seen)

        thaw_heap()  # what the last stream kept is dropped or replaced
        self.run_worker(
            job, thread=True, group=f"{self.pane_id}.{group}", exclusive=True, exit_on_error=False
        )

    def cancel_stream(self, group: str) -> None:
        """Stop the stream of ``group``: no more of its pages are shown, and the work behind
        them (a git process searching) is stopped now rather than at its next page."""
        if group in self._busy_groups:
            self._calls[group] = self._calls.get(group, 0) + 1
            self._busy_groups.discard(group)
            self.loading = bool(self._busy_groups)
        for key in list(self._streams):
            if key[0] == group:
                self._stop_stream(key)

    def _stop_stream(self, key: tuple[str, int]) -> None:
        stream = self._streams.pop(key, None)
        if stream is not None:
            stream.cancel()

    @contextlib.contextmanager
    def _tracked(self, group: str, generation: int, pages: Iterable[T]) -> Iterator[Iterable[T]]:
        """(In the worker) ``pages``, cancellable from the UI thread while read."""
        key = (group, generation)
        if isinstance(pages, Stream):
            self._streams[key] = pages
            if generation != self._calls.get(group):  # superseded before it was tracked
                self._stop_stream(key)
        try:
            yield pages
        finally:
            self._streams.pop(key, None)

    def _deliver(
        self,
        group: str,
        generation: int,
        then: Callable[[T], Any],
        discard: Callable[[T], Any] | None,
        result: T,
        seen: Observation,
        last: bool,
    ) -> None:
        if generation != self._calls.get(group):
            if discard is not None:
                discard(result)
            return
        self._finish(group, generation, lambda: then(result), None, seen, last)

    def _page(self, group: str, generation: int, each: Callable[[T], Any], page: T) -> None:
        if generation == self._calls.get(group):
            self.loading = False
            each(page)

    def _finish(
        self,
        group: str,
        generation: int,
        apply: Callable[[], Any] | None,
        exc: BaseException | None,
        seen: Observation | None = None,
        last: bool = True,
    ) -> None:
        if generation != self._calls.get(group):
            return
        if last or exc is not None:
            self._settle(group, generation)
        if exc is not None:
            self.set_error(exc)
        elif apply is not None:
            try:
                apply()
            except Exception as error:  # showing a result failed: said in the pane too
                self.set_error(error)
        if seen is not None:
            self.show_freshness(seen, refreshing=not last)

    def _settle(self, group: str, generation: int) -> None:
        if generation == self._calls.get(group):
            self._busy_groups.discard(group)
            self.loading = bool(self._busy_groups)

    # -- what the pane says -------------------------------------------------------------

    def show_freshness(self, seen: Observation, *, refreshing: bool = False) -> None:
        """Say how old the cached answers on show are (hidden when they are fresh)."""
        line = self.query_one(f"#{self.pane_id}-cached", Static)
        text = freshness_text(seen, refreshing=refreshing)
        line.update(text)
        line.display = bool(text)
        if seen.fallback:
            self.post_message(self.FellBack(seen))

    def report_missing(self, concern: str) -> None:
        """Say in the pane why the profile has no provider for ``concern``."""
        self.set_error(NotFound(self.session.backends.missing(concern)))

    def set_error(self, exc: BaseException | None) -> None:
        """Show (or clear, with None) the pane's error line."""
        line = self.query_one(f"#{self.pane_id}-error", Static)
        line.update(error_text(exc) if exc else "")
        line.display = exc is not None
