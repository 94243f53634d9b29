"""The whole workflow on the fixture assessment of conftest.py; expected numbers worked out by hand."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from scripts.common.csvio import read_csv
from tests.e2e.conftest import make_project, run_workflow

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def by(rows, key):
    return {r[key]: r for r in rows}


def test_students_levels_by_hand(e2e_project: Path):
    students = read_csv(e2e_project / "results/e2e-test/students.csv")
    # Only the accepted school's 7 rows; 0102 is rejected as a whole.
    assert [s["student_code"] for s in students] == ["s1", "s2", "s3", "s4", "s5", "s6", "s7"]
    s = by(students, "student_code")
    # basic = tasks 1, 2, 3.1; advanced = task 4; basic_min 2, above_basic_min 1.
    assert (s["s1"]["basic_points"], s["s1"]["advanced_points"], s["s1"]["level"]) == (
        "4",
        "2",
        "above_basic",
    )
    assert s["s2"]["level"] == "basic"  # basic 2 == basic_min, advanced 0
    assert s["s3"]["level"] == "below_basic"  # basic 1
    assert s["s4"]["absent"] == "1" and s["s4"]["level"] == "" and s["s4"]["total"] == ""
    assert s["s5"]["level"] == "above_basic"  # basic 2, advanced 1 == above_basic_min
    assert s["s6"]["level"] == "below_basic"
    assert s["s7"]["level"] == "basic"  # basic 4, advanced 0
    assert {x["class"] for x in students} == {"4А", "4Б"}


def test_school_figures_by_hand(e2e_project: Path):
    schools = by(read_csv(e2e_project / "results/e2e-test/schools.csv"), "school_code")
    assert {c: r["status"] for c, r in schools.items()} == {
        "0101": "accepted",
        "0102": "rejected",
        "0201": "missing",
    }
    s = schools["0101"]
    assert (s["participants"], s["absent"]) == ("6", "1")
    assert s["participation_pct"] == "85.7"  # 6 / 7
    assert s["mean_score"] == "3.00"  # (6+2+2+3+1+4) / 6
    assert (s["below_basic"], s["basic"], s["above_basic"]) == ("2", "2", "2")
    assert s["below_basic_pct"] == "33.3"
    assert s["basic_tasks_pct"] == "58.3"  # (4+7+3) / (4 × 6)
    assert s["advanced_tasks_pct"] == "33.3"  # 4 / (2 × 6)
    assert s["risk"] == "1" and s["risk_reasons"] == "below_basic_pct"  # 33.3 ≥ 25


def test_task_completion_by_hand(e2e_project: Path):
    tasks = read_csv(e2e_project / "results/e2e-test/tasks.csv")
    school = {r["task"]: r["completion_pct"] for r in tasks if r["scope"] == "school"}
    assert school == {"1": "66.7", "2": "58.3", "3.1": "50.0", "4": "33.3"}
    assert [r["task"] for r in tasks if r["scope"] == "region"] == ["1", "2", "3.1", "4"]


def test_validation_and_accounting(e2e_project: Path):
    problems = read_csv(e2e_project / "results/e2e-test/validation.csv")
    errors = [p for p in problems if p["severity"] == "error"]
    assert [(p["file"], p["sheet"], p["cell"]) for p in errors] == [
        ("submissions/mo1/school2.xlsx", "Результаты", "G4")
    ]
    assert any(p["severity"] == "info" and p["file"] == "submissions/письмо.pdf" for p in problems)
    manifest = json.loads((e2e_project / "results/e2e-test/manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["files"] == 3
    assert (counts["files_accepted"], counts["files_rejected"], counts["files_ignored"]) == (
        1,
        1,
        1,
    )
    assert (counts["rows_read"], counts["rows_present"], counts["rows_absent"]) == (9, 6, 1)
    assert counts["rows_in_rejected_files"] == 2
    raw = e2e_project / "raw/e2e-test"
    for item in manifest["inputs"]:
        data = (raw.parent.parent / item["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["sha256"]


def test_site_built(e2e_project: Path):
    versions = json.loads((e2e_project / "site/versions.json").read_text())
    assert versions[0]["aliases"] == ["latest"]
    version_dir = e2e_project / "site" / versions[0]["version"]
    assert (version_dir / "e2e-test" / "oo" / "0101" / "index.html").exists()
    for page in version_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for code in ("s1", "s2", "s3", "s4", "s5", "s6", "s7", "t1", "t2"):
            assert f">{code}<" not in text, (page, code)


def snapshot(root: Path) -> dict[str, bytes]:
    files = {}
    for folder in ("results", "site"):
        for p in sorted((root / folder).rglob("*")):
            if p.is_file():
                files[str(p.relative_to(root))] = p.read_bytes()
    return files


def test_rerun_in_fresh_copy_is_byte_identical(e2e_project: Path, tmp_path: Path):
    other = make_project(tmp_path)
    proc = run_workflow(other)
    assert proc.returncode == 0, proc.stderr[-4000:]
    a, b = snapshot(e2e_project), snapshot(other)
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert different == []
