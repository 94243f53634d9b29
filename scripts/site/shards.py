"""The site's mkdocs build in shards (rules/site.smk `site_shard`), each with a page cache.

The site is `shards` mkdocs builds, run in parallel and assembled by `merge_shards`: shard 0
writes every page outside the school folders and the first run of school pages, shards k ≥ 1 the
other runs (`split_schools`: runs of about equal cost, so a region's two builds take as long as
each other on two cores; site_templates/hooks.py) — no build holds a country's 40 000 pages.

Page cache (build/site-shard-cache/<k>/): a corrected workbook changes the region's figures, so
every school page changes — but only in its deferred HTML blocks (tables, chart placeholders: the
tail after `<!--@deferred-html-->`, which mkdocs never parses; site_templates/hooks.py puts them
into the finished HTML). The text before that tail (headings, the summary) changes only for the
schools whose own data changed. So a shard keeps, per page, the HTML mkdocs made before the blocks
went in; the next build renders with mkdocs only the pages whose text changed, and puts today's
blocks into the kept HTML of the others. The shard's key (`shard_key`: mkdocs.yml, the hook, the
theme's versions, every file path, every page's front matter) must be unchanged for any page to
be kept; static files (charts' data, downloads) are always today's.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from scripts.common.entry import StageError

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / "site_templates" / "hooks.py"
SEARCH_INDEX = "search/search_index.json"
JINJA_CACHE = "jinja"  # in the page cache: the theme's compiled templates, shared by the shards
log = logging.getLogger("stage")


def link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@functools.cache
def _hooks():
    """site_templates/hooks.py as a module: the same block split, injection and link check."""
    spec = importlib.util.spec_from_file_location("site_hooks", HOOKS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def school_folder(rel: str) -> str | None:
    """`<id>/oo/<code>` for a file in a school's folder of the docs, else None — the hook's own
    test, so the shards and the hook never disagree on what a school file is."""
    return _hooks()._school(rel)


# What a page outside the school folders (the region's, a municipality's, …) costs mkdocs, in
# school pages (measured at region: ≈ 20 ms against ≈ 13.6 ms), plus shard 0's own start-up
# extras (the theme's files) — so shard 0 takes that many fewer schools.
OTHER_PAGE_COST = 1.5
SHARD0_EXTRA = 20


def docs_index(docs: Path) -> dict:
    """What every shard needs from the whole docs tree, found in one walk by `site_project`
    (each of a country's 81 shards walked 40 000 school folders and read the front matter of
    2 300 municipality pages for itself: ≈ 0.7 s a shard): the school folders (`<id>/oo/<code>`,
    sorted), how many pages lie outside them, and a digest of those pages' front matter (their
    titles make the nav: in every shard's key)."""
    schools, others = [], []
    for folder, dirs, names in os.walk(docs, followlinks=True):
        dirs.sort()
        rel = os.path.relpath(folder, docs).replace(os.sep, "/")
        if school_folder(f"{rel}/x/y") == f"{rel}/x":  # `<id>/oo`: its folders are the schools
            schools += [f"{rel}/{d}" for d in dirs]
            dirs[:] = []
            continue
        others += [n if rel == "." else f"{rel}/{n}" for n in sorted(names) if n.endswith(".md")]
    titles = hashlib.sha256()
    for page in others:
        titles.update(f"\n{page}\0".encode() + _front_matter((docs / page).read_bytes()[:65536]))
    return {"schools": sorted(schools), "others": len(others), "titles": titles.hexdigest()}


