"""Content hashes: of files, and of the workflow's own code (the code version of a build)."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from scripts.common import lockfile

# What counts as the workflow's code: its hash changes when any of these files does.
CODE_FOLDERS = ("scripts", "site_templates", "config/schemas")
CODE_FILES = ("Snakefile",)
# …and the pinned versions (requirements.lock) of the libraries that shape the outputs' bytes:
# another pandas or mkdocs-material may write other bytes from the same inputs. Not the developer
# tools (pytest, ruff): bumping those must not make a new version or re-read a country's files.
OUTPUT_LIBRARIES = (
    "pandas", "numpy", "openpyxl", "python-calamine", "xlrd", "odfpy", "defusedxml", "jinja2",
    "markupsafe", "altair", "vl-convert-python", "mkdocs", "mkdocs-material", "markdown",
    "pymdown-extensions", "pygments", "babel", "pyyaml", "xlsxwriter", "backrefs",
    "mkdocs-material-extensions",
)  # fmt: skip


def sha256_file(path: str | Path) -> tuple[str, int]:
    """(hex digest, size in bytes) of a file, read in blocks. Anything but a regular file (a named
    pipe called `x.xlsx` would block the read forever) is an OSError, as an unreadable file is."""
    h = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a pipe must not wait for a writer
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    with os.fdopen(fd, "rb") as fh:
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
    """sha256 over the workflow's own files (relative path + content hash), in sorted order, and
    the locked versions of OUTPUT_LIBRARIES."""
    base = Path(base)
    h = hashlib.sha256()
    for rel in workflow_code_files(base):
        h.update(f"{rel}\0{sha256_file(base / rel)[0]}\n".encode())
    for name, version in output_library_pins(base):
        h.update(f"{name}=={version}\n".encode())
    return h.hexdigest()


def output_library_pins(base: str | Path) -> list[tuple[str, str]]:
    """(name, version) of each of OUTPUT_LIBRARIES pinned in `base`/requirements.lock, sorted."""
    lock = Path(base) / "requirements.lock"
    if not lock.exists():
        return []
    wanted = {lockfile.canonical(n) for n in OUTPUT_LIBRARIES}
    pinned = lockfile.pins(lock.read_text(encoding="utf-8"))
    return sorted((n, v) for n, v in pinned.items() if n in wanted)
