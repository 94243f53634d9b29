"""Group figures, levels, Wilson intervals and item analysis, worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.analyse.groups import wilson
from scripts.analyse.items import variant_items
from scripts.analyse.levels import Assessment, student_figures
from scripts.common.entry import StageError
from tests.analyse.analyse_helpers import (
    ABOVE,
    BASIC,
    BELOW,
    PEAK,
    TINY,
    definition,
    run,
    school,
    status,
    students,
)
from tests.analyse.analyse_helpers import row as one

A = Assessment.from_definition(TINY)


def test_level_boundaries():
    # basic_min = 2, above_basic_min = 2; tasks 1-3 basic (max 1, 1, 2), task 4 advanced (max 2)
    pts = np.array(
        [
            [1, 0, 0, 2],  # basic 1 < 2 → below_basic, even with advanced 2
            [1, 1, 0, 0],  # basic exactly 2 = basic_min, advanced 0 → basic
            [1, 1, 0, 1],  # basic 2, advanced 1 < 2 → basic
            [1, 1, 0, 2],  # basic 2, advanced exactly 2 = above_basic_min → above_basic
            [1, 1, 2, 0],  # basic 4 (max), advanced 0 → basic
            [0, 0, 0, 0],  # nothing → below_basic
        ]
    )
    f = student_figures(pts, A)
    assert f["level"].tolist() == [0, 1, 1, 2, 1, 0]
    assert f["total"].tolist() == [3, 2, 3, 4, 4, 0]
    assert f["basic_points"].tolist() == [1, 2, 2, 2, 4, 0]
    assert f["advanced_points"].tolist() == [2, 0, 1, 2, 0, 0]
    # marks: 3 from 2 points, 4 from 4, 5 from 5; below 2 points → 2
    assert f["mark"].tolist() == [3, 3, 3, 4, 4, 2]


def test_school_figures_by_hand():
    # school S1: five present students + one absent
    st = students(school("S1", [BELOW, PEAK, BASIC, BASIC, ABOVE], absent=1))
    ss = status(("01", "S1", "accepted"))
    out = run(st, ss)
    s = one(out["schools"], school_code="S1")
    assert (s["participants"], s["absent"]) == ("5", "1")
    assert s["participation_pct"] == "83.3"  # 5 / 6 = 83.33 %
    # totals 1, 2, 3, 3, 6: mean 15/5 = 3; median 3;
    # population variance ((−2)² + (−1)² + 0 + 0 + 3²) / 5 = 14/5 = 2.8 → SD 1.6733
    assert (s["mean_score"], s["median_score"], s["sd_score"]) == ("3.00", "3.0", "1.67")
    # levels: BELOW → below; PEAK, BASIC, BASIC → basic; ABOVE → above
    assert (s["below_basic"], s["basic"], s["above_basic"]) == ("1", "3", "1")
    assert (s["below_basic_pct"], s["basic_pct"], s["above_basic_pct"]) == ("20.0", "60.0", "20.0")
    # basic tasks: points 5 (task 1) + 4 (task 2) + 4 (task 3) = 13 of 4 × 5 = 20 → 65 %
    # advanced: task 4 gives 2 of 2 × 5 = 10 → 20 %
    assert (s["basic_tasks_pct"], s["advanced_tasks_pct"]) == ("65.0", "20.0")
    # 20 % below basic < 25 and 65 % ≥ 57 → classified, not in the zone
    assert (s["risk"], s["risk_reasons"]) == ("0", "")
    # 5 participants < 10 → objectivity not checked
    assert (s["objectivity_checked"], s["objectivity_flags"]) == ("0", "")

    t = out["tasks"]
    got = t.loc[t["scope"] == "school", ["task", "completion_pct"]].values.tolist()
    # task 1: 5/5; task 2: 4/5; task 3: (0+0+1+1+2)/(2×5); task 4: 2/(2×5)
    assert got == [["1", "100.0"], ["2", "80.0"], ["3", "40.0"], ["4", "20.0"]]
    p = out["planned_results"]
    got = p.loc[p["scope"] == "school", ["result", "completion_pct"]].values.tolist()
    # A = tasks 1 + 2: 9 of 2 × 5; B = task 3: 40 %; C = task 4: 20 %
    assert got == [["A", "90.0"], ["B", "40.0"], ["C", "20.0"]]

    d = out["distribution"]
    got = d.loc[d["scope"] == "school", "students"].tolist()
    # totals 0..6 (every score, zeros included): 1, 2, 3, 3, 6
    assert got == ["0", "1", "1", "2", "0", "0", "1"]
    m = out["marks"]
    got = m.loc[m["scope"] == "school", ["mark", "students"]].values.tolist()
    # totals 1 → 2; 2, 3, 3 → 3; 6 → 5
    assert got == [["2", "1"], ["3", "3"], ["4", "0"], ["5", "1"]]

    c = one(out["classes"], school_code="S1", **{"class": "4А"})
    assert (c["participants"], c["absent"], c["mean_score"]) == ("5", "1", "3.00")

    # region = this school alone: same figures; the school differs by 0.0 pp
    r = out["region"].iloc[0]
    assert (r["participants"], r["below_basic_pct"], r["mean_score"]) == ("5", "20.0", "3.00")
    assert set(t.loc[t["scope"] == "school", "diff_region_pp"]) == {"0.0"}


def test_groups_without_participants_are_empty_and_counted():
    st = students(
        school("S1", [BASIC] * 5),
        school("S2", [], absent=3),  # accepted, everybody absent
    )
    ss = status(
        ("01", "S1", "accepted", "город"),
        ("01", "S2", "accepted", "село"),
        ("02", "S3", "rejected"),
        ("02", "S4", "missing"),
    )
    out = run(st, ss)
    s2 = one(out["schools"], school_code="S2")
    assert (s2["participants"], s2["absent"], s2["participation_pct"]) == ("0", "3", "0.0")
    assert s2["mean_score"] == s2["below_basic_pct"] == s2["basic_tasks_pct"] == ""
    assert (s2["risk"], s2["risk_reasons"]) == ("", "too_few")
    # rejected / missing schools: no figures, not classified, no reasons
    for code, st_ in (("S3", "rejected"), ("S4", "missing")):
        s = one(out["schools"], school_code=code)
        assert s["status"] == st_
        assert s["participants"] == s["risk"] == s["risk_reasons"] == s["objectivity_flags"] == ""
    # municipality 02 has no accepted school: counted, but not classified and no figures
    m2 = one(out["municipalities"], municipality_code="02")
    assert (m2["schools"], m2["schools_rejected"], m2["schools_missing"]) == ("2", "1", "1")
    assert (m2["participants"], m2["mean_score"], m2["risk"], m2["risk_reasons"]) == (
        "0",
        "",
        "",
        "",
    )
    assert "02" not in set(out["reasons"]["code"])
    m1 = one(out["municipalities"], municipality_code="01")
    assert (m1["participants"], m1["absent"], m1["participation_pct"]) == ("5", "3", "62.5")
    # settlements: only the types the registry names
    se = out["settlements"]
    assert se[["scope", "code", "settlement"]].values.tolist() == [
        ["region", "", "город"],
        ["region", "", "село"],
        ["municipality", "01", "город"],
        ["municipality", "01", "село"],
    ]
    assert one(se, scope="region", settlement="село")["participants"] == "0"


def test_wilson_known_cases():
    z2 = 1.959963984540054**2  # 3.8415
    # k = 5 of n = 10: p = 0.5, centre 0.5; half = z·sqrt(0.025 + z²/400)/(1 + z²/10)
    #   = 1.96 · sqrt(0.025 + 0.0096) / 1.38415 = 1.96 · 0.18602 / 1.38415 = 0.26341
    low, high = wilson([5], [10])
    assert round(low[0], 1) == 23.7 and round(high[0], 1) == 76.3
    # k = 0 of 10: low 0; high = (z²/10) / (1 + z²/10) = 0.38415 / 1.38415 = 27.75 %
    low, high = wilson([0, 10], [10, 10])
    assert low[0] == 0.0 and high[0] == pytest.approx(100 * (z2 / 10) / (1 + z2 / 10))
    assert round(high[0], 1) == 27.8
    # k = n = 10: symmetric, high exactly 100, low 72.25
    assert high[1] == 100.0 and round(low[1], 1) == 72.2
    # n = 0: not applicable
    low, high = wilson([0], [0])
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_wilson_in_schools_csv():
    st = students(school("S1", [BELOW] * 5 + [BASIC] * 5))
    out = run(st, status(("01", "S1", "accepted")))
    s = one(out["schools"], school_code="S1")
    assert (s["below_basic_ci_low"], s["below_basic_ci_high"]) == ("23.7", "76.3")
    assert (s["above_basic_ci_low"], s["above_basic_ci_high"]) == ("0.0", "27.8")


ITEMS3 = Assessment.from_definition(
    {
        **TINY,
        "planned_results": [{"code": "A", "text": "a"}],
        "tasks": [{"id": str(i), "max": 1, "level": "basic", "result": "A"} for i in (1, 2, 3)],
    }
)


def test_cronbach_alpha_by_hand():
    x = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]])
    r = variant_items(x, ITEMS3)
    # difficulties: 3/4, 2/4, 1/4
    assert r["difficulty"].tolist() == [0.75, 0.5, 0.25]
    # item variances p(1−p): 0.1875, 0.25, 0.1875 → Σ 0.625
    # totals 3, 2, 1, 0: mean 1.5, variance (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25
    # alpha = 3/2 · (1 − 0.625/1.25) = 0.75
    assert r["alpha"].tolist() == pytest.approx([0.75] * 3)
    # without item 1: items 2, 3 → variances 0.4375; rest totals 2, 1, 0, 0: mean 0.75,
    # variance (1.5625 + 0.0625 + 0.5625 + 0.5625)/4 = 0.6875 → 2·(1 − 0.4375/0.6875) = 0.7273
    # without item 2: 0.375 and rest 2, 1, 1, 0 (variance 0.5) → 2·(1 − 0.75) = 0.5
    assert r["alpha_if_deleted"].tolist() == pytest.approx([0.72727, 0.5, 0.72727], abs=1e-5)
    # item 1 vs rest (2, 1, 0, 0): cov = 3/4 − 0.75·0.75 = 0.1875;
    #   r = 0.1875 / sqrt(0.1875 · 0.6875) = 0.5222
    # item 2 vs rest (2, 1, 1, 0): cov = 3/4 − 0.5·1 = 0.25; r = 0.25 / sqrt(0.25 · 0.5) = 0.7071
    assert r["discrimination"].tolist() == pytest.approx([0.52223, 0.70711, 0.52223], abs=1e-5)
    assert r["flag"].tolist() == ["", "", ""]


def test_item_flags_and_undefined_discrimination():
    # item 1 all 1 (no variance: too easy), item 3 all 0 (too hard), item 2 varies
    x = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 0], [1, 0, 0]])
    r = variant_items(x, ITEMS3)
    assert np.isnan(r["discrimination"][0]) and np.isnan(r["discrimination"][2])
    # item 2 vs the rest (always 1): rest has no variance → undefined too
    assert np.isnan(r["discrimination"][1])
    assert r["flag"].tolist() == ["no_variance;too_easy", "", "no_variance;too_hard"]
    # total variance = item 2's variance: alpha = 3/2 · (1 − 0.25/0.25) = 0
    assert r["alpha"][0] == pytest.approx(0.0)


def test_item_difficulty_bounds_exact():
    # difficulty exactly 0.10 is not too hard, exactly 0.95 not too easy
    x = np.zeros((20, 3), dtype=int)
    x[:2, 0] = 1  # 2/20 = 0.10
    x[:19, 1] = 1  # 19/20 = 0.95
    x[:1, 2] = 1  # 1/20 = 0.05 → too hard
    r = variant_items(x, ITEMS3)
    flags = [f.split(";") for f in r["flag"]]
    assert "too_hard" not in flags[0] and "too_easy" not in flags[1]
    assert "too_hard" in flags[2]


def test_items_csv_per_variant():
    st = students(
        school("S1", [BELOW, PEAK, BASIC, ABOVE], variant=1),
        school("S1", [BASIC, BASIC], variant=2, start=10),
    )
    out = run(st, status(("01", "S1", "accepted")))
    items = out["items"]
    assert items[["variant", "task", "participants"]].values.tolist() == [
        ["1", t, "4"] for t in ("1", "2", "3", "4")
    ] + [["2", t, "2"] for t in ("1", "2", "3", "4")]
    # variant 2: both students identical → no variance anywhere, alpha undefined
    v2 = items.loc[items["variant"] == "2"]
    assert set(v2["alpha"]) == {""} and set(v2["discrimination"]) == {""}


def test_items_csv_variants_ascending_whatever_the_definitions_order():
    """SPEC §6: rows sorted by their keys — variants are numbers, listed 1, 2 even when the
    definition says `variants: [2, 1]` (only tasks and planned results keep the definition's
    order)."""
    st = students(
        school("S1", [BASIC, ABOVE], variant=1),
        school("S1", [BELOW, BASIC, ABOVE], variant=2, start=10),
    )
    out = run(st, status(("01", "S1", "accepted")), defn=definition(variants=[2, 1]))
    assert out["items"]["variant"].tolist() == ["1"] * 4 + ["2"] * 4
    assert out["items"]["participants"].tolist() == ["2"] * 4 + ["3"] * 4


def test_disagreement_with_ingest_stops_the_run():
    st = students(school("S1", [BASIC] * 5))
    st["total"] = 3
    st.loc[0, "total"] = 4  # ingest would have summed wrongly
    with pytest.raises(StageError, match="total"):
        run(st, status(("01", "S1", "accepted")))
    st["total"] = 3
    st["level"] = "basic"
    run(st, status(("01", "S1", "accepted")))  # consistent: fine


def test_students_of_rejected_schools_are_ignored():
    st = students(school("S1", [BASIC] * 5), school("S2", [BELOW] * 5))
    out = run(st, status(("01", "S1", "accepted"), ("01", "S2", "rejected")))
    assert out["region"].iloc[0]["participants"] == "5"
    assert isinstance(out["schools"], pd.DataFrame)


def test_no_accepted_school_at_all():
    out = run(students(), status(("01", "S1", "missing"), ("02", "S2", "rejected")))
    r = out["region"].iloc[0]
    assert (r["schools"], r["participants"], r["mean_score"]) == ("2", "0", "")
    assert set(out["municipalities"]["risk"]) == {""}
    assert out["deficits"].empty and out["recommendations"].empty
    assert set(out["items"]["participants"]) == {"0"}


def test_rule_declares_every_output_and_schools_first():
    import re
    from pathlib import Path

    from scripts.analyse.build import OUTPUTS
    from scripts.analyse.main import OUTPUT_KEYS

    text = (Path(__file__).resolve().parents[2] / "rules" / "analyse.smk").read_text()
    outputs = text.split("output:")[1].split("log:")[0]
    pairs = re.findall(r"(\w+)=\"results/\{assessment\}/(\w+)\.csv\"", outputs)
    assert pairs[0] == ("schools", "schools")
    assert sorted(f for _, f in pairs) == sorted(OUTPUTS)
    assert all(key == OUTPUT_KEYS.get(f, f) for key, f in pairs)
    assert "thresholds=assessment_thresholds" in text


def test_completion_by_settlement_type_by_hand():
    """SPEC §5: the groups also by settlement type — per task and per planned result. City: S1
    (BASIC ×2) and S3 (ABOVE ×1) in 01; village: S2 (BELOW ×1) in 01 and S4 (BASIC ×1) in 02.
    Task 3 (max 2) in the city: (1 + 1 + 2) / (2 × 3) = 66.7 %; result A (tasks 1, 2; max 2) in
    the village: (1 + 0 + 1 + 1) / (2 × 2) = 75.0 %; 01's village alone: task 1 100.0, task 2 0.0."""
    st = students(
        school("S1", [BASIC, BASIC]),
        school("S2", [BELOW]),
        school("S3", [ABOVE]),
        school("S4", [BASIC]),
    )
    ss = status(
        ("01", "S1", "accepted", "город"),
        ("01", "S2", "accepted", "село"),
        ("01", "S3", "accepted", "город"),
        ("02", "S4", "accepted", "село"),
    )
    out = run(st, ss)
    tasks, results = out["settlement_tasks"], out["settlement_results"]
    city3 = one(tasks, scope="region", code="", settlement="город", task="3")
    assert (city3["participants"], city3["completion_pct"]) == ("3", "66.7")
    village_a = one(results, scope="region", code="", settlement="село", result="A")
    assert (village_a["participants"], village_a["completion_pct"]) == ("2", "75.0")
    assert (
        one(tasks, scope="municipality", code="01", settlement="село", task="1")["completion_pct"]
        == "100.0"
    )
    assert (
        one(tasks, scope="municipality", code="01", settlement="село", task="2")["completion_pct"]
        == "0.0"
    )
    # advanced task 4 in 01's city: (0 + 0 + 2) / (2 × 3)
    assert (
        one(tasks, scope="municipality", code="01", settlement="город", task="4")["completion_pct"]
        == "33.3"
    )
    # every (scope, code, settlement) of settlements.csv, each task / result once, in order
    keys = out["settlements"][["scope", "code", "settlement"]].values.tolist()
    assert tasks[["scope", "code", "settlement"]].drop_duplicates().values.tolist() == keys
    assert tasks["task"].tolist() == ["1", "2", "3", "4"] * len(keys)
    assert results["result"].tolist() == ["A", "B", "C"] * len(keys)
