import re

import numpy as np
import pytest
import torch

import ntklc_lib as nl
from ntklc_lib import checks


def test_seed_accepts_non_negative_integers_and_names_the_argument_otherwise():
    assert checks.seed("seed", 0) == 0
    out = checks.seed("seed", np.int64(7))
    assert out == 7 and type(out) is int
    for bad in (-1, 1.5, True, "3", None, np.float64(2.0), 2**64):
        with pytest.raises(ValueError, match=r"seeds\[2\] must be an integer >= 0 and < 2\*\*64"):
            checks.seed("seeds[2]", bad)
    # the largest seed works for torch and numpy alike; one more overflowed torch's C++ long long
    top = checks.seed("seed", 2**64 - 1)
    torch.Generator().manual_seed(top)
    np.random.default_rng(top)
    with pytest.raises(ValueError, match=r"seed must be an integer >= 0 and < 2\*\*64, got 18446744073709551616"):
        nl.kernels.ck_empirical(np.eye(3), ["relu"], [4], seed=2**64)


def test_accuracy_is_a_fraction_in_the_closed_unit_interval():
    assert checks.accuracy("acc", 0) == 0.0 and checks.accuracy("acc", 1) == 1.0
    assert type(checks.accuracy("acc", np.float32(0.5))) is float
    for bad in (90.0, -0.1, 1.0000001, float("nan"), float("inf"), None, "0.9", True):
        with pytest.raises(ValueError, match=r"^acc must be an accuracy in \[0, 1\] \(a fraction, not a "
                                             r"percentage\), got " + re.escape(repr(bad)) + "$"):
            checks.accuracy("acc", bad)


def test_non_negative_float_takes_zero_and_names_what_the_argument_is_otherwise():
    assert checks.non_negative_float("se", 0) == 0.0 and type(checks.non_negative_float("se", np.int64(2))) is float
    with pytest.raises(ValueError, match=r"^se must be >= 0 \(a standard error\), got -0.5$"):
        checks.non_negative_float("se", -0.5, "a standard error")
    with pytest.raises(ValueError, match=r"^std must be >= 0, got -1.0$"):
        checks.non_negative_float("std", -1)
    for bad in (float("nan"), float("inf"), "0.1", True, None):
        with pytest.raises(ValueError, match=r"^se must be a finite number"):
            checks.non_negative_float("se", bad, "a standard error")


@pytest.mark.parametrize("value", ["no", "False", 0, 1, None, np.float64(1.0)])
def test_boolean_switches_refuse_what_is_only_truthy(value):
    with pytest.raises(ValueError, match=r"download must be True or False, got"):
        checks.boolean("download", value)
    assert checks.boolean("download", np.bool_(True)) is True and checks.boolean("x", False) is False


@pytest.mark.parametrize("call, name", [
    (lambda v: nl.kernels.layer_map("relu", np.eye(3), 0.0, derivative=v), "derivative"),
    (lambda v: nl.datasets.load_mnist(None, allow_fallback=v), "allow_fallback"),
    (lambda v: nl.datasets.load_cifar10(None, download=v), "download"),
    (lambda v: nl.networks.features(nl.networks.dense_net(3, [4], ["relu"]), np.eye(3), sparse=v), "sparse"),
])
def test_library_switches_are_checked(call, name):
    # "no" is truthy: before the check, derivative="no" computed the derivative kernel
    with pytest.raises(ValueError, match=rf"{name} must be True or False, got str 'no'"):
        call("no")


def test_one_of_and_finite_matrix_name_the_argument_for_odd_input():
    # a list given where a name is expected is unhashable: a TypeError from the set lookup before
    with pytest.raises(ValueError, match=r"kind must be one of \['ck', 'ntk'\], got \['ck'\]"):
        checks.one_of("kind", ["ck"], {"ck", "ntk"})
    with pytest.raises(ValueError, match=r"X must be a rectangular array \(rows of equal length\), got ragged"):
        checks.finite_matrix("X", [[1.0, 2.0], [3.0]])


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


# what papermill passes for `-p widths "[300, 300, 200]"` (the string) and `-p sparsities 0.5` (a float)
NOT_LISTS = ["[300, 300, 200]", "300", 0.5, 3, np.float64(0.5), np.array(0.5), None, True]


