"""Assemble every assessment's pages into ONE mkdocs-material site version (SPEC §7, §8).

build_site():
1. version id from the assessments' manifest versions + the site code (versions.py); if
   site/<version>/ exists nothing is rebuilt and nothing in it is rewritten;
2. a mkdocs project in a work folder: a home page, each build/<id>/docs/ under docs/<id>/, the
   changes page of each assessment (diff against the previous version's published data), the
   vendored vega-embed bundle and assets, mkdocs.yml from site_templates/mkdocs.yml.j2;
3. `mkdocs build --strict` into build/site-build-<version>/ (aside: a killed build leaves nothing in site/),
   SOURCE_DATE_EPOCH from the assessments' dates; sitemap files (dates, no site_url) removed; a
   check that no HTML refers to another host; then one atomic rename to site/<version>/ (across
   file systems: copy to site/.build-<version>/, then rename);
4. versions.json, index.html, pruning to site.keep_versions.
A failure (or kill) before the rename leaves site/ as it was; a write error in site/ (read-only,
full disk) is one Russian line, and a version renamed in just before it is taken out again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import logging
import math
import os
import re
import shutil
from pathlib import Path

from scripts.common.entry import StageError
from scripts.common.numfmt import ru_date
from scripts.site import diff, versions
from scripts.site.escape import MdSafe, md_text
from scripts.site.shards import build_shard, docs_index, link_or_copy, merge_shards

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "site_templates"
log = logging.getLogger("stage")
BUILD_PREFIX = "site-build-"  # build/site-build-<version>/: the version being built
EXTERNAL = re.compile(
    r"""(?:src|href|action|content|url\()\s*=?\s*["']?(?:https?:)?//(?!(?:127\.0\.0\.1|localhost)[:/])[^"'\s>)]+"""
)
EXTERNAL_BYTES = re.compile(EXTERNAL.pattern.encode())


def source_date_epoch(definitions: dict[str, dict]) -> int:
    """Derived from the inputs (latest assessment date / reference date), never the wall clock."""
    dates = []
    for d in definitions.values():
        for key in ("reference_date", "date"):
            if d.get(key):
                dates.append(dt.date.fromisoformat(str(d[key])))
    day = max(dates) if dates else dt.date(2000, 1, 1)
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _nav(aid: str, definition: dict, docs: Path) -> dict:
    # Every page is <folder>/index.md; with Material's navigation.indexes the first page of a
    # section would become the section's own link and leave the list (an audit missed
    # г.о. Иваново, municipality 01, among the municipalities): so no indexes, and the region page
    # is the section's first entry by name.
    section: list = [{"Регион": f"{aid}/index.md"}]
    muns = sorted(p.parent.name for p in (docs / "mo").glob("*/index.md"))
    if muns:
        section.append({"Муниципалитеты": _municipality_nav(aid, muns)})
    for folder, title in (("tasks", "Задания"), ("risk", "Зона риска"), ("objectivity", "Объективность"),
                          ("validation", "Проверка данных"), ("changes", "Изменения"),
                          ("methodology", "Методика"), ("data", "Данные"), ("plan", "План")):  # fmt: skip
        if (docs / folder / "index.md").exists():
            section.append({title: f"{aid}/{folder}/index.md"})
    # The section title is config text: written to mkdocs.yml as JSON, escaped as page text.
    return {str(md_text(definition["title"])): section}


# Beyond this many municipalities the nav lists them in groups of ≈√n (by code), so that no page
# carries thousands of nav entries (a country: 2 300 MO → 48 groups of 48; with navigation.prune a
# page renders the groups and its own group's entries, ≈ 100 instead of 2 300).
NAV_GROUP_OVER = 60


def _municipality_nav(aid: str, muns: list[str]) -> list:
    paths = [f"{aid}/mo/{m}/index.md" for m in muns]
    if len(muns) <= NAV_GROUP_OVER:
        return paths
    size = math.isqrt(len(muns) - 1) + 1  # ⌈√n⌉
    return [
        {str(md_text(f"{muns[i]} – {muns[min(i + size, len(muns)) - 1]}")): paths[i : i + size]}
        for i in range(0, len(muns), size)
    ]


def check_offline(out: Path) -> list[str]:
    """Every reference in the built HTML/CSS to a host other than localhost (should be none).
    Bytes, not decoded text (at 10× 1.4 → 0.6 s: the Cyrillic pages decode to 2 bytes a char)."""
    found = []
    base = os.fspath(out)
    paths = sorted(
        os.path.join(folder, name)
        for folder, _dirs, names in os.walk(base)
        for name in names
        if name.endswith((".html", ".css"))
    )
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        for m in EXTERNAL_BYTES.finditer(data):
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            found.append(f"{rel}: {m.group(0)[:120].decode('utf-8', 'replace')}")
    return found


def assemble(
    work: Path,
    assessments: list[dict],
    bundle: Path,
    version: str,
    prev: str | None,
    site_dir: Path,
) -> Path:
    """The mkdocs project in `work`; returns its mkdocs.yml."""
    # Imported here: the `site` and `site_shard` jobs need none of the page machinery (0.15 s of
    # imports a job; jinja2, the report forms, the downloads).
    import jinja2

    from scripts.site.pages import render

    if work.exists():
        shutil.rmtree(work)
    docs = work / "docs"
    (docs / "assets").mkdir(parents=True)
    shutil.copyfile(bundle, docs / "assets" / "vega.js")
    for name in ("charts.js", "extra.css"):
        shutil.copyfile(TEMPLATES / "assets" / name, docs / "assets" / name)
    nav: list = [{"Главная": "index.md"}]
    home = []
    for a in assessments:
        aid, d = a["id"], a["definition"]
        _link_docs(Path(a["docs"]), docs / aid)
        old = site_dir / prev / aid / "data" if prev else None
        rep = diff.compare(old if old and old.exists() else None, docs / aid / "data")
        if rep.get("withheld"):
            log.warning(
                "Внимание (%s): версии %s и %s вместе позволяют вычислить данные скрытых школ — "
                "изменились показатели: %s. На странице «Изменения» их чисел нет, но обе версии "
                "остаются на сайте. Если сайт читают школы и муниципалитеты, оставьте на нём только "
                "последнюю версию: site.keep_versions: 1 в config/config.yaml",
                aid, prev, version, "; ".join(w["who"] for w in rep["withheld"]),
            )  # fmt: skip
        changes = docs / aid / "changes" / "index.md"
        changes.unlink(missing_ok=True)  # a link to build/<id>/docs: never write through it
        changes.write_text(
            render("changes.md.j2", a=d, report=diff.render_md(rep, prev, version)),
            encoding="utf-8",
        )
        nav.append(_nav(aid, d, docs / aid))
        home.append(
            {"title": d["title"], "date": ru_date(d["date"]), "link": MdSafe(f"{aid}/index.md")}
        )
    (docs / "index.md").write_text(
        render("home.md.j2", assessments=home, version=version), encoding="utf-8"
    )
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)  # fmt: skip
    cfg = env.get_template("mkdocs.yml.j2").render(
        site_name="Мониторинг планируемых результатов",
        nav=nav,
        not_in_nav=[f"/{a['id']}/oo/" for a in assessments],
    )
    (work / "mkdocs.yml").write_text(cfg, encoding="utf-8")
    if (TEMPLATES / "hooks.py").is_file():  # the mkdocs hook named in mkdocs.yml.j2
        shutil.copyfile(TEMPLATES / "hooks.py", work / "hooks.py")
    shutil.copytree(TEMPLATES / "overrides", work / "overrides")  # the theme's custom_dir
    return work / "mkdocs.yml"


