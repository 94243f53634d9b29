"""What differs between two versions of the published data (SPEC §8) — the `changes` page and
`make diff` print the same report.

A version's published data is site/<version>/<id>/data/*.csv (the downloads: already suppressed,
so the report never reveals a hidden group). Compared: input files (inputs.csv), schools whose
status, risk zone or objectivity flags changed, and the numbers of the region, municipalities and
schools that changed (old → new).

    python -m scripts.site.diff [--from VERSION] [--to VERSION] [--site site]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scripts.common.csvio import read_csv
from scripts.site.escape import MdSafe, md_text

NUMERIC = ["participants", "absent", "participation_pct", "mean_score", "below_basic_pct", "basic_pct",
           "above_basic_pct", "basic_tasks_pct", "advanced_tasks_pct", "schools_in_risk"]  # fmt: skip
FLAGS = [("status", "статус"), ("risk", "зона риска"), ("risk_reasons", "основания риска"),
         ("objectivity_flags", "признаки необъективности")]  # fmt: skip
LIMIT = 300


def _rows(folder: Path | None, name: str, key: str | None) -> dict:
    if folder is None or not (folder / f"{name}.csv").exists():
        return {}
    rows = read_csv(folder / f"{name}.csv")
    return {(r[key] if key else ""): r for r in rows}


def compare(old: Path | None, new: Path) -> dict:
    """The report of differences between two data folders (old may be None: first version)."""
    rep: dict = {
        "first": old is None or not old.exists(),
        "inputs": {},
        "schools": [],
        "numbers": [],
    }
    if rep["first"]:
        return rep
    oi, ni = _rows(old, "inputs", "path"), _rows(new, "inputs", "path")
    rep["inputs"] = {
        "added": sorted(set(ni) - set(oi)),
        "removed": sorted(set(oi) - set(ni)),
        "changed": sorted(p for p in set(oi) & set(ni) if oi[p]["sha256"] != ni[p]["sha256"]),
    }
    os_, ns = _rows(old, "schools", "school_code"), _rows(new, "schools", "school_code")
    for code in sorted(set(os_) | set(ns)):
        o, n = os_.get(code), ns.get(code)
        if o is None or n is None:
            rep["schools"].append({"code": code, "name": (n or o)["school_name"],
                                   "what": "добавлена в реестр" if o is None else "удалена из реестра"})  # fmt: skip
            continue
        changes = [f"{label}: {o.get(col, '') or '—'} → {n.get(col, '') or '—'}" for col, label in FLAGS
                   if o.get(col, "") != n.get(col, "")]  # fmt: skip
        if changes:
            rep["schools"].append(
                {"code": code, "name": n["school_name"], "what": "; ".join(changes)}
            )
    for name, key, label in (("region", None, "Регион"), ("municipalities", "municipality_code", "МО"),
                             ("schools", "school_code", "ОО")):  # fmt: skip
        o_rows, n_rows = _rows(old, name, key), _rows(new, name, key)
        for k in sorted(set(o_rows) & set(n_rows)):
            o, n = o_rows[k], n_rows[k]
            for col in NUMERIC:
                if col in o and col in n and o[col] != n[col]:
                    who = label if not k else f"{label} {k}"
                    rep["numbers"].append({"who": who, "column": col, "old": o[col], "new": n[col]})
    return rep


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
    lines.append(f"Изменившиеся показатели: {len(rep['numbers'])}")
    lines += [
        f"  {n['who']} {n['column']}: {n['old'] or '—'} → {n['new'] or '—'}" for n in rep["numbers"]
    ]
    return "\n".join(lines) + "\n"


def render_md(rep: dict, prev: str | None) -> MdSafe:
    if rep["first"]:
        return MdSafe("Это первая версия сайта с этой работой: сравнивать не с чем.\n")
    out = [f"Сравнение с версией {md_text(prev or '')}.\n"]
    inp = rep["inputs"]
    out.append("## Входные файлы\n")
    if not any(inp.values()):
        out.append("Входные файлы не изменились.\n")
    for kind, label in (("added", "Добавлены"), ("removed", "Удалены"), ("changed", "Изменены")):
        if inp[kind]:
            out.append(f"**{label}:**\n")
            out += [f"- {md_text(p)}" for p in inp[kind][:LIMIT]]
            out.append("")
    out.append("## Школы\n")
    if rep["schools"]:
        out += [
            f"- {md_text(s['code'])} {md_text(s['name'])}: {md_text(s['what'])}"
            for s in rep["schools"][:LIMIT]
        ]
    else:
        out.append("Статус, зона риска и признаки необъективности школ не изменились.")
    out.append("\n## Показатели\n")
    if rep["numbers"]:
        out.append("| Группа | Показатель | Было | Стало |\n|---|---|---:|---:|")
        out += [f"| {md_text(n['who'])} | {md_text(n['column'])} | {md_text(n['old'] or '—')} | {md_text(n['new'] or '—')} |"
                for n in rep["numbers"][:LIMIT]]  # fmt: skip
        if len(rep["numbers"]) > LIMIT:
            out.append(
                f"\nПоказаны первые {LIMIT} из {len(rep['numbers'])}; полный список: `make diff`."
            )
    else:
        out.append("Показатели не изменились.")
    return MdSafe("\n".join(out) + "\n")


def main(argv=None) -> int:
    from scripts.site.versions import read_versions

    ap = argparse.ArgumentParser(description="Что изменилось между двумя версиями сайта")
    ap.add_argument("--from", dest="old")
    ap.add_argument("--to", dest="new")
    ap.add_argument("--site", default="site")
    args = ap.parse_args(argv)
    site = Path(args.site)
    versions = [v["version"] for v in read_versions(site)]
    new = args.new or (versions[0] if versions else None)
    old = args.old or (
        versions[versions.index(new) + 1]
        if new in versions and versions.index(new) + 1 < len(versions)
        else None
    )
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
    sys.exit(main())
