"""Cell parsers of template v1: documented cases and fuzzing (no crash, accepted or reported)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.ingest.template_v1 import (
    header_key,
    norm_label,
    parse_absent,
    parse_class,
    parse_points,
    parse_variant,
)

POINT_CODES = {
    "points_empty",
    "points_not_number",
    "points_decimal",
    "points_negative",
    "points_over_max",
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, (0, None)),
        (2.0, (2, None)),
        (2, (2, None)),
        ("2", (2, None)),
        (" 2 ", (2, None)),
        ("\u00a02\u200b", (2, None)),
        ("2,0", (2, None)),
        (1.5, (None, "points_decimal")),
        ("1,5", (None, "points_decimal")),
        ("1.5", (None, "points_decimal")),
        (-1.0, (None, "points_negative")),
        ("-1", (None, "points_negative")),
        (3.0, (None, "points_over_max")),
        ("3", (None, "points_over_max")),
        ("-", (None, "points_not_number")),
        ("х", (None, "points_not_number")),
        (True, (None, "points_not_number")),
        (dt.datetime(2021, 4, 5), (None, "points_not_number")),
        ("", (None, "points_empty")),
        ("   ", (None, "points_empty")),
        (None, (None, "points_empty")),
    ],
)
def test_points(value, expected):
    assert parse_points(value, 2) == expected


@pytest.mark.parametrize("value", ["да", "Да", " ДА ", "+", "1", 1.0, "н", "Н", "H", True])
def test_absent_yes(value):
    assert parse_absent(value) == (True, None)


@pytest.mark.parametrize("value", ["", None, "нет", "НЕТ", "0", 0.0, "-", "–", False, "  "])
def test_absent_no(value):
    assert parse_absent(value) == (False, None)


@pytest.mark.parametrize("value", ["был", "2", 2.0, "x", "да!", "отс", "н.", "да.", "1."])
def test_absent_bad(value):
    assert parse_absent(value) == (None, "absent_value_bad")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4А", "4А"),
        ("4 а", "4А"),
        ("4-А", "4А"),
        ("4а", "4А"),
        ("4a", "4А"),  # Latin a
        ("4 A", "4А"),  # Latin A
        ('4 "Б"', "4Б"),
        ("4«в»", "4В"),
        ("\u00a04\u200bг ", "4Г"),
        ("4 а класс", "4А"),
        ("4", "4"),
        (4.0, "4"),
        ("4ё", "4Е"),
        ("4й", "4Й"),  # decomposed й
    ],
)
def test_class_ok(value, expected):
    assert parse_class(value, 4) == (expected, None)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "class_missing"),
        (None, "class_missing"),
        ("5А", "class_other_grade"),
        (3.0, "class_other_grade"),
        ("четвёртый", "class_bad"),
        ("4АБ", "class_bad"),
        ("А4", "class_bad"),
        (4.5, "class_bad"),
        (True, "class_bad"),
    ],
)
def test_class_bad(value, code):
    assert parse_class(value, 4) == (None, code)


def test_variant():
    assert parse_variant("", [1, 2]) == (None, None)
    assert parse_variant(2.0, [1, 2]) == (2, None)
    assert parse_variant(" 1 ", [1, 2]) == (1, None)
    assert parse_variant(3, [1, 2]) == (None, "variant_bad")
    assert parse_variant("I", [1, 2]) == (None, "variant_bad")
    assert parse_variant(1.5, [1, 2]) == (None, "variant_bad")


def test_headers():
    assert header_key(1.0) == "1"
    assert header_key(5.2) == "5.2"
    assert header_key(12) == "12"
    assert header_key(" 5.10 ") == "5.10"
    assert norm_label("  КОД оо : ") == "код оо"
    assert norm_label("Код OO") == "код оо"  # Latin O
    assert norm_label("Отсутствовал:") == "отсутствовал"


cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["1", " 2 ", "1,5", "-", "х", "да", "н", "4а", "4 - Б", "\u200b", "\xa0"]),
    st.datetimes(),
    st.dates(),
)


@settings(max_examples=150, deadline=None)
@given(cell_values, st.integers(min_value=1, max_value=10))
def test_fuzz_points(value, max_points):
    points, code = parse_points(value, max_points)
    if code is None:
        assert isinstance(points, int) and 0 <= points <= max_points
    else:
        assert points is None and code in POINT_CODES


@settings(max_examples=150, deadline=None)
@given(cell_values)
def test_fuzz_absent(value):
    absent, code = parse_absent(value)
    assert (absent in (True, False) and code is None) or (
        absent is None and code == "absent_value_bad"
    )


@settings(max_examples=150, deadline=None)
@given(cell_values, st.integers(min_value=1, max_value=11))
def test_fuzz_class(value, grade):
    klass, code = parse_class(value, grade)
    if code is None:
        assert klass.startswith(str(grade)) and len(klass) <= len(str(grade)) + 1
    else:
        assert klass is None and code in {"class_missing", "class_bad", "class_other_grade"}


@settings(max_examples=150, deadline=None)
@given(cell_values)
def test_fuzz_header_and_variant(value):
    assert isinstance(header_key(value), str)
    assert isinstance(norm_label(value), str)
    variant, code = parse_variant(value, [1, 2, 3])
    assert (code is None and variant in (None, 1, 2, 3)) or (
        variant is None and code == "variant_bad"
    )


def _clean_text_reference(value) -> str:
    """clean_text as first written (no fast path): the independent second computation."""
    import unicodedata

    from scripts.ingest.template_v1 import _INVISIBLE, _SPACES

    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text.translate(_INVISIBLE)).strip()


@settings(max_examples=3000, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list(
                "аБйи\u0306 x1.\t\n\r\x0b\x0c\x1c\x1f\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff\u00ad\u3000\u2028"
            )
        ),
        max_size=12,
    )
)
def test_clean_text_fast_path_equals_the_reference(text):
    from scripts.ingest.template_v1 import clean_text

    assert clean_text(text) == _clean_text_reference(text)
