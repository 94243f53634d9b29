from scripts.site import suppress
from scripts.site.suppress import PARENT, PRIMARY, SECONDARY, hide_within


def test_nothing_hidden_when_all_large():
    assert hide_within(False, {"a": 10, "b": 6}, 6) == {}


def test_one_small_child_hides_the_next_smallest():
    assert hide_within(False, {"4А": 24, "4Б": 3, "4В": 30}, 6) == {"4Б": PRIMARY, "4А": SECONDARY}


def test_two_small_children_summing_below_k_hide_one_more():
    out = hide_within(False, {"a": 2, "b": 3, "c": 8, "d": 9}, 6)
    assert out == {"a": PRIMARY, "b": PRIMARY, "c": SECONDARY}


def test_two_small_children_summing_to_k_are_enough():
    assert hide_within(False, {"a": 3, "b": 3, "c": 8}, 6) == {"a": PRIMARY, "b": PRIMARY}


def test_zero_participants_are_ignored_and_ties_by_code():
    out = hide_within(False, {"z": 0, "a": 4, "c": 10, "b": 10}, 6)
    assert out == {"a": PRIMARY, "b": SECONDARY}


def test_hidden_parent_hides_children():
    assert hide_within(True, {"a": 30, "b": 0}, 6) == {"a": PARENT}


def test_plan_cascades_from_municipality_to_schools_and_classes():
    sup = suppress.plan(
        6, 100, {"01": 96, "02": 4},
        {"s1": ("01", 50), "s2": ("01", 46), "s3": ("02", 4)},
        {("s1", "4А"): 25, ("s1", "4Б"): 25, ("s2", "4А"): 46, ("s3", "4А"): 4},
    )  # fmt: skip
    assert sup.municipality("02") == PRIMARY and sup.municipality("01") == SECONDARY
    assert sup.school("s1") == PARENT and sup.school("s3") == PARENT
    assert sup.klass("s1", "4А") == PARENT


def test_hidden_values_cannot_be_recovered_from_parent_minus_shown():
    """Property: within a shown parent, hidden children are ≥ 2 and hold ≥ k participants."""
    import random

    rnd = random.Random(3)
    for _ in range(500):
        kids = {
            f"c{i}": rnd.choice([0, 1, 2, 3, 5, 6, 7, 12, 30]) for i in range(rnd.randint(1, 6))
        }
        out = hide_within(False, kids, 6)
        if out:
            assert len(out) >= 2 or len([n for n in kids.values() if n > 0]) == 1
            hidden = sum(kids[c] for c in out)
            shown_left = [c for c, n in kids.items() if n > 0 and c not in out]
            assert hidden >= 6 or not shown_left


def test_hidden_children_with_no_one_below_basic_hide_one_more():
    """Parent 2 below basic; after the usual secondary suppression the only shown school holds
    both, so the hidden ones (C, D and the secondary B) would all read 0: A is hidden too."""
    kids = {"A": 8, "B": 7, "C": 3, "D": 2}
    levels = {"A": (2, 4, 2), "B": (0, 3, 4), "C": (0, 2, 1), "D": (0, 1, 1)}
    assert hide_within(False, kids, 6) == {"C": PRIMARY, "D": PRIMARY, "B": SECONDARY}
    out = hide_within(False, kids, 6, levels, (2, 10, 8))
    assert out == {"C": PRIMARY, "D": PRIMARY, "B": SECONDARY, "A": SECONDARY}


def test_the_sibling_that_changes_the_residual_is_hidden_not_just_the_smallest():
    kids = {"A": 8, "E": 10, "B": 12, "C": 3, "D": 2}
    levels = {"A": (0, 4, 4), "E": (0, 5, 5), "B": (2, 5, 5), "C": (0, 2, 1), "D": (0, 1, 1)}
    out = hide_within(False, kids, 6, levels, (2, 17, 16))
    assert out == {"C": PRIMARY, "D": PRIMARY, "A": SECONDARY, "B": SECONDARY}  # E (0 below) stays


