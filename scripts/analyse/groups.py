"""Figures per group of students (SPEC §5): school, class, municipality, region, settlement type.

`group_sums` reduces the students of each group to whole-number sums in one vectorised groupby
(participants, absent, Σ total, Σ total², levels, marks, Σ points per task, …). Everything else
is derived from those sums (`group_stats`), so a municipality's figures are exactly the pooled
figures of its schools, and rules can compare exact ratios of integers (see exact.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.analyse.levels import LEVELS, Assessment

Z95 = 1.959963984540054  # the 0.975 quantile of the standard normal distribution
REGION_KEY = "_region"

LEVEL_COUNT_COLS = list(LEVELS)  # below_basic, basic, above_basic (counts)
LEVEL_PCT_COLS = [f"{lv}_pct" for lv in LEVELS]
CI_COLS = [f"{lv}_ci_{end}" for lv in LEVELS for end in ("low", "high")]

# The statistics columns every group table carries, in this order.
STAT_COLUMNS = [
    "participants",
    "absent",
    "participation_pct",
    "mean_score",
    "median_score",
    "sd_score",
    *LEVEL_COUNT_COLS,
    *LEVEL_PCT_COLS,
    *CI_COLS,
    "basic_tasks_pct",
    "advanced_tasks_pct",
]
STAT_DECIMALS = {
    "participation_pct": 1,
    "mean_score": 2,
    "median_score": 1,
    "sd_score": 2,
    **{c: 1 for c in LEVEL_PCT_COLS + CI_COLS},
    "basic_tasks_pct": 1,
    "advanced_tasks_pct": 1,
}


def with_region_key(students: pd.DataFrame) -> pd.DataFrame:
    out = students.copy()
    out[REGION_KEY] = ""
    return out


def _sum_columns(a: Assessment) -> list[str]:
    marks = [f"mark_{m}" for m in a.mark_values]
    return ["participants", "sum_total", "sum_total_sq", *LEVELS, "peak", *marks, *a.point_columns]


def summable(students: pd.DataFrame, a: Assessment) -> pd.DataFrame:
    """Per student, the integer columns whose group sums make every statistic (absent students
    count in `absent` only; their other columns are 0)."""
    present = ~students["absent"].to_numpy()
    p = present.astype(np.int64)
    cols = {"participants": p, "absent": 1 - p}
    total = students["total"].to_numpy(dtype=np.int64) * p
    cols["sum_total"] = total
    cols["sum_total_sq"] = total * total
    level = students["level"].to_numpy()
    for i, name in enumerate(LEVELS):
        cols[name] = (level == i).astype(np.int64) * p
    cols["peak"] = (students["basic_points"].to_numpy() == a.basic_min).astype(np.int64) * p
    mark = students["mark"].to_numpy()
    for m in a.mark_values:
        cols[f"mark_{m}"] = (mark == m).astype(np.int64) * p
    for col in a.point_columns:
        cols[col] = students[col].to_numpy(dtype=np.int64) * p
    out = pd.DataFrame(cols, index=students.index)
    keys = [c for c in students.columns if c not in out.columns and c not in a.point_columns]
    out = pd.concat([students[keys], out], axis=1)
    out["_present"] = present
    return out


def group_sums(
    students: pd.DataFrame,
    summed: pd.DataFrame,
    keys: list[str],
    a: Assessment,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """Sums per group (index = keys), with `absent` and the `median_total` of present students.

    `index`, when given, lists every group to report (groups without students get zeros).
    """
    cols = [*_sum_columns(a), "absent"]
    sums = summed.groupby(keys, sort=True)[cols].sum()
    present = summed.loc[summed["_present"]]
    median = present.groupby(keys, sort=True)["sum_total"].median().rename("median_total")
    if index is not None:
        sums = sums.reindex(index, fill_value=0)
    sums["median_total"] = median.reindex(sums.index)
    return sums


def wilson(k, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval for k successes in n, in percent; NaN where n == 0."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z2 = z * z
        denom = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
        low = np.clip(centre - half, 0, 1) * 100
        high = np.clip(centre + half, 0, 1) * 100
    low = np.where(k == 0, 0.0, low)
    high = np.where(k == n, 100.0, high)
    low = np.where(n > 0, low, np.nan)
    high = np.where(n > 0, high, np.nan)
    return low, high


def pct(num, den) -> np.ndarray:
    """100·num/den as one correctly rounded division (so 57/100 prints and compares as 57.0)."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, (num * 100) / np.where(den > 0, den, 1), np.nan)


