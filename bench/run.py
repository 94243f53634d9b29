"""Run the workflow on a synthetic campaign and measure every stage (SPEC §11).

    python -m bench.run --scale region|10x|100x|country [--stages ingest,analyse,pages,site]
                        [--regenerate] [--no-reruns] [--no-bare]
    python -m bench.run --report          # docs/performance.md from bench/results/*.json

Steps: generate bench/out/<scale>/ (bench.generate; kept between runs unless --regenerate),
copy the workflow into it (Snakefile, rules, scripts, site_templates, config — as
tests/e2e/conftest.py does), then

1. cold run: results/, build/, site/, benchmarks/, logs/, .snakemake/ removed;
   `snakemake --cores 2 <target>`; wall time of the whole command;
2. per stage (its jobs: e.g. ingest = every `ingest_batch` + `ingest`): Snakemake's benchmark
   files (s, cpu_time, max_rss per job; the file's mtime is the job's end, so the stage's wall
   time is the union of the jobs' intervals) and our own sampler of the whole process tree
   (psutil, every 0.2 s — Snakemake samples only every 30 s after the first 30 s);
3. re-run with nothing changed; 4. re-run after one corrected workbook (bench.generate.fix_one);
5. a bare python-calamine read of every submitted workbook (both sheets, to_python), in one
   process and in 2 processes, for the ratio ingest speed / bare read speed.

Results go to bench/results/<scale>.json (committed: docs/performance.md can be regenerated from
them); --report turns all of them into docs/performance.md. Campaigns stay in bench/out/ (ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil

from bench.generate import ASSESSMENT_ID, OUT, RESULTS, ROOT, SCALES, describe, fix_one, generate

WORKFLOW_PARTS = ["Snakefile", "rules", "scripts", "site_templates"]
STATE = ["results", "build", "site", "benchmarks", "logs", ".snakemake"]
# Stage → its jobs' benchmark files (rules/*.smk `benchmark:`), {a} = the assessment id.
STAGE_FILES = {
    "ingest": ["{a}/registry.tsv", "{a}/ingest/batch-*.tsv", "{a}/ingest.tsv"],
    "analyse": ["{a}/analyse.tsv"],
    "report_forms": ["{a}/report_forms.tsv"],
    "pages": ["{a}/pages.tsv"],
    "site": ["site_project.tsv", "site_shard/*.tsv", "site.tsv"],
}
CORES = 2


def snakemake_bin() -> str:
    return str(Path(sys.executable).with_name("snakemake"))


def targets(stages: list[str]) -> list[str]:
    a = ASSESSMENT_ID
    if "site" in stages:
        return ["build/site.done", f"results/{a}/reports/.done"]
    if "pages" in stages:
        return [f"build/{a}/docs"]
    if "analyse" in stages:
        return [f"results/{a}/schools.csv"]
    return [f"results/{a}/students.csv"]


def make_project(root: Path) -> None:
    """The workflow's code into `root` (beside the generated config/assessments and raw/)."""
    for part in WORKFLOW_PARTS:
        src, dst = ROOT / part, root / part
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dst)
    cfg = root / "config"
    shutil.copytree(
        ROOT / "config", cfg, dirs_exist_ok=True, ignore=shutil.ignore_patterns("assessments")
    )
    for stale in (cfg / "assessments").glob("*.yaml"):
        if stale.stem != ASSESSMENT_ID:
            stale.unlink()


def clean(root: Path) -> None:
    for part in STATE:
        shutil.rmtree(root / part, ignore_errors=True)


# --------------------------------------------------------------------------- sampling


