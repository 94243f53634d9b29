"""Exact comparisons of ratios of counts against thresholds (SPEC §5.1: unrounded values).

Every figure a rule looks at is a ratio of whole numbers (points, students). Floating-point
arithmetic can put a value that is exactly on a threshold a hair below it (0.57 * 100 is
56.99999999999999), so rules cross-multiply integers instead: `100·k/n >= T` becomes
`100·k·T_den >= T_num·n`, with the threshold read as the exact decimal fraction it was written
as (28.5 → 57/2). Arithmetic is in int64 when the magnitudes allow it, else in Python integers.
"""

from __future__ import annotations

import operator
from fractions import Fraction

import numpy as np

OPS = {">=": operator.ge, ">": operator.gt, "<": operator.lt, "<=": operator.le}
_SAFE = 2**62


def frac(threshold) -> tuple[int, int]:
    """A threshold as (numerator, denominator) of the decimal it was written as."""
    f = Fraction(threshold) if isinstance(threshold, int) else Fraction(repr(float(threshold)))
    return f.numerator, f.denominator


def _ints(*arrays):
    """The arrays as int64 (`_compare` switches to Python integers if products could overflow)."""
    return [np.asarray(a, dtype=np.int64) for a in arrays]


def _compare(left_terms, right_terms, op: str) -> np.ndarray:
    """Evaluate op(Σ products left, Σ products right); each term is a list of factors."""

    def bound(terms):
        total = 0.0
        for factors in terms:
            prod = 1.0
            for f in factors:
                prod *= float(np.max(np.abs(f))) if np.size(f) else 0.0
            total += prod
        return total

    obj = bound(left_terms) >= _SAFE or bound(right_terms) >= _SAFE

    def value(terms):
        acc = 0
        for factors in terms:
            prod = 1
            for f in factors:
                f = np.asarray(f, dtype=np.int64)
                prod = prod * (f.astype(object) if obj else f)
            acc = acc + prod
        return acc

    return np.asarray(OPS[op](value(left_terms), value(right_terms)), dtype=bool)


def pct_cmp(num, den, op: str, threshold) -> np.ndarray:
    """100·num/den  op  threshold; False where den == 0."""
    num, den = _ints(num, den)
    tn, td = frac(threshold)
    res = _compare([[num, 100 * td]], [[den, tn]], op)
    return res & (den > 0)


def count_cmp(value, op: str, threshold) -> np.ndarray:
    """value  op  threshold for whole-number values."""
    (value,) = _ints(value)
    tn, td = frac(threshold)
    return _compare([[value, td]], [[np.full_like(value, tn)]], op)


def pct_diff_cmp(a, b, c, d, op: str, threshold) -> np.ndarray:
    """(100·a/b − 100·c/d)  op  threshold, in percentage points; False where b or d is 0."""
    a, b, c, d = _ints(a, b, c, d)
    tn, td = frac(threshold)
    # 100·a·d·td − 100·c·b·td  op  tn·b·d  ⇔  100·a·d·td  op  tn·b·d + 100·c·b·td
    res = _compare([[a, d, 100 * td]], [[b, d, tn], [c, b, 100 * td]], op)
    return res & (b > 0) & (d > 0)


def ratio_cmp(a, b, c, d, op: str) -> np.ndarray:
    """a/b  op  c/d (b, d > 0 where it matters); False where b or d is 0."""
    a, b, c, d = _ints(a, b, c, d)
    res = _compare([[a, d]], [[c, b]], op)
    return res & (b > 0) & (d > 0)


def ratio_times_cmp(a, b, c, d, op: str, factor) -> np.ndarray:
    """a/b  op  factor·c/d; False where b or d is 0."""
    a, b, c, d = _ints(a, b, c, d)
    fn, fd = frac(factor)
    res = _compare([[a, d, fd]], [[c, b, fn]], op)
    return res & (b > 0) & (d > 0)
