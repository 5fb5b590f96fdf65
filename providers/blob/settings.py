"""The azure-blob provider's settings, read from a profile's ``[predictions]`` table.

::

    [profiles.prod.predictions]
    provider = "azure-blob"
    account_url = "https://contosoml.blob.core.windows.net"   # required
    container = "modeldata"              # required: the container holding the logs
    prefix = ""                          # folder in the container where the logs start
    format = "v1"                        # "v1" (CSV) or "v2" (JSONL); see below
    # Credentials: DefaultAzureCredential unless one of these names an environment variable
    # connection_string_env = "MODELTRAIL_BLOB_CONNECTION_STRING"
    # sas_env = "MODELTRAIL_BLOB_SAS"
    # api_version = "2025-01-05"         # only if the service refuses the SDK's default
    # mirror_dir = "~/mirror"            # where closed days are copied (default: the cache dir)
    # timeout = 60                       # seconds for one request's whole answer, retries included

``format`` defaults to ``v1`` for the ``modeldata`` container and ``v2`` otherwise;
``prefix`` defaults to ``""`` for v1 and ``modelDataCollector`` for v2.  Secrets are
never settings: only the *names* of the variables holding them are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from providers.errors import ConfigError
from providers.mlflow.settings import refuse_plain_http
from providers.protocols import ProviderContext
from providers.settings_check import Key, check_table, unchecked

V1_CONTAINER = "modeldata"
V2_PREFIX = "modelDataCollector"
TIMEOUT = 60.0  # seconds, the default deadline of one request, retries included
_KEYS = {
    "account_url": Key(required=True, filled=True),
    "container": Key(required=True, filled=True),
    "prefix": Key(),
    **dict.fromkeys(
        ("format", "connection_string_env", "sas_env", "api_version", "mirror_dir"),
        Key(filled=True),
    ),
    **unchecked("timeout"),
}


@dataclass(frozen=True, slots=True)
class BlobSettings:
    """Where the logs are and how to authenticate (no secret values, only variable names)."""

    account_url: str
    container: str
    prefix: str
    log_format: str  # "v1" or "v2"
    connection_string_env: str | None = None
    sas_env: str | None = None
    api_version: str | None = None
    mirror_dir: Path | None = None
    timeout: float = TIMEOUT

    @property
    def root(self) -> str:
        """The store folder where the logs start: ``<container>[/<prefix>]``."""
        return f"{self.container}/{self.prefix}".rstrip("/")

    @property
    def auth(self) -> str:
        """How the provider authenticates, for messages (never the secret itself)."""
        if self.connection_string_env:
            return f"connection string from ${self.connection_string_env}"
        if self.sas_env:
            return f"SAS token from ${self.sas_env}"
        return "DefaultAzureCredential"

    @property
    def auth_hint(self) -> str:
        """What to do when the service refuses the credentials."""
        if self.connection_string_env:
            return f"check the connection string in ${self.connection_string_env} (key rotated?)"
        if self.sas_env:
            return f"the SAS token may have expired: put a fresh one in ${self.sas_env}"
        return (
            "run `az login` (or check the managed identity / AZURE_* variables) and make sure"
            " it has the Storage Blob Data Reader role on the container"
        )

    def identity(self) -> dict[str, str]:
        """The settings that identify the data (cache keys); no credential is part of it."""
        return {
            "account_url": self.account_url,
            "container": self.container,
            "prefix": self.prefix,
            "format": self.log_format,
        }


def parse_settings(
    settings: Mapping[str, Any], context: ProviderContext, provider: str
) -> BlobSettings:
    """Validate a settings table; ConfigError names the offending key."""

    def fail(message: str, hint: str = "") -> ConfigError:
        return ConfigError(message, hint=hint, provider=provider)

    check_table(settings, _KEYS, provider=provider, unknown="unknown setting {first!r}")
    if "connection_string_env" in settings and "sas_env" in settings:
        raise fail("set connection_string_env or sas_env, not both")
    account_url = _account_url(settings["account_url"], fail)
    timeout = settings.get("timeout", TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise fail(f"timeout must be a positive number of seconds, not {timeout!r}")
    container = settings["container"].strip("/")
    if "/" in container:
        raise fail(f"container {container!r} has a '/'", "put the folders in prefix")
    log_format = settings.get("format", "v1" if container == V1_CONTAINER else "v2")
    if log_format not in ("v1", "v2"):
        raise fail(f"format must be 'v1' or 'v2', not {log_format!r}")
    prefix = settings.get("prefix", "" if log_format == "v1" else V2_PREFIX).strip("/")
    mirror = settings.get("mirror_dir")
    found = BlobSettings(
        account_url=account_url,
        container=container,
        prefix=prefix,
        log_format=log_format,
        connection_string_env=settings.get("connection_string_env"),
        sas_env=settings.get("sas_env"),
        api_version=settings.get("api_version"),
        mirror_dir=context.base_dir / Path(mirror).expanduser() if mirror else None,
        timeout=float(timeout),
    )
    refuse_plain_http(found.account_url, "account_url", found.auth, profile=context.profile)
    return found


def _account_url(value: str, fail: Callable[[str, str], ConfigError]) -> str:
    parts = urlsplit(value)
    if parts.query or parts.fragment:  # checked first: the URL may hold a SAS token
        raise fail(
            "account_url must not carry a query string",
            'a SAS token goes in an environment variable named by sas_env = "VAR"',
        )
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise fail(f"account_url must be an http(s) URL, not {value!r}", "")
    return value.rstrip("/")
