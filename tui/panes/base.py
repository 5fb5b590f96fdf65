"""The base of every pane: provider calls in thread workers, a busy indicator, and one place
that turns errors into a message in the pane with what to do."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Static

from cache.context import REFRESH, STALE_OK, VERIFY, Observation, using
from providers.errors import NotFound, ProviderError, Throttled
from providers.redaction import redact
from providers.trail.resolver import Trail
from tui.history import Location
from tui.plain import safe_text

if TYPE_CHECKING:
    from tui.app import ModeltrailApp
    from tui.session import Session

T = TypeVar("T")

ACTIONS = {
    "not found": "check the id, or pick another profile",
    "unauthorized": "sign in again (az login) or check the token's scope",
    "throttled": "wait, then retry",
    "unavailable": "check the network or VPN, or press O to work offline from the cache",
    "bad data": "the rest of the data is still shown",
    "config": "fix the config file, then restart",
}


def freshness_text(seen: Observation, *, refreshing: bool = False) -> str:
    """E.g. "cached 4 min ago · refreshing …"; empty when every answer was fresh."""
    if not (seen.stale or seen.fallback):
        return ""
    text = f"cached {age_text(seen.oldest)} ago"
    if seen.fallback == "offline":
        return text + " · offline"
    if seen.fallback:
        return text + f" · backend unreachable ({seen.fallback}); press r to retry"
    return text + (" · refreshing …" if refreshing else "")


def age_text(seconds: float) -> str:
    """A short human age: "12 s", "4 min", "3 h", "2 days"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def error_text(exc: BaseException) -> Text:
    """A one-paragraph explanation of an error, with what to do and the retry key."""
    if isinstance(exc, ProviderError):
        kind, message = exc.kind, str(exc)
        todo = ACTIONS.get(kind, "")
        if isinstance(exc, Throttled) and exc.retry_after:
            todo = f"retry after {exc.retry_after:.0f} s"
    else:
        kind, todo = "unexpected error", "report this"
        message = redact(f"{type(exc).__name__}: {exc}")  # an SDK's text may quote a server
    text = Text()
    text.append(f"{kind.capitalize()}: ", style="bold")
    text.append(safe_text(message))
    if todo:
        text.append(f" — {todo}.")
    text.append(" Press r to retry.", style="italic")
    return text


class Pane(Vertical):
    """A pane of the console.  Subclasses set ``pane_id``/``title`` and implement ``reload``."""

    pane_id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    help_text: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "reload", "Refresh")]

    def __init__(self, session: Session) -> None:
        super().__init__(id=self.pane_id, classes="pane")
        self.session = session
        self._calls: dict[str, int] = {}
        self._busy_groups: set[str] = set()
        self._refreshing = False  # True while `r` reloads: calls bypass the cache

    @property
    def console(self) -> ModeltrailApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

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

    def call_provider(
        self, work: Callable[[], T], then: Callable[[T], Any], *, group: str = "load"
    ) -> None:
        """Run ``work`` in a thread worker; ``then(result)`` runs on the UI thread.

        A newer call supersedes an older one of the same group; errors land in the pane.
        A stale cached answer is shown at once, marked with its age, then fetched again
        in the same worker and shown once more.
        """
        generation = self._calls[group] = self._calls.get(group, 0) + 1
        self.set_error(None)
        self._busy_groups.add(group)
        self.loading = True
        mode = self.cache_mode()

        def attempt(mode: str, last: bool) -> Observation | None:
            try:
                with using(mode) as seen:
                    result = work()
            except Exception as exc:  # every failure is shown in the pane, never raised
                self.app.call_from_thread(self._finish, group, generation, None, exc)
                return None
            self.app.call_from_thread(
                self._finish, group, generation, lambda: then(result), None, seen, last
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
            except ProviderError as error:
                self.set_error(error)
        if seen is not None:
            self.show_freshness(seen, refreshing=not last)

    def _settle(self, group: str, generation: int) -> None:
        if generation == self._calls.get(group):
            self._busy_groups.discard(group)
            self.loading = bool(self._busy_groups)

    def show_freshness(self, seen: Observation, *, refreshing: bool = False) -> None:
        """Say how old the cached answers on show are (hidden when they are fresh)."""
        line = self.query_one(f"#{self.pane_id}-cached", Static)
        text = freshness_text(seen, refreshing=refreshing)
        line.update(text)
        line.display = bool(text)
        if seen.fallback:
            self.console.cache_fallback(seen)

    def report_missing(self, concern: str) -> None:
        """Say in the pane why the profile has no provider for ``concern``."""
        self.set_error(NotFound(self.session.backends.missing(concern)))

    def set_error(self, exc: BaseException | None) -> None:
        """Show (or clear, with None) the pane's error line."""
        line = self.query_one(f"#{self.pane_id}-error", Static)
        line.update(error_text(exc) if exc else "")
        line.display = exc is not None
