"""Writing and reading the canonical CSVs of results/ (UTF-8, `,`, LF, header row)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from scripts.common.numfmt import fmt


def _cell(value, digits: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if digits is None:
            if value.is_integer():
                return str(int(value))
            raise ValueError("float without a declared number of decimals")
        return fmt(value, digits)
    if hasattr(value, "item"):  # numpy scalar
        return _cell(value.item(), digits)
    if digits is not None and isinstance(value, int):
        return fmt(float(value), digits)
    # csv does not quote a bare CR; a spreadsheet would end the row there. Line ends become LF.
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


_PLAIN = {str, int, type(None)}  # csv writes these as _cell would (None as "")
_PLAIN_OR_BOOL = _PLAIN | {bool}
_BOOLS = {True: "1", False: "0"}  # 1 and 0 map to the same text: str(1) == "1"


def to_csv_text(rows, columns: list[str], decimals: dict[str, int] | None = None) -> str:
    """Rows (dicts or a DataFrame) as canonical CSV text; `decimals` names the decimals per column."""
    decimals = decimals or {}
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    rows = rows if isinstance(rows, list) else list(rows)
    text = _csv_text(rows, columns, decimals, fix_cr=False)
    # csv writes "\n" line ends only, so a "\r" comes from a cell: rare, then cell by cell
    return _csv_text(rows, columns, decimals, fix_cr=True) if "\r" in text else text


def _writer(columns: list[str]):
    """The canonical dialect (`,`, LF, minimal quoting) with the header written: (buffer, writer)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    return buf, writer


def _csv_text(rows: list, columns: list[str], decimals: dict, fix_cr: bool) -> str:
    buf, writer = _writer(columns)
    digits = [decimals.get(c) for c in columns]
    declared = [i for i, d in enumerate(digits) if d is not None]
    for row in rows:
        values = list(map(row.get, columns))
        for i in declared:
            values[i] = _cell(values[i], digits[i])
        # a country's students.csv is 35 million cells: text, whole numbers and None go to csv
        # as they are; only rows with other values (bool, float, numpy) go through _cell
        types = set(map(type, values))
        if fix_cr or not types <= _PLAIN_OR_BOOL:
            values = [_cell(v, None) if v.__class__ is not str or fix_cr else v for v in values]
        elif bool in types:
            values = list(map(_BOOLS.get, values, values))  # a flag column (students' `absent`)
        writer.writerow(values)
    return buf.getvalue()


def text_rows_csv(columns: list[str], rows) -> str:
    """Rows of cells already formatted as text (scripts/analyse/output.py) as canonical CSV text:
    csv writes them in one call; a cell with a "\r" (rare) gets LF line ends as in _cell."""
    rows = rows if isinstance(rows, list) else list(rows)
    buf, writer = _writer(columns)
    writer.writerows(rows)
    text = buf.getvalue()
    if "\r" in text:
        return text_rows_csv(columns, [[_cell(v, None) for v in row] for row in rows])
    return text


def write_csv(path, rows, columns: list[str], decimals: dict[str, int] | None = None) -> None:
    """Write only if the bytes differ, so an unchanged result keeps its modification time."""
    write_text_if_changed(path, to_csv_text(rows, columns, decimals))


def write_text_if_changed(path, text: str) -> None:
    path = Path(path)
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def read_csv(path) -> list[dict[str, str]]:
    """Every field as text (codes keep their leading zeros); empty fields are ''. The rows are
    those of `csv.DictReader` (blank lines skipped; a short row's missing fields None, a long
    row's extra fields a list under None), built from `csv.reader` — twice as fast."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            return []
        width, rows = len(header), []
        for cells in reader:
            if not cells:
                continue
            row = dict(zip(header, cells, strict=False))  # unequal lengths: below
            if len(cells) != width:
                if len(cells) > width:
                    row[None] = cells[width:]
                else:
                    row.update(dict.fromkeys(header[len(cells) :]))
            rows.append(row)
        return rows
