"""Risk zone, signs of non-objectivity, deficits and recommendations: each rule just below and
exactly at its threshold (SPEC §5.1–5.3), with the arithmetic in the comments."""

from __future__ import annotations

from tests.analyse.analyse_helpers import (
    ABOVE,
    ALL_VECTORS,
    BASIC,
    BELOW,
    PEAK,
    definition,
    run,
    school,
    status,
    students,
    thresholds,
)
from tests.analyse.analyse_helpers import row as one

OFF = 10**6  # a threshold no school reaches: isolates the rule under test
NO_OBJ = {"objectivity": {"min_participants": OFF}}


def risk_of(out, code):
    s = one(out["schools"], school_code=code)
    return s["risk"], s["risk_reasons"]


def reasons_of(out, scope, code):
    r = out["reasons"]
    return r.loc[(r["scope"] == scope) & (r["code"] == code)].to_dict("records")


def test_too_few_participants():
    # 4 participants < 5 → not classified; 5 → classified
    st = students(school("S4", [BELOW] * 4), school("S5", [BASIC] * 5))
    out = run(st, status(("01", "S4", "accepted"), ("01", "S5", "accepted")))
    assert risk_of(out, "S4") == ("", "too_few")
    assert risk_of(out, "S5") == ("0", "")
    (r,) = reasons_of(out, "school", "S4")
    assert (r["kind"], r["rule"], r["value"], r["threshold"], r["comparison"]) == (
        "risk",
        "too_few",
        "4",
        "5",
        "<",
    )


def test_school_without_participants_is_too_few_even_with_minimum_zero():
    """`risk.min_participants: 0`: a school whose every student was absent still cannot be
    classified, and its reason must not read «0 < 0»."""
    st = students(school("S0", [], absent=2), school("S5", [BASIC] * 5))
    thr = thresholds(risk={"min_participants": 0})
    out = run(st, status(("01", "S0", "accepted"), ("01", "S5", "accepted")), thr=thr)
    assert risk_of(out, "S0") == ("", "too_few")
    assert risk_of(out, "S5") == ("0", "")
    (r,) = reasons_of(out, "school", "S0")
    assert (r["value"], r["threshold"], r["comparison"]) == ("0", "1", "<")


def test_below_basic_pct_at_and_just_below_25():
    # S_at: 2 below of 8 = 25.0 % ≥ 25 → in the zone
    #   (basic tasks: (2·1 + 6·3) / (8·4) = 20/32 = 62.5 % ≥ 57, so that rule stays quiet)
    # S_below: 125 below of 501 = 24.950 % — prints as 25.0 but is below 25 → not in the zone
    #   (basic tasks: (125 + 376·3) / (501·4) = 1253/2004 = 62.5 %)
    st = students(
        school("S_at", [BELOW] * 2 + [BASIC] * 6),
        school("S_below", [BELOW] * 125 + [BASIC] * 376),
    )
    out = run(
        st,
        status(("01", "S_at", "accepted"), ("02", "S_below", "accepted")),
        thr=thresholds(**NO_OBJ),
    )
    assert risk_of(out, "S_at") == ("1", "below_basic_pct")
    assert risk_of(out, "S_below") == ("0", "")
    assert one(out["schools"], school_code="S_below")["below_basic_pct"] == "25.0"
    (r,) = reasons_of(out, "school", "S_at")
    assert (r["rule"], r["value"], r["threshold"], r["comparison"]) == (
        "below_basic_pct",
        "25.0",
        "25.0",
        ">=",
    )


