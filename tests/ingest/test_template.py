"""Template v1 per catalogue case: exact file, sheet, cell, severity and code; exact row counts.

Workbooks are written with xlsxwriter and openpyxl (not with the project's template writer).
"""

import datetime as dt

import pytest

from scripts.ingest.pipeline import process_file
from tests.ingest.conftest import (
    LIMITS,
    demo_header,
    demo_row,
    openpyxl_book,
    school_book,
    title_grid,
    xlsxwriter_book,
)

FILE = "submissions/x.xlsx"


def ingest(path, definition, registry):
    return process_file(path, FILE, definition, registry, LIMITS)


def found(res):
    return {(p.sheet, p.cell, p.severity, p.code) for p in res.problems}


def ok_rows(d, n=3):
    return [demo_row(i + 1, f"s{i + 1}", definition=d) for i in range(n)]


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_clean_file_accepted(tmp_path, demo, registry, writer):
    rows = ok_rows(demo, 2) + [demo_row(3, "s3", absent="да", definition=demo)]
    res = ingest(school_book(tmp_path / "a.xlsx", demo, rows, writer=writer), demo, registry)
    assert res.problems == []
    assert res.status == "accepted"
    assert (res.rows_read, res.rows_present, res.rows_absent) == (3, 2, 1)
    assert res.school_code == "0101"
    s1 = res.students[0]
    assert s1["total"] == sum(t["max"] for t in demo["tasks"])
    assert s1["level"] == "above_basic" and s1["mark"] == 5 and s1["class"] == "4А"
    assert res.students[2]["absent"] is True and res.students[2]["total"] is None


def test_every_bad_cell_in_one_pass(tmp_path, demo, registry):
    """Title row 1, blank row 2, header in row 3: data rows start at row 4; tasks from column F."""
    m = [t["max"] for t in demo["tasks"]]
    rows = [
        demo_row(1, "s1", definition=demo),  # row 4: fine
        demo_row(2, "s2", "5А", definition=demo),  # row 5: other grade (C5)
        demo_row(3, "s3", "четвёртый", 3, definition=demo),  # row 6: C6 class_bad, D6 variant
        demo_row(4, "", "", definition=demo),  # row 7: code and class missing
        demo_row(5, "s1", definition=demo),  # row 8: duplicate code
        demo_row(6, "s6", absent="был", definition=demo),  # row 9: absent_value_bad
        demo_row(7, "s7", absent="да", points=[1] + [None] * 13, definition=demo),  # row 10
        # row 11: over max (L = task 6, max 2), decimal, negative, text, empty
        demo_row(
            8, "s8", points=[1, 1.5, -1, "х", None, 1, 3, 1, 2, 1, 1, 2, 2, 2], definition=demo
        ),
        demo_row(9, "s9", points=["1", " 1 ", "1,5"] + m[3:], definition=demo),  # row 12
        demo_row(10, "s10", variant=None, definition=demo),  # row 13: present, no variant
        demo_row(11, "s11", variant=None, absent="н", definition=demo),  # row 14: absent: fine
        demo_row(12, "s12", absent="н.", definition=demo),  # row 15: not an allowed value
        [13],  # row 16: unused pre-numbered row — skipped, not counted
    ]
    res = ingest(school_book(tmp_path / "b.xlsx", demo, rows), demo, registry)
    R = "Результаты"
    assert found(res) == {
        (R, "C5", "error", "class_other_grade"),
        (R, "C6", "error", "class_bad"),
        (R, "D6", "error", "variant_bad"),
        (R, "B7", "error", "student_code_missing"),
        (R, "C7", "error", "class_missing"),
        (R, "B8", "error", "student_code_duplicate"),
        (R, "E9", "error", "absent_value_bad"),
        (R, "F10", "error", "absent_has_points"),
        (R, "G11", "error", "points_decimal"),
        (R, "H11", "error", "points_negative"),
        (R, "I11", "error", "points_not_number"),
        (R, "J11", "error", "points_empty"),
        (R, "L11", "error", "points_over_max"),
        (R, "H12", "error", "points_decimal"),
        (R, "D13", "error", "variant_missing"),
        (R, "E15", "error", "absent_value_bad"),
    }
    assert res.status == "rejected"
    assert res.rows_read == 12
    msg = next(p.message for p in res.problems if p.code == "points_over_max")
    assert msg.startswith("Результаты!L11: 3 балла за задание 6 при максимуме 2.")
    dup = next(p.message for p in res.problems if p.code == "student_code_duplicate")
    assert "строке 4" in dup


