"""The municipal report form (SPEC §9): the 8 rows of measures of the regional order, per municipality.

The workbook has the report itself («Отчёт») and four reference sheets the pre-filled cells point
to: «Показатели» (municipality against the region), «Зона риска» (schools in the risk zone or with
signs of non-objectivity, with reasons), «Дефициты» and «Рекомендации». The column «Данные
мониторинга» is filled from results/<id>/ and locked; «Сроки», «Ответственные» and «Результат /
подтверждающие документы» are left for the municipality (unlocked cells, sheet protected without a
password).
"""

from __future__ import annotations

import io
import math

from scripts.common.labels import CRITERIA, RISK_WITHHELD, RISK_WITHHELD_WHY, RULES
from scripts.common.numfmt import round_half_up, ru_date
from scripts.site.escape import csv_cell
from scripts.templates.school_template import doc_date, text_workbook

SHEET_REPORT = "Отчёт"
SHEET_FIGURES = "Показатели"
SHEET_RISK = "Зона риска"
SHEET_DEFICITS = "Дефициты"
SHEET_RECS = "Рекомендации"

REPORT_COLUMNS = (
    ("№", 5),
    ("Мероприятие", 34),
    ("Данные мониторинга (заполнено ЦОКО)", 62),
    ("Сроки", 13),
    ("Ответственные", 20),
    ("Результат / подтверждающие документы", 34),
)

# The 8 rows of the regional order's report, in its order: (key, text of the measure).
MEASURES = (
    (
        "objectivity",
        "Меры по обеспечению объективности проведения диагностической работы и оценивания",
    ),
    ("observation", "Организация независимого (общественного) наблюдения в ОО"),
    ("acts", "Акты общественных наблюдателей (количество, выявленные нарушения)"),
    ("analysis", "Анализ результатов диагностической работы на муниципальном уровне"),
    ("recommendations", "Рекомендации для ОО по итогам диагностической работы"),
    (
        "methodical",
        "Заседание муниципального методического объединения учителей начальных классов",
    ),
    ("risk", "Меры в отношении ОО, попавших в зону риска"),
    ("decisions", "Управленческие решения по итогам мониторинга"),
)

AUDIENCES = {
    "teachers": "учителям",
    "administration": "администрации ОО",
    "municipality": "муниципалитету",
}
LEVELS = {"basic": "базовый", "advanced": "повышенный"}


# --- wording --------------------------------------------------------------------------------------


def num(text, digits: int = 1) -> str:
    """A results/ number as Russian text (decimal comma); '—' when empty."""
    if text in (None, ""):
        return "—"
    value = float(text)
    if digits == 0:
        return str(int(round_half_up(value, 0)))
    return f"{round_half_up(value, digits):.{digits}f}".replace(".", ",")


def _threshold(value) -> str:
    value = float(value)
    text = str(int(value)) if value.is_integer() else f"{value}".replace(".", ",")
    return text


