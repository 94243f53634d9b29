"""Row accounting (SPEC §4 "nothing is lost") and the run's manifest.json (data-contract)."""

from __future__ import annotations

import hashlib
import json

from scripts.common.entry import StageError
from scripts.common.hashing import sha256_file  # noqa: F401  (re-exported for ingest)

FILE_KEYS = ("files", "files_accepted", "files_rejected", "files_ignored")
ROW_KEYS = ("rows_read", "rows_present", "rows_absent", "rows_in_rejected_files")
SCHOOL_KEYS = ("schools", "schools_accepted", "schools_rejected", "schools_missing")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def count(submissions: list[dict], schools: list[dict]) -> dict:
    """The counts of the manifest from submissions.csv and school_status.csv rows."""
    c = dict.fromkeys(FILE_KEYS + ROW_KEYS + SCHOOL_KEYS, 0)
    for s in submissions:
        c["files"] += 1
        c[f"files_{s['status']}"] += 1
        c["rows_read"] += s["rows_read"]
        if s["status"] == "accepted":
            c["rows_present"] += s["rows_present"]
            c["rows_absent"] += s["rows_absent"]
        elif s["status"] == "rejected":
            c["rows_in_rejected_files"] += s["rows_read"]
    for s in schools:
        c["schools"] += 1
        c[f"schools_{s['status']}"] += 1
    return c


def check(counts: dict, students: tuple[int, int] | None = None) -> None:
    """StageError (the run stops) if the accounting does not add up."""
    problems = []
    rows = counts["rows_present"] + counts["rows_absent"] + counts["rows_in_rejected_files"]
    if counts["rows_read"] != rows:
        problems.append(
            f"прочитано строк {counts['rows_read']}, а учтено {rows} "
            f"(присутствовали {counts['rows_present']}, отсутствовали {counts['rows_absent']}, "
            f"в отклонённых файлах {counts['rows_in_rejected_files']})"
        )
    files = counts["files_accepted"] + counts["files_rejected"] + counts["files_ignored"]
    if counts["files"] != files:
        problems.append(f"файлов {counts['files']}, а учтено {files}")
    schools = counts["schools_accepted"] + counts["schools_rejected"] + counts["schools_missing"]
    if counts["schools"] != schools:
        problems.append(f"школ {counts['schools']}, а учтено {schools}")
    if students is not None:  # (present, absent) counted from the rows of students.csv
        present, absent = students
        if (present, absent) != (counts["rows_present"], counts["rows_absent"]):
            problems.append(
                f"в students.csv {present} присутствовавших и {absent} отсутствовавших, "
                f"а по файлам {counts['rows_present']} и {counts['rows_absent']}"
            )
    if problems:
        raise StageError("учёт строк не сходится: " + "; ".join(problems))


def config_hash(files: list[tuple[str, str]], params: dict | None = None) -> str:
    """sha256 over config files (path, sha256) and the config values passed as params."""
    payload = {"files": sorted(files), "params": params or {}}
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def version_id(inputs: list[dict], config_sha: str, code_sha: str) -> str:
    h = hashlib.sha256()
    for item in sorted(inputs, key=lambda i: i["path"]):
        h.update(f"{item['path']}\0{item['sha256']}\n".encode())
    h.update(f"config\0{config_sha}\ncode\0{code_sha}\n".encode())
    return h.hexdigest()[:12]


def manifest(
    assessment: str, inputs: list[dict], config_sha: str, code_sha: str, counts: dict
) -> dict:
    inputs = sorted(inputs, key=lambda i: i["path"])
    return {
        "assessment": assessment,
        "version": version_id(inputs, config_sha, code_sha),
        "inputs": inputs,
        "config_sha256": config_sha,
        "code_version": code_sha,
        "counts": counts,
    }


def manifest_text(data: dict) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
