"""Stage `site`: every assessment's pages → one mkdocs-material version in site/<version>/."""

SITE_TARGET = "build/site.done"

# The marker says a version was built; if site/ was deleted since, build it again.
if Path(SITE_TARGET).exists() and not Path("site/versions.json").exists():
    Path(SITE_TARGET).unlink()


rule site:
    """One site version for all assessments; versions.json, index.html; unchanged inputs → no new version."""
    input:
        docs=expand("build/{assessment}/docs", assessment=ASSESSMENTS),
        manifests=expand("results/{assessment}/manifest.json", assessment=ASSESSMENTS),
        # vega + vega-lite + vega-embed, version-matched to Altair, committed (python -m
        # scripts.site.vendor site_templates/vendor/vega-embed.js after upgrading altair/vl-convert).
        bundle="site_templates/vendor/vega-embed.js",
    output:
        SITE_TARGET,
    log:
        "logs/site.log",
    benchmark:
        "benchmarks/site.tsv"
    params:
        assessments=ASSESSMENTS,
        definitions=DEFINITIONS,
        keep=config.get("site", {}).get("keep_versions", 0),
        site_dir="site/",
        work="build/site-src",
    script:
        "../scripts/site/run_site.py"
