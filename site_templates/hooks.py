"""mkdocs hook of the site (copied next to mkdocs.yml by scripts/site/build.py).

Deferred HTML (scripts/site/pages.py `defer`): a page's tables and chart placeholders come after the
line `<!--@deferred-html-->` at the end of its Markdown, each after a `<!--@html N-->` line, and the
text has a `<!--@html N-->` comment where each belongs. `on_page_markdown` cuts the tail off, so
Python-Markdown, mkdocs' anchor scan and Material's search index never parse those blocks (three HTML
parses per block were most of the build time); `on_post_page` puts them back into the finished HTML.
A placeholder without its block fails the build, and every relative `href` in a block must name a
page or file of the site (a warning, so `mkdocs build --strict` fails) — mkdocs checks only the
links it sees in Markdown.

Shards (scripts/site/build.py): with SITE_SHARD="k/n" the build writes only a part of the site, so
a country's pages are several mkdocs builds in parallel, assembled into one version. Shard 0 writes
everything except the school pages (`<id>/oo/<code>/`); shard k ≥ 1 sees a docs tree with only its
own school folders (build.shard_tree) and writes those. It still reads the other pages' front
matter (titles for the nav, targets for links) but neither renders nor writes them, so its school
pages come out as in one whole build.
"""

import logging
import os
import posixpath
import re

from mkdocs.structure.files import InclusionLevel

TAIL = "\n<!--@deferred-html-->\n"
BLOCK = re.compile(r"^<!--@html (\d+)-->\n", re.M)
PLACEHOLDER = re.compile(r"<!--@html (\d+)-->")
HREF = re.compile(r'href="([^"#?:]*)"')
log = logging.getLogger("mkdocs.plugins.deferred_html")
_blocks: dict[str, list[str]] = {}
_urls: set[str] = set()
_SHARD = (
    tuple(map(int, os.environ["SITE_SHARD"].split("/"))) if os.environ.get("SITE_SHARD") else None
)
_mine: set[str] = set()  # the school folders this shard writes


def _school(src_uri: str) -> str | None:
    """`<id>/oo/<code>` for a file in a school's folder, else None (= build.school_folder)."""
    parts = src_uri.split("/")
    return "/".join(parts[:3]) if len(parts) > 3 and parts[1] == "oo" else None


def _norm(url: str) -> str:
    out = posixpath.normpath(url) if url else "."
    return "" if out == "." else out


def on_files(files, config):
    _urls.clear()
    _urls.update(_norm(f.url) for f in files)
    if _SHARD is not None and _SHARD[0] == 0:  # shard 0: no school page
        for f in files:
            if _school(f.src_uri) is not None:
                f.inclusion = InclusionLevel.EXCLUDED


def on_page_read_source(page, config):
    """In a school shard, another page is read for its front matter (title) only."""
    if _SHARD is None or not _SHARD[0] or _school(page.file.src_uri):
        return None
    with open(page.file.abs_src_path, encoding="utf-8-sig") as fh:
        text = fh.read(65536)
    head, sep, _ = text.partition("\n---\n") if text.startswith("---\n") else ("", "", "")
    return head + sep if sep else ""


def on_env(env, config, files):
    """In a school shard, nothing but its schools' folders is written (after every page was read,
    so the nav and the links are those of the whole site)."""
    if _SHARD is not None and _SHARD[0]:
        for f in files:
            if _school(f.src_uri) is None:
                f.inclusion = InclusionLevel.EXCLUDED
    return env


def on_page_markdown(markdown, page, config, files):
    body, sep, tail = markdown.partition(TAIL)
    if sep:
        parts = BLOCK.split(tail)  # ["", "0", block0, "1", block1, …]
        blocks = [""] * (len(parts) // 2)
        for i in range(1, len(parts), 2):
            blocks[int(parts[i])] = parts[i + 1].removesuffix("\n")
        _blocks[page.file.src_uri] = blocks
        for href in HREF.findall(tail):
            if href and _norm(posixpath.join(page.url, href)) not in _urls:
                log.warning(
                    "%s: ссылка %r в HTML-блоке ведёт на несуществующую страницу",
                    page.file.src_uri,
                    href,
                )
    return body


def on_post_page(output, page, config):
    blocks = _blocks.pop(page.file.src_uri, None)
    if blocks is None:
        return output
    return PLACEHOLDER.sub(lambda m: blocks[int(m.group(1))], output)
