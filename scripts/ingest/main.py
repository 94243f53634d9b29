"""Entry of the ingest stage: raw/<id>/ → results/<id>/{students,school_status,submissions,
validation}.csv, manifest.json and feedback/*.xlsx (docs/data-contract.md).

Run by Snakemake (rules/ingest.smk) or by hand:

    python -m scripts.ingest.main --assessment config/assessments/math4-2021.yaml \
        --raw raw/math4-2021 --out results/math4-2021
"""

import argparse
import logging
import sys
from pathlib import Path

from scripts.common import entry
from scripts.common.config import load_assessment, load_defaults
from scripts.common.config import thresholds as thresholds_in_force
from scripts.common.csvio import to_csv_text, write_csv, write_text_if_changed
from scripts.common.hashing import code_version
from scripts.common.numfmt import plural
from scripts.ingest import accounting, batches, feedback, reuse
from scripts.ingest.errors import DEFAULT_LIMITS
from scripts.ingest.pipeline import combine, list_submissions, process_all, student_columns
from scripts.ingest.registry import COLUMNS as REGISTRY_COLUMNS
from scripts.ingest.registry import load_registry
from scripts.ingest.validate import VALIDATION_COLUMNS, has_error

log = logging.getLogger("stage")

SCHOOL_COLUMNS = [*REGISTRY_COLUMNS[:4], "settlement", "expected_students", "status", "file"]
SUBMISSION_COLUMNS = [
    "file",
    "sha256",
    "bytes",
    "school_code",
    "status",
    "rows_read",
    "rows_present",
    "rows_absent",
    "errors",
    "warnings",
]


def _progress(total: int):
    if not sys.stderr.isatty() or total < 2:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return lambda it: tqdm(it, total=total, desc="Проверка файлов", unit="файл", leave=False)


def parse_batch(
    *,
    definition_path: str,
    registry_path: str,
    files: list[str],
    limits: dict,
    jobs: int = 1,
    registry_rows: list[dict] | None = None,
    definition: dict | None = None,
    cache: str | None = None,
    code_sha: str = "",
    registry_key: str = "",
) -> list:
    """One batch of submitted files (paths relative to raw/<id>/) → their FileResults, each
    file read in an isolated worker; the rules across files wait for `run_ingest`.
    `registry_rows`: the registry as parsed once (rule `registry`), else read here;
    `definition`: the definition as validated by the workflow, else read here;
    `cache`: the batch's kept readings (scripts/ingest/reuse.py): unchanged files are not read
    again when the definition, registry, limits and code (`code_sha`) are the same;
    `registry_key`: a digest that stands for the registry rows in that comparison."""
    definition = definition or load_assessment(definition_path)
    rows = registry_rows if registry_rows is not None else load_registry(registry_path)
    registry = {r["school_code"]: r for r in rows}
    raw_dir = Path(registry_path).parent
    items = list_submissions(raw_dir, [str(raw_dir / f) for f in files])
    key = reuse.context_key(definition, registry_key or rows, limits, code_sha) if cache else ""
    kept, todo = reuse.split(cache, key, items) if cache else ({}, list(range(len(items))))
    read = process_all(
        [items[i] for i in todo], definition, registry, limits, jobs=jobs,
        progress=_progress(len(todo)),
    )  # fmt: skip
    kept.update(zip(todo, read, strict=True))
    results = [kept[i] for i in range(len(items))]
    if cache:
        reuse.store(cache, key, results)
        log.info("Файлов прочитано %d, взято из прошлого прочтения без изменений %d",
                 len(todo), len(items) - len(todo))  # fmt: skip
    return results


