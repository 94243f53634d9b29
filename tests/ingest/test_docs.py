"""docs/validation-codes.md lists exactly the codes of the catalogue."""

import re

from scripts.ingest.validate import CATALOGUE
from tests.ingest.conftest import ROOT


def test_every_code_documented_with_its_severity():
    text = (ROOT / "docs" / "validation-codes.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (error|warning|info) \|", text, re.M))
    assert rows == CATALOGUE
