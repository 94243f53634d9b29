"""The reader: Excel's own addresses, cached formula values, pre-flight rejections."""

import io
import os
import random
import zipfile

import openpyxl
import pytest
import xlsxwriter

from scripts.ingest.pipeline import process_bytes
from scripts.ingest.read import ReadError, col_index, col_letter, read_workbook
from tests.ingest.conftest import LIMITS, demo_row, openpyxl_book, school_book, xlsxwriter_book


def test_col_letters():
    for n in (1, 26, 27, 52, 53, 702, 703, 16384):
        assert col_index(col_letter(n)) == n
    assert col_letter(28) == "AB"


@pytest.mark.parametrize("writer", [xlsxwriter_book, openpyxl_book])
def test_addresses_with_leading_empty_rows_and_columns(tmp_path, writer):
    path = writer(tmp_path / "a.xlsx", {"S": [["x", None, 7.0], [None, "y"]]}, {"S": (3, 2)})
    sheet = read_workbook(path.read_bytes(), LIMITS).sheets["S"]
    cells = {
        sheet.address(r, sheet.first_col + j): v
        for r, row in sheet.iter_rows()
        for j, v in enumerate(row)
        if v != ""
    }
    assert cells == {"C4": "x", "E4": 7.0, "D5": "y"}
    assert sheet.value(4, 5) == 7.0 and sheet.value(1, 1) == ""


def test_formula_cached_value(tmp_path):
    path = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_number("A1", 2)
    ws.write_formula("B1", "=A1*3", None, 6)
    wb.close()
    sheet = read_workbook(path.read_bytes(), LIMITS).sheets["S"]
    assert sheet.rows == [[2.0, 6.0]]


def test_openpyxl_fallback_reads_same_cells(tmp_path):
    from scripts.ingest.read import _read_openpyxl

    path = openpyxl_book(tmp_path / "a.xlsx", {"S": [["x", None, 7]]}, {"S": (1, 1)})
    wb = _read_openpyxl(path.read_bytes(), "xlsx", LIMITS, lambda n: True)
    assert (wb.sheets["S"].first_row, wb.sheets["S"].first_col) == (2, 2)
    assert wb.sheets["S"].rows == [["x", "", 7]]


def code_of(data, name="submissions/f.xlsx", limits=LIMITS, demo=None, registry=None):
    res = process_bytes(data, name, demo or {}, registry or {}, limits)
    assert res.status == "rejected" and res.rows_read == 0
    assert len(res.problems) == 1 and res.problems[0].severity == "error"
    assert res.problems[0].sheet == "" and res.problems[0].cell == ""
    return res.problems[0].code


def valid_xlsx(tmp_path, demo):
    rows = [demo_row(1, "s1", definition=demo)]
    return school_book(tmp_path / "ok.xlsx", demo, rows).read_bytes()


