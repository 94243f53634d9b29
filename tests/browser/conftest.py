"""A small site (two versions) built from the fixture results and served on 127.0.0.1:<random>."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="session")
def served_site(tmp_path_factory):
    from scripts.site.build import build_site
    from scripts.site.load import read_results
    from scripts.site.pages import Site, build_pages
    from scripts.site.serve import make_server
    from tests.site import sitefix

    tmp = tmp_path_factory.mktemp("browser")
    a = sitefix.definition()
    th = sitefix.config_thresholds(a)
    bundle = ROOT / "site_templates" / "vendor" / "vega-embed.js"
    site = tmp / "site"
    results = {}
    for i, (seed, version) in enumerate(((1, "111111111111"), (2, "222222222222"))):
        r = tmp / f"r{i}" / a["id"]
        results[i] = (r, sitefix.make_results(r, a, seed=seed, version=version))
        docs = tmp / f"d{i}" / a["id"]
        build_pages(Site(read_results(r), a, th), docs)
        man = json.loads((r / "manifest.json").read_text())
        out = build_site(
            [{"id": a["id"], "docs": docs, "definition": a, "manifest": man}],
            site,
            tmp / "work",
            bundle,
        )
    server = make_server(site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield {
        "base": base,
        "version": out["version"],
        "results": results[1][0],
        "id": a["id"],
        "site": site,
    }
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@contextlib.contextmanager
def recording_page(browser):
    """A page that records console errors, page errors, dialogs and every request's URL."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.errors, pg.requests, pg.dialogs = [], [], []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))

    def on_dialog(d):
        pg.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    try:
        yield pg
    finally:
        ctx.close()


@pytest.fixture
def page(browser, served_site):
    with recording_page(browser) as pg:
        yield pg
