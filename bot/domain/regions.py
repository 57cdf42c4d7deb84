"""NHS England's seven regions: which one a text names, and a followed region as an alert subject.

Workbooks and members spell regions their own way ("NORTH EAST & YORKSHIRE", "north west"); every
comparison goes through `canonical_region`, so a trust counts in exactly one region or in none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.domain.errors import DomainError
from bot.domain.formatting import escape

REGIONS = (
    "East of England",
    "London",
    "Midlands",
    "North East and Yorkshire",
    "North West",
    "South East",
    "South West",
)
REGION_PREFIX = "region:"  # a region's alert subject: "region:North West" (org codes have no colon)
MAX_REGION_TEXT = 100


class RegionError(DomainError, ValueError):
    """A text that names no region, or more than one; the message lists the regions."""


def _key(text: str) -> str:
    text = text.lower().replace("&", " and ")
    text = re.sub(r"^(nhs england|nhse)\b", " ", text)
    text = re.sub(r"\bregion\b", " ", text)
    return " ".join(re.sub(r"[^a-z ]+", " ", text).split())


_BY_KEY = {_key(r): r for r in REGIONS}


def canonical_region(text: str | None) -> str | None:
    """The region a trust's region text names exactly (in any spelling), or None."""
    return _BY_KEY.get(_key(text)) if text else None


def resolve_region(text: str) -> str:
    """The one region a member's text names: exactly, or as the start of one region's name."""
    key = _key(text[:MAX_REGION_TEXT])
    if key in _BY_KEY:
        return _BY_KEY[key]
    starting = [r for k, r in _BY_KEY.items() if key and k.startswith(key)]
    if len(starting) == 1:
        return starting[0]
    shown = escape(" ".join(text.split())[:60])
    if starting:
        raise RegionError(f"“{shown}” could be {' or '.join(starting)}: pick one from the list.")
    raise RegionError(
        f"There is no NHS England region called “{shown}”. The regions are: {', '.join(REGIONS)}."
    )


def region_subject(region: str) -> str:
    return REGION_PREFIX + region


def subject_region(subject: str) -> str | None:
    """The region a subject names ("region:London" -> "London"), or None for a trust or England."""
    return subject.removeprefix(REGION_PREFIX) if subject.startswith(REGION_PREFIX) else None


def members(regions_of: Mapping[str, str], region: str) -> list[str]:
    """The org codes of a region's trusts, sorted."""
    return sorted(code for code, r in regions_of.items() if r == region)
