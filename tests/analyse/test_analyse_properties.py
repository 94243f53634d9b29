"""Properties of the analysis on random small regions (hypothesis), and byte-identical re-runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.analyse.build import OUTPUTS, analyse
from scripts.analyse.main import run as run_main
from scripts.analyse.output import preformat
from scripts.common.csvio import to_csv_text
from tests.analyse.analyse_helpers import (
    ALL_VECTORS,
    LIBRARY,
    definition,
    school,
    status,
    students,
    thresholds,
)
from tests.analyse.analyse_helpers import run as run_tables
from tests.analyse.analyse_synth import synth, to_csv

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])

school_st = st.fixed_dictionaries(
    {
        "muni": st.sampled_from(["01", "02", "03"]),
        "status": st.sampled_from(["accepted", "accepted", "accepted", "rejected", "missing"]),
        "settlement": st.sampled_from(["город", "село", ""]),
        "classes": st.lists(
            st.tuples(
                st.lists(st.sampled_from(ALL_VECTORS), max_size=12),
                st.integers(0, 2),  # absent
                st.sampled_from([1, 2]),  # variant
            ),
            min_size=1,
            max_size=2,
        ),
    }
)
region_st = st.lists(school_st, min_size=1, max_size=6)


def build(region):
    parts, reg = [], []
    for i, s in enumerate(region):
        code = f"S{i:02d}"
        reg.append((s["muni"], code, s["status"], s["settlement"]))
        for j, (vectors, absent, variant) in enumerate(s["classes"]):
            parts.append(
                school(
                    code, vectors, cls=f"4{'АБ'[j]}", variant=variant, absent=absent, start=100 * j
                )
            )
    return students(*parts), status(*reg)


def pct_columns(frame):
    return [
        c
        for c in frame.columns
        if (c.endswith("_pct") and not c.startswith("diff_")) or "_ci_" in c
    ]


@SETTINGS
@given(region_st)
def test_properties_of_every_region(region):
    st_, ss = build(region)
    out = run_tables(st_, ss, raw=True)
    levels = ["below_basic", "basic", "above_basic"]

    # level counts add up to participants, in every group table
    for name in ("schools", "classes", "municipalities", "region", "settlements"):
        t = out[name]
        t = t.loc[t["participants"].notna()]
        assert (t[levels].sum(axis=1) == t["participants"]).all(), name

    # percentages within 0–100 (never NaN-outside either)
    for name in (
        "schools",
        "classes",
        "municipalities",
        "region",
        "settlements",
        "tasks",
        "planned_results",
        "deficits",
    ):
        t = out[name]
        for c in pct_columns(t):
            v = pd.to_numeric(t[c], errors="coerce").dropna()
            assert ((v >= 0) & (v <= 100)).all(), (name, c)

    # a municipality's figures are the pooled figures of its accepted schools
    sch = out["schools"].loc[out["schools"]["status"] == "accepted"]
    for code, m in out["municipalities"].set_index("municipality_code").iterrows():
        own = sch.loc[sch["municipality_code"] == code]
        for c in ["participants", "absent", *levels]:
            assert m[c] == own[c].sum(), (code, c)
        n = own["participants"].sum()
        if n:
            pooled_mean = (own["mean_score"].fillna(0) * own["participants"]).sum() / n
            assert np.isclose(m["mean_score"], pooled_mean)
            pooled_basic = (own["basic_tasks_pct"].fillna(0) * own["participants"]).sum() / n
            assert np.isclose(m["basic_tasks_pct"], pooled_basic)
        else:
            assert np.isnan(m["mean_score"]) and np.isnan(m["risk"])
    # …and the region's the pooled figures of its municipalities
    r = out["region"].iloc[0]
    for c in ["participants", "absent", *levels]:
        assert r[c] == out["municipalities"][c].sum()

    # completion per task of the municipality = pooled completion of its schools
    tasks = out["tasks"]
    ts = tasks.loc[tasks["scope"] == "school"].merge(
        sch[["school_code", "municipality_code"]], left_on="code", right_on="school_code"
    )
    ts = ts.assign(points=ts["completion_pct"].fillna(0) * ts["participants"])
    pooled = ts.groupby(["municipality_code", "task"])[["points", "participants"]].sum()
    tm = tasks.loc[tasks["scope"] == "municipality"].set_index(["code", "task"])
    for (code, task), p in pooled.iterrows():
        if p["participants"]:
            assert np.isclose(
                tm.loc[(code, task), "completion_pct"], p["points"] / p["participants"]
            )

    # distribution: students per total add up to participants
    d = out["distribution"]
    per_group = d.groupby(["scope", "code"])["students"].sum()
    assert per_group[("region", "")] == r["participants"]

    # classification: risk is empty exactly for too-few / not-accepted schools
    s = out["schools"]
    unclassified = s["risk"].isna()
    too_few = s["risk_reasons"] == "too_few"
    assert (unclassified == (too_few | (s["status"] != "accepted"))).all()


def _texts(st_, ss):
    tables = analyse(st_, ss, definition(), thresholds(), LIBRARY)
    return {
        n: to_csv_text(
            pd.DataFrame(preformat(t.rows, t.columns, t.decimals)).to_dict("records"), t.columns
        )
        for n, t in tables.items()
    }


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(region_st, st.randoms(use_true_random=False))
def test_identical_text_whatever_the_row_order(region, rnd):
    st_, ss = build(region)
    order = list(range(len(st_)))
    rnd.shuffle(order)
    sorder = list(range(len(ss)))
    rnd.shuffle(sorder)
    shuffled = st_.iloc[order].reset_index(drop=True)
    assert _texts(st_, ss) == _texts(shuffled, ss.iloc[sorder].reset_index(drop=True))


def test_rerun_gives_identical_bytes(tmp_path):
    defn = definition()
    st_, ss = synth(defn, 30, 600, seed=3)
    to_csv(st_, tmp_path / "students.csv")
    ss.to_csv(tmp_path / "school_status.csv", index=False, lineterminator="\n")
    (tmp_path / "lib.yaml").write_text(
        yaml.safe_dump(LIBRARY, allow_unicode=True), encoding="utf-8"
    )
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        run_main(
            tmp_path / "students.csv",
            tmp_path / "school_status.csv",
            defn,
            thresholds(),
            tmp_path / "lib.yaml",
            {n: out / f"{n}.csv" for n in OUTPUTS},
        )
    for n in OUTPUTS:
        a, b = (first / f"{n}.csv").read_bytes(), (second / f"{n}.csv").read_bytes()
        assert a == b, n
        text = a.decode("utf-8")
        assert "\r" not in text and not text.startswith("\ufeff")
        assert ",-0.0" not in text and ",-0," not in text


_TIES = st.builds(
    lambda k, d: (2 * k + 1) * 5 / 10 ** (d + 1), st.integers(-(10**6), 10**6), st.integers(1, 3)
)


@given(
    st.lists(st.one_of(st.floats(-1e7, 1e7), _TIES, st.just(float("nan"))), max_size=40),
    st.integers(1, 3),
)
def test_fast_number_texts_equal_fmt(values, digits):
    """format_numbers formats most values with the float's own formatting and sends only those
    near a tie through fmt; every text equals fmt's (half-up from the shortest repr, no -0.0)."""
    import numpy as np

    from scripts.analyse.output import format_numbers
    from scripts.common.numfmt import fmt

    got = format_numbers(np.asarray(values, dtype=float), digits).tolist()
    assert got == [fmt(v, digits) for v in values]
