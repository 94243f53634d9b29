"""docs/performance.md's measured part from bench/results/<scale>.json (between the markers
`<!-- bench:begin -->` and `<!-- bench:end -->`; the prose around them is kept), and the growth
chart docs/performance-growth.svg (Altair, rendered offline by vl-convert)."""

from __future__ import annotations

import json

from bench.generate import RESULTS, ROOT

DOC = ROOT / "docs" / "performance.md"
CHART = ROOT / "docs" / "performance-growth.svg"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
ORDER = ["region", "10x", "100x", "country"]
STAGES = ["ingest", "analyse", "report_forms", "pages", "site"]
COUNTRY_STUDENTS = 1_500_000


def load() -> dict[str, dict]:
    out = {}
    for name in ORDER:
        path = RESULTS / f"{name}.json"
        if path.exists():
            out[name] = json.loads(path.read_text())
    return out


def stage(run: dict, name: str, phase: str = "cold") -> dict | None:
    return (run.get(phase) or {}).get("benchmarks", {}).get(name)


def fmt(x, nd=1) -> str:
    return "—" if x is None else f"{x:,.{nd}f}".replace(",", " ")


def fit(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Least squares t = a + b·x."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx == 0:
        return None
    b = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx
    return my - b * mx, b


def _row(label: str, runs: dict, fn) -> str:
    cells = []
    for r in runs.values():
        try:
            cells.append(fn(r))
        except (KeyError, TypeError, ZeroDivisionError):
            cells.append("—")
    return f"| {label} | " + " | ".join(cells) + " |"


def measured(runs: dict[str, dict]) -> str:
    m = next(iter(runs.values()))["machine"]
    head = "| | " + " | ".join(runs) + " |"
    rule = "|---|" + "--:|" * len(runs)
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_gib']} GiB RAM, Python {m['python']}, "
        f"Snakemake {m['snakemake']}; `snakemake --cores 2`. Load average (1 min) when each run "
        "started: "
        + ", ".join(f"{k} {v['machine']['load_at_start'][0]}" for k, v in runs.items())
        + ".",
        "",
        "### Campaigns",
        "",
        head,
        rule,
    ]
    for label, key in (("schools in the registry", "schools"), ("municipalities", "municipalities"),
                       ("workbooks", "files"), ("students", "students"), ("MiB of xlsx", "mib")):  # fmt: skip
        lines.append(_row(label, runs, lambda r, key=key: str(r["generate"][key])))
    lines += [
        "",
        "### Cold run, per stage",
        "",
        "Per stage: wall s (the union of its jobs' run times) · jobs · CPU s (summed) · peak RSS of "
        "its largest job, MiB (Snakemake's benchmark files). Stages: ingest = `registry` + `ingest_batch` × n + "
        "`ingest`; site = `site_project` + `site_shard` × n + `site`.",
        "",
        head.replace("| |", "| stage |"),
        rule,
    ]
    for name in STAGES:
        lines.append(_row(name, runs, lambda r, name=name: (
            "{} s · {} · {} · {}".format(fmt(b["wall_s"]), b["jobs"], fmt(b["cpu_s"]), fmt(b["max_rss_mib"], 0))
            if (b := stage(r, name)) else "—")))  # fmt: skip

    def ratio(r):
        return 100 * r["one_corrected"]["wall_s"] / r["cold"]["wall_s"]

    def rerun_stages(r):
        b = r["one_corrected"]["benchmarks"]
        return "; ".join(f"{k} {fmt(v['wall_s'])} s ({v['jobs']} jobs)" for k, v in b.items())

    def ingest_ratio(r, procs, measure="cpu_s"):
        """bare read's seconds / the ingest stage's (`cpu_s` or `wall_s`): speed against speed."""
        bare = r["bare_read"]["one_proc_s" if procs == 1 else "two_proc_s"]
        return fmt(bare / stage(r, "ingest")[measure], 2)

    lines += [
        "",
        "### End to end, re-runs, bare read",
        "",
        head,
        rule,
        _row("cold end to end, wall s (the whole `snakemake` command)", runs, lambda r: fmt(r["cold"]["wall_s"])),
        _row("peak RSS of the whole process tree, MiB", runs, lambda r: fmt(r["cold"]["tree_peak_mib"], 0)),
        _row("… its peak PSS (shared pages counted once), MiB", runs, lambda r: fmt(r["cold"].get("tree_peak_pss_mib"), 0)),
        _row("peak PSS of the `pages` job (both its processes), MiB", runs, lambda r: fmt(r["cold"].get("job_peak_pss_mib", {}).get("run_pages"), 0)),
        _row("re-run, nothing changed, s", runs, lambda r: fmt(r["nothing_changed"]["wall_s"])),
        _row("re-run after one corrected workbook, s", runs, lambda r: fmt(r["one_corrected"]["wall_s"])),
        _row("… as % of cold", runs, lambda r: fmt(ratio(r), 0)),
        _row("… stages re-run (wall, jobs)", runs, rerun_stages),
        _row("bare python-calamine read of every workbook, 1 process, s", runs, lambda r: fmt(r["bare_read"]["one_proc_s"], 2)),
        _row("… 2 processes, s", runs, lambda r: fmt(r["bare_read"]["two_proc_s"], 2)),
        _row("ingest speed / bare read speed, CPU s (1 process)", runs, lambda r: ingest_ratio(r, 1)),
        _row("ingest speed / bare read speed, wall s: the stage on 2 cores / the read in 1 process", runs, lambda r: ingest_ratio(r, 1, "wall_s")),
        _row("ingest speed / bare read speed, wall s (2 processes each)", runs, lambda r: ingest_ratio(r, 2, "wall_s")),
    ]  # fmt: skip

    lines += [
        "",
        "### Growth: seconds per 10 000 students (constant = linear)",
        "",
        "| stage | " + " | ".join(runs) + " | fit t = a + b·students (wall s) | country (1.5 M) |",
        "|---|" + "--:|" * (len(runs) + 2),
    ]
    for name in STAGES:
        pts, cells = [], []
        for r in runs.values():
            b, students = stage(r, name), r["generate"]["students"]
            if not b:
                cells.append("—")
                continue
            pts.append((students, b["wall_s"]))
            cells.append(fmt(b["wall_s"] / students * 10_000, 2))
        f = fit(pts)
        if not f:
            continue
        measured_country = "country" in runs and stage(runs["country"], name)
        est = "measured: " + fmt(stage(runs["country"], name)["wall_s"], 0) + " s" if measured_country \
            else f"{f[0] + f[1] * COUNTRY_STUDENTS:.0f} s (extrapolated)"  # fmt: skip
        lines.append(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {f[0]:.1f} + {f[1] * 10_000:.2f}·(students/10⁴) | {est} |"
        )
    lines += ["", "![Stage wall time against students, log-log](performance-growth.svg)"]
    return "\n".join(lines)


