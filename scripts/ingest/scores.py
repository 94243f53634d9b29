"""Per-student scores (SPEC §5): total, basic/advanced points, level and mark. Pure functions."""

from __future__ import annotations

BELOW_BASIC, BASIC, ABOVE_BASIC = "below_basic", "basic", "above_basic"


def level_of(basic_points: int, advanced_points: int, levels: dict) -> str:
    if basic_points < levels["basic_min"]:
        return BELOW_BASIC
    if advanced_points >= levels["above_basic_min"]:
        return ABOVE_BASIC
    return BASIC


def mark_of(total: int, marks: dict | None) -> int | None:
    """The highest mark whose lowest total is reached, else 2; None without `marks`."""
    if not marks:
        return None
    best = 2
    for mark in ("3", "4", "5"):
        low = marks.get(mark)
        if low is not None and total >= low:
            best = int(mark)
    return best


def score(points: list[int], definition: dict) -> dict:
    """`points` aligned with definition['tasks']; returns total, basic/advanced points, level, mark."""
    basic = advanced = 0
    for value, task in zip(points, definition["tasks"], strict=True):
        if task["level"] == "basic":
            basic += value
        else:
            advanced += value
    total = basic + advanced
    return {
        "total": total,
        "basic_points": basic,
        "advanced_points": advanced,
        "level": level_of(basic, advanced, definition["levels"]),
        "mark": mark_of(total, definition.get("marks")),
    }
