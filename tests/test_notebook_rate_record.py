"""Chapter spectral_gmm's last section reads a stored run of benchmarks/error_rate.py (parameter
rate_record). Papermill runs at the small test parameters: with a record made here, the text quotes
its slopes between consecutive sizes (checked against a direct computation); with none, the chapter
says so and stores nothing; a non-string is refused by name."""
from __future__ import annotations

import json

import numpy as np
import papermill
import pytest
from scipy.stats import t as student_t

from nbtools import NOTEBOOKS, ROOT, load_test_params, run_chapter
from ntklc_lib import equivalence as eq

SMALL = load_test_params()["spectral_gmm"]


def _run(tmp_path, rate_record):
    glued, results = run_chapter("spectral_gmm", {**SMALL, "rate_record": rate_record}, tmp_path)
    return glued["stored-rate-text"], json.loads(results.read_text())


def test_stored_record_is_quoted(tmp_path):
    sweep = eq.error_vs_dimension("mixed", [100, 200, 400, 800], {"ReLU x3": ["relu"] * 3}, "ck", seed=7,
                                  repeats=2)
    path = tmp_path / "rate.json"
    path.write_text(json.dumps({"command": "made by the test", "sweep": eq.sweep_to_record(sweep)}))
    text, results = _run(tmp_path, str(path))
    mean = sweep.errors_all[0].mean(axis=1)
    local = np.diff(np.log(mean)) / np.diff(np.log([100, 200, 400, 800]))     # independent of the library
    steps = ", ".join(f"{v:.3f} ({a} → {b})" for v, a, b in zip(local, [100, 200, 400], [200, 400, 800]))
    assert f"Between consecutive sizes its slope is {steps}." in text
    assert "(`made by the test`)" in text and "seed 7 and 2 data draws per size" in text
    np.testing.assert_allclose(results["stored_rate"]["local_slopes"], local, rtol=1e-10)
    # flatter at larger n: the line through the single draws from the chapter's largest size (n = 200 at
    # the small parameters) on, against the first sweep's line, by more than two standard errors
    tail = [200, 400, 800]
    x = np.log(np.repeat(tail, 2))
    y = np.log(sweep.errors_all[0][1:].ravel())
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    se = np.sqrt(resid @ resid / (x.size - 2) / np.sum((x - x.mean()) ** 2))
    assert f"Fitted through its single draws from n = 200 on, its slope is {slope:.3f} ± {se:.3f}" in text
    # its 95 % interval, Student's t on 6 - 2 degrees of freedom, against -1/2
    half = student_t.ppf(0.975, 4) * se
    assert f"(95 % interval [{slope - half:.3f}, {slope + half:.3f}], which " in text
    # the expected range by its label (a later verdict paragraph once took its variable's name)
    last_in = -0.65 <= local[-1] <= -0.35
    assert f"lies {'inside' if last_in else 'outside'} the range [−0.65, −0.35]. A least-squares line" in text
    assert results["stored_rate"]["comparable"] is True
    np.testing.assert_allclose(results["stored_rate"]["tail_slope"], slope, rtol=1e-10)
    gap_se = np.hypot(se, results["relu_ck_slope_se"])
    flattens = bool(slope - results["relu_ck_slope"] > 2 * gap_se)
    assert results["stored_rate"]["flattens"] == flattens
    assert ("standard errors of the difference, so the excess over 1/√n fades" in text) == flattens
    # another seed than the chapter's: no draws in common with its repeated sweep
    assert "are those of the repeated sweep above" not in text


def test_a_record_of_another_experiment_is_not_compared(tmp_path):
    # the NTK of the same network: quoted, but its slope is not set against the first sweep's CK slope
    sweep = eq.error_vs_dimension("mixed", [100, 200, 400], {"ReLU x3": ["relu"] * 3}, "ntk", seed=7, repeats=2)
    path = tmp_path / "rate.json"
    path.write_text(json.dumps({"command": "made by the test", "sweep": eq.sweep_to_record(sweep)}))
    text, results = _run(tmp_path, str(path))
    assert "measured the NTK of `ReLU x3`" in text
    assert "The record is not of the first sweep's experiment" in text
    assert "standard errors of the difference" not in text and "it does not replace the first sweep" not in text
    assert results["stored_rate"]["comparable"] is False and results["stored_rate"]["flattens"] is False


def test_a_record_of_the_chapters_own_draws_says_so(tmp_path):
    # the chapter's seed (0) and case: the record's draws at n = 100 and 200, sizes of the chapter's sweep
    # at the small parameters, are those of its repeated sweep at s = 1, bit for bit
    sizes = [100, 200, 400]
    sweep = eq.error_vs_dimension("mixed", sizes, {"ReLU x3": ["relu"] * 3}, "ck", seed=0, repeats=2)
    path = tmp_path / "rate.json"
    path.write_text(json.dumps({"command": "made by the test", "sweep": eq.sweep_to_record(sweep)}))
    text, results = _run(tmp_path, str(path))
    assert "Its draws at n = 100 and 200 are those of the repeated sweep above" in text
    repeated = np.array(results["rate_vs_means"]["1.0"]["errors_all"])      # (sizes 50, 100, 200; draws)
    np.testing.assert_array_equal(sweep.errors_all[0][:2], repeated[1:, :2])


def test_without_a_record_the_section_says_so(tmp_path):
    text, results = _run(tmp_path, "")
    assert text.startswith("No stored record was given, so this section has no numbers.")
    assert "stored_rate" not in results
    missing = tmp_path / "nowhere.json"
    text, results = _run(tmp_path, str(missing))
    assert text.startswith(f"No stored record was found at `{missing}`")
    assert "stored_rate" not in results


def test_rate_record_must_be_a_string(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="rate_record must be a path"):
        _run(tmp_path, 5)


def test_default_record_is_the_committed_one():
    # the parameter's default, resolved from notebooks/ as the chapter runs, is the committed record
    src = (NOTEBOOKS / "spectral_gmm.md").read_text()
    assert 'rate_record: str = "../benchmarks/error_rate.json"' in src
    assert (NOTEBOOKS / "../benchmarks/error_rate.json").resolve() == ROOT / "benchmarks" / "error_rate.json"
