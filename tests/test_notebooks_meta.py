"""Fast checks of the notebooks' structure (no execution): parameters cells, table of contents and
test parameters agree, so papermill can override every notebook's parameters, and a folded cell
checks them; every folded cell says what it holds; every parameter has the help text
`papermill --help-notebook` shows; visible code fits the book's text column and uses no name that only
a removed cell defines; no progress bar reaches the published page; every exercise has one folded solution
that checks its answer in code, and the results are saved after the exercises; the committed results files
name no path of the machine that built them."""
from __future__ import annotations

import json
import re

import jupytext
import pytest

from nbtools import (ROOT, assigned_names, defined_and_used_names, exercise_problems, load_test_params,
                     notebook_sources, parameters_cells, toc_files)

SOURCES = notebook_sources()


def test_there_are_notebooks():
    assert SOURCES, "no notebooks/*.md found"


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_exactly_one_parameters_cell(md):
    cells = parameters_cells(md)
    assert len(cells) == 1, f"{md.relative_to(ROOT)} has {len(cells)} cells tagged 'parameters', needs exactly 1"
    assert cells[0].cell_type == "code"


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_parameters_are_validated_in_a_folded_cell(md):
    # the README's rule: the cell after `parameters` checks them with ntklc_lib.checks, and the book
    # shows it folded (its length would otherwise open every chapter)
    nb = jupytext.read(md)
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assert i + 1 < len(nb.cells) and nb.cells[i + 1].cell_type == "code", \
        f"{md.name}: no code cell follows the parameters cell"
    after = nb.cells[i + 1]
    assert "checks." in after.source, f"{md.name}: the cell after `parameters` does not use ntklc_lib.checks"
    assert "hide-input" in after.metadata.get("tags", []), \
        f"{md.name}: tag the validation cell after `parameters` `hide-input`"


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_every_folded_cell_says_what_it_holds(md):
    # myst-nb's default bar, "Show code cell source", is the same for every folded cell; the README's
    # rule: each says what opening it shows (cell metadata mystnb.code_prompt_show)
    unnamed = [i for i, c in enumerate(jupytext.read(md).cells)
               if c.cell_type == "code" and "hide-input" in c.metadata.get("tags", [])
               and not str(c.metadata.get("mystnb", {}).get("code_prompt_show", "")).startswith("Show ")]
    assert not unnamed, (f"{md.name}: folded cells {unnamed} have no mystnb.code_prompt_show beginning "
                         f"'Show ' (e.g. 'Show how the parameters are checked')")


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_test_params_are_notebook_parameters(md):
    params = load_test_params()
    assert md.stem in params, f"notebooks/test_params.yml has no entry for {md.stem}"
    declared = assigned_names(parameters_cells(md)[0].source)
    unknown = set(params[md.stem]) - declared
    # papermill only warns about unknown parameters; a typo would silently test the defaults
    assert not unknown, f"test parameters {sorted(unknown)} are not assigned in {md.name}'s parameters cell"


def test_toc_lists_existing_pages_and_chapters_have_test_params():
    params = load_test_params()
    for doc in toc_files():
        assert (ROOT / f"{doc}.md").exists(), f"_toc.yml lists {doc}, but {doc}.md does not exist"
        if doc.startswith("notebooks/"):
            assert doc.split("/", 1)[1] in params, f"{doc} is in _toc.yml but not in notebooks/test_params.yml"


def test_test_params_name_existing_notebooks():
    stems = {md.stem for md in SOURCES}
    extra = set(load_test_params()) - stems
    assert not extra, f"notebooks/test_params.yml names notebooks that do not exist: {sorted(extra)}"


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_papermill_infers_every_parameter(md):
    # `papermill --help-notebook` lists what a user can pass; a line papermill cannot parse (e.g. a
    # comment containing "=") drops that parameter from the list and makes every run warn
    # "Passed unknown parameter", although the value is still injected
    from papermill.translators import PythonTranslator

    cell = parameters_cells(md)[0]
    inferred = {p.name for p in PythonTranslator.inspect(cell)}
    missing = assigned_names(cell.source) - inferred
    assert not missing, f"papermill cannot read parameters {sorted(missing)} of {md.name}: keep '=' out of their comments"


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_every_parameter_has_help(md):
    # the README promises that `papermill --help-notebook` gives each parameter's meaning: papermill
    # takes it from the comment that ends the assignment's line (a comment on a line of its own is lost)
    from papermill.translators import PythonTranslator

    cell = parameters_cells(md)[0]
    without_help = [p.name for p in PythonTranslator.inspect(cell) if not p.help.strip()]
    assert not without_help, (f"parameters {without_help} of {md.name} have no help: end each "
                              f"assignment's line with a '# ...' comment saying what it is")


