"""Config validation gives one line naming the file and key; number formatting is half-up."""

from __future__ import annotations

import copy
import csv
import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from scripts.common.config import ConfigError, load_assessment, load_defaults, thresholds
from scripts.common.csvio import _cell, to_csv_text
from scripts.common.numfmt import fmt

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "config/assessments/math4-2021.yaml"


def write_variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "math4-2021.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_config_is_valid():
    defaults = load_defaults(REPO / "config/config.yaml")
    assessment = load_assessment(DEMO)
    assert thresholds(defaults, assessment)["risk"]["school"]["below_basic_pct"] == 25


def test_assessment_override_merges_one_key():
    defaults = load_defaults(REPO / "config/config.yaml")
    merged = thresholds(defaults, {"thresholds": {"risk": {"school": {"below_basic_pct": 30}}}})
    assert merged["risk"]["school"] == {"below_basic_pct": 30, "basic_tasks_pct": 57}
    assert merged["risk"]["min_participants"] == 5


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d["tasks"][2].update(max="two"), "tasks.2.max"),
        (lambda d: d["tasks"][0].update(maximum=1), "tasks.0"),
        (lambda d: d["levels"].pop("basic_min"), "levels"),
        (lambda d: d.update(thresholds={"risk": {"school": {"below_basic": 1}}}), "thresholds"),
        (lambda d: d.update(date="2021-02-30"), "date"),
        (lambda d: d["tasks"][1].update(result="9.9"), "tasks.1.result"),
        (lambda d: d["tasks"][1].update(id="1"), "tasks"),
        (lambda d: d.update(id="other"), "id"),
        # unreachable: more basic points than the basic tasks hold (the demo's: 13), a mark above
        # the whole work's maximum (19) — every pupil below basic, nobody ever a «5»
        (lambda d: d["levels"].update(basic_min=14), "levels.basic_min"),
        (lambda d: d["levels"].update(above_basic_min=7), "levels.above_basic_min"),
        (lambda d: d["marks"].update({"5": 20}), "marks.5"),
    ],
)
def test_bad_assessment_names_file_and_key(tmp_path, change, key):
    path = write_variant(tmp_path, change)
    with pytest.raises(ConfigError) as info:
        load_assessment(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ключ «{key}")
    assert not re.search(r"[A-Za-z]{4,} (is|are|was|not|of|a) ", message), message  # Russian words


def test_optional_keys_written_empty_are_as_if_absent(tmp_path):
    """`thresholds:` with every override commented out reads as YAML null: not an error."""
    path = tmp_path / "math4-2021.yaml"
    text = DEMO.read_text(encoding="utf-8")
    assert "\nthresholds: {}\n" in text and "\n# reference_date: 2021-06-30" in text
    text = text.replace("\nthresholds: {}\n", "\nthresholds:\n  # risk: {min_participants: 3}\n")
    text = text.replace("\n# reference_date: 2021-06-30", "\nreference_date:")
    path.write_text(text, encoding="utf-8")
    got = load_assessment(path)
    assert "thresholds" not in got and "reference_date" not in got
    assert got["plan"] == load_assessment(DEMO)["plan"]
    path.write_text(text.replace("\nthresholds:", "\nthresholds: 5"), encoding="utf-8")
    with pytest.raises(ConfigError, match="thresholds"):
        load_assessment(path)


def test_quoted_and_unquoted_dates_are_both_accepted(tmp_path):
    path = write_variant(tmp_path, lambda d: d.update(date="2021-04-29"))
    assert load_assessment(path)["date"] == "2021-04-29"
    assert load_assessment(DEMO)["date"] == "2021-04-29"


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (2.25, 1, "2.3"),
        (2.35, 1, "2.4"),
        (24.96, 1, "25.0"),
        (-0.04, 1, "0.0"),
        # a negative half rounds away from zero, as Excel's ROUND: a difference and its reverse
        # print with the same magnitude (school − municipality −6.25 → −6.3, the reverse 6.3)
        (-6.25, 1, "-6.3"),
        (6.25, 1, "6.3"),
        (-0.05, 1, "-0.1"),
        (100 / 3, 1, "33.3"),
        (200 / 3, 2, "66.67"),
        (0.1 + 0.2, 1, "0.3"),
        (1 / 8 * 100, 1, "12.5"),
        (7 / 12 * 100, 1, "58.3"),
        (float("nan"), 1, ""),
        (None, 2, ""),
    ],
)
def test_fmt_half_up(value, digits, text):
    assert fmt(value, digits) == text


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_fmt_percent_matches_integer_arithmetic(part, whole):
    """A percentage p/w×100 rounded half-up to 1 decimal, computed a second way with integers."""
    part = min(part, whole)
    tenths_times_2w = part * 2000  # 10·100·p, doubled to round half up with integers
    expected_tenths = (tenths_times_2w + whole) // (2 * whole)
    expected = f"{expected_tenths // 10}.{expected_tenths % 10}"
    assert fmt(part / whole * 100, 1) == expected


