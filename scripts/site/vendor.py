"""The ONE vendored chart bundle: vega + vega-lite + vega-embed from vl-convert, matched to the
Vega-Lite version of the specs Altair writes (a classic script that sets window.vegaEmbed).

    python -m scripts.site.vendor site_templates/vendor/vega-embed.js

The bundle is committed (building it costs seconds of CPU on every cold run); a test checks it is
exactly what the pinned vl-convert makes for Altair's Vega-Lite version.
"""

import sys
from pathlib import Path


def vl_version() -> str:
    """'6.4' for Altair's schema v6.4.1, checked against the versions vl-convert ships."""
    import altair as alt
    import vl_convert as vlc

    want = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    have = vlc.get_vegalite_versions()
    if want not in have:
        raise SystemExit(f"vl-convert has no Vega-Lite {want} (has {', '.join(have)})")
    return want


def write_bundle(out: Path) -> int:
    import vl_convert as vlc

    text = vlc.javascript_bundle(vl_version=vl_version())
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return len(text)


if __name__ == "__main__":
    print(write_bundle(Path(sys.argv[1])))