def test_title_problems(tmp_path, demo, registry):
    sheets = {
        "Титул": [
            ["Код ОО", 101.0],
            ["Шаблон", "other-v1"],
            ["Наименование ОО", "Школа № 7"],
            ["Муниципалитет", "Кинешма"],
        ],
        "Результаты": [demo_header(demo), *ok_rows(demo, 3)],
    }
    res = ingest(xlsxwriter_book(tmp_path / "t.xlsx", sheets), demo, registry)
    T = "Титул"
    assert found(res) == {
        (T, "B1", "warning", "code_padded"),
        (T, "B2", "error", "template_wrong"),
        (T, "B3", "warning", "school_name_mismatch"),
        (T, "B4", "warning", "municipality_mismatch"),
    }
    assert res.school_code == "0101"


def test_title_name_matches_ignoring_quotes_and_case(tmp_path, demo, registry):
    sheets = {
        "титул ": title_grid("0101", name='мбоу "школа № 1"', mo="г.Иваново"),
        "РЕЗУЛЬТАТЫ": [demo_header(demo), *ok_rows(demo, 3)],
    }
    res = ingest(xlsxwriter_book(tmp_path / "t.xlsx", sheets), demo, registry)
    assert res.problems == [] and res.status == "accepted"


def test_missing_sheets_and_labels(tmp_path, demo, registry):
    res = ingest(xlsxwriter_book(tmp_path / "m.xlsx", {"Лист1": [["x"]]}), demo, registry)
    assert found(res) == {
        ("Титул", "", "error", "sheet_missing"),
        ("Результаты", "", "error", "sheet_missing"),
    }
    assert res.problems[0].message.startswith("Лист «Титул»: такого листа в книге нет.")
    sheets = {"Титул": [["Код ОО", ""]], "Результаты": [demo_header(demo), *ok_rows(demo, 1)]}
    res = ingest(xlsxwriter_book(tmp_path / "l.xlsx", sheets), demo, registry)
    assert found(res) == {
        ("Титул", "", "error", "label_missing"),
        ("Титул", "B1", "error", "label_empty"),
    }


def test_code_typed_as_number(tmp_path, demo, registry):
    registry["4501"] = {**registry["0101"], "school_code": "4501"}
    sheets = {
        "Титул": [["Код ОО", 4501.0], ["Шаблон", demo["template"]]],
        "Результаты": [demo_header(demo), *ok_rows(demo, 3)],
    }
    res = ingest(xlsxwriter_book(tmp_path / "n.xlsx", sheets), demo, registry)
    assert found(res) == {("Титул", "B1", "warning", "code_padded")}
    assert res.school_code == "4501" and res.status == "accepted"


def test_a_registry_that_lost_the_zeros_still_matches_the_workbook(tmp_path, demo, registry):
    """A registry CSV saved from Excel says 10101 where the school's workbook says 010101: the
    workbook is that school's (a warning says where the zeros went), not an unknown school."""
    registry["10101"] = {**registry["0101"], "school_code": "10101"}
    res = ingest(
        school_book(tmp_path / "z.xlsx", demo, ok_rows(demo, 2), code="010101"), demo, registry
    )
    assert res.school_code == "10101" and res.status == "accepted"
    (p,) = res.problems
    assert p.code == "code_padded" and "в реестре без ведущих нулей" in p.message


