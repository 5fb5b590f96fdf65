"""Typed provider errors, so the UI and the CLI can say what happened and what to do."""

from __future__ import annotations

import time

from providers.redaction import redact


class ProviderError(Exception):
    """Base of every error a provider raises on purpose.

    ``hint`` tells the user what to do about it; ``provider`` names who raised it.  Both
    texts are redacted (:mod:`providers.redaction`): a server's echo of our token, quoted
    in a message, never leaves the error.
    """

    kind = "error"

    def __init__(self, message: str, *, hint: str = "", provider: str = "") -> None:
        message, hint = redact(message), redact(hint)
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.provider = provider

    def __str__(self) -> str:
        prefix = f"{self.provider}: " if self.provider else ""
        return f"{prefix}{self.message}" + (f" ({self.hint})" if self.hint else "")


class NotFound(ProviderError):
    """The object does not exist (unknown id, sha, file or container)."""

    kind = "not found"


class Unauthorized(ProviderError):
    """Credentials are missing, expired or lack a permission (HTTP 401/403)."""

    kind = "unauthorized"


class Throttled(ProviderError):
    """The backend asked us to slow down (HTTP 429/503 with Retry-After)."""

    kind = "throttled"

    def __init__(
        self, message: str, *, retry_after: float | None = None, hint: str = "", provider: str = ""
    ) -> None:
        super().__init__(message, hint=hint, provider=provider)
        self.retry_after = retry_after


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime  # noqa: PLC0415 - ~5 ms, off the start path

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, float(when.timestamp()) - time.time())


class Unavailable(ProviderError):
    """The backend cannot be reached (network down, timeout, server error)."""

    kind = "unavailable"


class NotCached(Unavailable):
    """Offline, and the answer asked for is not (or not wholly) in the cache."""


class BadData(ProviderError):
    """The backend answered, but with data we cannot read (malformed rows, missing fields)."""

    kind = "bad data"


class BadQuery(BadData):
    """A query the query bar's language cannot read, or on a field the logs do not have."""

    kind = "query"


class Ambiguous(ProviderError):
    """An id matched several objects where one was expected."""

    kind = "ambiguous"


class ConfigError(ProviderError):
    """The configuration file or a profile is invalid."""

    kind = "config"
