"""The thin glue between Snakemake's `script:` directive and a stage's pure functions.

A stage's main.py ends with::

    if __name__ == "__main__" and "snakemake" in globals():
        entry.run(snakemake, main)

`main(snakemake)` reads snakemake.input/output/params and calls the pure functions. `run` sends
the log to snakemake.log[0] as well as the terminal and turns a `StageError` into one clear line
(no traceback) and a non-zero exit.
"""

from __future__ import annotations

import logging
import os
import sys


class StageError(Exception):
    """A problem the analyst must act on; its text is shown as is (Russian)."""


def setup_logging(log_path: str | None) -> logging.Logger:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=handlers, force=True)
    return logging.getLogger("stage")


def run(smk, main) -> None:
    log_path = smk.log[0] if len(smk.log) else None
    log = setup_logging(log_path)
    try:
        _profiled(smk, main)
    except StageError as exc:
        log.error("Ошибка: %s", exc)
        sys.exit(1)
    except Exception:
        log.exception("Внутренняя ошибка стадии (сообщите разработчикам, лог: %s)", log_path)
        sys.exit(1)


def _profiled(smk, main) -> None:
    """`STAGE_PROFILE=<folder>`: each job's cProfile to <folder>/<rule>-<wildcards>.prof
    (developers' tool, docs/performance.md); otherwise just `main(smk)`."""
    folder = os.environ.get("STAGE_PROFILE")
    if not folder:
        main(smk)
        return
    import cProfile

    label = "-".join([smk.rule, *map(str, smk.wildcards)]).replace("/", "_")
    os.makedirs(folder, exist_ok=True)
    cProfile.runctx("main(smk)", {}, {"main": main, "smk": smk}, f"{folder}/{label}.prof")
