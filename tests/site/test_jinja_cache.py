"""Jinja bytecode caches keyed by what compiles a template, not only its source
(scripts/site/jinja_cache.py)."""

from __future__ import annotations

import jinja2

from scripts.site import jinja_cache


def _render(tmp_path, autoescape: bool, key: str) -> str:
    (tmp_path / "t").mkdir(exist_ok=True)
    (tmp_path / "t" / "page.j2").write_text("{{ x }}", encoding="utf-8")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(tmp_path / "t")), autoescape=autoescape
    )
    jinja_cache.install(env, tmp_path / "cache", key)
    return env.get_template("page.j2").render(x="<b>")


def test_other_settings_never_get_a_stale_template(tmp_path):
    """Jinja's own check is the source only: an unescaping template compiled under one key must
    not be served to an escaping environment under another (the page templates' key is the code
    version, which changes with pages.py's environment)."""
    assert _render(tmp_path, False, "code-1") == "<b>"
    assert len(list((tmp_path / "cache").glob("*/__jinja2_*.cache"))) == 1
    assert _render(tmp_path, True, "code-2") == "&lt;b&gt;"
    # the old key's folder is gone: one folder, the new one
    assert len([p for p in (tmp_path / "cache").iterdir()]) == 1


def test_same_key_reuses_the_compiled_template(tmp_path, monkeypatch):
    assert _render(tmp_path, True, "k") == "&lt;b&gt;"
    compiled = []
    real = jinja2.Environment.compile

    def spy(self, *args, **kwargs):
        compiled.append(args[1] if len(args) > 1 else kwargs.get("name"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    assert _render(tmp_path, True, "k") == "&lt;b&gt;"
    assert compiled == []  # loaded from the cache, not compiled again
