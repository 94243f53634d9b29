"""The registry: encodings, separators, XLSX, codes as text, one clear error for a bad registry."""

import pytest

from scripts.common.entry import StageError
from scripts.ingest.registry import parse_registry
from tests.ingest.conftest import openpyxl_book

HEADER = [
    "Код МО",
    "Муниципалитет",
    "Код ОО",
    "Наименование ОО",
    "Тип местности",
    "Обучающихся 4 классов",
]
ROWS = [
    ["01", "г. Иваново", "000101", "Школа № 1", "город", "25"],
    ["02", "Вичугский район", "000201", "Школа, «сельская»", "село", ""],
]


def csv_text(sep, rows=ROWS, header=HEADER):
    def q(v):
        return f'"{v}"' if sep in v or '"' in v else v

    return "\n".join(sep.join(q(v) for v in r) for r in [header, *rows]) + "\n"


@pytest.mark.parametrize(
    ("encoding", "sep"), [("cp1251", ";"), ("utf-8", ","), ("utf-8-sig", ";"), ("utf-8-sig", ",")]
)
def test_csv_variants(encoding, sep):
    rows = parse_registry(csv_text(sep).encode(encoding), "registry.csv")
    assert [r["school_code"] for r in rows] == ["000101", "000201"]
    assert rows[1]["school_name"] == "Школа, «сельская»"
    assert rows[0]["expected_students"] == 25 and rows[1]["expected_students"] is None
    assert rows[1]["settlement"] == "село"


def test_a_utf8_bom_before_windows_1251_text_is_not_part_of_the_header():
    """An audit: «нет столбца «Код МО»» — the header read «п»їКод МО» (an editor's BOM in front
    of a Windows-1251 file)."""
    rows = parse_registry(b"\xef\xbb\xbf" + csv_text(";").encode("cp1251"), "registry.csv")
    assert [r["school_code"] for r in rows] == ["000101", "000201"]
    assert rows[1]["school_name"] == "Школа, «сельская»"


def test_headers_case_spaces_colon_and_optional_columns():
    header = [" код мо ", "МУНИЦИПАЛИТЕТ:", "Код ОО", "наименование оо"]
    text = csv_text(";", [r[:4] for r in ROWS], header)
    rows = parse_registry(text.encode("cp1251"), "registry.csv")
    assert rows[0]["settlement"] == "" and rows[0]["expected_students"] is None


def test_xlsx_first_sheet(tmp_path):
    path = openpyxl_book(
        tmp_path / "registry.xlsx",
        {"Реестр": [HEADER, *ROWS], "Другое": [["x"]]},
        {"Реестр": (2, 0)},
    )
    rows = parse_registry(path.read_bytes(), "registry.xlsx")
    assert [r["school_code"] for r in rows] == ["000101", "000201"]


def test_duplicate_code_stops_the_run():
    rows = [*ROWS, ["03", "Кинешма", "000101", "Другая", "город", "3"]]
    with pytest.raises(StageError, match=r"registry.csv, строка 4: код ОО 000101 повторяется"):
        parse_registry(csv_text(",", rows).encode(), "registry.csv")


def test_every_bad_registry_row_is_its_own_line():
    """SPEC §10: one line per problem — an audit's registry with two duplicated codes named only
    the first. Each bad row gets its line (the entry prints «Ошибка: » before the first)."""
    rows = [*ROWS, ["03", "Кинешма", "000101", "Другая", "город", "3"],
            ["03", "Кинешма", "000201", "", "хутор", "3"]]  # fmt: skip
    with pytest.raises(StageError) as info:
        parse_registry(csv_text(",", rows).encode(), "registry.csv")
    assert str(info.value).split("\nОшибка: ") == [
        "registry.csv, строка 4: код ОО 000101 повторяется (уже в строке 2); коды школ в реестре "
        "должны быть уникальны",
        "registry.csv, строка 5: код ОО 000201 повторяется (уже в строке 3); коды школ в реестре "
        "должны быть уникальны",
        "registry.csv, строка 5: не заполнен столбец «Наименование ОО»",
        "registry.csv, строка 5: тип местности «хутор» — допустимо «город» или «село»",
    ]


@pytest.mark.parametrize(
    ("rows", "header", "pattern"),
    [
        (ROWS, HEADER[1:], "нет столбца «Код МО»"),
        ([["01", "М", "", "Ш", "", ""]], HEADER, "не указан код ОО"),
        ([["01", "М", "1", "Ш", "хутор", ""]], HEADER, "тип местности"),
        ([["01", "М", "1", "Ш", "", "много"]], HEADER, "не целое число"),
        ([], HEADER, "нет ни одной школы"),
    ],
)
def test_bad_registry(rows, header, pattern):
    with pytest.raises(StageError, match=pattern):
        parse_registry(csv_text(",", rows, header).encode(), "registry.csv")


