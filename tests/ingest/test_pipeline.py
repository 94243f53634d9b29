"""The whole stage on a small raw/<id>/: duplicates, missing schools, ignored and unreadable files,
row accounting, canonical outputs, byte-identical reruns, feedback workbooks."""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from scripts.common.entry import StageError
from scripts.ingest import accounting, pipeline
from scripts.ingest.main import run_ingest
from scripts.ingest.pipeline import classify
from tests.ingest.conftest import DEMO, LIMITS, ROOT, demo_row, school_book

REGISTRY = """Код МО;Муниципалитет;Код ОО;Наименование ОО;Тип местности;Обучающихся 4 классов
01;г. Иваново;0101;Школа № 1;город;3
01;г. Иваново;0102;Школа № 2;город;
02;Вичугский район;0201;Сельская школа;село;
02;Вичугский район;0301;Школа № 3;село;40
"""


@pytest.fixture
def raw(tmp_path, demo):
    raw = tmp_path / "raw" / "math4-2021"
    sub = raw / "submissions"
    (sub / "a").mkdir(parents=True)
    (sub / "b" / "c").mkdir(parents=True)
    (raw / "registry.csv").write_bytes(REGISTRY.encode("cp1251"))
    ok = [demo_row(1, "s1", definition=demo), demo_row(2, "s2", "4б", 2, definition=demo)]
    ok.append(demo_row(3, "s3", absent="+", definition=demo))
    school_book(sub / "a" / "0101.xlsx", demo, ok)  # accepted: 2 present, 1 absent
    school_book(sub / "a" / "0102.xlsx", demo, ok[:1], code="0102")  # duplicate of ...
    school_book(sub / "b" / "c" / "школа2.xlsx", demo, ok[:2], code="0102", writer="openpyxl")
    school_book(sub / "b" / "0301.xlsx", demo, ok[:2], code="0301")  # accepted, rows warning
    bad = [demo_row(1, "z1", "4А", 7, definition=demo), demo_row(2, "z2", definition=demo)]
    school_book(sub / "b" / "unknown.xlsx", demo, bad, code="9999")  # rejected, 2 rows
    (sub / "0201_итоги.xlsx").write_bytes(b"\x00\x01garbage" * 50)  # unreadable → 0201 missing
    (sub / "письмо.pdf").write_bytes(b"%PDF-1.4")
    (sub / "a" / "~$0101.xlsx").write_bytes(b"lock")
    (sub / ".DS_Store").write_bytes(b"\0")
    return raw


def run(raw, out_dir, **kw):
    out = {
        k: str(out_dir / f"{k}.csv")
        for k in ("students", "school_status", "submissions", "validation")
    }
    out["manifest"] = str(out_dir / "manifest.json")
    out["feedback"] = str(out_dir / "feedback")
    files = sorted(str(p) for p in (raw / "submissions").rglob("*") if p.is_file())
    manifest = run_ingest(
        definition_path=str(DEMO),
        registry_path=str(raw / "registry.csv"),
        submission_paths=files,
        config_paths=[str(ROOT / "config" / "config.yaml")],
        out=out,
        limits=LIMITS,
        tolerance_pct=10,
        code_sha="0" * 64,
        **kw,
    )
    return manifest, out


