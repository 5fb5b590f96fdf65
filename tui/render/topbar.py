"""The console's top line: the panes by number (the current one highlighted), the case and
the profile.  Where it does not all fit (80 columns), the other panes' titles are shortened,
then the app's name goes, so that the profile's name stays in sight; only its description
is left for the ellipsis to cut."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from tui.render.plain import safe_text

SHORT = 3  # letters of a pane's title that is not the current one, when space is short


def top_bar(
    panes: Sequence[tuple[str, str]],
    current: str | None,
    *,
    case: str,
    profile: str,
    label: str,
    width: int,
) -> Text:
    """The line for ``width`` columns; ``panes`` are (id, title) in number order, ``case``
    the case's label (or ""), ``label`` the profile's whole label, which begins with
    ``profile NAME`` for the profile ``profile``."""
    shapes = ((True, None), (True, SHORT), (False, SHORT), (False, 0))
    for brand, short in shapes:
        text = _line(panes, current, case, brand=brand, short=short)
        if text.cell_len + len(f"  profile {safe_text(profile)}") <= width:
            break
    text.append(f"  {safe_text(label)}", style="dim")
    return text


def _line(
    panes: Sequence[tuple[str, str]],
    current: str | None,
    case: str,
    *,
    brand: bool,
    short: int | None,
) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if brand:
        text.append(" modeltrail ", style="bold reverse")
    for n, (pane_id, title) in enumerate(panes, start=1):
        shown = title if pane_id == current or short is None else title[:short]
        style = "bold reverse" if pane_id == current else ""
        text.append(f" {n} {shown} " if shown else f" {n} ", style=style)
    if case:
        text.append(f"  {safe_text(case)}", style="bold")
    return text
