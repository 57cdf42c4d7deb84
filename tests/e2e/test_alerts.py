"""Alerts end to end: admins configure servers through the fake Discord, a release lands through
`strikewatch poll` in another process, and the running bot delivers each alert exactly once."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest

from bot.domain.milestones import crossed
from tests.fakediscord import MANAGE_GUILD, FakeDiscord, make_guild
from tests.processes import BotProcess, clean_env, strikewatch
from tests.replica.server import NHSReplica
from tests.replica.site import (
    DECEMBER_2023,
    OCTOBER_2023,
    SEPTEMBER_2023,
    Strike,
    serve,
    trust_sample,
)

TIMEOUT = 10
DELIVERY = 30  # the courier looks every 5 s; a minute is the promise


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
        self.releases = 0

    def land(self, strike: Strike, seed: int, **kw):
        """Serve a new release and ingest it with the CLI, as a cron job beside the bot would."""
        self.releases += 1
        served = serve(
            self.nhs,
            strike,
            shape="wide",
            trusts=self.trusts,
            seed=seed,
            **kw,
        )
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

    def messages(self, channel_id):
        return [m.content for m in self.fake.channel_messages(channel_id)]

    def wait_messages(self, channel_id, count):
        self.fake.wait_for(lambda f: len(f.channel_messages(channel_id)) >= count, timeout=DELIVERY)
        return self.messages(channel_id)

    def db(self):
        return sqlite3.connect(self.env["DATABASE_URL"].removeprefix("sqlite:///"))


@pytest.fixture
def world(tmp_path):
    guild_a = make_guild(
        name="Union branch", channels=["strikes", "general"], roles=["Strike news", "Moderators"]
    )
    guild_b = make_guild(name="Newsroom", channels=["alerts", "chat"], roles=["Editors"])
    with NHSReplica() as nhs, FakeDiscord([guild_a, guild_b]) as fake:
        w = World(tmp_path, nhs, fake)
        w.a, w.b = fake.guild_ids
        w.land(SEPTEMBER_2023, seed=1)
        yield w
        for bot in w.bots:
            if bot.process and bot.process.poll() is None:
                assert bot.stop() == 0, bot.log
            assert "Traceback" not in bot.log, bot.log
            assert w.env["DISCORD_TOKEN"] not in bot.log


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
        "Now tracking University Hospitals of Morecambe Bay"
        in w.admin("track add", {"trust": "Morecambe Bay"}, w.a).content
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


def test_a_release_alerts_each_subject_once_with_the_right_text_and_never_again(world):
    w = world
    w.start_bot()
    channel_a, role_a, channel_b = configure(w)
    rtx_before = w.cli("trust", "RTX")["cumulative_total"]
    england_before = w.cli("national")["cumulative_total"]

    w.land(OCTOBER_2023, seed=2)
    rtx = w.cli("trust", "RTX")
    national = w.cli("national")
    rtx_passed = crossed(rtx_before, rtx["cumulative_total"], step=1000, extra=(9000,))
    england_a = crossed(england_before, national["cumulative_total"], step=100_000)
    england_b = crossed(england_before, national["cumulative_total"], step=50_000)
    assert rtx_passed and england_b  # the data must cross something for this test to mean anything

    expected_a = 1 + (1 if england_a else 0) + 1  # trust, England, digest
    received = w.wait_messages(channel_a, expected_a)
    time.sleep(6)  # one more delivery pass: nothing more arrives
    records = w.fake.channel_messages(channel_a)
    assert len(records) == expected_a, [r.content for r in records]

    october = rtx["periods"][-1]
    trust_alert = next(r for r in records if "has now passed" in r.content)
    assert trust_alert.content.startswith(
        f"<@&{role_a}> **University Hospitals of Morecambe Bay NHS Foundation Trust**"
    )
    assert f"**{max(rtx_passed):,}** strike cancellations" in trust_alert.content
    assert (
        f"({rtx['cumulative_total']:,} since December 2022; {october['total']:,} in the 2-5 Oct 2023 strikes)"
        in trust_alert.content
    )
    assert "Staff groups: consultants; junior doctors" in trust_alert.content
    assert (
        w.nhs.url("/wp-content/uploads/2022/11/workforce-and-reschedule-sitrep-20231011.xlsx")
        in trust_alert.content
    )
    assert trust_alert.payload["allowed_mentions"] == {
        "parse": [],
        "roles": [str(role_a)],
    } or trust_alert.payload["allowed_mentions"] == {"parse": [], "roles": [role_a]}
    digest = next(r for r in received if "New NHS England figures" in r)
    assert f"(RTX): {october['total']:,}; {rtx['cumulative_total']:,} since December 2022" in digest

    # Server B got only its own settings' alerts: England at its 50,000 step, nothing about RTX.
    b_messages = w.wait_messages(channel_b, 1)
    assert len(b_messages) == 1 and f"England passes {max(england_b):,}" in b_messages[0]
    assert "<@&" not in b_messages[0] and "Morecambe" not in b_messages[0]
    assert all("Newsroom" not in m for m in w.messages(channel_a))

    # A restart and another poll post nothing again.
    assert w.bots[-1].stop() == 0
    w.start_bot()
    w.nhs.touch_page()
    assert strikewatch(w.env, "poll").returncode == 0
    time.sleep(7)
    assert len(w.fake.channel_messages(channel_a)) == expected_a
    assert len(w.fake.channel_messages(channel_b)) == 1


def test_429s_then_success_deliver_once(world):
    w = world
    w.start_bot()
    channel_a, _, _ = configure(w)
    rule = w.fake.fail_next(
        "POST", rf"/channels/{channel_a}/messages", 429, times=2, retry_after=0.3
    )
    w.land(OCTOBER_2023, seed=2)
    w.wait_messages(channel_a, 2)
    time.sleep(6)
    assert rule.hits == 2
    contents = w.messages(channel_a)
    assert len(contents) == len(set(contents))
    with w.db() as db:
        statuses = db.execute(
            "SELECT status, count(*) FROM alerts WHERE guild_id = ? GROUP BY status", (w.a,)
        ).fetchall()
    assert statuses == [("sent", len(contents))]


def test_a_deleted_channel_is_a_visible_failure_and_other_servers_are_still_served(world):
    w = world
    w.start_bot()
    channel_a, _, channel_b = configure(w)
    w.fake.delete_channel(channel_b)
    w.land(OCTOBER_2023, seed=2)
    w.wait_messages(channel_a, 2)
    status = eventually(lambda: _status(w, w.b), "channel deleted")
    assert (
        "**Failed deliveries:**" in status
        and "national milestone ENGLAND: channel deleted" in status
    )
    assert "**Failed deliveries:** none" in _status(w, w.a)


def test_missing_send_permission_names_the_permission(world):
    w = world
    w.start_bot()
    channel_a, _, _ = configure(w)
    w.fake.deny_send(channel_a, notify=True)  # Discord sends CHANNEL_UPDATE when overwrites change
    w.land(OCTOBER_2023, seed=2)
    eventually(lambda: _status(w, w.a), "missing Send Messages in #strikes")


def _status(w: World, guild: int) -> str:
    return w.admin("alerts status", guild=guild).content


def eventually(read, expected: str, timeout: float = DELIVERY) -> str:
    """Read until `expected` shows (asking the bot again every second), or fail with the last reading."""
    deadline = time.monotonic() + timeout
    while True:
        text = read()
        if expected in text or time.monotonic() > deadline:
            assert expected in text, text
            return text
        time.sleep(1)


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
    fake.wait_for(
        lambda f: sum(len(f.channel_messages(c)) for _, c in channels) >= 1, timeout=DELIVERY
    )
    bot.kill()
    fake.delay_answers("POST", "", 0)
    w.start_bot()
    for _, channel in channels:
        w.wait_messages(channel, 1)
    time.sleep(6)
    assert [len(fake.channel_messages(c)) for _, c in channels] == [1] * len(channels)
    assert fake.nonce_hits >= 1  # resends after the crash were recognised, not posted twice
    with w.db() as db:
        assert db.execute("SELECT count(*) FROM alerts WHERE status != 'sent'").fetchone()[0] == 0


def test_non_admins_and_non_owners_are_refused_and_nothing_changes(world):
    w = world
    w.start_bot()
    channel_a = w.fake.channel_id("strikes", w.a)
    reply = w.fake.run_command(
        "alerts channel", {"channel": channel_a}, guild_id=w.a, permissions=0, timeout=TIMEOUT
    )
    assert reply.ephemeral and "Manage Server" in reply.content
    reply = w.fake.run_command(
        "strikes announce",
        {"start": "2030-01-01", "end": "2030-01-02", "staff_group": "x"},
        guild_id=w.a,
        permissions=0,
        timeout=TIMEOUT,
    )
    assert reply.ephemeral and "Manage Server" in reply.content
    requests_before = w.nhs.count()
    reply = w.fake.run_command(
        "source poll", guild_id=w.a, permissions=MANAGE_GUILD, timeout=TIMEOUT
    )
    assert reply.ephemeral and "Only the bot's owners" in reply.content
    assert w.nhs.count() == requests_before
    with w.db() as db:
        assert db.execute("SELECT count(*) FROM guild_settings").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM announced_strikes").fetchone()[0] == 0


def test_owner_can_poll_from_discord(world):
    w = world
    w.start_bot()
    owner = w.fake.owner_user
    w.land(OCTOBER_2023, seed=2)
    serve(
        w.nhs,
        DECEMBER_2023,
        shape="totals",
        trusts=w.trusts,
    )
    handle = w.fake.invoke("source poll", user=owner, guild_id=w.a)
    reply = handle.wait_response(20)
    assert reply.ephemeral and "Poll done: 1 new" in reply.content
    status = w.fake.run_command("source status", user=owner, guild_id=w.a, timeout=TIMEOUT)
    assert "Next poll:" in status.content and "ok: 1 new" in status.content


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"trust_every": -5}, "trust_every must be between 0"),
        ({"national_every": 10**12}, "national_every must be between 0"),
        ({"extra": "lots, 4000"}, "is not a whole number"),
        ({"extra": "-4000"}, "is not a whole number"),
    ],
)
def test_silly_thresholds_change_nothing(world, options, message):
    w = world
    w.start_bot()
    reply = w.admin("alerts milestones", options, w.a)
    assert reply.content.startswith("Nothing changed: ") and message in reply.content
    status = _status(w, w.a)
    assert (
        "**Trust milestones:** every 1,000" in status
        and "**England milestones:** every 100,000" in status
    )


def test_announcing_a_strike_that_ends_before_it_starts_is_refused(world):
    w = world
    w.start_bot()
    reply = w.admin(
        "strikes announce",
        {"start": "2030-03-10", "end": "2030-03-05", "staff_group": "nurses"},
        w.a,
    )
    assert "ends (5 Mar 2030) before it starts (10 Mar 2030)" in reply.content
    reply = w.admin(
        "strikes announce",
        {"start": "2030-03-10", "end": "2030-03-12", "staff_group": "nurses", "union": "RCN"},
        w.a,
    )
    assert "Added nurses strike 10-12 Mar 2030" in reply.content
    listing = w.fake.run_command(
        "strikes list", {"when": "upcoming"}, guild_id=w.a, timeout=TIMEOUT
    )
    assert "10-12 Mar 2030** (announced here)" in listing.embeds[0]["description"]
    other = w.fake.run_command("strikes list", {"when": "upcoming"}, guild_id=w.b, timeout=TIMEOUT)
    assert "announced here" not in other.embeds[0]["description"]


def test_alerts_test_posts_a_sample(world):
    w = world
    w.start_bot()
    channel_a = w.fake.channel_id("strikes", w.a)
    assert "Set a channel first" in w.admin("alerts test", guild=w.a).content
    w.admin("alerts channel", {"channel": channel_a}, w.a)
    w.admin("alerts test", guild=w.a)
    assert "This is a test alert" in w.wait_messages(channel_a, 1)[0]


def test_alerts_channel_says_which_permission_is_missing(world):
    w = world
    w.start_bot()
    channel = w.fake.channel_id("general", w.a)
    w.fake.deny_send(channel, notify=True)
    reply = w.admin("alerts channel", {"channel": channel}, w.a)
    assert f"Strikewatch is missing Send Messages in <#{channel}>" in reply.content
    assert "**Channel:** not set" in _status(w, w.a)


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
    owner = w.fake.owner_user
    dm = eventually(
        lambda: " ".join(m.content for m in w.fake.all_messages if m.guild_id is None),
        "failed validation",
    )
    assert "the England row says" in dm and str(owner["id"]) not in dm
    time.sleep(6)
    assert w.messages(channel_a) == [] and w.messages(channel_b) == []
