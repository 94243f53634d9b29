"""Shared fixtures of the templates tests: the demo definition, a small registry, helpers to fill a
template with openpyxl and to convert with LibreOffice."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from scripts.common.config import load_assessment, load_defaults, thresholds
from scripts.templates.registry_reader import School
from tests.libreoffice import soffice_convert  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
ARTIFACTS = ROOT / "tests" / "artifacts"
SOFFICE = shutil.which("soffice")

needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="session")
def definition() -> dict:
    return load_assessment(ROOT / "config" / "assessments" / "math4-2021.yaml")


@pytest.fixture(scope="session")
def thr(definition) -> dict:
    return thresholds(load_defaults(ROOT / "config" / "config.yaml"), definition)


@pytest.fixture
def school() -> School:
    return School("01", "Город Иваново", "010001", 'МБОУ "Средняя школа № 1"', "город", 47)


def fill(path: Path, out: Path, students: list[dict], keep_formulas: bool = True) -> None:
    """Write students into «Результаты» of a template with openpyxl (as a school would).

    Each student: code, class, variant, absent ('да'/''), points (list of ints or None for absent).
    With keep_formulas=False the «Итого» cells get the sum as a number (cached value present).
    """
    wb = openpyxl.load_workbook(path)
    ws = wb["Результаты"]
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "№")
    cols = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    first_task = cols["Отсутствовал"] + 1
    for i, st in enumerate(students):
        r = header + 1 + i
        ws.cell(r, cols["Код участника"], st["code"])
        ws.cell(r, cols["Класс"], st["class"])
        if st.get("variant") is not None:
            ws.cell(r, cols["Вариант"], st["variant"])
        if st.get("absent"):
            ws.cell(r, cols["Отсутствовал"], st["absent"])
        for j, p in enumerate(st.get("points") or []):
            if p is not None:
                ws.cell(r, first_task + j, p)
        if not keep_formulas:
            pts = [p for p in st.get("points") or [] if p is not None]
            ws.cell(r, cols["Итого"], sum(pts) if pts else None)
            ws.cell(r, cols["Отметка"], None)
    wb.save(out)
