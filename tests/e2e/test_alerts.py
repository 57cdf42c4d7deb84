"""Alerts end to end: admins configure servers through the fake Discord, a release lands through
`strikewatch poll` in another process, and the running bot delivers each alert exactly once.

"Nothing more arrives" is shown without sleeping: alerts are decided in the transaction that stores
a release, so once the CLI has returned the outbox is final; once no row is pending, the courier has
nothing left to send, and each channel must hold exactly one message per sent row.

The figures come from the replica's seeded generator (30 trusts): September 2023 (seed 1) has
RTX 3,074 and England 102,123; October 2023 (seed 2) adds RTX 2,537 and England 86,089.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest

from tests.fakediscord import MANAGE_GUILD, FakeDiscord, make_guild
from tests.processes import BotProcess, clean_env, strikewatch, wait_until
from tests.replica.server import NHSReplica
from tests.replica.site import OCTOBER_2023, SEPTEMBER_2023, Strike, serve, trust_sample

TIMEOUT = 10
DELIVERY = 30  # the courier looks every second; a minute is the promise
MORECAMBE = "University Hospitals of Morecambe Bay NHS Foundation Trust"

T = TypeVar("T")


def served_log(bot: BotProcess) -> str:
    """The bot's log up to the stop signal.

    A reply still in flight when SIGTERM closes the HTTP session logs a traceback during shutdown
    (the bot does not wait for running commands); everything before the signal must be clean.
    """
    return bot.log.split("received SIGTERM")[0]


@dataclass(frozen=True)
class Row:
    """One outbox row, read straight from the store's file."""

    id: int
    guild_id: int
    kind: str
    subject: str
    key: str
    body: str
    status: str
    attempts: int
    sent_at: str | None


class World:
    def __init__(self, tmp: Path, nhs: NHSReplica, fake: FakeDiscord) -> None:
        self.tmp, self.nhs, self.fake = tmp, nhs, fake
        self.env = clean_env(
            DATABASE_URL=f"sqlite:///{tmp / 'alerts.db'}",
            NHS_INDEX_URL=nhs.page_url,
            POLL_INTERVAL_MINUTES="1440",
            **fake.env(),
        )
        self.trusts = trust_sample(30)
        self.bots: list[BotProcess] = []
        self.a, self.b = fake.guild_ids[:2]

    def land(self, strike: Strike, seed: int, **kw):
        """Serve a new release and ingest it with the CLI, as a cron job beside the bot would.
        When this returns, the release's alerts are in the outbox."""
        served = serve(self.nhs, strike, shape="wide", trusts=self.trusts, seed=seed, **kw)
        result = strikewatch(self.env, "poll")
        assert result.returncode == 0, result.stderr
        return served

    def cli(self, *args):
        return json.loads(strikewatch(self.env, *args, "--json").stdout)

    def start_bot(self) -> BotProcess:
        bot = BotProcess(self.env, self.tmp / f"bot{len(self.bots)}.log").start()
        self.bots.append(bot)
        self.fake.wait_ready(timeout=20, identifies=len(self.bots))
        return bot

    def admin(self, command, options=None, guild=None):
        reply = self.fake.run_command(
            command, options, guild_id=guild, permissions=MANAGE_GUILD, timeout=TIMEOUT
        )
        assert reply.ephemeral, reply
        return reply

    def status(self, guild: int) -> str:
        return self.admin("alerts status", guild=guild).content

    def messages(self, channel_id):
        return [m.content for m in self.fake.channel_messages(channel_id)]

    def wait_messages(self, channel_id, count):
        self.fake.wait_for(lambda f: len(f.channel_messages(channel_id)) >= count, timeout=DELIVERY)
        return self.messages(channel_id)

    def db(self):
        return sqlite3.connect(self.env["DATABASE_URL"].removeprefix("sqlite:///"))

    def outbox(self, guild: int | None = None) -> list[Row]:
        sql = "SELECT id, guild_id, kind, subject, key, body, status, attempts, sent_at FROM alerts"
        with closing(self.db()) as db:
            if guild is None:
                rows = db.execute(sql + " ORDER BY id").fetchall()
            else:
                rows = db.execute(sql + " WHERE guild_id = ? ORDER BY id", (guild,)).fetchall()
        return [Row(*r) for r in rows]

    def settled(self, guild: int | None = None) -> list[Row]:
        """Wait until none of the outbox rows is pending (each sent or failed); return them."""

        def done() -> list[Row] | None:
            rows = self.outbox(guild)
            return rows if rows and all(r.status != "pending" for r in rows) else None

        return wait_until(done, f"the outbox of server {guild} to settle", DELIVERY)

    def assert_each_sent_once(self, guild: int, channel_id: int) -> list[Row]:
        """The channel holds exactly one message per sent row of the server, and nothing else."""
        sent = [r for r in self.outbox(guild) if r.status == "sent"]
        posted = [re.sub(r"^<@&\d+> ", "", m) for m in self.messages(channel_id)]
        assert Counter(posted) == Counter(r.body for r in sent)
        return sent


