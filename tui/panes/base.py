"""The base of every pane: provider calls in thread workers, a busy indicator, and one place
that turns errors into a message in the pane with what to do."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Static

from providers.errors import NotFound, ProviderError, Throttled
from providers.trail import Trail
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
    "unavailable": "check the network or VPN; the cache may still have it",
    "bad data": "the rest of the data is still shown",
    "config": "fix the config file, then restart",
}


def error_text(exc: BaseException) -> Text:
    """A one-paragraph explanation of an error, with what to do and the retry key."""
    if isinstance(exc, ProviderError):
        kind, message = exc.kind, str(exc)
        todo = ACTIONS.get(kind, "")
        if isinstance(exc, Throttled) and exc.retry_after:
            todo = f"retry after {exc.retry_after:.0f} s"
    else:
        kind, message, todo = "unexpected error", f"{type(exc).__name__}: {exc}", "report this"
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

    @property
    def console(self) -> ModeltrailApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose_error(self) -> Static:
        """The error line every pane shows above its body when a call failed."""
        return Static("", id=f"{self.pane_id}-error", classes="pane-error", markup=False)

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
        self.reload()

    def show_trail(self, trail: Trail) -> None:
        """Select the object the trail links to in this pane (default: nothing)."""

    def go_to(self, location: Location) -> None:
        """Show the object a history entry points at (default: nothing)."""

    def call_provider(
        self, work: Callable[[], T], then: Callable[[T], Any], *, group: str = "load"
    ) -> None:
        """Run ``work`` in a thread worker; ``then(result)`` runs on the UI thread.

        A newer call supersedes an older one of the same group; errors land in the pane.
        """
        generation = self._calls[group] = self._calls.get(group, 0) + 1
        self.set_error(None)
        self._busy_groups.add(group)
        self.loading = True

        def job() -> None:
            try:
                result = work()
            except Exception as exc:  # every failure is shown in the pane, never raised
                self.app.call_from_thread(self._finish, group, generation, None, exc)
                return
            self.app.call_from_thread(self._finish, group, generation, lambda: then(result), None)

        self.run_worker(job, thread=True, group=f"{self.pane_id}.{group}", exit_on_error=False)

    def _finish(
        self,
        group: str,
        generation: int,
        apply: Callable[[], Any] | None,
        exc: BaseException | None,
    ) -> None:
        if generation != self._calls.get(group):
            return
        self._busy_groups.discard(group)
        self.loading = bool(self._busy_groups)
        if exc is not None:
            self.set_error(exc)
        elif apply is not None:
            try:
                apply()
            except ProviderError as error:
                self.set_error(error)

    def report_missing(self, concern: str) -> None:
        """Say in the pane why the profile has no provider for ``concern``."""
        self.set_error(NotFound(self.session.backends.missing(concern)))

    def set_error(self, exc: BaseException | None) -> None:
        """Show (or clear, with None) the pane's error line."""
        line = self.query_one(f"#{self.pane_id}-error", Static)
        line.update(error_text(exc) if exc else "")
        line.display = exc is not None
