"""Fast checks of the notebooks' structure (no execution): parameters cells, table of contents and
test parameters agree, so papermill can override every notebook's parameters; every parameter has
the help text `papermill --help-notebook` shows; visible code fits the book's text column."""
from __future__ import annotations

import jupytext
import pytest

from nbtools import ROOT, assigned_names, load_test_params, notebook_sources, parameters_cells, toc_files

SOURCES = notebook_sources()


def test_there_are_notebooks():
    assert SOURCES, "no notebooks/*.md found"


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_exactly_one_parameters_cell(md):
    cells = parameters_cells(md)
    assert len(cells) == 1, f"{md.relative_to(ROOT)} has {len(cells)} cells tagged 'parameters', needs exactly 1"
    assert cells[0].cell_type == "code"


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


@pytest.mark.parametrize("md", SOURCES, ids=[md.stem for md in SOURCES])
def test_visible_code_fits_the_text_column(md):
    nb = jupytext.read(md)
    long_lines = [f"cell {i}, line {j}: {line}"
                  for i, cell in enumerate(nb.cells)
                  if cell.cell_type == "code" and not HIDDEN_CODE_TAGS & set(cell.metadata.get("tags", []))
                  for j, line in enumerate(cell.source.splitlines(), start=1) if len(line) > CODE_COLUMN]
    assert not long_lines, (f"{md.name}: {len(long_lines)} visible code lines are longer than "
                            f"{CODE_COLUMN} characters:\n" + "\n".join(long_lines))
