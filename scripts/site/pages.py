"""The pages of one assessment: results/<id>/ records → Markdown files, chart specs and downloads.

Pure presentation: every number on a page is the text of one CSV cell (with a decimal comma);
nothing is computed here except suppression (suppress.py) and the plan's status against the
assessment's `reference_date`. Text from inputs goes through escape.md_text — the Jinja environment
escapes any string that is not already `MdSafe` (autoescape with a Markdown `finalize`), and a test
checks that every `{{ … }}` in the templates names a filter or a macro.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import multiprocessing as mp
import os
import re
import shutil
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import jinja2
from markupsafe import Markup
from pymdownx.slugs import slugify

from scripts.common import item_flags
from scripts.common.config import plan_date as config_plan_date
from scripts.common.labels import CRITERIA, RISK_WITHHELD, RISK_WITHHELD_WHY, RULES, STATUS_SHORT
from scripts.common.numfmt import plural, ru_date
from scripts.site import charts, downloads, suppress
from scripts.site.escape import MdSafe, md_text, slug
from scripts.site.load import Results, published_message
from scripts.templates import report_form

TEMPLATES = Path(__file__).resolve().parents[2] / "site_templates" / "pages"

LEVEL_KEYS = ["below_basic", "basic", "above_basic"]
LEVEL_LABEL = dict(zip(LEVEL_KEYS, charts.LEVELS, strict=True))
TASK_LEVEL = {"basic": "базовый", "advanced": "повышенный"}
STATUS = {
    "accepted": "данные приняты",
    "rejected": "файл отклонён: в нём есть ошибки (см. «Качество данных»)",
    "missing": "файл с результатами не поступил",
}
# The second condition of a two-part rule (reasons.csv value2/threshold2): what it measures
# and, where the threshold is not a setting, what it is.
SECOND_CONDITION = {
    "advanced_over_basic": ("выполнение заданий базового уровня, %", " в регионе"),
    "threshold_peak": ("во сколько раз эта доля больше, чем в регионе", ""),
    "identical_answers": ("их доля среди участников, %", ""),
}
FIRST_CONDITION = {  # a two-part rule's first value, where the rule's name does not say it
    "advanced_over_basic": "выполнение заданий повышенного уровня выше регионального, п. п.",
    "threshold_peak": "доля участников ровно на пороге базового уровня, %",
    "identical_answers": "участников с одинаковым набором баллов",
}
COMPARISON = {">=": "≥", "<=": "≤", "<": "<", ">": ">"}
DIFF_HEAD = {
    "diff_municipality_pp": "Разница с МО, п. п.",
    "diff_region_pp": "Разница с регионом, п. п.",
}
AUDIENCE = {
    "teachers": "Учителям",
    "administration": "Администрации школы",
    "municipality": "Муниципалитету",
}
SEVERITY = {"error": "ошибка", "warning": "предупреждение", "info": "сведения"}
HIDDEN = MdSafe("скрыто")


# --- formatting (returns MdSafe) -----------------------------------------------------------------


def num(value) -> MdSafe:
    """A CSV number as shown on a page: the same digits, decimal comma; empty → «—»."""
    if value.__class__ is str:
        return _num_str(value)
    return _num_str("" if value is None else str(value))


def pp(value) -> MdSafe:
    """A difference in percentage points with its sign: «+3,2», «−5,3», «0,0»; empty → «—»."""
    text = str(num(value))  # negative numbers already carry «−»
    return MdSafe(text if text.startswith(("−", "—")) or text in ("0", "0,0") else "+" + text)


@functools.lru_cache(maxsize=1 << 16)
def _num_str(text: str) -> MdSafe:
    # the same figures recur on every page (percentages, counts); MdSafe is immutable
    if text == "":
        return MdSafe("—")
    try:
        float(text)
    except ValueError:
        return md_text(text)
    return MdSafe(text.replace(".", ",").replace("-", "−"))


class Link(MdSafe):
    """A Markdown link with escaped text; `target` is a relative .md path built here from slugs
    (never from input). In an HTML table it becomes <a href> to the page's directory URL."""

    label: str
    target: str

    def html(self) -> str:
        text, target = self.label, self.target
        if target.endswith("index.md"):
            target = target[: -len("index.md")] or "./"
        return f'<a href="{target}">{text}</a>'


def link(text, target: str) -> Link:
    label = md_text(text)
    out = Link(f"[{label}]({target})")
    out.label, out.target = str(label), target
    return out


_SLUG = slugify(case="lower")  # the heading ids of mkdocs.yml.j2's `toc: slugify`


def contents(headings: list[str]) -> MdSafe:
    """Links to a page's sections, for a page outside the nav (a school's): with
    `toc.integrate` its contents would be in the nav's column, which it is not in."""
    return MdSafe(" · ".join(f"[{md_text(h)}](#{_SLUG(h, '-')})" for h in headings))


