"""A local replica of NHS England's publication page, served by a real HTTP server.

`NHSReplica` runs `http.server.ThreadingHTTPServer` (daemon threads) in a background thread on
127.0.0.1 with a random port. It serves a WordPress-like HTML page that links to spreadsheets,
serves the spreadsheets themselves, and lets a test inject faults. Nothing leaves the machine.

Usage (sync or async tests; every method is thread-safe and never blocks on the network)::

    with NHSReplica() as nhs:                       # or: async with NHSReplica() as nhs:
        nhs.add_file(release_path("20230619"), xlsx_bytes,
                     link_text="Industrial action 14 to 17 June 2023: workforce and reschedule")
        client.poll(nhs.page_url)
        assert nhs.count(release_path("20230619")) == 1

Addresses
    base_url                 "http://127.0.0.1:PORT"
    page_path                "/publication/preparedness-for-potential-industrial-action-in-the-nhs/"
    page_url                 base_url + page_path (what a client polls)
    url(path)                base_url + path

Content (every change gives the resource a new strong ETag and a later Last-Modified)
    add_file(path, body, *, link_text=None, listed=True, href_style="auto", content_type=None,
             length="header", validators="both", last_modified=None)
                             serve `body` at `path` (a "?query" in `path` goes into the page's
                             href only; the server ignores query strings when routing). Re-adding
                             the same path replaces the bytes and keeps the link's place and style.
    remove_file(path)        stop serving `path` and drop its links from the page
    drop_body(path)          stop serving `path` but keep its link (the link now gives 404)
    link_only(path, link_text=None, *, href_style="auto")
                             add a link to the page without serving anything there (404)
    set_page_html(html)      serve this exact page instead of the generated one (None: restore)
    touch_page()             give the page a new Last-Modified ("Page updated" date) and version
    populate_example(bodies=None) -> list[str]
                             five realistic links: absolute, root-relative and relative .xlsx
                             hrefs, one .xlsx with "?ver=2", one .csv (placeholder bytes unless
                             `bodies` maps path -> bytes)
    set_length_mode(path, mode)  "header" (Content-Length), "chunked", or "close" (no length,
                             body ends when the connection closes): so size caps can't trust it
    set_validators(path, which)  "both", "etag", "last-modified" or "none" (which of the two
                             validators the server sends and honours)
    page_version             int; bumps whenever the page's HTML changes (links added, removed,
                             re-labelled, restyled, custom HTML, touch_page). New bytes at an
                             unchanged link do NOT change the page, as on the real site.
    validators(path) -> (etag | None, last_modified_http_date | None)
    served_paths() -> list[str]

Faults: queued per path (page or file), consumed FIFO one per request, then back to normal.
`times=None` means "every request until clear_faults(path)", so add such a fault last.
    fail(path, status, *, times=1, headers=None, body=None, retry_after=None)
                             answer `status` (e.g. 500, 503, 429 with retry_after=1)
    hang(path, seconds, *, times=1)   sleep, then answer normally (close() interrupts the sleep)
    redirect(from_path, to_path, status=301, *, times=None, absolute=True)
                             answer a redirect; Location is absolute unless absolute=False
    slow_body(path, *, chunk_size=1024, delay=0.05, times=1)
                             normal headers, then the body trickles out chunk by chunk
    truncate(path, nbytes, *, times=1)  promise the full body, send `nbytes`, close the connection
    disconnect(path, *, times=1)        close the connection without any response
    oversize(path, nbytes, *, times=None, length="header")
                             answer 200 with `nbytes` of filler bytes (streamed, not held in memory)
    clear_faults(path=None)

Request log (records are snapshots; in-flight requests are included with status None)
    requests -> list[RequestRecord]   method, path, query, headers, user_agent, status,
                                      bytes_sent (body bytes written), fault, finished, aborted
    count(path=None, *, method=None, status=None) -> int
    bytes_sent(path=None) -> int
    reset_log()
    wait_for(n, path=None, timeout=5.0) -> bool      (sync; blocks the calling thread)
    await wait_for_async(n, path=None)                (async; wrap in asyncio.timeout)
    errors -> list[BaseException]     unexpected exceptions inside the server (should be empty)

Rules the server enforces
    - Conditional GET on everything: strong ETag (hash of the bytes) and Last-Modified;
      If-None-Match (takes precedence) / If-Modified-Since -> 304 with no body.
    - An EMPTY If-None-Match or If-Modified-Since value -> 400 ("never send empty validators").
    - Content-Length on every 200 unless a length mode or fault says otherwise.
    - Only GET and HEAD; anything else -> 405.
    - No logging to stderr.

Lifecycle
    start() / close() (idempotent; close() returns promptly even while a handler hangs or a
    keep-alive connection is idle). A closed replica cannot be restarted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import hashlib
import html
import posixpath
import socket
import socketserver
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

PAGE_PATH = "/publication/preparedness-for-potential-industrial-action-in-the-nhs/"
UPLOAD_DIR = "/wp-content/uploads/2022/11/"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CONTENT_TYPES = {
    ".xlsx": XLSX_TYPE,
    ".xls": "application/vnd.ms-excel",
    ".csv": "text/csv; charset=utf-8",
    ".pdf": "application/pdf",
    ".html": "text/html; charset=UTF-8",
    ".zip": "application/zip",
}
_HTML_TYPE = "text/html; charset=UTF-8"

HrefStyle = Literal["auto", "absolute", "root", "relative"]
LengthMode = Literal["header", "chunked", "close"]
Validators = Literal["both", "etag", "last-modified", "none"]

_STYLE_CYCLE = ("absolute", "root", "relative")
_CHUNK = 64 * 1024


def release_path(yyyymmdd: str, suffix: str = "", ext: str = ".xlsx") -> str:
    """Path of a release file named like the two known real ones, e.g. release_path("20230619")."""
    return f"{UPLOAD_DIR}workforce-and-reschedule-sitrep-{yyyymmdd}{suffix}{ext}"


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _content_type_for(path: str) -> str:
    ext = posixpath.splitext(path)[1].lower()
    return _CONTENT_TYPES.get(ext, "application/octet-stream")


def _split_target(target: str) -> tuple[str, str]:
    """'/a/b.xlsx?ver=2' or 'http://host/a/b.xlsx?ver=2' -> ('/a/b.xlsx', 'ver=2')."""
    parts = urlsplit(target)
    path = parts.path or "/"
    if not path.startswith("/"):
        raise ValueError(f"path must be absolute (start with '/'): {target!r}")
    return path, parts.query


@dataclass
class RequestRecord:
    """One request as the server saw it. `bytes_sent` counts body bytes only."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    client: tuple[str, int]
    started: float
    status: int | None = None
    bytes_sent: int = 0
    fault: str | None = None
    finished: bool = False
    aborted: bool = False

    def header(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return default

    @property
    def user_agent(self) -> str | None:
        return self.header("User-Agent")

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


@dataclass
class _Resource:
    body: bytes
    content_type: str
    etag: str
    last_modified: float
    length_mode: LengthMode = "header"
    validators: Validators = "both"


@dataclass
class _Link:
    path: str
    query: str
    text: str
    style: str


@dataclass
class _Fault:
    kind: str
    remaining: int | None
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    seconds: float = 0.0
    location: str = ""
    nbytes: int = 0
    chunk_size: int = 0
    delay: float = 0.0
    length_mode: LengthMode = "header"


class _Abort(Exception):
    """The replica is closing: drop the connection without finishing the response."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # close() joins handler threads itself, with a deadline
    request_queue_size = 128
    replica: NHSReplica

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, (ConnectionError, TimeoutError, _Abort)):
            self.replica._errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    timeout = 60  # idle keep-alive connections give up eventually; close() cuts them at once
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.replica._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.replica._unregister(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
        return

    def do_GET(self) -> None:
        self.server.replica._serve(self, "GET")

    def do_HEAD(self) -> None:
        self.server.replica._serve(self, "HEAD")

    def _other(self) -> None:
        self.server.replica._serve(self, self.command)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _other


class NHSReplica:
    """The NHS England publication page and its spreadsheets on 127.0.0.1 (see module doc)."""

    def __init__(
        self,
        *,
        page_path: str = PAGE_PATH,
        title: str = "Industrial action in the NHS",
        host: str = "127.0.0.1",
    ) -> None:
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._server = _Server((host, 0), _Handler)
        self._server.replica = self
        self.host = host
        self.port: int = self._server.server_port
        self.base_url = f"http://{host}:{self.port}"
        self.page_path = page_path
        self.page_url = self.base_url + page_path
        self.title = title

        self._files: dict[str, _Resource] = {}
        self._links: list[_Link] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._log: list[RequestRecord] = []
        self._errors: list[BaseException] = []
        self._conns: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._clock = 0
        self._style_counter = 0
        self._custom_html: bytes | None = None
        self._touches = 0
        self._page_sig: object = None
        self._page_version = 0
        self._page_length_mode: LengthMode = "header"
        self._page_validators: Validators = "both"
        self._page = _Resource(b"", _HTML_TYPE, strong_etag(b""), 0)
        self._thread: threading.Thread | None = None
        self._closed = False
        with self._lock:
            self._refresh_page()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> NHSReplica:
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
        return self

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()  # wakes hanging / trickling handlers
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

    def __enter__(self) -> NHSReplica:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> NHSReplica:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)

    def url(self, path: str) -> str:
        return self.base_url + path

    # ------------------------------------------------------------------ content

    def add_file(
        self,
        path: str,
        body: bytes,
        *,
        link_text: str | None = None,
        listed: bool = True,
        href_style: HrefStyle = "auto",
        content_type: str | None = None,
        length: LengthMode | None = None,
        validators: Validators | None = None,
        last_modified: datetime | float | None = None,
    ) -> str:
        """Serve `body` at `path`; link it from the page if `listed`. Returns the served path."""
        path, query = _split_target(path)
        if path == self.page_path:
            raise ValueError("use set_page_html() to change the page")
        body = bytes(body)
        with self._lock:
            old = self._files.get(path)
            if old is not None and old.body == body and last_modified is None:
                res = old  # same bytes: validators unchanged
            else:
                res = _Resource(
                    body=body,
                    content_type=old.content_type if old else _content_type_for(path),
                    etag=strong_etag(body),
                    last_modified=self._stamp(last_modified),
                    length_mode=old.length_mode if old else "header",
                    validators=old.validators if old else "both",
                )
            if content_type:
                res.content_type = content_type
            if length is not None:
                res.length_mode = length
            if validators is not None:
                res.validators = validators
            self._files[path] = res
            if listed:
                self._upsert_link(path, query, link_text, href_style)
            else:
                self._links = [ln for ln in self._links if ln.path != path]
            self._refresh_page()
        return path

    def remove_file(self, path: str) -> None:
        path, _ = _split_target(path)
        with self._lock:
            had_links = any(ln.path == path for ln in self._links)
            if path not in self._files and not had_links:
                raise KeyError(path)
            self._files.pop(path, None)
            self._links = [ln for ln in self._links if ln.path != path]
            self._refresh_page()

    def drop_body(self, path: str) -> None:
        path, _ = _split_target(path)
        with self._lock:
            if path not in self._files:
                raise KeyError(path)
            del self._files[path]

    def link_only(
        self, path: str, link_text: str | None = None, *, href_style: HrefStyle = "auto"
    ) -> None:
        path, query = _split_target(path)
        with self._lock:
            self._upsert_link(path, query, link_text, href_style)
            self._refresh_page()

    def set_page_html(self, page_html: str | bytes | None) -> None:
        with self._lock:
            if page_html is None:
                self._custom_html = None
            else:
                self._custom_html = (
                    page_html.encode("utf-8") if isinstance(page_html, str) else bytes(page_html)
                )
            self._refresh_page()

    def touch_page(self) -> None:
        with self._lock:
            self._touches += 1
            self._refresh_page()

    @property
    def page_version(self) -> int:
        with self._lock:
            return self._page_version

    @property
    def page_html(self) -> str:
        with self._lock:
            return self._page.body.decode("utf-8", errors="replace")

    def set_length_mode(self, path: str, mode: LengthMode) -> None:
        if mode not in ("header", "chunked", "close"):
            raise ValueError(mode)
        path, _ = _split_target(path)
        with self._lock:
            if path == self.page_path:
                self._page_length_mode = mode
                self._page.length_mode = mode
            else:
                self._files[path].length_mode = mode

    def set_validators(self, path: str, which: Validators) -> None:
        if which not in ("both", "etag", "last-modified", "none"):
            raise ValueError(which)
        path, _ = _split_target(path)
        with self._lock:
            if path == self.page_path:
                self._page_validators = which
                self._page.validators = which
            else:
                self._files[path].validators = which

    def validators(self, path: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) the server currently sends for `path`."""
        path, _ = _split_target(path)
        with self._lock:
            res = self._page if path == self.page_path else self._files[path]
            return (
                res.etag if res.validators in ("both", "etag") else None,
                http_date(res.last_modified)
                if res.validators in ("both", "last-modified")
                else None,
            )

    def served_paths(self) -> list[str]:
        with self._lock:
            return [self.page_path, *self._files]

    def populate_example(self, bodies: Mapping[str, bytes] | None = None) -> list[str]:
        """Add five realistic listed files (one per href style, a '?ver=2' one and a CSV).

        Returns the served paths (no query strings). Bodies are placeholder bytes unless
        `bodies` maps a path (as returned) to real content.
        """
        bodies = bodies or {}
        entries: list[tuple[str, str, HrefStyle]] = [
            (
                release_path("20230317"),
                "Industrial action 13 to 16 March 2023: workforce and reschedule sitrep",
                "absolute",
            ),
            (
                release_path("20230619"),
                "Industrial action 14 to 17 June 2023: workforce and reschedule sitrep",
                "root",
            ),
            (
                release_path("20230928"),
                "Industrial action 19 to 23 September 2023: workforce and reschedule sitrep",
                "relative",
            ),
            (
                release_path("20240712") + "?ver=2",
                "Industrial action 27 June to 2 July 2024 (revised): workforce and reschedule sitrep",
                "root",
            ),
            (
                f"{UPLOAD_DIR}industrial-action-rescheduled-activity-summary.csv",
                "Summary of rescheduled activity by strike period (CSV)",
                "relative",
            ),
        ]
        paths = []
        for target, text, style in entries:
            path = _split_target(target)[0]
            body = bodies.get(path, b"PK\x03\x04 placeholder for " + path.encode())
            paths.append(self.add_file(target, body, link_text=text, href_style=style))
        return paths

    # ------------------------------------------------------------------ faults

    def fail(
        self,
        path: str,
        status: int,
        *,
        times: int | None = 1,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        retry_after: int | str | None = None,
    ) -> None:
        hdrs = dict(headers or {})
        if retry_after is not None:
            hdrs["Retry-After"] = str(retry_after)
        self._queue(path, _Fault("fail", times, status=status, headers=hdrs, body=body))

    def hang(self, path: str, seconds: float, *, times: int | None = 1) -> None:
        self._queue(path, _Fault("hang", times, seconds=seconds))

    def redirect(
        self,
        from_path: str,
        to_path: str,
        status: int = 301,
        *,
        times: int | None = None,
        absolute: bool = True,
    ) -> None:
        if status not in (301, 302, 303, 307, 308):
            raise ValueError(f"not a redirect status: {status}")
        location = to_path
        if absolute and to_path.startswith("/"):
            location = self.base_url + to_path
        self._queue(from_path, _Fault("redirect", times, status=status, location=location))

    def slow_body(
        self, path: str, *, chunk_size: int = 1024, delay: float = 0.05, times: int | None = 1
    ) -> None:
        self._queue(path, _Fault("slow", times, chunk_size=max(1, chunk_size), delay=delay))

    def truncate(self, path: str, nbytes: int, *, times: int | None = 1) -> None:
        self._queue(path, _Fault("truncate", times, nbytes=nbytes))

    def disconnect(self, path: str, *, times: int | None = 1) -> None:
        self._queue(path, _Fault("disconnect", times))

    def oversize(
        self, path: str, nbytes: int, *, times: int | None = None, length: LengthMode = "header"
    ) -> None:
        self._queue(path, _Fault("oversize", times, nbytes=nbytes, length_mode=length))

    def clear_faults(self, path: str | None = None) -> None:
        with self._lock:
            if path is None:
                self._faults.clear()
            else:
                self._faults.pop(_split_target(path)[0], None)

    def _queue(self, path: str, fault: _Fault) -> None:
        if fault.remaining is not None and fault.remaining < 1:
            raise ValueError("times must be >= 1 or None")
        path, _ = _split_target(path)
        with self._lock:
            self._faults.setdefault(path, deque()).append(fault)

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            q = self._faults.get(path)
            if not q:
                return None
            fault = q[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    q.popleft()
            return fault

    # ------------------------------------------------------------------ request log

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return [dataclasses.replace(r) for r in self._log]

    @property
    def errors(self) -> list[BaseException]:
        return list(self._errors)

    def count(
        self, path: str | None = None, *, method: str | None = None, status: int | None = None
    ) -> int:
        want = _split_target(path)[0] if path is not None else None
        with self._lock:
            return sum(
                1
                for r in self._log
                if (want is None or r.path == want)
                and (method is None or r.method == method)
                and (status is None or r.status == status)
            )

    def bytes_sent(self, path: str | None = None) -> int:
        want = _split_target(path)[0] if path is not None else None
        with self._lock:
            return sum(r.bytes_sent for r in self._log if want is None or r.path == want)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def wait_for(self, n: int, path: str | None = None, timeout: float = 5.0) -> bool:
        """Block until at least `n` requests (to `path`) have been received."""
        deadline = time.monotonic() + timeout
        while self.count(path) < n:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    async def wait_for_async(self, n: int, path: str | None = None) -> None:
        """Wait until at least `n` requests (to `path`) arrived; bound it with asyncio.timeout."""
        # Requests are logged by server threads, so poll; an asyncio.Event would need the loop.
        while self.count(path) < n:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ internals: state

    def _stamp(self, when: datetime | float | None = None) -> float:
        """Caller holds the lock. A whole-second time, strictly later than any earlier stamp."""
        if when is not None:
            ts = when.timestamp() if isinstance(when, datetime) else float(when)
            return float(int(ts))
        self._clock = max(int(time.time()), self._clock + 1)
        return float(self._clock)

    def _upsert_link(self, path: str, query: str, text: str | None, style: HrefStyle) -> None:
        if text is None:
            text = _default_link_text(path)
        for ln in self._links:
            if ln.path == path and ln.query == query:
                ln.text = text
                if style != "auto":
                    ln.style = style
                return
        if style == "auto":
            style = _STYLE_CYCLE[self._style_counter % len(_STYLE_CYCLE)]  # type: ignore[assignment]
            self._style_counter += 1
        self._links.append(_Link(path, query, text, style))

    def _refresh_page(self) -> None:
        """Caller holds the lock. Re-render the page; new version + stamp only if it changed."""
        sig = (
            tuple((ln.path, ln.query, ln.text, ln.style) for ln in self._links),
            self._custom_html,
            self._touches,
        )
        if sig == self._page_sig:
            return
        self._page_sig = sig
        stamp = self._stamp()
        body = self._custom_html if self._custom_html is not None else self._render_page(stamp)
        self._page_version += 1
        self._page = _Resource(
            body,
            _HTML_TYPE,
            strong_etag(body),
            stamp,
            self._page_length_mode,
            self._page_validators,
        )

    def _href(self, ln: _Link) -> str:
        q = "?" + ln.query if ln.query else ""
        if ln.style == "absolute":
            return self.base_url + ln.path + q
        if ln.style == "relative":
            page_dir = (
                self.page_path
                if self.page_path.endswith("/")
                else (posixpath.dirname(self.page_path) + "/")
            )
            return posixpath.relpath(ln.path, page_dir) + q
        return ln.path + q

    def _render_page(self, stamp: float) -> bytes:
        esc = html.escape
        base = self.base_url
        when = datetime.fromtimestamp(stamp, UTC)
        updated = f"{when.day} {when:%B %Y}"
        links = list(reversed(self._links))  # editors put the newest release at the top

        def anchor(ln: _Link) -> str:
            href = esc(self._href(ln), quote=True)
            text = esc(ln.text)
            ext = posixpath.splitext(ln.path)[1].lstrip(".").upper() or "FILE"
            if ln.style == "relative":  # vary the quoting a little, as hand-edited HTML does
                return f"<a href='{href}'>{text}</a> ({ext})"
            return f'<a href="{href}" target="_blank" rel="noopener">{text}</a> ({ext})'

        if not links:
            data = "<p>No data has been published on this page yet.</p>"
        else:
            first, rest = links[0], links[1:]
            parts = [f"<p><strong>Latest:</strong> {anchor(first)}</p>"]
            if rest:
                parts.append("<p>Earlier releases:</p>")
                parts.append("<ul>")
                parts.extend(f"  <li>{anchor(ln)}</li>" for ln in rest)
                parts.append("</ul>")
            data = "\n".join(parts)

        title = esc(self.title)
        page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NHS England &raquo; {title}</title>
<link rel="canonical" href="{base}{esc(self.page_path)}">
<link rel="stylesheet" id="nhsengland-style-css" href="/wp-content/themes/nhsengland/style.css?ver=6.4.3" type="text/css" media="all">
<link rel="icon" href="/wp-content/themes/nhsengland/images/favicon.ico">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>
<body class="publication-template-default single single-publication postid-187342">
<a class="skip-link screen-reader-text" href="#main-content">Skip to main content</a>
<header class="site-header" role="banner">
  <a href="{base}/" class="logo"><img src="/wp-content/themes/nhsengland/images/nhs-england-logo.svg" alt="NHS England"></a>
  <form role="search" method="get" action="{base}/"><label for="s">Search</label><input type="search" id="s" name="s"><button type="submit">Search</button></form>
  <nav class="nav-primary" aria-label="Main menu">
    <ul>
      <li><a href="/about/">About us</a></li>
      <li><a href="/our-work/">Our work</a></li>
      <li><a href="/commissioning/">Commissioning</a></li>
      <li><a href="/statistics/">Statistics</a></li>
      <li><a href="/publication/">Publications</a></li>
      <li><a href="/news/">News</a></li>
      <li><a href="/contact-us/">Contact us</a></li>
    </ul>
  </nav>
</header>
<nav class="breadcrumbs" aria-label="Breadcrumb">
  <ol><li><a href="{base}/">Home</a></li><li><a href="../">Publications</a></li><li>{title}</li></ol>
</nav>
<main id="main-content">
<article>
<h1>{title}</h1>
<dl class="publication-meta">
  <dt>Document first published:</dt><dd>21 December 2022</dd>
  <dt>Page updated:</dt><dd>{updated}</dd>
  <dt>Topic:</dt><dd><a href="/topic/industrial-action/">Industrial action</a></dd>
  <dt>Publication type:</dt><dd>Data</dd>
</dl>
<div class="entry-content">
<p>This page sets out the data NHS trusts submit on the impact of industrial action, including
staff absent and elective activity rescheduled on each strike day. Figures are provisional and
may be revised when late returns are received.</p>
<p>Guidance for organisations: <a href="/wp-content/uploads/2022/12/B2086-industrial-action-guidance-for-nhs-organisations.pdf">Industrial action: guidance for NHS organisations (PDF, 312 KB)</a>.</p>
<h2>Data</h2>
{data}
<h2>Further information</h2>
<p>Read the <a href='/wp-content/uploads/2023/01/industrial-action-sitrep-methodology-note.pdf'>methodology note (PDF, 96 KB)</a>
and <a href="../../statistics/statistical-work-areas/">our other statistics</a>. The data collection
template is described on the <a href="/publication/industrial-action-data-collection-xlsx-guidance/">data collection guidance page</a>.</p>
<p>Questions about this data: <a href="mailto:england.industrialaction@nhs.net">england.industrialaction@nhs.net</a>.</p>
</div>
</article>
</main>
<footer class="site-footer" role="contentinfo">
  <ul>
    <li><a href="/privacy-notice/">Privacy notice</a></li>
    <li><a href="/accessibility/">Accessibility</a></li>
    <li><a href="/terms-and-conditions/">Terms and conditions</a></li>
    <li><a href="#top">Back to top</a></li>
  </ul>
  <p>&copy; NHS England</p>
</footer>
<!-- page revision {self._touches}: an edit changes the bytes even on the same day -->
</body>
</html>
"""
        return page.encode("utf-8")

    # ------------------------------------------------------------------ internals: serving

    def _register(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.add(conn)
            self._threads.add(threading.current_thread())
        if self._stop.is_set():
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _unregister(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.discard(conn)
            self._threads.discard(threading.current_thread())

    def _serve(self, h: _Handler, method: str) -> None:
        target = urlsplit(h.path)
        path, query = target.path or "/", target.query
        rec = RequestRecord(
            method=method,
            path=path,
            query=query,
            headers=tuple((k, v) for k, v in h.headers.items()),
            client=tuple(h.client_address[:2]),  # type: ignore[arg-type]
            started=time.monotonic(),
        )
        with self._lock:
            self._log.append(rec)
        try:
            self._respond(h, rec, method, path)
        except _Abort:
            self._mark(rec, aborted=True)
            self._drop(h)
        except (ConnectionError, TimeoutError):
            self._mark(rec, aborted=True)
            h.close_connection = True
        finally:
            self._mark(rec, finished=True)

    def _respond(self, h: _Handler, rec: RequestRecord, method: str, path: str) -> None:
        for name in ("If-None-Match", "If-Modified-Since"):
            if any(not v.strip() for v in h.headers.get_all(name) or []):
                self._simple(h, rec, 400, f"Empty {name} header: omit the header instead.")
                return
        if method not in ("GET", "HEAD"):
            self._simple(h, rec, 405, "Method not allowed", headers={"Allow": "GET, HEAD"})
            return
        head = method == "HEAD"

        fault = self._take_fault(path)
        slow: _Fault | None = None
        cut: int | None = None
        if fault is not None:
            self._mark(rec, fault=fault.kind)
            if fault.kind == "fail":
                self._simple(h, rec, fault.status, None, fault.headers, fault.body, head)
                return
            if fault.kind == "redirect":
                body = f'<html><body>Moved to <a href="{html.escape(fault.location)}">here</a>.</body></html>'
                self._simple(h, rec, fault.status, body, {"Location": fault.location}, None, head)
                return
            if fault.kind == "disconnect":
                self._mark(rec, aborted=True)
                self._drop(h)
                return
            if fault.kind == "hang":
                if self._stop.wait(fault.seconds):
                    raise _Abort
            elif fault.kind == "oversize":
                self._send_filler(h, rec, path, fault, head)
                return
            elif fault.kind == "slow":
                slow = fault
            elif fault.kind == "truncate":
                cut = fault.nbytes

        with self._lock:
            res = self._page if path == self.page_path else self._files.get(path)
        if res is None:
            self._simple(h, rec, 404, "Page not found", head=head)
            return

        vheaders: list[tuple[str, str]] = []
        if res.validators in ("both", "etag"):
            vheaders.append(("ETag", res.etag))
        if res.validators in ("both", "last-modified"):
            vheaders.append(("Last-Modified", http_date(res.last_modified)))

        if _not_modified(h, res):
            self._begin(h, rec, 304, vheaders)
            return

        mode = res.length_mode
        headers = [("Content-Type", res.content_type), *vheaders]
        headers += _length_headers(mode, len(res.body))
        self._begin(h, rec, 200, headers)
        if head:
            return
        body = res.body if cut is None else res.body[: max(0, cut)]
        chunk = slow.chunk_size if slow else _CHUNK
        chunks = (body[i : i + chunk] for i in range(0, len(body), chunk))
        self._write(h, rec, chunks, mode, delay=slow.delay if slow else 0.0, finish=cut is None)
        if cut is not None:
            self._mark(rec, aborted=True)
            self._drop(h)

    def _send_filler(
        self, h: _Handler, rec: RequestRecord, path: str, fault: _Fault, head: bool
    ) -> None:
        headers = [
            ("Content-Type", _content_type_for(path)),
            ("ETag", strong_etag(f"oversize:{path}:{fault.nbytes}".encode())),
            *_length_headers(fault.length_mode, fault.nbytes),
        ]
        self._begin(h, rec, 200, headers)
        if head:
            return

        def filler() -> Iterator[bytes]:
            block = b"PK\x03\x04" + b"\0" * (_CHUNK - 4)
            left = fault.nbytes
            while left > 0:
                n = min(left, _CHUNK)
                yield block[:n]
                left -= n

        self._write(h, rec, filler(), fault.length_mode)

    def _simple(
        self,
        h: _Handler,
        rec: RequestRecord,
        status: int,
        message: str | None,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        head: bool = False,
    ) -> None:
        hdrs = list((headers or {}).items())
        if status in (204, 304) or 100 <= status < 200:
            self._begin(h, rec, status, hdrs)
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
            hdrs.append(("Content-Type", _HTML_TYPE))
        hdrs.append(("Content-Length", str(len(body))))
        self._begin(h, rec, status, hdrs)
        if not head:
            self._write(h, rec, iter([body]), "header")

    def _begin(
        self, h: _Handler, rec: RequestRecord, status: int, headers: list[tuple[str, str]]
    ) -> None:
        self._mark(rec, status=status)
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        h.end_headers()

    def _write(
        self,
        h: _Handler,
        rec: RequestRecord,
        chunks: Iterator[bytes],
        mode: LengthMode,
        *,
        delay: float = 0.0,
        finish: bool = True,
    ) -> None:
        first = True
        for chunk in chunks:
            if not chunk:
                continue
            if delay and not first and self._stop.wait(delay):
                raise _Abort
            first = False
            if self._stop.is_set():
                raise _Abort
            if mode == "chunked":
                h.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            else:
                h.wfile.write(chunk)
            with self._lock:
                rec.bytes_sent += len(chunk)
        if mode == "chunked" and finish:
            h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()

    def _mark(self, rec: RequestRecord, **changes: Any) -> None:
        with self._lock:
            for k, v in changes.items():
                setattr(rec, k, v)

    @staticmethod
    def _drop(h: _Handler) -> None:
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _length_headers(mode: LengthMode, n: int) -> list[tuple[str, str]]:
    if mode == "header":
        return [("Content-Length", str(n))]
    if mode == "chunked":
        return [("Transfer-Encoding", "chunked")]
    return [("Connection", "close")]  # close-delimited: http.server then closes after the body


def _default_link_text(path: str) -> str:
    stem = posixpath.splitext(posixpath.basename(path))[0]
    words = stem.replace("-", " ").replace("_", " ").strip() or path
    return words[:1].upper() + words[1:]


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith(("W/", "w/")) else tag


def _not_modified(h: _Handler, res: _Resource) -> bool:
    inm = h.headers.get("If-None-Match")
    if inm is not None:  # RFC 9110: If-None-Match takes precedence over If-Modified-Since
        if res.validators not in ("both", "etag"):
            return False
        tags = [t.strip() for t in inm.split(",")]
        return any(t == "*" or _opaque(t) == _opaque(res.etag) for t in tags if t)
    ims = h.headers.get("If-Modified-Since")
    if ims is not None and res.validators in ("both", "last-modified"):
        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            return False  # an invalid date is ignored
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return res.last_modified <= since.timestamp()
    return False
