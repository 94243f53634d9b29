"""One pinned lock (requirements.lock), two installs: the SLURM plugins apart from the rest.

Snakemake imports every executor plugin it finds on sys.path when it starts, and the SLURM
plugin imports pandas on import. With Snakemake's own pandas import gone too
(snakemake_fixes.params_without_pandas) every local `snakemake` command is ≈ 0.2 s shorter
(nothing to do at a region: 1.00 → 0.79 s; either change alone saved nothing). So the Makefile installs the
packages named here into .venv/cluster/ instead of the venv, and cluster runs put that folder on
PYTHONPATH (`make cluster`, docs/cluster.md). The lock stays one file made by pip-compile.

    python scripts/common/lockfile.py requirements.lock local     # all but CLUSTER_PACKAGES
    python scripts/common/lockfile.py requirements.lock cluster   # CLUSTER_PACKAGES only

The options before the first package (e.g. --find-links) are kept in both parts.
"""

from __future__ import annotations

import argparse
import re
import sys

CLUSTER_PACKAGES = ("snakemake-executor-plugin-slurm", "snakemake-executor-plugin-slurm-jobstep")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]*)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    """{canonical package name: pinned version} of a lock's `name==version` lines."""
    return {canonical(m.group(1)): m.group(2) for m in map(_PIN.match, text.splitlines()) if m}


def split(text: str, names: set[str], keep: bool) -> str:
    """The lock with only (keep=True) or without (keep=False) the packages in `names`; a
    package's block is its `name==version` line and the indented or comment lines after it."""
    names = {canonical(n) for n in names}
    out, current = [], None  # None: before the first package (options, header)
    for line in text.splitlines(keepends=True):
        pin = _PIN.match(line)
        if pin:
            current = canonical(pin.group(1))
        if current is None or (current in names) == keep:
            out.append(line)
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lock")
    ap.add_argument("part", choices=["local", "cluster"])
    args = ap.parse_args(argv)
    with open(args.lock, encoding="utf-8") as fh:
        text = fh.read()
    part = split(text, set(CLUSTER_PACKAGES), keep=args.part == "cluster")
    pinned = set(pins(text))
    missing = {canonical(n) for n in CLUSTER_PACKAGES} - pinned
    if missing:
        print(f"{args.lock}: not pinned: {', '.join(sorted(missing))}", file=sys.stderr)
        return 1
    sys.stdout.write(part)
    return 0


if __name__ == "__main__":
    sys.exit(main())
