"""Template v1 (SPEC §3.3): the sheets «Титул» and «Результаты» of a school's workbook.

`parse_workbook(workbook, definition, registry, file)` returns a `Parsed` with the school code as
read, every problem of the file (all collected in one pass) and the student rows. The cell
parsers (`parse_points`, `parse_absent`, `parse_class`, `parse_variant`, `header_key`) are pure
and return either a value or a problem code; they never raise.

Choices where SPEC is open (documented in docs/validation-codes.md):
- labels of «Титул» are searched in every column, the value is the cell right of the label;
- the header row is the first row whose leftmost filled cell is `№` (column A in the template);
- Latin look-alike letters, NBSP and zero-width characters are normalised in labels, headers,
  classes and absence marks; a class may be the grade alone (`4`) in a school with one class;
- a whole number written with a decimal part (`2.0`, `"2,0"`) is that whole number;
- a column with data below an empty header cell is an extra column (`column_extra`, cell = the
  column letter); extra and duplicate columns are not read, but a filled cell of a duplicate
  column, or text in an extra one (a name, «перевёлся»), makes its row a data row (only
  №/Итого/Отметка rows are skipped), so no filled row is silently dropped; numbers in an extra
  column do not (a school's helper column, =СУММ(…), fills every unused template row with them).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field

from scripts.common.numfmt import plural
from scripts.ingest.read import Sheet, Workbook, col_letter
from scripts.ingest.scores import level_of, mark_of
from scripts.ingest.validate import Problem, problem

TITLE_SHEET = "Титул"
RESULTS_SHEET = "Результаты"

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
# Latin letters that look like Cyrillic ones (upper case).
_LOOKALIKE = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
_DASHES = str.maketrans("\u2010\u2011\u2012\u2013\u2014\u2212", "------")


# Anything clean_text would change besides NFC: an invisible character, white space other than a
# single plain space between words (most cells have none: they skip the translate and the regex).
_DIRTY = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u2007\u202f]|[^\\S ]|  |^ | $")


def clean_text(value) -> str:
    """Text of a cell without invisible characters, with single spaces, stripped."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)  # «й» typed on a Mac: и + combining breve
    if _DIRTY.search(text) is None:
        return text
    return _SPACES.sub(" ", text.translate(_INVISIBLE)).strip()


def _norm_label(value) -> str:
    text = clean_text(value).rstrip(":").rstrip().upper().translate(_LOOKALIKE)
    return text.replace("Ё", "Е").casefold()


_NORM_CACHE: dict[str, str] = {}  # labels, headers and sheet names repeat across files
_NORM_CACHE_MAX = 4096


def norm_label(value) -> str:
    """A label/sheet name/header for matching: case, spaces, trailing colon, look-alikes ignored."""
    if value.__class__ is not str:
        return _norm_label(value)
    hit = _NORM_CACHE.get(value)
    if hit is None:
        hit = _norm_label(value)
        if len(value) <= 200:
            if len(_NORM_CACHE) >= _NORM_CACHE_MAX:
                _NORM_CACHE.clear()
            _NORM_CACHE[value] = hit
    return hit


def is_empty(value) -> bool:
    if value is None or value == "":
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text:
        return True
    return not text.isprintable() and clean_text(text) == ""


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_text(value: float | int) -> str:
    """Shortest decimal form of a number: 1.0 → "1", 5.2 → "5.2"."""
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def header_key(value) -> str:
    """A header as text for matching task ids: numbers in shortest decimal form, case ignored."""
    if is_number(value):
        return number_text(value)
    return clean_text(value).rstrip(":").rstrip().casefold()


_NUM = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def as_number(value) -> float | None:
    """A number from a numeric cell or a number stored as text (`" 2 "`, `"1,5"`); else None."""
    if is_number(value):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = clean_text(value).replace(" ", "").translate(_DASHES)
        if _NUM.match(text):
            return float(text.replace(",", "."))
    return None


def show(value) -> str:
    """A cell's value as a school would read it in a message."""
    if isinstance(value, bool):  # a logical cell: as Excel shows it in Russian
        return "ИСТИНА" if value else "ЛОЖЬ"
    if is_number(value):
        return number_text(value).replace(".", ",")
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d.%m.%Y")
    text = clean_text(value)
    return text if len(text) <= 40 else text[:37] + "..."


def points_word(n: float) -> str:
    if float(n).is_integer():
        return plural(int(n), "балл", "балла", "баллов")
    return "балла"


# --- cell parsers: (value, None) or (None, code) -------------------------------------------


def parse_points(value, max_points: int) -> tuple[int | None, str | None]:
    """Points of a present student: a whole number 0..max (number or text), else a problem code."""
    if type(value) is float and value.is_integer() and 0 <= value <= max_points:
        return int(value), None
    if is_empty(value):
        return None, "points_empty"
    if isinstance(value, bool) or not (is_number(value) or isinstance(value, str)):
        return None, "points_not_number"
    number = as_number(value)
    if number is None:
        return None, "points_not_number"
    if number < 0:
        return None, "points_negative"
    if not number.is_integer():
        return None, "points_decimal"
    if number > max_points:
        return None, "points_over_max"
    return int(number), None


ABSENT_YES = {"ДА", "+", "1", "Н"}
ABSENT_NO = {"", "НЕТ", "0", "-"}


def parse_absent_value(value) -> tuple[bool | None, str | None]:
    """True (absent) / False (present), or the code `absent_value_bad`."""
    if is_empty(value):
        return False, None
    if isinstance(value, bool):
        return value, None
    if is_number(value):
        if value == 1:
            return True, None
        if value == 0:
            return False, None
        return None, "absent_value_bad"
    text = clean_text(value).upper().translate(_LOOKALIKE).translate(_DASHES)
    text = text.replace("Ё", "Е")
    if text in ABSENT_YES:
        return True, None
    if text in ABSENT_NO:
        return False, None
    return None, "absent_value_bad"


