"""Canonical text of the output tables, formatted column by column.

`preformat` turns every cell into the exact text `scripts.common.csvio` would write for it
(same `fmt` half-up rounding, `''` for not applicable), but formats each distinct value of a
column once, so a country-sized table does not call the formatter millions of times. The rows
are then written with `csvio.text_rows_csv` (one `writerows`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.common.csvio import text_rows_csv, write_text_if_changed
from scripts.common.numfmt import fmt


def format_numbers(values: np.ndarray, digits: int | None) -> np.ndarray:
    out = np.full(len(values), "", dtype=object)
    ok = ~np.isnan(values)
    if not ok.any():
        return out
    uniq, inverse = np.unique(values[ok], return_inverse=True)
    if digits is None:
        if not np.all(np.mod(uniq, 1) == 0):
            raise ValueError("float without a declared number of decimals")
        texts = np.asarray([str(int(v)) for v in uniq], dtype=object)
    elif digits == 0:
        texts = np.asarray([fmt(float(v), digits) for v in uniq], dtype=object)
    else:
        texts = np.asarray(_half_up_texts(uniq, digits), dtype=object)
    out[ok] = texts[inverse]
    return out


def _half_up_texts(values: np.ndarray, digits: int) -> list[str]:
    """fmt(v, digits) for each value, fast: away from a tie (…5 at the first dropped decimal) the
    float's own formatting rounds the same way as fmt's half-up from the shortest repr, so only
    values near a tie, or too large for that test, go through fmt (a country has ≈ 1 M distinct
    percentages; fmt's Decimal costs ≈ 6 µs each)."""
    scaled = np.abs(values) * 10.0**digits
    exact = (np.abs(scaled % 1 - 0.5) < 1e-6) | (scaled >= 1e12)
    texts = [f"{v:.{digits}f}" for v in values.tolist()]
    for i in np.flatnonzero(exact).tolist():
        texts[i] = fmt(float(values[i]), digits)
    zero = "-0." + "0" * digits  # never -0.0 (as fmt)
    return [t[1:] if t == zero else t for t in texts]


def preformat(
    rows: pd.DataFrame, columns: list[str], decimals: dict[str, int]
) -> dict[str, np.ndarray]:
    """Column → object array of strings, one per cell, in `columns` order."""
    out = {}
    for col in columns:
        s = rows[col] if col in rows else pd.Series([None] * len(rows), dtype=object)
        if s.dtype.kind == "f" or (s.dtype.kind == "O" and decimals.get(col) is not None):
            vals = pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
            out[col] = format_numbers(vals, decimals.get(col))
        elif s.dtype.kind in "iu":
            if col in decimals:
                out[col] = format_numbers(s.to_numpy(dtype=float), decimals[col])
            else:
                out[col] = s.astype(np.int64).astype(str).to_numpy(dtype=object)
        elif s.dtype.kind == "b":
            out[col] = np.where(s.to_numpy(), "1", "0").astype(object)
        else:
            values = s.astype(object).to_numpy()
            out[col] = np.asarray(
                [
                    "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                    for v in values
                ],
                dtype=object,
            )
    return out


def write_table(path, rows: pd.DataFrame, columns: list[str], decimals: dict[str, int]) -> None:
    cols = preformat(rows, columns, decimals)
    write_text_if_changed(
        path, text_rows_csv(columns, zip(*(cols[c] for c in columns), strict=True))
    )
