"""A workaround for the pinned Snakemake, applied by rules/common.smk in the main process.

Snakemake 9 re-arms a `threading.Timer` of one second (its job-rate limit, 100 jobs per 1 s)
every time its scheduler wakes up. The timer is not a daemon thread, so after the last job the
process waits up to a second for it to fire before it can exit: 0.8-1.1 s of every run that ran
jobs (the region's re-run after one corrected workbook took ~8 s in all). Here the same timer is a
daemon thread: it still wakes the scheduler while the run goes on, and no longer holds the exit.
"""

from __future__ import annotations

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
