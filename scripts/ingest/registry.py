"""The registry of schools (SPEC §3.2): raw/<id>/registry.csv or registry.xlsx.

CSV in UTF-8 (with or without BOM) or Windows-1251, separator `,` or `;` (detected from the
header line: the first non-blank one). XLSX: the first sheet; a code typed as a number in a column
formatted with leading zeros (`000000`) is read as shown (010001). The header row is the first
row naming «Код ОО» (title rows may stand above it). Headers matched ignoring case, spaces and a trailing colon.
School codes stay text (leading zeros kept). A bad registry stops the run: `StageError` with one
Russian line naming the file and the row.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from scripts.common.entry import StageError
from scripts.ingest.read import ReadError, read_workbook
from scripts.ingest.template_v1 import clean_text, is_empty, norm_label, number_text, parse_whole

HEADERS = {
    "код мо": "municipality_code",
    "муниципалитет": "municipality",
    "код оо": "school_code",
    "наименование оо": "school_name",
    "тип местности": "settlement",
}
HEADER_TEXT = {
    "municipality_code": "Код МО",
    "municipality": "Муниципалитет",
    "school_code": "Код ОО",
    "school_name": "Наименование ОО",
}
HEADER_SEARCH = 20  # title rows above the header: at most this many non-empty rows
EXPECTED_PREFIX = "обучающихся"  # «Обучающихся 4 классов» (any grade)
REQUIRED = ("municipality_code", "municipality", "school_code", "school_name")
SETTLEMENTS = {"город", "село"}
COLUMNS = [
    "municipality_code",
    "municipality",
    "school_code",
    "school_name",
    "settlement",
    "expected_students",
]


def decode(data: bytes, name: str = "реестр") -> str:
    """UTF-8 (BOM or not), else Windows-1251; neither (a line in the other encoding appended:
    the bytes of UTF-8 «И» are not Windows-1251) → one line naming the first line that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8:
        try:
            # a UTF-8 BOM before Windows-1251 text (an editor's «save with BOM» of a 1251 file):
            # the BOM is not part of the first header
            return data.removeprefix(b"\xef\xbb\xbf").decode("cp1251")
        except UnicodeDecodeError:
            line = data[: utf8.start].count(b"\n") + 1
            raise StageError(
                f"{name}, строка {line}: текст не в кодировке UTF-8, а весь файл — и не в "
                "Windows-1251 (в файле смешаны кодировки?). Сохраните реестр заново в одной "
                "кодировке, лучше UTF-8"
            ) from None


