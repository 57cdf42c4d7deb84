"""Reference data shipped with Strikewatch: the strike calendar and the acute trust directory (bot/data)."""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources

from bot.domain.figures import Figures
from bot.domain.records import CalendarEntry, Trust


def _int(value: str) -> int | None:
    value = value.strip().replace(",", "")
    return int(value) if value else None


def calendar_seed() -> list[CalendarEntry]:
    """The strike calendar shipped with Strikewatch (bot/data/strike_periods.csv)."""
    text = (resources.files("bot") / "data" / "strike_periods.csv").read_text(encoding="utf-8")
    return [
        CalendarEntry(
            start=date.fromisoformat(row["start_date"]),
            end=date.fromisoformat(row["end_date"]),
            staff_groups=row["staff_group"].strip(),
            unions=row["union"].strip(),
            scope=row["scope"].strip(),
            national=Figures(_int(row["inpatient"]), _int(row["outpatient"])),
            national_total=_int(row["total"]),
            source_url=row["source_url"].strip() or None,
        )
        for row in csv.DictReader(text.splitlines())
    ]


def trust_seed() -> list[Trust]:
    """The acute trust directory shipped with Strikewatch (bot/data/acute_trusts.csv)."""
    text = (resources.files("bot") / "data" / "acute_trusts.csv").read_text(encoding="utf-8")
    return [
        Trust(row["org_code"].strip().upper(), row["name"].strip(), row["region"].strip() or None)
        for row in csv.DictReader(text.splitlines())
    ]
