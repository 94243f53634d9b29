"""A synthetic raw/<id>/ (registry + workbooks written with xlsxwriter) for rule and speed tests.

python -m tests.ingest.synth OUT_DIR [N_SCHOOLS]
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

import xlsxwriter

from scripts.common.config import load_assessment

ROOT = Path(__file__).resolve().parents[2]


def make_synthetic(raw_dir: Path, definition: dict, n_schools: int = 300, seed: int = 1) -> dict:
    """Writes registry.csv (cp1251, `;`) and one workbook per school but the last (missing);
    returns the expected counts of rows (present, absent)."""
    rnd = random.Random(seed)
    raw_dir = Path(raw_dir)
    sub = raw_dir / "submissions" / "batch"
    sub.mkdir(parents=True, exist_ok=True)
    tasks = definition["tasks"]
    present = absent = 0
    with open(raw_dir / "registry.csv", "w", encoding="cp1251", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Код МО", "Муниципалитет", "Код ОО", "Наименование ОО", "Тип местности"])
        for s in range(n_schools):
            code = f"{s:06d}"
            w.writerow([f"{s % 27:02d}", f"Район {s % 27}", code, f"Школа {s}", "город"])
    for s in range(n_schools - 1):
        code = f"{s:06d}"
        wb = xlsxwriter.Workbook(str(sub / f"{code}.xlsx"))
        t = wb.add_worksheet("Титул")
        t.write_string(0, 0, "Код ОО")
        t.write_string(0, 1, code)
        t.write_string(1, 0, "Шаблон")
        t.write_string(1, 1, definition["template"])
        r = wb.add_worksheet("Результаты")
        header = ["№", "Код участника", "Класс", "Вариант", "Отсутствовал"]
        header += [x["id"] for x in tasks] + ["Итого"]
        for j, h in enumerate(header):
            r.write_string(0, j, h)
        n = rnd.randint(4, 60)
        for i in range(n):
            row = i + 1
            r.write_number(row, 0, i + 1)
            r.write_string(row, 1, f"{code}-{i:03d}")
            r.write_string(row, 2, "4" + "АБВ"[i % 3])
            r.write_number(row, 3, definition["variants"][i % len(definition["variants"])])
            if rnd.random() < 0.05:
                r.write_string(row, 4, "да")
                absent += 1
                continue
            present += 1
            total = 0
            for k, task in enumerate(tasks):
                p = rnd.randint(0, task["max"])
                total += p
                r.write_number(row, 5 + k, p)
            r.write_number(row, 5 + len(tasks), total)
        wb.close()
    return {"present": present, "absent": absent, "files": n_schools - 1}


if __name__ == "__main__":
    out = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    print(make_synthetic(out, load_assessment(ROOT / "config/assessments/math4-2021.yaml"), n))
