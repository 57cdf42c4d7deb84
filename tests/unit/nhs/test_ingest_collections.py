"""Ingest collects garbage less often while it runs, and gives Python's setting back after."""

from __future__ import annotations

import gc

import pytest

from bot.nhs.fetch import Fetcher, make_client
from bot.nhs.ingest import Ingestor, fewer_collections
from bot.nhs.poller import Poller
from tests.replica import workbooks as wb
from tests.replica.server import NHSReplica
from tests.replica.site import SEPTEMBER_2023, days, standard_site, trust_sample

YOUNG = type(fewer_collections).YOUNG


@pytest.fixture(autouse=True)
def default_threshold():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def workbook(tmp_path, name="sitrep-20230927.xlsx"):
    release = wb.make_release(
        trust_sample(5), days(SEPTEMBER_2023.start, SEPTEMBER_2023.end), seed=1
    )
    path = tmp_path / name
    path.write_bytes(wb.wide_workbook(release))
    return path


async def test_an_import_collects_less_while_it_runs_and_restores_the_setting(
    store, settings, tmp_path
):
    seen = []
    outcomes = await Ingestor(store, settings).import_files(
        [workbook(tmp_path)], lambda done, total, name: name and seen.append(gc.get_threshold())
    )
    assert [o.kind for o in outcomes] == ["new"]
    assert seen and all(t == (YOUNG, 10, 10) for t in seen)
    assert gc.get_threshold() == (700, 10, 10)


async def test_a_poll_collects_less_while_it_ingests_and_restores_the_setting(store, settings):
    seen = []
    with NHSReplica() as nhs:
        standard_site(nhs, n_trusts=3)
        polling = settings.model_copy(update={"nhs_index_url": nhs.page_url})
        async with make_client("test", 30) as client:
            report = await Poller(store, polling, Fetcher.from_settings(client, polling)).poll(
                lambda done, total, name: name and seen.append(gc.get_threshold())
            )
    assert report.outcomes and all(o.kind == "new" for o in report.outcomes)
    assert seen and all(t == (YOUNG, 10, 10) for t in seen)
    assert gc.get_threshold() == (700, 10, 10)


async def test_an_import_that_fails_still_restores_the_setting(store, settings, tmp_path):
    path = workbook(tmp_path)
    await store.close()  # the first write fails
    with pytest.raises(Exception):  # noqa: B017 - whatever the closed store raises
        await Ingestor(store, settings).import_files([path])
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_ingests_restore_the_setting_when_the_last_one_ends():
    with fewer_collections:
        with fewer_collections:
            assert gc.get_threshold()[0] == YOUNG
        assert gc.get_threshold()[0] == YOUNG
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_already_set_is_kept():
    gc.set_threshold(YOUNG * 2, 20, 30)
    with fewer_collections:
        assert gc.get_threshold() == (YOUNG * 2, 20, 30)
    assert gc.get_threshold() == (YOUNG * 2, 20, 30)
