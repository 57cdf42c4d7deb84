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

Where things live (each part is also reachable as an attribute: publication, faults, log)
    publication.py  the files and the page's links (content.py: paths, types, validators;
                    page.py: the page's HTML)
    faults.py       the fault queues and what each fault does on the wire
    requestlog.py   RequestRecord and the log
    httpd.py        the server and its threads; responder.py and reply.py answer each request
"""

from __future__ import annotations

import asyncio
from http.server import BaseHTTPRequestHandler

from tests.replica.content import (
    PAGE_PATH,
    UPLOAD_DIR,
    XLSX_TYPE,
    HrefStyle,
    LengthMode,
    Validators,
    http_date,
    release_path,
    strong_etag,
)
from tests.replica.faults import Faults
from tests.replica.httpd import BackgroundServer
from tests.replica.publication import Publication
from tests.replica.requestlog import RequestLog, RequestRecord
from tests.replica.responder import Responder

__all__ = [
    "PAGE_PATH",
    "UPLOAD_DIR",
    "XLSX_TYPE",
    "HrefStyle",
    "LengthMode",
    "NHSReplica",
    "RequestRecord",
    "Validators",
    "http_date",
    "release_path",
    "strong_etag",
]


class NHSReplica:
    """The NHS England publication page and its spreadsheets on 127.0.0.1 (see module doc)."""

    def __init__(
        self,
        *,
        page_path: str = PAGE_PATH,
        title: str = "Industrial action in the NHS",
        host: str = "127.0.0.1",
    ) -> None:
        self.log = RequestLog()
        # The server binds first: the page's absolute links need its port.
        self._http = BackgroundServer(host, self._respond, self.log.add_error)
        self.host = host
        self.port: int = self._http.port
        self.base_url = f"http://{host}:{self.port}"
        self.page_path = page_path
        self.page_url = self.base_url + page_path
        self.title = title
        self.publication = Publication(self.base_url, page_path, title)
        self.faults = Faults(self.base_url)
        self._responder = Responder(self.publication, self.faults, self.log, self._http.stopping)

        # The interface tests use: each method is the one of the part that owns the job.
        self.add_file = self.publication.add_file
        self.remove_file = self.publication.remove_file
        self.drop_body = self.publication.drop_body
        self.link_only = self.publication.link_only
        self.set_page_html = self.publication.set_page_html
        self.touch_page = self.publication.touch_page
        self.populate_example = self.publication.populate_example
        self.set_length_mode = self.publication.set_length_mode
        self.set_validators = self.publication.set_validators
        self.validators = self.publication.validators
        self.served_paths = self.publication.served_paths

        self.fail = self.faults.fail
        self.hang = self.faults.hang
        self.redirect = self.faults.redirect
        self.slow_body = self.faults.slow_body
        self.truncate = self.faults.truncate
        self.disconnect = self.faults.disconnect
        self.oversize = self.faults.oversize
        self.clear_faults = self.faults.clear

        self.count = self.log.count
        self.bytes_sent = self.log.bytes_sent
        self.reset_log = self.log.reset
        self.wait_for = self.log.wait_for
        self.wait_for_async = self.log.wait_for_async

    @property
    def page_version(self) -> int:
        return self.publication.page_version

    @property
    def page_html(self) -> str:
        return self.publication.page_html

    @property
    def requests(self) -> list[RequestRecord]:
        return self.log.records

    @property
    def errors(self) -> list[BaseException]:
        return self.log.errors

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> NHSReplica:
        self._http.start()
        return self

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NHSReplica:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> NHSReplica:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)

    def _respond(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self._responder.serve(handler, method)
