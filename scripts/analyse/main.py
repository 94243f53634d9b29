"""Entry of the analysis stage (rule `analyse`): results/<id>/students.csv … → results/<id>/*.csv.

Snakemake runs it through `script:`; without Snakemake::

    python -m scripts.analyse.main --results results/math4-2021 \\
        --definition config/assessments/math4-2021.yaml
"""

import argparse
import logging
import time
from pathlib import Path

import pandas as pd

from scripts.analyse.build import OUTPUTS, analyse
from scripts.analyse.output import write_table
from scripts.common import entry
from scripts.common.config import (
    ConfigError,
    load_assessment,
    load_defaults,
    load_yaml,
    thresholds,
)
from scripts.common.entry import StageError

log = logging.getLogger("stage")

TEXT_COLUMNS = ["school_code", "student_code", "class", "level"]
# Names of the rule's outputs where Snakemake reserves the table's name (`items`).
OUTPUT_KEYS = {"items": "item_analysis"}


def read_students(path) -> pd.DataFrame:
    """students.csv with codes as text and every empty field as NaN."""
    return pd.read_csv(
        path,
        dtype={c: str for c in TEXT_COLUMNS},
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
    )


def read_status(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def read_library(path) -> dict:
    """config/recommendations.yaml; a file that does not read (YAML, encoding, a key written
    twice) is one line naming it, as for the other configuration files."""
    try:
        return load_yaml(path)
    except ConfigError as exc:
        raise StageError(str(exc)) from None


def run(students, status, definition, thr, library, outputs: dict[str, str]) -> None:
    t0 = time.perf_counter()
    tables = analyse(
        read_students(students), read_status(status), definition, thr, read_library(library)
    )
    t1 = time.perf_counter()
    for name in OUTPUTS:
        t = tables[name]
        write_table(outputs[name], t.rows, t.columns, t.decimals)
    log.info(
        "Анализ %s: школ %d, расчёт %.2f с, запись %.2f с",
        definition["id"],
        len(tables["schools"].rows),
        t1 - t0,
        time.perf_counter() - t1,
    )


def main(smk) -> None:
    definition = dict(smk.params.definition)  # validated by the workflow
    run(
        smk.input.students,
        smk.input.status,
        definition,
        dict(smk.params.thresholds),
        smk.input.recommendations,
        {name: smk.output[OUTPUT_KEYS.get(name, name)] for name in OUTPUTS},
    )


def cli(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", required=True, help="results/<id>/ (inputs and outputs)")
    p.add_argument("--definition", required=True)
    p.add_argument("--config", default="config/config.yaml")
    p.add_argument("--recommendations", default="config/recommendations.yaml")
    args = p.parse_args(argv)
    entry.setup_logging(None)
    definition = load_assessment(args.definition)
    thr = thresholds(load_defaults(args.config), definition)
    res = Path(args.results)
    run(
        res / "students.csv",
        res / "school_status.csv",
        definition,
        thr,
        args.recommendations,
        {name: res / f"{name}.csv" for name in OUTPUTS},
    )


if __name__ == "__main__" and "snakemake" not in globals():
    cli()

if "snakemake" in globals():
    entry.run(snakemake, main)
