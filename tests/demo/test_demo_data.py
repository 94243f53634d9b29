"""The committed demo data (raw/math4-2021) and its manifest scripts/demo/planted.yaml.

Fast checks only: no LibreOffice, no regeneration (see test_demo_generator.py for that).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
import yaml
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from python_calamine import CalamineWorkbook

from scripts.demo import model, names

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "raw" / "math4-2021"
PLANTED = ROOT / "scripts" / "demo" / "planted.yaml"
ASSESSMENT = yaml.safe_load((ROOT / "config/assessments/math4-2021.yaml").read_text("utf-8"))

REAL_MO = {
    "г.о. Иваново",
    "г.о. Вичуга",
    "г.о. Кинешма",
    "г.о. Кохма",
    "г.о. Тейково",
    "г.о. Шуя",
} | {
    f"{n} муниципальный район"
    for n in [
        "Верхнеландеховский",
        "Вичугский",
        "Гаврилово-Посадский",
        "Заволжский",
        "Ивановский",
        "Ильинский",
        "Кинешемский",
        "Комсомольский",
        "Лежневский",
        "Лухский",
        "Палехский",
        "Пестяковский",
        "Приволжский",
        "Пучежский",
        "Родниковский",
        "Савинский",
        "Тейковский",
        "Фурмановский",
        "Шуйский",
        "Южский",
        "Юрьевецкий",
    ]
}


@pytest.fixture(scope="module")
def registry() -> list[dict]:
    with (RAW / "registry.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def planted() -> dict:
    return yaml.safe_load(PLANTED.read_text(encoding="utf-8"))


def test_registry_header_and_municipalities(registry):
    header = (RAW / "registry.csv").read_text("utf-8").splitlines()[0]
    assert (
        header == "Код МО,Муниципалитет,Код ОО,Наименование ОО,Тип местности,Обучающихся 4 классов"
    )
    mos = {(r["Код МО"], r["Муниципалитет"]) for r in registry}
    assert len(mos) == 27
    assert {name for _, name in mos} == REAL_MO
    assert {code for code, _ in mos} == {f"{i:02d}" for i in range(1, 28)}
    assert len(names.DISTRICTS) == 21


def test_registry_schools(registry):
    codes = [r["Код ОО"] for r in registry]
    assert 280 <= len(codes) <= 320
    assert len(set(codes)) == len(codes)
    for r in registry:
        assert len(r["Код ОО"]) == 6 and r["Код ОО"].isdigit()
        assert r["Код ОО"].startswith(r["Код МО"])
        assert r["Тип местности"] in ("город", "село")
        assert 4 <= int(r["Обучающихся 4 классов"]) <= 120
    per_mo = Counter(r["Муниципалитет"] for r in registry)
    assert 55 <= per_mo["г.о. Иваново"] <= 70
    assert any(c.startswith("0") for c in codes)
    urban = [r for r in registry if r["Муниципалитет"].startswith("г.о.")]
    assert all(r["Тип местности"] == "город" for r in urban)


def test_planted_summary(planted):
    assert planted["counts"]["municipalities"] == 27
    assert 8 <= len([s for s in planted["risk_schools"] if s["planted"]]) <= 12
    assert 2 <= len(planted["risk_municipalities"]) <= 3
    flags = Counter(f for s in planted["objectivity_schools"] for f in s["flags"])
    assert set(flags) == {"advanced_over_basic", "threshold_peak", "identical_answers"}
    assert 4 <= len(planted["objectivity_schools"]) <= 6
    assert all(s["participants"] >= 10 for s in planted["objectivity_schools"])
    assert any(s["participants"] == 4 for s in planted["too_few_schools"])
    assert 3 <= sum(m["reason"] == "no_file" for m in planted["missing_schools"]) <= 5
    errors = [d for d in planted["defects"] if d["file_status"] == "rejected"]
    assert len(errors) >= 12
    kinds = {p["kind"] for d in planted["defects"] for p in d["problems"]}
    for kind in (
        "points_over_max",
        "points_decimal",
        "points_negative",
        "points_non_numeric",
        "points_empty",
        "absent_with_points",
        "absence_value_invalid",
        "class_missing",
        "class_wrong_grade",
        "variant_invalid",
        "student_code_duplicate",
        "student_code_missing",
        "template_wrong",
        "title_sheet_missing",
        "task_column_missing",
        "task_column_duplicate",
        "personal_data_column",
        "school_code_unknown",
        "school_code_as_number",
        "municipality_mismatch",
        "total_mismatch",
        "column_extra",
        "duplicate_submission",
        "file_corrupt",
        "file_macro",
    ):
        assert kind in kinds, kind
    ignored = {Path(i["file"]).name for i in planted["ignored"]}
    assert ".DS_Store" in ignored and "readme.txt" in ignored
    assert any(n.startswith("~$") for n in ignored) and any(n.endswith(".pdf") for n in ignored)


def test_planted_matches_files_on_disk(planted, registry):
    on_disk = {
        p.relative_to(RAW).as_posix() for p in (RAW / "submissions").rglob("*") if p.is_file()
    }
    listed = {f["file"] for f in planted["files"]} | {i["file"] for i in planted["ignored"]}
    assert on_disk == listed
    codes = {r["Код ОО"] for r in registry}
    for f in planted["files"]:
        assert f["school_code"] in codes
    for d in planted["defects"]:
        assert d["school_code"] in codes
        for f in d["files"]:
            assert f in on_disk
    for key in ("risk_schools", "objectivity_schools", "too_few_schools", "missing_schools"):
        for s in planted[key]:
            assert s["school_code"] in codes
    formats = Counter(Path(f).suffix for f in on_disk)
    assert formats[".xlsx"] > 200 and formats[".xls"] >= 3 and formats[".ods"] >= 3
    assert formats[".xlsm"] >= 1
    size = sum(p.stat().st_size for p in RAW.rglob("*") if p.is_file())
    assert size < 8 * 1024 * 1024


def _cells(path: Path, sheet: str) -> list[list]:
    wb = CalamineWorkbook.from_path(str(path))
    name = next(n for n in wb.sheet_names if n.strip().lower() == sheet.lower())
    return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _at(rows: list[list], cell: str):
    col, row = coordinate_from_string(cell)
    try:
        return rows[row - 1][column_index_from_string(col) - 1]
    except IndexError:
        return ""


def test_planted_cells_hold_the_planted_values(planted):
    checked = 0
    for d in planted["defects"]:
        path = RAW / d["files"][0]
        for p in d["problems"]:
            if not (p["cell"] and p["sheet"]) or p["cell"].isdigit():
                continue
            got = _at(_cells(path, p["sheet"]), p["cell"])
            want = p["value"]
            if want is None:
                assert got in ("", None), (d["files"][0], p)
            elif isinstance(want, int | float):
                assert got == pytest.approx(float(want)), (d["files"][0], p)
            else:
                assert got == want, (d["files"][0], p)
            checked += 1
    assert checked >= 20


def _school_students(path: Path) -> list[model.Student]:
    """A minimal reader for the planted (clean, template-ordered) workbooks."""
    rows = _cells(path, "Результаты")
    h = next(i for i, r in enumerate(rows) if str(r[0]).strip() == "№")
    header = [str(x).strip() for x in rows[h]]
    task_ids = [str(t["id"]) for t in ASSESSMENT["tasks"]]
    idx = [header.index(t) for t in task_ids]
    out = []
    for r in rows[h + 1 :]:
        if not str(r[header.index("Код участника")]).strip():
            continue
        absent = str(r[header.index("Отсутствовал")]).strip().lower() in ("да", "+", "1", "н")
        pts = None if absent else [int(float(r[i])) for i in idx]
        out.append(model.Student(str(r[1]), "", 1, absent, pts))
    return out


def test_planted_schools_files_carry_their_signs(planted):
    """Recompute the SPEC §5 rules from the planted schools' workbooks (not the model)."""
    asm = model.load_assessment(ASSESSMENT)
    thr = yaml.safe_load((ROOT / "config" / "config.yaml").read_text("utf-8"))
    reg = planted["region"]
    region = model.Metrics(participants=reg["participants"], absent=reg["absent"])
    region.basic_tasks_pct = reg["basic_tasks_pct"]
    region.advanced_tasks_pct = reg["advanced_tasks_pct"]
    region.peak_pct = reg["peak_pct"]
    file_of = {f["school_code"]: f["file"] for f in planted["files"] if f["status"] == "accepted"}
    for s in planted["risk_schools"]:
        m = model.classify(
            model.metrics(_school_students(RAW / file_of[s["school_code"]]), asm), region, thr
        )
        assert m.risk and m.risk_reasons == s["reasons"], s
    for s in planted["objectivity_schools"]:
        m = model.classify(
            model.metrics(_school_students(RAW / file_of[s["school_code"]]), asm), region, thr
        )
        assert m.flags == s["flags"], s
    for s in planted["too_few_schools"]:
        m = model.metrics(_school_students(RAW / file_of[s["school_code"]]), asm)
        assert m.participants == s["participants"] < 5