def reason_text(scope: str, rule: str, thr: dict) -> str:
    """Human-readable Russian for a rule id of `risk_reasons` / `objectivity_flags`."""
    risk = thr.get("risk", {})
    obj = thr.get("objectivity", {})
    school = risk.get("school", {})
    mo = risk.get("municipality", {})
    texts = {
        ("school", "below_basic_pct"): "доля обучающихся, не достигших базового уровня, ≥ "
        f"{_threshold(school.get('below_basic_pct', 25))} %",
        ("school", "basic_tasks_pct"): "выполнение заданий базового уровня < "
        f"{_threshold(school.get('basic_tasks_pct', 57))} %",
        ("school", "too_few"): f"менее {risk.get('min_participants', 5)} участников "
        "(не классифицируется)",
        ("municipality", "below_basic_pct"): "доля обучающихся, не достигших базового уровня, ≥ "
        f"{_threshold(mo.get('below_basic_pct', 20))} %",
        ("municipality", "schools_in_risk_pct"): "доля ОО в зоне риска ≥ "
        f"{_threshold(mo.get('schools_in_risk_pct', 30))} % классифицированных ОО",
        ("objectivity", "advanced_over_basic"): "задания повышенного уровня выполнены на ≥ "
        f"{_threshold(obj.get('advanced_over_basic_pp', 15))} п.п. лучше, чем в регионе, "
        "а базового — не лучше региона",
        ("objectivity", "threshold_peak"): "≥ "
        f"{_threshold(obj.get('threshold_peak', {}).get('share_pct', 20))} % участников набрали "
        "ровно минимальный для базового уровня балл (в ≥ "
        f"{_threshold(obj.get('threshold_peak', {}).get('ratio', 3))} раза чаще, чем в регионе)",
        ("objectivity", "identical_answers"): "одинаковые ответы у ≥ "
        f"{obj.get('identical_answers', {}).get('min_students', 5)} участников (≥ "
        f"{_threshold(obj.get('identical_answers', {}).get('share_pct', 30))} % участников)",
    }
    return texts.get((scope, rule), rule)


def split_ids(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(";") if p.strip()]


def truthy(text) -> bool:
    return str(text or "").strip().lower() in ("1", "true", "да", "yes")


def school_reasons(row: dict, thr: dict) -> str:
    """'доля … ≥ 25 % (31,2 %); выполнение … < 57 % (52,0 %)' for a school row of schools.csv."""
    values = {
        "below_basic_pct": row.get("below_basic_pct"),
        "basic_tasks_pct": row.get("basic_tasks_pct"),
    }
    parts = []
    for rule in split_ids(row.get("risk_reasons", "")):
        text = reason_text("school", rule, thr)
        if values.get(rule) not in (None, ""):
            text += f" (в ОО: {num(values[rule])} %)"
        parts.append(text)
    return "; ".join(parts)


def objectivity_reasons(row: dict, thr: dict) -> str:
    return "; ".join(
        reason_text("objectivity", r, thr) for r in split_ids(row.get("objectivity_flags", ""))
    )


def municipality_reasons(mo: dict, thr: dict) -> str:
    values = {
        "below_basic_pct": mo.get("below_basic_pct"),
        "schools_in_risk_pct": mo.get("schools_in_risk_pct"),
    }
    parts = []
    for rule in split_ids(mo.get("risk_reasons", "")):
        text = reason_text("municipality", rule, thr)
        if values.get(rule) not in (None, ""):
            text += f" (в МО: {num(values[rule])} %)"
        parts.append(text)
    return "; ".join(parts)


FIGURES = (
    # (label, column, digits, compare with region)
    ("ОО в реестре", "schools", 0, False),
    ("ОО, результаты которых приняты", "schools_accepted", 0, False),
    ("Участников (выполняли работу)", "participants", 0, False),
    ("Отсутствовали", "absent", 0, False),
    ("Доля участия, %", "participation_pct", 1, True),
    ("Средний балл", "mean_score", 2, True),
    ("Не достигли базового уровня, %", "below_basic_pct", 1, True),
    ("Базовый уровень, %", "basic_pct", 1, True),
    ("Выше базового уровня, %", "above_basic_pct", 1, True),
    ("Выполнение заданий базового уровня, %", "basic_tasks_pct", 1, True),
    ("Выполнение заданий повышенного уровня, %", "advanced_tasks_pct", 1, True),
    ("ОО в зоне риска", "schools_in_risk", 0, False),
)


