"""Monitoring of planned results: school workbooks → validated data → analysis → versioned site.

    snakemake --cores all            # the site (rule all)
    snakemake --cores all results    # every results/<id>/ only
    snakemake --cores all templates  # blank workbooks for schools (before any result arrives)

Stages, one file each in rules/: ingest → analyse → pages → site; templates beside them.
"""

import os
import sys

from scripts.common.config import ConfigError, error_text, load_yaml

# Rules run scripts/ as the package `scripts` (tests import the same functions).
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (workflow.basedir, os.environ.get("PYTHONPATH", "")) if p
)


envvars:
    "PYTHONPATH",


# A config.yaml that is not YAML: one Russian line (Snakemake's own message is English).
try:
    load_yaml("config/config.yaml")
except ConfigError as exc:
    sys.exit(error_text(exc))


configfile: "config/config.yaml"


include: "rules/common.smk"
include: "rules/ingest.smk"
include: "rules/analyse.smk"
include: "rules/pages.smk"
include: "rules/site.smk"
include: "rules/templates.smk"


rule all:
    """The default target: the versioned site with every assessment."""
    input:
        SITE_TARGET,
        expand("results/{assessment}/reports/.done", assessment=ASSESSMENTS),


rule results:
    """Every results/<id>/ (ingest, analysis, report forms), without the site."""
    input:
        expand("results/{assessment}/schools.csv", assessment=ASSESSMENTS),
        expand("results/{assessment}/reports/.done", assessment=ASSESSMENTS),


rule templates:
    """Blank workbooks per school. (The municipal report forms are filled from the results, so
    `results` and `all` make them.)"""
    input:
        expand("results/{assessment}/templates/.done", assessment=ASSESSMENTS),
