"""Stage `site`: every assessment's pages → one mkdocs-material version in site/<version>/."""

SITE_TARGET = "build/site.done"

# The marker says a version was built; if site/ was deleted since, build it again.
if Path(SITE_TARGET).exists() and not Path("site/versions.json").exists():
    Path(SITE_TARGET).unlink()


rule vega_bundle:
    """The vendored vega/vega-lite/vega-embed bundle (from vl-convert), written once."""
    output:
        "build/vendor/vega-embed.js",
    log:
        "logs/vega_bundle.log",
    benchmark:
        "benchmarks/vega_bundle.tsv"
    script:
        "../scripts/site/vendor.py"


rule site:
    """One site version for all assessments; versions.json, index.html; unchanged inputs → no new version."""
    input:
        docs=expand("build/{assessment}/docs", assessment=ASSESSMENTS),
        manifests=expand("results/{assessment}/manifest.json", assessment=ASSESSMENTS),
        bundle="build/vendor/vega-embed.js",
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
        site_dir="site",
        work="build/site-src",
    script:
        "../scripts/site/run_site.py"