def run_ingest(
    *,
    definition_path: str,
    registry_path: str,
    submission_paths: list[str] | None,
    config_paths: list[str],
    out: dict[str, str],
    limits: dict,
    tolerance_pct: float,
    code_sha: str,
    thresholds: dict | None = None,
    jobs: int = 1,
    results: list | None = None,
    registry_rows: list[dict] | None = None,
    definition: dict | None = None,
) -> dict:
    """Everything the stage does; `out` maps students/school_status/submissions/validation/
    manifest/feedback to paths. `results` are the FileResults of every submitted file when the
    batches were read by `parse_batch` jobs; else the files are read here. Returns the manifest."""
    definition = definition or load_assessment(definition_path)
    if registry_rows is None:
        registry_rows = load_registry(registry_path)
    registry = {r["school_code"]: r for r in registry_rows}
    raw_dir = Path(registry_path).parent
    if results is None:
        items = list_submissions(raw_dir, submission_paths)
        results = process_all(
            items, definition, registry, limits, jobs=jobs, progress=_progress(len(items))
        )
    outcome = combine(results, registry_rows, tolerance_pct)

    header = to_csv_text([], student_columns(definition))
    write_text_if_changed(out["students"], header + outcome.students_csv)
    write_csv(out["school_status"], outcome.schools, SCHOOL_COLUMNS)
    write_csv(out["submissions"], outcome.submissions, SUBMISSION_COLUMNS)
    write_csv(out["validation"], [p.record() for p in outcome.problems], VALIDATION_COLUMNS)
    write_feedback(out["feedback"], outcome, registry)

    inputs = []
    for path in [definition_path, registry_path, *config_paths]:
        digest, size = accounting.sha256_file(path)
        inputs.append({"path": Path(path).as_posix(), "sha256": digest, "bytes": size})
    for r in outcome.results:  # hashed when read (an unreadable file is hashed here, if it can be)
        path = raw_dir / r.file
        digest, size = (r.sha256, r.bytes) if r.sha256 else _sha_or_blank(path)
        inputs.append({"path": path.as_posix(), "sha256": digest, "bytes": size})
    inputs = list({i["path"]: i for i in inputs}.values())
    config_files = [
        (Path(p).as_posix(), accounting.sha256_file(p)[0])
        for p in dict.fromkeys([definition_path, *config_paths])
    ]
    # the thresholds in force too: set on the command line (`--config`) they are in no file, and
    # the results and site they change must get a new version id
    config_sha = accounting.config_hash(
        config_files, {"limits": limits, "tolerance_pct": tolerance_pct, "thresholds": thresholds}
    )
    manifest = accounting.manifest(definition["id"], inputs, config_sha, code_sha, outcome.counts)
    write_text_if_changed(out["manifest"], accounting.manifest_text(manifest))
    summarise(outcome, out["validation"])
    return manifest


def _sha_or_blank(path: Path) -> tuple[str, int]:
    try:
        return accounting.sha256_file(path)
    except OSError:
        return "", 0


def write_feedback(folder: str, outcome, registry: dict) -> None:
    folder_path = Path(folder)
    folder_path.mkdir(parents=True, exist_ok=True)
    with_problems = [
        r for r in outcome.results if any(p.code != "file_ignored" for p in r.problems)
    ]
    names = feedback.feedback_names(
        {r.file: (r.school_code if r.known else "") for r in with_problems}
    )
    keep = set()
    for r in with_problems:
        name = names[r.file] + ".xlsx"
        keep.add(name)
        school_name = registry[r.school_code]["school_name"] if r.known else ""
        data = feedback.feedback_bytes(r.file, r.school_code, school_name, r.problems)
        path = folder_path / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    for stale in folder_path.glob("*.xlsx"):
        if stale.name not in keep:
            stale.unlink()


