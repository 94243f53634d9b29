"""The whole analysis as one pure function: input frames in, output tables out.

`analyse(students, status, definition, thresholds, library)` returns {name: Table}; each Table
carries the rows (a DataFrame), the column order and the decimals of the canonical CSV. Only
main.py reads and writes files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scripts.analyse import groups as g
from scripts.analyse.items import ITEM_COLUMNS, ITEM_DECIMALS, item_analysis
from scripts.analyse.levels import Assessment, prepare_students
from scripts.analyse.objectivity import largest_identical, objectivity_flags
from scripts.analyse.recommend import (
    DEFICIT_COLUMNS,
    REASON_ORDER,
    RECOMMENDATION_COLUMNS,
    deficits,
    load_library,
    recommendations,
)
from scripts.analyse.risk import REASON_COLUMNS, classify_municipalities, classify_schools
from scripts.common.entry import StageError

STATUSES = ("accepted", "rejected", "missing")
OUTPUTS = (
    "schools",
    "classes",
    "municipalities",
    "region",
    "settlements",
    "settlement_tasks",
    "settlement_results",
    "tasks",
    "planned_results",
    "distribution",
    "marks",
    "items",
    "reasons",
    "deficits",
    "recommendations",
)
SCHOOL_COLUMNS = [
    "municipality_code",
    "municipality",
    "school_code",
    "school_name",
    "settlement",
    "status",
    *g.STAT_COLUMNS,
    "risk",
    "risk_reasons",
    "objectivity_checked",
    "objectivity_flags",
]
# SPEC §6's columns first, in its order (the levels' shares before the mean), then the rest
CLASS_SPEC_COLUMNS = ["school_code", "class", "participants", *g.LEVEL_PCT_COLS, "mean_score"]
CLASS_COLUMNS = CLASS_SPEC_COLUMNS + [c for c in g.STAT_COLUMNS if c not in CLASS_SPEC_COLUMNS]
COUNT_COLUMNS = ["schools", "schools_accepted", "schools_rejected", "schools_missing"]
RISK_COUNT_COLUMNS = ["schools_classified", "schools_in_risk", "schools_in_risk_pct"]
MUNICIPALITY_COLUMNS = [
    "municipality_code",
    "municipality",
    *COUNT_COLUMNS,
    *g.STAT_COLUMNS,
    *RISK_COUNT_COLUMNS,
    "risk",
    "risk_reasons",
]
REGION_COLUMNS = [
    *COUNT_COLUMNS,
    *g.STAT_COLUMNS,
    *RISK_COUNT_COLUMNS,
    "municipalities",
    "municipalities_classified",
    "municipalities_in_risk",
]
SETTLEMENT_COLUMNS = ["scope", "code", "settlement", *COUNT_COLUMNS, *g.STAT_COLUMNS]
SETTLEMENT_TASK_COLUMNS = ["scope", "code", "settlement", "task", "participants", "completion_pct"]
SETTLEMENT_RESULT_COLUMNS = ["scope", "code", "settlement", "result", "participants",
                             "completion_pct"]  # fmt: skip
TASK_COLUMNS = [
    "scope",
    "code",
    "task",
    "level",
    "max",
    "participants",
    "completion_pct",
    "result",
    "municipality_pct",
    "region_pct",
    "diff_municipality_pp",
    "diff_region_pp",
]
RESULT_COLUMNS = [
    "scope",
    "code",
    "result",
    "participants",
    "completion_pct",
    "municipality_pct",
    "region_pct",
    "diff_municipality_pp",
    "diff_region_pp",
]
PCT1 = [
    "completion_pct",
    "municipality_pct",
    "region_pct",
    "diff_municipality_pp",
    "diff_region_pp",
]


@dataclass
class Table:
    rows: pd.DataFrame
    columns: list[str]
    decimals: dict[str, int] = field(default_factory=dict)


def _check_status(status: pd.DataFrame) -> pd.DataFrame:
    need = ["municipality_code", "municipality", "school_code", "school_name", "status"]
    missing = [c for c in need if c not in status]
    if missing:
        raise StageError(f"school_status.csv: нет столбцов {', '.join(missing)}")
    status = status.copy()
    if "settlement" not in status:
        status["settlement"] = ""
    for c in [*need, "settlement"]:
        status[c] = status[c].fillna("").astype(str)
    dup = status["school_code"].duplicated()
    if dup.any():
        raise StageError(
            f"school_status.csv: код ОО {status['school_code'][dup].iloc[0]} повторяется"
        )
    bad = ~status["status"].isin(STATUSES)
    if bad.any():
        raise StageError(f"school_status.csv: неизвестный статус {status['status'][bad].iloc[0]!r}")
    return status.sort_values("school_code", kind="stable").reset_index(drop=True)


def _status_counts(status: pd.DataFrame, keys: list[str], index: pd.Index) -> pd.DataFrame:
    flags = pd.DataFrame(
        {
            "schools": np.ones(len(status), dtype=np.int64),
            **{f"schools_{s}": (status["status"] == s).to_numpy(np.int64) for s in STATUSES},
        }
    )
    for k in keys:
        flags[k] = status[k].to_numpy()
    out = flags.groupby(keys, sort=True)[COUNT_COLUMNS].sum()
    return out.reindex(index, fill_value=0).astype(np.int64)


def _long_by_task(scope, codes, matrix, names, name_col, value_col):
    """Group × item matrix → long rows (scope, code, <name_col>, <value_col>), items in order."""
    codes = np.asarray(codes, dtype=object)
    g_, k = matrix.shape
    return pd.DataFrame(
        {
            "scope": scope,
            "code": np.repeat(codes, k),
            name_col: np.tile(np.asarray(names, dtype=object), g_),
            value_col: np.asarray(matrix, dtype=float).reshape(-1),
        }
    )


def _diff(a_num, a_den, b_num, b_den):
    """100·(a_num/a_den − b_num/b_den) as one correctly rounded division of integers."""
    a_num, a_den, b_num, b_den = (
        np.asarray(x, dtype=np.int64) for x in (a_num, a_den, b_num, b_den)
    )
    return g.pct(a_num * b_den - b_num * a_den, a_den * b_den)


def _points_and_caps(a, sums, mode):
    """Group × task (mode "task") or group × planned result ("result") matrices of the points
    scored and the most the group's participants could score: completion = 100·points/cap."""
    n = sums["participants"].to_numpy(dtype=np.int64)
    p = sums[a.point_columns].to_numpy(dtype=np.int64).reshape(len(sums), len(a.point_columns))
    mx = a.max_array
    if mode == "task":
        return p, n[:, None] * mx[None, :]
    cols_p, cols_d = [], []
    for code in a.results:
        mask = a.result_tasks(code)
        cols_p.append(p[:, mask].sum(axis=1))
        cols_d.append(n * int(mx[mask].sum()))
    return np.stack(cols_p, axis=1), np.stack(cols_d, axis=1)


