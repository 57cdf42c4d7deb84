"""How the replica answers a request: checks, faults, then the resource under conditional GET."""

from __future__ import annotations

import email.utils
import threading
import time
from datetime import UTC
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.replica.content import Resource, http_date
from tests.replica.faults import Fault, Faults, answer_instead
from tests.replica.httpd import Abort
from tests.replica.publication import Publication
from tests.replica.reply import CHUNK, Reply, length_headers
from tests.replica.requestlog import RequestLog, RequestRecord


class Responder:
    """Serves the publication through the queued faults, logging every request."""

    def __init__(
        self,
        publication: Publication,
        faults: Faults,
        log: RequestLog,
        stopping: threading.Event,
    ) -> None:
        self._publication = publication
        self._faults = faults
        self._log = log
        self._stopping = stopping

    def serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
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
        self._log.add(rec)
        reply = Reply(h, rec, self._log, self._stopping)
        try:
            self._respond(reply, method, path)
        except Abort:
            reply.mark(aborted=True)
            reply.drop()
        except (ConnectionError, TimeoutError):
            reply.mark(aborted=True)
            h.close_connection = True
        finally:
            reply.mark(finished=True)

    def _respond(self, reply: Reply, method: str, path: str) -> None:
        request_headers = reply.handler.headers
        for name in ("If-None-Match", "If-Modified-Since"):
            if any(not v.strip() for v in request_headers.get_all(name) or []):
                reply.simple(400, f"Empty {name} header: omit the header instead.")
                return
        if method not in ("GET", "HEAD"):
            reply.simple(405, "Method not allowed", headers={"Allow": "GET, HEAD"})
            return
        head = method == "HEAD"

        fault = self._faults.take(path)
        slow: Fault | None = None
        cut: int | None = None
        if fault is not None:
            reply.mark(fault=fault.kind)
            if answer_instead(fault, reply, path, head):
                return
            if fault.kind == "slow":
                slow = fault
            elif fault.kind == "truncate":
                cut = fault.nbytes

        res = self._publication.resource(path)
        if res is None:
            reply.simple(404, "Page not found", head=head)
            return

        vheaders: list[tuple[str, str]] = []
        if res.validators in ("both", "etag"):
            vheaders.append(("ETag", res.etag))
        if res.validators in ("both", "last-modified"):
            vheaders.append(("Last-Modified", http_date(res.last_modified)))

        if not_modified(reply.handler, res):
            reply.begin(304, vheaders)
            return

        mode = res.length_mode
        headers = [("Content-Type", res.content_type), *vheaders]
        headers += length_headers(mode, len(res.body))
        reply.begin(200, headers)
        if head:
            return
        body = res.body if cut is None else res.body[: max(0, cut)]
        chunk = slow.chunk_size if slow else CHUNK
        chunks = (body[i : i + chunk] for i in range(0, len(body), chunk))
        reply.write(chunks, mode, delay=slow.delay if slow else 0.0, finish=cut is None)
        if cut is not None:
            reply.mark(aborted=True)
            reply.drop()


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith(("W/", "w/")) else tag


def not_modified(h: BaseHTTPRequestHandler, res: Resource) -> bool:
    """Whether the request's validators still match `res`, so a 304 answers it."""
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
