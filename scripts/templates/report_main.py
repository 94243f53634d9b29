"""Snakemake entry of rule `report_forms`: results/<id>/*.csv → results/<id>/reports/<MO>.xlsx.

One report form per municipality of municipalities.csv, plus the marker `.done` (a listing of the
files with their sha256). Unchanged files are not rewritten; stale ones are removed.
"""

import logging
from pathlib import Path

from scripts.common.config import load_assessment
from scripts.common.csvio import read_csv
from scripts.common.entry import StageError
from scripts.templates.report_form import build_reports
from scripts.templates.school_main import MARKER, listing
from scripts.templates.school_template import sync_dir

log = logging.getLogger("stage")


def make_reports(
    definition_path,
    thresholds: dict,
    municipalities,
    region,
    schools,
    deficits,
    recommendations,
    out_dir,
    definition: dict | None = None,
) -> dict:
    """`definition`: as validated by the workflow, else read from `definition_path`."""
    definition = definition or load_assessment(definition_path)
    region_rows = read_csv(region)
    if len(region_rows) != 1:
        raise StageError(f"{region}: ожидалась одна строка, найдено {len(region_rows)}")
    files = build_reports(
        definition,
        thresholds,
        read_csv(municipalities),
        region_rows[0],
        read_csv(schools),
        read_csv(deficits),
        read_csv(recommendations),
    )
    out = Path(out_dir)
    counts = sync_dir(out, files, keep={MARKER})
    (out / MARKER).write_text(listing(files), encoding="utf-8")
    log.info(
        "Формы отчёта %s: %d МО, записано %d, без изменений %d, удалено %d → %s",
        definition["id"],
        len(files),
        counts["written"],
        counts["unchanged"],
        counts["removed"],
        out,
    )
    return counts


def main(smk) -> None:
    make_reports(
        smk.input.definition,
        dict(smk.params.thresholds),
        smk.input.municipalities,
        smk.input.region,
        smk.input.schools,
        smk.input.deficits,
        smk.input.recommendations,
        Path(smk.output.marker).parent,
        definition=dict(smk.params.definition),  # validated by the workflow
    )


if "snakemake" in globals():
    from scripts.common import entry

    entry.run(snakemake, main)  # noqa: F821
