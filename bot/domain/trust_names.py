"""Trust names: keyed on the org code, the newest release's name wins, older names become aliases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

# org code -> (name, region) as a release gives them; None where the release has no such column
TrustNames = dict[str, tuple[str | None, str | None]]


@dataclass(frozen=True, slots=True)
class KnownTrust:
    name: str
    named_on: str  # ISO date of the release that gave the name ('' for the shipped directory)
    region: str | None


@dataclass(slots=True)
class Naming:
    """What a release changes in the trust directory."""

    added: list[tuple[str, str, str | None]] = field(default_factory=list)  # code, name, region
    renamed: list[tuple[str, str]] = field(default_factory=list)  # code, new name
    aliases: list[tuple[str, str]] = field(default_factory=list)  # code, a name it was known by
    regions: list[tuple[str, str]] = field(default_factory=list)  # code, region newly learnt


def naming(known: Mapping[str, KnownTrust], names: TrustNames, as_of: date) -> Naming:
    """The changes the names a release published on `as_of` bring to the directory."""
    when = as_of.isoformat()
    out = Naming()
    for code, (name, region) in names.items():
        held = known.get(code)
        if held is None:
            out.added.append((code, name or code, region))
            continue
        if region and not held.region:
            out.regions.append((code, region))
        if not name or name == held.name:
            continue
        if when >= held.named_on:
            out.renamed.append((code, name))
            out.aliases.append((code, held.name))
        else:
            out.aliases.append((code, name))
    return out
