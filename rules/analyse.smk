rule analyse:
    """Analysis of one assessment (SPEC §5): levels, groups, risk zone, signs of
    non-objectivity, item analysis, deficits and targeted recommendations.
    Reads what ingest wrote; writes the canonical CSVs of docs/data-contract.md."""
    input:
        students="results/{assessment}/students.csv",
        status="results/{assessment}/school_status.csv",
        definition=definition_file,
        recommendations="config/recommendations.yaml",
    output:
        schools="results/{assessment}/schools.csv",
        classes="results/{assessment}/classes.csv",
        municipalities="results/{assessment}/municipalities.csv",
        region="results/{assessment}/region.csv",
        settlements="results/{assessment}/settlements.csv",
        settlement_tasks="results/{assessment}/settlement_tasks.csv",
        settlement_results="results/{assessment}/settlement_results.csv",
        tasks="results/{assessment}/tasks.csv",
        planned_results="results/{assessment}/planned_results.csv",
        distribution="results/{assessment}/distribution.csv",
        marks="results/{assessment}/marks.csv",
        item_analysis="results/{assessment}/items.csv",
        reasons="results/{assessment}/reasons.csv",
        deficits="results/{assessment}/deficits.csv",
        recommendations="results/{assessment}/recommendations.csv",
    log:
        "logs/{assessment}/analyse.log",
    benchmark:
        "benchmarks/{assessment}/analyse.tsv"
    params:
        thresholds=assessment_thresholds,
        definition=assessment_definition,
        # its bytes, not only its time: a library restored from a backup is read again
        library=content_of("config/recommendations.yaml"),
    script:
        "../scripts/analyse/main.py"
