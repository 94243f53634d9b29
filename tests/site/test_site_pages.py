"""Pages built from the fixture results: escaping, suppression, chart = table, downloads, determinism."""

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest

from scripts.site.downloads import SECTIONS
from scripts.site.escape import slug
from scripts.site.load import read_results
from scripts.site.pages import TEMPLATES, Site, build_pages
from tests.site.sitefix import HOSTILE


def _charts(folder: Path) -> dict:
    """A page's charts ({name: Vega-Lite spec}), from the one file beside it."""
    path = folder / "charts.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _all_text(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): p.read_text(encoding="utf-8")
        for p in out.rglob("*")
        if p.suffix in (".md", ".json", ".csv")
    }


def test_page_set(built_pages):
    out, site, _ = built_pages
    for rel in ("index.md", "tasks/index.md", "risk/index.md", "objectivity/index.md", "validation/index.md",
                "changes/index.md", "methodology/index.md", "data/index.md", "plan/index.md"):  # fmt: skip
        assert (out / rel).is_file(), rel
    assert len(list(out.glob("mo/*/index.md"))) == len(site.muns)
    assert len(list(out.glob("oo/*/index.md"))) == len(site.schools)


def test_no_unescaped_input_and_no_student_code(built_pages):
    out, _, info = built_pages
    texts = _all_text(out)
    for rel, text in texts.items():
        if rel.endswith(".md"):
            assert "<script" not in text and "**x**" not in text and "javascript:" not in text, rel
            assert "{{" not in text and "--8<--" not in text and "**важно**" not in text, rel
    blob = "\n".join(texts.values())
    for code in info["students"]:
        assert code not in blob
    for p in out.rglob("*.xlsx"):
        assert b"S01" not in p.read_bytes()  # fixture student codes start with S<school code>


def test_hostile_name_escaped_on_school_page(built_pages):
    out, site, _ = built_pages
    code = next(c for c, s in site.schools.items() if s["school_name"] == HOSTILE)
    text = (out / "oo" / code / "index.md").read_text()
    assert (
        "&#60;script&#62;alert&#40;1&#41;&#60;/script&#62; &#42;&#42;x&#42;&#42; &#124; y" in text
    )


def test_small_school_shows_no_percentages(built_pages):
    out, site, _ = built_pages
    code = next(c for c, s in site.schools.items() if s["participants"] == "4")
    text = (out / "oo" / code / "index.md").read_text()
    row = re.search(r"<tr><td>Школа</td>(.*?)</tr>", text).group(1)
    assert "скрыто" in row and not re.search(r"\d+,\d", row)
    specs = _charts(out / "oo" / code)
    assert "Школа" not in json.dumps(specs.get("tasks", {}), ensure_ascii=False)
    assert "distribution" not in specs
    assert "меньше 6" in text


def test_secondary_suppression_of_classes(built_pages):
    out, site, _ = built_pages
    code = next(
        c
        for c, rows in site.classes.items()
        if sorted(int(r["participants"]) for r in rows) == [3, 24]
    )
    text = (out / "oo" / code / "index.md").read_text()
    rows = re.findall(r"<tr><td>4[АБ]</td>.*?</tr>", text)
    assert len(rows) == 2 and all("скрыто" in r for r in rows)


def test_every_chart_placeholder_has_its_spec(built_pages):
    """Each page's placeholders name charts of the one `charts.json` beside it, and that file has
    no chart the page does not show."""
    out, _, _ = built_pages
    pages = 0
    for page in out.rglob("index.md"):
        named = re.findall(r'data-spec="charts&#46;json&#35;(\w+)"|data-spec="charts\.json#(\w+)"',
                           page.read_text(encoding="utf-8"))  # fmt: skip
        names = {a or b for a, b in named}
        assert names == set(_charts(page.parent)), page
        pages += bool(names)
    assert pages > 10


def test_chart_data_equals_table(built_pages):
    out, site, _ = built_pages
    code = next(c for c, s in site.schools.items() if s["status"] == "accepted" and int(s["participants"]) >= 20
                and site.sup.school(c) is None)  # fmt: skip
    page = (out / "oo" / code / "index.md").read_text()
    specs = _charts(out / "oo" / code)
    spec = specs["tasks"]
    values = spec["datasets"]["values"]
    for v in values:
        if v["group"] != "Школа":
            continue
        cell = f"{v['pct']:.1f}".replace(".", ",")
        task = v["item"].replace(".", "&#46;")
        assert re.search(rf"<tr><td>{re.escape(task)}</td>.*?<td class=\"r\">{cell}</td>", page), (
            task,
            cell,
        )
    rows = {r["task"]: r["completion_pct"] for r in site.tasks[("school", code)]}
    assert {v["item"]: f"{v['pct']:.1f}" for v in values if v["group"] == "Школа"} == rows
    levels = specs["levels"]["datasets"]["values"]
    s = site.schools[code]
    assert [v["pct"] for v in levels if v["group"] == "Школа"] == [float(s[k]) for k in
                                                                  ("below_basic_pct", "basic_pct", "above_basic_pct")]  # fmt: skip


