"""Shared helpers for the notebook checks: which notebooks exist, what the book's table of contents
lists, and the small parameters that `make test` runs them with.

Used by check_pairing.py, run_notebooks.py and the pytest files (pytest puts tests/ on sys.path).
"""
from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import jupytext
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEST_PARAMS = NOTEBOOKS / "test_params.yml"
HTML = ROOT / "_build" / "html"


def notebook_sources() -> list[Path]:
    """The MyST sources of all notebooks, notebooks/*.md, sorted."""
    return sorted(NOTEBOOKS.glob("*.md"))


def toc_files() -> list[str]:
    """Every document of _toc.yml (root first), as paths without suffix, e.g. 'notebooks/gmm_data'."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(f).with_suffix("")) if Path(f).suffix in (".md", ".ipynb") else f for f in found]


def load_test_params() -> dict[str, dict]:
    """notebooks/test_params.yml: notebook stem -> dict of small papermill parameters."""
    params = yaml.safe_load(TEST_PARAMS.read_text()) or {}
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise ValueError(f"{TEST_PARAMS.relative_to(ROOT)} must map notebook names to dicts of parameters")
    return params


def run_chapter(stem: str, parameters: dict, out_dir: Path) -> tuple[dict[str, str], Path]:
    """Run notebooks/<stem>.ipynb with papermill (cwd notebooks/, as in the book build) into
    out_dir/<stem>.ipynb, its results file written under out_dir/results.  Returns every glued value as
    text (the Markdown of a glued Markdown, else its plain text) by name, and the path of its results JSON."""
    import json
    import os

    import papermill

    results = out_dir / "results"
    old = os.environ.get("NTKLC_RESULTS_DIR")
    os.environ["NTKLC_RESULTS_DIR"] = str(results)      # the kernel inherits it
    try:
        out = out_dir / f"{stem}.ipynb"
        papermill.execute_notebook(NOTEBOOKS / f"{stem}.ipynb", out, parameters=parameters,
                                   kernel_name="python3", cwd=NOTEBOOKS, progress_bar=False)
    finally:
        if old is None:
            os.environ.pop("NTKLC_RESULTS_DIR")
        else:
            os.environ["NTKLC_RESULTS_DIR"] = old
    nb = json.loads(out.read_text())
    glued = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            if "scrapbook" in o.get("metadata", {}):
                data = o["data"]
                text = data.get("application/papermill.record/text/markdown",
                                data.get("application/papermill.record/text/plain", ""))
                glued[o["metadata"]["scrapbook"]["name"]] = "".join(text)
    return glued, results / f"{stem}.json"


def parameters_cells(md_path: Path) -> list:
    """The cells of a notebook tagged 'parameters' (papermill injects its values after such a cell)."""
    nb = jupytext.read(md_path)
    return [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]


def assigned_names(source: str) -> set[str]:
    """Names assigned at top level in a parameters cell's source."""
    names = set()
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def defined_and_used_names(source: str) -> tuple[set[str], set[str]]:
    """Names a code cell defines (assignments, imports, def, class, arguments) and names it reads.

    IPython magics and shell lines (``%...``, ``!...``) are skipped: they are not Python.
    """
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    defined, used = set(), set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else defined).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    return defined, used


# an opening fence of a directive or a code cell: ```{name} argument, or :::{name} argument
_DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{([\w-]+)\}[ \t]*(\S*)")


def exercise_problems(text: str) -> list[str]:
    """What is wrong with the exercises of a MyST page (an empty list when nothing is).

    The book's rule (README): every ``{exercise}`` has a ``:label:`` (and no backtick in its title),
    and exactly one solution follows it, ``{solution-start} <label>`` with ``:class: dropdown``
    (folded, so that a reader tries first) up to the next ``{solution-end}``; the solution holds at
    least one code cell with an ``assert``, which checks the answer when the book is built.
    """
    problems, exercises, open_solution, code_cells = [], [], None, 0
    solutions: dict[str, int] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _DIRECTIVE.match(line)
        if not m:
            continue
        name, argument = m.group(2), m.group(3)
        if name in ("exercise", "solution-start", "solution-end") and m.group(1).startswith("`") \
                and "`" in line[m.end(2) + 1:]:
            # CommonMark: a backtick fence's info string holds no backtick, so MyST would not see
            # the directive at all (sphinx-exercise then reports a solution-end without its start)
            problems.append(f"line {i + 1}: a backtick in the {name} line: {line.strip()}")
        options = []
        for option in lines[i + 1:]:
            if not option.startswith(":") or option.startswith(":::"):
                break
            options.append(option)
        if name == "code-cell":
            body = itertools.takewhile(lambda x: x.strip() != m.group(1), lines[i + 1:])
            code_cells += any(x.lstrip().startswith("assert ") for x in body)
        elif name == "exercise":
            label = next((o.split(":", 2)[2].strip() for o in options if o.startswith(":label:")), "")
            if not label:
                problems.append(f"line {i + 1}: an exercise without :label:")
            elif label in exercises:
                problems.append(f"line {i + 1}: exercise label {label!r} used twice")
            exercises.append(label)
        elif name == "solution-start":
            if open_solution is not None:
                problems.append(f"line {i + 1}: solution-start inside the solution of {open_solution!r}")
            if argument not in exercises:
                problems.append(f"line {i + 1}: solution of {argument!r}, which no exercise above defines")
            if ":class: dropdown" not in options:
                problems.append(f"line {i + 1}: the solution of {argument!r} is not folded (:class: dropdown)")
            solutions[argument] = solutions.get(argument, 0) + 1
            open_solution, code_cells = argument, 0
        elif name == "solution-end":
            if open_solution is None:
                problems.append(f"line {i + 1}: solution-end without a solution-start")
            elif code_cells == 0:
                problems.append(f"line {i + 1}: the solution of {open_solution!r} has no code cell that "
                                f"checks it (an assert)")
            open_solution = None
    if open_solution is not None:
        problems.append(f"the solution of {open_solution!r} has no solution-end")
    problems += [f"exercise {label!r} has {solutions.get(label, 0)} solutions, needs 1"
                 for label in exercises if label and solutions.get(label, 0) != 1]
    return problems
