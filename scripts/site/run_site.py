"""Snakemake entry of rule `site`: build/<id>/docs/ of every assessment → site/<version>/."""

import json
import logging
from pathlib import Path

from scripts.common import entry
from scripts.site.build import build_site


def main(smk) -> None:
    log = logging.getLogger("stage")
    assessments = []
    for aid, docs, manifest in zip(
        smk.params.assessments, smk.input.docs, smk.input.manifests, strict=True
    ):
        assessments.append({"id": aid, "docs": Path(docs), "definition": smk.params.definitions[aid],
                            "manifest": json.loads(Path(manifest).read_text(encoding="utf-8"))})  # fmt: skip
    out = build_site(assessments, Path(smk.params.site_dir), Path(smk.params.work), Path(smk.input.bundle),
                     keep=int(smk.params.keep or 0))  # fmt: skip
    Path(smk.output[0]).write_text(json.dumps(out, sort_keys=True) + "\n", encoding="utf-8")
    log.info("Сайт: версия %s (%s)", out["version"], "собрана" if out["built"] else "без изменений")


if __name__ == "__main__" and "snakemake" in globals():
    entry.run(globals()["snakemake"], main)
