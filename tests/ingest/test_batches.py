"""Ingest batches: sizes, stability, and the same results/ as one job."""

import os
from pathlib import Path

from scripts.ingest import batches
from scripts.ingest.main import parse_batch, run_ingest


def test_split_sizes_by_hand():
    files = [f"submissions/{i:03d}.xlsx" for i in range(7)]
    # 7 files by 3 → 3 batches, rounded up to 4 (an even number for two cores)
    assert batches.split(files, 3) == [files[0:1], files[1:3], files[3:5], files[5:7]]
    assert batches.split(files, 7) == [files[0:3], files[3:7]]  # at least two
    assert batches.split(files, 7, min_batches=1) == [files]
    assert batches.split(files, 1) == [[f] for f in files]
    assert batches.split([], 5) == [[]]
    assert batches.split(files[:1], 5) == [files[:1]]
    parts = batches.split([str(i) for i in range(298)], 500)
    assert [len(p) for p in parts] == [149, 149]
    assert sum(parts, []) == [str(i) for i in range(298)]
    parts = batches.split([str(i) for i in range(39_593)], 500)
    assert len(parts) == 80 and {len(p) for p in parts} == {494, 495}
    assert [len(p) for p in batches.split([str(i) for i in range(2_965)], 1000)] == [
        741,
        741,
        741,
        742,
    ]


def test_files_sorted_relative_and_fingerprint_moves_with_one_file(tmp_path: Path):
    raw = tmp_path / "raw"
    (raw / "submissions" / "b").mkdir(parents=True)
    (raw / "submissions" / "a.xlsx").write_bytes(b"1")
    (raw / "submissions" / "b" / "c.ods").write_bytes(b"22")
    files = batches.submission_files(raw)
    assert files == ["submissions/a.xlsx", "submissions/b/c.ods"]
    before = [batches.fingerprint(raw, [f]) for f in files]
    (raw / "submissions" / "b" / "c.ods").write_bytes(b"333")
    after = [batches.fingerprint(raw, [f]) for f in files]
    assert before[0] == after[0] and before[1] != after[1]
    # the same bytes saved again (a later time) change nothing: no job re-runs (SPEC §8)
    os.utime(raw / "submissions" / "a.xlsx", ns=(10**18, 10**18))
    (raw / "submissions" / "b" / "c.ods").write_bytes(b"333")
    assert [batches.fingerprint(raw, [f]) for f in files] == after


def test_batched_results_equal_one_job(tmp_path: Path):
    """90 demo files read in 4 batches (90 / 40 → 3, rounded up to even) and combined == read in
    one go, byte for byte."""
    root = Path(__file__).resolve().parents[2]
    raw = root / "raw" / "math4-2021"
    common = {
        "definition_path": str(root / "config" / "assessments" / "math4-2021.yaml"),
        "registry_path": str(raw / "registry.csv"),
        "limits": {"max_file_mib": 20, "max_rows": 100_000, "max_columns": 200},
    }
    files = batches.submission_files(raw)[:90]
    pickles = []
    for i, batch in enumerate(batches.split(files, 40)):
        pickles.append(tmp_path / f"batch-{i}.pickle")
        batches.write_results(pickles[-1], parse_batch(files=batch, **common))
    written = {}
    for name, results in (("one", None), ("batched", batches.read_results(pickles))):
        folder = tmp_path / name
        out = {
            k: str(folder / f"{k}.csv")
            for k in ("students", "school_status", "submissions", "validation")
        }
        out |= {"manifest": str(folder / "manifest.json"), "feedback": str(folder / "feedback")}
        folder.mkdir()
        run_ingest(
            **common,
            submission_paths=[str(raw / f) for f in files],
            config_paths=[],
            out=out,
            tolerance_pct=10,
            code_sha="x",
            results=results,
        )
        written[name] = {
            p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()
        }
    assert len(pickles) == 4
    assert len(written["one"]) > 6  # five files + feedback workbooks
    assert written["one"] == written["batched"]


def _record(res) -> tuple:
    """A FileResult without the isolated pool's own measurements (time, memory)."""
    return (res.file, res.sha256, res.status, res.school_code, res.problems, res.students,
            res.rows_read, res.rows_present, res.rows_absent)  # fmt: skip