def read(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_stage_outputs(raw, tmp_path):
    manifest, out = run(raw, tmp_path / "out")
    subs = {r["file"]: r for r in read(out["submissions"])}
    assert {f: r["status"] for f, r in subs.items()} == {
        "submissions/.DS_Store": "ignored",
        "submissions/0201_итоги.xlsx": "rejected",
        "submissions/a/0101.xlsx": "accepted",
        "submissions/a/0102.xlsx": "rejected",
        "submissions/a/~$0101.xlsx": "ignored",
        "submissions/b/0301.xlsx": "accepted",
        "submissions/b/c/школа2.xlsx": "rejected",
        "submissions/b/unknown.xlsx": "rejected",
        "submissions/письмо.pdf": "ignored",
    }
    assert subs["submissions/a/0101.xlsx"]["rows_read"] == "3"
    assert subs["submissions/b/unknown.xlsx"]["school_code"] == "9999"
    assert manifest["counts"] == {
        "files": 9,
        "files_accepted": 2,
        "files_rejected": 4,
        "files_ignored": 3,
        "rows_read": 3 + 1 + 2 + 2 + 2,
        "rows_present": 4,
        "rows_absent": 1,
        "rows_in_rejected_files": 5,
        "schools": 4,
        "schools_accepted": 2,
        "schools_rejected": 1,
        "schools_missing": 1,
    }
    status = {r["school_code"]: (r["status"], r["file"]) for r in read(out["school_status"])}
    assert status == {
        "0101": ("accepted", "submissions/a/0101.xlsx"),
        "0102": ("rejected", "submissions/a/0102.xlsx;submissions/b/c/школа2.xlsx"),
        "0201": ("missing", "submissions/0201_итоги.xlsx"),
        "0301": ("accepted", "submissions/b/0301.xlsx"),
    }
    students = read(out["students"])
    assert [(s["school_code"], s["student_code"], s["absent"]) for s in students] == [
        ("0101", "s1", "0"),
        ("0101", "s2", "0"),
        ("0101", "s3", "1"),
        ("0301", "s1", "0"),
        ("0301", "s2", "0"),
    ]
    assert (
        students[1]["class"] == "4Б" and students[2]["total"] == "" and students[2]["level"] == ""
    )
    validation = read(out["validation"])
    keys = [(v["file"], v["severity"], v["code"]) for v in validation]
    assert keys == [
        ("", "info", "school_missing"),
        ("submissions/.DS_Store", "info", "file_ignored"),
        ("submissions/0201_итоги.xlsx", "error", "file_unsupported"),
        ("submissions/a/0102.xlsx", "error", "duplicate_submission"),
        ("submissions/a/~$0101.xlsx", "info", "file_ignored"),
        ("submissions/b/0301.xlsx", "warning", "rows_vs_registry"),
        ("submissions/b/c/школа2.xlsx", "error", "duplicate_submission"),
        ("submissions/b/unknown.xlsx", "error", "variant_bad"),  # «Результаты» < «Титул»
        ("submissions/b/unknown.xlsx", "error", "school_unknown"),
        ("submissions/письмо.pdf", "info", "file_ignored"),
    ]
    assert "submissions/0201_итоги.xlsx" in validation[0]["message"]
    # the file was read far enough to be rejected: «не удалось определить код», not «нечитаемый»
    assert "отклонённый файл, в котором не удалось определить код ОО" in validation[0]["message"]
    assert "школа2.xlsx" in validation[3]["message"]
    assert (validation[7]["sheet"], validation[7]["cell"]) == ("Результаты", "D4")
    feedback = sorted(p.name for p in Path(out["feedback"]).iterdir())
    assert feedback == [
        "0102__a_0102.xlsx",
        "0102__b_c_школа2.xlsx",
        "0201_итоги.xlsx",
        "0301.xlsx",
        "unknown.xlsx",
    ]
    assert len(manifest["version"]) == 12
    assert str(DEMO) in [i["path"] for i in manifest["inputs"]]


def test_byte_identical_reruns(raw, tmp_path):
    m1, out1 = run(raw, tmp_path / "one")
    m2, out2 = run(raw, tmp_path / "two")
    assert m1 == m2
    for key in ("students", "school_status", "submissions", "validation", "manifest"):
        assert Path(out1[key]).read_bytes() == Path(out2[key]).read_bytes()
    for p in Path(out1["feedback"]).iterdir():
        assert p.read_bytes() == (Path(out2["feedback"]) / p.name).read_bytes()
    # a changed input gives a new version; an unchanged rerun rewrites nothing
    before = Path(out1["students"]).stat().st_mtime_ns
    run(raw, tmp_path / "one")
    assert Path(out1["students"]).stat().st_mtime_ns == before
    (raw / "submissions" / "письмо.pdf").write_bytes(b"%PDF-1.5")
    m3, _ = run(raw, tmp_path / "three")
    assert m3["version"] != m1["version"]


def test_parallel_equals_sequential(raw, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "PARALLEL_MIN", 4)
    sub = raw / "submissions" / "many"
    sub.mkdir()
    src = raw / "submissions" / "a" / "0101.xlsx"
    for i in range(6):
        shutil.copy(src, sub / f"copy{i:03d}.xlsx")
    m1, out1 = run(raw, tmp_path / "seq", jobs=1)
    m2, out2 = run(raw, tmp_path / "par", jobs=2)
    assert m1 == m2
    assert Path(out1["validation"]).read_bytes() == Path(out2["validation"]).read_bytes()


def test_feedback_workbook_content(raw, tmp_path):
    import openpyxl

    _, out = run(raw, tmp_path / "out")
    wb = openpyxl.load_workbook(Path(out["feedback"]) / "unknown.xlsx")
    ws = wb["Что исправить"]
    values = list(ws.iter_rows(values_only=True))
    assert values[6] == ("Лист", "Ячейка", "Важность", "Что не так", "Как исправить")
    assert values[7][:3] == ("Результаты", "D4", "Ошибка")
    assert values[8][:3] == ("Титул", "B2", "Ошибка")
    assert "не принят" in values[4][1]


def test_accounting_mismatch_stops_the_run():
    counts = dict.fromkeys(accounting.FILE_KEYS + accounting.ROW_KEYS + accounting.SCHOOL_KEYS, 0)
    accounting.check(counts)
    with pytest.raises(StageError, match="учёт строк не сходится"):
        accounting.check({**counts, "rows_read": 1})
    with pytest.raises(StageError):
        accounting.check({**counts, "files": 1})
    with pytest.raises(StageError):
        accounting.check(counts, (1, 0))  # students.csv has a row the counts do not


def test_students_sorted_by_school_then_code_whatever_the_files_order(tmp_path, demo):
    """Each file's rows are formatted where it is read; students.csv still lists schools in code
    order and each school's pupils by code, whatever order the table and the folders have."""
    raw = tmp_path / "raw" / "math4-2021"
    sub = raw / "submissions"
    (sub / "z").mkdir(parents=True)
    (raw / "registry.csv").write_bytes(REGISTRY.encode("cp1251"))
    rows = [demo_row(1, "k9", definition=demo), demo_row(2, "a1", absent="+", definition=demo),
            demo_row(3, "b10", definition=demo), demo_row(4, "b2", definition=demo)]  # fmt: skip
    school_book(sub / "z" / "first.xlsx", demo, rows[:3], code="0301")  # read first, school 2nd
    school_book(sub / "zz.xlsx", demo, rows, code="0101")
    _, out = run(raw, tmp_path / "out")
    students = read(out["students"])
    assert [(s["school_code"], s["student_code"], s["absent"]) for s in students] == [
        ("0101", "a1", "1"), ("0101", "b10", "0"), ("0101", "b2", "0"), ("0101", "k9", "0"),
        ("0301", "a1", "1"), ("0301", "b10", "0"), ("0301", "k9", "0"),
    ]  # fmt: skip


def test_classify():
    assert classify("submissions/a.XLSX") == "workbook"
    assert classify("submissions/a.ods") == "workbook"
    assert classify("submissions/a.xls") == "workbook"
    assert classify("submissions/~$a.xlsx") == "ignored"
    assert classify("submissions/._a.xlsx") == "ignored"
    assert classify("submissions/a.xlsb") == "unsupported"
    assert classify("submissions/a.csv") == "unsupported"
    assert classify("submissions/a.docx") == "ignored"


def test_a_spreadsheet_format_that_is_not_read_is_listed_as_ignored(demo):
    """SPEC §3.3: every file but .xlsx/.xlsm/.xls/.ods is listed as ignored (an audit: a .csv was
    an error and counted as rejected); its message names the format."""
    res = pipeline.process_bytes(b"a,b\n1,2\n", "submissions/020001.csv", demo, {}, LIMITS)
    assert res.status == "ignored" and [p.code for p in res.problems] == ["file_ignored"]
    assert res.problems[0].severity == "info" and "«.csv»" in res.problems[0].message


def test_manifest_json_format(raw, tmp_path):
    _, out = run(raw, tmp_path / "out")
    text = Path(out["manifest"]).read_text(encoding="utf-8")
    assert text.endswith("}\n") and '\n  "assessment"' in text
    data = json.loads(text)
    assert sorted(data) == [
        "assessment",
        "code_version",
        "config_sha256",
        "counts",
        "inputs",
        "version",
    ]
    assert io.StringIO(Path(out["validation"]).read_text()).readline().strip() == (
        "file,school_code,sheet,cell,severity,code,message"
    )


def test_rows_vs_registry_also_for_a_rejected_file_that_was_read(raw, tmp_path, demo):
    """0301 expects 40 pupils. Its file has 3 rows, one with another grade's class: rejected, and
    the school learns about the missing rows in the same round (one pass). A file of 0102 whose
    table could not be read (no header row) gets no such warning: its error says enough."""
    sub = raw / "submissions"
    (sub / "b" / "0301.xlsx").unlink()
    rows = [demo_row(1, "t1", definition=demo), demo_row(2, "t2", "5А", definition=demo)]
    rows.append(demo_row(3, "t3", absent="+", definition=demo))
    school_book(sub / "b" / "0301.xlsx", demo, rows, code="0301")
    _, out = run(raw, tmp_path / "out")
    found = {(v["file"], v["code"]) for v in read(out["validation"])}
    assert ("submissions/b/0301.xlsx", "class_other_grade") in found
    assert ("submissions/b/0301.xlsx", "rows_vs_registry") in found
    message = next(
        v["message"]
        for v in read(out["validation"])
        if v["file"] == "submissions/b/0301.xlsx" and v["code"] == "rows_vs_registry"
    )
    assert "в таблице 3 участника" in message and "обучающихся 40" in message

    empty = pipeline.FileResult("x.xlsx", "0" * 64, 1, status="rejected", school_code="0301")
    empty.known = True  # its code was read, its table was not (rows_read 0)
    registry = [{"school_code": "0301", "expected_students": 40, "school_name": "Школа № 3",
                 "municipality_code": "02", "municipality": "Вичугский район"}]  # fmt: skip
    outcome = pipeline.combine([empty], registry, 10)
    assert not any(p.code == "rows_vs_registry" for p in outcome.problems)


def test_linked_folders_are_read_and_dead_links_reported(tmp_path, demo):
    """SPEC §3.3: files in any sub-folder, never silently skipped — also a folder that is a
    symbolic link (followed once, even when a link loops back) and a link to a file that is
    gone (rejected as unreadable, in Russian words). The workflow's listing and the CLI's agree."""
    from scripts.ingest import batches

    raw = tmp_path / "raw" / "math4-2021"
    sub = raw / "submissions"
    sub.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    school_book(elsewhere / "0102.xlsx", demo, [demo_row(1, "s1", definition=demo)], code="0102")
    (sub / "linked").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(sub, target_is_directory=True)  # back up: walked once
    (sub / "gone.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    (sub / "gone.pdf").symlink_to(tmp_path / "nowhere.pdf")  # not a workbook: ignored all the same
    files = batches.submission_files(raw)
    assert files == [
        "submissions/gone.pdf",
        "submissions/gone.xlsx",
        "submissions/linked/0102.xlsx",
    ]
    assert [f for _p, f in pipeline.list_submissions(raw)] == files
    batches.fingerprint(raw, files)  # a dead link must not stop the workflow's start
    results = [pipeline.process_file(p, f, demo, {"0102": {"school_code": "0102",
               "school_name": "Школа № 2", "municipality": "г. Иваново"}}, LIMITS)
               for p, f in pipeline.list_submissions(raw)]  # fmt: skip
    assert [(r.file, r.status) for r in results] == [
        ("submissions/gone.pdf", "ignored"), ("submissions/gone.xlsx", "rejected"),
        ("submissions/linked/0102.xlsx", "accepted")]  # fmt: skip
    message = results[1].problems[0].message
    assert results[1].problems[0].code == "file_unreadable"
    assert "ярлык или ссылка" in message and "No such file" not in message


def test_a_name_not_in_utf8_a_named_pipe_and_long_duplicate_names_do_not_stop_the_run(
    tmp_path, demo
):
    """Found by an audit, each stopped or hung the whole run: a workbook whose name is in code page
    866 (a zip made by Windows, unpacked elsewhere: «Пример» as bytes 8F E0 A8 AC A5 E0) is read
    and reported under that name decoded, with a warning; a named pipe called `.xlsx` (its read
    would never end) is rejected as unreadable; two copies of one school's workbook deep in
    folders of long Cyrillic names get two feedback files (the name cut to fit, not `File name too
    long`)."""
    import os

    from scripts.ingest import batches

    raw = tmp_path / "raw" / "math4-2021"
    sub = raw / "submissions"
    deep = sub / ("Муниципальное бюджетное общеобразовательное учреждение Средняя школа номер 1 "
                  "имени Героя Советского Союза И. И. Иванова")  # fmt: skip
    (deep / "повторно").mkdir(parents=True)
    (raw / "registry.csv").write_bytes(REGISTRY.encode("cp1251"))
    rows = [demo_row(1, "s1", definition=demo), demo_row(2, "s2", definition=demo)]
    school_book(sub / "x.xlsx", demo, rows, code="0102")
    os.rename(sub / "x.xlsx", os.fsencode(sub) + b"/\x8f\xe0\xa8\xac\xa5\xe0_0102.xlsx")
    os.mkfifo(sub / "pipe.xlsx")
    long_name = "Результаты мониторинга 4 класс математика.xlsx"
    school_book(deep / long_name, demo, rows, code="0101")
    school_book(deep / "повторно" / long_name, demo, rows, code="0101")
    # the same name once in each encoding (an archive unpacked twice, a review): two names
    twice = sub / "Кинешма"  # a UTF-8 folder stays as it is
    twice.mkdir()
    (twice / "Школа.xlsx").write_bytes(b"")
    (Path(os.fsdecode(os.fsencode(twice) + "/Школа.xlsx".encode("cp866")))).write_bytes(b"")
    shown = sorted(
        f for _p, f in pipeline.list_submissions(raw) if f.startswith("submissions/Кинешма/")
    )
    assert shown == [
        "submissions/Кинешма/\\x98\\xaa\\xae\\xab\\xa0.xlsx",
        "submissions/Кинешма/Школа.xlsx",
    ]
    for f in twice.iterdir():
        f.unlink()
    twice.rmdir()
    files = [os.path.join(raw, f) for f in batches.submission_files(raw)]
    batches.fingerprint(raw, batches.submission_files(raw))  # the workflow's start
    out = {
        k: str(tmp_path / f"{k}.csv")
        for k in ("students", "school_status", "submissions", "validation")
    }
    out |= {"manifest": str(tmp_path / "manifest.json"), "feedback": str(tmp_path / "feedback")}
    manifest = run_ingest(definition_path=str(DEMO), registry_path=str(raw / "registry.csv"),
                          submission_paths=files, config_paths=[str(ROOT / "config" / "config.yaml")],
                          out=out, limits=LIMITS, tolerance_pct=10, code_sha="0" * 64)  # fmt: skip
    status = {r["file"]: r["status"] for r in read(out["submissions"])}
    assert status["submissions/Пример_0102.xlsx"] == "accepted"
    assert status["submissions/pipe.xlsx"] == "rejected"
    assert [s for f, s in status.items() if f.endswith(long_name)] == ["rejected", "rejected"]
    codes = {(r["file"], r["code"]) for r in read(out["validation"])}
    assert ("submissions/Пример_0102.xlsx", "file_name_encoding") in codes
    assert ("submissions/pipe.xlsx", "file_unreadable") in codes
    feedback = sorted(p.name for p in Path(out["feedback"]).iterdir())
    assert len([n for n in feedback if n.startswith("0101__")]) == 2
    assert all(len(n.encode()) <= 255 for n in feedback)
    assert manifest["counts"]["rows_present"] == 2  # the one accepted workbook's two pupils


def test_an_empty_submissions_folder_is_said_loudly(caplog):
    """An audit: an empty submissions/ folder published a site with no results and no word of
    it. The summary warns (the run goes on: a registry may be sent before any file)."""
    import logging
    from types import SimpleNamespace

    from scripts.ingest.main import summarise

    counts = dict.fromkeys(["files", "files_accepted", "files_rejected", "files_ignored",
                            "rows_read", "rows_present", "rows_absent", "rows_in_rejected_files",
                            "schools", "schools_accepted", "schools_rejected"], 0)  # fmt: skip
    outcome = SimpleNamespace(counts={**counts, "schools": 3, "schools_missing": 3}, results=[])
    with caplog.at_level(logging.INFO, logger="stage"):
        summarise(outcome, "results/demo-1/validation.csv")
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [
        "Внимание: в raw/demo-1/submissions/ нет ни одного файла — результатов нет, все школы "
        "реестра отмечены «нет файла». Положите туда присланные файлы и запустите снова."
    ]


def test_thresholds_set_outside_the_files_change_the_version(raw, tmp_path):
    """A review: thresholds given on the command line (`snakemake --config`) are in no hashed
    file, so the results they changed kept the old version id — and the site, whose version is
    the manifest's, was never rebuilt. The thresholds in force are hashed too."""
    base = {"risk": {"min_participants": 5}, "privacy": {"min_group_size": 6}}
    one, _ = run(raw, tmp_path / "a", thresholds=base)
    same, _ = run(raw, tmp_path / "b", thresholds=base)
    other, _ = run(raw, tmp_path / "c", thresholds={**base, "privacy": {"min_group_size": 10}})
    assert one["version"] == same["version"] != other["version"]