def table(head: list, rows: list[list], align: str = "") -> MdSafe:
    """An HTML table, deferred (see `defer`): it reaches the built page without passing through
    Python-Markdown or the search index. Every cell that is not MdSafe is escaped; a `Link` becomes
    an <a>. `data-search-exclude` stays as a second guard should the table ever be indexed."""
    if not rows:
        return MdSafe("")
    align = align.ljust(len(head), "l")
    # r: a number (right, one line); w: a file path, broken anywhere (a word of text never is)
    cls = {"r": ' class="r"', "w": ' class="w"'}
    out = ["<table data-search-exclude>", "<thead><tr>"]
    out += [
        f"<th{cls['r'] if a == 'r' else ''}>{md_text(h)}</th>"
        for h, a in zip(head, align, strict=False)
    ]
    out.append("</tr></thead>\n<tbody>")
    for r in rows:
        cells = "".join(
            f"<td{cls.get(a, '')}>{c.html() if isinstance(c, Link) else md_text(c)}</td>"
            for c, a in zip(r, align, strict=False)
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody>\n</table>")
    return MdSafe(_DEFER_OPEN + "\n".join(out) + _DEFER_CLOSE + "\n")


# Every chart of a page is in one file beside it, `charts.json` ({name: Vega-Lite spec}); a
# placeholder names `charts.json#<name>` (at 10×: 3 300 files instead of 12 500, one request a page).
CHARTS_FILE = "charts.json"


def chart(path: str | None, caption: str) -> MdSafe:
    """A chart placeholder (drawn by assets/charts.js with the vendored vega-embed from
    `charts.json#<name>`); the table that follows it carries the same numbers, so the page reads
    the same without JavaScript."""
    if not path:
        return MdSafe("")
    return MdSafe(
        f'{_DEFER_OPEN}<div class="vchart" data-spec="{md_text(path)}" role="img" aria-label="{md_text(caption)}"></div>{_DEFER_CLOSE}\n'
    )


# --- deferred HTML ---------------------------------------------------------------------------------
# Tables and chart placeholders are most of a page's bytes, and each raw HTML block costs mkdocs three
# HTML parses (mkdocs' anchor scan, Python-Markdown's raw-HTML stash, Material's search indexer). So
# they leave the Markdown: each becomes a comment `<!--@html N-->` in the text, and the blocks follow
# at the end of the file after the line `<!--@deferred-html-->`, each after its own `<!--@html N-->`
# line. The mkdocs hook site_templates/hooks.py cuts that tail off before Markdown runs and puts the
# blocks back into the finished HTML (after search indexing). Input text cannot forge the markers:
# md_text turns `<`, `!`, `-`, `@` into character references and drops the control characters
# that delimit a block while rendering.
_DEFER_OPEN, _DEFER_CLOSE = "\x02", "\x03"
COMPARE_CHART_MAX = 60  # groups in one comparison chart (bars); more → the table only
DEFER_TAIL = "<!--@deferred-html-->"
_DEFERRED = re.compile("\x02([^\x02\x03]*)\x03")


def deferred(content) -> MdSafe:
    """`{% filter deferred %}…HTML…{% endfilter %}`: a block of a template written as HTML (values
    still escaped by `|md`/`|num`), deferred like a table. Blocks made by table()/chart() inside it
    join the outer block."""
    html = str(content).replace(_DEFER_OPEN, "").replace(_DEFER_CLOSE, "").strip()
    return MdSafe(f"{_DEFER_OPEN}{html}{_DEFER_CLOSE}\n" if html else "")


def defer(text: str) -> str:
    """Move the HTML blocks made by table()/chart() to the page's tail (see above)."""
    blocks: list[str] = []

    def cut(m: re.Match) -> str:
        blocks.append(m.group(1))
        return f"<!--@html {len(blocks) - 1}-->"

    body = _DEFERRED.sub(cut, text)
    if not blocks:
        return body
    tail = "".join(f"<!--@html {i}-->\n{b}\n" for i, b in enumerate(blocks))
    return f"{body.rstrip()}\n\n{DEFER_TAIL}\n{tail}"


def _env() -> jinja2.Environment:
    def finalize(value):
        if isinstance(value, Markup):
            return value
        if value is None:
            return MdSafe("")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return MdSafe(str(value))
        return md_text(value)

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_text
    env.filters["deferred"] = deferred
    env.filters["num"] = num
    env.filters["date"] = ru_date
    env.globals["table"] = table
    env.globals["chart"] = chart
    env.globals["contents"] = contents
    env.globals["plan_table"] = lambda plan: [
        [p["event"], p["responsible"], p["deadline"], p["status"]] for p in plan
    ]
    env.globals["download_rows"] = lambda sections: [
        [s["title"], link(f"{s['name']}.csv", f"{s['name']}.csv"), link(f"{s['name']}.xlsx", f"{s['name']}.xlsx"),
         num(s["rows"])] for s in sections]  # fmt: skip
    return env


ENV = _env()


def render(template: str, **ctx) -> str:
    return defer(ENV.get_template(template).render(**ctx))


# --- the page builder -----------------------------------------------------------------------------


class Site:
    """Everything one assessment's pages need, with indexes and the suppression plan."""

    def __init__(self, res: Results, assessment: dict, th: dict, file_checks: dict | None = None):
        self.res, self.a, self.th = res, assessment, th
        self.file_checks = file_checks  # limits of the files' checks, for the methodology page
        self.plan_date: str | None = None  # the build's date (config.plan_date); None: today
        self.k = int(th["privacy"]["min_group_size"])
        self.schools = {r["school_code"]: r for r in res["schools"]}
        self.muns = {r["municipality_code"]: r for r in res["municipalities"]}
        self.region = res.region
        self.classes = res.by("classes", "school_code")
        self.tasks = res.by("tasks", "scope", "code")
        self.results_ = res.by("planned_results", "scope", "code")
        self.dist = res.by("distribution", "scope", "code")
        self.reasons = res.by("reasons", "scope", "code")
        self.deficits = res.by("deficits", "scope", "code")
        self.recs = res.by("recommendations", "scope", "code")
        self.validation = res.by("validation", "school_code")
        self.result_text = {r["code"]: r["text"] for r in assessment["planned_results"]}
        self.task_def = {t["id"]: t for t in assessment["tasks"]}
        self.schools_by_mun: dict[str, list[dict]] = defaultdict(list)
        for r in res["schools"]:
            self.schools_by_mun[r["municipality_code"]].append(r)
        self._small_in: set[str] | None = None  # has_small_school
        bounds = _risk_bounds(res, th, assessment)
        could = _risk_bounds(res, th, assessment, alternatives=True)
        # A classification that alone fixes a level count («not in the zone» with 4 participants:
        # nobody below basic) cannot be protected by hiding neighbours (an audit saw that hide
        # every municipality): it bounds nothing in the plan and is withheld where its group is
        # hidden — judged by every classification the group could have, so that «withheld» does
        # not itself say which (an attack: withheld = «not in the zone» = nobody below basic).
        pinned = {key for key, alts in could.items()
                  if any(lo == hi for said in alts for lo, hi in said.values())}  # fmt: skip
        kept = {key: b for key, b in bounds.items() if key not in pinned}
        municipalities = {c: _int(m["participants"]) for c, m in self.muns.items()}
        schools = {c: (s["municipality_code"], _int(s["participants"]))
                   for c, s in self.schools.items()}  # fmt: skip
        figures = _additive_figures(res, assessment)
        link = _level_link(assessment)
        self.sup = suppress.plan(
            self.k,
            _int(self.region.get("participants")),
            municipalities,
            schools,
            {(c["school_code"], c["class"]): _int(c["participants"]) for c in res["classes"]},
            levels=figures,
            bounds=kept,
            link=link,
        )
        # A classification that, beside the published figures of its parent and siblings, only
        # bounds a hidden sibling (the plan hid what it could for that: `bounds`) is published:
        # SPEC §5.3/§7 name the risk-zone schools and municipalities (docs/site.md).
        self._withhold_risk({key for key in pinned if self._hidden(*key)})

    def _hidden(self, scope: str, code: str) -> bool:
        if scope == "municipality":
            return self.sup.municipality(code) is not None
        return self.sup.school(code) is not None

    def _withhold_risk(self, groups: set[tuple[str, str]]) -> None:
        """Publish no risk classification of these hidden groups: the row's `risk` and
        `risk_reasons` empty and `risk_withheld` set (pages say why), their risk reasons and the
        recommendations chosen by them dropped — everywhere the site and its downloads read them.
        Also what would give a withheld one back: a school's — the count of schools in the zone
        of its municipality and of the region (minus the others' published classifications), and
        its municipality's own classification (its share of schools in the zone); a
        municipality's — the region's count of municipalities in the zone."""
        groups = set(groups)
        muns = {self.schools[c]["municipality_code"] for scope, c in groups if scope == "school"}
        for m in muns & set(self.muns):
            self.muns[m].update(schools_in_risk="", schools_in_risk_pct="")
            if self.muns[m].get("risk") not in (None, ""):
                groups.add(("municipality", m))
        if muns:
            self.region.update(schools_in_risk="", schools_in_risk_pct="")
        for scope, code in groups:
            row = (self.muns if scope == "municipality" else self.schools)[code]
            row.update(risk="", risk_reasons="", risk_withheld="1")
        if any(scope == "municipality" for scope, _ in groups):
            self.region["municipalities_in_risk"] = ""
        for name in ("reasons", "recommendations"):
            rows = self.res.tables.get(name, [])
            rows[:] = [
                r for r in rows if r.get("kind") != "risk" or (r["scope"], r["code"]) not in groups
            ]
        self.reasons = self.res.by("reasons", "scope", "code")
        self.recs = self.res.by("recommendations", "scope", "code")

    # paths: every page is <folder>/index.md; links are relative .md paths that mkdocs checks
    def school_link(self, code: str, depth: int) -> MdSafe:
        s = self.schools.get(code)
        name = s["school_name"] if s else code
        return link(name, "../" * depth + f"oo/{slug(code)}/index.md")

    def mun_link(self, code: str, depth: int) -> MdSafe:
        m = self.muns.get(code)
        return link(m["municipality"] if m else code, "../" * depth + f"mo/{slug(code)}/index.md")

    def reason_note(self, reason: str | None) -> str:
        return suppress.reason_text(reason, self.k)

    def reason_why(self, reason: str | None) -> str:
        return suppress.reason_why(reason, self.k)

    # --- shared pieces ---
    def level_row(self, label, row: dict, hidden: bool) -> list:
        if hidden:
            return [label, num(row.get("participants")), HIDDEN, HIDDEN, HIDDEN, HIDDEN]
        return (
            [label, num(row.get("participants"))]
            + [num(row.get(f"{k}_pct")) for k in LEVEL_KEYS]
            + [num(row.get("mean_score"))]
        )

    def level_values(self, label: str, row: dict) -> list[dict]:
        return [
            {
                "group": label,
                "level": LEVEL_LABEL[k],
                "order": i,
                "pct": _float(row.get(f"{k}_pct")),
            }
            for i, k in enumerate(LEVEL_KEYS)
            if row.get(f"{k}_pct") not in (None, "")
        ]

    def reason_rows(self, scope: str, code: str, kind: str, hidden: bool) -> list[dict]:
        """A group's reasons, each with `text`: the rule, its value against its threshold and,
        for a two-part rule, the second condition too (SPEC §5.1: a page says why)."""
        out = []
        for r in self.reasons.get((scope, code), []):
            if r["kind"] != kind:
                continue
            rule = r["rule"]
            shown = not hidden or rule == "too_few"
            value = num(r["value"]) if shown else HIDDEN
            label = RULES.get(rule, rule)
            parts = [_condition(FIRST_CONDITION.get(rule, label), value, r.get("comparison"),
                                num(r["threshold"]))]  # fmt: skip
            if r.get("value2") not in (None, "") and rule in SECOND_CONDITION:
                what, where = SECOND_CONDITION[rule]
                value2 = num(r["value2"]) if shown else HIDDEN
                parts.append(
                    _condition(what, value2, r.get("comparison2"), num(r["threshold2"]), where)
                )
            text = "; ".join(parts)
            if rule in FIRST_CONDITION:  # the rule's name, then what its conditions measured
                text = f"{md_text(label)} — {text}"
            out.append({"rule": rule, "text": MdSafe(text)})
        return out

    def recommendations(self, scope: str, code: str, rules_only: bool = False) -> list[dict]:
        """Grouped by topic: [{topic, title, items: [{audience, text}]}], topics in the codifier's
        order; `rules_only`: those chosen by a risk or objectivity rule, not by a deficit."""
        order = {c: i for i, c in enumerate(self.result_text)}
        by_topic: dict[str, list] = defaultdict(list)
        for r in self.published_recs(scope, code, rules_only):
            by_topic[r["topic"]].append(
                {"audience": AUDIENCE.get(r["audience"], r["audience"]), "text": r["text"]}
            )
        out = []
        for topic in sorted(by_topic, key=lambda t: (order.get(t, len(order)), t)):
            title = (
                f"{topic}. {self.result_text[topic]}"
                if topic in self.result_text
                else RULES.get(topic, topic)
            )
            out.append({"topic": topic, "title": title, "items": by_topic[topic]})
        return out

    def published_recs(self, scope: str, code: str, rules_only: bool = False) -> list[dict]:
        """The rows of recommendations.csv a page (and the download) publishes for a group:
        `rules_only` (a hidden school) those chosen by a risk or objectivity rule; a municipality
        with a small school, not those chosen by a shared deficit it no longer lists."""
        published = None  # a municipality with a small school: topics of the deficits it publishes
        if scope == "municipality" and self.has_small_school(code):
            published = {d["result"] for d in self.municipality_deficits(code)}
        return [
            r
            for r in self.recs.get((scope, code), [])
            if not (rules_only and r["topic"] not in RULES)
            and not (
                published is not None
                and r["topic"] in self.result_text
                and r["topic"] not in published
            )
        ]

    def withheld(self, school: str) -> bool:
        """A school whose results are not shown: hidden by the suppression, or no accepted
        participants (its page, downloads and the published form say nothing of its results)."""
        s = self.schools.get(school)
        has = s is not None and s["status"] == "accepted" and _int(s.get("participants")) > 0
        return self.sup.school(school) is not None or not has

    def small(self, school: str) -> bool:
        """A school with 1 … k−1 participants: hidden for its own size."""
        return 0 < _int(self.schools[school].get("participants")) < self.k

    def has_small_school(self, municipality: str) -> bool:
        """A school of the municipality is small (`small`): then its shared deficits are
        decided without the small ones (`municipality_deficits`)."""
        if self._small_in is None:  # once: asked for every deficit row of a country's forms
            self._small_in = {s["municipality_code"] for s in self.res["schools"]
                              if self.small(s["school_code"])}  # fmt: skip
        return municipality in self._small_in

    def share_said_as_bound(self, municipality: str) -> bool:
        """Its shared deficits' share is said only as «≥ threshold»: an exact share would say how
        many of its small schools — or of a hidden municipality's schools — have the deficit."""
        return (
            self.has_small_school(municipality) or self.sup.municipality(municipality) is not None
        )

    def municipality_deficits(self, code: str) -> list[dict]:
        """The municipality's deficits as published: shared by ≥ the threshold of its schools
        with results (SPEC §5.3). Where a school is small, whether a task is listed at all could
        say the small school's deficits (4 schools, two shown without it, listed at 30 %: both
        others have it — for a school of one pupil, that pupil's 0 on the task), so the listing
        is decided again counting the small schools as not having it, and the share is said
        only as «≥ threshold». A school hidden only for a small neighbour's sake (k or more
        participants) counts with its deficits, so the list stays what the centre's results say
        wherever it can; they bound its hidden task figures, and with the parent's totals can in
        rare configurations pin a small sibling's (docs/site.md: what this leaves). A hidden
        municipality says its shares as bounds too (`share_said_as_bound`)."""
        rows = self.deficits.get(("municipality", code), [])
        if not self.share_said_as_bound(code):
            return rows
        given = self.th.get("deficits", {}).get("shared_by_schools_pct", 30)
        threshold = float(given)
        counted = self.schools_with_results(code)
        have: Counter = Counter()
        for c in counted:
            if not self.small(c):
                have.update({d["task"] for d in self.deficits.get(("school", c), [])})
        return [
            {**d, "schools_share_pct": f"≥ {num(given)}"}
            for d in rows
            if counted and have[d["task"]] * 100 >= threshold * len(counted)
        ]

    def schools_with_results(self, code: str) -> list[str]:
        """The municipality's schools that have deficits decided (an accepted file with
        participants): those its shared deficits are counted among (SPEC §5.3)."""
        return [
            s["school_code"]
            for s in self.schools_by_mun.get(code, [])
            if s.get("status") == "accepted" and s.get("participants") not in (None, "", "0")
        ]

    def deficit_groups(self, scope: str, code: str, hidden: bool) -> list[dict]:
        groups: dict[str, list] = defaultdict(list)
        rows = (
            self.municipality_deficits(code)
            if scope == "municipality"
            else self.deficits.get((scope, code), [])
        )
        for d in rows:
            groups[d["result"]].append(
                {"task": d["task"], "level": TASK_LEVEL.get(d["level"], d["level"]),
                 "pct": HIDDEN if hidden else num(d["completion_pct"]), "region": num(d["region_pct"]),
                 "share": num(d.get("schools_share_pct")),
                 "criterion": "; ".join(CRITERIA.get(c, c) for c in d["criterion"].split(";") if c)}
            )  # fmt: skip
        order = {c: i for i, c in enumerate(self.result_text)}
        return [
            {"result": r, "text": self.result_text.get(r, ""), "tasks": groups[r]}
            for r in sorted(groups, key=lambda r: (order.get(r, 99), r))
        ]

    def completion(
        self, series: list[tuple[str, list[dict], str]], key: str, diffs: tuple[str, ...] = ()
    ) -> tuple[list, list]:
        """Table rows and chart records of completion per task/result for several groups.

        series: [(label, rows of tasks.csv/planned_results.csv, key column)]; diffs: columns of
        the first series' rows (diff_municipality_pp, diff_region_pp) added to each table row —
        SPEC §5's comparison in percentage points, as results/ rounded it.
        """
        items: list[str] = []
        by: dict[str, dict[str, str]] = {}
        for label, rows, _ in series:
            by[label] = {r[key]: r["completion_pct"] for r in rows}
            for r in rows:
                if r[key] not in items:
                    items.append(r[key])
        values = [
            {"item": it, "group": label, "pct": _float(by[label].get(it))}
            for it in items
            for label, _, _ in series
            if by[label].get(it) not in (None, "")
        ]
        rows = [[it] + [num(by[label].get(it)) for label, _, _ in series] for it in items]
        if diffs:
            first = {r[key]: r for r in series[0][1]}
            for row in rows:
                row += [pp(first.get(row[0], {}).get(col)) for col in diffs]
        return rows, values

    def distribution(self, scope: str, code: str) -> tuple[list, list, list]:
        rows = self.dist.get((scope, code), [])
        values = [{"total": _int(r["total"]), "students": _int(r["students"])} for r in rows]
        labels: dict[int, list[str]] = {
            int(self.a["levels"]["basic_min"]): ["порог базового уровня*"]
        }
        for m, low in sorted((self.a.get("marks") or {}).items()):
            labels.setdefault(int(low), []).append(f"«{m}»")
        # one rule and one label per score: «3» at the basic threshold was drawn over its label
        marks = [{"total": t, "label": ", ".join(ls)} for t, ls in sorted(labels.items())]
        table = [[num(r["total"]), num(r["students"])] for r in rows]
        return table, values, marks


def _condition(what: str, value, comparison, threshold, where: str = "") -> str:
    """«доля …, %: 35,0 (≥ 25,0)» — Markdown-safe (the value and threshold are already)."""
    cmp = COMPARISON.get(comparison or "", md_text(comparison or ""))
    where = f" {md_text(where.strip())}" if where.strip() else ""  # md_text trims the space
    return f"{md_text(what)}: {value} ({cmp} {threshold}{where})"


ROUNDING = 0.0005  # a percentage published to 0.1: ± 0.05 points of 100


def _additive_figures(res: Results, assessment: dict) -> dict:
    """What the site publishes of every group that adds up over its children, for the suppression
    plan (suppress.plan): the level counts, then (region, municipalities, schools) each task's and
    each planned result's points as (completion % × participants × max, participants × max,
    ROUNDING) — parent − shown siblings must not say that the hidden ones together scored none
    or all of them."""

    def counts(row: dict) -> tuple:
        return (_int(row.get("below_basic")), _int(row.get("basic")), _int(row.get("above_basic")))

    task_max = {t["id"]: float(t["max"]) for t in assessment["tasks"]}
    result_max: dict[str, float] = defaultdict(float)
    for t in assessment["tasks"]:
        result_max[t["result"]] += float(t["max"])
    keys = _figure_keys(assessment)
    where = {key: i for i, key in enumerate(keys)}
    points: dict[tuple[str, str], list] = defaultdict(lambda: [(0.0, 0.0, 0.0)] * len(keys))
    for table, column, top in (
        ("tasks", "task", task_max),
        ("planned_results", "result", result_max),
    ):
        for r in res[table]:
            i = where.get((column, r[column]))
            pct, n = _float(r.get("completion_pct")), _int(r.get("participants"))
            if i is None or pct is None or n <= 0:
                continue
            cap = n * top[r[column]]
            points[(r["scope"], r["code"])][i] = (pct / 100 * cap, cap, ROUNDING)

    def with_points(scope: str, code: str, row: dict) -> tuple:
        # zeros where nothing was written
        return counts(row) + tuple(points[(scope, code)]) + _sum_figures(row, assessment)

    out: dict = {("region", ""): with_points("region", "", res.region)}
    out.update(
        (
            ("municipality", m["municipality_code"]),
            with_points("municipality", m["municipality_code"], m),
        )
        for m in res["municipalities"]
    )
    out.update((("school", s["school_code"]), with_points("school", s["school_code"], s))
               for s in res["schools"])  # fmt: skip
    none = ((0.0, 0.0, 0.0),) * len(keys)  # a class publishes no task's completion
    out.update((("class", (c["school_code"], c["class"])), counts(c) + none
                + _sum_figures(c, assessment)) for c in res["classes"])  # fmt: skip
    return out


def _figure_keys(assessment: dict) -> list[tuple[str, str]]:
    """The figures of `_additive_figures` after its three level counts: every task's, then every
    planned result's points (in the definition's order); `_sum_figures`' three follow them."""
    tasks = dict.fromkeys(t["id"] for t in assessment["tasks"])
    results = dict.fromkeys(t["result"] for t in assessment["tasks"])
    return [("task", t) for t in tasks] + [("result", r) for r in results]


def _basic_points_figure(assessment: dict) -> int:
    """The index of the basic-task points among `_additive_figures`' (bounded by the basic-tasks
    risk rule in `_risk_bounds`)."""
    return 3 + len(_figure_keys(assessment))


MEAN_ROUNDING = 0.005  # a mean score published to 0.01: ± 0.005 points a pupil


def _sum_figures(row: dict, assessment: dict) -> tuple:
    """The points on basic tasks, on advanced tasks and in all (`basic_tasks_pct`,
    `advanced_tasks_pct`, `mean_score` × participants), the last figures of `_additive_figures`:
    published for every shown group, so parent − shown siblings gives the hidden ones' sums too
    (an attack pinned a school of 3 at every basic task from the basic-tasks sum and a sibling's
    «in the zone for basic tasks»)."""
    n = _int(row.get("participants"))
    top = _sum_maxima(assessment)
    out = []
    for column, most in zip(("basic_tasks_pct", "advanced_tasks_pct", "mean_score"), top,
                            strict=True):  # fmt: skip
        value = _float(row.get(column))
        if value is None or n <= 0 or not most:
            out.append((0.0, 0.0, 0.0))
        elif column == "mean_score":
            out.append((value * n, n * most, MEAN_ROUNDING / most))
        else:
            out.append((value / 100 * n * most, n * most, ROUNDING))
    return tuple(out)


def _sum_maxima(assessment: dict) -> tuple[float, float, float]:
    basic = sum(float(t["max"]) for t in assessment["tasks"] if t["level"] == "basic")
    advanced = sum(float(t["max"]) for t in assessment["tasks"] if t["level"] == "advanced")
    return basic, advanced, basic + advanced


# Every classification a group could have, as the reasons it would carry (only what bounds a figure:
# a municipality's share of schools in the zone bounds none of its own figures).
OUTCOMES = {
    "school": [
        ("below_basic_pct",),
        ("basic_tasks_pct",),
        ("basic_tasks_pct", "below_basic_pct"),
        (),
    ],
    "municipality": [("below_basic_pct",), ()],
}


def _risk_bounds(res: Results, th: dict, assessment: dict, alternatives: bool = False) -> dict:
    """What a group's published risk classification says of its below-basic count (figure 0 of
    `_additive_figures`) and a school's of its basic-task points, for the suppression plan: in
    the zone for `below_basic_pct` → at least the threshold's share of its participants;
    classified without that reason → fewer (the rules compare unrounded values, SPEC §5.1); for
    basic tasks likewise below / at least their share of the basic points. An audit solved a
    hidden school of 5 from its municipality's count, the shown schools' and the hidden ones'
    «in the zone / not» alone. With `alternatives`: {group: [the bounds of each classification
    it could have]} — to decide what to withhold by its size, not by its value (an attack read
    «withheld» as «not in the zone», i.e. nobody below basic, for a municipality of 4)."""
    out: dict = {}
    link = _level_link(assessment)
    for scope, rows, key in (
        ("school", res["schools"], "school_code"),
        ("municipality", res["municipalities"], "municipality_code"),
    ):
        for r in rows:
            n = _int(r.get("participants"))
            if n <= 0 or r.get("risk") in (None, ""):
                continue  # not classified: nothing said
            if alternatives:
                out[(scope, r[key])] = [_said(scope, n, set(reasons), th, link)
                                        for reasons in OUTCOMES[scope]]  # fmt: skip
            else:
                reasons = set((r.get("risk_reasons") or "").split(";"))
                out[(scope, r[key])] = _said(scope, n, reasons, th, link)
    return out


def _said(scope: str, n: int, reasons: set, th: dict, link: suppress.LevelLink) -> dict:
    """The bounds one classification (its reasons; none: not in the zone) puts on a group of n:
    figure 0 (below basic) and, for a school, its basic points (`link.points`), each tightening
    the other through `link` (an attack: «in the zone for basic tasks» only — at most 14 basic
    points and at most 1 below basic of 5 — left exactly 1 below basic, since 4 at the basic level
    need 4 × 3 points)."""
    share = float(th["risk"][scope]["below_basic_pct"])
    edge = math.ceil(share * n / 100 - 1e-9)  # the fewest pupils at or above the share
    said = {0: (edge, n) if "below_basic_pct" in reasons else (0, edge - 1)}
    if scope == "school" and link.most:  # basic tasks below their share, or not
        cap = round(n * link.most)
        low = math.ceil(float(th["risk"]["school"]["basic_tasks_pct"]) * cap / 100 - 1e-9)
        said[link.points] = (0, low - 1) if "basic_tasks_pct" in reasons else (low, cap)
        lo, hi = link.below_range(n, said[link.points])
        lo = max(lo, said[0][0])
        said[0] = (lo, max(lo, min(hi, said[0][1])))
    return said


def _level_link(assessment: dict) -> suppress.LevelLink:
    """How a group's below-basic count (figure 0) and basic points bound each other."""
    return suppress.LevelLink(below=0, points=_basic_points_figure(assessment),
                              need=int(assessment["levels"]["basic_min"]),
                              most=_sum_maxima(assessment)[0])  # fmt: skip


def _int(v) -> int:
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return 0


def _float(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


# --- page contexts --------------------------------------------------------------------------------


def plan_rows(assessment: dict, plan_date: str | None = None) -> tuple[str, list[dict]]:
    """The monitoring plan against the build's date (SPEC §9): `plan_date`, the workflow's
    config.plan_date of the run (`reference_date` when the definition fixes one); by hand, that
    function's answer for today."""
    ref = dt.date.fromisoformat(plan_date or config_plan_date(assessment))
    out = []
    for ev in assessment.get("plan") or []:
        deadline = dt.date.fromisoformat(str(ev["deadline"]))
        if ev.get("done"):
            status = "выполнено"
        elif deadline < ref:
            status = "просрочено"
        elif deadline == ref:
            status = "предстоит (срок — сегодня)"
        else:
            status = f"предстоит (осталось дней: {(deadline - ref).days})"
        out.append({"event": ev["event"], "responsible": ev["responsible"], "deadline": deadline.strftime("%d.%m.%Y"),
                    "status": status})  # fmt: skip
    return ref.strftime("%d.%m.%Y"), out


# A record written for the analyst, as the school's own page says it to the school
SCHOOL_NOTE = {
    "school_missing": "ЦОКО не получил файла школы с результатами этой работы (или получил только "
    "файл, который не удалось прочитать). Пришлите в ЦОКО заполненный шаблон.",
}
# …and the unreadable file its name suggests is the school's (ingest: school_status.csv `file`)
SCHOOL_MISSING_FILE = (
    " Возможно, это файл школы, который не удалось прочитать: {files} (замечания к нему — на "
    "странице «Проверка данных»)."
)


def school_note(v: dict, files: str, codes: set[str]) -> str:
    """A validation row as the school's own page says it: the centre's instructions («Запросите у
    школы…») become the school's («Пришлите…»)."""
    if v["code"] == "school_missing":
        text = SCHOOL_NOTE["school_missing"]
        named = [f for f in files.split(";") if f]
        if named:
            text += SCHOOL_MISSING_FILE.format(files=", ".join(f"«{f}»" for f in named))
        return text
    return published_message(v, codes)


PROGRESS_S = 10.0  # seconds between two progress lines of the school pages (the log only)


def build_pages(site: Site, out: Path) -> dict[str, int]:
    """Write every page, chart spec and download of one assessment into `out` (its docs folder)."""
    a, res, k = site.a, site.res, site.k
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    # downloads and the municipalities' report forms are written beside the pages (a forked
    # process on the 2nd core); the parent helps at the end
    download_sections, finish_downloads = _downloads_job(
        site, out / "data", report_form_jobs(site, out)
    )
    reg = site.region
    reg_hidden = site.sup.region_reason is not None
    common = {"a": a, "k": k, "reg": reg, "reg_hidden": reg_hidden}
    written = {"pages": 0, "charts": 0}
    page_charts: dict[str, dict[str, dict]] = defaultdict(dict)  # folder → {chart name: spec}

    def put(rel: str, text: str):
        """Write a page now, with its folder's charts (one file per page, ≈ 4 charts): nothing
        is held until the end (a country's pages and specs were gigabytes in memory)."""
        folder = os.path.dirname(rel)
        os.makedirs(out / folder, exist_ok=True)
        with open(out / rel, "w", encoding="utf-8") as fh:
            fh.write(text)
        written["pages"] += 1
        specs = page_charts.pop(folder + "/" if folder else "", None)
        if specs:
            with open(out / folder / CHARTS_FILE, "w", encoding="utf-8") as fh:
                fh.write(charts.dumps(specs))
            written["charts"] += len(specs)

    def chart(rel_dir: str, name: str, spec: dict) -> MdSafe:
        page_charts[rel_dir][name] = spec
        return MdSafe(f"{CHARTS_FILE}#{name}")

    # region page
    mun_rows, mun_values = [], []
    for code, m in sorted(site.muns.items()):
        hidden = site.sup.municipality(code) is not None
        mun_rows.append(
            site.level_row(site.mun_link(code, 0), m, hidden)
            + [
                HIDDEN if hidden else num(m.get("participation_pct")),
                _risk_text(m, short=True),
            ]  # fmt: skip
        )
        if not hidden:
            mun_values += site.level_values(m["municipality"], m)
    reg_levels = [site.level_row(MdSafe("Регион"), reg, reg_hidden)]
    reg_values = [] if reg_hidden else site.level_values("Регион", reg)
    risk_schools = [s for s in res["schools"] if s.get("risk") == "1"]
    obj_schools = [s for s in res["schools"] if s.get("objectivity_flags")]
    put(
        "index.md",
        render(
            "region.md.j2",
            **common,
            counts=res.manifest.get("counts", {}),
            reg_levels=reg_levels,
            levels_chart=chart("", "levels", charts.spec("levels", reg_values)),
            mun_rows=mun_rows,
            # one bar per municipality: drawn up to COMPARE_CHART_MAX (a country's 2 300 bars
            # would be unreadable and slow); the table below always has them all
            mun_chart=chart("", "municipalities", charts.spec("levels", mun_values))
            if mun_values and len(mun_rows) <= COMPARE_CHART_MAX
            else None,
            chart_max=COMPARE_CHART_MAX if len(mun_rows) > COMPARE_CHART_MAX else None,
            risk_muns=[
                site.mun_link(c, 0) for c, m in sorted(site.muns.items()) if m.get("risk") == "1"
            ],
            n_risk_schools=len(risk_schools),
            n_obj_schools=len(obj_schools),
            deficits=site.deficit_groups("region", "", reg_hidden),
            recs=site.recommendations("region", ""),
        ),
    )

    # municipality pages
    for code, m in sorted(site.muns.items()):
        d = f"mo/{slug(code)}/"
        m_reason = site.sup.municipality(code)
        hidden = m_reason is not None
        levels = [
            site.level_row(MdSafe("Муниципалитет"), m, hidden),
            site.level_row(MdSafe("Регион"), reg, reg_hidden),
        ]
        values = ([] if hidden else site.level_values("Муниципалитет", m)) + reg_values
        school_rows, school_values, risk_list = [], [], []
        hidden_schools = {"small": 0, "other": 0}  # with results: for its own size / a neighbour's
        same_name = Counter(s["school_name"] for s in site.schools_by_mun.get(code, []))
        for s in sorted(site.schools_by_mun.get(code, []), key=lambda r: r["school_code"]):
            s_reason = site.sup.school(s["school_code"])
            sh = s_reason is not None
            has = s["status"] == "accepted" and _int(s.get("participants")) > 0
            row = site.level_row(site.school_link(s["school_code"], 2), s, sh or not has)
            if not has:
                row[2:] = [MdSafe("—")] * 4
            elif sh:
                hidden_schools["small" if site.small(s["school_code"]) else "other"] += 1
            school_rows.append(
                [MdSafe(STATUS_SHORT.get(s["status"], s["status"]))] + row + [
                    _risk_text(s, short=True), _flags_text(s.get("objectivity_flags"))]
            )  # fmt: skip
            if has and not sh:
                # the chart's bars are grouped by label: a name two schools share gets the codes
                label = s["school_name"]
                if same_name[label] > 1:
                    label = f"{label} ({s['school_code']})"
                school_values += site.level_values(label, s)
            if s.get("risk") == "1":
                risk_list.append(
                    {"link": MdSafe(site.school_link(s["school_code"], 2).html()),  # in deferred HTML
                     "reasons": site.reason_rows("school", s["school_code"], "risk", sh),
                     "recs": site.recommendations("school", s["school_code"], rules_only=True)}
                )  # fmt: skip
        series = [
            ("Муниципалитет", [] if hidden else site.tasks.get(("municipality", code), []), "task")
        ]
        series.append(("Регион", [] if reg_hidden else site.tasks.get(("region", ""), []), "task"))
        mun_diffs = () if hidden or reg_hidden else ("diff_region_pp",)
        t_rows, t_values = site.completion(series, "task", mun_diffs)
        report = MdSafe(REPORT_FORM)  # every municipality has one (report_form_jobs)
        counted = site.schools_with_results(code)  # the shared deficits' denominator
        put(
            d + "index.md",
            render(
                "municipality.md.j2",
                **common,
                m=m,
                hidden=hidden,
                hidden_note=site.reason_note(m_reason),
                levels=levels,
                levels_chart=chart(d, "levels", charts.spec("levels", values)),
                school_rows=school_rows,
                schools_chart=chart(d, "schools", charts.spec("levels", school_values))
                if school_values
                else None,
                task_rows=t_rows,
                task_diff_head=[DIFF_HEAD[c] for c in mun_diffs],
                task_chart=chart(d, "tasks", charts.spec("completion", t_values))
                if t_values
                else None,
                risk_reasons=site.reason_rows("municipality", code, "risk", hidden),
                risk_withheld=_risk_text(m, short=False, whose="Муниципалитет"),
                risk_list=risk_list,
                deficits=site.deficit_groups("municipality", code, hidden),
                # small schools with results: their deficits are not counted
                small_counted=sum(1 for c in counted if site.small(c)),
                hidden_schools=hidden_schools,
                counted=len(counted),
                recs=site.recommendations("municipality", code),
                report=report,
                region_link=MdSafe("../../index.md"),
            ),
        )

    # school pages (a country's take minutes: a line of progress every PROGRESS_S seconds)
    thresholds_note = site.th
    schools = sorted(site.schools.items())
    # a missing school's file as ingest names it: the unreadable one its name suggests
    status_file = {r["school_code"]: r.get("file", "") for r in res.tables.get("school_status", [])
                   if r.get("status") == "missing"}  # fmt: skip
    note_at = time.monotonic() + PROGRESS_S
    for done, (code, s) in enumerate(schools):
        if time.monotonic() >= note_at:
            note_at = time.monotonic() + PROGRESS_S
            logging.getLogger("stage").info("Страницы школ: %d из %d", done, len(schools))
        d = f"oo/{slug(code)}/"
        mcode = s["municipality_code"]
        m = site.muns.get(mcode, {})
        s_reason = site.sup.school(code)
        has = s["status"] == "accepted" and _int(s.get("participants")) > 0
        hidden = site.withheld(code)  # as its downloads and the published form judge it
        m_hidden = site.sup.municipality(mcode) is not None
        levels = []
        values = []
        if has:
            levels.append(site.level_row(MdSafe("Школа"), s, hidden))
            if not hidden:
                values += site.level_values("Школа", s)
        levels.append(site.level_row(MdSafe("Муниципалитет"), m, m_hidden))
        levels.append(site.level_row(MdSafe("Регион"), reg, reg_hidden))
        values += ([] if m_hidden else site.level_values("Муниципалитет", m)) + reg_values
        class_rows = []
        for c in site.classes.get(code, []):
            cr = site.sup.klass(code, c["class"])
            if cr:
                cells = [HIDDEN] * 4
            else:
                cells = [num(c.get(f"{x}_pct")) for x in LEVEL_KEYS] + [num(c.get("mean_score"))]
            class_rows.append(
                [md_text(c["class"]), num(c["participants"]), num(c.get("absent"))] + cells
            )
        t_series = []
        if not hidden:
            t_series.append(("Школа", site.tasks.get(("school", code), []), "task"))
        t_series.append(
            (
                "Муниципалитет",
                [] if m_hidden else site.tasks.get(("municipality", mcode), []),
                "task",
            )
        )
        t_series.append(
            ("Регион", [] if reg_hidden else site.tasks.get(("region", ""), []), "task")
        )
        # differences with the municipality and the region, where both are published (a hidden
        # group's own figure must not be derivable from a shown one and the difference)
        s_diffs = tuple(
            col for col, off in (("diff_municipality_pp", m_hidden), ("diff_region_pp", reg_hidden))
            if not hidden and not off
        )  # fmt: skip
        diff_head = [DIFF_HEAD[c] for c in s_diffs]
        t_rows, t_values = site.completion(t_series, "task", s_diffs)
        for row in t_rows:  # task level, max and planned result beside the id
            t = site.task_def.get(str(row[0]), {})
            row[1:1] = [
                MdSafe(TASK_LEVEL.get(t.get("level"), "")),
                num(t.get("max")),
                md_text(t.get("result", "")),
            ]
        r_series = [(label, site.results_.get((scope, c), []), "result") for label, scope, c in (
            ("Школа", "school", code), ("Муниципалитет", "municipality", mcode), ("Регион", "region", ""))
            if not {"Школа": hidden, "Муниципалитет": m_hidden, "Регион": reg_hidden}[label]]  # fmt: skip
        r_rows, r_values = site.completion(r_series, "result", s_diffs)
        for row in r_rows:
            row[1:1] = [md_text(site.result_text.get(str(row[0]), ""))]
        if hidden:
            d_table, d_values, d_marks = [], [], []
        else:
            d_table, d_values, d_marks = site.distribution("school", code)
        notes = [
            {"file": v["file"], "sheet": v["sheet"], "cell": v["cell"], "severity": SEVERITY.get(v["severity"], v["severity"]),
             "code": v["code"], "message": school_note(v, status_file.get(code, ""), res.student_codes)}
            for v in site.validation.get(code, [])
        ]  # fmt: skip
        put(
            d + "index.md",
            render(
                "school.md.j2",
                **common,
                s=s,
                m=m,  # its municipality's name in the title: search tells «МОУ СОШ № 15» ×3 apart
                has=has,
                hidden=hidden,
                hidden_note=site.reason_note(s_reason),
                hidden_why=site.reason_why(s_reason),
                status=STATUS.get(s["status"], s["status"]),
                mun_link=site.mun_link(mcode, 2),
                levels=levels,
                levels_chart=chart(d, "levels", charts.spec("levels", values)),
                class_rows=class_rows,
                task_head=["Группа"] + [lbl for lbl, _, _ in t_series],
                task_series=[lbl for lbl, _, _ in t_series] + diff_head,
                task_rows=t_rows,
                task_chart=chart(d, "tasks", charts.spec("completion", t_values))
                if t_values
                else None,
                result_series=[lbl for lbl, _, _ in r_series] + diff_head,
                result_rows=r_rows,
                result_chart=chart(d, "results", charts.spec("completion", r_values))
                if r_values
                else None,
                dist_rows=d_table,
                dist_chart=chart(
                    d, "distribution", charts.spec("distribution", d_values, marks=d_marks)
                )
                if d_values
                else None,
                basic_min=a["levels"]["basic_min"],
                risk=_risk_text(s, short=False),
                risk_reasons=site.reason_rows("school", code, "risk", hidden),
                obj_reasons=site.reason_rows("school", code, "objectivity", hidden),
                # a hidden school's deficits would bound its completion (< 57 %, 15 pp below the
                # region…): not published, nor the recommendations chosen by them
                deficits=[] if hidden else site.deficit_groups("school", code, hidden),
                recs=site.recommendations("school", code, rules_only=hidden),
                notes=notes,
                th=thresholds_note,
            ),
        )

    # sections
    items_by_task = defaultdict(list)
    for it in res["items"]:
        items_by_task[it["task"]].append(it)
    reg_tasks = site.tasks.get(("region", ""), [])
    task_rows = []
    for t in a["tasks"]:
        rt = next((r for r in reg_tasks if r["task"] == t["id"]), {})
        its = items_by_task.get(t["id"], [])
        task_rows.append(
            [md_text(t["id"]), MdSafe(TASK_LEVEL[t["level"]]), num(t["max"]), md_text(t["result"]),
             HIDDEN if reg_hidden else num(rt.get("completion_pct")),
             MdSafe("; ".join(f"{md_text(i['variant'])}: {num(i['difficulty'])}" for i in its) or "—"),
             MdSafe("; ".join(f"{md_text(i['variant'])}: {num(i['discrimination'])}" for i in its) or "—"),
             MdSafe("; ".join(f"{md_text(i['variant'])}: {md_text(item_flags.NAMES.get(f, f))}"
                              for i in its for f in i.get("flag", "").split(";") if f) or "—")]
        )  # fmt: skip
    _, tv = site.completion([("Регион", [] if reg_hidden else reg_tasks, "task")], "task")
    r_reg = site.results_.get(("region", ""), [])
    put(
        "tasks/index.md",
        render(
            "tasks.md.j2",
            **common,
            task_rows=task_rows,
            task_chart=chart("tasks/", "tasks", charts.spec("completion", tv)) if tv else None,
            result_rows=[
                [
                    md_text(r["code"]),
                    md_text(r["text"]),
                    HIDDEN
                    if reg_hidden
                    else num(
                        next((x["completion_pct"] for x in r_reg if x["result"] == r["code"]), "")
                    ),
                ]
                for r in a["planned_results"]
            ],  # fmt: skip
            alphas=sorted({(i["variant"], i["alpha"]) for i in res["items"]}),
        ),
    )
    risk_school_rows = []
    for s in sorted(risk_schools, key=lambda r: (r["municipality_code"], r["school_code"])):
        sh = site.sup.school(s["school_code"]) is not None
        rs = site.reason_rows("school", s["school_code"], "risk", sh)
        risk_school_rows.append(
            [site.mun_link(s["municipality_code"], 1), site.school_link(s["school_code"], 1),
             MdSafe("; ".join(r["text"] for r in rs) or "—")]
        )  # fmt: skip
    put(
        "risk/index.md",
        render(
            "risk.md.j2",
            **common,
            th=site.th,
            muns=[
                {
                    "link": site.mun_link(c, 1),
                    "reasons": site.reason_rows(
                        "municipality", c, "risk", site.sup.municipality(c) is not None
                    ),
                }
                for c, m in sorted(site.muns.items())
                if m.get("risk") == "1"
            ],  # fmt: skip
            rows=risk_school_rows,
            too_few=sum(1 for s in res["schools"] if "too_few" in (s.get("risk_reasons") or "")),
        ),
    )
    obj_rows = []
    for s in sorted(obj_schools, key=lambda r: (r["municipality_code"], r["school_code"])):
        sh = site.sup.school(s["school_code"]) is not None
        rs = site.reason_rows("school", s["school_code"], "objectivity", sh)
        obj_rows.append(
            [site.mun_link(s["municipality_code"], 1), site.school_link(s["school_code"], 1),
             MdSafe("; ".join(r["text"] for r in rs) or "—")]
        )  # fmt: skip
    put("objectivity/index.md", render("objectivity.md.j2", **common, th=site.th, rows=obj_rows))
    # the message names its sheet and cell («Результаты!H14: …»): no columns of their own (a
    # laptop screen showed file, school, sheet, cell and severity, and cut the message off)
    val_rows = validation_rows(site, res["validation"])
    sev = defaultdict(int)
    for v in res["validation"]:
        sev[v["severity"]] += 1
    put(
        "validation/index.md",
        render(
            "validation.md.j2",
            **common,
            counts=res.manifest.get("counts", {}),
            sev=dict(sev),
            rows=val_rows,
            subs=[[md_text(x["file"]), md_text(x["school_code"]), MdSafe(STATUS_SHORT.get(x["status"], md_text(x["status"]))),
                   num(x["rows_read"]), num(x["errors"]), num(x["warnings"])] for x in res["submissions"]],
        ),
    )  # fmt: skip
    ref, plan = plan_rows(a, site.plan_date)
    put("plan/index.md", render("plan.md.j2", **common, ref=ref, plan=plan,
                                fixed=bool(a.get("reference_date"))))  # fmt: skip
    put(
        "methodology/index.md",
        render("methodology.md.j2", **common, th=site.th, rules=site.file_checks,
               item_flags=list(item_flags.NAMES.items()),
               item_rules=item_flags.rules()),
    )  # fmt: skip
    put("changes/index.md", render("changes.md.j2", **common, report=None))
    put("data/index.md", render("data.md.j2", **common, sections=download_sections))

    assert not page_charts, f"charts of no page: {sorted(page_charts)}"
    finish_downloads()
    return {**written, "downloads": 2 * len(download_sections)}


def _downloads_job(
    site: Site, dest: Path, extra: list[Callable[[], None]] = ()
) -> tuple[list[dict], Callable[[], None]]:
    """The downloads (CSV + XLSX per section: at 10× 18 s against 11 s of pages) are written by a
    forked child while the parent renders the pages; the parent, once its pages are written, takes
    the remaining sections from the same queue (largest first), so both processes end together.
    `extra` (the report forms) join the queue after them. Returns (the sections for the data
    page, a function that writes the parent's share, waits for the child and raises if a section
    was not written). Without fork (or with SITE_PAGES_FORK=0) that function writes them all."""
    sections, plan = downloads.plan(site)
    dest.mkdir(parents=True, exist_ok=True)
    work = [functools.partial(downloads.write, dest, *w) for w in plan] + list(extra)
    if os.environ.get("SITE_PAGES_FORK", "1") == "0" or "fork" not in mp.get_all_start_methods():

        def write_all() -> None:
            for job in work:
                job()

        return sections, write_all
    ctx = mp.get_context("fork")
    taken = ctx.Value("i", 0)  # the next section to write, shared by both processes

    def take() -> None:
        while True:
            with taken.get_lock():
                i = taken.value
                taken.value += 1
            if i >= len(work):
                return
            work[i]()

    recv, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            take()
            send.send(("ok", None))
        except BaseException:  # noqa: BLE001 — reported to the parent, which raises
            send.send(("error", traceback.format_exc()))

    proc = ctx.Process(target=child, name="site-downloads")
    proc.start()
    send.close()

    def finish() -> None:
        try:
            take()
            try:
                status, value = recv.recv()
            except EOFError:
                status, value = "error", "процесс выгрузок завершился без ответа"
        finally:
            proc.join()
        if status != "ok" or proc.exitcode != 0:
            raise RuntimeError(f"выгрузки не записаны: {value}")

    return sections, finish


REPORT_FORM = "report.xlsx"  # beside each municipality's page


def report_form_jobs(site: Site, out: Path, per_job: int = 100) -> list[Callable[[], None]]:
    """Jobs that write every municipality's published report form into `out/mo/<code>/`, about
    `per_job` municipalities each (≈ 6 ms a form: a country's 2 300 are 14 s of work, shared by
    the two processes of `_downloads_job`). The suppressed rows are prepared once per process."""
    codes = sorted(m["municipality_code"] for m in site.res["municipalities"])
    rows = functools.cache(lambda: _report_form_rows(site))

    def job(chunk: list[str]) -> None:
        for code, data in published_report_forms(site, set(chunk), rows()).items():
            folder = out / "mo" / slug(code)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / REPORT_FORM).write_bytes(data)

    return [functools.partial(job, codes[i : i + per_job]) for i in range(0, len(codes), per_job)]


def _report_form_rows(site: Site) -> tuple[dict, dict[str, tuple[dict, list, list, list]]]:
    """(the region's row, {municipality code: (its row, its schools, its deficits, the
    recommendations for it and its schools)}), with the site's suppression applied."""
    sup, res = site.sup, site.res
    per = {
        m["municipality_code"]: (downloads.blank(m, sup.municipality(m["municipality_code"])), [], [], [])
        for m in res["municipalities"]
    }  # fmt: skip
    for s in res["schools"]:
        if s["municipality_code"] in per:
            per[s["municipality_code"]][1].append(downloads.blank(s, sup.school(s["school_code"])))
    for code in per:  # as the municipality's page lists them (Site.municipality_deficits)
        for d in site.municipality_deficits(code):
            if sup.municipality(code):
                d = {**d, "completion_pct": ""}
            if site.share_said_as_bound(code):  # «≥ 30» is text: the form's number cell stays empty
                d = {**d, "schools_share_pct": ""}
            per[code][2].append(d)
    for code in per:  # the recommendations its page and its schools' pages publish
        per[code][3].extend(site.published_recs("municipality", code))
        for s in site.schools_by_mun.get(code, []):
            c = s["school_code"]
            per[code][3].extend(site.published_recs("school", c, rules_only=site.withheld(c)))
    return downloads.blank(site.region, sup.region_reason), per


def published_report_forms(
    site: Site, only: set[str] | None = None, rows: tuple | None = None
) -> dict[str, bytes]:
    """The municipal report forms (SPEC §9) as the site publishes them: the same form as
    results/<id>/reports/ (the centre's, full data), built from the rows with the site's
    suppression (SPEC §7) — a hidden school, municipality or region shows no percentages or means
    there either, a hidden municipality's deficits no completion. Municipality code → bytes (of
    the municipalities in `only`, default all; `rows`: `_report_form_rows(site)` if made already)."""
    region, per = rows or _report_form_rows(site)
    picked = [per[c] for c in sorted(per) if only is None or c in only]
    return report_form.reports_by_code(
        site.a, site.th, [p[0] for p in picked], region,
        [s for p in picked for s in p[1]], [d for p in picked for d in p[2]],
        [r for p in picked for r in p[3]],
    )  # fmt: skip


# A file's problems of one code beyond this many are one row (a file with «Итого» wrong on each
# of its 44 rows filled the demo's page); every one stays in the validation download and in the
# school's feedback workbook.
SAME_PROBLEMS_SHOWN = 3
SAME_PROBLEMS_GROUPED = 6  # from this many of one code in one file


def validation_rows(site: Site, problems: list[dict]) -> list[list]:
    """The validation page's rows, in validation.csv's order; of a file's problems with the same
    code (and school), when there are SAME_PROBLEMS_GROUPED or more, the first
    SAME_PROBLEMS_SHOWN and then one row with how many more and where."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for v in problems:
        groups[v["file"], v["school_code"], v["code"]].append(v)
    seen: Counter = Counter()
    rows = []
    for v in problems:
        key = (v["file"], v["school_code"], v["code"])
        seen[key] += 1
        # a problem of no file (a school without one: `school_missing`) is never folded
        folded = v["file"] and len(groups[key]) >= SAME_PROBLEMS_GROUPED
        if folded and seen[key] > SAME_PROBLEMS_SHOWN:
            if seen[key] == SAME_PROBLEMS_SHOWN + 1:
                rest = groups[key][SAME_PROBLEMS_SHOWN:]
                rows.append(_validation_row(site, v, _more_text(rest)))
            continue
        rows.append(_validation_row(site, v, published_message(v, site.res.student_codes)))
    return rows


def _validation_row(site: Site, v: dict, message: str) -> list:
    school = v["school_code"]
    return [md_text(v["file"]),
            site.school_link(school, 1) if school in site.schools else md_text(school),
            MdSafe(SEVERITY.get(v["severity"], "")), md_text(message), md_text(v["code"])]  # fmt: skip


def _more_text(rest: list[dict]) -> str:
    places = [f"{p['sheet']}!{p['cell']}" if p["sheet"] and p["cell"] else p["sheet"] or p["cell"]
              for p in rest]  # fmt: skip
    places = [p for p in places if p]
    where = ""
    if places:
        shown = ", ".join(places[:10]) + (", …" if len(places) > 10 else "")
        where = f": {shown}"
    n = len(rest)
    same = plural(n, "такое же замечание", "таких же замечания", "таких же замечаний")
    return (f"… и ещё {n} {same}{where}. Все они — в выгрузке «validation» раздела «Данные» "
            "и в файле обратной связи для школы")  # fmt: skip


def _risk_text(row: dict, short: bool, whose: str = "Школа") -> MdSafe:
    value = row.get("risk")
    if row.get("risk_withheld"):  # Site._withhold_risk
        return MdSafe(
            "не публикуется"
            if short
            else f"{RISK_WITHHELD[whose]} не публикуется: {RISK_WITHHELD_WHY}"
        )
    if value == "1":
        return MdSafe("в зоне риска" if short else "Школа в зоне риска")
    if value == "0":
        return MdSafe("нет" if short else "Школа не в зоне риска")
    return MdSafe("—" if short else "Не классифицируется (мало участников или нет данных)")


def _flags_text(value) -> MdSafe:
    flags = [f for f in (value or "").split(";") if f]
    return MdSafe(", ".join(str(md_text(RULES.get(f, f))) for f in flags) or "—")
