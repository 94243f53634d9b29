"""The shipped demo (raw/math4-2021, written by scripts/demo) against its list of planted defects:
every planted problem is found at its file, sheet, cell, severity and code; the counts agree."""

import pytest
import yaml

from scripts.ingest.pipeline import combine, list_submissions, process_all
from scripts.ingest.registry import load_registry
from tests.ingest.conftest import DEMO, LIMITS, ROOT

RAW = ROOT / "raw" / "math4-2021"
PLANTED = ROOT / "scripts" / "demo" / "planted.yaml"

pytestmark = pytest.mark.skipif(
    not (RAW / "registry.csv").exists() or not PLANTED.exists(), reason="no demo data"
)


def test_planted_defects_are_found(demo):
    planted = yaml.safe_load(PLANTED.read_text(encoding="utf-8"))
    rows = load_registry(RAW / "registry.csv")
    registry = {r["school_code"]: r for r in rows}
    outcome = combine(process_all(list_submissions(RAW), demo, registry, LIMITS), rows, 10)
    found = {(p.file, p.sheet, p.cell, p.severity, p.code) for p in outcome.problems}
    files = {s["file"]: s["status"] for s in outcome.submissions}
    schools = {s["school_code"]: s["status"] for s in outcome.schools}
    for defect in planted["defects"]:
        for file in defect["files"]:
            assert files[file] == defect["file_status"], file
            for p in defect.get("problems", []):
                key = (file, p["sheet"] or "", p["cell"] or "", p["severity"], p["expected_code"])
                assert key in found, key
        if defect.get("school_code"):
            assert schools[defect["school_code"]] == defect["school_status"], defect["defect"]
    c, e = outcome.counts, planted["counts"]
    assert (c["files"], c["files_accepted"], c["files_rejected"], c["files_ignored"]) == (
        e["files"],
        e["files_accepted"],
        e["files_rejected"],
        e["files_ignored"],
    )
    assert (c["rows_present"], c["rows_absent"], c["rows_in_rejected_files"]) == (
        e["present_in_accepted_files"],
        e["absent_in_accepted_files"],
        e["rows_in_rejected_files"],
    )
    assert (c["schools_accepted"], c["schools_rejected"], c["schools_missing"]) == (
        e["schools_accepted"],
        e["schools_rejected"],
        e["schools_missing"],
    )
    assert str(DEMO).endswith("math4-2021.yaml")
