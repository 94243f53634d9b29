"""Deterministic demo data for the assessment math4-2021 (SPEC §10).

    python -m scripts.demo.generate [--out raw/math4-2021] [--seed 2021] [--no-libreoffice]

Writes `registry.csv` and `submissions/**` (one workbook per school, in sub-folders per
municipality, with planted risk-zone schools, signs of non-objectivity and defective
workbooks) and the manifest of what was planted, `scripts/demo/planted.yaml`.
See docs/demo.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from scripts.common import config as cfg

from . import model
from .books import Style, build_book, recompute_totals
from .model import Assessment, School, Student
from .workbooks import Book, Conversion, as_xlsm, soffice_available, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
ASSESSMENT = "math4-2021"
DEFAULT_OUT = ROOT / "raw" / ASSESSMENT
DEFAULT_PLANTED = ROOT / "scripts" / "demo" / "planted.yaml"
DEFAULT_SEED = 2021

REGISTRY_HEADER = [
    "Код МО",
    "Муниципалитет",
    "Код ОО",
    "Наименование ОО",
    "Тип местности",
    "Обучающихся 4 классов",
]

# Municipalities planted in the risk zone (by the share of their schools in the zone) and how
# many of their schools are planted there; plus risk-zone schools elsewhere.
RISK_MOS = {"07": 2, "18": 2, "27": 3}  # Верхнеландеховский, Пестяковский, Юрьевецкий
RISK_ELSEWHERE = {"01": 2, "03": 1, "25": 1}  # Иваново, Кинешма, Шуйский
BIMODAL_IN = {"27", "01"}  # one risk school there is "bimodal" (only below_basic_pct)
OBJECTIVITY = [
    ("aob", "01", 30),
    ("aob", "21", 25),
    ("peak", "03", 30),
    ("peak", "24", 25),
    ("identical", "11", 16),
]
TOO_FEW = ["16", "17", "22"]  # Лухский, Палехский, Савинский: a school with 4 pupils
MISSING = ["01", "14", "13", "23"]  # schools that send nothing


# --------------------------------------------------------------------------- plan


@dataclass
class Plan:
    roles: dict[str, str] = field(default_factory=dict)  # code -> statistical role
    status: dict[str, str] = field(default_factory=dict)  # code -> accepted/rejected/missing
    defects: dict[str, str] = field(default_factory=dict)  # code -> defect id
    styles: dict[str, Style] = field(default_factory=dict)


ERROR_DEFECTS = [
    "points_over_max",
    "points_decimal",
    "points_negative",
    "points_non_numeric",
    "points_empty",
    "absent_with_points",
    "absence_value_invalid",
    "class_missing",
    "class_wrong_grade",
    "variant_invalid",
    "student_code_duplicate",
    "student_code_missing",
    "template_wrong",
    "title_sheet_missing",
    "title_label_missing",
    "task_column_missing",
    "task_column_duplicate",
    "personal_data_column",
    "school_code_unknown",
    "duplicate_submission",
    "file_corrupt",
    "file_macro",
    "multiple_errors",
    "multiple_errors_and_warning",
]
WARNING_DEFECTS = [
    "school_code_as_number",
    "municipality_mismatch",
    "school_name_mismatch",
    "total_mismatch",
    "mark_mismatch",
    "column_extra",
    "row_count_mismatch",
]


def _pick(rng: random.Random, candidates: list[School], k: int) -> list[School]:
    candidates = sorted(candidates, key=lambda s: s.code)
    return rng.sample(candidates, k)


def make_plan(schools: list[School], seed: int) -> Plan:
    rng = random.Random(f"plan:{seed}")
    plan = Plan()
    by_mo: dict[str, list[School]] = {}
    for s in schools:
        by_mo.setdefault(s.mo_code, []).append(s)
        plan.roles[s.code] = "normal"
        plan.status[s.code] = "accepted"
    taken: set[str] = set()

    def free(mo: str, lo: int = 0, hi: int = 999, kinds=None) -> list[School]:
        return [
            s
            for s in by_mo[mo]
            if s.code not in taken and lo <= s.expected <= hi and (kinds is None or s.kind in kinds)
        ]

    for mo, k in {**RISK_MOS, **RISK_ELSEWHERE}.items():
        kinds = {"sosh", "oosh"}
        cands = free(mo, 7, kinds=kinds) if len(free(mo, 7, kinds=kinds)) >= k else free(mo)
        for i, s in enumerate(_pick(rng, cands, k)):
            plan.roles[s.code] = "risk_bimodal" if (i == 0 and mo in BIMODAL_IN) else "risk"
            s.rows = s.expected = max(s.expected, 9)
            taken.add(s.code)
    for role, mo, size in OBJECTIVITY:
        cands = free(mo, 14, 90, {"sosh", "oosh"}) or free(mo, 0, 90)
        s = _pick(rng, cands, 1)[0]
        plan.roles[s.code] = role
        if s.expected < size:
            s.rows = s.expected = size + rng.randint(0, 6)
        taken.add(s.code)
    for mo in TOO_FEW:
        s = _pick(rng, free(mo, 0, 14, {"oosh", "nosh"}), 1)[0]
        plan.roles[s.code] = "too_few"
        s.rows = s.expected = 4
        taken.add(s.code)
    for mo in MISSING:
        s = _pick(rng, free(mo, 6, 60), 1)[0]
        plan.status[s.code] = "missing"
        taken.add(s.code)
    # Defective workbooks: schools of 10–60 pupils outside the risk municipalities.
    pool = [
        s
        for s in schools
        if s.code not in taken and s.mo_code not in RISK_MOS and 10 <= s.expected <= 60
    ]
    chosen = _pick(rng, pool, len(ERROR_DEFECTS) + len(WARNING_DEFECTS))
    # The code typed as a number must lose a leading zero: a school of municipalities 01..09.
    zero = next(s for s in chosen if s.code.startswith("0"))
    chosen.remove(zero)
    chosen.insert(len(ERROR_DEFECTS) + WARNING_DEFECTS.index("school_code_as_number"), zero)
    for defect, s in zip(ERROR_DEFECTS + WARNING_DEFECTS, chosen, strict=True):
        plan.defects[s.code] = defect
        taken.add(s.code)
        if defect in ERROR_DEFECTS:
            plan.status[s.code] = "rejected"
    # Unreadable / unattributable files leave their school missing.
    for code, defect in plan.defects.items():
        if defect in ("file_corrupt", "title_sheet_missing", "school_code_unknown"):
            plan.status[code] = "missing"
    # Registry counts of pupils are a month old: ±1 in bigger schools.
    for s in schools:
        if s.code not in taken and s.expected >= 30:
            s.rows = s.expected + rng.choice([-1, 0, 0, 0, 1])
    return plan


# --------------------------------------------------------------------------- simulation


def ok_for_role(role: str, m: model.Metrics) -> bool:
    if role == "normal":
        return not m.flags and (m.risk is False or m.risk_reasons == ["too_few"])
    if role == "risk":
        return bool(m.risk) and not m.flags
    if role == "risk_bimodal":
        return m.risk_reasons == ["below_basic_pct"] and not m.flags
    if role == "too_few":
        return m.risk_reasons == ["too_few"]
    flag = {
        "aob": "advanced_over_basic",
        "peak": "threshold_peak",
        "identical": "identical_answers",
    }
    return m.flags == [flag[role]] and m.risk is False


def simulate(
    schools: list[School], plan: Plan, asm: Assessment, thr: dict, seed: int
) -> tuple[dict[str, list[Student]], dict]:
    mo_role = {s.mo_code: ("risk" if s.mo_code in RISK_MOS else "normal") for s in schools}
    effects = {mo: model.mo_effect(seed, mo, role) for mo, role in mo_role.items()}
    by_code = {s.code: s for s in schools}
    attempts = dict.fromkeys(by_code, 0)

    def gen(code: str) -> list[Student]:
        s = by_code[code]
        return model.generate_students(
            seed, s, plan.roles[code], effects[s.mo_code], attempts[code], asm
        )

    data = {code: gen(code) for code in by_code}
    accepted = [c for c in by_code if plan.status[c] == "accepted"]
    for _round in range(200):
        region = model.combine([data[c] for c in accepted], asm)
        bad = []
        for c in accepted:
            m = model.metrics(data[c], asm)
            try:
                model.classify(m, region, thr)
            except model.Borderline:
                bad.append(c)
                continue
            if not ok_for_role(plan.roles[c], m):
                bad.append(c)
        if not bad:
            break
        for c in bad:
            attempts[c] += 1
            data[c] = gen(c)
    else:  # pragma: no cover - tuning problem
        raise RuntimeError(f"could not place the planted schools: {bad}")
    return data, {"region": region, "attempts": attempts}


def school_results(schools, plan, data, asm, thr, region) -> dict[str, model.Metrics]:
    out = {}
    for s in schools:
        if plan.status[s.code] != "accepted":
            continue
        out[s.code] = model.classify(model.metrics(data[s.code], asm), region, thr)
    return out


def municipality_results(schools, plan, data, asm, thr, per_school) -> dict[str, dict]:
    res = {}
    for mo in sorted({s.mo_code for s in schools}):
        members = [s for s in schools if s.mo_code == mo]
        acc = [s for s in members if plan.status[s.code] == "accepted"]
        m = model.combine([data[s.code] for s in acc], asm)
        classified = [s for s in acc if per_school[s.code].risk is not None]
        in_risk = [s for s in classified if per_school[s.code].risk]
        share = len(in_risk) / len(classified) * 100 if classified else None
        reasons = []
        if m.participants:
            if model._ge(m.below_basic_pct, thr["risk"]["municipality"]["below_basic_pct"]):
                reasons.append("below_basic_pct")
            if share is not None and model._ge(
                share, thr["risk"]["municipality"]["schools_in_risk_pct"]
            ):
                reasons.append("schools_in_risk_pct")
        res[mo] = {
            "name": members[0].mo_name,
            "participants": m.participants,
            "below_basic_pct": m.below_basic_pct,
            "schools_classified": len(classified),
            "schools_in_risk": len(in_risk),
            "schools_in_risk_pct": share,
            "reasons": sorted(reasons),
        }
    return res


# --------------------------------------------------------------------------- styles & names


def make_styles(schools: list[School], plan: Plan, seed: int) -> None:
    rng = random.Random(f"styles:{seed}")
    plain = [
        s
        for s in schools
        if plan.status[s.code] == "accepted"
        and s.code not in plan.defects
        and plan.roles[s.code] == "normal"
    ]
    plain = sorted(plain, key=lambda s: s.code)
    fmts: dict[str, str] = {}
    small = [s for s in plain if s.rows <= 40]
    for fmt, k in (("xls", 9), ("ods", 7), ("xlsx_lo", 6), ("xlsm", 1)):
        avail = [s for s in small if s.code not in fmts]
        for s in rng.sample(avail, k):
            fmts[s.code] = fmt
    for s in schools:
        st = Style()
        st.fmt = fmts.get(s.code, "xlsx")
        st.title_rows = rng.choices([0, 1, 2, 3], [15, 35, 40, 10])[0]
        st.class_style = rng.choices(["4А", "4 а", "4-А", "4а"], [60, 15, 15, 10])[0]
        st.absent_yes, st.absent_no = rng.choice(
            [
                ("да", None),
                ("да", None),
                ("+", None),
                ("н", None),
                ("1", "0"),
                ("да", "нет"),
                ("+", "-"),
            ]
        )
        st.total = rng.random() < 0.85
        st.mark = st.total and rng.random() < 0.6
        st.label_colon = rng.random() < 0.2
        st.instructions = rng.random() < 0.15
        st.variant_text = rng.random() < 0.05
        plain_file = s in plain and st.fmt == "xlsx"
        if plain_file and rng.random() < 0.08:
            st.shuffled = True
        if plain_file and not st.shuffled and rng.random() < 0.09:
            st.text_numbers = True
        if plain_file and rng.random() < 0.1:
            st.headers_as_numbers = True
        if plain_file and rng.random() < 0.1:
            st.blank_tail = rng.randint(2, 6)
        if plain_file and rng.random() < 0.04:
            st.results_sheet = rng.choice(["результаты", "Результаты ", "РЕЗУЛЬТАТЫ"])
        if st.fmt in ("xls", "ods", "xlsx_lo"):
            st.total = True
            st.formulas = True
            st.mark = rng.random() < 0.5
        if s.code in plan.defects or plan.roles[s.code] != "normal":
            # Defective and planted files: the plain template, so the planted cell is the story.
            st.shuffled = st.text_numbers = st.headers_as_numbers = False
            st.blank_tail = 0
            st.results_sheet = "Результаты"
            st.mark = False
            st.total = True
        plan.styles[s.code] = st
    # One LibreOffice file keeps pre-numbered template rows with a total formula (SPEC §3.3:
    # rows whose only non-empty cells are №/Итого/Отметка are skipped).
    lo = sorted(c for c, f in fmts.items() if f == "xlsx_lo")
    st = plan.styles[lo[0]]
    st.blank_tail, st.blank_tail_formula = 5, True


def features(st: Style) -> list[str]:
    f = [f"title_rows_{st.title_rows}"]
    if st.class_style != "4А":
        f.append(f"class_as_{st.class_style.replace(' ', '_')}")
    f.append(f"absent_as_{st.absent_yes}")
    for key in (
        "text_numbers",
        "shuffled",
        "headers_as_numbers",
        "formulas",
        "instructions",
        "label_colon",
        "variant_text",
    ):
        if getattr(st, key):
            f.append(key)
    if st.blank_tail:
        f.append(
            "blank_numbered_rows_with_total" if st.blank_tail_formula else "blank_numbered_rows"
        )
    if not st.total:
        f.append("no_total")
    if st.mark:
        f.append("mark")
    if st.results_sheet != "Результаты":
        f.append("results_sheet_name_variant")
    return f


NAME_PATTERNS = [
    "{code}_результаты",
    "{code}",
    "РДР математика 4 класс {code}",
    "{short} математика 4",
    "Шаблон_math4-2021_{code}",
    "результаты_{code}_мат4",
    "{code} Математика 4 кл (итог)",
    "{short}",
]


def short_name(s: School) -> str:
    n = s.name.replace('"', "").replace("№ ", "№")
    for prefix in ("МБОУ ", "МКОУ ", "МОУ "):
        n = n.removeprefix(prefix)
    return n


def file_name(s: School, rng: random.Random, ext: str) -> str:
    pattern = rng.choice(NAME_PATTERNS)
    return pattern.format(code=s.code, short=short_name(s)) + "." + ext


# --------------------------------------------------------------------------- defects


class Ctx:
    def __init__(self, book: Book, students: list[Student], asm: Assessment, rng: random.Random):
        self.book, self.students, self.asm, self.rng = book, students, asm, rng
        self.problems: list[dict] = []

    def present_rows(self) -> list[int]:
        return [i for i, s in enumerate(self.students) if not s.absent]

    def absent_rows(self) -> list[int]:
        return [i for i, s in enumerate(self.students) if s.absent]

    def row(self, k: int = 0, absent: bool = False) -> int:
        rows = self.absent_rows() if absent else self.present_rows()
        return rows[min(len(rows) - 1, 2 + 3 * k)]

    def set(self, kind, row, header, value, severity="error", detail="", occurrence=0):
        c = self.book.col(header, occurrence)
        old = self.book.rows[row][c]
        self.book.rows[row][c] = value
        self.problems.append(
            {
                "kind": kind,
                "severity": severity,
                "sheet": "Результаты",
                "cell": self.book.cell(row, c),
                "value": value,
                "was": old,
                "detail": detail,
            }
        )

    def add(self, kind, severity="error", sheet="Результаты", cell="", value=None, detail=""):
        self.problems.append(
            {
                "kind": kind,
                "severity": severity,
                "sheet": sheet,
                "cell": cell,
                "value": value,
                "detail": detail,
            }
        )


FAKE_FIO = [
    "Смирнова А.",
    "Кузнецов Д.",
    "Попова М.",
    "Васильев И.",
    "Петрова С.",
    "Соколов Н.",
    "Михайлова Е.",
    "Новиков А.",
    "Федорова В.",
    "Морозов К.",
]


# The ingest stage's codes (docs/validation-codes.md) expected for each planted kind.
EXPECTED_CODE = {
    "points_over_max": "points_over_max",
    "points_decimal": "points_decimal",
    "points_negative": "points_negative",
    "points_non_numeric": "points_not_number",
    "points_empty": "points_empty",
    "absent_with_points": "absent_has_points",
    "absence_value_invalid": "absent_value_bad",
    "class_missing": "class_missing",
    "class_wrong_grade": "class_other_grade",
    "variant_invalid": "variant_bad",
    "student_code_duplicate": "student_code_duplicate",
    "student_code_missing": "student_code_missing",
    "template_wrong": "template_wrong",
    "title_sheet_missing": "sheet_missing",
    "title_label_missing": "label_missing",
    "task_column_missing": "column_missing",
    "task_column_duplicate": "column_duplicate",
    "personal_data_column": "personal_data",
    "school_code_unknown": "school_unknown",
    "duplicate_submission": "duplicate_submission",
    "file_corrupt": "file_unsupported",
    "file_macro": "macros",
    "school_code_as_number": "code_padded",
    "municipality_mismatch": "municipality_mismatch",
    "school_name_mismatch": "school_name_mismatch",
    "total_mismatch": "total_mismatch",
    "mark_mismatch": "mark_mismatch",
    "column_extra": "column_extra",
    "row_count_mismatch": "rows_vs_registry",
    "ignored_file": "file_ignored",
    "no_file": "school_missing",
}


def apply_defect(defect: str, ctx: Ctx, schools: list[School], school: School) -> None:
    b = ctx.book
    asm = ctx.asm
    if defect == "points_over_max":
        ctx.set("points_over_max", ctx.row(), "6", 3, detail="3 балла за задание 6 при максимуме 2")
    elif defect == "points_decimal":
        ctx.set("points_decimal", ctx.row(), "8", "1,5", detail="дробный балл «1,5» (текст)")
    elif defect == "points_negative":
        ctx.set("points_negative", ctx.row(), "2", -1, detail="отрицательный балл")
    elif defect == "points_non_numeric":
        ctx.set("points_non_numeric", ctx.row(), "4", "х", detail="буква «х» вместо балла")
    elif defect == "points_empty":
        ctx.set("points_empty", ctx.row(), "9.1", None, detail="пустая ячейка у присутствовавшего")
    elif defect == "absent_with_points":
        r = ctx.row(absent=True) if ctx.absent_rows() else ctx.row()
        if not ctx.students[r].absent:
            b.rows[r][b.col("Отсутствовал")] = "да"
            for tid in asm.task_ids:
                b.rows[r][b.col(tid)] = None
        for i, tid in enumerate(asm.task_ids[:5]):
            ctx.set(
                "absent_with_points",
                r,
                tid,
                1 if i != 2 else 0,
                detail=f"у отсутствовавшего указан балл за задание {tid}",
            )
    elif defect == "absence_value_invalid":
        r = ctx.row(absent=True) if ctx.absent_rows() else ctx.row()
        if not ctx.students[r].absent:  # make the pupil absent first
            for tid in asm.task_ids:
                b.rows[r][b.col(tid)] = None
        ctx.set("absence_value_invalid", r, "Отсутствовал", "болел", detail="недопустимое значение")
    elif defect == "class_missing":
        ctx.set("class_missing", ctx.row(), "Класс", None, detail="не указан класс")
    elif defect == "class_wrong_grade":
        ctx.set("class_wrong_grade", ctx.row(), "Класс", "5А", detail="класс другой параллели")
    elif defect == "variant_invalid":
        ctx.set("variant_invalid", ctx.row(), "Вариант", 3, detail="вариант 3 (есть только 1 и 2)")
    elif defect == "student_code_duplicate":
        r1, r2 = ctx.row(0), ctx.row(2)
        code = b.rows[r1][b.col("Код участника")]
        ctx.set(
            "student_code_duplicate",
            r2,
            "Код участника",
            code,
            detail=f"код уже встречается в {b.cell(r1, b.col('Код участника'))}",
        )
    elif defect == "student_code_missing":
        ctx.set(
            "student_code_missing", ctx.row(1), "Код участника", None, detail="нет кода участника"
        )
    elif defect == "template_wrong":
        b.set_title("Шаблон", "math4-2020-v1")
        ctx.add(
            "template_wrong",
            sheet="Титул",
            cell=b.title_cell("Шаблон"),
            value="math4-2020-v1",
            detail="шаблон прошлого года",
        )
    elif defect == "title_sheet_missing":
        b.title_sheet = None
        ctx.add("title_sheet_missing", sheet="Титул", detail="нет листа «Титул»: код ОО неизвестен")
    elif defect == "title_label_missing":
        del b.title_rows[b.title_index("Шаблон")]
        ctx.add("title_label_missing", sheet="Титул", value="Шаблон", detail="нет строки «Шаблон»")
    elif defect == "task_column_missing":
        c = b.col("9.2")
        b.drop_column(c)
        ctx.add(
            "task_column_missing",
            cell=str(b.header_row),
            value="9.2",
            detail="нет столбца задания 9.2 (ячейка = строка заголовка)",
        )
    elif defect == "task_column_duplicate":
        c = b.col("7")
        b.insert_column(c + 1, "7", [row[c] for row in b.rows])
        ctx.add(
            "task_column_duplicate",
            cell=b.header_cell(c + 1),
            value="7",
            detail=f"столбец «7» дважды: {b.header_cell(c)} и {b.header_cell(c + 1)}",
        )
    elif defect == "personal_data_column":
        c = b.col("Код участника") + 1
        values = [FAKE_FIO[i % len(FAKE_FIO)] for i in range(len(b.rows))]
        b.insert_column(c, "ФИО", values)
        ctx.add(
            "personal_data_column",
            cell=b.header_cell(c),
            value="ФИО",
            detail="столбец с персональными данными (вымышленные фамилии)",
        )
    elif defect == "school_code_unknown":
        codes = {s.code for s in schools}
        typo = school.code[:-2] + school.code[-1] + school.code[-2]
        if typo in codes or typo == school.code:
            typo = school.code[:2] + "9" + school.code[3:]
        assert typo not in codes
        b.set_title("Код ОО", typo)
        ctx.add(
            "school_code_unknown",
            sheet="Титул",
            cell=b.title_cell("Код ОО"),
            value=typo,
            detail=f"кода {typo} нет в реестре (опечатка в {school.code})",
        )
    elif defect == "multiple_errors":
        ctx.set("points_over_max", ctx.row(0), "10", 4, detail="4 балла при максимуме 2")
        ctx.set("points_empty", ctx.row(1), "3", None, detail="пустая ячейка у присутствовавшего")
        ctx.set("class_wrong_grade", ctx.row(2), "Класс", "3Б", detail="класс другой параллели")
        ctx.set("variant_invalid", ctx.row(3), "Вариант", 0, detail="вариант 0")
    elif defect == "multiple_errors_and_warning":
        ctx.set("points_decimal", ctx.row(0), "6", 1.5, detail="дробный балл 1.5 (число)")
        r1, r2 = ctx.row(1), ctx.row(3)
        code = b.rows[r1][b.col("Код участника")]
        ctx.set(
            "student_code_duplicate",
            r2,
            "Код участника",
            code,
            detail=f"код уже встречается в {b.cell(r1, b.col('Код участника'))}",
        )
        c = len(b.header)
        b.insert_column(c, "Примечание", [None] * len(b.rows))
        b.rows[ctx.row(1)][c] = "писал в резервный день"
        ctx.add("column_extra", "warning", cell=b.header_cell(c), value="Примечание")
    # ------------------------------------------------ warnings only
    elif defect == "school_code_as_number":
        b.set_title("Код ОО", int(school.code))
        ctx.add(
            "school_code_as_number",
            "warning",
            sheet="Титул",
            cell=b.title_cell("Код ОО"),
            value=int(school.code),
            detail=f"код введён числом {int(school.code)}, потерян ведущий ноль ({school.code})",
        )
    elif defect == "municipality_mismatch":
        other = "Шуйский муниципальный район" if school.mo_code != "25" else "г.о. Шуя"
        b.set_title("Муниципалитет", other)
        ctx.add(
            "municipality_mismatch",
            "warning",
            sheet="Титул",
            cell=b.title_cell("Муниципалитет"),
            value=other,
            detail=f"в реестре: {school.mo_name}",
        )
    elif defect == "school_name_mismatch":
        other = next(
            s.name for s in schools if s.mo_code == school.mo_code and s.name != school.name
        )
        b.set_title("Наименование ОО", other)
        ctx.add(
            "school_name_mismatch",
            "warning",
            sheet="Титул",
            cell=b.title_cell("Наименование ОО"),
            value=other,
            detail=f"в реестре: {school.name}",
        )
    elif defect == "total_mismatch":
        r = ctx.row()
        c = b.col("Итого")
        ctx.set(
            "total_mismatch",
            r,
            "Итого",
            b.rows[r][c] + 1,
            "warning",
            detail="Итого на 1 больше суммы",
        )
    elif defect == "mark_mismatch":
        c = len(b.header)
        marks = []
        for s in ctx.students:
            marks.append(None if s.absent else asm.mark(sum(s.points)))
        b.insert_column(c, "Отметка", marks)
        r = next(i for i in ctx.present_rows() if marks[i] in (3, 4))
        ctx.set(
            "mark_mismatch",
            r,
            "Отметка",
            marks[r] + 1,
            "warning",
            detail="отметка на 1 выше расчётной",
        )
    elif defect == "column_extra":
        c = len(b.header)
        notes = [None] * len(b.rows)
        notes[ctx.row(0)] = "работа выполнена не полностью"
        notes[ctx.row(2)] = "перевёлся из другой школы"
        b.insert_column(c, "Примечание", notes)
        ctx.add("column_extra", "warning", cell=b.header_cell(c), value="Примечание")
    elif defect == "row_count_mismatch":
        ctx.add(
            "row_count_mismatch",
            "warning",
            sheet="Результаты",
            value=len(ctx.students),
            detail=f"строк {len(ctx.students)}, в реестре {school.expected}",
        )
    else:  # pragma: no cover
        raise ValueError(defect)
    if defect != "total_mismatch":
        recompute_totals(b, asm)


def shuffled_order(asm: Assessment, st: Style, rng: random.Random) -> list[str]:
    cols = ["Код участника", "Класс", "Вариант", "Отсутствовал", *asm.task_ids]
    if st.total:
        cols.append("Итого")
    if st.mark:
        cols.append("Отметка")
    rng.shuffle(cols)
    return ["№", *cols]


# --------------------------------------------------------------------------- output


def ole_blob(rng: random.Random, n: int) -> bytes:
    return bytes.fromhex("D0CF11E0A1B11AE1") + bytes(rng.getrandbits(8) for _ in range(n))


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
README_TXT = (
    "Добрый день!\n"
    "Направляем результаты диагностической работы по математике в 4 классах.\n"
    "Файлы школ района во вложении. Одна школа пришлёт результаты позже.\n"
    "Специалист МОУО\n"
).encode()


def write_registry(path: Path, schools: list[School]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REGISTRY_HEADER)
    for s in schools:
        w.writerow([s.mo_code, s.mo_name, s.code, s.name, s.settlement, s.expected])
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def _round(v):
    return None if v is None else round(v, 2)


def generate(
    out: Path = DEFAULT_OUT,
    seed: int = DEFAULT_SEED,
    libreoffice: bool = True,
    planted_path: Path | None = DEFAULT_PLANTED,
    write_filter: Callable[[str], bool] | None = None,
) -> dict:
    """Generate the demo into `out`; return the planted manifest (also written to planted_path).

    write_filter (tests): only workbooks whose path relative to `out` it accepts are serialised;
    the plan, the data and the manifest are the same as without it.
    """
    asm_data = cfg.load_assessment(ROOT / "config" / "assessments" / f"{ASSESSMENT}.yaml")
    defaults = cfg.load_defaults(ROOT / "config" / "config.yaml")
    thr = cfg.thresholds(defaults, asm_data)
    asm = model.load_assessment(asm_data)
    if libreoffice and not soffice_available():
        raise SystemExit("soffice not found: install LibreOffice or pass --no-libreoffice")

    schools = model.build_registry(seed)
    by_code = {s.code: s for s in schools}
    plan = make_plan(schools, seed)
    data, info = simulate(schools, plan, asm, thr, seed)
    region = info["region"]
    per_school = school_results(schools, plan, data, asm, thr, region)
    per_mo = municipality_results(schools, plan, data, asm, thr, per_school)
    risk_mos = sorted(mo for mo, r in per_mo.items() if r["reasons"])
    if risk_mos != sorted(RISK_MOS):
        raise RuntimeError(
            f"municipalities in the risk zone {risk_mos}, planned {sorted(RISK_MOS)}"
        )
    # The row-count warning: the registry expected a class more than the workbook has.
    for code, d in plan.defects.items():
        if d == "row_count_mismatch":
            s = by_code[code]
            s.expected = s.rows + max(6, math.ceil(s.rows * 0.35))
    make_styles(schools, plan, seed)

    # Fresh output folder (only what the generator owns).
    sub = out / "submissions"
    if sub.exists():
        shutil.rmtree(sub)
    sub.mkdir(parents=True)
    write_registry(out / "registry.csv", schools)

    rng_names = random.Random(f"names:{seed}")
    rng_defect = random.Random(f"defects:{seed}")
    rng_cols = random.Random(f"columns:{seed}")
    files: list[dict] = []
    defects: list[dict] = []
    lo_jobs: list[tuple[bytes, str, Path]] = []
    used_paths: set[str] = set()
    pending: list[tuple[Book, Callable[[bytes], object], bool]] = []

    def queue(book: Book, path: Path, finish: Callable[[bytes], object], lo: bool = False) -> None:
        if write_filter is None or write_filter(path.relative_to(out).as_posix()):
            pending.append((book, finish, lo))

    def place(s: School, ext: str, name: str | None = None, nested: str | None = None) -> Path:
        folder = sub / s.folder
        if nested:
            folder = folder / nested
        base = name or file_name(s, rng_names, ext)
        path = folder / base
        n = 2
        while str(path) in used_paths:
            path = folder / f"{Path(base).stem} ({n}){Path(base).suffix}"
            n += 1
        used_paths.add(str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    nested_rng = random.Random(f"nested:{seed}")
    nested_codes = set(
        nested_rng.sample(
            sorted(c for c in by_code if plan.status[c] == "accepted" and c not in plan.defects), 6
        )
    )
    nested_names = ["почта 06.05.2021", "повторная отправка", "Результаты школ района"]

    for s in schools:
        code = s.code
        if plan.status[code] == "missing" and code not in plan.defects:
            continue
        st = plan.styles[code]
        students = data[code]
        order = shuffled_order(asm, st, rng_cols) if st.shuffled else None
        book = build_book(s, students, st, asm, order)
        defect = plan.defects.get(code)
        entry_defect = None
        if defect and defect not in ("duplicate_submission", "file_corrupt", "file_macro"):
            ctx = Ctx(book, students, asm, rng_defect)
            apply_defect(defect, ctx, schools, s)
            entry_defect = ctx.problems
        fmt = st.fmt
        if defect == "points_non_numeric":
            fmt = "xls"  # a defect inside a legacy .xls
        if defect == "column_extra":
            fmt = "ods"
        nested = nested_rng.choice(nested_names) if code in nested_codes else None
        name = None
        if defect == "title_sheet_missing":
            name = "Математика 4 класс.xlsx"
        if defect == "school_code_unknown":
            name = "РДР_мат4.xlsx"
        ext = {"xlsx": "xlsx", "xlsx_lo": "xlsx", "xls": "xls", "ods": "ods", "xlsm": "xlsm"}[fmt]
        if defect == "file_macro":
            ext = "xlsm"
        path = place(s, ext, name=name, nested=nested)
        produced = [path]
        if defect == "file_corrupt":
            crng = random.Random(f"corrupt:{seed}:{code}")
            path.write_bytes(bytes(crng.getrandbits(8) for _ in range(4096)))
            entry_defect = [
                {
                    "kind": "file_corrupt",
                    "severity": "error",
                    "sheet": "",
                    "cell": "",
                    "value": None,
                    "detail": "случайные байты с расширением .xlsx",
                }
            ]
        elif defect == "file_macro":
            vba = ole_blob(random.Random(f"vba:{seed}:{code}"), 1536)
            queue(
                book,
                path,
                lambda c, p=path, v=vba: p.write_bytes(as_xlsm(c, with_macros=True, vba=v)),
            )
            entry_defect = [
                {
                    "kind": "file_macro",
                    "severity": "error",
                    "sheet": "",
                    "cell": "",
                    "value": None,
                    "detail": "книга .xlsm с макросами (xl/vbaProject.bin)",
                }
            ]
        elif fmt == "xlsm":
            queue(book, path, lambda c, p=path: p.write_bytes(as_xlsm(c, with_macros=False)))
        elif fmt in ("xls", "ods", "xlsx_lo"):
            target = {"xls": "xls", "ods": "ods", "xlsx_lo": "xlsx"}[fmt]
            if libreoffice:
                queue(book, path, lambda c, p=path, t=target: lo_jobs.append((c, t, p)), lo=True)
            else:
                path = path.with_suffix(".xlsx")
                if str(path) in used_paths and path != produced[0]:
                    path = path.with_name(path.stem + " (lo).xlsx")
                used_paths.add(str(path))
                produced = [path]
                queue(book, path, lambda c, p=path: p.write_bytes(c))
        else:
            queue(book, path, lambda c, p=path: p.write_bytes(c))
        if defect == "duplicate_submission":
            # The school sent its workbook twice: a first version and a "corrected" one.
            book2 = build_book(s, students, st, asm, order)
            r = next(i for i, x in enumerate(students) if not x.absent)
            c = book2.col("1")
            book2.rows[r][c] = 1 - book2.rows[r][c]
            recompute_totals(book2, asm)
            p2 = place(s, "xlsx", name=path.stem + "_исправлено.xlsx", nested=nested)
            queue(book2, p2, lambda c, p=p2: p.write_bytes(c))
            produced.append(p2)
            entry_defect = [
                {
                    "kind": "duplicate_submission",
                    "severity": "error",
                    "sheet": "",
                    "cell": "",
                    "value": None,
                    "detail": "два файла одной школы: оба отклоняются",
                }
            ]
        present = sum(not x.absent for x in students)
        writer = "openpyxl"
        if defect == "file_corrupt":
            writer = "random_bytes"
        elif fmt in ("xls", "ods", "xlsx_lo") and libreoffice:
            writer = "libreoffice"
        for p in produced:
            rel = p.relative_to(out).as_posix()
            status = "rejected" if defect in ERROR_DEFECTS else "accepted"
            files.append(
                {
                    "file": rel,
                    "school_code": code,
                    "status": status,
                    "format": p.suffix.lstrip("."),
                    "rows": 0 if defect == "file_corrupt" else len(students),
                    "present": present,
                    "absent": len(students) - present,
                    "features": features(st) if not defect else [],
                    "writer": writer,
                }
            )
        if entry_defect is not None:
            for prob in entry_defect:
                prob["expected_code"] = EXPECTED_CODE[prob["kind"]]
            defects.append(
                {
                    "defect": defect,
                    "files": [p.relative_to(out).as_posix() for p in produced],
                    "school_code": code,
                    "file_status": "rejected" if defect in ERROR_DEFECTS else "accepted",
                    "school_status": plan.status[code],
                    "problems": entry_defect,
                }
            )

    # Non-workbook files that must be listed as ignored.
    ignored = []
    iv = next(s for s in schools if s.mo_code == "01" and plan.status[s.code] == "accepted")
    targets = [
        (by_code[iv.code], f"Сопроводительное письмо {iv.code}.pdf", PDF_BYTES),
        (
            next(s for s in schools if s.mo_code == "03"),
            ".DS_Store",
            b"\x00\x00\x00\x01Bud1" + bytes(2048),
        ),
        (next(s for s in schools if s.mo_code == "25"), "readme.txt", README_TXT),
    ]
    some_xlsx = next(
        f
        for f in files
        if f["file"].endswith(".xlsx")
        and f["status"] == "accepted"
        and f["school_code"].startswith("01")
        and "formulas" not in f["features"]
    )
    lock_path = Path(some_xlsx["file"])
    lock_name = "~$" + lock_path.name
    owner = "Учитель".encode("utf-16-le")
    lock_bytes = bytes([len("Учитель")]) + b"\x00" + owner + bytes(162 - 2 - len(owner))
    for s, name, content in targets:
        p = place(s, "", name=name)
        p.write_bytes(content)
        ignored.append(
            {
                "file": p.relative_to(out).as_posix(),
                "kind": "ignored_file",
                "expected_code": "file_ignored",
            }
        )
    p = out / lock_path.parent / lock_name
    p.write_bytes(lock_bytes)
    ignored.append(
        {
            "file": p.relative_to(out).as_posix(),
            "kind": "ignored_file",
            "expected_code": "file_ignored",
        }
    )

    # openpyxl is the slow part: serialise the books in parallel. The sources of the
    # LibreOffice conversions go first so that soffice runs while the rest is written.
    workers = max(1, min(4, os.cpu_count() or 1))
    lo_first = [p for p in pending if p[2]] + [p for p in pending if not p[2]]
    n_lo = sum(p[2] for p in pending)
    t_lo = time.monotonic()
    conversion = None
    with ProcessPoolExecutor(workers) as pool:
        contents = pool.map(xlsx_bytes, [b for b, _, _ in lo_first], chunksize=4)
        for i, ((_, finish, _), content) in enumerate(zip(lo_first, contents, strict=True)):
            finish(content)
            if i == n_lo - 1 and lo_jobs:
                t_lo = time.monotonic()
                conversion = Conversion(lo_jobs, tag=str(seed))
    if conversion is not None:
        conversion.wait()
    lo_seconds = time.monotonic() - t_lo

    # ------------------------------------------------ planted manifest
    risk_schools, obj_schools, too_few = [], [], []
    for code, m in sorted(per_school.items()):
        role = plan.roles[code]
        if m.risk:
            risk_schools.append(
                {
                    "school_code": code,
                    "municipality_code": by_code[code].mo_code,
                    "planted": role.startswith("risk"),
                    "reasons": m.risk_reasons,
                    "participants": m.participants,
                    "below_basic_pct": _round(m.below_basic_pct),
                    "basic_tasks_pct": _round(m.basic_tasks_pct),
                }
            )
        if m.flags:
            obj_schools.append(
                {
                    "school_code": code,
                    "municipality_code": by_code[code].mo_code,
                    "flags": m.flags,
                    "participants": m.participants,
                    "basic_tasks_pct": _round(m.basic_tasks_pct),
                    "advanced_tasks_pct": _round(m.advanced_tasks_pct),
                    "peak_pct": _round(m.peak_pct),
                    "identical_max": m.identical_max,
                }
            )
        if m.risk_reasons == ["too_few"]:
            too_few.append(
                {"school_code": code, "participants": m.participants, "planted": role == "too_few"}
            )
    missing = []
    for s in schools:
        if plan.status[s.code] == "missing":
            d = plan.defects.get(s.code)
            f = next((x["files"][0] for x in defects if x["school_code"] == s.code), None)
            missing.append(
                {
                    "school_code": s.code,
                    "reason": d or "no_file",
                    "expected_code": "school_missing",
                    **({"file": f} if f else {}),
                }
            )
    planted = {
        "assessment": ASSESSMENT,
        "seed": seed,
        "libreoffice": libreoffice,
        "note": "Generated by scripts/demo/generate.py; do not edit by hand. Problem `kind`s "
        "are the demo's own names (the ingest codes are mapped to them in the tests); "
        "cells are Excel A1 references without the sheet.",
        "counts": {
            "municipalities": len({s.mo_code for s in schools}),
            "schools": len(schools),
            "files": len(files) + len(ignored),
            "workbook_files": len(files),
            "files_ignored": len(ignored),
            "files_rejected": sum(f["status"] == "rejected" for f in files),
            "files_accepted": sum(f["status"] == "accepted" for f in files),
            "rows_in_accepted_files": sum(f["rows"] for f in files if f["status"] == "accepted"),
            "present_in_accepted_files": sum(
                f["present"] for f in files if f["status"] == "accepted"
            ),
            "absent_in_accepted_files": sum(
                f["absent"] for f in files if f["status"] == "accepted"
            ),
            "rows_in_rejected_files": sum(f["rows"] for f in files if f["status"] == "rejected"),
            "schools_accepted": sum(v == "accepted" for v in plan.status.values()),
            "schools_rejected": sum(v == "rejected" for v in plan.status.values()),
            "schools_missing": sum(v == "missing" for v in plan.status.values()),
        },
        "region": {
            "participants": region.participants,
            "absent": region.absent,
            "below_basic_pct": _round(region.below_basic_pct),
            "basic_tasks_pct": _round(region.basic_tasks_pct),
            "advanced_tasks_pct": _round(region.advanced_tasks_pct),
            "peak_pct": _round(region.peak_pct),
        },
        "defects": defects,
        "ignored": ignored,
        "missing_schools": missing,
        "risk_schools": risk_schools,
        "risk_municipalities": [
            {
                "municipality_code": mo,
                "municipality": per_mo[mo]["name"],
                "reasons": per_mo[mo]["reasons"],
                "below_basic_pct": _round(per_mo[mo]["below_basic_pct"]),
                "schools_in_risk": per_mo[mo]["schools_in_risk"],
                "schools_classified": per_mo[mo]["schools_classified"],
                "schools_in_risk_pct": _round(per_mo[mo]["schools_in_risk_pct"]),
            }
            for mo in risk_mos
        ],
        "objectivity_schools": obj_schools,
        "too_few_schools": too_few,
        "files": sorted(files, key=lambda f: f["file"]),
        "generator": {"lo_seconds": round(lo_seconds, 1)},
    }
    if planted_path is not None:
        stable = {k: v for k, v in planted.items() if k != "generator"}
        planted_path.write_text(
            yaml.dump(
                stable,
                Dumper=_Dumper,
                allow_unicode=True,
                sort_keys=False,
                width=100,
                default_flow_style=None,
            ),
            encoding="utf-8",
        )
    return planted


class _Dumper(yaml.SafeDumper):
    """Quotes strings that look like numbers (school codes such as 030019) for any YAML reader."""


def _str(dumper, value: str):
    style = "'" if value and all(ch in "0123456789.+-" for ch in value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (raw/<id>)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--no-libreoffice",
        action="store_true",
        help="write the .xls/.ods/round-trip files as plain openpyxl .xlsx (byte-stable)",
    )
    ap.add_argument(
        "--planted",
        type=Path,
        default=None,
        help="where to write planted.yaml (default: scripts/demo/planted.yaml for the default "
        "output folder, <out>/../planted.yaml otherwise)",
    )
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    out = args.out if args.out.is_absolute() else Path.cwd() / args.out
    planted_path = args.planted
    if planted_path is None:
        planted_path = (
            DEFAULT_PLANTED if out.resolve() == DEFAULT_OUT.resolve() else out / "planted.yaml"
        )
    out.mkdir(parents=True, exist_ok=True)
    planted = generate(out, args.seed, not args.no_libreoffice, planted_path)
    c = planted["counts"]
    print(
        f"demo {ASSESSMENT}: {c['municipalities']} municipalities, {c['schools']} schools, "
        f"{c['workbook_files']} workbooks ({c['files_rejected']} to be rejected), "
        f"{c['files_ignored']} ignored files; {len(planted['risk_schools'])} schools in the risk "
        f"zone, {len(planted['objectivity_schools'])} with signs of non-objectivity; "
        f"{time.monotonic() - t0:.1f} s (LibreOffice {planted['generator']['lo_seconds']} s) "
        f"-> {out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