def _comparison_tables(a, region_sums, muni_sums, school_sums, school_muni):
    """tasks.csv and planned_results.csv rows."""
    out = {}
    for mode, names, name_col in (("task", a.task_ids, "task"), ("result", a.results, "result")):
        rp, rd = _points_and_caps(a, region_sums, mode)
        mp, md = _points_and_caps(a, muni_sums, mode)
        sp, sd = _points_and_caps(a, school_sums, mode)
        # the municipality of each school, as rows of the municipality matrices
        pos = muni_sums.index.get_indexer(school_muni.reindex(school_sums.index))
        smp, smd = mp[pos], md[pos]
        frames = []
        for scope, codes, num, den, sums in (
            ("region", region_sums.index, rp, rd, region_sums),
            ("municipality", muni_sums.index, mp, md, muni_sums),
            ("school", school_sums.index, sp, sd, school_sums),
        ):
            f = _long_by_task(scope, codes, g.pct(num, den), names, name_col, "completion_pct")
            f["participants"] = np.repeat(sums["participants"].to_numpy(dtype=np.int64), len(names))
            shape = num.shape
            rpb = np.broadcast_to(rp, shape)
            rdb = np.broadcast_to(rd, shape)
            if scope == "region":
                nan = np.full(num.size, np.nan)
                f["municipality_pct"], f["region_pct"] = nan, nan
                f["diff_municipality_pp"], f["diff_region_pp"] = nan, nan
            else:
                f["region_pct"] = g.pct(rpb, rdb).reshape(-1)
                f["diff_region_pp"] = _diff(num, den, rpb, rdb).reshape(-1)
                if scope == "school":
                    f["municipality_pct"] = g.pct(smp, smd).reshape(-1)
                    f["diff_municipality_pp"] = _diff(num, den, smp, smd).reshape(-1)
                else:
                    f["municipality_pct"] = np.nan
                    f["diff_municipality_pp"] = np.nan
            frames.append(f)
        table = pd.concat(frames, ignore_index=True)
        if mode == "task":
            info = pd.DataFrame(
                {
                    "task": a.task_ids,
                    "level": a.task_level,
                    "max": a.task_max,
                    "result": a.task_result,
                }
            )
            table = table.merge(info, on="task", how="left", sort=False)
            out["tasks"] = Table(table, TASK_COLUMNS, {c: 1 for c in PCT1})
        else:
            out["planned_results"] = Table(table, RESULT_COLUMNS, {c: 1 for c in PCT1})
    return out


