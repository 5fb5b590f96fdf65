"""SDK calls with bounded retries, turned into the typed errors of :mod:`providers.errors`.

The SDK's exceptions do not carry the HTTP status or headers, so every SDK client gets
a response hook that remembers the last status, ``Retry-After`` and continuation token
of the calling thread.  msrest's own retries are switched off: a throttled call is
retried here, waiting what the server asked for, a bounded number of times.

Each attempt has ``timeout`` as a total deadline (:mod:`providers.http_bounds`), on
sessions that read no answer over 256 MiB; JSON nested too deeply to parse is BadData.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from providers.errors import (
    BadData,
    ProviderError,
    Throttled,
    Unauthorized,
    Unavailable,
    retry_after,
)
from providers.http_bounds import DEADLINE_HINT, Overdue, bounded, nested_too_deeply
from providers.http_status import Words, status_error

T = TypeVar("T")

PROVIDER = "azure-devops"
RETRIED = frozenset({429, 500, 502, 503, 504})
_FALLBACK_WAIT = 2.0  # seconds between retries when the server names no Retry-After
MAX_ANSWER_BYTES = 256 * 1024 * 1024  # above the 64 MiB artifacts are read up to


@dataclass(frozen=True, slots=True)
class Answer:
    """What the last HTTP response of a thread said besides its body."""

    status: int
    retry_after: float | None
    continuation: str | None


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (msrest's inner_exception, __cause__, urllib3's reason)."""
    found: list[BaseException] = []
    todo: list[object] = [exc]
    while todo and len(found) < 20:
        item = todo.pop()
        if isinstance(item, BaseException) and item not in found:
            found.append(item)
            todo += [getattr(item, "inner_exception", None), getattr(item, "reason", None)]
            todo += [item.__cause__, item.__context__, *item.args]
    return found


_SDK_MODULES = ("msrest", "azure", "requests", "urllib3", "json")


def _from_the_sdk(exc: Exception) -> bool:
    """True for errors the SDK and its HTTP stack raise (and socket errors)."""
    module = type(exc).__module__.split(".")[0]
    return module in _SDK_MODULES or isinstance(exc, OSError) or _unknown_api(exc)


def _unknown_api(exc: Exception) -> bool:
    """The SDK's ValueError for an API the server's location list does not offer."""
    return isinstance(exc, ValueError) and "is not registered on" in str(exc)


def parsed(what: str, parse: Callable[[], T]) -> T:
    """``parse()``, with shape errors turned into BadData naming ``what``."""
    try:
        return parse()
    except BadData as exc:
        raise BadData(f"{what}: {exc.message}", provider=PROVIDER) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadData(
            f"{what}: unexpected shape ({type(exc).__name__}: {exc})", provider=PROVIDER
        ) from None