def alert_world(tmp_path: Path) -> Iterator[World]:
    """Two servers, September 2023 already stored; the bots started are stopped and checked."""
    guild_a = make_guild(
        name="Union branch", channels=["strikes", "general"], roles=["Strike news", "Moderators"]
    )
    guild_b = make_guild(name="Newsroom", channels=["alerts", "chat"], roles=["Editors"])
    with NHSReplica() as nhs, FakeDiscord([guild_a, guild_b]) as fake:
        w = World(tmp_path, nhs, fake)
        w.land(SEPTEMBER_2023, seed=1)
        yield w
        for bot in w.bots:
            if bot.process and bot.process.poll() is None:
                assert bot.stop() == 0, bot.log
            assert "Traceback" not in served_log(bot), bot.log
            assert w.env["DISCORD_TOKEN"] not in bot.log


@pytest.fixture
def world(tmp_path):
    yield from alert_world(tmp_path)


def configure(w: World) -> tuple[int, int, int]:
    """Server A: #strikes, ping @Strike news, track Morecambe Bay, every 1,000 and at 9,000, digest on.
    Server B: #alerts, England every 50,000, trust milestones off, no digest."""
    fake = w.fake
    channel_a, role_a, channel_b = (
        fake.channel_id("strikes", w.a),
        fake.role_id("Strike news", w.a),
        fake.channel_id("alerts", w.b),
    )
    assert (
        "Alerts will be posted in" in w.admin("alerts channel", {"channel": channel_a}, w.a).content
    )
    assert "will ping" in w.admin("alerts role", {"role": role_a}, w.a).content
    assert (
        f"Now tracking {MORECAMBE}" in w.admin("track add", {"trust": "Morecambe Bay"}, w.a).content
    )
    assert (
        "every 1,000, and at 9,000"
        in w.admin("alerts milestones", {"trust_every": 1000, "extra": "9000"}, w.a).content
    )
    assert "on" in w.admin("alerts digest", {"state": "on"}, w.a).content
    w.admin("alerts channel", {"channel": channel_b}, w.b)
    w.admin("alerts milestones", {"trust_every": 0, "national_every": 50000}, w.b)
    w.admin("track add", {"trust": "RJ1"}, w.b)
    return channel_a, role_a, channel_b


def told(rows: list[Row]) -> list[tuple[str, str]]:
    return [(r.kind, r.key) for r in rows]


def test_a_release_alerts_each_subject_once_with_the_right_text_and_never_again(world):
    w = world
    w.start_bot()
    channel_a, role_a, channel_b = configure(w)
    assert w.cli("trust", "RTX")["cumulative_total"] == 3_074
    assert w.cli("national")["cumulative_total"] == 102_123

    w.land(OCTOBER_2023, seed=2)
    assert w.cli("trust", "RTX")["cumulative_total"] == 5_611
    assert w.cli("national")["cumulative_total"] == 188_212
    # A: RTX 3,074 -> 5,611 passes 4,000 and 5,000 (one alert, naming 5,000; 9,000 is far off);
    # England 102,123 -> 188,212 passes no multiple of 100,000; and a digest.
    # B: England passes 150,000 (its 50,000 step); its tracked RJ1 has milestones off.
    assert told(w.outbox(w.a)) == [("trust_milestone", "5000"), ("digest", "release")]
    assert told(w.outbox(w.b)) == [("national_milestone", "150000")]
    outbox = w.settled()
    assert {r.status for r in outbox} == {"sent"}
    w.assert_each_sent_once(w.a, channel_a)
    w.assert_each_sent_once(w.b, channel_b)

    records = w.fake.channel_messages(channel_a)
    trust_alert = next(r for r in records if "has now passed" in r.content)
    assert trust_alert.content.startswith(f"<@&{role_a}> **{MORECAMBE}** has now passed **5,000**")
    assert "(5,611 since December 2022; 2,537 in the 2-5 Oct 2023 strikes)" in trust_alert.content
    assert "Staff groups: consultants; junior doctors" in trust_alert.content
    assert (
        w.nhs.url("/wp-content/uploads/2022/11/workforce-and-reschedule-sitrep-20231011.xlsx")
        in trust_alert.content
    )
    assert trust_alert.payload["allowed_mentions"] == {"parse": [], "roles": [role_a]}
    digest = next(r.content for r in records if "New NHS England figures" in r.content)
    assert "(RTX): 2,537; 5,611 since December 2022" in digest
    assert "England: 86,089; 188,212 since December 2022" in digest

    (b_message,) = w.messages(channel_b)
    assert "**England passes 150,000**" in b_message
    assert "(188,212 since December 2022; 86,089 in the 2-5 Oct 2023 strikes)" in b_message
    assert "<@&" not in b_message and "Morecambe" not in b_message

    # A restart and another poll decide nothing and send nothing again. A test alert sent after the
    # restart proves the new courier has made a delivery pass.
    assert w.bots[-1].stop() == 0
    w.start_bot()
    w.nhs.touch_page()
    result = strikewatch(w.env, "poll")
    assert result.returncode == 0 and "0 new, 0 revised" in result.stdout, result.stdout
    assert w.outbox() == outbox
    w.admin("alerts test", guild=w.a)
    assert [r.kind for r in w.settled(w.a)] == ["trust_milestone", "digest", "test"]
    assert len(w.assert_each_sent_once(w.a, channel_a)) == 3
    assert w.outbox()[: len(outbox)] == outbox  # not one sent again (attempts, sent_at unchanged)
    assert len(w.messages(channel_b)) == 1


