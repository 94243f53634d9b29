"""Content hashes: of files, and of the workflow's own code (the code version of a build)."""

from __future__ import annotations

import hashlib
from pathlib import Path

# What counts as the workflow's code: its hash changes when any of these files does. The pinned
# dependencies too: another mkdocs-material or pandas may write other bytes from the same inputs.
CODE_FOLDERS = ("scripts", "site_templates", "config/schemas")
CODE_FILES = ("Snakefile", "requirements.lock")


def sha256_file(path: str | Path) -> tuple[str, int]:
    """(hex digest, size in bytes) of a file, read in blocks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def workflow_code_files(base: str | Path) -> list[str]:
    """CODE_FILES, rules/*.smk and every file of CODE_FOLDERS, relative to `base`, sorted."""
    base = Path(base)
    files = [*(base / f for f in CODE_FILES), *sorted(base.glob("rules/*.smk"))]
    for folder in CODE_FOLDERS:
        files += sorted(
            p
            for p in (base / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        )
    return [p.relative_to(base).as_posix() for p in files if p.exists()]


def code_version(base: str | Path) -> str:
    """sha256 over the workflow's own files (relative path + content hash), in sorted order."""
    base = Path(base)
    h = hashlib.sha256()
    for rel in workflow_code_files(base):
        h.update(f"{rel}\0{sha256_file(base / rel)[0]}\n".encode())
    return h.hexdigest()