def growth_chart(runs: dict[str, dict]) -> str:
    """Wall s per stage against students (log-log; a straight line of slope 1 = linear)."""
    import altair as alt
    import vl_convert

    rows = []
    for scale, r in runs.items():
        for name in STAGES:
            if b := stage(r, name):
                rows.append({"scale": scale, "students": r["generate"]["students"], "stage": name,
                             "seconds": max(b["wall_s"], 0.01)})  # fmt: skip
    chart = (
        alt.Chart(alt.Data(values=rows), title="Время стадий (холодный запуск), 2 ядра")
        .mark_line(point=True)
        .encode(
            x=alt.X("students:Q", scale=alt.Scale(type="log"), title="участников"),
            y=alt.Y("seconds:Q", scale=alt.Scale(type="log"), title="секунд"),
            color=alt.Color("stage:N", title="стадия"),
            tooltip=["scale:N", "stage:N", "seconds:Q"],
        )
        .properties(width=520, height=320)
    )
    return vl_convert.vegalite_to_svg(chart.to_dict())


def write_report() -> None:
    runs = load()
    if not runs:
        raise SystemExit(
            "no bench/results/*.json yet: run python -m bench.run --scale region first"
        )
    block = f"{BEGIN}\n{measured(runs)}\n{END}"
    if DOC.exists() and BEGIN in DOC.read_text(encoding="utf-8"):
        text = DOC.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        DOC.write_text(head + block + tail, encoding="utf-8")
    else:
        DOC.write_text(f"# Performance\n\n## Measured\n\n{block}\n", encoding="utf-8")
    CHART.write_text(growth_chart(runs), encoding="utf-8")
    print(f"wrote {DOC} and {CHART}")


if __name__ == "__main__":
    write_report()
