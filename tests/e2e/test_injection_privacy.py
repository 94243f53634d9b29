"""Injection and privacy through the REAL workflow (SPEC §7): hostile registry names, «Титул» cells,
class cells and column headers, distinctive student codes and small groups, pushed from raw/ to
site/ by `snakemake`; then every built page, chart spec and download is checked.

`build_injection_project(tmp)` is also used by tests/browser/test_injection_browser.py.
"""

from __future__ import annotations

import csv
import html
import io
import json
import random
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from scripts.common.csvio import read_csv
from scripts.site.escape import slug
from tests.e2e.conftest import ASSESSMENT, make_project, run_workflow, write_workbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e_injection")]

ID = "inj-test"
BIDI = "Школа\u202eтхт"
H = {
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "jslink": "**[x](javascript:alert(1))**",
    "table": "| a | b |\n|---|---|",
    "attr": '{: onclick="alert(1)" }',
    "jinja": "{{ 7*7 }}",
    "raw": "{% raw %}",
    "snippet": '--8<-- "/etc/passwd"',
    "close": "</script><script>alert(1)</script>",
    "bidi": BIDI,
    "hyperlink": '=HYPERLINK("http://evil","x")',
    "plus": "+cmd",
    "minus": "-1+1",
    "at": "@SUM(1)",
    "tab": "\t=1+2 таб",
    "cr": "\r=3+4 кр",
}


def shown(text: str) -> str:
    """What a reader sees: bidi/controls dropped, white space collapsed (escape.md_text policy)."""
    return " ".join(text.replace("\u202e", "").split())


# Registry: (municipality code, municipality, school code, school name, expected students)
MO = {"01": H["jinja"], "02": H["close"], "03": H["at"]}
SCHOOLS = [
    # accepted, 2 classes of 6; hostile «Титул» cells; hidden (secondary: with the risk zones
    # published, 0102 and 0104 alone would pin 0104's count below basic)
    ("01", "0101", H["snippet"], 12),
    ("01", "0102", H["table"], 4),  # accepted, 4 participants: hidden (primary)
    ("01", "0103", H["script"], 20),  # accepted, shown; classes 10 / 3 / 7: 3 hidden, 7 secondary
    ("01", "0104", H["raw"], 5),  # accepted, 5 participants: hidden (primary)
    ("01", "0105", H["minus"], 9),  # missing
    ("02", "0201", BIDI, 8),  # accepted
    ("02", "0202", H["hyperlink"], 3),  # rejected: duplicate student code, hostile class cell
    ("02", "0203", H["plus"], 9),  # missing
    ("02", "0204", H["img"], 9),  # missing
    ("03", "0301", H["tab"], 7),  # accepted
    ("03", "0302", H["cr"], 9),  # missing
    ("03", "0303", H["jslink"], 9),  # missing
    ("03", "0304", H["attr"], 9),  # missing
]
NAME = {code: name for _mo, code, name, _n in SCHOOLS}
CLASSES = {
    "0101": [("4А", 6), ("4Б", 6)],
    "0102": [("4А", 4)],
    "0103": [("4А", 10), ("4Б", 3), ("4В", 7)],
    "0104": [("4А", 5)],
    "0201": [("4А", 8)],
    "0301": [("4А", 7)],
}
DUPLICATE = "STU-7f3a-0999"  # the duplicated code of the rejected workbook 0202


def student_rows(school: str, start: int, rng: random.Random) -> list[tuple]:
    rows = []
    n = start
    for cls, size in CLASSES[school]:
        for _ in range(size):
            n += 1
            pts = [rng.randint(0, 1), rng.randint(0, 2), rng.randint(0, 1), rng.randint(0, 2)]
            rows.append((f"STU-7f3a-{n:04d}", cls, 1 + n % 2, "", pts))
    return rows