def test_csv_text_is_canonical():
    text = to_csv_text(
        [{"code": "007", "pct": 12.25, "flag": True, "n": 3, "empty": None}],
        ["code", "pct", "flag", "n", "empty"],
        {"pct": 1},
    )
    assert text == "code,pct,flag,n,empty\n007,12.3,1,3,\n"


def test_bad_yaml_is_one_line(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_assessment(path)
    assert "\n" not in str(info.value)


def test_deep_merge_does_not_touch_defaults():
    defaults = load_defaults(REPO / "config/config.yaml")
    before = copy.deepcopy(defaults)
    thresholds(defaults, {"thresholds": {"privacy": {"min_group_size": 10}}})
    assert defaults == before


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(min_value=-1e6, max_value=1e6),
    st.just(float("nan")),
    st.text(alphabet=st.sampled_from(list('аб,"\r\n 1;x')), max_size=6),
)


@given(st.lists(st.tuples(_VALUES, _VALUES, _VALUES), max_size=8))
def test_csv_fast_path_writes_what_the_cell_formatter_writes(rows):
    """to_csv_text passes text, whole numbers and None straight to csv; the reference puts every
    cell through _cell. Same bytes for any mix (floats only where decimals are declared)."""
    columns, decimals = ["a", "b", "c"], {"b": 1, "c": 2}
    dicts = []
    for a, b, c in rows:
        if isinstance(a, float):  # a float needs declared decimals (else a ValueError)
            a = None if a != a else np.float64(round(a))
        dicts.append(
            {
                "a": a,
                "b": b,
                "c": np.int64(c) if isinstance(c, int) and not isinstance(c, bool) else c,
            }
        )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in dicts:
        writer.writerow([_cell(row.get(k), decimals.get(k)) for k in columns])
    assert to_csv_text(dicts, columns, decimals) == buf.getvalue()


def test_text_rows_csv_matches_the_dict_writer():
    from scripts.common.csvio import text_rows_csv

    rows = [["x\r\ny", "1", ""], ['a,"b"', "", "Ё\rж"]]
    dicts = [dict(zip("abc", r, strict=True)) for r in rows]
    assert text_rows_csv(list("abc"), rows) == to_csv_text(dicts, list("abc"))
    assert text_rows_csv(list("abc"), rows) == 'a,b,c\n"x\ny",1,\n"a,""b""",,"Ё\nж"\n'


@given(
    st.lists(st.text(alphabet='ab,"\n\r ё1', max_size=12), min_size=0, max_size=6),
    st.lists(st.lists(st.text(alphabet='ab,"\n\r ё1', max_size=6), max_size=6), max_size=6),
)
def test_read_csv_gives_the_rows_of_dict_reader(header, rows):
    """read_csv builds rows from csv.reader; any file (short, long and blank rows, quoted line
    breaks) gives what csv.DictReader gives."""
    import tempfile

    from scripts.common.csvio import read_csv

    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    for r in ([header] if header else []) + rows:
        w.writerow(r)
    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", encoding="utf-8", newline="", delete=False
    ) as fh:
        fh.write(buf.getvalue())
    try:
        with open(fh.name, encoding="utf-8", newline="") as src:
            expected = list(csv.DictReader(src))
        assert read_csv(fh.name) == expected
    finally:
        os.unlink(fh.name)