def _link_docs(src: Path, dst: Path) -> None:
    """An assessment's pages in the project: a symbolic link to each of its top-level entries
    (mkdocs only reads them; hard-linking a country's 40 000 school folders one by one took
    ≈ 10 s, a region at 10× 0.7 s), but `changes/` a folder of its own, whose page this stage
    writes (never through a link into build/<id>/docs)."""
    dst.mkdir(parents=True)
    for entry in sorted(src.iterdir()):
        if entry.name == "changes" and entry.is_dir():
            shutil.copytree(entry, dst / entry.name, copy_function=link_or_copy)
        else:
            (dst / entry.name).symlink_to(entry.resolve())


def _fs_error(exc: OSError, site_dir: Path) -> StageError:
    """One Russian line for a file-system failure while writing site/ (read-only, full disk...)."""
    reason = {
        errno.EROFS: "файловая система только для чтения",
        errno.ENOSPC: "нет места на диске",
        errno.EDQUOT: "превышена квота диска",
        errno.EACCES: "нет прав на запись",
        errno.EPERM: "нет прав на запись",
    }.get(exc.errno, exc.strerror or exc.__class__.__name__)
    return StageError(
        f"не удалось записать сайт в {site_dir}/ ({reason}: {exc.filename or site_dir}); "
        "прежняя версия сайта не тронута"
    )


