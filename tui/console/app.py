"""The console: wires the panes of the registry, the trail breadcrumb, history and key
bindings, and routes what the panes say (visits, trails, ranges, marks) to where it goes.

State and handlers live on the panes that own them; this module only connects them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from tui.console.casecontrol import CaseControl
from tui.console.commands import ConsoleCommands
from tui.console.launch import SessionOpener
from tui.console.panedeck import PaneDeck
from tui.console.quitting import DaemonExecutor
from tui.panes.base import Pane
from tui.panes.compare_made import CompareMade
from tui.panes.predictions import PredictionsPane
from tui.panes.registry import PANES, pane_of_hop, stylesheets
from tui.panes.session import Session
from tui.render.history import Location
from tui.render.plain import safe_text
from tui.render.trail import failure_text
from tui.widgets.breadcrumb import TrailBar
from tui.widgets.brief import Brief
from tui.widgets.topbar import TopBar

if TYPE_CHECKING:  # imported when first shown (tui/panes/registry.py) or first used
    from providers.trail.resolver import Trail
    from tui.panes.commits import CommitsPane
    from tui.panes.models import ModelsPane
    from tui.panes.releases import ReleasesPane
    from tui.panes.setting_change import SettingChangeRequested

COMMITS = "commits"
MODELS = "models"


class ModeltrailApp(App[None]):
    """The modeltrail console."""

    TITLE = "modeltrail"
    AUTO_FOCUS = "#prediction-table"
    CSS_PATH: ClassVar = ["app.tcss", *stylesheets()]
    COMMANDS: ClassVar = {ConsoleCommands}  # Textual's own come after ours (see it)
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                str(n),
                f"show_pane('{pane.pane_id}')",
                pane.title,
                show=False,  # the top bar shows the panes' numbers
                id=f"pane.{pane.pane_id}",
            )
            for n, pane in enumerate(PANES, start=1)
        ),
        Binding("tab", "cycle(1)", "Next pane", show=False, priority=True, id="pane.next"),
        Binding("shift+tab", "cycle(-1)", "Prev pane", show=False, priority=True, id="pane.prev"),
        Binding("left_square_bracket", "history_back", "Back", show=False, id="history.back"),
        Binding(
            "right_square_bracket", "history_forward", "Forward", show=False, id="history.forward"
        ),
        Binding("T", "focus_trail", "Trail", show=False, id="trail.focus"),
        Binding("w", "trail_view", "Reasons", id="trail.view"),
        Binding("O", "toggle_offline", "Offline", show=False, id="cache.offline"),
        Binding("m", "bookmark", "Bookmark as evidence", show=False, id="case.bookmark"),
        Binding("a", "case_note", "Case note", show=False, id="case.note"),
        Binding("e", "export_case", "Export evidence", show=False, id="case.export"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", show=False, id="quit"),
    ]

    def __init__(
        self,
        session: Session,
        keymap: Mapping[str, str] | None = None,
        opener: SessionOpener | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.opener = opener  # opens another configured profile (palette: switch profile)
        self._keymap = dict(keymap or {})
        self._fallback = ""  # why cached answers stand in for an unreachable backend
        self.cases = CaseControl(self)

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        yield Static(id="banner", markup=False)
        yield Brief(id="brief", markup=False)
        yield TrailBar(self.session.profile_name, id="trail")
        yield PaneDeck(self.session, PANES, id="panes")  # each pane mounted when first shown
        yield Footer(show_command_palette=False)  # 80 columns: ? says Ctrl+P

    def on_load(self) -> None:
        asyncio.get_running_loop().set_default_executor(DaemonExecutor())

    async def on_mount(self) -> None:
        if self._keymap:
            self.set_keymap(self._keymap)
        self.opened()
        if self.session.case is not None:
            await self.cases.restore()

    def opened(self) -> None:
        """Show the session just opened (at start, or on switching profile)."""
        self._fallback = ""
        self.update_topbar()
        self._update_banner()
        self.call_after_refresh(self.current_pane.ensure_loaded)  # after the first frame
        if self.session.notice:
            self.notify(safe_text(self.session.notice), timeout=15)
        for warning in self.session.warnings:
            self.notify(safe_text(warning), title="Cache", severity="warning", timeout=15)

    async def switch_profile(self, name: str) -> None:
        """Open another configured profile and show it (command palette)."""
        from tui.console.profileswitch import switch_profile  # noqa: PLC0415 - when asked for

        await switch_profile(self, name)

    def on_unmount(self) -> None:
        self.session.close()

    # -- panes ---------------------------------------------------------------------

    @property
    def deck(self) -> PaneDeck:
        """The panes (each mounted when first shown)."""
        return self.query_one("#panes", PaneDeck)

    @property
    def current_pane(self) -> Pane:
        """The pane on screen."""
        return self.deck.current_pane

    async def pane(self, pane_id: str) -> Pane:
        """The pane with this id (mounted first if it never was shown)."""
        return await self.deck.pane(pane_id)

    async def action_show_pane(self, pane_id: str) -> None:
        """Bring a pane to the screen and focus it."""
        pane = await self.deck.show(pane_id)
        self.update_topbar()
        pane.ensure_loaded()
        self.call_after_refresh(pane.focus_body)
        self.cases.console_changed()

    async def action_cycle(self, step: int) -> None:
        ids = [p.pane_id for p in PANES]
        index = ids.index(self.current_pane.pane_id)
        await self.action_show_pane(ids[(index + step) % len(ids)])

    def action_focus_trail(self) -> None:
        self.query_one(TrailBar).focus()

    def action_trail_view(self) -> None:
        """Every hop of the trail with why it links, where from and what to do (``w``)."""
        from tui.widgets.trailview import TrailView  # noqa: PLC0415 - only built when asked for

        session = self.session
        self.push_screen(TrailView(session.trail, self.question, session.profile_name))

    @property
    def question(self) -> str:
        """The question being answered: the open case's, else the one the console began with."""
        case = self.session.case
        return (case.case.question if case is not None else "") or self.session.question

    def action_help(self) -> None:
        from tui.widgets.help import HelpScreen  # noqa: PLC0415 - only built when asked for

        pane = self.current_pane
        self.push_screen(HelpScreen(pane.title, pane.help_text, list(pane.BINDINGS), self.BINDINGS))

    def update_topbar(self) -> None:
        """Show the panes (the current one highlighted), the case and the profile; below,
        the question and the decision explained."""
        session = self.session
        self.query_one(TopBar).show(
            [(pane.pane_id, pane.title) for pane in PANES],
            self.deck.current,
            self.cases.label() if session.case is not None else "",
            session.profile_name,
            session.profile_label,
        )
        trail = self.session.trail
        self.query_one(Brief).show(self.question, trail.explanation if trail else None)

    # -- cache and offline mode -----------------------------------------------------

    def action_toggle_offline(self) -> None:
        """Work from the cache only (or go back online), then reload the pane on screen."""
        cache = self.session.cache
        if cache is None:
            self.notify("The cache is off for this profile: no offline mode.", severity="warning")
            return
        cache.offline = not cache.offline
        self._fallback = ""
        self._update_banner()
        self.current_pane.reload()

    def on_pane_fell_back(self, message: Pane.FellBack) -> None:
        """A backend failed and cached answers stood in: say so in the banner."""
        if message.seen.fallback != "offline":
            self._fallback = message.seen.fallback
            self._update_banner()

    def _update_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        cache = self.session.cache
        fallback = self._fallback
        if cache is not None and cache.offline:
            text = "OFFLINE: only cached answers are shown; missing ones say so. O: go online"
        elif fallback:
            text = (
                f"A backend is unreachable ({fallback}); cached answers are shown. O: work offline"
            )
        else:
            text = ""
        banner.update(safe_text(text))
        banner.display = bool(text)

    # -- history -------------------------------------------------------------------

    def on_pane_visited(self, message: Pane.Visited) -> None:
        self.visit(message.location)

    def visit(self, location: Location) -> None:
        """Record a jump (drill-down, trace hop, parent step) in the history (and the case)."""
        self.session.history.visit(location)
        self.cases.visited(location)

    async def action_history_back(self) -> None:
        await self._go(self.session.history.back())

    async def action_history_forward(self) -> None:
        await self._go(self.session.history.forward())

    async def _go(self, location: Location | None) -> None:
        if location is None:
            self.notify("No further history.", timeout=2)
            return
        pane = await self.deck.show(location.pane)
        self.update_topbar()
        pane.ensure_loaded()
        pane.go_to(location)
        self.cases.console_changed()

    # -- trail ---------------------------------------------------------------------

    async def trace_id(self, request_id: str) -> None:
        """Find the prediction logged for ``request_id`` and trace it (command palette)."""
        await self.action_show_pane(PredictionsPane.pane_id)
        self.query_one(PredictionsPane).trace_id(request_id)

    async def commits(self) -> CommitsPane:
        """The Commits pane, brought to the screen."""
        await self.action_show_pane(COMMITS)
        return cast("CommitsPane", self.current_pane)

    async def go_to_commit(self, rev: str) -> None:
        """Show the commit ``rev`` names in Commits (command palette)."""
        (await self.commits()).go_to_ref(rev)

    def on_pane_trail_resolved(self, message: Pane.TrailResolved) -> None:
        self.show_trail(message.trail)

    def show_trail(self, trail: Trail) -> None:
        """Show a trail just resolved and keep it in the case."""
        self.display_trail(trail)
        self.cases.trail_shown(trail)

    def display_trail(self, trail: Trail) -> None:
        """Show a trail in the breadcrumb and select its objects in each pane."""
        self.session.trail = trail
        self.query_one(TrailBar).set_trail(trail)
        self.update_topbar()
        for pane in self.deck.mounted_panes():  # the others select it as they mount
            pane.show_trail(trail)
        unresolved = [h for h in trail.hops if h.status == "unresolved"]
        if unresolved:
            more = f" (+{len(unresolved) - 1} more)" if len(unresolved) > 1 else ""
            first = unresolved[0]
            self.notify(
                f"Could not resolve the {first.kind}: {failure_text(first)}{more}",
                title="w: every hop's reason and what to do",
                severity="warning",
                markup=False,
                timeout=8,
            )

    async def on_trail_bar_jump(self, message: TrailBar.Jump) -> None:
        pane_id = pane_of_hop().get(message.kind, PredictionsPane.pane_id)
        await self.action_show_pane(pane_id)
        trail = self.session.trail
        hop = trail.hop(message.kind) if trail else None
        if hop is not None:
            self.visit(Location(pane_id, f"{hop.kind}:{hop.label}", hop.label))

    async def on_releases_pane_range_requested(self, message: ReleasesPane.RangeRequested) -> None:
        """Show the commits between two releases' builds in the commits pane."""
        (await self.commits()).show_range(message.good, message.bad)

    async def on_releases_pane_data_diff_requested(
        self, message: ReleasesPane.DataDiffRequested
    ) -> None:
        """Show the Models compare of a release's model version and the version before it,
        with their training-data diff (Releases t)."""
        await self.action_show_pane(MODELS)
        cast("ModelsPane", self.current_pane).diff_data_with_previous(message.key)

    async def on_setting_change_requested(self, message: SettingChangeRequested) -> None:
        """Find the commits between two model versions' training commits that changed a
        setting, in the commits pane."""
        commits = await self.commits()
        commits.content.find_setting_change(message.key, message.old, message.new, message.scope)

    # -- case ----------------------------------------------------------------------

    def on_compare_made(self, message: CompareMade) -> None:
        """A Models compare came on screen (kept in the case)."""
        self.cases.compare_made(message.left, message.right)

    def on_predictions_pane_query_changed(self, _message: PredictionsPane.QueryChanged) -> None:
        """A query was run (kept in the case)."""
        self.cases.console_changed()

    def on_commits_pane_marks_changed(self, message: CommitsPane.MarksChanged) -> None:
        """The commit walk's marks changed (kept in the case)."""
        self.cases.marks_changed(message.good, message.bad)

    def action_bookmark(self) -> None:
        self.cases.bookmark()

    def action_case_note(self) -> None:
        self.cases.add_note()

    def action_export_case(self) -> None:
        self.cases.export()
