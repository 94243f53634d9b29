"""`snakemake --lint` finds nothing but the per-rule software-environment advice.

Every rule runs in the one pinned environment of requirements.lock (installed by the Makefile);
per-rule conda environments would repeat it, so that single lint is accepted. Any other lint
(missing log, absolute paths, mixed rules and functions, ...) fails this test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ACCEPTED = {"Specify a conda environment or container for each rule."}


def test_snakemake_lint_is_clean():
    snakemake = Path(sys.executable).with_name("snakemake")
    proc = subprocess.run(
        [str(snakemake), "--lint"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    output = proc.stdout + proc.stderr
    titles = set(re.findall(r"^\s+\* (.+?):?$", output, flags=re.M))
    assert "Lints for" in output or proc.returncode == 0, output[-2000:]
    assert titles - ACCEPTED == set(), output[-4000:]
