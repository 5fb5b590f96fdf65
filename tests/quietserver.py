"""A threading HTTP server for the local fakes that does not print when a client hangs up.

``socketserver`` prints a traceback to stderr for every handler error; a client that gives
up on a slow answer (a timeout test, an interrupted request) makes the handler's write fail
with a broken pipe, and that noise would land in whichever test captures stderr next.
"""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class QuietHTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` that ignores clients that disconnected mid-answer."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