def test_unknown_school(tmp_path, demo, registry):
    res = ingest(school_book(tmp_path / "u.xlsx", demo, ok_rows(demo), code="9999"), demo, registry)
    assert found(res) == {("Титул", "B2", "error", "school_unknown")}
    assert res.school_code == "9999" and not res.known


def test_header_problems(tmp_path, demo, registry):
    header = demo_header(demo)
    header[5] = 1.0  # numeric header → "1": fine
    header[6] = "Фамилия"  # task 2 column replaced by personal data
    header += ["7", "Примечание", dt.datetime(2021, 2, 5), "Итого", "Отметка"]
    del header[4]  # no «Отсутствовал»
    rows = [[1, "s1", "4А", 1, *([1] * 14), "", "", "", 14, 5]]
    sheets = {"Титул": title_grid(), "Результаты": [header, *rows]}
    res = ingest(xlsxwriter_book(tmp_path / "h.xlsx", sheets), demo, registry)
    R = "Результаты"
    assert found(res) == {
        (R, "F1", "error", "personal_data"),
        (R, "S1", "error", "column_duplicate"),  # second «7»
        (R, "T1", "warning", "column_extra"),
        (R, "U1", "warning", "column_extra"),  # a date header
        (R, "1", "error", "column_missing"),  # «Отсутствовал» and task 2
    }
    assert sum(p.code == "column_missing" for p in res.problems) == 2
    assert "дата" in next(p.message for p in res.problems if p.cell == "U1")


def test_rows_of_a_table_without_its_header_are_counted_in_the_rejected_file(
    tmp_path, demo, registry
):
    """SPEC §4: every non-empty data row is counted or belongs to a rejected file. The «№» header
    deleted (a title row above the table, the codes column kept): 3 students and an unused
    pre-numbered row below «Код участника» — 3 rows read, all in this rejected file (was 0)."""
    header = [None, *demo_header(demo)[1:]]  # the «№» cell emptied, the numbers kept
    student = [1, "4А-01", "4А", 1, "", *[0] * len(demo["tasks"])]
    sheets = {
        "Титул": title_grid(),
        "Результаты": [["Результаты работы"], header, student, [2, "4А-02", "4А", 2, "н"],
                       [3, None, "4Б", 1, "", 1, 1], [4]],
    }  # fmt: skip
    res = ingest(xlsxwriter_book(tmp_path / "h.xlsx", sheets), demo, registry)
    assert found(res) == {("Результаты", "", "error", "header_missing")}
    assert res.rows_read == 3
    assert "строк с участниками под «Код участника»: 3" in res.problems[0].message


def test_no_header_and_no_rows(tmp_path, demo, registry):
    sheets = {"Титул": title_grid(), "Результаты": [["Код участника", "Класс"]]}
    res = ingest(xlsxwriter_book(tmp_path / "n.xlsx", sheets), demo, registry)
    assert found(res) == {("Результаты", "", "error", "header_missing")}
    sheets = {"Титул": title_grid(), "Результаты": [demo_header(demo), [1], [2], [3]]}
    res = ingest(xlsxwriter_book(tmp_path / "e.xlsx", sheets), demo, registry)
    assert found(res) == {("Результаты", "", "error", "no_rows")}
    assert res.rows_read == 0


def test_total_and_mark_warnings(tmp_path, demo, registry):
    header = demo_header(demo) + ["Итого", "Отметка"]
    full = sum(t["max"] for t in demo["tasks"])
    rows = [
        [*demo_row(1, "s1", definition=demo), full, 5],
        [*demo_row(2, "s2", definition=demo), str(full), "5"],
        [*demo_row(3, "s3", definition=demo), full - 1, 4],
        [*demo_row(4, "s4", absent="н", definition=demo), 0, None],
        [5, None, None, None, None, *([None] * 14), 0, 2],  # pre-numbered row with formulas
    ]
    sheets = {"Титул": title_grid(), "Результаты": [header, *rows]}
    res = ingest(xlsxwriter_book(tmp_path / "w.xlsx", sheets), demo, registry)
    assert found(res) == {
        ("Результаты", "T4", "warning", "total_mismatch"),
        ("Результаты", "U4", "warning", "mark_mismatch"),
    }
    assert res.status == "accepted" and res.rows_read == 4


