"""Pre-flight inspection of a zip-based workbook (.xlsx/.xlsm/.ods) before any parser sees it.

`inspect_zip(zf, kind, limits, wanted)` looks at the archive and streams every XML part once,
in bounded chunks, and either raises a `ReadError` (hostile or oversized file) or returns
`Findings` that the reader applies to the parsed sheets:

- archive: number of entries, total uncompressed size, compression ratio of each entry;
- XML: any `<!DOCTYPE` or `<!ENTITY` in any part (billion laughs, quadratic blow-up, external
  entities — general or parameter). Excel and LibreOffice never write a DTD, so the file is
  rejected before a parser can expand or fetch anything; a part stored as UTF-16 is decoded
  first so that the declaration cannot hide behind the encoding;
- external links (`xl/externalLinks/`, `<externalReference>`, ODS `table:table-source`,
  `table:cell-range-source`, DDE links) and ODS macros (`Basic/`, `Scripts/`);
- for the sheets the caller wants (xlsx only): the real extent of the data (from the cells'
  own references, never from `<dimension>`), so that one stray cell at XFD1048576 is reported
  instead of making the parser allocate a grid of 17 billion cells; error values (`#DIV/0!`,
  `#REF!`, which calamine returns as empty cells); formulas without a cached value; hidden
  rows, hidden columns and hidden sheets.

Nothing here parses XML with a general parser before the DTD check has passed; the small
workbook parts (`workbook.xml` and its relationships) are then read with defusedxml.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from operator import itemgetter

from defusedxml import ElementTree as SafeET

from scripts.ingest.errors import DEFAULT_LIMITS, ReadError

DEFAULT_PREFLIGHT = {
    "max_zip_entries": 1000,  # a workbook has ~10-40 parts
    "max_zip_ratio": 100,  # uncompressed / compressed of one entry (sheets compress ~10-20x)
    "max_unzipped_mib": 200,  # all entries together, uncompressed
    # rows × columns of a sheet's real extent above which it is read cell by cell (openpyxl), not
    # into calamine's dense grid: never a rejection (SPEC §4 limits rows and columns only)
    "max_cells": 5_000_000,
}
RATIO_MIN_BYTES = 1024 * 1024  # the ratio is only checked for entries larger than this
CHUNK = 1 << 20
MAX_CARRY = 8 << 20  # one <row> longer than this is hostile

_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_TOKEN = re.compile(rb"<(?:\w+:)?(?:(row)\b([^>]*)>|c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>))", re.S)
_ATTR_R = re.compile(rb'\br\s*=\s*["\']([A-Za-z]*)(\d*)["\']')
_ATTR_T = re.compile(rb'\bt\s*=\s*["\'](\w+)["\']')
_HIDDEN = re.compile(rb'\bhidden\s*=\s*["\'](?:1|true)["\']')
# a cell that is not self-closing: (column letters, row digits)
_FASTCELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*(?<!/)>')
_PREFIXED = re.compile(rb"<\w+:(?:c|row)\b")
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")
_MINMAX = re.compile(rb'\b(min|max)\s*=\s*["\'](\d+)["\']')
_V = re.compile(rb"<(?:\w+:)?v>([^<]+)</(?:\w+:)?v>", re.S)  # a non-empty value
_F = re.compile(rb"<(?:\w+:)?f\b")
# A cached empty string: LibreOffice stores =IF(…;"";…) as t="str" with <v></v>; openpyxl's
# <v /> (no t) is a formula never calculated.
_V_EMPTY = re.compile(rb"<(?:\w+:)?v></(?:\w+:)?v>")
_MERGE = re.compile(
    rb'<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["\']([A-Za-z]+)(\d+):([A-Za-z]+)(\d+)'
)
_ODS_LINKS = (b"<table:table-source", b"<table:cell-range-source", b"<table:dde-source")

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _limit(limits: dict, key: str):
    return limits.get(key, DEFAULT_PREFLIGHT[key])


@dataclass
class SheetFindings:
    first_row: int = 0  # real extent (0 = no cell)
    first_col: int = 0
    last_row: int = 0
    last_col: int = 0
    cells: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → "#DIV/0!"
    uncalculated: list[tuple[int, int]] = field(default_factory=list)  # formula, no value
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)
    hidden_sheet: bool = False
    # the data's extent spans more than `max_cells` cells: read cell by cell (openpyxl), not into
    # calamine's dense grid (one stray value at GR100000 would be 20 M cells of it)
    sparse: bool = False
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    # the extent was only bounded, not measured: every cell's reference is within columns A-Z
    # and rows that no limit can exceed (`_quick_bound`), so the first/last fields stay 0
    bounded: bool = False


@dataclass
class Findings:
    external_links: bool = False
    macros: bool = False
    sheets: dict[str, SheetFindings] = field(default_factory=dict)
    # the sheets that are not read (instructions, a school's own): their real extent only, so the
    # size limits hold for every sheet of the workbook (SPEC §4), not just the two read ones
    other_sheets: dict[str, SheetFindings] = field(default_factory=dict)


def _col_index(letters: bytes) -> int:
    value = 0
    for ch in letters.upper():
        value = value * 26 + (ch - 64)
    return value


def _hostile_xml(part: str) -> ReadError:
    return ReadError(
        "xml_entities",
        f"Часть книги «{part}» содержит объявления DTD или сущностей XML (<!DOCTYPE>, "
        "<!ENTITY>). Excel и LibreOffice такого не записывают: файл повреждён или изготовлен "
        "специально, он не обрабатывается. Скопируйте данные в чистый шаблон, сохраните "
        "как .xlsx и пришлите заново",
    )


def _suspicious(what: str) -> ReadError:
    return ReadError(
        "archive_suspicious",
        f"Архив книги необычен ({what}); так бывает у повреждённых или вредоносных файлов, "
        "файл не обрабатывается. Скопируйте данные в чистый шаблон, сохраните как .xlsx "
        "и пришлите заново",
    )


def check_archive(infos: list[zipfile.ZipInfo], limits: dict) -> None:
    """Entry count and compression ratio (the total size is checked by the caller)."""
    max_entries = int(_limit(limits, "max_zip_entries"))
    if len(infos) > max_entries:
        raise _suspicious(f"{len(infos)} частей при допустимых {max_entries}")
    ratio = float(_limit(limits, "max_zip_ratio"))
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES and info.file_size > ratio * max(info.compress_size, 1):
            raise _suspicious(
                f"часть «{info.filename}» сжата в {info.file_size // max(info.compress_size, 1)} "
                f"раз при допустимых {ratio:g}"
            )
    max_total = float(_limit(limits, "max_unzipped_mib")) * 1024 * 1024
    total = sum(i.file_size for i in infos)
    if total > max_total:
        raise ReadError(
            "file_too_large",
            f"Книга после распаковки занимает {total / 1024 / 1024:.0f} МиБ при допустимых "
            f"{max_total / 1024 / 1024:g} МиБ. Удалите лишние листы, рисунки и форматирование "
            "или скопируйте данные в чистый шаблон и пришлите его",
        )


def _is_xml(name: str) -> bool:
    lower = name.lower()
    return lower.endswith((".xml", ".rels", ".vml")) or lower == "mimetype"


def _decode_utf16(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head[:2] == b"<\0":
        return "utf-16-le"
    if head[:2] == b"\0<":
        return "utf-16-be"
    return None


def _small_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A part of at most CHUNK bytes, decompressed straight from the archive's bytes (a workbook
    has ~10-40 small parts, and zipfile's per-part file object costs more than inflating one);
    None for a larger or unusual part, or one whose size is not what the directory says: those
    take zipfile's checked path."""
    if info.file_size > CHUNK or info.compress_type not in (
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,
    ):
        return None
    fp = zf.fp
    view = fp.getbuffer() if hasattr(fp, "getbuffer") else None
    if view is None:
        return None
    try:
        off = info.header_offset
        if view[off : off + 4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack_from("<HH", view, off + 26)
        start = off + 30 + name_len + extra_len
        raw = view[start : start + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            data = bytes(raw)
        else:
            data = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
    except (zlib.error, struct.error, ValueError):
        return None
    finally:
        del view
    return data if len(data) == info.file_size else None


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """Chunks of a part (as UTF-8-compatible bytes: a UTF-16 part is re-encoded)."""
    small = _small_part(zf, info)
    if small is not None and _decode_utf16(small[:4]) is None:
        yield small
        return
    with zf.open(info) as fh:
        first = fh.read(CHUNK)
        enc = _decode_utf16(first[:4])
        if enc is None:
            chunk = first
            while chunk:
                yield chunk
                chunk = fh.read(CHUNK)
            return
        import codecs

        dec = codecs.getincrementaldecoder(enc)(errors="replace")
        chunk = first
        while chunk:
            yield dec.decode(chunk).encode("utf-8")
            chunk = fh.read(CHUNK)
        yield dec.decode(b"", final=True).encode("utf-8")


def _scan_plain(zf, info, findings: Findings, kind: str) -> None:
    tail = b""
    ods_content = kind == "ods"
    for chunk in _stream(zf, info):
        buf = tail + chunk if tail else chunk
        if b"<!" in buf and _DTD.search(buf):  # the regex only where a declaration may be
            raise _hostile_xml(info.filename)
        if ods_content and any(m in buf for m in _ODS_LINKS):
            findings.external_links = True
        tail = buf[-64:]


@functools.lru_cache(maxsize=8)
def _quick_bound(max_rows: int, max_columns: int, max_cells: int) -> re.Pattern | None:
    """A pattern that finds a cell whose reference is not a plain «A1» within columns A-Z and
    rows of at most d digits, d the largest that no limit can exceed (the defaults: 5, rows up to
    99 999); None when even A-Z × 9 rows could exceed one."""
    digits = 0
    while (
        10 ** (digits + 1) - 1 <= max_rows
        and 26 * (10 ** (digits + 1) - 1) <= max_cells
        and digits < 7
    ):
        digits += 1
    if digits == 0 or max_columns < 26:
        return None
    # `<c` then `>`, `/>` or a space not followed by r="<letter><digits>" (`<col`, `<cfRule` are
    # other tags): a cell without its reference first, or one outside the bound
    return re.compile(rb'<c(?:>|/>|\s(?!r="[A-Z]\d{1,%d}"))' % digits)


def _within_bound(data: bytes, quick: re.Pattern) -> bool:
    """True when the sheet's extent need not be measured: every cell carries a reference inside
    the bound and nothing needs the token scan (error values, formulas, hidden rows, prefixes).
    One regex search instead of collecting every cell's reference (a bench sheet: 30 against
    180 µs)."""
    return not _special(data) and quick.search(data) is None


def _scan_sheet(
    zf, info, sheet: SheetFindings, max_cells: int, name: str, quick: re.Pattern | None = None
) -> None:
    """DTD check plus the real extent, error values, uncalculated formulas, hidden rows. With
    `quick` (_quick_bound) a small sheet whose cells all lie inside it is only bounded."""
    if quick is not None:
        small = _small_part(zf, info)
        if small is not None and _decode_utf16(small[:4]) is None and _within_bound(small, quick):
            if b"<!" in small and _DTD.search(small):
                raise _hostile_xml(info.filename)
            _scan_merges(small, sheet)
            sheet.bounded = True
            return
    carry = b""
    state = [0, 0]  # current row, current column (for cells without a reference)
    for chunk in _stream(zf, info):
        buf = carry + chunk if carry else chunk
        if b"<!" in buf and _DTD.search(buf):
            raise _hostile_xml(info.filename)
        cut = max(buf.rfind(b"</row>") + 6, buf.rfind(b"</c>") + 4, _last_tag_end(buf))
        if cut <= 6:
            # no complete cell or row in the buffer: keep it (a cell longer than 8 MiB is
            # left to the parser, under the worker's limits)
            carry = buf if len(buf) <= MAX_CARRY else buf[-64:]
            continue
        _scan_segment(buf[:cut], sheet, state, name)
        carry = buf[cut:]
    if b"<!" in carry and _DTD.search(carry):
        raise _hostile_xml(info.filename)
    _scan_segment(carry, sheet, state, name)
    if sheet.cells:
        height = sheet.last_row - sheet.first_row + 1
        width = sheet.last_col - sheet.first_col + 1
        if sheet.cells > max_cells:  # that many filled cells: no reader does it in time
            last = f"{col_letter(sheet.last_col)}{sheet.last_row}"
            raise _too_large(
                name,
                f"на листе {sheet.cells} заполненных ячеек (до ячейки {last}), больше "
                f"допустимых {max_cells}",
                last,
            )
        sheet.sparse = height * width > max_cells


def _last_tag_end(buf: bytes) -> int:
    """End of the last self-closing <row .../> or <c .../> (0 if none)."""
    i = buf.rfind(b"/>")
    if i < 0:
        return 0
    j = buf.rfind(b"<", 0, i)
    if j >= 0 and re.match(rb"<(?:\w+:)?(?:row|c)\b", buf[j:]):
        return i + 2
    return 0


def _scan_merges(seg: bytes, sheet: SheetFindings) -> None:
    if b"mergeCell" in seg:  # after the cells, in <mergeCells>
        sheet.merged += [(int(r0), _col_index(c0), int(r1), _col_index(c1))
                         for c0, r0, c1, r1 in _MERGE.findall(seg)]  # fmt: skip


def _scan_segment(seg: bytes, sheet: SheetFindings, state: list, name: str) -> None:
    _scan_merges(seg, sheet)
    if _needs_tokens(seg):
        _scan_tokens(seg, sheet, state, name)
        return
    # fast path (every cell carries its reference; no error value, formula or hidden row):
    # only the extent of the non-empty cells
    cells = _FASTCELL.findall(seg)  # the cells that are not self-closing, in one pass
    if not cells:
        return
    rows = list(map(int, map(itemgetter(1), cells)))
    letters = set(map(itemgetter(0), cells))
    hi_col = _col_index(max(letters, key=lambda a: (len(a), a)))
    lo_col = _col_index(min(letters, key=lambda a: (len(a), a)))
    _extend(sheet, min(rows), max(rows), lo_col, hi_col, len(rows), name)
    state[0], state[1] = rows[-1], hi_col


def _special(seg: bytes) -> bool:
    """Error values, formulas, hidden rows or columns, or prefixed tags: the token scan's work."""
    return (
        b't="e"' in seg
        or b"<f" in seg
        or b"hidden" in seg
        or ((b":c" in seg or b":row" in seg) and _PREFIXED.search(seg) is not None)
    )


def _needs_tokens(seg: bytes) -> bool:
    return _special(seg) or seg.count(b"<c ") + seg.count(b"<c>") != seg.count(b'<c r="')


def _extend(sheet, r0, r1, c0, c1, n, name) -> None:
    if r1 > 1_048_576 or c1 > 16_384:
        raise _too_large(name, "ячейка за пределами листа Excel", None)
    if sheet.cells == 0:
        sheet.first_row, sheet.last_row, sheet.first_col, sheet.last_col = r0, r1, c0, c1
    else:
        sheet.first_row = min(sheet.first_row, r0)
        sheet.last_row = max(sheet.last_row, r1)
        sheet.first_col = min(sheet.first_col, c0)
        sheet.last_col = max(sheet.last_col, c1)
    sheet.cells += n


def _scan_tokens(seg: bytes, sheet: SheetFindings, state: list, name: str) -> None:
    for m in _COL.finditer(seg):
        attrs = m.group(1)
        if _HIDDEN.search(attrs):
            mm = dict(_MINMAX.findall(attrs))
            lo, hi = int(mm.get(b"min", 0)), int(mm.get(b"max", 0))
            sheet.hidden_cols.extend(range(lo, min(hi, lo + 200) + 1))
    row, col = state
    for m in _TOKEN.finditer(seg):
        if m.group(1):  # <row ...>
            attrs = m.group(2)
            r = _ATTR_R.search(attrs)
            row = int(r.group(2)) if r and r.group(2) else row + 1
            col = 0
            if _HIDDEN.search(attrs):
                sheet.hidden_rows.append(row)
            continue
        attrs = m.group(3)
        r = _ATTR_R.search(attrs)
        if r and r.group(1):
            col = _col_index(r.group(1))
            if r.group(2):
                row = int(r.group(2))
        else:
            col += 1
        body = m.group(4) or b""
        has_v = (b"<v" in body and _V.search(body) is not None) or b"<is" in body
        if not has_v and not _F.search(body):
            continue  # a styled empty cell
        _extend(sheet, row, row, col, col, 1, name)
        t = _ATTR_T.search(attrs)
        if t and t.group(1) == b"e":
            v = _V.search(body)
            text = v.group(1).decode("utf-8", "replace").strip() if v else ""
            sheet.errors[(row, col)] = text[:20] or "#ОШИБКА"
        elif not has_v and not (t and t.group(1) == b"str" and _V_EMPTY.search(body)):
            sheet.uncalculated.append((row, col))
    state[0], state[1] = row, col


def col_letter(index: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _too_large(name: str, what: str, cell: str | None) -> ReadError:
    return ReadError(
        "sheet_too_large",
        f"{what}. Удалите лишнее (в том числе заполненные далеко внизу или справа ячейки) и "
        "пришлите файл заново",
        sheet=name,
        cell=cell or "",
    )


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    small = _small_part(zf, info)
    return small if small is not None else zf.read(info)


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> tuple[dict[str, str], set[str], bool]:
    """xlsx: sheet name → part path, hidden sheet names, external references in workbook.xml."""
    wb_name = next((n for n in names if n.lower() == "xl/workbook.xml"), None)
    rels_name = next((n for n in names if n.lower() == "xl/_rels/workbook.xml.rels"), None)
    if wb_name is None:
        return {}, set(), False
    try:
        wb = SafeET.fromstring(_read_part(zf, wb_name))
        rels = SafeET.fromstring(_read_part(zf, rels_name)) if rels_name else None
    except Exception:
        return {}, set(), False  # the parser will report the damage
    targets = {}
    if rels is not None:
        for rel in rels:
            targets[rel.get("Id")] = rel.get("Target") or ""
    parts: dict[str, str] = {}
    hidden: set[str] = set()
    external = False
    lower = {n.lower(): n for n in names}
    for el in wb.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "externalReference":
            external = True
        if tag != "sheet":
            continue
        name = el.get("name") or ""
        if el.get("state") in ("hidden", "veryHidden"):
            hidden.add(name)
        target = targets.get(el.get(f"{{{REL_NS}}}id") or "", "")
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        parts[name] = lower.get(path.lower(), path)
    return parts, hidden, external


def inspect_zip(zf: zipfile.ZipFile, kind: str, limits: dict, wanted=None) -> Findings:
    """Raise a ReadError for a hostile archive; otherwise what the reader should know."""
    infos = zf.infolist()
    check_archive(infos, limits)
    findings = Findings()
    names = {i.filename for i in infos}
    lowered = [n.lower() for n in names]
    if kind == "xlsx":
        if any(n.startswith("xl/externallinks/") for n in lowered):
            findings.external_links = True
        if any(n.endswith("vbaproject.bin") for n in lowered):
            findings.macros = True
    else:
        if any(n.startswith(("basic/", "scripts/")) for n in lowered):
            findings.macros = True
    # 1. every XML part but the sheets: DTD only (workbook.xml before defusedxml reads it)
    sheet_parts: dict[str, str] = {}
    for info in infos:
        if _is_xml(info.filename) and not info.filename.lower().startswith("xl/worksheets/"):
            _scan_plain(zf, info, findings, kind if info.filename == "content.xml" else "")
    hidden_sheets: set[str] = set()
    if kind == "xlsx":
        sheet_parts, hidden_sheets, external = _sheet_parts(zf, names)
        findings.external_links = findings.external_links or external
    # 2. sheets: the wanted ones in full, the others for a DTD only
    by_part = {v: k for k, v in sheet_parts.items() if wanted is None or wanted(k)}
    other_parts = {v: k for k, v in sheet_parts.items() if v not in by_part}
    max_cells = int(_limit(limits, "max_cells"))
    quick = _quick_bound(
        int(limits.get("max_rows", DEFAULT_LIMITS["max_rows"])),
        int(limits.get("max_columns", DEFAULT_LIMITS["max_columns"])),
        max_cells,
    )
    for info in infos:
        if not info.filename.lower().startswith("xl/worksheets/") or not _is_xml(info.filename):
            continue
        name = by_part.get(info.filename)
        if name is None:
            other = other_parts.get(info.filename)
            if other is None:
                _scan_plain(zf, info, findings, "")  # not a sheet of the workbook: DTD only
            else:
                sheet = SheetFindings()
                _scan_sheet(zf, info, sheet, max_cells, other, quick)
                findings.other_sheets[other] = sheet
            continue
        sheet = SheetFindings(hidden_sheet=name in hidden_sheets)
        _scan_sheet(zf, info, sheet, max_cells, name, quick)
        findings.sheets[name] = sheet
    return findings
