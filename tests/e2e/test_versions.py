"""Versions, diffs and fault tolerance of the site (SPEC §8), through the real workflow.

One fixture project is run once (version 1) and kept pristine; the tests work on copies of it
(a copy keeps Snakemake's metadata and the files' times, so the copy is up to date as it is).
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import jsonschema
import pytest

from scripts.common.csvio import read_csv
from tests.e2e.conftest import SCHOOL_0101, make_project, run_workflow, write_workbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e_versions")]

WORKBOOK = "raw/e2e-test/submissions/mo1/школа1.xlsx"
# mike's versions.json: an array of {version, title, aliases}.
MIKE_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["version", "title", "aliases"],
        "properties": {
            "version": {"type": "string", "minLength": 1},
            "title": {"type": "string"},
            "aliases": {"type": "array", "items": {"type": "string"}},
        },
    },
}
# Columns of schools.csv that are classifications or text, not published numbers.
NOT_NUMBERS = {"risk", "objectivity_checked", "municipality_code", "school_code"}


def snapshot(root: Path, folders=("results", "site")) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time (ns)."""
    out = {}
    for folder in folders:
        for p in sorted((root / folder).rglob("*")):
            if p.is_file():
                out[str(p.relative_to(root))] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


def tree(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def site_tree(root: Path) -> dict[str, bytes]:
    """site/ exactly: every entry (files and folders, hidden ones too) and every file's bytes."""
    site = root / "site"
    return {
        str(p.relative_to(site)): (p.read_bytes() if p.is_file() else b"<dir>")
        for p in sorted(site.rglob("*"))
    }


def versions(root: Path) -> list[dict]:
    return json.loads((root / "site/versions.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corrected_xlsx(tmp_path_factory) -> Path:
    """School 0101's workbook with one point corrected, saved once (openpyxl stamps the save time,
    so every project that gets «the same correction» gets these very bytes).

    Student s3: task 1 from 0 to 1 point (basic points 1 → 2: below basic → above basic)."""
    rows = [list(r) for r in SCHOOL_0101]
    assert rows[2][0] == "s3" and rows[2][4] == [0, 1, 0, 1]
    rows[2][4] = [1, 1, 0, 1]
    path = tmp_path_factory.mktemp("xlsx") / "школа1.xlsx"
    write_workbook(path, "0101", [tuple(r) for r in rows])
    return path


def correct_workbook(root: Path, xlsx: Path) -> None:
    shutil.copyfile(xlsx, root / WORKBOOK)


def ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]


def copy_project(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)  # copy2: times kept, so Snakemake sees it up to date
    return dst


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """The fixture project after one full run (version 1): never modified by the tests."""
    root = make_project(tmp_path_factory.mktemp("pristine"))
    ok(run_workflow(root))
    return root


@pytest.fixture(scope="module")
def corrected(pristine, corrected_xlsx, tmp_path_factory) -> dict:
    """A copy of the pristine project; one workbook corrected and the workflow run again."""
    root = copy_project(pristine, tmp_path_factory.mktemp("corrected") / "p")
    v1 = versions(root)[0]["version"]
    before = snapshot(root)
    old_site = tree(root / "site" / v1)
    correct_workbook(root, corrected_xlsx)
    ok(run_workflow(root))
    return {"root": root, "v1": v1, "before": before, "old_site": old_site}


def test_same_inputs_twice_one_version_nothing_rewritten(pristine, tmp_path):
    root = copy_project(pristine, tmp_path / "p")
    before = snapshot(root)
    assert len(versions(root)) == 1
    ok(run_workflow(root))
    after = snapshot(root)
    assert sorted(after) == sorted(before)
    rewritten = [name for name in before if after[name] != before[name]]
    assert rewritten == []  # neither the bytes nor the modification time of any file changed
    assert len(versions(root)) == 1


def test_inputs_saved_again_with_the_same_bytes_rewrite_nothing(pristine, tmp_path):
    """SPEC §8: nothing changed → no new version, nothing rewritten — also when every input was
    saved again (a school resending the same file, a copy without its times): an audit saw every
    results/ file rewritten after one `touch` of a workbook (its batch was keyed by the time)."""
    root = copy_project(pristine, tmp_path / "p")
    before = snapshot(root)
    later = time.time()
    for folder in ("raw", "config"):
        for p in (root / folder).rglob("*"):
            if p.is_file():
                os.utime(p, (later, later))
    ok(run_workflow(root))
    after = snapshot(root)
    assert [name for name in before if after.get(name) != before[name]] == []
    assert len(versions(root)) == 1


def test_versions_json_is_mikes_format(corrected):
    data = versions(corrected["root"])
    jsonschema.validate(data, MIKE_SCHEMA)
    assert [v["aliases"] for v in data] == [["latest"], []]


def test_correction_makes_exactly_one_new_version(corrected):
    root, v1 = corrected["root"], corrected["v1"]
    data = versions(root)
    assert [v["version"] for v in data][1:] == [v1]  # newest first
    v2 = data[0]["version"]
    assert v2 != v1 and re.fullmatch(r"[0-9a-f]{12}", v2)
    assert data[0]["aliases"] == ["latest"] and data[1]["aliases"] == []
    assert sorted(p.name for p in (root / "site").iterdir() if p.is_dir()) == sorted(
        [v1, v2, "latest"]
    )
    index = (root / "site/index.html").read_text(encoding="utf-8")
    assert f'url={v2}/"' in index and f'"{v2}/"' in index
    latest = (root / "site/latest/index.html").read_text(encoding="utf-8")
    assert f'url=../{v2}/"' in latest  # the alias moved with the new version
    # The old version was not touched: same bytes.
    assert tree(root / "site" / v1) == corrected["old_site"]
    # SPEC §6/§8: the manifest's version id is the site version built from it
    manifest = json.loads((root / "results/e2e-test/manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == v2


def test_correction_with_the_page_cache_equals_one_without(
    pristine, corrected_xlsx, corrected, tmp_path
):
    """The corrected run reused the site shards' page cache (most pages kept their HTML and got
    new tables); the same correction with the cache deleted renders every page with mkdocs. Both
    give the same new version, byte for byte."""
    root = copy_project(pristine, tmp_path / "p")
    shutil.rmtree(root / "build" / "site-shard-cache")
    correct_workbook(root, corrected_xlsx)
    ok(run_workflow(root))
    v2 = versions(corrected["root"])[0]["version"]
    assert versions(root)[0]["version"] == v2
    logs = "".join(
        p.read_text(encoding="utf-8") for p in (corrected["root"] / "logs/site_shard").glob("*.log")
    )
    kept = [
        int(n) - int(r) for n, r in re.findall(r"страниц (\d+), из них собрано mkdocs (\d+)", logs)
    ]
    assert sum(kept) > 0  # the incremental run did keep pages
    assert tree(root / "site" / v2) == tree(corrected["root"] / "site" / v2)


class _Rows(html.parser.HTMLParser):
    """Text of every table row (cells) and of the whole page."""

    def __init__(self):
        super().__init__()
        self.rows, self.text, self._row, self._cell = [], [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _expected_school_numbers(root_old: Path, root_new: Path, code: str) -> set:
    """(column, old, new) of every number of the school that differs between the two results."""
    old = {r["school_code"]: r for r in read_csv(root_old / "results/e2e-test/schools.csv")}
    new = {r["school_code"]: r for r in read_csv(root_new / "results/e2e-test/schools.csv")}
    number = re.compile(r"^-?\d+(\.\d+)?$|^$")
    out = set()
    for col, value in new[code].items():
        if col in NOT_NUMBERS or not (number.match(value) and number.match(old[code][col])):
            continue
        if value != old[code][col]:
            out.add((col, old[code][col] or "—", value or "—"))
    return out


def test_new_recommendation_texts_make_a_new_version(pristine, tmp_path):
    """config/recommendations.yaml is an input of the version (SPEC §8): edited texts reach the
    site as a new version, the previous one stays as it was."""
    root = copy_project(pristine, tmp_path / "p")
    v1 = versions(root)[0]["version"]
    manifest_path = root / "results/e2e-test/manifest.json"
    before = json.loads(manifest_path.read_text(encoding="utf-8"))["version"]
    library = root / "config" / "recommendations.yaml"
    text = library.read_text(encoding="utf-8")
    old = "Проанализируйте типичные ошибки"
    assert text.count(old) >= 1
    library.write_text(text.replace(old, "Разберите типичные ошибки"), encoding="utf-8")
    ok(run_workflow(root))
    data = versions(root)
    assert [v["version"] for v in data][1:] == [v1]
    v2 = data[0]["version"]
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert "config/recommendations.yaml" in [i["path"] for i in manifest["inputs"]]
    assert manifest["version"] != before
    pages = "".join(p.read_text(encoding="utf-8") for p in (root / "site" / v2).rglob("*.html"))
    old_pages = "".join(p.read_text(encoding="utf-8") for p in (root / "site" / v1).rglob("*.html"))
    assert "Разберите типичные ошибки" in pages and "Разберите типичные ошибки" not in old_pages


def test_changes_page_names_the_school_and_its_numbers(corrected, pristine):
    root = corrected["root"]
    v2 = versions(root)[0]["version"]
    page = (root / "site" / v2 / "e2e-test/changes/index.html").read_text(encoding="utf-8")
    parser = _Rows()
    parser.feed(page)
    content = " ".join(parser.text)
    assert f"Сравнение с версией {corrected['v1']}" in content
    # The corrected workbook is the one changed input.
    assert "школа1.xlsx" in content and "school2.xlsx" not in content
    expected = _expected_school_numbers(pristine, root, "0101")
    # Worked out by hand too: s3 moves from below basic to above basic.
    assert {("below_basic", "2", "1"), ("above_basic", "2", "3"), ("mean_score", "3.00", "3.17"),
            ("below_basic_pct", "33.3", "16.7")} <= expected  # fmt: skip
    shown = {
        (r[2], r[3].replace(",", "."), r[4].replace(",", "."))
        for r in parser.rows
        if len(r) == 5 and r[0].startswith("ОО 0101") and r[1] == ""
    }
    from scripts.common.labels import COLUMNS

    # the page names each column in Russian (SPEC §1)
    assert shown == {(COLUMNS[c], o, n) for c, o, n in expected}
    # Schools named anywhere in the report: only 0101 (in the schools list and the numbers).
    schools_named = {r[0].split()[1] for r in parser.rows if len(r) == 5 and r[0].startswith("ОО ")}
    assert schools_named == {"0101"}
    body = content.replace(v2, "").replace(corrected["v1"], "")
    assert not re.search(r"\b0102\b|\b0201\b|Школа № 2|Школа № 3", body)
    # Its risk zone changed (33.3 % below basic ≥ 25 → 16.7 %): listed among the schools.
    assert re.search(r"0101 Школа № 1: зона риска: да → нет", content)


def test_diff_cli_prints_the_same_school(corrected):
    root = corrected["root"]
    v2 = versions(root)[0]["version"]
    proc = subprocess.run(
        [sys.executable, "-m", "scripts.site.diff"], cwd=root, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"{corrected['v1']} → {v2}" in out
    assert "* raw/e2e-test/submissions/mo1/школа1.xlsx" in out
    assert "0101 Школа № 1: зона риска: да → нет" in out
    assert "ОО 0101 «Школа № 1»" in out and "средний балл: 3,00 → 3,17" in out
    assert not re.search(r"\b0102\b|\b0201\b", out.replace(v2, "").replace(corrected["v1"], ""))
    # Explicit versions (as `make diff FROM=… TO=…`): the same report.
    again = subprocess.run(
        [sys.executable, "-m", "scripts.site.diff", "--from", corrected["v1"], "--to", v2],
        cwd=root, capture_output=True, text=True,
    )  # fmt: skip
    assert again.stdout == out


def test_no_wall_clock_in_outputs(corrected):
    """Dates in results/ and site/<version>/ come from the inputs, never from today."""
    root = corrected["root"]
    v2 = versions(root)[0]["version"]
    today = time.gmtime()
    stamps = [time.strftime(f, today) for f in ("%Y-%m-%d", "%d.%m.%Y")]
    for folder in (root / "results", root / "site" / v2):
        for p in folder.rglob("*"):
            if p.suffix in (".html", ".csv", ".json", ".md", ".xml", ".js"):
                text = p.read_text(encoding="utf-8", errors="replace")
                assert not any(s in text for s in stamps), p
    for xlsx in (root / "site" / v2 / "e2e-test/data").glob("*.xlsx"):
        with zipfile.ZipFile(xlsx) as z:
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}, xlsx
            core = z.read("docProps/core.xml").decode()
            assert "2000-01-01T00:00:00Z" in core and not any(s in core for s in stamps)


def test_broken_config_fails_with_one_line_and_site_unchanged(pristine, tmp_path):
    root = copy_project(pristine, tmp_path / "p")
    before = site_tree(root)
    definition = root / "config/assessments/e2e-test.yaml"
    definition.write_text(definition.read_text(encoding="utf-8") + "bogus_key: 1\n", "utf-8")
    proc = run_workflow(root)
    assert proc.returncode != 0
    lines = [x for x in proc.stderr.splitlines() if "bogus_key" in x]
    assert len(lines) == 1, proc.stderr
    assert "config/assessments/e2e-test.yaml" in lines[0] and lines[0].startswith("Ошибка")
    assert "Traceback" not in proc.stderr + proc.stdout
    assert site_tree(root) == before


def _mkdocs_writing(root: Path) -> bool:
    building = [
        *(root / "build").glob("site-shards/*"),  # mkdocs builds the shards here
        *(root / "build").glob("site-build-*"),  # the shards are assembled here
        *(root / "site").glob(".build-*"),
    ]
    return any(any(b.rglob("*.html")) for b in building)


def _kill_during_site_build(root: Path) -> None:
    """Start the workflow; SIGKILL its whole process group once mkdocs is writing the version."""
    assert _kill_when(root, _mkdocs_writing), "the workflow ended before the site build"


def _can_mount() -> bool:
    """Root with mount namespaces: site/ can be bind-mounted read-only for one command."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.fixture(scope="module")
def interrupted(pristine, corrected_xlsx, tmp_path_factory) -> dict:
    """A copy of the pristine project, the same correction as `corrected`, the workflow SIGKILLed
    while mkdocs writes the new version; then (root, mount namespaces) a run with site/ mounted
    read-only — only the site rule is left to do. Both must leave site/ exactly as it was."""
    root = copy_project(pristine, tmp_path_factory.mktemp("interrupted") / "p")
    before = site_tree(root)
    correct_workbook(root, corrected_xlsx)
    _kill_during_site_build(root)
    out = {"root": root, "before": before, "after_kill": site_tree(root), "read_only": None}
    # A SIGKILLed Snakemake leaves its lock: `snakemake --unlock` (`make unlock`), then run again.
    ok(run_workflow(root, "--unlock"))
    if _can_mount():
        snakemake = Path(sys.executable).with_name("snakemake")
        script = (
            "mount --bind site site && mount -o remount,ro,bind site site && "
            f"exec {snakemake} --cores 2"
        )
        proc = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
            cwd=root, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        out["read_only"] = (proc, site_tree(root), list((root / "build").glob("site-build-*")))
    return out


def test_killed_build_leaves_site_unchanged_and_rerun_completes(interrupted, corrected):
    root = interrupted["root"]
    assert interrupted["after_kill"] == interrupted["before"]
    ok(run_workflow(root))
    # The same as the uninterrupted run of the same change: version ids and every byte.
    assert versions(root) == versions(corrected["root"])
    a = {k: v[0] for k, v in snapshot(root).items()}
    b = {k: v[0] for k, v in snapshot(corrected["root"]).items()}
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []


@pytest.mark.skipif(not _can_mount(), reason="needs root and mount namespaces (unshare -m)")
def test_read_only_site_one_russian_line_previous_version_intact(interrupted):
    """site/ mounted read-only (a private mount namespace: nothing outlives the command)."""
    proc, site_after, leftovers = interrupted["read_only"]
    assert proc.returncode != 0
    lines = [x for x in (proc.stderr + proc.stdout).splitlines() if "не удалось записать сайт" in x]
    assert len(lines) == 1, proc.stderr[-4000:]
    assert "только для чтения" in lines[0] and "прежняя версия сайта не тронута" in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert site_after == interrupted["before"]
    assert leftovers == []


def _kill_when(root: Path, marker) -> bool:
    """Start the workflow; SIGKILL its process group as soon as `marker(root)` is true."""
    snakemake = Path(sys.executable).with_name("snakemake")
    proc = subprocess.Popen(
        [str(snakemake), "--cores", "2"], cwd=root, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    hit = False
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if marker(root):
                hit = True
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return hit


KILL_POINTS = {
    # ingest has started (its log is open) but not finished
    "ingest": lambda r: (r / "logs/e2e-test/ingest.log").exists(),
    # the pages stage is writing build/<id>/docs
    "pages": lambda r: (r / "build/e2e-test/docs").exists(),
}


@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_killed_at_other_stages_then_rerun_equals_uninterrupted(
    point, pristine, corrected_xlsx, corrected, tmp_path
):
    """SIGKILL at another stage, then what the analyst does (`make unlock`, `make site`, which
    passes --rerun-incomplete): the same versions and bytes as the uninterrupted run."""
    root = copy_project(pristine, tmp_path / "p")
    before = site_tree(root)
    (root / "logs/e2e-test/ingest.log").unlink(missing_ok=True)  # the markers must be new
    shutil.rmtree(root / "build" / "e2e-test", ignore_errors=True)
    correct_workbook(root, corrected_xlsx)
    _kill_when(root, KILL_POINTS[point])
    assert site_tree(root) == before
    ok(run_workflow(root, "--unlock"))
    ok(run_workflow(root, "--rerun-incomplete"))
    assert versions(root) == versions(corrected["root"])
    a = {k: v[0] for k, v in snapshot(root).items()}
    b = {k: v[0] for k, v in snapshot(corrected["root"]).items()}
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []


def test_inputs_restored_with_their_old_times_are_read_again(pristine, tmp_path):
    """An audit: a registry (or a library) put back from a backup keeps its old modification time
    (`cp -p`, an unpacked mail), older than the outputs — Snakemake saw nothing to do, and the
    edited registry's names stayed in results/ and on the next site. Its bytes are a param now."""
    root = copy_project(pristine, tmp_path / "p")
    registry = next(root.glob("raw/e2e-test/registry.*"))
    library = root / "config" / "recommendations.yaml"
    backup = tmp_path / "backup"
    backup.mkdir()
    for path in (registry, library):
        shutil.copy2(path, backup / path.name)
    schools = root / "results/e2e-test/schools.csv"
    original = schools.read_bytes()
    recs = root / "results/e2e-test/recommendations.csv"
    original_recs = recs.read_bytes()
    text = registry.read_text(encoding="utf-8-sig")
    assert "Школа № 3" in text
    registry.write_text(text.replace("Школа № 3", "Школа после правки"), encoding="utf-8")
    lib_text = library.read_text(encoding="utf-8")
    library.write_text(lib_text.replace("Проанализируйте", "Разберите"), encoding="utf-8")
    ok(run_workflow(root))
    assert "Школа после правки" in schools.read_text(encoding="utf-8")
    assert recs.read_bytes() != original_recs
    for path in (registry, library):  # back as they were, with the times they had
        shutil.copy2(backup / path.name, path)
    ok(run_workflow(root))
    assert schools.read_bytes() == original
    assert recs.read_bytes() == original_recs
