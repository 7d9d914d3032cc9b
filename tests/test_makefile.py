"""The Makefile's notebook-cache rule, run by `make book` in a scratch copy with a stand-in jupyter-book.

jupyter-cache keys an execution on a notebook's code only, so `make book` must drop the cache when the
library (or a benchmark record) changed since the cache was filled, also after a build that failed: its
successful chapters stay cached, and a timestamp written only after a successful build did not see them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Stands in for jupyter-book: says whether it found a cached chapter, then fills the cache; exits 1 when
# FAIL_BUILD is set (a chapter that failed after others were cached).
FAKE_JUPYTER_BOOK = """#!/usr/bin/env bash
if [ -e _build/.jupyter_cache/chapter ]; then echo cached >> calls.log; else echo fresh >> calls.log; fi
mkdir -p _build/.jupyter_cache && touch _build/.jupyter_cache/chapter
[ -z "${FAIL_BUILD:-}" ]
"""


@pytest.fixture
def scratch(tmp_path):
    if shutil.which("make") is None:
        pytest.fail("make is not installed (apt-get install make); the Makefile's rules cannot be checked")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    # the targets `book` depends on, already satisfied: an installed venv and the MathJax copy
    (tmp_path / "pyproject.toml").write_text("")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "jupyter-book"
    fake.write_text(FAKE_JUPYTER_BOOK)
    fake.chmod(0o755)
    mathjax = tmp_path / "book" / "_static" / "mathjax" / "tex-chtml.js"
    mathjax.parent.mkdir(parents=True)
    mathjax.write_text("")
    (tmp_path / "ntklc_lib").mkdir()
    (tmp_path / "ntklc_lib" / "kernels.py").write_text("A = 1\n")
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "error_rate.json").write_text("{}\n")
    # after pyproject.toml, so the venv counts as installed
    stamp = tmp_path / ".venv" / ".installed-stamp"
    stamp.write_text("")
    os.utime(stamp, (os.path.getmtime(tmp_path / "pyproject.toml") + 10,) * 2)
    return tmp_path


def make_book(where: Path, fail: bool = False) -> str:
    """Run `make book` in ``where``; the stand-in's verdict on the cache ("cached" or "fresh")."""
    env = {k: v for k, v in os.environ.items() if k not in ("FAIL_BUILD", "MAKEFLAGS", "MAKELEVEL")}
    if fail:
        env["FAIL_BUILD"] = "1"
    run = subprocess.run(["make", "book"], cwd=where, env=env, capture_output=True, text=True)
    assert (run.returncode != 0) == fail, run.stdout + run.stderr
    return (where / "calls.log").read_text().split()[-1]


def test_a_library_change_after_a_failed_build_clears_the_cache(scratch):
    assert make_book(scratch, fail=True) == "fresh"          # the failed build cached a chapter
    (scratch / "ntklc_lib" / "kernels.py").write_text("A = 2\n")
    assert make_book(scratch) == "fresh"                       # the library changed: cache dropped
    assert make_book(scratch) == "cached"                      # nothing changed: cache kept


def test_a_library_or_benchmark_change_clears_the_cache_and_nothing_else_does(scratch):
    assert make_book(scratch) == "fresh"
    assert make_book(scratch) == "cached"
    (scratch / "benchmarks" / "error_rate.json").write_text('{"n": 1}\n')
    assert make_book(scratch) == "fresh"
    # a new module is a change; touching a file without changing it is not
    (scratch / "ntklc_lib" / "text.py").write_text("")
    assert make_book(scratch) == "fresh"
    os.utime(scratch / "ntklc_lib" / "kernels.py")
    assert make_book(scratch) == "cached"
    # a notebook's own code is jupyter-cache's business, not the rule's
    (scratch / "notebooks").mkdir()
    (scratch / "notebooks" / "theory.md").write_text("x")
    assert make_book(scratch) == "cached"
