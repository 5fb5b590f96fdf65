"""A fault server for hostile-input tests: an HTTP server on 127.0.0.1 only, answering every
request with a function of the handler (a plain reply, or a body trickled a byte at a time)."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from quietserver import QuietHTTPServer

TRICKLE_FOR = 8.0  # seconds a trickling server keeps its answer going, at most

Answer = Callable[[BaseHTTPRequestHandler], None]


class FaultServer:
    """An HTTP server on 127.0.0.1 answering every request with ``answer(handler)``."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.paths: list[str] = []
        self.sent = 0  # body bytes written, over all requests
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _any(self) -> None:
                server.paths.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                server.answer(self)

            do_GET = do_HEAD = do_OPTIONS = do_PUT = do_POST = _any

        self.http = QuietHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def with_tls(self, context: ssl.SSLContext) -> FaultServer:
        """Answer over HTTPS (Azure ML's SDK sends its token to https:// only)."""
        self.http.socket = context.wrap_socket(self.http.socket, server_side=True)
        self.url = self.url.replace("http://", "https://")
        return self

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.http.shutdown()
        self.http.server_close()


@contextmanager
def serving(answer: Answer) -> Iterator[FaultServer]:
    with FaultServer(answer) as server:
        yield server


def reply(status: int, body: bytes, headers: dict[str, str] | None = None) -> Answer:
    """A plain answer."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def trickle(
    headers: dict[str, str] | None = None,
    gap: float = 0.25,
    first: bytes = b"",
    lasting: float = TRICKLE_FOR,
) -> Answer:
    """Status and headers at once, then ``first`` and one byte every ``gap`` seconds, for
    at most ``lasting`` seconds (a long body is promised, never finished)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        handler.wfile.write(first)
        handler.wfile.flush()
        ends = time.monotonic() + lasting
        while time.monotonic() < ends:
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(gap)
        handler.close_connection = True

    return answer
