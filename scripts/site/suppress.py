"""Small-group suppression for the site and its downloads (SPEC §7). Pure functions.

A group (region, municipality, school, class) with 1..k-1 participants (k = privacy.min_group_size)
is hidden: *primary* suppression. Its parent's totals are published, so a single hidden child
could be worked out as parent − shown siblings: within every shown parent the hidden children must
be at least two and hold at least k participants together; while they do not, the smallest shown
sibling (ties by code) is hidden too — *secondary* suppression. A hidden parent hides all of its
children (*parent*), else the parent could be summed back from them. The hierarchy is
region → municipality → school → class; groups with 0 participants carry no results and are left out.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

PRIMARY = "primary"
SECONDARY = "secondary"
PARENT = "parent"


def hide_within(parent_hidden: bool, children: Mapping[Hashable, int], k: int) -> dict:
    """{child: reason} for the children of one parent that must be hidden."""
    if parent_hidden:
        return {c: PARENT for c, n in children.items() if n > 0}
    out = {c: PRIMARY for c, n in children.items() if 0 < n < k}
    if out:
        shown = sorted((n, str(c), c) for c, n in children.items() if n > 0 and c not in out)
        hidden_sum = sum(children[c] for c in out)
        while (len(out) < 2 or hidden_sum < k) and shown:
            n, _, c = shown.pop(0)
            out[c] = SECONDARY
            hidden_sum += n
    return out


class Suppression:
    """Which groups are hidden and why; look up with region/municipality/school/klass."""

    def __init__(self, k: int):
        self.k = k
        self.region_reason: str | None = None
        self.municipalities: dict[str, str] = {}
        self.schools: dict[str, str] = {}
        self.classes: dict[tuple[str, str], str] = {}

    def municipality(self, code: str) -> str | None:
        return self.municipalities.get(code)

    def school(self, code: str) -> str | None:
        return self.schools.get(code)

    def klass(self, school_code: str, klass: str) -> str | None:
        return self.classes.get((school_code, klass))


def plan(
    k: int,
    region_participants: int,
    municipalities: Mapping[str, int],
    schools: Mapping[str, tuple[str, int]],
    classes: Mapping[tuple[str, str], int],
) -> Suppression:
    """Work out every hidden group top-down.

    municipalities: {code: participants}; schools: {code: (municipality_code, participants)};
    classes: {(school_code, class): participants}.
    """
    sup = Suppression(k)
    region_hidden = 0 < region_participants < k
    if region_hidden:
        sup.region_reason = PRIMARY
    sup.municipalities = hide_within(region_hidden, municipalities, k)
    by_mun: dict[str, dict[str, int]] = {}
    for code, (mun, n) in schools.items():
        by_mun.setdefault(mun, {})[code] = n
    for mun, kids in sorted(by_mun.items()):
        sup.schools.update(hide_within(mun in sup.municipalities, kids, k))
    by_school: dict[str, dict[tuple[str, str], int]] = {}
    for key, n in classes.items():
        by_school.setdefault(key[0], {})[key] = n
    for school, kids in sorted(by_school.items()):
        sup.classes.update(hide_within(school in sup.schools, kids, k))
    return sup


REASON_TEXT = {
    PRIMARY: "участников меньше {k}: результаты малых групп не публикуются",
    SECONDARY: "скрыто дополнительно: иначе результаты малой группы можно было бы вычислить из итогов",
    PARENT: "скрыто вместе с группой, в которую входит",
}


def reason_text(reason: str | None, k: int) -> str:
    return REASON_TEXT.get(reason or "", "").format(k=k)