def test_basic_tasks_pct_at_and_just_below_57():
    # every student at the basic level or above (basic points 2 or 3), so below_basic is 0 %.
    # S_at: 2500 students, 700 with 3 basic points and 1800 with 2:
    #   (700·3 + 1800·2) / (2500·4) = 5700/10000 = 57.0 % → not below 57 → not in the zone
    #   (0.57 · 100 is 56.99999999999999 in floating point: the rule must not use it)
    # S_below: 699 with 3 and 1801 with 2: 5699/10000 = 56.99 % (prints 57.0) → in the zone
    st = students(
        school("S_at", [BASIC] * 700 + [PEAK] * 1800),
        school("S_below", [BASIC] * 699 + [PEAK] * 1801),
    )
    out = run(
        st,
        status(("01", "S_at", "accepted"), ("02", "S_below", "accepted")),
        thr=thresholds(**NO_OBJ),
    )
    assert risk_of(out, "S_at") == ("0", "")
    assert risk_of(out, "S_below") == ("1", "basic_tasks_pct")
    s = one(out["schools"], school_code="S_below")
    assert s["basic_tasks_pct"] == "57.0"
    (r,) = reasons_of(out, "school", "S_below")
    assert (r["value"], r["threshold"], r["comparison"]) == ("57.0", "57.0", "<")


def test_both_school_reasons_sorted():
    # 3 below of 5 = 60 %; basic tasks (3·1 + 2·3)/20 = 45 % < 57 → both reasons, sorted
    st = students(school("S1", [BELOW] * 3 + [BASIC] * 2))
    out = run(st, status(("01", "S1", "accepted")))
    assert risk_of(out, "S1") == ("1", "basic_tasks_pct;below_basic_pct")


def _muni_fixture(n_risky: int, n_ok: int):
    """A municipality 01 of n_risky schools in the zone and n_ok schools outside it."""
    parts, reg = [], []
    for i in range(n_risky):
        parts.append(school(f"R{i}", [BELOW] * 5))  # 100 % below
        reg.append(("01", f"R{i}", "accepted"))
    for i in range(n_ok):
        parts.append(school(f"K{i}", [ABOVE] * 5))
        reg.append(("01", f"K{i}", "accepted"))
    return students(*parts), status(*reg)


def test_municipality_schools_in_risk_pct_at_and_below_30():
    # 3 of 10 classified schools in the zone = 30.0 % ≥ 30 → reason
    # (below basic pooled: 15 of 50 = 30 % ≥ 20 too, so isolate with a threshold of 101 %)
    thr = thresholds(risk={"municipality": {"below_basic_pct": 101}}, **NO_OBJ)
    st, ss = _muni_fixture(3, 7)
    out = run(st, ss, thr=thr)
    m = one(out["municipalities"], municipality_code="01")
    assert (m["schools_classified"], m["schools_in_risk"], m["schools_in_risk_pct"]) == (
        "10",
        "3",
        "30.0",
    )
    assert (m["risk"], m["risk_reasons"]) == ("1", "schools_in_risk_pct")
    # 3 of 11 = 27.3 % → not
    st, ss = _muni_fixture(3, 8)
    m = one(run(st, ss, thr=thr)["municipalities"], municipality_code="01")
    assert (m["risk"], m["risk_reasons"]) == ("0", "")


def test_municipality_below_basic_pct_at_and_below_20():
    # pooled over its schools: 2 below of 10 participants = 20.0 % ≥ 20 → reason
    # (schools: S1 2 of 5 = 40 % → in the zone, S2 0 % → 1 of 2 schools = 50 %; isolate that rule)
    thr = thresholds(risk={"municipality": {"schools_in_risk_pct": 101}}, **NO_OBJ)
    st = students(school("S1", [BELOW] * 2 + [BASIC] * 3), school("S2", [BASIC] * 5))
    ss = status(("01", "S1", "accepted"), ("01", "S2", "accepted"))
    out = run(st, ss, thr=thr)
    m = one(out["municipalities"], municipality_code="01")
    assert (m["below_basic_pct"], m["risk"], m["risk_reasons"]) == ("20.0", "1", "below_basic_pct")
    # 2 of 11 = 18.2 % → not
    st = students(school("S1", [BELOW] * 2 + [BASIC] * 3), school("S2", [BASIC] * 6))
    m = one(run(st, ss, thr=thr)["municipalities"], municipality_code="01")
    assert (m["risk"], m["risk_reasons"]) == ("0", "")