def _settlement_completion(a, scope_sums) -> dict:
    """settlement_tasks.csv and settlement_results.csv: completion of every task and planned result
    by settlement type (SPEC §5: the groups «also by settlement type»), for the region and each
    municipality — the same integer sums as tasks.csv's."""
    parts: dict[str, list] = {"task": [], "result": []}
    for scope, sums in scope_sums:
        n = sums["participants"].to_numpy(dtype=np.int64)
        for mode, names in (("task", a.task_ids), ("result", a.results)):
            num, den = _points_and_caps(a, sums, mode)
            k = len(names)
            parts[mode].append(
                pd.DataFrame(
                    {
                        "scope": scope,
                        "code": np.repeat(sums.index.get_level_values(0).to_numpy(object), k),
                        "settlement": np.repeat(sums.index.get_level_values(1).to_numpy(object), k),
                        mode: np.tile(np.asarray(names, dtype=object), len(sums)),
                        "participants": np.repeat(n, k),
                        "completion_pct": g.pct(num, den).reshape(-1),
                    }
                )
            )
    return {
        "settlement_tasks": Table(pd.concat(parts["task"], ignore_index=True),
                                  SETTLEMENT_TASK_COLUMNS, {"completion_pct": 1}),
        "settlement_results": Table(pd.concat(parts["result"], ignore_index=True),
                                    SETTLEMENT_RESULT_COLUMNS, {"completion_pct": 1}),
    }  # fmt: skip


def _per_group_long(a, scope_frames, value_name, item_name, items):
    frames = []
    for scope, wide in scope_frames:
        frames.append(
            _long_by_task(scope, wide.index, wide.to_numpy(), items, item_name, value_name)
        )
    table = pd.concat(frames, ignore_index=True)
    table[value_name] = table[value_name].astype(np.int64)
    return table


