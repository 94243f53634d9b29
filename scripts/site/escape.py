"""Escaping in ONE place: text from workbooks, the registry and config that lands on a page or in a download.

- `md_text(value)` — safe inside Markdown *and* the HTML it becomes, in a paragraph, a heading or a
  table cell: every ASCII punctuation character that Markdown, HTML, Jinja, pymdownx snippets or
  attribute lists could act on becomes a numeric character reference (`*` → `&#42;`), so
  `<script>alert(1)</script> **x** | y` or `**[x](javascript:…)**` shows literally; line breaks and
  runs of white space collapse to one space (no indented code blocks, no broken table rows); bidi
  and other control/format characters are dropped (no reordering tricks).
- `csv_cell(value)` — a text cell for CSV/XLSX downloads: bidi/format/control characters (not
  tab, LF, CR) dropped; one starting with `=`, `+`, `-`, `@`, tab or CR (after any leading spaces)
  gets a leading `'` so a spreadsheet never runs it as a formula (a plain number such as `-3.5`
  stays a number).
- `slug(code)` — a code as a path segment (`oo/<slug>/`): kept when it is plain, else a stable hash.
"""

from __future__ import annotations

import functools
import hashlib
import re
import string
import unicodedata

from markupsafe import Markup

# Characters that stay as they are: harmless in Markdown, HTML text and attribute values alike.
_KEEP = set(",;%/?")
_ENTITY = {c: f"&#{ord(c)};" for c in string.punctuation if c not in _KEEP}
# Bidi embeddings/overrides/isolates and marks: dropped.
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACES = re.compile(r"\s+")


class MdSafe(Markup):
    """Text already fit for a Markdown page (escaped, or built by this package from safe parts).

    A `Markup` subclass so Jinja's autoescape leaves it alone; build the text as a plain `str`
    first and wrap it last (Markup's operators would HTML-escape a plain operand).
    """

    __slots__ = ()


_TABLE = str.maketrans(_ENTITY)


def _drop_invisible(text: str) -> str:
    """`text` without bidi, format (zero-width) and control characters other than tab, LF, CR."""
    out = []
    for ch in text:
        if ch in _BIDI:
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" and ch not in "\t\n\r":  # other control characters
            continue
        if cat == "Cf" and ch not in "\u00ad":  # zero-width and other format characters
            continue
        out.append(ch)
    return "".join(out)


def _clean(value) -> str:
    text = "" if value is None else str(value)
    if text.isprintable():  # no control, format (bidi) or line-break characters: the fast path
        return (
            _SPACES.sub(" ", text).strip()
            if "  " in text or text[:1] == " " or text[-1:] == " "
            else text
        )
    return _SPACES.sub(" ", _drop_invisible(text)).strip()


def md_text(value) -> MdSafe:
    """Any input text as literal text on a Markdown page (see the module docstring)."""
    if isinstance(value, MdSafe):
        return value
    if value.__class__ is str:
        return _md_str(value)
    return MdSafe(_clean(value).translate(_TABLE))


@functools.lru_cache(maxsize=1 << 16)
def _md_str(text: str) -> MdSafe:
    # pages repeat their texts and figures (a 10x campaign: ~950 000 cells); MdSafe is immutable
    return MdSafe(_clean(text).translate(_TABLE))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(
    r"-?[0-9]+(\.[0-9]+)?"
)  # a negative number (a pp difference) is data, not a formula


def csv_cell(value):
    """A download cell: text that a spreadsheet could take for a formula gets a leading `'`.

    Bidi/format/control characters (not tab, LF, CR) are dropped first, as on the pages: an
    invisible U+202E before `=` must neither hide the formula from this check nor reorder what the
    reader sees. Leading spaces do not hide a formula either (spreadsheets may trim on import)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if not text.isprintable():
        text = _drop_invisible(text)
    if text.lstrip(" \u00a0").startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(value: str) -> str:
    """A download cell's text as it was before `csv_cell` (the changes report reads downloads)."""
    if value.startswith("'"):
        rest = value[1:]
        if rest.lstrip(" \u00a0").startswith(_FORMULA_START) and not _NUMBER.fullmatch(rest):
            return rest
    return value


_PLAIN_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")


def slug(code) -> str:
    """A code as a URL path segment and folder name: itself when plain, else `x` + 10 hex of sha1."""
    text = "" if code is None else str(code)
    if _PLAIN_CODE.fullmatch(text):
        return text
    return "x" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