def test_municipality_of_too_few_schools_only_is_classified_on_pupils():
    # both schools too small to classify: 0 classified schools → schools_in_risk_pct n/a,
    # but the municipality has participants and is classified by its pooled figures
    st = students(school("S1", [BASIC] * 3), school("S2", [BASIC] * 2))
    out = run(st, status(("01", "S1", "accepted"), ("01", "S2", "accepted")))
    m = one(out["municipalities"], municipality_code="01")
    assert (m["schools_classified"], m["schools_in_risk_pct"], m["risk"]) == ("0", "", "0")


# ----------------------------------------------------------------------------- objectivity

ONLY = {
    "advanced_over_basic": {
        "threshold_peak": {"share_pct": 100, "ratio": OFF},
        "identical_answers": {"min_students": OFF},
    },
    "threshold_peak": {
        "advanced_over_basic_pp": 100,
        "identical_answers": {"min_students": OFF},
    },
    "identical_answers": {
        "advanced_over_basic_pp": 100,
        "threshold_peak": {"share_pct": 100, "ratio": OFF},
    },
}


def flags_of(out, code):
    s = one(out["schools"], school_code=code)
    return s["objectivity_checked"], s["objectivity_flags"]


def test_advanced_over_basic_at_and_below():
    # S: 10 students, 3 basic points each (75 %), advanced points 1,1,1,1,0,…: 4 of 20 → 20 %.
    # B: m students, 3 basic points, 0 advanced. Region: advanced 4 of 2·(10+m).
    # S − region = 20 − 400/(2·(10+m)) = 20 − 200/(10+m).
    # m = 30: 20 − 5 = 15.0 pp ≥ 15, and basic 75 % ≤ region's 75 % (equal) → flag
    # m = 29: 20 − 200/39 = 14.87 pp → no flag
    def fixture(m):
        s = [(1, 1, 1, 1)] * 4 + [(1, 1, 1, 0)] * 6
        st = students(school("S", s), school("B", [(0, 1, 2, 0)] * m))
        return st, status(("01", "S", "accepted"), ("01", "B", "accepted"))

    thr = thresholds(objectivity=ONLY["advanced_over_basic"])
    out = run(*fixture(30), thr=thr)
    assert flags_of(out, "S") == ("1", "advanced_over_basic")
    r = [x for x in reasons_of(out, "school", "S") if x["kind"] == "objectivity"]
    assert [(x["rule"], x["value"], x["threshold"], x["value2"], x["threshold2"]) for x in r] == [
        ("advanced_over_basic", "15.0", "15.0", "75.0", "75.0")
    ]
    assert flags_of(run(*fixture(29), thr=thr), "S") == ("1", "")
    # basic tasks better than the region → not the pattern, however high the advanced share
    st = students(
        school("S", [(1, 1, 2, 1)] * 4 + [(1, 1, 2, 0)] * 6),  # basic 100 % > region
        school("B", [(0, 1, 2, 0)] * 30),
    )
    out = run(st, status(("01", "S", "accepted"), ("01", "B", "accepted")), thr=thr)
    assert flags_of(out, "S") == ("1", "")


