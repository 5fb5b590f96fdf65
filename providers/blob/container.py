"""The one place that calls azure-storage-blob: listing, properties and ranged downloads.

This module imports the SDK, so the provider imports it only on first use.  The client
is built lazily too (credentials from the environment are read then), with a bounded
retry policy that honours Retry-After, short timeouts, and 4 MiB download chunks.

Each call into the SDK (one listing page, one download chunk, retries included) runs
under the profile's ``timeout`` as a total deadline (:mod:`providers.http_bounds`), on a
transport that does not read an answer over 64 MiB (:mod:`providers.http_session`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from azure.core import MatchConditions
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.storage.blob import BlobPrefix, ContainerClient, LocationMode

from providers.blob.failures import MAX_RETRY_WAIT, Where, translate
from providers.blob.mirror import BlobState
from providers.blob.settings import BlobSettings
from providers.errors import BadData, ConfigError, Unauthorized
from providers.http_bounds import bounded, bounded_steps
from providers.http_session import BoundedRetry as _BoundedRetry
from providers.http_session import bounded_transport
from providers.redaction import secret_from_env

CHUNK_BYTES = 4 * 1024 * 1024
RETRIES = 3
CONNECTION_TIMEOUT = 10  # seconds
READ_TIMEOUT = 30  # seconds, per read; the profile's timeout bounds a whole request
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, ValueError, RecursionError)
_SDK_LOGGERS = ("azure", "urllib3")


class BoundedRetry(_BoundedRetry):
    """azure-core's retry (429, 408 and 5xx; Retry-After honoured up to 5 s), bounded.

    Used instead of the storage SDK's own retry, which neither retries 429 nor reads
    Retry-After; it takes over the storage pipeline's options that the SDK's policy
    consumes (primary location only: no read-access geo-redundant secondary).
    """

    _STORAGE_OPTIONS = ("hosts", "location_mode", "retry_to_secondary", "retry_hook")

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        """The retry settings, after removing the storage pipeline's own options."""
        for key in self._STORAGE_OPTIONS:
            options.pop(key, None)
        return super().configure_retries(options)

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        """Send with retries; tag the response with its location as the storage SDK expects."""
        mode = request.context.options.get("location_mode", LocationMode.PRIMARY)
        response = super().send(request)
        response.http_response.location_mode = mode
        return response


def silence_sdk_logging() -> None:
    """Keep the SDK's log records off the terminal and out of the application's logs.

    The console owns the screen, and urllib3's debug records quote request URLs, which
    hold the SAS token when one is used.
    """
    for name in _SDK_LOGGERS:
        logger = logging.getLogger(name)
        logger.propagate = False
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


