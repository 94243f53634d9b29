"""The last reading of each file of a batch, kept so that a re-run reads only what changed.

A corrected workbook re-runs its batch's job (its fingerprint changed); without this the job
would read and validate all of the batch's files again (≈ 2 ms each: 3 s for a batch of
1 500). A file's result is reused only when the file's name and bytes (sha256) and everything
else that `process_file` depends on — the definition, the parsed registry, the limits, the code,
the readers' versions and Python's — are those of the kept reading. Results that depend on the
machine rather than the file (a timeout, the memory cap, a crash) are never reused.

The cache is the stage's own file in build/ (build/<id>/ingest-cache/batch-<n>.pickle): the key,
then the results pickled apart, so that a cache of other code is recognised by its key before
any of its objects is loaded. A missing, stale or unreadable one only means every file is read
again; deleting the folder forces that.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

from scripts.common.hashing import sha256_file
from scripts.ingest.batches import write_pickle

# outcomes of the machine (load, memory, a bug), not of the file: read again next time
NOT_REUSED = {"read_timeout", "read_memory", "file_unreadable"}
READERS = ("python-calamine", "openpyxl", "xlrd", "odfpy", "defusedxml")


@cache
def _readers() -> tuple:
    versions = []
    for name in READERS:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, ""))
    return (sys.version, *versions)


def context_key(definition: dict, registry, limits: dict, code: str) -> str:
    """sha256 over everything but the file that decides its result (`registry`: its rows, or a
    digest of them)."""
    h = hashlib.sha256()
    for part in (definition, registry, sorted(limits.items()), code, _readers()):
        h.update(pickle.dumps(part, protocol=4))
    return h.hexdigest()


def _load(path: Path, key: str) -> dict:
    try:
        kept_key, payload = pickle.loads(path.read_bytes())  # a str and bytes: no class loaded
        if kept_key != key:
            return {}
        files = pickle.loads(payload)
    except Exception:  # missing, truncated, another format, classes of older code: read again
        return {}
    return files if isinstance(files, dict) else {}


def split(cache: str | Path, key: str, items: list[tuple[str, str]]):
    """(reused {index in items: FileResult}, [index in items of each file to read])."""
    kept = _load(Path(cache), key)
    reused, todo = {}, []
    for i, (path, file) in enumerate(items):
        res = kept.get(file)
        try:
            same = res is not None and res.sha256 == sha256_file(path)[0]
        except OSError:
            same = False
        if same:
            reused[i] = res
        else:
            todo.append(i)
    return reused, todo


def store(cache: str | Path, key: str, results: list) -> None:
    """Keep this run's results for the next (atomic)."""
    files = {
        r.file: r for r in results if r.sha256 and not any(p.code in NOT_REUSED for p in r.problems)
    }
    write_pickle(cache, (key, pickle.dumps(files, protocol=pickle.HIGHEST_PROTOCOL)))