def test_threshold_peak_at_and_below():
    # S: 10 students, 2 with basic points exactly basic_min (PEAK) → 20 % ≥ 20.
    # B: m students without the peak. Region share = 2/(10+m); ratio = 0.2·(10+m)/2.
    # m = 20: region 2/30, ratio 3.0 ≥ 3 → flag.   m = 19: ratio 2.9 → no flag.
    def fixture(m, peak=2, n=10):
        st = students(school("S", [PEAK] * peak + [BASIC] * (n - peak)), school("B", [BASIC] * m))
        return st, status(("01", "S", "accepted"), ("01", "B", "accepted"))

    thr = thresholds(objectivity=ONLY["threshold_peak"])
    out = run(*fixture(20), thr=thr)
    assert flags_of(out, "S") == ("1", "threshold_peak")
    (r,) = [x for x in reasons_of(out, "school", "S") if x["kind"] == "objectivity"]
    assert (r["value"], r["threshold"], r["value2"], r["threshold2"]) == (
        "20.0",
        "20.0",
        "3.00",
        "3.00",
    )
    assert flags_of(run(*fixture(19), thr=thr), "S") == ("1", "")
    # share just below 20 %: 2 of 11 = 18.2 % (ratio huge with a large B) → no flag
    assert flags_of(run(*fixture(200, peak=2, n=11), thr=thr), "S") == ("1", "")


def _distinct(n, exclude):
    """n distinct vectors, none of them all-max and none in `exclude`."""
    pool = [v for v in ALL_VECTORS if v != ABOVE and v not in exclude]
    return pool[:n]


def test_identical_answers_at_and_below():
    thr = thresholds(objectivity=ONLY["identical_answers"])
    same = (1, 0, 1, 1)

    def run_school(vectors):
        st = students(school("S", vectors))
        return flags_of(run(st, status(("01", "S", "accepted")), thr=thr), "S")

    # 6 identical of 20 = 30.0 % and 6 ≥ 5 → flag
    assert run_school([same] * 6 + _distinct(14, [same])) == ("1", "identical_answers")
    # 6 of 21 = 28.6 % → no flag
    assert run_school([same] * 6 + _distinct(15, [same])) == ("1", "")
    # 5 of 10 = 50 % and exactly 5 members → flag; 4 of 10 = 40 % but 4 < 5 → no flag
    assert run_school([same] * 5 + _distinct(5, [same])) == ("1", "identical_answers")
    assert run_school([same] * 4 + _distinct(6, [same])) == ("1", "")
    # all-max vectors are set aside: 8 of 10 at max → no flag
    assert run_school([ABOVE] * 8 + _distinct(2, [])) == ("1", "")


def test_identical_answers_across_variants():
    thr = thresholds(objectivity=ONLY["identical_answers"])
    same = (1, 0, 1, 1)
    st = students(
        school("S", [same] * 3 + _distinct(3, [same]), variant=1),
        school(
            "S", [same] * 2 + _distinct(3, [same])[::-1][:2] + [(0, 0, 0, 0)], variant=2, start=50
        ),
    )
    # 5 identical (3 in variant 1, 2 in variant 2) of 11 = 45 % → flag
    out = run(st, status(("01", "S", "accepted")), thr=thr)
    assert flags_of(out, "S") == ("1", "identical_answers")
    r = [x for x in reasons_of(out, "school", "S") if x["rule"] == "identical_answers"]
    assert (r[0]["value"], r[0]["threshold"], r[0]["value2"]) == ("5", "5", "45.5")


def test_objectivity_needs_ten_participants():
    st = students(school("S", [(1, 0, 1, 1)] * 9))  # 9 identical, but 9 < 10
    out = run(st, status(("01", "S", "accepted")))
    assert flags_of(out, "S") == ("0", "")


# ----------------------------------------------------------------------------- deficits


