"""A template filled in correctly passes validation unchanged — also through LibreOffice (SPEC §9).

The filled numbers are read back with python-calamine (cached values, as the validator reads them)
and run through the real validator of scripts/ingest (`process_bytes`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from scripts.common.config import load_yaml
from scripts.ingest.pipeline import process_bytes
from scripts.ingest.registry import load_registry
from scripts.templates.registry_reader import School
from scripts.templates.school_template import build_school_workbook

from .conftest import DATA, ROOT, fill, needs_soffice, soffice_convert

SCHOOL = School("01", "Город Иваново", "010001", 'МБОУ "Средняя школа № 1"', "город", 47)

# 14 tasks of math4-2021: max 1,1,1,1,1,1,2,1,2,1,1,2,2,2
STUDENTS = [
    {
        "code": "4А-01",
        "class": "4А",
        "variant": 1,
        "points": [1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 1, 2, 2, 2],
    },
    {
        "code": "4А-02",
        "class": "4А",
        "variant": 2,
        "points": [0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0],
    },
    # an absent student's variant may stay empty (SPEC §3.3); a present one's may not
    {"code": "4А-03", "class": "4А", "variant": None, "absent": "да", "points": None},
    {"code": "4Б-01", "class": "4Б", "variant": 2, "points": [0] * 14},
    {
        "code": "4Б-02",
        "class": "4 б",
        "variant": 1,
        "points": [1, 0, 1, 0, 1, 0, 2, 0, 0, 1, 0, 2, 0, 1],
    },
]


def expected_rows():
    out = []
    for st in STUDENTS:
        pts = st["points"]
        out.append((st["code"], None if pts is None else sum(pts), pts))
    return out


@pytest.fixture(scope="module")
def registry():
    return {r["school_code"]: r for r in load_registry(DATA / "registry_cp1251.csv")}


@pytest.fixture(scope="module")
def limits():
    return load_yaml(ROOT / "config" / "config.yaml")["limits"]


@pytest.fixture
def blank(tmp_path, definition) -> Path:
    path = tmp_path / "010001.xlsx"
    path.write_bytes(build_school_workbook(definition, SCHOOL, 52))
    return path


def read_back(path: Path):
    """(code, Итого cached value, points) per non-empty data row, read with calamine."""
    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name("Результаты").to_python()
    h = next(i for i, r in enumerate(rows) if r[0] == "№")
    cols = {name: j for j, name in enumerate(rows[h])}
    out = []
    for r in rows[h + 1 :]:
        if r[cols["Код участника"]] in ("", None):
            continue
        pts = [r[j] for j in range(cols["Отсутствовал"] + 1, cols["Итого"])]
        pts = None if all(p == "" for p in pts) else [int(p) for p in pts]
        total = r[cols["Итого"]]
        out.append((r[cols["Код участника"]], None if total == "" else int(total), pts))
    return out


def validate(path: Path, definition, registry, limits):
    return process_bytes(
        path.read_bytes(), f"submissions/{path.name}", definition, registry, limits
    )


def assert_accepted(res):
    """Accepted with no problem at all (no warning either: Итого/Отметка agree when present)."""
    assert res.status == "accepted", [p.message for p in res.problems]
    assert res.problems == [], [p.message for p in res.problems]
    assert res.school_code == "010001"
    assert res.rows_read == 5 and res.rows_present == 4 and res.rows_absent == 1
    got = {s["student_code"]: s for s in res.students}
    for st in STUDENTS:
        row = got[st["code"]]
        if st["points"] is None:
            assert str(row["absent"]) in ("1", "True")
            continue
        assert int(row["total"]) == sum(st["points"])
        tasks = [
            int(row[f"task_{t}"])
            for t in (
                "1",
                "2",
                "3",
                "4",
                "5.1",
                "5.2",
                "6",
                "7",
                "8",
                "9.1",
                "9.2",
                "10",
                "11",
                "12",
            )
        ]
        assert tasks == st["points"]


def test_openpyxl_fill_keeps_formulas(tmp_path, blank, definition, registry, limits):
    out = tmp_path / "filled.xlsx"
    fill(blank, out, STUDENTS)
    got = read_back(out)
    # openpyxl writes formulas without cached values: Итого reads empty, points exact
    assert [(c, p) for c, _, p in got] == [(c, p) for c, _, p in expected_rows()]
    assert all(t is None for _, t, _ in got)
    assert_accepted(validate(out, definition, registry, limits))


def test_openpyxl_fill_with_total_values(tmp_path, blank, definition, registry, limits):
    out = tmp_path / "filled.xlsx"
    fill(blank, out, STUDENTS, keep_formulas=False)
    assert read_back(out) == expected_rows()
    assert_accepted(validate(out, definition, registry, limits))


def test_over_max_rejected_at_cell(tmp_path, blank, definition, registry, limits):
    bad = [dict(s) for s in STUDENTS]
    bad[1] = dict(bad[1], points=[0, 1, 0, 1, 0, 1, 3, 0, 1, 0, 1, 0, 1, 0])  # task 6 (max 2): 3
    out = tmp_path / "bad.xlsx"
    fill(blank, out, bad)
    res = validate(out, definition, registry, limits)
    assert res.status == "rejected"
    errors = [p for p in res.problems if p.severity == "error"]
    assert [(p.sheet, p.cell, p.code) for p in errors] == [("Результаты", "L5", "points_over_max")]
    assert "6" in errors[0].message and "2" in errors[0].message


def test_blank_template_has_no_data_rows(blank, definition, registry, limits):
    res = validate(blank, definition, registry, limits)
    assert res.rows_read == 0
    # the only complaint about an untouched template is that it holds no students
    assert {p.code for p in res.problems} <= {"no_rows"}


@pytest.mark.libreoffice
@needs_soffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_libreoffice_round_trip(tmp_path, blank, definition, registry, limits, fmt):
    filled = tmp_path / "filled.xlsx"
    fill(blank, filled, STUDENTS)
    out = soffice_convert(
        filled, "xlsx:Calc MS Excel 2007 XML" if fmt == "xlsx" else "ods", tmp_path / "lo"
    )
    # LibreOffice recalculates and stores the cached values of the formulas
    assert read_back(out) == expected_rows()
    assert_accepted(validate(out, definition, registry, limits))
