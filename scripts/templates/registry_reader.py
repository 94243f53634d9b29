"""A minimal reader of the registry of schools (SPEC §3.2) for the templates stage.

The ingest stage owns the canonical reader (``scripts.ingest.registry.load_registry``);
`load_schools` uses it, so templates and validation agree on every code and name. The private
reader below is a fallback kept only for an ingest-less checkout (ImportError); it can be deleted. Only what templates need is read: codes,
names and the expected number of students.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from scripts.common.entry import StageError

HEADERS = {
    "код мо": "municipality_code",
    "муниципалитет": "municipality",
    "код оо": "school_code",
    "наименование оо": "school_name",
    "тип местности": "settlement",
    "обучающихся 4 классов": "expected_students",
}
REQUIRED = ("municipality_code", "municipality", "school_code", "school_name")


@dataclass(frozen=True)
class School:
    municipality_code: str
    municipality: str
    school_code: str
    school_name: str
    settlement: str = ""
    expected_students: int | None = None


def _norm_header(text) -> str:
    return " ".join(str(text or "").split()).strip().rstrip(":").strip().lower()


def _text(value) -> str:
    """A registry value as text; an integral float from a spreadsheet loses its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StageError("реестр: не удалось определить кодировку (нужна UTF-8 или Windows-1251)")


def _read_csv_rows(path: Path) -> list[list[str]]:
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=sep)]


def _read_xlsx_rows(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    sheet = book.get_sheet_by_index(0)
    return sheet.to_python(skip_empty_area=False)


def _read_private(path: Path) -> list[School]:
    rows = _read_xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _read_csv_rows(path)
    rows = [r for r in rows if any(_text(v) for v in r)]
    if not rows:
        raise StageError(f"{path.name}: реестр пуст")
    columns = {}
    for i, header in enumerate(rows[0]):
        key = HEADERS.get(_norm_header(header))
        if key and key not in columns:
            columns[key] = i
    missing = [h for h, k in HEADERS.items() if k in REQUIRED and k not in columns]
    if missing:
        raise StageError(f"{path.name}: в реестре нет столбца «{missing[0]}»")

    def get(row, key):
        i = columns.get(key)
        return _text(row[i]) if i is not None and i < len(row) else ""

    schools: dict[str, School] = {}
    for row in rows[1:]:
        code = get(row, "school_code")
        if not code:
            continue
        if code in schools:
            raise StageError(f"{path.name}: код ОО {code} встречается в реестре дважды")
        expected = get(row, "expected_students")
        try:
            expected_n = int(float(expected.replace(",", "."))) if expected else None
        except ValueError:
            expected_n = None
        schools[code] = School(
            municipality_code=get(row, "municipality_code"),
            municipality=get(row, "municipality"),
            school_code=code,
            school_name=get(row, "school_name"),
            settlement=get(row, "settlement"),
            expected_students=expected_n,
        )
    return sorted(schools.values(), key=lambda s: (s.municipality_code, s.school_code))


def _from_shared(records) -> list[School]:
    """Adapt the ingest reader's rows (dicts or objects with the data-contract names)."""
    if hasattr(records, "to_dict"):  # a DataFrame
        records = records.to_dict("records")
    out = []
    for rec in records:
        get = rec.get if isinstance(rec, dict) else (lambda k, d=None, r=rec: getattr(r, k, d))
        expected = get("expected_students", None)
        out.append(
            School(
                municipality_code=_text(get("municipality_code", "")),
                municipality=_text(get("municipality", "")),
                school_code=_text(get("school_code", "")),
                school_name=_text(get("school_name", "")),
                settlement=_text(get("settlement", "")),
                expected_students=int(expected) if expected not in (None, "") else None,
            )
        )
    return sorted(out, key=lambda s: (s.municipality_code, s.school_code))


def load_schools(path: str | Path) -> list[School]:
    """Registry schools sorted by municipality and school code (shared reader if ingest has one)."""
    path = Path(path)
    try:
        from scripts.ingest.registry import load_registry
    except ImportError:  # ingest not installed: the private fallback below
        return _read_private(path)
    return _from_shared(load_registry(path))