def test_xlsx_codes_typed_as_numbers_keep_the_zeros_excel_shows(tmp_path):
    """SPEC §3.2: codes keep their leading zeros — also a code typed as a number in a column
    formatted `000000` (Excel shows 10001 as 010001). Without such a format a code shorter than
    the column's others is padded to their width (the run says so). The number of students stays
    a number."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append([1, "г. Иваново", 10001, "Школа № 1", "город", 25])
    ws.append([2, "Вичугский район", 20002, "Школа № 2", "село", 7])
    ws.append([3, "Кинешма", 30003, "Школа № 3", "город", None])
    for row in (2, 3):
        ws.cell(row=row, column=3).number_format = "000000"
        ws.cell(row=row, column=1).number_format = "00"
    path = tmp_path / "registry.xlsx"
    wb.save(path)
    rows = parse_registry(path.read_bytes(), "registry.xlsx")
    assert [(r["municipality_code"], r["school_code"]) for r in rows] == [
        ("01", "010001"), ("02", "020002"), ("03", "030003")]  # fmt: skip
    assert [r["expected_students"] for r in rows] == [25, 7, None]


def test_xlsx_codes_typed_as_numbers_without_a_format(tmp_path, caplog):
    """An audit's registry.xlsx: codes typed as numbers in a General column (010001 → 10001). Where
    other codes of the column are text with their zero (010002), that is the length: 10001 is
    padded to 010001, and one warning line says so. Where every code is a number, nothing says
    there were zeros (codes 1 … 27, 101 and 1201 may be just that — a review): they stay, and a
    workbook's 010001 still matches 10001 (test_template)."""
    import openpyxl

    def book(rows):
        wb = openpyxl.Workbook()
        wb.active.append(HEADER)
        for r in rows:
            wb.active.append(r)
        path = tmp_path / "registry.xlsx"
        wb.save(path)
        return path.read_bytes()

    mixed = [[1, "г. Иваново", 10001, "Школа № 1", "город", 25],
             ["02", "Кинешма", "020002", "Школа № 2", "город", 7]]  # fmt: skip
    with caplog.at_level("WARNING", logger="stage"):
        rows = parse_registry(book(mixed), "registry.xlsx")
    assert [(r["municipality_code"], r["school_code"]) for r in rows] == [
        ("01", "010001"), ("02", "020002")]  # fmt: skip
    assert "коды ОО записаны числами" in caplog.text and "коды МО" in caplog.text
    caplog.clear()
    numbers = [[1, "г. Иваново", 101, "Школа № 1", "город", 25],
               [12, "Кинешма", 1201, "Школа № 2", "город", 7]]  # fmt: skip
    with caplog.at_level("WARNING", logger="stage"):
        rows = parse_registry(book(numbers), "registry.xlsx")
    assert [(r["municipality_code"], r["school_code"]) for r in rows] == [
        ("1", "101"),
        ("12", "1201"),
    ]
    assert caplog.text == ""


def test_a_csv_with_two_encodings_is_one_clear_line():
    """An audit appended one Windows-1251 line to a UTF-8 registry: a UnicodeDecodeError
    traceback (its UTF-8 bytes are not Windows-1251 either)."""
    data = csv_text(",").encode("utf-8") + "03,Кинешма,000301,Школа,город,\n".encode("cp1251")
    with pytest.raises(StageError, match=r"registry.csv, строка 4: текст не в кодировке UTF-8"):
        parse_registry(data, "registry.csv")


def test_csv_separator_from_the_header_line_after_blank_lines():
    text = "\n  \n" + csv_text(";")
    rows = parse_registry(text.encode("utf-8"), "registry.csv")
    assert [r["school_code"] for r in rows] == ["000101", "000201"]


def test_title_rows_above_the_header(tmp_path):
    """A registry exported as a report: title rows above the header row (the row naming «Код ОО»);
    errors still name the file's own row numbers."""
    path = openpyxl_book(
        tmp_path / "registry.xlsx",
        {"Реестр": [["Реестр ОО, 4 классы"], ["на 01.09.2021"], [], HEADER, *ROWS,
                    ["03", "Кинешма", "000101", "Другая", "город", "3"]]},
    )  # fmt: skip
    with pytest.raises(StageError, match=r"registry.xlsx, строка 7: код ОО 000101 повторяется"):
        parse_registry(path.read_bytes(), "registry.xlsx")
    text = "Реестр школ на 01.09.2021\n" + csv_text(";")  # the title has no separator
    assert [r["school_code"] for r in parse_registry(text.encode(), "r.csv")] == [
        "000101",
        "000201",
    ]


def test_an_unclosed_quote_a_second_code_column_and_one_code_two_names(caplog):
    """Audit: a quote never closed swallowed the next school silently; a second «Код ОО» column
    was ignored; one municipality code with two names passed without a word."""
    rows = [*ROWS, ["01", "г Иваново", "000102", "Школа № 2", "город", ""]]
    bad = csv_text(",", rows).replace("Школа № 1", '"Школа № 1')
    with pytest.raises(StageError, match=r"registry.csv, строка 2: кавычка"):
        parse_registry(bad.encode(), "registry.csv")
    # a review's case: a closed quote whose second line has commas of its own is a name, not an error
    address = csv_text(",", ROWS[:1]).replace(
        "Школа № 1", '"МБОУ ""СШ № 1""\nг. Иваново, ул. Ленина, д. 1, корп. 2"'
    )
    assert parse_registry(address.encode(), "r.csv")[0]["school_name"].endswith("корп. 2")
    # a name with a line break of its own (Alt+Enter), properly quoted, is no unclosed quote
    two_lines = csv_text(",", ROWS[:1]).replace("Школа № 1", '"Школа № 1\nкорпус 2"')
    assert parse_registry(two_lines.encode(), "r.csv")[0]["school_code"] == "000101"
    with pytest.raises(StageError, match="столбец «Код ОО» повторяется"):
        parse_registry(
            csv_text(",", [r + ["x"] for r in ROWS], HEADER + ["Код ОО"]).encode(), "r.csv"
        )
    with caplog.at_level("WARNING", logger="stage"):
        assert len(parse_registry(csv_text(",", rows).encode(), "registry.csv")) == 3
    assert "у муниципалитета с кодом 01 разные названия: «г Иваново», «г. Иваново»" in caplog.text
