"""The one reader interface for workbooks: sheets as rows of cells with Excel's own addresses.

`read_workbook(data, limits, wanted)` checks a file before parsing it (size, real type by magic
bytes, encryption, compressed size, rows and columns per sheet) and returns a `Workbook`
whose `Sheet`s know where their first cell stands, so that every value can be named as Excel
names it (`H14`). python-calamine reads .xlsx/.xlsm/.xls/.ods (fast); openpyxl is the fallback
for an Office Open XML file calamine cannot parse. Formula cells come as their cached values.

A VBA project is reported by `Workbook.macros` (the file is still read, never run, so that all
its problems are reported at once). Any problem becomes a `ReadError(code, message)` with a code of the validation catalogue and a
Russian message; nothing here raises anything else for a bad file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import python_calamine as pc

from scripts.ingest.errors import DEFAULT_LIMITS, ReadError, rows_cols
from scripts.ingest.preflight import Findings, check_archive, col_letter, inspect_zip

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# an .xls workbook stream's first record: BOF (0x0809, 16 bytes, BIFF8, workbook globals); a
# FILEPASS record (0x002F) next means the file has a password (calamine says only «Cannot detect
# file format» for it, which read as a damaged file)
BIFF8_WORKBOOK_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
# A zip expanding to more than this many times the size limit is treated as hostile.
UNZIPPED_FACTOR = 50


def col_index(letters: str) -> int:
    """A → 1, AA → 27 (0 for an empty string)."""
    value = 0
    for ch in letters:
        value = value * 26 + (ord(ch.upper()) - 64)
    return value


@dataclass
class Sheet:
    """One sheet: `rows[i][j]` is the cell at Excel row `first_row + i`, column `first_col + j`.

    Empty cells are `""`; other values are str, int, float, bool or date/time objects.
    """

    name: str
    first_row: int = 1
    first_col: int = 1
    rows: list[list] = field(default_factory=list)
    # what the pre-flight saw in the sheet's XML (xlsx only); Excel coordinates, 1-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    uncalculated: list[tuple[int, int]] = field(default_factory=list)  # formula, no value
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)
    hidden: bool = False  # the sheet itself is hidden

    def put(self, row: int, col: int, value) -> None:
        """Set a cell by Excel row and 1-based column, growing the grid when needed."""
        if not self.rows:
            self.first_row, self.first_col = row, col
            self.rows = [[value]]
            return
        if row < self.first_row:
            self.rows[:0] = [[] for _ in range(self.first_row - row)]
            self.first_row = row
        if col < self.first_col:
            pad = [""] * (self.first_col - col)
            self.rows = [pad + r for r in self.rows]
            self.first_col = col
        i, j = row - self.first_row, col - self.first_col
        while len(self.rows) <= i:
            self.rows.append([])
        cells = self.rows[i]
        if len(cells) <= j:
            cells.extend([""] * (j + 1 - len(cells)))
        cells[j] = value

    def address(self, row: int, col: int) -> str:
        """A1 reference from an Excel row number and a 1-based column number."""
        return f"{col_letter(col)}{row}"

    def iter_rows(self) -> Iterator[tuple[int, list]]:
        """(Excel row number, cells) for every row; `cells[j]` is in column `first_col + j`."""
        for i, cells in enumerate(self.rows):
            yield self.first_row + i, cells

    def value(self, row: int, col: int):
        """The cell at an Excel row number and 1-based column number ("" outside the data)."""
        i, j = row - self.first_row, col - self.first_col
        if 0 <= i < len(self.rows) and 0 <= j < len(self.rows[i]):
            return self.rows[i][j]
        return ""


@dataclass
class Workbook:
    kind: str  # xlsx | xls | ods
    sheet_names: list[str]
    sheets: dict[str, Sheet]
    reader: str = "calamine"
    macros: bool = False  # a VBA project is present (never run; the file is still read)
    external_links: bool = False  # links to other workbooks (never followed; still read)


MACROS_MESSAGE = (
    "Книга содержит макросы (проект VBA). Сохраните её без макросов "
    "в формате .xlsx («Файл → Сохранить как → Книга Excel») и пришлите заново"
)


EXTERNAL_LINKS_MESSAGE = (
    "Книга содержит связи с другими файлами (внешние ссылки); они не открываются и не "
    "обновляются, а значения из них могут быть чужими. Разорвите связи («Данные → Изменить "
    "связи → Разорвать связь» в Excel, «Правка → Связи» в LibreOffice), сохраните и пришлите "
    "файл заново"
)


def has_macros(data: bytes, kind: str) -> bool:
    """A VBA project: xl/vbaProject.bin in a zip, a _VBA_PROJECT_CUR storage in an OLE2 file."""
    if kind == "xls":
        return "_VBA_PROJECT_CUR".encode("utf-16-le") in data
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except Exception:
        return False
    return any(n.lower().endswith("vbaproject.bin") for n in names)


def _mib(limits: dict) -> float:
    return float(limits.get("max_file_mib", DEFAULT_LIMITS["max_file_mib"]))


def sniff(data: bytes, limits: dict) -> str:
    """The real type of a workbook's bytes (`xlsx`, `ods`, `xls`) or a ReadError."""
    return _sniff(data, limits)[0]