def test_downloads_suppressed_and_neutralised(built_pages):
    out, site, _ = built_pages
    rows = list(csv.DictReader(io.StringIO((out / "data" / "schools.csv").read_text())))
    small = next(r for r in rows if r["participants"] == "4")
    assert (
        small["suppressed"] == "primary"
        and small["below_basic_pct"] == ""
        and small["mean_score"] == ""
    )
    hostile2 = next(r for r in rows if r["school_name"].startswith(("**", "'")))
    assert hostile2
    val = (out / "data" / "validation.csv").read_text()
    assert "'=cmd" in val and ",=cmd" not in val
    # score distributions: the shown schools' only (the pages show no other); a municipality's
    # minus its shown schools' would give its hidden schools' scores exactly
    dist = list(csv.DictReader(io.StringIO((out / "data" / "distribution.csv").read_text())))
    shown = {r["school_code"] for r in rows if r["status"] == "accepted" and not r["suppressed"]}
    assert dist and {r["scope"] for r in dist} == {"school"}
    assert {r["code"] for r in dist} == shown & {r["code"] for r in site.res["distribution"]}
    tasks = list(csv.DictReader(io.StringIO((out / "data" / "tasks.csv").read_text())))
    assert not any(r["scope"] == "school" and r["code"] == small["school_code"] for r in tasks)
    assert any(r["diff_region_pp"].startswith("-") for r in tasks)  # numbers are not neutralised
    import openpyxl

    wb = openpyxl.load_workbook(out / "data" / "validation.xlsx")
    cells = [c.value for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_pages_are_deterministic(tmp_path, results_dir, assessment, th, monkeypatch):
    """Twice with the downloads shared between a forked process and this one, once all in this
    one (SITE_PAGES_FORK=0): the same bytes, every download written."""
    root, _ = results_dir
    outs = []
    for i, fork in enumerate(("1", "1", "0")):
        monkeypatch.setenv("SITE_PAGES_FORK", fork)
        out = tmp_path / f"b{i}"
        build_pages(Site(read_results(root), assessment, th), out)
        outs.append(
            {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        )
    assert outs[0] == outs[1] == outs[2]
    assert {f"data/{n}.{x}" for n, _ in SECTIONS for x in ("csv", "xlsx")} <= set(outs[0])


def test_a_download_not_written_fails_the_pages(tmp_path, results_dir, assessment, th, monkeypatch):
    """A section that cannot be written — whichever of the two processes takes it — fails the
    stage with its reason, after the other process ended."""
    from scripts.site import downloads

    write = downloads.write

    def failing(dest, name, *rest):
        if name == "tasks":
            raise OSError("нет места на диске")
        write(dest, name, *rest)

    monkeypatch.setattr(downloads, "write", failing)
    root, _ = results_dir
    with pytest.raises((OSError, RuntimeError), match="нет места на диске"):
        build_pages(Site(read_results(root), assessment, th), tmp_path / "out")


ALLOWED_BARE = {
    # MdSafe values built by scripts/site/pages.py (escaped there); the Jinja finalize would escape
    # a plain string anyway — this list makes adding an unfiltered interpolation a reviewed change.
    "r.text", "t.pct", "t.region", "t.share", "t.level", "s.link", "m.link", "m",
    "mun_link", "report", "region_link", "a.link",
}  # fmt: skip


def test_every_interpolation_is_escaped():
    """Each {{ … }} in the page templates ends with |md or |num, calls table()/chart()/contents()
    (each escapes what it is given), or is in the reviewed list of values the Python code builds
    as MdSafe."""
    bad = []
    for path in sorted(TEMPLATES.glob("*.j2")):
        for expr in re.findall(r"\{\{(.*?)\}\}", path.read_text(), flags=re.S):
            e = expr.strip()
            if (
                re.search(r"\|\s*(md|num)\s*$", e)
                or re.match(r"(table|chart|contents)\(", e)
                or e in ALLOWED_BARE
            ):
                continue
            bad.append(f"{path.name}: {{{{ {e} }}}}")
    assert not bad, bad


def test_finalize_escapes_plain_strings():
    from scripts.site.pages import ENV

    assert ENV.from_string("{{ x }}").render(x="**b** <i>") == "&#42;&#42;b&#42;&#42; &#60;i&#62;"


def test_chart_kinds_file_is_current():
    from scripts.site.charts import build_kinds, kinds

    assert build_kinds() == kinds()


def test_plan_uses_reference_date(assessment):
    from scripts.site.pages import plan_rows

    a = {**assessment, "reference_date": "2021-05-01",
         "plan": [{"event": "e1", "responsible": "r", "deadline": "2021-04-01"},
                  {"event": "e2", "responsible": "r", "deadline": "2021-04-02", "done": True},
                  {"event": "e3", "responsible": "r", "deadline": "2021-05-11"}]}  # fmt: skip
    ref, rows = plan_rows(a)
    assert ref == "01.05.2021"
    assert [r["status"] for r in rows] == [
        "просрочено",
        "выполнено",
        "предстоит (осталось дней: 10)",
    ]


def test_many_municipalities_get_a_table_without_comparison_chart(tmp_path, assessment, th):
    """61 municipalities (> COMPARE_CHART_MAX): the region page has no per-municipality chart but
    says why, and its table still lists every municipality; with 3 the chart is there."""
    from tests.site import sitefix

    root = tmp_path / "r" / assessment["id"]
    sitefix.make_results(root, assessment, n_schools=61, n_mun=61)
    out = tmp_path / "docs"
    build_pages(Site(read_results(root), assessment, th), out)
    page = (out / "index.md").read_text(encoding="utf-8")
    assert "municipalities" not in _charts(out) and "levels" in _charts(out)
    assert "диаграмма сравнения не строится" in page
    assert all(f"Муниципалитет {i}<" in page for i in range(1, 62))  # a table row each


def test_few_municipalities_get_the_comparison_chart(built_pages):
    out, _, _ = built_pages
    assert "municipalities" in _charts(out)
    assert "диаграмма сравнения не строится" not in (out / "index.md").read_text(encoding="utf-8")


def test_published_report_forms_hide_what_the_pages_hide(results_dir, assessment, th):
    """The municipality's report form on the site (SPEC §9) follows the site's suppression
    (SPEC §7); the centre's own form in results/<id>/reports/ keeps the full figures."""
    import openpyxl

    from scripts.site.load import read_results
    from scripts.site.pages import published_report_forms
    from scripts.templates import report_form
    from scripts.templates.school_template import safe_name

    root, _ = results_dir
    site = Site(read_results(root), assessment, th)
    small = next(code for code, why in sorted(site.sup.schools.items()) if why == "primary")
    row = site.schools[small]  # the same dict as in the results table
    row.update(risk="1", risk_reasons="below_basic_pct", below_basic_pct="40.0")
    row.update(basic_tasks_pct="33.3", participants=row["participants"] or "4")
    mun = row["municipality_code"]
    other = next(c for c in sorted(site.muns) if c != mun and site.muns[c]["mean_score"])
    site.sup.municipalities[other] = "primary"  # as if it had too few participants

    def cells(data: bytes) -> dict[str, list[list]]:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        return {ws.title: [[c.value for c in r] for r in ws.iter_rows()] for ws in wb}

    full = cells(
        report_form.build_reports(
            site.a, site.th, site.res["municipalities"], site.region, site.res["schools"],
            site.res["deficits"], site.res["recommendations"],
        )[f"{safe_name(mun)}.xlsx"]
    )  # fmt: skip
    published = published_report_forms(site)
    shown = cells(published[mun])

    def risk_row(book):
        return next(r for r in book[report_form.SHEET_RISK] if r[0] == small)

    assert risk_row(full)[3] == 40.0 and "40,0" in risk_row(full)[5]  # the control: it is there
    assert risk_row(shown)[2] is not None  # participants stay (as on the pages)
    assert risk_row(shown)[3] is None and risk_row(shown)[4] is None
    assert "40,0" not in risk_row(shown)[5] and "33,3" not in risk_row(shown)[5]

    def about_small(book) -> list[str]:  # text lines that give the school's own figure
        lines = [x for rows in book.values() for r in rows for v in r if v is not None
                 for x in str(v).splitlines()]  # fmt: skip
        return [x for x in lines if small in x and "(в ОО:" in x]

    assert about_small(full) and about_small(shown) == []

    figures = cells(published[other])[report_form.SHEET_FIGURES]
    by_label = {r[0]: r for r in figures if r and r[0]}
    assert by_label["Средний балл"][1] is None and by_label["Средний балл"][2] is not None
    assert by_label["Не достигли базового уровня, %"][1] is None
    assert by_label["Участников (выполняли работу)"][1] is not None


def test_every_municipality_page_links_its_report_form(built_pages):
    """Written by the two processes of the pages job in chunks: each municipality's own form."""
    import openpyxl

    out, site, _ = built_pages
    for code in site.muns:
        folder = out / "mo" / slug(code)
        wb = openpyxl.load_workbook(folder / "report.xlsx")
        assert wb.properties.title == f"Отчёт МО {code}"
        assert "report.xlsx" in (folder / "index.md").read_text(encoding="utf-8")


def test_item_flags_are_named_and_their_rules_listed(built_pages):
    from scripts.common.item_flags import BOUNDS

    out, site, _ = built_pages
    method = (out / "methodology" / "index.md").read_text(encoding="utf-8")
    for name in ("слишком трудное", "слишком лёгкое", "слабо различает участников"):
        assert name in method
    assert f"{BOUNDS['too_easy']:g}".replace(".", ",") in method  # 0,95
    flagged = {f for i in site.res["items"] for f in i.get("flag", "").split(";") if f}
    tasks = (out / "tasks" / "index.md").read_text(encoding="utf-8")
    assert flagged, "the fixture has flagged items"
    for flag in flagged:
        assert flag not in tasks  # the rule id is not shown, its Russian name is
    # flags are per variant (items.csv is variant × task): the page says which variant
    for i in site.res["items"]:
        if i.get("flag"):
            assert f"{i['variant']}: слабо различает участников" in tasks


def test_no_single_participants_total_or_mark_is_published(built_pages):
    from tests.site.sitefix import ONE_TOTAL

    out, _, _ = built_pages
    for path in out.rglob("*"):
        if path.suffix in (".md", ".csv", ".json"):
            text = path.read_text(encoding="utf-8")
            assert str(ONE_TOTAL) not in text and str(ONE_TOTAL + 1) not in text, path
    import openpyxl

    wb = openpyxl.load_workbook(out / "data" / "validation.xlsx")
    cells = [str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None]
    assert not any(str(ONE_TOTAL) in c for c in cells) and any("не публикуются" in c for c in cells)
    val = (out / "validation" / "index.md").read_text(encoding="utf-8")
    assert "T5" in val and "значения не публикуются" in val  # where and what stay


def test_schools_sharing_a_name_get_their_own_bars(tmp_path, results_dir, assessment, th):
    """The municipality's school chart groups bars by label: two schools of one name must not
    become one bar (the chart would no longer match the table)."""
    root, _ = results_dir
    res = read_results(root)
    site = Site(res, assessment, th)
    mun, schools = next(
        (m, [s for s in ss if s["school_code"] not in site.sup.schools and s["below_basic_pct"]])
        for m, ss in sorted(site.schools_by_mun.items())
        if len([s for s in ss if s["school_code"] not in site.sup.schools and s["below_basic_pct"]]) >= 2
    )  # fmt: skip
    for s in schools[:2]:
        s["school_name"] = "МБОУ СОШ № 1"
    out = tmp_path / "docs"
    build_pages(site, out)
    spec = _charts(out / "mo" / slug(mun))["schools"]
    values = spec["datasets"]["values"]
    groups = {v["group"] for v in values}
    assert len(groups) == len(schools)
    assert {f"МБОУ СОШ № 1 ({s['school_code']})" for s in schools[:2]} <= groups


def test_two_part_reason_shows_both_conditions(built_pages):
    """SPEC §5.1/§5.2: a page says why — a two-part rule shows both of its conditions (the fixture's
    identical_answers: 7 participants ≥ 5, and 40 % of participants ≥ 30 %)."""
    out, site, _ = built_pages
    code = next(c for (scope, c), rs in site.reasons.items() if scope == "school"
                and any(r["rule"] == "identical_answers" for r in rs)
                and site.sup.school(c) is None)  # fmt: skip
    expected = (
        "много участников с одинаковым набором баллов по заданиям — участников с одинаковым "
        "набором баллов: 7 (≥ 5); их доля среди участников, %: 40,0 (≥ 30)"
    )
    assert expected in (out / "oo" / code / "index.md").read_text()
    assert expected in (out / "objectivity" / "index.md").read_text()


def test_school_tasks_show_the_difference_in_points(built_pages):
    """SPEC §5: school vs municipality vs region for every task, difference in percentage points —
    checked against the school's and the region's completion of the same task (rounding aside)."""
    out, site, _ = built_pages
    code = next(
        c for c in site.schools if site.sup.school(c) is None and site.tasks.get(("school", c))
    )
    text = (out / "oo" / code / "index.md").read_text()
    assert "Разница с МО, п&#46; п&#46;" in text and "Разница с регионом, п&#46; п&#46;" in text
    region = {r["task"]: float(r["completion_pct"]) for r in site.tasks[("region", "")]}
    table = text[text.index("Разница с регионом") :]
    # the last cell of each task row (the rows of the school's task table, in the task order)
    cells = re.findall(r'<td class="r">([+−]?[0-9]+,[0-9])</td></tr>', table)
    for t, cell in zip(site.tasks[("school", code)], cells, strict=False):
        diff = float(t["completion_pct"]) - region[t["task"]]
        shown = float(cell.replace("−", "-").replace(",", "."))
        assert abs(shown - diff) <= 0.15 and (cell[0] == "+") == (shown > 0), (
            t["task"],
            cell,
            diff,
        )
    assert len(cells) >= len(site.tasks[("school", code)])


def test_hidden_school_shows_no_percentage_and_no_deficits(built_pages):
    """SPEC §7: a hidden group shows no percentages — participation neither (its counts stay) —
    and its page does not list deficits, which would bound its completion."""
    out, site, _ = built_pages
    hidden = [
        c
        for c in site.schools
        if site.sup.school(c) is not None and site.schools[c]["participants"] not in ("", "0")
    ]
    assert hidden
    with_deficits = [c for c in hidden if site.deficits.get(("school", c))]
    for code in hidden:
        text = (out / "oo" / code / "index.md").read_text()
        assert (
            "Дефициты (задания ниже нормы" not in text
            and "Дефицитов по заданиям не выявлено" not in text
        )
        assert "Дефициты и рекомендации по ним не публикуются" in text
        assert "Дефициты не публикуются: по ним можно было бы судить" in text  # the summary
    rows = {
        r["school_code"]: r
        for r in csv.DictReader(
            io.StringIO((out / "data" / "schools.csv").read_text(encoding="utf-8-sig"))
        )
    }
    for code in hidden:
        assert rows[code]["participation_pct"] == "" and rows[code]["participants"] != ""
    shown = next(
        c
        for c in site.schools
        if site.sup.school(c) is None and site.schools[c]["participants"] not in ("", "0")
    )
    assert rows[shown]["participation_pct"] != ""
    assert with_deficits  # the fixture has hidden schools whose deficits the page must not list


def test_schools_without_data_are_not_called_clean(built_pages):
    """A rejected or missing school was not checked: its page must not say «не выявлено»."""
    out, site, _ = built_pages
    empty = [c for c, s in site.schools.items() if s["status"] != "accepted"]
    assert empty
    for code in empty:
        text = (out / "oo" / code / "index.md").read_text()
        assert "не выявлено" not in text
        assert (
            "Признаки необъективности не проверялись: нет участников с принятыми результатами."
            in text
        )
        assert "Дефициты не определялись: нет участников с принятыми результатами." in text


def test_text_typed_in_a_students_row_is_never_published(tmp_path, assessment):
    """SPEC §7: no student name is ever published — also a name typed into «Класс», «Вариант»,
    «Отсутствовал» or a points cell, which the validation message quotes for the school. The site
    and its downloads say what is wrong where; the feedback workbook keeps the value."""
    from scripts.ingest.pipeline import process_file
    from scripts.site.load import published_message
    from tests.ingest.conftest import LIMITS, REGISTRY, demo_row, school_book

    demo = assessment
    rows = [
        demo_row(1, "s1", "Иванов Иван Петрович", definition=demo),
        demo_row(2, "s2", "4А", "Петрова", definition=demo),
        demo_row(3, "s3", "4А", 1, absent="Сидоров", definition=demo),
        demo_row(4, "s4", "4А", 1, points=["Кузнецова"] + [0] * 13, definition=demo),
    ]
    res = process_file(school_book(tmp_path / "a.xlsx", demo, rows), "submissions/a.xlsx", demo,
                       REGISTRY, LIMITS)  # fmt: skip
    names = ["Иванов", "Петрова", "Сидоров", "Кузнецова"]
    records = [p.record() for p in res.problems]
    assert {r["code"] for r in records} >= {"class_bad", "variant_bad", "absent_value_bad",
                                            "points_not_number"}  # fmt: skip
    feedback = " ".join(r["message"] for r in records)
    assert all(n in feedback for n in names)  # the school's own report keeps them
    published = " ".join(published_message(r, set()) for r in records)
    assert not any(n in published for n in names)
    assert "значение не публикуется" in published


def test_shared_deficits_leave_out_only_the_small_schools(results_dir, assessment, th):
    """A municipality's deficit «shared by ≥ 30 % of its schools» beside the other schools' own
    deficits would say a small school's (fewer than k participants; for a school of one pupil,
    that pupil's 0 on the task). In the fixture, municipality 02 has three schools with results:
    020002 (4 participants: small) and 020005, 020011 (hidden only for its sake). A deficit of
    the two larger ones is published — its share only as «≥ 30» — one of the small school alone is
    not, nor the recommendation it chose; municipality 01, with no small school, shows its share."""
    from scripts.common.labels import RULES
    from scripts.site.load import read_results
    from scripts.site.pages import _report_form_rows

    root, _info = results_dir
    site = Site(read_results(root), assessment, th)
    assert site.has_small_school("02") and not site.has_small_school("01")
    assert site.small("020002") and not site.small("020005") and not site.small("020011")
    assert site.sup.school("020005") and site.sup.school("020011")  # hidden for 020002's sake
    t3, t5 = (next(t for t in assessment["tasks"] if t["id"] == i) for i in ("3", "6"))
    assert t3["result"] != t5["result"]

    def deficit(scope, code, task, share=""):
        return {"scope": scope, "code": code, "result": task["result"], "task": task["id"],
                "level": task["level"], "completion_pct": "40.0", "region_pct": "80.0",
                "schools_share_pct": share, "criterion": "shared_by_schools" if share else "norm"}  # fmt: skip

    site.res["deficits"][:] = [
        deficit("municipality", "01", t3, "100.0"),
        deficit("municipality", "02", t3, "66.7"),  # 020005 and 020011
        deficit("municipality", "02", t5, "33.3"),  # 020002 alone (task 6)
        deficit("school", "020005", t3),
        deficit("school", "020011", t3),
        deficit("school", "020002", t5),
    ]
    site.deficits = site.res.by("deficits", "scope", "code")
    recs = [{"scope": "municipality", "code": m, "audience": "municipality", "topic": topic,
             "text": f"рекомендация {m} {topic}"} for m in ("01", "02")
            for topic in (t3["result"], t5["result"], "below_basic_pct")]  # fmt: skip
    site.res["recommendations"].extend(recs)
    site.recs = site.res.by("recommendations", "scope", "code")

    def shares(m):
        return {t["task"]: t["share"] for g in site.deficit_groups("municipality", m, False)
                for t in g["tasks"]}  # fmt: skip

    assert shares("01") == {"3": "100,0"}
    assert shares("02") == {"3": "≥ 30"}
    topics = [g["topic"] for g in site.recommendations("municipality", "02")]
    assert t3["result"] in topics and t5["result"] not in topics and "below_basic_pct" in topics
    _region, per = _report_form_rows(site)
    assert [d["schools_share_pct"] for d in per["01"][2]] == ["100.0"]
    assert [(d["task"], d["schools_share_pct"]) for d in per["02"][2]] == [("3", "")]
    # the hidden schools' pages publish only the recommendations chosen by a rule, and so does
    # the form (a review's case)
    school_recs = [r for r in per["02"][3] if r["scope"] == "school"]
    assert all(r["topic"] in RULES for r in school_recs)
    # a hidden municipality without a small school says its share as a bound too (a review: the
    # exact «100,0» said how many of its hidden schools have the deficit)
    site.res["deficits"].extend(deficit("school", c, t3) for c in site.schools_with_results("01"))
    site.deficits = site.res.by("deficits", "scope", "code")  # 100 %: every school of 01 has it
    site.sup.municipalities["01"] = "secondary"
    assert shares("01") == {"3": "≥ 30"}


def test_methodology_states_every_rule_and_threshold(results_dir, assessment, th, tmp_path):
    """SPEC §7: /methodology/ has every rule and threshold in force — both conditions of each
    sign of non-objectivity, and the files' limits and the registry tolerance given by the
    workflow (SPEC §4)."""
    from scripts.site.load import read_results

    root, _info = results_dir
    checks = {"max_file_mib": 20, "max_rows": 100000, "max_columns": 200, "tolerance_pct": 12.5}
    site = Site(read_results(root), assessment, th, checks)
    build_pages(site, tmp_path / "docs")
    page = (tmp_path / "docs" / "methodology" / "index.md").read_text(encoding="utf-8")
    obj = th["objectivity"]
    for text in (
        f"на {obj['advanced_over_basic_pp']} п. п. и более, а выполнение заданий базового уровня — "
        "не выше, чем в регионе",
        f"ровно пороговый балл ({assessment['levels']['basic_min']})",
        "кроме работ, где все задания выполнены на максимальный балл",
        "Файл больше 20 МиБ, лист больше 100000 строк или 200 столбцов",
        "более чем на 12,5 %",
        # the municipality's share counts its schools with results, not only the classified ones
        f"у {th['deficits']['shared_by_schools_pct']} % его школ с результатами",
    ):
        assert text in page, text


def test_reasons_deficits_and_recommendations_downloads_follow_the_pages(
    results_dir, assessment, th
):
    """Every page's data as a download (SPEC §7: with the same rules): the hidden school 020005
    (a secondary suppression with deficits on tasks 1, 3…) has no deficit rows, its reasons no
    values, its recommendations only those chosen by a rule; a shown school's are all there."""
    from scripts.common.labels import RULES
    from scripts.site.downloads import tables
    from scripts.site.load import read_results

    root, _info = results_dir
    site = Site(read_results(root), assessment, th)
    assert site.sup.school("020005") and not site.sup.school("010001")
    data = {name: rows for name, (_cols, rows) in tables(site).items()}
    assert {"reasons", "deficits", "recommendations"} <= set(data)
    assert site.deficits.get(("school", "020005"))  # it has deficits…
    assert not [d for d in data["deficits"] if d["code"] == "020005"]  # …not published
    shown = [d for d in data["deficits"] if d["scope"] == "school" and d["code"] == "010001"]
    assert len(shown) == len(site.deficits.get(("school", "010001"), []))
    hidden_reasons = [r for r in data["reasons"] if r["code"] == "020005"]
    assert hidden_reasons and all(
        r["value"] == "" for r in hidden_reasons if r["rule"] != "too_few"
    )
    recs = [r for r in data["recommendations"] if r["scope"] == "school" and r["code"] == "020005"]
    assert all(r["topic"] in RULES for r in recs)
    assert len([r for r in data["recommendations"] if r["code"] == "010001"]) == len(
        site.recs.get(("school", "010001"), [])
    )


def test_every_download_is_written_even_without_rows(results_dir, assessment, th):
    """A section without rows (no reasons yet) is still a download with its header: the site's
    files must not come and go with the data (a file appearing after a correction changed every
    shard's key and re-rendered every page — caught by the e2e page-cache test)."""
    from scripts.site import downloads
    from scripts.site.load import read_results

    root, _info = results_dir
    site = Site(read_results(root), assessment, th)
    site.res.tables["reasons"] = []
    sections, work = downloads.plan(site)
    assert [s["name"] for s in sections] == [name for name, _title in downloads.SECTIONS]
    reasons = next(w for w in work if w[0] == "reasons")
    assert reasons[2][:4] == ["scope", "code", "kind", "rule"] and reasons[3] == []


def test_school_pages_report_progress(results_dir, assessment, th, tmp_path, monkeypatch, caplog):
    """SPEC §10 «long stages show progress»: a country's school pages take minutes, so the stage
    says how far it is (every PROGRESS_S seconds; here every school)."""
    import logging

    from scripts.site import pages

    monkeypatch.setattr(pages, "PROGRESS_S", 0.0)
    root, _ = results_dir
    site = Site(read_results(root), assessment, th)
    with caplog.at_level(logging.INFO, logger="stage"):
        build_pages(site, tmp_path / "out")
    n = len(site.schools)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Страницы школ")]
    assert lines == [f"Страницы школ: {i} из {n}" for i in range(n)]


def test_condition_texts_keep_their_spaces():
    """«(≤ 79,1 в регионе)», not «79,1в регионе» (md_text trims a leading space; an audit saw it),
    and every item flag's rule reads «name: rule» after the bold name."""
    from scripts.common import item_flags
    from scripts.site.pages import _condition

    assert _condition("x", "76,3", "<=", "79,1", " в регионе") == "x: 76,3 (≤ 79,1 в регионе)"
    assert all(rule.startswith(": ") for rule in item_flags.rules().values())


def test_hidden_and_missing_school_pages_read_as_sentences(built_pages):
    """An audit read «Результаты школы не публикуются: участников меньше 6: результаты малых групп
    не публикуются.», «скрыто дополнительно: …» opening a box, «(school_missing)» and the analyst's
    «Запросите у школы…» on a school's own page. Now: one clause in the summary, a whole
    explanation in the box (by the reason: primary or secondary), no codes, words for the school."""
    import html

    out, site, _ = built_pages
    seen = set()
    for code, s in site.schools.items():
        reason = site.sup.school(code)
        if reason is None or s["status"] != "accepted" or s["participants"] in ("", "0"):
            continue
        text = html.unescape((out / "oo" / code / "index.md").read_text(encoding="utf-8"))
        if reason == "primary":
            assert f"Результаты школы не публикуются: участников меньше {site.k}.\n" in text
            assert f"    Участников меньше {site.k}, а результаты таких малых групп" in text
        else:
            assert "Результаты школы не публикуются: иначе результаты соседней малой группы" in text
            assert f"    Участников не меньше {site.k}, но результаты скрыты дополнительно" in text
        assert "публикуются: участников меньше 6: " not in text
        seen.add(reason)
    assert seen == {"primary", "secondary"}
    missing = next(c for c, s in site.schools.items() if s["status"] == "missing")
    text = html.unescape((out / "oo" / missing / "index.md").read_text(encoding="utf-8"))
    assert "school_missing" not in text and "Запросите у школы" not in text
    assert "ЦОКО не получил файла школы с результатами этой работы" in text
    # no empty file slot («сведения:  — …», an audit), and the sentence ends
    assert "<li>сведения — ЦОКО не получил файла школы" in text
    assert "Пришлите в ЦОКО заполненный шаблон.</li>" in text


def test_a_missing_schools_page_names_the_unreadable_file_its_name_suggests():
    """An audit: the validation page said which unreadable file may be school 200002's; its own
    page did not. The file comes from school_status.csv (ingest's suggestion)."""
    from scripts.site.pages import school_note

    v = {"code": "school_missing", "message": "Нет принятого… Запросите у школы…", "file": ""}
    alone = school_note(v, "", set())
    assert alone.endswith("Пришлите в ЦОКО заполненный шаблон.") and "Возможно" not in alone
    named = school_note(v, "submissions/Пучеж/Шаблон_200002.xlsx", set())
    assert "Возможно, это файл школы, который не удалось прочитать: " in named
    assert "«submissions/Пучеж/Шаблон_200002.xlsx»" in named and "Запросите" not in named


def test_a_mark_at_the_basic_threshold_shares_its_rule_and_label(built_pages, monkeypatch):
    """The score chart draws a rule per threshold: mark «3» from the basic level's score drew its
    label over «порог базового уровня*» (an audit's screenshot). One rule, one joined label."""
    _, site, _ = built_pages
    basic = int(site.a["levels"]["basic_min"])
    monkeypatch.setitem(site.a, "marks", {"3": basic, "4": basic + 3, "5": basic + 6})
    _, _, marks = site.distribution("region", "")
    assert marks == [
        {"total": basic, "label": "порог базового уровня*, «3»"},
        {"total": basic + 3, "label": "«4»"},
        {"total": basic + 6, "label": "«5»"},
    ]


def test_dates_read_as_in_russia(built_pages):
    """«дата проведения 2021-04-29» on the region page, while the plan wrote 09.04.2021 (an audit):
    every page date as DD.MM.YYYY."""
    from scripts.common.numfmt import ru_date

    out, site, _ = built_pages
    iso = str(site.a["date"])
    assert ru_date("2021-04-29") == "29.04.2021" and ru_date("весной") == "весной"
    region = (out / "index.md").read_text(encoding="utf-8").replace("&#46;", ".")
    assert f"дата проведения {ru_date(iso)}" in region and iso not in region


def test_every_xlsx_download_says_what_its_columns_are(built_pages):
    """English column names (SPEC: machine-readable) in a workbook a municipal specialist opens:
    a sheet «Столбцы» names every column in Russian (an audit read `below_basic_pct`, `accepted`)."""
    import openpyxl

    out, _, _ = built_pages
    books = sorted((out / "data").glob("*.xlsx"))
    assert books
    for path in books:
        wb = openpyxl.load_workbook(path, read_only=True)
        assert wb.sheetnames == ["data", "Столбцы"], path.name
        header = [c.value for c in next(wb["data"].iter_rows(max_row=1))]
        about = [tuple(c.value for c in r) for r in wb["Столбцы"].iter_rows(min_row=2)]
        assert [a[0] for a in about] == header, path.name
        assert all(a[1] and re.search("[а-я]", a[1]) for a in about), (path.name, about)


def test_a_group_has_the_same_colour_on_every_page(built_pages):
    """Colours went by order of appearance: the municipality blue on its own page, orange on a
    school's (an audit). Each group has its colour, and a legend lists only the groups shown."""
    from scripts.site.charts import GROUP_COLORS, GROUPS

    out, site, _ = built_pages
    seen: dict[str, set] = {}
    for path in out.rglob("charts.json"):
        for chart in _charts(path.parent).values():
            if chart.get("mark", {}) and chart["encoding"].get("color", {}).get("field") == "group":
                scale = chart["encoding"]["color"]["scale"]
                groups = {v["group"] for v in chart["datasets"]["values"]}
                assert scale["domain"] == [g for g in GROUPS if g in groups], path
                for g, c in zip(scale["domain"], scale["range"], strict=True):
                    seen.setdefault(g, set()).add(c)
    assert set(seen) == set(GROUPS)
    assert all(colours == {GROUP_COLORS[GROUPS.index(g)]} for g, colours in seen.items())


def test_every_summary_item_starts_its_own_line(built_pages):
    """«Коротко»: a template line ending in a block tag lost its line break (trim_blocks), so the
    region's «Что делать» item was glued to «Где отстаём» as a literal «- »."""
    out, _, _ = built_pages
    pages = sorted(out.rglob("index.md"))
    assert pages
    for page in pages:
        for line in page.read_text(encoding="utf-8").splitlines():
            assert not re.search(r"\S\s+- \*\*", line), (page, line)
    region = (out / "index.md").read_text(encoding="utf-8")
    items = [ln for ln in region.splitlines() if ln.startswith("    - **")]
    assert [ln.split(".**")[0] for ln in items] == [
        "    - **Как написали",
        "    - **Где отстаём",
        "    - **Что делать",
    ]


def test_many_problems_of_one_code_in_one_file_are_one_row(built_pages):
    """A file with one problem (code_a) on 8 rows: the page shows 3 of them and «… и ещё 5 таких же
    замечаний: Результаты!T6, …»; 5 of one code are all shown; another file and another code are
    not folded in; the order is validation.csv's."""
    from scripts.site.pages import validation_rows

    _, site, _ = built_pages

    def p(file, code, row, sheet="Результаты"):
        return {"file": file, "school_code": "", "sheet": sheet, "cell": f"T{row}",
                "severity": "warning", "code": code, "message": f"{sheet}!T{row}: строка {row}"}  # fmt: skip

    problems = [p("a.xlsx", "code_a", r) for r in range(3, 11)]
    problems.insert(2, p("a.xlsx", "code_b", 4))
    problems += [p("b.xlsx", "code_a", r) for r in range(3, 8)]
    rows = validation_rows(site, problems)
    texts = [html.unescape(str(r[3])) for r in rows]
    assert texts[:5] == [
        "Результаты!T3: строка 3",
        "Результаты!T4: строка 4",
        "Результаты!T4: строка 4",
        "Результаты!T5: строка 5",
        "… и ещё 5 таких же замечаний: Результаты!T6, Результаты!T7, Результаты!T8, "
        "Результаты!T9, Результаты!T10. Все они — в выгрузке «validation» раздела «Данные» "
        "и в файле обратной связи для школы",
    ]
    assert [html.unescape(str(r[4])) for r in rows[:5]] == ["code_a"] * 2 + [
        "code_b", "code_a", "code_a"]  # fmt: skip
    assert len(rows) == 5 + 5  # b.xlsx: all five shown
    one = validation_rows(site, [p("c.xlsx", "x", r) for r in range(1, 8)])
    assert html.unescape(str(one[-1][3])).startswith("… и ещё 4 таких же замечания: ")
    # schools without a file: one problem each, never folded (the list of missing schools)
    missing = [{**p("", "school_missing", 0, sheet=""), "cell": "", "school_code": f"0{i}"}
               for i in range(8)]  # fmt: skip
    assert len(validation_rows(site, missing)) == 8


def test_plan_without_reference_date_is_judged_on_the_builds_date(assessment, monkeypatch):
    """SPEC §9: done / due / overdue against the build's date. A definition without
    `reference_date` is judged on the run's date (config.plan_date: SOURCE_DATE_EPOCH's day when
    set, else today), not on the test's date; the page says which date it is."""
    from scripts.common.config import plan_date
    from scripts.site.pages import plan_rows

    plan = [{"event": "e1", "responsible": "r", "deadline": "2021-05-15"},
            {"event": "e2", "responsible": "r", "deadline": "2021-05-16", "done": True},
            {"event": "e3", "responsible": "r", "deadline": "2031-01-10"}]  # fmt: skip
    a = {k: v for k, v in assessment.items() if k != "reference_date"} | {"plan": plan}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1924992000")  # 2031-01-01 00:00 UTC
    assert plan_date(a) == "2031-01-01"
    ref, rows = plan_rows(a, plan_date(a))
    assert ref == "01.01.2031"
    assert [r["status"] for r in rows] == [
        "просрочено",
        "выполнено",
        "предстоит (осталось дней: 9)",
    ]
    assert plan_rows(a)[0] == "01.01.2031"  # by hand, without the workflow: the same day
    # due on the build's day: not overdue yet
    assert plan_rows(a, "2031-01-10")[1][2]["status"] == "предстоит (срок — сегодня)"
    # a fixed reference_date wins; an assessment without a plan keeps its own date
    assert plan_date({**a, "reference_date": "2021-05-15"}) == "2021-05-15"
    assert plan_date({**a, "plan": []}) == str(a["date"])


def test_a_plan_page_without_a_plan_names_no_date(assessment):
    """An audit: «Состояние мероприятий на 20.04.2023 (дата сборки сайта)» with no plan — the
    assessment's own date, not the build's. Without events the page only says there is no plan."""
    from scripts.site.pages import render

    common = {"a": assessment, "k": 6, "reg": {}, "reg_hidden": False}
    empty = render("plan.md.j2", **common, ref="20.04.2023", plan=[], fixed=False)
    assert "План мероприятий для этой работы не задан." in empty
    assert "Состояние мероприятий" not in empty and "20&#46;04" not in empty
    one = [{"event": "e", "responsible": "r", "deadline": "01.05.2023", "status": "выполнено"}]
    page = render("plan.md.j2", **common, ref="20.04.2023", plan=one, fixed=False)
    assert "Состояние мероприятий на 20&#46;04&#46;2023 (дата сборки сайта)" in page


def test_a_withheld_school_classification_takes_the_counts_that_would_give_it_back(
    results_dir, assessment, th, tmp_path
):
    """A review: a withheld school's classification came back as its municipality's «Школ в зоне
    риска: 1 из 1» (or the region's count minus the others'). Withholding one blanks the counts
    of schools in the zone of its municipality and of the region, and withholds the
    municipality's own classification (its share of schools in the zone); pages say why."""
    from scripts.site.downloads import tables
    from scripts.site.load import read_results

    root, _info = results_dir
    site = Site(read_results(root), assessment, th)
    school = next(s for s in site.schools.values() if s["risk"] == "1")
    mun = school["municipality_code"]
    others = [m for m in site.muns if m != mun and site.muns[m]["schools_in_risk"] != ""]
    assert site.muns[mun]["schools_in_risk"] != "" and site.muns[mun]["risk"] != ""
    site._withhold_risk({("school", school["school_code"])})
    data = {name: rows for name, (_cols, rows) in tables(site).items()}
    row = next(m for m in data["municipalities"] if m["municipality_code"] == mun)
    assert (row["schools_in_risk"], row["schools_in_risk_pct"], row["risk"]) == ("", "", "")
    assert row["risk_withheld"] == "1"
    assert (
        data["region"][0]["schools_in_risk"] == ""
        and data["region"][0]["municipalities_in_risk"] == ""
    )
    assert all(site.muns[m]["schools_in_risk"] != "" for m in others)  # the others keep theirs
    build_pages(site, tmp_path / "docs")
    page = (tmp_path / "docs" / "mo" / mun / "index.md").read_text(encoding="utf-8")
    assert "Число школ в зоне риска не публикуется" in page and "Школ в зоне риска:" not in page