def test_all_hidden_in_one_level_is_exact_too():
    # hidden C + D (5 + 4) are all above basic: parent − shown = 9 = their participants
    kids = {"A": 10, "C": 5, "D": 4}
    levels = {"A": (3, 4, 3), "C": (0, 0, 5), "D": (0, 0, 4)}
    assert hide_within(False, kids, 6, levels, (3, 4, 12)) == {
        "C": PRIMARY, "D": PRIMARY, "A": SECONDARY,
    }  # fmt: skip


def test_no_hidden_level_count_follows_from_parent_minus_shown():
    """Property over random municipalities: for every level, the hidden children's total (parent
    minus shown) is neither 0 nor all their participants — unless every child is hidden, or the
    parent's own figure already says so (nobody, or everybody, of the parent in that level)."""
    import random

    rnd = random.Random(7)
    for _ in range(2000):
        kids, levels = {}, {}
        for i in range(rnd.randint(2, 7)):
            n = rnd.choice([0, 1, 2, 3, 4, 5, 8, 12, 25])
            below = rnd.randint(0, n) if rnd.random() < 0.5 else 0
            above = rnd.randint(0, n - below)
            kids[f"s{i}"], levels[f"s{i}"] = n, (below, n - below - above, above)
        parent = tuple(sum(v[j] for v in levels.values()) for j in range(3))
        out = hide_within(False, kids, 6, levels, parent)
        shown = [c for c, n in kids.items() if n > 0 and c not in out]
        if not out or not shown:
            continue
        hidden_n = sum(kids[c] for c in out)
        for j in range(3):
            if parent[j] in (0, sum(kids.values())):
                continue
            rest = parent[j] - sum(levels[c][j] for c in shown)
            assert 0 < rest < hidden_n, (kids, levels, out, j)


def test_hidden_schools_task_points_cannot_be_worked_out():
    """Hand-counted (the case a site audit found): B (5) and C (4) are hidden (under 6), together 9
    — enough by size and levels. But both solved task 1 fully: the municipality's 88.6 % of 44
    minus A's 90.0 % of 20 and D's 80.0 % of 15 leaves 38.98 − 18 − 12 = 8.98 of their 9 points,
    which within the rounding (± 0.05 % of 44 + 20 + 15 points = 0.04) is all of them: each hidden
    school 100 %. So D, the smallest sibling that did not solve it fully, is hidden too; then
    38.98 − 18 = 20.98 of 24 points says nothing exact."""
    kids = {"A": 20, "B": 5, "C": 4, "D": 15}
    rel = 0.0005
    figures = {
        "A": (5, 10, 5, (18.0, 20, rel)),
        "B": (1, 3, 1, (5.0, 5, rel)),
        "C": (1, 2, 1, (4.0, 4, rel)),
        "D": (3, 8, 4, (12.0, 15, rel)),
    }
    parent = (10, 23, 11, (88.6 / 100 * 44, 44, rel))
    assert hide_within(False, kids, 6) == {"B": PRIMARY, "C": PRIMARY}
    levels_only = {c: f[:3] for c, f in figures.items()}
    assert hide_within(False, kids, 6, levels_only, parent[:3]) == {"B": PRIMARY, "C": PRIMARY}
    assert hide_within(False, kids, 6, figures, parent) == {
        "B": PRIMARY, "C": PRIMARY, "D": SECONDARY}  # fmt: skip
    # none solved it: 0.0 % of 9 points is as exact
    none = {**figures, "B": (1, 3, 1, (0.0, 5, rel)), "C": (1, 2, 1, (0.0, 4, rel))}
    parent0 = (10, 23, 11, (68.2 / 100 * 44, 44, rel))  # 30 of 44
    assert hide_within(False, kids, 6, none, parent0)["D"] == SECONDARY


def test_a_large_parents_rounding_pins_nothing():
    """The review's case: ten shown schools of 300 at 95.0 % and two hidden ones, P (5: 4 of 5
    points, primary) and Q (7: 6 of 7, secondary for the size rule). The municipality's 2 860 of
    3 012 points, published as 95.0 %, minus the shown 2 850 leaves the pair 11.4 ± 3.0 (0.0005 ×
    6 012) of their 12 points: 8.4 to 14.4 pins nothing, so nothing more is hidden — judged by
    «within the rounding of all», a school of 300 would have been hidden for it."""
    rel = 0.0005
    kids = {f"S{i:02d}": 300 for i in range(10)} | {"P": 5, "Q": 7}
    figures = {f"S{i:02d}": (30, 90, 180, (285.0, 300, rel)) for i in range(10)}
    figures |= {"P": (1, 2, 2, (4.0, 5, rel)), "Q": (1, 3, 3, (6.0, 7, rel))}
    parent = (302, 905, 1805, (95.0 / 100 * 3012, 3012, rel))
    assert hide_within(False, kids, 6, figures, parent) == {"P": PRIMARY, "Q": SECONDARY}