def analysis_text(mo: dict, region: dict, thr: dict) -> str:
    """The pre-filled text of row 4 (analysis of results): key figures against the region."""
    lines = [
        f"Участников: {num(mo.get('participants'), 0)} (регион: {num(region.get('participants'), 0)}); "
        f"доля участия {num(mo.get('participation_pct'))} % (регион: {num(region.get('participation_pct'))} %).",
        f"Не достигли базового уровня: {num(mo.get('below_basic_pct'))} % "
        f"(регион: {num(region.get('below_basic_pct'))} %).",
        f"Выше базового уровня: {num(mo.get('above_basic_pct'))} % "
        f"(регион: {num(region.get('above_basic_pct'))} %).",
        f"Средний балл: {num(mo.get('mean_score'), 2)} (регион: {num(region.get('mean_score'), 2)}).",
        f"Выполнение заданий базового уровня: {num(mo.get('basic_tasks_pct'))} % "
        f"(регион: {num(region.get('basic_tasks_pct'))} %); повышенного: "
        f"{num(mo.get('advanced_tasks_pct'))} % (регион: {num(region.get('advanced_tasks_pct'))} %).",
    ]
    if mo.get("risk_withheld"):  # the site's form of a tiny hidden municipality (pages.Site)
        lines.append(f"{RISK_WITHHELD['Муниципалитет']} не публикуется: {RISK_WITHHELD_WHY}.")
    elif mo.get("risk") in (None, ""):
        lines.append("Муниципалитет не классифицирован (нет участников).")
    elif truthy(mo.get("risk")):
        lines.append("Муниципалитет в зоне риска: " + municipality_reasons(mo, thr) + ".")
    else:
        lines.append("Муниципалитет не в зоне риска.")
    lines.append(f"Подробно — лист «{SHEET_FIGURES}».")
    return "\n".join(lines)


def unassessed_text(schools: list[dict], thr: dict) -> str:
    """The schools the risk zone says nothing about, by why: so that «no school in the zone» is
    not read as «every school assessed»."""
    fewer = f"менее {thr.get('risk', {}).get('min_participants', 5)} участников"
    groups = {"rejected": [], "missing": [], "too_few": [], "withheld": []}
    for s in schools:
        if s.get("status") in ("rejected", "missing"):
            groups[s["status"]].append(s)
        elif s.get("risk_withheld"):  # the site's form: a hidden school's classification withheld
            groups["withheld"].append(s)
        elif s.get("risk") in (None, ""):
            groups["too_few"].append(s)
    parts = [
        f"{what} — " + ", ".join(f"{s['school_code']} {s.get('school_name', '')}" for s in group)
        for what, group in (("файл отклонён", groups["rejected"]), ("нет файла", groups["missing"]),
                            (fewer, groups["too_few"]),
                            ("отнесение к зоне риска не публикуется (малая группа)", groups["withheld"]))
        if group
    ]  # fmt: skip
    return "Не оценены: " + "; ".join(parts) + "." if parts else ""