class Calls:
    """Runs SDK calls for one provider: configures clients, retries, maps errors."""

    def __init__(
        self,
        *,
        timeout: float,
        retries: int,
        max_retry_wait: float,
        host: str = "",
        secrets: tuple[str, ...] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout = timeout
        self.host = host
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self._secrets = tuple(s for s in secrets if s)
        self._sleep = sleep
        self._local = threading.local()

    # -- SDK clients ---------------------------------------------------------------

    def configure(self, client: Any) -> Any:
        """Set ``client``'s timeout, switch off msrest's retries, hook its responses and
        bound its sessions (msrest makes one per thread; each is bounded on first use)."""
        from providers.http_session import BoundedAdapter  # noqa: PLC0415 - loads requests

        config = client.config
        config.connection.timeout = self.timeout
        config.retry_policy.retries = 0
        policy = config.retry_policy.policy
        policy.status_forcelist = []
        policy.read = False  # a read timeout surfaces as itself, not as a connection error
        config.hooks.append(self._remember)
        configure_session = config.session_configuration_callback

        def bounded_session(session: Any, *args: Any, **kwargs: Any) -> Any:
            for scheme in ("http://", "https://"):
                adapter = session.adapters[scheme]
                if not isinstance(adapter, BoundedAdapter):
                    retries = adapter.max_retries
                    session.mount(
                        scheme,
                        BoundedAdapter(
                            provider=PROVIDER, limit=MAX_ANSWER_BYTES, max_retries=retries
                        ),
                    )
            return configure_session(session, *args, **kwargs)

        config.session_configuration_callback = bounded_session
        return client

    def _remember(self, response: Any, *_args: Any, **_kwargs: Any) -> None:
        headers = response.headers
        self._local.answer = Answer(
            status=int(response.status_code),
            retry_after=retry_after(headers.get("Retry-After")),
            continuation=headers.get("X-MS-ContinuationToken"),
        )

    def last_answer(self) -> Answer | None:
        """The last response this thread received (None before the first)."""
        answer: Answer | None = getattr(self._local, "answer", None)
        return answer

    # -- running calls ---------------------------------------------------------------

    def run(self, what: str, call: Callable[[], T], *, scope: str) -> T:
        """``call()``, retried while throttled or unavailable; typed errors otherwise.

        ``what`` names the object for messages ("release 7"); ``scope`` is the PAT scope
        reading it needs ("Release (Read)").
        """
        attempt = 0
        while True:
            self._local.answer = None
            try:
                with bounded(self.timeout, what=what, host=self.host, provider=PROVIDER):
                    return call()
            except Overdue:
                error: ProviderError = self._timed_out(what)
            except ProviderError:
                raise
            except RecursionError:
                raise nested_too_deeply(what, self.host or "Azure DevOps", PROVIDER) from None
            except Exception as exc:
                if not _from_the_sdk(exc):
                    raise  # a bug of ours: not a backend problem, never retried
                error = self._error(what, scope, exc)
            wait = error.retry_after if isinstance(error, Throttled) else None
            retryable = isinstance(error, Throttled | Unavailable)
            if not retryable or attempt >= self.retries:
                raise error from None
            if wait is None:
                wait = _FALLBACK_WAIT * (attempt + 1)
            if wait > self.max_retry_wait:
                raise error from None
            attempt += 1
            self._sleep(wait)

    def _error(self, what: str, scope: str, exc: Exception) -> ProviderError:
        answer = self.last_answer()
        status = answer.status if answer else None
        kind = type(exc).__name__
        if kind in ("ClientAuthenticationError", "CredentialUnavailableError"):
            return Unauthorized(
                f"could not get an Entra ID token for Azure DevOps: {self._clean(exc)}",
                hint="run 'az login', or set pat_env to a variable holding a PAT",
                provider=PROVIDER,
            )
        if _unknown_api(exc):
            return BadData(
                f"the server offers no API for {what}",
                hint="an older Azure DevOps Server may lack it; check organization_url",
                provider=PROVIDER,
            )
        if kind in ("DeserializationError", "JSONDecodeError"):
            return BadData(
                f"Azure DevOps sent {what} in a shape the SDK cannot read: {self._clean(exc)}",
                hint="the server may run an API version this SDK does not know",
                provider=PROVIDER,
            )
        if kind == "AzureDevOpsAuthenticationError":
            status = 401
        if status is None:
            return self._transport_error(what, status, exc)
        wait = answer.retry_after if answer else None
        busy = f"Azure DevOps is throttling or unavailable reading {what} (HTTP {status})"
        error = status_error(
            status,
            wait,
            PROVIDER,
            refused=Words(
                f"Azure DevOps rejected the credentials reading {what} (HTTP 401)",
                f"the PAT may have expired or been revoked: create one with the {scope} scope"
                if self._secrets
                else "the Entra ID token was refused: run 'az login' again, or set pat_env "
                f"to a PAT with the {scope} scope",
            ),
            forbidden=Words(
                f"not allowed to read {what} (HTTP 403)",
                f"the PAT or account needs the {scope} scope on this project",
            ),
            not_found=Words(
                f"{what} not found (HTTP 404): {self._clean(exc)}",
                "check the id and the organization, project and repository in the profile",
            ),
            throttled=Words(
                busy + (f"; retry after {wait:.0f} s" if wait is not None else ""),
                "wait and refresh; reduce how often the console polls",
            ),
            unavailable=Words(busy, "try again in a minute"),
            busy=RETRIED,
            failing=RETRIED,
        )
        return error or self._transport_error(what, status, exc)

    def _transport_error(self, what: str, status: int | None, exc: Exception) -> ProviderError:
        names = {c.__name__ for cause in _causes(exc) for c in type(cause).__mro__}
        refused = {"NewConnectionError", "ConnectionRefusedError", "NameResolutionError"}
        timeouts = {"Timeout", "TimeoutError", "ReadTimeoutError", "ConnectTimeoutError"}
        if not names & refused and names & timeouts:
            return self._timed_out(what)
        if names & {"ConnectionError", "OSError"}:
            return Unavailable(
                f"cannot reach Azure DevOps reading {what}",
                hint="check the network, a proxy or the organization_url",
                provider=PROVIDER,
            )
        code = f" (HTTP {status})" if status else ""
        return Unavailable(
            f"Azure DevOps failed reading {what}{code}: {self._clean(exc)}",
            hint="try again; if it persists, check the Azure DevOps status page",
            provider=PROVIDER,
        )

    def _timed_out(self, what: str) -> Unavailable:
        return Unavailable(
            f"Azure DevOps did not answer within {self.timeout:g} s reading {what}",
            hint=DEADLINE_HINT,
            provider=PROVIDER,
        )

    def _clean(self, exc: BaseException) -> str:
        """The exception's text, first line only, with any secret removed."""
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text[:300]
