"""Canonical number formatting for results/: half-up rounding from the unrounded value, never -0.0."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

# Decimals per kind of value (SPEC §6).
PCT = 1
MEAN = 2
MEDIAN = 1
STAT = 3


def round_half_up(value: float, digits: int) -> float:
    """Round like a person does (2.25 → 2.3), using the shortest repr so 0.1+0.2 noise does not leak."""
    d = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(d)


def fmt(value, digits: int) -> str:
    """A number as text with exactly `digits` decimals; empty for None/NaN."""
    if value is None:
        return ""
    try:
        if isinstance(value, float) and math.isnan(value):
            return ""
    except TypeError:
        pass
    if digits == 0:
        return str(int(value))
    text = f"{round_half_up(value, digits):.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text
