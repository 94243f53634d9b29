"""What differs between two versions of the published data (SPEC §8) — the `changes` page and
`make diff` print the same report.

A version's published data is site/<version>/<id>/data/*.csv (the downloads: already suppressed,
so the report never reveals a hidden group). Compared: input files (inputs.csv), schools whose
status, risk zone or objectivity flags changed, and the numbers of the region, municipalities and
schools that changed (old → new), the values and thresholds behind the reasons included. Which
tasks are deficits and which texts are recommended follow from those numbers and are not listed.

    python -m scripts.site.diff [--from VERSION] [--to VERSION] [--site site]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from itertools import compress
from operator import itemgetter
from pathlib import Path

from scripts.common import labels
from scripts.common.csvio import read_csv
from scripts.site.escape import MdSafe, csv_text, md_text

# (file, key columns, how a row is grouped and labelled). Groups: the region, a municipality, a school.
TABLES = [
    ("region", [], lambda r: (("Регион", ""), "")),
    ("municipalities", ["municipality_code"], lambda r: (("МО", r["municipality_code"]), "")),
    ("schools", ["school_code"], lambda r: (("ОО", r["school_code"]), "")),
    ("classes", ["school_code", "class"],
     lambda r: (("ОО", r["school_code"]), f"класс {r['class']}")),
    ("tasks", ["scope", "code", "task"], lambda r: (_scope(r), f"задание {r['task']}")),
    ("planned_results", ["scope", "code", "result"],
     lambda r: (_scope(r), f"результат {r['result']}")),
    ("distribution", ["scope", "code", "total"], lambda r: (_scope(r), f"{r['total']} балл.")),
    ("items", ["variant", "task"],
     lambda r: (("Регион", ""), f"вариант {r['variant']}, задание {r['task']}")),
    # the figures behind each risk reason and sign of non-objectivity (their thresholds move with
    # the config and, for the signs, with the region's own figures)
    ("reasons", ["scope", "code", "kind", "rule"],
     lambda r: (_scope(r), f"основание: {labels.rule(r['rule'])}")),
]  # fmt: skip
# Text, keys and classifications (reported in their own sections): never «numbers».
NOT_NUMBERS = {"municipality_code", "municipality", "school_code", "school_name", "settlement",
               "status", "risk", "risk_reasons", "objectivity_checked", "objectivity_flags",
               "suppressed", "scope", "code", "class", "task", "result", "total", "variant",
               "level", "flag", "kind", "rule", "comparison", "comparison2"}  # fmt: skip
SCHOOL_FLAGS = [("status", "статус"), ("risk", "зона риска"), ("risk_reasons", "основания риска"),
                ("objectivity_checked", "объективность проверялась"),
                ("objectivity_flags", "признаки необъективности"), ("suppressed", "скрыта")]  # fmt: skip
MUNICIPALITY_FLAGS = [("risk", "зона риска"), ("risk_reasons", "основания риска"),
                      ("suppressed", "скрыт")]  # fmt: skip
YES_NO = {"risk", "objectivity_checked"}
# Columns of a table's rows that repeat the group's own figure (every task row of a school carries
# its participants: one accepted file listed «участников» once per task, 14 lines a group)
REPEATED = {"tasks": {"participants"}, "planned_results": {"participants"}}
# Columns that repeat another group's figure in this group's row (a school's task row carries the
# region's completion and the difference from it): one corrected workbook changes them for every
# school, so the report first names the groups whose own figures changed.
REGION_COMPARISONS = {"region_pct", "diff_region_pp"}
MUNICIPALITY_COMPARISONS = {"municipality_pct", "diff_municipality_pp"}
COMPARISONS = REGION_COMPARISONS | MUNICIPALITY_COMPARISONS
# A reason's thresholds that come from the region's figures (signs of non-objectivity)
REASON_LIMITS = {"threshold", "threshold2", "value2"}
# never a group's own figure (config or the region's): not «its own figures changed»
THRESHOLDS = {"threshold", "threshold2"}
NOT_OWN = COMPARISONS | THRESHOLDS  # a column that changes only as a comparison
OWN_SHOWN = 20  # groups named in that summary
GROUP_ORDER = {"Регион": 0, "МО": 1, "ОО": 2}
LIMIT = 300


def _scope(r: dict) -> tuple[str, str]:
    return {
        "region": ("Регион", ""),
        "municipality": ("МО", r["code"]),
        "school": ("ОО", r["code"]),
    }[r["scope"]]


def _rows(folder: Path | None, name: str, keys: list[str]) -> dict:
    if folder is None or not (folder / f"{name}.csv").exists():
        return {}
    rows = [_plain(r) for r in read_csv(folder / f"{name}.csv")]
    if len(keys) > 1:
        key = itemgetter(*keys)  # a tuple of the key columns
        return {key(r): r for r in rows}
    return {tuple(r[k] for k in keys): r for r in rows}


def _plain(row: dict) -> dict:
    """A download's row with its texts as they were (a name starting `=` is `'=` in the CSV)."""
    if any(v and v[0] == "'" for v in row.values() if isinstance(v, str)):
        return {k: csv_text(v) if isinstance(v, str) else v for k, v in row.items()}
    return row


def _lines(path: Path) -> list[str] | None:
    """A CSV's lines (header first), or None when a quoted cell spans lines (an odd number of
    quotes on a line) and only a CSV reader can tell the rows apart."""
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    lines = text.split("\n")
    if '"' in text and any(line.count('"') % 2 for line in lines if '"' in line):
        return None
    return lines


def _differing(old: Path, new: Path, name: str, keys: list[str]) -> tuple[dict, dict, dict]:
    """The rows of one table that differ between two versions: (key → old row, key → new row,
    key → its position: a new row's place in the new file, then the removed rows'). A line found
    unchanged in both files is not parsed — after one corrected workbook that is nearly every
    line of a country's 1.8 million (the whole comparison 12.0 → 2.7 s). The same rows as
    comparing every row (a test compares with a full parse)."""
    o_path, n_path = old / f"{name}.csv", new / f"{name}.csv"
    o_lines = _lines(o_path) if o_path.exists() else []
    n_lines = _lines(n_path) if n_path.exists() else []
    if o_lines == [] and n_lines == []:
        return {}, {}, {}
    if o_lines is None or n_lines is None or (o_lines and n_lines and o_lines[0] != n_lines[0]):
        o_rows, n_rows = _rows(old, name, keys), _rows(new, name, keys)  # parsed whole
        where = {k: i for i, k in enumerate([*n_rows, *(k for k in o_rows if k not in n_rows)])}
        return o_rows, n_rows, where
    o_set, n_set = set(o_lines[1:]), set(n_lines[1:])
    n_diff, o_diff = n_set - o_set - {""}, o_set - n_set - {""}
    # the differing lines in file order (compress and map loop in C, not per line in Python)
    n_body, o_body = n_lines[1:], o_lines[1:]
    n_at = compress(range(len(n_body)), map(n_diff.__contains__, n_body))
    n_only = [(i, n_body[i]) for i in n_at]
    o_only = list(compress(o_body, map(o_diff.__contains__, o_body)))
    header = next(csv.reader([(n_lines or o_lines)[0]]), [])
    key = itemgetter(*keys) if keys else (lambda _r: ())
    if len(keys) == 1:
        key = lambda r, k=keys[0]: (r[k],)  # noqa: E731 — as _rows: a 1-tuple
    n_rows, where = {}, {}
    for (i, _line), cells in zip(n_only, csv.reader(line for _, line in n_only), strict=True):
        row = _plain(dict(zip(header, cells, strict=False)))
        n_rows[key(row)] = row
        where.setdefault(key(row), i)
    o_rows = {}
    total = len(n_lines) - 1
    for cells in csv.reader(o_only):
        row = _plain(dict(zip(header, cells, strict=False)))
        o_rows[key(row)] = row
        if key(row) not in where:
            where[key(row)] = total + len(where)
    return o_rows, n_rows, where


def _flag(col: str, value: str) -> str:
    """A classification as readers know it: statuses and rule ids in Russian (SPEC §1)."""
    if col in YES_NO:
        return {"1": "да", "0": "нет"}.get(value, value or "—")
    if col == "status":
        return labels.STATUS_SHORT.get(value, value) or "—"
    if col in ("risk_reasons", "objectivity_flags"):  # «, » inside the «; »-joined changes
        return labels.rules(value, ", ") or "—"
    if col == "suppressed":
        return "да" if value else "нет"
    return value or "—"


def column_label(col: str) -> str:
    """The Russian name of a published number's column (the machine name if it has none)."""
    return labels.COLUMNS.get(col, col)


def _shown_flag(row: dict, col: str) -> str:
    """A classification as the version showed it: a withheld one (a hidden group whose
    classification alone would give a count away) says so, not «—» as for «not classified»."""
    if col in ("risk", "risk_reasons") and row.get("risk_withheld") == "1":
        return "не публикуется"
    return _flag(col, row.get(col, ""))


def _flag_changes(o: dict, n: dict, flags) -> str:
    return "; ".join(
        f"{label}: {_shown_flag(o, col)} → {_shown_flag(n, col)}"
        for col, label in flags
        if o.get(col, "") != n.get(col, "")
    )


def _registry_changes(old: dict, new: dict, name_col: str, flags, added: str, removed: str):
    out = []
    for code in sorted(set(old) | set(new)):
        o, n = old.get(code), new.get(code)
        if o is None or n is None:
            out.append(
                {
                    "code": code[0],
                    "name": (n or o)[name_col],
                    "what": added if o is None else removed,
                }
            )
        elif what := _flag_changes(o, n, flags):
            out.append({"code": code[0], "name": n[name_col], "what": what})
    return out


def compare(old: Path | None, new: Path) -> dict:
    """The report of differences between two data folders (old may be None: first version).

    numbers: every published number that differs, grouped by region / municipality / school
    (`who`), with the row inside the group (`row`: class, task, result, score; empty for the
    group's own figures), the CSV column and the old and new CSV text (empty = not published)."""
    rep: dict = {
        "first": old is None or not old.exists(),
        "inputs": {},
        "schools": [],
        "municipalities": [],
        "numbers": [],
    }
    if rep["first"]:
        return rep
    oi, ni = _rows(old, "inputs", ["path"]), _rows(new, "inputs", ["path"])
    rep["inputs"] = {
        "added": sorted(p for (p,) in set(ni) - set(oi)),
        "removed": sorted(p for (p,) in set(oi) - set(ni)),
        "changed": sorted(
            p for (p,) in set(oi) & set(ni) if oi[(p,)]["sha256"] != ni[(p,)]["sha256"]
        ),
    }
    os_, ns = _rows(old, "schools", ["school_code"]), _rows(new, "schools", ["school_code"])
    rep["schools"] = _registry_changes(os_, ns, "school_name", SCHOOL_FLAGS,
                                       "добавлена в реестр", "удалена из реестра")  # fmt: skip
    om, nm = _rows(old, "municipalities", ["municipality_code"]), _rows(new, "municipalities", ["municipality_code"])  # fmt: skip
    rep["municipalities"] = _registry_changes(om, nm, "municipality", MUNICIPALITY_FLAGS,
                                              "добавлен в реестр", "удалён из реестра")  # fmt: skip
    names = {("МО", c): r["municipality"] for (c,), r in {**om, **nm}.items()}
    names |= {("ОО", c): r["school_name"] for (c,), r in {**os_, **ns}.items()}
    gone = {("МО", c) for (c,) in set(om) ^ set(nm)} | {("ОО", c) for (c,) in set(os_) ^ set(ns)}
    numbers = []
    arrived = []  # the figures of schools added to / removed from the registry: not listed (they
    # are «добавлена / удалена» above), but their counts are part of their municipality's change
    for t, (name, keys, where) in enumerate(TABLES):
        o_rows, n_rows, place = _differing(old, new, name, keys)
        for k in sorted(place, key=place.__getitem__):
            i = place[k]
            o, n = o_rows.get(k, {}), n_rows.get(k, {})
            if o == n:  # the same row written differently (or duplicated): nothing changed
                continue
            group, row = where(n or o)
            for c, col in enumerate(dict.fromkeys([*(n or o)])):
                if col in NOT_NUMBERS or o.get(col, "") == n.get(col, ""):
                    continue
                if col in REPEATED.get(name, ()):  # the group's own figure, reported once
                    continue
                (arrived if group in gone else numbers).append(((GROUP_ORDER[group[0]], group[1], t, i, c), {
                    "who": f"{group[0]} {group[1]}".strip(), "name": names.get(group, ""), "row": row, "column": col,
                    "old": o.get(col, ""), "new": n.get(col, "")}))  # fmt: skip
    numbers = _own_first(numbers)
    mun_of = {c: r["municipality_code"] for (c,), r in {**os_, **ns}.items()}
    hidden = {c for (c,), r in ns.items() if r.get("suppressed")}
    # a hidden school (in either version) whose file or row changed
    files = {*rep["inputs"]["added"], *rep["inputs"]["removed"], *rep["inputs"]["changed"]}
    changed = {r.get("school_code", "") for (p,), r in [*oi.items(), *ni.items()] if p in files}
    changed |= {c for (c,) in set(os_) | set(ns) if os_.get((c,)) != ns.get((c,))}
    was_hidden = hidden | {c for (c,), r in os_.items() if r.get("suppressed")}
    muns = {mun_of[c] for c in changed & was_hidden if c in mun_of}
    withheld = _withheld([*numbers, *(n for _, n in arrived)], mun_of, muns)
    rep["numbers"] = [n for n in numbers if not _masked(n, set(withheld), mun_of, hidden)]
    rep["withheld"] = [{"who": w, "name": names.get(tuple(w.split(" ", 1)), "")} for w in withheld]
    return rep


def _own_first(numbers: list[tuple[tuple, dict]]) -> list[dict]:
    """The numbers in report order: first every group's own figures (region, municipalities,
    schools), then what changed only as a comparison — the region's or municipality's figure
    repeated in a group's row, a threshold, and a reason's values of a group whose own figures did
    not change (its difference from the region). After one corrected workbook the comparisons
    are thousands of rows: an audit found the corrected school's own figures on line 779 of the
    report, past the page's first 300 rows. Each number gets `comparison` (True/False)."""
    reasons = next(t for t, table in enumerate(TABLES) if table[0] == "reasons")
    own = {n["who"] for key, n in numbers if key[2] != reasons and n["column"] not in NOT_OWN}
    for key, n in numbers:
        n["comparison"] = n["column"] in NOT_OWN or (key[2] == reasons and n["who"] not in own)
    return [n for _, n in sorted(numbers, key=lambda x: (x[1]["comparison"], x[0]))]


WITHHELD_TEXT = (
    "Не сравниваются показатели групп: {groups}. Изменились данные школы, скрытой из-за малого "
    "числа участников (или её файл), и по разнице прежних и новых значений этих групп её данные "
    "можно было бы вычислить; поэтому здесь не сказано и то, изменились ли они. Текущие "
    "значения — на страницах этих групп"
)
# Counts published for every visible group: a municipality's change in one of them must be the sum
# of its schools' changes, unless a school hidden in one of the versions changed (SPEC §7).
COUNTS = {"participants", "absent", "below_basic", "basic", "above_basic", "students"}


def _count(value: str) -> int | None:
    return 0 if value == "" else int(value) if value.isdigit() else None


def _withheld(numbers: list[dict], mun_of: dict[str, str], muns: set[str]) -> list[str]:
    """The groups («МО 07», «Регион») whose old → new figures would reveal a hidden school.

    Two versions side by side are a subtraction: when a school hidden for its few participants
    (or hidden in one of the two versions only) sent its first or a corrected workbook, its
    municipality's and the region's changes are that school's own figures. `muns`: the
    municipalities of such schools known by their files (inputs.csv) or rows (schools.csv); also
    withheld: a municipality whose change in a count of its own (participants, levels)
    differs from the sum of the changes its schools publish (a hidden school's counts are blank:
    0 here). The region goes with them: its change is theirs."""
    change: dict[tuple, int] = defaultdict(int)
    for n in numbers:
        # the group's own counts (score rows: a municipality publishes none — and a version
        # from before that change had them, which would not add up against the new one)
        if n["column"] not in COUNTS or n["row"] != "":
            continue
        old, new = _count(n["old"]), _count(n["new"])
        if old is None or new is None:
            continue
        kind, _, code = n["who"].partition(" ")
        if kind == "МО":
            change[(code, n["row"], n["column"])] += new - old
        elif kind == "ОО" and code in mun_of:
            change[(mun_of[code], n["row"], n["column"])] -= new - old
    muns = sorted(muns | {code for (code, _, _), left in change.items() if left})
    return (["Регион"] if muns else []) + [f"МО {c}" for c in muns]


def _masked(n: dict, withheld: set[str], mun_of: dict[str, str], hidden: set[str]) -> bool:
    """Not printed: a withheld group's figure, that group's figure repeated in another group's row
    (a comparison, a threshold made of the region's figures), and the earlier figures of a school
    this version hides (with its municipality's new figures they would give away its neighbour)."""
    kind, _, code = n["who"].partition(" ")
    if n["who"] in withheld or (kind == "ОО" and code in hidden):
        return True
    if not withheld:
        return False
    if n["column"] in REGION_COMPARISONS or n["column"] in REASON_LIMITS:
        return kind != "Регион"  # the region is withheld whenever a municipality is
    if n["column"] in MUNICIPALITY_COMPARISONS:
        return f"МО {mun_of.get(code)}" in withheld
    return False


def _who(n: dict) -> str:
    return f"{n['who']} «{n['name']}»" if n.get("name") else n["who"]


def _comparison(n: dict) -> bool:
    """Only a comparison (`_own_first`); by its column where the number was not classed there."""
    return bool(n.get("comparison", n["column"] in NOT_OWN))


def own_changes(numbers: list[dict]) -> str:
    """«Регион; МО 01 «…»; ОО 010061 «…»»: the groups with a changed figure of their own (not only
    a comparison with the region or municipality), in the report's order; '' if none."""
    groups = list(dict.fromkeys(_who(n) for n in numbers if not _comparison(n)))
    text = "; ".join(groups[:OWN_SHOWN])
    if len(groups) > OWN_SHOWN:
        text += f" и ещё {len(groups) - OWN_SHOWN}"
    return text


def render_text(rep: dict, title: str = "") -> str:
    lines = [title] if title else []
    if rep["first"]:
        return "\n".join(lines + ["Первая версия: сравнивать не с чем."]) + "\n"
    inp = rep["inputs"]
    lines.append(
        f"Входные файлы: добавлено {len(inp['added'])}, удалено {len(inp['removed'])}, изменено {len(inp['changed'])}"
    )
    for kind, label in (("added", "+"), ("removed", "-"), ("changed", "*")):
        lines += [f"  {label} {p}" for p in inp[kind]]
    lines.append(
        f"Школы с изменившимся статусом, зоной риска или признаками: {len(rep['schools'])}"
    )
    lines += [f"  {s['code']} {s['name']}: {s['what']}" for s in rep["schools"]]
    lines.append(f"Муниципалитеты с изменившейся зоной риска: {len(rep['municipalities'])}")
    lines += [f"  {m['code']} {m['name']}: {m['what']}" for m in rep["municipalities"]]
    lines.append(f"Изменившиеся показатели: {len(rep['numbers'])}")
    if rep.get("withheld"):
        lines.append("  " + WITHHELD_TEXT.format(groups="; ".join(map(_who, rep["withheld"]))))
    if own := own_changes(rep["numbers"]):
        lines.append(
            f"  свои показатели изменились у: {own}; у остальных групп — только сравнения "
            "с регионом и муниципалитетом"
        )
    group = None
    for n in rep["numbers"]:
        if _comparison(n) and (group is None or not group[1]):
            lines.append("  Только сравнения с регионом и муниципалитетом:")
        if (n["who"], _comparison(n)) != group:
            group = (n["who"], _comparison(n))
            lines.append(f"  {_who(n)}")
        col = column_label(n["column"])
        what = f"{n['row']}: {col}" if n["row"] else col
        lines.append(f"    {what}: {_num(n['old'])} → {_num(n['new'])}")  # as on the page
    return "\n".join(lines) + "\n"


def _num(value: str) -> str:
    """CSV text as on the other pages: a decimal comma; empty = not published."""
    if not value:
        return "—"
    if not _NUMBER.match(value):
        return value
    return value.replace(".", ",").replace("-", "−")  # the minus sign of the other pages


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def render_md(rep: dict, prev: str | None, version: str = "") -> MdSafe:
    """The changes page of `version`, built after `prev`. A list longer than LIMIT shows its first
    LIMIT items and says how many there are and how to print them all."""
    if rep["first"]:
        return MdSafe("Это первая версия сайта с этой работой: сравнивать не с чем.\n")
    out = [f"Сравнение с версией {md_text(prev or '')}.\n"]
    # version ids are our own hex digests: safe inside a code span (where an entity would show)
    ids = all(re.fullmatch(r"[0-9a-f]+", v or "") for v in (prev, version))
    command = f"make diff FROM={prev} TO={version}" if ids else "make diff"

    def more(items: list) -> list[str]:
        if len(items) <= LIMIT:
            return []
        return [f"\nПоказаны первые {LIMIT} из {len(items)}; полный список: `{command}`.\n"]

    inp = rep["inputs"]
    out.append("## Входные файлы\n")
    if not any(inp.values()):
        out.append("Входные файлы не изменились.\n")
    for kind, label in (("added", "Добавлены"), ("removed", "Удалены"), ("changed", "Изменены")):
        if inp[kind]:
            out.append(f"**{label}:**\n")
            out += [f"- {md_text(p)}" for p in inp[kind][:LIMIT]]
            out += more(inp[kind])
            out.append("")
    for key, title, none in (
        ("schools", "Школы", "Статус, зона риска и признаки необъективности школ не изменились."),
        ("municipalities", "Муниципалитеты", "Зона риска муниципалитетов не изменилась."),
    ):
        out.append(f"## {title}\n")
        if rep[key]:
            out += [
                f"- {md_text(s['code'])} {md_text(s['name'])}: {md_text(s['what'])}"
                for s in rep[key][:LIMIT]
            ]
            out += more(rep[key])
        else:
            out.append(none)
        out.append("")
    out.append("## Показатели\n")
    if rep.get("withheld"):
        groups = md_text("; ".join(map(_who, rep["withheld"])))
        out.append(WITHHELD_TEXT.format(groups=groups) + ".\n")
    if rep["numbers"]:
        if own := own_changes(rep["numbers"]):
            out.append(
                f"Свои показатели изменились у: {md_text(own)}. У остальных групп таблицы "
                "изменились только сравнения с регионом и муниципалитетом.\n"
            )
        own = [n for n in rep["numbers"] if not _comparison(n)]
        compared = [n for n in rep["numbers"] if _comparison(n)]
        for part, heading in (
            (own, ""),
            (compared, "### Только сравнения с регионом и муниципалитетом\n"),
        ):
            if not part:
                continue
            if heading:
                out.append(heading)
            out.append("| Группа | Строка | Показатель | Было | Стало |\n|---|---|---|---:|---:|")
            out += [f"| {md_text(_who(n))} | {md_text(n['row'])} | {md_text(column_label(n['column']))} | {md_text(_num(n['old']))} | {md_text(_num(n['new']))} |"
                    for n in part[:LIMIT]]  # fmt: skip
            out += more(part)
            out.append("")
    elif not rep.get("withheld"):
        out.append("Показатели не изменились.")
    return MdSafe("\n".join(out) + "\n")


def _built_after(version_dir: Path) -> str | None | bool:
    """The version a site version was built after (its `.site-version`; None: the first one), or
    False when that is not recorded."""
    import json

    try:
        record = json.loads((version_dir / ".site-version").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return record.get("previous") if isinstance(record, dict) else False


def main(argv=None) -> int:
    from scripts.site.versions import VERSION_RE, read_versions

    ap = argparse.ArgumentParser(description="Что изменилось между двумя версиями сайта")
    ap.add_argument("--from", dest="old")
    ap.add_argument("--to", dest="new")
    ap.add_argument("--site", default="site")
    args = ap.parse_args(argv)
    site = Path(args.site)
    known = read_versions(site)
    versions = [v["version"] for v in known]
    # an alias (`latest`) names its version: site/latest/ is only the redirect page's folder
    alias = {a: v["version"] for v in known for a in v.get("aliases", [])}
    args.old, args.new = (alias.get(x, x) if x else x for x in (args.old, args.new))
    for given in (args.old, args.new):  # a version is a folder of site/ by its id, not any path
        if given and not VERSION_RE.match(given):
            print(f"Ошибка: «{given}» — не номер версии: нужны 12 знаков, как в site/versions.json "
                  f"(или latest)", file=sys.stderr)  # fmt: skip
            return 1
    new = args.new or (versions[0] if versions else None)
    listed = (
        versions[versions.index(new) + 1]
        if new in versions and versions.index(new) + 1 < len(versions)
        else None
    )
    old = args.old
    if old is None and new:
        # the version its changes page was compared with when it was built: the page and this
        # report agree, also for a version that is the latest again (inputs changed back)
        built_after = _built_after(site / new)
        if built_after and not (site / built_after).is_dir():  # removed since (keep_versions)
            built_after = False
        old = listed if built_after is False else built_after
        if built_after is not False and built_after != listed and listed:
            again = (
                " снова последняя: входные данные вернулись к её состоянию."
                if new == versions[0]
                else " собрана не после следующей в списке версий."
            )
            after = built_after or "её не было: это первая версия"
            print(f"Версия {new}{again} Как и её страница «Изменения», отчёт сравнивает её с "
                  f"версией, после которой она была собрана ({after}); с предыдущей в списке "
                  f"версий: make diff FROM={listed} TO={new}\n")  # fmt: skip
    if not new or not (site / new).is_dir():
        print(f"Ошибка: нет версии {new or '(сайт ещё не собран)'} в {site}/", file=sys.stderr)
        return 1
    if old and not (site / old).is_dir():
        print(f"Ошибка: нет версии {old} в {site}/", file=sys.stderr)
        return 1
    for data in sorted((site / new).glob("*/data/inputs.csv")):
        aid = data.parent.parent.name
        old_dir = site / old / aid / "data" if old else None
        print(render_text(compare(old_dir, data.parent), f"== {aid}: {old or '—'} → {new}"))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `make diff | head`: the reader stopped; nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        sys.exit(0)
