import numpy as np
import pytest

from ntklc_lib import checks


def test_seed_accepts_non_negative_integers_and_names_the_argument_otherwise():
    assert checks.seed("seed", 0) == 0
    out = checks.seed("seed", np.int64(7))
    assert out == 7 and type(out) is int
    for bad in (-1, 1.5, True, "3", None, np.float64(2.0)):
        with pytest.raises(ValueError, match=r"seeds\[2\] must be an integer >= 0"):
            checks.seed("seeds[2]", bad)


def test_in_range_names_the_argument_and_interval_for_every_bad_value():
    assert checks.in_range("mean_scale", 0, 0.0, np.inf) == 0.0
    assert checks.sparsity("sparsity", np.float32(0.5)) == 0.5
    # a string is the usual papermill mistake (-p sparsity 0.9 given as text): ValueError, not TypeError
    for bad in ("0.9", None, True, [0.5], float("nan"), 1.0, -0.1):
        with pytest.raises(ValueError, match=r"sparsity must lie in \[0\.0, 1\.0\), got"):
            checks.sparsity("sparsity", bad)
    with pytest.raises(ValueError, match=r"x must lie in \(0, 1\], got 0"):
        checks.in_range("x", 0, 0, 1, low_closed=False, high_closed=True)
    assert checks.in_range("x", 1, 0, 1, low_closed=False, high_closed=True) == 1.0


def test_labels_must_be_integer_classes():
    X = np.ones((3, 4))
    for y in (np.array(["a", "b", "a", "b"]), np.array([True, False, True, False])):
        with pytest.raises(ValueError, match="y must hold integer class labels 0..K-1, got dtype"):
            checks.data_and_labels(X, y)
    with pytest.raises(ValueError, match="y must hold integer class labels"):
        checks.data_and_labels(X, np.array([0.0, 0.5, 1.0, 1.0]))
    _, y = checks.data_and_labels(X, np.array([0.0, 1.0, 1.0, 0.0]))
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 1, 0]


def test_finite_number_non_negative_int_and_square_matrix_name_the_argument():
    assert checks.finite_number("x", np.float32(2.5)) == 2.5 and checks.finite_number("x", -3) == -3.0
    for bad in (float("nan"), float("inf"), True, "1", None):
        with pytest.raises(ValueError, match="x must be a finite number"):
            checks.finite_number("x", bad)
    assert checks.non_negative_int("k", np.int64(0)) == 0
    for bad in (-1, 1.0, True, None):
        with pytest.raises(ValueError, match="k must be an integer >= 0"):
            checks.non_negative_int("k", bad)
    assert checks.square_matrix("K", np.eye(2)).shape == (2, 2)
    with pytest.raises(ValueError, match=r"K must be a square \(n, n\) matrix, got shape \(2, 3\)"):
        checks.square_matrix("K", np.ones((2, 3)))
    with pytest.raises(ValueError, match="K contains 1 non-finite"):
        checks.square_matrix("K", np.array([[1.0, np.nan], [0.0, 1.0]]))
