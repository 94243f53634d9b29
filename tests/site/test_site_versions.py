import json

from scripts.site import versions


def test_version_id_depends_on_content_only():
    a = versions.version_id({"x": "111", "y": "222"})
    assert a == versions.version_id({"y": "222", "x": "111"})
    assert a != versions.version_id({"x": "111", "y": "223"})
    assert versions.VERSION_RE.match(a)


def test_one_assessments_site_version_is_its_manifests_version():
    """SPEC §6/§8: `manifest.json`'s version id names the site version built from it."""
    assert versions.version_id({"x": "0123456789ab"}) == "0123456789ab"


def test_versions_json_in_mikes_format_newest_first(tmp_path):
    vs = versions.add_version([], "aaaaaaaaaaaa")
    vs = versions.add_version(vs, "bbbbbbbbbbbb")
    versions.publish(tmp_path, vs, keep=0)
    data = json.loads((tmp_path / "versions.json").read_text())
    assert [v["version"] for v in data] == ["bbbbbbbbbbbb", "aaaaaaaaaaaa"]
    assert all(set(v) == {"version", "title", "aliases"} for v in data)
    assert data[0]["aliases"] == ["latest"] and data[1]["aliases"] == []
    assert data[0]["title"].startswith("Версия 2")
    html = (tmp_path / "index.html").read_text()
    assert "url=bbbbbbbbbbbb/" in html and "http:" not in html and "https:" not in html


def test_an_older_version_that_is_current_again_says_so():
    """Inputs back to what version 1 was made of: it is the latest again, on top of «Версия 2»,
    and its title says why (an audit found «Версия 1» above «Версия 2» unexplained); once another
    version is built the mark goes, and a rebuild of the same leaves it as it was."""
    vs = versions.add_version(versions.add_version([], "aaaaaaaaaaaa"), "bbbbbbbbbbbb")
    vs = versions.add_version(vs, "aaaaaaaaaaaa")
    assert [(v["version"], v["title"], v["aliases"]) for v in vs] == [
        ("aaaaaaaaaaaa", "Версия 1 (aaaaaaaaaaaa) — снова текущая", ["latest"]),
        ("bbbbbbbbbbbb", "Версия 2 (bbbbbbbbbbbb)", [])]  # fmt: skip
    assert versions.add_version(vs, "aaaaaaaaaaaa") == vs
    vs = versions.add_version(vs, "cccccccccccc")
    assert [v["title"] for v in vs] == [
        "Версия 3 (cccccccccccc)", "Версия 1 (aaaaaaaaaaaa)", "Версия 2 (bbbbbbbbbbbb)"]  # fmt: skip


def test_keep_prunes_oldest(tmp_path):
    vs = []
    for v in ("aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"):
        (tmp_path / v).mkdir()
        vs = versions.add_version(vs, v)
    removed = versions.publish(tmp_path, vs, keep=2)
    assert removed == ["aaaaaaaaaaaa"] and not (tmp_path / "aaaaaaaaaaaa").exists()
    assert [v["version"] for v in versions.read_versions(tmp_path)] == [
        "cccccccccccc",
        "bbbbbbbbbbbb",
    ]


def test_publish_rewrites_nothing_when_unchanged(tmp_path):
    vs = versions.add_version([], "aaaaaaaaaaaa")
    versions.publish(tmp_path, vs, 0)
    before = (tmp_path / "versions.json").stat().st_mtime_ns
    assert not versions.write_if_changed(tmp_path / "versions.json", versions.versions_json(vs))
    versions.publish(
        tmp_path, versions.add_version(versions.read_versions(tmp_path), "aaaaaaaaaaaa"), 0
    )
    assert (tmp_path / "versions.json").stat().st_mtime_ns == before


def test_latest_is_a_folder_that_sends_to_the_newest_version(tmp_path):
    """site/latest/ — the alias as mike makes it: a stable address for the newest results."""
    vs = versions.add_version([], "aaaaaaaaaaaa")
    versions.publish(tmp_path, versions.add_version(vs, "bbbbbbbbbbbb"), keep=0)
    html = (tmp_path / "latest" / "index.html").read_text()
    assert 'url=../bbbbbbbbbbbb/"' in html and 'href="../bbbbbbbbbbbb/"' in html
    assert "aaaaaaaaaaaa" not in html
    assert [v["version"] for v in versions.read_versions(tmp_path)] == [
        "bbbbbbbbbbbb", "aaaaaaaaaaaa"]  # fmt: skip
