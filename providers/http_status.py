"""One rule from a failed answer's HTTP status to the typed error; each backend brings
its own words for each kind.

401 and 403 are :class:`Unauthorized`, 404 :class:`NotFound`, a throttling status (429)
or a busy one (503) that names a ``Retry-After`` :class:`Throttled`, a failing status
(5xx) :class:`Unavailable`.  A kind the backend gives no words for, and any other status,
is left to the backend (None).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from providers.errors import NotFound, ProviderError, Throttled, Unauthorized, Unavailable

SERVER_ERRORS = range(500, 1000)  # 5xx, and any odd status above


@dataclass(frozen=True, slots=True)
class Words:
    """A message and its hint."""

    message: str
    hint: str = ""


def status_error(
    status: int,
    retry_after: float | None,
    provider: str,
    *,
    refused: Words | None = None,
    forbidden: Words | None = None,
    not_found: Words | None = None,
    throttled: Words | None = None,
    unavailable: Words | None = None,
    throttling: Collection[int] = (429,),
    busy: Collection[int] = (503,),
    failing: Collection[int] = SERVER_ERRORS,
) -> ProviderError | None:
    """The typed error for ``status`` with the backend's words, or None to leave it to the
    backend.  ``refused`` is said for 401 (and 403 unless ``forbidden`` is given);
    ``retry_after`` (seconds, None if not given) decides a ``busy`` status."""
    if status == 403 and forbidden is not None:
        return Unauthorized(forbidden.message, hint=forbidden.hint, provider=provider)
    if status in (401, 403) and refused is not None:
        return Unauthorized(refused.message, hint=refused.hint, provider=provider)
    if status == 404 and not_found is not None:
        return NotFound(not_found.message, hint=not_found.hint, provider=provider)
    slowed = status in throttling or (status in busy and retry_after is not None)
    if slowed and throttled is not None:
        return Throttled(
            throttled.message, retry_after=retry_after, hint=throttled.hint, provider=provider
        )
    if status in failing and unavailable is not None:
        return Unavailable(unavailable.message, hint=unavailable.hint, provider=provider)
    return None