def test_batch_cache_reads_only_changed_files(tmp_path: Path, monkeypatch):
    """A re-run of a batch reads only the files whose bytes changed; everything else that decides
    a file's result (here: the limits) invalidates the whole cache; the results equal a reading
    without the cache."""
    import shutil

    from scripts.ingest import main as ingest_main

    root = Path(__file__).resolve().parents[2]
    demo = root / "raw" / "math4-2021"
    raw = tmp_path / "raw"
    (raw / "submissions").mkdir(parents=True)
    shutil.copy(demo / "registry.csv", raw / "registry.csv")
    files = batches.submission_files(demo)[:6]
    for f in files:
        (raw / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(demo / f, raw / f)
    limits = {"max_file_mib": 20, "max_rows": 100_000, "max_columns": 200}
    common = {
        "definition_path": str(root / "config" / "assessments" / "math4-2021.yaml"),
        "registry_path": str(raw / "registry.csv"),
        "files": files,
    }
    read = []
    real = ingest_main.process_all

    def spy(items, *args, **kwargs):
        read.append(sorted(f for _p, f in items))
        return real(items, *args, **kwargs)

    monkeypatch.setattr(ingest_main, "process_all", spy)
    cache = tmp_path / "cache" / "batch-0.pickle"
    first = parse_batch(**common, limits=limits, cache=str(cache), code_sha="c1")
    again = parse_batch(**common, limits=limits, cache=str(cache), code_sha="c1")
    assert read == [sorted(files), []]
    assert [_record(r) for r in again] == [_record(r) for r in first]

    # one workbook replaced by another school's bytes: only it is read, and it now differs
    (raw / files[2]).write_bytes((demo / files[5]).read_bytes())
    changed = parse_batch(**common, limits=limits, cache=str(cache), code_sha="c1")
    assert read[2] == [files[2]]
    fresh = parse_batch(**common, limits=limits)  # no cache: every file read
    assert read[3] == sorted(files)
    assert [_record(r) for r in changed] == [_record(r) for r in fresh]
    assert _record(changed[2]) != _record(first[2])

    # other limits or other code: every file read again
    parse_batch(**common, limits={**limits, "max_rows": 99_999}, cache=str(cache), code_sha="c1")
    parse_batch(**common, limits={**limits, "max_rows": 99_999}, cache=str(cache), code_sha="c2")
    assert read[4:] == [sorted(files), sorted(files)]


def test_batch_cache_never_keeps_what_the_machine_decided(tmp_path: Path):
    """A timeout or the memory cap depends on the load, not the file: read again next time."""
    from scripts.ingest import reuse
    from scripts.ingest.pipeline import FileResult
    from scripts.ingest.validate import problem

    paths = []
    for name in ("a.xlsx", "b.xlsx"):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(name.encode())
    items = [(str(p), f"submissions/{p.name}") for p in paths]
    digests = [reuse.sha256_file(p)[0] for p in paths]
    slow = FileResult(items[0][1], digests[0], 6)
    slow.problems.append(problem(items[0][1], "", "", "", "read_timeout", "долго"))
    fine = FileResult(items[1][1], digests[1], 6, status="accepted")
    cache = tmp_path / "c.pickle"
    reuse.store(cache, "k", [slow, fine])
    reused, todo = reuse.split(cache, "k", items)
    assert todo == [0] and list(reused) == [1] and reused[1].status == "accepted"
    assert reuse.split(cache, "other", items) == ({}, [0, 1])
    cache.write_bytes(b"not a pickle")
    assert reuse.split(cache, "k", items) == ({}, [0, 1])


def test_batch_cache_of_other_code_is_not_loaded(tmp_path: Path):
    """A kept reading whose objects older code cannot load (a class that moved) is recognised by
    its key and never unpickled; a cache pickled whole by other code is ignored too."""
    import pickle

    from scripts.ingest import reuse

    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    items = [(str(path), "submissions/a.xlsx")]
    # a payload naming a module that does not exist: unpickling it would raise
    bad = b"cno_such_module_x\nC\n."  # pickle.loads(bad) raises ModuleNotFoundError
    cache = tmp_path / "c.pickle"
    cache.write_bytes(pickle.dumps(("old-key", bad)))
    assert reuse.split(cache, "new-key", items) == ({}, [0])
    cache.write_bytes(pickle.dumps(("new-key", bad)))  # same key, unloadable objects: read again
    assert reuse.split(cache, "new-key", items) == ({}, [0])
    cache.write_bytes(pickle.dumps({"key": "new-key", "files": {}}))  # session 6's first format
    assert reuse.split(cache, "new-key", items) == ({}, [0])


def test_batch_cache_key_holds_the_readers_versions(monkeypatch):
    from scripts.ingest import reuse

    before = reuse.context_key({"id": "a"}, [], {}, "code")
    monkeypatch.setattr(reuse, "_readers", lambda: ("3.11", ("python-calamine", "9.9.9")))
    assert reuse.context_key({"id": "a"}, [], {}, "code") != before
