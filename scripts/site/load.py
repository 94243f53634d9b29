"""Reading one results/<id>/ folder (docs/data-contract.md) into plain records with indexes."""

from __future__ import annotations

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
    for name in REQUIRED:
        res.tables[name] = read_csv(root / f"{name}.csv")
    for name in OPTIONAL:
        path = root / f"{name}.csv"
        res.tables[name] = read_csv(path) if path.exists() else []
    if with_students and (root / "students.csv").exists():
        res.student_codes = {
            r["student_code"] for r in read_csv(root / "students.csv") if r.get("student_code")
        }
    return res


_TOKEN = re.compile(r"[^\s«»\"'(),;:]+")


def scrub_codes(text: str, codes: set[str], mask: str = "[код участника скрыт]") -> str:
    """Replace every token of `text` that is a known student code (validation messages may quote one)."""
    if not codes or not text:
        return text
    return _TOKEN.sub(lambda m: mask if m.group(0).rstrip(".") in codes else m.group(0), text)