def test_whole_points_pin_what_the_float_interval_misses():
    """The second review's case: a reader rounds every published figure to the whole points it
    allows. S0: 224 of 600 points, published 37.3 % — only 224 fits (223.5 ≤ p < 224.1); the
    municipality: 224 of 606, published 37.0 % — only 224 fits (223.9 ≤ p < 224.5). So the hidden
    H1, H2 (3 pupils each) scored 0 — pinned, though «rest ± slack» (0.42 ± 0.6) was not below 1.
    S0 is hidden too."""
    rel = 0.0005
    kids = {"S0": 600, "H1": 3, "H2": 3}
    figures = {"S0": (200, 200, 200, (37.3 / 100 * 600, 600, rel)),
               "H1": (1, 1, 1, (0.0, 3, rel)), "H2": (1, 1, 1, (0.0, 3, rel))}  # fmt: skip
    parent = (202, 202, 202, (37.0 / 100 * 606, 606, rel))
    assert hide_within(False, kids, 6, figures, parent) == {
        "H1": PRIMARY, "H2": PRIMARY, "S0": SECONDARY}  # fmt: skip


def _values_a_reader_can_have(children, levels, parent, hidden, bounds, figure=0):
    """Every whole value each hidden child's figure can take, by brute force: assignments within
    what is published of each (bounds, else 0…participants) that add up to parent − shown."""
    from itertools import product

    total = parent[figure] - sum(levels[c][figure] for c in children if c not in hidden)
    names = sorted(hidden)
    spans = [range(bounds.get(c, {}).get(figure, (0, children[c]))[0],
                   bounds.get(c, {}).get(figure, (0, children[c]))[1] + 1) for c in names]  # fmt: skip
    seen = {c: set() for c in names}
    for combo in product(*spans):
        if sum(combo) == total:
            for c, v in zip(names, combo, strict=True):
                seen[c].add(v)
    return seen


def test_a_hidden_schools_count_cannot_be_solved_with_its_risk_classification():
    """The audit's municipality 27, as published: 34 below basic; shown schools 4 + 16 + 10 + 1;
    the hidden ones' risk classifications (h7 in the zone for below basic ≥ 25 % of 9 → ≥ 3;
    h3, h6 classified and not → ≤ 1 of 8, ≤ 1 of 5). Hiding h7 as before leaves 3 for the
    three, so h6 = 0 exactly; the plan must hide a sibling that opens that up."""
    children = {"s1": 43, "s2": 39, "s3": 13, "s4": 15, "h7": 9, "h3": 8, "h6": 5}
    levels = {"s1": (4, 30, 9), "s2": (16, 20, 3), "s3": (10, 3, 0), "s4": (1, 10, 4),
              "h7": (3, 4, 2), "h3": (0, 5, 3), "h6": (0, 3, 2)}  # fmt: skip
    parent = tuple(sum(v[i] for v in levels.values()) for i in range(3))
    assert parent == (34, 75, 23)
    bounds = {"h7": {0: (3, 9)}, "h3": {0: (0, 1)}, "h6": {0: (0, 1)}, "s3": {0: (4, 13)},
              "s1": {0: (0, 10)}, "s2": {0: (10, 39)}, "s4": {0: (0, 3)}}  # fmt: skip
    # what the plan without the classifications hid: h6 is then pinned at 0
    before = {"h6", "h3", "h7"}
    assert hide_within(False, children, 6, levels, parent) == {
        "h6": PRIMARY, "h3": SECONDARY, "h7": SECONDARY}  # fmt: skip
    assert _values_a_reader_can_have(children, levels, parent, before, bounds)["h6"] == {0}
    out = hide_within(False, children, 6, levels, parent, bounds)
    assert out == {"h6": PRIMARY, "h3": SECONDARY, "s3": SECONDARY}
    seen = _values_a_reader_can_have(children, levels, parent, set(out), bounds)
    assert all(len(values) >= 2 for values in seen.values()), seen


