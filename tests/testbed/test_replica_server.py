"""Tests of the replica's page and files (served by tests/replica/server.py), driven with httpx."""

from __future__ import annotations

import email.utils
import socket
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.replica.server import PAGE_PATH, NHSReplica, release_path

FILE = release_path("20230619")


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def _hrefs(page_html: str) -> list[str]:
    parser = _Hrefs()
    parser.feed(page_html)
    return parser.hrefs


def _lm(resp: httpx.Response) -> float:
    return email.utils.parsedate_to_datetime(resp.headers["Last-Modified"]).timestamp()


# ---------------------------------------------------------------- addresses and page


def test_addresses(nhs: NHSReplica) -> None:
    assert nhs.base_url.startswith("http://127.0.0.1:")
    assert nhs.port > 0
    assert nhs.page_path == PAGE_PATH
    assert nhs.page_url == nhs.base_url + PAGE_PATH
    assert nhs.url("/x") == nhs.base_url + "/x"


def test_page_conditional_get(nhs: NHSReplica, client: httpx.Client) -> None:
    r = client.get(nhs.page_url)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert int(r.headers["Content-Length"]) == len(r.content)
    etag, last_modified = r.headers["ETag"], r.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert (etag, last_modified) == nhs.validators(PAGE_PATH)
    assert "Industrial action in the NHS" in r.text

    r304 = client.get(nhs.page_url, headers={"If-None-Match": etag})
    assert r304.status_code == 304 and r304.content == b""
    assert r304.headers["ETag"] == etag
    r304 = client.get(nhs.page_url, headers={"If-None-Match": f'"nope", W/{etag}'})
    assert r304.status_code == 304  # weak comparison, list of tags
    r304 = client.get(nhs.page_url, headers={"If-Modified-Since": last_modified})
    assert r304.status_code == 304 and r304.content == b""

    # If-None-Match wins over If-Modified-Since; a bad date is ignored; an older date -> 200.
    stale = client.get(
        nhs.page_url, headers={"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    )
    assert stale.status_code == 200 and stale.content == r.content
    assert client.get(nhs.page_url, headers={"If-Modified-Since": "garbage"}).status_code == 200
    older = email.utils.formatdate(_lm(r) - 10, usegmt=True)
    assert client.get(nhs.page_url, headers={"If-Modified-Since": older}).status_code == 200


def test_page_version_follows_listing(nhs: NHSReplica, client: httpx.Client) -> None:
    v0, etag0 = nhs.page_version, nhs.validators(PAGE_PATH)[0]
    nhs.add_file(FILE, b"one", link_text="14 to 17 June 2023")
    v1, (etag1, lm1) = nhs.page_version, nhs.validators(PAGE_PATH)
    assert v1 > v0 and etag1 != etag0

    nhs.add_file(FILE, b"two", link_text="14 to 17 June 2023")  # new bytes, same link
    assert nhs.page_version == v1 and nhs.validators(PAGE_PATH) == (etag1, lm1)

    nhs.add_file(FILE, b"two", link_text="14 to 17 June 2023 (revised)")
    v2 = nhs.page_version
    assert v2 > v1 and "(revised)" in client.get(nhs.page_url).text

    nhs.touch_page()
    v3, (etag3, lm3) = nhs.page_version, nhs.validators(PAGE_PATH)
    assert v3 > v2 and email.utils.parsedate_to_datetime(lm3).timestamp() > (
        email.utils.parsedate_to_datetime(lm1).timestamp()
    )

    nhs.remove_file(FILE)
    assert nhs.page_version > v3 and FILE not in client.get(nhs.page_url).text
    assert client.get(nhs.url(FILE)).status_code == 404

    nhs.set_page_html("<html><body><p>Nothing here</p></body></html>")
    r = client.get(nhs.page_url)
    assert r.text == "<html><body><p>Nothing here</p></body></html>"
    assert r.headers["ETag"] != etag3
    nhs.set_page_html(None)
    assert "<h1>Industrial action in the NHS</h1>" in client.get(nhs.page_url).text


# ---------------------------------------------------------------- files


def test_file_conditional_get_and_new_bytes(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.add_file(FILE, b"PK version one")
    r1 = client.get(nhs.url(FILE))
    assert r1.status_code == 200 and r1.content == b"PK version one"
    assert r1.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r1.headers["Content-Length"] == str(len(b"PK version one"))
    assert (
        client.get(nhs.url(FILE), headers={"If-None-Match": r1.headers["ETag"]}).status_code == 304
    )
    r = client.get(nhs.url(FILE), headers={"If-Modified-Since": r1.headers["Last-Modified"]})
    assert r.status_code == 304

    nhs.add_file(FILE, b"PK version one")  # same bytes: nothing changes
    assert nhs.validators(FILE) == (r1.headers["ETag"], r1.headers["Last-Modified"])

    nhs.add_file(FILE, b"PK version two")  # new bytes at the same URL, immediately
    r2 = client.get(nhs.url(FILE), headers={"If-None-Match": r1.headers["ETag"]})
    assert r2.status_code == 200 and r2.content == b"PK version two"
    assert r2.headers["ETag"] != r1.headers["ETag"]
    assert _lm(r2) > _lm(r1)
    r = client.get(nhs.url(FILE), headers={"If-Modified-Since": r1.headers["Last-Modified"]})
    assert r.status_code == 200 and r.content == b"PK version two"

    # Query strings do not change routing (WordPress "?ver=" links).
    assert client.get(nhs.url(FILE) + "?ver=7").content == b"PK version two"


def test_validator_selection(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.add_file(FILE, b"x", validators="none")
    r = client.get(nhs.url(FILE))
    assert "ETag" not in r.headers and "Last-Modified" not in r.headers
    assert client.get(nhs.url(FILE), headers={"If-None-Match": "*"}).status_code == 200
    nhs.set_validators(FILE, "last-modified")
    r = client.get(nhs.url(FILE))
    assert "ETag" not in r.headers and "Last-Modified" in r.headers
    headers = {"If-Modified-Since": r.headers["Last-Modified"]}
    assert client.get(nhs.url(FILE), headers=headers).status_code == 304


def test_empty_validator_headers_get_400(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.add_file(FILE, b"x")
    for url in (nhs.page_url, nhs.url(FILE), nhs.url("/missing")):
        for name in ("If-None-Match", "If-Modified-Since"):
            r = client.get(url, headers={name: ""})
            assert r.status_code == 400, (url, name)
            assert "Empty" in r.text
    assert nhs.count(status=400) == 6


def test_blank_validator_header_gets_400_raw_socket(nhs: NHSReplica) -> None:
    # httpx refuses to send a whitespace-only value, so speak HTTP by hand.
    with socket.create_connection((nhs.host, nhs.port), timeout=2) as sock:
        sock.sendall(
            f"GET {PAGE_PATH} HTTP/1.1\r\nHost: x\r\nIf-None-Match:   \r\n"
            "Connection: close\r\n\r\n".encode()
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400 ")


def test_links_in_html_resolve_to_served_files(nhs: NHSReplica, client: httpx.Client) -> None:
    bodies = {release_path("20230619"): b"PK real June workbook"}
    paths = nhs.populate_example(bodies)
    page = client.get(nhs.page_url)
    hrefs = _hrefs(page.text)

    sheets = [h for h in hrefs if urlsplit(h).path.lower().endswith((".xlsx", ".xls", ".csv"))]
    assert len(sheets) == 5
    assert any(h.startswith(nhs.base_url + "/wp-content/") for h in sheets)  # absolute
    assert any(h.startswith("/wp-content/") for h in sheets)  # root-relative
    assert any(h.startswith("../../wp-content/") for h in sheets)  # relative
    assert any(urlsplit(h).path.endswith(".xlsx") and urlsplit(h).query == "ver=2" for h in sheets)
    assert any(h.endswith(".csv") for h in sheets)

    # Distractors: other links, including non-spreadsheet /wp-content/ files, exist too.
    others = set(hrefs) - set(sheets)
    assert any(h.endswith(".pdf") for h in others)
    assert any(h.startswith("mailto:") for h in others)
    assert "/about/" in others

    urls = [urljoin(str(page.url), h) for h in sheets]
    resolved = {urlsplit(u).path: u for u in urls}
    assert sorted(resolved) == sorted(paths)
    for path, url in resolved.items():
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.content == bodies.get(path, b"PK\x03\x04 placeholder for " + path.encode())
        expected = "text/csv" if path.endswith(".csv") else "application/vnd.openxmlformats"
        assert r.headers["Content-Type"].startswith(expected)


def test_auto_href_styles_cycle(nhs: NHSReplica, client: httpx.Client) -> None:
    paths = [release_path(d) for d in ("20230101", "20230201", "20230301")]
    for p in paths:
        nhs.add_file(p, p.encode())  # default link text comes from the file name
    hrefs = [h for h in _hrefs(client.get(nhs.page_url).text) if h.endswith(".xlsx")]
    assert sorted(hrefs) == sorted(
        [nhs.url(paths[0]), paths[1], "../../wp-content/uploads/2022/11/" + paths[2].split("/")[-1]]
    )
    assert "Workforce and reschedule sitrep 20230101" in nhs.page_html
    for h in hrefs:
        url = urljoin(nhs.page_url, h)
        assert client.get(url).content == urlsplit(url).path.encode()


def test_listed_link_without_body_is_404(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.link_only("/wp-content/uploads/2022/11/ghost.xlsx", "Ghost release")
    nhs.add_file(FILE, b"x", link_text="June")
    nhs.drop_body(FILE)
    html = client.get(nhs.page_url).text
    assert "Ghost release" in html and "June" in html
    assert client.get(nhs.url("/wp-content/uploads/2022/11/ghost.xlsx")).status_code == 404
    r = client.get(nhs.url(FILE))
    assert r.status_code == 404 and int(r.headers["Content-Length"]) == len(r.content)


def test_unlisted_file_is_served_but_not_linked(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.add_file(FILE, b"hidden", listed=False)
    assert FILE not in client.get(nhs.page_url).text
    assert client.get(nhs.url(FILE)).content == b"hidden"


@pytest.mark.parametrize("mode", ["chunked", "close"])
def test_body_without_content_length(nhs: NHSReplica, client: httpx.Client, mode: str) -> None:
    body = bytes(range(256)) * 1000
    nhs.add_file(FILE, body, length=mode)  # type: ignore[arg-type]
    r = client.get(nhs.url(FILE))
    assert r.status_code == 200 and r.content == body
    assert "Content-Length" not in r.headers
    nhs.set_length_mode(PAGE_PATH, mode)  # type: ignore[arg-type]
    r = client.get(nhs.page_url)
    assert "Content-Length" not in r.headers and "</html>" in r.text
    assert client.get(nhs.url(FILE)).content == body  # the connection still works after
