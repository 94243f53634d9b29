"""Ingest job sizes: the submitted files of one assessment split into batches of files.

One Snakemake job (`ingest_batch`) reads one batch, so a region is a handful of jobs, a country a
few hundred, and a corrected workbook re-runs only its own batch (SPEC §11, docs/performance.md).
Batches are consecutive runs of the sorted relative paths, of nearly equal size: stable while files are only replaced;
adding or removing a file moves the boundaries after it (those batches re-run, nothing is lost).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from scripts.common.hashing import sha256_file

DEFAULT_FILES_PER_BATCH = 1500  # as config/config.yaml ships it
MIN_BATCHES = 2


def submission_files(raw_dir: str | Path) -> list[str]:
    """Every file under raw/<id>/submissions/ (any depth), relative to raw/<id>/ with `/`, sorted."""
    root = os.path.join(os.fspath(raw_dir), "submissions")
    if not os.path.isdir(root):
        return []
    out = []
    seen: set[tuple[int, int]] = set()  # folders entered (a linked folder is followed once)
    # string prefixes, not os.path.relpath (two abspath calls a file: 0.4 s for a country's
    # 40 000 workbooks at every snakemake start). Linked folders are followed (SPEC §3.3: never
    # silently skipped); a link that leads nowhere is listed as a file (rejected as unreadable).
    for folder, dirs, names in os.walk(root, followlinks=True):
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in seen:  # a link back to a folder already walked: a loop
            dirs.clear()
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs.sort()  # a folder reached by two links: always listed under the same path
        prefix = ("submissions" + folder[len(root) :]).replace(os.sep, "/")
        out.extend(f"{prefix}/{name}" for name in names)
    return sorted(out)


def split(files: list[str], per_batch: int, min_batches: int = MIN_BATCHES) -> list[list[str]]:
    """As few batches as hold at most `per_batch` files each, rounded up to a multiple of
    `min_batches` (two cores: 3 batches would leave one core idle for the last third) while there
    are files for them, of nearly equal size (the jobs finish together); always at least one
    batch (maybe empty)."""
    n = -(-len(files) // max(1, int(per_batch)))
    n = max(1, min(-(-n // min_batches) * min_batches, len(files)))
    return [files[i * len(files) // n : (i + 1) * len(files) // n] for i in range(n)]


def fingerprint(raw_dir: str | Path, files: list[str]) -> str:
    """sha256 over (path, content's sha256) of the batch's files: a changed file changes it, so
    the batch's job re-runs (a Snakemake param); a file saved again with the same bytes (a school
    resending it, a copy without its times) does not — nothing re-runs, nothing is rewritten
    (SPEC §8). A file that cannot be read (a link to nothing, no permission, a named pipe) counts
    by its name, size and time; the batch reports it."""
    h = hashlib.sha256()
    base = os.fspath(raw_dir)
    for rel in files:
        path = os.path.join(base, rel)
        try:
            digest = sha256_file(path)[0]
        except OSError:
            try:
                st = os.stat(path)
            except OSError:
                st = os.lstat(path)
            digest = f"{st.st_size}\0{st.st_mtime_ns}"
        # surrogateescape: a name whose bytes are not UTF-8 (pipeline.display_name)
        h.update(f"{rel}\0{digest}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def write_results(path: str | Path, results: list) -> None:
    """A batch's FileResults for the combining `ingest` job (build/, not a published file)."""
    write_pickle(path, results)


def write_pickle(path: str | Path, obj) -> None:
    """Our own pickle into build/, atomically (a job killed half-way leaves the old file or none)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(f"{path}.tmp")
    tmp.write_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)


def read_results(paths: list[str | Path]) -> list:
    """The batches' FileResults, in batch order (our own pickles, written by write_results)."""
    out = []
    for p in paths:
        out.extend(pickle.loads(Path(p).read_bytes()))
    return out


def read_registry(path: str | Path) -> tuple[list[dict], str]:
    """The registry as rule `registry` parsed it, and the sha256 of that file (it stands for the
    rows in a batch's cache key: hashing 40 000 rows again would cost more than reading them)."""
    data = Path(path).read_bytes()
    return pickle.loads(data), hashlib.sha256(data).hexdigest()
