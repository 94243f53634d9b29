"""Synthetic campaigns of any size: a project-like folder bench/out/<scale>/ with
config/assessments/<id>.yaml, raw/<id>/registry.csv and raw/<id>/submissions/<mo>/<school>.xlsx.

    python -m bench.generate --scale region|10x|100x|country [--seed 1]

Fast path: workbooks are not written with openpyxl (~20 ms each) but assembled from the
static parts of ONE minimal xlsx template plus two sheet XMLs built as strings (inline strings
and numbers), zipped with zipfile (≈1 ms per workbook). Scores come from a logistic (IRT-like)
model with the demo's task difficulties (scripts.demo.model.TASK_PARAMS); every school draws
from its own seeded numpy generator, so the output is deterministic and order-independent.

Realism knobs: ~1 % of registry schools send nothing (missing), ~0.5 % send a workbook with an
over-maximum point (rejected with feedback) — `fix_one` rewrites one of those corrected, for the
"re-run after one corrected workbook" measurement.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import yaml

from scripts.demo.generate import REGISTRY_HEADER
from scripts.demo.model import TASK_PARAMS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"  # generated campaigns and their runs (not committed)
RESULTS = ROOT / "bench" / "results"  # the measurements, <scale>.json (committed)
DEMO_DEFINITION = ROOT / "config" / "assessments" / "math4-2021.yaml"
ASSESSMENT_ID = "bench-math4"
ZIP_DATE = (2021, 4, 30, 0, 0, 0)


@dataclass(frozen=True)
class Scale:
    name: str
    schools: int
    municipalities: int
    mean_students: float  # mean grade-4 students per school


SCALES = {
    "region": Scale("region", 300, 27, 33.0),
    "10x": Scale("10x", 3_000, 270, 33.0),
    "100x": Scale("100x", 30_000, 2_700, 33.0),
    "country": Scale("country", 40_000, 2_300, 37.5),
}

MISSING_P = 0.01  # schools without a file
DEFECT_P = 0.005  # workbooks with an over-maximum point (rejected)
ABSENT_P = 0.05

# --------------------------------------------------------------------------- xlsx fast path

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TEMPLATE_PARTS: dict[str, bytes] = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT_SHEET}"/>'
        f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{CT_SHEET}"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ).encode(),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ).encode(),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{NS}" xmlns:r="{REL_NS}"><sheets>'
        '<sheet name="Титул" sheetId="1" r:id="rId1"/>'
        '<sheet name="Результаты" sheetId="2" r:id="rId2"/>'
        "</sheets></workbook>"
    ).encode(),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL_NS}/worksheet" Target="worksheets/sheet2.xml"/>'
        f'<Relationship Id="rId3" Type="{REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ).encode(),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<styleSheet xmlns="{NS}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="1"><xf xfId="0"/></cellXfs>'
        "</styleSheet>"
    ).encode(),
}
SHEET_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
LETTERS = [chr(65 + i) for i in range(26)]


def _col(i: int) -> str:
    return LETTERS[i] if i < 26 else LETTERS[i // 26 - 1] + LETTERS[i % 26]


COLS = [_col(i) for i in range(60)]


def sheet_xml(rows: list[list]) -> bytes:
    """Rows of str/int/None → worksheet XML (inline strings, numbers; None = no cell)."""
    out = [SHEET_HEAD]
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                out.append(f'<c r="{COLS[c]}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
            else:
                out.append(f'<c r="{COLS[c]}{r}"><v>{v}</v></c>')
        out.append("</row>")
    out.append(SHEET_TAIL)
    return "".join(out).encode()


def xlsx_bytes(title_rows: list[list], result_rows: list[list]) -> bytes:
    """The template's static parts plus the two sheets, as one .xlsx (fixed timestamps)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        parts = dict(TEMPLATE_PARTS)
        parts["xl/worksheets/sheet1.xml"] = sheet_xml(title_rows)
        parts["xl/worksheets/sheet2.xml"] = sheet_xml(result_rows)
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=1)
    return buf.getvalue()


# --------------------------------------------------------------------------- the campaign


