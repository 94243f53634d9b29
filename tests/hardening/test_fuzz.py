"""Fuzzing of the header and cell parsers on whole rows, and of the pre-flight on random bytes."""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.common.config import load_assessment
from scripts.ingest.read import ReadError, Sheet, Workbook, read_workbook
from scripts.ingest.template_v1 import parse_workbook
from scripts.ingest.validate import CATALOGUE
from tests.ingest.conftest import DEMO, LIMITS, REGISTRY, demo_header

DEFN = load_assessment(DEMO)
CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(
        ["#DIV/0!", "#REF!", "4A", "4\u200bа", "\u00a02", "1,0", "н", "=SUM(A1)", "5.10", "ФИО"]
    ),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(CELL, st.sampled_from(demo_header(DEFN))), min_size=1, max_size=25),
    st.lists(st.lists(CELL, max_size=25), max_size=6),
)
def test_fuzz_header_and_rows(header, rows):
    """Any header and any rows: no crash; every problem has a catalogue code and a cell; a file
    is accepted only without errors; counted rows add up."""
    title = Sheet("Титул", 1, 1, [["Код ОО", "0101"], ["Шаблон", DEFN["template"]]])
    res = Sheet("Результаты", 1, 1, [["№", *header], *[[i + 1, *r] for i, r in enumerate(rows)]])
    wb = Workbook("xlsx", ["Титул", "Результаты"], {"Титул": title, "Результаты": res})
    parsed = parse_workbook(wb, DEFN, REGISTRY, "f.xlsx")
    for p in parsed.problems:
        assert p.code in CATALOGUE and p.severity == CATALOGUE[p.code]
        assert p.message and p.message[0].isupper()
    assert parsed.rows_present + parsed.rows_absent <= parsed.rows_read <= len(rows)
    if not any(p.severity == "error" for p in parsed.problems):
        assert len(parsed.students) == parsed.rows_read


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0"]))
def test_fuzz_reader_on_random_bytes(data, prefix):
    try:
        read_workbook(prefix + data, LIMITS)
    except ReadError as err:
        assert err.code in CATALOGUE


@settings(max_examples=40, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["xl/workbook.xml", "xl/sharedStrings.xml", "content.xml"]),
)
def test_fuzz_preflight_on_random_xml_parts(text, part):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        if part != "xl/workbook.xml":
            z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr(part, text)
    try:
        read_workbook(out.getvalue(), LIMITS)
    except ReadError as err:
        assert err.code in CATALOGUE
        if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
            assert err.code in ("xml_entities", "file_unreadable", "file_unsupported")
