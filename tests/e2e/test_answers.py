"""Answers a journalist can paste: folded to one screen, strikes as people type them, charts.

Twenty-one strikes are stored; Morecambe Bay (RTX) has zeros in eight, so its answer shows the
twelve newest strikes that touched it and folds the rest (one older strike, the eight) into one line.
"""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord, make_guild
from tests.processes import BotProcess, clean_env, strikewatch
from tests.replica.server import NHSReplica
from tests.replica.site import Strike, serve, trust_sample

CALENDAR = Path(__file__).resolve().parents[2] / "bot" / "data" / "strike_periods.csv"
UNTOUCHED = 8  # strikes in which RTX rescheduled nothing


def calendar_strikes(n: int) -> list[Strike]:
    with CALENDAR.open(newline="") as f:
        rows = list(csv.DictReader(f))[:n]
    strikes = []
    for row in rows:
        start, end = date.fromisoformat(row["start_date"]), date.fromisoformat(row["end_date"])
        strikes.append(Strike(start, end, (end + timedelta(days=8)).strftime("%Y%m%d")))
    return strikes


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("answers")
    trusts = trust_sample(12)
    strikes = calendar_strikes(27)[6:]  # 21 strikes, 26 Jan 2023 to 3-9 Jan 2024
    with NHSReplica() as nhs, FakeDiscord([make_guild(name="Newsroom")]) as fake:
        for i, strike in enumerate(strikes):
            zero = ("RTX",) if i % 2 == 0 and i < 2 * UNTOUCHED else ()
            serve(nhs, strike, shape="wide", trusts=trusts, seed=i + 1, zero=zero)
        env = clean_env(
            DATABASE_URL=f"sqlite:///{tmp / 'answers.db'}",
            NHS_INDEX_URL=nhs.page_url,
            POLL_INTERVAL_MINUTES="1440",
            **fake.env(),
        )
        polled = strikewatch(env, "poll")
        assert polled.returncode == 0 and "21 new" in polled.stdout, polled.stdout + polled.stderr
        bot = BotProcess(env, tmp / "bot.log").start()
        fake.wait_ready(timeout=20)
        yield fake, strikes
        assert bot.stop() == 0, bot.log
        assert "Traceback" not in bot.log, bot.log


def ask(fake, command, options):
    return fake.run_command(command, options, timeout=20)


def strike_lines(description: str) -> list[str]:
    return [line for line in description.splitlines() if line.startswith("**") and " · " in line]


def test_the_folded_answer_fits_on_one_screen(answers):
    fake, strikes = answers
    reply = ask(fake, "cancellations", {"trust": "Morecambe Bay"})
    (embed,) = reply.embeds
    lines = strike_lines(embed["description"])
    assert len(lines) == 12, embed["description"]
    assert lines[0].startswith("**3-9 Jan 2024**")  # newest first
    fold = embed["description"].splitlines()[-1]
    assert re.fullmatch(
        rf"\*and 1 earlier strike with [\d,]+ rescheduled; and {UNTOUCHED} strikes with none"
        r" rescheduled\*",
        fold,
    ), fold
    assert sum(len(v) for k, v in embed.items() if isinstance(v, str)) < 6000
    # What a reader asks next: England's share, the change on the last strike of the same group.
    assert all("% of England" in line for line in lines if "no return" not in line), lines
    assert any(re.search(r" · [+-][\d,]+ on \d", line) for line in lines), lines
    assert re.search(r"rank \d+ of 12 trusts, \d+ of \d+ in ", embed["description"])


@pytest.mark.parametrize("typed", ["2023-09-19", "19-23 Sep 2023", "21 September 2023", "latest"])
def test_a_strike_typed_by_hand_resolves(answers, typed):
    fake, _ = answers
    expected = "3-9 Jan 2024" if typed == "latest" else "19-23 Sep 2023"
    reply = ask(fake, "cancellations", {"trust": "RTX", "strike": typed})
    assert reply.embeds, reply.content
    assert expected in reply.embeds[0]["title"], reply.embeds[0]["title"]


def test_a_strike_that_does_not_exist_offers_the_nearest(answers):
    fake, _ = answers
    reply = ask(fake, "cancellations", {"trust": "RTX", "strike": "2023-11-15"})
    assert reply.ephemeral and not reply.embeds
    assert reply.content.startswith("No strike with figures matches “2023-11-15”. Nearest: ")
    assert "2-5 Oct 2023" in reply.content and "20-23 Dec 2023" in reply.content  # either side


def test_autocomplete_matches_what_people_type(answers):
    fake, _ = answers
    for typed in ("sep 2023", "2023-09-2", "19 sep"):
        handle = fake.autocomplete("cancellations", "strike", typed, {"trust": "RTX"})
        choices = handle.wait_response(20).choices
        assert choices and choices[0]["name"].startswith("19-23 Sep 2023"), (typed, choices)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("cancellations", {"trust": "RTX", "chart": True}),
        ("national", {"chart": True}),
        ("top", {"chart": True}),
    ],
)
def test_each_chart_arrives_as_a_png_with_a_description(answers, command, options):
    fake, _ = answers
    reply = ask(fake, command, options)
    (sent,) = reply.files
    assert sent.is_png and sent.size > 20_000, sent.filename
    (attachment,) = reply.data["attachments"]
    assert attachment["filename"] == sent.filename
    assert len(attachment.get("description") or "") > 40, attachment  # alt text for screen readers
    assert reply.embeds[0]["image"]["url"] == f"attachment://{sent.filename}"