parse_absent = parse_absent_value


_CLASS = re.compile(r"^(\d{1,2})([А-ЯЁ]?)$")
_CLASS_NOISE = re.compile(r"[\s\-_.,/\\\"'«»“”„()]+")
_CLASS_WORD = re.compile(r"(КЛАСС|КЛ)\.?$")


def parse_class(value, grade: int) -> tuple[str | None, str | None]:
    """`4 а`, `4-А`, `4"а"`, `4a` (Latin) → `4А`; another grade → `class_other_grade`."""
    if is_empty(value):
        return None, "class_missing"
    if isinstance(value, bool):
        return None, "class_bad"
    if is_number(value):
        if not float(value).is_integer():
            return None, "class_bad"
        text = str(int(value))
    else:
        text = clean_text(value).upper().translate(_LOOKALIKE)
        text = _CLASS_WORD.sub("", text)
        text = _CLASS_NOISE.sub("", text)
    m = _CLASS.match(text)
    if not m:
        return None, "class_bad"
    number, letter = m.groups()
    if int(number) != grade:
        return None, "class_other_grade"
    return f"{int(number)}{letter.replace('Ё', 'Е')}", None


def parse_variant(value, variants: list[int]) -> tuple[int | None, str | None]:
    """Empty → None; one of the assessment's variants (number or text) → int; else `variant_bad`."""
    if is_empty(value):
        return None, None
    if isinstance(value, bool):
        return None, "variant_bad"
    number = as_number(value)
    if number is None or not number.is_integer() or int(number) not in variants:
        return None, "variant_bad"
    return int(number), None