def basic_advanced_sums(sums: pd.DataFrame, a: Assessment) -> tuple[np.ndarray, np.ndarray]:
    pts = sums[a.point_columns].to_numpy(dtype=np.int64)
    return pts[:, a.basic_mask].sum(axis=1), pts[:, a.advanced_mask].sum(axis=1)


def group_stats(sums: pd.DataFrame, a: Assessment) -> pd.DataFrame:
    """STAT_COLUMNS (unrounded floats, NaN = not applicable) from the sums of `group_sums`."""
    n = sums["participants"].to_numpy(dtype=np.int64)
    absent = sums["absent"].to_numpy(dtype=np.int64)
    out = {"participants": n, "absent": absent, "participation_pct": pct(n, n + absent)}
    s1 = sums["sum_total"].to_numpy(dtype=np.int64)
    s2 = sums["sum_total_sq"].to_numpy(dtype=np.int64)
    safe = np.where(n > 0, n, 1)
    with np.errstate(invalid="ignore"):
        out["mean_score"] = np.where(n > 0, s1 / safe, np.nan)
        out["median_score"] = np.where(n > 0, sums["median_total"].to_numpy(dtype=float), np.nan)
        # population variance with an exact integer numerator: (n·Σx² − (Σx)²) / n²
        num = n * s2 - s1 * s1
        out["sd_score"] = np.where(n > 0, np.sqrt(np.maximum(num, 0)) / safe, np.nan)
    for name in LEVELS:
        k = sums[name].to_numpy(dtype=np.int64)
        out[name] = k
        out[f"{name}_pct"] = pct(k, n)
        out[f"{name}_ci_low"], out[f"{name}_ci_high"] = wilson(k, n)
    basic, advanced = basic_advanced_sums(sums, a)
    out["basic_tasks_pct"] = pct(basic, n * a.basic_max)
    out["advanced_tasks_pct"] = pct(advanced, n * a.advanced_max)
    return pd.DataFrame(out, index=sums.index, columns=STAT_COLUMNS)


def task_completion(sums: pd.DataFrame, a: Assessment) -> pd.DataFrame:
    """Completion per task (columns = task ids, in order): Σ points / (max × participants) × 100."""
    n = sums["participants"].to_numpy(dtype=np.int64)
    pts = sums[a.point_columns].to_numpy(dtype=np.int64)
    vals = pct(pts, n[:, None] * a.max_array[None, :])
    return pd.DataFrame(vals, index=sums.index, columns=list(a.task_ids))


def result_completion(sums: pd.DataFrame, a: Assessment) -> pd.DataFrame:
    """Completion per planned result (columns = codes, in order)."""
    n = sums["participants"].to_numpy(dtype=np.int64)
    pts = sums[a.point_columns].to_numpy(dtype=np.int64)
    cols = {}
    for code in a.results:
        mask = a.result_tasks(code)
        cols[code] = pct(pts[:, mask].sum(axis=1), n * int(a.max_array[mask].sum()))
    return pd.DataFrame(cols, index=sums.index, columns=list(a.results))


def distribution(summed: pd.DataFrame, keys: list[str], index: pd.Index, a: Assessment):
    """Students per total score 0..max for every group of `index` (zeros included), long form."""
    counts = summed.loc[summed["_present"]].groupby([*keys, "sum_total"], sort=True).size()
    wide = counts.unstack("sum_total", fill_value=0) if len(counts) else pd.DataFrame(index=index)
    wide = wide.reindex(index=index, columns=range(a.max_total + 1), fill_value=0)
    wide = wide.fillna(0).astype(np.int64)
    return wide


def marks_table(sums: pd.DataFrame, a: Assessment) -> pd.DataFrame:
    return sums[[f"mark_{m}" for m in a.mark_values]].set_axis(a.mark_values, axis=1)