class BlobContainer:
    """One container, addressed by blob names; SDK errors come out typed (see failures)."""

    def __init__(self, settings: BlobSettings, provider: str) -> None:
        self.settings = settings
        self.where = Where(
            provider,
            settings.account_url,
            settings.container,
            settings.api_version or "(the SDK's default)",
            settings.auth,
            settings.auth_hint,
        )
        self._client: ContainerClient | None = None
        self._lock = threading.Lock()
        self._host = urlsplit(settings.account_url).netloc

    def list_blobs(self, prefix: str) -> Iterator[tuple[str, BlobState]]:
        """Every blob whose name starts with ``prefix``, in name order, with its state."""
        what = f"the listing of {prefix or '/'!r}"
        try:
            listing = self.client().list_blobs(name_starts_with=prefix or None)
            for blob in self._steps(listing, what):
                yield blob.name, BlobState(blob.size, blob.etag)
        except _SHAPE_ERRORS as exc:
            raise self._not_a_listing(what, exc) from None
        except Exception as exc:
            raise translate(exc, self.where) from None

    def list_properties(self, prefix: str, include: list[str]) -> Iterator[Any]:
        """The SDK's properties of every blob under ``prefix`` (with the ``include``
        datasets, e.g. immutability policy and legal hold), in name order."""
        what = f"the listing of {prefix or '/'!r}"
        try:
            listing = self.client().list_blobs(name_starts_with=prefix or None, include=include)
            yield from self._steps(listing, what)
        except _SHAPE_ERRORS as exc:
            raise self._not_a_listing(what, exc) from None
        except Exception as exc:
            raise translate(exc, self.where) from None

    def container_properties(self) -> Any:
        """The SDK's properties of the container (its immutability policy and legal hold)."""
        try:
            with self._bounded(f"the properties of container {self.settings.container!r}"):
                return self.client().get_container_properties()
        except Exception as exc:
            raise translate(exc, self.where) from None

    def walk(self, prefix: str) -> tuple[list[str], list[tuple[str, BlobState]]]:
        """The sub-folder prefixes (ending in '/') and the blobs directly under ``prefix``."""
        folders: list[str] = []
        blobs: list[tuple[str, BlobState]] = []
        what = f"the folders of {prefix or '/'!r}"
        try:
            listing = self.client().walk_blobs(name_starts_with=prefix or None, delimiter="/")
            for item in self._steps(listing, what):
                if isinstance(item, BlobPrefix):
                    folders.append(item.name)
                else:
                    blobs.append((item.name, BlobState(item.size, item.etag)))
        except _SHAPE_ERRORS as exc:
            raise self._not_a_listing(what, exc) from None
        except Exception as exc:
            raise translate(exc, self.where) from None
        return folders, blobs

    def properties(self, blob: str) -> BlobState:
        """The blob's current size and etag; FileNotFoundError if it does not exist."""
        try:
            with self._bounded(f"the properties of {blob!r}"):
                found = self.client().get_blob_client(blob).get_blob_properties()
        except Exception as exc:
            raise translate(exc, self.where, blob) from None
        return BlobState(found.size, found.etag)

    def download(self, blob: str, offset: int, length: int, etag: str) -> Iterator[bytes]:
        """``length`` bytes from ``offset`` in chunks of at most 4 MiB, if the etag still holds.

        A changed blob raises BlobChanged and a deleted one FileNotFoundError.
        """
        if length <= 0:
            return
        what = f"blob {blob!r}"
        try:
            with self._bounded(what):
                stream = self.client().download_blob(
                    blob,
                    offset=offset,
                    length=length,
                    etag=etag,
                    match_condition=MatchConditions.IfNotModified,
                    max_concurrency=1,
                )
            yield from self._steps(stream.chunks(), what)
        except _SHAPE_ERRORS as exc:
            raise BadData(
                f"{what}: the answer from {self.settings.account_url} is not a blob's content"
                f" ({type(exc).__name__})",
                hint="something other than Azure Storage answered (a proxy?); check account_url",
                provider=self.where.provider,
            ) from None
        except Exception as exc:
            raise translate(exc, self.where, blob) from None

    def _bounded(self, what: str) -> AbstractContextManager[object]:
        return bounded(
            self.settings.timeout, what=what, host=self._host, provider=self.where.provider
        )

    def _steps(self, items: Iterable[Any], what: str) -> Iterator[Any]:
        """``items``, each step (a page or a chunk, retries included) under the deadline."""
        return bounded_steps(
            iter(items),
            self.settings.timeout,
            what=what,
            host=self._host,
            provider=self.where.provider,
        )

    def _not_a_listing(self, what: str, exc: BaseException) -> BadData:
        return BadData(
            f"{what} in container {self.settings.container!r} at {self.settings.account_url}"
            f" is not a blob listing ({type(exc).__name__})",
            hint="something other than Azure Storage answered (a proxy or login page?);"
            " check account_url",
            provider=self.where.provider,
        )

    def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def client(self) -> ContainerClient:
        """The SDK client, built on first use."""
        with self._lock:
            if self._client is None:
                self._client = self._build()
                self.where = replace(self.where, api_version=self._client.api_version)
            return self._client

    def _build(self) -> ContainerClient:
        silence_sdk_logging()
        s = self.settings
        options: dict[str, Any] = {
            "retry_policy": BoundedRetry(
                retry_total=RETRIES,
                retry_connect=RETRIES,
                retry_read=RETRIES,
                retry_status=RETRIES,
                retry_backoff_factor=0.5,
                retry_backoff_max=MAX_RETRY_WAIT,
                timeout=s.timeout,
                max_wait=MAX_RETRY_WAIT,
            ),
            "transport": bounded_transport(
                provider=self.where.provider,
                connection_timeout=CONNECTION_TIMEOUT,
                read_timeout=READ_TIMEOUT,
            ),
            "connection_timeout": CONNECTION_TIMEOUT,
            "read_timeout": READ_TIMEOUT,
            "max_single_get_size": CHUNK_BYTES,
            "max_chunk_get_size": CHUNK_BYTES,
        }
        if s.api_version:
            options["api_version"] = s.api_version
        if s.connection_string_env:
            secret = self._secret(s.connection_string_env, "connection_string_env")
            try:
                client = ContainerClient.from_connection_string(secret, s.container, **options)
            except ValueError:
                raise ConfigError(
                    f"${s.connection_string_env} does not hold a valid connection string",
                    provider=self.where.provider,
                ) from None
            self._check_endpoint(client)
            return client
        if s.sas_env:
            secret = self._secret(s.sas_env, "sas_env").lstrip("?")
            return ContainerClient(s.account_url, s.container, credential=secret, **options)
        from azure.identity import DefaultAzureCredential  # noqa: PLC0415 - only this auth needs it

        credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
        return ContainerClient(s.account_url, s.container, credential=credential, **options)

    def _secret(self, variable: str, setting: str) -> str:
        value = secret_from_env(variable)
        if not value:
            raise Unauthorized(
                f"environment variable {variable} (named by {setting}) is not set",
                hint=f"export {variable} before starting modeltrail",
                provider=self.where.provider,
            )
        return value

    def _check_endpoint(self, client: ContainerClient) -> None:
        """The connection string must point at the account named by account_url."""
        parts = urlsplit(client.url)
        endpoint = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
        expected = f"{self.settings.account_url}/{self.settings.container}"
        if endpoint.lower() != expected.lower():
            raise ConfigError(
                f"the connection string in ${self.settings.connection_string_env} is for"
                f" {endpoint.rsplit('/', 1)[0]}, not account_url {self.settings.account_url}",
                hint="make account_url match the connection string's blob endpoint",
                provider=self.where.provider,
            )
