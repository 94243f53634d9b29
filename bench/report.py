"""docs/performance.md's measured part from bench/out/<scale>.json (between the markers
`<!-- bench:begin -->` and `<!-- bench:end -->`; the prose around them is kept)."""

from __future__ import annotations

import json

from bench.generate import OUT, ROOT, SCALES

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
ORDER = ["region", "10x", "100x", "country", "region-oldcode", "10x-oldcode"]
STAGES = ["ingest", "analyse", "report_forms", "pages", "vega_bundle", "site"]
COUNTRY = SCALES["country"]


def load() -> dict[str, dict]:
    out = {}
    for name in ORDER:
        path = OUT / f"{name}.json"
        if path.exists():
            out[name] = json.loads(path.read_text())
    return out


def stage(run: dict, rule: str) -> tuple[float | None, float | None]:
    """(wall s, peak MiB) of one rule in the cold run: Snakemake's s; the larger of Snakemake's
    max_rss and our sampler's peak."""
    cold = run.get("cold", {})
    b = cold.get("benchmarks", {}).get(rule)
    if not b:
        return None, None
    peak = max(b.get("max_rss") or 0, cold.get("peak_mib", {}).get(rule) or 0)
    return b["s"], peak or None


def fmt(x, nd=1) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


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


def measured(runs: dict[str, dict]) -> str:
    lines: list[str] = []
    any_run = next(iter(runs.values()))
    m = any_run["machine"]
    lines += [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_gib']} GiB RAM, Python {m['python']}, "
        f"Snakemake {m['snakemake']}; `snakemake --cores 2`. Load average when each run "
        "started (other work shares the CPUs): "
        + ", ".join(f"{k} {v['machine']['load_at_start'][0]}" for k, v in runs.items())
        + ".",
        "",
        "### Campaigns",
        "",
        "| scale | schools | municipalities | files | students | MiB of xlsx | generation s |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for name, r in runs.items():
        g = r.get("generate") or {}
        lines.append(
            f"| {name} | {g.get('schools', '—')} | {g.get('municipalities', '—')} | "
            f"{g.get('files', '—')} | {g.get('students', '—')} | {g.get('mib', '—')} | "
            f"{g.get('seconds') or '—'} |"
        )
    lines += [
        "",
        "### Cold run per stage: wall s / peak RSS MiB",
        "",
        "Wall: Snakemake's benchmark file (`benchmarks/<id>/<rule>.tsv`, column `s`). Peak RSS:"
        " the larger of Snakemake's `max_rss` and our 0.2 s sampler, summed over the job's"
        " process tree (ingest's worker processes included).",
        "",
        "| stage | " + " | ".join(runs) + " |",
        "|---|" + "--:|" * len(runs),
    ]
    for rule in STAGES:
        cells = []
        for r in runs.values():
            s, p = stage(r, rule)
            cells.append("—" if s is None else f"{fmt(s)} / {fmt(p, 0)}")
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    rows = {
        "stages run": lambda r: ", ".join(r["stages"]),
        "cold end to end, wall s (whole `snakemake` command)": lambda r: (
            fmt(r["cold"]["wall_s"])
            + ("" if r["cold"]["rc"] == 0 else f" ({r['cold'].get('note') or 'failed'})")
        ),
        "… outside the job chain (Snakemake start-up, DAG, job launch), s": lambda r: fmt(
            r["cold"]["wall_s"]
            - sum(
                b["s"] or 0
                for rule, b in r["cold"].get("benchmarks", {}).items()
                if rule != "vega_bundle"  # runs beside ingest/analyse
            )
        ),
        "peak RSS of the whole process tree, MiB": lambda r: fmt(r["cold"]["tree_peak_mib"], 0),
        "re-run, nothing changed, s": lambda r: fmt(r.get("nothing_changed", {}).get("wall_s")),
        "re-run after one corrected workbook, s": lambda r: fmt(
            r.get("one_corrected", {}).get("wall_s")
        ),
        "… as % of cold": lambda r: (
            fmt(100 * r["one_corrected"]["wall_s"] / r["cold"]["wall_s"], 0)
            if "one_corrected" in r
            else "—"
        ),
        "… jobs re-run": lambda r: (
            ", ".join(x.rstrip(":") for x in r.get("one_corrected", {}).get("jobs_run", [])) or "—"
        ),
        "bare calamine read of all files, 1 process, s": lambda r: fmt(
            r.get("bare_read", {}).get("one_proc_s"), 2
        ),
        "bare calamine read, 2 processes, s": lambda r: fmt(
            r.get("bare_read", {}).get("two_proc_s"), 2
        ),
        "ingest speed / bare read speed (1 process)": lambda r: (
            fmt(r["bare_read"]["one_proc_s"] / stage(r, "ingest")[0], 2)
            if "bare_read" in r and stage(r, "ingest")[0]
            else "—"
        ),
    }
    lines += ["", "### End to end, re-runs, bare read", "", "| | " + " | ".join(runs) + " |"]
    lines.append("|---|" + "--:|" * len(runs))
    for label, fn in rows.items():
        val = []
        for r in runs.values():
            try:
                val.append(fn(r))
            except (KeyError, TypeError, ZeroDivisionError):
                val.append("—")
        lines.append(f"| {label} | " + " | ".join(val) + " |")

    # the curve: seconds per 10 000 students, and a linear fit → country
    lines += [
        "",
        "### Growth (seconds per 10 000 students; constant = linear) and the country estimate",
        "",
        "| stage | "
        + " | ".join(runs)
        + " | fit (current code) t = a + b·students | country (1.5 M) |",
        "|---|" + "--:|" * (len(runs) + 2),
    ]
    for rule in STAGES:
        if rule == "vega_bundle":  # one-off, independent of scale
            continue
        pts, cells = [], []
        for r in runs.values():
            s, _ = stage(r, rule)
            students = (r.get("generate") or {}).get("students")
            if s is None or not students:
                cells.append("—")
                continue
            if "oldcode" not in r["scale"]:  # fit the current code only
                pts.append((students, s))
            cells.append(fmt(s / students * 10_000, 2))
        if not pts:
            continue
        f = fit(pts)
        country_students = 1_500_000
        measured_country = "country" in runs and stage(runs["country"], rule)[0] is not None
        if f:
            est = f[0] + f[1] * country_students
            fit_txt = f"{f[0]:.1f} + {f[1] * 10_000:.2f}·(students/10⁴)"
            est_txt = f"{est:.0f} s" + (
                " (measured above)" if measured_country else " (extrapolated)"
            )
        else:
            fit_txt, est_txt = "—", "—"
        lines.append(f"| {rule} | " + " | ".join(cells) + f" | {fit_txt} | {est_txt} |")
    return "\n".join(lines)


def write_report() -> None:
    runs = load()
    if not runs:
        raise SystemExit("no bench/out/*.json yet: run python -m bench.run --scale region first")
    block = f"{BEGIN}\n{measured(runs)}\n{END}"
    if DOC.exists() and BEGIN in DOC.read_text(encoding="utf-8"):
        text = DOC.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        DOC.write_text(head + block + tail, encoding="utf-8")
    else:
        DOC.write_text(f"# Performance\n\n## Measured\n\n{block}\n", encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    write_report()
