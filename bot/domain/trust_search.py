"""Trust search used everywhere: org code, full name, old names, and fuzzy partial names, best first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.domain.records import Trust

_APOSTROPHE = re.compile(r"['’`]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_FILLER = {"nhs", "foundation", "trust", "the", "of", "and", "ft"}
FUZZY_CUTOFF = 60.0
EXACT = 190.0
WHOLE_WORDS = 150.0
# A fuzzy match this good, and this far ahead of the next, is taken as the trust the user meant.
CONFIDENT = 75.0
LEAD = 10.0


def normalise(text: str) -> str:
    # "King's" and "Kings" must meet, so apostrophes vanish rather than split the word.
    return " ".join(_NOT_WORD.sub(" ", _APOSTROPHE.sub("", text.lower())).split())


def _core(text: str) -> str:
    return " ".join(w for w in normalise(text).split() if w not in _FILLER)


@dataclass(frozen=True, slots=True)
class TrustMatch:
    trust: Trust
    score: float  # 0-100 fuzzy, 100+ for exact and whole-word matches
    matched: str  # the name, alias or code that matched


class TrustIndex:
    """Built once from the stored trusts; answers searches without touching the store."""

    def __init__(self, trusts: Sequence[Trust]) -> None:
        self.trusts = list(trusts)
        self._by_code = {t.org_code: t for t in self.trusts}
        # One entry per name or alias, so an old name finds the trust it became.
        self._names: list[tuple[Trust, str, str, str]] = []
        for trust in self.trusts:
            for name in (trust.name, *trust.aliases):
                self._names.append((trust, name, normalise(name), _core(name)))
        self._cores = [entry[3] for entry in self._names]

    def get(self, org_code: str) -> Trust | None:
        return self._by_code.get(org_code.strip().upper())

    def search(self, query: str, limit: int = 10) -> list[TrustMatch]:
        query = query.strip()
        q = normalise(query)
        if not q:
            return []
        best: dict[str, TrustMatch] = {}

        def offer(match: TrustMatch) -> None:
            held = best.get(match.trust.org_code)
            if held is None or match.score > held.score:
                best[match.trust.org_code] = match

        exact_code = self.get(query)
        if exact_code:
            offer(TrustMatch(exact_code, EXACT + 10.0, exact_code.org_code))
        padded = f" {q} "
        for trust, name, norm, _ in self._names:
            if q == norm:
                offer(TrustMatch(trust, EXACT, name))
            elif padded in f" {norm} ":
                # Whole-word containment ranks above fuzzy; a shorter name is the more specific one.
                offer(TrustMatch(trust, WHOLE_WORDS + 30.0 * len(q) / len(norm), name))
            elif norm.startswith(q) or f" {q}" in f" {norm}":
                offer(TrustMatch(trust, 120.0 + 20.0 * len(q) / len(norm), name))
        core_q = _core(query) or q
        for _, score, index in process.extract(
            core_q,
            self._cores,
            scorer=fuzz.WRatio,
            limit=max(limit * 3, 25),
            score_cutoff=FUZZY_CUTOFF,
        ):
            trust, name, _, _ = self._names[index]
            offer(TrustMatch(trust, float(score), name))
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.trust.name))
        return ranked[:limit]

    def resolve(self, query: str) -> tuple[Trust | None, list[TrustMatch]]:
        """The trust a query means when that is clear ("Royal" is not), and the ranked candidates."""
        exact = self.get(query)
        if exact:  # what autocomplete sends: an org code wins outright, no search needed
            return exact, [TrustMatch(exact, EXACT + 10.0, exact.org_code)]
        matches = self.search(query, limit=5)
        if not matches:
            return None, []
        top = matches[0]
        runner_up = matches[1].score if len(matches) > 1 else 0.0
        if top.score >= EXACT:
            return top.trust, matches
        if top.score >= WHOLE_WORDS:
            return (top.trust if runner_up < WHOLE_WORDS else None), matches
        if top.score >= CONFIDENT and top.score - runner_up >= LEAD and runner_up < WHOLE_WORDS:
            return top.trust, matches
        return None, matches
