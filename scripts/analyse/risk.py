"""Risk zone of schools and municipalities (SPEC §5.1), every classification with its reasons.

Reasons are rows of `reasons.csv`: scope, code, kind, rule, value, threshold, comparison (and, for
rules with a second condition, value2, threshold2, comparison2). Values and thresholds are
formatted here (percentages with 1 decimal, counts as integers, ratios with 2 decimals) because
one column mixes kinds of values; the decisions themselves use exact ratios (exact.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.analyse import exact
from scripts.analyse.groups import basic_advanced_sums, pct
from scripts.analyse.levels import Assessment
from scripts.analyse.output import format_numbers

REASON_COLUMNS = [
    "scope",
    "code",
    "kind",
    "rule",
    "value",
    "threshold",
    "comparison",
    "value2",
    "threshold2",
    "comparison2",
]
RISK_RULES_SCHOOL = ("below_basic_pct", "basic_tasks_pct")
RISK_RULES_MUNICIPALITY = ("below_basic_pct", "schools_in_risk_pct")


def fmt_values(values, digits: int) -> list[str]:
    """Numbers as text with `digits` decimals (0 = integer); '' for NaN."""
    return list(format_numbers(np.asarray(values, dtype=float), digits or None))


def reason_rows(
    scope: str,
    kind: str,
    rule: str,
    codes,
    value,
    threshold,
    comparison: str,
    digits: int,
    value2=None,
    threshold2=None,
    comparison2: str = "",
    digits2: int = 1,
) -> pd.DataFrame:
    """Rows of reasons.csv for the groups `codes` (values aligned with codes)."""
    codes = list(codes)
    n = len(codes)

    def col(v, d):
        if v is None:
            return [""] * n
        return fmt_values(np.broadcast_to(np.asarray(v, dtype=float), (n,)), d)

    def limit(v, d):  # a threshold from the config as it was set (56.67, not 56.7), up to 3 places
        if v is not None and np.ndim(v) == 0 and d:
            d = max(d, min(3, len(f"{float(v):.10g}".partition(".")[2])))
        return col(v, d)

    return pd.DataFrame(
        {
            "scope": [scope] * n,
            "code": codes,
            "kind": [kind] * n,
            "rule": [rule] * n,
            "value": col(value, digits),
            "threshold": limit(threshold, digits),
            "comparison": [comparison] * n,
            "value2": col(value2, digits2),
            "threshold2": limit(threshold2, digits2),
            "comparison2": [comparison2 if value2 is not None else ""] * n,
        },
        columns=REASON_COLUMNS,
    )


def join_rules(index: pd.Index, reasons: pd.DataFrame) -> pd.Series:
    """Rule ids per code, sorted and joined by ';' ('' when none)."""
    out = np.full(len(index), "", dtype=object)
    for rule in sorted(set(reasons["rule"])):
        hit = index.isin(reasons.loc[reasons["rule"] == rule, "code"])
        out = np.where(hit, np.where(out == "", rule, out + ";" + rule), out)
    return pd.Series(out, index=index, dtype=object)


def classify_schools(sums: pd.DataFrame, a: Assessment, thr: dict):
    """Risk of every school in `sums` (index school_code; accepted schools).

    Returns (frame with `risk` — 1.0/0.0/NaN — and `risk_reasons`, reasons rows).
    """
    codes = sums.index
    n = sums["participants"].to_numpy(dtype=np.int64)
    t = thr["risk"]
    min_p = t["min_participants"]
    classified = exact.count_cmp(n, ">=", min_p) & (n > 0)
    below = sums["below_basic"].to_numpy(dtype=np.int64)
    basic, _ = basic_advanced_sums(sums, a)
    basic_den = n * a.basic_max
    t1 = t["school"]["below_basic_pct"]
    t2 = t["school"]["basic_tasks_pct"]
    r1 = classified & exact.pct_cmp(below, n, ">=", t1)
    r2 = classified & exact.pct_cmp(basic, basic_den, "<", t2)
    rows = [
        # a school without participants is never classified: its reason reads «0 < 1» even when
        # min_participants is 0
        reason_rows(
            "school", "risk", "too_few", codes[~classified], n[~classified], max(min_p, 1), "<", 0
        ),
        reason_rows("school", "risk", "below_basic_pct", codes[r1], pct(below, n)[r1], t1, ">=", 1),
        reason_rows(
            "school",
            "risk",
            "basic_tasks_pct",
            codes[r2],
            pct(basic, basic_den)[r2],
            t2,
            "<",
            1,
        ),
    ]
    reasons = pd.concat(rows, ignore_index=True)
    out = pd.DataFrame(index=codes)
    out["risk"] = np.where(classified, (r1 | r2).astype(float), np.nan)
    out["risk_reasons"] = join_rules(codes, reasons)
    return out, reasons


def classify_municipalities(
    sums: pd.DataFrame, school_risk: pd.Series, school_muni: pd.Series, thr: dict
):
    """Risk of every municipality in `sums` (index municipality_code).

    `school_risk` (1/0/NaN) and `school_muni` are indexed by school code. Returns (frame with
    schools_classified, schools_in_risk, schools_in_risk_pct, risk, risk_reasons; reasons rows).
    """
    codes = sums.index
    n = sums["participants"].to_numpy(dtype=np.int64)
    frame = pd.DataFrame({"risk": school_risk, "m": school_muni.reindex(school_risk.index)})
    classified_schools = frame["risk"].notna().groupby(frame["m"]).sum()
    in_zone = (frame["risk"] == 1).groupby(frame["m"]).sum()
    c = classified_schools.reindex(codes, fill_value=0).to_numpy(dtype=np.int64)
    z = in_zone.reindex(codes, fill_value=0).to_numpy(dtype=np.int64)
    t = thr["risk"]["municipality"]
    classified = n > 0
    below = sums["below_basic"].to_numpy(dtype=np.int64)
    r1 = classified & exact.pct_cmp(below, n, ">=", t["below_basic_pct"])
    r2 = classified & exact.pct_cmp(z, c, ">=", t["schools_in_risk_pct"])
    reasons = pd.concat(
        [
            reason_rows(
                "municipality",
                "risk",
                "below_basic_pct",
                codes[r1],
                pct(below, n)[r1],
                t["below_basic_pct"],
                ">=",
                1,
            ),
            reason_rows(
                "municipality",
                "risk",
                "schools_in_risk_pct",
                codes[r2],
                pct(z, c)[r2],
                t["schools_in_risk_pct"],
                ">=",
                1,
            ),
        ],
        ignore_index=True,
    )
    out = pd.DataFrame(index=codes)
    out["schools_classified"] = c
    out["schools_in_risk"] = z
    out["schools_in_risk_pct"] = pct(z, c)
    out["risk"] = np.where(classified, (r1 | r2).astype(float), np.nan)
    out["risk_reasons"] = join_rules(codes, reasons)
    return out, reasons
