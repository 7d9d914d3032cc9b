"""Spectral comparisons of kernel matrices: relative errors, eigenvalues, leading eigenvectors."""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.sparse.linalg import eigsh

from . import checks


def spectral_norm(K) -> float:
    """Largest |eigenvalue| of a symmetric matrix K: (n, n) (Lanczos, deterministic start).

    K must be symmetric up to rounding (``checks.symmetric_matrix``); its symmetric part is used."""
    return _symmetric_norm(checks.symmetric_matrix("K", K))


def _symmetric_norm(K: np.ndarray) -> float:
    """spectral_norm of an already checked K: (n, n), symmetric up to rounding."""
    K = 0.5 * (K + K.T)
    n = K.shape[0]
    if not np.any(K):
        return 0.0                      # Lanczos cannot start on the zero matrix (ARPACK error -9)
    if n <= 64:
        return float(np.max(np.abs(np.linalg.eigvalsh(K))))
    val = eigsh(K, k=1, which="LM", v0=np.ones(n) / np.sqrt(n), return_eigenvectors=False, tol=1e-10)
    return float(abs(val[0]))


def relative_error(K, K_ref) -> float:
    """||K - K_ref|| / ||K_ref|| in spectral norm; K, K_ref: (n, n) symmetric (up to rounding)."""
    # each matrix is checked on its own: the difference of two nearly equal kernels can be far from
    # symmetric relative to its own size while both are symmetric to rounding
    K = checks.symmetric_matrix("K", K)
    K_ref = checks.symmetric_matrix("K_ref", K_ref)
    if K.shape != K_ref.shape:
        raise ValueError(f"K and K_ref must have the same shape, got {K.shape} and {K_ref.shape}")
    ref = _symmetric_norm(K_ref)
    if ref == 0:
        raise ValueError("K_ref has spectral norm 0 (it is the zero matrix): the relative error "
                         "||K - K_ref|| / ||K_ref|| is undefined; pass a non-zero reference K_ref")
    return _symmetric_norm(K - K_ref) / ref


def best_scale_and_identity(K, K_ref) -> tuple[float, float]:
    """(a, c) minimizing ||a K + c I - K_ref|| in Frobenius norm; K, K_ref: (n, n) symmetric.

    The fairest comparison of a kernel with another overall scale and another diagonal (e.g. a network whose
    activation was quantized without matching) with a reference: a rescaling and a ridge-like identity
    term change neither eigenvectors nor the spectrum's shape.  Raises when K is a multiple of the identity
    (a and c are then not determined).
    """
    K = checks.symmetric_matrix("K", K)
    K_ref = checks.symmetric_matrix("K_ref", K_ref)
    if K.shape != K_ref.shape:
        raise ValueError(f"K and K_ref must have the same shape, got {K.shape} and {K_ref.shape}")
    n = K.shape[0]
    trace = float(np.trace(K))
    # normal equations of the two-parameter least squares, in the inner product <A, B> = sum A * B
    normal = np.array([[float(np.sum(K * K)), trace], [trace, float(n)]])
    if np.linalg.det(normal) <= 1e-12 * normal[0, 0] * n:
        raise ValueError("K is a multiple of the identity: its best scale and identity term are not determined")
    a, c = np.linalg.solve(normal, [float(np.sum(K * K_ref)), float(np.trace(K_ref))])
    return float(a), float(c)


@dataclass(frozen=True)
class SpectralFit:
    """scale a and shift c (0 where not fitted) of the fit a K + c I of K_ref, and its error
    ||a K + c I - K_ref|| / ||K_ref|| in spectral norm (the distance :func:`relative_error` reports)."""

    scale: float
    shift: float
    error: float


