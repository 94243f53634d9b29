"""School templates: the format v1 of SPEC §3.3, validations and protection in the XML, bytes."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from python_calamine import CalamineWorkbook

from scripts.templates.registry_reader import School, load_schools
from scripts.templates.school_main import make_templates
from scripts.templates.school_template import (
    RowPolicy,
    TemplateFactory,
    build_school_workbook,
    layout_for,
    zip_bytes,
)

from .conftest import DATA

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def sheet_xml(data: bytes) -> dict[str, ET.Element]:
    """Sheet name → parsed worksheet XML of an xlsx."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    out = {}
    for s in wb.find("m:sheets", NS):
        out[s.get("name")] = ET.fromstring(zf.read("xl/" + target[s.get(rid)].lstrip("/")))
    return out


def test_rows_policy():
    p = RowPolicy()
    assert p.rows_for(None) == 40
    assert p.rows_for(0) == 40
    assert p.rows_for(4) == 9  # min 5 spare
    assert p.rows_for(47) == 47 + 5
    assert p.rows_for(120) == 132  # +10 %


def test_validations_and_protection_in_xml(definition, school):
    data = build_school_workbook(definition, school, 52)
    sheets = sheet_xml(data)
    assert list(sheets) == ["Инструкция", "Титул", "Результаты"]
    for name, root in sheets.items():
        prot = root.find("m:sheetProtection", NS)
        assert prot is not None and prot.get("sheet") == "1", name
        assert prot.get("password") is None  # documented: no password
    res = sheets["Результаты"]
    dvs = {dv.get("sqref"): dv for dv in res.find("m:dataValidations", NS)}
    layout = layout_for(definition)
    for i, (task, top) in enumerate(zip(layout.task_ids, layout.task_max, strict=True)):
        col = chr(ord("F") + i)
        dv = dvs[f"{col}4:{col}55"]
        assert dv.get("type") == "whole"
        assert dv.find("m:formula1", NS).text == "0"
        assert dv.find("m:formula2", NS).text == str(top)
        assert dv.get("showErrorMessage") == "1" and f"задание {task}" in dv.get("error")
        assert "баллов" in dv.get("prompt")
    assert dvs["D4:D55"].get("type") == "list"
    assert dvs["D4:D55"].find("m:formula1", NS).text == '"1,2"'
    assert dvs["E4:E55"].find("m:formula1", NS).text == '"да,нет"'
    # header locked (default style), data cells unlocked
    styles = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml"))
    xfs = styles.find("m:cellXfs", NS).findall("m:xf", NS)

    def locked(ref):
        c = res.find(f".//m:c[@r='{ref}']", NS)
        prot = xfs[int(c.get("s", 0))].find("m:protection", NS)
        return prot is None or prot.get("locked") != "0"

    assert locked("A3") and locked("F3") and locked("T4") and locked("A4")
    assert not locked("B4") and not locked("F55") and not locked("E10")
    pane = res.find(".//m:pane", NS)
    assert pane.get("state") == "frozen" and pane.get("ySplit") == "3"


def test_reads_as_format_v1(definition, school):
    data = build_school_workbook(definition, school, 52)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    title = dict((r[0], r[1]) for r in wb.get_sheet_by_name("Титул").to_python() if r[0])
    assert title["Код ОО"] == "010001"
    assert title["Наименование ОО"] == 'МБОУ "Средняя школа № 1"'
    assert title["Муниципалитет"] == "Город Иваново"
    assert title["Шаблон"] == "math4-2021-v1"
    rows = wb.get_sheet_by_name("Результаты").to_python()
    header = next(i for i, r in enumerate(rows) if r[0] == "№")
    assert header == 2
    ids = [t["id"] for t in definition["tasks"]]
    assert rows[header] == [
        "№",
        "Код участника",
        "Класс",
        "Вариант",
        "Отсутствовал",
        *ids,
        "Итого",
        "Отметка",
    ]
    data_rows = rows[header + 1 :]
    assert len(data_rows) == 52
    assert [r[0] for r in data_rows] == list(range(1, 53))
    # unused rows: only № is non-empty (cached formula values are empty)
    assert all(all(v == "" for v in r[1:]) for r in data_rows)
    # task headers are stored as text (shared strings), not numbers
    xml = sheet_xml(data)["Результаты"]
    assert all(xml.find(f".//m:c[@r='{c}3']", NS).get("t") == "s" for c in "FGHIJ")


