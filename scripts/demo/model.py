"""The demo's data model: the registry of schools and the simulated results of their students.

Points come from an IRT-like model: a municipality effect, a school effect and a student
ability (normal), and per task a difficulty per score step (a max-2 task has two steps) with a
logistic response. Schools with a planted role (risk zone, signs of non-objectivity) get their
own model; `classify` recomputes the SPEC §5 rules on the generated data so the generator can
resample a school until it lands exactly where it is meant to (and no other school lands there
by chance).

Every random draw comes from `random.Random` seeded with a string (stable across Python
versions), so the same seed gives the same data in any order of generation.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field

from . import names

# Difficulty of each score step and discrimination per task id (same order as the assessment).
TASK_PARAMS: dict[str, tuple[float, list[float]]] = {
    "1": (1.4, [-2.2]),
    "2": (1.3, [-1.5]),
    "3": (1.5, [-1.0]),
    "4": (1.2, [-0.7]),
    "5.1": (1.3, [-1.9]),
    "5.2": (1.4, [-0.5]),
    "6": (1.5, [-1.3, 0.0]),
    "7": (1.3, [-0.8]),
    "8": (1.6, [-1.1, 0.2]),
    "9.1": (1.2, [-2.0]),
    "9.2": (1.3, [-0.9]),
    "10": (1.4, [-0.3, 0.9]),
    "11": (1.3, [0.0, 1.2]),
    "12": (1.5, [0.5, 1.7]),
}
# Variant 2 is a little harder on a few tasks.
VARIANT2_SHIFT = {"3": 0.15, "8": 0.1, "11": 0.2}

BASE_ABILITY = 0.5
STUDENT_SD = 0.9
MO_SD = 0.15
SCHOOL_SD = 0.3
ABSENT_P = 0.05

# The vector the pupils of the `identical_answers` school share (not all at max).
IDENTICAL_VECTOR = [1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 1, 2, 1, 1]


@dataclass
class School:
    mo_code: str
    mo_name: str
    folder: str
    code: str
    name: str
    settlement: str  # город / село
    kind: str  # gym / sosh / oosh / nosh
    expected: int  # registry's grade-4 count
    rows: int = 0  # rows in its workbook (defaults to expected)


@dataclass
class Student:
    code: str
    cls: str  # canonical, e.g. "4А"
    variant: int
    absent: bool
    points: list[int] | None  # None when absent


@dataclass
class Assessment:
    task_ids: list[str]
    maxima: list[int]
    levels: list[str]
    basic_min: int
    above_basic_min: int
    marks: dict[str, int]
    template: str
    title: str

    @property
    def basic_idx(self) -> list[int]:
        return [i for i, lv in enumerate(self.levels) if lv == "basic"]

    @property
    def adv_idx(self) -> list[int]:
        return [i for i, lv in enumerate(self.levels) if lv == "advanced"]

    def mark(self, total: int) -> int:
        best = 2
        for m, low in sorted(self.marks.items(), key=lambda kv: int(kv[0])):
            if total >= low:
                best = int(m)
        return best


def load_assessment(data: dict) -> Assessment:
    tasks = data["tasks"]
    return Assessment(
        task_ids=[str(t["id"]) for t in tasks],
        maxima=[int(t["max"]) for t in tasks],
        levels=[t["level"] for t in tasks],
        basic_min=int(data["levels"]["basic_min"]),
        above_basic_min=int(data["levels"]["above_basic_min"]),
        marks={str(k): int(v) for k, v in (data.get("marks") or {}).items()},
        template=data["template"],
        title=data["title"],
    )


# --------------------------------------------------------------------------- registry


def _size(rng: random.Random, lo: int, hi: int) -> int:
    return max(4, min(120, int(round(rng.triangular(lo, hi, (lo + hi) / 2)))))


def _kind(name: str) -> str:
    low = name.lower()
    if "гимназия" in low or "лицей" in low:
        return "gym"
    if "начальная" in low or "нош" in low:
        return "nosh"
    if "основная" in low or "оош" in low:
        return "oosh"
    return "sosh"


def _city_schools(rng: random.Random, code: str, count: int) -> list[str]:
    special = names.IVANOVO_SPECIAL if code == "01" else names.CITY_SPECIAL.get(code, [])
    used = {int("".join(ch for ch in s if ch.isdigit()) or 0) for s in special}
    pool = [n for n in range(1, 70 if code == "01" else 20) if n not in used]
    nums = sorted(rng.sample(pool, count - len(special)))
    pattern = {
        "01": 'МБОУ "Средняя школа № {n}"',
        "02": "МОУ СОШ № {n}",
        "03": 'МБОУ "Средняя школа № {n}"',
        "04": "МБОУ СОШ № {n}",
        "05": "МОУ СОШ № {n}",
        "06": "МОУ СОШ № {n}",
    }[code]
    regular = [pattern.format(n=n) for n in nums]

    def number(s: str) -> int:
        digits = "".join(ch for ch in s.split("№")[-1] if ch.isdigit())
        return int(digits) if digits else 999

    return sorted(regular + special, key=lambda s: (number(s), s))


def build_registry(seed: int) -> list[School]:
    rng = random.Random(f"registry:{seed}")
    schools: list[School] = []
    for code, mo_name, folder in names.URBAN_DISTRICTS:
        names_ = _city_schools(rng, code, names.URBAN_SCHOOL_COUNTS[code])
        for i, name in enumerate(names_, start=1):
            kind = _kind(name)
            big = code == "01"
            lo, hi = {
                "gym": (80, 120) if big else (55, 100),
                "sosh": (40, 110) if big else (25, 85),
                "oosh": (12, 35),
                "nosh": (15, 40),
            }[kind]
            schools.append(
                School(
                    code, mo_name, folder, f"{code}{i:04d}", name, "город", kind, _size(rng, lo, hi)
                )
            )
    for k, (district, entries) in enumerate(names.DISTRICTS):
        code = f"{k + 7:02d}"
        mo_name = names.municipality_name(district)
        folder = names.district_folder(district)
        for i, entry in enumerate(entries, start=1):
            short, settle = entry.split("|")
            town = settle == "г"
            name = f"{'МБОУ' if town else 'МКОУ'} {short}"
            kind = _kind(short)
            if kind == "sosh":
                lo, hi = (20, 65) if town else (6, 28)
            else:
                lo, hi = (8, 20) if town else (4, 12)
            schools.append(
                School(
                    code,
                    mo_name,
                    folder,
                    f"{code}{i:04d}",
                    name,
                    "город" if town else "село",
                    kind,
                    _size(rng, lo, hi),
                )
            )
    for s in schools:
        s.rows = s.expected
    return schools


def class_sizes(n: int) -> list[int]:
    k = max(1, math.ceil(n / 28))
    base, extra = divmod(n, k)
    return [base + (1 if i < extra else 0) for i in range(k)]


LETTERS = "АБВГДЕЖ"


# --------------------------------------------------------------------------- students


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _answer(rng: random.Random, theta: float, tid: str, variant: int) -> int:
    a, steps = TASK_PARAMS[tid]
    shift = VARIANT2_SHIFT.get(tid, 0.0) if variant == 2 else 0.0
    pts = 0
    for b in steps:
        if rng.random() < _sigmoid(a * (theta - b - shift)):
            pts += 1
        else:
            break
    return pts


def mo_effect(seed: int, mo_code: str, role: str) -> float:
    rng = random.Random(f"mo:{seed}:{mo_code}")
    eff = rng.gauss(0.0, MO_SD)
    if role == "risk":
        eff -= 0.25
    return eff


def _set_basic_to(rng: random.Random, pts: list[int], asm: Assessment, target: int) -> None:
    """Add or remove single points on random basic tasks until the basic sum is `target`."""
    basic = asm.basic_idx
    while sum(pts[i] for i in basic) < target:
        i = rng.choice([i for i in basic if pts[i] < asm.maxima[i]])
        pts[i] += 1
    while sum(pts[i] for i in basic) > target:
        i = rng.choice([i for i in basic if pts[i] > 0])
        pts[i] -= 1


def generate_students(
    seed: int, school: School, role: str, mo_eff: float, attempt: int, asm: Assessment
) -> list[Student]:
    rng = random.Random(f"students:{seed}:{school.code}:{attempt}")
    prefix_rng = random.Random(f"prefix:{seed}:{school.code}")
    prefix = f"{prefix_rng.randint(1000, 9999)}"
    kind_eff = {"gym": 0.45, "sosh": 0.0, "oosh": -0.15, "nosh": 0.05}[school.kind]
    if school.settlement == "село":
        kind_eff -= 0.1
    mu = BASE_ABILITY + mo_eff + kind_eff + rng.gauss(0.0, SCHOOL_SD)
    adv_boost = 0.0
    if role == "risk":
        mu = BASE_ABILITY - 1.35 + rng.gauss(0.0, 0.15)
    elif role == "risk_bimodal":
        mu = BASE_ABILITY + 0.2
    elif role == "aob":
        mu = BASE_ABILITY - 0.45 + rng.gauss(0.0, 0.1)
        adv_boost = 1.3
    elif role == "peak":
        mu = BASE_ABILITY - 0.75 + rng.gauss(0.0, 0.1)
    elif role == "identical":
        mu = BASE_ABILITY + 0.1 + rng.gauss(0.0, 0.1)

    students: list[Student] = []
    seq = 0
    for ci, size in enumerate(class_sizes(school.rows)):
        cls = f"4{LETTERS[ci]}"
        for j in range(size):
            seq += 1
            variant = 1 + (j % 2)
            absent = role != "too_few" and rng.random() < ABSENT_P
            code = f"{prefix}-{seq:04d}"
            if absent:
                students.append(Student(code, cls, variant, True, None))
                continue
            theta = rng.gauss(mu, STUDENT_SD)
            if role == "risk_bimodal" and rng.random() < 0.38:
                theta -= 2.6
            pts = []
            for i, tid in enumerate(asm.task_ids):
                t = theta + (adv_boost if asm.levels[i] == "advanced" else 0.0)
                pts.append(_answer(rng, t, tid, variant))
            students.append(Student(code, cls, variant, False, pts))

    present = [s for s in students if not s.absent]
    if role == "peak":
        for s in present:
            b = sum(s.points[i] for i in asm.basic_idx)
            if (
                asm.basic_min - 4 <= b < asm.basic_min
                and rng.random() < 0.9
                or b == asm.basic_min + 1
                and rng.random() < 0.5
            ):
                _set_basic_to(rng, s.points, asm, asm.basic_min)
    elif role == "identical":
        k = max(5, math.ceil(0.42 * len(present)))
        for s in rng.sample(present, min(k, len(present))):
            s.points = list(IDENTICAL_VECTOR)
    return students


# --------------------------------------------------------------------------- classification


@dataclass
class Metrics:
    participants: int
    absent: int
    below_basic_pct: float | None = None
    basic_tasks_pct: float | None = None
    advanced_tasks_pct: float | None = None
    peak_pct: float | None = None
    identical_max: int = 0
    identical_pct: float | None = None
    sum_basic: int = 0
    sum_adv: int = 0
    below: int = 0
    peak: int = 0
    risk_reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    risk: bool | None = None


def metrics(students: list[Student], asm: Assessment) -> Metrics:
    present = [s for s in students if not s.absent]
    n = len(present)
    m = Metrics(participants=n, absent=len(students) - n)
    if n == 0:
        return m
    bmax = sum(asm.maxima[i] for i in asm.basic_idx)
    amax = sum(asm.maxima[i] for i in asm.adv_idx)
    for s in present:
        b = sum(s.points[i] for i in asm.basic_idx)
        a = sum(s.points[i] for i in asm.adv_idx)
        m.sum_basic += b
        m.sum_adv += a
        m.below += b < asm.basic_min
        m.peak += b == asm.basic_min
    m.below_basic_pct = m.below / n * 100
    m.basic_tasks_pct = m.sum_basic / (bmax * n) * 100
    m.advanced_tasks_pct = m.sum_adv / (amax * n) * 100
    m.peak_pct = m.peak / n * 100
    vectors = Counter(tuple(s.points) for s in present if s.points != asm.maxima)
    m.identical_max = max(vectors.values()) if vectors else 0
    m.identical_pct = m.identical_max / n * 100
    return m


EPS = 1e-6


class Borderline(Exception):
    """A value too close to a threshold to be sure every implementation agrees."""


def _ge(value: float, threshold: float) -> bool:
    if abs(value - threshold) < EPS:
        raise Borderline
    return value >= threshold


def classify(m: Metrics, region: Metrics, thr: dict) -> Metrics:
    """Fill risk and objectivity flags of `m` (SPEC §5.1–5.2). Raises Borderline."""
    m.risk_reasons, m.flags, m.risk = [], [], None
    if m.participants < thr["risk"]["min_participants"]:
        m.risk_reasons = ["too_few"]
    else:
        if _ge(m.below_basic_pct, thr["risk"]["school"]["below_basic_pct"]):
            m.risk_reasons.append("below_basic_pct")
        if not _ge(m.basic_tasks_pct, thr["risk"]["school"]["basic_tasks_pct"]):
            m.risk_reasons.append("basic_tasks_pct")
        m.risk = bool(m.risk_reasons)
    obj = thr["objectivity"]
    if m.participants >= obj["min_participants"]:
        adv_ok = _ge(
            m.advanced_tasks_pct, region.advanced_tasks_pct + obj["advanced_over_basic_pp"]
        )
        basic_le = not _ge(m.basic_tasks_pct, region.basic_tasks_pct)
        if adv_ok and basic_le:
            m.flags.append("advanced_over_basic")
        tp = obj["threshold_peak"]
        if _ge(m.peak_pct, tp["share_pct"]) and _ge(m.peak_pct, tp["ratio"] * region.peak_pct):
            m.flags.append("threshold_peak")
        ia = obj["identical_answers"]
        if m.identical_max >= ia["min_students"] and _ge(m.identical_pct, ia["share_pct"]):
            m.flags.append("identical_answers")
    m.risk_reasons.sort()
    m.flags.sort()
    return m


def combine(groups: list[list[Student]], asm: Assessment) -> Metrics:
    return metrics([s for g in groups for s in g], asm)
