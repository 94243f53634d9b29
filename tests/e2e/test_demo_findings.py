"""On the shipped demo, the analysis finds exactly what the generator planted (scripts/demo/planted.yaml).

The generator checks its plants with its own simple computation of the rules, independent of
scripts/analyse; here the real stages run on the committed files and must agree with it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.common.csvio import read_csv

REPO = Path(__file__).resolve().parents[2]
RAW = REPO / "raw/math4-2021"
PLANTED = REPO / "scripts/demo/planted.yaml"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not RAW.is_dir(), reason="demo data not generated"),
]


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "results"
    common = {"cwd": REPO, "capture_output": True, "text": True, "timeout": 600}
    ingest = subprocess.run(
        [sys.executable, "-m", "scripts.ingest.main", "--assessment",
         "config/assessments/math4-2021.yaml", "--raw", str(RAW), "--out", str(out)],
        **common,
    )  # fmt: skip
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    analyse = subprocess.run(
        [sys.executable, "-m", "scripts.analyse.main", "--results", str(out),
         "--definition", "config/assessments/math4-2021.yaml"],
        **common,
    )  # fmt: skip
    assert analyse.returncode == 0, analyse.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def planted() -> dict:
    return yaml.safe_load(PLANTED.read_text(encoding="utf-8"))


def test_risk_schools_are_exactly_the_planted_ones(demo_results, planted):
    schools = read_csv(demo_results / "schools.csv")
    found = {r["school_code"]: r["risk_reasons"] for r in schools if r["risk"] == "1"}
    expected = {s["school_code"]: ";".join(sorted(s["reasons"])) for s in planted["risk_schools"]}
    assert found == expected


def test_risk_municipalities_are_exactly_the_planted_ones(demo_results, planted):
    rows = read_csv(demo_results / "municipalities.csv")
    found = {r["municipality_code"]: r["risk_reasons"] for r in rows if r["risk"] == "1"}
    expected = {
        m["municipality_code"]: ";".join(sorted(m["reasons"]))
        for m in planted["risk_municipalities"]
    }
    assert found == expected


def test_objectivity_flags_are_exactly_the_planted_ones(demo_results, planted):
    schools = read_csv(demo_results / "schools.csv")
    found = {r["school_code"]: r["objectivity_flags"] for r in schools if r["objectivity_flags"]}
    expected = {
        s["school_code"]: ";".join(sorted(s["flags"])) for s in planted["objectivity_schools"]
    }
    assert found == expected


def test_too_few_and_counts(demo_results, planted):
    schools = read_csv(demo_results / "schools.csv")
    too_few = {r["school_code"] for r in schools if r["risk_reasons"] == "too_few"}
    assert too_few == {s["school_code"] for s in planted["too_few_schools"]}
    region = read_csv(demo_results / "region.csv")[0]
    assert int(region["participants"]) == planted["region"]["participants"]
    assert int(region["absent"]) == planted["region"]["absent"]
    statuses = [r["status"] for r in schools]
    counts = planted["counts"]
    assert statuses.count("accepted") == counts["schools_accepted"]
    assert statuses.count("rejected") == counts["schools_rejected"]
    assert statuses.count("missing") == counts["schools_missing"]


# SPEC §6's «columns (at least)», copied from its table: each file carries them in this order
# (other columns may stand between and after them)
SPEC_COLUMNS = {
    "students": "school_code student_code class variant absent total basic_points advanced_points "
    "level mark",
    "schools": "municipality_code school_code school_name status participants absent "
    "participation_pct mean_score below_basic basic above_basic below_basic_pct basic_pct "
    "above_basic_pct basic_tasks_pct advanced_tasks_pct risk risk_reasons objectivity_flags",
    "classes": "school_code class participants below_basic_pct basic_pct above_basic_pct mean_score",
    "municipalities": "municipality_code municipality schools schools_accepted schools_rejected "
    "schools_missing participants absent participation_pct mean_score below_basic_pct basic_pct "
    "above_basic_pct basic_tasks_pct advanced_tasks_pct schools_in_risk risk risk_reasons",
    "region": "schools schools_accepted schools_rejected schools_missing participants absent "
    "participation_pct mean_score below_basic_pct basic_pct above_basic_pct basic_tasks_pct "
    "advanced_tasks_pct schools_in_risk",
    "items": "variant task participants difficulty discrimination alpha alpha_if_deleted flag",
    "distribution": "scope code total students",
    "tasks": "scope code task level max participants completion_pct",
    "planned_results": "scope code result completion_pct",
    "validation": "file school_code sheet cell severity code message",
}


@pytest.mark.parametrize("name", sorted(SPEC_COLUMNS))
def test_every_file_has_the_spec_columns_in_the_spec_order(demo_results, name):
    header = (demo_results / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    columns = header.split(",")
    wanted = SPEC_COLUMNS[name].split()
    assert set(wanted) <= set(columns), set(wanted) - set(columns)
    assert sorted(wanted, key=columns.index) == wanted, columns
