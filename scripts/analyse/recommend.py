"""Deficits and targeted recommendations (SPEC §5.3).

Deficit of a group: a task whose completion is below the norm (basic tasks < deficits.basic_task_pct,
advanced tasks < deficits.advanced_task_pct: criterion `below_norm`) or at least
deficits.below_region_pp below the region (`below_region`). Schools: every accepted school with
participants. Municipalities: the tasks that are deficits of ≥ deficits.shared_by_schools_pct of
its classified schools (criterion `shared_by_schools`). Region: its own below-norm tasks.

Texts come from config/recommendations.yaml (see `load_library`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.analyse import exact
from scripts.analyse.groups import pct
from scripts.analyse.levels import Assessment
from scripts.common.entry import StageError

AUDIENCES = ("teachers", "administration", "municipality")
REASON_ORDER = (
    "too_few",
    "below_basic_pct",
    "basic_tasks_pct",
    "schools_in_risk_pct",
    "advanced_over_basic",
    "threshold_peak",
    "identical_answers",
)
OBJECTIVITY_RULES = ("advanced_over_basic", "threshold_peak", "identical_answers")
SCOPE_ORDER = ("region", "municipality", "school")
DEFICIT_COLUMNS = [
    "scope",
    "code",
    "task",
    "result",
    "level",
    "completion_pct",
    "region_pct",
    "criterion",
    "schools_share_pct",
]
RECOMMENDATION_COLUMNS = ["scope", "code", "audience", "topic", "kind", "text"]


def deficit_matrix(
    points: np.ndarray, n: np.ndarray, region_points, region_n: int, a, thr, vs_region=True
):
    """(below_norm, below_region) boolean matrices (groups × tasks); False where n == 0."""
    d = thr["deficits"]
    p = np.asarray(points, dtype=np.int64).reshape(-1, a.k)
    n = np.asarray(n, dtype=np.int64)[:, None]
    den = n * a.max_array[None, :]
    below_norm = np.where(
        a.basic_mask[None, :],
        exact.pct_cmp(p, den, "<", d["basic_task_pct"]),
        exact.pct_cmp(p, den, "<", d["advanced_task_pct"]),
    )
    if vs_region:
        rp = np.asarray(region_points, dtype=np.int64)[None, :]
        rden = np.broadcast_to(region_n * a.max_array[None, :], p.shape)
        below_region = exact.pct_diff_cmp(
            np.broadcast_to(rp, p.shape), rden, p, den, ">=", d["below_region_pp"]
        )
    else:
        below_region = np.zeros_like(below_norm)
    return below_norm & (n > 0), below_region & (n > 0)


def _long(scope, codes, mask_norm, mask_region, completion, region_pct, a, share=None):
    rows, cols = np.nonzero(mask_norm | mask_region)
    crit = np.where(
        mask_norm[rows, cols] & mask_region[rows, cols],
        "below_norm;below_region",
        np.where(mask_norm[rows, cols], "below_norm", "below_region"),
    )
    return pd.DataFrame(
        {
            "scope": scope,
            "code": np.asarray(codes, dtype=object)[rows],
            "task": np.asarray(a.task_ids, dtype=object)[cols],
            "result": np.asarray(a.task_result, dtype=object)[cols],
            "level": np.asarray(a.task_level, dtype=object)[cols],
            "completion_pct": completion[rows, cols],
            "region_pct": region_pct[rows, cols] if region_pct is not None else np.nan,
            "criterion": crit if share is None else "shared_by_schools",
            "schools_share_pct": share[rows, cols] if share is not None else np.nan,
            "_t": cols,
        }
    )


def deficits(
    region_sums: pd.DataFrame,
    muni_sums: pd.DataFrame,
    school_sums: pd.DataFrame,
    school_muni: pd.Series,
    a: Assessment,
    thr: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(deficits table in DEFICIT_COLUMNS order, school deficit flags per school × task)."""
    pc = a.point_columns
    rp = region_sums[pc].to_numpy(dtype=np.int64)[0]
    rn = int(region_sums["participants"].iloc[0])
    mx = a.max_array[None, :]

    def completion(sums):
        n = sums["participants"].to_numpy(dtype=np.int64)[:, None]
        return pct(sums[pc].to_numpy(dtype=np.int64), n * mx)

    region_c = completion(region_sums)
    # region: its own deficits (norm only)
    rnorm, rreg = deficit_matrix(rp[None, :], [rn], rp, rn, a, thr, vs_region=False)
    parts = [_long("region", [""], rnorm, rreg, region_c, None, a)]
    # schools
    sp = school_sums[pc].to_numpy(dtype=np.int64)
    sn = school_sums["participants"].to_numpy(dtype=np.int64)
    snorm, sreg = deficit_matrix(sp, sn, rp, rn, a, thr)
    school_c = completion(school_sums)
    region_b = np.broadcast_to(region_c, school_c.shape)
    school_rows = _long("school", school_sums.index, snorm, sreg, school_c, region_b, a)
    # municipalities: deficits shared by >= shared_by_schools_pct of its schools (SPEC §5.3) —
    # those with results, i.e. with deficits decided: a school too small to classify for the
    # risk zone counts too (the SPEC says «classified» for the risk zone's share, not here)
    is_def = pd.DataFrame(snorm | sreg, index=school_sums.index)
    with_results = pd.Series(sn > 0, index=school_sums.index)
    muni_of = school_muni.reindex(school_sums.index)
    counts = is_def[with_results.to_numpy()].groupby(muni_of[with_results]).sum()
    counts = counts.reindex(muni_sums.index, fill_value=0).to_numpy(dtype=np.int64)
    n_with = with_results.groupby(muni_of).sum().reindex(muni_sums.index, fill_value=0)
    c = n_with.to_numpy(dtype=np.int64)[:, None]
    shared = exact.pct_cmp(
        counts, np.broadcast_to(c, counts.shape), ">=", thr["deficits"]["shared_by_schools_pct"]
    )
    muni_c = completion(muni_sums)
    share_pct = pct(counts, np.broadcast_to(c, counts.shape))
    muni_rows = _long(
        "municipality",
        muni_sums.index,
        shared,
        np.zeros_like(shared),
        muni_c,
        np.broadcast_to(region_c, muni_c.shape),
        a,
        share=share_pct,
    )
    table = pd.concat([parts[0], muni_rows, school_rows], ignore_index=True)
    table["_s"] = table["scope"].map({s: i for i, s in enumerate(SCOPE_ORDER)})
    table = table.sort_values(["_s", "code", "_t"], kind="stable")
    return table[DEFICIT_COLUMNS].reset_index(drop=True), is_def


