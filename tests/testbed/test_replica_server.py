"""Tests of the NHS England replica server itself (tests/replica/server.py), driven with httpx."""

from __future__ import annotations

import asyncio
import email.utils
import socket
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.replica.server import PAGE_PATH, NHSReplica, release_path

UA = "Strikewatch-tests/1.0 (+mailto:test@example.invalid)"
FILE = release_path("20230619")


@pytest.fixture
def nhs() -> Iterator[NHSReplica]:
    with NHSReplica() as replica:
        yield replica
    assert replica.errors == []


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"User-Agent": UA}, timeout=5.0) as c:
        yield c


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


# ---------------------------------------------------------------- faults


def test_faults_are_consumed_in_order(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.add_file(FILE, b"data")
    nhs.fail(FILE, 500, times=2)
    nhs.fail(FILE, 503)
    nhs.fail(FILE, 429, retry_after=1)
    statuses = []
    for _ in range(5):
        r = client.get(nhs.url(FILE))
        statuses.append(r.status_code)
        assert int(r.headers["Content-Length"]) == len(r.content)
    assert statuses == [500, 500, 503, 429, 200]
    assert [rec.fault for rec in nhs.requests] == ["fail"] * 4 + [None]
    r = client.get(nhs.url(FILE))
    assert r.content == b"data"


def test_fault_on_page_with_headers(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.fail(PAGE_PATH, 503, headers={"Retry-After": "2"}, body=b"busy")
    r = client.get(nhs.page_url)
    assert r.status_code == 503 and r.headers["Retry-After"] == "2" and r.content == b"busy"
    assert client.get(nhs.page_url).status_code == 200


def test_fault_forever_until_cleared(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.fail(PAGE_PATH, 500, times=None)
    assert {client.get(nhs.page_url).status_code for _ in range(3)} == {500}
    nhs.clear_faults(PAGE_PATH)
    assert client.get(nhs.page_url).status_code == 200


def test_redirects(nhs: NHSReplica, client: httpx.Client) -> None:
    new = "/wp-content/uploads/2023/06/moved.xlsx"
    nhs.add_file(new, b"moved body", listed=False)
    nhs.redirect(FILE, new)  # permanent
    r = client.get(nhs.url(FILE))
    assert r.status_code == 301 and r.headers["Location"] == nhs.url(new)
    assert int(r.headers["Content-Length"]) == len(r.content)
    r = client.get(nhs.url(FILE), follow_redirects=True)
    assert r.status_code == 200 and r.content == b"moved body"
    assert client.get(nhs.url(FILE)).status_code == 301  # still there

    nhs.redirect(
        PAGE_PATH, "/publication/industrial-action-in-the-nhs/", 302, times=1, absolute=False
    )
    r = client.get(nhs.page_url)
    assert (
        r.status_code == 302
        and r.headers["Location"] == "/publication/industrial-action-in-the-nhs/"
    )
    assert client.get(nhs.page_url).status_code == 200

    nhs.redirect("/a", "/b")
    nhs.redirect("/b", "/a")
    with pytest.raises(httpx.TooManyRedirects):
        client.get(nhs.url("/a"), follow_redirects=True)


def test_hang_trips_client_timeout(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.hang(PAGE_PATH, 5.0)
    t0 = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get(nhs.page_url, timeout=0.2)
    assert time.monotonic() - t0 < 1.0
    assert client.get(nhs.page_url).status_code == 200  # consumed: next request is normal
    assert nhs.count(PAGE_PATH) == 2


def test_close_is_prompt_with_hanging_handler_and_idle_connection() -> None:
    replica = NHSReplica().start()
    idle = httpx.Client()
    assert idle.get(replica.page_url).status_code == 200  # leaves a keep-alive connection open
    replica.hang(PAGE_PATH, 30.0)
    outcome: list[object] = []

    def call() -> None:
        try:
            with httpx.Client(timeout=10.0) as c:
                outcome.append(c.get(replica.page_url).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    assert replica.wait_for(2, PAGE_PATH)
    t0 = time.monotonic()
    replica.close()
    assert time.monotonic() - t0 < 1.5
    worker.join(timeout=2.0)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError)
    idle.close()
    replica.close()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(replica.page_url, timeout=1.0)


def test_slow_body_defeats_per_read_timeout(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.add_file(FILE, b"z" * 1000)
    nhs.slow_body(FILE, chunk_size=100, delay=0.05)
    t0 = time.monotonic()
    r = client.get(nhs.url(FILE), timeout=0.3)  # every read is quick, the whole is not
    elapsed = time.monotonic() - t0
    assert r.content == b"z" * 1000 and elapsed >= 0.4
    assert nhs.requests[-1].fault == "slow"


def test_truncate_and_disconnect(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.add_file(FILE, b"y" * 5000)
    nhs.truncate(FILE, 100)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(nhs.url(FILE))
    nhs.disconnect(FILE)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(nhs.url(FILE))
    assert client.get(nhs.url(FILE)).content == b"y" * 5000
    recs = nhs.requests
    assert [r.fault for r in recs] == ["truncate", "disconnect", None]
    assert recs[0].bytes_sent == 100 and recs[0].aborted
    assert recs[1].status is None and recs[1].bytes_sent == 0


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


def test_oversize(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.oversize(FILE, 3_000_000, times=1)
    r = client.get(nhs.url(FILE))
    assert r.headers["Content-Length"] == "3000000" and len(r.content) == 3_000_000
    nhs.oversize(FILE, 1_000_000, times=1, length="close")
    with client.stream("GET", nhs.url(FILE)) as resp:
        assert "Content-Length" not in resp.headers
        seen = 0
        for chunk in resp.iter_bytes():
            seen += len(chunk)
            if seen > 200_000:  # a client cap stops reading early
                break
    assert seen > 200_000
    assert client.get(nhs.url(FILE)).status_code == 404  # back to normal: nothing served


# ---------------------------------------------------------------- request log


def test_request_log(nhs: NHSReplica, client: httpx.Client) -> None:
    nhs.add_file(FILE, b"0123456789")
    page = client.get(nhs.page_url)
    client.get(nhs.url(FILE) + "?ver=2")
    client.get(nhs.url(FILE), headers={"If-None-Match": nhs.validators(FILE)[0] or ""})
    client.head(nhs.url(FILE))
    assert client.post(nhs.url(FILE)).status_code == 405
    client.get(nhs.url("/nope"))

    recs = nhs.requests
    assert [(r.method, r.path, r.status) for r in recs] == [
        ("GET", PAGE_PATH, 200),
        ("GET", FILE, 200),
        ("GET", FILE, 304),
        ("HEAD", FILE, 200),
        ("POST", FILE, 405),
        ("GET", "/nope", 404),
    ]
    assert all(r.user_agent == UA and r.finished for r in recs)
    assert recs[1].query == "ver=2" and recs[1].target == FILE + "?ver=2"
    assert recs[2].header("if-none-match") == nhs.validators(FILE)[0]
    assert [r.bytes_sent for r in recs[:4]] == [len(page.content), 10, 0, 0]
    assert nhs.count() == 6
    assert nhs.count(FILE) == 4
    assert nhs.count(nhs.url(FILE)) == 4  # full URLs work too
    assert nhs.count(FILE, method="GET", status=200) == 1
    assert nhs.bytes_sent(FILE) == 10 + recs[4].bytes_sent  # the 405 page has a body too
    assert nhs.bytes_sent() == len(page.content) + 10 + recs[4].bytes_sent + recs[5].bytes_sent

    nhs.reset_log()
    assert nhs.requests == [] and nhs.count() == 0 and nhs.bytes_sent() == 0


def test_log_is_thread_safe_under_concurrency(nhs: NHSReplica) -> None:
    nhs.add_file(FILE, b"a" * 2048)

    def hammer() -> None:
        with httpx.Client() as c:
            for _ in range(10):
                assert c.get(nhs.url(FILE)).status_code == 200

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert nhs.count(FILE) == 80 and nhs.bytes_sent(FILE) == 80 * 2048


def test_server_is_quiet(
    nhs: NHSReplica, client: httpx.Client, capfd: pytest.CaptureFixture[str]
) -> None:
    nhs.fail(PAGE_PATH, 500)
    client.get(nhs.page_url)
    client.get(nhs.page_url)
    client.get(nhs.url("/missing"), headers={"If-None-Match": ""})
    out, err = capfd.readouterr()
    assert out == "" and err == ""


async def test_async_usage() -> None:
    async with NHSReplica() as replica:
        replica.add_file(FILE, b"async body")
        async with httpx.AsyncClient() as c:
            r = await c.get(replica.url(FILE))
            assert r.content == b"async body"
            async with asyncio.timeout(2):
                await replica.wait_for_async(1, FILE)
