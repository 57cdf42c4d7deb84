import pytest

from bot.domain.records import Trust
from bot.domain.trust_search import TrustIndex
from bot.nhs.reference import trust_seed


@pytest.fixture(scope="module")
def index():
    trusts = trust_seed()
    trusts.append(
        Trust("RXX", "Newer Name Hospitals NHS Trust", "London", ("Old Name Healthcare NHS Trust",))
    )
    return TrustIndex(trusts)


@pytest.mark.parametrize("query", ["Morecambe Bay", "morecambe", "RTX", "rtx", " RTX ", "Morcambe"])
def test_morecambe_bay_is_found_first(index, query):
    trust, matches = index.resolve(query)
    assert trust is not None and trust.org_code == "RTX"
    assert matches[0].trust.org_code == "RTX"


def test_full_name_and_apostrophes(index):
    assert (
        index.resolve("University Hospitals of Morecambe Bay NHS Foundation Trust")[0].org_code
        == "RTX"
    )
    assert index.resolve("guys")[0].org_code == "RJ1"


def test_old_names_find_the_trust(index):
    trust, matches = index.resolve("Old Name Healthcare")
    assert trust.org_code == "RXX" and matches[0].matched == "Old Name Healthcare NHS Trust"


@pytest.mark.parametrize("query", ["Royal", "Birmingham", "Kings"])
def test_ambiguous_names_are_not_guessed(index, query):
    trust, matches = index.resolve(query)
    assert trust is None
    assert len(matches) >= 2


@pytest.mark.parametrize("query", ["", "   ", "zzzzqqq", "@everyone", "x" * 6000])
def test_nothing_matches_silly_queries(index, query):
    assert index.resolve(query)[0] is None
