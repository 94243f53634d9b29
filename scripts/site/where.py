"""Print where the site is: site/index.html and the latest version (`make site` ends with this)."""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.site.versions import read_versions


def main(site: str = "site") -> int:
    root = Path(site).resolve()
    versions = read_versions(root)
    if not versions or not (root / "index.html").exists():
        print(
            f"Сайт ещё не собран (нет {root / 'index.html'}). Запустите: make site", file=sys.stderr
        )
        return 1
    latest = versions[0]["version"]
    print(f"Сайт: {root / 'index.html'}")
    print(f"Последняя версия: {latest} — {root / latest / 'index.html'}")
    print(f"Версий: {len(versions)}. Просмотр: make serve")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
