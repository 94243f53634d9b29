"""Ingest of one assessment: every submitted file → problems, student rows, statuses, counts.

`process_file` handles one file (never raises for a bad file); `combine` applies the rules that
need every file at once (duplicates, rows against the registry, missing schools) and builds the
rows of students.csv, submissions.csv, school_status.csv and validation.csv.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from scripts.common.config import task_ids
from scripts.common.csvio import to_csv_text
from scripts.common.numfmt import plural
from scripts.ingest import accounting, batches
from scripts.ingest.read import EXTERNAL_LINKS_MESSAGE, MACROS_MESSAGE, ReadError, read_workbook
from scripts.ingest.template_v1 import RESULTS_SHEET, parse_workbook, wanted_sheet
from scripts.ingest.validate import Problem, counts, has_error, problem, sort_problems

STUDENT_COLUMNS = [
    "school_code",
    "student_code",
    "class",
    "variant",
    "absent",
    "total",
    "basic_points",
    "advanced_points",
    "level",
    "mark",
]
WORKBOOK_EXT = {".xlsx", ".xlsm", ".xls", ".ods"}
# Spreadsheet formats a school might send that the pipeline does not read: ignored (SPEC §3.3),
# with a message that names the format and the accepted ones.
UNSUPPORTED_EXT = {".xlsb", ".csv", ".tsv", ".numbers", ".xlt", ".xltx", ".xltm", ".ots", ".fods"}
JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}


def classify(name: str) -> str:
    """`workbook`, `unsupported` (a spreadsheet format that is not read: ignored, its message says
    the format) or `ignored` by the file's name."""
    base = PurePosixPath(name).name
    lower = base.lower()
    if lower.startswith(("~$", "._", ".~lock")) or lower in JUNK_NAMES:
        return "ignored"
    suffix = PurePosixPath(lower).suffix
    if suffix in WORKBOOK_EXT:
        return "workbook"
    if suffix in UNSUPPORTED_EXT:
        return "unsupported"
    return "ignored"


@dataclass
class FileResult:
    file: str
    sha256: str
    bytes: int
    status: str = "rejected"  # accepted | rejected | ignored
    school_code: str = ""
    known: bool = False
    problems: list[Problem] = field(default_factory=list)
    students: list[dict] = field(default_factory=list)  # a worker sends only students_csv
    # the same rows as lines of students.csv (no header), by student code: made where the file is
    # read, so that the batches (in parallel) do the formatting, not the one job after them
    students_csv: str = ""
    students_counted: tuple[int, int] = (0, 0)  # (present, absent) among those rows
    rows_read: int = 0
    rows_present: int = 0
    rows_absent: int = 0
    # measured by the isolated pool (scripts/ingest/isolate.py); not written anywhere
    parse_seconds: float = 0.0
    worker_peak_mib: float = 0.0


def process_bytes(
    data: bytes, file: str, definition: dict, registry: dict, limits: dict
) -> FileResult:
    """One file's bytes → its result (status before cross-file rules)."""
    res = FileResult(file, accounting.sha256_bytes(data), len(data))
    kind = classify(file)
    if kind == "ignored":
        res.status = "ignored"
        res.problems.append(
            problem(
                file,
                "",
                "",
                "",
                "file_ignored",
                "файл не является книгой с результатами и не обрабатывается",
                "Если это результаты школы, пришлите их в шаблоне (.xlsx)",
            )
        )
        return res
    if kind == "unsupported":  # SPEC §3.3: every other file is listed as ignored — said as a format
        res.status = "ignored"
        res.problems.append(
            problem(
                file,
                "",
                "",
                "",
                "file_ignored",
                f"файл в формате «{PurePosixPath(file).suffix}» не обрабатывается: принимаются книги "
                ".xlsx, .xlsm, .xls и .ods",
                "Если это результаты школы, перенесите их в шаблон и пришлите книгу Excel (.xlsx)",
            )
        )
        return res
    try:
        # every sheet but the instructions, also of an .xls/.ods (its reader holds them all
        # anyway; the worker's memory cap bounds it): students kept elsewhere are not lost
        workbook = read_workbook(data, limits, wanted_sheet)
    except ReadError as err:
        res.problems.append(problem(file, "", err.sheet, err.cell, err.code, err.message))
        return res
    parsed = parse_workbook(workbook, definition, registry, file)
    if workbook.macros:
        parsed.problems.append(problem(file, parsed.school_code, "", "", "macros", MACROS_MESSAGE))
    if workbook.external_links:
        parsed.problems.append(
            problem(file, parsed.school_code, "", "", "external_links", EXTERNAL_LINKS_MESSAGE)
        )
    res.school_code = parsed.school_code
    res.known = parsed.known
    res.problems = parsed.problems
    res.students = parsed.students
    res.students_csv, res.students_counted = student_lines(parsed.students, definition)
    res.rows_read = parsed.rows_read
    res.rows_present = parsed.rows_present
    res.rows_absent = parsed.rows_absent
    res.status = "rejected" if has_error(res.problems) else "accepted"
    return res