def parse_whole(value) -> int | None:
    """A whole number (number or text), else None."""
    if isinstance(value, bool):
        return None
    number = as_number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def student_code_text(value) -> str:
    if is_number(value):
        return number_text(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isprintable() and "  " not in text:
            return text
    return clean_text(value)


# --- the workbook -------------------------------------------------------------------------

LABELS = {
    "код оо": "school_code",
    "наименование оо": "school_name",
    "муниципалитет": "municipality",
    "шаблон": "template",
}
LABEL_TEXT = {
    v: k
    for k, v in {
        "Код ОО": "school_code",
        "Наименование ОО": "school_name",
        "Муниципалитет": "municipality",
        "Шаблон": "template",
    }.items()
}
STANDARD = {
    "№": "number",
    # the usual Russian heading of a numbering column (an audit's «№ п/п» table: header_missing)
    "№ п/п": "number",
    "№п/п": "number",
    "№ п.п": "number",
    "№ п.п.": "number",
    "№ пп": "number",
    "код участника": "student_code",
    "класс": "class",
    "вариант": "variant",
    "отсутствовал": "absent",
    "итого": "total",
    "отметка": "mark",
}
STANDARD_TEXT = {
    "number": "№",
    "student_code": "Код участника",
    "class": "Класс",
    "variant": "Вариант",
    "absent": "Отсутствовал",
    "total": "Итого",
    "mark": "Отметка",
}
REQUIRED = ("student_code", "class", "variant", "absent")
PERSONAL = ("фио", "ф.и.о", "ф. и. о", "фамилия", "имя", "отчество", "дата рождения", "снилс")


def _is_personal(cell) -> bool:
    """A header of personal data (SPEC §3.3), also spelled with spaces or dots between the
    letters: «Ф И О», «Ф.И.О.», «ф. и. о. ученика» (an audit's «Ф И О» got only column_extra)."""
    label = norm_label(cell)
    compact = label.replace(" ", "").replace(".", "")
    return any(p in label for p in PERSONAL) or "фио" in compact


_NORM_STANDARD = {norm_label(k): v for k, v in STANDARD.items()}
_NORM_LABELS = {norm_label(k): v for k, v in LABELS.items()}


def _comparable(text) -> str:
    """Names compared with the registry: case, quotes, punctuation and spaces ignored."""
    return re.sub(r"[\W_]+", "", norm_label(text))


@dataclass
class Parsed:
    school_code: str = ""  # as read (padded when the registry needs it)
    known: bool = False  # the code is in the registry
    problems: list[Problem] = field(default_factory=list)
    students: list[dict] = field(default_factory=list)
    rows_read: int = 0
    rows_present: int = 0
    rows_absent: int = 0
    codes: set[str] = field(default_factory=set)  # every student code read from «Результаты»


HELP_SHEET = "Инструкция"  # the template's own text (scripts/templates/school_template.py)


def wanted_sheet(name: str) -> bool:
    """Every sheet but the template's instructions: «Титул» and «Результаты» are parsed, any other
    is looked at for a table of students kept outside «Результаты» (`results_elsewhere`)."""
    return norm_label(name) != norm_label(HELP_SHEET)


def find_sheet(workbook: Workbook, title: str) -> Sheet | None:
    key = norm_label(title)
    for name in workbook.sheet_names:
        if norm_label(name) == key and name in workbook.sheets:
            return workbook.sheets[name]
    return None


# the registry's columns a workbook is checked against (parse_title); a worker gets only these
TITLE_FIELDS = ("school_name", "municipality")


def title_registry(registry: dict) -> dict:
    """The registry as reading a file needs it: code → the TITLE_FIELDS of its row."""
    return {code: {k: row.get(k) for k in TITLE_FIELDS} for code, row in registry.items()}


def registry_widths(registry: dict) -> list[int]:
    return sorted({len(c) for c in registry}, reverse=True)


def resolve_code(value, registry: dict) -> tuple[str, bool]:
    """(code, padded): a code typed as a number (or digits that lost their zeros) is padded; one
    with zeros the registry's lacks (a registry saved from Excel) is taken as the registry has it."""
    text = student_code_text(value)
    if text in registry or not text.isdigit():
        return text, False
    for width in registry_widths(registry):
        padded = text.zfill(width)
        if padded != text and padded in registry:
            return padded, True
    # the registry lost the zeros (a CSV saved from Excel: 10001) that the workbook keeps
    bare = text.lstrip("0")
    if bare != text and bare in registry:
        return bare, True
    return text, False


def parse_title(sheet: Sheet, definition: dict, registry: dict, file: str, out: Parsed) -> None:
    found: dict[str, tuple[int, int, object]] = {}  # key → (row, value column, value)
    again: list[tuple[str, int, int, object]] = []  # a label written a second time
    for row, cells in sheet.iter_rows():
        for j, cell in enumerate(cells):
            if not isinstance(cell, str):
                continue
            key = _NORM_LABELS.get(norm_label(cell))
            if key:
                value = cells[j + 1] if j + 1 < len(cells) else ""
                if key not in found:
                    found[key] = (row, sheet.first_col + j + 1, value)
                elif not is_empty(value):
                    again.append((key, row, sheet.first_col + j + 1, value))
    name = sheet.name

    def add(cell: str, code: str, what: str, how: str = "") -> None:
        out.problems.append(problem(file, out.school_code, name, cell, code, what, how))

    for key, row, col, value in again:  # two «Код ОО» with different codes: which one is meant?
        first_row, first_col, first = found[key]
        if is_empty(first) or show(first) == show(value):
            continue
        label = LABEL_TEXT[key]
        add(
            f"{col_letter(col)}{row}",
            "label_duplicate",
            f"поле «{label}» заполнено дважды по-разному: «{show(first)}» в ячейке "
            f"{col_letter(first_col)}{first_row} и «{show(value)}» здесь",
            f"Оставьте одну строку «{label}» с верным значением",
        )

    def required(key: str):
        label = LABEL_TEXT[key]
        if key not in found:
            add(
                "",
                "label_missing",
                f"нет строки «{label}»",
                f"Верните в столбец A листа «{name}» подпись «{label}», "
                "а значение — в соседнюю ячейку справа, как в шаблоне",
            )
            return None
        row, col, value = found[key]
        if is_empty(value):
            add(
                f"{col_letter(col)}{row}",
                "label_empty",
                f"не заполнено поле «{label}»",
                f"Впишите {label} в ячейку {col_letter(col)}{row}",
            )
            return None
        return row, col, value

    code_at = required("school_code")
    if code_at:
        row, col, value = code_at
        cell = f"{col_letter(col)}{row}"
        code, padded = resolve_code(value, registry)
        out.school_code = code
        out.known = code in registry
        if out.known and (padded or is_number(value)):
            if padded and len(code) < len(show(value)):
                what = (
                    f"код ОО {show(value)} записан в реестре без ведущих нулей, принят как {code}"
                )
            elif padded:
                what = f"код ОО {show(value)} записан без ведущих нулей, принят как {code}"
            else:
                what = f"код ОО {code} записан числом, а не текстом"
            add(
                cell,
                "code_padded",
                what,
                "Вводите код ОО как текст, с ведущими нулями (формат ячейки «Текстовый»)",
            )
        if not out.known:
            add(
                cell,
                "school_unknown",
                f"кода ОО «{show(value)}» нет в реестре участников",
                "Проверьте код образовательной организации (его сообщил ЦОКО) и исправьте",
            )
    tpl_at = required("template")
    if tpl_at:
        row, col, value = tpl_at
        expected = definition["template"]
        if norm_label(value) != norm_label(expected):
            add(
                f"{col_letter(col)}{row}",
                "template_wrong",
                f"файл заполнен по шаблону «{show(value)}», а для этой работы нужен «{expected}»",
                "Перенесите результаты в шаблон этой работы, присланный ЦОКО",
            )
    if out.known:
        entry = registry[out.school_code]
        for key, reg_key, code in (
            ("school_name", "school_name", "school_name_mismatch"),
            ("municipality", "municipality", "municipality_mismatch"),
        ):
            if key not in found or is_empty(found[key][2]) or not entry.get(reg_key):
                continue
            row, col, value = found[key]
            if _comparable(value) != _comparable(entry[reg_key]):
                label = LABEL_TEXT[key]
                add(
                    f"{col_letter(col)}{row}",
                    code,
                    f"«{label}»: «{show(value)}» не совпадает с реестром "
                    f"(«{entry[reg_key]}» для кода ОО {out.school_code})",
                    "Проверьте код ОО; если он верен, исправьте значение по реестру",
                )


def find_header(sheet: Sheet) -> tuple[int, int] | None:
    """(index in sheet.rows, Excel row) of the first row whose leftmost filled cell is `№` (or
    «№ п/п»)."""
    for i, cells in enumerate(sheet.rows):
        for cell in cells:
            if is_empty(cell):
                continue
            if isinstance(cell, str) and _NORM_STANDARD.get(norm_label(cell)) == "number":
                return i, sheet.first_row + i
            break
    return None


def parse_results(sheet: Sheet, definition: dict, file: str, out: Parsed) -> None:
    name = sheet.name
    school = out.school_code

    def add(cell: str, code: str, what: str, how: str = "") -> None:
        out.problems.append(problem(file, school, name, cell, code, what, how))

    header = find_header(sheet)
    if header is None:
        # Its rows still belong to this rejected file (SPEC §4: nothing is lost): counted from
        # below a row that names «Код участника», where one does.
        rows = _rows_without_header(sheet)
        out.rows_read += rows
        add(
            "",
            "header_missing",
            "не найдена строка заголовков таблицы (ячейка «№» в столбце A)"
            + (f"; строк с участниками под «Код участника»: {rows}" if rows else ""),
            "Верните строку заголовков шаблона: «№», «Код участника», «Класс», «Вариант», "
            "«Отсутствовал» и номера заданий",
        )
        return
    hi, hrow = header
    tasks = definition["tasks"]
    task_by_key = {t["id"].casefold(): k for k, t in enumerate(tasks)}
    columns: dict[str, int] = {}  # role → index in the row ("task:<k>" for tasks)
    personal: list[int] = []
    ignored: list[int] = []  # duplicate columns: not read, but their rows are data rows
    extra: list[int] = []  # extra columns, headed or not: their text makes a data row
    unknown_tasks: list[int] = []  # extra columns headed like a task («15», «5.3»): another work's
    first_col = sheet.first_col
    for j, cell in enumerate(sheet.rows[hi]):
        if is_empty(cell):
            continue
        addr = f"{col_letter(first_col + j)}{hrow}"
        key = header_key(cell)
        role = _NORM_STANDARD.get(norm_label(cell))
        if role is None and key in task_by_key:
            role = f"task:{task_by_key[key]}"
        if role is None and isinstance(cell, str) and "," in key:
            alt = key.replace(",", ".")
            if alt in task_by_key:
                role = f"task:{task_by_key[alt]}"
        if role is None and _is_personal(cell):
            personal.append(j)
            add(
                addr,
                "personal_data",
                f"столбец «{show(cell)}» содержит персональные данные",
                "Удалите этот столбец целиком: в шаблон вносятся только коды участников, "
                "без фамилий, имён и других личных данных",
            )
            continue
        if role is None:
            if isinstance(cell, dt.datetime | dt.date):
                what = (
                    f"заголовок «{show(cell)}» — дата, а не номер задания "
                    "(табличный редактор превратил номер вроде «5.2» в дату)"
                )
                how = "Введите номер задания как текст (начните с апострофа: '5.2)"
            else:
                what = f"лишний столбец «{show(cell)}» не будет обработан"
                how = "Удалите столбец, если он не нужен; заголовки заданий — как в шаблоне"
            add(addr, "column_extra", what, how)
            extra.append(j)
            if _TASK_LIKE.fullmatch(key) or isinstance(cell, dt.datetime | dt.date):
                unknown_tasks.append(j)
            continue
        if role in columns:
            if role not in ("number", "total", "mark"):
                ignored.append(j)  # a second «№»/«Итого»/«Отметка» alone does not make a data row
            first = col_letter(first_col + columns[role])
            label = STANDARD_TEXT.get(role) or f"задание {tasks[int(role[5:])]['id']}"
            add(
                addr,
                "column_duplicate",
                f"столбец «{show(cell)}» повторяется (он уже есть в столбце {first}; {label})",
                "Оставьте один столбец с этим заголовком, лишний удалите",
            )
            continue
        columns[role] = j
    for role in REQUIRED:
        if role not in columns:
            add(
                str(hrow),
                "column_missing",
                f"нет столбца «{STANDARD_TEXT[role]}»",
                f"Добавьте в строку заголовков столбец «{STANDARD_TEXT[role]}», как в шаблоне",
            )
    task_cols: list[int | None] = []
    for k, task in enumerate(tasks):
        j = columns.get(f"task:{k}")
        task_cols.append(j)
        if j is None:
            add(
                str(hrow),
                "column_missing",
                f"нет столбца задания {task['id']}",
                f"Добавьте в строку заголовков столбец «{task['id']}» "
                "(номер задания вводите как текст)",
            )
    for j, rows in _unheaded_columns(sheet, hi).items():
        letter = col_letter(first_col + j)
        add(
            letter,
            "column_extra",
            f"столбец {letter} без заголовка содержит данные "
            f"(ячейки {_refs([f'{letter}{r}' for r in rows])}); они не обрабатываются",
            "Если это нужные сведения из шаблона, впишите заголовок столбца в ячейку "
            f"{letter}{hrow}; если нет — удалите данные из столбца {letter}",
        )
        extra.append(j)
    data_cols = [columns[r] for r in REQUIRED if r in columns]
    data_cols += [j for j in task_cols if j is not None] + personal + ignored
    # a row filled only in an extra column is a data row when that column holds text (a name,
    # «перевёлся»: nothing is lost), not when it holds numbers — a school's helper column
    # (=СУММ(…), a running count) fills every unused template row with them
    other_work = any(p.code == "template_wrong" for p in out.problems) and (
        None in task_cols or unknown_tasks
    )  # not for a «Примечание» column: the tasks are this work's, every cell is checked
    if other_work:
        # another assessment's workbook: its cells checked against this one's tasks and maxima
        # would be hundreds of wrong messages (an audit: 250) burying the one that matters
        # counted as _parse_rows counts them: every row is accounted for (SPEC §4)
        out.rows_read += sum(1 for _ in _data_rows(sheet, hi, data_cols, extra))
        add(
            str(hrow),
            "rows_not_checked",
            "баллы в строках не проверялись: книга заполнена по шаблону другой работы, и её "
            "столбцы заданий не совпадают с заданиями этой работы",
            f"Перенесите результаты в шаблон «{definition['template']}», присланный ЦОКО",
        )
        return
    _parse_rows(sheet, hi, columns, task_cols, (data_cols, extra), definition, out, add)


_TASK_LIKE = re.compile(r"\d+([.,]\d+)*[а-яa-z]?")  # a task's header: «15», «5.3», «6а»


def _rows_without_header(sheet: Sheet) -> int:
    """Rows of a table whose «№» header is gone: below the first row with a «Код участника» cell,
    those with a cell filled outside the columns headed «Итого» or «Отметка» or not headed at
    all (where the numbers stand) — SPEC §3.3's rule for an unused pre-numbered row. 0 without
    such a row."""
    for i, cells in enumerate(sheet.rows):
        roles = [_NORM_STANDARD.get(norm_label(c)) if isinstance(c, str) else None for c in cells]
        if "student_code" not in roles:
            continue
        data = [
            j for j, c in enumerate(cells) if not is_empty(c) and roles[j] not in ("total", "mark")
        ]
        return sum(1 for row in sheet.rows[i + 1 :]
                   if any(j < len(row) and not is_empty(row[j]) for j in data))  # fmt: skip
    return 0


def _data_rows(sheet: Sheet, hi: int, data_cols, text_cols):
    """(Excel row, cells padded to the sheet's width) of every data row below the header: not
    empty, and not only №/Итого/Отметка filled (an unused template row)."""
    width = max([len(r) for r in sheet.rows] + [0])
    for i in range(hi + 1, len(sheet.rows)):
        cells = sheet.rows[i]
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        if not _row_is_empty(cells, data_cols, text_cols):
            yield sheet.first_row + i, cells


def _unheaded_columns(sheet: Sheet, hi: int) -> dict[int, list[int]]:
    """Columns with an empty header cell and filled cells below it → Excel rows of those cells."""
    header = sheet.rows[hi]
    n = len(header)
    blank = [j for j, cell in enumerate(header) if is_empty(cell)]
    found: dict[int, list[int]] = {}
    for i in range(hi + 1, len(sheet.rows)):
        cells = sheet.rows[i]
        m = len(cells)
        for j in [j for j in blank if j < m] + list(range(n, m)):
            v = cells[j]
            if v != "" and v is not None and not is_empty(v):
                found.setdefault(j, []).append(sheet.first_row + i)
    return dict(sorted(found.items()))


def _cached(parser, *args):
    """A per-file memo of a cell parser keyed by (type, value): class/variant/absence repeat."""
    memo: dict = {}

    def parse(value):
        key = (value.__class__, value)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = parser(value, *args)
        return hit

    return parse


def _row_is_empty(cells, data_cols, text_cols=()) -> bool:
    """No value in `data_cols` and no text (other than a number as text) in `text_cols`."""
    for j in data_cols:
        v = cells[j]
        if v != "" and v is not None and not is_empty(v):
            return False
    for j in text_cols:
        v = cells[j]
        if v.__class__ is str and not is_empty(v) and as_number(v) is None:
            return False
    return True


def _parse_rows(sheet, hi, columns, task_cols, row_cols, definition, out, add) -> None:
    data_cols, text_cols = row_cols
    tasks = definition["tasks"]
    grade = definition["grade"]
    variants = list(definition["variants"])
    allowed = ", ".join(map(str, variants))  # said by both variant messages
    marks = definition.get("marks") or None
    first_col = sheet.first_col
    c_code = columns.get("student_code")
    c_class = columns.get("class")
    c_variant = columns.get("variant")
    c_absent = columns.get("absent")
    c_total = columns.get("total")
    c_mark = columns.get("mark")
    letters: dict[int, str] = {}
    seen_codes: dict[str, int] = {}
    task_ids = [t["id"] for t in tasks]
    task_keys = [f"task_{t}" for t in task_ids]
    maxima = [t["max"] for t in tasks]
    is_basic = [t["level"] == "basic" for t in tasks]
    levels = definition["levels"]
    class_of = _cached(parse_class, grade)
    variant_of = _cached(parse_variant, variants)
    absent_of = _cached(parse_absent_value)
    by_max = {m: _cached(parse_points, m) for m in set(maxima)}
    points_of = [by_max[m] for m in maxima]
    empty_tasks = dict.fromkeys(task_keys)
    school = out.school_code

    def student(code, klass, variant, absent, total, basic, advanced, level, mark) -> dict:
        """A row of students.csv (the task columns are added by the caller)."""
        return {"school_code": school, "student_code": code, "class": klass, "variant": variant,
                "absent": absent, "total": total, "basic_points": basic, "advanced_points": advanced,
                "level": level, "mark": mark}  # fmt: skip

    def at(j, row):
        if j not in letters:
            letters[j] = col_letter(first_col + j)
        return f"{letters[j]}{row}"

    for row, cells in _data_rows(sheet, hi, data_cols, text_cols):
        out.rows_read += 1
        bad = False

        # student code
        code = ""
        if c_code is not None:
            raw = cells[c_code]
            code = student_code_text(raw)
            if not code:
                bad = True
                add(
                    at(c_code, row),
                    "student_code_missing",
                    "не указан код участника",
                    "Впишите код участника (только код, без фамилии)",
                )
            elif code in seen_codes:
                bad = True
                add(
                    at(c_code, row),
                    "student_code_duplicate",
                    f"код участника «{code}» уже указан в строке {seen_codes[code]}",
                    "У каждого участника свой код: исправьте повтор",
                )
            else:
                seen_codes[code] = row
                out.codes.add(code)
        # class
        klass = None
        if c_class is not None:
            raw = cells[c_class]
            klass, err = class_of(raw)
            if err:
                bad = True
                if err == "class_missing":
                    what, how = "не указан класс", f"Укажите класс, например «{grade}А»"
                elif err == "class_other_grade":
                    what = f"класс «{show(raw)}» — не {grade}-й"
                    how = (
                        f"В этой работе участвуют только {grade}-е классы: "
                        "исправьте класс или удалите строку"
                    )
                else:
                    what = f"«{show(raw)}» не похоже на класс"
                    how = f"Укажите класс цифрой и буквой, например «{grade}А»"
                add(at(c_class, row), err, what, how)
        # variant
        variant = err_variant = None
        if c_variant is not None:
            raw = cells[c_variant]
            variant, err_variant = variant_of(raw)
            if err_variant:
                bad = True
                add(
                    at(c_variant, row),
                    err_variant,
                    f"вариант «{show(raw)}» не из вариантов работы ({allowed})",
                    f"Укажите номер варианта: {allowed}",
                )
        # absence
        absent: bool | None = False
        if c_absent is not None:
            raw = cells[c_absent]
            absent, err = absent_of(raw)
            if err:
                bad = True
                add(
                    at(c_absent, row),
                    err,
                    f"«{show(raw)}» в столбце «Отсутствовал»",
                    "Допустимо: «да», «+», «1» или «н» — отсутствовал; пусто, «нет», «0» "
                    "или «-» — присутствовал",
                )
        # A present student's variant is required (SPEC §3.3: «`Вариант` may be empty» is said of
        # an absent one) — unless the work has one variant: then it is known (analyse fills it in)
        if (absent is False and c_variant is not None and variant is None and not err_variant
                and len(variants) > 1):  # fmt: skip
            bad = True
            add(
                at(c_variant, row),
                "variant_missing",
                "не указан вариант",
                f"Укажите номер варианта, который выполнял участник: {allowed}",
            )
        # points
        points: list[int | None] = []
        basic = advanced = 0
        for k, j in enumerate(task_cols):
            if j is None:
                points.append(None)
                continue
            raw = cells[j]
            if absent:
                if not (raw == "" or is_empty(raw)):
                    bad = True
                    add(
                        at(j, row),
                        "absent_has_points",
                        f"у отсутствовавшего участника указан балл за задание {task_ids[k]}",
                        "Удалите баллы или исправьте отметку в столбце «Отсутствовал»",
                    )
                points.append(None)
                continue
            if raw.__class__ is float and 0 <= raw <= maxima[k] and raw.is_integer():
                value = int(raw)  # the common case, without a call
            else:
                if absent is None and (raw == "" or is_empty(raw)):
                    points.append(None)
                    continue
                value, err = points_of[k](raw)
                if err:
                    bad = True
                    add(at(j, row), err, *_points_text(err, raw, task_ids[k], maxima[k]))
                    points.append(None)
                    continue
            points.append(value)
            if is_basic[k]:
                basic += value
            else:
                advanced += value
        if absent is None:
            continue
        if absent:
            out.rows_absent += 1
            if not bad:
                record = student(code, klass, variant, True, None, None, None, None, None)
                record.update(empty_tasks)
                out.students.append(record)
            continue
        out.rows_present += 1
        if None in points:
            continue  # a missing or bad task cell: no sum to check «Итого»/«Отметка» against
        total = basic + advanced
        mark = mark_of(total, marks)
        # «Итого»/«Отметка» are checked even on a row with another error (all problems in one
        # pass); the student is kept only from a row without errors.
        if not bad:
            level = level_of(basic, advanced, levels)
            record = student(code, klass, variant, False, total, basic, advanced, level, mark)
            record.update(zip(task_keys, points, strict=True))
            out.students.append(record)
        if c_total is not None:
            raw = cells[c_total]
            if raw.__class__ is float and raw.is_integer():  # the common case
                wrong = int(raw) != total
            else:
                wrong = not (raw == "" or is_empty(raw)) and parse_whole(raw) != total
            if wrong:
                add(
                    at(c_total, row),
                    "total_mismatch",
                    f"в столбце «Итого» {show(raw)}, а сумма баллов — {total}",
                    "Проверьте баллы и «Итого»; в обработке используется сумма баллов",
                )
        if c_mark is not None and marks:
            raw = cells[c_mark]
            if raw.__class__ is float and raw.is_integer():  # the common case
                wrong = int(raw) != mark
            else:
                wrong = not (raw == "" or is_empty(raw)) and parse_whole(raw) != mark
            if wrong:
                add(
                    at(c_mark, row),
                    "mark_mismatch",
                    f"в столбце «Отметка» {show(raw)}, а сумме баллов {total} "
                    f"соответствует отметка {mark}",
                    "Проверьте отметку; в обработке используется отметка по сумме баллов",
                )
    named = [row for code, row in seen_codes.items() if NAME_LIKE.match(code)]
    if named and c_code is not None:  # «Иванов И.» as a code: a name in the centre's files
        add(
            at(c_code, named[0]),
            "student_code_name",
            f"в столбце «Код участника» вместо кода, похоже, фамилия (строк: {len(named)}, "
            f"первая — {named[0]}); значения не приводятся",
            "Замените фамилии кодами участников: фамилии не вносятся в шаблон",
        )


def _points_text(code: str, raw, task_id: str, max_points: int) -> tuple[str, str]:
    how = f"Укажите целое число баллов от 0 до {max_points}"
    if code == "points_empty":
        return (
            f"не указан балл за задание {task_id}",
            f"Поставьте балл от 0 до {max_points} (0 — если задание не выполнено или не начато); "
            "если участник отсутствовал, отметьте это в столбце «Отсутствовал»",
        )
    number = as_number(raw)
    if code == "points_over_max" and number is not None:
        n = int(number)
        return (
            f"{n} {points_word(n)} за задание {task_id} при максимуме {max_points}",
            how,
        )
    if code == "points_negative":
        return f"отрицательный балл {show(raw)} за задание {task_id}", how
    if code == "points_decimal":
        return f"дробный балл {show(raw)} за задание {task_id}", how
    return (
        f"«{show(raw)}» вместо балла за задание {task_id}",
        how + " (0 — если задание не выполнено)",
    )


def parse_workbook(workbook: Workbook, definition: dict, registry: dict, file: str) -> Parsed:
    """All problems and student rows of one workbook (template v1)."""
    out = Parsed()
    title = find_sheet(workbook, TITLE_SHEET)
    results = find_sheet(workbook, RESULTS_SHEET)
    for sheet_name, sheet in ((TITLE_SHEET, title), (RESULTS_SHEET, results)):
        twins = [n for n in workbook.sheet_names if norm_label(n) == norm_label(sheet_name)]
        if (
            len(twins) > 1
        ):  # «Результаты» and «результаты »: which one is meant is not ours to guess
            out.problems.append(
                problem(
                    file,
                    "",
                    twins[1],
                    "",
                    "sheet_duplicate",
                    f"в книге {len(twins)} листа с названием «{sheet_name}» ("
                    + ", ".join(f"«{n}»" for n in twins)
                    + f"); читается первый, «{twins[0]}», и неясно, какой из них верный",
                    f"Оставьте один лист «{sheet_name}» со всеми данными, остальные удалите",
                )
            )
        if sheet is None:
            out.problems.append(
                problem(
                    file,
                    "",
                    sheet_name,
                    "",
                    "sheet_missing",
                    "такого листа в книге нет",
                    "Заполните шаблон, присланный ЦОКО; не переименовывайте и не удаляйте листы",
                )
            )
    if title is not None:
        parse_title(title, definition, registry, file, out)
    if results is not None:
        parse_results(results, definition, file, out)
        if out.rows_read == 0 and find_header(results) is not None:
            out.problems.append(
                problem(
                    file,
                    out.school_code,
                    results.name,
                    "",
                    "no_rows",
                    "в таблице нет ни одного участника",
                    "Внесите результаты всех участников и пришлите файл заново",
                )
            )
    for name in workbook.sheet_names:
        sheet = workbook.sheets.get(name)
        if sheet is not None and sheet is not title and sheet is not results:
            task_ids = {header_key(t["id"]) for t in definition["tasks"]}
            _personal_elsewhere(sheet, file, out, task_ids)
            _results_elsewhere(sheet, file, out, task_ids)
    for sheet in (title, results):
        if sheet is not None:
            _sheet_notes(
                sheet, file, out, header_row=find_header(sheet) if sheet is results else None
            )
    if out.school_code:
        out.problems = [
            p if p.school_code else _with_school(p, out.school_code) for p in out.problems
        ]
    return out


# a personal-data header about the school's staff, not its pupils («ФИО учителя», «эксперта»)
ADULTS = re.compile(r"учител|педагог|эксперт|ответствен|руководител|директор|заполнил|проверил|"
                    r"председател|член|организатор|наблюдател|ассистент|сотрудник|подпис")  # fmt: skip


_CLASS_VALUE = re.compile(
    r"^\s*\d{1,2}\s*[-\s\"«]?\s*[А-ЯЁA-Z]\s*[\"»]?\s*$", re.IGNORECASE
)  # «4А»


def _filled_below(sheet: Sheet, i: int, j: int, rows: int = 200) -> bool:
    """A value under the header cell: the column holds data, not only a heading."""
    return any(j < len(r) and not is_empty(r[j]) for r in sheet.rows[i + 1 : i + 1 + rows])


# what makes a row with a personal-data header a table of pupils (not a label such as «ФИО
# ответственного» beside its value on a title-like sheet)
PUPIL_TABLE_LABELS = {"№", "№ п/п", "класс"}


def _personal_elsewhere(sheet: Sheet, file: str, out: Parsed, task_ids: set[str]) -> None:
    """SPEC §3.3 says it of any column: personal data is an error on every sheet, not only on
    «Результаты» — an audit's class list «№ | ФИО | Код участника» on a sheet of its own was
    accepted without a word. A header row near the top with a personal-data header and «№»,
    «Класс», a student-code column or three of the work's task columns; its personal columns each
    an error (the workbook is rejected)."""
    for i, cells in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        personal = [j for j, c in enumerate(cells) if isinstance(c, str) and c.strip() and _is_personal(c)
                    and not ADULTS.search(norm_label(c)) and _filled_below(sheet, i, j)]  # fmt: skip
        if not personal or any(_CLASS_VALUE.match(c) for c in cells if isinstance(c, str)):
            continue  # no pupils' column, or a label row («Класс | 4А | …»: a class beside it)
        labels = {norm_label(c) for c in cells if isinstance(c, str) and c.strip()}
        keys = {header_key(c) for c in cells if not is_empty(c)}
        pupils = labels & (PUPIL_TABLE_LABELS | CODE_LABELS) or any(
            _NORM_STANDARD.get(x) == "student_code" for x in labels
        )
        if not pupils and len(task_ids & keys) < 3:
            continue
        for j in personal:
            cell = f"{col_letter(sheet.first_col + j)}{sheet.first_row + i}"
            out.problems.append(problem(
                file, out.school_code, sheet.name, cell, "personal_data",
                f"на листе — таблица учеников со столбцом «{show(cells[j])}»: это персональные данные",
                f"Удалите этот столбец (или весь лист «{sheet.name}», если он не нужен): в ЦОКО "
                "отправляются только коды участников, без фамилий, имён и других личных данных"))  # fmt: skip
        return


def _results_elsewhere(sheet: Sheet, file: str, out: Parsed, task_ids: set[str]) -> None:
    """Students on a sheet other than «Результаты» (a second class on a copied sheet) would be
    neither counted nor rejected (SPEC §4: nothing is lost), so such a sheet is an error: a table
    with a student-code column holding codes that «Результаты» does not have — a row starting with
    `№` with a «Код участника» column, or any row with a code column («Код», «Код ученика»…) and
    at least three of the work's task columns (an audit's «№ п/п» sheet «Дозаполнение»). A copy of
    «Результаты» (the same codes) and a teacher's own tables without student codes
    (№ | Класс | % выполнения) are no error."""
    found = _student_table(sheet, task_ids)
    if found is None:
        return
    index, code_col, label_col = found
    row = sheet.first_row + index
    lost = [
        sheet.first_row + i
        for i in range(index + 1, len(sheet.rows))
        if code_col < len(sheet.rows[i])
        and (code := student_code_text(sheet.rows[i][code_col]))
        and code not in out.codes
    ]
    if not lost:
        return
    cell = f"{col_letter(sheet.first_col + label_col)}{row}"
    label = clean_text(sheet.rows[index][label_col])
    out.problems.append(
        problem(
            file,
            out.school_code,
            sheet.name,
            cell,
            "results_elsewhere",
            f"на листе есть таблица участников (заголовок «{label}» в ячейке {cell}), которых нет на "
            f"листе «{RESULTS_SHEET}»: строк {len(lost)}, первая — {lost[0]}; результаты читаются "
            f"только с листа «{RESULTS_SHEET}», эти участники не были бы учтены",
            f"Перенесите эти строки на лист «{RESULTS_SHEET}» (одна строка на ученика, все классы "
            f"в одной таблице) и удалите лист «{sheet.name}»",
        )
    )


# a surname (with initials or a first name) typed as a student's code: «Иванов», «Иванова М.»
NAME_LIKE = re.compile(r"^[А-ЯЁ][а-яё]{2,}(?:-[А-ЯЁ][а-яё]+)?(?:[\s.]+[А-ЯЁ][а-яё]*\.?)*$")
HEADER_SEARCH_ROWS = 50  # a table's header sits near the top of a sheet
# a code column of a school's own table of students (the template's is «Код участника»)
CODE_LABELS = {"код", "код ученика", "код обучающегося", "код учащегося", "шифр", "шифр участника"}


def _student_table(sheet: Sheet, task_ids: set[str]) -> tuple[int, int, int] | None:
    """(row index, code column, the column of the header cell to name) of a table of students."""
    header = find_header(sheet)
    if header is not None:
        cells = sheet.rows[header[0]]
        for j, c in enumerate(cells):
            if _NORM_STANDARD.get(norm_label(c)) == "student_code":
                number_col = next(k for k, c in enumerate(cells) if not is_empty(c))  # the `№`
                return header[0], j, number_col
    for i, cells in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        keys = [header_key(c) if not is_empty(c) else "" for c in cells]
        if len(task_ids.intersection(keys)) < 3:
            continue
        for j, c in enumerate(cells):
            label = norm_label(c) if isinstance(c, str) else ""
            if _NORM_STANDARD.get(label) == "student_code" or label in CODE_LABELS:
                return i, j, j
    return None


def _with_school(p: Problem, code: str) -> Problem:
    return Problem(p.file, code, p.sheet, p.cell, p.severity, p.code, p.what, p.how)


def _refs(cells: list[str], limit: int = 5) -> str:
    more = f" и ещё {len(cells) - limit}" if len(cells) > limit else ""
    return ", ".join(cells[:limit]) + more


def _sheet_notes(sheet: Sheet, file: str, out: Parsed, header_row) -> None:
    """Warnings about what the pre-flight saw: hidden parts, formulas without values, merges."""
    name = sheet.name

    def add(cell: str, code: str, what: str, how: str) -> None:
        out.problems.append(problem(file, out.school_code, name, cell, code, what, how))

    if sheet.hidden:
        add(
            "",
            "hidden_content",
            "лист скрыт; его данные учтены в обработке",
            "Проверьте, что на скрытом листе нет лишнего, и покажите его («Показать лист»)",
        )
    if sheet.hidden_rows:
        rows = [str(r) for r in sheet.hidden_rows]
        add(
            rows[0],
            "hidden_content",
            f"скрытые строки {_refs(rows)}; их данные учтены в обработке",
            "Покажите скрытые строки и проверьте их: лишние удалите",
        )
    if sheet.hidden_cols:
        cols = [col_letter(c) for c in sheet.hidden_cols]
        add(
            cols[0],
            "hidden_content",
            f"скрытые столбцы {_refs(cols)}; их данные учтены в обработке",
            "Покажите скрытые столбцы и проверьте их: лишние удалите",
        )
    # «Итого» and «Отметка» are only checked, never used: their formulas need no saved value.
    informative = set()
    if header_row is not None:
        for offset, cell in enumerate(sheet.rows[header_row[0]]):
            if isinstance(cell, str) and norm_label(cell) in ("итого", "отметка"):
                informative.add(sheet.first_col + offset)
    uncalculated = [(r, c) for r, c in sheet.uncalculated if c not in informative]
    if uncalculated:
        cells = [f"{col_letter(c)}{r}" for r, c in uncalculated]
        add(
            cells[0],
            "formula_no_value",
            f"формулы без сохранённого значения ({_refs(cells)}) прочитаны как пустые ячейки",
            "Откройте файл в Excel или LibreOffice Calc, пересчитайте (F9) и сохраните заново",
        )
    if header_row is not None:
        hrow = header_row[1]
        for r0, c0, r1, c1 in sheet.merged:
            if r1 <= hrow:
                continue  # title rows and headers may be merged
            span = f"{col_letter(c0)}{r0}:{col_letter(c1)}{r1}"
            add(
                f"{col_letter(c0)}{r0}",
                "merged_cells",
                f"объединённые ячейки {span}: значение есть только в первой из них, "
                "остальные прочитаны как пустые",
                "Разъедините ячейки и впишите значение в каждую строку",
            )
