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


def ru_date(value) -> str:
    """An ISO date as readers write dates (pages, the plan's deadlines, the workbooks):
    2021-04-29 → 29.04.2021; anything else as it is."""
    text = str(value)
    if len(text) == 10 and text[4] == text[7] == "-" and text.replace("-", "").isdigit():
        return f"{text[8:10]}.{text[5:7]}.{text[0:4]}"
    return text


def plural(n: int, one: str, few: str, many: str) -> str:
    """1 строка, 3 строки, 5 строк (and 11, 12… строк)."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
