"""From a school's simulated students to the content of its workbook (template format v1).

`Style` holds the ways real schools fill the same template differently (title rows, class
spelling, absence marks, numbers stored as text, shuffled columns, formulas, ...);
`build_book` applies one style. Defects are applied afterwards in `defects.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from .model import Assessment, School, Student
from .workbooks import Book

TEMPLATE_TITLE = "Региональная диагностическая работа по математике, 4 класс"
DATE_TEXT = "29.04.2021"


@dataclass
class Style:
    fmt: str = "xlsx"  # xlsx | xls | ods | xlsx_lo (LibreOffice round trip) | xlsm
    title_rows: int = 2
    class_style: str = "4А"  # 4А | 4 а | 4-А | 4а
    absent_yes: str = "да"
    absent_no: str | None = None
    text_numbers: bool = False
    shuffled: bool = False
    headers_as_numbers: bool = False
    total: bool = True
    mark: bool = False
    formulas: bool = False
    blank_tail: int = 0
    blank_tail_formula: bool = False
    instructions: bool = False
    label_colon: bool = False
    results_sheet: str = "Результаты"
    variant_text: bool = False
    features: list[str] = field(default_factory=list)


def format_class(cls: str, style: str) -> str:
    grade, letter = cls[0], cls[1:]
    return {
        "4А": f"{grade}{letter}",
        "4 а": f"{grade} {letter.lower()}",
        "4-А": f"{grade}-{letter}",
        "4а": f"{grade}{letter.lower()}",
    }[style]


def task_header(tid: str, as_number: bool):
    if not as_number:
        return tid
    return int(tid) if "." not in tid else float(tid)


def _mark_formula(asm: Assessment, ref: str) -> str:
    expr = "2"
    for m, low in sorted(asm.marks.items(), key=lambda kv: int(kv[0])):
        expr = f"IF({ref}>={low},{m},{expr})"
    return "=" + expr


def title_rows(school: School, asm: Assessment, colon: bool) -> list[tuple]:
    c = ":" if colon else ""
    return [
        (TEMPLATE_TITLE, None),
        (f"Код ОО{c}", school.code),
        (f"Наименование ОО{c}", school.name),
        (f"Муниципалитет{c}", school.mo_name),
        (f"Шаблон{c}", asm.template),
        (f"Дата проведения{c}", DATE_TEXT),
    ]


def build_book(
    school: School, students: list[Student], style: Style, asm: Assessment, order: list[str] | None
) -> Book:
    base = ["№", "Код участника", "Класс", "Вариант", "Отсутствовал", *asm.task_ids]
    if style.total:
        base.append("Итого")
    if style.mark:
        base.append("Отметка")
    cols = order if order is not None else base
    assert sorted(cols) == sorted(base) and cols[0] == "№"

    pre: list[list] = []
    if style.title_rows >= 1:
        pre.append([TEMPLATE_TITLE])
    if style.title_rows >= 2:
        pre.append([f"Результаты обучающихся 4 классов: {school.name}"])
    if style.title_rows >= 3:
        pre.append([])
    header = [task_header(c, style.headers_as_numbers) if c in asm.task_ids else c for c in cols]
    book = Book(
        title_rows=title_rows(school, asm, style.label_colon),
        pre_rows=pre,
        header=header,
        rows=[],
        results_sheet=style.results_sheet,
    )
    pos = {c: i for i, c in enumerate(cols)}
    first_task = get_column_letter(pos[asm.task_ids[0]] + 1)
    last_task = get_column_letter(pos[asm.task_ids[-1]] + 1)
    contiguous = pos[asm.task_ids[-1]] - pos[asm.task_ids[0]] == len(asm.task_ids) - 1
    use_formulas = style.formulas and contiguous

    def num(v):
        return str(v) if style.text_numbers else v

    for i, s in enumerate(students):
        r = book.header_row + 1 + i
        row: list = [None] * len(cols)
        row[pos["№"]] = i + 1
        row[pos["Код участника"]] = s.code
        row[pos["Класс"]] = format_class(s.cls, style.class_style)
        row[pos["Вариант"]] = str(s.variant) if style.variant_text else s.variant
        row[pos["Отсутствовал"]] = style.absent_yes if s.absent else style.absent_no
        if not s.absent:
            for tid, p in zip(asm.task_ids, s.points, strict=True):
                row[pos[tid]] = num(p)
            total = sum(s.points)
            if style.total:
                row[pos["Итого"]] = (
                    f"=SUM({first_task}{r}:{last_task}{r})" if use_formulas else num(total)
                )
            if style.mark:
                if use_formulas and style.total:
                    ref = f"{get_column_letter(pos['Итого'] + 1)}{r}"
                    row[pos["Отметка"]] = _mark_formula(asm, ref)
                else:
                    row[pos["Отметка"]] = num(asm.mark(total))
        book.rows.append(row)
    for k in range(style.blank_tail):
        i = len(students) + k
        r = book.header_row + 1 + i
        row = [None] * len(cols)
        row[pos["№"]] = i + 1
        if style.blank_tail_formula and style.total and contiguous:
            row[pos["Итого"]] = f"=SUM({first_task}{r}:{last_task}{r})"
        book.rows.append(row)
    if style.instructions:
        book.extra_sheets["Инструкция"] = [
            ["Порядок заполнения шаблона"],
            ["1. На листе «Титул» укажите код ОО из реестра (6 цифр)."],
            ["2. На листе «Результаты» одна строка — один обучающийся по списку класса."],
            ["3. Баллы — целые числа от 0 до максимума задания; у отсутствовавших — пусто."],
            ["4. Фамилии и имена обучающихся в шаблон не вносятся — только код участника."],
        ]
    return book


def recompute_totals(book: Book, asm: Assessment) -> None:
    """After a defect changed points: Итого as Excel's SUM would show it (text ignored)."""
    if "Итого" not in [str(h) for h in book.header]:
        return
    t_col = book.col("Итого")
    task_cols = [i for i, h in enumerate(book.header) if _header_id(h) in asm.task_ids]
    for row in book.rows:
        vals = [row[i] for i in task_cols]
        if isinstance(row[t_col], str) and row[t_col].startswith("="):
            continue
        if all(v is None for v in vals):
            row[t_col] = None
            continue
        row[t_col] = sum(v for v in vals if isinstance(v, int | float) and not isinstance(v, bool))


def _header_id(h) -> str:
    if isinstance(h, float):
        return repr(h).rstrip("0").rstrip(".") if "." in repr(h) else repr(h)
    return str(h)
