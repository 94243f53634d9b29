"""Jinja bytecode caches (`pages`' templates, the theme's in every shard build) that can never
serve a stale template.

Jinja checks a cached template against its source only; what else is compiled into it — the
environment's autoescape, finalize, filters, trim_blocks, and Jinja's own version — is not.
So each cache lives in a folder named by a hash of everything that made it (our code version,
or the theme's versions), and the folders of other keys are removed when a new one is made.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

import jinja2


def folder(base: str | Path, *parts: str) -> Path:
    """base/<key>: the cache folder for `parts` (+ Jinja's, MarkupSafe's and Python's versions)."""
    ident = "\0".join([*parts, version("jinja2"), version("markupsafe"), sys.version])
    key = hashlib.sha256(ident.encode()).hexdigest()[:16]
    base = Path(base)
    if base.is_dir():
        for old in base.iterdir():
            if old.name != key and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)  # another key's: never read again
    path = base / key
    path.mkdir(parents=True, exist_ok=True)
    return path


def install(env: jinja2.Environment, base: str | Path, *parts: str) -> None:
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder(base, *parts)))
