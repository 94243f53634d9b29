"""Workbooks converted by LibreOffice (.ods, .xls, .xlsx): same cells, same problems, same rows."""

import pytest
import xlsxwriter

from scripts.ingest.pipeline import process_file
from tests.ingest.conftest import LIMITS, demo_header, demo_row, soffice_available, soffice_convert

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.slow,
    pytest.mark.skipif(not soffice_available(), reason="soffice is not installed"),
    pytest.mark.xdist_group("libreoffice"),
]


@pytest.fixture(scope="module")
def source(tmp_path_factory, demo):
    """Table at C4 (two empty columns, title row 1), an «Итого» formula, problems in known cells."""
    path = tmp_path_factory.mktemp("lo") / "school.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    t = wb.add_worksheet("Титул")
    t.write_string(1, 0, "Код ОО:")
    t.write_number(1, 1, 101)  # typed as a number → padded to 0101 (warning)
    t.write_string(2, 0, "Шаблон")
    t.write_string(2, 1, demo["template"])
    r = wb.add_worksheet("Результаты")
    r.write_string(0, 2, "Результаты диагностической работы")
    header = demo_header(demo) + ["Итого"]
    for j, h in enumerate(header):
        r.write(3, 2 + j, h)
    rows = [
        demo_row(1, "s1", definition=demo),  # row 5
        demo_row(2, "s2", "4 б", 2, points=[0] * 6 + [3] + [0] * 7, definition=demo),  # row 6
        demo_row(3, "s3", absent="н", definition=demo),  # row 7
        demo_row(4, "s4", points=["1"] * 14, definition=demo),  # row 8, text numbers
    ]
    n_tasks = len(demo["tasks"])
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                r.write_string(4 + i, 2 + j, v)
            else:
                r.write_number(4 + i, 2 + j, v)
        first = xlsxwriter.utility.xl_rowcol_to_cell(4 + i, 7)
        last = xlsxwriter.utility.xl_rowcol_to_cell(4 + i, 7 + n_tasks - 1)
        cached = sum(v for v in row[5:] if isinstance(v, int | float))  # as Excel computes it
        r.write_formula(4 + i, 2 + len(header) - 1, f"=SUM({first}:{last})", None, cached)
    r.write_number(8, 2, 5)  # row 9: unused pre-numbered row
    wb.close()
    return path


EXPECTED = {
    ("Титул", "B2", "warning", "code_padded"),
    ("Результаты", "N6", "error", "points_over_max"),  # task 6 (max 2) in column N
    ("Результаты", "V8", "warning", "total_mismatch"),  # SUM() skips numbers stored as text
}


@pytest.mark.parametrize("fmt", ["ods", "xls", "xlsx"])
def test_libreoffice_round_trip(source, demo, registry, tmp_path, fmt):
    converted = soffice_convert(source, fmt, tmp_path)
    res = process_file(converted, f"submissions/school.{fmt}", demo, registry, LIMITS)
    assert {(p.sheet, p.cell, p.severity, p.code) for p in res.problems} == EXPECTED
    assert (res.rows_read, res.rows_present, res.rows_absent) == (4, 3, 1)
    assert res.school_code == "0101"


def test_source_itself(source, demo, registry):
    res = process_file(source, "submissions/school.xlsx", demo, registry, LIMITS)
    assert {(p.sheet, p.cell, p.severity, p.code) for p in res.problems} == EXPECTED


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_students_on_another_sheet_of_an_xls_or_ods_are_not_lost(demo, registry, tmp_path, fmt):
    """An audit converted a workbook with a second class on a copied sheet to .xls and .ods: only
    «Титул» and «Результаты» were read, and the file was accepted with half its students. Every
    sheet of an .xls/.ods is read now, as of an .xlsx."""
    path = tmp_path / "second.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    t = wb.add_worksheet("Титул")
    t.write_string(0, 0, "Код ОО")
    t.write_string(0, 1, "0101")
    t.write_string(1, 0, "Шаблон")
    t.write_string(1, 1, demo["template"])
    for name, prefix in (("Результаты", "a"), ("4Б", "b")):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, demo_header(demo))
        for i in range(1, 4):
            ws.write_row(i, 0, demo_row(i, f"{prefix}{i}", definition=demo))
    wb.close()
    converted = soffice_convert(path, fmt, tmp_path)
    res = process_file(converted, f"submissions/second.{fmt}", demo, registry, LIMITS)
    assert res.status == "rejected"
    assert [(p.sheet, p.cell, p.code) for p in res.problems] == [("4Б", "A1", "results_elsewhere")]