def best_spectral_fit(K, K_ref, identity: bool = True) -> SpectralFit:
    """The rescaling a K (plus c I if ``identity``) closest to K_ref in spectral norm; K, K_ref: (n, n).

    :func:`best_scale_and_identity` minimizes the Frobenius norm, which can leave the spectral-norm
    distance well above its minimum (1.5 to 3 times for a sign network's limit CK against ReLU's).
    Here, with R = K_ref - a K, the best c for a given a is the midpoint of R's extreme eigenvalues and
    leaves half their spread; that spread, like ||R|| itself (no identity term), is convex in a, so a
    bounded one-dimensional search finds the global minimum.  Outside |a| <= 2 spread(K_ref) / spread(K)
    (2 ||K_ref|| / ||K|| without the identity) the distance exceeds its value at a = 0, so the search
    stays inside; it stops within about 1e-8 (relative) of the best a.  Raises when a is not
    determined: K a multiple of the identity (with ``identity``) or 0.
    """
    K = checks.symmetric_matrix("K", K)
    K_ref = checks.symmetric_matrix("K_ref", K_ref)
    if K.shape != K_ref.shape:
        raise ValueError(f"K and K_ref must have the same shape, got {K.shape} and {K_ref.shape}")
    identity = checks.boolean("identity", identity)
    K, K_ref = 0.5 * (K + K.T), 0.5 * (K_ref + K_ref.T)
    ref = _symmetric_norm(K_ref)
    if ref == 0:
        raise ValueError("K_ref has spectral norm 0 (it is the zero matrix): the relative error is undefined")
    ev_K, ev_ref = np.linalg.eigvalsh(K), np.linalg.eigvalsh(K_ref)
    size_K = float(np.max(np.abs(ev_K)))

    def extremes(a: float) -> tuple[float, float]:
        w = np.linalg.eigvalsh(K_ref - a * K)
        return float(w[0]), float(w[-1])

    if identity:
        spread_K = float(ev_K[-1] - ev_K[0])
        if spread_K <= 1e-12 * size_K:
            raise ValueError("K is a multiple of the identity: its best scale and identity term are not determined")
        bound = 2 * float(ev_ref[-1] - ev_ref[0]) / spread_K

        def distance(a: float) -> float:
            lo, hi = extremes(a)
            return 0.5 * (hi - lo)
    else:
        if size_K == 0:
            raise ValueError("K is the zero matrix: its best scale is not determined")
        bound = 2 * ref / size_K

        def distance(a: float) -> float:
            lo, hi = extremes(a)
            return max(-lo, hi)

    if bound == 0:                      # K_ref is a multiple of the identity: a = 0 is optimal
        a = 0.0
    else:
        a = float(optimize.minimize_scalar(distance, bounds=(-bound, bound), method="bounded",
                                           options={"xatol": 1e-10 * bound}).x)
    lo, hi = extremes(a)
    c = 0.5 * (lo + hi) if identity else 0.0
    return SpectralFit(scale=a, shift=c, error=distance(a) / ref)


@dataclass(frozen=True)
class Spectrum:
    """eigenvalues: (n,) ascending; vectors: (n, k) eigenvectors of the k largest eigenvalues (last = top)."""

    eigenvalues: np.ndarray
    vectors: np.ndarray


def spectrum(K, top: int = 3) -> Spectrum:
    """Eigenvalues of K: (n, n) and its ``top`` leading eigenvectors (an integer in 0..n; 0 for the
    eigenvalues only), signs fixed (first entry of largest magnitude positive) so two kernels'
    eigenvectors can be overlaid.  K must be symmetric up to rounding (``checks.symmetric_matrix``)."""
    K = checks.symmetric_matrix("K", K)
    n = K.shape[0]
    if isinstance(top, bool) or not isinstance(top, numbers.Integral) or not 0 <= top <= n:
        raise ValueError(f"top must be an integer in 0..{n} (the size of K; 0 for the eigenvalues only), got {top!r}")
    top = int(top)
    vals, vecs = np.linalg.eigh(0.5 * (K + K.T))
    V = vecs[:, -top:] if top > 0 else vecs[:, :0]
    idx = np.argmax(np.abs(V), axis=0)
    V = V * np.sign(V[idx, np.arange(V.shape[1])])
    return Spectrum(eigenvalues=vals, vectors=V)


def align_sign(v, ref) -> np.ndarray:
    """v: (n,) with its sign flipped if that makes it closer to ref: (n,) (eigenvectors are defined up to
    sign)."""
    v = checks.finite_matrix("v", v, ndim=1)
    ref = checks.finite_matrix("ref", ref, ndim=1)
    if ref.shape != v.shape:
        raise ValueError(f"v and ref must have the same shape (n,), got {v.shape} and {ref.shape}")
    return v if np.dot(v, ref) >= 0 else -v


def class_separation(v, y) -> float:
    """How clearly a vector v: (n,) separates two classes y: (n,) (labels with exactly two values):
    |mean of v on one class - mean on the other| / sqrt((var_0 + var_1) / 2), variances with ddof = 1
    (Cohen's d, but with the two variances averaged unweighted: the same for classes of equal size).
    For an eigenvector plotted against the sample index, it is the level shift between the classes in
    units of the spread within each; the sign of v does not matter.
    """
    v = checks.finite_matrix("v", v, ndim=1)
    y = np.asarray(y)
    if y.shape != v.shape:
        raise ValueError(f"y must have one label per entry of v: v has shape {v.shape}, got {y.shape}")
    classes, counts = np.unique(y, return_counts=True)
    if classes.size != 2 or counts.min() < 2:
        raise ValueError(f"y must hold exactly two classes with at least two samples each (a spread within "
                         f"each class), got classes {classes.tolist()} with counts {counts.tolist()}")
    a, b = v[y == classes[0]], v[y == classes[1]]
    spread = np.sqrt(0.5 * (a.var(ddof=1) + b.var(ddof=1)))
    if spread == 0:
        raise ValueError("v is constant within each class: the separation is unbounded (no spread)")
    return float(abs(a.mean() - b.mean()) / spread)


def isolated_eigenvalues(eigenvalues, bulk_edge: float) -> np.ndarray:
    """Eigenvalues: (n,) strictly above ``bulk_edge`` (the spikes that carry class information)."""
    ev = checks.finite_matrix("eigenvalues", eigenvalues, ndim=1)
    bulk_edge = checks.finite_number("bulk_edge", bulk_edge)
    return ev[ev > bulk_edge]
