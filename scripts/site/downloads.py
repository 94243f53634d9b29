"""Downloads of one assessment (CSV and XLSX per section): the same suppression as the pages, text
cells neutralised (escape.csv_cell), deterministic bytes (fixed docProps dates and zip entry times)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import xlsxwriter

from scripts.common import labels
from scripts.site.escape import csv_cell
from scripts.site.load import published_message

FIXED_DATE = dt.datetime(2000, 1, 1)
# Columns that are codes or text even when they look like numbers (leading zeros matter).
# Names and messages too: a school named «123» or «-3.5» stays that text, not a number.
TEXT_COLS = {"municipality_code", "school_code", "code", "task", "result", "class", "variant", "topic",
             "path", "sha256", "file", "cell", "mark", "school_name", "municipality", "settlement",
             "message", "sheet", "severity", "status", "risk_reasons", "objectivity_flags",
             "suppressed"}  # fmt: skip
# Columns of a group that stay visible when the group is hidden (who, not how well).
KEEP = {"municipality_code", "municipality", "school_code", "school_name", "settlement", "status", "schools",
        "schools_accepted", "schools_rejected", "schools_missing", "schools_classified", "participants",
        "absent", "risk", "risk_reasons", "objectivity_checked", "objectivity_flags", "class", "suppressed",
        "schools_in_risk", "risk_withheld"}  # fmt: skip
_NUM = re.compile(r"-?[0-9]+(\.[0-9]+)?")

SECTIONS = [
    ("region", "Регион: итоги"),
    ("municipalities", "Муниципалитеты"),
    ("schools", "Школы"),
    ("classes", "Классы"),
    ("tasks", "Выполнение заданий (регион, муниципалитеты, школы)"),
    ("planned_results", "Достижение планируемых результатов"),
    ("distribution", "Распределение первичных баллов (школы)"),
    ("items", "Статистика заданий (по вариантам)"),
    ("reasons", "Основания зоны риска и признаки необъективности (значения и пороги)"),
    ("deficits", "Дефициты: задания и планируемые результаты"),
    ("recommendations", "Адресные рекомендации"),
    ("validation", "Проблемы в присланных файлах"),
    ("inputs", "Входные файлы этой версии (контрольные суммы)"),
]


def blank(row: dict, reason: str | None) -> dict:
    """A published row of a group: hidden (`reason`) → only the columns of KEEP keep a value."""
    out = dict(row)
    if reason:
        for key in out:
            if key not in KEEP:
                out[key] = ""
    out["suppressed"] = reason or ""
    return out


def tables(site) -> dict[str, tuple[list[str], list[dict]]]:
    """{section: (columns, rows)} with suppression applied — the published data of one assessment."""
    res, sup = site.res, site.sup
    out: dict[str, tuple[list[str], list[dict]]] = {}

    def cols(name, extra=("suppressed",)):
        rows = res[name]
        base = list(res.columns.get(name) or (rows[0].keys() if rows else []))
        return base + [c for c in extra if c not in base]

    out["region"] = (cols("region"), [blank(r, sup.region_reason) for r in res["region"]])
    out["municipalities"] = (
        cols("municipalities"),
        [blank(r, sup.municipality(r["municipality_code"])) for r in res["municipalities"]],
    )
    out["schools"] = (
        cols("schools"),
        [blank(r, sup.school(r["school_code"])) for r in res["schools"]],
    )
    out["classes"] = (
        cols("classes"),
        [blank(r, sup.klass(r["school_code"], r["class"])) for r in res["classes"]],
    )

    def visible(r):
        scope = r.get("scope")
        if scope == "region":
            return sup.region_reason is None
        if scope == "municipality":
            return sup.municipality(r["code"]) is None
        if scope == "school":
            s = site.schools.get(r["code"])
            return sup.school(r["code"]) is None and s is not None and s["status"] == "accepted"
        return False

    for name in ("tasks", "planned_results", "distribution"):
        out[name] = (cols(name, ()), [r for r in res[name] if visible(r)
                                      # scores: the schools' only, as the pages show them — a
                                      # region's or municipality's minus its shown schools' gave
                                      # the hidden ones' scores exactly (an attack)
                                      and (name != "distribution" or r.get("scope") == "school")])  # fmt: skip
    out["items"] = (cols("items", ()), res["items"] if sup.region_reason is None else [])
    out.update(_findings(site, cols))
    out["validation"] = (
        cols("validation", ()),
        [{**v, "message": published_message(v, res.student_codes)} for v in res["validation"]],
    )
    school_of = _school_of({x["file"]: x.get("school_code") or "" for x in res["submissions"]})
    out["inputs"] = (["path", "sha256", "bytes", "school_code"], [
        {"path": i.get("path", ""), "sha256": i.get("sha256", ""), "bytes": i.get("bytes", ""),
         "school_code": school_of(str(i.get("path", "")))}
        for i in sorted(res.manifest.get("inputs", []), key=lambda i: str(i.get("path", "")))])  # fmt: skip
    return out


def _school_of(codes: dict[str, str]):
    """path in the manifest (raw/<id>/submissions/…) → the school code read in that submitted file
    (submissions.csv: submissions/… → code, as the validation page lists it); '' if none. The
    changes report (scripts/site/diff.py) tells by it whose data changed."""

    def school(path: str) -> str:
        parts = path.split("/")
        for i in range(len(parts)):
            if (code := codes.get("/".join(parts[i:]))) is not None:
                return code
        return ""

    return school


def _findings(site, cols) -> dict[str, tuple[list[str], list[dict]]]:
    """Reasons, deficits and recommendations as the pages publish them (SPEC §7): a hidden group's
    reason values blank (not `too_few`'s), no deficits of a hidden school and no completion of a
    hidden region or municipality, a municipality's shared deficits as `Site.municipality_deficits`
    decides, a hidden school's recommendations only those chosen by a rule."""
    res, sup = site.res, site.sup

    def hidden(scope: str, code: str) -> bool:
        if scope == "region":
            return sup.region_reason is not None
        if scope == "municipality":
            return sup.municipality(code) is not None
        return site.withheld(code)

    reasons = []
    for r in res["reasons"]:
        if hidden(r["scope"], r["code"]) and r["rule"] != "too_few":
            r = {**r, "value": "", "value2": ""}
        reasons.append(r)
    groups = [("region", "")] + [("municipality", c) for c in sorted(site.muns)] + [
        ("school", c) for c in sorted(site.schools)]  # fmt: skip
    deficits, recs = [], []
    for scope, code in groups:
        off = hidden(scope, code)
        if scope == "municipality":
            rows = site.municipality_deficits(code)
        else:
            rows = [] if scope == "school" and off else site.deficits.get((scope, code), [])
        if scope == "municipality" and site.share_said_as_bound(code):
            rows = [{**d, "schools_share_pct": ""} for d in rows]  # «≥ 30» only on the page
        deficits += [{**d, "completion_pct": ""} if off else d for d in rows]
        recs += site.published_recs(scope, code, rules_only=scope == "school" and off)
    return {
        "reasons": (cols("reasons", ()), reasons),
        "deficits": (cols("deficits", ()), deficits),
        "recommendations": (cols("recommendations", ()), recs),
    }


def _one_line_break(value):
    """CR inside a cell as LF: the writer (lineterminator LF) quotes a cell with LF but NOT one with
    a bare CR, which Excel and csv readers take for the end of the row — the rest of the cell would
    start a new row unneutralised (`x\r=HYPERLINK(…)`)."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _csv_value(value):
    return _one_line_break(csv_cell(value))


def _memo(fn):
    """`fn` over a table's cells, once per distinct value (a table repeats its codes, names and
    figures: at 10x 1.2 M cells, ~50 000 distinct values)."""
    memo: dict = {}

    def cell(value):
        key = (value.__class__, value)  # 1, 1.0 and True are equal keys but not equal cells
        try:
            return memo[key]
        except KeyError:
            out = memo[key] = fn(value)
            return out
        except TypeError:  # an unhashable value: no memo
            return fn(value)

    return cell


def csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    cell = _memo(_csv_value)
    for r in rows:
        w.writerow([cell(r.get(c, "")) for c in columns])
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(title: str, columns: list[str], rows: list[dict]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})  # fmt: skip
    wb.set_properties({"created": FIXED_DATE, "title": title})
    ws = wb.add_worksheet("data")
    bold = wb.add_format({"bold": True})
    for j, c in enumerate(columns):
        ws.write_string(0, j, c, bold)
    number = _memo(lambda v: float(v) if _NUM.fullmatch(v) else None)
    text = _memo(csv_cell)
    kinds = [c in TEXT_COLS for c in columns]
    for i, r in enumerate(rows, start=1):
        for j, c in enumerate(columns):
            v = r.get(c)
            if v is None or v == "":
                continue
            v = str(v)
            x = None if kinds[j] else number(v)
            if x is not None:
                ws.write_number(i, j, x)
            else:
                ws.write_string(i, j, text(v))
    ws.freeze_panes(1, 0)
    about = wb.add_worksheet("Столбцы")  # what each column is, in Russian
    about.write_string(0, 0, "столбец", bold)
    about.write_string(0, 1, "что означает", bold)
    for i, c in enumerate(columns, start=1):
        about.write_string(i, 0, c)
        about.write_string(i, 1, labels.KEY_COLUMNS.get(c) or labels.COLUMNS.get(c, ""))
    about.set_column(0, 0, 24)
    about.set_column(1, 1, 90)
    wb.close()
    return buf.getvalue()


def plan(site) -> tuple[list[dict], list[tuple[str, str, list[str], list[dict]]]]:
    """(the sections for the data page, in SECTIONS order; the files to write, one (name, title,
    columns, rows) per section, largest first — so two processes taking them in turn end
    together)."""
    data = tables(site)
    sections, work = [], []
    for name, title in SECTIONS:
        columns, rows = data[name]
        if columns:
            sections.append({"name": name, "title": title, "rows": len(rows)})
            work.append((name, title, columns, rows))
    work.sort(key=lambda w: -len(w[2]) * len(w[3]))  # stable: ties keep SECTIONS order
    return sections, work


def write(dest: Path, name: str, title: str, columns: list[str], rows: list[dict]) -> None:
    """`<name>.csv` and `<name>.xlsx` of one section into `dest`."""
    (dest / f"{name}.csv").write_bytes(csv_bytes(columns, rows))
    (dest / f"{name}.xlsx").write_bytes(xlsx_bytes(title, columns, rows))
