"""mkdocs hook of the site (copied next to mkdocs.yml by scripts/site/build.py).

Deferred HTML (scripts/site/pages.py `defer`): a page's tables and chart placeholders come after the
line `<!--@deferred-html-->` at the end of its Markdown, each after a `<!--@html N-->` line, and the
text has a `<!--@html N-->` comment where each belongs. `on_page_markdown` cuts the tail off, so
Python-Markdown, mkdocs' anchor scan and Material's search index never parse those blocks (three HTML
parses per block were most of the build time); `on_post_page` puts them back into the finished HTML.
A placeholder without its block fails the build, and every relative `href` in a block must name a
page or file of the site (a warning, so `mkdocs build --strict` fails) — mkdocs checks only the
links it sees in Markdown.

Shards (scripts/site/shards.py): with SITE_SHARD (a JSON file: {"shard": k, "schools": [its school
folders `<id>/oo/<code>`]}) the build writes only a part of the site, so a country's pages are
several mkdocs builds in parallel, assembled into one version. Shard 0 writes every page outside
the school folders and its own schools' (the other schools' files are excluded; its pages link to
them); shard k ≥ 1 sees a docs tree with only its own school folders (shards.shard_tree) and
writes those. It still reads the other pages' front matter (titles for the nav, targets for links)
but neither renders nor writes them, so its pages come out as in one whole build.

Page cache (scripts/site/shards.py): with SITE_RENDER (a JSON list of page paths) only those of
the shard's own pages are rendered; the others are read like the other shards' pages (front
matter only; their blocks' links are still checked) and not written, because the shard takes
them from its cache. With SITE_RAW (a folder) each rendered page's HTML before its blocks go in is
written there, and `pages.json` (own pages in build order, their URL and output path; own static
files; every URL of the site), so the next build can put new blocks into an unchanged page.
"""

import json
import logging
import os
import posixpath
import re

import jinja2
from mkdocs.structure.files import InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

TAIL = "\n<!--@deferred-html-->\n"
BLOCK = re.compile(r"^<!--@html (\d+)-->\n", re.M)
PLACEHOLDER = re.compile(r"<!--@html (\d+)-->")
HREF = re.compile(r'href="([^"#?:]*)"')
log = logging.getLogger("mkdocs.plugins.deferred_html")
_blocks: dict[str, list[str]] = {}
_urls: set[str] = set()
_SHARD = None  # (k, its own school folders); None = the whole site
if os.environ.get("SITE_SHARD"):
    with open(os.environ["SITE_SHARD"], encoding="utf-8") as _fh:
        _spec = json.load(_fh)
    _SHARD = (_spec["shard"], frozenset(_spec["schools"]))
_RENDER = None  # own pages to render (SITE_RENDER); None = all of them
if os.environ.get("SITE_RENDER"):
    with open(os.environ["SITE_RENDER"], encoding="utf-8") as _fh:
        _RENDER = set(json.load(_fh))
_RAW = os.environ.get("SITE_RAW") or None


def _school(src_uri: str) -> str | None:
    """`<id>/oo/<code>` for a file in a school's folder, else None (also shards.school_folder)."""
    parts = src_uri.split("/")
    return "/".join(parts[:3]) if len(parts) > 3 and parts[1] == "oo" else None


def _norm(url: str) -> str:
    out = posixpath.normpath(url) if url else "."
    return "" if out == "." else out


def _own(src_uri: str) -> bool:
    """A page or file this build writes: its own schools', and shard 0 all outside the schools'."""
    if _SHARD is None:
        return True
    school = _school(src_uri)
    return _SHARD[0] == 0 if school is None else school in _SHARD[1]


def _rendered(src_uri: str) -> bool:
    return _own(src_uri) and (_RENDER is None or src_uri in _RENDER)


