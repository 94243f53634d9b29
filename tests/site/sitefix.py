"""A generator of results/<id>/ folders that follow docs/data-contract.md, for the site's tests and
benchmarks (the real ingest/analysis stages are not needed). Numbers are random but consistent
where the site relies on it: school = sum of its classes, municipality = sum of its schools."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from scripts.common.config import load_assessment, load_defaults, thresholds
from scripts.common.csvio import write_csv

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert(1)</script> **x** | y"
HOSTILE2 = "**[x](javascript:alert(2))** {{ 7*7 }} --8<-- =HYPERLINK(1)"

SCHOOL_COLS = [
    "municipality_code", "school_code", "school_name", "status", "participants", "absent",
    "participation_pct", "mean_score", "below_basic", "basic", "above_basic", "below_basic_pct",
    "basic_pct", "above_basic_pct", "basic_tasks_pct", "advanced_tasks_pct", "risk",
    "risk_reasons", "objectivity_flags", "municipality", "settlement", "median_score", "sd_score",
    "below_basic_ci_low", "below_basic_ci_high", "basic_ci_low", "basic_ci_high",
    "above_basic_ci_low", "above_basic_ci_high",
]  # fmt: skip
CLASS_COLS = [
    "school_code", "class", "participants", "below_basic_pct", "basic_pct", "above_basic_pct",
    "mean_score", "absent", "below_basic", "basic", "above_basic",
]  # fmt: skip
GROUP_COLS = [
    "schools", "schools_accepted", "schools_rejected", "schools_missing", "participants", "absent",
    "participation_pct", "mean_score", "below_basic_pct", "basic_pct", "above_basic_pct",
    "basic_tasks_pct", "advanced_tasks_pct", "schools_in_risk", "median_score", "sd_score",
    "below_basic_ci_low", "below_basic_ci_high", "basic_ci_low", "basic_ci_high",
    "above_basic_ci_low", "above_basic_ci_high", "schools_classified",
]  # fmt: skip
MUN_COLS = [
    "municipality_code",
    "municipality",
    *GROUP_COLS[:14],
    "risk",
    "risk_reasons",
    *GROUP_COLS[14:],
]
TASK_COLS = [
    "scope", "code", "task", "level", "max", "participants", "completion_pct", "result",
    "municipality_pct", "region_pct", "diff_municipality_pp", "diff_region_pp",
]  # fmt: skip


# one participant's «Итого» quoted by a total_mismatch message (must not be published)
ONE_TOTAL = 98761


def definition() -> dict:
    return load_assessment(ROOT / "config/assessments/math4-2021.yaml")


def config_thresholds(assessment: dict) -> dict:
    return thresholds(load_defaults(ROOT / "config/config.yaml"), assessment)


def _pct(a, b):
    return None if not b else 100.0 * a / b


def make_results(
    out: Path, assessment: dict, n_schools: int = 12, n_mun: int = 3, seed: int = 1,
    version: str = "aaaaaaaaaaaa",
) -> dict:  # fmt: skip
    """Write results/<id>/ CSVs + manifest.json into `out`; return a summary for assertions."""
    rnd = random.Random(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tasks = assessment["tasks"]
    max_total = sum(t["max"] for t in tasks)
    schools, classes, status_rows, subs, validation, students = [], [], [], [], [], []
    reasons, deficits, recs = [], [], []
    muns = [(f"{i + 1:02d}", f"Муниципалитет {i + 1}") for i in range(n_mun)]
    for i in range(n_schools):
        mcode, mname = muns[i % n_mun]
        code = f"{mcode}{i + 1:04d}"
        name = f"Школа № {i + 1} г. Тестовска"
        if i == 0:
            name = HOSTILE
        if i == 2:
            name = HOSTILE2
        if i == 10:  # typed with quotes, as most school names are
            name = 'МБОУ "Лицей № 11" г. Тестовска'
        status = "accepted"
        if i == 5:
            status = "rejected"
        if i == 7:
            status = "missing"
        sizes = []
        if status == "accepted":
            if i == 1:
                sizes = [4]  # a 4-participant school
            elif i == 3:
                sizes = [24, 3]  # one small class → secondary suppression of the other
            else:
                sizes = [rnd.randint(8, 28) for _ in range(rnd.randint(1, 3))]
        lv_tot = [0, 0, 0]
        sc = {"participants": 0, "absent": 0}
        for j, n in enumerate(sizes):
            bb = rnd.randint(0, n // 2)
            ab = rnd.randint(0, n - bb)
            lv = [bb, n - bb - ab, ab]
            ab_n = rnd.randint(0, 2)
            cls = f"4{'АБВГ'[j]}"
            classes.append(
                {"school_code": code, "class": cls, "participants": n, "absent": ab_n,
                 "below_basic": lv[0], "basic": lv[1], "above_basic": lv[2],
                 "below_basic_pct": _pct(lv[0], n), "basic_pct": _pct(lv[1], n),
                 "above_basic_pct": _pct(lv[2], n), "mean_score": rnd.uniform(5, 15)}
            )  # fmt: skip
            lv_tot = [a + b for a, b in zip(lv_tot, lv, strict=True)]
            sc["participants"] += n
            sc["absent"] += ab_n
            for s in range(n + ab_n):
                students.append(f"S{code}-{j}{s:03d}")
        n = sc["participants"]
        risk, rr, of = "", "", ""
        if n >= 5:
            bbp = _pct(lv_tot[0], n)
            rr = "below_basic_pct" if bbp >= 25 else ""
            risk = "1" if rr else "0"
            if rr:
                reasons.append({"scope": "school", "code": code, "kind": "risk", "rule": rr,
                                "value": bbp, "threshold": 25, "comparison": ">="})  # fmt: skip
            if n >= 10 and i % 4 == 0:
                of = "identical_answers"
                reasons.append({"scope": "school", "code": code, "kind": "objectivity",
                                "rule": of, "value": "7", "threshold": 5, "comparison": ">=",
                                "value2": "40.0", "threshold2": 30, "comparison2": ">="})  # fmt: skip
        elif n > 0:
            rr = "too_few"
            reasons.append({"scope": "school", "code": code, "kind": "risk", "rule": "too_few",
                            "value": n, "threshold": 5, "comparison": "<"})  # fmt: skip
        row = {
            "municipality_code": mcode, "municipality": mname, "school_code": code,
            "school_name": name, "status": status, "settlement": "город" if i % 2 else "село",
            "participants": n if status == "accepted" else None,
            "absent": sc["absent"] if status == "accepted" else None,
            "risk": risk, "risk_reasons": rr, "objectivity_flags": of,
        }  # fmt: skip
        if n:
            row.update(
                participation_pct=_pct(n, n + sc["absent"]), mean_score=rnd.uniform(6, 14),
                below_basic=lv_tot[0], basic=lv_tot[1], above_basic=lv_tot[2],
                below_basic_pct=_pct(lv_tot[0], n), basic_pct=_pct(lv_tot[1], n),
                above_basic_pct=_pct(lv_tot[2], n), basic_tasks_pct=rnd.uniform(40, 90),
                advanced_tasks_pct=rnd.uniform(10, 70), median_score=rnd.randint(5, 15),
                sd_score=rnd.uniform(1, 4),
            )  # fmt: skip
        schools.append(row)
        status_rows.append(
            {"municipality_code": mcode, "municipality": mname, "school_code": code,
             "school_name": name, "settlement": row["settlement"], "expected_students": "",
             "status": status, "file": "" if status == "missing" else f"submissions/{code}.xlsx"}
        )  # fmt: skip
        if status != "missing":
            subs.append(
                {"file": f"submissions/{code}.xlsx", "sha256": hashlib.sha256(code.encode()).hexdigest(),
                 "bytes": 1000 + i, "school_code": code, "status": status, "rows_read": n + sc["absent"],
                 "rows_present": n, "rows_absent": sc["absent"], "errors": 1 if status == "rejected" else 0,
                 "warnings": 0}
            )  # fmt: skip
        if status == "rejected":
            validation.append(
                {"file": f"submissions/{code}.xlsx", "school_code": code, "sheet": "Результаты",
                 "cell": "H14", "severity": "error", "code": "points_over_max",
                 "message": "Результаты!H14: 3 балла за задание 6 при максимуме 2"}
            )  # fmt: skip
        if status == "missing":  # as ingest writes it (the analyst's record)
            validation.append(
                {"file": "", "school_code": code, "sheet": "", "cell": "", "severity": "info",
                 "code": "school_missing", "message": f"нет принятого или отклонённого файла ОО {code} "
                 f"«{name}». Запросите у школы заполненный шаблон"}
            )  # fmt: skip
        if i == 0:
            validation.append(
                {"file": f"submissions/{code}.xlsx", "school_code": code, "sheet": "Титул",
                 "cell": "B3", "severity": "warning", "code": "school_name_mismatch",
                 "message": f"Наименование ОО «{HOSTILE}» не совпадает с реестром; участник {students[0]}"}
            )  # fmt: skip
            validation.append(
                {"file": f"submissions/{code}.xlsx", "school_code": code, "sheet": "Результаты",
                 "cell": "T5", "severity": "warning", "code": "total_mismatch",
                 "message": f"Результаты!T5: в столбце «Итого» {ONE_TOTAL}, а сумма баллов — {ONE_TOTAL + 1}"}
            )  # fmt: skip
    validation.append(
        {"file": "notes.pdf", "school_code": "", "sheet": "", "cell": "", "severity": "info",
         "code": "ignored_file", "message": "=cmd|' /C calc'!A0 файл не является книгой Excel"}
    )  # fmt: skip
    # municipalities and region
    mun_rows = []
    all_n = all_abs = 0
    for mcode, mname in muns:
        ss = [s for s in schools if s["municipality_code"] == mcode]
        n = sum(s["participants"] or 0 for s in ss)
        ab = sum(s["absent"] or 0 for s in ss)
        bb = sum(s.get("below_basic") or 0 for s in ss)
        ba = sum(s.get("basic") or 0 for s in ss)
        classified = [s for s in ss if s["risk"] in ("0", "1")]
        in_risk = sum(1 for s in ss if s["risk"] == "1")
        share = _pct(in_risk, len(classified)) or 0
        risk = "1" if share >= 30 else "0"
        mun_rows.append(
            {"municipality_code": mcode, "municipality": mname, "schools": len(ss),
             "schools_accepted": sum(s["status"] == "accepted" for s in ss),
             "schools_rejected": sum(s["status"] == "rejected" for s in ss),
             "schools_missing": sum(s["status"] == "missing" for s in ss), "participants": n,
             "absent": ab, "participation_pct": _pct(n, n + ab), "mean_score": rnd.uniform(8, 12),
             "below_basic_pct": _pct(bb, n), "basic_pct": _pct(ba, n),
             "above_basic_pct": _pct(n - bb - ba, n), "basic_tasks_pct": rnd.uniform(50, 80),
             "advanced_tasks_pct": rnd.uniform(20, 50), "schools_in_risk": in_risk, "risk": risk,
             "risk_reasons": "schools_in_risk_pct" if risk == "1" else "",
             "median_score": 10, "sd_score": 2.5, "schools_classified": len(classified)}
        )  # fmt: skip
        if risk == "1":
            reasons.append({"scope": "municipality", "code": mcode, "kind": "risk",
                            "rule": "schools_in_risk_pct", "value": share, "threshold": 30,
                            "comparison": ">="})  # fmt: skip
        all_n += n
        all_abs += ab
    region = {k: sum(m[k] for m in mun_rows) for k in ("schools", "schools_accepted", "schools_rejected",
                                                     "schools_missing", "participants", "absent",
                                                     "schools_in_risk", "schools_classified")}  # fmt: skip
    region.update(participation_pct=_pct(all_n, all_n + all_abs), mean_score=10.5, below_basic_pct=22.2,
                  basic_pct=50.0, above_basic_pct=27.8, basic_tasks_pct=65.0, advanced_tasks_pct=35.0,
                  median_score=10, sd_score=2.75)  # fmt: skip
    # tasks, planned results, distribution, deficits, recommendations
    task_rows, pr_rows, dist = [], [], []
    reg_pct = {t["id"]: rnd.uniform(30, 90) for t in tasks}
    mun_pct = {(m, t["id"]): rnd.uniform(30, 90) for m, _ in muns for t in tasks}
    scopes = [("region", "", all_n, "")] + [("municipality", m["municipality_code"], m["participants"], "")
                                             for m in mun_rows]  # fmt: skip
    scopes += [("school", s["school_code"], s["participants"], s["municipality_code"]) for s in schools
               if s["participants"]]  # fmt: skip
    results = [r["code"] for r in assessment["planned_results"]]
    for scope, code, n, mcode in scopes:
        for t in tasks:
            pct = reg_pct[t["id"]] if scope == "region" else (
                mun_pct[(code, t["id"])] if scope == "municipality" else rnd.uniform(20, 100))  # fmt: skip
            mp = mun_pct[(mcode, t["id"])] if scope == "school" else None
            task_rows.append(
                {"scope": scope, "code": code, "task": t["id"], "level": t["level"], "max": t["max"],
                 "participants": n, "completion_pct": pct, "result": t["result"],
                 "municipality_pct": mp, "region_pct": None if scope == "region" else reg_pct[t["id"]],
                 "diff_municipality_pp": None if mp is None else pct - mp,
                 "diff_region_pp": None if scope == "region" else pct - reg_pct[t["id"]]}
            )  # fmt: skip
            if scope != "municipality" and (pct < 57 if t["level"] == "basic" else pct < 28.5):
                deficits.append(
                    {"scope": scope, "code": code, "task": t["id"], "result": t["result"],
                     "level": t["level"], "completion_pct": pct, "region_pct": reg_pct[t["id"]],
                     "criterion": "below_norm", "schools_share_pct": None}
                )  # fmt: skip
        for r in results:
            pct = rnd.uniform(30, 90)
            pr_rows.append({"scope": scope, "code": code, "result": r, "completion_pct": pct,
                            "region_pct": None if scope == "region" else 60.0,
                            "diff_region_pp": None if scope == "region" else pct - 60.0})  # fmt: skip
        left = n
        for total in range(max_total + 1):
            c = 0 if total == max_total else rnd.randint(0, left)
            if total == max_total:
                c = left
            left -= c
            dist.append({"scope": scope, "code": code, "total": total, "students": c})
    for d in deficits:
        for aud in ("teachers", "administration"):
            recs.append({"scope": d["scope"], "code": d["code"], "audience": aud, "topic": d["result"],
                         "text": f"Рекомендация для {aud} по результату {d['result']} **важно**"})  # fmt: skip
    recs = sorted({(r["scope"], r["code"], r["audience"], r["topic"]): r for r in recs}.values(),
                  key=lambda r: (r["scope"], r["code"], r["audience"], r["topic"]))  # fmt: skip
    items = [{"variant": v, "task": t["id"], "participants": all_n // 2, "difficulty": rnd.uniform(0.2, 0.9),
              "discrimination": rnd.uniform(0.05, 0.6), "alpha": 0.78, "alpha_if_deleted": 0.77,
              "flag": "low_discrimination" if j == 3 else ""}
             for v in assessment["variants"] for j, t in enumerate(tasks)]  # fmt: skip
    P, M = 1, 2
    dec = {c: P for c in SCHOOL_COLS + MUN_COLS if c.endswith("_pct") or "_ci_" in c}
    dec.update(mean_score=M, sd_score=M, median_score=1, completion_pct=P, municipality_pct=P,
               region_pct=P, diff_municipality_pp=P, diff_region_pp=P, value=P, threshold=None,
               schools_share_pct=P, difficulty=3, discrimination=3, alpha=3, alpha_if_deleted=3)  # fmt: skip
    dec = {k: v for k, v in dec.items() if v is not None}
    key = lambda *ks: lambda r: tuple(str(r[k]) for k in ks)  # noqa: E731
    write_csv(out / "schools.csv", sorted(schools, key=key("school_code")), SCHOOL_COLS, dec)
    write_csv(out / "classes.csv", classes, CLASS_COLS, dec)
    write_csv(out / "municipalities.csv", mun_rows, MUN_COLS, dec)
    write_csv(out / "region.csv", [region], GROUP_COLS, dec)
    write_csv(out / "tasks.csv", task_rows, TASK_COLS, dec)
    write_csv(out / "planned_results.csv", pr_rows,
              ["scope", "code", "result", "completion_pct", "region_pct", "diff_region_pp"], dec)  # fmt: skip
    write_csv(out / "distribution.csv", dist, ["scope", "code", "total", "students"])
    write_csv(out / "items.csv", items, ["variant", "task", "participants", "difficulty",
                                          "discrimination", "alpha", "alpha_if_deleted", "flag"], dec)  # fmt: skip
    write_csv(out / "reasons.csv", reasons, ["scope", "code", "kind", "rule", "value", "threshold",
                                              "comparison", "value2", "threshold2", "comparison2"],
              dec)  # fmt: skip
    write_csv(out / "deficits.csv", deficits, ["scope", "code", "task", "result", "level",
                                                "completion_pct", "region_pct", "criterion",
                                                "schools_share_pct"], dec)  # fmt: skip
    write_csv(out / "recommendations.csv", recs, ["scope", "code", "audience", "topic", "text"])
    write_csv(out / "validation.csv", validation,
              ["file", "school_code", "sheet", "cell", "severity", "code", "message"])  # fmt: skip
    write_csv(out / "school_status.csv", status_rows,
              ["municipality_code", "municipality", "school_code", "school_name", "settlement",
               "expected_students", "status", "file"])  # fmt: skip
    write_csv(out / "submissions.csv", subs, ["file", "sha256", "bytes", "school_code", "status",
                                              "rows_read", "rows_present", "rows_absent", "errors",
                                              "warnings"])  # fmt: skip
    write_csv(out / "students.csv", [{"school_code": s[1:7], "student_code": s} for s in students],
              ["school_code", "student_code"])  # fmt: skip
    manifest = {
        "assessment": assessment["id"], "version": version,
        "inputs": [{"path": "registry.csv", "sha256": "0" * 64, "bytes": 10}]
        + [{"path": s["file"], "sha256": s["sha256"], "bytes": s["bytes"]} for s in subs],
        "config_sha256": "1" * 64, "code_version": "2" * 64,
        "counts": {"files": len(subs) + 1, "files_accepted": sum(s["status"] == "accepted" for s in subs),
                   "files_rejected": sum(s["status"] == "rejected" for s in subs), "files_ignored": 1,
                   "rows_read": 0, "rows_present": all_n, "rows_absent": all_abs,
                   "rows_in_rejected_files": 0, "schools": len(schools),
                   "schools_accepted": region["schools_accepted"],
                   "schools_rejected": region["schools_rejected"], "schools_missing": region["schools_missing"]},
    }  # fmt: skip
    (out / "manifest.json").write_text(
        json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )
    return {"students": students, "schools": schools}
