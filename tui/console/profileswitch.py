"""Switch profile (command palette): open another configured profile as start-up does
(its providers behind the cache, in a worker thread) and show it with fresh panes; a
profile that cannot be opened is said, and the console stays on the one it has."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.widgets import Footer

from providers.errors import ProviderError
from tui.console.panedeck import PaneDeck
from tui.panes.predictions import PredictionsPane
from tui.panes.registry import PANES
from tui.render.plain import safe_text
from tui.widgets.breadcrumb import TrailBar

if TYPE_CHECKING:
    from tui.console.app import ModeltrailApp


def profile_names(app: ModeltrailApp) -> list[str]:
    """The configured profiles, in the config file's order."""
    return list(app.opener.profiles) if app.opener is not None else []


async def switch_profile(app: ModeltrailApp, name: str) -> None:
    """Open profile ``name`` and show it; the trail and history start afresh, the case,
    the question and the predictions query are kept."""
    opener, old = app.opener, app.session
    profile = opener.profiles.get(name) if opener is not None else None
    if opener is None or profile is None:
        known = ", ".join(profile_names(app)) or "none is configured"
        app.notify(
            safe_text(f"No profile {name!r} in the config file (profiles: {known})."),
            severity="warning",
            markup=False,
        )
        return
    predictions = app.deck.mounted(PredictionsPane.pane_id)
    query = predictions.query_text if isinstance(predictions, PredictionsPane) else ""
    app.notify(safe_text(f"Opening profile {name} …"), markup=False, timeout=3)
    try:
        new = await asyncio.to_thread(
            opener.open, profile, initial_query=query, question=old.question, case=old.case
        )
    except ProviderError as exc:
        app.notify(
            safe_text(f"{exc}\nStill on profile {old.profile_name}."),
            title=f"Profile {name} not opened",
            severity="error",
            markup=False,
            timeout=15,
        )
        return
    await app.deck.remove()  # the old panes, and their workers, go first
    old.close()
    app.session = new
    await app.mount(PaneDeck(new, PANES, id="panes"), before=app.query_one(Footer))
    trail_bar = app.query_one(TrailBar)
    trail_bar.profile = new.profile_name
    trail_bar.set_trail(None)
    app.opened()
    app.call_after_refresh(app.current_pane.focus_body)
    app.notify(safe_text(f"Switched to {new.profile_label}."), markup=False, timeout=5)