def measure_texts(
    definition: dict,
    thr: dict,
    mo: dict,
    region: dict,
    schools: list[dict],
    deficits: list[dict],
    recommendations: list[dict],
    schools_with_recommendations: int,
) -> dict[str, str]:
    """The «Данные мониторинга» cell of each of the 8 rows (empty where the data says nothing)."""
    risk = [s for s in schools if truthy(s.get("risk"))]
    flagged = [s for s in schools if split_ids(s.get("objectivity_flags", ""))]
    classified = [s for s in schools if s.get("risk") not in (None, "")]
    texts = {key: "" for key, _ in MEASURES}

    if flagged:
        lines = [
            f"ОО с признаками необъективности результатов: {len(flagged)} "
            "(признаки — повод для проверки, а не вывод):"
        ]
        lines += [
            f"• {s['school_code']} {s.get('school_name', '')} — {objectivity_reasons(s, thr)}"
            for s in flagged
        ]
        lines.append(f"Подробно — лист «{SHEET_RISK}».")
        texts["objectivity"] = "\n".join(lines)
    elif any("objectivity_checked" in s for s in schools) and not any(
        truthy(s.get("objectivity_checked")) for s in schools
    ):  # «not found» would read as «looked for» (an audit: a municipality with no participants)
        least = thr.get("objectivity", {}).get("min_participants", 10)
        if str(mo.get("participants") or "0").strip() in ("", "0"):  # nothing came in at all
            texts["objectivity"] = ("Признаки необъективности не проверялись: результатов ОО "
                                    "муниципалитета нет (файлы не получены или отклонены).")  # fmt: skip
        else:
            texts["objectivity"] = (f"Признаки необъективности не проверялись: ни в одной ОО "
                                    f"муниципалитета нет {least} участников (проверяются ОО с {least} и более).")  # fmt: skip
    else:
        texts["objectivity"] = (
            "Признаки необъективности результатов в ОО муниципалитета не выявлены."
        )

    texts["analysis"] = analysis_text(mo, region, thr)

    lines = []
    if deficits:
        tasks = ", ".join(
            f"№ {d['task']} ({d.get('result', '')})"
            for d in deficits
            if d.get("task") not in ("", None)
        )
        lines.append(
            f"Дефициты муниципалитета (задания): {tasks}. Подробно — лист «{SHEET_DEFICITS}»."
        )
    else:
        lines.append(_no_deficits(mo))
    lines.append(
        f"Адресные рекомендации ЦОКО подготовлены для ОО муниципалитета: {schools_with_recommendations}."
    )
    if recommendations:
        lines.append(f"Рекомендации муниципалитету: {len(recommendations)} — лист «{SHEET_RECS}».")
    texts["recommendations"] = "\n".join(lines)

    if risk:
        lines = [f"ОО в зоне риска: {len(risk)} из {len(classified)} классифицированных:"]
        lines += [
            f"{i}. {s['school_code']} {s.get('school_name', '')} — {school_reasons(s, thr)}"
            for i, s in enumerate(risk, start=1)
        ]
        texts["risk"] = "\n".join(lines)
    else:
        texts["risk"] = f"ОО в зоне риска нет (классифицировано ОО: {len(classified)})."
    if unassessed := unassessed_text(schools, thr):
        texts["risk"] += "\n" + unassessed

    if truthy(mo.get("risk")):
        texts["decisions"] = "Муниципалитет в зоне риска: " + municipality_reasons(mo, thr) + "."
    return texts


# --- workbook -----------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell whose text comes from the inputs (a school's name, a planned result, a
    recommendation): one a spreadsheet could take for a formula (`=`, `+`, `-`, `@`) gets a
    leading `'`, as in every download (SPEC §7)."""
    return str(csv_cell(value))


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column of `width` characters (a generous estimate)."""
    per_line = max(1.0, width * 1.15 - 2)
    return sum(max(1, math.ceil(len(par) / per_line)) for par in str(text).split("\n"))


def _row_height(texts_widths) -> float:
    lines = max((_lines(t, w) for t, w in texts_widths if t), default=1)
    return min(409, 13.5 * lines + 6)


def _float(text):
    return None if text in (None, "") else float(text)


def build_report(
    definition: dict,
    thr: dict,
    mo: dict,
    region: dict,
    schools: list[dict],
    deficits: list[dict],
    recommendations: list[dict],
    schools_with_recommendations: int = 0,
) -> bytes:
    """The report form of one municipality as XLSX bytes (deterministic)."""
    buf = io.BytesIO()
    wb = text_workbook(buf)
    created = doc_date(definition)
    wb.set_properties(
        {
            "title": f"Отчёт МО {mo.get('municipality_code', '')}",
            "author": "ЦОКО",
            "created": created,
        }
    )
    base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
    border = {"border": 1, "border_color": "#808080"}

    def f(**kw):
        return wb.add_format({**base, **kw})

    fmt = {
        "title": f(bold=True, font_size=13),
        "sub": f(font_size=11),
        "header": f(
            bold=True,
            **border,
            bg_color="#D9E1F2",
            align="center",
            text_wrap=True,
            valign="vcenter",
        ),
        "cell": f(**border, text_wrap=True),
        "center": f(**border, align="center"),
        "data": f(**border, text_wrap=True, bg_color="#F2F2F2"),
        "input": f(**border, text_wrap=True, locked=False, bg_color="#FFFDE7"),
        "n0": f(**border, num_format="0"),
        "n1": f(**border, num_format="0.0"),
        "n2": f(**border, num_format="0.00"),
        "note": f(italic=True, font_color="#595959"),
    }
    texts = measure_texts(
        definition,
        thr,
        mo,
        region,
        schools,
        deficits,
        recommendations,
        schools_with_recommendations,
    )
    _report_sheet(wb, fmt, definition, mo, texts)
    _figures_sheet(wb, fmt, mo, region)
    _risk_sheet(wb, fmt, thr, schools)
    _deficits_sheet(wb, fmt, definition, deficits, mo)
    _recs_sheet(wb, fmt, recommendations)
    wb.close()
    return buf.getvalue()


