"""What a pane says about its data, as text: the error of a failed call with what to do, and
how old the cached answers on show are."""

from __future__ import annotations

from rich.text import Text

from cache.context import Observation
from providers.errors import NotCached, ProviderError, Throttled
from providers.redaction import redact
from tui.render.plain import safe_text

ACTIONS = {
    "not found": "check the id, or pick another profile",
    "unauthorized": "sign in again (az login) or check the token's scope",
    "throttled": "wait, then retry",
    "unavailable": "check the network or VPN, or press O to work offline from the cache",
    "bad data": "the rest of the data is still shown",
    "config": "fix the config file, then restart",
    "query": "press / to edit the query",
}
NOT_RETRIED = ("query", "config")  # asking again cannot help: the words must change


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
    """A one-paragraph explanation of an error, with what to do and, where asking again
    may help, the retry key."""
    if isinstance(exc, ProviderError):
        kind, message = exc.kind, str(exc)
        todo = ACTIONS.get(kind, "")
        if isinstance(exc, Throttled) and exc.retry_after:
            todo = f"retry after {exc.retry_after:.0f} s"
        if isinstance(exc, NotCached):
            todo = "press O to go online"
    else:
        kind, todo = "unexpected error", "report this"
        message = redact(f"{type(exc).__name__}: {exc}")  # an SDK's text may quote a server
    text = Text()
    text.append(f"{kind.capitalize()}: ", style="bold")
    text.append(safe_text(message))
    if todo:
        text.append(f" — {todo}.")
    if kind not in NOT_RETRIED and not isinstance(exc, NotCached):
        text.append(" Press r to retry.", style="italic")
    return text
