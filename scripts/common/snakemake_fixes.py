"""Workarounds for the pinned Snakemake, applied by rules/common.smk in the main process.

1. Snakemake 9 re-arms a `threading.Timer` of one second (its job-rate limit, 100 jobs per 1 s)
every time its scheduler wakes up. The timer is not a daemon thread, so after the last job the
process waits up to a second for it to fire before it can exit: 0.8-1.1 s of every run that ran
jobs (the region's re-run after one corrected workbook took ~8 s in all). Here the same timer is a
daemon thread: it still wakes the scheduler while the run goes on, and no longer holds the exit.

2. To compare a job's params with those of its last run, Snakemake imports pandas (≈ 0.2 s of
every run; a re-run with nothing to do took 1.0 s) only to ask whether a param is a DataFrame.
A param can only be a pandas object if pandas is already imported, so the same test is made
without importing it. (The SLURM plugin imports pandas too, which is why the Makefile installs
it apart, scripts/common/lockfile.py.)
"""

from __future__ import annotations

import sys
import threading


def _reevaluate_later(self, delay) -> None:
    timer = threading.Timer(delay, self._open_jobs.release)
    timer.daemon = True
    timer.start()


def daemon_rate_timer() -> bool:
    """Patch the scheduler; False if this Snakemake has no such method (nothing to mend)."""
    from snakemake.scheduling import job_scheduler

    if not hasattr(job_scheduler.JobScheduler, "_schedule_reevalutation"):
        return False
    job_scheduler.JobScheduler._schedule_reevalutation = _reevaluate_later
    return True


def _serialize_param_pandas(self, value):
    pd = sys.modules.get("pandas")  # no pandas imported: the value cannot be a pandas object
    if pd is not None and isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return repr(pd.util.hash_pandas_object(value).tolist())
    return self._serialize_param_builtin(value)


def params_without_pandas() -> bool:
    """Patch the params check; False if this Snakemake has no such method (nothing to mend)."""
    from snakemake import persistence

    base = getattr(persistence, "PersistenceBase", None)
    if base is None or not hasattr(base, "_serialize_param_pandas"):
        return False
    base._serialize_param_pandas = _serialize_param_pandas
    return True
