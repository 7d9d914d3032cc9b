"""Check that every notebooks/*.md has a paired .ipynb with the same cells and no outputs.

The .md is the source we edit; the .ipynb is what papermill runs and what Jupyter users open, so the
two must not drift apart.  Both are compared as jupytext sees them in MyST form (the ipynb is
converted to MyST and read back), so metadata that the MyST format never stores cannot cause a false
alarm.  Exit status 1 with one line per problem.
"""
from __future__ import annotations

import sys

import jupytext
import nbformat

from nbtools import NOTEBOOKS, ROOT, notebook_sources


def cells_as_myst(nb) -> list[tuple]:
    return [(c.cell_type, c.source.strip(), dict(c.metadata)) for c in nb.cells]


def check(md) -> list[str]:
    rel_md = md.relative_to(ROOT)
    ipynb = md.with_suffix(".ipynb")
    rel_nb = ipynb.relative_to(ROOT)
    sync_hint = f"run 'jupytext --sync {rel_md}'"
    if not ipynb.exists():
        return [f"{rel_md} has no paired {rel_nb}: {sync_hint}"]
    problems = []
    raw = nbformat.read(ipynb, as_version=4)
    from_md = cells_as_myst(jupytext.read(md))
    from_nb = cells_as_myst(jupytext.reads(jupytext.writes(raw, fmt="md:myst"), fmt="md:myst"))
    if from_md != from_nb:
        where = next((k for k, (a, b) in enumerate(zip(from_md, from_nb)) if a != b), min(len(from_md), len(from_nb)))
        problems.append(f"{rel_md} and {rel_nb} are out of sync (first difference at cell {where}; "
                        f"{len(from_md)} vs {len(from_nb)} cells): {sync_hint}")
    with_outputs = [k for k, c in enumerate(raw.cells)
                    if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    if with_outputs:
        problems.append(f"{rel_nb} has outputs in cells {with_outputs}; commit it without outputs: "
                        f"run 'jupytext --to ipynb {rel_md}'")
    return problems


def main() -> int:
    problems = []
    sources = notebook_sources()
    for md in sources:
        problems += check(md)
    for ipynb in sorted(NOTEBOOKS.glob("*.ipynb")):
        if not ipynb.with_suffix(".md").exists():
            problems.append(f"{ipynb.relative_to(ROOT)} has no MyST source {ipynb.with_suffix('.md').relative_to(ROOT)}: "
                            f"run 'jupytext --set-formats ipynb,md:myst {ipynb.relative_to(ROOT)}'")
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        return 1
    print(f"notebook pairing: {len(sources)} notebook(s) in sync, no outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
