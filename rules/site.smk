"""Stage `site`: every assessment's pages → one mkdocs-material version in site/<version>/.

Three steps: `site_project` (version id; the mkdocs project, unless that version exists),
`site_shard` (one `mkdocs build` per shard, in parallel: runs of about `batches.site_schools`
school pages, shard 0 also every other page; so no build holds a country's 40 000 pages), `site` (assemble, check, one rename into site/, versions.json).
"""

SITE_TARGET = "build/site.done"

# The marker says a version was built; if site/ was deleted since, build it again.
if Path(SITE_TARGET).exists() and not Path("site/versions.json").exists():
    Path(SITE_TARGET).unlink()


rule site_project:
    """The version id of these results and code; unless site/<version>/ exists, the mkdocs
    project (home, every assessment's pages, the changes pages, assets, mkdocs.yml)."""
    input:
        docs=expand("build/{assessment}/docs", assessment=ASSESSMENTS),
        manifests=expand("results/{assessment}/manifest.json", assessment=ASSESSMENTS),
        # vega + vega-lite + vega-embed, version-matched to Altair, committed (python -m
        # scripts.site.vendor site_templates/vendor/vega-embed.js after upgrading altair/vl-convert).
        bundle="site_templates/vendor/vega-embed.js",
    output:
        directory("build/site-src"),
    log:
        "logs/site_project.log",
    benchmark:
        "benchmarks/site_project.tsv"
    params:
        assessments=ASSESSMENTS,
        definitions=DEFINITIONS,
        site_dir="site/",
    script:
        "../scripts/site/run_site.py"


rule site_shard:
    """`mkdocs build --strict` of one shard of the project (site_templates/hooks.py)."""
    input:
        "build/site-src",
    output:
        directory("build/site-shards/{shard}"),
    log:
        "logs/site_shard/{shard}.log",
    benchmark:
        "benchmarks/site_shard/{shard}.tsv"
    wildcard_constraints:
        shard=r"\d+",
    params:
        shards=SITE_SHARDS,
        # each shard's last build: pages whose text did not change are reused (scripts/site/shards.py)
        cache="build/site-shard-cache",
    script:
        "../scripts/site/run_site.py"


rule site:
    """One site version for all assessments: the shards assembled and checked (offline), one
    rename into site/, versions.json, index.html; unchanged inputs → no new version. Also waits
    for the report forms, so that `snakemake site` builds what `rule all` does (SPEC §10).
    """
    input:
        project="build/site-src",
        shards=expand("build/site-shards/{shard}", shard=range(SITE_SHARDS)),
        reports=expand("results/{assessment}/reports/.done", assessment=ASSESSMENTS),
    output:
        SITE_TARGET,
    log:
        "logs/site.log",
    benchmark:
        "benchmarks/site.tsv"
    params:
        keep=config.get("site", {}).get("keep_versions", 0),
        site_dir="site/",
    script:
        "../scripts/site/run_site.py"
