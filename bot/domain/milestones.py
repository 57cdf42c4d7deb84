"""Milestone arithmetic (no Discord): which thresholds a running total passed, and the next one."""

from __future__ import annotations

from collections.abc import Iterable

# The default steps: a trust's running total every 1,000, a region's every 10,000, England's every
# 100,000.
TRUST_STEP = 1_000
REGION_STEP = 10_000
NATIONAL_STEP = 100_000


def crossed(before: int, after: int, *, step: int, extra: Iterable[int] = ()) -> list[int]:
    """Every threshold T with before < T <= after: multiples of step (0 = none) and the extra ones."""
    if after <= before:
        return []
    passed = {t for t in extra if before < t <= after}
    if step > 0:
        passed.update(range((before // step + 1) * step, after + 1, step))
    return sorted(passed)


def next_threshold(total: int, *, step: int, extra: Iterable[int] = ()) -> int | None:
    candidates = [t for t in extra if t > total]
    if step > 0:
        candidates.append((total // step + 1) * step)
    return min(candidates) if candidates else None
