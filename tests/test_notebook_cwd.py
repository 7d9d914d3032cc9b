"""A chapter writes its results to the book's results/ whether papermill runs it from notebooks/ (as the
book build does) or from the repository root (`papermill notebooks/x.ipynb out.ipynb`), not to a folder
beside the repository. Runs chapter gmm_data (a few seconds) in a copy of the book's layout, so the
committed results/ are not touched."""
from __future__ import annotations

import json
import shutil

import papermill
import pytest

from nbtools import NOTEBOOKS, ROOT, load_test_params

SMALL = load_test_params()["gmm_data"]


@pytest.mark.parametrize("run_from", ["root", "notebooks"])
def test_results_land_in_the_books_results_from_either_working_directory(tmp_path, monkeypatch, run_from):
    monkeypatch.delenv("NTKLC_RESULTS_DIR", raising=False)   # the kernel inherits the environment
    book = tmp_path / "book"
    (book / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "_toc.yml", book / "_toc.yml")
    (book / "ntklc_lib").symlink_to(ROOT / "ntklc_lib")     # the same library, imported as installed
    shutil.copy(NOTEBOOKS / "gmm_data.ipynb", book / "notebooks" / "gmm_data.ipynb")
    cwd = book if run_from == "root" else book / "notebooks"
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(book / "notebooks" / "gmm_data.ipynb", out, parameters=SMALL,
                               kernel_name="python3", cwd=cwd, progress_bar=False)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("gmm_data.json"))
    assert [str(p) for p in written] == ["book/results/gmm_data.json"]
    assert json.loads((book / "results" / "gmm_data.json").read_text())["n"] == SMALL["n"]
