"""The lock split into the local install and the SLURM plugins (scripts/common/lockfile.py)."""

from __future__ import annotations

from pathlib import Path

from scripts.common import lockfile

LOCK = """#
# pip-compile header
#
--find-links /opt/wheels

pandas==3.1.1 \\
    --hash=sha256:aa
    # via -r requirements.in
snakemake-executor-plugin-slurm==2.8.0 \\
    --hash=sha256:bb \\
    --hash=sha256:cc
    # via -r requirements.in
snakemake_executor_plugin.slurm-jobstep==0.6.1 \\
    --hash=sha256:dd
    # via snakemake-executor-plugin-slurm
tqdm==4.70.1 \\
    --hash=sha256:ee
"""
HEAD = "#\n# pip-compile header\n#\n--find-links /opt/wheels\n\n"


def test_split_by_hand():
    local = lockfile.split(LOCK, set(lockfile.CLUSTER_PACKAGES), keep=False)
    cluster = lockfile.split(LOCK, set(lockfile.CLUSTER_PACKAGES), keep=True)
    assert local == HEAD + (
        "pandas==3.1.1 \\\n    --hash=sha256:aa\n    # via -r requirements.in\n"
        "tqdm==4.70.1 \\\n    --hash=sha256:ee\n"
    )
    assert cluster == HEAD + (
        "snakemake-executor-plugin-slurm==2.8.0 \\\n    --hash=sha256:bb \\\n"
        "    --hash=sha256:cc\n    # via -r requirements.in\n"
        "snakemake_executor_plugin.slurm-jobstep==0.6.1 \\\n    --hash=sha256:dd\n"
        "    # via snakemake-executor-plugin-slurm\n"
    )


def test_the_real_lock_loses_no_package():
    text = (Path(__file__).resolve().parents[2] / "requirements.lock").read_text()
    pins = [ln.split("==")[0] for ln in text.splitlines() if lockfile._PIN.match(ln)]
    local = lockfile.split(text, set(lockfile.CLUSTER_PACKAGES), keep=False)
    cluster = lockfile.split(text, set(lockfile.CLUSTER_PACKAGES), keep=True)
    parts = [ln.split("==")[0] for p in (local, cluster) for ln in p.splitlines()]
    assert sorted(p for p in parts if p in pins) == sorted(pins)
    assert sorted(ln.split("==")[0] for ln in cluster.splitlines() if "==" in ln) == sorted(
        lockfile.CLUSTER_PACKAGES
    )
    # every line is in exactly one part, except the options before the first package (in both)
    head = text[: text.index("\n" + pins[0]) + 1]
    assert local.startswith(head) and cluster.startswith(head)
    assert sorted(local[len(head) :].splitlines() + cluster[len(head) :].splitlines()) == sorted(
        text[len(head) :].splitlines()
    )


def test_code_version_follows_the_output_libraries_not_the_developer_tools(tmp_path):
    """Another pinned pandas (or mkdocs-material) may write other bytes from the same inputs: the
    code version — and so the results' and the site's version — changes with it. A new ruff or
    pytest must not (it would re-read a country's files and publish an identical new version)."""
    from scripts.common.hashing import code_version

    (tmp_path / "Snakefile").write_text("rule all:\n    input: []\n")
    lock = ("pandas==3.1.1 \\\n    --hash=sha256:aa\n    # via -r requirements.in\n"
            "ruff==0.17.5 \\\n    --hash=sha256:bb\n")  # fmt: skip
    (tmp_path / "requirements.lock").write_text(lock)
    before = code_version(tmp_path)
    (tmp_path / "requirements.lock").write_text(lock.replace("ruff==0.17.5", "ruff==0.18.0"))
    assert code_version(tmp_path) == before
    (tmp_path / "requirements.lock").write_text(lock.replace("pandas==3.1.1", "pandas==3.2.0"))
    assert code_version(tmp_path) != before


def test_pyproject_pins_the_same_direct_dependencies_as_requirements_in():
    """SPEC §2: pyproject.toml holds the dependencies, pinned; requirements.in (pip-compile's
    input for requirements.lock) must name the very same pins."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    lines = (root / "requirements.in").read_text(encoding="utf-8").splitlines()
    listed = {x.strip() for x in lines if x.strip() and not x.startswith("#")}
    assert declared == listed
    assert all("==" in d for d in declared)
    lock = (root / "requirements.lock").read_text(encoding="utf-8")
    assert all(f"\n{d} \\" in lock for d in declared)  # and the lock has them
