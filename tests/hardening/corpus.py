"""The hostile corpus: small generated workbooks, each with its expected outcome.

`build(folder, demo)` writes every file of CORPUS (≤ 100 KB each) and returns their paths. An
expectation is (status, code, cell): `code` must be among the file's problems (at `cell` when
given); `None` code with status `accepted` means "accepted, no error".
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from tests.ingest.conftest import demo_header, demo_row, school_book, title_grid

DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SECRET = "/etc/hostname"


@dataclass
class Case:
    name: str
    attack: str
    status: str
    code: str | None
    cell: str | None = None
    make: object = None


def good_rows(demo, n=2):
    return [demo_row(i + 1, f"s{i + 1}", definition=demo) for i in range(n)]


def base_xlsx(tmp: Path, demo, code="0101", rows=None) -> bytes:
    path = school_book(tmp / f"base_{code}.xlsx", demo, rows or good_rows(demo), code=code)
    return path.read_bytes()


def patch(data: bytes, repl: dict, add: dict | None = None, flag=None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in repl:
                body = repl[info.filename](body)
            z.writestr(info.filename, body)
        for name, body in (add or {}).items():
            z.writestr(name, body)
    return out.getvalue()


def with_dtd(dtd: str, ref: bytes | None = None, old: bytes = b"<t>s1</t>"):
    def fn(body: bytes) -> bytes:
        body = body.replace(DECL, DECL + dtd.encode(), 1)
        if not body.startswith(DECL):
            body = dtd.encode() + body
        return body.replace(old, ref, 1) if ref else body

    return fn


LAUGHS = (
    '<!DOCTYPE sst [<!ENTITY l0 "lol">'
    + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    + "]>"
)
QUADRATIC = '<!DOCTYPE sst [<!ENTITY big "' + "A" * 30000 + '">]>'
XXE = f'<!DOCTYPE sst [<!ENTITY x SYSTEM "file://{SECRET}">]>'
XXE_PARAM = '<!DOCTYPE workbook [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>'


def ods(content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
        z.writestr("content.xml", content)
    return out.getvalue()


ODS_BODY = (
    b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
    b'<office:spreadsheet><table:table table:name="T"><table:table-row><table:table-cell '
    b'office:value-type="string"><text:p>&x;</text:p></table:table-cell></table:table-row>'
    b"</table:table></office:spreadsheet></office:body></office:document-content>"
)


def openpyxl_school(tmp: Path, demo, name: str, edit) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Титул"
    for row in title_grid("0101", demo["template"]):
        ws.append(row)
    res = wb.create_sheet("Результаты")
    res.append(["Результаты"])
    res.append([])
    res.append(demo_header(demo) + ["Итого"])
    for r in good_rows(demo, 3):
        res.append(r)
    edit(wb, res)
    path = tmp / name
    wb.save(path)
    return path.read_bytes()


def cell_sub(ref: str, new: bytes):
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)

    def fn(body: bytes) -> bytes:
        body, n = pattern.subn(new, body, count=1)
        assert n == 1, ref
        return body

    return fn


def _sheet2(fn):
    return {"xl/worksheets/sheet2.xml": fn}


def build(folder: Path, demo) -> dict[str, tuple[Path, Case]]:
    tmp = folder / "_src"
    tmp.mkdir(parents=True, exist_ok=True)
    base = base_xlsx(tmp, demo)
    cases: list[tuple[Case, bytes]] = []

    def add(case: Case, data: bytes) -> None:
        cases.append((case, data))

    # --- XML attacks -----------------------------------------------------------------------
    sst = "xl/sharedStrings.xml"
    add(
        Case("laughs_sst.xlsx", "billion laughs in sharedStrings.xml", "rejected", "xml_entities"),
        patch(base, {sst: with_dtd(LAUGHS, b"<t>&l9;</t>")}),
    )
    add(
        Case(
            "quadratic_sst.xlsx",
            "quadratic blow-up (30 KB entity × 3000)",
            "rejected",
            "xml_entities",
        ),
        patch(base, {sst: with_dtd(QUADRATIC, b"<t>" + b"&big;" * 3000 + b"</t>")}),
    )
    add(
        Case(
            "xxe_general_sst.xlsx",
            "external general entity (file://) in sharedStrings.xml",
            "rejected",
            "xml_entities",
        ),
        patch(base, {sst: with_dtd(XXE, b"<t>&x;</t>")}),
    )
    add(
        Case(
            "xxe_param_workbook.xlsx",
            "external parameter entity (http://) in workbook.xml",
            "rejected",
            "xml_entities",
        ),
        patch(base, {"xl/workbook.xml": with_dtd(XXE_PARAM)}),
    )
    add(
        Case(
            "xxe_sheet.xlsx",
            "external entity in a sheet's XML (inline string)",
            "rejected",
            "xml_entities",
        ),
        patch(base, _sheet2(with_dtd(XXE.replace("sst", "worksheet")))),
    )
    add(
        Case(
            "internal_entity_sst.xlsx",
            "harmless-looking internal entity",
            "rejected",
            "xml_entities",
        ),
        patch(base, {sst: with_dtd('<!DOCTYPE sst [<!ENTITY x "s1">]>', b"<t>&x;</t>")}),
    )

    def utf16(body: bytes) -> bytes:
        text = (
            with_dtd(XXE, b"<t>&x;</t>")(body)
            .decode()
            .replace('encoding="UTF-8"', 'encoding="UTF-16"')
        )
        return b"\xff\xfe" + text.encode("utf-16-le")

    add(
        Case(
            "xxe_utf16_sst.xlsx",
            "external entity hidden in a UTF-16 part",
            "rejected",
            "xml_entities",
        ),
        patch(base, {sst: utf16}),
    )
    add(
        Case(
            "laughs_theme.xlsx",
            "billion laughs in a part calamine skips (theme)",
            "rejected",
            "xml_entities",
        ),
        patch(base, {"xl/theme/theme1.xml": with_dtd(LAUGHS.replace("sst", "a:theme"))}),
    )
    add(
        Case("ods_laughs.ods", "billion laughs in content.xml", "rejected", "xml_entities"),
        ods(
            DECL
            + LAUGHS.replace("sst", "office:document-content").encode()
            + ODS_BODY.replace(b"&x;", b"&l9;")
        ),
    )
    add(
        Case("ods_xxe.ods", "external entity in content.xml", "rejected", "xml_entities"),
        ods(DECL + XXE.replace("sst", "office:document-content").encode() + ODS_BODY),
    )
    # --- archives ---------------------------------------------------------------------------
    add(
        Case(
            "zip_bomb_ratio.xlsx",
            "a 64 MiB part of zeros compressed 1000×",
            "rejected",
            "archive_suspicious",
        ),
        patch(base, {}, {"xl/media/pad.bin": b"\0" * (64 << 20)}),
    )
    add(
        Case(
            "zip_many_entries.xlsx",
            "1001 empty parts (limit 1000)",
            "rejected",
            "archive_suspicious",
        ),
        patch(base, {}, {f"z{i}": b"" for i in range(1001)}),
    )
    add(
        Case("macros.xlsm", "VBA project (vbaProject.bin)", "rejected", "macros"),
        patch(base, {}, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0fake"}),
    )
    add(
        Case(
            "external_links.xlsx",
            "link to another workbook (xl/externalLinks/)",
            "rejected",
            "external_links",
        ),
        patch(
            base,
            {},
            {
                "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
            },
        ),
    )
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le")
    add(
        Case(
            "encrypted_ooxml.xlsx",
            "password-protected (OLE2 EncryptedPackage)",
            "rejected",
            "encrypted",
        ),
        ole,
    )
    enc = bytearray(base)
    enc[6] |= 1
    cd = enc.find(b"PK\x01\x02")
    enc[cd + 8] |= 1
    add(
        Case("encrypted_zip.xlsx", "zip entries with the encryption flag", "rejected", "encrypted"),
        bytes(enc),
    )
    add(
        Case("truncated.xlsx", "half a download", "rejected", "file_unreadable"),
        base[: len(base) // 2],
    )
    add(Case("empty.xlsx", "0 bytes", "rejected", "file_unreadable"), b"")
    add(
        Case("html_as.xls", "HTML table saved as .xls", "rejected", "file_unsupported"),
        b"<html><table><tr><td>1</td></tr></table></html>",
    )
    add(
        Case("pdf_as.xlsx", "PDF renamed to .xlsx", "rejected", "file_unsupported"),
        b"%PDF-1.4\n%\xe2\xe3",
    )
    # --- lying workbooks ---------------------------------------------------------------------
    add(
        Case(
            "dimension_lie.xlsx", "<dimension ref=A1:XFD1048576> with 5 real rows", "accepted", None
        ),
        patch(
            base,
            _sheet2(
                lambda b: b.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="')
            ),
        ),
    )
    add(
        Case("stray_far_cell.xlsx", "one stray value at XFD1048576", "rejected", "sheet_too_large"),
        patch(
            base,
            _sheet2(
                lambda b: b.replace(
                    b"</sheetData>",
                    b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
                )
            ),
        ),
    )
    add(
        Case(
            "gap_over_limit.xlsx",
            "a data row after a blank gap, at row 150000",
            "rejected",
            "sheet_too_large",
        ),
        patch(
            base,
            _sheet2(
                lambda b: b.replace(
                    b"</sheetData>",
                    b'<row r="150000"><c r="B150000" t="inlineStr"><is><t>s9</t></is></c></row></sheetData>',
                )
            ),
        ),
    )
    gap_rows = good_rows(demo, 2) + [[None]] * 3000 + [demo_row(3, "s3", definition=demo)]
    add(
        Case(
            "gap_found.xlsx",
            "a student 3000 blank rows below the others (found, counted)",
            "accepted",
            None,
        ),
        base_xlsx(tmp, demo, "0102", gap_rows),
    )
    add(
        Case(
            "div0_points.xlsx",
            "#DIV/0! error value in a points cell",
            "rejected",
            "points_not_number",
            "F4",
        ),
        patch(base, _sheet2(cell_sub("F4", b'<c r="F4" t="e"><f>1/0</f><v>#DIV/0!</v></c>'))),
    )
    add(
        Case("ref_class.xlsx", "#REF! error value in a class cell", "rejected", "class_bad", "C5"),
        patch(base, _sheet2(cell_sub("C5", b'<c r="C5" t="e"><v>#REF!</v></c>'))),
    )

    def formula_variant(wb, ws):
        # «Вариант» may be empty, so an uncalculated formula there is read as empty and reported;
        # formulas in «Итого»/«Отметка» need no saved value (they are only checked).
        for r in range(4, 7):
            ws[f"D{r}"] = "=1"

    add(
        Case(
            "formula_no_cache.xlsx",
            "openpyxl-written formulas in «Вариант» (no cached values): read as empty (a warning "
            "says so), and a present student's variant is required",
            "rejected",
            "variant_missing",
            "D4",
        ),
        openpyxl_school(tmp, demo, "f.xlsx", formula_variant),
    )

    def formula_points(wb, ws):
        ws["F4"] = "=1+1"

    add(
        Case(
            "formula_in_points.xlsx",
            "a points cell holding an uncalculated formula",
            "rejected",
            "points_empty",
            "F4",
        ),
        openpyxl_school(tmp, demo, "fp.xlsx", formula_points),
    )

    def hide_row(wb, ws):
        ws.row_dimensions[5].hidden = True

    add(
        Case(
            "hidden_row.xlsx",
            "a hidden data row (read and counted)",
            "accepted",
            "hidden_content",
            "5",
        ),
        openpyxl_school(tmp, demo, "h.xlsx", hide_row),
    )

    def hide_sheet(wb, ws):
        ws.sheet_state = "hidden"

    add(
        Case("hidden_sheet.xlsx", "the results sheet hidden", "accepted", "hidden_content"),
        openpyxl_school(tmp, demo, "hs.xlsx", hide_sheet),
    )

    def merge_class(wb, ws):
        ws["C5"] = None
        ws["C6"] = None
        ws.merge_cells("C4:C6")

    add(
        Case("merged_class.xlsx", "class merged over three rows", "rejected", "merged_cells", "C4"),
        openpyxl_school(tmp, demo, "m.xlsx", merge_class),
    )

    def invisible(wb, ws):
        ws["C4"] = "4\u200b\u00a0а"
        ws["F4"] = "\u00a01\u200b"
        ws["B4"] = "\ufeffs1"

    add(
        Case(
            "invisible_spaces.xlsx",
            "NBSP, zero-width spaces and BOM in class, points, code",
            "accepted",
            None,
        ),
        openpyxl_school(tmp, demo, "sp.xlsx", invisible),
    )

    def latin(wb, ws):
        ws["C4"] = "4A"  # Latin A
        ws["C5"] = "4 a"
        wb["Титул"]["A2"] = "Код OO"  # Latin O in the label

    add(
        Case(
            "latin_lookalikes.xlsx",
            "Latin look-alike letters in class «4A» and a label",
            "accepted",
            None,
        ),
        openpyxl_school(tmp, demo, "lat.xlsx", latin),
    )

    def code_number(wb, ws):
        wb["Титул"]["B2"] = 101

    add(
        Case(
            "code_lost_zeros.xlsx",
            "Код ОО typed as the number 101 (lost its leading zero)",
            "accepted",
            "code_padded",
            "B2",
        ),
        openpyxl_school(tmp, demo, "cz.xlsx", code_number),
    )

    out: dict[str, tuple[Path, Case]] = {}
    sub = folder / "submissions"
    sub.mkdir(parents=True, exist_ok=True)
    for case, data in cases:
        path = sub / case.name
        path.write_bytes(data)
        assert len(data) <= 100 * 1024, (case.name, len(data))
        out[f"submissions/{case.name}"] = (path, case)
    return out


def good_files(folder: Path, demo) -> dict[str, Path]:
    sub = folder / "submissions" / "good"
    sub.mkdir(parents=True, exist_ok=True)
    out = {}
    for code in ("0101", "0102", "0201"):
        path = school_book(sub / f"{code}.xlsx", demo, good_rows(demo, 3), code=code)
        out[f"submissions/good/{code}.xlsx"] = path
    return out
