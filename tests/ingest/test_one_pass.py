"""SPEC §4 «all problems in one pass» and «nothing is lost» on template v1 (hand-built workbooks).

Layout of `school_book`: title row 1, blank row 2, header row 3, data from row 4; columns A №,
B Код участника, C Класс, D Вариант, E Отсутствовал, F..S tasks 1..12 of the demo (14 tasks,
maxima 1,1,1,1,1,1,2,1,2,1,1,2,2,2: full sum 19, mark 5; marks 3 from 7, 4 from 11, 5 from 15).
"""

from scripts.ingest.pipeline import process_file
from tests.ingest.conftest import (
    LIMITS,
    demo_header,
    demo_row,
    school_book,
    title_grid,
    xlsxwriter_book,
)

FILE = "submissions/x.xlsx"
R = "Результаты"
TASK_LETTERS = "FGHIJKLMNOPQRS"  # the 14 task columns of the demo


def ingest(path, definition, registry):
    return process_file(path, FILE, definition, registry, LIMITS)


def found(res):
    return {(p.sheet, p.cell, p.severity, p.code) for p in res.problems}


def unfilled_row(row):
    """Problems of a data row with no code, class, variant or points (present: absence empty)."""
    return {
        (R, f"B{row}", "error", "student_code_missing"),
        (R, f"C{row}", "error", "class_missing"),
        (R, f"D{row}", "error", "variant_missing"),
        *((R, f"{c}{row}", "error", "points_empty") for c in TASK_LETTERS),
    }


def message(res, cell):
    return next(p.message for p in res.problems if p.cell == cell)


def test_total_and_mark_checked_on_rows_with_other_errors(tmp_path, demo, registry):
    header = demo_header(demo) + ["Итого", "Отметка"]  # T = Итого, U = Отметка
    zero = [0] * 14
    rows = [
        [*demo_row(1, "s1", definition=demo), 19, 5],  # row 4: fine
        [*demo_row(2, "s2", "5А", definition=demo), 18, 4],  # row 5: class + T5 + U5
        [*demo_row(3, "s1", points=zero, definition=demo), 1, 3],  # row 6: dup + T6 + U6
        [*demo_row(4, "s4", variant=3, definition=demo), 19, 5],  # row 7: variant only
        # row 8: task 1 = 5 > max 1: no valid sum, so «Итого»/«Отметка» are not checked
        [*demo_row(5, "s5", points=[5] + [0] * 13, definition=demo), 99, 2],
        [*demo_row(6, "s6", absent="да", definition=demo), 5, 5],  # row 9: absent, kept
        [*demo_row(7, "s7", absent="был", definition=demo), 0, 2],  # row 10: absence unknown
        [8, *([None] * 18), 0, 2],  # row 11: only №/Итого/Отметка — skipped
    ]
    res = ingest(school_book(tmp_path / "w.xlsx", demo, rows, header=header), demo, registry)
    assert found(res) == {
        (R, "C5", "error", "class_other_grade"),
        (R, "T5", "warning", "total_mismatch"),
        (R, "U5", "warning", "mark_mismatch"),
        (R, "B6", "error", "student_code_duplicate"),
        (R, "T6", "warning", "total_mismatch"),
        (R, "U6", "warning", "mark_mismatch"),
        (R, "D7", "error", "variant_bad"),
        (R, "F8", "error", "points_over_max"),
        (R, "E10", "error", "absent_value_bad"),
    }
    assert res.status == "rejected"
    # rows 4..10 read; present: 4, 5, 6, 7, 8; absent: 9; row 10 is neither
    assert (res.rows_read, res.rows_present, res.rows_absent) == (7, 5, 1)
    # students only from rows without errors (unchanged)
    assert [s["student_code"] for s in res.students] == ["s1", "s6"]
    assert message(res, "T5").startswith(
        "Результаты!T5: в столбце «Итого» 18, а сумма баллов — 19."
    )
    assert message(res, "U5").startswith(
        "Результаты!U5: в столбце «Отметка» 4, а сумме баллов 19 соответствует отметка 5."
    )
    assert "сумма баллов — 0" in message(res, "T6")
    assert "соответствует отметка 2" in message(res, "U6")


def test_column_without_header_is_warned_and_its_rows_counted(tmp_path, demo, registry):
    # T = Итого, U = no header, V = «Примечание» (extra), W = beyond the header row
    header = demo_header(demo) + ["Итого", None, "Примечание"]
    blank = [None] * 19  # B..T of a row with only № filled
    rows = [
        [*demo_row(1, "s1", definition=demo), 19, 8],  # row 4: fine, U4 filled
        [*demo_row(2, "s2", definition=demo), 19],  # row 5: fine
        [3, *blank, "x"],  # row 6: only № and U6 — a data row now
        [4, *blank, None, "перевёлся"],  # row 7: only № and V7 (extra column) — a data row
        [5, *blank[:-1], 0],  # row 8: only № and Итого — skipped
        [6, *blank, None, None, "болел"],  # row 9: only № and W9 — a data row
        [None, *blank, "  "],  # row 10: blank text in U — empty, skipped
    ]
    res = ingest(school_book(tmp_path / "u.xlsx", demo, rows, header=header), demo, registry)
    assert found(res) == {
        (R, "U", "warning", "column_extra"),
        (R, "V3", "warning", "column_extra"),
        (R, "W", "warning", "column_extra"),
        *unfilled_row(6),
        *unfilled_row(7),
        *unfilled_row(9),
    }
    assert sum(p.cell == "U" for p in res.problems) == 1  # one warning per column
    assert res.status == "rejected"
    assert (res.rows_read, res.rows_present, res.rows_absent) == (5, 5, 0)
    assert [s["student_code"] for s in res.students] == ["s1", "s2"]
    u = message(res, "U")
    assert u.startswith(
        "Результаты, столбец U: столбец U без заголовка содержит данные (ячейки U4, U6); "
        "они не обрабатываются."
    )
    assert "U3" in u  # where to type the header
    assert "(ячейки W9)" in message(res, "W")