def _sniff(data: bytes, limits: dict) -> tuple[str, zipfile.ZipFile | None]:
    """`sniff`, plus the opened archive of a zip-based workbook (None for xls)."""
    max_bytes = _mib(limits) * 1024 * 1024
    if len(data) > max_bytes:
        raise ReadError(
            "file_too_large",
            f"Файл занимает {len(data) / 1024 / 1024:.1f} МиБ при допустимых {_mib(limits):g} МиБ. "
            "Удалите лишние листы, рисунки и форматирование и пришлите файл заново",
        )
    if not data:
        raise ReadError("file_unreadable", "Файл пуст (0 байт). Пришлите заполненный шаблон заново")
    if data.startswith(ZIP_MAGIC):
        return _sniff_zip(data, max_bytes, limits)
    if data.startswith(OLE2_MAGIC):
        bof = data.find(BIFF8_WORKBOOK_BOF)
        filepass = bof >= 0 and data[bof + 20 : bof + 22] == b"\x2f\x00"  # the record after BOF
        if filepass or "EncryptedPackage".encode("utf-16-le") in data:
            raise ReadError(
                "encrypted",
                "Файл защищён паролем (зашифрован), его невозможно прочитать. "
                "Снимите пароль на открытие и пришлите файл заново",
            )
        return "xls", None
    head = data[:512].lstrip().lower()
    what = "текстовый файл"
    if head.startswith((b"<html", b"<!doctype html")) or b"<table" in head:
        what = "веб-страница (HTML)"
    elif head.startswith(b"%pdf"):
        what = "документ PDF"
    elif head.startswith(b"<?xml"):
        what = "файл XML"
    elif b"\0" in head:
        what = "файл неизвестного формата"
    raise ReadError(
        "file_unsupported",
        f"Это не книга Excel или OpenDocument, а {what} с расширением таблицы. "
        "Откройте шаблон в Excel или LibreOffice Calc, сохраните как .xlsx и пришлите заново",
    )


def _sniff_zip(data: bytes, max_bytes: float, limits: dict) -> tuple[str, zipfile.ZipFile]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ReadError(
            "file_unreadable",
            "Файл повреждён (архив книги не читается, возможно, он не докачался). "
            "Сохраните книгу заново и пришлите ещё раз",
        ) from None
    names = {i.filename for i in infos}
    if any(i.flag_bits & 0x1 for i in infos):
        raise ReadError(
            "encrypted",
            "Части книги зашифрованы. Снимите пароль на открытие и пришлите файл заново",
        )
    if sum(i.file_size for i in infos) > max_bytes * UNZIPPED_FACTOR:
        raise ReadError(
            "file_too_large",
            "Книга после распаковки слишком велика (возможно, это повреждённый или вредоносный "
            "файл). Скопируйте данные в чистый шаблон и пришлите его",
        )
    check_archive(infos, limits)
    if "xl/workbook.xml" in names or any(n.lower() == "xl/workbook.xml" for n in names):
        return "xlsx", zf
    if "mimetype" in names:
        try:
            mime = zf.read("mimetype").strip()
            manifest = zf.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        except Exception:
            mime, manifest = b"", b""
        if b"encryption-data" in manifest:
            raise ReadError(
                "encrypted",
                "Файл защищён паролем, его невозможно прочитать. "
                "Снимите пароль и пришлите файл заново",
            )
        if mime == ODS_MIME:
            return "ods", zf
    what = "документ Word" if "word/document.xml" in names else "архив другого формата"
    raise ReadError(
        "file_unsupported",
        f"Это не книга Excel или OpenDocument, а {what}. "
        "Внесите результаты в шаблон, сохраните как .xlsx и пришлите заново",
    )


