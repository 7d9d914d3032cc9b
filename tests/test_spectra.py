"""Spectral comparisons: the relative error and the spectrum reject inputs they cannot answer for."""
from __future__ import annotations

import numpy as np
import pytest

from ntklc_lib import spectra


def sym(n, seed=0):
    A = np.random.default_rng(seed).standard_normal((n, n))
    return A + A.T


@pytest.mark.parametrize("n", [5, 100])                 # dense eigvalsh (n <= 64) and Lanczos paths
def test_relative_error_against_a_zero_reference_raises(n):
    with pytest.raises(ValueError, match="K_ref"):
        spectra.relative_error(sym(n), np.zeros((n, n)))



@pytest.mark.parametrize("n", [5, 100])
def test_a_matrix_that_is_not_symmetric_is_rejected_not_replaced_by_its_symmetric_part(n):
    """Before, an antisymmetric K_ref counted as the zero matrix and a general square matrix as its symmetric
    part: spectral_norm(A) for A = [[0, 1], [0, 0]] gave 1/2, not its spectral norm 1."""
    A = np.triu(np.ones((n, n)), 1)
    with pytest.raises(ValueError, match=r"^K_ref must be symmetric \(a kernel matrix\)"):
        spectra.relative_error(sym(n), A - A.T)
    with pytest.raises(ValueError, match=r"^K must be symmetric \(a kernel matrix\)"):
        spectra.relative_error(A, sym(n))
    for f in (spectra.spectral_norm, spectra.spectrum):
        with pytest.raises(ValueError, match=r"^K must be symmetric \(a kernel matrix\)"):
            f(A)


def test_relative_error_of_two_nearly_equal_kernels_checks_each_kernel_not_their_difference():
    """K and K_ref each symmetric to rounding, their difference tiny: the difference is far from symmetric
    relative to its own size, which must not raise."""
    K = sym(100)
    noise = 1e-13 * np.random.default_rng(3).standard_normal((100, 100))
    err = spectra.relative_error(K + noise, K)
    assert 0 < err < 1e-12


@pytest.mark.parametrize("n", [5, 100])
def test_relative_error_of_a_matrix_with_itself_is_zero(n):
    K = sym(n)
    assert spectra.relative_error(K, K) == 0.0
    assert spectra.spectral_norm(np.zeros((n, n))) == 0.0
    assert spectra.relative_error(2 * K, K) == pytest.approx(1.0, rel=1e-8)


@pytest.mark.parametrize("n", [30, 300], ids=["dense-eigvalsh", "lanczos"])
def test_spectral_norm_is_the_largest_absolute_eigenvalue_whatever_its_sign(n):
    """Against numpy's 2-norm (SVD, independent of the eigen solvers).  In -A and A - 6 I the dominant
    eigenvalue is negative and larger in size than the largest positive one, so a solver asked for the
    largest *algebraic* eigenvalue would return the wrong number; n = 300 goes through the Lanczos path."""
    rng = np.random.default_rng(7)
    B = rng.standard_normal((n, n)) / np.sqrt(n)
    A = B @ B.T + 3.0 * np.ones((n, n)) / n      # PSD: a bulk in [0, ~4] and one eigenvalue near 4
    for M in (A, -A, A - 6.0 * np.eye(n)):
        assert spectra.spectral_norm(M) == pytest.approx(np.linalg.norm(M, 2), rel=1e-9)
    assert np.max(np.linalg.eigvalsh(A - 6.0 * np.eye(n))) < 0


@pytest.mark.parametrize("top", [-2, 11, True, 1.5, "3", None])
def test_spectrum_rejects_a_bad_top(top):
    with pytest.raises(ValueError, match=r"top must be an integer in 0\.\.10"):
        spectra.spectrum(sym(10), top=top)


@pytest.mark.parametrize("top", [0, 1, 3, 10, np.int64(2)])
def test_spectrum_returns_top_leading_eigenvectors(top):
    K = sym(10)
    s = spectra.spectrum(K, top=top)
    np.testing.assert_allclose(s.eigenvalues, np.linalg.eigvalsh(K), atol=1e-12)
    assert s.vectors.shape == (10, int(top))
    if top:
        np.testing.assert_allclose(K @ s.vectors, s.vectors * s.eigenvalues[-int(top):], atol=1e-10)