# each list-taking check rejects a string or scalar as a whole, naming the parameter, with the papermill hint
@pytest.mark.parametrize("check,name,what", [(checks.as_list, "sparsities", "a list"),
                                             (checks.positive_ints, "widths", "a non-empty list of positive integers")])
@pytest.mark.parametrize("bad", NOT_LISTS)
def test_list_checks_name_the_parameter_and_give_the_papermill_yaml_hint(check, name, what, bad):
    with pytest.raises(ValueError, match=rf"^{name} must be {what}, got .*with papermill pass lists as YAML: "
                                         rf"-y '{name}: \[.*\]'$"):
        check(name, bad)


def test_as_list_hint_repeats_the_string_papermill_passed():
    with pytest.raises(ValueError, match=re.escape("-y 'widths: [300, 300, 200]'")):
        checks.as_list("widths", "[300, 300, 200]")
    with pytest.raises(ValueError, match=re.escape("-y 'sparsities: [0.5]'")):
        checks.as_list("sparsities", 0.5)


def test_as_list_returns_a_list_of_the_elements():
    for value in ([0.5, 0.9], (0.5, 0.9), np.array([0.5, 0.9])):
        out = checks.as_list("sparsities", value)
        assert type(out) is list and out == [0.5, 0.9]
    assert checks.as_list("x", []) == []


def test_positive_ints_still_checks_each_element_by_index():
    assert checks.positive_ints("widths", [300, np.int64(200)]) == (300, 200)
    assert checks.positive_ints("widths", range(1, 3)) == (1, 2)
    with pytest.raises(ValueError, match=r"widths\[1\] must be a positive integer \(>= 1\), got 0"):
        checks.positive_ints("widths", (3, 0))
    with pytest.raises(ValueError, match="widths must be a non-empty sequence of positive integers"):
        checks.positive_ints("widths", [])


def test_list_of_checks_every_element_by_index_and_forwards_extra_arguments():
    assert checks.list_of("sparsities", (0.5, np.float64(0.9)), checks.sparsity) == [0.5, 0.9]
    assert checks.list_of("mean_scales", [0, 2], checks.in_range, 0.0, np.inf) == [0.0, 2.0]
    with pytest.raises(ValueError, match=r"^sparsities\[2\] must lie in \[0.0, 1.0\), got 1.0$"):
        checks.list_of("sparsities", [0.5, 0.9, 1.0], checks.sparsity)
    with pytest.raises(ValueError, match=r"^mean_scales\[0\] must lie in \[0.0, 1.0\), got 1.5$"):
        checks.list_of("mean_scales", [1.5], checks.in_range, 0.0, 1.0)
    with pytest.raises(ValueError, match=re.escape("-y 'shifts: [0.5]'")):
        checks.list_of("shifts", 0.5, checks.positive_float)
    # an empty list would crash a notebook later (activation_solving indexed sparsities[-1])
    with pytest.raises(ValueError, match=r"^sparsities must hold at least one value, got \[\]$"):
        checks.list_of("sparsities", [], checks.sparsity)


def test_finite_matrix_rejects_complex_and_non_numeric_entries_naming_the_argument():
    # np.asarray(X, float64) alone would drop the imaginary part with only a ComplexWarning
    with pytest.raises(ValueError, match=r"^X must be real, got complex dtype complex128$"):
        checks.finite_matrix("X", np.ones((2, 3)) + 1j)
    with pytest.raises(ValueError, match=r"^F must be an array of real numbers, got dtype <U1$"):
        checks.finite_matrix("F", np.array([["a", "b"], ["c", "d"]]))
    # what float64 conversion accepted before still converts, to the same values
    for ok in (np.arange(6).reshape(2, 3), np.ones((2, 3), dtype=np.float32), np.ones((2, 3), dtype=bool),
               np.array([[1, 2.5]], dtype=object), [[1, 2], [3, 4]]):
        out = checks.finite_matrix("X", ok)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, np.asarray(ok, dtype=np.float64))


