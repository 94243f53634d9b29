"""Problem records of the validation report (SPEC §4): the catalogue of codes, sorting, verdicts.

Every problem is a `Problem` with the file (relative to raw/<id>/), the school code when known,
the sheet, the cell (A1 reference, a bare row number, a bare column letter or empty for the whole
file), the severity, a stable code and a Russian message "<where>: <what>. <how to fix>".
The codes are documented in docs/validation-codes.md (a test keeps both in step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ERROR, WARNING, INFO = "error", "warning", "info"

# code → severity. Order = the order of docs/validation-codes.md.
CATALOGUE: dict[str, str] = {
    # the file as a whole
    "file_ignored": INFO,
    "file_name_encoding": WARNING,
    "file_unsupported": ERROR,
    "file_unreadable": ERROR,
    "file_too_large": ERROR,
    "sheet_too_large": ERROR,
    "macros": ERROR,
    "encrypted": ERROR,
    "external_links": ERROR,
    "archive_suspicious": ERROR,
    "xml_entities": ERROR,
    "read_timeout": ERROR,
    "read_memory": ERROR,
    "duplicate_submission": ERROR,
    # sheet «Титул»
    "sheet_missing": ERROR,
    "sheet_duplicate": ERROR,
    "label_duplicate": ERROR,
    "student_code_name": WARNING,
    "label_missing": ERROR,
    "label_empty": ERROR,
    "template_wrong": ERROR,
    "rows_not_checked": INFO,
    "school_unknown": ERROR,
    "code_padded": WARNING,
    "school_name_mismatch": WARNING,
    "municipality_mismatch": WARNING,
    # sheet «Результаты»: the table's header
    "header_missing": ERROR,
    "column_missing": ERROR,
    "column_duplicate": ERROR,
    "column_extra": WARNING,
    "personal_data": ERROR,
    "no_rows": ERROR,
    "results_elsewhere": ERROR,
    "hidden_content": WARNING,
    "merged_cells": WARNING,
    "formula_no_value": WARNING,
    # sheet «Результаты»: cells
    "student_code_missing": ERROR,
    "student_code_duplicate": ERROR,
    "class_missing": ERROR,
    "class_bad": ERROR,
    "class_other_grade": ERROR,
    "variant_bad": ERROR,
    "variant_missing": ERROR,
    "absent_value_bad": ERROR,
    "absent_has_points": ERROR,
    "points_empty": ERROR,
    "points_not_number": ERROR,
    "points_decimal": ERROR,
    "points_negative": ERROR,
    "points_over_max": ERROR,
    "total_mismatch": WARNING,
    "mark_mismatch": WARNING,
    # across files / against the registry
    "rows_vs_registry": WARNING,
    "school_missing": INFO,
}

SEVERITY_RU = {ERROR: "Ошибка", WARNING: "Предупреждение", INFO: "Сведения"}


@dataclass(frozen=True)
class Problem:
    file: str
    school_code: str
    sheet: str
    cell: str
    severity: str
    code: str
    what: str
    how: str = ""

    @property
    def message(self) -> str:
        return compose_message(self.sheet, self.cell, self.what, self.how)

    def record(self) -> dict:
        return {
            "file": self.file,
            "school_code": self.school_code,
            "sheet": self.sheet,
            "cell": self.cell,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


VALIDATION_COLUMNS = ["file", "school_code", "sheet", "cell", "severity", "code", "message"]


def where(sheet: str, cell: str) -> str:
    """`Результаты!H14`, `Результаты, строка 14`, `Результаты, столбец H`, `Титул` or ``."""
    if not sheet:
        return ""
    if not cell:
        return f"лист «{sheet}»"
    if cell.isdigit():
        return f"{sheet}, строка {cell}"
    if cell.isalpha():
        return f"{sheet}, столбец {cell}"
    return f"{sheet}!{cell}"


def compose_message(sheet: str, cell: str, what: str, how: str) -> str:
    prefix = where(sheet, cell)
    text = what.rstrip(".")
    if how:
        text = f"{text}. {how.rstrip('.')}"
    text += "."
    if prefix:
        text = f"{prefix}: {text}"
    return text[0].upper() + text[1:] if text else text


def problem(
    file: str, school: str, sheet: str, cell: str, code: str, what: str, how: str = ""
) -> Problem:
    if code not in CATALOGUE:
        raise KeyError(f"unknown validation code {code!r}")
    return Problem(file, school, sheet, cell, CATALOGUE[code], code, what, how)


_CELL = re.compile(r"^([A-Z]*)(\d*)$")


def cell_key(cell: str) -> tuple[int, int]:
    """(row, column) as numbers; 0 where absent, so whole-sheet problems sort first."""
    m = _CELL.match(cell or "")
    if not m:
        return (0, 0)
    letters, digits = m.groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return (int(digits) if digits else 0, col)


def sort_key(p: Problem):
    row, col = cell_key(p.cell)
    return (p.file, p.sheet, row, col, p.code, p.message)


def sort_problems(problems) -> list[Problem]:
    return sorted(problems, key=sort_key)


def counts(problems) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = sum(1 for p in problems if p.severity == ERROR)
    warnings = sum(1 for p in problems if p.severity == WARNING)
    return errors, warnings


def has_error(problems) -> bool:
    return any(p.severity == ERROR for p in problems)
