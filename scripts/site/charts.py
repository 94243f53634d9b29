"""Chart kinds, each defined ONCE with Altair; a page's chart is a copy of the kind's spec with its
own data in the top-level `datasets` (building a chart with Altair costs milliseconds, substituting
values costs microseconds). Charts get only aggregated, already-suppressed records — the same records
the page's table beside the chart shows (tests compare them)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

KINDS_FILE = Path(__file__).resolve().parents[2] / "site_templates" / "chart_kinds.json"

LEVELS = ["ниже базового", "базовый", "выше базового"]
LEVEL_COLORS = ["#d62728", "#f2b01e", "#2ca02c"]
# one colour per group on every page (by order of appearance, the municipality was blue on its own
# page and orange on a school's)
GROUPS = ["Школа", "Муниципалитет", "Регион"]
GROUP_COLORS = ["#1f77b4", "#ff7f0e", "#7f7f7f"]


@functools.cache
def kinds() -> dict[str, dict]:
    """{kind: Vega-Lite spec without data}, from site_templates/chart_kinds.json (written by
    `python -m scripts.site.charts` from build_kinds(); a test checks the file is up to date), so
    rendering pages does not even import Altair."""
    return json.loads(KINDS_FILE.read_text(encoding="utf-8"))


def build_kinds() -> dict[str, dict]:
    """The chart kinds, built with Altair."""
    import altair as alt

    values = alt.Data(name="values")
    levels = (
        alt.Chart(values)
        .mark_bar()
        .encode(
            y=alt.Y("group:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("pct:Q", title="% участников", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "level:N",
                title="Уровень",
                scale=alt.Scale(domain=LEVELS, range=LEVEL_COLORS),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("group:N", title="Группа"),
                alt.Tooltip("level:N", title="Уровень"),
                alt.Tooltip("pct:Q", title="%"),
            ],  # fmt: skip
        )
        .properties(width="container", height={"step": 22})
    )
    completion = (
        alt.Chart(values)
        .mark_bar()
        .encode(
            x=alt.X("item:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("group:N", sort=None),
            y=alt.Y("pct:Q", title="Выполнение, %", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "group:N",
                sort=None,
                title=None,
                scale=alt.Scale(domain=GROUPS, range=GROUP_COLORS),
                legend=alt.Legend(orient="bottom"),
            ),  # fmt: skip
            tooltip=[
                alt.Tooltip("item:N", title="Задание/результат"),
                alt.Tooltip("group:N", title="Группа"),
                alt.Tooltip("pct:Q", title="%"),
            ],  # fmt: skip
        )
        .properties(width="container", height=220)
    )
    bars = (
        alt.Chart(values)
        .mark_bar()
        .encode(
            x=alt.X("total:O", title="Первичный балл", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("students:Q", title="Участников"),
            tooltip=[
                alt.Tooltip("total:O", title="Балл"),
                alt.Tooltip("students:Q", title="Участников"),
            ],
        )
    )
    rules = (
        alt.Chart(alt.Data(name="marks"))
        .mark_rule(color="#d62728", strokeDash=[4, 3])
        .encode(x="total:O", tooltip=[alt.Tooltip("label:N", title="Порог")])
    )
    labels = (
        alt.Chart(alt.Data(name="marks"))
        .mark_text(align="left", dx=3, dy=-4, color="#d62728")
        .encode(x="total:O", y=alt.value(0), text="label:N")
    )
    distribution = alt.layer(bars, rules, labels).properties(width="container", height=220)
    out = {}
    for name, chart in (
        ("levels", levels),
        ("completion", completion),
        ("distribution", distribution),
    ):
        spec = chart.to_dict()
        spec.pop("datasets", None)
        spec.pop("$schema", None)  # no external URL in the site; the embed passes mode "vega-lite"
        spec["config"] = {**spec.get("config", {}), "locale": {"number": {"decimal": ",", "thousands": " ",
                                                                          "grouping": [3], "currency": ["", " ₽"]}}}  # fmt: skip
        out[name] = spec
    return out


def spec(kind: str, values: list[dict], **datasets: list[dict]) -> dict:
    """A copy of the kind's spec with this page's records (shallow: only `datasets` is new)."""
    base = kinds()[kind]
    out = {**base, "datasets": {"values": values, **{k: v for k, v in datasets.items()}}}
    if kind == "completion":  # the groups this chart has, each in its own colour on every page
        present = {v["group"] for v in values}
        domain = [g for g in GROUPS if g in present]
        color = {**base["encoding"]["color"], "scale": {
            "domain": domain, "range": [GROUP_COLORS[GROUPS.index(g)] for g in domain]}}  # fmt: skip
        out["encoding"] = {**base["encoding"], "color": color}
    return out


def dumps(spec_dict: dict) -> str:
    return json.dumps(spec_dict, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    KINDS_FILE.write_text(json.dumps(build_kinds(), ensure_ascii=False, sort_keys=True, indent=1) + "\n",
                          encoding="utf-8")  # fmt: skip
    print(KINDS_FILE)