def summarise(outcome, validation_path: str) -> None:
    c = outcome.counts
    log.info(
        "Файлов: %d (принято %d, отклонено %d, пропущено %d); строк: %d "
        "(присутствовали %d, отсутствовали %d, в отклонённых файлах %d)",
        c["files"],
        c["files_accepted"],
        c["files_rejected"],
        c["files_ignored"],
        c["rows_read"],
        c["rows_present"],
        c["rows_absent"],
        c["rows_in_rejected_files"],
    )
    log.info(
        "Школ в реестре: %d (приняты %d, отклонены %d, нет файла %d)",
        c["schools"],
        c["schools_accepted"],
        c["schools_rejected"],
        c["schools_missing"],
    )
    if not c["files"]:  # an empty (or mistyped) folder would publish a site with no results
        folder = f"raw/{Path(validation_path).parent.name}/submissions/"  # results/<id>/…
        log.warning("Внимание: в %s нет ни одного файла — результатов нет, все школы реестра "
                    "отмечены «нет файла». Положите туда присланные файлы и запустите снова.",
                    folder)  # fmt: skip
    elif not c["files_accepted"]:
        log.warning("Внимание: ни один файл не принят — результатов нет (см. отчёт о проверке).")
    rejected = [r for r in outcome.results if r.status == "rejected"]
    for r in rejected[:20]:
        first = next((p for p in r.problems if has_error([p])), None)
        log.info("  отклонён %s: %s", r.file, first.message if first else "")
    if len(rejected) > 20:
        more = len(rejected) - 20
        log.info("  ... и ещё %d %s", more, plural(more, "отклонённый файл", "отклонённых файла",
                                                   "отклонённых файлов"))  # fmt: skip
    log.info("Отчёт о проверке: %s", validation_path)


def main(smk) -> None:
    out = {
        key: str(getattr(smk.output, key))
        for key in ("students", "school_status", "submissions", "validation", "manifest")
    }
    out["feedback"] = str(smk.output.feedback)
    config_paths = (
        list(smk.input.config) if not isinstance(smk.input.config, str) else [smk.input.config]
    )
    run_ingest(
        definition_path=str(smk.input.definition),
        registry_path=str(smk.input.registry),
        submission_paths=None,
        config_paths=[str(p) for p in config_paths],
        out=out,
        limits={**DEFAULT_LIMITS, **dict(smk.params.limits or {})},
        tolerance_pct=float(smk.params.tolerance_pct),
        code_sha=str(smk.params.code_version),
        thresholds=dict(smk.params.thresholds),
        results=batches.read_results(list(smk.input.batches)),  # rule ingest_batch
        registry_rows=batches.read_results([smk.input.parsed_registry]),  # rule registry
        definition=dict(smk.params.definition),  # validated by the workflow
    )


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Проверка и загрузка присланных школами файлов")
    parser.add_argument("--assessment", required=True, help="config/assessments/<id>.yaml")
    parser.add_argument("--raw", required=True, help="raw/<id> (registry + submissions/)")
    parser.add_argument("--out", required=True, help="results/<id>")
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument(
        "--recommendations",
        default="config/recommendations.yaml",
        help="hashed into the manifest (the version id), as under Snakemake",
    )
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    entry.setup_logging(None)
    base = Path(__file__).resolve().parents[2]
    try:
        defaults = load_defaults(args.config)
        raw = Path(args.raw)
        registry = [p for p in (raw / "registry.csv", raw / "registry.xlsx") if p.exists()]
        if len(registry) != 1:
            raise entry.StageError(
                f"в {raw}/ должен быть ровно один реестр (registry.csv или .xlsx)"
            )
        outdir = Path(args.out)
        out = {
            k: str(outdir / f"{k}.csv")
            for k in ("students", "school_status", "submissions", "validation")
        }
        out["manifest"] = str(outdir / "manifest.json")
        out["feedback"] = str(outdir / "feedback")
        run_ingest(
            definition_path=args.assessment,
            registry_path=str(registry[0]),
            submission_paths=None,
            config_paths=[args.config]
            + ([args.recommendations] if Path(args.recommendations).is_file() else []),
            out=out,
            limits={**DEFAULT_LIMITS, **(defaults.get("limits") or {})},
            tolerance_pct=float(
                (defaults.get("registry") or {}).get("expected_students_tolerance_pct", 10)
            ),
            code_sha=code_version(base),
            thresholds=thresholds_in_force(defaults, load_assessment(args.assessment)),
            jobs=args.jobs,
        )
    except Exception as exc:  # one clear line, as under Snakemake
        from scripts.common.config import ConfigError

        if isinstance(exc, entry.StageError | ConfigError):
            log.error("Ошибка: %s", exc)
            return 1
        raise
    return 0


if "snakemake" in globals():
    entry.run(snakemake, main)
elif __name__ == "__main__":
    sys.exit(cli())
