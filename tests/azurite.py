"""A real Azurite blob service for tests, and a recording, fault-injecting proxy before it.

``make test`` installs Azurite with npm (package.json at the repo root).  The fixture
starts ``node_modules/.bin/azurite-blob`` on a free loopback port with in-memory
persistence and stops it after the module; without Azurite it fails, never skips.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from quietserver import QuietHTTPServer

ROOT = Path(__file__).resolve().parent.parent
AZURITE_BLOB = ROOT / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
FLAGS = ("--inMemoryPersistence", "--loose", "--disableTelemetry")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass(frozen=True)
class Endpoint:
    """A blob endpoint on 127.0.0.1 for the well-known development account."""

    port: int

    @property
    def account_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    def connection_string(self, key: str = KEY) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={key};"
            f"BlobEndpoint={self.account_url};"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_azurite(log: Path, *, skip_api_version_check: bool = True) -> Iterator[Endpoint]:
    """Azurite's blob service on a free port until the block ends."""
    if not AZURITE_BLOB.exists():
        pytest.fail(
            f"Azurite is not installed ({AZURITE_BLOB} is missing): run `make test`, which"
            " installs it with `npm ci` (needs node and npm)",
            pytrace=False,
        )
    endpoint = Endpoint(free_port())
    flags = [*FLAGS, "--skipApiVersionCheck"] if skip_api_version_check else list(FLAGS)
    command = [str(AZURITE_BLOB), "--blobHost", "127.0.0.1", "--blobPort", str(endpoint.port)]
    with log.open("wb") as out:
        process = subprocess.Popen([*command, *flags], stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_answering(endpoint.port, process, log)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Azurite exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", f"/{ACCOUNT}?comp=list")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"Azurite did not answer within 60 s: {log.read_text(errors='replace')[-2000:]}")


@dataclass(frozen=True)
class Seen:
    """A request that went through the proxy."""

    method: str
    path: str  # without the query, e.g. /devstoreaccount1/modeldata/sub-1/...
    query: dict[str, str]
    range: str | None  # x-ms-range or Range header

    @property
    def is_list(self) -> bool:
        return self.query.get("comp") == "list"

    @property
    def is_download(self) -> bool:
        return self.method == "GET" and not self.query


@dataclass
class Fault:
    """Answer ``status`` (with ``headers``) instead of forwarding, ``times`` times."""

    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    match: Callable[[Seen], bool] = lambda seen: True


Rewrite = Callable[[bytes, list[tuple[str, str]]], tuple[bytes, list[tuple[str, str]]]]


class Proxy:
    """An HTTP proxy on a free port that records requests, injects faults and runs hooks."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.seen: list[Seen] = []
        self.faults: list[Fault] = []
        self.hooks: list[tuple[Callable[[Seen], bool], Callable[[], None]]] = []
        # (match, rewrite): answers to matching requests pass through rewrite(body, headers)
        self.rewrites: list[tuple[Callable[[Seen], bool], Rewrite]] = []
        self.lock = threading.Lock()
        self.server = QuietHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = Endpoint(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def before_once(self, match: Callable[[Seen], bool], action: Callable[[], None]) -> None:
        """Run ``action`` once, before forwarding the first request that ``match``es."""
        self.hooks.append((match, action))

    def clear(self) -> None:
        with self.lock:
            self.seen.clear()

    def downloads(self) -> list[Seen]:
        return [s for s in self.seen if s.is_download]

    def listings(self) -> list[Seen]:
        return [s for s in self.seen if s.is_list]

    def _decide(self, seen: Seen) -> tuple[Fault | None, Callable[[], None] | None]:
        with self.lock:
            self.seen.append(seen)
            for fault in self.faults:
                if fault.times > 0 and fault.match(seen):
                    fault.times -= 1
                    return fault, None
            for hook in self.hooks:
                if hook[0](seen):
                    self.hooks.remove(hook)
                    return None, hook[1]
        return None, None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                ranged = self.headers.get("x-ms-range") or self.headers.get("Range")
                seen = Seen(self.command, parts.path, query, ranged)
                fault, action = proxy._decide(seen)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if fault is not None:
                    self.send_response(fault.status)
                    for name, value in fault.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if action is not None:
                    action()
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                sent = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP]
                for match, rewrite in proxy.rewrites:
                    if match(seen):
                        data, sent = rewrite(data, sent)
                self.send_response(answer.status, answer.reason)
                for name, value in sent:
                    self.send_header(name, value)
                declared = answer.getheader("Content-Length")
                size = declared if self.command == "HEAD" and declared else str(len(data))
                self.send_header("Content-Length", size)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                upstream.close()

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _forward

        return Handler

    def __enter__(self) -> Proxy:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """A running Azurite blob service (for the test module)."""
    log = tmp_path_factory.mktemp("azurite") / "azurite.log"
    with running_azurite(log) as endpoint:
        yield endpoint