def test_max_asymmetry_equals_the_direct_computation_across_block_boundaries():
    rng = np.random.default_rng(0)
    for n, block in ((1, 256), (7, 3), (600, 256), (513, 256)):
        K = rng.standard_normal((n, n))
        assert checks.max_asymmetry(K, block) == np.max(np.abs(K - K.T))
        S = K + K.T
        assert checks.max_asymmetry(S, block) == 0.0
        S[n - 1, 0] += 0.25                              # one entry off, in the last block
        assert checks.max_asymmetry(S, block) == (0.25 if n > 1 else 0.0)


def test_symmetric_matrix_accepts_rounding_and_rejects_a_matrix_that_is_not_a_kernel():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((50, 80))
    K = A @ A.T
    assert checks.symmetric_matrix("K", K) is not None
    # float32 rounding of the same kernel (computed in float32, then transposed products compared)
    A32 = A.astype(np.float32)
    K32 = (A32 @ A32.T).astype(np.float64)
    K32[0, 1] = float(np.float32(A32[0] @ A32[1]) * (1 + 1e-7))
    checks.symmetric_matrix("K", K32)
    with pytest.raises(ValueError, match=r"^K_ref must be symmetric \(a kernel matrix\): max \|K_ref - K_ref\^T\| = "
                                         r".* of max \|K_ref\|, above the tolerance 1e-05"):
        checks.symmetric_matrix("K_ref", A[:, :50])
    E = K.copy()
    E[3, 7] += 1e-3 * np.max(np.abs(K))                 # 1e-3 of the scale: well above rounding
    with pytest.raises(ValueError, match="K must be symmetric"):
        checks.symmetric_matrix("K", E)
    checks.symmetric_matrix("K", E, rtol=2e-3)
    assert checks.symmetric_matrix("K", np.zeros((3, 3))).shape == (3, 3)


def test_optional_path_accepts_none_strings_and_paths_and_names_the_argument_otherwise(tmp_path):
    assert checks.optional_path("data_dir", None) is None
    assert checks.optional_path("data_dir", "") == ""
    assert checks.optional_path("data_dir", tmp_path) == tmp_path
    for bad in (123, 1.5, ["a"], b"bytes", True):
        with pytest.raises(ValueError, match=re.escape(f"data_dir must be None or a path (a string or "
                                                        f"os.PathLike), got {bad!r}")):
            checks.optional_path("data_dir", bad)


def test_path_accepts_strings_and_paths_only(tmp_path):
    assert checks.path("path", "x.npz") == "x.npz"
    assert checks.path("path", tmp_path) == tmp_path
    for bad in (None, 7, ["x"]):
        with pytest.raises(ValueError, match=re.escape(f"path must be a path (a string or os.PathLike), "
                                                        f"got {bad!r}")):
            checks.path("path", bad)


def test_chosen_directory_takes_the_argument_then_the_environment_then_the_default(monkeypatch, tmp_path):
    env = "NTKLC_TEST_CHOSEN_DIR"
    default = tmp_path / "default"
    monkeypatch.delenv(env, raising=False)
    assert checks.chosen_directory("cache_dir", None, env, "~/default", default) == ("~/default", default.resolve())
    monkeypatch.setenv(env, "")            # set but empty counts as unset
    assert checks.chosen_directory("cache_dir", "", env, "~/default", default)[0] == "~/default"
    monkeypatch.setenv(env, str(tmp_path / "from_env"))
    assert checks.chosen_directory("cache_dir", "", env, "~/default", default) == (
        f"${env}", (tmp_path / "from_env").resolve())
    # a relative argument is resolved against the working directory, "~" expanded
    monkeypatch.chdir(tmp_path)
    assert checks.chosen_directory("cache_dir", "arg", env, "~/default", default) == (
        "cache_dir", (tmp_path / "arg").resolve())
    monkeypatch.setenv("HOME", str(tmp_path))
    assert checks.chosen_directory("cache_dir", "~/x", env, "~/default", default)[1] == (tmp_path / "x").resolve()
    with pytest.raises(ValueError, match=r"cache_dir must be None or a path"):
        checks.chosen_directory("cache_dir", 3, env, "~/default", default)
