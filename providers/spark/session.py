"""A Spark Connect session opened on first use, read-only by the way it is used.

The thin client (``pyspark-client``, the ``modeltrail[spark]`` extra) is imported here
only, when a query first needs the engine.  The token is read from the environment
variable the profile names, remembered for redaction, and passed to the client only: it is
never logged, cached nor put in a message.  Every engine error becomes a
:class:`~providers.errors.ProviderError` with the engine's words, redacted.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from providers.errors import BadData, NotFound, ProviderError, Unauthorized, Unavailable
from providers.redaction import redact, secret_from_env

T = TypeVar("T")
PROVIDER = "spark"
RETRIES = 2  # the client's default keeps retrying an unreachable server for minutes
LISTED_PER_TASK = 64  # named files a task of the engine's listing job looks up
_NOT_FOUND = ("PATH_NOT_FOUND", "TABLE_OR_VIEW_NOT_FOUND", "UNRESOLVED_COLUMN")


class Cancelled(ProviderError):
    """The engine's job was cancelled (by the server, or someone with access to it)."""


class EngineSession:
    """One Spark Connect session for a provider: opened on first use, closed at quit."""

    def __init__(self, url: str, token_env: str | None) -> None:
        """``url``: ``sc://host:port/;params`` without a token; ``token_env``: the name of
        the variable holding the token (None: no token)."""
        self.url = url
        self.token_env = token_env
        self._session: Any = None
        self._lock = threading.Lock()
        self._tags = threading.local()  # the tag of the operations this thread starts
        self._cancelled: set[str] = set()  # the tags interrupted
        self.interrupted: list[str] = []  # the engine's ids of the operations cancelled

    def run(self, work: Callable[[Any], T], doing: str) -> T:
        """``work(session)``, its engine errors turned into provider errors that say
        what was being done (``doing``); tagged if run within :meth:`tagged` (and not
        started if its tag was interrupted)."""
        tag = getattr(self._tags, "tag", None)
        if tag in self._cancelled:
            raise Cancelled(f"the query was cancelled while {doing}", provider=PROVIDER)
        try:
            session = self._open()
            if tag is None:
                return work(session)
            session.addTag(tag)  # the client keeps tags per thread
            try:
                return work(session)
            finally:
                session.removeTag(tag)
        except ProviderError:
            raise
        except Exception as exc:
            raise _translated(exc, doing, self.url) from None

    @contextlib.contextmanager
    def tagged(self, tag: str) -> Iterator[None]:
        """Within the block, the engine operations this thread starts carry ``tag``, so
        that :meth:`interrupt` can cancel them from another thread."""
        self._tags.tag = tag
        try:
            yield
        finally:
            self._tags.tag = None

    def refuse(self, tags: Iterable[str]) -> None:
        """No run of these tags starts from now (see :meth:`run`)."""
        with self._lock:
            self._cancelled.update(tags)

    def interrupt(self, tag: str) -> None:
        """Cancel the engine's operations tagged ``tag`` (from any thread): the job stops
        on the server, the blocked call raises :class:`Cancelled`, and no run of the tag
        starts after."""
        with self._lock:
            self._cancelled.add(tag)
            session = self._session
        if session is not None:
            with contextlib.suppress(Exception):  # nothing to cancel on a gone server
                self.interrupted += session.interruptTag(tag)

    def close(self) -> None:
        """Cancel the session's running jobs and close it (the server drops its
        temporary views with it)."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(Exception):  # a server gone has no jobs to cancel
                self.interrupted += session.interruptAll()
            with contextlib.suppress(Exception):  # closing a session whose server is gone
                session.stop()

    def _open(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session = self._connect()
            return self._session

    def _connect(self) -> Any:
        url = self.url
        if self.token_env:
            token = secret_from_env(self.token_env)
            if not token:
                raise Unauthorized(
                    f"the environment variable {self.token_env} (token_env) is not set",
                    hint="export it with the workspace's or server's token",
                    provider=PROVIDER,
                )
            url = f"{url.rstrip('/')}/;token={token}" if ";" not in url else f"{url};token={token}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pyspark warns about pandas versions on import
                from pyspark.sql.connect.client.retries import DefaultPolicy  # noqa: PLC0415
                from pyspark.sql.connect.session import SparkSession  # noqa: PLC0415
        except ImportError:
            raise ProviderError(
                "the spark provider needs the Spark Connect client",
                hint="pip install 'modeltrail[spark]'",
                provider=PROVIDER,
            ) from None
        try:
            session = SparkSession.builder.remote(url).create()
        except Exception as exc:
            raise _translated(exc, "connecting", self.url) from None
        policy = DefaultPolicy(max_retries=RETRIES, initial_backoff=200, max_backoff=1000)
        session.client.set_retry_policies([policy])
        try:  # this session's settings only: times read and bound in UTC
            session.conf.set("spark.sql.session.timeZone", "UTC")
        except Exception as exc:
            raise _translated(exc, "connecting", self.url) from None
        return session


def size_listing(session: Any, paths: int) -> None:
    """Have the engine look up ``paths`` named files in tasks of :data:`LISTED_PER_TASK`:
    its default is a job of one task per path beyond 32 (on local[2], 4 s of a 9 s
    query of 1,440 files).  A hint only: a server that refuses the setting lists as it
    would have."""
    tasks = max(1, -(-paths // LISTED_PER_TASK))
    with contextlib.suppress(Exception):
        session.conf.set("spark.sql.sources.parallelPartitionDiscovery.parallelism", str(tasks))


def _translated(exc: Exception, doing: str, url: str) -> ProviderError:
    """A provider error for an engine error: unreachable, refused, not found, cancelled
    or a query the engine rejected; the engine's own words kept (redacted)."""
    text = redact(" ".join(str(exc).split()))[:600]
    where = f"the Spark Connect server at {url}"
    if "UNAUTHENTICATED" in text or "PERMISSION_DENIED" in text:
        return Unauthorized(
            f"{where} refused the credentials while {doing}: {text}",
            hint="check the token in the variable named by token_env",
            provider=PROVIDER,
        )
    if "UNAVAILABLE" in text or "failed to connect" in text.lower():
        return Unavailable(
            f"cannot reach {where} while {doing}: {text}",
            hint="check the url setting and that the server or cluster is running",
            provider=PROVIDER,
        )
    if "OPERATION_CANCELED" in text or "CANCELLED" in text.upper():
        return Cancelled(f"the query was cancelled while {doing}", provider=PROVIDER)
    if any(code in text for code in _NOT_FOUND):
        return NotFound(f"{where} found no such thing while {doing}: {text}", provider=PROVIDER)
    return BadData(f"{where} failed while {doing}: {text}", provider=PROVIDER)
