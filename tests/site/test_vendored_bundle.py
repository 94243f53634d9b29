"""The committed chart bundle is exactly what the pinned vl-convert makes for Altair's Vega-Lite."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.site.vendor import write_bundle

BUNDLE = Path(__file__).resolve().parents[2] / "site_templates/vendor/vega-embed.js"


@pytest.mark.slow
def test_committed_bundle_matches_vl_convert(tmp_path):
    fresh = tmp_path / "vega-embed.js"
    write_bundle(fresh)
    assert fresh.read_bytes() == BUNDLE.read_bytes(), (
        "site_templates/vendor/vega-embed.js is stale: "
        "python -m scripts.site.vendor site_templates/vendor/vega-embed.js"
    )
