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
    A = np.triu(np.ones((n, n)), 1)
    with pytest.raises(ValueError, match="K_ref"):       # antisymmetric: its symmetric part is zero
        spectra.relative_error(sym(n), A - A.T)


@pytest.mark.parametrize("n", [5, 100])
def test_relative_error_of_a_matrix_with_itself_is_zero(n):
    K = sym(n)
    assert spectra.relative_error(K, K) == 0.0
    assert spectra.spectral_norm(np.zeros((n, n))) == 0.0
    assert spectra.relative_error(2 * K, K) == pytest.approx(1.0, rel=1e-8)


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
