"""Every admin and owner command, tried by a member without the permission: a private refusal, and
nothing changes (no stored row, no message posted, no request to NHS England).

One bot process serves the whole module. A server admin configures it first, so every refused command
has something it could have changed: a channel, a role, a tracked trust, milestones, a digest, an
announced strike with its pending reminders, a delivered test alert, and a release waiting on the
NHS page that only a poll would fetch.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.fakediscord import MANAGE_GUILD, FakeDiscord, make_guild
from tests.processes import BotProcess, clean_env, strikewatch, wait_until
from tests.replica.server import NHSReplica
from tests.replica.site import OCTOBER_2023, SEPTEMBER_2023, serve, trust_sample

TIMEOUT = 10
ADMINISTRATOR = 1 << 3
EVERY_PERMISSION = (1 << 51) - 1
# A member who may do everything on the server except manage it.
NOT_A_MANAGER = EVERY_PERMISSION & ~(MANAGE_GUILD | ADMINISTRATOR)
NEED_MANAGE_SERVER = (
    "Only members with the Manage Server permission can change Strikewatch's alerts."
)
NEED_OWNER = "Only the bot's owners can use /source."


class Server:
    def __init__(self, tmp: Path, nhs: NHSReplica, fake: FakeDiscord) -> None:
        self.nhs, self.fake = nhs, fake
        self.db_path = tmp / "permissions.db"
        self.env = clean_env(
            DATABASE_URL=f"sqlite:///{self.db_path}",
            NHS_INDEX_URL=nhs.page_url,
            POLL_INTERVAL_MINUTES="1440",
        )
        self.guild = fake.guild_ids[0]
        self.strike_id = ""

    def channel(self, name: str) -> int:
        return self.fake.channel_id(name, self.guild)

    def role(self, name: str) -> int:
        return self.fake.role_id(name, self.guild)

    def admin(self, command: str, options=None) -> str:
        reply = self.fake.run_command(
            command, options, guild_id=self.guild, permissions=MANAGE_GUILD, timeout=TIMEOUT
        )
        assert reply.ephemeral, reply
        return reply.content

    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every table in the store's file."""
        with closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)) as db:
            tables = [
                name
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            return {
                t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
            }

    def observed(self) -> tuple[dict, list[tuple[int, str]], int]:
        """What a command could change: the store, the messages posted, the requests to NHS England."""
        messages = [(m.channel_id, m.content) for m in self.fake.all_messages]
        return self.dump(), messages, self.nhs.count()


def changes(before: tuple, after: tuple) -> dict[str, object]:
    (tables, messages, requests), (tables_now, messages_now, requests_now) = before, after
    return {
        "tables changed": sorted(
            t for t in tables.keys() | tables_now.keys() if tables.get(t) != tables_now.get(t)
        ),
        "messages posted": [m for m in messages_now if m not in messages],
        "requests to NHS England": requests_now - requests,
    }


NOTHING = {"tables changed": [], "messages posted": [], "requests to NHS England": 0}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("permissions")
    guild = make_guild(
        name="Union branch", channels=["strikes", "general"], roles=["Strike news", "Moderators"]
    )
    with NHSReplica() as nhs, FakeDiscord([guild]) as fake:
        s = Server(tmp, nhs, fake)
        serve(nhs, SEPTEMBER_2023, shape="wide", trusts=trust_sample(10), seed=1)
        assert strikewatch(s.env, "poll").returncode == 0
        # A release that only a poll would store (and whose alerts only a poll would queue).
        serve(nhs, OCTOBER_2023, shape="wide", trusts=trust_sample(10), seed=2)
        s.env = {**s.env, **fake.env()}
        bot = BotProcess(s.env, tmp / "bot.log").start()
        try:
            fake.wait_ready(timeout=20)
            assert "posted in" in s.admin("alerts channel", {"channel": s.channel("strikes")})
            assert "will ping" in s.admin("alerts role", {"role": s.role("Strike news")})
            assert "Now tracking" in s.admin("track add", {"trust": "RTX"})
            assert "every 500" in s.admin(
                "alerts milestones", {"trust_every": 500, "extra": "9000"}
            )
            assert "on" in s.admin("alerts digest", {"state": "on"})
            added = s.admin(
                "strikes announce",
                {"start": "2030-01-07", "end": "2030-01-09", "staff_group": "resident doctors"},
            )
            assert "Added resident doctors strike" in added
            choices = (
                fake.autocomplete(
                    "strikes cancel", "strike", "", guild_id=s.guild, permissions=MANAGE_GUILD
                )
                .wait_response(TIMEOUT)
                .choices
            )
            (s.strike_id,) = [c["value"] for c in choices]
            assert "on its way" in s.admin("alerts test")
            wait_until(lambda: fake.channel_messages(s.channel("strikes")), "the test alert", 30)
            with closing(sqlite3.connect(s.db_path)) as db:  # its row marked sent: at rest
                wait_until(
                    lambda: db.execute(
                        "SELECT count(*) FROM alerts WHERE kind = 'test' AND status = 'sent'"
                    ).fetchone()[0],
                    "the test alert to be marked sent",
                    30,
                )
            yield s
        finally:
            assert bot.stop() == 0, bot.log
            # A reply in flight when SIGTERM closes the session logs during shutdown; not before.
            assert "Traceback" not in bot.log.split("received SIGTERM")[0], bot.log
            assert s.env["DISCORD_TOKEN"] not in bot.log


ADMIN_COMMANDS = [
    ("track add", lambda s: {"trust": "RJ1"}),
    ("track region", lambda s: {"region": "London", "channel": s.channel("general")}),
    ("track remove", lambda s: {"trust": "RTX"}),
    ("track list", lambda s: None),
    ("alerts channel", lambda s: {"channel": s.channel("general")}),
    ("alerts role", lambda s: {"role": s.role("Moderators")}),
    ("alerts milestones", lambda s: {"trust_every": 5, "national_every": 7, "extra": "1234"}),
    ("alerts digest", lambda s: {"state": "off"}),
    ("alerts charts", lambda s: {"state": "off"}),
    ("alerts status", lambda s: None),
    ("alerts test", lambda s: None),
    (
        "strikes announce",
        lambda s: {"start": "2030-03-10", "end": "2030-03-12", "staff_group": "nurses"},
    ),
    ("strikes cancel", lambda s: {"strike": s.strike_id}),
]
OWNER_COMMANDS = [("source poll", lambda s: None), ("source status", lambda s: None)]


def refused(s: Server, command: str, options, permissions: int, expected: str) -> None:
    before = s.observed()
    reply = s.fake.run_command(
        command, options, guild_id=s.guild, permissions=permissions, timeout=TIMEOUT
    )
    assert changes(before, s.observed()) == NOTHING
    assert reply.ephemeral and reply.content == expected, reply


@pytest.mark.parametrize(("command", "options"), ADMIN_COMMANDS, ids=[c for c, _ in ADMIN_COMMANDS])
def test_admin_commands_are_refused_to_members_without_manage_server(server, command, options):
    refused(server, command, options(server), NOT_A_MANAGER, NEED_MANAGE_SERVER)


@pytest.mark.parametrize(("command", "options"), OWNER_COMMANDS, ids=[c for c, _ in OWNER_COMMANDS])
def test_owner_commands_are_refused_to_everyone_else_even_administrators(server, command, options):
    refused(server, command, options(server), EVERY_PERMISSION, NEED_OWNER)
