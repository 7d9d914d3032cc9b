"""Gaussian-mixture data model and the statistics the closed forms need (THEORY.md section 1).

Shapes follow the paper: a data matrix ``X`` is ``(p, n)``, one column per sample; labels ``y`` are
``(n,)`` integers in ``0..K-1``.  Covariances are kept as per-class diagonals ``(K, p)`` whenever they
are diagonal, so nothing of size ``p x p`` is formed unless the user passes full covariances.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import checks

CASES = ("iid", "means", "var", "mixed")


@dataclass(frozen=True)
class GMMSample:
    """A draw from a K-class Gaussian mixture.

    X: (p, n) samples ``x_i = (mu_a + z_i)/sqrt(p)``, z_i ~ N(0, C_a); y: (n,) labels;
    means: (K, p) the mu_a (unscaled); covs: (K, p) per-class diagonals when ``covs_diagonal`` else (K, p, p).
    """

    X: np.ndarray
    y: np.ndarray
    means: np.ndarray
    covs: np.ndarray
    covs_diagonal: bool
    case: str

    @property
    def p(self) -> int:
        return self.X.shape[0]

    @property
    def n(self) -> int:
        return self.X.shape[1]

    @property
    def n_classes(self) -> int:
        return self.means.shape[0]


def class_sizes(n: int, proportions) -> np.ndarray:
    """Split n samples into classes with the given proportions (largest remainders, sums to n)."""
    props = np.asarray(proportions, dtype=np.float64)
    if props.ndim != 1 or props.size == 0 or np.any(~np.isfinite(props)) or np.any(props <= 0):
        raise ValueError(f"proportions must be positive numbers, got {proportions!r}")
    props = props / props.sum()
    raw = props * n
    sizes = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - sizes))[: n - sizes.sum()]:
        sizes[k] += 1
    if np.any(sizes == 0):
        raise ValueError(f"n = {n} is too small for proportions {list(props)}: a class would be empty")
    return sizes


def case_parameters(case: str, p: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Means (K, p) and per-class covariance diagonals (K, p) of the paper's synthetic cases.

    Classes are indexed a = 0..K-1 as in the paper's code: ``means`` puts 4 on coordinate a,
    ``var`` scales the identity by 1 + 8a/sqrt(p), ``mixed`` combines mu_a = 8 e_{8a} with that scaling.
    """
    checks.one_of("case", case, CASES)
    K = n_classes
    means = np.zeros((K, p))
    cov_diag = np.ones((K, p))
    a = np.arange(K)
    if case == "means":
        if K > p:
            raise ValueError(f"case 'means' needs p >= n_classes, got p={p}, n_classes={K}")
        means[a, a] = 4.0
    elif case == "var":
        cov_diag *= (1 + 8 * a / np.sqrt(p))[:, None]
    elif case == "mixed":
        if 8 * (K - 1) >= p:
            raise ValueError(f"case 'mixed' needs p > 8 (n_classes - 1), got p={p}, n_classes={K}")
        means[a, 8 * a] = 8.0
        cov_diag *= (1 + 8 * a / np.sqrt(p))[:, None]
    return means, cov_diag


def gmm(case: str = "mixed", n: int = 2000, p: int = 2000, n_classes: int = 2, proportions=None,
        seed: int = 0, means=None, covs=None) -> GMMSample:
    """Draw n samples in dimension p from a K-class Gaussian mixture.

    ``case`` is one of ``iid``, ``means``, ``var``, ``mixed`` (THEORY.md section 1), or ``"custom"``
    with ``means`` (K, p) and ``covs`` given as (K, p) diagonals or (K, p, p) full matrices.
    Samples are sorted by class. Returns a :class:`GMMSample`.
    """
    n = checks.positive_int("n", n)
    p = checks.positive_int("p", p)
    n_classes = checks.positive_int("n_classes", n_classes)
    rng = np.random.default_rng(seed)
    if case == "custom" or means is not None or covs is not None:
        if means is None or covs is None:
            raise ValueError("a custom mixture needs both means (K, p) and covs ((K, p) or (K, p, p))")
        means = checks.finite_matrix("means", means)
        covs = np.asarray(covs, dtype=np.float64)
        K = means.shape[0]
        if means.shape[1] != p:
            raise ValueError(f"means must have shape (K, p) = (K, {p}), got {means.shape}")
        if covs.shape not in ((K, p), (K, p, p)):
            raise ValueError(f"covs must have shape ({K}, {p}) (diagonals) or ({K}, {p}, {p}), got {covs.shape}")
        if not np.all(np.isfinite(covs)):
            raise ValueError("covs contains non-finite entries")
        n_classes = K
        case = "custom"
    else:
        means, covs = case_parameters(case, p, n_classes)
    diagonal = covs.ndim == 2
    if diagonal and np.any(covs < 0):
        raise ValueError("covariance diagonals must be >= 0")
    if proportions is None:
        proportions = np.ones(n_classes)
    if len(proportions) != n_classes:
        raise ValueError(f"proportions must have n_classes = {n_classes} entries, got {len(proportions)}")
    sizes = class_sizes(n, proportions)
    y = np.repeat(np.arange(n_classes), sizes)
    Z = rng.standard_normal((p, n))
    for a in range(n_classes):
        cols = y == a
        if diagonal:
            Z[:, cols] *= np.sqrt(covs[a])[:, None]
        else:
            L = np.linalg.cholesky(covs[a])
            Z[:, cols] = L @ Z[:, cols]
        Z[:, cols] += means[a][:, None]
    return GMMSample(X=Z / np.sqrt(p), y=y, means=means, covs=covs, covs_diagonal=diagonal, case=case)


