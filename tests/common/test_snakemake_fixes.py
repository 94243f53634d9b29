"""The scheduler's rate-limit timer becomes a daemon thread (scripts/common/snakemake_fixes.py)."""

from __future__ import annotations

import threading

from snakemake.scheduling import job_scheduler

from scripts.common.snakemake_fixes import daemon_rate_timer


def test_the_pinned_snakemake_has_the_method_we_mend():
    # an upgrade that renames it must be noticed here, not as a slower exit
    assert hasattr(job_scheduler.JobScheduler, "_schedule_reevalutation")


def test_the_timer_still_wakes_the_scheduler_but_is_a_daemon(monkeypatch):
    monkeypatch.setattr(
        job_scheduler.JobScheduler,
        "_schedule_reevalutation",
        job_scheduler.JobScheduler._schedule_reevalutation,
    )  # undone after the test
    assert daemon_rate_timer() is True
    started: list[threading.Thread] = []
    real_start = threading.Timer.start

    def record(timer):
        started.append(timer)
        real_start(timer)

    monkeypatch.setattr(threading.Timer, "start", record)
    fake = type("Scheduler", (), {})()
    fake._open_jobs = threading.Semaphore(0)
    job_scheduler.JobScheduler._schedule_reevalutation(fake, 0.01)
    assert len(started) == 1 and started[0].daemon
    assert fake._open_jobs.acquire(timeout=5)  # it fired: the scheduler is woken as before