@dataclass
class SchoolRow:
    index: int
    mo_code: str
    mo_name: str
    code: str
    name: str
    settlement: str
    expected: int
    missing: bool
    defect: bool


def build_registry(scale: Scale, seed: int) -> list[SchoolRow]:
    rng = np.random.default_rng([seed, 0])
    # municipalities of unequal size: a few cities, many small districts
    weights = rng.pareto(1.5, scale.municipalities) + 1.0
    counts = np.maximum(1, np.round(weights / weights.sum() * scale.schools)).astype(int)
    while counts.sum() > scale.schools:
        counts[np.argmax(counts)] -= 1
    while counts.sum() < scale.schools:
        counts[np.argmin(counts)] += 1
    sizes = np.clip(rng.gamma(2.2, scale.mean_students / 2.2, scale.schools), 4, 150).astype(int)
    missing = rng.random(scale.schools) < MISSING_P
    defect = (rng.random(scale.schools) < DEFECT_P) & ~missing
    if not defect.any():  # at least one, for the "one corrected workbook" re-run
        defect[int(np.argmin(missing))] = True
    wmo = max(2, len(str(scale.municipalities)))
    rows, i = [], 0
    for m, n in enumerate(counts):
        mo_code = f"{m + 1:0{wmo}d}"
        city = m % 5 == 0
        mo_name = f"г.о. Город {m + 1}" if city else f"Район {m + 1}"
        for k in range(n):
            rows.append(
                SchoolRow(
                    index=i,
                    mo_code=mo_code,
                    mo_name=mo_name,
                    code=f"{mo_code}{k + 1:04d}",
                    name=f'МБОУ "Средняя школа № {k + 1}"',
                    settlement="город" if city or k % 3 == 0 else "село",
                    expected=int(sizes[i]),
                    missing=bool(missing[i]),
                    defect=bool(defect[i]),
                )
            )
            i += 1
    return rows


class Model:
    """Logistic model: theta = base + MO effect + school effect + student; per score step a
    difficulty (TASK_PARAMS); P(step) = sigmoid(a · (theta − b))."""

    def __init__(self, definition: dict, seed: int):
        self.seed = seed
        self.tasks = [str(t["id"]) for t in definition["tasks"]]
        self.maxima = [int(t["max"]) for t in definition["tasks"]]
        self.variants = list(definition["variants"])
        self.steps = []  # (task index, a, b) per score step
        for k, tid in enumerate(self.tasks):
            a, bs = TASK_PARAMS.get(tid, (1.3, [0.0] * self.maxima[k]))
            for b in bs[: self.maxima[k]]:
                self.steps.append((k, a, b))
        self.mo_effect: dict[str, float] = {}

    def students(self, school: SchoolRow) -> tuple[np.ndarray, np.ndarray]:
        """(points n×tasks, absent n) for one school."""
        if school.mo_code not in self.mo_effect:
            r = np.random.default_rng([self.seed, 1, int(school.mo_code)])
            self.mo_effect[school.mo_code] = float(r.normal(0, 0.15))
        rng = np.random.default_rng([self.seed, 2, school.index])
        n = school.expected
        theta = 0.5 + self.mo_effect[school.mo_code] + rng.normal(0, 0.3) + rng.normal(0, 0.9, n)
        points = np.zeros((n, len(self.tasks)), dtype=int)
        u = rng.random((n, len(self.steps)))
        for j, (k, a, b) in enumerate(self.steps):
            points[:, k] += u[:, j] < 1.0 / (1.0 + np.exp(-a * (theta - b)))
        absent = rng.random(n) < ABSENT_P
        return points, absent