@dataclass(frozen=True)
class MixtureStats:
    """Statistics of THEORY.md section 1 entering the closed forms.

    tau0: sqrt of the mean squared norm of the columns of X (the scale the network sees);
    tau0_model: sqrt(tr C°/p) from the (given or estimated) covariances;
    t: (K,), T: (K, K), psi: (n,), J: (n, K) one-hot; trC: (K,) tr(C_a)/p.
    """

    tau0: float
    tau0_model: float
    t: np.ndarray
    T: np.ndarray
    psi: np.ndarray
    J: np.ndarray
    trC: np.ndarray
    estimated: bool


def _check_classes(y: np.ndarray, K: int | None) -> int:
    K = int(y.max()) + 1 if K is None else K
    counts = np.bincount(y, minlength=K)
    if np.any(counts == 0):
        empty = [int(a) for a in np.flatnonzero(counts == 0)]
        raise ValueError(f"class(es) {empty} of y have no samples; labels must cover 0..K-1")
    return K


def tau0(X) -> float:
    """The data scale tau_0 = sqrt(mean_i ||x_i||^2) of X: (p, n), one sample per column (THEORY.md section 1).

    It is the scale the moments of the first layer are taken at; normalized data have tau_0 = 1.
    """
    X = checks.finite_matrix("X", X)
    return float(np.sqrt(np.mean(np.sum(X * X, axis=0))))


def mixture_stats(X, y, means=None, covs=None) -> MixtureStats:
    """Compute tau0, t, T, psi, J for data X: (p, n) with labels y: (n,).

    With ``means`` (K, p) and ``covs`` ((K, p) diagonals or (K, p, p)) in the unscaled units of
    THEORY.md (x = (mu + z)/sqrt(p)), the model's values are used; otherwise they are estimated
    from X and y: class means, tr(C_a)/p from within-class squared norms (unbiased), and
    T_ab = tr(C_a C_b)/p from squared inner products of distinct centred samples (unbiased; the
    plain sample covariance would add a bias of order p/n_a on the diagonal).
    """
    X, y = checks.data_and_labels(X, y)
    p, n = X.shape
    K = _check_classes(y, None if means is None else np.asarray(means).shape[0])
    J = np.zeros((n, K))
    J[np.arange(n), y] = 1.0
    counts = J.sum(axis=0)
    props = counts / n
    tau_0 = tau0(X)

    if (means is None) != (covs is None):
        raise ValueError("pass both means and covs, or neither (then both are estimated)")
    estimated = means is None
    if estimated:
        if np.any(counts < 2):
            raise ValueError("estimating covariances needs at least 2 samples per class")
        mu_x = (X @ J) / counts          # (p, K) class means in x units
        Omega = X - mu_x[:, y]            # (p, n) omega_i = x_i - mean of its class
        sq = np.sum(Omega * Omega, axis=0)
        # E||omega_i||^2 with the sample mean removed is (1 - 1/n_a) tr(C_a)/p
        trC = np.array([sq[y == a].sum() / (counts[a] - 1) for a in range(K)])
        T = np.empty((K, K))
        for a in range(K):
            Oa = Omega[:, y == a]
            for b in range(a, K):
                Ob = Omega[:, y == b]
                G = Oa.T @ Ob
                if a == b:
                    # distinct pairs only; the factor corrects the shrinkage by the sample mean
                    m = counts[a]
                    s = (np.sum(G * G) - np.sum(np.diag(G) ** 2)) / (m * (m - 1))
                    s *= (m / (m - 1)) ** 2
                else:
                    s = np.mean(G * G)
                T[a, b] = T[b, a] = p * s
        psi = sq * (counts / (counts - 1))[y] - trC[y]
    else:
        means = checks.finite_matrix("means", means)
        covs = np.asarray(covs, dtype=np.float64)
        if means.shape != (K, p):
            raise ValueError(f"means must have shape (K, p) = ({K}, {p}), got {means.shape}")
        if covs.shape == (K, p):
            trC = covs.mean(axis=1)
            T = (covs @ covs.T) / p
        elif covs.shape == (K, p, p):
            trC = np.trace(covs, axis1=1, axis2=2) / p
            flat = covs.reshape(K, -1)
            T = (flat @ np.transpose(covs, (0, 2, 1)).reshape(K, -1).T) / p
        else:
            raise ValueError(f"covs must have shape ({K}, {p}) or ({K}, {p}, {p}), got {covs.shape}")
        Omega = X - (means.T / np.sqrt(p))[:, y]
        psi = np.sum(Omega * Omega, axis=0) - trC[y]
    trC0 = float(props @ trC)
    t = (trC - trC0) * np.sqrt(p)
    return MixtureStats(tau0=tau_0, tau0_model=float(np.sqrt(trC0)), t=t, T=T, psi=psi, J=J, trC=trC,
                        estimated=estimated)


def normalize(X_raw) -> np.ndarray:
    """Bring raw data X_raw: (p, n) to the paper's scale (THEORY.md section 1).

    Subtract the global mean (over samples), scale so the mean squared norm of the centred columns
    is p, then divide by sqrt(p): the result has mean squared column norm exactly 1 (tau0 = 1).
    """
    X = checks.finite_matrix("X_raw", X_raw)
    Xc = X - X.mean(axis=1, keepdims=True)
    ms = np.mean(np.sum(Xc * Xc, axis=0))
    if ms <= 0:
        raise ValueError("X_raw has zero variance after centring; cannot normalize")
    return Xc / np.sqrt(ms)