def build_injection_project(root: Path) -> dict:
    """The hostile fixture in a copy of the workflow; returns what the tests need to know."""
    make_project(root)
    for stale in (root / "config" / "assessments").glob("*.yaml"):
        stale.unlink()
    definition = ASSESSMENT.replace("id: e2e-test", f"id: {ID}")
    (root / "config" / "assessments" / f"{ID}.yaml").write_text(definition, encoding="utf-8")
    raw = root / "raw" / ID
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(["Код МО", "Муниципалитет", "Код ОО", "Наименование ОО", "Тип местности",
                "Обучающихся 4 классов"])  # fmt: skip
    for mo, code, name, n in SCHOOLS:
        w.writerow([mo, MO[mo], code, name, "город", n])
    (raw / "submissions").mkdir(parents=True)
    (raw / "registry.csv").write_text(buf.getvalue(), encoding="utf-8")
    rng = random.Random(7)
    codes: list[str] = []
    start = 0
    for school in CLASSES:
        rows = student_rows(school, start, rng)
        start += len(rows) + 10
        codes += [r[0] for r in rows]
        kw = {}
        if school == "0101":  # «Титул» names that differ from the registry → warnings quoting them
            kw = {"name": H["jslink"], "mo": H["img"], "extra_header": H["attr"]}
        write_workbook(raw / "submissions" / f"{school}.xlsx", school, rows, **kw)
    rejected = [
        (DUPLICATE, "4А", 1, "", [1, 1, 1, 1]),
        (DUPLICATE, "4А", 2, "", [0, 1, 0, 1]),
        ("STU-7f3a-0998", H["script"], 1, "", [1, 2, 1, 2]),
        ("STU-7f3a-0997", H["hyperlink"], 1, "", [1, 2, 1, 2]),
    ]
    write_workbook(raw / "submissions" / "0202.xlsx", "0202", rejected, name=H["close"],
                   mo=H["snippet"], extra_header=H["jinja"])  # fmt: skip
    return {"root": root, "codes": codes + [DUPLICATE, "STU-7f3a-0998", "STU-7f3a-0997"]}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> dict:
    info = build_injection_project(tmp_path_factory.mktemp("inj"))
    proc = run_workflow(info["root"])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    site = info["root"] / "site"
    versions = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    info["version_dir"] = site / versions[0]["version"]
    info["assessment_dir"] = info["version_dir"] / ID
    info["results"] = info["root"] / "results" / ID
    return info


# --- HTML parsing ------------------------------------------------------------------------------