def test_deficits_norm_and_region():
    # Region = S1 + S2. Task completion (max 1, 1, 2, 2):
    # S1, 5 × (1,1,1,0): task 3 = 5/10 = 50 % < 57 → below_norm; task 4 = 0 % < 28.5 → below_norm
    # S2, 5 × (1,1,2,2): every task 100 %.
    # Region: task 3 = 15/20 = 75 %, task 4 = 10/20 = 50 %.
    # S1 below region: task 3 by 25 pp, task 4 by 50 pp → both criteria.
    # Region's own deficits: none (75 ≥ 57, 50 ≥ 28.5).
    st = students(school("S1", [BASIC] * 5), school("S2", [ABOVE] * 5))
    ss = status(("01", "S1", "accepted"), ("01", "S2", "accepted"))
    out = run(st, ss)
    d = out["deficits"]
    assert d[
        ["scope", "code", "task", "criterion", "completion_pct", "region_pct"]
    ].values.tolist()[-2:] == [
        ["school", "S1", "3", "below_norm;below_region", "50.0", "75.0"],
        ["school", "S1", "4", "below_norm;below_region", "0.0", "50.0"],
    ]
    assert "region" not in set(d["scope"])
    # municipality 01: 1 of its 2 schools = 50 % ≥ 30 → shared deficits
    m = d.loc[d["scope"] == "municipality"]
    assert m[["code", "task", "criterion", "schools_share_pct"]].values.tolist() == [
        ["01", "3", "shared_by_schools", "50.0"],
        ["01", "4", "shared_by_schools", "50.0"],
    ]


def test_shared_deficits_count_every_school_with_results():
    """SPEC §5.3: «shared by ≥ 30 % of its schools» — a school too small to classify for the risk
    zone (3 participants < 5) counts too: S1's deficits on tasks 3 and 4 are 1 of 2 schools =
    50 % (counting classified schools only they were 0 of 1). A school whose students were all
    absent has no deficits decided and does not count (1 of 2, not of 3)."""
    st = students(school("S1", [BASIC] * 3), school("S2", [ABOVE] * 5), school("S3", [], absent=2))
    ss = status(("01", "S1", "accepted"), ("01", "S2", "accepted"), ("01", "S3", "accepted"))
    out = run(st, ss)
    s = out["schools"].set_index("school_code")
    assert s.loc["S1", "risk"] == "" and s.loc["S2", "risk"] != ""  # S1 is not classified
    assert s.loc["S3", "participants"] == "0"
    d = out["deficits"]
    m = d.loc[d["scope"] == "municipality"]
    assert m[["code", "task", "schools_share_pct"]].values.tolist() == [
        ["01", "3", "50.0"],
        ["01", "4", "50.0"],
    ]


def test_deficit_below_region_exactly_15pp():
    # task 1 (max 1): S1 has 17 of 20 = 85 %, S2 20 of 20 = 100 %. Region 37/40 = 92.5 %.
    # S1 is 7.5 pp below. Use S2 with 60 students at 100 %: region 77/80 = 96.25 %,
    # S1 11.25 pp below. Exactly 15 pp: S1 16 of 20 = 80 %, S2 with 20 of 20 → region 90 %,
    # only 10 pp. Make S1 70 % (14/20) and S2 20/20: region 34/40 = 85 % → exactly 15 pp.
    # Other tasks: everyone scores max on tasks 2–4 except what is needed for levels.
    def fixture(s1_ones):
        s1 = [(1, 1, 2, 2)] * s1_ones + [(0, 1, 2, 2)] * (20 - s1_ones)
        st = students(school("S1", s1), school("S2", [(1, 1, 2, 2)] * 20))
        return st, status(("01", "S1", "accepted"), ("02", "S2", "accepted"))

    thr = thresholds(deficits={"basic_task_pct": 0})  # isolate the comparison with the region
    d = run(*fixture(14), thr=thr)["deficits"]
    got = d.loc[
        d["scope"] == "school", ["code", "task", "criterion", "completion_pct", "region_pct"]
    ]
    assert got.values.tolist() == [["S1", "1", "below_region", "70.0", "85.0"]]
    # 15 of 20 = 75 %, region 35/40 = 87.5 % → 12.5 pp → no deficit
    d = run(*fixture(15), thr=thr)["deficits"]
    assert d.loc[d["scope"] == "school"].empty