def _remove_stale(site_dir: Path, work: Path) -> None:
    """Half-built folders left by a killed build (never a version folder)."""
    stale = [*site_dir.glob(".build-*"), *work.parent.glob(f"{BUILD_PREFIX}*")]
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def _move_into_place(tmp: Path, target: Path) -> None:
    """One rename (build/ and site/ share a file system); across file systems: copy beside the
    versions (site/.build-<v>/) first, then one rename, so site/<v>/ appears complete or not at all."""
    try:
        os.rename(tmp, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        beside = target.with_name(f".build-{target.name}")
        try:
            shutil.copytree(tmp, beside)
            os.rename(beside, target)
        finally:
            if beside.exists():
                shutil.rmtree(beside, ignore_errors=True)


def _publish(site_dir: Path, known: list[dict], vid: str, keep: int, built: bool) -> list[str]:
    """versions.json, index.html, latest/ (+ pruning); on a write failure the previous files
    are restored and a version built just now is taken out again."""
    saved = {  # bytes and times: a failed build leaves them exactly as they were (SPEC §8)
        name: ((site_dir / name).read_bytes(), (site_dir / name).stat())
        for name in versions.PUBLISHED
        if (site_dir / name).is_file()
    }
    had_latest = (site_dir / versions.LATEST).is_dir()
    try:
        return versions.publish(site_dir, versions.add_version(known, vid), keep)
    except OSError as exc:
        for name in versions.PUBLISHED:
            path = site_dir / name
            try:
                if name in saved:
                    data, st = saved[name]
                    if (
                        not path.is_file()
                        or path.read_bytes() != data
                        or path.stat().st_mtime_ns != st.st_mtime_ns
                    ):
                        path.write_bytes(data)
                        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
                else:
                    path.unlink(missing_ok=True)
            except OSError:
                pass
        if not had_latest:
            with contextlib.suppress(OSError):
                (site_dir / versions.LATEST).rmdir()  # only if empty: made just now
        if built:
            shutil.rmtree(site_dir / vid, ignore_errors=True)
        raise _fs_error(exc, site_dir) from None


def prepare(
    assessments: list[dict],
    site_dir: Path,
    work: Path,
    bundle: Path,
) -> dict:
    """The version id and, if site/<version>/ is not there yet, the mkdocs project in `work`.
    assessments: [{"id", "docs": build/<id>/docs, "manifest": dict, "definition": dict}].
    Writes and returns `work`/plan.json: {"version", "exists", "previous", "epoch", "docs"
    (docs_index, when the project is made)}."""
    site_dir, work = Path(site_dir), Path(work)
    # The build's date (a plan judged on it) is not part of the id: a rebuild with nothing
    # changed on a later day makes no new version (SPEC §8); its plan page keeps its first day's.
    vid = versions.version_id({a["id"]: a["manifest"]["version"] for a in assessments})
    plan = {"version": vid, "exists": (site_dir / vid).is_dir(), "previous": None,
            "epoch": source_date_epoch({a["id"]: a["definition"] for a in assessments})}  # fmt: skip
    if not plan["exists"]:
        try:  # site/ itself is made only when a version moves in (a failed first build: no site/)
            _remove_stale(site_dir, work)
        except OSError as exc:
            raise _fs_error(exc, site_dir) from None
        known = versions.read_versions(site_dir)
        prev = next((v["version"] for v in known if (site_dir / v["version"]).is_dir()), None)
        plan["previous"] = prev
        assemble(work, assessments, Path(bundle), vid, prev, site_dir)
        plan["docs"] = docs_index(work / "docs")  # for every shard, found once
    else:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    (work / "plan.json").write_text(json.dumps(plan, sort_keys=True) + "\n", encoding="utf-8")
    return plan


SITEMAP_HOST = "http://localhost"  # never requested: Material puts the reader's host in its place


def write_sitemap(out: Path, vid: str) -> None:
    """sitemap.xml of one version: every page, for Material's version selector — with it,
    choosing another version opens the same page there (where it exists), not that version's
    home (an audit). mkdocs' own sitemap is removed: it carries dates and, without `site_url`,
    no usable addresses. Material reads only `<loc>`; it replaces the scheme and host by the
    reader's, so the host here is a placeholder; the pages' paths are what it compares."""
    import html

    pages = sorted(
        "" if p.parent == out else p.parent.relative_to(out).as_posix() + "/"
        for p in out.rglob("index.html")
        if not p.relative_to(out).parts[0].startswith(("assets", "search"))
    )
    urls = "".join(
        f"<url><loc>{html.escape(f'{SITEMAP_HOST}/{vid}/{page}')}</loc></url>\n" for page in pages
    )
    (out / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>\n",
        encoding="utf-8",
    )


def finish(work: Path, shard_dirs: list[Path], site_dir: Path, keep: int = 0) -> dict:
    """Assemble the shards aside (build/site-build-<version>/), check, one rename to
    site/<version>/, then versions.json, index.html and pruning. Returns
    {"version", "built": bool, "removed": [...]}."""
    work, site_dir = Path(work), Path(site_dir)
    plan = json.loads((work / "plan.json").read_text(encoding="utf-8"))
    vid, target = plan["version"], site_dir / plan["version"]
    built = False
    if not target.is_dir():
        if plan["exists"]:  # deleted since the plan was made
            raise StageError(
                f"версия {vid} пропала из {site_dir}/ во время сборки; запустите ещё раз"
            )
        known = versions.read_versions(site_dir)
        tmp = work.parent / f"{BUILD_PREFIX}{vid}"
        if tmp.exists():
            shutil.rmtree(tmp)
        try:
            merge_shards([Path(d) for d in shard_dirs], tmp)
            for name in ("sitemap.xml", "sitemap.xml.gz"):
                (tmp / name).unlink(missing_ok=True)
            write_sitemap(tmp, vid)
            external = check_offline(tmp)
            if external:
                raise StageError(
                    "в сайте есть ссылки на внешние адреса:\n" + "\n".join(external[:20])
                )
            (tmp / ".site-version").write_text(
                json.dumps({"version": vid, "previous": plan["previous"]}) + "\n", encoding="utf-8"
            )
            created = not site_dir.exists()
            try:
                site_dir.mkdir(parents=True, exist_ok=True)
                _move_into_place(tmp, target)
            except OSError as exc:
                _drop_if_made(site_dir, created)
                raise _fs_error(exc, site_dir) from None
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        built = True
        log.info("Собрана версия сайта %s (частей: %d)", vid, len(shard_dirs))
    else:
        created = False
        known = versions.read_versions(site_dir)
        log.info("Версия %s уже есть: ничего не пересобрано", vid)
    try:
        removed = _publish(site_dir, known, vid, keep, built)
    except StageError:
        _drop_if_made(site_dir, created)
        raise
    return {"version": vid, "built": built, "removed": removed}


def _drop_if_made(site_dir: Path, created: bool) -> None:
    """A first build that failed leaves no site/ (SPEC §8: as it was): the folder this build
    made, if nothing else is in it by now."""
    if created:
        with contextlib.suppress(OSError):
            site_dir.rmdir()


def build_site(
    assessments: list[dict],
    site_dir: Path,
    work: Path,
    bundle: Path,
    keep: int = 0,
    shards: int = 1,
) -> dict:
    """The whole stage in one call (tests, scripts): prepare, every shard one after another,
    finish. The workflow runs the same three steps as jobs (rules/site.smk), shards in parallel."""
    work = Path(work)
    plan = prepare(assessments, site_dir, work, bundle)
    dirs = [work.parent / "site-shards" / str(k) for k in range(shards)]
    try:
        for k, d in enumerate(dirs):
            build_shard(work, k, shards, d)
        return finish(work, dirs, site_dir, keep)
    finally:
        if not plan["exists"]:
            for d in dirs:
                shutil.rmtree(d, ignore_errors=True)
