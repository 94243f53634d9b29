"""Item analysis of the region, per variant (SPEC §5, §6 items.csv).

- difficulty = mean points / max (0–1);
- discrimination = Pearson correlation of the task's points with the total of the OTHER tasks
  (corrected item-total correlation); empty when either variance is 0 or fewer than 2 students;
- alpha = Cronbach's alpha of the variant, k/(k−1)·(1 − Σ var_i / var_total) (same on each row);
- alpha_if_deleted = alpha of the other k−1 tasks;
- population variances (ddof 0; alpha is the same with sample variances, the factors cancel).

Sums of products are taken in integers, so a zero variance is exactly zero.
Flags (rule ids joined by ';', sorted): too_hard (difficulty < 0.10), too_easy (> 0.95),
low_discrimination (discrimination < 0.20), no_variance (every student scored the same).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.analyse import exact
from scripts.analyse.levels import Assessment
from scripts.common.item_flags import BOUNDS

ITEM_COLUMNS = [
    "variant",
    "task",
    "participants",
    "difficulty",
    "discrimination",
    "alpha",
    "alpha_if_deleted",
    "flag",
]
ITEM_DECIMALS = {"difficulty": 3, "discrimination": 3, "alpha": 3, "alpha_if_deleted": 3}


def _alpha(k: int, sum_item_var_num, total_var_num):
    """Cronbach's alpha from n²-scaled variances; NaN where undefined (k < 2 or var_total 0)."""
    sum_item_var_num = np.asarray(sum_item_var_num, dtype=float)
    total_var_num = np.asarray(total_var_num, dtype=float)
    if k < 2:
        return np.full(np.shape(total_var_num), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = k / (k - 1) * (1 - sum_item_var_num / total_var_num)
    return np.where(total_var_num > 0, val, np.nan)


def variant_items(x: np.ndarray, a: Assessment) -> dict[str, np.ndarray]:
    """Statistics of every task for the points matrix x (students × tasks) of one variant."""
    x = np.asarray(x, dtype=np.int64).reshape(-1, a.k)
    n, k = x.shape
    mx = a.max_array
    col_sum = x.sum(axis=0)
    col_sq = (x * x).sum(axis=0)
    total = x.sum(axis=1)
    t_sum = int(total.sum())
    t_sq = int((total * total).sum())
    xt = x.T @ total  # Σ x_i·T per task
    # n²-scaled (co)variances, exact integers
    var_i = n * col_sq - col_sum * col_sum
    var_t = n * t_sq - t_sum * t_sum
    rest_sum = t_sum - col_sum
    rest_sq = t_sq - 2 * xt + col_sq  # Σ (T − x_i)²
    var_rest = n * rest_sq - rest_sum * rest_sum
    cov = n * (xt - col_sq) - col_sum * rest_sum  # n²·cov(x_i, T − x_i)
    with np.errstate(divide="ignore", invalid="ignore"):
        difficulty = np.where(n > 0, col_sum / (n * mx), np.nan)
        ok = (var_i > 0) & (var_rest > 0) & (n >= 2)
        disc = np.where(ok, cov / np.sqrt(var_i.astype(float) * var_rest.astype(float)), np.nan)
    alpha = _alpha(k, var_i.sum(), np.full(k, var_t)) if n >= 2 else np.full(k, np.nan)
    if n >= 2 and k >= 3:
        alpha_del = _alpha(k - 1, var_i.sum() - var_i, var_rest)
    else:
        alpha_del = np.full(k, np.nan)
    too_hard = exact.pct_cmp(col_sum, n * mx, "<", 10)
    too_easy = exact.pct_cmp(col_sum, n * mx, ">", 95)
    low_disc = ~np.isnan(disc) & (np.nan_to_num(disc, nan=1.0) < BOUNDS["low_discrimination"])
    no_var = (var_i == 0) & (n >= 2)
    flags = []
    for i in range(k):
        names = [
            name
            for name, hit in (
                ("low_discrimination", low_disc[i]),
                ("no_variance", no_var[i]),
                ("too_easy", too_easy[i]),
                ("too_hard", too_hard[i]),
            )
            if hit
        ]
        flags.append(";".join(names))
    return {
        "participants": np.full(k, n, dtype=np.int64),
        "difficulty": difficulty,
        "discrimination": disc,
        "alpha": alpha,
        "alpha_if_deleted": alpha_del,
        "flag": np.asarray(flags, dtype=object),
    }


def item_analysis(students: pd.DataFrame, a: Assessment) -> pd.DataFrame:
    """items.csv rows: every variant of the assessment (ascending, SPEC §6: rows sorted by their
    keys) × every task, in assessment order.

    Present students without a variant are left out (none: ingest requires it where there are
    several variants, and with one the students' table fills it in)."""
    present = students.loc[~students["absent"]]
    variant = present["variant"].to_numpy(dtype="float64", na_value=np.nan)
    pts = present[a.point_columns].to_numpy(dtype=np.int64)
    frames = []
    for v in sorted(a.variants):
        stats = variant_items(pts[variant == v], a)
        frame = pd.DataFrame(stats)
        frame.insert(0, "task", list(a.task_ids))
        frame.insert(0, "variant", v)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[ITEM_COLUMNS]
