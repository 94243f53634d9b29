"""The workflow on a one-node SLURM cluster gives byte-identical results/ to a local run.

Two copies of the e2e fixture project: one runs `snakemake --cores 2 results`, the other
`snakemake --profile profiles/slurm results` through snakemake-executor-plugin-slurm on
the cluster that .ci/slurm-setup.sh starts on this machine (root, Debian packages).

Skipped only outside CI when not root or SLURM is not installed; with CI set it must run
(and fails if the cluster cannot be started). The job list goes to the test's output and
to tests/artifacts/slurm-jobs.txt.
"""

from __future__ import annotations

import difflib
import filecmp
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    """Import a module by its file path. Not `from tests.… import`: csv-diff installs a
    `tests` package into site-packages, which shadows the repository's `tests/`."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


slurm = _load("slurm_cluster", Path(__file__).with_name("slurm_cluster.py"))
e2e = _load("e2e_fixture_project", REPO / "tests" / "e2e" / "conftest.py")

PROFILE = REPO / "profiles" / "slurm"
ARTIFACT = REPO / "tests" / "artifacts" / "slurm-jobs.txt"
SLURM_RUN_TIMEOUT = 180  # seconds; the whole test must stay under 4 minutes

pytestmark = [
    pytest.mark.slow,
    pytest.mark.slurm,
    pytest.mark.xdist_group("slurm"),
    pytest.mark.skipif(
        not slurm.in_ci() and not (slurm.is_root() and slurm.slurm_installed()),
        reason="needs root and SLURM from Debian packages (apt-get install slurm-wlm munge); "
        "runs always when CI is set",
    ),
]


def tree(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def describe_difference(local: Path, cluster: Path) -> str:
    a, b = tree(local), tree(cluster)
    lines = []
    for name in sorted(a.keys() - b.keys()):
        lines.append(f"only in the local run: {name}")
    for name in sorted(b.keys() - a.keys()):
        lines.append(f"only in the SLURM run: {name}")
    for name in sorted(a.keys() & b.keys()):
        if not filecmp.cmp(a[name], b[name], shallow=False):
            lines.append(f"differs: {name}")
            try:
                old = a[name].read_text(encoding="utf-8").splitlines()
                new = b[name].read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError:
                continue
            diff = list(difflib.unified_diff(old, new, "local", "slurm", lineterm="", n=1))
            lines += diff[:20]
    return "\n".join(lines)


def run_on_slurm(root: Path) -> subprocess.CompletedProcess:
    snakemake = Path(sys.executable).with_name("snakemake")
    cmd = [
        str(snakemake),
        "--profile",
        str(PROFILE),
        "results",
        # Test-only overrides: the node has 2 CPUs (a rule asking more would never be
        # scheduled), and the first squeue poll comes after 8 s, not the profile's 20 s.
        # The plugin then waits 10 s longer each time no job has finished (8, 26, 54 s
        # after a submission); a fixture job takes about 15-25 s here.
        "--max-threads",
        "2",
        "--slurm-init-seconds-before-status-checks",
        "8",
        "--slurm-keep-successful-logs",
    ]
    # the SLURM plugins are installed apart from the venv (Makefile, scripts/common/lockfile.py)
    plugins = Path(sys.executable).parents[1] / "cluster"
    assert (plugins / "snakemake_executor_plugin_slurm").is_dir(), f"{plugins}: run make"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")]))}  # fmt: skip
    return subprocess.run(
        cmd, cwd=root, env=env, capture_output=True, text=True, timeout=SLURM_RUN_TIMEOUT
    )


def job_report(root: Path, log_offset: int, proc_out: str) -> str:
    jobs = slurm.jobs_in(root)
    lines = [f"# SLURM jobs of {root} (squeue --states=all)", slurm.SQUEUE_HEADER]
    lines += ["|".join(j.values()) for j in jobs]
    lines += ["", "# slurmctld log"]
    lines += slurm.ctld_log_since(log_offset, {j["job_id"] for j in jobs})
    lines += ["", "# Snakemake's submissions"]
    lines += [ln for ln in proc_out.splitlines() if "submitted with SLURM jobid" in ln]
    logs = sorted((root / ".snakemake" / "slurm_logs").rglob("*.log"))
    for log in logs:
        lines += ["", f"# {log.relative_to(root)} (last lines)"]
        lines += log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
    return "\n".join(lines) + "\n"


def test_results_on_slurm_match_local_run(tmp_path: Path):
    started = time.monotonic()
    # Under CI this raises (→ test fails) when SLURM cannot be started.
    setup_out = slurm.start_cluster()
    print(setup_out)

    (tmp_path / "local").mkdir()
    local = e2e.make_project(tmp_path / "local")
    # The second project is a byte copy of the first: make_project writes .xlsx files
    # whose metadata carries the creation time, and identical inputs are the point.
    cluster = tmp_path / "slurm"
    shutil.copytree(local, cluster, symlinks=True)

    # The local run goes in a thread while the SLURM run (mostly waiting on squeue) runs.
    local_result: dict[str, subprocess.CompletedProcess] = {}
    thread = threading.Thread(
        target=lambda: local_result.update(proc=e2e.run_workflow(local, "results"))
    )
    thread.start()

    offset = slurm.ctld_log_offset()
    try:
        proc = run_on_slurm(cluster)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        report = job_report(cluster, offset, out + err)
        slurm.cancel_jobs(cluster)
        thread.join()
        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        ARTIFACT.write_text(report, encoding="utf-8")
        pytest.fail(
            f"SLURM run took over {SLURM_RUN_TIMEOUT} s\n{report}\n{err[-4000:]}", pytrace=False
        )
    finally:
        slurm.cancel_jobs(cluster)
    thread.join()

    report = job_report(cluster, offset, proc.stdout + proc.stderr)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(report, encoding="utf-8")
    print(report)
    print(f"elapsed {time.monotonic() - started:.0f} s")

    local_proc = local_result["proc"]
    assert local_proc.returncode == 0, local_proc.stdout[-3000:] + local_proc.stderr[-6000:]
    assert proc.returncode == 0, report + proc.stdout[-3000:] + proc.stderr[-6000:]

    jobs = slurm.jobs_in(cluster)
    assert jobs, "no job ran on SLURM:\n" + report
    assert all(j["state"] == "COMPLETED" for j in jobs), report

    local_results, cluster_results = local / "results", cluster / "results"
    assert tree(local_results), "the local run wrote nothing under results/"
    difference = describe_difference(local_results, cluster_results)
    assert not difference, "results/ differ between the local and the SLURM run:\n" + difference
