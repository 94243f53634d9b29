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


def test_params_are_compared_without_importing_pandas():
    """The patched check gives the original's answers (a DataFrame hashed, other values as
    before) and, in a process that has not imported pandas, does not import it."""
    import subprocess
    import sys

    import pandas as pd
    from snakemake import persistence

    from scripts.common import snakemake_fixes

    original = persistence.PersistenceBase._serialize_param_pandas
    frame = pd.DataFrame({"a": [1, 2]})
    for value in (frame, frame["a"], [1, "x"], {"k": 2.5}, "text"):
        fake = type("P", (), {"_serialize_param_builtin": lambda self, v: ("builtin", repr(v))})()
        assert snakemake_fixes._serialize_param_pandas(fake, value) == original(fake, value)
    code = (
        "import sys\n"
        "from snakemake import persistence\n"
        "from scripts.common.snakemake_fixes import params_without_pandas\n"
        "assert params_without_pandas()\n"
        "fake = type('P', (), {'_serialize_param_builtin': lambda self, v: repr(v)})()\n"
        "print(persistence.PersistenceBase._serialize_param_pandas(fake, {'k': 1}))\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["{'k':", "1}", "False"]
