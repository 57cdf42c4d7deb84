"""This process's metrics in Prometheus' text format: polls, releases, alerts, commands, shards."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.domain.alerts import Backlog
from bot.domain.ports import Store
from bot.nhs.ingest import OutcomeKind
from bot.nhs.poller import PollReport
from bot.services.courier import DeliveryReport

CONTENT_TYPE = CONTENT_TYPE_LATEST
# An answer must start within 3 s; the slow end is a chart or an export.
COMMAND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class StoreFacts:
    """What a scrape asks the store: the same for every process of the deployment."""

    backlog: Backlog
    last_poll: datetime | None  # the last poll that completed


async def store_facts(store: Store) -> StoreFacts:
    return StoreFacts(await store.outbox.backlog(), await store.polls.last_success())


class Live:
    """Values read from the running bot at each scrape, not counted as they happen."""

    def __init__(
        self,
        shard_latencies: Callable[[], Iterable[tuple[int, float, bool]]] = lambda: (),
        snapshot_rebuilds: Callable[[], int] = lambda: 0,
    ) -> None:
        self.shard_latencies = shard_latencies  # (shard id, seconds, connected)
        self.snapshot_rebuilds = snapshot_rebuilds


class _LiveCollector(Collector):
    def __init__(self, live: Live) -> None:
        self._live = live

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        latency = GaugeMetricFamily(
            "strikewatch_gateway_latency_seconds",
            "Time between a gateway heartbeat and its acknowledgement, per shard",
            labels=["shard"],
        )
        connected = GaugeMetricFamily(
            "strikewatch_gateway_connected",
            "1 while the shard's gateway connection is open",
            labels=["shard"],
        )
        for shard, seconds, is_connected in self._live.shard_latencies():
            if seconds == seconds and seconds != float(
                "inf"
            ):  # discord.py gives inf or nan before the first ack
                latency.add_metric([str(shard)], seconds)
            connected.add_metric([str(shard)], 1.0 if is_connected else 0.0)
        yield latency
        yield connected
        yield CounterMetricFamily(
            "strikewatch_snapshot_rebuilds",
            "Times the in-memory snapshot of figures was rebuilt because the store changed",
            value=self._live.snapshot_rebuilds(),
        )


class Metrics:
    """One registry per process; the bot and its jobs record into it, /metrics renders it."""

    def __init__(self, live: Live | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.polls = Counter(
            "strikewatch_polls", "Polls of NHS England's page, by outcome", ["outcome"], registry=r
        )
        self.releases = Counter(
            "strikewatch_releases_stored",
            "Workbooks stored as a new release or a revision",
            ["kind"],
            registry=r,
        )
        self.skipped = Counter(
            "strikewatch_workbooks_skipped",
            "Workbooks a poll did not store, by reason",
            ["reason"],
            registry=r,
        )
        self.last_poll_ok = Gauge(
            "strikewatch_last_successful_poll_timestamp_seconds",
            "When the deployment last finished a poll (any process, or cron), Unix time",
            registry=r,
        )
        self.sent = Counter("strikewatch_alerts_sent", "Alerts delivered to Discord", registry=r)
        self.published = Counter(
            "strikewatch_alerts_published",
            "Alerts published (crossposted) from announcement channels to their followers",
            registry=r,
        )
        self.failed = Counter(
            "strikewatch_alerts_failed",
            "Alerts that could not be delivered and will not be retried, by reason",
            ["reason"],
            registry=r,
        )
        self.retried = Counter(
            "strikewatch_alert_retries",
            "Deliveries that failed and will be retried, by reason",
            ["reason"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "strikewatch_outbox_depth", "Alerts waiting in the outbox (due or not)", registry=r
        )
        self.outbox_due = Gauge(
            "strikewatch_outbox_due", "Alerts in the outbox that are due now", registry=r
        )
        self.oldest_due = Gauge(
            "strikewatch_oldest_due_alert_age_seconds",
            "How long the longest-waiting due alert has waited (0 when none is due)",
            registry=r,
        )
        self.commands = Histogram(
            "strikewatch_command_duration_seconds",
            "Time from a slash command's arrival to the end of its handler, by command",
            ["command", "outcome"],
            buckets=COMMAND_BUCKETS,
            registry=r,
        )
        self.store_up = Gauge(
            "strikewatch_store_up", "1 when the store answered the last check", registry=r
        )
        r.register(_LiveCollector(live or Live()))

    def record_poll(self, report: PollReport | None) -> None:
        """A finished poll (None: it failed before any workbook outcome)."""
        if report is None:
            self.polls.labels("failed").inc()
            return
        self.polls.labels("ok").inc()
        for outcome in report.outcomes:
            if outcome.kind in (OutcomeKind.NEW, OutcomeKind.REVISED):
                self.releases.labels(str(outcome.kind)).inc()
            elif outcome.kind == OutcomeKind.SKIPPED:
                self.skipped.labels(str(outcome.cause or "other")).inc()

    def record_delivery(self, report: DeliveryReport) -> None:
        self.sent.inc(report.sent)
        self.published.inc(report.published)
        for cause, count in report.failed_by_cause.items():
            self.failed.labels(cause).inc(count)
        for cause, count in report.retried_by_cause.items():
            self.retried.labels(cause).inc(count)

    def record_store(self, seen: StoreFacts | None) -> None:
        """The deployment's outbox and polls as the store says; None when it did not answer."""
        self.store_up.set(0 if seen is None else 1)
        if seen is None:
            return
        self.outbox_depth.set(seen.backlog.pending)
        self.outbox_due.set(seen.backlog.due)
        self.oldest_due.set(seen.backlog.oldest_due_seconds(datetime.now(UTC)))
        if seen.last_poll is not None:
            self.last_poll_ok.set(seen.last_poll.timestamp())

    def observe_command(self, command: str, seconds: float, *, ok: bool) -> None:
        self.commands.labels(command, "ok" if ok else "error").observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
