"""Signs of non-objectivity (SPEC §5.2) for schools with enough participants.

These are signs for a closer look, never verdicts. The region's figures include every
participant of the region (the school itself too).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.analyse import exact
from scripts.analyse.groups import basic_advanced_sums, pct
from scripts.analyse.levels import Assessment
from scripts.analyse.risk import join_rules, reason_rows


def largest_identical(students: pd.DataFrame, a: Assessment) -> pd.Series:
    """Per school, the size of the largest group of present students with the same vector of
    task points (as they stand in the task columns, across variants); vectors with every task at
    its max are set aside. Schools without such students get 0."""
    present = students.loc[~students["absent"]]
    pts = present[a.point_columns].to_numpy(dtype=np.int64)
    keep = ~(pts == a.max_array[None, :]).all(axis=1)
    pts = pts[keep]
    schools = present["school_code"].to_numpy()[keep]
    radix = a.max_array + 1
    if float(np.prod(radix.astype(float))) < 2**62:
        # one integer per vector: points in a mixed-radix number (exact, no collisions)
        weights = np.concatenate([[1], np.cumprod(radix[:-1])]).astype(np.int64)
        frame = pd.DataFrame({"school_code": schools, "vec": pts @ weights})
        sizes = frame.groupby(["school_code", "vec"], sort=False).size()
    else:
        frame = pd.DataFrame(pts, columns=a.point_columns)
        frame.insert(0, "school_code", schools)
        sizes = frame.groupby(["school_code", *a.point_columns], sort=False).size()
    if sizes.empty:
        return pd.Series(dtype=np.int64)
    return sizes.groupby(level=0).max().astype(np.int64)


def objectivity_flags(
    sums: pd.DataFrame,
    region: pd.DataFrame,
    identical: pd.Series,
    a: Assessment,
    thr: dict,
):
    """Flags for the schools of `sums` (index school_code) against the one-row `region` sums.

    Returns (frame with objectivity_checked 1/0 and objectivity_flags, reasons rows).
    """
    codes = sums.index
    t = thr["objectivity"]
    n = sums["participants"].to_numpy(dtype=np.int64)
    nr = int(region["participants"].iloc[0])
    checked = exact.count_cmp(n, ">=", t["min_participants"]) & (n > 0)
    basic_s, adv_s = basic_advanced_sums(sums, a)
    basic_r, adv_r = basic_advanced_sums(region, a)
    db_s, da_s = n * a.basic_max, n * a.advanced_max
    db_r, da_r = nr * a.basic_max, nr * a.advanced_max
    adv_pct_s, adv_pct_r = pct(adv_s, da_s), pct(adv_r, da_r)
    basic_pct_s, basic_pct_r = pct(basic_s, db_s), pct(basic_r, db_r)

    # advanced_over_basic: advanced_tasks_pct >= region's + T pp, basic_tasks_pct <= region's
    aob = (
        checked
        & exact.pct_diff_cmp(adv_s, da_s, adv_r, da_r, ">=", t["advanced_over_basic_pp"])
        & exact.ratio_cmp(basic_s, db_s, basic_r, db_r, "<=")
    )
    # threshold_peak: share with basic_points == basic_min >= S % and >= R × the region's share
    peak_s = sums["peak"].to_numpy(dtype=np.int64)
    peak_r = int(region["peak"].iloc[0])
    tp = t["threshold_peak"]
    share_s = pct(peak_s, n)
    share_r = pct(peak_r, nr)
    peak = (
        checked
        & exact.pct_cmp(peak_s, n, ">=", tp["share_pct"])
        & exact.ratio_times_cmp(peak_s, n, peak_r, nr, ">=", tp["ratio"])
    )
    # identical_answers: the largest group of equal vectors >= M members and >= S % of participants
    ia = t["identical_answers"]
    g = identical.reindex(codes, fill_value=0).to_numpy(dtype=np.int64)
    ident = (
        checked
        & exact.count_cmp(g, ">=", ia["min_students"])
        & exact.pct_cmp(g, n, ">=", ia["share_pct"])
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(share_r > 0, share_s / share_r, np.nan)
    reasons = pd.concat(
        [
            reason_rows(
                "school",
                "objectivity",
                "advanced_over_basic",
                codes[aob],
                (adv_pct_s - adv_pct_r)[aob],
                t["advanced_over_basic_pp"],
                ">=",
                1,
                value2=basic_pct_s[aob],
                threshold2=np.broadcast_to(basic_pct_r, n.shape)[aob],
                comparison2="<=",
                digits2=1,
            ),
            reason_rows(
                "school",
                "objectivity",
                "threshold_peak",
                codes[peak],
                share_s[peak],
                tp["share_pct"],
                ">=",
                1,
                value2=ratio[peak],
                threshold2=tp["ratio"],
                comparison2=">=",
                digits2=2,
            ),
            reason_rows(
                "school",
                "objectivity",
                "identical_answers",
                codes[ident],
                g[ident],
                ia["min_students"],
                ">=",
                0,
                value2=pct(g, n)[ident],
                threshold2=ia["share_pct"],
                comparison2=">=",
                digits2=1,
            ),
        ],
        ignore_index=True,
    )
    out = pd.DataFrame(index=codes)
    out["objectivity_checked"] = checked.astype(np.int64)
    out["objectivity_flags"] = join_rules(codes, reasons)
    return out, reasons