def test_risk_classification_bounds_compare_unrounded_shares():
    """«≥ 25 %» of 8 pupils is at least 2, of 9 at least 3 (2.25 rounds up); «not in the zone for
    it» is at most one fewer; an unclassified school says nothing."""
    from scripts.site.pages import _risk_bounds

    th = {"risk": {"school": {"below_basic_pct": 25, "basic_tasks_pct": 57},
                   "municipality": {"below_basic_pct": 20}}}  # fmt: skip
    # two basic tasks of max 1 and 2, one advanced: basic points are figure 3 + 3 tasks + 2
    # results = 8; a school of 8 can score 24 on them, 57 % of that is 13.68
    a = {"tasks": [{"id": "1", "max": 1, "level": "basic", "result": "A"},
                   {"id": "2", "max": 2, "level": "basic", "result": "A"},
                   {"id": "3", "max": 2, "level": "advanced", "result": "B"}],
         "levels": {"basic_min": 2, "above_basic_min": 1}}  # fmt: skip
    schools = [
        {"school_code": "a", "participants": "8", "risk": "1", "risk_reasons": "below_basic_pct"},
        {"school_code": "b", "participants": "9", "risk": "1",
         "risk_reasons": "basic_tasks_pct;below_basic_pct"},
        {"school_code": "c", "participants": "9", "risk": "1", "risk_reasons": "basic_tasks_pct"},
        {"school_code": "d", "participants": "8", "risk": "0", "risk_reasons": ""},
        {"school_code": "e", "participants": "4", "risk": "", "risk_reasons": "too_few"},
    ]  # fmt: skip
    muns = [{"municipality_code": "01", "participants": "10", "risk": "0", "risk_reasons": ""}]
    got = _risk_bounds({"schools": schools, "municipalities": muns}, th, a)
    assert got == {
        # b, c «in the zone for basic tasks» (< 57 % of 27 = 15.39): at most 15; a, d classified
        # without that reason: at least 57 % of 24 = 13.68, so 14
        # and the two together (basic_min 2 of 3 basic points): a's at least 14 points leave at
        # most (24 − 14) / 2 = 5 below basic; c's at most 15 points give at most 7 pupils at the
        # basic level, so at least 2 of 9 below it — with «fewer than 3» exactly 2 (pinned)
        ("school", "a"): {0: (2, 5), 8: (14, 24)}, ("school", "b"): {0: (3, 9), 8: (0, 15)},
        ("school", "c"): {0: (2, 2), 8: (0, 15)}, ("school", "d"): {0: (0, 1), 8: (14, 24)},
        ("municipality", "01"): {0: (0, 1)},
    }  # fmt: skip


def _tiny_region(tmp_path, pupils_of_e: list):
    """The analysed results of a region of municipalities M1 (schools A, B), M2 (C, D) and M3 (only
    school E, of `pupils_of_e`), as the site reads them (the analysis of tests/analyse)."""
    from scripts.site.load import Results
    from tests.analyse import analyse_helpers as h

    other = (0, 1, 1, 1)  # basic: no task is solved by everybody (the region would say so)
    st = h.students(
        h.school("A", [h.BASIC] * 12 + [h.ABOVE] * 6 + [h.BELOW] * 2 + [other]),
        h.school("B", [h.BASIC] * 9 + [h.ABOVE] * 3 + [h.BELOW] * 3 + [other] * 2),
        h.school("C", [h.BASIC] * 15 + [h.ABOVE] * 8 + [h.BELOW] * 2 + [other]),
        h.school("D", [h.BASIC] * 7 + [h.ABOVE] * 3 + [h.BELOW] * 2 + [other]),
        h.school("E", pupils_of_e),
    )
    ss = h.status(("M1", "A", "accepted"), ("M1", "B", "accepted"), ("M2", "C", "accepted"),
                  ("M2", "D", "accepted"), ("M3", "E", "accepted"))  # fmt: skip
    tables = h.run(st, ss)
    return Results(root=tmp_path, manifest={"counts": {}, "inputs": []},
                   tables={n: t.fillna("").astype(str).to_dict("records") for n, t in tables.items()},
                   columns={n: list(t.columns) for n, t in tables.items()})  # fmt: skip


