"""Tests of the replica's faults: errors, redirects, hangs, slow, cut and oversized bodies."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.replica.server import PAGE_PATH, NHSReplica, release_path

FILE = release_path("20230619")


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
