"""Print where the site is: site/index.html and the latest version (`make site` ends with this)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scripts.site.versions import read_versions


def summary_lines(results: Path) -> list[str]:
    """One short block per assessment from its manifest: files and schools, where the report is."""
    lines = []
    for manifest in sorted(results.glob("*/manifest.json")):
        c = json.loads(manifest.read_text(encoding="utf-8"))["counts"]
        lines += [
            f"{manifest.parent.name}: файлов {c['files']} — принято {c['files_accepted']}, "
            f"отклонено {c['files_rejected']}, пропущено {c['files_ignored']}; "
            f"школ без принятого файла: {c['schools_rejected'] + c['schools_missing']} "
            f"(отклонены {c['schools_rejected']}, нет файла {c['schools_missing']})",
            f"  отчёт о проверке: {manifest.parent / 'validation.csv'}; "
            f"письма школам: {manifest.parent / 'feedback'}",
        ]
    return lines


def main(site: str = "site") -> int:
    for line in summary_lines(Path(site).resolve().parent / "results"):
        print(line)
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
