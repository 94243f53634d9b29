"""Entry of rule `ingest_batch`: one batch of submitted files → build/<id>/ingest/batch-<n>.pickle
(their FileResults; the rules across files and every results/<id>/ file come in rule `ingest`)."""

from scripts.common import entry
from scripts.ingest import batches
from scripts.ingest.main import DEFAULT_LIMITS, parse_batch


def main(smk) -> None:
    registry_rows, registry_key = batches.read_registry(smk.input.parsed_registry)  # rule registry
    results = parse_batch(
        definition_path=str(smk.input.definition),
        registry_path=str(smk.input.registry),
        files=list(smk.params.files),
        limits={**DEFAULT_LIMITS, **dict(smk.params.limits or {})},
        jobs=int(getattr(smk, "threads", 1) or 1),
        registry_rows=registry_rows,
        registry_key=registry_key,
        definition=dict(smk.params.definition),  # validated by the workflow
        cache=str(smk.params.cache),
        code_sha=str(smk.params.code_version),
    )
    batches.write_results(str(smk.output[0]), results)
    entry.setup_logging(None).info(
        "Пакет %s: прочитано файлов %d", smk.wildcards.batch, len(results)
    )


if "snakemake" in globals():
    entry.run(snakemake, main)
