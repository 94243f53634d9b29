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
