"""The publication page: every spreadsheet link on it, found by href."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".ods")


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def spreadsheet_links(html: str, base_url: str) -> list[tuple[str, str]]:
    """Every spreadsheet link on a page, by href (not CSS), resolved and de-duplicated, in page order."""
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    seen: dict[str, str] = {}
    for href, text in parser.links:
        href = href.strip()
        if not href or href.startswith(("mailto:", "javascript:", "#")):
            continue
        absolute = urljoin(base_url, href)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https"):
            continue
        if not parts.path.lower().endswith(SPREADSHEET_SUFFIXES):
            continue
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        if url not in seen or (text and not seen[url]):
            seen[url] = text
    return list(seen.items())
