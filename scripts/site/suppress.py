"""Small-group suppression for the site and its downloads (SPEC §7). Pure functions.

A group (region, municipality, school, class) with 1..k-1 participants (k = privacy.min_group_size)
is hidden: *primary* suppression. Its parent's totals are published, so a single hidden child
could be worked out as parent − shown siblings: within every shown parent the hidden children must
be at least two and hold at least k participants together; while they do not, the smallest shown
sibling (ties by code) is hidden too — *secondary* suppression. Level counts (below basic / basic /
above basic) are published as well: when the hidden children together have none of a level, or
all of their participants in it (parent − shown siblings = 0 or = their participants), each
hidden child's count follows exactly; then the smallest shown sibling that changes that is hidden
too (secondary); the same for the points of each task and planned result (published as rounded
percentages: judged by the whole points each allows). Only the parent's own figure can still say
so (a municipality with nobody below basic: none of its schools has anyone either) — that is the parent's result, not a leak of a
hidden child's. A hidden parent hides all of its
children (*parent*), else the parent could be summed back from them. The hierarchy is
region → municipality → school → class; groups with 0 participants carry no results and are left out.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

PRIMARY = "primary"
SECONDARY = "secondary"
PARENT = "parent"


Levels = tuple[int, ...]  # participants below basic, basic, above basic
# An additive figure the site publishes for a group, from which parent − shown siblings gives the
# hidden children's total: (value, capacity, rounding) — e.g. a task's points (completion % ×
# participants × max), the most they could be (participants × max), and the relative error of
# the published value (0.0005 for a percentage to 0.1; 0 for a count). A count alone (a level) is
# (count, the child's participants, 0).
Additive = tuple[float, float, float]


# What a reader knows of a hidden group's figure without its value: {figure index: (lowest,
# highest whole value)} — e.g. its below-basic count from its published risk classification
# («in the zone for below_basic_pct ≥ 25» with 9 participants: at least 3).
Bounds = Mapping[int, tuple[int, int]]


def hide_within(
    parent_hidden: bool,
    children: Mapping[Hashable, int],
    k: int,
    levels: Mapping[Hashable, tuple] | None = None,
    parent_levels: tuple | None = None,
    bounds: Mapping[Hashable, Bounds] | None = None,
    link: LevelLink | None = None,
) -> dict:
    """{child: reason} for the children of one parent that must be hidden. With `levels` (each
    child's additive figures: level counts, and the points of each task and planned result) and
    `parent_levels`, also no hidden child's figure can be worked out from the parent's minus the
    shown siblings' and what else is published of the hidden ones (`bounds`; see `_no_exact`)."""
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
        if levels is not None and parent_levels is not None:
            _no_exact(out, children, levels, parent_levels, [c for _, _, c in shown], bounds or {},
                      link)  # fmt: skip
    return out


def _additive(value, n: int) -> Additive:
    return value if isinstance(value, tuple) else (value, n, 0.0)


def _whole_range(value: float, cap: float, rel: float) -> tuple[int, int]:
    """The whole numbers a published figure allows: a count is itself; points published as a
    percentage rounded half-up to `rel` of `cap` lie in [value − cap·rel, value + cap·rel)."""
    if not rel:
        return round(value), round(value)
    slack = cap * rel
    low = max(0, math.ceil(value - slack - 1e-7))
    high = min(int(cap), math.floor(value + slack - 1e-7))
    return low, max(low, high)


@dataclass(frozen=True)
class LevelLink:
    """A group's below-basic count and its basic-task points bound each other: a pupil at the
    basic level or above has at least `need` (levels.basic_min) basic points, one below it at
    most `need` − 1, of `most` a pupil. `below` and `points`: their indexes among the figures."""

    below: int
    points: int
    need: int
    most: float

    def below_range(self, n: int, points: tuple[int, int]) -> tuple[int, int]:
        """The below-basic count of `n` pupils whose basic points lie in `points` (lo, hi)."""
        lo, hi = 0, n
        if self.need > 0:
            lo = n - int(points[1] // self.need)
        if self.most - self.need + 1 > 0:
            hi = int((n * self.most - points[0]) // (self.most - self.need + 1))
        return max(0, lo), max(max(0, lo), min(n, hi))


def _exactness(children, figures, parent_figures, groups, bounds, link: LevelLink | None = None):
    """exact(hidden, visible): the figures (indexes) of which some hidden group is pinned, when
    the parent's figures are published and so are the `visible` groups' (see `_no_exact`); with
    known(c, i) and ranges[c][i], what a reader knows of group c's figure i hidden and shown.
    With `link`, a hidden group's basic points as its siblings leave them also bound its
    below-basic count (a review: 4 pupils left ≥ 50 of 52 basic points had nobody below basic)."""
    width = len(parent_figures)
    parent = [_whole_range(*_additive(v, 0)) for v in parent_figures]
    of: dict = {}  # each group's figures (a class publishes fewer: levels only) — made once
    for c in groups:
        got = [_additive(v, children[c]) for v in figures.get(c, ())][:width]
        of[c] = got + [(0, 0, 0.0)] * (width - len(got))
    ranges = {c: [_whole_range(*fig) for fig in of[c]] for c in groups}

    def known(c, i: int) -> tuple[int, int]:  # a hidden group's figure i, without its value
        cap = int(of[c][i][1])
        lo, hi = bounds.get(c, {}).get(i, (0, cap))
        return max(0, lo), min(cap, hi)

    def exact(hidden, visible):
        """The figures (indexes) of which some hidden group is pinned."""
        low = [lo for lo, _ in parent]  # the hidden total's bounds: parent − shown siblings
        high = [hi for _, hi in parent]
        for c in visible:
            for i, (c_low, c_high) in enumerate(ranges[c]):
                low[i] -= c_high
                high[i] -= c_low

        def left(i: int, said) -> dict:  # each hidden group's figure i, its siblings' taken away
            each = {c: said(c) for c in hidden if of[c][i][1] > 0}
            sum_lo = sum(lo for lo, _ in each.values())
            sum_hi = sum(hi for _, hi in each.values())
            return {c: (max(lo, low[i] - (sum_hi - hi)), min(hi, high[i] - (sum_lo - lo)))
                    for c, (lo, hi) in each.items()}  # fmt: skip

        seen = {i: left(i, lambda c, i=i: known(c, i)) for i in range(width)}
        tight: dict = {}
        if link and max(link.below, link.points) < width:

            def tightened(c) -> tuple[int, int]:
                lo, hi = known(c, link.below)
                if c in seen[link.points]:
                    a, b = link.below_range(children[c], seen[link.points][c])
                    lo, hi = max(lo, a), min(hi, b)
                return lo, hi

            tight = left(link.below, tightened)
        # (a figure no hidden group publishes has no ranges: nothing to pin)
        bad = {i for i, r in seen.items() if any(lo >= hi for lo, hi in r.values())}
        if any(lo >= hi for lo, hi in tight.values()):
            bad.add(link.below)
        return bad

    return exact, known, of, ranges


def _no_exact(out: dict, children, figures, parent_figures, shown: list, bounds, link=None) -> None:
    """Hide shown siblings (smallest first, only one that helps) while some hidden child's figure
    follows exactly («0 below basic», «task 1: 100 %»). A published percentage is rounded, but
    counts and points are whole: a reader turns every published figure into the whole numbers it
    allows (a school's 37.3 % of 600 points can only be 224), then parent − shown siblings bounds
    the hidden children's total; each hidden child's own figure lies between what it can be
    (0 … all, or tighter where `bounds` says so: its risk classification) and what the total
    leaves after its hidden siblings' extremes. It is pinned when those meet — what the reader
    can conclude, no more. Without `bounds` that is the total's being none or all of what the
    hidden children could have."""
    exact, known, of, ranges = _exactness(
        children, figures, parent_figures, [*out, *shown], bounds, link
    )
    bad = exact(out, shown)
    while bad:
        # the smallest sibling whose hiding leaves fewer pinned figures; else the smallest that at
        # least opens one of them up (its hidden range wider than its published one)
        helps = next(
            (c for c in shown if len(exact([*out, c], [d for d in shown if d != c])) < len(bad)),
            None,
        )
        if helps is None:
            helps = next((c for c in shown
                          if any(known(c, i) != ranges[c][i] for i in bad if of[c][i][1] > 0)),
                         None)  # fmt: skip
        if helps is None:
            return  # every sibling is hidden, or none would change it: the parent's own figure
        shown.remove(helps)
        out[helps] = SECONDARY
        bad = exact(out, shown)


def _by_municipality(schools: Mapping[str, tuple[str, int]]):
    """{municipality: {school: participants}}."""
    out: dict[str, dict[str, int]] = {}
    for code, (mun, n) in schools.items():
        out.setdefault(mun, {})[code] = n
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
    levels: Mapping[tuple[str, Hashable], Levels] | None = None,
    bounds: Mapping[tuple[str, Hashable], Bounds] | None = None,
    link: LevelLink | None = None,
) -> Suppression:
    """Work out every hidden group top-down.

    municipalities: {code: participants}; schools: {code: (municipality_code, participants)};
    classes: {(school_code, class): participants}; levels (optional): the level counts of
    ("region", ""), ("municipality", code), ("school", code), ("class", (school_code, class));
    bounds (optional, same keys): what else the site says of a group's figures (`Bounds`).
    """
    sup = Suppression(k)
    region_hidden = 0 < region_participants < k

    def within(hidden: bool, scope: str, kids: Mapping, parent: tuple[str, Hashable]) -> dict:
        if levels is None:
            return hide_within(hidden, kids, k)
        child_levels = {c: levels[(scope, c)] for c in kids if (scope, c) in levels}
        known = {c: bounds[(scope, c)] for c in kids if (scope, c) in (bounds or {})}
        return hide_within(hidden, kids, k, child_levels, levels.get(parent), known, link)

    if region_hidden:
        sup.region_reason = PRIMARY
    sup.municipalities = within(region_hidden, "municipality", municipalities, ("region", ""))
    by_mun = _by_municipality(schools)
    for mun, kids in sorted(by_mun.items()):
        sup.schools.update(within(mun in sup.municipalities, "school", kids, ("municipality", mun)))
    by_school: dict[str, dict[tuple[str, str], int]] = {}
    for key, n in classes.items():
        by_school.setdefault(key[0], {})[key] = n
    for school, kids in sorted(by_school.items()):
        sup.classes.update(within(school in sup.schools, "class", kids, ("school", school)))
    return sup


# Why a group's results are hidden: a clause after «…не публикуются: » (REASON_TEXT) and the
# whole explanation of the page's «Почему нет процентов» box (REASON_WHY).
REASON_TEXT = {
    PRIMARY: "участников меньше {k}",
    SECONDARY: "иначе результаты соседней малой группы можно было бы вычислить из итогов",
    PARENT: "вместе с результатами группы, в которую она входит",
}
REASON_WHY = {
    PRIMARY: "Участников меньше {k}, а результаты таких малых групп не публикуются: по ним можно "
    "было бы узнать результаты отдельных учеников.",
    SECONDARY: "Участников не меньше {k}, но результаты скрыты дополнительно: рядом есть группа "
    "меньше {k} участников, и иначе её результаты можно было бы вычислить из итогов "
    "(например, муниципалитета) и результатов остальных групп.",
    PARENT: "Результаты скрыты вместе с группой, в которую входит эта.",
}


def reason_text(reason: str | None, k: int) -> str:
    return REASON_TEXT.get(reason or "", "").format(k=k)


def reason_why(reason: str | None, k: int) -> str:
    return REASON_WHY.get(reason or "", "").format(k=k)
