"""Writing the demo's workbooks: byte-stable .xlsx with openpyxl, .xls/.ods through LibreOffice.

A `Book` is the abstract content of one school's workbook (the «Титул» label/value rows, the
title rows above the results table, its header and data rows). `xlsx_bytes` turns it into an
.xlsx whose bytes depend only on the content: the document properties carry a fixed date, and
the zip is rebuilt with sorted entries and a fixed timestamp (openpyxl stamps both with the
current time). LibreOffice conversions are not byte-stable (they carry the conversion time);
that is acceptable because the generated files are committed.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

FIXED_DATE = dt.datetime(2021, 4, 30)
ZIP_DATE = (2021, 4, 30, 0, 0, 0)
BOLD = Font(bold=True)


@dataclass
class Book:
    title_rows: list[tuple[Any, Any]]
    pre_rows: list[list[Any]]
    header: list[Any]
    rows: list[list[Any]]
    title_sheet: str | None = "Титул"
    results_sheet: str = "Результаты"
    extra_sheets: dict[str, list[list[Any]]] = field(default_factory=dict)

    @property
    def header_row(self) -> int:
        return len(self.pre_rows) + 1

    def col(self, header: Any, occurrence: int = 0) -> int:
        """0-based index of the column with this header text."""
        hits = [i for i, h in enumerate(self.header) if str(h) == str(header)]
        return hits[occurrence]

    def cell(self, row_idx: int, col_idx: int) -> str:
        """A1 reference of data row `row_idx` (0-based), column `col_idx` (0-based)."""
        return f"{get_column_letter(col_idx + 1)}{self.header_row + 1 + row_idx}"

    def header_cell(self, col_idx: int) -> str:
        return f"{get_column_letter(col_idx + 1)}{self.header_row}"

    def title_index(self, label: str) -> int:
        """0-based index of the «Титул» row with this label (case, spaces, colon ignored)."""
        for i, (lab, _value) in enumerate(self.title_rows):
            if str(lab).strip().rstrip(":").strip().lower() == label.lower():
                return i
        raise KeyError(label)

    def set_title(self, label: str, value: Any) -> None:
        i = self.title_index(label)
        self.title_rows[i] = (self.title_rows[i][0], value)

    def title_cell(self, label: str) -> str:
        return f"B{self.title_index(label) + 1}"

    def insert_column(self, at: int, header: Any, values: list[Any]) -> None:
        self.header.insert(at, header)
        for row, value in zip(self.rows, values, strict=True):
            row.insert(at, value)

    def drop_column(self, at: int) -> None:
        del self.header[at]
        for row in self.rows:
            del row[at]


def build_workbook(book: Book) -> Workbook:
    wb = Workbook()
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    wb.properties.creator = "ЦОКО"
    wb.properties.lastModifiedBy = "ОО"
    first = wb.active
    sheets = []
    if book.title_sheet is not None:
        sheets.append(("title", book.title_sheet))
    sheets.append(("results", book.results_sheet))
    sheets.extend(("extra", name) for name in book.extra_sheets)
    for i, (what, name) in enumerate(sheets):
        ws = first if i == 0 else wb.create_sheet()
        ws.title = name
        if what == "title":
            for r in book.title_rows:
                ws.append(list(r))
            ws.column_dimensions["A"].width = 22
            ws.column_dimensions["B"].width = 48
        elif what == "results":
            for r in book.pre_rows:
                ws.append(r if r else [None])
            ws.append(book.header)
            for c in range(1, len(book.header) + 1):
                ws.cell(row=book.header_row, column=c).font = BOLD
            for r in book.rows:
                ws.append(r)
            ws.column_dimensions["B"].width = 14
            ws.freeze_panes = f"A{book.header_row + 1}"
        else:
            for r in book.extra_sheets[name]:
                ws.append(r)
            ws.column_dimensions["A"].width = 90
    return wb


def normalise_zip(data: bytes, *, extra: dict[str, bytes] | None = None, patch=None) -> bytes:
    """Rebuild a zip with sorted entries, fixed timestamps and optional added/patched entries."""
    src = zipfile.ZipFile(io.BytesIO(data))
    entries = {info.filename: src.read(info.filename) for info in src.infolist()}
    entries.update(extra or {})
    if patch:
        entries = patch(entries)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            dst.writestr(info, entries[name])
    return out.getvalue()


def xlsx_bytes(book: Book) -> bytes:
    wb = build_workbook(book)
    buf = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook() would stamp `modified` with now().
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return normalise_zip(buf.getvalue())


XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_REL = (
    '<Relationship Id="rIdVba1" '
    'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
    'Target="vbaProject.bin"/>'
)


def as_xlsm(xlsx: bytes, *, with_macros: bool, vba: bytes = b"") -> bytes:
    """An .xlsm made from an .xlsx: macro-enabled content type, optionally a vbaProject.bin."""

    def patch(entries: dict[str, bytes]) -> dict[str, bytes]:
        ct = entries["[Content_Types].xml"].decode("utf-8").replace(XLSX_MAIN, XLSM_MAIN)
        if with_macros:
            ct = ct.replace(
                '<Default Extension="xml"',
                '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                '<Default Extension="xml"',
                1,
            )
            rels = entries["xl/_rels/workbook.xml.rels"].decode("utf-8")
            entries["xl/_rels/workbook.xml.rels"] = rels.replace(
                "</Relationships>", VBA_REL + "</Relationships>"
            ).encode("utf-8")
            entries["xl/vbaProject.bin"] = vba
        entries["[Content_Types].xml"] = ct.encode("utf-8")
        return entries

    return normalise_zip(xlsx, patch=patch)


# --------------------------------------------------------------------------- LibreOffice

LO_FILTERS = {"xls": "xls:MS Excel 97", "ods": "ods:calc8", "xlsx": "xlsx:Calc MS Excel 2007 XML"}


def soffice_available() -> bool:
    return shutil.which("soffice") is not None


class Conversion:
    """LibreOffice conversions of openpyxl-written .xlsx sources, running in the background.

    jobs: (source xlsx bytes, target format xls|ods|xlsx, destination path). One soffice process
    per target format, each with its own user profile (-env:UserInstallation), in parallel.
    """

    def __init__(self, jobs: list[tuple[bytes, str, Path]], tag: str):
        self.jobs = jobs
        self.tmp = tempfile.TemporaryDirectory(prefix=f"demo_lo_{tag}_")
        self.procs: list[tuple[str, list[tuple[str, Path]], Path, subprocess.Popen]] = []
        tmp = Path(self.tmp.name)
        by_fmt: dict[str, list[tuple[str, Path]]] = {}
        for n, (data, fmt, dest) in enumerate(jobs):
            src_dir = tmp / f"src_{fmt}"
            src_dir.mkdir(exist_ok=True)
            src = src_dir / f"f{n:03d}.xlsx"
            src.write_bytes(data)
            by_fmt.setdefault(fmt, []).append((src.name, dest))
        for fmt, items in sorted(by_fmt.items()):
            out_dir = tmp / f"out_{fmt}"
            out_dir.mkdir()
            profile = (tmp / f"profile_{fmt}").as_uri()
            cmd = [
                "soffice",
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                LO_FILTERS[fmt],
                "--outdir",
                str(out_dir),
                *[str(tmp / f"src_{fmt}" / name) for name, _ in items],
            ]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.procs.append((fmt, items, out_dir, proc))

    def wait(self) -> None:
        try:
            for fmt, items, out_dir, proc in self.procs:
                _out, err = proc.communicate(timeout=600)
                for name, dest in items:
                    produced = out_dir / (Path(name).stem + "." + fmt)
                    if not produced.exists():
                        raise RuntimeError(
                            f"LibreOffice did not convert {name} to {fmt}: "
                            f"{err.decode(errors='replace')}"
                        )
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(produced, dest)
        finally:
            for _fmt, _items, _dir, proc in self.procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            self.tmp.cleanup()


def convert_batch(jobs: list[tuple[bytes, str, Path]], tag: str) -> None:
    """Convert and wait (see `Conversion`)."""
    if jobs:
        Conversion(jobs, tag).wait()
