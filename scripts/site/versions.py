"""Site versions (SPEC §8): the version id, site/versions.json in mike's format, site/index.html.

- version id = the manifest's `version` of a site of one assessment (it covers the inputs, the
  config and the whole workflow's code, the site's included); of several, 12 hex of sha256 over
  theirs — so the same inputs and code give the same id, and any change gives a new one;
- versions.json: [{"version", "title", "aliases"}], newest first, alias `latest` on the newest only;
- index.html: a relative redirect to the newest version (works from any web path or file://).
Writers touch a file only when its bytes change.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

VERSION_RE = re.compile(r"^[0-9a-f]{12}$")


def version_id(manifest_versions: dict[str, str]) -> str:
    """The site's version id. One assessment: its manifest's `version` (SPEC §6, §8: the id of
    the results is the id of the site built from them — `site/<manifest version>/`). Several:
    12 hex digits of a sha256 over theirs. A manifest's version already covers every input, the
    config and the whole workflow's code (the site's too: scripts/common/hashing.py)."""
    if len(manifest_versions) == 1:
        return next(iter(manifest_versions.values()))
    h = hashlib.sha256()
    for aid in sorted(manifest_versions):
        h.update(f"{aid}={manifest_versions[aid]}\n".encode())
    return h.hexdigest()[:12]


def read_versions(site_dir: Path) -> list[dict]:
    path = Path(site_dir) / "versions.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [v for v in data if isinstance(v, dict) and VERSION_RE.match(str(v.get("version", "")))]


def _seq(title: str) -> int:
    m = re.match(r"Версия (\d+)", title or "")
    return int(m.group(1)) if m else 0


AGAIN = (
    " — снова текущая"  # an older version whose inputs came back: on top, though not the highest N
)


def add_version(versions: list[dict], version: str) -> list[dict]:
    """The list with `version` first (if new), `latest` moved onto it; titles «Версия N (id)».
    An existing version that becomes the latest again (the inputs went back to what it was made
    of) keeps its N, marked «— снова текущая» while it is the latest — «Версия 1» above «Версия 2»
    said nothing of why."""

    def plain(v: dict) -> dict:
        return {**v, "title": v.get("title", "").removesuffix(AGAIN),
                "aliases": [a for a in v.get("aliases", []) if a != "latest"]}  # fmt: skip

    if any(v["version"] == version for v in versions):
        rest = [plain(v) for v in versions if v["version"] != version]
        first = plain(next(v for v in versions if v["version"] == version))
        # back on top — or still there, marked as it was
        if versions[0]["version"] != version or versions[0].get("title", "").endswith(AGAIN):
            first["title"] += AGAIN
    else:
        rest = [plain(v) for v in versions]
        n = max((_seq(v.get("title", "")) for v in versions), default=0) + 1
        first = {"version": version, "title": f"Версия {n} ({version})", "aliases": []}
    return [{**first, "aliases": ["latest"]}, *rest]


def versions_json(versions: list[dict]) -> str:
    return (
        json.dumps(
            [
                {"version": v["version"], "title": v["title"], "aliases": v["aliases"]}
                for v in versions
            ],
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )


def index_html(latest: str, up: str = "") -> str:
    """A page that sends the reader to site/<latest>/ (`up`: the way back to site/ from it)."""
    return (
        '<!doctype html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Мониторинг: переход к последней версии</title>\n"
        f'<meta http-equiv="refresh" content="0; url={up}{latest}/">\n'
        f'<script>location.replace("{up}{latest}/" + location.hash);</script>\n</head>\n<body>\n'
        f'<p><a href="{up}{latest}/">Перейти к последней версии сайта ({latest})</a></p>\n</body>\n</html>\n'
    )


def not_found_html(latest: str) -> str:
    """site/404.html, the page a server sends for a missing address (`make serve` does; nginx:
    `error_page 404 /404.html`). An address under latest/ (a bookmark, a letter to a school: the
    alias is a folder with one page) goes to the same page of the newest version; any other — a
    removed version's, a mistyped one — gets links to the same page in the newest version and to
    its start. The site's folder on the server is found in the address (the segment before
    `latest` or a version id), so it need not be the server's root. No asset: nothing to miss."""
    script = f"""var latest = "{latest}", parts = location.pathname.split("/");
var i = parts.findIndex(function (p) {{ return p === "latest" || /^[0-9a-f]{{12}}$/.test(p); }});
var root = i >= 0 ? parts.slice(0, i).join("/") + "/" : "/";
var page = root + latest + "/" + (i >= 0 ? parts.slice(i + 1).join("/") : "");
if (i >= 0 && parts[i] === "latest") {{
  location.replace(page + location.search + location.hash);
}} else {{
  document.getElementById("same").href = page;
  document.getElementById("start").href = root + latest + "/";
}}
"""
    return f"""<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Страница не найдена</title>
<style>body{{font-family:sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}}a{{color:#3f51b5}}</style>
</head>
<body>
<h1>Страница не найдена</h1>
<p>Такой страницы нет: адрес набран с ошибкой, или это страница версии сайта, которой больше нет на сервере.</p>
<p><a id="same" href="/">Та же страница в последней версии</a> · <a id="start" href="/">Начало последней версии ({latest})</a></p>
<script>
{script}</script>
</body>
</html>
"""


# site/latest/: the alias `latest` as a folder, as mike makes it — a stable address for the newest
# results (bookmarks, letters to schools); a redirect, not a copy of the version
LATEST = "latest"
NOT_FOUND = "404.html"
PUBLISHED = (
    "versions.json",
    "index.html",
    NOT_FOUND,
    f"{LATEST}/index.html",
)  # what publish writes


def write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    tmp = path.with_name("." + path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a failed build leaves site/ as it was (SPEC §8)
        raise
    return True


def publish(site_dir: Path, versions: list[dict], keep: int) -> list[str]:
    """Write versions.json, index.html and latest/index.html; drop versions beyond the newest
    `keep` (0 = keep all). Returns the removed version ids."""
    removed = []
    if keep and len(versions) > keep:
        for v in versions[keep:]:
            removed.append(v["version"])
        versions = versions[:keep]
    write_if_changed(site_dir / "versions.json", versions_json(versions))
    if versions:
        write_if_changed(site_dir / "index.html", index_html(versions[0]["version"]))
        write_if_changed(site_dir / NOT_FOUND, not_found_html(versions[0]["version"]))
        (site_dir / LATEST).mkdir(exist_ok=True)
        write_if_changed(
            site_dir / LATEST / "index.html", index_html(versions[0]["version"], "../")
        )
    for vid in removed:
        path = site_dir / vid
        if VERSION_RE.match(vid) and path.is_dir():
            shutil.rmtree(path)
    return removed
