"""Renders a school template and a report form with LibreOffice → PDF → PNG into tests/artifacts/
(git-ignored) for a human look at the layout; asserts the pages exist and are not blank."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from scripts.common.csvio import read_csv
from scripts.templates.report_form import build_reports
from scripts.templates.school_template import build_school_workbook

from .conftest import ARTIFACTS, DATA, fill, needs_soffice, soffice_convert
from .test_roundtrip import SCHOOL, STUDENTS

PDFTOPPM = shutil.which("pdftoppm")


def render(xlsx, name: str) -> list:
    pdf = soffice_convert(xlsx, "pdf", ARTIFACTS)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(
        [PDFTOPPM, "-r", "70", "-png", str(pdf), str(ARTIFACTS / name)], check=True, timeout=60
    )
    pngs = sorted(ARTIFACTS.glob(f"{name}-*.png"))
    assert pngs and all(p.stat().st_size > 5000 for p in pngs)
    return pngs


@pytest.mark.libreoffice
@needs_soffice
@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (poppler-utils) is not installed")
def test_render_template_and_report(tmp_path, definition, thr):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    blank = tmp_path / "template_010001.xlsx"
    blank.write_bytes(build_school_workbook(definition, SCHOOL, 52))
    filled = tmp_path / "template_filled.xlsx"
    fill(blank, filled, STUDENTS)
    report = tmp_path / "report_01.xlsx"
    report.write_bytes(
        build_reports(
            definition,
            thr,
            read_csv(DATA / "municipalities.csv"),
            read_csv(DATA / "region.csv")[0],
            read_csv(DATA / "schools.csv"),
            read_csv(DATA / "deficits.csv"),
            read_csv(DATA / "recommendations.csv"),
        )["01.xlsx"]
    )
    assert len(render(filled, "template_filled")) >= 3  # instructions, title, results
    assert len(render(report, "report_01")) >= 5  # one page per sheet at least
