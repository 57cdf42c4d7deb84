"""Writing one response on the wire: status and headers, a body in a length mode, error pages."""

from __future__ import annotations

import html
import socket
import threading
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.replica.content import HTML_TYPE, LengthMode
from tests.replica.httpd import Abort
from tests.replica.requestlog import RequestLog, RequestRecord

CHUNK = 64 * 1024


def length_headers(mode: LengthMode, n: int) -> list[tuple[str, str]]:
    if mode == "header":
        return [("Content-Length", str(n))]
    if mode == "chunked":
        return [("Transfer-Encoding", "chunked")]
    return [("Connection", "close")]  # close-delimited: http.server then closes after the body


class Reply:
    """The response to one request; what it sends is written into the request's log record."""

    def __init__(
        self,
        handler: BaseHTTPRequestHandler,
        record: RequestRecord,
        log: RequestLog,
        stopping: threading.Event,
    ) -> None:
        self.handler = handler
        self.record = record
        self._log = log
        self._stopping = stopping

    def mark(self, **changes: Any) -> None:
        self._log.mark(self.record, **changes)

    def pause(self, seconds: float) -> None:
        """Sleep, unless the replica closes first: then give up on the response."""
        if self._stopping.wait(seconds):
            raise Abort

    def begin(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.mark(status=status)
        h = self.handler
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        h.end_headers()

    def write(
        self,
        chunks: Iterator[bytes],
        mode: LengthMode,
        *,
        delay: float = 0.0,
        finish: bool = True,
    ) -> None:
        """Send the body; `delay` between chunks, and no chunked terminator unless `finish`."""
        wfile = self.handler.wfile
        first = True
        for chunk in chunks:
            if not chunk:
                continue
            if delay and not first:
                self.pause(delay)
            first = False
            if self._stopping.is_set():
                raise Abort
            if mode == "chunked":
                wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            else:
                wfile.write(chunk)
            self._log.add_bytes(self.record, len(chunk))
        if mode == "chunked" and finish:
            wfile.write(b"0\r\n\r\n")
        wfile.flush()

    def simple(
        self,
        status: int,
        message: str | None,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        head: bool = False,
    ) -> None:
        """A complete response with a short HTML page (or `body`), always with Content-Length."""
        hdrs = list((headers or {}).items())
        if status in (204, 304) or 100 <= status < 200:
            self.begin(status, hdrs)
            return
        if body is None:
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = "Error"
            text = html.escape(message or phrase)
            body = (
                f"<!DOCTYPE html><html><head><title>{status} {phrase}</title></head>"
                f"<body><h1>{status} {phrase}</h1><p>{text}</p></body></html>"
            ).encode()
        names = {k.lower() for k, _ in hdrs}
        if "content-type" not in names:
            hdrs.append(("Content-Type", HTML_TYPE))
        hdrs.append(("Content-Length", str(len(body))))
        self.begin(status, hdrs)
        if not head:
            self.write(iter([body]), "header")

    def drop(self) -> None:
        """Close the connection now, mid-response if need be."""
        self.handler.close_connection = True
        try:
            self.handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
