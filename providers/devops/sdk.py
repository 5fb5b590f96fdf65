"""Loading the azure-devops SDK lazily and quietly, with its file cache under ours.

The SDK reads ``AZURE_DEVOPS_CACHE_DIR`` when it is imported, logs through ``logging``
and can print URLs to stdout; any of that would leak into the terminal UI.  This module
imports the SDK only inside functions, so importing it stays cheap.

Clients are made directly rather than through the SDK's ``Connection``, whose resource
area lookup runs on a client we could not configure (msrest's default retries and
100-second timeout) and falls back to a global Microsoft endpoint.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from platformdirs import user_cache_path

from providers.devops.linediff import TooLarge
from providers.errors import ConfigError, Unauthorized
from providers.private import private_dir

# The Azure DevOps resource in Microsoft Entra ID: tokens for it carry this scope.
ENTRA_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
_PRINT_URL_VARIABLES = ("azure_devops_python_print_urls", "vsts_python_print_urls")
_SDK_LOGGERS = ("azure.devops", "msrest", "azure.identity", "urllib3")


def sdk_cache_dir() -> str:
    """The SDK's file cache folder: ``azure-devops`` under modeltrail's cache folder."""
    return str(user_cache_path("modeltrail") / "azure-devops")


def prepare_sdk() -> None:
    """Point the SDK's file cache at our folder and silence it; call before importing it.

    Once the SDK is imported its cache folder is fixed, so later calls only re-silence it.
    The folder is made private first (ConfigError if it cannot be).
    """
    if "azure.devops" not in sys.modules:
        try:
            private_dir(Path(sdk_cache_dir()))
        except OSError as exc:
            raise ConfigError(f"cannot use the Azure DevOps SDK's cache folder: {exc}") from None
        os.environ["AZURE_DEVOPS_CACHE_DIR"] = sdk_cache_dir()
    for variable in _PRINT_URL_VARIABLES:
        os.environ.pop(variable, None)
    for name in _SDK_LOGGERS:
        logger = logging.getLogger(name)
        logger.propagate = False
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


def pat_credentials(pat: str) -> Any:
    """msrest credentials sending a personal access token as HTTP basic auth."""
    prepare_sdk()
    from msrest.authentication import BasicAuthentication  # noqa: PLC0415

    return BasicAuthentication("", pat)


def identity_credentials(credential: Any = None) -> Any:
    """msrest credentials that ask an azure-identity credential for a token per request.

    azure-identity caches and refreshes the token, so long sessions keep working.
    """
    prepare_sdk()
    from msrest.authentication import Authentication  # noqa: PLC0415

    if credential is None:
        try:
            from azure.identity import DefaultAzureCredential  # noqa: PLC0415
        except ImportError:
            raise Unauthorized(
                "no pat_env is set and azure-identity is not installed",
                hint="set pat_env to the name of a variable holding a PAT, "
                "or pip install azure-identity",
                provider="azure-devops",
            ) from None
        credential = DefaultAzureCredential()
    get_token: Callable[[str], Any] = credential.get_token

    class EntraAuthentication(Authentication):
        """Bearer token for Azure DevOps from azure-identity."""

        def signed_session(self, session: Any = None) -> Any:
            session = super().signed_session(session)
            session.headers["Authorization"] = f"Bearer {get_token(ENTRA_SCOPE).token}"
            return session

    return EntraAuthentication()


def as_rest_dict(model: Any) -> dict[str, Any]:
    """An SDK model back in its REST (camelCase) shape, for the pure parsers."""
    doc: dict[str, Any] = model.serialize(keep_readonly=True)
    return doc


def read_all(chunks: Iterable[bytes]) -> bytes:
    """The bytes of a streamed download."""
    return b"".join(chunks)


def read_limited(chunks: Iterable[bytes], limit: int) -> bytes | TooLarge:
    """The bytes of a streamed download, or TooLarge as soon as they exceed ``limit``."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            return TooLarge(size)
    return b"".join(parts)


def client_class(kind: str) -> Any:
    """The SDK client class (REST API 7.0) for ``kind``: location, release, build or git."""
    prepare_sdk()
    if kind == "location":
        from azure.devops.v7_0.location.location_client import LocationClient  # noqa: PLC0415

        return LocationClient
    if kind == "release":
        from azure.devops.v7_0.release.release_client import ReleaseClient  # noqa: PLC0415

        return ReleaseClient
    if kind == "build":
        from azure.devops.v7_0.build.build_client import BuildClient  # noqa: PLC0415

        return BuildClient
    if kind == "git":
        from azure.devops.v7_0.git.git_client import GitClient  # noqa: PLC0415

        return GitClient
    raise ValueError(f"unknown client kind {kind!r}")


def area_url(areas: list[Any], cls: Any, organization_url: str) -> str:
    """Where ``cls``'s resource area lives (e.g. vsrm.dev.azure.com for releases).

    An organization that lists no areas (Azure DevOps Server) serves all of them itself;
    an area missing from the list is also looked for at the organization URL.
    """
    wanted = (cls.resource_area_identifier or "").lower()
    for area in areas:
        if str(area.id).lower() == wanted and area.location_url:
            return str(area.location_url).rstrip("/")
    return organization_url
