"""Profile settings shared by the HTTP providers: TLS, timeouts, retries, tokens from env.

Secrets never come from the profile: it names the environment variable that holds
them (``token_env``), which is read when a request is made, so a rotated token is
picked up and the value never sits in a settings table, an identity or a message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from providers.errors import ConfigError, Unauthorized
from providers.mlflow.client import RetryPolicy, TokenSource
from providers.protocols import ProviderContext

CONNECTION_SETTINGS = {"ca_bundle", "timeout", "retries", "max_retry_wait"}
RUN_SETTINGS = {"curves", "curve_source", "history_metrics", "confusion_artifact"}


def reject_unknown(settings: Mapping[str, Any], allowed: set[str], provider: str) -> None:
    """ConfigError naming every setting ``provider`` does not know."""
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise ConfigError(
            f"unknown setting(s) for {provider}: {', '.join(unknown)}",
            hint=f"known: {', '.join(sorted(allowed))}",
        )


def env_token(variable: str, provider: str) -> TokenSource:
    """A token source reading environment variable ``variable`` at each call."""

    def token() -> str:
        value = os.environ.get(variable, "").strip()
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
