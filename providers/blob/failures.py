"""Azure SDK exceptions turned into the typed errors of :mod:`providers.errors`.

Messages are built from the status, the service's error code and our own settings, never
from the SDK's text, which may quote request URLs (and so SAS tokens).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from providers.errors import ConfigError, NotFound, ProviderError, Unavailable, retry_after
from providers.http_bounds import wait_text
from providers.http_status import Words, status_error

MAX_RETRY_WAIT = 5.0  # seconds: a longer Retry-After is not waited for


class BlobChanged(OSError):
    """The blob changed between listing it and reading it (etag precondition failed)."""


@dataclass(frozen=True, slots=True)
class Where:
    """What a message names: the provider, the account, the container and the auth method."""

    provider: str
    account_url: str
    container: str
    api_version: str
    auth: str  # BlobSettings.auth
    auth_hint: str  # BlobSettings.auth_hint


def translate(exc: BaseException, where: Where, blob: str = "") -> BaseException:
    """The error to raise instead of ``exc`` (``exc`` itself if it is not an SDK error).

    A missing blob becomes FileNotFoundError and a failed etag precondition
    :class:`BlobChanged` (both OSError), so the reader reports that file and carries on.
    """
    from azure.core.exceptions import (  # noqa: PLC0415 - the SDK loads on first use
        AzureError,
        ClientAuthenticationError,
        HttpResponseError,
        ResourceModifiedError,
        ResourceNotFoundError,
        ServiceRequestError,
        ServiceResponseError,
    )

    if isinstance(exc, ProviderError) or not isinstance(exc, AzureError):
        return exc
    raw_code = getattr(exc, "error_code", None)  # a StorageErrorCode (str enum) or a str
    code = str(getattr(raw_code, "value", raw_code) or "")
    status = getattr(exc, "status_code", None)
    at = f"container {where.container!r} at {where.account_url}"
    name = where.provider
    if isinstance(exc, ResourceNotFoundError) and code != "ContainerNotFound" and blob:
        return FileNotFoundError(errno.ENOENT, "blob deleted since it was listed", blob)
    if isinstance(exc, ResourceNotFoundError):
        return NotFound(
            f"no {at}", hint="check the account_url and container settings", provider=name
        )
    if isinstance(exc, ResourceModifiedError):
        return BlobChanged(errno.EAGAIN, "blob changed while it was read", blob)
    told = f" (HTTP {status} {code})".rstrip() if status else ""
    refused = f"access to {at} refused{told}" if status else f"no usable credential for {at}"
    routed = 403 if status == 403 else 401 if isinstance(exc, ClientAuthenticationError) else status
    if routed is not None:
        wait = _retry_after(exc)
        error = status_error(
            routed,
            wait,
            name,
            refused=Words(f"{refused}; using {where.auth}", where.auth_hint),
            throttled=Words(
                f"the storage account is throttling requests (HTTP {status})"
                + wait_text(wait, MAX_RETRY_WAIT),
                "wait and retry",
            ),
            throttling=(429, 503),
        )
        if error is not None:
            return error
    if isinstance(exc, HttpResponseError) and status == 400 and _refused_version(exc, code):
        return ConfigError(
            f"the storage service at {where.account_url} refuses API version {where.api_version}",
            hint='set api_version = "2025-01-05" (or another version it supports) in the profile;'
            " for Azurite, start it with --skipApiVersionCheck",
            provider=name,
        )
    if isinstance(exc, HttpResponseError):
        return Unavailable(
            f"the storage service failed for {at} (HTTP {status} {code})".replace(" )", ")"),
            hint="retry later",
            provider=name,
        )
    if isinstance(exc, ServiceRequestError):
        return Unavailable(
            f"cannot reach {where.account_url}",
            hint="check account_url and the network",
            provider=name,
        )
    if isinstance(exc, ServiceResponseError):
        return Unavailable(
            f"no complete answer from {where.account_url} (timeout or dropped connection)",
            hint="retry later",
            provider=name,
        )
    return Unavailable(f"storage request failed ({type(exc).__name__})", provider=name)


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    return retry_after(response.headers.get("Retry-After") if response is not None else None)


def _refused_version(exc: BaseException, code: str) -> bool:
    info = getattr(exc, "additional_info", None) or {}
    text = str(getattr(exc, "message", "")).lower()
    return code == "InvalidHeaderValue" and (
        info.get("headername") == "x-ms-version" or "api version" in text
    )
