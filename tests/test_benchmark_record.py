"""benchmarks/error_rate.py --save and the committed record benchmarks/error_rate.json that chapter
spectral_gmm quotes: the script writes what equivalence.read_sweep_record reads, and the committed record
holds what this library computes for its own settings (its smallest size recomputed here, about 1 s)."""
import subprocess
import sys
from pathlib import Path

import numpy as np

from ntklc_lib import equivalence as eq

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "error_rate.py"
RECORD = ROOT / "benchmarks" / "error_rate.json"


def test_error_rate_save_writes_the_sweep_it_printed(tmp_path):
    out = tmp_path / "rate.json"
    run = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "100,200,400", "--repeats", "2", "--seed", "4",
                          "--save", str(out)], capture_output=True, text=True, check=True, cwd=ROOT)
    sweep, command = eq.read_sweep_record(out)
    assert command.startswith(".venv/bin/python benchmarks/error_rate.py --sizes 100,200,400 --repeats 2")
    direct = eq.error_vs_dimension("mixed", [100, 200, 400], {"ReLU x3": ["relu"] * 3}, "ck", seed=4, repeats=2)
    np.testing.assert_array_equal(sweep.errors_all, direct.errors_all)
    # the printed least-squares slope is the record's
    assert f"least-squares slope over all sizes: {sweep.fit('ReLU x3').slope:.3f}" in run.stdout


def test_error_rate_sorts_sizes_and_refuses_one_before_computing(tmp_path):
    out = tmp_path / "rate.json"
    subprocess.run([sys.executable, str(SCRIPT), "--sizes", "200,100", "--repeats", "1", "--save", str(out)],
                   capture_output=True, text=True, check=True, cwd=ROOT)
    sweep, _ = eq.read_sweep_record(out)      # refuses sizes that are not increasing
    assert list(sweep.sizes) == [100, 200]
    for bad, message in (("300", "needs at least two distinct positive sizes"),
                         ("300,300", "needs at least two distinct positive sizes"),
                         ("0,100", "needs at least two distinct positive sizes"),
                         ("a,100", "must be comma-separated integers")):
        run = subprocess.run([sys.executable, str(SCRIPT), "--sizes", bad, "--save", str(tmp_path / "bad.json")],
                             capture_output=True, text=True, cwd=ROOT)
        assert run.returncode == 2 and message in run.stderr, (bad, run.stderr)
        # refused before the sweep: nothing of it was printed
        assert "mean error" not in run.stdout and not (tmp_path / "bad.json").exists(), (bad, run.stdout)


def test_committed_record_matches_this_library():
    sweep, command = eq.read_sweep_record(RECORD)
    assert sweep.labels == ("ReLU x3",) and sweep.kind == "ck" and len(sweep.sizes) >= 3
    assert f"--sizes {','.join(map(str, sweep.sizes))}" in command
    # the record's smallest size, recomputed: same data draws (seeds derived from seed, n, repeat)
    n0 = sweep.sizes[0]
    again = eq.error_vs_dimension(sweep.case, [n0], {"ReLU x3": ["relu"] * 3}, "ck", n_classes=sweep.n_classes,
                                  p_over_n=sweep.p_over_n, seed=sweep.seed, repeats=sweep.errors_all.shape[2],
                                  mean_scale=sweep.mean_scale)
    # rtol: the same computation, up to the machine's BLAS rounding
    np.testing.assert_allclose(again.errors_all[0, 0], sweep.errors_all[0, 0], rtol=1e-8)