def split_schools(index: dict, shards: int) -> list[list[str]]:
    """The school folders of each of `shards` builds (`index`: `docs_index`): consecutive runs
    of about equal cost. Shard 0 also writes every page outside the school folders, so it takes
    as many fewer schools as those pages cost (none at all in a country, whose 2 300 municipality
    pages are a build's work already); the other builds share the rest equally."""
    schools = index["schools"]
    lead = index["others"] * OTHER_PAGE_COST + SHARD0_EXTRA
    first = len(schools) if shards == 1 else max(0, int((len(schools) + lead) / shards - lead))
    rest = schools[first:]
    return [schools[:first]] + [
        rest[len(rest) * k // (shards - 1) : len(rest) * (k + 1) // (shards - 1)]
        for k in range(shards - 1)
    ]


def shard_tree(work: Path, shard: int, schools: list[str], tree: Path) -> Path:
    """The docs a shard's mkdocs sees. Shard 0: all of `work/docs` (it links to every school).
    Shard k ≥ 1: `tree`, symbolic links to every page and file outside the school folders plus
    its own `schools`' folders — so each build walks its own part, not a country's 200 000 files."""
    docs = work / "docs"
    if shard == 0:
        return docs
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir()
    for entry in sorted(docs.iterdir()):
        if (entry / "oo").is_dir():  # an assessment: everything but its school folders
            (tree / entry.name / "oo").mkdir(parents=True)
            for sub in entry.iterdir():
                if sub.name != "oo":
                    (tree / entry.name / sub.name).symlink_to(sub.resolve())
        else:
            (tree / entry.name).symlink_to(entry.resolve())
    for school in schools:
        (tree / school).symlink_to((docs / school).resolve())
    return tree


def _walk(root: Path) -> list[str]:
    files = []
    for folder, dirs, names in os.walk(root, followlinks=True):
        dirs.sort()
        rel_dir = os.path.relpath(folder, root).replace(os.sep, "/")
        files.extend(n if rel_dir == "." else f"{rel_dir}/{n}" for n in sorted(names))
    return files


def _front_matter(text: bytes) -> bytes:
    return text.partition(b"\n---\n")[0] if text.startswith(b"---\n") else b""


def _url(rel: str) -> str:
    """A file's URL in the site, as mkdocs makes it (use_directory_urls): `a/index.md` → `a/`."""
    if not rel.endswith(".md"):
        return rel
    stem = rel[:-3]
    return stem[:-5] if stem == "index" or stem.endswith("/index") else stem + "/"


def shard_key(
    work: Path, tree: Path, shard: int, schools: list[str], epoch: int, titles: str | None = None
) -> tuple[str, dict, set]:
    """(the shard's key, {own page: the key of its text}, every URL of the site it sees).

    The shard's key: the shard, mkdocs.yml, the hook, the theme's versions, every page's front
    matter (titles: the nav) and the paths of the files the shard's pages may link to. A page's
    key: its text before the deferred blocks, plus, for a school page, the file names of its own
    folder (a chart or download that appears re-renders it). So a school's new chart file
    re-renders that school's page only, and shard 0 (which links to the school pages, not to
    their files) sees only the school pages' paths. `titles`: `docs_index`'s digest of the
    other pages' front matter (a shard k ≥ 1 then reads none of them), else read here."""
    h = hashlib.sha256(f"{shard}\0{epoch}\n".encode() + "\0".join(schools).encode())
    if shard and titles is not None:
        h.update(f"titles {titles}\n".encode())
    for line in _theme_versions():
        h.update(f"{line}\n".encode())
    overrides = sorted(p.relative_to(work).as_posix() for p in (work / "overrides").rglob("*.html"))
    for name in ("mkdocs.yml", "hooks.py", *overrides):
        path = work / name
        h.update(path.read_bytes() if path.exists() else b"")
    hooks = _hooks()
    tail = hooks.TAIL.encode()
    folders = defaultdict(list)
    texts, urls, own = {}, set(), set(schools)
    for rel in _walk(tree):
        urls.add(hooks._norm(_url(rel)))
        folder = school_folder(rel)
        if folder in own:  # an own school's file: in its page's key
            folders[folder].append(rel)
        elif folder is None or rel.endswith(".md"):
            h.update(f"\n{rel}\0".encode())
        if not rel.endswith(".md") or (folder is not None and folder not in own):
            continue  # another shard's school page: never read
        if shard and folder is None:  # another shard's page: its title only
            if titles is None:
                h.update(_front_matter((tree / rel).read_bytes()[:65536]))
            continue
        text = (tree / rel).read_bytes()
        h.update(_front_matter(text))
        texts[rel] = text.partition(tail)[0]
    pages = {}
    for rel, text in texts.items():
        names = "\0".join(folders.get(school_folder(rel), [])).encode()
        pages[rel] = hashlib.sha256(names + b"\n" + text).hexdigest()
    return h.hexdigest(), pages, urls


def _theme_versions() -> list[str]:
    from importlib.metadata import version

    return [f"{pkg}={version(pkg)}" for pkg in ("mkdocs", "mkdocs-material", "markdown", "jinja2")]


def build_shard(work: Path, shard: int, shards: int, out: Path, cache: Path | None = None) -> bool:
    """`mkdocs build --strict` of one shard of the project into `out`. Nothing to do (an empty
    `out`) when the version exists already. With `cache` (a folder of the stage's own), only the
    pages whose text changed since the shard's last build are rendered (see the module's doc).
    Returns True if mkdocs ran."""
    work, out = Path(work), Path(out)
    plan = json.loads((work / "plan.json").read_text(encoding="utf-8"))
    if out.exists():
        shutil.rmtree(out)
    if plan["exists"]:
        out.mkdir(parents=True)
        return False
    scratch = out.with_name(f"{out.name}.docs")  # shard k's docs tree, its mkdocs.yml and .json
    raw = out.with_name(f"{out.name}.raw")  # the rendered pages before their blocks went in
    shutil.rmtree(raw, ignore_errors=True)  # left by a killed run (its `finally` never ran)
    index = plan.get("docs") or docs_index(work / "docs")  # made once by site_project
    schools = split_schools(index, shards)[shard]
    try:
        tree = shard_tree(work, shard, schools, scratch)
        spec = scratch.with_suffix(".json")  # the hook's SITE_SHARD: which pages are this shard's
        spec.parent.mkdir(parents=True, exist_ok=True)
        spec.write_text(json.dumps({"shard": shard, "schools": schools}), encoding="utf-8")
        if cache is None:
            _mkdocs(work, spec, out, plan["epoch"], tree)
            return True
        key, texts, urls = shard_key(work, tree, shard, schools, plan["epoch"], index["titles"])
        return _build_cached(work, spec, out, Path(cache) / str(shard), plan["epoch"], tree, raw,
                             (key, texts, urls), f"{shard + 1} из {shards}")  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        for suffix in (".yml", ".json"):
            scratch.with_suffix(suffix).unlink(missing_ok=True)
        shutil.rmtree(raw, ignore_errors=True)


def _mkdocs(work, spec, out, epoch, tree, render=None, raw=None, jinja_cache=None) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "NO_MKDOCS_2_WARNING": "1",
           "SITE_SHARD": str(spec.resolve())}  # fmt: skip
    if jinja_cache is not None:  # keyed by the theme's versions (the templates compile with them)
        from scripts.site import jinja_cache as jc

        env["SITE_JINJA_CACHE"] = str(jc.folder(jinja_cache, *_theme_versions()).resolve())
    if raw is not None:
        raw.mkdir(parents=True)
        env["SITE_RAW"] = str(raw.resolve())
        if render is not None:
            (raw / "render.json").write_text(json.dumps(render), encoding="utf-8")
            env["SITE_RENDER"] = str((raw / "render.json").resolve())
    cfg = work / "mkdocs.yml"
    if tree != work / "docs":  # the same project, its docs_dir the shard's tree (beside `out`)
        cfg = tree.with_suffix(".yml")
        text = (work / "mkdocs.yml").read_text(encoding="utf-8")
        for line, path in (("docs_dir: docs", tree), ("  - hooks.py", work / "hooks.py"),
                           ("  custom_dir: overrides", work / "overrides")):  # fmt: skip
            if f"\n{line}\n" not in text:
                raise StageError(f"{work / 'mkdocs.yml'}: нет строки «{line.strip()}»")
            key_part = line.rsplit(" ", 1)[0]
            text = text.replace(
                f"\n{line}\n", f"\n{key_part} {json.dumps(str(path.resolve()))}\n", 1
            )
        cfg.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(cfg), "-d", str(out.resolve())],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        raise StageError("mkdocs не собрал сайт:\n" + (proc.stderr or proc.stdout).strip()[-4000:])