def test_429s_then_success_deliver_once(world):
    w = world
    w.start_bot()
    channel_a, _, _ = configure(w)
    rule = w.fake.fail_next(
        "POST", rf"/channels/{channel_a}/messages", 429, times=2, retry_after=0.3
    )
    w.land(OCTOBER_2023, seed=2)
    assert [r.status for r in w.settled(w.a)] == ["sent", "sent"]
    assert rule.hits == 2
    assert len(w.assert_each_sent_once(w.a, channel_a)) == 2


def test_a_deleted_channel_is_a_visible_failure_and_other_servers_are_still_served(world):
    w = world
    w.start_bot()
    channel_a, _, channel_b = configure(w)
    w.fake.delete_channel(channel_b)
    w.land(OCTOBER_2023, seed=2)
    assert [r.status for r in w.settled(w.b)] == ["failed"]
    status = w.status(w.b)
    assert (
        "**Failed deliveries:**" in status
        and "national milestone ENGLAND: channel deleted" in status
    )
    assert [r.status for r in w.settled(w.a)] == ["sent", "sent"]
    assert len(w.assert_each_sent_once(w.a, channel_a)) == 2
    assert "**Failed deliveries:** none" in w.status(w.a)


def test_missing_send_permission_names_the_permission(world):
    w = world
    w.start_bot()
    channel_a, _, _ = configure(w)
    w.fake.deny_send(channel_a, notify=True)  # Discord sends CHANNEL_UPDATE when overwrites change
    w.land(OCTOBER_2023, seed=2)
    assert [r.status for r in w.settled(w.a)] == ["failed", "failed"]
    assert "missing Send Messages in #strikes" in w.status(w.a)
    assert w.messages(channel_a) == []


def test_a_restart_mid_delivery_delivers_every_alert_once(world):
    w = world
    fake = w.fake
    channels = []
    for i in range(6):  # six more servers, configured straight in the store before the bot starts
        guild = make_guild(name=f"Branch {i}", channels=["strikes"])
        gid = fake.add_guild(guild, notify=False)
        channels.append((gid, fake.channel_id("strikes", gid)))
    with w.db() as db:
        db.executemany(
            "INSERT INTO guild_settings (guild_id, alert_channel_id, national_every, updated_at) VALUES (?, ?, 1000, 'x')",
            channels,
        )
    # Discord stores each message at once but answers 3 s later: the bot dies in between.
    fake.delay_answers("POST", r"/channels/\d+/messages", 3.0)
    bot = w.start_bot()
    w.land(OCTOBER_2023, seed=2)
    assert len(w.outbox()) == len(channels)  # one England milestone per server
    fake.wait_for(
        lambda f: sum(len(f.channel_messages(c)) for _, c in channels) >= 1, timeout=DELIVERY
    )
    bot.kill()
    fake.delay_answers("POST", "", 0)
    w.start_bot()
    assert {r.status for r in w.settled()} == {"sent"}
    for gid, channel in channels:
        assert len(w.assert_each_sent_once(gid, channel)) == 1
    assert fake.nonce_hits >= 1  # resends after the crash were recognised, not posted twice


def _with_wrong_england_row(xlsx: bytes) -> bytes:
    """The same workbook, but its England row overstates the first figure by 1,000."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            if any(str(c.value).strip().upper() == "ENGLAND" for c in row if c.value is not None):
                cell = next(c for c in row if isinstance(c.value, int))
                cell.value += 1000
                out = io.BytesIO()
                book.save(out)
                return out.getvalue()
    raise AssertionError("no England row")


def test_a_release_failing_validation_alerts_only_the_owner_by_dm(world):
    from tests.replica import workbooks as wb
    from tests.replica.server import release_path

    w = world
    w.start_bot()
    channel_a, _, channel_b = configure(w)
    release = wb.make_release(w.trusts, [date(2023, 10, 2), date(2023, 10, 3)], 4)
    w.nhs.add_file(
        release_path("20231011"),
        _with_wrong_england_row(wb.wide_workbook(release, england="top")),
        link_text="Industrial action 2 to 5 October 2023",
    )
    result = strikewatch(w.env, "poll")
    assert "check: trust rows sum to" in result.stdout
    # The outbox is final: one report for the owners (server 0), nothing for either server.
    assert w.outbox(w.a) == [] and w.outbox(w.b) == []
    assert [r.status for r in w.settled(0)] == ["sent"]
    (dm,) = [m.content for m in w.fake.all_messages if m.guild_id is None]
    assert "failed validation" in dm and "the England row says" in dm
    assert str(w.fake.owner_user["id"]) not in dm
    assert w.messages(channel_a) == [] and w.messages(channel_b) == []
