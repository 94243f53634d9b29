"""Configuration: load and validate config/config.yaml and every assessment; helpers for rules."""

import functools
import logging
import sys
from types import SimpleNamespace
from pathlib import Path

from scripts.common.hashing import code_version, sha256_file
from scripts.common.snakemake_fixes import daemon_rate_timer, params_without_pandas
from scripts.ingest import batches as ingest_batches
from scripts.ingest.errors import DEFAULT_LIMITS
from scripts.ingest.registry import load_registry
from scripts.common.config import (
    ConfigError,
    check_complete_defaults,
    error_text,
    load_assessment,
    plan_date,
    thresholds,
    unchecked_results,
    validate,
)

daemon_rate_timer()  # no 1 s wait at the end of every run (scripts/common/snakemake_fixes.py)
params_without_pandas()  # no pandas import to compare params (0.2 s a run, same module)

try:
    validate(config, "config.schema.yaml", "config/config.yaml")
    check_complete_defaults(config, "config/config.yaml")
    ASSESSMENTS = list(config.get("assessments") or []) or sorted(
        p.stem for p in Path("config/assessments").glob("*.yaml")
    )
    DEFINITIONS = {
        a: load_assessment(f"config/assessments/{a}.yaml") for a in ASSESSMENTS
    }
    for _a, _d in DEFINITIONS.items():
        _unchecked = unchecked_results(_d)
        if _unchecked:
            print(
                f"Предупреждение: config/assessments/{_a}.yaml: планируемые результаты "
                f"{', '.join(_unchecked)} не проверяются ни одним заданием (их "
                "выполнение не считается)",
                file=sys.stderr,
            )
    INGEST_FILES_PER_BATCH = (config.get("batches") or {}).get(
        "ingest_files", ingest_batches.DEFAULT_FILES_PER_BATCH
    )
except ConfigError as exc:
    sys.exit(error_text(exc))

for _a in ASSESSMENTS:
    if not Path(f"raw/{_a}").is_dir():
        sys.exit(f"Ошибка настройки: нет папки raw/{_a}/ с данными работы {_a}")


wildcard_constraints:
    assessment="|".join(map(lambda a: a.replace(".", r"\."), ASSESSMENTS)) or "NONE",
    batch=r"\d+",


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


@functools.cache
def submission_batches(assessment):
    """The submitted files of raw/<id>/submissions/ in batches of `batches.ingest_files`
    (scripts/ingest/batches.py): one `ingest_batch` job each."""
    files = ingest_batches.submission_files(f"raw/{assessment}")
    return ingest_batches.split(files, INGEST_FILES_PER_BATCH)


def batch_files(wildcards):
    return submission_batches(wildcards.assessment)[int(wildcards.batch)]


def batch_fingerprint(wildcards):
    """(path, sha256) of the batch's files, a param: a changed workbook re-runs its own batch
    only, the same bytes saved again nothing; and the job graph does not hold one input per
    workbook (≈1.5 ms each in the DAG: a minute for a country's 40 000 workbooks)."""
    return ingest_batches.fingerprint(
        f"raw/{wildcards.assessment}", batch_files(wildcards)
    )


@functools.cache
def content_of(path):
    """sha256 of a file's bytes, a param of the rules that read it: Snakemake re-runs a rule only
    when an input is NEWER than its output, so a registry or a library restored from a backup
    with its old time (`cp -p`, an unpacked mail, rsync) was never read again (an audit: the last
    registry's names stayed in results/ and on the site). Small files, hashed once a run.
    """
    return sha256_file(path)[0] if Path(path).is_file() else ""


def registry_content(wildcards):
    return content_of(registry_file(wildcards))


def config_content(wildcards):
    return {p: content_of(p) for p in CONFIG_FILES}


def batch_results(wildcards):
    n = len(submission_batches(wildcards.assessment))
    return [f"build/{wildcards.assessment}/ingest/batch-{i}.pickle" for i in range(n)]


def registry_schools(assessment):
    """About how many schools the registry lists, to size the site's shards (a CSV: its non-empty
    lines but the header — cheap for 40 000 rows; rule `registry` checks it properly).
    """
    path = registry_file(SimpleNamespace(assessment=assessment))
    if path.endswith(".csv"):
        with open(path, "rb") as fh:
            return max(0, sum(1 for line in fh if line.strip()) - 1)
    stage = logging.getLogger("stage")
    level = stage.level
    # its warnings are rule `registry`'s to print, not every start's
    stage.setLevel(logging.ERROR)
    try:
        return len(load_registry(path))
    except Exception:
        return 0
    finally:
        stage.setLevel(level)


# mkdocs builds of the site: about `batches.site_schools` school pages each, plus one for the
# other pages (scripts/site/shards.py shares them out by cost); at least two, for two cores.
SITE_SHARDS = max(
    2,
    1
    + -(
        -sum(registry_schools(a) for a in ASSESSMENTS)
        // config.get("batches", {}).get("site_schools", 500)
    ),
)


def assessment_definition(wildcards):
    """The definition as validated above: jobs get it as a param (no YAML or schema in each)."""
    return DEFINITIONS[wildcards.assessment]


# The build's date, once per run: a plan without `reference_date` is judged against it (SPEC §9)
PLAN_DATES = {a: plan_date(d) for a, d in DEFINITIONS.items()}


def assessment_plan_date(wildcards):
    return PLAN_DATES[wildcards.assessment]


def assessment_thresholds(wildcards):
    return thresholds(config, DEFINITIONS[wildcards.assessment])


# Read by `ingest` (hashed into the manifest) and `analyse` (the texts of recommendations).
CONFIG_FILES = ["config/config.yaml", "config/recommendations.yaml"]


# The validation limits a reader of the methodology page needs (SPEC §4, §7: every threshold).
FILE_CHECKS = {
    **{k: config.get("limits", {}).get(k, v) for k, v in DEFAULT_LIMITS.items()},
    "tolerance_pct": config.get("registry", {}).get(
        "expected_students_tolerance_pct", 10
    ),
}


# The code version of this build: changing any workflow file re-runs ingest (a param), so the
# manifest and the site version always name the code that made them.
CODE_VERSION = code_version(workflow.basedir)
