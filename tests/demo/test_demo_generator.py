"""Determinism of the demo generator (scripts/demo/generate.py).

One regeneration without LibreOffice (`--no-libreoffice`) into a temporary folder, serialising
every defective workbook and a fifth of the others (to stay fast); every file the generator
writes itself (openpyxl workbooks, the .xlsm files, random bytes, ignored files, registry.csv)
must be byte-identical to the committed one: the committed data is the first run, this is the
second. LibreOffice-converted files (.xls, .ods, round-tripped .xlsx) are not
byte-stable and are excluded (docs/demo.md).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
import yaml

from scripts.demo import generate
from scripts.demo.workbooks import Book, convert_batch, soffice_available, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "raw" / "math4-2021"


def _book() -> Book:
    return Book(
        title_rows=[("Код ОО", "010001"), ("Шаблон", "math4-2021-v1")],
        pre_rows=[["Заголовок"]],
        header=["№", "Код участника", "Класс", "1", "Итого"],
        rows=[[1, "1234-0001", "4А", 1, 1], [2, "1234-0002", "4 б", 0, 0]],
    )


def test_xlsx_bytes_do_not_depend_on_the_clock():
    first = xlsx_bytes(_book())
    time.sleep(2.1)  # zip timestamps have a 2-second resolution
    assert xlsx_bytes(_book()) == first


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo") / "math4-2021"
    out.mkdir()
    committed = yaml.safe_load((ROOT / "scripts/demo/planted.yaml").read_text("utf-8"))
    defective = {f for d in committed["defects"] for f in d["files"]}

    def sample(rel: str) -> bool:  # every defective workbook and about a fifth of the others
        return rel in defective or hashlib.sha256(rel.encode()).digest()[0] < 52

    planted = generate.generate(
        out, generate.DEFAULT_SEED, libreoffice=False, planted_path=None, write_filter=sample
    )
    return out, planted


def test_regeneration_is_byte_identical(regenerated):
    out, fresh = regenerated
    committed = yaml.safe_load((ROOT / "scripts/demo/planted.yaml").read_text("utf-8"))
    assert committed["seed"] == generate.DEFAULT_SEED
    assert (out / "registry.csv").read_bytes() == (RAW / "registry.csv").read_bytes()
    stable = [f["file"] for f in committed["files"] if f["writer"] != "libreoffice"]
    stable += [i["file"] for i in committed["ignored"]]
    assert len(stable) > 250
    compared = 0
    for rel in stable:
        if (out / rel).exists():
            assert (out / rel).read_bytes() == (RAW / rel).read_bytes(), rel
            compared += 1
    assert compared > 60
    # The same plan: the same schools in the risk zone, flagged, missing, defective.
    for key in ("risk_schools", "objectivity_schools", "missing_schools", "region", "counts"):
        assert fresh[key] == committed[key], key
    assert [d["problems"] for d in fresh["defects"]] == [
        d["problems"] for d in committed["defects"]
    ]


@pytest.mark.libreoffice
@pytest.mark.skipif(not soffice_available(), reason="soffice not installed")
def test_libreoffice_conversion_keeps_cached_totals(tmp_path):
    from python_calamine import CalamineWorkbook

    book = _book()
    book.rows = [[1, "1234-0001", "4А", 1, "=SUM(D3:D3)"]]
    convert_batch([(xlsx_bytes(book), "xls", tmp_path / "a.xls")], tag="test")
    rows = (
        CalamineWorkbook.from_path(str(tmp_path / "a.xls"))
        .get_sheet_by_name("Результаты")
        .to_python(skip_empty_area=False)
    )
    assert rows[2][4] == 1
