"""The last reading of each file of a batch, kept so that a re-run reads only what changed.

A corrected workbook re-runs its batch's job (its fingerprint changed); without this the job
would read and validate all of the batch's files again (≈ 2.5 ms each: 2.5 s for a batch of
1 000). A file's result is reused only when the file's name and bytes (sha256) and everything
else that `process_file` depends on — the definition, the parsed registry, the limits and the
code — are those of the kept reading. Results that depend on the machine rather than the file
(a timeout, the memory cap) are never reused.

The cache is the stage's own file in build/ (build/<id>/ingest-cache/batch-<n>.pickle, our own
pickles); a missing, stale or unreadable one only means every file is read again.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from scripts.common.hashing import sha256_file

# outcomes of the machine (load, memory), not of the file: read again next time
NOT_REUSED = {"read_timeout", "read_memory", "file_unreadable"}


def context_key(definition: dict, registry_rows: list[dict], limits: dict, code: str) -> str:
    """sha256 over everything but the file that decides its result."""
    h = hashlib.sha256()
    for part in (definition, registry_rows, sorted(limits.items()), code):
        h.update(pickle.dumps(part, protocol=4))
    return h.hexdigest()


def _load(path: Path, key: str) -> dict:
    try:
        kept = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return {}
    if not isinstance(kept, dict) or kept.get("key") != key:
        return {}
    return kept.get("files", {})


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
    """Keep this run's results (atomic: a job killed half-way leaves the old cache or none)."""
    files = {
        r.file: r for r in results if r.sha256 and not any(p.code in NOT_REUSED for p in r.problems)
    }
    path = Path(cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(pickle.dumps({"key": key, "files": files}, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)
