"""Reading one results/<id>/ folder (docs/data-contract.md) into plain records with indexes."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from scripts.common.csvio import read_csv

OPTIONAL = ("marks", "settlements", "items", "reasons", "deficits", "recommendations", "submissions",
            "school_status", "validation", "classes", "distribution", "planned_results")  # fmt: skip
REQUIRED = ("schools", "municipalities", "region", "tasks")


@dataclass
class Results:
    root: Path
    manifest: dict
    tables: dict[str, list[dict]] = field(default_factory=dict)
    student_codes: set[str] = field(default_factory=set)
    # each table's header, also of a table without rows (its download keeps its columns, and the
    # site the same files whatever the rows: a file that comes and goes re-renders a whole shard)
    columns: dict[str, list[str]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[dict]:
        return self.tables.get(name, [])

    def by(self, name: str, *keys: str) -> dict:
        """{key tuple (or the single key): [rows]} of one table."""
        out: dict = defaultdict(list)
        for row in self[name]:
            k = row[keys[0]] if len(keys) == 1 else tuple(row[x] for x in keys)
            out[k].append(row)
        return out

    @property
    def region(self) -> dict:
        return self["region"][0] if self["region"] else {}


def read_results(root: str | Path, with_students: bool = True) -> Results:
    root = Path(root)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    res = Results(root=root, manifest=manifest)
    for name in (*REQUIRED, *OPTIONAL):
        path = root / f"{name}.csv"
        if name in REQUIRED or path.exists():
            res.tables[name] = read_csv(path)
            with open(path, encoding="utf-8", newline="") as fh:
                res.columns[name] = next(csv.reader(fh), [])
        else:
            res.tables[name] = []
    if with_students and (root / "students.csv").exists():
        res.student_codes = student_codes(root / "students.csv")
    return res


def student_codes(path: Path) -> set[str]:
    """The `student_code` column only, streamed (a country's 1.5 M rows as dicts would take GBs)."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if "student_code" not in header:
            return set()
        i = header.index("student_code")
        return {row[i] for row in reader if len(row) > i and row[i]}


_TOKEN = re.compile(r"[^\s«»\"'(),;:]+")
# A code quoted by ingest (`student_code_duplicate`: «код участника «X» уже указан…»). Such a file
# is rejected, so its codes are not in students.csv: the token match below cannot catch them.
_QUOTED_CODE = re.compile(r"(код(?:ы)? участник(?:а|ов)\s*)«[^»]*»", re.IGNORECASE)


# A mismatch of «Итого» or «Отметка» quotes one participant's total or mark: the school's feedback
# workbook (results/<id>/feedback/) keeps the figures, the site says only where and what.
INDIVIDUAL_RESULT = {
    "total_mismatch": "«Итого» не совпадает с суммой баллов за задания (значения не публикуются: "
    "это результат одного участника; они — в отчёте для школы)",
    "mark_mismatch": "«Отметка» не совпадает с отметкой по сумме баллов (значения не публикуются: "
    "это результат одного участника; они — в отчёте для школы)",
}


# What a school typed into a student's row, quoted by the message, may be a name («Иванов Иван» in
# «Класс»): the site says what is wrong where, the school's feedback workbook keeps the value.
_HIDDEN_VALUE = (
    "(значение не публикуется: в ячейке может быть имя ученика; оно — в отчёте для школы)"
)
CELL_VALUE = {
    "class_bad": f"в столбце «Класс» не класс {_HIDDEN_VALUE}",
    "class_other_grade": f"в столбце «Класс» класс другой параллели {_HIDDEN_VALUE}",
    "variant_bad": f"в столбце «Вариант» не вариант этой работы {_HIDDEN_VALUE}",
    "absent_value_bad": f"в столбце «Отсутствовал» непонятная отметка {_HIDDEN_VALUE}",
    "points_not_number": f"вместо балла за задание не число {_HIDDEN_VALUE}",
}


def published_message(problem: dict, codes: set[str]) -> str:
    """A validation message as the site and its downloads show it (SPEC §7): no student code, no
    one participant's total or mark, no text typed into a student's row."""
    code = problem.get("code", "")
    text = INDIVIDUAL_RESULT.get(code) or CELL_VALUE.get(code)
    if text is None:
        return scrub_codes(problem["message"], codes)
    sheet, cell = problem.get("sheet", ""), problem.get("cell", "")
    # where, as every other message begins («Результаты!T5: …»): the page has no cell column
    return f"{sheet}!{cell}: {text}" if sheet and cell else text


def scrub_codes(text: str, codes: set[str], mask: str = "[код участника скрыт]") -> str:
    """Mask student codes in `text` (validation messages may quote one): any value quoted after
    «код участника», and every token that is a known code (students.csv)."""
    if not text:
        return text
    text = _QUOTED_CODE.sub(lambda m: f"{m.group(1)}«{mask}»", text)
    if not codes:
        return text
    return _TOKEN.sub(lambda m: mask if m.group(0).rstrip(".") in codes else m.group(0), text)
