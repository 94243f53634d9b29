"""The whole site stage on the fixture: mkdocs --strict, offline HTML, versions, no-op rebuild,
byte-identical rebuild, changes page and `python -m scripts.site.diff`."""

import errno
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from scripts.common.entry import StageError
from scripts.site import diff
from scripts.site.build import build_site, check_offline
from scripts.site.load import read_results
from scripts.site.pages import Site, build_pages
from tests.site import sitefix


def _docs(tmp, results_root, assessment, th, name):
    out = tmp / name / assessment["id"]
    build_pages(Site(read_results(results_root), assessment, th), out)
    return out


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory, assessment, th):
    tmp = tmp_path_factory.mktemp("sitebuild")
    bundle = tmp / "vega.js"
    bundle.write_text("window.vegaEmbed = function () { return Promise.resolve(); };\n")
    r1 = tmp / "r1" / assessment["id"]
    sitefix.make_results(r1, assessment, version="111111111111")
    r2 = tmp / "r2" / assessment["id"]
    sitefix.make_results(r2, assessment, version="222222222222", seed=2)
    site = tmp / "site"
    out = []
    for r in (r1, r2):
        docs = _docs(tmp, r, assessment, th, r.parent.name + "-docs")
        man = json.loads((r / "manifest.json").read_text())
        a = [{"id": assessment["id"], "docs": docs, "definition": assessment, "manifest": man}]
        out.append((build_site(a, site, tmp / "work", bundle), a))
    return tmp, site, bundle, out


def test_versions_and_index(two_versions):
    _, site, _, out = two_versions
    v1, v2 = out[0][0]["version"], out[1][0]["version"]
    data = json.loads((site / "versions.json").read_text())
    assert [d["version"] for d in data] == [v2, v1] and data[0]["aliases"] == ["latest"]
    assert f"url={v2}/" in (site / "index.html").read_text()
    assert not list(site.glob(".build-*"))


def test_offline_and_not_in_nav(two_versions):
    _, site, _, out = two_versions
    v = site / out[1][0]["version"]
    assert check_offline(v) == []
    # our own sitemap (mkdocs' has dates): every page once, for the version selector
    sitemap = (v / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]*)</loc>", sitemap)
    pages = sorted(p.parent.relative_to(v).as_posix() for p in v.rglob("index.html"))
    assert len(locs) == len(set(locs)) == len(pages)
    prefix = f"http://localhost/{v.name}/"
    assert prefix in locs and f"{prefix}math4-2021/" in locs
    assert all(loc.startswith(prefix) for loc in locs)
    assert {loc.removeprefix(prefix).rstrip("/") for loc in locs} == {
        "" if p == "." else p for p in pages
    }
    html = (v / "math4-2021" / "index.html").read_text()
    assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
    assert "/oo/" not in html.split('class="md-content"')[0]  # school pages not in the nav


def test_the_nav_lists_every_municipality_and_the_region(two_versions):
    """Every page is <folder>/index.md: with Material's navigation.indexes the first municipality
    became the section's own link and left the list (an audit missed municipality 01)."""
    import re

    _, site, _, out = two_versions
    v = site / out[1][0]["version"] / "math4-2021"
    muns = sorted(p.parent.name for p in (v / "mo").glob("*/index.html"))
    assert len(muns) >= 2
    html = (v / "mo" / muns[-1] / "index.html").read_text(encoding="utf-8")
    nav = html.split('class="md-content"')[0]
    entries = re.findall(
        r'<a href="([^"]*)" class="md-nav__link[^"]*"[^>]*>\s*<span class="md-ellipsis">\s*([^<]*?)\s*<',
        nav,
    )
    # each municipality is an entry of its own (not only the section's title linking to it)
    listed = {m.group(1) for href, text in entries if text != "Муниципалитеты"
              for m in [re.fullmatch(r"\.\./([^/]+)/", href)] if m} | {muns[-1]}  # fmt: skip
    assert set(muns) <= listed, set(muns) - listed
    assert ("../../", "Регион") in entries


def test_the_404_page_is_in_russian(two_versions):
    _, site, _, out = two_versions
    html = (site / out[1][0]["version"] / "404.html").read_text(encoding="utf-8")
    assert "<h1>404 — страница не найдена</h1>" in html and "Not found" not in html


def test_rebuild_with_nothing_changed_is_a_no_op(two_versions):
    tmp, site, bundle, out = two_versions
    result, a = out[1]
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*")}
    again = build_site(a, site, tmp / "work", bundle)
    assert again == {**result, "built": False}
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*")} == before


def test_same_inputs_give_byte_identical_version(two_versions, tmp_path):
    tmp, site, bundle, out = two_versions
    result, a = out[0]
    other = tmp_path / "site"
    build_site(a, other, tmp_path / "work", bundle)
    v = result["version"]

    def files(root):
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}  # noqa: E731

    assert files(other / v) == files(site / v)


def test_split_schools_balances_shard_0s_other_pages(tmp_path):
    """Hand-counted: 10 other pages cost 1.5 × 10 + 20 = 35 school pages, so of 165 schools in
    2 builds shard 0 takes (165 + 35) / 2 − 35 = 65; in 3 builds (200 / 3 − 35 = 31.7) 31, and
    the other two 67 each; in 6 builds shard 0 takes none (200 / 6 < 35)."""
    from scripts.site.shards import docs_index, split_schools

    docs = tmp_path / "docs"
    for i in range(9):
        (docs / "a" / "mo" / str(i)).mkdir(parents=True)
        (docs / "a" / "mo" / str(i) / "index.md").write_text("x")
    (docs / "index.md").write_text("x")
    for i in range(165):
        (docs / "a" / "oo" / f"{i:03}").mkdir(parents=True)
        (docs / "a" / "oo" / f"{i:03}" / "index.md").write_text("x")
        (docs / "a" / "oo" / f"{i:03}" / "page.md").write_text("x")  # not another page
    schools = [f"a/oo/{i:03}" for i in range(165)]
    index = docs_index(docs)
    assert (index["schools"], index["others"]) == (schools, 10)
    assert split_schools(index, 1) == [schools]
    assert split_schools(index, 2) == [schools[:65], schools[65:]]
    assert [len(p) for p in split_schools(index, 3)] == [31, 67, 67]
    six = split_schools(index, 6)
    assert six[0] == [] and [len(p) for p in six[1:]] == [33] * 5 and sum(six, []) == schools


