"""The injection site of tests/e2e/test_injection_privacy.py (built by the real workflow) in
Chromium: hostile school and municipality names show as text, no dialog opens, nothing errors, no
request leaves 127.0.0.1, and a chart tooltip shows the hostile name as text."""

from __future__ import annotations

import json
import threading

import pytest

from tests.browser.conftest import recording_page
from tests.e2e.conftest import run_workflow
from tests.e2e.test_injection_privacy import BIDI, ID, MO, H, build_injection_project, shown

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def inj_site(tmp_path_factory, browser):  # `browser` first: skips before the build without chromium
    from scripts.site.serve import make_server

    info = build_injection_project(tmp_path_factory.mktemp("inj-browser"))
    proc = run_workflow(info["root"])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    site = info["root"] / "site"
    version = json.loads((site / "versions.json").read_text(encoding="utf-8"))[0]["version"]
    server = make_server(site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield {"base": base, "root": f"{base}/{version}/{ID}/"}
    server.shutdown()


@pytest.fixture
def pg(browser, inj_site):
    with recording_page(browser) as page:
        yield page


def _check_clean(page, s):
    assert page.dialogs == [], page.dialogs
    assert page.errors == [], page.errors
    outside = [u for u in page.requests if not u.startswith(s["base"] + "/")]
    assert outside == [], outside
    # nothing the page inserted carries a handler or a javascript: link
    bad = page.evaluate(
        """() => [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
             .filter(a => /^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value))
             .map(a => el.tagName + ' ' + a.name + '=' + a.value))"""
    )
    assert bad == [], bad
    assert page.locator("article script, article img[src='x']").count() == 0


def _open(page, url):
    page.goto(url, wait_until="networkidle")


def _hover_for_tooltip(page, want: str) -> str | None:
    """Hover chart marks until the tooltip shows `want`; the tooltip's HTML, or None."""
    try:
        page.wait_for_selector(".vchart svg", timeout=15000)
    except Exception:
        return None
    marks = page.locator(
        ".vchart svg path[aria-roledescription='bar'], .vchart svg .mark-rect path"
    )
    for i in range(min(marks.count(), 40)):
        try:
            marks.nth(i).hover(timeout=2000, force=True)
        except Exception:
            continue
        tip = page.locator("#vg-tooltip-element")
        if tip.count() and want in (tip.inner_text() or ""):
            return tip.inner_html()
    return None


def test_hostile_school_page_shows_the_name_as_text(pg, inj_site):
    _open(pg, inj_site["root"] + "oo/0103/")
    assert pg.locator("h1").first.inner_text().strip() == H["script"]
    body = pg.locator("article").inner_text()
    assert shown(MO["01"]) in body  # «{{ 7*7 }}» as text, not 49
    _check_clean(pg, inj_site)


def test_municipality_page_names_and_tooltip(pg, inj_site):
    _open(pg, inj_site["root"] + "mo/01/")
    assert pg.locator("h1").first.inner_text().strip() == MO["01"]
    assert pg.get_by_role("link", name=H["script"]).count() >= 1
    assert pg.get_by_role("link", name=shown(H["snippet"])).count() >= 1
    tip = _hover_for_tooltip(pg, "alert(1)")  # the bar of school 0103 in «schools compared»
    assert tip is not None, "no tooltip with the hostile name"
    assert "<script" not in tip.lower() and "&lt;script&gt;" in tip  # text, not elements
    _check_clean(pg, inj_site)


@pytest.mark.parametrize("rel", ["", "mo/02/", "oo/0201/", "oo/0202/", "validation/", "data/"])
def test_other_hostile_pages_load_clean(pg, inj_site, rel):
    _open(pg, inj_site["root"] + rel)
    text = pg.locator("article").inner_text()
    if rel == "oo/0201/":
        assert shown(BIDI) in text and "\u202e" not in text
    if rel in ("", "mo/02/"):
        assert MO["02"] in text
    _check_clean(pg, inj_site)
