"""Files the parser must refuse: a truncated .xlsx, a zip bomb, a workbook with no strike table."""

from __future__ import annotations

import io
import posixpath
import zipfile
from datetime import date

from openpyxl import Workbook

from tests.replica.layouts import wide_workbook
from tests.replica.release import make_release


def corrupt_workbook() -> bytes:
    good = wide_workbook(make_release(10, [date(2023, 9, 20)], seed=1))
    return good[: len(good) // 2]


def zip_bomb(uncompressed_mb: int) -> bytes:
    """A zip laid out like an .xlsx whose sheet member is megabytes of zeros (a few KB on disk)."""
    buf = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"/>',
        )
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open(
            posixpath.join("xl", "worksheets", "sheet1.xml"), "w", force_zip64=True
        ) as member:
            for _ in range(uncompressed_mb):
                member.write(chunk)
    return buf.getvalue()


def unrecognised_workbook() -> bytes:
    """An assurance form and a workforce table: org codes and 'elective' words, but no strike table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Instructions"
    ws.append(["Industrial action assurance return - template"])
    ws.append(["Complete one form per organisation and return by 12:00 on the day after action."])
    form = wb.create_sheet("Assurance form")
    form.append(["Organisation code", None])
    form.append(["Organisation name", None])
    form.append(["Has elective activity been rescheduled? (Y/N)", None])
    form.append(["Outpatient clinics cancelled (Y/N)", None])
    form.append(["Signed off by", None])
    workforce = wb.create_sheet("Workforce")
    workforce.append(["Org code", "Org name", "Staff absent", "Community appointments rescheduled"])
    workforce.append(["RTX", "University Hospitals of Morecambe Bay NHS Foundation Trust", 12, 4])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