def test_unreadable_files(tmp_path, demo):
    rnd = random.Random(3)
    assert code_of(b"") == "file_unreadable"
    assert code_of(bytes(rnd.getrandbits(8) for _ in range(3000))) == "file_unsupported"
    good = valid_xlsx(tmp_path, demo)
    assert code_of(good[: len(good) // 2]) == "file_unreadable"  # truncated zip
    assert code_of(b"PK\x03\x04" + os.urandom(500)) == "file_unreadable"
    assert (
        code_of(b"<html><table><tr><td>1</td></tr></table></html>", "x.xls") == "file_unsupported"
    )
    assert code_of(b"%PDF-1.4 ...", "x.xlsx") == "file_unsupported"
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert code_of(docx.getvalue()) == "file_unsupported"


def test_corrupt_inner_xml_is_rejected(tmp_path, demo):
    src = zipfile.ZipFile(io.BytesIO(valid_xlsx(tmp_path, demo)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[:100]
            z.writestr(info, data)
    assert code_of(out.getvalue()) == "file_unreadable"


def test_macros(tmp_path, demo, registry):
    """A macro workbook is read (never run) so that the school is known and all problems listed."""
    src = zipfile.ZipFile(io.BytesIO(valid_xlsx(tmp_path, demo)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0fake vba")
    res = process_bytes(out.getvalue(), "submissions/m.xlsm", demo, registry, LIMITS)
    assert [(p.sheet, p.cell, p.severity, p.code) for p in res.problems] == [
        ("", "", "error", "macros")
    ]
    assert res.status == "rejected" and res.known and res.rows_read == 1


def test_encrypted(tmp_path):
    # An encrypted OOXML file is an OLE2 compound file holding an "EncryptedPackage" stream.
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000 + "EncryptedPackage".encode("utf-16-le")
    )
    assert code_of(ole + b"\0" * 1000) == "encrypted"
    # An .xls with a password to open: its workbook stream's BOF record is followed by FILEPASS
    # (an audit's LibreOffice-saved file was called damaged: calamine cannot tell it apart)
    bof = b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\0" * 12
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1528 + bof
    assert code_of(xls + b"\x2f\x00\x36\x00" + b"\0" * 1000) == "encrypted"
    assert code_of(xls + b"\xe1\x00\x02\x00" + b"\0" * 1000) == "file_unreadable"  # no password
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.xml", "<x/>")
    data = bytearray(out.getvalue())
    data[6] |= 1  # the "encrypted" flag of the first local header
    cd = data.find(b"PK\x01\x02")
    data[cd + 8] |= 1
    assert code_of(bytes(data)) == "encrypted"


def test_size_and_sheet_limits(tmp_path, demo, registry):
    good = valid_xlsx(tmp_path, demo)
    assert code_of(good, limits={**LIMITS, "max_file_mib": 0.001}) == "file_too_large"
    res = process_bytes(good, "submissions/f.xlsx", demo, registry, {**LIMITS, "max_columns": 10})
    assert [p.code for p in res.problems] == ["sheet_too_large"]
    res = process_bytes(good, "submissions/f.xlsx", demo, registry, {**LIMITS, "max_rows": 2})
    assert [p.code for p in res.problems] == ["sheet_too_large"]


def test_zip_bomb_is_rejected():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<x/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))
    assert code_of(out.getvalue(), limits={**LIMITS, "max_file_mib": 0.05}) == "file_too_large"


def test_openpyxl_written_xlsm_without_macros_is_read(tmp_path, demo, registry):
    wb = openpyxl.Workbook()
    wb.active.title = "Титул"
    wb.active.append(["Код ОО", "0101"])
    wb.active.append(["Шаблон", demo["template"]])
    ws = wb.create_sheet("Результаты")
    ws.append(
        ["№", "Код участника", "Класс", "Вариант", "Отсутствовал"]
        + [t["id"] for t in demo["tasks"]]
    )
    ws.append(demo_row(1, "s1", absent="да", definition=demo))
    path = tmp_path / "x.xlsm"
    wb.save(path)
    res = process_bytes(path.read_bytes(), "submissions/x.xlsm", demo, registry, LIMITS)
    assert res.problems == [] and res.rows_absent == 1


def test_read_error_is_exception():
    with pytest.raises(ReadError) as exc:
        read_workbook(b"", LIMITS)
    assert exc.value.code == "file_unreadable"


def test_sheet_limits_hold_for_a_sheet_that_is_not_read(tmp_path, demo, registry):
    """SPEC §4: a sheet over the limits is rejected — also a third sheet the pipeline never reads
    (its real extent from the pre-flight; its values are not loaded)."""
    import openpyxl

    good = valid_xlsx(tmp_path, demo)
    wb = openpyxl.load_workbook(io.BytesIO(good))
    width = max(ws.max_column for ws in wb.worksheets)  # the read sheets are within the limit
    extra = wb.create_sheet("Для себя")
    extra.cell(row=1, column=1, value="заметки")
    extra.cell(row=3, column=width + 5, value=1)
    buf = io.BytesIO()
    wb.save(buf)
    limits = {**LIMITS, "max_columns": width + 2}
    res = process_bytes(good, "submissions/f.xlsx", demo, registry, limits)
    assert res.status == "accepted"  # the same limit, without the extra sheet
    res = process_bytes(buf.getvalue(), "submissions/f.xlsx", demo, registry, limits)
    assert [p.code for p in res.problems] == ["sheet_too_large"]
    from scripts.ingest.read import col_letter

    # the record names the sheet and its farthest column (SPEC §4: file, sheet and cell)
    far = col_letter(width + 5)
    assert (res.problems[0].sheet, res.problems[0].cell) == ("Для себя", far)
    assert res.problems[0].message.startswith(
        f"Для себя, столбец {far}: данные листа занимают 3 строки и "
    )


@pytest.mark.parametrize(("row", "col", "letters"), [(60_000, 90, "CL"), (100_000, 200, "GR")])
def test_a_stray_value_far_right_and_below_is_read_not_rejected(
    tmp_path, demo, registry, row, col, letters
):
    """SPEC §4 limits a sheet's rows (100 000) and columns (200) — not their product. A stray
    value at CL60000 (5.4 M cells of extent) or at the very corner GR100000 (20 M) is over
    `max_cells`, the grid calamine would allocate densely, so the sheet is read cell by cell
    (openpyxl) within the worker's memory cap: accepted, with the column_extra warning naming
    the stray cell, and the student row counted."""
    import openpyxl

    from scripts.ingest.pipeline import process_all

    wb = openpyxl.load_workbook(io.BytesIO(valid_xlsx(tmp_path, demo)))
    wb["Результаты"].cell(row=row, column=col, value=7)
    path = tmp_path / "stray.xlsx"
    wb.save(path)
    res = process_all([(str(path), "submissions/f.xlsx")], demo, registry, LIMITS)[0]
    assert res.status == "accepted" and res.rows_read == 1
    assert [(p.code, p.sheet, p.cell) for p in res.problems] == [
        ("column_extra", "Результаты", letters)
    ]
    assert f"{letters}{row}" in res.problems[0].message
    assert res.worker_peak_mib < 200  # calamine's dense grid would need ≈ 0.7–0.8 GiB


def test_a_stray_value_far_below_is_within_the_limits(tmp_path, demo, registry):
    """SPEC §4 rejects a sheet over 100 000 rows or 200 columns — not a 20-column table whose one
    stray «№» stands at row 60 000; at row 150 000 it is over the rows limit, and the record names
    the sheet and that row (not the data's far corner, which may be an empty cell); a stray value
    in column GW of row 10 names the column GW."""
    import openpyxl

    def with_cells(**cells):
        """The valid workbook with these cells of «Результаты» set, read as a submission."""
        wb = openpyxl.load_workbook(io.BytesIO(valid_xlsx(tmp_path, demo)))
        for ref, value in cells.items():
            wb["Результаты"][ref] = value
        buf = io.BytesIO()
        wb.save(buf)
        return process_bytes(buf.getvalue(), "submissions/f.xlsx", demo, registry, LIMITS)

    res = with_cells(A60000=999)  # a row whose only cell is «№»: an unused row
    assert res.status == "accepted" and res.problems == [] and res.rows_read == 1
    res = with_cells(A60000=999, A150000=999)
    assert [(p.code, p.sheet, p.cell) for p in res.problems] == [
        ("sheet_too_large", "Результаты", "150000")
    ]
    assert "последняя заполненная строка — 150000" in res.problems[0].message
    res = with_cells(GW10="x")
    assert [(p.code, p.sheet, p.cell) for p in res.problems] == [
        ("sheet_too_large", "Результаты", "GW")
    ]
    assert "последний заполненный столбец — GW" in res.problems[0].message


def test_chart_sheet_and_merges_on_the_cell_by_cell_path(tmp_path, demo, registry):
    """Every sheet is looked at now (results_elsewhere): a chart sheet (no cells) is skipped by both
    readers, and on the cell-by-cell path (a stray value at GR100000) merged cells below the header
    are still reported — read-only openpyxl has no merges, the pre-flight finds them."""
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.load_workbook(io.BytesIO(valid_xlsx(tmp_path, demo)))
    chart = BarChart()
    chart.add_data(Reference(wb["Результаты"], min_col=6, min_row=3, max_row=4))
    wb.create_chartsheet("Диаграмма").add_chart(chart)
    buf = io.BytesIO()
    wb.save(buf)
    res = process_bytes(buf.getvalue(), "submissions/f.xlsx", demo, registry, LIMITS)
    assert res.status == "accepted" and res.problems == []
    ws = wb["Результаты"]
    ws.cell(row=100_000, column=200, value=1)
    ws.merge_cells("C4:C5")
    buf = io.BytesIO()
    wb.save(buf)
    res = process_bytes(buf.getvalue(), "submissions/f.xlsx", demo, registry, LIMITS)
    codes = {(p.code, p.cell) for p in res.problems}
    assert ("merged_cells", "C4") in codes and ("column_extra", "GR") in codes


def test_a_dense_sheet_over_max_cells_is_rejected_clearly(tmp_path, demo, registry):
    """Sparse extents are read cell by cell; but more filled cells than `max_cells` no reader
    gets through within the worker's limits, so that is `sheet_too_large` with a clear message
    (here with a small `max_cells`)."""
    good = valid_xlsx(tmp_path, demo)
    res = process_bytes(good, "submissions/f.xlsx", demo, registry, {**LIMITS, "max_cells": 20})
    assert [(p.code, p.sheet) for p in res.problems] == [("sheet_too_large", "Результаты")]
    assert "заполненных ячеек" in res.problems[0].message


def test_a_damaged_sheet_is_a_russian_message_not_a_python_error(tmp_path, demo, registry):
    """An audit cut a sheet's XML: the school got
    «Файл не удалось обработать (ParseError(ExpatError('unclosed token…')))». Now: rejected with
    file_unreadable in Russian, saying what to do."""
    rows = [demo_row(i, f"К-{i}", definition=demo) for i in range(1, 30)]
    good = school_book(tmp_path / "g.xlsx", demo, rows).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) * 2 // 3]
            dst.writestr(info, data)
    res = process_bytes(out.getvalue(), "submissions/d.xlsx", demo, registry, LIMITS)
    assert res.status == "rejected"
    messages = [p.message for p in res.problems]
    assert [p.code for p in res.problems] == ["file_unreadable"], messages
    assert "сохраните заново" in messages[0] and "Error" not in messages[0]


def test_a_logical_cell_is_named_as_excel_shows_it(tmp_path, demo, registry):
    """A TRUE in a points cell: «ИСТИНА вместо балла», not Python's «True»."""
    points = [True] + [t["max"] for t in demo["tasks"][1:]]
    rows = [demo_row(i, f"К-{i}", points=points if i == 1 else None, definition=demo)
            for i in range(1, 8)]  # fmt: skip
    path = school_book(tmp_path / "b.xlsx", demo, rows)
    res = process_bytes(path.read_bytes(), "submissions/b.xlsx", demo, registry, LIMITS)
    text = " ".join(p.message for p in res.problems)
    assert "«ИСТИНА»" in text and "True" not in text


def test_quick_bound_finds_every_cell_it_cannot_vouch_for():
    """The pre-flight only bounds a sheet's extent when every cell's reference is a plain A1
    within columns A-Z and rows of at most d digits, d such that no limit can be exceeded."""
    from scripts.ingest.preflight import _quick_bound

    quick = _quick_bound(100_000, 200, 5_000_000)  # the defaults: rows up to 99 999
    inside = (
        b'<cols><col min="1" max="3"/></cols><row r="1"><c r="A1"><v>1</v></c>'
        b'<c r="Z99999" t="s"><v>0</v></c><c r="B2" s="1"/></row><cfRule type="x"/>'
    )
    assert quick.search(inside) is None
    for cell in (b'<c r="AA1">', b'<c r="A100000">', b"<c>", b"<c/>", b'<c s="1" r="A1">',
                 b'<c r="a1">', b'<c r="1">', b'<c r="">'):  # fmt: skip
        assert quick.search(inside + cell) is not None, cell
    assert quick.search(b'<c r="A10">') is None
    assert _quick_bound(50, 200, 5_000_000).search(b'<c r="A10">') is not None  # d = 1
    assert _quick_bound(100_000, 200, 1000).search(b'<c r="A10">') is not None  # 26 × 99 > 1000
    assert _quick_bound(100_000, 20, 5_000_000) is None  # fewer than 26 columns allowed
    assert _quick_bound(5, 200, 5_000_000) is None  # not even rows 1-9


def test_a_bounded_sheet_reads_as_the_measured_one(tmp_path, monkeypatch):
    """Same cells with and without the quick bound; a limit below the bound is still checked
    against the measured extent (the message names the last row)."""
    from scripts.ingest import preflight

    grid = [[f"r{i}c{j}" if (i + j) % 3 else float(i * j) for j in range(20)] for i in range(40)]
    data = xlsxwriter_book(tmp_path / "b.xlsx", {"S": grid, "T": [["x"]]}, {"S": (2, 1)})
    data = data.read_bytes()
    bounded = read_workbook(data, LIMITS)
    monkeypatch.setattr(preflight, "_quick_bound", lambda *limits: None)
    measured = read_workbook(data, LIMITS)
    for name in ("S", "T"):
        a, b = bounded.sheets[name], measured.sheets[name]
        assert (a.first_row, a.first_col, a.rows) == (b.first_row, b.first_col, b.rows)
    assert bounded.sheets["S"].rows[0][:3] == [0.0, "r0c1", "r0c2"]
    monkeypatch.undo()
    zf = zipfile.ZipFile(io.BytesIO(data))
    seen = preflight.inspect_zip(zf, "xlsx", LIMITS).sheets
    assert seen["S"].bounded and seen["S"].last_row == 0  # not measured
    seen = preflight.inspect_zip(zf, "xlsx", {**LIMITS, "max_rows": 30}).sheets
    assert not seen["S"].bounded and (seen["S"].last_row, seen["S"].last_col) == (42, 21)
    with pytest.raises(ReadError) as err:
        read_workbook(data, {**LIMITS, "max_rows": 30})
    assert err.value.code == "sheet_too_large" and err.value.cell == "42"
    assert "последняя заполненная строка — 42" in err.value.message