PROTECT = {"format_columns": True, "format_rows": True}


def _report_sheet(wb, fmt, definition, mo, texts) -> None:
    ws = wb.add_worksheet(SHEET_REPORT)
    for col, (_, width) in enumerate(REPORT_COLUMNS):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, "Отчёт о мерах, принятых по результатам мониторинга", fmt["title"])
    ws.write_string(
        1, 0, f"{definition['title']} ({ru_date(definition.get('date', ''))})", fmt["sub"]
    )
    ws.write_string(
        2,
        0,
        f"Муниципалитет: {mo.get('municipality', '')} (код МО {mo.get('municipality_code', '')})",
        fmt["sub"],
    )
    header = 4
    ws.set_row(header, 30)
    for col, (name, _) in enumerate(REPORT_COLUMNS):
        ws.write_string(header, col, name, fmt["header"])
    widths = [w for _, w in REPORT_COLUMNS]
    for i, (key, measure) in enumerate(MEASURES, start=1):
        row = header + i
        data = texts.get(key, "")
        ws.write_number(row, 0, i, fmt["center"])
        ws.write_string(row, 1, measure, fmt["cell"])
        if data:
            ws.write_string(row, 2, data, fmt["data"])
        else:  # nothing in the data for it (observation, acts, the methodical meeting): theirs
            ws.write_blank(row, 2, None, fmt["input"])
        for col in (3, 4, 5):
            ws.write_blank(row, col, None, fmt["input"])
        height = _row_height([(measure, widths[1]), (data, widths[2])])
        ws.set_row(row, max(height, 45))
    foot = header + len(MEASURES) + 2
    ws.write_string(
        foot,
        0,
        "Серые ячейки заполнены ЦОКО по данным мониторинга; жёлтые заполняет муниципалитет.",
        fmt["note"],
    )
    ws.write_string(foot + 2, 1, "Руководитель МОУО", fmt["sub"])
    ws.write_string(foot + 2, 2, "____________________ / ____________________ /", fmt["sub"])
    ws.write_string(foot + 3, 1, "Дата", fmt["sub"])
    ws.write_string(foot + 3, 2, "«____» ______________ 20___ г.", fmt["sub"])
    ws.freeze_panes(header + 1, 0)
    ws.repeat_rows(header)
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.fit_to_pages(1, 0)
    ws.protect("", PROTECT)
    ws.activate()


def _table(ws, fmt, row: int, headers: list[tuple[str, float]]) -> None:
    for col, (name, width) in enumerate(headers):
        ws.set_column(col, col, width)
        ws.write_string(row, col, name, fmt["header"])
    ws.set_row(row, 42)


def _finish(ws, header_row: int) -> None:
    ws.freeze_panes(header_row + 1, 0)
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.protect("", PROTECT)