def student_columns(definition: dict) -> list[str]:
    """The columns of students.csv (docs/data-contract.md)."""
    return STUDENT_COLUMNS + [f"task_{t}" for t in task_ids(definition)]


def student_lines(students: list[dict], definition: dict) -> tuple[str, tuple[int, int]]:
    """One file's rows of students.csv, by student code, without the header; and how many of
    them are (present, absent), counted from the rows themselves."""
    rows = sorted(students, key=lambda s: s["student_code"])
    text = to_csv_text(rows, student_columns(definition))
    absent = sum(1 for s in rows if s["absent"])
    return text[text.index("\n") + 1 :], (len(rows) - absent, absent)


def process_file(
    path: str | Path, file: str, definition: dict, registry: dict, limits: dict
) -> FileResult:
    """Read one file from disk; an oversized file is hashed but not read into memory."""
    res = _process_file(Path(path), file, definition, registry, limits)
    res.problems[:0] = name_warning(path, file)
    return res


def _process_file(
    path: Path, file: str, definition: dict, registry: dict, limits: dict
) -> FileResult:
    if classify(file) == "ignored":  # by its name, even a dead link: listed, hashed, not parsed
        res = process_bytes(b"", file, definition, registry, limits)
        try:
            res.sha256, res.bytes = accounting.sha256_file(path)
        except OSError:
            res.sha256, res.bytes = "", 0
        return res
    max_bytes = float(limits.get("max_file_mib", 20)) * 1024 * 1024
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")  # a pipe's read would never end
        size = st.st_size
        if size > max_bytes and classify(file) == "workbook":
            digest, size = accounting.sha256_file(path)
            res = FileResult(file, digest, size)
            res.problems.append(
                problem(
                    file,
                    "",
                    "",
                    "",
                    "file_too_large",
                    f"файл занимает {size / 1024 / 1024:.1f} МиБ при допустимых "
                    f"{float(limits.get('max_file_mib', 20)):g} МиБ",
                    "Удалите лишние листы, рисунки и форматирование и пришлите файл заново",
                )
            )
            return res
        data = path.read_bytes()
    except OSError as exc:
        res = FileResult(file, "", 0)
        res.problems.append(
            problem(file, "", "", "", "file_unreadable", f"файл не открывается: {_os_error(exc)}",
                    "Положите в папку сам файл (не ярлык и не ссылку) и запустите обработку снова")
        )  # fmt: skip
        return res
    return process_bytes(data, file, definition, registry, limits)


def _os_error(exc: OSError) -> str:
    """Why the system could not read a file, in Russian words (never the English strerror)."""
    if isinstance(exc, FileNotFoundError):
        return (
            "его нет на месте (возможно, это ярлык или ссылка на удалённый или перенесённый файл)"
        )
    if isinstance(exc, PermissionError):
        return "нет прав на чтение файла"
    if isinstance(exc, IsADirectoryError):
        return "это папка, а не файл"
    if exc.errno == errno.EINVAL:
        return "это не обычный файл, а особый объект системы (канал, устройство)"
    return f"ошибка чтения с диска (код {exc.errno})"


