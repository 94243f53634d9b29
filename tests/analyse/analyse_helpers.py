"""Tiny hand-made assessments and students for the analysis tests.

The test assessment `tiny` has four tasks:

    task  max  level     result
    1     1    basic     A
    2     1    basic     A
    3     2    basic     B
    4     2    advanced  C

basic max = 4, advanced max = 2, total max = 6; basic_min = 2, above_basic_min = 2;
marks: 3 from 2 points, 4 from 4, 5 from 5.
"""

from __future__ import annotations

import copy
import itertools

import pandas as pd

from scripts.analyse.build import analyse
from scripts.analyse.output import preformat
from scripts.common.config import deep_merge

TINY = {
    "id": "tiny",
    "title": "t",
    "subject": "s",
    "grade": 4,
    "date": "2021-04-29",
    "template": "tiny-v1",
    "variants": [1, 2],
    "planned_results": [
        {"code": "A", "text": "Результат A"},
        {"code": "B", "text": "Результат B"},
        {"code": "C", "text": "Результат C"},
    ],
    "tasks": [
        {"id": "1", "max": 1, "level": "basic", "result": "A"},
        {"id": "2", "max": 1, "level": "basic", "result": "A"},
        {"id": "3", "max": 2, "level": "basic", "result": "B"},
        {"id": "4", "max": 2, "level": "advanced", "result": "C"},
    ],
    "levels": {"basic_min": 2, "above_basic_min": 2},
    "marks": {"3": 2, "4": 4, "5": 5},
}

DEFAULTS = {
    "risk": {
        "min_participants": 5,
        "school": {"below_basic_pct": 25, "basic_tasks_pct": 57},
        "municipality": {"below_basic_pct": 20, "schools_in_risk_pct": 30},
    },
    "objectivity": {
        "min_participants": 10,
        "advanced_over_basic_pp": 15,
        "threshold_peak": {"share_pct": 20, "ratio": 3},
        "identical_answers": {"min_students": 5, "share_pct": 30},
    },
    "deficits": {
        "basic_task_pct": 57,
        "advanced_task_pct": 28.5,
        "below_region_pp": 15,
        "shared_by_schools_pct": 30,
    },
    "privacy": {"min_group_size": 6},
}

LIBRARY = {
    "fallback": {
        "teachers": "Учителям: {code} «{text}»",
        "administration": "Администрации: {code}",
        "municipality": "МО: {code}",
    },
    "assessments": {"tiny": {"planned_results": {"A": {"teachers": "Текст A для учителей"}}}},
    "reasons": {
        "below_basic_pct": {"administration": "ББ адм", "municipality": "ББ МО"},
        "too_few": {"administration": "мало"},
        "identical_answers": {"municipality": "одинаковые"},
    },
}

# Point vectors (tasks 1, 2, 3, 4) and what they give:
BELOW = (1, 0, 0, 0)  # basic 1 < 2 → below_basic; total 1
PEAK = (1, 1, 0, 0)  # basic 2 = basic_min, advanced 0 → basic; total 2
BASIC = (1, 1, 1, 0)  # basic 3, advanced 0 → basic; total 3
ABOVE = (1, 1, 2, 2)  # basic 4, advanced 2 → above_basic; total 6 (every task at max)

ALL_VECTORS = list(itertools.product(range(2), range(2), range(3), range(3)))


def thresholds(**override) -> dict:
    return deep_merge(DEFAULTS, override)


def definition(**override) -> dict:
    d = copy.deepcopy(TINY)
    d.update(override)
    return d


def school(code, vectors, cls="4А", variant=1, absent=0, start=0):
    """Rows of students.csv (as read by main.read_students) for one school."""
    rows = []
    for i, v in enumerate(vectors):
        rows.append(
            {
                "school_code": code,
                "student_code": f"{code}-{start + i}",
                "class": cls,
                "variant": variant,
                "absent": 0,
                **{f"task_{t}": p for t, p in zip(("1", "2", "3", "4"), v, strict=True)},
            }
        )
    for j in range(absent):
        rows.append(
            {
                "school_code": code,
                "student_code": f"{code}-a{start + j}",
                "class": cls,
                "variant": float("nan"),
                "absent": 1,
                **{f"task_{t}": float("nan") for t in ("1", "2", "3", "4")},
            }
        )
    return rows


def students(*parts) -> pd.DataFrame:
    rows = [r for part in parts for r in part]
    cols = ["school_code", "student_code", "class", "variant", "absent"]
    cols += [f"task_{t}" for t in ("1", "2", "3", "4")]
    return pd.DataFrame(rows, columns=cols)


def status(*schools) -> pd.DataFrame:
    """schools: (municipality_code, school_code, status[, settlement])."""
    rows = []
    for s in schools:
        m, c, st = s[:3]
        rows.append(
            {
                "municipality_code": m,
                "municipality": f"МО {m}",
                "school_code": c,
                "school_name": f"Школа {c}",
                "settlement": s[3] if len(s) > 3 else "",
                "expected_students": "",
                "status": st,
                "file": "",
            }
        )
    return pd.DataFrame(rows)


def run(st, ss, defn=None, thr=None, lib=None, raw=False):
    """Every output table: as the CSV's text cells (default) or unrounded (`raw=True`)."""
    tables = analyse(st, ss, defn or definition(), thr or thresholds(), lib or LIBRARY)
    if raw:
        return {name: t.rows for name, t in tables.items()}
    return {
        name: pd.DataFrame(preformat(t.rows, t.columns, t.decimals), columns=t.columns)
        for name, t in tables.items()
    }


def row(table: pd.DataFrame, **keys) -> dict:
    """The one row of `table` whose columns equal `keys`."""
    sel = table
    for k, v in keys.items():
        sel = sel.loc[sel[k] == v]
    assert len(sel) == 1, f"{len(sel)} rows for {keys}"
    return sel.iloc[0].to_dict()