def test_shards_assemble_into_the_whole_build(two_versions, tmp_path, monkeypatch):
    """4 shards (shard 0 with schools too), assembled, == one `mkdocs build` of the whole project:
    every page byte for byte, the search index the same entries; each school written by one
    shard."""
    import subprocess
    import sys

    from scripts.site import shards
    from scripts.site.build import finish, prepare
    from scripts.site.shards import build_shard

    monkeypatch.setattr(shards, "SHARD0_EXTRA", 0)  # the fixture's few schools: some in shard 0
    monkeypatch.setattr(shards, "OTHER_PAGE_COST", 0)
    tmp, _, bundle, out = two_versions
    _, a = out[0]
    work = tmp_path / "work"
    plan = prepare(a, tmp_path / "site", work, bundle)
    dirs = [tmp_path / "shards" / str(k) for k in range(4)]
    for k, d in enumerate(dirs):
        build_shard(work, k, 4, d)
    schools = [sorted(p.parent.name for p in d.glob("*/oo/*/index.html")) for d in dirs]
    assert all(schools)
    assert sorted(sum(schools, [])) == sorted(set(sum(schools, [])))  # no school twice
    assert list(dirs[0].glob("*/mo/*/index.html"))
    assert not list(dirs[1].glob("*/mo/*/index.html"))  # a school shard writes only schools
    finish(work, dirs, tmp_path / "site")
    whole = tmp_path / "whole"
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(plan["epoch"]), "SITE_SHARD": ""}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "--strict", "-f",
                    str(work / "mkdocs.yml"), "-d", str(whole)], env=env, check=True)  # fmt: skip

    def files(root):
        skip = {"search/search_index.json", "sitemap.xml", "sitemap.xml.gz", ".site-version"}
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
                if p.is_file() and str(p.relative_to(root)) not in skip}  # fmt: skip

    built = tmp_path / "site" / plan["version"]
    assert sorted(sum(schools, [])) == sorted(
        p.parent.name for p in whole.glob("*/oo/*/index.html")
    )
    assert files(built) == files(whole)

    def entries(root):
        index = json.loads((root / "search" / "search_index.json").read_text())
        return index["config"], sorted(json.dumps(d, sort_keys=True) for d in index["docs"])

    assert entries(built) == entries(whole)
    # one build of everything (shard 0 owns every school) assembles to the same bytes, search
    # index included: the site does not depend on the number of shards
    one = tmp_path / "one"
    build_shard(work, 0, 1, one)
    finish(work, [one], tmp_path / "site-one")
    assert files(tmp_path / "site-one" / plan["version"]) == files(built)
    index = "search/search_index.json"
    assert (tmp_path / "site-one" / plan["version"] / index).read_bytes() == (
        built / index
    ).read_bytes()


def _built_with_cache(two_versions, tmp_path: Path, shards: int):
    """The first version's project, every shard built once with a cache: (work, cache, dirs)."""
    from scripts.site.build import prepare
    from scripts.site.shards import build_shard

    tmp, _, bundle, out = two_versions
    work, cache = tmp_path / "work", tmp_path / "cache"
    prepare(out[0][1], tmp_path / "site", work, bundle)
    dirs = [tmp_path / "shards" / str(k) for k in range(shards)]
    assert [build_shard(work, k, shards, d, cache=cache) for k, d in enumerate(dirs)] == [
        True
    ] * shards
    return work, cache, dirs


def test_unchanged_shards_are_reused_from_the_cache(two_versions, tmp_path):
    """With a cache, a second build after one school page changed rebuilds that school's shard
    only; the assembled site equals a build without the cache."""
    from scripts.site.shards import build_shard

    work, cache, dirs = _built_with_cache(two_versions, tmp_path, 4)
    # the theme's templates compiled once for the next builds (which must give the same bytes)
    assert len(list((cache / "jinja").glob("*/__jinja2_*.cache"))) > 10
    page = sorted((work / "docs").glob("*/oo/*/index.md"))[-1]  # in the last shard
    _rewrite(page, "## Классы", "## Классы\n\nИзменено.")
    assert [build_shard(work, k, 4, d, cache=cache) for k, d in enumerate(dirs)] == [
        False,
        False,
        False,
        True,
    ]
    assert "Изменено." in next(dirs[3].glob(f"*/oo/{page.parent.name}/index.html")).read_text()
    _assert_same_as_without_cache(work, dirs, tmp_path)


def test_a_shard_killed_mid_build_leaves_nothing_that_stops_the_next(two_versions, tmp_path):
    """An audit: `kill -9` during a shard's mkdocs left `build/site-shards/0.raw` (its `finally`
    never ran), and the next run stopped with FileExistsError. The leftover is cleared."""
    from scripts.site.shards import build_shard

    work, cache, dirs = _built_with_cache(two_versions, tmp_path, 4)
    page = sorted((work / "docs").glob("*/oo/*/index.md"))[-1]  # in the last shard
    _rewrite(page, "## Классы", "## Классы\n\nИзменено после сбоя.")
    stale = dirs[3].with_name(f"{dirs[3].name}.raw")
    (stale / "left").mkdir(parents=True)
    assert build_shard(work, 3, 4, dirs[3], cache=cache) is True
    assert not stale.exists()
    assert (
        "Изменено после сбоя."
        in next(dirs[3].glob(f"*/oo/{page.parent.name}/index.html")).read_text()
    )


def _assert_same_as_without_cache(work: Path, dirs: list[Path], tmp_path: Path) -> None:
    """The shards in `dirs` (built with a cache), assembled, equal the same shards built without
    one, byte for byte (every page, file and the search index)."""
    from scripts.site.build import finish
    from scripts.site.shards import build_shard

    finish(work, dirs, tmp_path / "site")
    plain = [tmp_path / "plain" / str(k) for k in range(len(dirs))]
    for k, d in enumerate(plain):
        build_shard(work, k, len(dirs), d)
    finish(work, plain, tmp_path / "site2")
    v = json.loads((work / "plan.json").read_text())["version"]

    def files(root):
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert files(tmp_path / "site" / v) == files(tmp_path / "site2" / v)