def csv_rows(data: bytes, name: str = "реестр") -> list[list[str]]:
    text = decode(data, name)
    # the separator from the header line: the one naming «Код ОО», else the first non-blank one
    lines = [line for line in text.split("\n") if line.strip()][:HEADER_SEARCH]
    first = next((x for x in lines if "код оо" in norm_label(x)), lines[0] if lines else "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # strict: a quote never closed (its cell would run on over the next schools' lines, and they
    # would be lost) ends at a later quote not followed by a separator, or at the end: an error.
    # A quoted name with a line break of its own (Alt+Enter) is fine.
    rows, start = [], 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error:
        raise StageError(
            f'{name}, строка {start}: кавычка «"» не закрыта или стоит не на месте, и следующие '
            "строки читались бы как часть этой (школы пропали бы). Закройте кавычку или уберите её"
        ) from None
    return rows


def xlsx_rows(data: bytes, name: str) -> tuple[list[list], dict[tuple[int, int], int]]:
    """The first sheet's cells as text (rows from Excel row 1) and where a whole number stood:
    (row index, column index) → its value, for the codes' display format (`_zero_padded`)."""
    try:
        wb = read_workbook(data, wanted=lambda _n: True)
    except ReadError as err:
        raise StageError(f"{name}: {err.message}") from None
    if not wb.sheet_names:
        raise StageError(f"{name}: в книге нет листов")
    sheet = wb.sheets[wb.sheet_names[0]]
    # keep Excel row numbers for messages: pad with empty rows above the data
    rows: list[list] = [[] for _ in range(sheet.first_row - 1)]
    numbers: dict[tuple[int, int], int] = {}
    for _row, cells in sheet.iter_rows():
        line = [""] * (sheet.first_col - 1)
        for c in cells:
            if isinstance(c, int | float) and not isinstance(c, bool):
                if isinstance(c, int) or c.is_integer():
                    numbers[(len(rows), len(line))] = int(c)
                line.append(number_text(c))
            else:
                line.append(clean_text(c))
        rows.append(line)
    return rows, numbers


def _zero_padded(data: bytes, numbers: dict[tuple[int, int], int], columns: set[int]) -> dict:
    """Codes typed as numbers in a column formatted to show leading zeros (`000000`: Excel shows
    10001 as 010001) → the text the analyst sees. SPEC §3.2: codes keep their leading zeros."""
    wanted = {pos: v for pos, v in numbers.items() if pos[1] in columns}
    if not wanted:
        return {}
    import openpyxl  # only for a registry with numeric codes: calamine reads no number formats

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # calamine read it: the codes stay as the numbers they are
        return {}
    try:
        ws = wb.worksheets[0]
        last_row = max(i for i, _ in wanted) + 1
        out = {}
        for cells in ws.iter_rows(min_row=1, max_row=last_row):
            for cell in cells:
                if not hasattr(cell, "row"):  # an empty cell of read-only mode
                    continue
                pos = (cell.row - 1, cell.column - 1)
                fmt = str(getattr(cell, "number_format", "") or "")
                if pos in wanted and fmt.strip("0") == "" and fmt:
                    out[pos] = str(wanted[pos]).zfill(len(fmt))
        return out
    finally:
        wb.close()


def _restore_zeros(rows: list[list], header_at: int, cells: set[tuple[int, int]], name: str,
                   what: dict[int, str]) -> None:  # fmt: skip
    """Codes typed as numbers in a General-format column lose their leading zeros (010001 →
    10001). Where the same column also has codes typed as text with a leading zero, that is the
    codes' length: a shorter number is padded to it (SPEC §3.2 keeps the zeros), with a warning
    line. Where every code is a number, nothing says what the zeros were (codes 1 … 27 may be just
    that): they stay, a workbook's 010001 still matches 10001 (template_v1.resolve_code)."""
    for j, kind in what.items():
        column = [i for i in range(header_at + 1, len(rows)) if j < len(rows[i]) and rows[i][j]]
        zeros = [len(rows[i][j]) for i in column if (i, j) not in cells and rows[i][j][:1] == "0"
                 and rows[i][j].isdigit()]  # fmt: skip
        if not zeros:
            continue
        width = max(zeros)
        short = [i for i in column if (i, j) in cells and len(rows[i][j]) < width]
        for i in short:
            rows[i][j] = rows[i][j].zfill(width)
        if short:
            logging.getLogger("stage").warning(
                "%s: коды %s записаны числами, без ведущих нулей (строк: %d, первая — %d); "
                "дополнены нулями до %d знаков, как коды, вписанные текстом. Лучше задать столбцу "
                "текстовый формат и вписать коды с нулями", name, kind, len(short), short[0] + 1, width)  # fmt: skip


def parse_registry(data: bytes, name: str) -> list[dict]:
    """Registry rows (dicts with COLUMNS) in file order; `name` is used in error messages."""
    numbers: dict[tuple[int, int], int] = {}
    if name.lower().endswith(".xlsx"):
        rows, numbers = xlsx_rows(data, name)
    else:
        rows = csv_rows(data, name)
    filled = [i for i, r in enumerate(rows) if any(not is_empty(c) for c in r)]
    # the header: the first row naming «Код ОО» (title rows may stand above it, as in a report),
    # else the first non-empty row (whose missing columns the error then lists)
    header_at = next(
        (i for i in filled[:HEADER_SEARCH] if any(norm_label(c) == "код оо" for c in rows[i])),
        filled[0] if filled else None,
    )
    if header_at is None:
        raise StageError(f"{name}: реестр пуст")
    roles: dict[str, int] = {}
    for j, cell in enumerate(rows[header_at]):
        key = norm_label(cell)
        role = HEADERS.get(key)
        if role is None and key.startswith(EXPECTED_PREFIX):
            role = "expected_students"
        if role in roles and role in REQUIRED:  # which of the two is the school's? say so
            raise StageError(
                f"{name}: столбец «{HEADER_TEXT[role]}» повторяется в строке заголовков "
                f"(строка {header_at + 1}); оставьте один"
            )
        if role and role not in roles:
            roles[role] = j
    missing = [HEADER_TEXT[r] for r in REQUIRED if r not in roles]
    if missing:
        raise StageError(
            f"{name}: нет столбца {', '.join('«' + m + '»' for m in missing)} в строке заголовков"
        )
    code_columns = {roles["school_code"], roles["municipality_code"]}
    formatted = _zero_padded(data, numbers, code_columns)
    for (i, j), text in formatted.items():
        rows[i][j] = text
    _restore_zeros(rows, header_at, {pos for pos in numbers if pos[1] in code_columns} - set(formatted),
                   name, {roles["school_code"]: "ОО", roles["municipality_code"]: "МО"})  # fmt: skip
    result: list[dict] = []
    seen: dict[str, int] = {}
    problems: list[str] = []  # every bad row, each on its own line (SPEC §10)
    for i in range(header_at + 1, len(rows)):
        cells = rows[i]
        if all(is_empty(c) for c in cells):
            continue
        line = i + 1

        def get(role, cells=cells):
            j = roles.get(role)
            return clean_text(cells[j]) if j is not None and j < len(cells) else ""

        entry = {
            r: get(r) for r in ("municipality_code", "municipality", "school_code", "school_name")
        }
        code = entry["school_code"]
        bad = []
        if not code:
            bad.append("не указан код ОО")
        elif code in seen:
            bad.append(f"код ОО {code} повторяется (уже в строке {seen[code]}); коды школ в реестре "
                       "должны быть уникальны")  # fmt: skip
        else:
            seen[code] = line
        bad += [f"не заполнен столбец «{HEADER_TEXT[role]}»"
                for role in ("municipality_code", "municipality", "school_name") if not entry[role]]  # fmt: skip
        settlement = get("settlement").lower()
        if settlement and settlement not in SETTLEMENTS:
            bad.append(f"тип местности «{settlement}» — допустимо «город» или «село»")
        entry["settlement"] = settlement
        expected = get("expected_students")
        entry["expected_students"] = None
        if expected:
            value = parse_whole(expected)
            if value is None or value < 0:
                bad.append(f"число обучающихся «{expected}» — не целое число")
            entry["expected_students"] = value
        problems += [f"{name}, строка {line}: {what}" for what in bad]
        result.append(entry)
    if problems:  # the entry prints «Ошибка: » before the first; each line is one problem
        raise StageError("\nОшибка: ".join(problems))
    if not result:
        raise StageError(f"{name}: в реестре нет ни одной школы")
    _check_municipalities(result, name)
    return result


def _check_municipalities(rows: list[dict], name: str) -> None:
    """One code, one name (and back): a typo splits a municipality or merges two on every page;
    said in one warning line each, the run goes on (the names are the registry's to fix)."""
    names: dict[str, set[str]] = {}
    codes: dict[str, set[str]] = {}
    for r in rows:
        names.setdefault(r["municipality_code"], set()).add(r["municipality"])
        codes.setdefault(norm_label(r["municipality"]), set()).add(r["municipality_code"])
    for code, found in sorted(names.items()):
        if len(found) > 1:
            logging.getLogger("stage").warning(
                "%s: у муниципалитета с кодом %s разные названия: %s", name, code,
                ", ".join(f"«{n}»" for n in sorted(found)))  # fmt: skip
    for label, found in sorted(codes.items()):
        if len(found) > 1:
            logging.getLogger("stage").warning(
                "%s: муниципалитет «%s» записан с разными кодами: %s", name,
                next(r["municipality"] for r in rows if norm_label(r["municipality"]) == label),
                ", ".join(sorted(found)))  # fmt: skip


def load_registry(path: str | Path) -> list[dict]:
    path = Path(path)
    return parse_registry(path.read_bytes(), str(path))
