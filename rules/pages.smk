"""Stage `pages`: results/<id>/ (contract CSVs) → build/<id>/docs/ (Markdown, chart specs, downloads)."""

RESULT_FILES = [
    "schools",
    "classes",
    "municipalities",
    "region",
    "tasks",
    "planned_results",
    "distribution",
    "items",
    "reasons",
    "deficits",
    "recommendations",
    "validation",
    "submissions",
    "school_status",
    "students",
]


rule pages:
    """Pages of one assessment: region, municipalities, schools, sections, chart specs, downloads."""
    input:
        manifest="results/{assessment}/manifest.json",
        tables=expand("results/{{assessment}}/{name}.csv", name=RESULT_FILES),
    output:
        directory("build/{assessment}/docs"),
    log:
        "logs/{assessment}/pages.log",
    benchmark:
        "benchmarks/{assessment}/pages.tsv"
    threads: 2  # pages in this process, downloads (CSV/XLSX) in a forked one
    params:
        definition=assessment_definition,
        thresholds=assessment_thresholds,
        file_checks=FILE_CHECKS,
        plan_date=assessment_plan_date,
        # the page templates compiled once per code version (scripts/site/jinja_cache.py)
        jinja_cache="build/jinja-cache",
        code_version=CODE_VERSION,
    script:
        "../scripts/site/run_pages.py"