def test_config_message_quotes_a_value_on_one_short_line(tmp_path):
    """An empty key says «пусто», not None; a long multi-line text is one line of ≤ 60 chars."""
    path = write_variant(tmp_path, lambda d: d["levels"].update(basic_min=None))
    with pytest.raises(ConfigError) as info:
        load_assessment(path)
    assert (
        str(info.value)
        == f"{path}: ключ «levels.basic_min»: значение «» (пусто) должно быть целым числом"
    )
    path = write_variant(tmp_path, lambda d: d["tasks"][0].update(max="a\nb " * 40))
    with pytest.raises(ConfigError) as info:
        load_assessment(path)
    message = str(info.value)
    assert "\n" not in message and "«a b a b" in message and "…»" in message


def test_unreadable_definitions_are_one_russian_line(tmp_path):
    """A date YAML cannot hold (unquoted 2021-02-30), a file saved in Windows-1251, a syntax error:
    one line naming the file (the line, where YAML knows it), never a traceback."""
    text = DEMO.read_text(encoding="utf-8")
    cases = {
        "date.yaml": re.sub(r"(?m)^date: .*$", "date: 2021-02-30", text).encode("utf-8"),
        "cp1251.yaml": text.encode("cp1251", errors="replace"),
        "syntax.yaml": b"id: x\ntasks: [unclosed\n",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ConfigError) as info:
            load_assessment(path)
        message = str(info.value)
        assert message.startswith(f"{path}: ") and "\n" not in message, message
        assert not re.search(r"[A-Za-z]{4,} (is|are|was|not|of|a) ", message), message
    assert "строка 3" in str(
        pytest.raises(ConfigError, load_assessment, tmp_path / "syntax.yaml").value
    )
    # an impossible date names its key, quoted or not (an audit got «day is out of range»)
    date = str(pytest.raises(ConfigError, load_assessment, tmp_path / "date.yaml").value)
    assert "ключ «date»: значение «2021-02-30» должно быть существующей датой" in date
    assert "range" not in date


