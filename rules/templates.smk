# Templates (SPEC §9): blank workbooks for schools and report forms for municipalities.
# Each rule writes a directory of files plus a marker `.done` (sha256 listing of the files);
# the marker is the declared output, the script keeps the directory in sync itself.


rule school_templates:
    """Blank result workbooks (template format v1) per registry school, a zip per municipality."""
    input:
        registry=registry_file,
        definition=definition_file,
    output:
        marker="results/{assessment}/templates/.done",
    log:
        "logs/{assessment}/school_templates.log",
    benchmark:
        "benchmarks/{assessment}/school_templates.tsv"
    params:
        rows={"default_rows": 40, "spare_pct": 10, "min_spare": 5},
        content=registry_content,
    script:
        "../scripts/templates/school_main.py"


rule report_forms:
    """The municipal report form (8 rows of measures) per municipality, pre-filled from results."""
    input:
        definition=definition_file,
        municipalities="results/{assessment}/municipalities.csv",
        region="results/{assessment}/region.csv",
        schools="results/{assessment}/schools.csv",
        deficits="results/{assessment}/deficits.csv",
        recommendations="results/{assessment}/recommendations.csv",
    output:
        marker="results/{assessment}/reports/.done",
    log:
        "logs/{assessment}/report_forms.log",
    benchmark:
        "benchmarks/{assessment}/report_forms.tsv"
    params:
        thresholds=assessment_thresholds,
        definition=assessment_definition,
    script:
        "../scripts/templates/report_main.py"
