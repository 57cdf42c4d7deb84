"""`/healthz` and `/metrics` of a running bot, and the clear stops when they cannot be served."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.test_alerts import alert_world
from tests.processes import strikewatch, wait_until

MANAGE_GUILD = 1 << 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sample(metrics: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus' text format (0 when the series does not exist yet)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = (
        rf"^{re.escape(name)}(?:\{{{re.escape(want)}\}})? (\S+)$" if want else rf"^{name} (\S+)$"
    )
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def world(tmp_path):
    yield from alert_world(tmp_path)


def test_healthz_follows_the_gateway_and_metrics_count_alerts_and_commands(world):
    w = world
    port = free_port()
    w.env["METRICS_PORT"] = str(port)
    base = f"http://127.0.0.1:{port}"
    bot = w.start_bot()
    status, body = wait_until(
        lambda: (r := get(f"{base}/healthz"))[0] == 200 and r, "a healthy bot", 20
    )
    health = json.loads(body)
    assert health["status"] == "ok" and health["shards"] == {"0": "connected"}, health
    assert health["store"] == "sqlite" and health["servers"] == 2

    bot.wait_for_log("ready as")  # the first session has settled
    (ready,) = [line for line in bot.log.splitlines() if "ready as" in line]
    assert re.search(
        r"ready as \S+: 2 servers, shards 0 of 1, store sqlite \S+alerts\.db,"
        r" next poll \d{4}-\d\d-\d\d \d\d:\d\d UTC$",
        ready,
    ), ready
    w.fake.gateway_outage(True)
    assert w.fake.close_gateway(4000)
    status, body = wait_until(
        lambda: (r := get(f"{base}/healthz"))[0] == 503 and r, "a 503 during the outage", 20
    )
    assert json.loads(body)["problems"] == ["shard 0: gateway disconnected"]
    w.fake.gateway_outage(False)
    # The resume was refused during the outage, so discord.py starts a fresh session.
    w.fake.wait_ready(timeout=30, identifies=2)
    wait_until(lambda: get(f"{base}/healthz")[0] == 200, "200 after the reconnect", 20)

    before = get(f"{base}/metrics")[1]
    assert sample(before, "strikewatch_alerts_sent_total") == 0
    assert sample(before, "strikewatch_gateway_connected", shard="0") == 1
    channel = w.fake.channel_id("strikes", w.a)
    w.fake.run_command(
        "alerts channel", {"channel": channel}, guild_id=w.a, permissions=MANAGE_GUILD, timeout=10
    )
    w.fake.run_command("alerts test", guild_id=w.a, permissions=MANAGE_GUILD, timeout=10)
    w.fake.run_command("about", guild_id=w.a, timeout=10)
    w.wait_messages(channel, 1)

    about = {"command": "about", "outcome": "ok"}
    test = {"command": "alerts test", "outcome": "ok"}

    def counted() -> str | None:
        # A command is counted when its handler returns, just after Discord has its reply.
        text = get(f"{base}/metrics")[1]
        done = (
            sample(text, "strikewatch_alerts_sent_total") == 1
            and sample(text, "strikewatch_command_duration_seconds_count", **about) == 1
            and sample(text, "strikewatch_command_duration_seconds_count", **test) == 1
        )
        return text if done else None

    after = wait_until(counted, "the sent alert and both commands in /metrics", 10)
    assert sample(after, "strikewatch_outbox_depth") == 0
    assert sample(after, "strikewatch_store_up") == 1
    # The release the world's CLI poll stored: the deployment's last poll, though this process
    # never polled.
    assert time.time() - 600 < sample(after, "strikewatch_last_successful_poll_timestamp_seconds")
    assert "# TYPE strikewatch_polls_total counter" in after
    assert "strikewatch_snapshot_rebuilds_total" in after
    assert w.env["DISCORD_TOKEN"] not in after
    assert bot.stop() == 0, bot.log
    # discord.py logs the refused reconnect with its traceback; nothing else may have failed.
    tracebacks = bot.log.split("Traceback")[1:]
    assert tracebacks and all("WSServerHandshakeError: 503" in t for t in tracebacks), bot.log
    w.bots.remove(bot)  # checked here: the world's own check forbids every traceback


def test_a_metrics_port_in_use_stops_run_before_it_connects(world):
    w = world
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = strikewatch({**w.env, "METRICS_PORT": str(port)}, "run", timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"strikewatch: METRICS_PORT: cannot listen on 127.0.0.1:{port}: already in use"
    )
    assert not w.fake.requests_matching("GET", r"/users/@me")  # it never logged in to Discord


def test_a_non_numeric_metrics_port_is_a_bad_setting(world):
    result = strikewatch({**world.env, "METRICS_PORT": "ninety"}, "run", timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "strikewatch: bad setting METRICS_PORT: Input should be a valid integer,"
        " unable to parse string as an integer"
    )
