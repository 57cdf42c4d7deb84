"""End to end: `strikewatch run` as its own process, the real discord.py client, the fake Discord,
and a store filled by `strikewatch poll` from the NHS replica."""

from __future__ import annotations

import csv
import io
import itertools
import json

import pytest

from tests.fakediscord import MANAGE_GUILD, FakeDiscord, make_guild
from tests.processes import BotProcess, clean_env, strikewatch
from tests.replica import workbooks as wb
from tests.replica.server import NHSReplica
from tests.replica.site import standard_site

TIMEOUT = 10


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One NHS replica, one poll into a store, one fake Discord and one bot process for the module."""
    tmp = tmp_path_factory.mktemp("e2e")
    with NHSReplica() as nhs, FakeDiscord([make_guild(name="Union branch")]) as fake:
        site = standard_site(nhs, n_trusts=30)
        env = clean_env(
            DATABASE_URL=f"sqlite:///{tmp / 'bot.db'}",
            NHS_INDEX_URL=nhs.page_url,
            POLL_INTERVAL_MINUTES="1440",
        )
        assert strikewatch(env, "poll").returncode == 0
        env = {**env, **fake.env()}
        bot = BotProcess(env, tmp / "bot.log").start()
        try:
            fake.wait_ready(timeout=20)
            fake.wait_for_sync(count=1, timeout=20)
            yield {"fake": fake, "nhs": nhs, "site": site, "env": env, "bot": bot, "tmp": tmp}
        finally:
            code = bot.stop()
            assert code == 0, bot.log
            assert "Traceback" not in bot.log, bot.log
            assert env["DISCORD_TOKEN"] not in bot.log  # the token is never logged


def cli_json(world, *args):
    result = strikewatch(world["env"], *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_synced_command_payload(world):
    fake = world["fake"]
    commands = {c["name"]: c for c in fake.synced_global}
    assert set(commands) == {
        "cancellations",
        "national",
        "top",
        "turnout",
        "export",
        "about",
        "strikes",
        "track",
        "alerts",
        "source",
        "help",
    }
    manage_guild, administrator = 1 << 5, 1 << 3
    assert int(commands["alerts"]["default_member_permissions"]) == manage_guild
    assert int(commands["track"]["default_member_permissions"]) == manage_guild
    assert int(commands["source"]["default_member_permissions"]) == administrator
    assert {o["name"] for o in commands["alerts"]["options"]} == {
        "channel",
        "role",
        "milestones",
        "digest",
        "charts",
        "status",
        "test",
    }
    assert {o["name"] for o in commands["track"]["options"]} == {"add", "region", "remove", "list"}
    assert {o["name"] for o in commands["strikes"]["options"]} == {"list", "announce", "cancel"}
    cancellations = commands["cancellations"]
    options = {o["name"]: o for o in cancellations["options"]}
    assert (
        options["trust"]["type"],
        options["trust"]["required"],
        options["trust"]["autocomplete"],
    ) == (3, True, True)
    assert (options["strike"]["type"], options["strike"]["autocomplete"]) == (3, True)
    assert options["chart"]["type"] == 5
    assert cancellations["dm_permission"] is False and cancellations["contexts"] == [0]
    assert (
        commands["strikes"]["options"][0]["name"] == "list"
        and commands["strikes"]["options"][0]["type"] == 1
    )
    assert {o["name"] for o in commands["top"]["options"]} == {"strike", "region", "limit", "chart"}
    assert {o["name"] for o in commands["turnout"]["options"]} == {"strike", "region", "limit"}


def test_cancellations_morecambe_bay_matches_the_store(world):
    reply = world["fake"].run_command("cancellations", {"trust": "Morecambe Bay"}, timeout=TIMEOUT)
    assert not reply.ephemeral
    embed = reply.embeds[0]
    expected = cli_json(world, "trust", "RTX")
    assert "(RTX)" in embed["title"] and "Morecambe Bay" in embed["title"]
    assert f"**{expected['cumulative_total']:,}**" in embed["description"]
    assert f"rank {expected['rank']} of" in embed["description"]
    for period in expected["periods"]:
        assert (
            f"**{period['total']:,}** ({period['inpatient']:,} inpatient, {period['outpatient']:,} outpatient)"
            in embed["description"]
        )
    assert "19-23 Sep 2023" in embed["description"] and "27 Jun-2 Jul 2024" in embed["description"]
    source = next(f for f in embed["fields"] if f["name"] == "Latest source")
    assert expected["periods"][-1]["release_url"] in source["value"]
    assert reply.allowed_mentions == {"parse": []}


def test_cancellations_for_one_strike_has_days_and_the_peak(world):
    fake = world["fake"]
    choices = (
        fake.autocomplete("cancellations", "strike", "sep", {"trust": "RTX"})
        .wait_response(TIMEOUT)
        .choices
    )
    assert choices and choices[0]["name"].startswith("19-23 Sep 2023")
    reply = fake.run_command(
        "cancellations", {"trust": "RTX", "strike": choices[0]["value"]}, timeout=TIMEOUT
    )
    embed = reply.embeds[0]
    period = next(
        p for p in cli_json(world, "trust", "RTX")["periods"] if p["start"] == "2023-09-19"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Total"] == f"{period['total']:,}"
    assert "Tue 19 Sep 2023" in embed["description"]
    peak = max(period["days"], key=lambda d: (d["inpatient"] or 0) + (d["outpatient"] or 0))
    assert f"{(peak['inpatient'] or 0) + (peak['outpatient'] or 0):,}" in fields["Peak day"]


def test_trust_autocomplete_offers_the_trust_first(world):
    choices = (
        world["fake"]
        .autocomplete("cancellations", "trust", "morecambe")
        .wait_response(TIMEOUT)
        .choices
    )
    assert choices[0]["value"] == "RTX"
    assert len(choices) <= 25 and all(len(c["name"]) <= 100 for c in choices)
    everything = (
        world["fake"].autocomplete("cancellations", "trust", "").wait_response(TIMEOUT).choices
    )
    assert len(everything) == 25


def test_chart_arrives_as_a_png(world):
    reply = world["fake"].run_command("cancellations", {"trust": "RTX", "chart": True}, timeout=20)
    assert (
        len(reply.files) == 1
        and reply.files[0].is_png
        and reply.files[0].filename == "strikewatch-RTX.png"
    )
    assert reply.embeds[0]["image"]["url"] == "attachment://strikewatch-RTX.png"


def test_strikes_list(world):
    reply = world["fake"].run_command("strikes list", {"when": "past"}, timeout=TIMEOUT)
    text = reply.embeds[0]["description"]
    assert "**19-23 Sep 2023**" in text and "BMA" in text
    sep = next(s for s in cli_json(world, "strikes") if s["start"] == "2023-09-19")
    assert f"**{sep['national_total']:,}** rescheduled" in text
    upcoming = world["fake"].run_command("strikes list", {"when": "upcoming"}, timeout=TIMEOUT)
    assert "19-23 Sep 2023" not in upcoming.embeds[0]["description"]


def test_national(world):
    reply = world["fake"].run_command("national", timeout=TIMEOUT)
    national = cli_json(world, "national")
    embed = reply.embeds[0]
    assert f"**{national['cumulative_total']:,}**" in embed["description"]
    next_milestone = next(f for f in embed["fields"] if f["name"] == "Next milestone")
    assert next_milestone["value"].startswith(
        f"{(national['cumulative_total'] // 100_000 + 1) * 100_000:,}"
    )


def test_top(world):
    reply = world["fake"].run_command("top", {"limit": 3}, timeout=TIMEOUT)
    lines = reply.embeds[0]["description"].splitlines()
    assert len(lines) == 3 and lines[0].startswith("1. ")
    site = world["site"]
    totals: dict[str, int] = {}
    for served in site:
        for code, (inpatient, outpatient) in wb.expected_totals(served.release).items():
            totals[code] = totals.get(code, 0) + (inpatient or 0) + (outpatient or 0)
    best = max(totals, key=totals.get)
    assert f"({best}): **{totals[best]:,}**" in lines[0]
    regional = world["fake"].run_command(
        "top", {"region": "north west", "limit": 25}, timeout=TIMEOUT
    )
    assert (
        "North West" in regional.embeds[0]["title"] and "(RTX)" in regional.embeds[0]["description"]
    )


def test_export_csv_parses_and_sums_match(world):
    reply = world["fake"].run_command("export", timeout=TIMEOUT)
    assert reply.files[0].filename == "strikewatch-all-strikes.csv"
    rows = list(csv.DictReader(io.StringIO(reply.files[0].text())))
    national = cli_json(world, "national")
    for period in national["periods"]:
        mine = [r for r in rows if r["start"] == period["start"]]
        assert sum(int(r["total"] or 0) for r in mine) == period["total"]
        assert sum(int(r["inpatient"] or 0) for r in mine) == period["inpatient"]


def test_about(world):
    reply = world["fake"].run_command("about", timeout=TIMEOUT)
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert reply.ephemeral
    assert world["nhs"].page_url in fields["Data source"]
    assert "ok: 3 new" in fields["Last poll"]
    assert "27 Jun-2 Jul 2024" in fields["Newest release"]
    assert reply.embeds[0]["footer"]["text"].startswith("Strikewatch 0.")


# -- bad input: an ephemeral answer, no ping escapes, the bot keeps answering ------------------------


@pytest.mark.parametrize(
    ("trust", "expected"),
    [
        ("Royal", "No single trust matches “Royal”. Did you mean"),
        ("zzqqxx", "No trust matches “zzqqxx”"),
        ("@everyone", "trust matches “@\u200beveryone”"),
        ("<@&123456789012345678> **bold**", "No trust matches"),
        ("x" * 6000, "too long"),
        ("", "Name a trust"),
    ],
)
def test_silly_trust_options_get_an_ephemeral_answer(world, trust, expected):
    reply = world["fake"].run_command("cancellations", {"trust": trust}, timeout=TIMEOUT)
    assert reply.ephemeral
    assert expected in reply.content
    assert "<@&" not in reply.content and reply.allowed_mentions == {"parse": []}
    assert world["fake"].run_command("about", timeout=TIMEOUT).embeds  # still answering


def test_a_strike_that_does_not_exist(world):
    reply = world["fake"].run_command(
        "cancellations", {"trust": "RTX", "strike": "31 Feb 1999"}, timeout=TIMEOUT
    )
    assert reply.ephemeral and "No strike with figures matches" in reply.content
    reply = world["fake"].run_command("national", {"strike": "999999"}, timeout=TIMEOUT)
    assert reply.ephemeral and "No strike with figures matches" in reply.content


def test_a_command_used_in_a_dm(world):
    reply = world["fake"].run_command("cancellations", {"trust": "RTX"}, dm=True, timeout=TIMEOUT)
    assert reply.ephemeral and "answers in servers" in reply.content


def test_after_the_gateway_closes_the_bot_resumes_and_answers(world):
    fake = world["fake"]
    resumes = fake.resume_count
    assert fake.close_gateway(4000)
    fake.wait_resumed(count=resumes + 1, timeout=20)
    assert fake.run_command("about", timeout=TIMEOUT).embeds


def test_a_429_on_the_callback_is_retried_and_the_answer_arrives_once(world):
    fake = world["fake"]
    rule = fake.fail_next(
        "POST", r"/interactions/\d+/[^/]+/callback", 429, times=1, retry_after=0.3
    )
    handle = fake.invoke("cancellations", {"trust": "RTX"})
    reply = handle.wait_response(TIMEOUT)
    assert rule.hits == 1
    assert reply.embeds and handle.callback_count == 1


def test_a_429_on_a_followup_is_retried_and_the_answer_arrives_once(world):
    fake = world["fake"]
    rule = fake.fail_next("POST", r"/webhooks/\d+/[^/]+$", 429, times=1, retry_after=0.3)
    handle = fake.invoke("cancellations", {"trust": "RTX", "chart": True})
    reply = handle.wait_response(20)
    assert rule.hits == 1
    assert reply.files and reply.files[0].is_png
    assert len(handle.followups) == 1


def _help_lines(reply) -> dict[str, list[str]]:
    assert reply.ephemeral and reply.embeds, reply
    sections: dict[str, list[str]] = {}
    for field in reply.embeds[0]["fields"]:
        heading = field["name"].removesuffix(" (continued)")
        sections.setdefault(heading, []).extend(field["value"].splitlines())
    return sections


def test_help_shows_each_member_the_commands_they_can_use(world):
    fake = world["fake"]
    member = _help_lines(fake.run_command("help", timeout=TIMEOUT))
    assert list(member) == ["Everyone"]
    assert any(
        line.startswith("`/cancellations trust:Morecambe Bay") for line in member["Everyone"]
    )
    admin = _help_lines(fake.run_command("help", permissions=MANAGE_GUILD, timeout=TIMEOUT))
    assert list(admin) == ["Everyone", "Server admins (Manage Server)"]
    owner = _help_lines(fake.run_command("help", user=fake.owner_user, timeout=TIMEOUT))
    assert list(owner) == ["Everyone", "Server admins (Manage Server)", "Bot owners"]

    # Every command the bot synced is listed once, with an example that names it.
    synced = set()
    for command in fake.synced_global:
        subs = [o for o in command.get("options", []) if o.get("type") == 1]
        synced |= {f"{command['name']} {o['name']}" for o in subs} or {command["name"]}
    listed = [line.split("`")[1] for lines in owner.values() for line in lines]
    names = [" ".join(itertools.takewhile(lambda w: ":" not in w, ex[1:].split())) for ex in listed]
    assert sorted(names) == sorted(synced)
