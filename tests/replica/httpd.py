"""The replica's HTTP server: a thread per connection, quiet, and a close() that is prompt."""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Called with the handler and the method (GET, HEAD, POST...) of every request.
Respond = Callable[[BaseHTTPRequestHandler, str], None]


class Abort(Exception):
    """The replica is closing: drop the connection without finishing the response."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # close() joins handler threads itself, with a deadline
    request_queue_size = 128
    owner: BackgroundServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, (ConnectionError, TimeoutError, Abort)):
            self.owner.on_error(exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    timeout = 60  # idle keep-alive connections give up eventually; close() cuts them at once
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.owner.register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.owner.unregister(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
        return

    def do_GET(self) -> None:
        self.server.owner.respond(self, "GET")

    def do_HEAD(self) -> None:
        self.server.owner.respond(self, "HEAD")

    def _other(self) -> None:
        self.server.owner.respond(self, self.command)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _other


class BackgroundServer:
    """Listens on `host` at a free port from construction; serves from start() until close().

    `respond` answers each request; `on_error` hears of exceptions a handler did not expect.
    `stopping` is set by close(), so a handler that sleeps or trickles can wake and give up.
    """

    def __init__(self, host: str, respond: Respond, on_error: Callable[[BaseException], None]):
        self.respond = respond
        self.on_error = on_error
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server((host, 0), _Handler)
        self._server.owner = self
        self.port: int = self._server.server_port
        self._conns: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self) -> None:
        if self._closed:
            raise RuntimeError("NHSReplica is closed and cannot be restarted")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"nhs-replica:{self.port}",
                daemon=True,
            )
            self._thread.start()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stopping.set()  # wakes hanging / trickling handlers
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=2)
        self._server.server_close()
        with self._lock:
            conns = list(self._conns)
            threads = list(self._threads)
        for conn in conns:  # idle keep-alive connections block in readline(): cut them
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + 2.0
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))

    def register(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.add(conn)
            self._threads.add(threading.current_thread())
        if self.stopping.is_set():
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def unregister(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.discard(conn)
            self._threads.discard(threading.current_thread())
