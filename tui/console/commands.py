"""Command-palette (Ctrl+P) commands: trace by id, jump to a pane, refresh, cases, switch
profile."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.console.casecommands import case_commands, case_hits
from tui.console.casecontrol import CaseControl
from tui.console.launch import SessionOpener
from tui.panes.base import Pane
from tui.panes.registry import PANES
from tui.panes.session import Session

Command = tuple[str, Callable[[], object], str]  # title, action, help
TEXTUAL_WEIGHT = 1e-3  # Textual's matches (scored ~1 to ~20, as ours) rank below ours


class Console(Protocol):
    """What the palette needs of the console (the app)."""

    @property
    def current_pane(self) -> Pane: ...
    @property
    def cases(self) -> CaseControl: ...
    async def action_show_pane(self, pane_id: str) -> None: ...
    def action_trail_view(self) -> None: ...
    async def trace_id(self, request_id: str) -> None: ...
    async def go_to_commit(self, rev: str) -> None: ...
    async def switch_profile(self, name: str) -> None: ...
    @property
    def opener(self) -> SessionOpener | None: ...
    @property
    def session(self) -> Session: ...
    def notify(self, message: str) -> object: ...


class ConsoleCommands(Provider):
    """The console's own commands first, then Textual's (theme, keys, screenshot, quit):
    on opening the palette in that order, and when searching, any of ours that matches ranks
    above any of Textual's."""

    def commands(self) -> tuple[list[Command], list[Command]]:
        """Title, action and help of the console's commands, and of Textual's."""
        app = cast(Console, self.app)
        own: list[Command] = [
            ("Trace a request: type trace ID", _typed_hint(app, "trace"), "trace by request id"),
            ("Go to a commit: type commit SHA or ref (: in Commits)", _typed_hint(app, "commit"),
             "a sha, abbreviated or not, or a branch, tag or HEAD~3"),
        ]  # fmt: skip
        own += [
            (f"Go to {pane.title}", partial(app.action_show_pane, pane.pane_id), "")
            for pane in PANES
        ]
        own += [
            ("Trail: every hop with its reason and what to do (w)", app.action_trail_view, ""),
            ("Refresh the current pane", app.current_pane.reload, ""),
        ]
        own += [(title, run, "") for title, run in case_commands(app.cases)]
        own += _profile_commands(app)
        system = [
            (name, callback, help_text)
            for name, help_text, callback, discover in self.app.get_system_commands(self.screen)
            if discover
        ]
        return own, sorted(system, key=lambda command: command[0])

    async def discover(self) -> Hits:
        own, system = self.commands()
        for title, run, help_text in own + system:
            yield DiscoveryHit(title, run, help=help_text or None)

    async def search(self, query: str) -> Hits:
        app = cast(Console, self.app)
        matcher = self.matcher(query)
        words = query.split()
        if len(words) == 2 and words[0].lower() == "trace":
            request_id = words[1]
            yield Hit(100, f"Trace request {request_id}", lambda: app.trace_id(request_id))
        if len(words) == 2 and words[0].lower() == "commit":
            rev = words[1]
            yield Hit(100, f"Go to commit {rev}", lambda: app.go_to_commit(rev))
        if len(words) == 2 and words[0].lower() == "profile":
            name = words[1]
            yield Hit(100, f"Switch to profile {name}", partial(app.switch_profile, name))
        for hit in case_hits(app.cases, query):
            yield hit
        own, system = self.commands()
        for weight, commands in ((1.0, own), (TEXTUAL_WEIGHT, system)):
            for title, run, help_text in commands:
                if (score := matcher.match(title)) > 0:
                    shown = matcher.highlight(title)
                    yield Hit(score * weight, shown, run, help=help_text or None)


def _profile_commands(app: Console) -> list[Command]:
    """Switch profile: one command per other configured profile (or where to add one)."""
    names = [
        n for n in (app.opener.profiles if app.opener else ()) if n != app.session.profile_name
    ]
    if not names:
        hint = "No other profile is configured: add [profiles.NAME] to the config file."
        return [("Switch profile (no other configured)", partial(app.notify, hint), "")]
    return [
        (f"Switch profile: {name}", partial(app.switch_profile, name), "opened as at start")
        for name in names
    ]


def _typed_hint(app: Console, verb: str) -> Callable[[], object]:
    return lambda: app.notify(f"Type {verb} and the id in the palette (Ctrl+P).")