class Sampler(threading.Thread):
    """Peak memory of the whole Snakemake process tree (every job's processes summed), sampled
    every `interval` s (Snakemake's own per-job max_rss samples only every 30 s after the first
    30 s). Two sums: RSS, as Snakemake's benchmark files count it, and PSS (each page shared by n
    processes counted 1/n: the `pages` job forks a second process that shares the first one's
    tables, so its RSS sum counts them twice); PSS also per job (a direct child of Snakemake,
    named by its script)."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.stop = threading.Event()
        self.total_peak = 0.0
        self.pss_peak = 0.0
        self.job_pss_peak: dict[str, float] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                jobs = self.root.children()
            except psutil.Error:
                break
            total, pss = self._measure([self.root])
            for job in jobs:
                try:
                    tree = [job, *job.children(recursive=True)]
                    name = _job_name(job.cmdline())
                except psutil.Error:
                    continue
                rss, job_pss = self._measure(tree)
                total, pss = total + rss, pss + job_pss
                self.job_pss_peak[name] = max(self.job_pss_peak.get(name, 0.0), job_pss)
            self.total_peak = max(self.total_peak, total)
            self.pss_peak = max(self.pss_peak, pss)
            self.stop.wait(self.interval)

    @staticmethod
    def _measure(procs) -> tuple[int, int]:
        rss = pss = 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                full = proc.memory_full_info()  # /proc/<pid>/smaps_rollup
                rss, pss = rss + full.rss, pss + full.pss
        return rss, pss


def _job_name(cmdline: list[str]) -> str:
    """The script a job runs, from Snakemake's copy .snakemake/scripts/tmpXXXX.<name>.py: run_pages,
    run_site, run_batch… (the ingest and analyse stages' are both `main`)."""
    for arg in cmdline:
        if arg.endswith(".py"):
            return Path(arg).stem.split(".")[-1]
    return Path(cmdline[0]).name if cmdline else "?"


def snakemake(root: Path, tgts: list[str], log_name: str) -> dict:
    """Runs snakemake in `root`; wall time, return code, sampled peaks, the log's tail."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    # As on an analyst's machine: Python keeps compiled modules in __pycache__ (this sandbox sets
    # PYTHONDONTWRITEBYTECODE=1, which makes every job compile its modules again: 0.05-0.3 s each).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    log = root / f"bench-{log_name}.log"
    t0 = time.perf_counter()
    started = time.time()
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [snakemake_bin(), "--cores", str(CORES), *tgts],
            cwd=root,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
        )
        sampler = Sampler(proc.pid)
        sampler.start()
        rc = proc.wait()
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    text = log.read_text(errors="replace")
    return {
        "wall_s": round(wall, 2),
        "rc": rc,
        "jobs_run": [
            ln.split()[1].rstrip(":")
            for ln in text.splitlines()
            if ln.startswith(("rule ", "localrule "))
        ],
        "nothing_to_do": "Nothing to be done" in text,
        "tree_peak_mib": round(sampler.total_peak / 2**20, 1),
        "tree_peak_pss_mib": round(sampler.pss_peak / 2**20, 1),
        "job_peak_pss_mib": {
            k: round(v / 2**20, 1) for k, v in sorted(sampler.job_pss_peak.items())
        },
        "started": started,
        "log_tail": "" if rc == 0 else text[-3000:],
    }


def _tsv_row(path: Path) -> dict[str, float | None]:
    lines = path.read_text().splitlines()
    row = dict(zip(lines[0].split("\t"), lines[-1].split("\t"), strict=False))
    out: dict[str, float | None] = {}
    for key in ("s", "max_rss", "cpu_time"):
        try:
            out[key] = float(row[key])
        except (KeyError, ValueError):
            out[key] = None
    return out


def read_benchmarks(root: Path, since: float = 0.0) -> dict[str, dict]:
    """Per stage, from Snakemake's benchmark files of the jobs that ended after `since`:
    jobs, wall (the union of the jobs' [end − s, end] intervals: parallel jobs overlap), summed
    job seconds and CPU seconds, and the largest job's max_rss (MiB)."""
    out = {}
    bench_dir = root / "benchmarks"
    for stage, patterns in STAGE_FILES.items():
        spans, job_s, cpu, rss = [], 0.0, 0.0, 0.0
        for pattern in patterns:
            for path in sorted(bench_dir.glob(pattern.format(a=ASSESSMENT_ID))):
                end = path.stat().st_mtime
                if end < since:
                    continue
                row = _tsv_row(path)
                spans.append((end - (row["s"] or 0.0), end))
                job_s += row["s"] or 0.0
                cpu += row["cpu_time"] or 0.0
                rss = max(rss, row["max_rss"] or 0.0)
        if not spans:
            continue
        wall, last = 0.0, float("-inf")
        for start, end in sorted(spans):
            start = max(start, last)
            if end > start:
                wall += end - start
            last = max(last, end)
        out[stage] = {"jobs": len(spans), "wall_s": round(wall, 2), "job_s": round(job_s, 2),
                      "cpu_s": round(cpu, 2), "max_rss_mib": round(rss, 1)}  # fmt: skip
    return out


# --------------------------------------------------------------------------- bare read


def _bare(path: str) -> int:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(path)
    n = 0
    for name in wb.sheet_names:
        n += len(wb.get_sheet_by_name(name).to_python(skip_empty_area=True))
    wb.close()
    return n


def bare_read(root: Path) -> dict:
    files = sorted(str(p) for p in (root / "raw" / ASSESSMENT_ID / "submissions").rglob("*.xlsx"))
    t0 = time.perf_counter()
    rows = sum(_bare(f) for f in files)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=CORES) as pool:
        rows2 = sum(pool.map(_bare, files, chunksize=32))
    two = time.perf_counter() - t0
    assert rows == rows2
    return {
        "files": len(files),
        "rows": rows,
        "one_proc_s": round(one, 2),
        "two_proc_s": round(two, 2),
    }


# --------------------------------------------------------------------------- main


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "mem_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": model,
        "python": platform.python_version(),
        "snakemake": subprocess.run(
            [snakemake_bin(), "--version"], capture_output=True, text=True
        ).stdout.strip(),
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def bench(
    scale_name: str,
    stages: list[str],
    regenerate: bool,
    reruns: bool,
    bare: bool,
    corrected: bool = True,
) -> dict:
    scale = SCALES[scale_name]
    root = OUT / scale_name
    result: dict = {"scale": scale_name, "stages": stages, "machine": machine()}
    root.mkdir(parents=True, exist_ok=True)
    if regenerate or not (root / "raw" / ASSESSMENT_ID / "registry.csv").exists():
        result["generate"] = generate(scale, root)
    else:  # the defective file may have been corrected by an earlier run: restore it
        previous = RESULTS / f"{scale_name}.json"
        gen = json.loads(previous.read_text()).get("generate") if previous.exists() else None
        result["generate"] = gen or describe(scale, root)
        fix_one(root, scale, corrected=False)
    print("generated:", result["generate"], flush=True)
    make_project(root)
    tgts = targets(stages)
    clean(root)
    cold = snakemake(root, tgts, "cold")
    cold["benchmarks"] = read_benchmarks(root, cold["started"])
    result["cold"] = cold
    print("cold:", {k: v for k, v in cold.items() if k != "log_tail"}, flush=True)
    if cold["rc"] != 0:
        print(cold["log_tail"], flush=True)
    if reruns and cold["rc"] == 0:
        result["nothing_changed"] = snakemake(root, tgts, "nochange")
        print("nothing changed:", result["nothing_changed"]["wall_s"], flush=True)
    if reruns and corrected and cold["rc"] == 0:
        fixed = fix_one(root, scale)
        one = snakemake(root, tgts, "onefix")
        one["benchmarks"] = read_benchmarks(root, one["started"])
        one["file"] = str(fixed.relative_to(root))
        result["one_corrected"] = one
        print("one corrected:", {k: v for k, v in one.items() if k != "log_tail"}, flush=True)
    if bare:
        result["bare_read"] = bare_read(root)
        print("bare read:", result["bare_read"], flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{scale_name}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Benchmark of the workflow (SPEC §11)")
    ap.add_argument("--scale", choices=sorted(SCALES))
    ap.add_argument("--stages", default="ingest,analyse,pages,site")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--no-reruns", action="store_true")
    ap.add_argument("--no-bare", action="store_true")
    ap.add_argument("--no-corrected", action="store_true", help="skip the one-corrected re-run")
    ap.add_argument("--report", action="store_true", help="write docs/performance.md")
    args = ap.parse_args(argv)
    if args.scale:
        bench(
            args.scale,
            [s.strip() for s in args.stages.split(",") if s.strip()],
            args.regenerate,
            not args.no_reruns,
            not args.no_bare,
            not args.no_corrected,
        )
    if args.report:
        from bench.report import write_report

        write_report()


if __name__ == "__main__":
    main()
