"""Snakemake entry of rules `site_project`, `site_shard` and `site` (rules/site.smk):
build/<id>/docs/ of every assessment → site/<version>/ (scripts/site/build.py)."""

import json
import logging
from pathlib import Path

from scripts.common import entry

# Each rule imports only its own module: a job's imports are most of a small run's time.


def project(smk) -> None:
    from scripts.site import build

    assessments = []
    for aid, docs, manifest in zip(
        smk.params.assessments, smk.input.docs, smk.input.manifests, strict=True
    ):
        assessments.append({"id": aid, "docs": Path(docs), "definition": smk.params.definitions[aid],
                            "manifest": json.loads(Path(manifest).read_text(encoding="utf-8"))})  # fmt: skip
    plan = build.prepare(
        assessments, Path(smk.params.site_dir), Path(smk.output[0]), Path(smk.input.bundle)
    )
    logging.getLogger("stage").info(
        "Версия %s: %s", plan["version"], "уже есть" if plan["exists"] else "собирается"
    )


def shard(smk) -> None:
    from scripts.site import shards

    shards.build_shard(Path(smk.input[0]), int(smk.wildcards.shard), int(smk.params.shards),
                      Path(smk.output[0]), cache=Path(smk.params.cache))  # fmt: skip


def site(smk) -> None:
    from scripts.site import build

    out = build.finish(Path(smk.input.project), [Path(d) for d in smk.input.shards],
                       Path(smk.params.site_dir), keep=int(smk.params.keep or 0))  # fmt: skip
    Path(smk.output[0]).write_text(json.dumps(out, sort_keys=True) + "\n", encoding="utf-8")
    log = logging.getLogger("stage")
    log.info("Сайт: версия %s (%s)", out["version"], "собрана" if out["built"] else "без изменений")
    if out["removed"]:  # said where the analyst sees it, not only in build/site.done
        log.info("Удалены старые версии (site.keep_versions: %s): %s", smk.params.keep,
                 ", ".join(out["removed"]))  # fmt: skip


def main(smk) -> None:
    {"site_project": project, "site_shard": shard, "site": site}[smk.rule](smk)


if __name__ == "__main__" and "snakemake" in globals():
    entry.run(globals()["snakemake"], main)
