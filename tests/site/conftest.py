"""Fixtures of the site's tests: a results/<id>/ folder per docs/data-contract.md (sitefix.py)."""

from __future__ import annotations

import pytest

from tests.site import sitefix


@pytest.fixture(scope="session")
def assessment():
    return sitefix.definition()


@pytest.fixture(scope="session")
def th(assessment):
    return sitefix.config_thresholds(assessment)


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory, assessment):
    root = tmp_path_factory.mktemp("results") / assessment["id"]
    info = sitefix.make_results(root, assessment)
    return root, info


@pytest.fixture(scope="session")
def built_pages(tmp_path_factory, results_dir, assessment, th):
    from scripts.site.load import read_results
    from scripts.site.pages import Site, build_pages

    root, info = results_dir
    out = tmp_path_factory.mktemp("docs") / assessment["id"]
    site = Site(read_results(root), assessment, th)
    build_pages(site, out)
    return out, site, info