def _figures_sheet(wb, fmt, mo, region) -> None:
    ws = wb.add_worksheet(SHEET_FIGURES)
    ws.write_string(0, 0, f"Показатели: {mo.get('municipality', '')} и регион", fmt["title"])
    _table(ws, fmt, 2, [("Показатель", 44), ("Муниципалитет", 16), ("Регион", 14), ("Разница", 12)])
    for i, (label, column, digits, compare) in enumerate(FIGURES, start=3):
        ws.write_string(i, 0, label, fmt["cell"])
        style = fmt[f"n{digits}"]
        a, b = _float(mo.get(column)), _float(region.get(column))
        for col, value in ((1, a), (2, b)):
            if value is None:
                ws.write_blank(i, col, None, style)
            else:
                ws.write_number(i, col, value, style)
        if compare and a is not None and b is not None:
            ws.write_number(i, 3, round_half_up(a - b, digits), style)
        else:
            ws.write_blank(i, 3, None, style)
    ws.write_string(
        len(FIGURES) + 4,
        0,
        "Разница: муниципалитет минус регион (для процентов — в процентных пунктах).",
        fmt["note"],
    )
    _finish(ws, 2)


def _risk_sheet(wb, fmt, thr, schools) -> None:
    ws = wb.add_worksheet(SHEET_RISK)
    ws.write_string(0, 0, "ОО в зоне риска и ОО с признаками необъективности", fmt["title"])
    headers = [
        ("Код ОО", 10),
        ("Наименование ОО", 40),
        ("Участников", 11),
        ("Не достигли базового, %", 13),
        ("Выполнение базовых заданий, %", 13),
        ("Зона риска: причины", 48),
        ("Признаки необъективности", 48),
    ]
    _table(ws, fmt, 2, headers)
    rows = [
        s for s in schools if truthy(s.get("risk")) or split_ids(s.get("objectivity_flags", ""))
    ]
    for i, s in enumerate(rows, start=3):
        reasons = school_reasons(s, thr) if truthy(s.get("risk")) else ""
        flags = objectivity_reasons(s, thr)
        ws.write_string(i, 0, _text(s.get("school_code", "")), fmt["cell"])
        ws.write_string(i, 1, _text(s.get("school_name", "")), fmt["cell"])
        for col, key, style in (
            (2, "participants", "n0"),
            (3, "below_basic_pct", "n1"),
            (4, "basic_tasks_pct", "n1"),
        ):
            value = _float(s.get(key))
            if value is None:
                ws.write_blank(i, col, None, fmt[style])
            else:
                ws.write_number(i, col, value, fmt[style])
        ws.write_string(i, 5, reasons, fmt["cell"])
        ws.write_string(i, 6, flags, fmt["cell"])
        ws.set_row(i, _row_height([(s.get("school_name", ""), 40), (reasons, 48), (flags, 48)]))
    if not rows:
        ws.write_string(3, 0, "Нет ОО в зоне риска и ОО с признаками необъективности.", fmt["note"])
    ws.write_string(
        len(rows) + 4,
        0,
        "Признаки необъективности — повод для более внимательного рассмотрения, а не вывод.",
        fmt["note"],
    )
    _finish(ws, 2)


def _no_deficits(mo: dict) -> str:
    if not _float(mo.get("participants")):
        return "Дефициты не определялись: в муниципалитете нет участников."
    return "Общих для ОО муниципалитета дефицитов не выявлено."


def _deficits_sheet(wb, fmt, definition, deficits, mo) -> None:
    ws = wb.add_worksheet(SHEET_DEFICITS)
    ws.write_string(0, 0, "Дефициты муниципалитета (общие для ОО)", fmt["title"])
    texts = {r["code"]: r["text"] for r in definition.get("planned_results", [])}
    headers = [
        ("Задание", 9),
        ("Уровень", 12),
        ("Планируемый результат", 60),
        ("Выполнение в МО, %", 12),
        ("Регион, %", 10),
        ("Доля ОО с дефицитом, %", 12),
        ("Критерий", 26),
    ]
    _table(ws, fmt, 2, headers)
    for i, d in enumerate(deficits, start=3):
        result = d.get("result", "")
        result_text = f"{result} {texts.get(result, '')}".strip()
        criteria = ", ".join(CRITERIA.get(c, c) for c in split_ids(d.get("criterion", "")))
        ws.write_string(i, 0, _text(d.get("task", "")), fmt["center"])
        ws.write_string(i, 1, LEVELS.get(d.get("level", ""), d.get("level", "")), fmt["cell"])
        ws.write_string(i, 2, _text(result_text), fmt["cell"])
        for col, key in ((3, "completion_pct"), (4, "region_pct"), (5, "schools_share_pct")):
            value = _float(d.get(key))
            if value is None:
                ws.write_blank(i, col, None, fmt["n1"])
            else:
                ws.write_number(i, col, value, fmt["n1"])
        ws.write_string(i, 6, criteria, fmt["cell"])
        ws.set_row(i, _row_height([(result_text, 60), (criteria, 26)]))
    if not deficits:
        ws.write_string(3, 0, _no_deficits(mo), fmt["note"])
    _finish(ws, 2)