def _replace(src: Path, dst: Path) -> None:
    """dst := src without writing through dst (it may be a hard link into the cache)."""
    dst.unlink(missing_ok=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    link_or_copy(str(src), str(dst))


def _build_cached(work, spec, out, kept, epoch, tree, raw, keys, label) -> bool:
    key, texts, urls = keys
    state = _kept_state(kept, key)
    render = (
        None if state is None else sorted(p for p, h in texts.items() if state["pages"].get(p) != h)
    )
    hooks = _hooks()
    moved = False
    if render == []:  # no page's text changed: the last output, with today's files and blocks
        info = json.loads((kept / "pages.json").read_text(encoding="utf-8"))
        raw.mkdir(parents=True)
        # moved here whole, a rename each (not a folder and a link per file); the cache is whole
        # again only when _keep puts them back, so a failure before that means a full build
        try:
            (kept / "out").rename(out)
        except OSError:  # another file system
            shutil.copytree(kept / "out", out, copy_function=link_or_copy)
        try:
            (kept / "raw").rename(raw / "raw")
            moved = True
        except OSError:
            (raw / "raw").mkdir(parents=True)
        for src, dest in info["static"]:
            _replace(tree / src, out / dest)
    else:
        _mkdocs(work, spec, out, epoch, tree, render, raw, kept.parent / JINJA_CACHE)
        info = json.loads((raw / "pages.json").read_text(encoding="utf-8"))
    fresh = set(texts) if render is None else set(render)
    bad = []
    for src, url, dest in info["pages"]:
        if src in fresh:
            continue
        # kept: the HTML before its blocks from the cache, today's blocks from the page
        _, blocks, tail = hooks.split_blocks((tree / src).read_text(encoding="utf-8-sig"))
        if render == []:  # mkdocs did not run, so its link check did not either
            bad += [f"{src}: {href}" for href in hooks.bad_links(url, tail, urls)]
        if not moved:
            _replace(kept / "raw" / dest, raw / "raw" / dest)
        html = (raw / "raw" / dest).read_text(encoding="utf-8")
        (out / dest).unlink(missing_ok=True)
        (out / dest).parent.mkdir(parents=True, exist_ok=True)
        (out / dest).write_text(html if blocks is None else hooks.inject(html, blocks), "utf-8")
    if bad:
        shutil.rmtree(out, ignore_errors=True)
        raise StageError(
            "ссылки в HTML-блоках ведут на несуществующие страницы:\n" + "\n".join(bad[:20])
        )
    log.info("Часть %s: страниц %d, из них собрано mkdocs %d (остальные из %s)",
             label, len(info["pages"]), len(fresh), kept)  # fmt: skip
    entries = _search_entries(out, info, fresh, state)
    _keep(kept, out, raw, info, {"key": key, "pages": texts, "entries": entries})
    return render != []


def _kept_state(kept: Path, key: str) -> dict | None:
    """The cache's state if it belongs to this key and is whole; a page whose kept HTML is
    missing (a cache folder partly deleted) counts as changed, so it is rendered again."""
    try:
        state = json.loads((kept / "state.json").read_text(encoding="utf-8"))
        info = json.loads((kept / "pages.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("key") != key or not (kept / "out").is_dir():
        return None
    for src, _, dest in info["pages"]:
        if src in state["pages"] and not (kept / "raw" / dest).is_file():
            del state["pages"][src]
    return state


def _search_entries(out: Path, info: dict, fresh: set, state: dict | None) -> dict:
    """The shard's search index, page by page in build order: the rendered pages' entries from
    mkdocs, the kept pages' from the cache. Returns them by page (for the cache)."""
    path = out / SEARCH_INDEX
    if not path.exists():
        return {}
    index = json.loads(path.read_text(encoding="utf-8"))
    norm = _hooks()._norm  # the home page: URL "./", location ""
    by_url = defaultdict(list)
    for entry in index["docs"]:
        by_url[norm(entry["location"].split("#", 1)[0])].append(entry)
    entries = {
        src: by_url.get(norm(url), []) if src in fresh else state["entries"].get(src, [])
        for src, url, _ in info["pages"]
    }
    # mkdocs' index (when it ran) has the rendered pages' entries only, each under its page
    found = sum(len(entries[src]) for src, _, _ in info["pages"] if src in fresh)
    if fresh and found != len(index["docs"]):
        raise StageError(f"{path}: в поисковом индексе части есть записи без страницы")
    index["docs"] = [e for src, _, _ in info["pages"] for e in entries[src]]
    path.unlink()  # may be a hard link into the cache
    path.write_text(json.dumps(index, separators=(",", ":")), encoding="utf-8")
    return entries


def _keep(kept: Path, out: Path, raw: Path, info: dict, state: dict) -> None:
    """The shard's output, its pages' HTML before the blocks and its state into the cache; the
    state is written last, so a half-written cache never matches."""
    fresh = kept.with_name(f"{kept.name}.new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    (raw / "raw").mkdir(parents=True, exist_ok=True)
    shutil.copytree(out, fresh / "out", copy_function=link_or_copy)
    try:  # the scratch folder is ours: move it (one rename, not a link per page)
        (raw / "raw").rename(fresh / "raw")
    except OSError:  # another file system
        shutil.copytree(raw / "raw", fresh / "raw", copy_function=link_or_copy)
    (fresh / "pages.json").write_text(json.dumps(info), encoding="utf-8")
    (fresh / "state.json").write_text(json.dumps(state), encoding="utf-8")
    shutil.rmtree(kept, ignore_errors=True)
    fresh.rename(kept)


def merge_shards(shard_dirs: list[Path], out: Path) -> None:
    """One site from the shards' outputs: shard 0 whole, each other shard's `<id>/oo/` folders,
    and one search index: the entries of the pages outside the school folders in shard 0's
    order, then every school's in the order of the school folders — the same for any number of
    shards. Hard links."""
    skip = shutil.ignore_patterns(".snakemake_timestamp")  # Snakemake's marker in directory outputs
    shutil.copytree(shard_dirs[0], out, copy_function=link_or_copy, ignore=skip)
    index_path = out / SEARCH_INDEX
    index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else None
    entries = list(index["docs"]) if index is not None else []
    for d in shard_dirs[1:]:
        for oo in sorted(Path(d).glob("*/oo")):
            shutil.copytree(oo, out / oo.relative_to(d), copy_function=link_or_copy,
                            dirs_exist_ok=True, ignore=skip)  # fmt: skip
        part = Path(d) / SEARCH_INDEX
        if index is not None and part.exists():
            entries.extend(json.loads(part.read_text(encoding="utf-8"))["docs"])
    if index is not None:
        others, schools = [], defaultdict(list)
        for entry in entries:
            folder = school_folder(entry["location"].split("#", 1)[0] + "x")
            (others if folder is None else schools[folder]).append(entry)
        index["docs"] = others + [e for folder in sorted(schools) for e in schools[folder]]
        index_path.unlink()  # a hard link into shard 0's output: never write through it
        index_path.write_text(json.dumps(index, separators=(",", ":")), encoding="utf-8")
