"""Ingest: raw/<id>/ (registry + submitted workbooks) → validated results/<id>/ (docs/data-contract.md)."""


rule ingest:
    """Validate every submitted workbook of one assessment against its definition and registry;
    write students, school statuses, submissions, the validation report, the manifest with the
    row accounting and a feedback workbook per file with problems."""
    input:
        definition=definition_file,
        registry=registry_file,
        config="config/config.yaml",
    output:
        students="results/{assessment}/students.csv",
        school_status="results/{assessment}/school_status.csv",
        submissions="results/{assessment}/submissions.csv",
        validation="results/{assessment}/validation.csv",
        manifest="results/{assessment}/manifest.json",
        feedback=directory("results/{assessment}/feedback"),
    log:
        "logs/{assessment}/ingest.log",
    benchmark:
        "benchmarks/{assessment}/ingest.tsv"
    threads: 4
    params:
        limits=config.get("limits", {}),
        tolerance_pct=config.get("registry", {}).get(
            "expected_students_tolerance_pct", 10
        ),
        code_version=CODE_VERSION,
        submissions=submissions_fingerprint,
    script:
        "../scripts/ingest/main.py"
