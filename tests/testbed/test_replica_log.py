"""Tests of the replica's request log, its silence on stderr, and its use from async tests."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from tests.replica.server import PAGE_PATH, NHSReplica, release_path

FILE = release_path("20230619")


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
    assert all(r.user_agent == client.headers["User-Agent"] and r.finished for r in recs)
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
    # A client may have its body before the server thread has logged the last chunk it wrote.
    deadline = time.monotonic() + 5
    while not all(r.finished for r in nhs.requests) and time.monotonic() < deadline:
        time.sleep(0.01)
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