def _check_size(
    name: str, height: int, width: int, limits: dict, last: tuple[int, int] | None = None
) -> None:
    """The sheet's data (`height` rows × `width` columns; `last`: (row, column) of its last row
    and column, when known) within the limits, else the file is rejected (SPEC §4). The reference
    is the row or the column that goes too far — not their corner, which may be empty (an audit
    was sent to GW58 for a stray «x» in GW10)."""
    max_rows = int(limits.get("max_rows", DEFAULT_LIMITS["max_rows"]))
    max_cols = int(limits.get("max_columns", DEFAULT_LIMITS["max_columns"]))
    if height > max_rows or width > max_cols:
        where = ""
        cell = ""
        if last is not None:
            row, col = last
            parts = ([f"последняя заполненная строка — {row}"] if height > max_rows else []) + (
                [f"последний заполненный столбец — {col_letter(col)}"] if width > max_cols else []
            )
            where = " (" + ", ".join(parts) + ")"
            cell = str(row) if height > max_rows else col_letter(col)
        raise ReadError(
            "sheet_too_large",
            f"данные листа занимают {rows_cols(height, width)}{where} при допустимых "
            f"{max_rows} строках и {max_cols} столбцах. Удалите лишнее (в том числе "
            "заполненные далеко внизу или справа ячейки) и пришлите файл заново",
            sheet=name,
            cell=cell,
        )


def _check_seen(name: str, seen, limits: dict) -> None:
    """_check_size on the extent the pre-flight saw."""
    _check_size(name, seen.last_row - seen.first_row + 1, seen.last_col - seen.first_col + 1,
                limits, (seen.last_row, seen.last_col))  # fmt: skip


def _unreadable(exc: Exception) -> ReadError:
    if isinstance(exc, pc.PasswordError):
        return ReadError(
            "encrypted",
            "Файл защищён паролем, его невозможно прочитать. Снимите пароль и пришлите файл заново",
        )
    return ReadError(
        "file_unreadable",
        "Файл повреждён и не читается. Откройте его в Excel или LibreOffice Calc, "
        "сохраните заново как .xlsx и пришлите ещё раз",
    )


def _read_calamine(
    data: bytes, kind: str, limits: dict, wanted: Callable[[str], bool], findings: Findings
):
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own errors and sometimes ValueError
        raise _unreadable(exc) from None
    try:
        names = list(wb.sheet_names)
        sheets = {}
        for name in names:
            if not wanted(name):
                continue
            seen = findings.sheets.get(name)
            if seen is not None and seen.cells:  # the real extent, before anything is allocated
                _check_seen(name, seen, limits)
            try:
                sh = wb.get_sheet_by_name(name)
            except Exception as exc:
                raise _unreadable(exc) from None
            _check_size(name, sh.height, sh.width, limits)
            rows = sh.to_python(skip_empty_area=True)
            start = sh.start or (0, 0)
            sheet = Sheet(name, start[0] + 1, start[1] + 1, rows)
            try:
                merged = sh.merged_cell_ranges or []
            except Exception:  # not every format keeps merges
                merged = []
            sheet.merged = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in merged]
            sheets[name] = sheet
        return Workbook(kind, names, sheets, "calamine")
    finally:
        wb.close()


