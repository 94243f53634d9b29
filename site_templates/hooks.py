"""mkdocs hook of the site (copied next to mkdocs.yml by scripts/site/build.py).

Deferred HTML (scripts/site/pages.py `defer`): a page's tables and chart placeholders come after the
line `<!--@deferred-html-->` at the end of its Markdown, each after a `<!--@html N-->` line, and the
text has a `<!--@html N-->` comment where each belongs. `on_page_markdown` cuts the tail off, so
Python-Markdown, mkdocs' anchor scan and Material's search index never parse those blocks (three HTML
parses per block were most of the build time); `on_post_page` puts them back into the finished HTML.
A placeholder without its block fails the build, and every relative `href` in a block must name a
page or file of the site (a warning, so `mkdocs build --strict` fails) — mkdocs checks only the
links it sees in Markdown.
"""

import logging
import posixpath
import re

TAIL = "\n<!--@deferred-html-->\n"
BLOCK = re.compile(r"^<!--@html (\d+)-->\n", re.M)
PLACEHOLDER = re.compile(r"<!--@html (\d+)-->")
HREF = re.compile(r'href="([^"#?:]*)"')
log = logging.getLogger("mkdocs.plugins.deferred_html")
_blocks: dict[str, list[str]] = {}
_urls: set[str] = set()


def _norm(url: str) -> str:
    out = posixpath.normpath(url) if url else "."
    return "" if out == "." else out


def on_files(files, config):
    _urls.clear()
    _urls.update(_norm(f.url) for f in files)


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