def _recs_sheet(wb, fmt, recommendations) -> None:
    ws = wb.add_worksheet(SHEET_RECS)
    ws.write_string(0, 0, "Рекомендации ЦОКО муниципалитету", fmt["title"])
    _table(ws, fmt, 2, [("Адресат", 18), ("Тема", 30), ("Рекомендация", 100)])
    for i, r in enumerate(recommendations, start=3):
        audience = AUDIENCES.get(r.get("audience", ""), r.get("audience", ""))
        ws.write_string(i, 0, _text(audience), fmt["cell"])
        topic = r.get("topic", "")  # a planned result's code, or a rule id (in Russian)
        ws.write_string(i, 1, _text(RULES.get(topic, topic)), fmt["cell"])
        ws.write_string(i, 2, _text(r.get("text", "")), fmt["cell"])
        ws.set_row(i, _row_height([(r.get("text", ""), 100), (RULES.get(topic, topic), 30)]))
    if not recommendations:
        ws.write_string(3, 0, "Рекомендаций муниципалитету нет.", fmt["note"])
    _finish(ws, 2)


def build_reports(*args, **kwargs) -> dict[str, bytes]:
    """`<municipality_code>.xlsx` → bytes for every municipality: `reports_by_code` (same
    arguments) keyed by file name."""
    from scripts.templates.school_template import safe_name

    forms = reports_by_code(*args, **kwargs)
    return {f"{safe_name(code)}.xlsx": data for code, data in forms.items()}


def reports_by_code(
    definition: dict,
    thr: dict,
    municipalities: list[dict],
    region: dict,
    schools: list[dict],
    deficits: list[dict],
    recommendations: list[dict],
) -> dict[str, bytes]:
    """Municipality code → the bytes of its report form, for every municipality given."""
    # grouped once by municipality (not filtered per municipality: a country has 2 300 of them)
    school_mo = {s["school_code"]: s.get("municipality_code", "") for s in schools}
    schools_of: dict[str, list[dict]] = {}
    for s in sorted(schools, key=lambda s: s["school_code"]):
        schools_of.setdefault(s.get("municipality_code"), []).append(s)
    deficits_of: dict[str, list[dict]] = {}
    for d in deficits:
        if d.get("scope") == "municipality":
            deficits_of.setdefault(d.get("code"), []).append(d)
    recs_of: dict[str, list[dict]] = {}
    schools_with_recs: dict[str, set] = {}
    for r in recommendations:
        if r.get("scope") == "municipality":
            recs_of.setdefault(r.get("code"), []).append(r)
        elif r.get("scope") == "school":
            schools_with_recs.setdefault(school_mo.get(r.get("code")), set()).add(r.get("code"))
    files = {}
    for mo in sorted(municipalities, key=lambda m: m["municipality_code"]):
        code = mo["municipality_code"]
        mo_schools = schools_of.get(code, [])
        mo_deficits = deficits_of.get(code, [])
        mo_recs = recs_of.get(code, [])
        with_recs = len(schools_with_recs.get(code, ()))
        files[code] = build_report(
            definition, thr, mo, region, mo_schools, mo_deficits, mo_recs, with_recs
        )
    return files
