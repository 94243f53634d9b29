"""The assessment as the analysis sees it, and per-student figures (SPEC §5).

`Assessment` is the parsed definition (tasks in their order, maxima, levels, planned results,
level boundaries, marks). `prepare_students` turns the rows of ingest's `students.csv` into one
frame of integers: the task points of present students, their total, basic and advanced points,
level and mark — recomputed from the task columns and checked against what ingest wrote, so a
disagreement between the stages stops the run instead of publishing two different numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scripts.common.entry import StageError

LEVELS = ("below_basic", "basic", "above_basic")
TASK_PREFIX = "task_"


@dataclass(frozen=True)
class Assessment:
    id: str
    task_ids: tuple[str, ...]
    task_max: tuple[int, ...]
    task_level: tuple[str, ...]
    task_result: tuple[str, ...]
    results: tuple[str, ...]
    result_text: dict = field(hash=False, compare=False)
    variants: tuple[int, ...]
    basic_min: int
    above_basic_min: int
    marks: tuple[tuple[int, int], ...]  # (mark, lowest total), marks ascending

    @classmethod
    def from_definition(cls, d: dict) -> Assessment:
        tasks = d["tasks"]
        marks = d.get("marks") or {}
        return cls(
            id=str(d["id"]),
            task_ids=tuple(str(t["id"]) for t in tasks),
            task_max=tuple(int(t["max"]) for t in tasks),
            task_level=tuple(str(t["level"]) for t in tasks),
            task_result=tuple(str(t["result"]) for t in tasks),
            results=tuple(str(r["code"]) for r in d["planned_results"]),
            result_text={str(r["code"]): str(r["text"]) for r in d["planned_results"]},
            variants=tuple(int(v) for v in d["variants"]),
            basic_min=int(d["levels"]["basic_min"]),
            above_basic_min=int(d["levels"]["above_basic_min"]),
            marks=tuple(sorted((int(m), int(v)) for m, v in marks.items())),
        )

    @property
    def k(self) -> int:
        return len(self.task_ids)

    @property
    def max_array(self) -> np.ndarray:
        return np.asarray(self.task_max, dtype=np.int64)

    @property
    def basic_mask(self) -> np.ndarray:
        return np.asarray([lv == "basic" for lv in self.task_level])

    @property
    def advanced_mask(self) -> np.ndarray:
        return np.asarray([lv == "advanced" for lv in self.task_level])

    @property
    def max_total(self) -> int:
        return int(sum(self.task_max))

    @property
    def basic_max(self) -> int:
        return int(self.max_array[self.basic_mask].sum())

    @property
    def advanced_max(self) -> int:
        return int(self.max_array[self.advanced_mask].sum())

    @property
    def task_columns(self) -> list[str]:
        return [TASK_PREFIX + t for t in self.task_ids]

    @property
    def point_columns(self) -> list[str]:
        """Internal names of the points columns (`p0`, `p1`, … in task order)."""
        return [f"p{i}" for i in range(self.k)]

    @property
    def mark_values(self) -> list[int]:
        return [2, *[m for m, _ in self.marks]] if self.marks else []

    def result_tasks(self, code: str) -> np.ndarray:
        return np.asarray([r == code for r in self.task_result])


def student_figures(points: np.ndarray, a: Assessment) -> dict[str, np.ndarray]:
    """total, basic_points, advanced_points, level (0/1/2 = LEVELS) and mark (0 = none) per row."""
    points = np.asarray(points, dtype=np.int64).reshape(-1, a.k)
    total = points.sum(axis=1)
    basic = points[:, a.basic_mask].sum(axis=1)
    advanced = points[:, a.advanced_mask].sum(axis=1)
    level = np.where(basic < a.basic_min, 0, np.where(advanced >= a.above_basic_min, 2, 1)).astype(
        np.int8
    )
    mark = np.zeros(len(total), dtype=np.int64)
    if a.marks:
        mark[:] = 2
        for m, lowest in a.marks:  # ascending bounds: the highest reached wins
            mark = np.where(total >= lowest, m, mark)
    return {
        "total": total,
        "basic_points": basic,
        "advanced_points": advanced,
        "level": level,
        "mark": mark,
    }


def _truthy(series: pd.Series) -> np.ndarray:
    """The `absent` column (1/0) as booleans; anything else stops the run."""
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isin(values, [0.0, 1.0])
    if bad.any():
        raise StageError(
            f"students.csv: столбец absent должен содержать 1/0, найдено {series.iloc[int(np.argmax(bad))]!r}"
        )
    return values == 1.0


def prepare_students(students: pd.DataFrame, status: pd.DataFrame, a: Assessment) -> pd.DataFrame:
    """One row per student of an accepted school, with internal integer columns.

    Columns: school_code, municipality_code, settlement, class, variant (Int64, <NA> if unknown),
    absent (bool), p0..p{k-1} (points; 0 for absent students), total, basic_points,
    advanced_points, level (0/1/2), mark (0 if none).
    """
    missing = [c for c in ["school_code", "class", "absent", *a.task_columns] if c not in students]
    if missing:
        raise StageError(f"students.csv: нет столбцов {', '.join(missing)}")
    accepted = status.loc[status["status"] == "accepted"]
    info = accepted.set_index("school_code")[["municipality_code", "settlement"]]
    codes = students["school_code"].astype(str)
    keep = codes.isin(info.index).to_numpy()
    unknown = sorted(set(codes[~keep]) - set(status["school_code"]))
    if unknown:
        raise StageError(
            f"students.csv: школа {unknown[0]} отсутствует в school_status.csv "
            f"(всего таких кодов: {len(unknown)})"
        )
    s = students.loc[keep]
    absent = _truthy(s["absent"])
    pts = s[a.task_columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if len(pts):
        bad = np.isnan(pts[~absent]).any(axis=1)
        if bad.any():
            row = s.loc[~absent].iloc[int(np.argmax(bad))]
            raise StageError(
                f"students.csv: у присутствовавшего участника школы {row['school_code']} "
                "пустые баллы за задание"
            )
        over = (pts[~absent] < 0) | (pts[~absent] > a.max_array) | (pts[~absent] % 1 != 0)
        if over.any():
            raise StageError("students.csv: баллы вне диапазона 0..максимум задания")
    pts = np.nan_to_num(pts, nan=0.0).astype(np.int64)
    pts[absent] = 0
    out = pd.DataFrame(
        {
            "school_code": codes[keep].to_numpy(dtype=object),
            "class": s["class"].astype(str).to_numpy(dtype=object),
        }
    )
    out["municipality_code"] = info["municipality_code"].reindex(out["school_code"]).to_numpy()
    out["settlement"] = info["settlement"].reindex(out["school_code"]).to_numpy()
    if "variant" in s:
        variant = pd.to_numeric(s["variant"], errors="coerce").to_numpy()
    else:
        variant = np.full(len(s), np.nan)
    if len(a.variants) == 1:  # a single variant is known even when the cell was left empty
        variant = np.where(np.isnan(variant), a.variants[0], variant)
    out["variant"] = pd.Series(variant, dtype="Float64").astype("Int64").array
    out["absent"] = absent
    for i, col in enumerate(a.point_columns):
        out[col] = pts[:, i]
    figs = student_figures(pts, a)
    for name, values in figs.items():
        out[name] = values
    _check_against_ingest(s, out, a)
    return out


def _check_against_ingest(s: pd.DataFrame, out: pd.DataFrame, a: Assessment) -> None:
    """The figures ingest wrote must equal the ones recomputed here (present students)."""
    present = ~out["absent"].to_numpy()
    checks = ["total", "basic_points", "advanced_points"] + (["mark"] if a.marks else [])
    for col in checks:
        if col not in s:
            continue
        given = pd.to_numeric(s[col], errors="coerce").to_numpy()[present]
        mine = out[col].to_numpy()[present]
        if (given != mine).any():
            raise StageError(
                f"students.csv: столбец {col} не совпадает с суммой баллов по заданиям "
                f"({int((given != mine).sum())} строк)"
            )
    if "level" in s:
        given = s["level"].astype("string").fillna("").to_numpy()[present]
        mine = np.asarray(LEVELS, dtype=object)[out["level"].to_numpy()[present]]
        if (given != mine).any():
            raise StageError(
                f"students.csv: уровень (level) не совпадает с рассчитанным "
                f"({int((given != mine).sum())} строк)"
            )