def test_shuffled_columns_text_numbers_and_offsets(tmp_path, demo, registry):
    """Table at B5 (empty column A, four rows above), shuffled columns, numbers stored as text."""
    tasks = [t["id"] for t in demo["tasks"]]
    order = list(reversed(tasks))
    header = ["№", "Отсутствовал", *order, "Вариант", "Класс", "Код участника"]
    maxima = {t["id"]: t["max"] for t in demo["tasks"]}
    row1 = [1, "", *[str(maxima[t]) for t in order], "2", "4 б", 1001.0]
    row2 = [2, "нет", *[" 0 " for _ in order], 1, "4-в", "1002"]
    row3 = [3, "", *["0"] * (len(order) - 1), "3", 1, "4в", "1003"]  # task 1 = 3 > max 1
    sheets = {"Титул": title_grid(), "Результаты": [header, row1, row2, row3]}
    path = openpyxl_book(tmp_path / "s.xlsx", sheets, {"Результаты": (4, 1)})
    res = ingest(path, demo, registry)
    # header row 5, data rows 6..8; column B = №, C = Отсутствовал, D = task 12 ... Q = task 1
    assert found(res) == {("Результаты", "Q8", "error", "points_over_max")}
    assert res.rows_read == 3 and res.rows_present == 3
    first = res.students[0]
    assert (first["student_code"], first["class"], first["variant"]) == ("1001", "4Б", 2)
    assert first["total"] == sum(maxima.values())
    assert res.students[1]["class"] == "4В" and res.students[1]["total"] == 0


def test_other_assessment(tmp_path, other):
    """Nothing is wired to the demo: grade 5, ids 1a/1б/2/5.10, three variants, no marks."""
    registry = {"77": {"school_code": "77", "school_name": "Ш", "municipality": "М"}}
    header = ["№", "Код участника", "Класс", "Вариант", "Отсутствовал", "1A", "1б", 2.0, "5.10"]
    rows = [
        [1, "k1", "5 а", 3, None, 3, 1, 4, 2],
        [2, "k2", "5а", "2", "", 0, 0, 1, 0],
        [3, "k3", "4а", 1, None, 4, 0, 0, 0],
    ]
    sheets = {"Титул": title_grid("77", "rus5-2022-v1"), "Результаты": [header, *rows]}
    res = ingest(xlsxwriter_book(tmp_path / "o.xlsx", sheets), other, registry)
    assert found(res) == {
        ("Результаты", "C4", "error", "class_other_grade"),
        ("Результаты", "F4", "error", "points_over_max"),
    }
    assert res.students[0]["level"] == "above_basic" and res.students[0]["mark"] is None
    assert res.students[0]["task_5.10"] == 2
    assert res.students[1]["level"] == "below_basic" and res.students[1]["variant"] == 2