def _rewrite(page: Path, old: str, new: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.unlink()  # a hard link into the pages' output: never write through it
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_page_cache_puts_new_blocks_into_kept_pages(two_versions, tmp_path):
    """A corrected workbook changes the region's figures: every school page's tables (its
    deferred blocks) change, its text does not. The second build runs no mkdocs for a shard whose
    pages' text is unchanged, only for the shard of the one page whose text changed, and the site
    equals a build without the cache, byte for byte (search index included)."""
    from scripts.site.shards import build_shard, docs_index, shard_key, shard_tree, split_schools

    work, cache, dirs = _built_with_cache(two_versions, tmp_path, 3)
    for k, own in enumerate(split_schools(docs_index(work / "docs"), 3)):
        # the URLs the cache checks links against are those mkdocs knew
        tree = shard_tree(work, k, own, tmp_path / f"tree{k}")
        known = set(json.loads((cache / str(k) / "pages.json").read_text())["urls"])
        assert shard_key(work, tree, k, own, 0)[2] <= known
    schools = sorted((work / "docs").glob("*/oo/*/index.md"))
    marker = "<!--@deferred-html-->\n<!--@html 0-->\n"
    for page in schools:  # every school's first block changes
        _rewrite(page, marker, marker + '<p class="fix">Исправлено</p>')
    mo = sorted((work / "docs").glob("*/mo/*/index.md"))[0]
    _rewrite(mo, "\n## ", "\nТекст изменён.\n\n## ")  # one page of shard 0: its text
    assert [build_shard(work, k, 3, d, cache=cache) for k, d in enumerate(dirs)] == [
        True,
        False,
        False,
    ]
    for page in schools:
        html = next(dirs[1 + (page in schools[len(schools) // 2 :])].glob(
            f"*/oo/{page.parent.name}/index.html"
        )).read_text()  # fmt: skip
        assert '<p class="fix">Исправлено</p>' in html and "<!--@html" not in html
    assert "Текст изменён." in next(dirs[0].glob(f"*/mo/{mo.parent.name}/index.html")).read_text()
    _assert_same_as_without_cache(work, dirs, tmp_path)
    # the kept output and pages were moved into the shard's build and back: the cache is whole
    assert (cache / "1" / "out").is_dir() and (cache / "1" / "raw").is_dir()
    assert build_shard(work, 1, 3, dirs[1], cache=cache) is False
    # a new file in a school's folder re-renders that school's shard (its page's key changed)
    extra = schools[-1].parent / "extra.json"
    extra.write_text("{}", encoding="utf-8")
    assert build_shard(work, 2, 3, dirs[2], cache=cache) is True
    assert (dirs[2] / extra.relative_to(work / "docs")).read_text() == "{}"
    # a cache that lost a kept page's HTML renders that page again (and keeps it anew)
    lost = next((cache / "2" / "raw").rglob("index.html"))
    lost.unlink()
    assert build_shard(work, 2, 3, dirs[2], cache=cache) is True
    assert (cache / "2" / "raw" / lost.relative_to(cache / "2" / "raw")).is_file()
    # a link in a kept page's block to a page that does not exist fails, as in mkdocs --strict
    _rewrite(schools[0], marker, marker + '<a href="../нет/">x</a>')
    with pytest.raises(StageError, match="нет/"):
        build_shard(work, 1, 3, dirs[1], cache=cache)
    # the failed build had moved the kept output away: the next one renders the shard whole
    _rewrite(schools[0], '<a href="../нет/">x</a>', "")
    assert build_shard(work, 1, 3, dirs[1], cache=cache) is True
    assert build_shard(work, 1, 3, dirs[1], cache=cache) is False


def test_changes_page_and_diff_cli(two_versions, capsys):
    _, site, _, out = two_versions
    v1, v2 = out[0][0]["version"], out[1][0]["version"]
    first = (site / v1 / "math4-2021" / "changes" / "index.html").read_text()
    assert "первая версия" in first
    page = (site / v2 / "math4-2021" / "changes" / "index.html").read_text()
    assert f"Сравнение с версией {v1}" in page and "Показатели" in page
    assert diff.main(["--site", str(site)]) == 0
    text = capsys.readouterr().out
    assert f"{v1} → {v2}" in text and "Изменившиеся показатели" in text
    # `latest` is its version, not the redirect folder site/latest/ (an audit: «first version»)
    assert diff.main(["--site", str(site), "--from", v1, "--to", "latest"]) == 0
    assert capsys.readouterr().out == text


def test_failed_build_leaves_site_untouched(two_versions, tmp_path, assessment):
    tmp, site, bundle, out = two_versions
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*")}
    docs = tmp_path / "docs"
    shutil.copytree(out[1][1][0]["docs"], docs)
    (docs / "index.md").write_text(
        "[broken](nowhere.md)\n"
    )  # --strict turns the warning into a failure
    a = [{**out[1][1][0], "docs": docs, "manifest": {"version": "333333333333"}}]
    with pytest.raises(Exception, match="mkdocs"):
        build_site(a, site, tmp_path / "work", bundle)
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*")} == before
    # the first build of all fails: no site/ is left behind (an audit found an empty one)
    with pytest.raises(Exception, match="mkdocs"):
        build_site(a, tmp_path / "first-site", tmp_path / "work", bundle)
    assert not (tmp_path / "first-site").exists()


def test_where(two_versions, capsys):
    from scripts.site import where

    _, site, _, out = two_versions
    assert where.main(str(site)) == 0
    assert out[1][0]["version"] in capsys.readouterr().out


def test_diff_first_version():
    assert diff.compare(None, Path("."))["first"]


@pytest.mark.parametrize(
    ("err", "text"),
    [(errno.EROFS, "только для чтения"), (errno.ENOSPC, "нет места на диске")],
)
def test_write_error_in_site_is_one_russian_line(two_versions, tmp_path, monkeypatch, err, text):
    """The move into site/ fails (read-only, full disk): one line, site/ as it was, nothing left."""
    from scripts.common.entry import StageError
    from scripts.site import build

    tmp, site, bundle, out = two_versions
    before = {p: p.read_bytes() if p.is_file() else None for p in site.rglob("*")}
    a = [{**out[1][1][0], "manifest": {"version": "444444444444"}}]

    def fail(src, dst):
        raise OSError(err, os.strerror(err), str(dst))

    monkeypatch.setattr(build.os, "rename", fail)
    with pytest.raises(StageError) as exc:
        build_site(a, site, tmp_path / "work", bundle)
    message = str(exc.value)
    assert "\n" not in message and text in message and "прежняя версия сайта не тронута" in message
    assert {p: p.read_bytes() if p.is_file() else None for p in site.rglob("*")} == before
    assert not list(tmp_path.glob("site-build-*"))


@pytest.mark.parametrize("failing", ["site", "latest"])
def test_failed_publish_takes_the_new_version_out(two_versions, tmp_path, monkeypatch, failing):
    """versions.json written, index.html (or latest/index.html after it) fails (disk full):
    every file restored, the new folder removed."""
    from scripts.common.entry import StageError
    from scripts.site import versions

    tmp, site, bundle, out = two_versions
    before = {
        p: (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file() else None for p in site.rglob("*")
    }
    a = [{**out[1][1][0], "manifest": {"version": "555555555555"}}]
    real = versions.write_if_changed

    def write(path, text):
        if path.name == "index.html" and path.parent.name == failing:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, text)

    monkeypatch.setattr(versions, "write_if_changed", write)
    with pytest.raises(StageError, match="нет места на диске"):
        build_site(a, site, tmp_path / "work", bundle)
    # bytes and times as they were (an audit saw the restored files' times change)
    after = {
        p: (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file() else None for p in site.rglob("*")
    }
    assert after == before


def test_many_municipalities_are_grouped_in_the_nav():
    """Up to 60 municipalities: one flat list; beyond, groups of ⌈√n⌉ in code order, each
    municipality once, so a page's nav holds ≈ 2√n entries, not n."""
    from scripts.site.build import _municipality_nav

    few = [f"{i:02d}" for i in range(1, 61)]
    assert _municipality_nav("a", few) == [f"a/mo/{m}/index.md" for m in few]
    many = [f"{i:04d}" for i in range(2300)]
    groups = _municipality_nav("a", many)
    assert len(groups) == 48  # ⌈√2300⌉ = 48 per group
    assert list(groups[0]) == ["0000 – 0047"] and list(groups[-1]) == ["2256 – 2299"]
    flat = [p for g in groups for p in next(iter(g.values()))]
    assert flat == [f"a/mo/{m}/index.md" for m in many]
    assert max(len(next(iter(g.values()))) for g in groups) == 48


def test_diff_names_statuses_rules_and_columns_in_russian(tmp_path):
    """SPEC §1: what a reader sees of the changes is Russian — statuses, rule ids, column names."""
    from scripts.common.csvio import write_csv

    cols = ["municipality_code", "municipality", "school_code", "school_name", "status",
            "below_basic_pct", "risk", "risk_reasons", "objectivity_checked", "objectivity_flags",
            "suppressed"]  # fmt: skip
    before = {"municipality_code": "01", "municipality": "М", "school_code": "010001",
              "school_name": "Школа", "status": "accepted", "below_basic_pct": "30.0", "risk": "1",
              "risk_reasons": "below_basic_pct", "objectivity_checked": "1",
              "objectivity_flags": "identical_answers;threshold_peak", "suppressed": ""}  # fmt: skip
    after = {**before, "status": "rejected", "below_basic_pct": "10.0", "risk": "0",
             "risk_reasons": "", "objectivity_flags": ""}  # fmt: skip
    for name, row in (("old", before), ("new", after)):
        (tmp_path / name).mkdir()
        write_csv(tmp_path / name / "schools.csv", [row], cols)
    rep = diff.compare(tmp_path / "old", tmp_path / "new")
    assert rep["schools"] == [{"code": "010001", "name": "Школа", "what": (
        "статус: принята → отклонена; зона риска: да → нет; основания риска: доля участников ниже "
        "базового уровня, % → —; признаки необъективности: много участников с одинаковым набором "
        "баллов по заданиям, необычно много участников ровно на пороге базового уровня → —")}]  # fmt: skip
    text = diff.render_text(rep)
    assert "    ниже базового уровня, %: 30,0 → 10,0" in text  # decimal comma, as on the page
    assert "below_basic" not in text and "accepted" not in text
    page = diff.render_md(rep, "v1")
    assert "| ниже базового уровня, % | 30,0 | 10,0 |" in page


def _naive_numbers(old, new):
    """The changed numbers of tasks.csv by parsing every row of both versions (csv.DictReader; the
    key and text columns written out here, not taken from diff) — what diff.compare finds by
    parsing only the lines that differ."""
    import csv as csv_mod

    keys, text = ("scope", "code", "task"), {"scope", "code", "task"}

    def rows(folder):
        with open(folder / "tasks.csv", encoding="utf-8", newline="") as fh:
            return {tuple(r[k] for k in keys): r for r in csv_mod.DictReader(fh)}

    o_rows, n_rows = rows(old), rows(new)
    out = []
    for i, k in enumerate([*n_rows, *(k for k in o_rows if k not in n_rows)]):
        o, n = o_rows.get(k, {}), n_rows.get(k, {})
        for col in dict.fromkeys([*(n or o)]):
            if col not in text and o.get(col, "") != n.get(col, ""):
                out.append((0, i, col, o.get(col, ""), n.get(col, "")))
    return out


@pytest.mark.parametrize("quoted", [False, True])
def test_diff_parses_only_changed_lines_with_the_same_result(tmp_path, quoted):
    """A country's comparison reads 1.5 M lines: diff parses only the lines that differ. Its
    changed numbers must be those of a full parse — for edited, added, removed and reordered rows,
    and when a quoted cell spans lines (then it parses everything)."""
    import random

    from scripts.common.csvio import write_csv

    rnd = random.Random(7)
    cols = ["scope", "code", "task", "completion_pct", "students"]
    base = [{"scope": "school", "code": f"{s:04d}", "task": str(t), "students": str(rnd.randint(1, 30)),
             "completion_pct": f"{rnd.uniform(0, 100):.1f}"} for s in range(60) for t in range(1, 6)]  # fmt: skip
    if quoted:
        base[3]["code"] = "00\n03"  # a line break inside a quoted cell
    changed = [dict(r) for r in base]
    for r in rnd.sample(changed, 25):
        r["completion_pct"] = f"{rnd.uniform(0, 100):.1f}"
    del changed[10:14]  # removed rows
    changed.append(
        {"scope": "region", "code": "", "task": "1", "students": "9", "completion_pct": "5.0"}
    )
    changed[20], changed[40] = changed[40], changed[20]  # reordered
    for name, rows in (("old", base), ("new", changed)):
        (tmp_path / name).mkdir()
        write_csv(tmp_path / name / "tasks.csv", rows, cols)
    rep = diff.compare(tmp_path / "old", tmp_path / "new")
    got = [(n["column"], n["old"], n["new"]) for n in rep["numbers"]]
    naive = _naive_numbers(tmp_path / "old", tmp_path / "new")
    assert len(naive) > 25
    # the same changes, in the report's order (its group sort, then the naive file order)
    assert sorted(got) == sorted((c, o, n) for _t, _i, c, o, n in naive)
    by_group = {}
    for n in rep["numbers"]:
        by_group.setdefault(n["who"], []).append((n["row"], n["column"], n["old"], n["new"]))
    school = by_group["ОО 0005"]
    assert school == sorted(school, key=lambda x: int(x[0].split()[-1]))


def test_diff_of_a_version_that_is_the_latest_again(two_versions, tmp_path, capsys):
    """Inputs changed back: the earlier version becomes the latest again (no new version, SPEC
    §8). Its changes page was made when it was built (the first version: nothing to compare), so
    `make diff` compares as that page does and says how to compare with the version listed
    after it."""
    _, site, _, out = two_versions
    v1, v2 = out[0][0]["version"], out[1][0]["version"]
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    listed = json.loads((copy / "versions.json").read_text())
    (copy / "versions.json").write_text(json.dumps(listed[::-1]), encoding="utf-8")  # v1 on top
    assert diff.main(["--site", str(copy)]) == 0
    text = capsys.readouterr().out
    assert f"Версия {v1} снова последняя" in text and f"make diff FROM={v2} TO={v1}" in text
    assert f"— → {v1}" in text and "Первая версия: сравнивать не с чем." in text
    assert "первая версия" in (copy / v1 / "math4-2021" / "changes" / "index.html").read_text()
    assert diff.main(["--site", str(copy), "--from", v2]) == 0  # as asked: v2 → v1
    assert f"{v2} → {v1}" in capsys.readouterr().out
    # a third version on top: v1, now below it, is not «the latest again» (an audit: `make diff
    # TO=<older>` said so of a version that never came back)
    v3 = "333333333333"
    shutil.copytree(copy / v2, copy / v3)
    third = {"version": v3, "title": "Версия 3", "aliases": ["latest"]}
    older = [{**v, "aliases": []} for v in listed[::-1]]  # v1, v2
    (copy / "versions.json").write_text(json.dumps([third, *older]), encoding="utf-8")
    assert diff.main(["--site", str(copy), "--to", v1]) == 0
    text = capsys.readouterr().out
    assert "снова последняя" not in text
    assert f"Версия {v1} собрана не после следующей в списке версий." in text


def test_diff_takes_version_ids_not_paths(two_versions, capsys):
    """An audit: `make diff FROM=/etc` compared /etc; `TO=latest/` printed nothing. Only a
    version id (or an alias) names a version: else one Russian line and exit code 1."""
    _, site, _, out = two_versions
    v1 = out[0][0]["version"]
    for bad in ("/etc", ".", "../site", f"{v1}/math4-2021", "latest/"):
        assert diff.main(["--site", str(site), "--from", bad, "--to", v1]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"Ошибка: «{bad}» — не номер версии") and err.count("\n") == 1
    assert diff.main(["--site", str(site), "--to", "latest"]) == 0


def test_check_offline_finds_every_outside_reference(tmp_path):
    """The site makes no request outside its own server: any src/href/url() to another host in
    the built HTML or CSS is reported (file and reference); localhost and relative links pass."""
    (tmp_path / "a" / "б").mkdir(parents=True)
    (tmp_path / "a" / "б" / "index.html").write_text(
        '<p>Школа</p><script src="https://cdn.example.org/x.js"></script>'
        '<a href="../index.html">назад</a><a href="http://localhost:8000/">локально</a>'
        "<img src=//img.example.net/p.png>",
        encoding="utf-8",
    )
    (tmp_path / "style.css").write_text("body{background:url(//fonts.example.com/f.woff)}")
    (tmp_path / "data.json").write_text('{"src": "https://elsewhere.example/"}')  # not HTML/CSS
    assert check_offline(tmp_path) == [
        'a/б/index.html: src="https://cdn.example.org/x.js',
        "a/б/index.html: src=//img.example.net/p.png",
        "style.css: url(//fonts.example.com/f.woff",
    ]


def test_diff_shows_names_as_typed_not_as_neutralised_in_downloads(tmp_path):
    """The changes report reads the downloads, where a name a spreadsheet could take for a formula
    got a leading «'» (SPEC §7); the report shows the name as it is (a site audit found «'-@x»)."""
    from scripts.common.csvio import write_csv
    from scripts.site.escape import csv_cell

    cols = ["municipality_code", "municipality", "school_code", "school_name", "status"]
    name = "-@x <b>Школа</b>"
    row = {"municipality_code": "01", "municipality": "=М", "school_code": "010001",
           "school_name": csv_cell(name), "status": "accepted"}  # fmt: skip
    assert row["school_name"] == "'" + name
    for folder, status in (("old", "accepted"), ("new", "rejected")):
        (tmp_path / folder).mkdir()
        write_csv(tmp_path / folder / "schools.csv", [{**row, "status": status}], cols)
    rep = diff.compare(tmp_path / "old", tmp_path / "new")
    assert [s["name"] for s in rep["schools"]] == [name]
    page = diff.render_md(rep, "v1")
    assert "- 010001 &#45;&#64;x" in page and "<b>Школа</b>" not in page  # escaped, no «'»


def test_diff_reports_the_figures_behind_reasons(tmp_path):
    """A sign's threshold moves with the region's figures (the school itself unchanged): the
    report lists it, in Russian words (an audit found reasons.csv left out of the comparison)."""
    from scripts.common.csvio import write_csv

    cols = ["scope", "code", "kind", "rule", "value", "threshold", "comparison", "value2",
            "threshold2", "comparison2"]  # fmt: skip
    peak = {"scope": "school", "code": "030004", "kind": "objectivity", "rule": "threshold_peak",
            "value": "33.3", "threshold": "20.0", "comparison": ">=", "value2": "33.3",
            "threshold2": "5.90", "comparison2": ">="}  # fmt: skip
    for folder, threshold2 in (("old", "5.90"), ("new", "5.91")):
        (tmp_path / folder).mkdir()
        write_csv(tmp_path / folder / "reasons.csv", [{**peak, "threshold2": threshold2}], cols)
    rep = diff.compare(tmp_path / "old", tmp_path / "new")
    assert [(n["who"], n["column"], n["old"], n["new"]) for n in rep["numbers"]] == [
        ("ОО 030004", "threshold2", "5.90", "5.91")
    ]
    assert rep["numbers"][0]["row"].startswith("основание: ")
    assert "threshold_peak" not in rep["numbers"][0]["row"]
    page = diff.render_md(rep, "v1", "v2")
    assert "| порог второго условия | 5,90 | 5,91 |" in page


def test_changes_page_says_when_a_list_is_cut(tmp_path):
    """Each list of the changes page shows at most LIMIT items and then says how many there are and
    the command that prints them all for exactly these two versions."""
    from scripts.common.csvio import write_csv

    n = diff.LIMIT + 5
    for folder, rows in (("old", []), ("new", [{"path": f"raw/x/f{i:03}.xlsx", "sha256": "a"}
                                                 for i in range(n)])):  # fmt: skip
        (tmp_path / folder).mkdir()
        write_csv(tmp_path / folder / "inputs.csv", rows, ["path", "sha256"])
    page = diff.render_md(diff.compare(tmp_path / "old", tmp_path / "new"), "0a1b", "2c3d")
    assert page.count("- raw/x/f") == diff.LIMIT
    assert f"первые {diff.LIMIT} из {n}; полный список: `make diff FROM=0a1b TO=2c3d`" in page
    odd = diff.render_md(diff.compare(tmp_path / "old", tmp_path / "new"), "v=1", "2c3d")
    assert "полный список: `make diff`" in odd  # an id that is not ours is not put in a command


def test_a_failed_write_of_versions_json_leaves_no_temporary_file(tmp_path, monkeypatch):
    """SPEC §8: a failed build leaves site/ exactly as it was — also the write's own temporary
    file (an audit found site/.index.html.tmp after a failed rename)."""
    from scripts.site import versions

    target = tmp_path / "versions.json"
    target.write_text("[]", encoding="utf-8")

    def fail(self, _dst):
        raise OSError(errno.EROFS, "read-only")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(OSError):
        versions.write_if_changed(target, '[{"version": "v1"}]')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["versions.json"]
    assert target.read_text(encoding="utf-8") == "[]"


def test_serve_on_a_busy_port_is_one_russian_line(tmp_path, capsys):
    """SPEC §10: an error is one clear line, not a traceback (an audit found `make serve` on a port
    in use ending in OSError: Address already in use)."""
    from scripts.site import serve

    (tmp_path / "index.html").write_text("<html></html>", encoding="utf-8")
    busy = serve.make_server(tmp_path, 0)  # any free port, now taken
    try:
        port = busy.server_address[1]
        assert serve.main(["--port", str(port), "--dir", str(tmp_path)]) == 1
    finally:
        busy.server_close()
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith(f"Ошибка: не удалось открыть порт {port} (он уже занят")
    assert f"make serve PORT={port + 1}" in err


def test_changes_name_first_the_groups_whose_own_figures_changed(tmp_path):
    """One corrected workbook changes the region's figures and so every school's comparison with
    the region: the report names the groups whose own figures changed (an audit found the one real
    change buried under 14 000 comparison lines)."""
    from scripts.common.csvio import write_csv

    cols = ["scope", "code", "task", "completion_pct", "region_pct", "diff_region_pp"]
    old = [
        {"scope": "region", "code": "", "task": "1", "completion_pct": "50.0", "region_pct": "",
         "diff_region_pp": ""},
        {"scope": "school", "code": "0101", "task": "1", "completion_pct": "40.0",
         "region_pct": "50.0", "diff_region_pp": "-10.0"},
        {"scope": "school", "code": "0102", "task": "1", "completion_pct": "60.0",
         "region_pct": "50.0", "diff_region_pp": "10.0"},
    ]  # fmt: skip
    new = [dict(r) for r in old]
    new[0]["completion_pct"] = "52.0"  # 0101 corrected: its own figure and the region's
    new[1].update(completion_pct="44.0", region_pct="52.0", diff_region_pp="-8.0")
    new[2].update(region_pct="52.0", diff_region_pp="8.0")  # 0102: only the comparison
    for folder, rows in (("old", old), ("new", new)):
        (tmp_path / folder).mkdir()
        write_csv(tmp_path / folder / "tasks.csv", rows, cols)
    rep = diff.compare(tmp_path / "old", tmp_path / "new")
    assert len(rep["numbers"]) == 6 and diff.own_changes(rep["numbers"]) == "Регион; ОО 0101"
    text = diff.render_text(rep)
    assert "  свои показатели изменились у: Регион; ОО 0101; у остальных групп — только" in text
    page = diff.render_md(rep, "0a1b", "2c3d")
    assert "Свои показатели изменились у: Регион; ОО 0101." in page


def _versions(tmp_path, old: dict, new: dict):
    """Two data folders from {table: rows}; every table's columns from its first row."""
    from scripts.common.csvio import write_csv

    for folder, tables in (("old", old), ("new", new)):
        (tmp_path / folder).mkdir()
        for name, rows in tables.items():
            write_csv(tmp_path / folder / f"{name}.csv", rows, list(rows[0]))
    return diff.compare(tmp_path / "old", tmp_path / "new")


def _school(code, participants, below, suppressed="", status="accepted"):
    shown = "" if suppressed else str(below)
    return {"municipality_code": "01", "municipality": "М", "school_code": code,
            "school_name": f"Школа {code}", "status": status, "participants": str(participants),
            "below_basic": shown, "suppressed": suppressed}  # fmt: skip


def _area(participants, below):
    return {"participants": str(participants), "below_basic": str(below)}


def test_changes_withhold_what_would_reveal_a_hidden_school(tmp_path):
    """SPEC §7: a hidden group cannot be worked out from its neighbours — also not from two
    versions: a 5-participant school (hidden) sends its workbook late; the municipality goes from
    20 participants / 5 below basic to 25 / 7, so old → new would be that school's 5 / 2 (an
    audit recovered such a school exactly from the changes page). The region and the municipality
    are named without numbers; the hidden school's new status is listed."""
    old = {"schools": [_school("010001", 20, 5), _school("010002", 0, 0, "primary", "missing")],
           "municipalities": [{"municipality_code": "01", "municipality": "М", **_area(20, 5)}],
           "region": [_area(20, 5)]}  # fmt: skip
    new = {"schools": [_school("010001", 20, 5), _school("010002", 5, 2, "primary")],
           "municipalities": [{"municipality_code": "01", "municipality": "М", **_area(25, 7)}],
           "region": [_area(25, 7)]}  # fmt: skip
    rep = _versions(tmp_path, old, new)
    assert [w["who"] for w in rep["withheld"]] == ["Регион", "МО 01"]
    assert rep["numbers"] == []  # a school hidden now: none of its figures, not even 0 → 5
    assert (
        rep["schools"][0]["code"] == "010002" and "нет файла → принята" in rep["schools"][0]["what"]
    )
    text, page = diff.render_text(rep), diff.render_md(rep, "0a1b", "2c3d")
    assert "Не сравниваются показатели групп: Регион; МО 01 «М». Изменились данные школы" in text
    assert "Не сравниваются показатели групп: Регион; МО 01 «М»." in page
    for report in (text, page):
        assert "20 → 25" not in report and "5 → 7" not in report and "| 20 | 25 |" not in report


def test_changes_withhold_a_hidden_schools_corrected_levels_seen_only_in_the_sums(tmp_path):
    """No file list and the hidden school's published row unchanged: a corrected workbook moved one
    of its pupils below basic. The municipality's count changed by 1, its schools' published
    counts by 0 — the difference is the hidden school's."""
    hidden = _school("010002", 5, 1, "primary")
    old = {"schools": [_school("010001", 20, 5), hidden],
           "municipalities": [{"municipality_code": "01", "municipality": "М", **_area(25, 6)}]}  # fmt: skip
    new = {"schools": [_school("010001", 20, 5), hidden],
           "municipalities": [{"municipality_code": "01", "municipality": "М", **_area(25, 7)}]}  # fmt: skip
    rep = _versions(tmp_path, old, new)
    assert [w["who"] for w in rep["withheld"]] == ["Регион", "МО 01"] and rep["numbers"] == []


def test_changes_withhold_a_municipality_whose_hidden_school_sent_a_new_file(tmp_path):
    """Only a task's completion changed (no count): the file list (inputs.csv names the school
    read in each file) says the changed workbook is a hidden school's."""
    schools = [_school("010001", 20, 5), _school("010002", 5, 1, "primary")]
    task = {"scope": "municipality", "code": "01", "task": "1", "completion_pct": "50.0"}
    inputs = {"path": "raw/a/submissions/010002.xlsx", "sha256": "aa", "bytes": "1",
              "school_code": "010002"}  # fmt: skip
    old = {"schools": schools, "tasks": [task], "inputs": [inputs]}
    new = {"schools": schools, "tasks": [{**task, "completion_pct": "51.0"}],
           "inputs": [{**inputs, "sha256": "bb"}]}  # fmt: skip
    rep = _versions(tmp_path, old, new)
    assert [w["who"] for w in rep["withheld"]] == ["Регион", "МО 01"] and rep["numbers"] == []
    assert rep["inputs"]["changed"] == ["raw/a/submissions/010002.xlsx"]


def test_changes_show_what_visible_schools_explain(tmp_path):
    """A visible school's correction: the municipality's change is that school's, published on
    both versions' pages — every number is listed, nothing withheld."""
    old = {"schools": [_school("010001", 20, 5), _school("010002", 5, 1, "primary")],
           "municipalities": [{"municipality_code": "01", "municipality": "М", **_area(25, 6)}]}  # fmt: skip
    new = {"schools": [_school("010001", 21, 7), _school("010002", 5, 1, "primary")],
           "municipalities": [{"municipality_code": "01", "municipality": "М", **_area(26, 8)}]}  # fmt: skip
    rep = _versions(tmp_path, old, new)
    assert rep["withheld"] == []
    assert [(n["who"], n["column"], n["old"], n["new"]) for n in rep["numbers"]] == [
        ("МО 01", "participants", "25", "26"), ("МО 01", "below_basic", "6", "8"),
        ("ОО 010001", "participants", "20", "21"), ("ОО 010001", "below_basic", "5", "7")]  # fmt: skip


def test_changes_do_not_repeat_the_earlier_figures_of_a_school_now_hidden(tmp_path):
    """A school shown before and hidden now (to protect a neighbour): its old figures beside the
    municipality's new ones would give the neighbour away — they are not repeated."""
    old = {"schools": [_school("010001", 9, 3), _school("010002", 0, 0, "primary", "missing")]}
    new = {"schools": [_school("010001", 9, 3, "secondary"), _school("010002", 5, 2, "primary")]}
    rep = _versions(tmp_path, old, new)
    assert all(n["who"] != "ОО 010001" for n in rep["numbers"])
    assert "скрыта: нет → да" in rep["schools"][0]["what"]


def test_changes_list_a_groups_participants_once_not_per_task(tmp_path):
    """An accepted file changed the municipality's participants: that was listed once per task and
    planned result as well (an audit: 1 669 lines for one file). Once, with the group's figures."""
    area = {"municipality_code": "01", "municipality": "М", "participants": "20"}
    task = {"scope": "municipality", "code": "01", "task": "1", "participants": "20",
            "completion_pct": "50.0"}  # fmt: skip
    result = {"scope": "municipality", "code": "01", "result": "1.1", "participants": "20",
              "completion_pct": "50.0"}  # fmt: skip
    school = {"municipality_code": "01", "school_code": "010001", "school_name": "Ш",
              "participants": "20", "suppressed": ""}  # fmt: skip
    old = {"schools": [school], "municipalities": [area], "tasks": [task],
           "planned_results": [result]}  # fmt: skip
    new = {"schools": [{**school, "participants": "21"}],
           "municipalities": [{**area, "participants": "21"}],
           "tasks": [{**task, "participants": "21", "completion_pct": "51.0"}],
           "planned_results": [{**result, "participants": "21"}]}  # fmt: skip
    rep = _versions(tmp_path, old, new)
    assert rep["withheld"] == []  # the municipality's change is its shown school's
    assert [(n["who"], n["row"], n["column"]) for n in rep["numbers"]] == [
        ("МО 01", "", "participants"), ("МО 01", "задание 1", "completion_pct"),
        ("ОО 010001", "", "participants")]  # fmt: skip


def test_a_moved_threshold_is_not_a_groups_own_change():
    """A sign's threshold is the region's figure (+ 15 pp): a school whose only changed line is that
    threshold was named among «свои показатели изменились у» (an audit)."""
    numbers = [
        {"who": "ОО 010064", "name": "", "row": "основание: x", "column": "threshold", "old": "60.1", "new": "60.2"},
        {"who": "ОО 010001", "name": "", "row": "", "column": "mean_score", "old": "11.0", "new": "11.5"},
    ]  # fmt: skip
    assert diff.own_changes(numbers) == "ОО 010001"


def test_a_shards_key_follows_the_other_pages_titles_from_the_docs_index(two_versions, tmp_path):
    """A shard k ≥ 1 no longer reads the other pages' front matter (their titles make its nav):
    site_project's docs_index gives their digest. A municipality page's new body keeps it, a new
    title changes it, and with it the key of every shard that shows the nav."""
    from scripts.site.shards import docs_index, shard_key, shard_tree, split_schools

    work, _cache, _dirs = _built_with_cache(two_versions, tmp_path, 3)
    plan = json.loads((work / "plan.json").read_text())
    index = docs_index(work / "docs")
    assert plan["docs"] == index  # made by site_project (prepare)
    own = split_schools(index, 3)[1]
    tree = shard_tree(work, 1, own, tmp_path / "tree1")
    key = shard_key(work, tree, 1, own, 0, index["titles"])[0]
    mo = sorted((work / "docs").glob("*/mo/*/index.md"))[0]
    _rewrite(mo, "\n## ", "\nТекст изменён.\n\n## ")
    assert docs_index(work / "docs")["titles"] == index["titles"]
    assert shard_key(work, tree, 1, own, 0, index["titles"])[0] == key
    text = mo.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: ")
    mo.write_text(text.replace("title: ", "title: Новое ", 1), encoding="utf-8")
    titles = docs_index(work / "docs")["titles"]
    assert titles != index["titles"]
    assert shard_key(work, tree, 1, own, 0, titles)[0] != key


def test_a_school_page_links_each_of_its_sections(two_versions):
    """School pages are outside the nav, so `toc.integrate` gives them no contents: «Разделы»
    under the summary links every «##» section by the id mkdocs gives its heading (Cyrillic ids
    from `toc: slugify`), and no link points at a missing id."""
    _, site, _, out = two_versions
    v = site / out[1][0]["version"]
    pages = sorted(v.glob("*/oo/*/index.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        body = text.split('<div class="md-content"', 1)[1]
        ids = set(re.findall(r'<h2 id="([^"]+)"', body))
        targets = re.findall(r'<a href="#([^"]+)">', body.split("Разделы:", 1)[1].split("</p>")[0])
        assert "уровни-достижения" in targets and "качество-данных" in targets
        assert sorted(targets) == sorted(ids), page


def test_a_groups_own_changes_come_before_the_comparisons():
    """An audit: after one corrected workbook the report listed every municipality's «region, %»
    before the corrected school, which was past the page's first 300 rows. Own figures first
    (region, municipalities, schools), then what changed only as a comparison — a reason's value
    of a school whose own figures did not change (its difference from the region) included."""
    reasons = next(t for t, table in enumerate(diff.TABLES) if table[0] == "reasons")
    tasks = next(t for t, table in enumerate(diff.TABLES) if table[0] == "tasks")

    def num(order, code, t, column, who):
        return ((order, code, t, 0, 0), {"who": who, "name": "", "row": "", "column": column,
                                         "old": "1", "new": "2"})  # fmt: skip

    numbers = diff._own_first([
        num(0, "", tasks, "completion_pct", "Регион"),
        num(1, "01", tasks, "region_pct", "МО 01"),
        num(1, "01", tasks, "diff_region_pp", "МО 01"),
        num(2, "0101", tasks, "completion_pct", "ОО 0101"),
        num(2, "0202", reasons, "value", "ОО 0202"),
        num(2, "0101", reasons, "value", "ОО 0101"),
    ])  # fmt: skip
    order = [(n["who"], n["column"], n["comparison"]) for n in numbers]
    assert order == [
        ("Регион", "completion_pct", False),
        ("ОО 0101", "completion_pct", False),
        ("ОО 0101", "value", False),  # its own figures changed: its reason's value is its own
        ("МО 01", "region_pct", True),
        ("МО 01", "diff_region_pp", True),
        ("ОО 0202", "value", True),
    ]
    report = {"first": False, "inputs": {"added": [], "removed": [], "changed": []},
              "schools": [], "municipalities": [], "numbers": numbers}  # fmt: skip
    page = str(diff.render_md(report, "a" * 12, "b" * 12))
    assert page.index("ОО 0101") < page.index("Только сравнения") < page.index("МО 01")
    text = diff.render_text(report)
    assert text.index("ОО 0101") < text.index("Только сравнения") < text.index("МО 01")


def test_a_school_added_to_the_registry_is_not_taken_for_a_hidden_one(tmp_path):
    """An audit: a school of 49 added to the registry (with its workbook) — its figures are not
    listed (it is «добавлена в реестр»), so its municipality's +49 looked like a hidden school's
    change and the region's and municipality's numbers were withheld. Its counts now offset the
    change; a school removed from the registry likewise. A hidden school added still withholds."""
    base = {"schools": [_school("010001", 20, 5)],
            "municipalities": [{"municipality_code": "01", "municipality": "М", **_area(20, 5)}],
            "region": [_area(20, 5)]}  # fmt: skip
    added = {"schools": [_school("010001", 20, 5), _school("010099", 49, 9)],
             "municipalities": [{"municipality_code": "01", "municipality": "М", **_area(69, 14)}],
             "region": [_area(69, 14)]}  # fmt: skip
    for sub in ("a", "r", "h"):
        (tmp_path / sub).mkdir()
    rep = _versions(tmp_path / "a", base, added)
    assert rep["withheld"] == []
    assert [s["what"] for s in rep["schools"]] == ["добавлена в реестр"]
    assert {(n["who"], n["column"], n["old"], n["new"]) for n in rep["numbers"]} == {
        ("Регион", "participants", "20", "69"), ("Регион", "below_basic", "5", "14"),
        ("МО 01", "participants", "20", "69"), ("МО 01", "below_basic", "5", "14"),
    }  # fmt: skip
    rep = _versions(tmp_path / "r", added, base)  # removed again
    assert rep["withheld"] == [] and len(rep["numbers"]) == 4
    hidden = {**added, "schools": [_school("010001", 20, 5), _school("010099", 4, 1, "primary")],
              "municipalities": [{"municipality_code": "01", "municipality": "М", **_area(24, 6)}],
              "region": [_area(24, 6)]}  # fmt: skip
    rep = _versions(tmp_path / "h", base, hidden)
    assert [w["who"] for w in rep["withheld"]] == ["Регион", "МО 01"] and rep["numbers"] == []


def test_a_withheld_classification_reads_not_published_in_the_changes(tmp_path):
    """An audit: «зона риска: нет → —» for a hidden school whose classification the new version
    withholds — «—» also means «not classified». It says «не публикуется»."""
    old = {"schools": [_school("010001", 4, 0, "primary") | {"risk": "0", "risk_withheld": ""}]}
    new = {"schools": [_school("010001", 4, 0, "primary") | {"risk": "", "risk_withheld": "1"}]}
    rep = _versions(tmp_path, old, new)
    assert [s["what"] for s in rep["schools"]] == ["зона риска: нет → не публикуется"]
