"""Profile settings shared by the HTTP providers: TLS, timeouts, retries, tokens from env.

Secrets never come from the profile: it names the environment variable that holds
them (``token_env``), which is read when a request is made, so a rotated token is
picked up and the value never sits in a settings table, an identity or a message.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from providers.errors import ConfigError, Unauthorized
from providers.protocols import ProviderContext
from providers.redaction import secret_from_env
from providers.settings_check import unchecked

TokenSource = Callable[[], str]

# Keys of the tables of the HTTP providers (checked where they are read).
CONNECTION_SETTINGS = unchecked("ca_bundle", "timeout", "retries", "max_retry_wait")
RUN_SETTINGS = unchecked("curves", "curve_source", "history_metrics", "confusion_artifact")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry before raising the typed error."""

    attempts: int = 3  # requests in all, the first included
    max_wait: float = 10.0  # a longer Retry-After is not waited for: Throttled is raised
    backoff: float = 0.5  # first wait when the server gives no Retry-After; doubles


@dataclass(frozen=True, slots=True)
class Connection:
    """Where and how to reach a tracking server; ``token`` returns a bearer token per
    request; ``verify`` is True or the path of a CA bundle."""

    base_url: str
    token: TokenSource | None = None
    verify: bool | str = True
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def connection(
    base_url: str,
    settings: Mapping[str, Any],
    context: ProviderContext,
    token: TokenSource | None = None,
    *,
    credential: str | None = None,
) -> Connection:
    """A Connection to ``base_url`` with the profile's TLS, timeout and retry settings.

    ``credential`` says which credential goes to ``base_url``, naming its setting: it is
    refused over plain http:// unless the host is loopback.
    """
    if credential is not None:
        refuse_plain_http(base_url, "tracking_uri", credential, profile=context.profile)
    return Connection(
        base_url.rstrip("/"),
        token=token,
        verify=tls_verify(settings, context),
        timeout=timeout(settings),
        retry=retry_policy(settings),
    )


def refuse_plain_http(url: str, url_key: str, credential: str, *, profile: str = "") -> None:
    """ConfigError if ``credential`` (what is sent, naming its setting) would go to ``url``
    over plain http:// (loopback hosts, as test servers use, are allowed)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or _loopback(parts.hostname or ""):
        return
    where = f"profile {profile!r}: " if profile else ""
    raise ConfigError(
        f"{where}{url_key} {url!r} is plain http://, so {credential} would cross the"
        " network unencrypted",
        hint=f"use an https:// URL in {url_key} (plain http:// is allowed only for a"
        " loopback host: 127.0.0.1, ::1 or localhost)",
    )


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def env_token(variable: str, provider: str) -> TokenSource:
    """A token source reading environment variable ``variable`` at each call."""

    def token() -> str:
        value = secret_from_env(variable)
        if not value:
            raise Unauthorized(
                f"environment variable {variable} is empty or not set",
                hint=f"export {variable} with a token before starting modeltrail",
                provider=provider,
            )
        return value

    return token


def tls_verify(settings: Mapping[str, Any], context: ProviderContext) -> bool | str:
    """True, or the CA bundle file named by ``ca_bundle`` (relative to the profile)."""
    bundle = settings.get("ca_bundle")
    if not bundle:
        return True
    path = (context.base_dir / Path(str(bundle)).expanduser()).resolve()
    if not path.is_file():
        raise ConfigError(f"ca_bundle file not found: {path}")
    return str(path)


def timeout(settings: Mapping[str, Any]) -> float:
    """Seconds to wait for an answer (``timeout``, default 30)."""
    return _positive(settings, "timeout", 30.0)


def retry_policy(settings: Mapping[str, Any]) -> RetryPolicy:
    """``retries`` (extra attempts, default 2) and ``max_retry_wait`` (seconds, default 10)."""
    retries = int(_positive(settings, "retries", 2.0, allow_zero=True))
    return RetryPolicy(
        attempts=retries + 1, max_wait=_positive(settings, "max_retry_wait", 10.0, allow_zero=True)
    )


def _positive(
    settings: Mapping[str, Any], key: str, default: float, *, allow_zero: bool = False
) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} must be a number, not {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{key} must be positive, not {value!r}")
    return float(value)
