"""Fault injection: errors, 429s, redirects, hangs, slow, cut and oversized bodies, per path."""

from __future__ import annotations

import html
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from tests.replica.content import LengthMode, content_type_for, split_target, strong_etag
from tests.replica.reply import CHUNK, Reply, length_headers


@dataclass
class Fault:
    kind: str
    remaining: int | None  # requests left to spoil; None: until cleared
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    seconds: float = 0.0
    location: str = ""
    nbytes: int = 0
    chunk_size: int = 0
    delay: float = 0.0
    length_mode: LengthMode = "header"


class Faults:
    """Faults queued per path, consumed first in, first out, one per request; thread-safe."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {}

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
        self._queue(path, Fault("fail", times, status=status, headers=hdrs, body=body))

    def hang(self, path: str, seconds: float, *, times: int | None = 1) -> None:
        self._queue(path, Fault("hang", times, seconds=seconds))

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
            location = self._base_url + to_path
        self._queue(from_path, Fault("redirect", times, status=status, location=location))

    def slow_body(
        self, path: str, *, chunk_size: int = 1024, delay: float = 0.05, times: int | None = 1
    ) -> None:
        self._queue(path, Fault("slow", times, chunk_size=max(1, chunk_size), delay=delay))

    def truncate(self, path: str, nbytes: int, *, times: int | None = 1) -> None:
        self._queue(path, Fault("truncate", times, nbytes=nbytes))

    def disconnect(self, path: str, *, times: int | None = 1) -> None:
        self._queue(path, Fault("disconnect", times))

    def oversize(
        self, path: str, nbytes: int, *, times: int | None = None, length: LengthMode = "header"
    ) -> None:
        self._queue(path, Fault("oversize", times, nbytes=nbytes, length_mode=length))

    def clear(self, path: str | None = None) -> None:
        with self._lock:
            if path is None:
                self._queues.clear()
            else:
                self._queues.pop(split_target(path)[0], None)

    def take(self, path: str) -> Fault | None:
        """The fault for this request to `path`, if any, counting it as used."""
        with self._lock:
            q = self._queues.get(path)
            if not q:
                return None
            fault = q[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    q.popleft()
            return fault

    def _queue(self, path: str, fault: Fault) -> None:
        if fault.remaining is not None and fault.remaining < 1:
            raise ValueError("times must be >= 1 or None")
        path, _ = split_target(path)
        with self._lock:
            self._queues.setdefault(path, deque()).append(fault)


def answer_instead(fault: Fault, reply: Reply, path: str, head: bool) -> bool:
    """Act out a fault that comes before the normal answer; True if it answered the request.

    A hang only delays the normal answer; "slow" and "truncate" change how the normal body is
    sent, so they are left to the caller.
    """
    if fault.kind == "fail":
        reply.simple(fault.status, None, fault.headers, fault.body, head)
        return True
    if fault.kind == "redirect":
        body = (
            f'<html><body>Moved to <a href="{html.escape(fault.location)}">here</a>.</body></html>'
        )
        reply.simple(fault.status, body, {"Location": fault.location}, None, head)
        return True
    if fault.kind == "disconnect":
        reply.mark(aborted=True)
        reply.drop()
        return True
    if fault.kind == "hang":
        reply.pause(fault.seconds)
    elif fault.kind == "oversize":
        _send_filler(reply, path, fault, head)
        return True
    return False


def _send_filler(reply: Reply, path: str, fault: Fault, head: bool) -> None:
    """`nbytes` of zip-looking filler, generated as it is sent so it never sits in memory."""
    headers = [
        ("Content-Type", content_type_for(path)),
        ("ETag", strong_etag(f"oversize:{path}:{fault.nbytes}".encode())),
        *length_headers(fault.length_mode, fault.nbytes),
    ]
    reply.begin(200, headers)
    if head:
        return

    def filler() -> Iterator[bytes]:
        block = b"PK\x03\x04" + b"\0" * (CHUNK - 4)
        left = fault.nbytes
        while left > 0:
            n = min(left, CHUNK)
            yield block[:n]
            left -= n

    reply.write(filler(), fault.length_mode)