def test_helper_column_of_numbers_does_not_make_unused_rows_data_rows(tmp_path, demo, registry):
    """A school's own column (a formula down every pre-numbered row, cached 0, or a number as
    text) is warned and ignored; the unused template rows stay skipped and the file is accepted."""
    # T = Итого, U = «Сумма (для себя)» (extra), V = no header
    header = demo_header(demo) + ["Итого", "Сумма (для себя)", None]
    blank = [None] * 18  # B..S
    rows = [
        [*demo_row(1, "s1", definition=demo), 19, 19, 1],  # row 4
        [*demo_row(2, "s2", definition=demo), 19, 19, 2],  # row 5
        [3, *blank, None, 0, 3],  # row 6: №, the helper's 0 and a count — skipped
        [4, *blank, None, 0.0, "4"],  # row 7: the same, the count as text — skipped
        [5, *blank, None, "", None],  # row 8: only № — skipped
    ]
    res = ingest(school_book(tmp_path / "h.xlsx", demo, rows, header=header), demo, registry)
    assert found(res) == {(R, "U3", "warning", "column_extra"), (R, "V", "warning", "column_extra")}
    assert res.status == "accepted"
    assert (res.rows_read, res.rows_present, res.rows_absent) == (2, 2, 0)


def test_column_without_header_left_of_the_table(tmp_path, demo, registry):
    """Table from column B (header B3), numbers typed in column A: a warning, file accepted."""
    header = [None, *demo_header(demo)]
    rows = [
        [1, *demo_row(1, "s1", definition=demo)],
        [2, *demo_row(2, "s2", absent="н", definition=demo)],
        [None, *demo_row(3, "s3", definition=demo)],
    ]
    sheets = {"Титул": title_grid(), R: [["Результаты работы"], [], header, *rows]}
    res = ingest(xlsxwriter_book(tmp_path / "a.xlsx", sheets), demo, registry)
    assert found(res) == {(R, "A", "warning", "column_extra")}
    assert "(ячейки A4, A5)" in message(res, "A")
    assert res.status == "accepted"
    assert (res.rows_read, res.rows_present, res.rows_absent) == (3, 2, 1)
    assert len(res.students) == 3


def test_duplicate_columns_make_data_rows_except_total(tmp_path, demo, registry):
    # T = second «7» (duplicate), U = Итого, V = second «Итого» (duplicate)
    header = demo_header(demo) + ["7", "Итого", "Итого"]
    blank = [None] * 18  # B..S
    rows = [
        [*demo_row(1, "s1", definition=demo), 1, 19, 19],  # row 4: fine
        [2, *blank, 1],  # row 5: only № and the duplicate task column — a data row
        [3, *blank, None, None, 0],  # row 6: only № and the duplicate «Итого» — skipped
    ]
    res = ingest(school_book(tmp_path / "d.xlsx", demo, rows, header=header), demo, registry)
    assert found(res) == {
        (R, "T3", "error", "column_duplicate"),
        (R, "V3", "error", "column_duplicate"),
        *unfilled_row(5),
    }
    assert (res.rows_read, res.rows_present, res.rows_absent) == (2, 2, 0)
    assert [s["student_code"] for s in res.students] == ["s1"]


def test_personal_data_still_rejected_and_never_echoed(tmp_path, demo, registry):
    """A «Фамилия» column is an error; names in a column without a header are not quoted."""
    header = demo_header(demo) + ["Фамилия", None]  # T = Фамилия, U = no header
    blank = [None] * 18
    rows = [
        [*demo_row(1, "s1", definition=demo), "Иванов", "Петров"],  # row 4
        [2, *blank, "Сидоров"],  # row 5: only № and the personal column — a data row
        [3, *blank, None, "Смирнов"],  # row 6: only № and U6 — a data row
    ]
    res = ingest(school_book(tmp_path / "p.xlsx", demo, rows, header=header), demo, registry)
    assert found(res) == {
        (R, "T3", "error", "personal_data"),
        (R, "U", "warning", "column_extra"),
        *unfilled_row(5),
        *unfilled_row(6),
    }
    assert res.status == "rejected"
    assert (res.rows_read, res.rows_present) == (3, 3)
    text = " ".join(p.message for p in res.problems)
    for name in ("Иванов", "Петров", "Сидоров", "Смирнов"):
        assert name not in text
    assert all(not any(v in ("Иванов", "Петров") for v in s.values()) for s in res.students)
