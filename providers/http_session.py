"""requests (under msrest and azure-core) held to :mod:`providers.http_bounds`.

:class:`BoundedAdapter` is a requests adapter whose connections put their socket under the
calling thread's deadline when a response is awaited, and refuse an answer over a size
cap: a larger Content-Length is not read at all, and a body without one stops at the cap.
:func:`bounded_transport` is azure-core's requests transport on that adapter, and
:class:`BoundedRetry` its retry policy.  Imported only by modules that load an Azure SDK.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from azure.core.pipeline.policies import RetryPolicy
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse
from urllib3.util.retry import Retry

from providers.http_bounds import (
    MAX_ANSWER_BYTES,
    current_deadline,
    overdue,
    too_large,
    watch_socket,
)


class _BoundedFile:
    """A response's socket file that raises BadData once more than ``limit`` bytes are read,
    and Overdue once its deadline has passed (not the SDKs' read errors, which they retry)."""

    def __init__(self, inner: Any, limit: int, errors: tuple[Exception, Exception]) -> None:
        self._inner = inner
        self._left = limit
        self._deadline = current_deadline()
        self._too_large, self._overdue = errors

    def _count(self, size: int) -> None:
        if self._deadline is not None and self._deadline.expired:
            raise self._overdue
        self._left -= size
        if self._left < 0:
            raise self._too_large

    def read(self, amt: int | None = None) -> bytes:
        if amt is None:
            return b"".join(iter(lambda: self.read(65536), b""))
        data: bytes = self._inner.read(min(amt, self._left + 1))
        self._count(len(data))
        return data

    def read1(self, amt: int = -1) -> bytes:
        data: bytes = self._inner.read1(min(amt, self._left + 1) if amt >= 0 else self._left + 1)
        self._count(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        size: int = self._inner.readinto(memoryview(buffer)[: self._left + 1])
        self._count(size)
        return size

    def readline(self, limit: int = -1) -> bytes:
        data: bytes = self._inner.readline(limit)
        self._count(len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Bounded:
    """What the bounded HTTP and HTTPS connections add to urllib3's."""

    limit = MAX_ANSWER_BYTES
    provider = ""
    sock: Any
    host: str
    port: int

    def getresponse(self) -> HTTPResponse:
        watch_socket(self.sock)
        response: HTTPResponse = super().getresponse()  # type: ignore[misc]
        host = f"{self.host}:{self.port}"
        error = too_large("", host, self.limit, self.provider)
        declared = str(response.headers.get("Content-Length", ""))
        if declared.isdigit() and int(declared) > self.limit:
            response.close()
            raise error
        raw: Any = response._fp  # http.client's response: its fp is the socket file
        if raw is not None and raw.fp is not None:
            late = overdue("", host, getattr(current_deadline(), "seconds", 0.0), self.provider)
            raw.fp = _BoundedFile(raw.fp, self.limit, (error, late))
        return response


@cache
def _pools(limit: int, provider: str) -> dict[str, type[HTTPConnectionPool]]:
    settings = {"limit": limit, "provider": provider}
    plain = type("BoundedHTTPConnection", (_Bounded, HTTPConnection), settings)
    tls = type("BoundedHTTPSConnection", (_Bounded, HTTPSConnection), settings)
    return {
        "http": type("BoundedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
        "https": type("BoundedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
    }


class BoundedAdapter(HTTPAdapter):
    """A requests adapter whose answers are bounded (see the module docstring)."""

    def __init__(self, *, provider: str, limit: int = MAX_ANSWER_BYTES, **kwargs: Any) -> None:
        self._bounds = (limit, provider)  # before HTTPAdapter makes its pool manager
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pools(*self._bounds)


def bounded_transport(*, provider: str, **kwargs: Any) -> Any:
    """azure-core's requests transport on a :class:`BoundedAdapter` (``kwargs``: its options)."""
    from azure.core.pipeline.transport import RequestsTransport  # noqa: PLC0415

    class BoundedTransport(RequestsTransport):  # type: ignore[misc]
        def _init_session(self, session: Any) -> None:
            super()._init_session(session)
            retries = Retry(total=False, redirect=False, raise_on_status=False)
            for scheme in self._protocols:
                session.mount(scheme, BoundedAdapter(provider=provider, max_retries=retries))

    return BoundedTransport(**kwargs)


class BoundedRetry(RetryPolicy):  # type: ignore[type-arg]
    """azure-core's retry, bounded: a Retry-After over ``max_wait`` is not waited for (the
    error then says what the server asked), and nothing is retried past the deadline."""

    def __init__(self, *, max_wait: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_wait = max_wait

    def is_retry(self, settings: Any, response: Any) -> bool:
        """Retry as azure-core does unless the server asks for too long a pause."""
        after = self.get_retry_after(response)
        if after is not None and after > self.max_wait:
            return False
        return bool(super().is_retry(settings, response))

    def increment(self, settings: Any, response: Any = None, error: Any = None) -> bool:
        """Count the retry as azure-core does; none once the deadline has passed."""
        deadline = current_deadline()
        if deadline is not None and deadline.expired:
            return False
        return bool(super().increment(settings, response=response, error=error))