def test_students_on_another_sheet_reject_the_file(tmp_path, demo, registry):
    """SPEC §4 «nothing is lost»: a second class kept on a copied sheet would be neither counted
    nor rejected — the file is rejected, naming that sheet and its `№` cell (the table may stand
    anywhere: here from C2). A copy of «Результаты» (the same codes), a teacher's own table
    without student codes, an empty copy, notes and the template's instructions pass."""
    header = demo_header(demo)
    base = {
        "Титул": title_grid("0101", demo["template"]),
        "Результаты": [["Результаты работы"], [], header, *ok_rows(demo, 2)],
    }
    second = [["4Б"], header + ["Итого"], demo_row(1, "b1", "4Б", definition=demo),
              demo_row(2, "s1", definition=demo), demo_row(3, "b3", "4Б", definition=demo), [4]]  # fmt: skip
    path = xlsxwriter_book(tmp_path / "two.xlsx", {**base, "Результаты (2)": second},
                           origins={"Результаты (2)": (0, 2)})  # fmt: skip
    res = ingest(path, demo, registry)
    assert res.status == "rejected"
    assert found(res) == {("Результаты (2)", "C2", "error", "results_elsewhere")}
    assert "строк 2, первая — 3" in res.problems[0].message  # b1 and b3; s1 is on «Результаты»
    assert res.rows_read == 2  # «Результаты» itself is still read, its rows are in a rejected file

    copy = [header, *ok_rows(demo, 2)]
    analysis = [["№", "Класс", "% выполнения"], [1, "4А", 85.5], [2, "4Б", 70.0]]
    empty_copy = [header + ["Итого"], [1, None, None, None, None, *[None] * 14, 0], [2]]
    notes = [["Заметки учителя"], ["№ 5 болел, писал позже"]]
    help_sheet = [["№", "Код участника"], [1, "x9"]]  # the instructions are never read
    path = xlsxwriter_book(tmp_path / "ok.xlsx", {**base, "Копия": copy, "Анализ": analysis,
                                                  "Пустая": empty_copy, "Для себя": notes,
                                                  "Инструкция": help_sheet})  # fmt: skip
    res = ingest(path, demo, registry)
    assert res.problems == [] and res.status == "accepted" and res.rows_read == 2


def test_a_table_of_students_without_the_templates_header_is_found_too(tmp_path, demo, registry):
    """An audit kept 4 students on a sheet «Дозаполнение» whose header says «№ п/п» (then «Код»
    instead of «Код участника», then no № column): the file was accepted with 46 of 50 students.
    A code column and three of the work's task columns make it a table of students."""
    header = demo_header(demo)
    base = {
        "Титул": title_grid("0101", demo["template"]),
        "Результаты": [["Результаты работы"], [], header, *ok_rows(demo, 2)],
    }
    extra = [demo_row(i, f"d{i}", "4Б", definition=demo) for i in (1, 2, 3, 4)]
    for name, head, rows, cell in (
        ("pp", ["№ п/п", "Код участника", *header[2:]], extra, "A3"),  # «№ п/п» is a «№»
        ("kod", ["№ п/п", "Код", *header[2:]], extra, "B3"),
        ("no_number", ["Код", *header[2:]], [r[1:] for r in extra], "A3"),
    ):
        sheets = {**base, "Дозаполнение": [["Дозаполнение"], [], head, *rows]}
        res = ingest(xlsxwriter_book(tmp_path / f"{name}.xlsx", sheets), demo, registry)
        assert found(res) == {("Дозаполнение", cell, "error", "results_elsewhere")}, name
        assert "строк 4, первая — 4" in res.problems[0].message and res.status == "rejected"
    # a teacher's own summary with a «Код» column but no task columns is no table of students
    summary = [["Код", "Класс", "% выполнения"], ["4А", "4А", 85.5]]
    res = ingest(xlsxwriter_book(tmp_path / "s.xlsx", {**base, "Итоги": summary}), demo, registry)
    assert res.problems == [] and res.status == "accepted"


@pytest.mark.parametrize("number", ["№ п/п", "№п/п", "№ п.п.", "№ пп"])
def test_the_usual_numbering_heading_starts_the_table(tmp_path, demo, registry, number):
    """«№ п/п» is how Russian tables head their numbering column: an audit's 40-row file with it
    was rejected with header_missing (rows_read 0). It starts the table as «№» does."""
    header = [number, *demo_header(demo)[1:]]
    path = school_book(tmp_path / "pp.xlsx", demo, ok_rows(demo, 3), header=header)
    res = ingest(path, demo, registry)
    assert res.problems == [] and res.status == "accepted" and res.rows_read == 3