# At a 1280 px window the book's code boxes hold 77 characters of the theme's monospace font
# (measured in Chromium; test_book_pages.py checks the rendered boxes themselves). Longer lines
# make the reader scroll sideways.
CODE_COLUMN = 76
HIDDEN_CODE_TAGS = {"remove-cell", "remove-input"}


# The solution of an exercise is an admonition, indented on both sides: at a 1280 px window its code
# box is 617 px wide, and a line of k characters needs about 27 + 8.5 k px (70: 622 px, measured).
SOLUTION_CODE_COLUMN = 68


def inside_solutions(cells) -> list[bool]:
    """For each cell, whether it lies between a {solution-start} and its {solution-end}."""
    inside, flags = False, []
    for cell in cells:
        flags.append(inside)
        if cell.cell_type == "markdown":
            for m in re.finditer(r"\{solution-(start|end)\}", cell.source):
                inside = m.group(1) == "start"
    return flags


def test_code_inside_solutions_is_found():
    nb = jupytext.reads("```{code-cell}\na = 1\n```\n\n````{solution-start} ex\n:class: dropdown\n````\n\n"
                        "```{code-cell}\nb = 2\n```\n\n````{solution-end}\n````\n\n```{code-cell}\nc = 3\n```\n",
                        fmt="md:myst")
    assert [c.source for c, inside in zip(nb.cells, inside_solutions(nb.cells))
            if c.cell_type == "code" and inside] == ["b = 2"]


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_visible_code_fits_the_text_column(md):
    nb = jupytext.read(md)
    long_lines = [f"cell {i}, line {j} (at most {limit} characters): {line}"
                  for i, (cell, inside) in enumerate(zip(nb.cells, inside_solutions(nb.cells)))
                  if cell.cell_type == "code" and not HIDDEN_CODE_TAGS & set(cell.metadata.get("tags", []))
                  for limit in [SOLUTION_CODE_COLUMN if inside else CODE_COLUMN]
                  for j, line in enumerate(cell.source.splitlines(), start=1) if len(line) > limit]
    assert not long_lines, (f"{md.name}: {len(long_lines)} visible code lines are too long for their box:\n"
                            + "\n".join(long_lines))


# a progress bar: tqdm(...) in the cell, or a library call asked for one (its bar is a tqdm too)
PROGRESS_BAR = re.compile(r"\btqdm\(|\bprogress=True\b")


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_progress_bars_stay_out_of_the_book(md):
    # tqdm writes to stderr; a reader running the notebook sees the bar, the published page would show
    # every refresh of it as a block of text (theory's Monte Carlo cell did, seven of them)
    nb = jupytext.read(md)
    bare = [f"cell {i}: {cell.source.splitlines()[0][:60]}" for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and PROGRESS_BAR.search(cell.source)
            and "remove-stderr" not in cell.metadata.get("tags", [])]
    assert not bare, (f"{md.name}: cells that show a progress bar need the tag remove-stderr:\n"
                      + "\n".join(bare))


def names_shown_but_defined_out_of_sight(cells) -> list[str]:
    """Names that the book's visible code cells read but that only removed cells define.

    cells: notebook cells (``cell_type``, ``source``, ``metadata``). Folded (hide-input) cells count as
    visible: a reader can open them.
    """
    shown_defined, shown_used, removed_defined = set(), set(), set()
    for cell in cells:
        if cell.cell_type != "code":
            continue
        defined, used = defined_and_used_names(cell.source)
        if HIDDEN_CODE_TAGS & set(cell.metadata.get("tags", [])):
            removed_defined |= defined
        else:
            shown_defined |= defined
            shown_used |= used
    return sorted((shown_used & removed_defined) - shown_defined)


def test_names_defined_out_of_sight_are_found():
    # the check below must see a name that only a removed cell defines, and pass one a visible cell defines
    nb = jupytext.reads("```{code-cell}\n:tags: [remove-cell]\n\nhidden = 1\nboth = 2\n```\n\n"
                        "```{code-cell}\nboth = 3\nprint(hidden + both)\n```\n", fmt="md:myst")
    assert names_shown_but_defined_out_of_sight(nb.cells) == ["hidden"]


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_visible_code_uses_no_name_defined_only_in_removed_cells(md):
    # a reader who copies the page's code must find every name it uses on the page
    hidden = names_shown_but_defined_out_of_sight(jupytext.read(md).cells)
    assert not hidden, (f"{md.name}: visible cells use {hidden}, which only cells tagged "
                        f"{sorted(HIDDEN_CODE_TAGS)} define; define them in a visible or hide-input cell")


