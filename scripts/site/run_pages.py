"""Snakemake entry of rule `pages`: results/<id>/ → build/<id>/docs/."""

import logging
import os
import time
from pathlib import Path

from scripts.common import entry
from scripts.site import jinja_cache
from scripts.site.load import read_results
from scripts.site.pages import ENV, Site, build_pages


def main(smk) -> None:
    log = logging.getLogger("stage")
    t0 = time.perf_counter()
    if smk.threads < 2:  # the downloads are written by a forked second process only with 2 threads
        os.environ["SITE_PAGES_FORK"] = "0"
    if smk.params.get("jinja_cache"):  # keyed by our code: it decides how templates compile
        jinja_cache.install(ENV, smk.params.jinja_cache, smk.params.code_version)
    res = read_results(Path(smk.input.manifest).parent)
    site = Site(res, smk.params.definition, smk.params.thresholds, smk.params.get("file_checks"))
    site.plan_date = smk.params.get(
        "plan_date"
    )  # the build's date, once per run (rules/common.smk)
    stats = build_pages(site, Path(smk.output[0]))
    log.info("Страницы %s: страниц %d, диаграмм %d, выгрузок %d — за %.1f с", smk.wildcards.assessment,
             stats.get("pages", 0), stats.get("charts", 0), stats.get("downloads", 0),
             time.perf_counter() - t0)  # fmt: skip


if __name__ == "__main__" and "snakemake" in globals():
    entry.run(globals()["snakemake"], main)