@pytest.mark.parametrize("label", ["Ф И О", "ф. и. о. ученика", "Ф.И.О."])
def test_personal_data_headers_spelled_with_spaces_or_dots(tmp_path, demo, registry, label):
    """SPEC §3.3 lists «ФИО» and «Ф.И.О»: «Ф И О» got only an extra-column warning (an audit)."""
    header = demo_header(demo) + [label]
    rows = [r + ["Иванов Иван"] for r in ok_rows(demo, 2)]
    res = ingest(school_book(tmp_path / "p.xlsx", demo, rows, header=header), demo, registry)
    assert ("error", "personal_data") in {(p.severity, p.code) for p in res.problems}
    assert res.status == "rejected"


def test_a_class_list_with_names_on_another_sheet_rejects_the_file(tmp_path, demo, registry):
    """SPEC §3.3's personal-data rule is about any column: an audit's sheet «Список класса»
    (№ | ФИО | Код участника, the same codes as «Результаты») was accepted without a word. A
    label «ФИО ответственного» beside its value (no table of pupils) is no error."""
    rows = ok_rows(demo, 2)
    grid = {"Титул": title_grid("0101", demo["template"]),
            "Результаты": [["Результаты"], [], demo_header(demo), *rows]}  # fmt: skip
    path = tmp_path / "l.xlsx"
    xlsxwriter_book(path, {**grid, "Список класса": [["№", "ФИО", "Код участника"],
                                                    [1, "Иванов Иван", rows[0][1]]]})  # fmt: skip
    res = ingest(path, demo, registry)
    assert found(res) == {("Список класса", "B1", "error", "personal_data")}
    assert res.status == "rejected"
    # not pupils' data (a review): a label row with its values, a sheet of the staff
    for name, sheet in (("Ответственный", [["ФИО ответственного", "Петрова А. А."]]),
                        ("Сведения", [["Класс", "4А", "ФИО учителя", "Петрова А. А."]]),
                        ("Эксперты", [["№", "ФИО эксперта", "Подпись"], [1, "Петрова А. А.", None]])):  # fmt: skip
        xlsxwriter_book(path, {**grid, name: sheet})
        res = ingest(path, demo, registry)
        assert res.problems == [] and res.status == "accepted", name


def test_two_results_sheets_reject_the_file(tmp_path, demo, registry):
    """«Результаты» and «результаты » with different points: the first was read silently (an
    audit). Which one the school meant is not ours to guess: an error naming both."""
    header = demo_header(demo)
    sheets = {
        "Титул": title_grid("0101", demo["template"]),
        "Результаты": [header, *ok_rows(demo, 2)],
        "результаты ": [header, *[demo_row(i + 1, f"s{i + 1}", points=[0] * 14, definition=demo)
                                  for i in range(2)]],
    }  # fmt: skip
    res = ingest(xlsxwriter_book(tmp_path / "two.xlsx", sheets), demo, registry)
    assert found(res) == {("результаты ", "", "error", "sheet_duplicate")}
    assert "«Результаты», «результаты »" in res.problems[0].message and res.status == "rejected"


def test_a_title_label_twice_with_different_values_rejects_the_file(tmp_path, demo, registry):
    """Two «Код ОО» rows with different codes: the first was used silently (an audit). The same
    value twice is no problem."""
    sheets = {
        "Титул": [*title_grid("0101", demo["template"]), [], ["Код ОО", "0201"]],
        "Результаты": [demo_header(demo), *ok_rows(demo, 2)],
    }
    res = ingest(xlsxwriter_book(tmp_path / "t.xlsx", sheets), demo, registry)
    assert ("Титул", "B5", "error", "label_duplicate") in found(res)
    assert "«0101» в ячейке B2 и «0201» здесь" in " ".join(p.message for p in res.problems)
    same = {**sheets, "Титул": [*title_grid("0101", demo["template"]), [], ["Код ОО", "0101"]]}
    res = ingest(xlsxwriter_book(tmp_path / "s.xlsx", same), demo, registry)
    assert "label_duplicate" not in {p.code for p in res.problems}