class Page(HTMLParser):
    """Visible text, script elements (src or inline text) and every attribute of one HTML page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.tables: list[list[list[str]]] = []
        self._in: list[str] = []
        self._script: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            self.attrs.append((tag, k, v))
        if tag == "script":
            src = dict(attrs).get("src")
            self._script = [f"src={src}"] if src else []
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
            return
        if "style" in self._in[-1:]:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def pages(project) -> dict[str, Page]:
    out = {}
    for path in sorted(project["version_dir"].rglob("*.html")):
        out[str(path.relative_to(project["version_dir"]))] = Page(path.read_text(encoding="utf-8"))
    return out


@pytest.fixture(scope="module")
def parsed(project) -> dict[str, Page]:
    return pages(project)


def _script_shape(s: str) -> str:
    """A script without its variable data (page-specific JSON config of Material)."""
    if s.startswith("src="):
        return "src=" + s.rsplit("/", 1)[-1]
    return re.sub(r"\{.*\}", "{…}", re.sub(r'"[^"]*"', '""', s), flags=re.S)


# --- injection -----------------------------------------------------------------------------------


def test_pipeline_kept_the_hostile_registry_names(project):
    schools = {r["school_code"]: r for r in read_csv(project["results"] / "schools.csv")}
    for code, name in NAME.items():
        assert shown(schools[code]["school_name"]) == shown(name), code
    status = {c: r["status"] for c, r in schools.items()}
    assert status["0202"] == "rejected" and status["0101"] == "accepted"


@pytest.mark.parametrize("code", sorted(NAME))
def test_school_page_shows_the_hostile_name_as_text(project, parsed, code):
    key = f"{ID}/oo/{slug(code)}/index.html"
    assert key in parsed, sorted(parsed)[:20]
    page = parsed[key]
    assert shown(NAME[code]) in page.visible
    mo = next(m for m, c, _n, _e in SCHOOLS if c == code)
    assert shown(MO[mo]) in page.visible


@pytest.mark.parametrize("mo", sorted(MO))
def test_municipality_page_shows_its_schools_as_text(parsed, mo):
    page = parsed[f"{ID}/mo/{slug(mo)}/index.html"]
    assert shown(MO[mo]) in page.visible
    for m, code, name, _n in SCHOOLS:
        if m == mo:
            assert shown(name) in page.visible, (mo, code)


def test_validation_page_shows_hostile_cells_as_text(parsed):
    page = parsed[f"{ID}/validation/index.html"]
    # «Титул» cells of 0101 (name, municipality) and its extra column header, quoted in warnings;
    # the class cells of the rejected 0202 quoted in errors.
    for text in (H["jslink"], H["img"], H["attr"], H["script"], H["hyperlink"], H["close"]):
        assert shown(text) in page.visible, text


def test_no_foreign_script_handler_or_javascript_link(parsed):
    baseline = {_script_shape(s) for s in parsed["index.html"].scripts} | {
        _script_shape(s) for s in parsed[f"{ID}/methodology/index.html"].scripts
    }
    for key, page in parsed.items():
        for s in page.scripts:
            assert _script_shape(s) in baseline, (key, s[:200])
            assert "alert(1)" not in s, key
        for tag, attr, value in page.attrs:
            assert not attr.lower().startswith("on"), (key, tag, attr, value)
            if attr.lower() in ("href", "src", "action", "formaction", "data", "xlink:href"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:text")), (
                    key,
                    tag,
                    value,
                )
            assert attr.lower() not in ("onclick", "onerror", "srcdoc"), key
        assert "alert(1)" not in "".join(v or "" for _t, a, v in page.attrs if a != "content"), key


def test_no_template_evaluation_or_file_inclusion(project, parsed):
    passwd = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()
    marker = passwd[0] if passwd else "root:x:0:0"
    for path in project["version_dir"].rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".js", ".csv", ".md", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "root:x:0:0" not in text and marker not in text, path
    for key, page in parsed.items():
        text = page.visible
        if shown(H["jinja"]) in text:
            assert "{{ 49 }}" not in text and not re.search(r"(?<![\d,.])49(?![\d,.])", text), key


def test_built_markdown_keeps_names_escaped(project):
    docs = project["root"] / "build" / ID / "docs"
    for path in docs.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        for bad in ("<script", "<img", "{{", "{%", "--8<--", "](javascript", "{: onclick"):
            assert bad not in text, (path, bad)


def test_chart_specs_carry_names_only_as_data(project):
    specs = [
        (path, spec)
        for path in project["assessment_dir"].rglob("charts.json")  # a page's charts: {name: spec}
        for spec in json.loads(path.read_text(encoding="utf-8")).values()
    ]
    assert specs
    seen = set()
    for path, spec in specs:
        if not isinstance(spec, dict) or "datasets" not in spec:
            continue
        body = {k: v for k, v in spec.items() if k != "datasets"}
        dumped = json.dumps(body, ensure_ascii=False)
        assert '"html"' not in dumped and "innerHTML" not in dumped, path
        for name in list(NAME.values()) + list(MO.values()):
            assert shown(name) not in dumped, (path, name)
        for rows in spec["datasets"].values():
            for row in rows:
                for v in row.values():
                    assert isinstance(v, (str, int, float)) or v is None, (path, v)
                    if isinstance(v, str):
                        seen.add(v)
    hostile_in_charts = {n for n in map(shown, list(NAME.values()) + list(MO.values()))
                         if any(n in v for v in seen)}  # fmt: skip
    assert hostile_in_charts, "no hostile name reached a chart: the test checks nothing"
    # Tooltips: vega-embed's default handler (vega-tooltip) escapes `<` and `&` through its default
    # `sanitize`; charts.js must not replace the handler, its sanitizer or write HTML itself.
    scripts = list(project["version_dir"].rglob("charts.js"))
    assert scripts
    for js in scripts:
        text = js.read_text(encoding="utf-8")
        for bad in ("sanitize", "tooltip", "innerHTML", "outerHTML", "insertAdjacentHTML", "eval("):
            assert bad not in text, (js, bad)


FORMULA = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def downloads(project) -> list[Path]:
    return sorted((project["assessment_dir"] / "data").glob("*.*"))


def test_csv_downloads_neutralise_formula_cells(project):
    files = [p for p in downloads(project) if p.suffix == ".csv"]
    assert files
    hostile_cells = 0
    for path in files:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        for row in rows[1:]:
            for cell in row:
                if cell.startswith(FORMULA):
                    assert NUMBER.fullmatch(cell), (path.name, cell)
                if cell.startswith("'") and cell[1:2] in FORMULA:
                    hostile_cells += 1
    assert hostile_cells >= 3


def test_xlsx_downloads_have_no_formulas_and_numbers_stay_numbers(project):
    files = [p for p in downloads(project) if p.suffix == ".xlsx"]
    assert files
    numbers = hostile = 0
    for path in files:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows(min_row=2):
                for c in row:
                    assert c.data_type != "f", (path.name, c.coordinate, c.value)
                    if isinstance(c.value, str):
                        assert not c.value.startswith(FORMULA), (path.name, c.coordinate, c.value)
                        hostile += c.value.startswith("'") and c.value[1:2] in FORMULA
                    elif isinstance(c.value, (int, float)):
                        numbers += 1
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                assert "<f>" not in z.read(name).decode("utf-8", errors="replace"), (path, name)
    assert numbers > 0 and hostile >= 3
    schools = openpyxl.load_workbook(project["assessment_dir"] / "data" / "schools.xlsx").active
    header = [c.value for c in schools[1]]
    col = header.index("participants")
    assert all(isinstance(r[col].value, (int, float)) for r in schools.iter_rows(min_row=2)
               if r[col].value is not None)  # fmt: skip


def test_downloads_show_hostile_names_literally(project):
    rows = read_csv(project["assessment_dir"] / "data" / "schools.csv")
    names = {r["school_code"]: r["school_name"] for r in rows}
    for code, name in NAME.items():
        expect = shown(name)
        got = names[code]
        assert got in (expect, "'" + expect), (code, got)


def test_download_writers_neutralise_every_corpus_value():
    """Ingest trims tab/CR-leading cells, so the pipeline never hands them to a download: the
    writers themselves get the whole corpus (and invisible characters in front of `=`)."""
    from scripts.site.downloads import csv_bytes, xlsx_bytes

    values = list(H.values()) + ["\u202e=1+1", " =1+1", "\u200b@x", "-3.5", "12", "\t-1", "\r+2",
                                 'x\r=HYPERLINK("http://evil","x")', "y\r\n@SUM(1)"]  # fmt: skip
    rows = [{"school_name": v, "mean_score": "-3.5", "participants": "12"} for v in values]
    cols = ["school_name", "mean_score", "participants"]
    data = csv_bytes(cols, rows).decode("utf-8")
    assert "\r" not in data  # a bare CR would end the row in Excel: the rest would be a new row
    got = list(csv.reader(io.StringIO(data, newline="")))[1:]
    assert len(got) == len(values)
    for v, (name, mean, n) in zip(values, got, strict=True):
        assert not name.lstrip(" ").startswith(FORMULA) or NUMBER.fullmatch(name), (v, name)
        assert "\u202e" not in name and "\u200b" not in name
        assert (mean, n) == ("-3.5", "12")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes("t", cols, rows))).active
    for row in ws.iter_rows(min_row=2):
        assert all(c.data_type != "f" for c in row)
        name = row[0].value  # a name stays text, even «-3.5» or «12»
        assert isinstance(name, str)
        assert not name.lstrip(" ").startswith(FORMULA) or NUMBER.fullmatch(name), name
        assert (row[1].value, row[2].value) == (-3.5, 12)


# --- privacy -----------------------------------------------------------------------------------


def _all_text(path: Path) -> str:
    if path.suffix in (".xlsx", ".zip"):
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", errors="replace") for n in z.namelist())
    if path.suffix == ".gz":
        import gzip

        return gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    text = path.read_bytes().decode("utf-8", errors="replace")
    # pages carry text as character references (`-` → `&#45;`): search the decoded text too
    return text + "\n" + html.unescape(text) if "&#" in text else text


def test_no_student_code_anywhere_in_site_or_docs(project):
    roots = [project["root"] / "site", project["root"] / "build" / ID / "docs"]
    codes = project["codes"]
    assert len(codes) > 50
    students = {r["student_code"] for r in read_csv(project["results"] / "students.csv")}
    assert students and students <= set(codes)  # the codes did get into the results
    pattern = re.compile(r"STU-7f3a-\d{4}")
    leaks = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                for m in pattern.finditer(_all_text(path)):
                    leaks.append((str(path.relative_to(project["root"])), m.group(0)))
    assert leaks == []


def test_rejected_file_message_is_published_without_the_code(project, parsed):
    validation = read_csv(project["results"] / "validation.csv")
    dup = [v for v in validation if v["code"] == "student_code_duplicate"]
    assert dup and DUPLICATE in dup[0]["message"]  # the results quote it (for the school)
    assert "повтор" in parsed[f"{ID}/validation/index.html"].visible  # the problem is still shown


def _row(table_rows, first: str):
    return next((r for r in table_rows if r and r[0] == first), None)


STAT_COLS = ("below_basic_pct", "basic_pct", "above_basic_pct", "mean_score", "below_basic",
             "basic", "above_basic", "median_score", "basic_tasks_pct", "advanced_tasks_pct")  # fmt: skip


def _stats(row: dict) -> set[str]:
    out = set()
    for k in STAT_COLS:
        v = row.get(k, "")
        if v not in ("", None):
            out.add(v)
            out.add(v.replace(".", ","))
    return out


def test_small_school_shows_no_statistics(project, parsed):
    res = {r["school_code"]: r for r in read_csv(project["results"] / "schools.csv")}
    for code in ("0102", "0104"):
        assert res[code]["participants"] in ("4", "5")
        stats = {s for s in _stats(res[code]) if "." in s or "," in s}  # pct/means: distinctive
        # the school's own page: its row and its class rows carry no statistic
        page = parsed[f"{ID}/oo/{slug(code)}/index.html"]
        own = [r for t in page.tables for r in t if r and r[0] in ("Школа", "4А")]
        assert own and "скрыто" in page.visible
        for r in own:
            assert not (set(r[1:]) & stats), (code, r)
            assert not any(re.fullmatch(r"\d+,\d+", c) for c in r[1:]), (code, r)
        for t in page.tables:  # per-task / per-result tables: no «Школа» column
            if t and t[0] and any("Школа" in h for h in t[0][1:]):
                raise AssertionError((code, t[0]))
        # the municipality page: the school's row carries only who took part
        mo_page = parsed[f"{ID}/mo/01/index.html"]
        name = shown(NAME[code])
        rows = [r for t in mo_page.tables for r in t if name in r]
        assert rows, (code, "no row on the municipality page")
        for r in rows:
            cells = [c for c in r if c not in (name, res[code]["participants"])]
            assert not (set(cells) & _stats(res[code])), (code, r)
            assert not any(re.fullmatch(r"\d+,\d+", c) for c in cells), (code, r)
            assert r.count("скрыто") >= 4, r
        # downloads: blanked and marked suppressed
        for r in read_csv(project["assessment_dir"] / "data" / "schools.csv"):
            if r["school_code"] == code:
                assert r["suppressed"] == "primary"
                assert all(r.get(k, "") == "" for k in STAT_COLS), r
        wb = openpyxl.load_workbook(project["assessment_dir"] / "data" / "schools.xlsx").active
        header = [c.value for c in wb[1]]
        for row in wb.iter_rows(min_row=2, values_only=True):
            rec = dict(zip(header, row, strict=False))
            if rec["school_code"] == code:
                assert all(rec.get(k) in (None, "") for k in STAT_COLS), rec
        for name in ("tasks", "planned_results", "distribution"):
            for r in read_csv(project["assessment_dir"] / "data" / f"{name}.csv"):
                assert not (r.get("scope") == "school" and r.get("code") == code), (name, r)
    # charts: no record of a hidden school
    for path in project["assessment_dir"].rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        for code in ("0102", "0104"):
            assert json.dumps(shown(NAME[code]), ensure_ascii=False)[1:-1] not in text, path


def test_small_class_is_hidden_and_cannot_be_derived(project, parsed):
    res = [r for r in read_csv(project["results"] / "classes.csv") if r["school_code"] == "0103"]
    by = {r["class"]: r for r in res}
    assert by["4Б"]["participants"] == "3"
    school = next(
        r for r in read_csv(project["results"] / "schools.csv") if r["school_code"] == "0103"
    )
    dl = {r["class"]: r for r in read_csv(project["assessment_dir"] / "data" / "classes.csv")
          if r["school_code"] == "0103"}  # fmt: skip
    assert dl["4Б"]["suppressed"] == "primary"
    hidden = {c for c, r in dl.items() if r["suppressed"]}
    shown_classes = set(dl) - hidden
    assert len(hidden) >= 2, dl  # secondary suppression hides another class
    assert sum(int(by[c]["participants"]) for c in hidden) >= 6
    shown_sum = sum(int(by[c]["participants"]) for c in shown_classes)
    assert shown_sum != int(school["participants"]) - 3
    for c in hidden:
        assert all(dl[c].get(k, "") == "" for k in STAT_COLS), dl[c]
    # the school page's classes table
    page = parsed[f"{ID}/oo/{slug('0103')}/index.html"]
    for c in hidden:
        rows = [r for t in page.tables for r in t if r and r[0] == c]
        assert rows, (c, page.tables)
        for r in rows:
            assert not any(re.fullmatch(r"\d+,\d+", x) for x in r[1:]), (c, r)
            assert not (set(r[1:]) & {s for s in _stats(by[c]) if "." in s or "," in s}), (c, r)
    # chart specs of the school page: only shown classes
    path = project["assessment_dir"] / "oo" / slug("0103") / "charts.json"
    for spec in json.loads(path.read_text(encoding="utf-8")).values():
        groups = {str(r.get("group", "")) for v in spec.get("datasets", {}).values() for r in v}
        for c in hidden:
            assert not any(g == c or g.startswith(c + " ") for g in groups), (path, groups)


def test_html_entities_round_trip(parsed):
    # sanity of the parser itself: entities decoded, the names do appear somewhere escaped in HTML
    assert html.unescape("&#60;script&#62;") == "<script>"
    assert any(shown(H["script"]) in p.visible for p in parsed.values())