def test_a_tiny_municipalitys_own_classification_is_withheld_not_cascaded(tmp_path):
    """The audit's case: a municipality whose only participants are one school's 4 pupils is
    hidden; «not in the zone» (below basic < 20 % of 4) says that none of them is below basic — a
    level count fixed by its own classification, which hiding neighbours cannot open up. The plan
    hid every municipality one after another; now that classification is withheld instead. Real
    figures (the analysis of tests/analyse), not random ones: M3 = one school of 4 basic pupils."""
    import io

    import openpyxl

    from scripts.site import downloads
    from scripts.site.pages import Site, build_pages, published_report_forms
    from tests.analyse import analyse_helpers as h

    res = _tiny_region(tmp_path, [h.BASIC] * 4)
    m3 = next(m for m in res["municipalities"] if m["municipality_code"] == "M3")
    assert (m3["participants"], m3["risk"], m3["risk_reasons"]) == ("4", "0", "")
    in_risk = res.region["municipalities_in_risk"]
    site = Site(res, h.definition(), h.thresholds())
    # M3 (4 pupils) and the smallest other municipality (M1: 38; M2 39) — nothing more
    assert site.sup.municipalities == {"M3": PRIMARY, "M1": SECONDARY}
    published = {r["municipality_code"]: r for r in downloads.tables(site)["municipalities"][1]}
    assert (published["M3"]["risk"], published["M3"]["risk_reasons"]) == ("", "")
    assert published["M1"]["risk"] == "0"  # a secondary one's classification fixes nothing
    # nor does the region's count of municipalities in the zone give it back (an attack: that
    # count minus the others' published classifications)
    assert in_risk != ""
    assert downloads.tables(site)["region"][1][0]["municipalities_in_risk"] == ""
    out = tmp_path / "docs"
    build_pages(site, out)
    page = (out / "mo/M3/index.md").read_text(encoding="utf-8")
    assert "Отнесение муниципалитета к зоне риска не публикуется" in page
    assert "Муниципалитет не в зоне риска" not in page
    form = openpyxl.load_workbook(io.BytesIO(published_report_forms(site)["M3"]))
    text = "\n".join(str(c.value) for ws in form for r in ws.iter_rows() for c in r if c.value)
    assert "Отнесение муниципалитета к зоне риска не публикуется" in text
    assert "не в зоне риска" not in text


def test_the_level_link_bounds_below_basic_by_basic_points():
    """With the demo's 13 basic points a pupil and basic_min 7: 4 pupils with 50…52 of their 52
    basic points have nobody below basic (one below basic would leave at most 6 + 3 × 13 = 45);
    9 pupils with 64…66 points may have 0…7 below basic."""
    link = suppress.LevelLink(below=0, points=3, need=7, most=13)
    assert link.below_range(4, (50, 52)) == (0, 0) and link.below_range(9, (64, 66)) == (0, 7)


def test_a_tiny_municipalitys_classification_is_withheld_whatever_it_is(tmp_path):
    """An attack: the classification of a hidden municipality of 4 was withheld when «not in the
    zone» (it would say nobody is below basic) and published when «in the zone» — so «withheld»
    itself said «nobody below basic». It is withheld by what it could say: in the zone too."""
    from scripts.site.pages import Site
    from tests.analyse import analyse_helpers as h

    # 1 of 4 below basic: in the zone (≥ 20 %)
    res = _tiny_region(tmp_path, [h.BASIC] * 3 + [h.BELOW])
    m3 = next(m for m in res["municipalities"] if m["municipality_code"] == "M3")
    assert (m3["participants"], m3["risk"]) == ("4", "1")
    site = Site(res, h.definition(), h.thresholds())
    assert site.sup.municipality("M3") == PRIMARY
    assert (site.muns["M3"]["risk"], site.muns["M3"]["risk_withheld"]) == ("", "1")