def test_surnames_typed_as_codes_are_a_warning_without_the_names(tmp_path, demo, registry):
    """SPEC §3.3: the code is «только код, без фамилии». An audit's «Иванов» codes were accepted
    silently; now one warning per file names where and how many, never the names themselves."""
    rows = [demo_row(1, "Иванов", definition=demo), demo_row(2, "s2", definition=demo),
            demo_row(3, "Петрова М.", definition=demo)]  # fmt: skip
    res = ingest(school_book(tmp_path / "n.xlsx", demo, rows), demo, registry)
    assert found(res) == {("Результаты", "B4", "warning", "student_code_name")}
    message = res.problems[0].message
    assert (
        "строк: 2, первая — 4" in message and "Иванов" not in message and "Петрова" not in message
    )
    assert res.status == "accepted"


def test_another_assessments_workbook_is_not_checked_cell_by_cell(tmp_path, demo, other, registry):
    """A school sends the workbook of another assessment (its template, its task columns): the
    errors are the template, the missing and extra columns and one `rows_not_checked` — not a
    points error per cell judged by this assessment's maxima (an audit: 250 of them); its rows
    are still counted. With this assessment's columns under a wrong template id, every cell is
    checked as before."""
    rows = [[i + 1, f"s{i + 1}", "5А", 1, None, 3, 1, 4, 2] for i in range(4)]  # other's maxima
    rows.append([5, "s5", "5А", 1, "да", None, None, None, None])
    res = ingest(school_book(tmp_path / "o.xlsx", other, rows), demo, registry)
    codes = {p.code for p in res.problems}
    assert {"template_wrong", "rows_not_checked", "column_missing"} <= codes
    assert not {c for c in codes if c.startswith(("points_", "class_", "absent_"))}, codes
    assert res.status == "rejected" and res.rows_read == 5
    (note,) = [p for p in res.problems if p.code == "rows_not_checked"]
    assert (note.sheet, note.cell, note.severity) == ("Результаты", "3", "info")
    # this assessment's columns, an old template id: the cells are checked (one over-max point)
    bad = ok_rows(demo, 2) + [demo_row(3, "s3", points=[9] + [0] * 13, definition=demo)]
    path = tmp_path / "d.xlsx"
    xlsxwriter_book(path, {"Титул": title_grid("0101", "math4-2020-v1"),
                           "Результаты": [["Результаты"], [], demo_header(demo), *bad]})  # fmt: skip
    codes = {p.code for p in ingest(path, demo, registry).problems}
    assert "template_wrong" in codes and "points_over_max" in codes
    assert "rows_not_checked" not in codes
    # … also with a note column beside them (an audit: «Примечание» made it «another work», and
    # every cell error went unreported); a column headed like a task («15») does make it one
    for head, checked in (("Примечание", True), ("15", False)):
        xlsxwriter_book(path, {"Титул": title_grid("0101", "math4-2020-v1"), "Результаты": [
            ["Результаты"], [], demo_header(demo) + [head], *bad]})  # fmt: skip
        codes = {p.code for p in ingest(path, demo, registry).problems}
        assert ("points_over_max" in codes) is checked and (
            "rows_not_checked" in codes
        ) is not checked
        assert "column_extra" in codes


def test_an_empty_variant_is_fine_when_the_work_has_one(tmp_path, demo, registry):
    """A review: with one variant an empty «Вариант» is not ambiguous (analyse takes it as that
    variant) — no `variant_missing`; with two it is (test_every_bad_cell_in_one_pass)."""
    one = {**demo, "variants": [1]}
    rows = [demo_row(1, "s1", variant=None, definition=one), demo_row(2, "s2", definition=one)]
    res = ingest(school_book(tmp_path / "v.xlsx", one, rows), one, registry)
    assert res.problems == [] and res.status == "accepted"
    assert [s["variant"] for s in res.students] == [None, 1]
