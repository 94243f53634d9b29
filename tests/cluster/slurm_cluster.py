"""A one-node SLURM cluster on this machine for tests: start it, list its jobs.

The cluster itself is set up by .ci/slurm-setup.sh (Debian packages, munged, slurmctld,
slurmd, no systemd, no accounting); it is idempotent, so calling it when CI already ran
it only checks that the node is idle.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SETUP = REPO / ".ci" / "slurm-setup.sh"
CTLD_LOG = Path("/var/log/slurm/slurmctld.log")
SQUEUE_FORMAT = "%i|%j|%k|%T|%M|%C|%m|%N|%Z"
SQUEUE_HEADER = "job_id|name (run id)|comment (rule)|state|time|cpus|mem|node|workdir"


def is_root() -> bool:
    return os.geteuid() == 0


def slurm_installed() -> bool:
    """slurmctld, slurmd and munge installed from Debian packages."""
    if not shutil.which("dpkg-query"):
        return False
    for package in ("slurmctld", "slurmd", "munge"):
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package],
            capture_output=True,
            text=True,
            check=False,
        )
        if "install ok installed" not in proc.stdout:
            return False
    return True


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def start_cluster(timeout: float = 170) -> str:
    """Run .ci/slurm-setup.sh; return its output. Raise RuntimeError if the node is not idle."""
    proc = subprocess.run(
        ["bash", str(SETUP)], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{SETUP.relative_to(REPO)} failed ({proc.returncode}):\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc.stdout


def ctld_log_offset() -> int:
    """Current size of slurmctld's log, to read only what a run adds to it."""
    try:
        return CTLD_LOG.stat().st_size
    except OSError:
        return 0


def ctld_log_since(offset: int, job_ids: set[str]) -> list[str]:
    """slurmctld log lines (submission, allocation, completion) of these jobs since offset."""
    try:
        with CTLD_LOG.open("rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    keep = []
    for line in text.splitlines():
        if any(f"JobId={j} " in line + " " for j in job_ids) and (
            "submit" in line or "Allocate" in line or "_job_complete" in line
        ):
            keep.append(line)
    return keep


def jobs_in(workdir: Path) -> list[dict[str, str]]:
    """Jobs (pending, running and finished within MinJobAge) whose work dir is workdir."""
    proc = subprocess.run(
        ["squeue", "--states=all", "--noheader", f"--format={SQUEUE_FORMAT}"],
        capture_output=True,
        text=True,
        check=False,
    )
    keys = ["job_id", "name", "comment", "state", "time", "cpus", "mem", "node", "workdir"]
    jobs = []
    for line in proc.stdout.splitlines():
        fields = line.split("|")
        if len(fields) == len(keys) and Path(fields[-1]) == workdir:
            jobs.append(dict(zip(keys, fields, strict=True)))
    return sorted(jobs, key=lambda j: int(j["job_id"]))


def cancel_jobs(workdir: Path) -> None:
    """Cancel jobs of workdir that are still pending or running (after a failed test)."""
    live = [
        j["job_id"]
        for j in jobs_in(workdir)
        if j["state"] in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING")
    ]
    if live:
        subprocess.run(["scancel", *live], check=False)