def workbook(school: SchoolRow, model: Model, template: str, *, corrected: bool = False) -> bytes:
    points, absent = model.students(school)
    title = [
        ["Региональная диагностическая работа по математике, 4 класс"],
        ["Код ОО", school.code],
        ["Наименование ОО", school.name],
        ["Муниципалитет", school.mo_name],
        ["Шаблон", template],
        ["Дата проведения", "29.04.2021"],
    ]
    header = ["№", "Код участника", "Класс", "Вариант", "Отсутствовал", *model.tasks, "Итого"]
    rows: list[list] = [["Результаты диагностической работы"], header]
    nv = len(model.variants)
    letters = "АБВГДЕЖ"
    for i in range(len(absent)):
        lead = [i + 1, f"{school.code}-{i + 1:03d}", f"4{letters[i // 28]}", model.variants[i % nv]]
        if absent[i]:
            rows.append([*lead, "да"])
            continue
        pts = points[i].tolist()
        rows.append([*lead, None, *pts, sum(pts)])
    if school.defect and not corrected:
        for r in rows[2:]:
            if r[4] is None:  # first present student: one point over the maximum of task 1
                r[5] = model.maxima[0] + 1
                r[-1] = sum(r[5:-1])
                break
    return xlsx_bytes(title, rows)


def definition_text() -> str:
    text = DEMO_DEFINITION.read_text(encoding="utf-8")
    return text.replace("id: math4-2021", f"id: {ASSESSMENT_ID}", 1)


def submission_path(raw: Path, school: SchoolRow) -> Path:
    return raw / "submissions" / f"mo{school.mo_code}" / f"{school.code}.xlsx"


def generate(scale: Scale, out: Path, seed: int = 1) -> dict:
    """Writes the campaign into `out` (replacing its config/ and raw/); returns counts."""
    t0 = time.perf_counter()
    for part in ("raw", "config"):
        shutil.rmtree(out / part, ignore_errors=True)
    (out / "config" / "assessments").mkdir(parents=True)
    (out / "config" / "assessments" / f"{ASSESSMENT_ID}.yaml").write_text(
        definition_text(), encoding="utf-8"
    )
    definition = yaml.safe_load(definition_text())
    raw = out / "raw" / ASSESSMENT_ID
    raw.mkdir(parents=True)
    registry = build_registry(scale, seed)
    with open(raw / "registry.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REGISTRY_HEADER)
        for s in registry:
            w.writerow([s.mo_code, s.mo_name, s.code, s.name, s.settlement, s.expected])
    model = Model(definition, seed)
    files = students = nbytes = 0
    made_dirs: set[Path] = set()
    for s in registry:
        if s.missing:
            continue
        path = submission_path(raw, s)
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        data = workbook(s, model, definition["template"])
        path.write_bytes(data)
        files += 1
        students += s.expected
        nbytes += len(data)
    return {
        "scale": scale.name,
        "schools": len(registry),
        "municipalities": len({s.mo_code for s in registry}),
        "files": files,
        "students": students,
        "defects": sum(s.defect for s in registry),
        "mib": round(nbytes / 2**20, 1),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def describe(scale: Scale, out: Path, seed: int = 1) -> dict:
    """The counts of an already generated campaign, from the registry model and the files."""
    raw = out / "raw" / ASSESSMENT_ID
    registry = build_registry(scale, seed)
    sent = [s for s in registry if not s.missing and submission_path(raw, s).exists()]
    return {
        "scale": scale.name,
        "schools": len(registry),
        "municipalities": len({s.mo_code for s in registry}),
        "files": len(sent),
        "students": sum(s.expected for s in sent),
        "defects": sum(s.defect for s in sent),
        "mib": round(sum(submission_path(raw, s).stat().st_size for s in sent) / 2**20, 1),
        "seconds": None,
    }


def fix_one(out: Path, scale: Scale, seed: int = 1, corrected: bool = True) -> Path:
    """Rewrites the first defective school's workbook corrected (or, with corrected=False,
    back as generated, with its defect); returns its path."""
    definition = yaml.safe_load(definition_text())
    registry = build_registry(scale, seed)
    school = next(s for s in registry if s.defect)
    path = submission_path(out / "raw" / ASSESSMENT_ID, school)
    data = workbook(school, Model(definition, seed), definition["template"], corrected=corrected)
    path.write_bytes(data)
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="region")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    out = args.out or OUT / args.scale
    print(generate(SCALES[args.scale], out, args.seed))


if __name__ == "__main__":
    main()
