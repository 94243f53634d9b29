"""LibreOffice conversions for tests: one headless soffice per call, with its own user profile so
parallel tests do not clash over the default one."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

SOFFICE = shutil.which("soffice")


def soffice_available() -> bool:
    return SOFFICE is not None


def soffice_convert(src: Path, fmt: str, outdir: Path) -> Path:
    """`soffice --convert-to fmt` of src into outdir; returns the new file."""
    profile = Path("/tmp") / f"lo_{uuid.uuid4().hex}"
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            [SOFFICE or "soffice", f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", fmt, "--outdir", str(outdir), str(src)],
            check=True,
            capture_output=True,
            timeout=120,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert out.exists(), f"LibreOffice did not write {out}"
    return out
