"""Ingest: raw/<id>/ (registry + submitted workbooks) → validated results/<id>/ (docs/data-contract.md).

Three steps: `registry` checks and parses the registry once; `ingest_batch` reads one batch of
files (config `batches.ingest_files`; a region is a few jobs, a country a few dozen, spread over
cores or SLURM nodes); `ingest` applies the rules across files and writes results/<id>/.
A corrected workbook re-runs its own batch only.
"""


rule registry:
    """Check and parse the registry of schools once for every ingest job."""
    input:
        registry=registry_file,
    output:
        "build/{assessment}/registry.pickle",
    log:
        "logs/{assessment}/registry.log",
    benchmark:
        "benchmarks/{assessment}/registry.tsv"
    params:
        content=registry_content,
    script:
        "../scripts/ingest/run_registry.py"


rule ingest_batch:
    """Read and validate one batch of submitted files, each in an isolated worker process
    (memory cap, timeout); the FileResults go to build/ for rule `ingest`."""
    input:
        definition=definition_file,
        registry=registry_file,
        parsed_registry="build/{assessment}/registry.pickle",
    output:
        "build/{assessment}/ingest/batch-{batch}.pickle",
    log:
        "logs/{assessment}/ingest/batch-{batch}.log",
    benchmark:
        "benchmarks/{assessment}/ingest/batch-{batch}.tsv"
    threads: 1
    params:
        files=batch_files,
        definition=assessment_definition,
        fingerprint=batch_fingerprint,
        limits=config.get("limits", {}),
        code_version=CODE_VERSION,
        # the batch's last readings: a re-run reads only the files that changed
        cache="build/{assessment}/ingest-cache/batch-{batch}.pickle",
    script:
        "../scripts/ingest/run_batch.py"


rule ingest:
    """The rules across files (duplicates, rows against the registry, missing schools); write
    students, school statuses, submissions, the validation report, the manifest with the row
    accounting and a feedback workbook per file with problems."""
    input:
        batches=batch_results,
        definition=definition_file,
        registry=registry_file,
        parsed_registry="build/{assessment}/registry.pickle",
        # hashed into the manifest and so into the version id: new texts, new site version
        config=CONFIG_FILES,
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
    params:
        limits=config.get("limits", {}),
        definition=assessment_definition,
        tolerance_pct=config.get("registry", {}).get(
            "expected_students_tolerance_pct", 10
        ),
        code_version=CODE_VERSION,
        config_content=config_content,
        thresholds=assessment_thresholds,
    script:
        "../scripts/ingest/main.py"
