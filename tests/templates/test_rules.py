"""rules/templates.smk runs under Snakemake: a throw-away workflow with common.smk + templates.smk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import DATA, ROOT

SNAKEFILE = """
import os
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (workflow.basedir, os.environ.get("PYTHONPATH", "")) if p)
configfile: "config/config.yaml"
include: "rules/common.smk"
include: "rules/templates.smk"
"""


@pytest.mark.slow
def test_rules_build_templates_and_reports(tmp_path):
    work = tmp_path / "wf"
    (work / "rules").mkdir(parents=True)
    shutil.copytree(ROOT / "config", work / "config")
    for name in ("common.smk", "templates.smk"):
        shutil.copy(ROOT / "rules" / name, work / "rules" / name)
    os.symlink(ROOT / "scripts", work / "scripts")
    (work / "Snakefile").write_text(SNAKEFILE, encoding="utf-8")
    (work / "raw" / "math4-2021").mkdir(parents=True)
    shutil.copy(DATA / "registry_cp1251.csv", work / "raw" / "math4-2021" / "registry.csv")
    results = work / "results" / "math4-2021"
    results.mkdir(parents=True)
    for name in ("municipalities", "region", "schools", "deficits", "recommendations"):
        shutil.copy(DATA / f"{name}.csv", results / f"{name}.csv")
    targets = ["results/math4-2021/templates/.done", "results/math4-2021/reports/.done"]
    cmd = [sys.executable, "-m", "snakemake", "--cores", "1", "--quiet", "all", "--", *targets]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (results / "templates" / "01" / "010001.xlsx").exists()
    assert (results / "templates" / "02.zip").exists()
    assert sorted(p.name for p in (results / "reports").iterdir()) == [
        ".done",
        "01.xlsx",
        "02.xlsx",
        "03.xlsx",
    ]
    assert (work / "logs" / "math4-2021" / "school_templates.log").read_text(encoding="utf-8")
    assert (work / "benchmarks" / "math4-2021" / "report_forms.tsv").exists()
