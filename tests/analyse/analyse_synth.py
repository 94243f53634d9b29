"""Synthetic ingest outputs (students.csv, school_status.csv) for speed and property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.analyse.levels import LEVELS, Assessment, student_figures


def synth(definition: dict, schools: int, students: int, seed: int = 1):
    """(students frame, status frame) as ingest would write them, deterministic for a seed."""
    a = Assessment.from_definition(definition)
    rng = np.random.default_rng(seed)
    munis = [f"{i:02d}" for i in range(1, max(2, schools // 11) + 1)]
    codes = [f"{i:06d}" for i in range(1, schools + 1)]
    status = rng.choice(["accepted"] * 18 + ["rejected", "missing"], size=schools)
    status_df = pd.DataFrame(
        {
            "municipality_code": [munis[i % len(munis)] for i in range(schools)],
            "municipality": [f"МО {munis[i % len(munis)]}" for i in range(schools)],
            "school_code": codes,
            "school_name": [f"Школа №{i}" for i in range(1, schools + 1)],
            "settlement": rng.choice(["город", "село", ""], size=schools, p=[0.5, 0.4, 0.1]),
            "expected_students": "",
            "status": status,
            "file": "",
        }
    )
    acc = np.flatnonzero(status == "accepted")
    weights = rng.gamma(2.0, 1.0, size=len(acc))
    school_of = acc[rng.choice(len(acc), size=students, p=weights / weights.sum())]
    ability = rng.normal(0, 1, size=students) + rng.normal(0, 0.6, size=len(codes))[school_of]
    difficulty = np.linspace(-1.5, 1.5, a.k)
    prob = 1 / (1 + np.exp(-(ability[:, None] - difficulty[None, :])))
    pts = rng.binomial(a.max_array[None, :].repeat(students, 0), prob)
    absent = rng.random(students) < 0.05
    figs = student_figures(pts, a)
    df = pd.DataFrame(
        {
            "school_code": np.asarray(codes, dtype=object)[school_of],
            "student_code": [f"S{i:07d}" for i in range(students)],
            "class": rng.choice(["4А", "4Б", "4В"], size=students),
            "variant": rng.choice(a.variants, size=students).astype(object),
            "absent": absent.astype(int),
        }
    )
    for name in ("total", "basic_points", "advanced_points"):
        df[name] = np.where(absent, np.nan, figs[name])
    df["level"] = np.where(absent, "", np.asarray(LEVELS, dtype=object)[figs["level"]])
    df["mark"] = np.where(absent | (figs["mark"] == 0), np.nan, figs["mark"])
    for i, col in enumerate(a.task_columns):
        df[col] = np.where(absent, np.nan, pts[:, i])
    return df, status_df


def to_csv(df: pd.DataFrame, path) -> None:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype.kind == "f":
            out[c] = out[c].map(lambda v: "" if np.isnan(v) else str(int(v)))
    out.to_csv(path, index=False, lineterminator="\n")
