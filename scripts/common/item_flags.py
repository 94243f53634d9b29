"""The flags of the item analysis (items.csv `flag`): their bounds, used by scripts/analyse/items.py,
and their Russian names and rules, shown on the tasks and methodology pages. A module of its own
so that the pages need not import numpy and pandas for four constants."""

from __future__ import annotations

BOUNDS = {"too_hard": 0.10, "too_easy": 0.95, "low_discrimination": 0.20}

NAMES = {
    "too_hard": "слишком трудное",
    "too_easy": "слишком лёгкое",
    "low_discrimination": "слабо различает участников",
    "no_variance": "все участники набрали одинаковый балл",
}


def rules() -> dict[str, str]:
    """flag → its rule in words, with the bounds in force (decimal comma)."""

    def n(x: float) -> str:
        return f"{x:g}".replace(".", ",")

    return {
        "too_hard": f": решаемость меньше {n(BOUNDS['too_hard'])}",
        "too_easy": f": решаемость больше {n(BOUNDS['too_easy'])}",
        "low_discrimination": f": различающая способность меньше {n(BOUNDS['low_discrimination'])}",
        "no_variance": ": решаемость и различающая способность не вычисляются",
    }
