"""A threaded HTTP server on 127.0.0.1 for the test doubles of remote services."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and writes JSON replies, even to a client that left."""

    def log_message(self, *args: object) -> None:
        pass

    def send_json(self, status: int, data: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, shutdown)
            pass


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 resets connections when a test sends dozens at once,
    # which a real service's front end never does
    request_queue_size = 128
    daemon_threads = True


class LoopbackServer:
    """Serves `handler()` on a free loopback port while used as a context manager."""

    def __init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), self.handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