# ----------------------------------------------------------------------------- texts


def load_library(lib: dict, a: Assessment) -> dict:
    """Check the library's shape; return {'results': {code: {aud: text}}, 'reasons': …, 'fallback': …}.

    config/recommendations.yaml::

        fallback: {teachers: "… {code} … {text} …", administration: …, municipality: …}
        assessments:
          <assessment id>:
            planned_results:
              "<code>": {teachers: …, administration: …, municipality: …}
        reasons:
          <rule id>: {teachers: …, administration: …, municipality: …}   # any subset

    Planned-result codes belong to one assessment's codifier, so their texts are looked up under
    the assessment's id; codes without texts get the fallback with {code} and {text} filled in.
    """
    if not isinstance(lib, dict):
        raise StageError("config/recommendations.yaml: ожидается словарь разделов")
    fallback = lib.get("fallback") or {}
    missing = [aud for aud in AUDIENCES if not str(fallback.get(aud, "")).strip()]
    if missing:
        raise StageError(
            f"config/recommendations.yaml: в разделе fallback нет текста для {', '.join(missing)}"
        )
    per = ((lib.get("assessments") or {}).get(a.id) or {}).get("planned_results") or {}
    results = {}
    for code in a.results:
        texts = {str(k): str(v).strip() for k, v in (per.get(code) or {}).items()}
        results[code] = {
            aud: texts.get(aud)
            or str(fallback[aud])
            .replace("{code}", code)
            .replace("{text}", a.result_text[code])
            .strip()
            for aud in AUDIENCES
        }
    reasons = {
        str(rule): {str(k): str(v).strip() for k, v in (texts or {}).items()}
        for rule, texts in (lib.get("reasons") or {}).items()
    }
    return {"results": results, "reasons": reasons}


