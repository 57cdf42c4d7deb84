"""Paths, content types, validators and the served resource: what the replica's parts share."""

from __future__ import annotations

import email.utils
import hashlib
import posixpath
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

PAGE_PATH = "/publication/preparedness-for-potential-industrial-action-in-the-nhs/"
UPLOAD_DIR = "/wp-content/uploads/2022/11/"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {
    ".xlsx": XLSX_TYPE,
    ".xls": "application/vnd.ms-excel",
    ".csv": "text/csv; charset=utf-8",
    ".pdf": "application/pdf",
    ".html": "text/html; charset=UTF-8",
    ".zip": "application/zip",
}
HTML_TYPE = "text/html; charset=UTF-8"

HrefStyle = Literal["auto", "absolute", "root", "relative"]
LengthMode = Literal["header", "chunked", "close"]
Validators = Literal["both", "etag", "last-modified", "none"]


def release_path(yyyymmdd: str, suffix: str = "", ext: str = ".xlsx") -> str:
    """Path of a release file named like the two known real ones, e.g. release_path("20230619")."""
    return f"{UPLOAD_DIR}workforce-and-reschedule-sitrep-{yyyymmdd}{suffix}{ext}"


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def content_type_for(path: str) -> str:
    ext = posixpath.splitext(path)[1].lower()
    return CONTENT_TYPES.get(ext, "application/octet-stream")


def split_target(target: str) -> tuple[str, str]:
    """'/a/b.xlsx?ver=2' or 'http://host/a/b.xlsx?ver=2' -> ('/a/b.xlsx', 'ver=2')."""
    parts = urlsplit(target)
    path = parts.path or "/"
    if not path.startswith("/"):
        raise ValueError(f"path must be absolute (start with '/'): {target!r}")
    return path, parts.query


@dataclass
class Resource:
    body: bytes
    content_type: str
    etag: str
    last_modified: float
    length_mode: LengthMode = "header"
    validators: Validators = "both"


class Clock:
    """Last-Modified stamps: whole seconds, each strictly later than the one before.

    One clock serves the page and the files, so any change anywhere looks newer than all before it.
    Not thread-safe: the publication calls it under its lock.
    """

    def __init__(self) -> None:
        self._last = 0

    def stamp(self, when: datetime | float | None = None) -> float:
        if when is not None:  # a chosen time is used as given and leaves the clock alone
            ts = when.timestamp() if isinstance(when, datetime) else float(when)
            return float(int(ts))
        self._last = max(int(time.time()), self._last + 1)
        return float(self._last)