# --- every file in a bounded worker (scripts/ingest/isolate.py) ----------------------------

PARALLEL_MIN = 200  # kept for callers; the isolated pool decides its own size


def process_all(
    items: list[tuple[str, str]],
    definition: dict,
    registry: dict,
    limits: dict,
    jobs: int = 1,
    progress: Callable[[Iterable], Iterable] | None = None,
    isolate: bool = True,
) -> list[FileResult]:
    """(path, file relative to raw/<id>/) → results, in the order given.

    With `isolate` (the default, and what the pipeline uses) every file is read in one of `jobs`
    long-lived worker processes with a memory cap and a timeout per file (docs/hardening.md);
    without it, in this process (tests and trusted callers only)."""
    if isolate:
        from scripts.ingest.isolate import process_isolated

        return process_isolated(items, definition, registry, limits, jobs, progress)
    progress = progress or (lambda it: it)
    return [process_file(p, f, definition, registry, limits) for p, f in progress(items)]


# --- rules across files ----------------------------------------------------------------------


@dataclass
class Outcome:
    students_csv: str  # the rows of students.csv without its header
    submissions: list[dict]
    schools: list[dict]
    problems: list[Problem]
    counts: dict
    results: list[FileResult]


def _suggest(file: str, codes: set[str]) -> list[str]:
    stem = PurePosixPath(file).stem
    return [t for t in re.findall(r"\d+", stem) if t in codes]


def combine(results: list[FileResult], registry_rows: list[dict], tolerance_pct: float) -> Outcome:
    registry = {r["school_code"]: r for r in registry_rows}
    results = sorted(results, key=lambda r: r.file)
    by_school: dict[str, list[FileResult]] = {}
    for r in results:
        if r.status != "ignored" and r.known:
            by_school.setdefault(r.school_code, []).append(r)
    # duplicates: every file of the school is rejected, naming the others
    for code, group in by_school.items():
        if len(group) < 2:
            continue
        for r in group:
            others = ", ".join(o.file for o in group if o is not r)
            r.problems.append(
                problem(
                    r.file,
                    code,
                    "",
                    "",
                    "duplicate_submission",
                    f"для ОО {code} прислано несколько файлов; другие: {others}",
                    "Оставьте в папке только актуальный файл этой школы и запустите обработку снова",
                )
            )
            r.status = "rejected"
    # rows against the registry's number of students — also in a rejected file whose table was
    # read, so that the school learns it in the same round as its errors (one pass, SPEC §4)
    for r in results:
        if r.status == "ignored" or not r.known:
            continue
        if r.status != "accepted" and r.rows_read == 0:
            continue  # nothing read (a missing sheet or column): the error says enough
        expected = registry[r.school_code].get("expected_students")
        if expected is None:
            continue
        rows = r.rows_read  # in an accepted file: present + absent
        if abs(rows - expected) > expected * tolerance_pct / 100:
            r.problems.append(
                problem(
                    r.file,
                    r.school_code,
                    RESULTS_SHEET,
                    "",
                    "rows_vs_registry",
                    f"в таблице {rows} {plural(rows, 'участник', 'участника', 'участников')} "
                    "(присутствовавших и отсутствовавших), "
                    f"а по реестру обучающихся {expected}",
                    "Проверьте, что в таблицу внесены все ученики всех классов параллели, "
                    "включая отсутствовавших",
                )
            )
    # schools
    codes = set(registry)
    unreadable = [r for r in results if r.status == "rejected" and not r.school_code]
    suggestions: dict[str, list[str]] = {}
    for r in unreadable:
        for code in _suggest(r.file, codes):
            suggestions.setdefault(code, []).append(r.file)
    problems: list[Problem] = []
    schools = []
    for code in sorted(registry):
        entry = registry[code]
        group = by_school.get(code, [])
        if len(group) == 1 and group[0].status == "accepted":
            status, files = "accepted", [group[0].file]
        elif group:
            status, files = "rejected", [g.file for g in group]
        else:
            status, files = "missing", suggestions.get(code, [])
            hint = ""
            if files:
                hint = (
                    "; по имени файла ей может принадлежать отклонённый файл, в котором не удалось "
                    f"определить код ОО: {', '.join(files)}"
                )
            problems.append(
                problem(
                    "",
                    code,
                    "",
                    "",
                    "school_missing",
                    f"нет принятого или отклонённого файла ОО {code} «{entry['school_name']}»{hint}",
                    "Запросите у школы заполненный шаблон",
                )
            )
        schools.append({**entry, "status": status, "file": ";".join(files)})
    submissions = []
    students = []  # (school code, its lines): one accepted file per school
    counted = [0, 0]
    for r in results:
        errors, warnings = counts(r.problems)
        accepted = r.status == "accepted"
        submissions.append(
            {
                "file": r.file,
                "sha256": r.sha256,
                "bytes": r.bytes,
                "school_code": r.school_code,
                "status": r.status,
                "rows_read": r.rows_read,
                "rows_present": r.rows_present if accepted else 0,
                "rows_absent": r.rows_absent if accepted else 0,
                "errors": errors,
                "warnings": warnings,
            }
        )
        if accepted:
            students.append((r.school_code, r.students_csv))
            counted[0] += r.students_counted[0]
            counted[1] += r.students_counted[1]
        problems.extend(r.problems)
    students.sort()  # by school, each file's lines by student code: the order of students.csv
    c = accounting.count(submissions, schools)
    accounting.check(c, tuple(counted))
    students_csv = "".join(text for _code, text in students)
    return Outcome(students_csv, submissions, schools, sort_problems(problems), c, results)