def analyse(
    students: pd.DataFrame,
    status: pd.DataFrame,
    definition: dict,
    thresholds: dict,
    library: dict,
) -> dict[str, Table]:
    a = Assessment.from_definition(definition)
    status = _check_status(status)
    lib = load_library(library, a)
    st = g.with_region_key(prepare_students(students, status, a))
    summed = g.summable(st, a)

    accepted = pd.Index(
        status.loc[status["status"] == "accepted", "school_code"].to_numpy(dtype=object),
        name="school_code",
    )
    munis = pd.Index(
        sorted(status["municipality_code"].unique()), name="municipality_code", dtype=object
    )
    region_idx = pd.Index([""], name=g.REGION_KEY, dtype=object)
    school_sums = g.group_sums(st, summed, ["school_code"], a, index=accepted)
    muni_sums = g.group_sums(st, summed, ["municipality_code"], a, index=munis)
    region_sums = g.group_sums(st, summed, [g.REGION_KEY], a, index=region_idx)
    class_sums = g.group_sums(st, summed, ["school_code", "class"], a)
    school_muni = status.set_index("school_code")["municipality_code"]

    # ---- risk and objectivity
    s_risk, s_reasons = classify_schools(school_sums, a, thresholds)
    m_risk, m_reasons = classify_municipalities(
        muni_sums, s_risk["risk"], school_muni.reindex(accepted), thresholds
    )
    identical = largest_identical(st, a)
    s_obj, o_reasons = objectivity_flags(school_sums, region_sums, identical, a, thresholds)

    # ---- schools.csv
    s_stats = g.group_stats(school_sums, a).join(s_risk).join(s_obj)
    schools = status.set_index("school_code").join(s_stats).reset_index()
    tables = {"schools": Table(schools, SCHOOL_COLUMNS, g.STAT_DECIMALS)}

    # ---- classes.csv
    classes = g.group_stats(class_sums, a).reset_index()
    tables["classes"] = Table(classes, CLASS_COLUMNS, g.STAT_DECIMALS)

    # ---- municipalities.csv
    names = status.groupby("municipality_code", sort=True)["municipality"].first()
    m = _status_counts(status, ["municipality_code"], munis)
    m = m.join(g.group_stats(muni_sums, a)).join(m_risk)
    m.insert(0, "municipality", names.reindex(munis).to_numpy())
    tables["municipalities"] = Table(
        m.reset_index(), MUNICIPALITY_COLUMNS, {**g.STAT_DECIMALS, "schools_in_risk_pct": 1}
    )

    # ---- region.csv
    r = _status_counts(status.assign(**{g.REGION_KEY: ""}), [g.REGION_KEY], region_idx)
    r = r.join(g.group_stats(region_sums, a))
    c = int(s_risk["risk"].notna().sum())
    z = int((s_risk["risk"] == 1).sum())
    r["schools_classified"] = c
    r["schools_in_risk"] = z
    r["schools_in_risk_pct"] = g.pct([z], [c])
    r["municipalities"] = len(munis)
    r["municipalities_classified"] = int(m_risk["risk"].notna().sum())
    r["municipalities_in_risk"] = int((m_risk["risk"] == 1).sum())
    tables["region"] = Table(
        r.reset_index(drop=True), REGION_COLUMNS, {**g.STAT_DECIMALS, "schools_in_risk_pct": 1}
    )

    # ---- settlements.csv
    with_settl = status.loc[status["settlement"] != ""]
    st_set = st.loc[st["settlement"] != ""]
    sm_set = summed.loc[summed["settlement"] != ""]
    frames, by_settlement = [], []
    for scope, key in (("region", g.REGION_KEY), ("municipality", "municipality_code")):
        ws = with_settl.assign(**{g.REGION_KEY: ""})
        idx = pd.MultiIndex.from_frame(
            ws[[key, "settlement"]].drop_duplicates().sort_values([key, "settlement"])
        )
        sums = g.group_sums(st_set, sm_set, [key, "settlement"], a, index=idx)
        f = _status_counts(ws, [key, "settlement"], idx).join(g.group_stats(sums, a))
        f = f.reset_index().rename(columns={key: "code"})
        f.insert(0, "scope", scope)
        frames.append(f)
        by_settlement.append((scope, sums))
    tables["settlements"] = Table(
        pd.concat(frames, ignore_index=True), SETTLEMENT_COLUMNS, g.STAT_DECIMALS
    )
    tables.update(_settlement_completion(a, by_settlement))

    # ---- tasks.csv, planned_results.csv
    tables.update(_comparison_tables(a, region_sums, muni_sums, school_sums, school_muni))

    # ---- distribution.csv, marks.csv
    scopes = (
        ("region", region_idx, [g.REGION_KEY]),
        ("municipality", munis, ["municipality_code"]),
        ("school", accepted, ["school_code"]),
    )
    dist = _per_group_long(
        a,
        [(scope, g.distribution(summed, keys, idx, a)) for scope, idx, keys in scopes],
        "students",
        "total",
        list(range(a.max_total + 1)),
    )
    tables["distribution"] = Table(dist, ["scope", "code", "total", "students"])
    if a.marks:
        marks = _per_group_long(
            a,
            [
                ("region", g.marks_table(region_sums, a)),
                ("municipality", g.marks_table(muni_sums, a)),
                ("school", g.marks_table(school_sums, a)),
            ],
            "students",
            "mark",
            a.mark_values,
        )
    else:
        marks = pd.DataFrame(columns=["scope", "code", "mark", "students"])
    tables["marks"] = Table(marks, ["scope", "code", "mark", "students"])

    # ---- items.csv
    tables["items"] = Table(item_analysis(st, a), ITEM_COLUMNS, ITEM_DECIMALS)

    # ---- reasons.csv
    reasons = pd.concat([m_reasons, s_reasons, o_reasons], ignore_index=True)
    rank = {r: i for i, r in enumerate(REASON_ORDER)}
    reasons = reasons.assign(
        _s=reasons["scope"].map({"municipality": 0, "school": 1}),
        _k=reasons["kind"].map({"risk": 0, "objectivity": 1}),
        _r=reasons["rule"].map(rank),
    ).sort_values(["_s", "code", "_k", "_r"], kind="stable")
    reasons = reasons[REASON_COLUMNS].reset_index(drop=True)
    tables["reasons"] = Table(reasons, REASON_COLUMNS)

    # ---- deficits.csv, recommendations.csv
    d_table, _ = deficits(region_sums, muni_sums, school_sums, school_muni, a, thresholds)
    tables["deficits"] = Table(
        d_table,
        DEFICIT_COLUMNS,
        {"completion_pct": 1, "region_pct": 1, "schools_share_pct": 1},
    )
    recs = recommendations(d_table, reasons, s_risk["risk"], school_muni, lib, a)
    tables["recommendations"] = Table(recs, RECOMMENDATION_COLUMNS)
    assert set(tables) == set(OUTPUTS)
    return tables