def _read_openpyxl(
    data: bytes, kind: str, limits: dict, wanted: Callable[[str], bool], findings=None
):
    import openpyxl  # fallback only

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise _unreadable(exc) from None
    try:
        names = list(wb.sheetnames)
        sheets = {}
        for name in names:
            if not wanted(name):
                continue
            ws = wb[name]
            if not hasattr(ws, "reset_dimensions"):  # a chart sheet: no cells
                continue
            ws.reset_dimensions()  # never trust <dimension> (A1:XFD1048576 with three rows)
            grid: dict[int, dict[int, object]] = {}
            try:  # a damaged sheet (cut XML, text in a number cell) fails only here, row by row
                for row in ws.iter_rows():
                    for c in row:
                        v = getattr(c, "value", None)
                        if v is None or v == "":
                            continue
                        grid.setdefault(c.row, {})[c.column] = v
            except (MemoryError, ReadError):
                raise
            except Exception as exc:
                raise _unreadable(exc) from None
            if not grid:
                sheets[name] = Sheet(name, 1, 1, [])
                continue
            r0, r1 = min(grid), max(grid)
            c0 = min(min(r) for r in grid.values())
            c1 = max(max(r) for r in grid.values())
            _check_size(name, r1 - r0 + 1, c1 - c0 + 1, limits, (r1, c1))
            # each row as long as its own last filled cell (an empty row is []): a stray value far
            # below or right costs that one row, not a grid of rows × columns
            rows = []
            for r in range(r0, r1 + 1):
                cells = grid.get(r)
                rows.append([cells.get(c, "") for c in range(c0, max(cells) + 1)] if cells else [])
            sheets[name] = Sheet(name, r0, c0, rows)
            seen = findings.sheets.get(name) if findings is not None else None
            if seen is not None:  # read-only openpyxl has no merges: the pre-flight's
                sheets[name].merged = list(seen.merged)
        return Workbook(kind, names, sheets, "openpyxl")
    finally:
        wb.close()


def read_workbook(
    data: bytes, limits: dict | None = None, wanted: Callable[[str], bool] | None = None
) -> Workbook:
    """Parse a workbook's bytes; `wanted(sheet_name)` selects the sheets to load (default all)."""
    limits = limits or DEFAULT_LIMITS
    wanted = wanted or (lambda _name: True)
    kind, zf = _sniff(data, limits)
    findings = Findings()
    zip_macros = False
    if zf is not None:
        # the same archive as sniff opened (no second parse of the central directory)
        zip_macros = any(n.lower().endswith("vbaproject.bin") for n in zf.namelist())
        try:
            findings = inspect_zip(zf, kind, limits, wanted)
        except ReadError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
            raise _unreadable(exc) from None
    for name, seen in findings.other_sheets.items():  # a sheet that is not read: its size only
        if seen.cells:
            _check_seen(name, seen, limits)
    sparse = any(seen.sparse for seen in findings.sheets.values())
    try:
        if sparse:  # data spread over a grid too large for calamine's dense one (preflight)
            for name, seen in findings.sheets.items():
                if seen.cells:
                    _check_seen(name, seen, limits)
            workbook = _read_openpyxl(data, kind, limits, wanted, findings)
        else:
            workbook = _read_calamine(data, kind, limits, wanted, findings)
    except ReadError as err:
        if kind != "xlsx" or err.code != "file_unreadable" or sparse:
            raise
        workbook = _read_openpyxl(data, kind, limits, wanted, findings)
    if zf is None:
        workbook.macros = has_macros(data, kind) or findings.macros
    else:  # has_macros(data, kind) without opening the archive again
        workbook.macros = zip_macros or findings.macros
    workbook.external_links = findings.external_links
    _apply_findings(workbook, findings)
    return workbook


def _apply_findings(workbook: Workbook, findings: Findings) -> None:
    """Error values (calamine returns them as empty cells) back into the grid; the rest noted."""
    for name, sheet in workbook.sheets.items():
        seen = findings.sheets.get(name)
        if seen is None:
            continue
        for (row, col), text in sorted(seen.errors.items()):
            sheet.put(row, col, text)
        sheet.uncalculated = sorted(seen.uncalculated)
        sheet.hidden_rows = sorted(set(seen.hidden_rows))
        sheet.hidden_cols = sorted(set(seen.hidden_cols))
        sheet.hidden = seen.hidden_sheet