def list_submissions(raw_dir: str | Path, files: list[str] | None = None) -> list[tuple[str, str]]:
    """(path, path relative to raw/<id>/ with `/`) for every file under submissions/."""
    raw_dir = Path(raw_dir)
    if files is None:  # the workflow's listing (linked folders followed, dead links kept)
        files = [str(raw_dir / f) for f in batches.submission_files(raw_dir)]
    rels = [os.path.relpath(f, raw_dir).replace(os.sep, "/") for f in files]
    taken = set(rels)
    out = []
    for f, rel in zip(files, rels, strict=True):
        shown = display_name(rel)
        if shown != rel and shown in taken:  # «Школа.xlsx» twice: unpacked once in each encoding
            shown = _escaped(rel)
        taken.add(shown)
        out.append((f, shown))
    return sorted(out, key=lambda x: x[1])


def display_name(rel: str) -> str:
    """A path as the reports write it. A part whose bytes are not UTF-8 (Python holds them as
    surrogates, which no CSV or JSON can take) is decoded as code page 866 — what a zip made by
    Windows' «Send to compressed folder» in Russian keeps names in; the other parts stay as they
    are. The file is read by its real path; `file_name_encoding` says so."""
    return "/".join(_readable(part) for part in rel.split("/"))


def _readable(part: str) -> str:
    try:
        part.encode("utf-8")
        return part
    except UnicodeEncodeError:
        return part.encode("utf-8", "surrogateescape").decode("cp866")


def _escaped(rel: str) -> str:
    """The bytes that are not UTF-8 as \\xNN: unambiguous where CP866 would repeat a name."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def name_warning(path: str | Path, file: str) -> list[Problem]:
    """`file_name_encoding` when the name on disk is not UTF-8 (see display_name)."""
    try:
        os.fspath(path).encode("utf-8")
        return []
    except UnicodeEncodeError:
        pass
    return [problem(file, "", "", "", "file_name_encoding",
                    "имя файла записано не в кодировке UTF-8 (так бывает с архивами, сделанными в "
                    "Windows); файл прочитан, а его имя показано так, как его удалось прочесть",
                    "Переименуйте файл в папке (или распакуйте архив заново с кодировкой имён CP866)")]  # fmt: skip
