"""A small fixture assessment, run through the real workflow in a copy of the repository."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.writer.excel import ExcelWriter

from scripts.demo.workbooks import normalise_zip

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_PARTS = ["Snakefile", "rules", "scripts", "site_templates", "config"]

ASSESSMENT = """\
id: e2e-test
title: "Проверочная работа для сквозного теста"
subject: "Математика"
grade: 4
date: "2022-04-20"
template: "e2e-test-v1"
variants: [1, 2]
planned_results:
  - {code: "A", text: "Вычисления"}
  - {code: "B", text: "Задачи"}
tasks:
  - {id: "1", max: 1, level: basic, result: "A"}
  - {id: "2", max: 2, level: basic, result: "A"}
  - {id: "3.1", max: 1, level: basic, result: "B"}
  - {id: "4", max: 2, level: advanced, result: "B"}
levels: {basic_min: 2, above_basic_min: 1}
reference_date: "2022-05-15"
plan:
  - {event: "Проведение", responsible: "ОО", deadline: "2022-04-20"}
  - {event: "Отчёт", responsible: "МОУО", deadline: "2022-06-01"}
"""

REGISTRY = (
    "Код МО;Муниципалитет;Код ОО;Наименование ОО;Тип местности;Обучающихся 4 классов\n"
    "01;Первый район;0101;Школа № 1;город;7\n"
    "01;Первый район;0102;Школа № 2;село;3\n"
    "02;Второй район;0201;Школа № 3;село;10\n"
)

HEADER = ["№", "Код участника", "Класс", "Вариант", "Отсутствовал", "1", "2", "3.1", "4", "Итого"]

# School 0101: six present, one absent. Levels worked out by hand in test_e2e.py.
SCHOOL_0101 = [
    ("s1", "4а", 1, "", [1, 2, 1, 2]),
    ("s2", "4 А", 2, "", [0, 1, 1, 0]),
    ("s3", "4-а", 1, "нет", [0, 1, 0, 1]),
    ("s4", "4А", 1, "да", [None, None, None, None]),
    ("s5", "4Б", 2, "", [1, 1, 0, 1]),
    ("s6", "4б", 1, "", [1, 0, 0, 0]),
    ("s7", "4Б", 2, "", [1, 2, 1, 0]),
]
# School 0102: one over-max point (task 2, max 2) in the second data row → rejected.
SCHOOL_0102 = [
    ("t1", "4А", 1, "", [1, 2, 1, 2]),
    ("t2", "4А", 1, "", [1, 3, 1, 0]),
]


def write_workbook(
    path: Path,
    school_code: str,
    rows,
    template="e2e-test-v1",
    name="",
    mo="",
    extra_header=None,
) -> None:
    """A template-v1 workbook; `extra_header` adds one more column (filled with "x")."""
    wb = openpyxl.Workbook()
    title = wb.active
    title.title = "Титул"
    for label, value in [
        ("Код ОО", school_code),
        ("Наименование ОО", name),
        ("Муниципалитет", mo),
        ("Шаблон", template),
    ]:
        title.append([label, value])
    sheet = wb.create_sheet("Результаты")
    sheet.append(["Результаты проверочной работы"])
    extra = [extra_header] if extra_header else []
    sheet.append(HEADER + extra)
    for n, (code, cls, variant, absent, points) in enumerate(rows, start=1):
        total = None if points[0] is None else sum(points)
        sheet.append([n, code, cls, variant, absent, *points, total] + ["x"] * len(extra))
    # Same content → same bytes (fixed document dates and zip entry times), so two projects made
    # by make_project have identical inputs and hence the same version id.
    wb.properties.created = wb.properties.modified = dt.datetime(2022, 4, 21)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(normalise_zip(buf.getvalue()))


def make_project(root: Path) -> Path:
    for part in WORKFLOW_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, root / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, root / part)
    for stale in (root / "config" / "assessments").glob("*.yaml"):
        stale.unlink()
    (root / "config" / "assessments" / "e2e-test.yaml").write_text(ASSESSMENT, encoding="utf-8")
    raw = root / "raw" / "e2e-test"
    (raw / "submissions" / "mo1").mkdir(parents=True)
    (raw / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    write_workbook(raw / "submissions" / "mo1" / "школа1.xlsx", "0101", SCHOOL_0101)
    write_workbook(raw / "submissions" / "mo1" / "school2.xlsx", "0102", SCHOOL_0102)
    (raw / "submissions" / "письмо.pdf").write_bytes(b"%PDF-1.4\n%fake\n")
    return root


def run_workflow(root: Path, *targets: str) -> subprocess.CompletedProcess:
    snakemake = Path(sys.executable).with_name("snakemake")
    return subprocess.run(
        [str(snakemake), "--cores", "2", *targets],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="session")
def e2e_project(tmp_path_factory) -> Path:
    """The fixture assessment after one full run of `rule all`."""
    root = make_project(tmp_path_factory.mktemp("e2e"))
    proc = run_workflow(root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    return root
