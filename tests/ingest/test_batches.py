"""Ingest batches: sizes, stability, and the same results/ as one job."""

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
