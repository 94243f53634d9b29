import markdown
import pytest

from scripts.site.escape import MdSafe, csv_cell, md_text, slug

HOSTILE = [
    "<script>alert(1)</script> **x** | y",
    "**[x](javascript:alert(1))**",
    "{{ 7*7 }} {% if %} --8<-- 'file.md'",
    "<img src=x onerror=alert(1)>",
    "`code` _em_ ~~s~~ ![i](http://evil/x.png) <http://evil> [^1] *[ABBR]: x",
    "# heading\n\n    indented",
]


def to_html(text: str) -> str:
    return markdown.markdown(text, extensions=["tables", "admonition", "toc"])


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_shows_literally(text):
    html = to_html(str(md_text(text)))
    for bad in ("<script", "<strong", "<em", "<a ", "<img", "<code", "<h1", "<pre", "<del"):
        assert bad not in html
    assert "{{" not in str(md_text(text)) and "--8<--" not in str(md_text(text))


def test_md_text_in_a_table_cell_does_not_split():
    row = f"| {md_text('a | b')} | c |"
    html = to_html("| h1 | h2 |\n|---|---|\n" + row)
    assert html.count("<td>") == 2


def test_md_text_drops_bidi_and_controls_and_collapses_space():
    assert md_text("a\u202eb\u2066c\x00d\n\n  e") == "abcd e"
    assert md_text(None) == "" and md_text(12) == "12"
    assert isinstance(md_text("x"), MdSafe) and md_text(md_text("*")) == "&#42;"


def test_md_text_round_trips_to_the_same_visible_text():
    import html

    for text in HOSTILE:
        visible = html.unescape(str(md_text(text)))
        assert visible == " ".join(text.split())


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+2", "'=1+2"), ("+7", "'+7"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("-3.5", "-3.5"), ("12", "12"), ("Школа", "Школа"), ("", ""), (None, "")],
)  # fmt: skip
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


def test_slug():
    assert slug("000123") == "000123"
    assert slug("../x") != "../x" and slug("../x").startswith("x") and "/" not in slug("a/b")
    assert slug("a b") == slug("a b")


def test_download_cells_of_equal_value_but_other_type_stay_apart():
    from scripts.site.downloads import csv_bytes

    rows = [{"a": True}, {"a": 1}, {"a": 1.0}, {"a": "1"}]
    assert csv_bytes(["a"], rows).decode().splitlines() == ["a", "True", "1", "1.0", "1"]