def split_blocks(markdown: str) -> tuple[str, list[str] | None, str]:
    """(text for Markdown, the deferred blocks or None, the tail they came from)."""
    body, sep, tail = markdown.partition(TAIL)
    if not sep:
        return markdown, None, ""
    parts = BLOCK.split(tail)  # ["", "0", block0, "1", block1, …]
    blocks = [""] * (len(parts) // 2)
    for i in range(1, len(parts), 2):
        blocks[int(parts[i])] = parts[i + 1].removesuffix("\n")
    return body, blocks, tail


def bad_links(page_url: str, tail: str, urls: set[str]) -> list[str]:
    """The relative links of a page's blocks that name no page or file of the site."""
    return [h for h in HREF.findall(tail) if h and _norm(posixpath.join(page_url, h)) not in urls]


def inject(output: str, blocks: list[str]) -> str:
    return PLACEHOLDER.sub(lambda m: blocks[int(m.group(1))], output)


def _warn_links(src_uri: str, page_url: str, tail: str) -> None:
    for href in bad_links(page_url, tail, _urls):
        log.warning("%s: ссылка %r в HTML-блоке ведёт на несуществующую страницу", src_uri, href)


def on_files(files, config):
    _urls.clear()
    _urls.update(_norm(f.url) for f in files)
    if _SHARD is not None:  # another shard's school (only shard 0 sees them)
        for f in files:
            if _school(f.src_uri) is not None and not _own(f.src_uri):
                f.inclusion = InclusionLevel.EXCLUDED


def on_page_read_source(page, config):
    """A page this build does not render (another shard's, or one its cache holds) is read for
    its front matter (title) only."""
    src = page.file.src_uri
    if _rendered(src):
        return None
    with open(page.file.abs_src_path, encoding="utf-8-sig") as fh:
        text = fh.read() if _own(src) else fh.read(65536)
    if _own(src):  # written from the cache: its blocks' links are checked all the same
        _warn_links(src, page.url, split_blocks(text)[2])
    head, sep, _ = text.partition("\n---\n") if text.startswith("---\n") else ("", "", "")
    return head + sep if sep else ""


def _render_own_pages(render):
    """Page.render for the pages this build renders only. The others' Markdown is their front
    matter alone (on_page_read_source), so mkdocs' render would give no content, no heading and
    no anchor — but still cost a Markdown instance each (≈ 1–2 ms): at 100× every school shard
    holds 2 700 municipality pages, 61 shards × 2 700 of them. Such a page keeps the state of a
    page not rendered (no anchors to check links against)."""

    def render_own(self, config, files):
        if _rendered(self.file.src_uri):
            return render(self, config, files)
        self.content, self.toc = "", get_toc([])
        return None

    render_own.wrapped = render
    return render_own


def on_config(config):
    """Installs the render above for a build that writes part of the site — at the build's
    start, not on import (shards.py imports this module for its helpers); once per process."""
    if (_SHARD is not None or _RENDER is not None) and not hasattr(Page.render, "wrapped"):
        Page.render = _render_own_pages(Page.render)
    return config


def on_env(env, config, files):
    """Only the pages this build renders and its own files are written (after every page was
    read, so the nav and the links are those of the whole site). With SITE_JINJA_CACHE (a
    folder) the theme's templates are compiled once, not in every build (≈ 0.3 s per build; the
    folder is named by the theme's versions: scripts/site/jinja_cache.py)."""
    if os.environ.get("SITE_JINJA_CACHE"):
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(os.environ["SITE_JINJA_CACHE"])
    if _RAW:
        pages = [
            [f.src_uri, f.url, f.dest_uri] for f in files.documentation_pages() if _own(f.src_uri)
        ]
        static = [[f.src_uri, f.dest_uri] for f in files if not f.is_documentation_page()
                  and f.inclusion.is_included() and _own(f.src_uri) and f.abs_src_path
                  and f.abs_src_path.startswith(config.docs_dir)]  # fmt: skip
        with open(os.path.join(_RAW, "pages.json"), "w", encoding="utf-8") as fh:
            json.dump({"pages": pages, "static": static, "urls": sorted(_urls)}, fh)
    for f in files:
        if not _own(f.src_uri) or (f.is_documentation_page() and not _rendered(f.src_uri)):
            f.inclusion = InclusionLevel.EXCLUDED
    return env


def on_page_markdown(markdown, page, config, files):
    body, blocks, tail = split_blocks(markdown)
    if blocks is not None:
        _blocks[page.file.src_uri] = blocks
        _warn_links(page.file.src_uri, page.url, tail)
    return body


def on_post_page(output, page, config):
    if _RAW:
        path = os.path.join(_RAW, "raw", page.file.dest_uri)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(output)
    blocks = _blocks.pop(page.file.src_uri, None)
    return output if blocks is None else inject(output, blocks)


NOT_FOUND_EN = "<h1>404 - Not found</h1>"  # Material's 404 page, the same in every language
NOT_FOUND_RU = (
    "<h1>404 — страница не найдена</h1>\n"
    "<p>Такой страницы в этой версии сайта нет. Начните с главной страницы или с поиска.</p>"
)


def on_post_template(output_content, template_name, config):
    """The one text of the theme that is not translated: the 404 page's heading (SPEC §7: the
    site is in Russian)."""
    if template_name == "404.html":
        return output_content.replace(NOT_FOUND_EN, NOT_FOUND_RU)
    return output_content
