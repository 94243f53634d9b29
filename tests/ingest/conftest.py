"""Builders of school workbooks with writers other than the project's own (xlsxwriter, openpyxl,
LibreOffice) and of small assessment definitions and registries."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from scripts.common.config import load_assessment
from tests.libreoffice import soffice_available, soffice_convert  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "assessments" / "math4-2021.yaml"

# A different assessment (grade 5, other task ids and maxima, three variants, no marks).
OTHER = {
    "id": "rus5-2022",
    "title": "Тест",
    "subject": "Русский язык",
    "grade": 5,
    "date": "2022-04-01",
    "template": "rus5-2022-v1",
    "variants": [1, 2, 3],
    "planned_results": [{"code": "A", "text": "a"}, {"code": "B", "text": "b"}],
    "tasks": [
        {"id": "1a", "max": 3, "level": "basic", "result": "A"},
        {"id": "1б", "max": 1, "level": "basic", "result": "A"},
        {"id": "2", "max": 4, "level": "advanced", "result": "B"},
        {"id": "5.10", "max": 2, "level": "basic", "result": "B"},
    ],
    "levels": {"basic_min": 3, "above_basic_min": 2},
}

LIMITS = {"max_file_mib": 20, "max_rows": 100_000, "max_columns": 200}

REGISTRY = {
    "0101": {
        "municipality_code": "01",
        "municipality": "г. Иваново",
        "school_code": "0101",
        "school_name": "МБОУ «Школа № 1»",
        "settlement": "город",
        "expected_students": 3,
    },
    "0102": {
        "municipality_code": "01",
        "municipality": "г. Иваново",
        "school_code": "0102",
        "school_name": "МБОУ «Школа № 2»",
        "settlement": "город",
        "expected_students": None,
    },
    "0201": {
        "municipality_code": "02",
        "municipality": "Вичугский район",
        "school_code": "0201",
        "school_name": "МКОУ Сельская школа",
        "settlement": "село",
        "expected_students": 40,
    },
}


@pytest.fixture(scope="session")
def demo():
    return load_assessment(DEMO)


@pytest.fixture
def other():
    return copy.deepcopy(OTHER)


@pytest.fixture
def registry():
    return copy.deepcopy(REGISTRY)


def title_grid(code="0101", template="math4-2021-v1", name=None, mo=None):
    rows = [["Титульный лист", None], ["Код ОО:", code], ["Шаблон", template]]
    if name is not None:
        rows.append(["Наименование ОО", name])
    if mo is not None:
        rows.append(["Муниципалитет", mo])
    return rows


def demo_header(definition):
    return ["№", "Код участника", "Класс", "Вариант", "Отсутствовал"] + [
        t["id"] for t in definition["tasks"]
    ]


def demo_row(n, code, klass="4А", variant=1, absent=None, points=None, definition=None):
    tasks = definition["tasks"]
    if points is None and absent is None:
        points = [t["max"] for t in tasks]
    if points is None:
        points = [None] * len(tasks)
    return [n, code, klass, variant, absent, *points]


def write_grid_xlsxwriter(ws, grid, r0=0, c0=0, date_fmt=None):
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, dt.date):
                ws.write_datetime(r0 + i, c0 + j, v, date_fmt)
            elif isinstance(v, str):
                ws.write_string(r0 + i, c0 + j, v)
            elif isinstance(v, bool):
                ws.write_boolean(r0 + i, c0 + j, v)
            else:
                ws.write_number(r0 + i, c0 + j, v)


def xlsxwriter_book(path, sheets: dict, origins: dict | None = None, vba: bool = False):
    """sheets: name → grid (None = empty cell); origins: name → (row0, col0) zero-based."""
    origins = origins or {}
    wb = xlsxwriter.Workbook(str(path))
    for name, grid in sheets.items():
        ws = wb.add_worksheet(name)
        date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
        write_grid_xlsxwriter(ws, grid, *origins.get(name, (0, 0)), date_fmt)
    wb.close()
    return Path(path)


def openpyxl_book(path, sheets: dict, origins: dict | None = None):
    origins = origins or {}
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, grid in sheets.items():
        ws = wb.create_sheet(name)
        r0, c0 = origins.get(name, (0, 0))
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                if v is not None:
                    ws.cell(row=r0 + i + 1, column=c0 + j + 1, value=v)
    wb.save(str(path))
    return Path(path)


def school_book(path, definition, rows, code="0101", writer="xlsxwriter", header=None, **kw):
    header = header or demo_header(definition)
    sheets = {
        "Титул": title_grid(code, definition["template"], kw.get("name"), kw.get("mo")),
        "Результаты": [["Результаты работы"], [], header, *rows],
    }
    builder = xlsxwriter_book if writer == "xlsxwriter" else openpyxl_book
    return builder(path, sheets, kw.get("origins"))