def recommendations(
    deficit_table: pd.DataFrame,
    reasons: pd.DataFrame,
    school_risk: pd.Series,
    school_muni: pd.Series,
    library: dict,
    a: Assessment,
) -> pd.DataFrame:
    """recommendations.csv rows (RECOMMENDATION_COLUMNS), sorted by scope, code, audience, topic."""
    topics = []  # (scope, code, topic, kind, audiences)
    d = deficit_table[["scope", "code", "result"]].drop_duplicates()
    aud_for = {
        "region": AUDIENCES,
        "municipality": ("municipality",),
        "school": ("teachers", "administration"),
    }
    for scope in SCOPE_ORDER:
        sel = d.loc[d["scope"] == scope]
        topics.append(
            pd.DataFrame(
                {"scope": scope, "code": sel["code"], "topic": sel["result"], "kind": "result"}
            )
        )
    kind_of = {r: ("objectivity" if r in OBJECTIVITY_RULES else "risk") for r in REASON_ORDER}
    r = reasons[["scope", "code", "rule"]].rename(columns={"rule": "topic"})
    own = r.assign(kind=r["topic"].map(kind_of))
    # a municipality also gets the measures for the reasons of its schools (risk zone, too few
    # participants, signs of non-objectivity)
    sch = r.loc[r["scope"] == "school"].copy()
    in_zone = school_risk.reindex(sch["code"]).to_numpy()
    keep = (sch["topic"].isin(["too_few", *OBJECTIVITY_RULES]).to_numpy()) | (in_zone == 1)
    sch = sch.loc[keep]
    via = pd.DataFrame(
        {
            "scope": "municipality",
            "code": school_muni.reindex(sch["code"]).to_numpy(),
            "topic": sch["topic"].to_numpy(),
        }
    )
    via["kind"] = via["topic"].map(kind_of)
    topics += [own, via]
    t = pd.concat(topics, ignore_index=True).drop_duplicates(["scope", "code", "topic"])
    rows = []
    for aud in AUDIENCES:
        scoped = t.loc[t["scope"].map(lambda s, aud=aud: aud in aud_for[s])]
        res = scoped["kind"] == "result"
        text = np.where(
            res,
            scoped["topic"].map(lambda c, aud=aud: library["results"].get(c, {}).get(aud, "")),
            scoped["topic"].map(lambda c, aud=aud: library["reasons"].get(c, {}).get(aud, "")),
        )
        rows.append(scoped.assign(audience=aud, text=text))
    out = pd.concat(rows, ignore_index=True)
    out = out.loc[out["text"].astype(str) != ""]
    topic_rank = {c: i for i, c in enumerate([*a.results, *REASON_ORDER])}
    out = out.assign(
        _s=out["scope"].map({s: i for i, s in enumerate(SCOPE_ORDER)}),
        _a=out["audience"].map({s: i for i, s in enumerate(AUDIENCES)}),
        _t=out["topic"].map(lambda x: topic_rank.get(x, len(topic_rank))),
    )
    out = out.sort_values(["_s", "code", "_a", "_t", "topic"], kind="stable")
    return out[RECOMMENDATION_COLUMNS].reset_index(drop=True)
