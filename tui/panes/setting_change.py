"""From a changed setting in the Models compare to the commit that changed it.

Enter in the compare view picks a changed parameter or tag (at once when only one
changed; else from a short list, parameters first) and asks the console to search the
commits between the two versions' training commits for a changed line setting that key
(:meth:`tui.panes.content_search.ContentSearch.find_setting_change`).  Versions without a
recorded training commit, or trained from the same one, are said here instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.render.compare import SHORT_SHA, CompareRow, Side, commit_of, compare
from tui.render.models import version_key
from tui.render.plain import safe_text

SETTING_SECTIONS = ("parameters", "tags", "run tags")


class SettingChangeRequested(Message):
    """Search the commits from ``old`` to ``new`` for the change of setting ``key``."""

    def __init__(self, key: str, old: str, new: str, scope: str) -> None:
        super().__init__()
        self.key = key
        self.old = old
        self.new = new
        self.scope = scope


def changed_settings(left: Side, right: Side) -> list[CompareRow]:
    """The parameters and tags that differ between the two sides, parameters first, each
    key once (a tag set on the version and its run alike)."""
    rows = compare(left, right, only_differences=True)
    ordered = [row for section in SETTING_SECTIONS for row in rows if row.section == section]
    return [row for n, row in enumerate(ordered) if row.key not in {r.key for r in ordered[:n]}]


def _label(row: CompareRow) -> str:
    return f"{row.section}: {safe_text(row.key)}  {safe_text(row.left)} → {safe_text(row.right)}"


class SettingChoice(ModalScreen[str | None]):
    """Which changed setting to trace to its commit: Enter picks, Backspace cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("backspace,escape", "cancel", "Cancel", id="models.setting_cancel"),
    ]

    def __init__(self, rows: list[CompareRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="setting-choice"):
            yield Static("Which changed setting? Enter finds the commit that changed it.")
            yield OptionList(
                *(Option(Text(_label(row)), id=str(n)) for n, row in enumerate(self.rows)),
                id="setting-options",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.rows[int(event.option.id or 0)].key)

    def action_cancel(self) -> None:
        self.dismiss(None)


def request_setting_change(
    left: Side,
    right: Side,
    post: Callable[[Message], object],
    choose: Callable[[SettingChoice, Callable[[str | None], None]], object],
    say: Callable[[str], object],
) -> None:
    """Ask (``post``) for the commit search of a changed setting of the compare, after
    ``choose`` (a modal) when several changed; ``say`` why there is nothing to search."""
    rows = changed_settings(left, right)
    names = (version_key(left[0]), version_key(right[0]))
    if not rows:
        say(f"No parameter or tag differs between {names[0]} and {names[1]}.")
        return
    old, new = commit_of(left), commit_of(right)
    missing = [name for name, sha in zip(names, (old, new), strict=True) if not sha]
    if missing:
        say(
            f"{' and '.join(missing)} records no training commit (tag git_commit or "
            "mlflow.source.git.commit): there is no range of commits to search."
        )
        return
    if old == new:
        say(f"Both versions were trained from commit {old[:SHORT_SHA]}: no commit between.")
        return
    scope = f"{names[0]} .. {names[1]} training commits"

    def chosen(key: str | None) -> None:
        if key is not None:
            post(SettingChangeRequested(key, old, new, scope))

    if len(rows) == 1:
        chosen(rows[0].key)
    else:
        choose(SettingChoice(rows), chosen)
