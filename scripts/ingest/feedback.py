"""Feedback workbooks: one per file with problems, in Russian, cell by cell what to fix.

Written with xlsxwriter with a fixed creation date, so identical problems give identical bytes
(xlsxwriter also stores fixed timestamps in the zip).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import xlsxwriter

from scripts.ingest.validate import ERROR, SEVERITY_RU, WARNING, Problem, sort_problems

FIXED_DATE = dt.datetime(2000, 1, 1, 0, 0, 0)
SHEET = "Что исправить"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_cell(text: str) -> str:
    """Text that no spreadsheet will take for a formula."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _path_name(file: str) -> str:
    """submissions/b/c/школа2.xlsx → b_c_школа2 (the path inside submissions/, without suffix)."""
    parts = file.split("/")
    if len(parts) > 1 and parts[0] == "submissions":
        parts = parts[1:]
    parts[-1] = parts[-1].rsplit(".", 1)[0] if "." in parts[-1] else parts[-1]
    return _UNSAFE.sub("_", "_".join(parts)).strip(" .") or "file"


def feedback_names(files: dict[str, str]) -> dict[str, str]:
    """file → feedback name (without .xlsx): the school code, or the file's stem; made unique
    with the file's path (`<code>__<folder>_<stem>`) where two files would share a name."""
    wanted: dict[str, str] = {}
    for file, code in files.items():
        stem = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        wanted[file] = _UNSAFE.sub("_", code or stem).strip(" .") or "file"
    taken: dict[str, list[str]] = {}
    for file, name in wanted.items():
        taken.setdefault(name.casefold(), []).append(file)
    result: dict[str, str] = {}
    used: set[str] = set()
    for file in sorted(wanted):
        name = wanted[file]
        if len(taken[name.casefold()]) > 1:
            name = f"{name}__{_path_name(file)}"
        name = base = _fit(name)
        n = 2
        while name.casefold() in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name.casefold())
        result[file] = name
    return result


NAME_BYTES = 200  # of a feedback file's name before «.xlsx»: file systems allow 255 bytes


def _fit(name: str) -> str:
    """`name` cut to NAME_BYTES of UTF-8 (a Cyrillic letter is two), the cut marked by 8 hex
    digits of the whole name's sha256 — two long names that share their start stay two."""
    if len(name.encode("utf-8")) <= NAME_BYTES:
        return name
    tail = "_" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    cut = name.encode("utf-8")[: NAME_BYTES - len(tail)].decode("utf-8", "ignore").rstrip(" ._")
    return cut + tail


def feedback_bytes(file: str, school_code: str, school_name: str, problems: list[Problem]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    wb.set_properties(
        {
            "title": f"Что исправить: {file}",
            "author": "ЦОКО",
            "created": FIXED_DATE,
        }
    )
    ws = wb.add_worksheet(SHEET)
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    err_fmt = wb.add_format(
        {"text_wrap": True, "valign": "top", "border": 1, "font_color": "#C00000"}
    )
    errors = sum(1 for p in problems if p.severity == ERROR)
    warnings = sum(1 for p in problems if p.severity == WARNING)
    ws.write_string(0, 0, "Результаты проверки файла", title)
    ws.write_string(1, 0, "Файл:", bold)
    ws.write_string(1, 1, safe_cell(file))
    ws.write_string(2, 0, "Код ОО:", bold)
    ws.write_string(2, 1, safe_cell(school_code or "не определён"))
    if school_name:
        ws.write_string(3, 0, "ОО:", bold)
        ws.write_string(3, 1, safe_cell(school_name))
    if errors:
        verdict = (
            f"Файл не принят: ошибок — {errors}, предупреждений — {warnings}. "
            "Исправьте все ошибки и пришлите файл заново."
        )
    else:
        verdict = (
            f"Файл принят. Предупреждений — {warnings}: проверьте их; "
            "если данные верны, присылать файл заново не нужно."
        )
    ws.write_string(4, 0, "Итог:", bold)
    ws.write_string(4, 1, verdict, bold)
    headers = ["Лист", "Ячейка", "Важность", "Что не так", "Как исправить"]
    top = 6
    for j, h in enumerate(headers):
        ws.write_string(top, j, h, head)
    for i, p in enumerate(sort_problems(problems), start=top + 1):
        fmt = err_fmt if p.severity == ERROR else wrap
        what = p.what[:1].upper() + p.what[1:]
        how = p.how[:1].upper() + p.how[1:] if p.how else ""
        ws.write_string(i, 0, safe_cell(p.sheet), wrap)
        ws.write_string(i, 1, safe_cell(p.cell), wrap)
        ws.write_string(i, 2, SEVERITY_RU[p.severity], fmt)
        ws.write_string(i, 3, safe_cell(what), wrap)
        ws.write_string(i, 4, safe_cell(how), wrap)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 16)
    ws.set_column(3, 3, 60)
    ws.set_column(4, 4, 60)
    ws.freeze_panes(top + 1, 0)
    if problems:
        ws.autofilter(top, 0, top + len(problems), len(headers) - 1)
    wb.close()
    return buf.getvalue()