def test_region_deficits_and_norm_boundary():
    # one school = the region. Task 3 (basic, max 2): exactly 57 % is not a deficit.
    # 50 students: task 3 points 57 of 100 → 57.0 %. Task 4 (advanced, max 2): 28.5 % = 57/200
    # would need 100 students; here 50 students → 28 of 100 = 28 % < 28.5 → deficit.
    vec = [(1, 1, 2, 1)] * 7 + [(1, 1, 1, 1)] * 21 + [(1, 1, 1, 0)] * 22
    # task 3: 7·2 + 21 + 22 = 57 of 100; task 4: 7 + 21 = 28 of 100
    out = run(students(school("S1", vec)), status(("01", "S1", "accepted")))
    d = out["deficits"]
    assert d.loc[
        d["scope"] == "region", ["task", "criterion", "completion_pct"]
    ].values.tolist() == [["4", "below_norm", "28.0"]]


# ----------------------------------------------------------------------------- recommendations


def test_recommendations_pick_texts_and_fallback():
    st = students(
        school("S1", [BELOW] * 3 + [BASIC] * 2),
        school("S2", [(1, 0, 1, 1)] * 6 + _distinct(4, [(1, 0, 1, 1)])),
        school("S3", [BASIC] * 2),
    )
    ss = status(("01", "S1", "accepted"), ("01", "S2", "accepted"), ("01", "S3", "accepted"))
    out = run(st, ss)
    rec = out["recommendations"]
    s1 = rec.loc[(rec["scope"] == "school") & (rec["code"] == "S1")]
    pairs = s1[["audience", "topic", "kind"]].values.tolist()
    # S1: deficits in A (task 2: 2/5 = 40 %), B, C; risk reasons below_basic_pct, basic_tasks_pct
    assert ["teachers", "A", "result"] in pairs
    assert ["administration", "below_basic_pct", "risk"] in pairs
    text = dict(zip(s1["audience"] + "/" + s1["topic"], s1["text"], strict=True))
    assert text["teachers/A"] == "Текст A для учителей"  # from the library
    assert text["teachers/B"] == "Учителям: B «Результат B»"  # fallback with code and text
    assert text["administration/below_basic_pct"] == "ББ адм"
    # audience order teachers, administration; topics: planned results first, then reasons
    assert s1["audience"].tolist() == sorted(
        s1["audience"], key=["teachers", "administration"].index
    )
    # S3: too few → the administration's too_few text
    s3 = rec.loc[(rec["scope"] == "school") & (rec["code"] == "S3")]
    assert ["administration", "too_few"] in s3[["audience", "topic"]].values.tolist()
    # the municipality gets the texts for its schools' reasons (risk zone, identical answers)
    m = rec.loc[rec["scope"] == "municipality"]
    assert {"below_basic_pct", "identical_answers"} <= set(m["topic"])
    assert set(m["audience"]) == {"municipality"}


def test_assessment_without_marks_and_single_variant():
    defn = definition(variants=[1])
    defn.pop("marks")
    st = students(school("S1", [BASIC] * 5))
    st["variant"] = float("nan")  # a single variant is known even when the cell is empty
    out = run(st, status(("01", "S1", "accepted")), defn=defn)
    assert out["marks"].empty
    assert set(out["items"]["participants"]) == {"5"}


def test_a_configured_threshold_is_written_as_it_was_set():
    """An audit: basic_tasks_pct 56.67 in the config was written 56.7 beside a value 56.7 —
    «56.7 < 56.7». The threshold keeps its places (up to 3); values keep SPEC's 1 decimal."""
    from scripts.analyse.risk import reason_rows

    def row(threshold, digits=1, value=170 / 3):
        r = reason_rows("school", "risk", "basic_tasks_pct", ["s"], [value], threshold, "<", digits)
        return r.loc[0, "value"], r.loc[0, "threshold"]

    assert row(56.67) == ("56.7", "56.67")
    assert row(57) == ("56.7", "57.0")
    assert row(28.5) == ("56.7", "28.5")
    assert row(12.34567) == ("56.7", "12.346")
    assert row(5, digits=0, value=4) == ("4", "5")  # a count stays whole
