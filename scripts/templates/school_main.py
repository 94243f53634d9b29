"""Snakemake entry of rule `school_templates`: registry + definition → results/<id>/templates/.

Writes `<municipality_code>/<school_code>.xlsx` per registry school, `<municipality_code>.zip` per
municipality and the marker `.done` (a listing of the files with their sha256). Unchanged files are
not rewritten; files of schools no longer in the registry are removed.
"""

import hashlib
import logging
import time
from pathlib import Path

from scripts.common.config import load_assessment
from scripts.common.entry import StageError
from scripts.templates.registry_reader import load_schools
from scripts.templates.school_template import RowPolicy, build_templates, sync_dir

MARKER = ".done"
log = logging.getLogger("stage")


def listing(files: dict[str, bytes]) -> str:
    """The marker's text: one `sha256  path` line per file, sorted (like sha256sum)."""
    return "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files))


def make_templates(definition_path, registry_path, out_dir, rows: dict | None = None) -> dict:
    """Build every template of one assessment into `out_dir`; returns the counts."""
    started = time.perf_counter()
    definition = load_assessment(definition_path)
    schools = load_schools(registry_path)
    if not schools:
        raise StageError(f"{registry_path}: в реестре нет ни одной ОО")
    files = build_templates(definition, schools, RowPolicy(**(rows or {})))
    out = Path(out_dir)
    counts = sync_dir(out, files, keep={MARKER})
    (out / MARKER).write_text(listing(files), encoding="utf-8")
    counts["schools"] = len(schools)
    counts["seconds"] = round(time.perf_counter() - started, 2)
    log.info(
        "Шаблоны %s: %d ОО, записано файлов %d, без изменений %d, удалено %d (%.2f с) → %s",
        definition["id"],
        len(schools),
        counts["written"],
        counts["unchanged"],
        counts["removed"],
        counts["seconds"],
        out,
    )
    return counts


def main(smk) -> None:
    make_templates(
        smk.input.definition,
        smk.input.registry,
        Path(smk.output.marker).parent,
        dict(getattr(smk.params, "rows", None) or {}),
    )


if "snakemake" in globals():
    from scripts.common import entry

    entry.run(snakemake, main)  # noqa: F821