def test_factory_equals_direct_build(definition):
    factory = TemplateFactory(definition)
    for school in (
        School("01", "Город Иваново", "010001", "Школа «А» & <Б>", "город", 47),
        School("27", "Район", "270015", "МКОУ Школа", "село", None),
    ):
        for rows in (1, 2, 9, 52, 132):
            assert factory.build(school, rows) == build_school_workbook(definition, school, rows)


def test_deterministic_and_sync(tmp_path, definition):
    reg = tmp_path / "registry.csv"
    shutil.copy(DATA / "registry_cp1251.csv", reg)
    out = tmp_path / "templates"
    counts = make_templates(Path("config/assessments/math4-2021.yaml"), reg, out)
    assert counts["schools"] == 3 and counts["written"] == 5  # 3 workbooks + 2 zips
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        ".done",
        "01.zip",
        "01/010001.xlsx",
        "01/010002.xlsx",
        "02.zip",
        "02/020001.xlsx",
    ]
    snapshot = {f: (out / f).read_bytes() for f in files}
    mtimes = {f: (out / f).stat().st_mtime_ns for f in files if f != ".done"}
    (out / "99").mkdir()
    (out / "99" / "stale.xlsx").write_bytes(b"x")
    counts = make_templates(Path("config/assessments/math4-2021.yaml"), reg, out)
    assert counts["written"] == 0 and counts["removed"] == 1 and not (out / "99").exists()
    assert {f: (out / f).read_bytes() for f in files} == snapshot
    assert {f: (out / f).stat().st_mtime_ns for f in mtimes} == mtimes
    zf = zipfile.ZipFile(out / "01.zip")
    assert zf.namelist() == ["010001.xlsx", "010002.xlsx"]
    assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert zf.read("010001.xlsx") == snapshot["01/010001.xlsx"]
    assert re.fullmatch(r"([0-9a-f]{64}  \S+\n)+", snapshot[".done"].decode())
    # rows: 47 expected → 52; unknown → 40; 4 → 9
    n = {
        f: len(CalamineWorkbook.from_path(str(out / f)).get_sheet_by_name("Результаты").to_python())
        - 3
        for f in ("01/010001.xlsx", "01/010002.xlsx", "02/020001.xlsx")
    }
    assert n == {"01/010001.xlsx": 52, "01/010002.xlsx": 40, "02/020001.xlsx": 9}
    with zipfile.ZipFile(out / "01" / "010001.xlsx") as x:
        assert "2021-04-29T00:00:00Z" in x.read("docProps/core.xml").decode()
        assert {i.date_time for i in x.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_zip_bytes_deterministic():
    a = zip_bytes({"b.xlsx": b"2", "a.xlsx": b"1"})
    assert a == zip_bytes({"a.xlsx": b"1", "b.xlsx": b"2"})
    assert zipfile.ZipFile(io.BytesIO(a)).namelist() == ["a.xlsx", "b.xlsx"]


def test_templates_read_the_registry_as_ingest_does(tmp_path):
    """The templates take the schools from the ingest stage's reader (cp1251, `;`; UTF-8 with a
    BOM, `,`), so templates and validation agree on every code and name."""
    shared = load_schools(DATA / "registry_cp1251.csv")
    assert [s.school_code for s in shared] == ["010001", "010002", "020001"]
    assert shared[0].school_name == 'МБОУ "Средняя школа № 1"'
    assert [s.expected_students for s in shared] == [47, None, 4]
    bom = tmp_path / "registry.csv"
    text = (DATA / "registry_cp1251.csv").read_bytes().decode("cp1251").replace(";", ",")
    bom.write_bytes(
        b"\xef\xbb\xbf" + text.replace('"Средняя школа № 1"', "Средняя школа № 1").encode()
    )
    assert [s.school_code for s in load_schools(bom)] == ["010001", "010002", "020001"]


def test_examples_name_the_assessments_grade(definition, school):
    """An audit: a grade-3 work's template still gave «например, 4А-01»."""
    data = build_school_workbook({**definition, "grade": 3}, school, 52)
    text = zipfile.ZipFile(io.BytesIO(data))
    xml = "".join(text.read(n).decode("utf-8") for n in text.namelist() if n.endswith(".xml"))
    assert "3А-01" in xml and "4А-01" not in xml and "например 3А" in xml
