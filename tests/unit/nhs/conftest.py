"""Generated releases shared by the workbook parser tests."""

from __future__ import annotations

import pytest

from tests.replica import workbooks as gen
from tests.unit.nhs.helpers import DAYS


@pytest.fixture(scope="module")
def release() -> gen.Release:
    return gen.make_release(gen.reference_trusts(), DAYS, seed=7, missing=0.05)


@pytest.fixture(scope="module")
def small() -> gen.Release:
    return gen.make_release(12, DAYS[:3], seed=11, missing=0.1)