def test_a_planned_result_no_task_checks_is_allowed_and_named(tmp_path):
    """The codifier may be the whole course's: a planned result that no task of this work checks
    is allowed (its rows carry no completion); the run names it in a warning."""
    from scripts.common.config import unchecked_results

    path = write_variant(
        tmp_path, lambda d: d["planned_results"].append({"code": "9.9", "text": "x"})
    )
    assert unchecked_results(load_assessment(path)) == ["9.9"]
    assert unchecked_results(load_assessment(DEMO)) == []


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    """`<<: *anchor` is YAML's own merge, not a key written twice; a list as a key is one line."""
    path = tmp_path / "x.yaml"
    path.write_text("base: &b {a: 1}\nd: {<<: *b, c: 2}\n", encoding="utf-8")
    from scripts.common.config import load_yaml

    assert load_yaml(path)["d"] == {"a": 1, "c": 2}
    path.write_text("? [x, y]\n: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="строке 1"):
        load_yaml(path)


def test_config_defaults_must_name_every_threshold(tmp_path):
    """config.yaml holds every threshold's default (an assessment may override any one): one left
    out stops the run at start, naming it — not a KeyError in the analysis."""
    data = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))
    del data["risk"]["school"]["basic_tasks_pct"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ключ «risk\.school\.basic_tasks_pct»: не задан"):
        load_defaults(path)


def test_a_key_written_twice_stops_the_run(tmp_path):
    """YAML keeps the second of two equal keys silently (a second `levels:` block wins): the run
    stops naming the key and its line."""
    path = tmp_path / "math4-2021.yaml"
    path.write_text(
        DEMO.read_text(encoding="utf-8") + "levels:\n  basic_min: 99\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"ключ «levels» указан дважды \(строка \d+\)"):
        load_assessment(path)


def test_every_schema_problem_is_a_line_naming_the_item(tmp_path):
    """SPEC §10: one clear line per problem — all of them in one run (an audit fixed three
    mistakes one run at a time), a list item named by its id, not by a 0-based index."""
    from scripts.common.config import error_text

    def three(d):
        d["tasks"][0].update(max=-1)
        d["tasks"][1].update(level="hard")
        d["levels"].update(basic_min="семь")

    path = write_variant(tmp_path, three)
    first_id, second_id = (str(t["id"]) for t in yaml.safe_load(DEMO.read_text())["tasks"][:2])
    with pytest.raises(ConfigError) as info:
        load_assessment(path)
    lines = error_text(info.value).splitlines()
    assert len(lines) == 3 and all(line.startswith(f"Ошибка настройки: {path}: ") for line in lines)
    assert "ключ «levels.basic_min»: значение «семь» должно быть" in lines[0]
    assert (
        f"ключ «tasks.0.max» (задание «{first_id}»): значение -1 должно быть не меньше 1"
        in lines[1]
    )
    assert f"ключ «tasks.1.level» (задание «{second_id}»)" in lines[2]


def test_a_config_yaml_with_two_bad_thresholds_names_both(tmp_path):
    data = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))
    data["risk"]["school"]["below_basic_pct"] = "двадцать пять"
    data["risk"]["municipality"]["below_basic_pct"] = "двадцать"
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_defaults(path)
    keys = [re.search(r"ключ «([^»]+)»", line).group(1) for line in str(info.value).splitlines()]
    assert keys == ["risk.municipality.below_basic_pct", "risk.school.below_basic_pct"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # a trailing space would be invisible in «18 »
        (lambda d: d["tasks"][0].update(id="18 "), "«18» (с пробелом в начале или в конце)"),
        # which code is twice
        (lambda d: d["planned_results"].append(dict(d["planned_results"][0])),
         "ключ «planned_results»: код результата «{code}» указан дважды"),
        # the task whose result is unknown, by its id
        (lambda d: d["tasks"][1].update(result="9.9"),
         "ключ «tasks.1.result» (задание «{task1}»): нет планируемого результата «9.9»"),
        # SPEC §3.1: marks give the lowest total of 3, 4 and 5
        (lambda d: d["marks"].pop("5"), "ключ «marks»: нет обязательного ключа «5»"),
        # a plan's event by its text, not by a 0-based index against a 1-based number
        (lambda d: d["plan"][3].update(deadline="когда-нибудь"), "ключ «plan.3.deadline» (мероприятие «"),
    ],
)  # fmt: skip
def test_definition_messages_name_the_culprit(tmp_path, change, expected):
    """A second-assessment audit: each of these named the wrong thing or nothing exact."""
    from scripts.common.config import error_text

    demo = yaml.safe_load(DEMO.read_text())
    expected = expected.format(
        code=demo["planned_results"][0]["code"], task1=demo["tasks"][1]["id"]
    )
    path = write_variant(tmp_path, change)
    with pytest.raises(ConfigError) as info:
        load_assessment(path)
    assert expected in error_text(info.value), error_text(info.value)


def test_codes_typed_without_quotes_are_read_as_typed(tmp_path):
    """An audit of other definitions: `id: 2` stopped the run («должно быть текстом»), and `5.10`
    is the number 5.1 to YAML. Task ids, their results and planned-result codes are read as the
    text typed, quoted or not; quoted ones as before."""
    text = DEMO.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    first, result = data["tasks"][0]["id"], data["tasks"][0]["result"]
    assert f'id: "{first}"' in text or f"id: '{first}'" in text
    lines = []
    for line in text.splitlines():
        if line.strip().startswith("- {id:") or line.strip().startswith("- id:"):
            line = re.sub(r'id: "([^"]+)"', r"id: \1", line)
            line = re.sub(r'result: "([^"]+)"', r"result: \1", line)
        if line.strip().startswith("- code:") or line.strip().startswith("- {code:"):
            line = re.sub(r'code: "([^"]+)"', r"code: \1", line)
        lines.append(line)
    unquoted = "\n".join(lines) + "\n"
    assert unquoted != text
    path = tmp_path / "math4-2021.yaml"
    path.write_text(unquoted.replace(f"id: {first},", "id: 5.10,", 1), encoding="utf-8")
    a = load_assessment(path)
    assert a["tasks"][0]["id"] == "5.10" and a["tasks"][0]["result"] == result
    assert [t["id"] for t in a["tasks"][1:]] == [str(t["id"]) for t in data["tasks"][1:]]
    assert [r["code"] for r in a["planned_results"]] == [r["code"] for r in data["planned_results"]]
