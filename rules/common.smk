"""Configuration: load and validate config/config.yaml and every assessment; helpers for rules."""

import hashlib
import sys
from pathlib import Path

from scripts.common.hashing import code_version
from scripts.common.config import (
    ConfigError,
    load_assessment,
    thresholds,
    validate,
)

try:
    validate(config, "config.schema.yaml", "config/config.yaml")
    ASSESSMENTS = list(config.get("assessments") or []) or sorted(
        p.stem for p in Path("config/assessments").glob("*.yaml")
    )
    DEFINITIONS = {
        a: load_assessment(f"config/assessments/{a}.yaml") for a in ASSESSMENTS
    }
except ConfigError as exc:
    sys.exit(f"Ошибка настройки: {exc}")

for _a in ASSESSMENTS:
    if not Path(f"raw/{_a}").is_dir():
        sys.exit(f"Ошибка настройки: нет папки raw/{_a}/ с данными работы {_a}")


wildcard_constraints:
    assessment="|".join(map(lambda a: a.replace(".", r"\."), ASSESSMENTS)) or "NONE",


def definition_file(wildcards):
    return f"config/assessments/{wildcards.assessment}.yaml"


def registry_file(wildcards):
    """raw/<id>/registry.csv or registry.xlsx (exactly one)."""
    found = [
        p
        for p in (
            f"raw/{wildcards.assessment}/registry.csv",
            f"raw/{wildcards.assessment}/registry.xlsx",
        )
        if Path(p).exists()
    ]
    if len(found) != 1:
        sys.exit(
            f"Ошибка: в raw/{wildcards.assessment}/ должен быть ровно один реестр "
            "(registry.csv или registry.xlsx)"
        )
    return found[0]


def submissions_fingerprint(wildcards):
    """sha256 over (path, size, mtime) of every file under raw/<id>/submissions/ (any depth).

    A param, not one input per workbook: adding, removing or changing a file re-runs ingest all
    the same, while Snakemake's job graph stays small (an input per file costs ≈1.5 ms each in
    the DAG: a minute for a country's 40 000 workbooks). Ingest hashes the contents itself.
    """
    root = Path(f"raw/{wildcards.assessment}/submissions")
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def assessment_thresholds(wildcards):
    return thresholds(config, DEFINITIONS[wildcards.assessment])


# The code version of this build: changing any workflow file re-runs ingest (a param), so the
# manifest and the site version always name the code that made them.
CODE_VERSION = code_version(workflow.basedir)
