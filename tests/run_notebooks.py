"""Run every notebook with papermill and the small parameters of notebooks/test_params.yml.

Usage: python tests/run_notebooks.py [STEM ...]   (default: all notebooks/*.md)

Each run executes the paired notebooks/<stem>.ipynb with the python3 kernel, cwd notebooks/ (as in
the book build), and writes the executed copy to _build/papermill/<stem>.ipynb.  NTKLC_RESULTS_DIR
points the notebooks' result files to _build/papermill/results, so results/ keeps the numbers of the
full-size book build.  Exit status 1 if a notebook lacks test parameters or any run fails.
"""
from __future__ import annotations

import os
import sys
import time

import papermill

from nbtools import NOTEBOOKS, ROOT, TEST_PARAMS, load_test_params, notebook_sources

OUT = ROOT / "_build" / "papermill"


def main(argv: list[str]) -> int:
    params = load_test_params()
    stems = argv or [md.stem for md in notebook_sources()]
    missing = [s for s in stems if s not in params]
    if missing:
        print(f"no test parameters for {missing} in {TEST_PARAMS.relative_to(ROOT)}: add an entry "
              "(small values, or {} to run at the defaults)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["NTKLC_RESULTS_DIR"] = str(OUT / "results")
    failed = []
    for stem in stems:
        src = NOTEBOOKS / f"{stem}.ipynb"
        print(f"papermill {src.relative_to(ROOT)} {params[stem]}", flush=True)
        start = time.perf_counter()
        try:
            papermill.execute_notebook(src, OUT / f"{stem}.ipynb", parameters=params[stem],
                                       kernel_name="python3", cwd=NOTEBOOKS, progress_bar=False)
        except Exception as exc:  # PapermillExecutionError carries the cell's exception and message
            failed.append(stem)
            print(f"FAILED {stem}: {exc}", file=sys.stderr, flush=True)
        else:
            print(f"  ok in {time.perf_counter() - start:.1f} s", flush=True)
    print(f"papermill runs: {len(stems) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
