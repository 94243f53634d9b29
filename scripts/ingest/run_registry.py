"""Entry of rule `registry`: raw/<id>/registry.csv|xlsx → build/<id>/registry.pickle, the
registry checked and parsed once for every ingest job (a country's 40 000 rows take ≈ 1 s)."""

from scripts.common import entry
from scripts.ingest import batches
from scripts.ingest.registry import load_registry


def main(smk) -> None:
    rows = load_registry(str(smk.input.registry))  # a bad registry: one clear line (StageError)
    batches.write_results(str(smk.output[0]), rows)
    entry.setup_logging(None).info("Реестр %s: школ %d", smk.input.registry, len(rows))


if "snakemake" in globals():
    entry.run(snakemake, main)