def test_isolated_eigenvalues_and_align_sign_on_a_spiked_sample_covariance():
    """Sample covariance of n draws of N(0, I + theta v v^T) in dimension p, c = p / n (Baik-Ben Arous-Peche
    2005, Paul 2007): the bulk ends at (1 + sqrt(c))^2 = 2.25 and one eigenvalue sits outside, at
    (1 + theta)(1 + c / theta) = 3.375, SD ~ sqrt(2 (1 + theta)^2 (1 - c / theta^2) / n) = 0.065 (measured
    3.35-3.51 at seeds 0-7); its eigenvector has |overlap| sqrt((1 - c / theta^2) / (1 + c / theta)) = 0.913
    with v (measured 0.909-0.924)."""
    p, n, theta = 1000, 4000, 2.0
    c = p / n
    rng = np.random.default_rng(0)
    v = rng.standard_normal(p)
    v /= np.linalg.norm(v)
    Z = rng.standard_normal((p, n))
    Z += (np.sqrt(1 + theta) - 1) * np.outer(v, v @ Z)
    w, U = np.linalg.eigh(Z @ Z.T / n)
    # 2 % above the edge: the largest bulk eigenvalue fluctuates on the Tracy-Widom scale ~0.009 here
    # (measured 2.222-2.248 at seeds 0-7), so 2.295 is ~5 of those above it
    iso = spectra.isolated_eigenvalues(w, 1.02 * (1 + np.sqrt(c)) ** 2)
    assert iso.shape == (1,)
    assert iso[0] == pytest.approx((1 + theta) * (1 + c / theta), abs=5 * 0.065)
    u = U[:, -1]
    for s in (1.0, -1.0):
        a = spectra.align_sign(s * u, v)
        # "closer to ref": the sign with the smaller distance to v
        assert np.linalg.norm(a - v) <= np.linalg.norm(-a - v)
        np.testing.assert_array_equal(np.abs(a), np.abs(u))
        assert a @ v == pytest.approx(np.sqrt((1 - c / theta**2) / (1 + c / theta)), abs=0.03)
    # strictly above the edge; the input order is kept
    np.testing.assert_array_equal(spectra.isolated_eigenvalues([3.0, 1.0, 2.0, 5.0], 2.0), [3.0, 5.0])
    assert spectra.isolated_eigenvalues([1.0, 2.0], 2.0).size == 0


@pytest.mark.parametrize("call, match", [
    (lambda: spectra.align_sign(np.ones(3), np.ones(4)),
     r"v and ref must have the same shape \(n,\), got \(3,\) and \(4,\)"),
    (lambda: spectra.align_sign(np.ones((3, 2)), np.ones((3, 2))), r"v must be a 1-D array, got shape \(3, 2\)"),
    (lambda: spectra.align_sign(np.ones(3), [1.0, np.nan, 0.0]), "ref contains 1 non-finite"),
    # a NaN edge would compare False everywhere and report no spike at all
    (lambda: spectra.isolated_eigenvalues([1.0, 3.0], float("nan")), "bulk_edge must be a finite number"),
    (lambda: spectra.isolated_eigenvalues([1.0, np.nan], 2.0), "eigenvalues contains 1 non-finite"),
])
def test_align_sign_and_isolated_eigenvalues_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_class_separation_by_hand_and_against_the_population_value():
    # class means 1 and 11, each with sample variance 2: d = 10 / sqrt(2)
    v, y = np.array([0.0, 2.0, 10.0, 12.0]), np.array([3, 3, 7, 7])
    assert spectra.class_separation(v, y) == pytest.approx(10 / np.sqrt(2), rel=1e-14)
    # the sign of an eigenvector and the names of the classes do not matter
    assert spectra.class_separation(-v, 1 - (y == 3)) == pytest.approx(10 / np.sqrt(2), rel=1e-14)
    # N(0, 1) against N(1.5, 2^2): d = 1.5 / sqrt((1 + 4) / 2) = 0.9487; with 20 000 per class the
    # estimate's standard error is about sqrt(2 / 10 000 + d^2 / 80 000) ~ 0.015, tolerance 4 of them
    rng = np.random.default_rng(0)
    v = np.concatenate([rng.standard_normal(20_000), 1.5 + 2 * rng.standard_normal(20_000)])
    y = np.repeat([0, 1], 20_000)
    assert spectra.class_separation(v, y) == pytest.approx(1.5 / np.sqrt(2.5), abs=0.06)
    # shuffled labels: no separation beyond sampling noise (d ~ N(0, 1/10 000) in absolute value)
    assert spectra.class_separation(v, rng.permutation(y)) < 0.05


def test_class_separation_input_errors():
    v, y = np.arange(6.0), np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="y must have one label per entry of v"):
        spectra.class_separation(v, y[:5])
    with pytest.raises(ValueError, match="exactly two classes"):
        spectra.class_separation(v, np.array([0, 0, 1, 1, 2, 2]))
    with pytest.raises(ValueError, match="exactly two classes"):
        spectra.class_separation(v, np.zeros(6, int))
    with pytest.raises(ValueError, match="at least two samples each"):
        spectra.class_separation(v, np.array([0, 0, 0, 0, 0, 1]))
    with pytest.raises(ValueError, match="non-finite"):
        spectra.class_separation(np.array([0.0, np.nan, 1, 2, 3, 4]), y)
    with pytest.raises(ValueError, match="constant within each class"):
        spectra.class_separation(np.array([1.0, 1, 1, 2, 2, 2]), y)


