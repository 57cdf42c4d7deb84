"""Staff absent through Discord: /turnout, and per day beside rescheduled in /cancellations."""

from __future__ import annotations

import json

import pytest

from tests.fakediscord import FakeDiscord, make_guild
from tests.processes import BotProcess, clean_env, strikewatch
from tests.replica import workforce as peaks
from tests.replica.server import NHSReplica
from tests.replica.site import OCTOBER_2023, SEPTEMBER_2023, serve, trust_sample

SILENT = "RTX"  # Morecambe Bay makes no workforce return for October


@pytest.fixture(scope="module")
def turnout(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("turnout")
    trusts = trust_sample(20)
    quiet_in_october = [SILENT, *sorted(trusts)[1:3]]
    with NHSReplica() as nhs, FakeDiscord([make_guild(name="Branch")]) as fake:
        serve(
            nhs,
            SEPTEMBER_2023,
            shape="wide",
            trusts=trusts,
            seed=4,  # R0A's return leaves 22 Sep blank: not reported, not 0
            staff=peaks.SEPTEMBER_2023,
            workforce="wide",
            staff_silent=[],
        )
        serve(
            nhs,
            OCTOBER_2023,
            shape="long",
            trusts=trusts,
            seed=4,
            staff=peaks.OCTOBER_2023,
            workforce="long",
            staff_silent=quiet_in_october,
        )
        env = clean_env(
            DATABASE_URL=f"sqlite:///{tmp / 'turnout.db'}",
            NHS_INDEX_URL=nhs.page_url,
            POLL_INTERVAL_MINUTES="1440",
            **fake.env(),
        )
        assert strikewatch(env, "poll").returncode == 0
        bot = BotProcess(env, tmp / "bot.log").start()
        fake.wait_ready(timeout=20)
        yield fake, env, len(set(quiet_in_october))
        assert bot.stop() == 0, bot.log
        assert "Traceback" not in bot.log, bot.log


def cli(env, *args):
    result = strikewatch(env, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_turnout_defaults_to_the_latest_strike_and_leaves_out_trusts_without_a_return(turnout):
    fake, env, silent = turnout
    reply = fake.run_command("turnout", timeout=20)
    (embed,) = reply.embeds
    assert "2-5 Oct 2023" in embed["title"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["England at the peak"] == "27,137 on Tue 3 Oct 2023"  # NHS England's figure
    lines = embed["description"].splitlines()
    ranked = [line for line in lines if line[:1].isdigit()]
    assert len(ranked) == 10 and "(RTX)" not in embed["description"]
    peaks_shown = [int(line.split("**")[1].replace(",", "")) for line in ranked]
    assert peaks_shown == sorted(peaks_shown, reverse=True)
    assert f"*{silent} trusts made no return: left out (not reported is not zero)*" in lines


def test_turnout_for_a_strike_typed_by_hand_matches_the_command_line(turnout):
    fake, env, _ = turnout
    reply = fake.run_command("turnout", {"strike": "2023-09-21", "limit": 25}, timeout=20)
    (embed,) = reply.embeds
    assert "19-23 Sep 2023" in embed["title"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["England at the peak"] == "26,802 on Wed 20 Sep 2023"
    rtx = cli(env, "trust", "RTX")
    september = next(p for p in rtx["periods"] if p["start"] == "2023-09-19")["staff_absent"]
    assert f"(RTX): **{september['peak']:,}**" in embed["description"]


@pytest.mark.parametrize("code", ["RTX", "R0A"])
def test_cancellations_for_a_strike_shows_staff_absent_per_day_and_the_peak(turnout, code):
    fake, env, _ = turnout
    mine = cli(env, "trust", code)
    september = next(p for p in mine["periods"] if p["start"] == "2023-09-19")["staff_absent"]
    if code == "R0A":
        assert september["days"]["2023-09-22"] is None  # the case that must not read as 0
    reply = fake.run_command("cancellations", {"trust": code, "strike": "19 Sep 2023"}, timeout=20)
    (embed,) = reply.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    peak_day = september["peak_day"]
    assert fields["Staff absent at the peak"].startswith(f"{september['peak']:,} on ")
    assert fields["Staff absent at the peak"].endswith(f" {int(peak_day[8:])} Sep 2023")
    for day, absent in september["days"].items():
        line = next(
            line
            for line in embed["description"].splitlines()
            if f" {int(day[8:])} Sep 2023:" in line
        )
        expected = "staff absent not reported" if absent is None else f"**{absent:,}** staff absent"
        assert expected in line, line


def test_a_trust_without_a_return_says_so_rather_than_zero(turnout):
    fake, env, _ = turnout
    reply = fake.run_command(
        "cancellations", {"trust": "RTX", "strike": "October 2023"}, timeout=20
    )
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Staff absent at the peak"] == "no workforce return for this strike"
    assert cli(env, "trust", "RTX")["periods"][-1]["staff_absent"] is None


def test_national_names_englands_peak_per_strike(turnout):
    fake, _, _ = turnout
    text = fake.run_command("national", timeout=20).embeds[0]["description"]
    assert "26,802 staff absent at the peak (20 Sep 2023)" in text
    assert "27,137 staff absent at the peak (3 Oct 2023)" in text


def test_a_region_that_does_not_exist_is_one_clear_line(turnout):
    fake, _, _ = turnout
    reply = fake.run_command("turnout", {"region": "Atlantis"}, timeout=20)
    assert reply.ephemeral and not reply.embeds
    assert reply.content.startswith("There is no NHS England region called “Atlantis”.")
