"""The replica's published content: the files served at their paths and the page linking them."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime

from tests.replica.content import (
    UPLOAD_DIR,
    Clock,
    HrefStyle,
    LengthMode,
    Resource,
    Validators,
    content_type_for,
    http_date,
    release_path,
    split_target,
    strong_etag,
)
from tests.replica.page import Page

# (target, link text, href style) of the five links populate_example() adds.
EXAMPLE_LINKS: list[tuple[str, str, HrefStyle]] = [
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


class Publication:
    """The files served and the page that links them; every method is thread-safe."""

    def __init__(self, base_url: str, page_path: str, title: str) -> None:
        self._lock = threading.RLock()
        self._clock = Clock()
        self._files: dict[str, Resource] = {}
        self.page_path = page_path
        self._page = Page(base_url, page_path, title, self._clock)

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
        path, query = split_target(path)
        if path == self.page_path:
            raise ValueError("use set_page_html() to change the page")
        body = bytes(body)
        with self._lock:
            old = self._files.get(path)
            if old is not None and old.body == body and last_modified is None:
                res = old  # same bytes: validators unchanged
            else:
                res = Resource(
                    body=body,
                    content_type=old.content_type if old else content_type_for(path),
                    etag=strong_etag(body),
                    last_modified=self._clock.stamp(last_modified),
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
                self._page.upsert_link(path, query, link_text, href_style)
            else:
                self._page.drop_links(path)
            self._page.refresh()
        return path

    def remove_file(self, path: str) -> None:
        path, _ = split_target(path)
        with self._lock:
            if path not in self._files and not self._page.has_link(path):
                raise KeyError(path)
            self._files.pop(path, None)
            self._page.drop_links(path)
            self._page.refresh()

    def drop_body(self, path: str) -> None:
        path, _ = split_target(path)
        with self._lock:
            if path not in self._files:
                raise KeyError(path)
            del self._files[path]

    def link_only(
        self, path: str, link_text: str | None = None, *, href_style: HrefStyle = "auto"
    ) -> None:
        path, query = split_target(path)
        with self._lock:
            self._page.upsert_link(path, query, link_text, href_style)
            self._page.refresh()

    def set_page_html(self, page_html: str | bytes | None) -> None:
        with self._lock:
            self._page.set_custom_html(page_html)

    def touch_page(self) -> None:
        with self._lock:
            self._page.touch()

    @property
    def page_version(self) -> int:
        with self._lock:
            return self._page.version

    @property
    def page_html(self) -> str:
        with self._lock:
            return self._page.resource.body.decode("utf-8", errors="replace")

    def set_length_mode(self, path: str, mode: LengthMode) -> None:
        if mode not in ("header", "chunked", "close"):
            raise ValueError(mode)
        path, _ = split_target(path)
        with self._lock:
            if path == self.page_path:
                self._page.set_length_mode(mode)
            else:
                self._files[path].length_mode = mode

    def set_validators(self, path: str, which: Validators) -> None:
        if which not in ("both", "etag", "last-modified", "none"):
            raise ValueError(which)
        path, _ = split_target(path)
        with self._lock:
            if path == self.page_path:
                self._page.set_validators(which)
            else:
                self._files[path].validators = which

    def validators(self, path: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) the server currently sends for `path`."""
        path, _ = split_target(path)
        with self._lock:
            res = self._page.resource if path == self.page_path else self._files[path]
            return (
                res.etag if res.validators in ("both", "etag") else None,
                http_date(res.last_modified)
                if res.validators in ("both", "last-modified")
                else None,
            )

    def served_paths(self) -> list[str]:
        with self._lock:
            return [self.page_path, *self._files]

    def resource(self, path: str) -> Resource | None:
        """What a GET of `path` (no query) serves right now, or None for a 404."""
        with self._lock:
            return self._page.resource if path == self.page_path else self._files.get(path)

    def populate_example(self, bodies: Mapping[str, bytes] | None = None) -> list[str]:
        """Add five realistic listed files (one per href style, a '?ver=2' one and a CSV).

        Returns the served paths (no query strings). Bodies are placeholder bytes unless
        `bodies` maps a path (as returned) to real content.
        """
        bodies = bodies or {}
        paths = []
        for target, text, style in EXAMPLE_LINKS:
            path = split_target(target)[0]
            body = bodies.get(path, b"PK\x03\x04 placeholder for " + path.encode())
            paths.append(self.add_file(target, body, link_text=text, href_style=style))
        return paths