def test_best_scale_and_identity_recovers_an_exact_affine_relation_and_solves_the_least_squares():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((40, 15))
    K = Z @ Z.T / 15
    a, c = spectra.best_scale_and_identity(K, 2.5 * K + 0.7 * np.eye(40))
    assert a == pytest.approx(2.5, rel=1e-12) and c == pytest.approx(0.7, rel=1e-10)
    # a reference not of that form: agree with numpy's least squares on the vectorized problem
    W = rng.standard_normal((40, 40))
    ref = K + (W + W.T) / 10
    design = np.column_stack([K.ravel(), np.eye(40).ravel()])
    want = np.linalg.lstsq(design, ref.ravel(), rcond=None)[0]
    assert np.allclose(spectra.best_scale_and_identity(K, ref), want, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="multiple of the identity"):
        spectra.best_scale_and_identity(3 * np.eye(5), K[:5, :5])
    with pytest.raises(ValueError, match="same shape"):
        spectra.best_scale_and_identity(K, K[:5, :5])


def _spiked_pair(n=60, seed=1):
    """A kernel-like pair: PSD bulks plus one large spike each, not an affine image of each other."""
    rng = np.random.default_rng(seed)
    G1, G2 = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    u = rng.standard_normal(n)
    u /= np.linalg.norm(u)
    K = G1 @ G1.T / n + 30 * np.outer(u, u)
    K_ref = 0.5 * (G1 @ G1.T + 0.6 * G2 @ G2.T) / n + 25 * np.outer(u, u) + 0.3 * np.eye(n)
    return K, K_ref


@pytest.mark.parametrize("identity", [True, False])
def test_best_spectral_fit_is_the_minimum_of_the_spectral_norm(identity):
    """Against Nelder-Mead on ||a K + c I - K_ref||_2 computed by SVD (np.linalg.norm(., 2)), from the
    Frobenius fit and from the optimum itself; the Frobenius fit is feasible, so it cannot do better."""
    from scipy import optimize
    K, K_ref = _spiked_pair()
    fit = spectra.best_spectral_fit(K, K_ref, identity=identity)
    ref = np.linalg.norm(K_ref, 2)
    I = np.eye(K.shape[0])

    def dist(z):
        return np.linalg.norm(z[0] * K + (z[1] if identity else 0.0) * I - K_ref, 2) / ref
    assert fit.error == pytest.approx(dist([fit.scale, fit.shift]), rel=1e-10)
    a_f, c_f = spectra.best_scale_and_identity(K, K_ref)
    frob = dist([a_f, c_f if identity else 0.0])
    assert fit.error < frob                                     # strictly better here
    for start in ([a_f, c_f], [fit.scale, fit.shift], [0.0, 0.0]):
        nm = optimize.minimize(dist, start, method="Nelder-Mead",
                               options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
        assert fit.error <= nm.fun + 1e-9
    if not identity:
        assert fit.shift == 0.0


def test_best_spectral_fit_recovers_an_exact_relation_and_refuses_undetermined_ones():
    K = sym(70, seed=4)
    # bounded Brent stops within sqrt(machine epsilon) of the kink: a to about 1e-8 relative
    fit = spectra.best_spectral_fit(K, 2.5 * K + 0.7 * np.eye(70))
    assert (fit.scale, fit.shift) == pytest.approx((2.5, 0.7), rel=1e-7)
    assert fit.error < 1e-7
    assert spectra.best_spectral_fit(K, -3 * K, identity=False).scale == pytest.approx(-3, rel=1e-7)
    with pytest.raises(ValueError, match="K is a multiple of the identity"):
        spectra.best_spectral_fit(3 * np.eye(5), K[:5, :5])
    with pytest.raises(ValueError, match="K is the zero matrix"):
        spectra.best_spectral_fit(np.zeros((5, 5)), K[:5, :5], identity=False)
    with pytest.raises(ValueError, match="K and K_ref must have the same shape"):
        spectra.best_spectral_fit(K, K[:5, :5])
    with pytest.raises(ValueError, match="identity must be True or False"):
        spectra.best_spectral_fit(K, K, identity="no")


def test_spectrum_fixes_each_eigenvector_sign_by_its_largest_entry():
    # documented so that two kernels' eigenvectors can be overlaid: the entry of largest magnitude is positive
    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 40))
    K = A + A.T
    s = spectra.spectrum(K, top=5)
    cols = np.arange(5)
    assert np.all(s.vectors[np.argmax(np.abs(s.vectors), axis=0), cols] > 0)
    # numpy's eigenvectors with that convention applied
    _, V = np.linalg.eigh(K)
    ref = V[:, -5:] * np.sign(V[:, -5:][np.argmax(np.abs(V[:, -5:]), axis=0), cols])
    np.testing.assert_allclose(s.vectors, ref, atol=1e-10)


def test_relative_error_refuses_kernels_of_different_sizes():
    with pytest.raises(ValueError, match=r"K and K_ref must have the same shape, got \(3, 3\) and \(4, 4\)"):
        spectra.relative_error(np.eye(3), np.eye(4))
