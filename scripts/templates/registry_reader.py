"""The registry of schools (SPEC §3.2) as the templates stage needs it: `School` records read by
the ingest stage's reader (``scripts.ingest.registry.load_registry``), so templates and validation
agree on every code and name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scripts.ingest.registry import load_registry


@dataclass(frozen=True)
class School:
    municipality_code: str
    municipality: str
    school_code: str
    school_name: str
    settlement: str = ""
    expected_students: int | None = None


def _text(value) -> str:
    """A registry value as text; an integral float from a spreadsheet loses its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


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
    """Registry schools sorted by municipality and school code, read by the ingest stage's reader
    (so templates and validation agree on every code and name)."""
    return _from_shared(load_registry(Path(path)))