def test_exercise_rules_are_enforced():
    # each rule of exercise_problems, broken once, must be reported
    ok = ("```{exercise} Title\n:label: ex-a\n\nText.\n```\n\n"
          "````{solution-start} ex-a\n:class: dropdown\n````\n\nWhy.\n\n"
          "```{code-cell} ipython3\nassert 1 + 1 == 2\n```\n\n````{solution-end}\n````\n")
    assert exercise_problems(ok) == []
    broken = {
        "without :label:": ok.replace(":label: ex-a\n", ""),
        "not folded": ok.replace(":class: dropdown\n", ""),
        "no code cell": ok.replace("```{code-cell} ipython3\nassert 1 + 1 == 2\n```\n", ""),
        "(an assert)": ok.replace("assert 1 + 1 == 2", "print(1 + 1)"),
        "no solution-end": ok.replace("````{solution-end}\n````\n", ""),
        "has 0 solutions": ok.replace("{solution-start} ex-a", "{solution-start} ex-b"),
        "has 2 solutions": ok + ok[ok.index("````{solution-start}"):],
        "used twice": ok + ok,
        "a backtick": ok.replace("{exercise} Title", "{exercise} The `mixed` case"),
    }
    for expected, text in broken.items():
        found = exercise_problems(text)
        assert any(expected in p for p in found), (expected, found)


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_every_exercise_has_one_folded_solution_that_checks_it(md):
    problems = exercise_problems(md.read_text(encoding="utf-8"))
    assert not problems, f"{md.name}: " + "; ".join(problems)


def saved_before_an_exercise(cells) -> bool:
    """Whether a cell that saves the chapter's results (nl.results.save) comes before an exercise: the
    values of the exercises after it would be missing from results/<chapter>.json."""
    saves = [i for i, c in enumerate(cells) if c.cell_type == "code" and "results.save(" in c.source]
    exercises = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and "{exercise}" in c.source]
    return bool(saves and exercises and min(saves) < max(exercises))


def test_a_save_before_an_exercise_is_found():
    def cells(text):
        return jupytext.reads(text, fmt="md:myst").cells
    save = "```{code-cell}\nnl.results.save('x', figures)\n```\n\n"
    exercise = "```{exercise} Title\n:label: ex-a\n\nText.\n```\n\n"
    assert saved_before_an_exercise(cells(save + exercise))
    assert not saved_before_an_exercise(cells(exercise + save))


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_results_are_saved_after_the_exercises(md):
    assert not saved_before_an_exercise(jupytext.read(md).cells), \
        f"{md.name}: move the nl.results.save cell after the last exercise (README: the Results file section)"

# two or more path components after a leading slash, at the start of a string or after a space,
# bracket, '=' or ':' -- an absolute POSIX path such as /home/me/data/MNIST/raw
ABSOLUTE_PATH = re.compile(r"(?:^|[\s(\[=:])(?:/[^\s/]+){2,}")
RESULTS = sorted((ROOT / "results").glob("*.json"))


def _strings(node, where=""):
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(k, f"{where}.{k} (key)")
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, f"{where}[{i}]")


def test_absolute_path_pattern():
    # the check below is only as good as this pattern: it must catch paths and pass ordinary text
    for text in ("npz file /work/shared/data/cifar10/cifar10.npz", "/home/me/x", "in (/tmp/a/b)"):
        assert ABSOLUTE_PATH.search(text), text
    for text in ("npz file $NTKLC_DATA_DIR/cifar10/cifar10.npz", "files in ./data/MNIST/raw",
                 "ridge, lambda chosen on a 20 % validation split", "n/p = 1", "1/2", "a / b / c"):
        assert not ABSOLUTE_PATH.search(text), text


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_committed_results_name_no_machine_path(path):
    # results/*.json are committed and compared across machines: a data source is written relative to the
    # data directory ($NTKLC_DATA_DIR, data_dir or ./data), never as the building machine's path
    found = [f"{where}: {text!r}" for where, text in _strings(json.loads(path.read_text()))
             if ABSOLUTE_PATH.search(text)]
    assert not found, f"{path.name} holds absolute paths: " + "; ".join(found)
