"""The hostile corpus (tests/hardening/corpus.py) through the isolated pool in ONE run with good
files: every file gets its expected outcome within 5 s and 512 MiB, the good ones are accepted."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from scripts.common.config import load_assessment
from scripts.ingest.pipeline import process_all
from tests.hardening.corpus import SECRET, build, good_files, good_rows
from tests.ingest.conftest import DEMO, LIMITS, REGISTRY, school_book

ROOT = Path(__file__).resolve().parents[2]
RUN_LIMITS = {**LIMITS, "parse_timeout_s": 4.5, "parse_memory_mib": 512}


@pytest.fixture(scope="module")
def demo():
    return load_assessment(DEMO)


@pytest.fixture(scope="module")
def run(tmp_path_factory, demo):
    folder = tmp_path_factory.mktemp("corpus")
    corpus = build(folder, demo)
    good = good_files(folder, demo)
    items = [(str(p), f) for f, (p, _c) in corpus.items()] + [(str(p), f) for f, p in good.items()]
    started = time.monotonic()
    results = process_all(items, demo, REGISTRY, RUN_LIMITS, jobs=2)
    return corpus, good, {r.file: r for r in results}, time.monotonic() - started


def test_corpus_size(run):
    corpus, _good, _res, _t = run
    assert len(corpus) >= 30


def test_every_hostile_file_has_its_outcome(run):
    corpus, _good, res, _t = run
    wrong = []
    for file, (_path, case) in corpus.items():
        r = res[file]
        got = [(p.code, p.cell) for p in r.problems]
        ok = r.status == case.status
        if case.code is not None:
            ok = ok and any(
                code == case.code and (case.cell is None or cell == case.cell) for code, cell in got
            )
        if case.status == "accepted":
            ok = ok and not any(p.severity == "error" for p in r.problems)
        if case.status == "rejected" and r.rows_read == 0:
            ok = ok and r.rows_present == 0
        if not ok:
            wrong.append((case.name, case.status, case.code, case.cell, r.status, got))
    assert not wrong, wrong


def test_bounded_time_and_memory_per_file(run):
    _corpus, _good, res, _t = run
    for r in res.values():
        assert r.parse_seconds < 5.0, (r.file, r.parse_seconds)
        assert 0 < r.worker_peak_mib < 512, (r.file, r.worker_peak_mib)


def test_good_files_of_the_same_run_are_accepted(run):
    _corpus, good, res, _t = run
    for file in good:
        assert res[file].status == "accepted" and res[file].rows_present == 3, res[file].problems


def test_nothing_fetched_or_leaked(run):
    corpus, _good, res, _t = run
    secret = Path(SECRET).read_text().strip() if Path(SECRET).exists() else "\0"
    for file in corpus:
        for p in res[file].problems:
            assert secret not in p.message
            assert "lollol" not in p.message and "AAAAAAAAAA" not in p.message


def test_messages_are_russian(run):
    corpus, _good, res, _t = run
    for file in corpus:
        for p in res[file].problems:
            assert re.search("[а-яА-Я]", p.message), p


def _far_cell_and_good_books(tmp_path, demo):
    """A workbook with one value at GR90000 (within the row/column limits; a dense grid of 18 M
    cells for calamine) and a good one: (far, good) paths."""
    from tests.hardening.corpus import base_xlsx, patch

    base = base_xlsx(tmp_path, demo)
    far = b'<row r="90000"><c r="GR90000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    far_book = tmp_path / "far.xlsx"
    far_book.write_bytes(
        patch(base, {"xl/worksheets/sheet2.xml": lambda b: b.replace(b"</sheetData>", far)})
    )
    return far_book, school_book(tmp_path / "ok.xlsx", demo, good_rows(demo), code="0102")


def test_worker_memory_cap_kills_only_that_file(tmp_path, demo):
    """A sparse sheet within the row/column limits whose grid needs > 512 MiB (the cells limit
    switched off to reach the parser): the worker dies, the file is `read_memory`, the run goes on."""
    bomb, ok = _far_cell_and_good_books(tmp_path, demo)
    limits = {**RUN_LIMITS, "max_cells": 10**9, "parse_memory_mib": 256}
    items = [
        (str(bomb), "submissions/bomb.xlsx"),
        (str(ok), "submissions/ok.xlsx"),
    ]
    bad, good = process_all(items, demo, REGISTRY, limits, jobs=1)
    assert [p.code for p in bad.problems] == ["read_memory"] and bad.status == "rejected"
    # The worker died at its cap (RLIMIT_AS); a dead process's peak cannot be read, so it is 0.
    assert bad.parse_seconds < 5 and bad.worker_peak_mib == 0
    assert good.status == "accepted"


def test_files_in_flight_behind_a_dying_one_are_read_again(tmp_path, demo):
    """A worker is sent the next file before it answers the current one: when it dies, only the
    file it was reading is rejected; the one waiting behind it goes to a new worker, and every
    result comes back in its own place."""
    bomb, ok = _far_cell_and_good_books(tmp_path, demo)
    limits = {**RUN_LIMITS, "max_cells": 10**9, "parse_memory_mib": 256}
    names = ["ok1", "bomb1", "ok2", "bomb2", "bomb3", "ok3", "ok4"]
    items = [
        (str(bomb) if n.startswith("bomb") else str(ok), f"submissions/{n}.xlsx") for n in names
    ]
    got = process_all(items, demo, REGISTRY, limits, jobs=1)
    assert [r.file for r in got] == [f for _p, f in items]
    assert [r.status for r in got] == [
        "rejected" if n.startswith("bomb") else "accepted" for n in names
    ]
    assert all([p.code for p in r.problems] == ["read_memory"] for r in got if "bomb" in r.file)


def test_worker_timeout_kills_only_that_file(tmp_path, demo):
    slow, ok = _far_cell_and_good_books(tmp_path, demo)
    limits = {**RUN_LIMITS, "max_cells": 10**9, "parse_memory_mib": 4096, "parse_timeout_s": 0.3}
    items = [
        (str(slow), "submissions/slow.xlsx"),
        (str(ok), "submissions/ok.xlsx"),
    ]
    started = time.monotonic()
    slow_r, good = process_all(items, demo, REGISTRY, limits, jobs=1)
    assert [p.code for p in slow_r.problems] == ["read_timeout"]
    assert slow_r.sha256 and slow_r.rows_read == 0
    assert good.status == "accepted"
    assert time.monotonic() - started < 5
