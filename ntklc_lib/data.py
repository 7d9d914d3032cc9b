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
    n = checks.positive_int("n", n)
    props = np.asarray(proportions, dtype=np.float64)
    if props.ndim != 1 or props.size == 0 or np.any(~np.isfinite(props)) or np.any(props <= 0):
        raise ValueError(f"proportions must be positive numbers, got {proportions!r}")
    props = props / props.sum()
    raw = props * n
    sizes = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - sizes))[: n - sizes.sum()]:
        sizes[k] += 1
    if np.any(sizes == 0):
        raise ValueError(f"n = {n} is too small for proportions {props.tolist()}: a class would be empty")
    return sizes


def case_parameters(case: str, p: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Means (K, p) and per-class covariance diagonals (K, p) of the paper's synthetic cases.

    Classes are indexed a = 0..K-1 as in the paper's code: ``means`` puts 4 on coordinate a,
    ``var`` scales the identity by 1 + 8a/sqrt(p), ``mixed`` combines mu_a = 8 e_{8a} with that scaling.
    """
    checks.one_of("case", case, CASES)
    p = checks.positive_int("p", p)
    K = checks.positive_int("n_classes", n_classes)
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


def _check_model(means, covs, p: int, K: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate a mixture's means (K, p) and covs ((K, p) diagonals or (K, p, p) matrices).

    Covariances must be finite, with non-negative diagonals, or symmetric positive semi-definite
    matrices (to 1e-10 relative): anything else is not a covariance and would give a silently wrong
    sample or kernel.
    """
    means = checks.finite_matrix("means", means)
    if means.shape[1] != p or (K is not None and means.shape[0] != K):
        want = f"({K}, {p})" if K is not None else f"(K, {p}), one row per class"
        raise ValueError(f"means must have shape (K, p) = {want}, got {means.shape}")
    K = means.shape[0]
    # finite_matrix refuses complex entries (np.asarray dropped their imaginary part with a mere warning),
    # strings and ragged lists, naming covs
    try:
        ndim = np.ndim(covs)
    except ValueError:
        raise ValueError(f"covs must have shape ({K}, {p}) (diagonals) or ({K}, {p}, {p}), got a ragged "
                         "list") from None
    covs = checks.finite_matrix("covs", covs, ndim=ndim if ndim in (2, 3) else 2)
    if covs.shape not in ((K, p), (K, p, p)):
        raise ValueError(f"covs must have shape ({K}, {p}) (diagonals) or ({K}, {p}, {p}), got {covs.shape}")
    if not np.all(np.isfinite(covs)):
        raise ValueError("covs contains non-finite entries (NaN or inf)")
    if covs.ndim == 2:
        if np.any(covs < 0):
            raise ValueError(f"covariance diagonals (covs) must be >= 0, got a minimum of {covs.min():.3g}")
        return means, covs
    for a in range(K):
        C = covs[a]
        size = max(float(np.max(np.abs(C))), 1e-300)
        asym = checks.max_asymmetry(C)
        if asym > 1e-10 * size:
            raise ValueError(f"covs[{a}] must be symmetric, got max |C - C^T| = {asym:.3g}")
        low = float(np.linalg.eigvalsh(C).min())
        if low < -1e-10 * size:
            raise ValueError(f"covs[{a}] must be positive semi-definite, got smallest eigenvalue {low:.3g}")
    return means, covs


@dataclass(frozen=True)
class SquaredNorms:
    """Model moments of ||x_i||^2 per class (x_i = (mu_a + z_i)/sqrt(p), z_i ~ N(0, C_a)), each (K,):
    mean = (||mu_a||^2 + tr C_a)/p; var = (2 tr C_a^2 + 4 mu_a^T C_a mu_a)/p^2, of which var_cross =
    4 mu_a^T C_a mu_a / p^2 comes from the cross term 2 mu_a^T z_i / p."""

    mean: np.ndarray
    var: np.ndarray
    var_cross: np.ndarray


def squared_norm_moments(means, covs) -> SquaredNorms:
    """Mean and variance of the squared norms ||x_i||^2 of each class of the mixture with means (K, p) and
    covs ((K, p) diagonals or (K, p, p)), in the unscaled units of THEORY.md section 1."""
    means = checks.finite_matrix("means", means)
    p = means.shape[1]
    means, covs = _check_model(means, covs, p)
    if covs.ndim == 2:
        tr, tr_sq = covs.sum(axis=1), np.sum(covs**2, axis=1)
        quad = np.sum(means**2 * covs, axis=1)
    else:
        tr, tr_sq = np.trace(covs, axis1=1, axis2=2), np.sum(covs**2, axis=(1, 2))
        quad = np.einsum("ap,apq,aq->a", means, covs, means)
    return SquaredNorms(mean=(np.sum(means**2, axis=1) + tr) / p, var=(2 * tr_sq + 4 * quad) / p**2,
                        var_cross=4 * quad / p**2)


def _square_root(C: np.ndarray) -> np.ndarray:
    """A factor L with L L^T = C: Cholesky when C is definite, else the symmetric square root."""
    try:
        return np.linalg.cholesky(C)
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh((C + C.T) / 2)
        return vecs * np.sqrt(np.clip(vals, 0, None))


def gmm(case: str | None = None, n: int = 2000, p: int = 2000, n_classes: int | None = None, proportions=None,
        seed: int = 0, means=None, covs=None) -> GMMSample:
    """Draw n samples in dimension p from a K-class Gaussian mixture.

    ``case`` is one of ``iid``, ``means``, ``var``, ``mixed`` (THEORY.md section 1; the default is
    ``mixed`` with ``n_classes`` = 2), or ``"custom"`` (implied by passing ``means`` (K, p) and ``covs``
    as (K, p) diagonals or (K, p, p) full matrices; K then comes from ``means``).
    Samples are sorted by class. Returns a :class:`GMMSample`.
    """
    n = checks.positive_int("n", n)
    p = checks.positive_int("p", p)
    if n_classes is not None:
        n_classes = checks.positive_int("n_classes", n_classes)
    rng = np.random.default_rng(checks.seed("seed", seed))
    if case == "custom" or means is not None or covs is not None:
        if means is None or covs is None:
            raise ValueError("a custom mixture needs both means (K, p) and covs ((K, p) or (K, p, p))")
        if case not in (None, "custom"):
            raise ValueError(f"case {case!r} has its own means and covariances; pass case='custom' (or no case) "
                             "with means and covs")
        means, covs = _check_model(means, covs, p)
        if n_classes is not None and n_classes != means.shape[0]:
            raise ValueError(f"n_classes = {n_classes} differs from the {means.shape[0]} rows of means")
        n_classes = means.shape[0]
        case = "custom"
    else:
        case = "mixed" if case is None else case
        n_classes = 2 if n_classes is None else n_classes
        means, covs = case_parameters(case, p, n_classes)
    diagonal = covs.ndim == 2
    if proportions is None:
        proportions = np.ones(n_classes)
    if np.ndim(proportions) != 1 or len(proportions) != n_classes:
        raise ValueError(f"proportions must have n_classes = {n_classes} entries, got {proportions!r}")
    sizes = class_sizes(n, proportions)
    y = np.repeat(np.arange(n_classes), sizes)
    Z = rng.standard_normal((p, n))
    for a in range(n_classes):
        cols = y == a
        if diagonal:
            Z[:, cols] *= np.sqrt(covs[a])[:, None]
        else:
            Z[:, cols] = _square_root(covs[a]) @ Z[:, cols]
        Z[:, cols] += means[a][:, None]
    return GMMSample(X=Z / np.sqrt(p), y=y, means=means, covs=covs, covs_diagonal=diagonal, case=case)


@dataclass(frozen=True)
class MixtureStats:
    """Statistics of THEORY.md section 1 entering the closed forms.

    tau0: sqrt of the mean squared norm of the columns of X (the scale the network sees);
    tau0_model: sqrt(tr C°/p) from the (given or estimated) covariances;
    t: (K,), T: (K, K), psi: (n,), J: (n, K) one-hot; trC: (K,) tr(C_a)/p; p: the data's dimension
    (None for statistics built by hand), which the closed forms check against the p they are given;
    sq_norms: (n,) the squared column norms ||x_i||^2 of the data the statistics came from (None for
    statistics built by hand), which the closed forms check against the data they are given: every
    normalized data set has tau0 = 1, so the scale alone does not tell one data set's statistics from another's.
    """

    tau0: float
    tau0_model: float
    t: np.ndarray
    T: np.ndarray
    psi: np.ndarray
    J: np.ndarray
    trC: np.ndarray
    estimated: bool
    p: int | None = None
    sq_norms: np.ndarray | None = None


def _check_classes(y: np.ndarray, K: int | None) -> int:
    K = int(y.max()) + 1 if K is None else K
    if y.max() >= K:
        raise ValueError(f"labels y must lie in 0..{K - 1} (one class per row of means), got a label {int(y.max())}")
    counts = np.bincount(y, minlength=K)
    if np.any(counts == 0):
        empty = [int(a) for a in np.flatnonzero(counts == 0)]
        raise ValueError(f"class(es) {empty} of y have no samples; labels must cover 0..K-1")
    return K


def rms_column_norm(X) -> float:
    """sqrt(mean_i ||x_i||^2) of X: (p, n) float64, 0.0 if every entry is 0.  Squares of entries beyond
    1e154 overflow and below 1e-154 lose digits or underflow to 0: such X is measured as X / max|X|.
    ValueError for X that is not a finite, non-empty (p, n) array (NaN came out as a NaN scale)."""
    X = checks.finite_matrix("X", X)
    top = float(np.max(np.abs(X)))
    if top == 0:
        return 0.0
    if 1e-100 < top < 1e100:
        return float(np.sqrt(np.mean(np.sum(X * X, axis=0))))
    return top * float(np.sqrt(np.mean(np.sum((X / top) ** 2, axis=0))))


def tau0(X) -> float:
    """The data scale tau_0 = sqrt(mean_i ||x_i||^2) of X: (p, n), one sample per column (THEORY.md section 1).

    It is the scale the moments of the first layer are taken at; normalized data have tau_0 = 1.
    """
    X = checks.finite_matrix("X", X)
    with np.errstate(over="ignore", under="ignore"):
        scale = float(np.sqrt(np.mean(np.sum(X * X, axis=0))))
    if 0 < float(np.max(np.abs(X))) < 1e-100:
        # squares of entries below ~1e-154 lose digits (subnormal) or underflow to 0.  Squares that
        # overflow stay an error: the kernels square X too
        scale = rms_column_norm(X)
    if not 0.0 < scale < np.inf:
        # the kernels take their moments at this scale: say that X is the cause, not a "tau0" never passed
        raise ValueError(f"X has data scale tau_0 = sqrt(mean_i ||x_i||^2) = {scale}: "
                         + ("every entry is 0" if scale == 0 else "its squared norms overflow float64")
                         + "; normalize X (nl.data.normalize) or rescale it")
    return scale


def _trace_square_u(G: np.ndarray) -> float:
    """Unbiased estimate of tr(C^2) from the Gram matrix G = Y^T Y: (m, m) of m iid samples (columns of Y).

    The U-statistic of Chen and Qin (2010): the mean over distinct i, j, k, l of
    ((y_i - y_j)^T (y_k - y_l))^2 / 4, written with Gram sums so it costs O(m^2).  It is exactly
    unbiased for any mean and any distribution with finite fourth moments, and shift invariant.
    """
    m = G.shape[0]
    D = np.diag(G)
    s1 = np.sum(G * G) - np.sum(D * D)              # sum over i != j of G_ij^2
    r = G.sum(axis=1) - D
    s2 = np.sum(r * r) - s1                         # sum over distinct i, j, k of G_ij G_jk
    s3 = r.sum() ** 2 - 4 * s2 - 2 * s1             # sum over distinct i, j, k, l of G_ij G_kl
    return float(s1 / (m * (m - 1)) - 2 * s2 / (m * (m - 1) * (m - 2)) + s3 / (m * (m - 1) * (m - 2) * (m - 3)))


def _trace_cross_u(H: np.ndarray) -> float:
    """Unbiased estimate of tr(C_a C_b) from H = Y_a^T Y_b: (m, q), samples of two independent classes.

    The mean over i != i', j != j' of ((y_i - y_i')^T (y_j - y_j'))^2 / 4, in O(mq).
    """
    m, q = H.shape
    R, C = H.sum(axis=1), H.sum(axis=0)
    total = m * q * np.sum(H * H) - q * np.sum(C * C) - m * np.sum(R * R) + H.sum() ** 2
    return float(total / (m * (m - 1) * q * (q - 1)))


def mixture_stats(X, y, means=None, covs=None) -> MixtureStats:
    """Compute tau0, t, T, psi, J for data X: (p, n) with labels y: (n,).

    With ``means`` (K, p) and ``covs`` ((K, p) diagonals or (K, p, p)) in the unscaled units of
    THEORY.md (x = (mu + z)/sqrt(p)), the model's values are used; otherwise they are estimated
    from X and y: class means, tr(C_a)/p from within-class squared norms (unbiased), and
    T_ab = tr(C_a C_b)/p by U-statistics over distinct samples (:func:`_trace_square_u`,
    :func:`_trace_cross_u`; exactly unbiased: the plain sample covariance would add a bias of order
    p/n_a on the diagonal, and squared inner products of centred samples one of order p/n_a^2).
    Needs at least 4 samples per class.
    """
    X, y = checks.data_and_labels(X, y)
    p, n = X.shape
    # checked first: means alone would otherwise be taken as K rows and blamed on y's labels
    if (means is None) != (covs is None):
        raise ValueError("pass both means and covs, or neither (then both are estimated)")
    if means is not None:
        means, covs = _check_model(means, covs, p)
    K = _check_classes(y, None if means is None else means.shape[0])
    J = np.zeros((n, K))
    J[np.arange(n), y] = 1.0
    counts = J.sum(axis=0)
    props = counts / n
    tau_0 = tau0(X)

    estimated = means is None
    if estimated:
        if np.any(counts < 4):
            raise ValueError(f"estimating covariances needs at least 4 samples per class, got class sizes "
                             f"{counts.astype(int).tolist()}")
        mu_x = (X @ J) / counts          # (p, K) class means in x units
        Omega = X - mu_x[:, y]            # (p, n) omega_i = x_i - mean of its class
        sq = np.sum(Omega * Omega, axis=0)
        # E||omega_i||^2 with the sample mean removed is (1 - 1/n_a) tr(C_a)/p
        trC = np.array([sq[y == a].sum() / (counts[a] - 1) for a in range(K)])
        T = np.empty((K, K))
        for a in range(K):
            Oa = Omega[:, y == a]
            for b in range(a, K):
                G = Oa.T @ Omega[:, y == b]
                T[a, b] = T[b, a] = p * (_trace_square_u(G) if a == b else _trace_cross_u(G))
        psi = sq * (counts / (counts - 1))[y] - trC[y]
    else:
        if covs.ndim == 2:
            trC = covs.mean(axis=1)
            T = (covs @ covs.T) / p
        else:
            trC = np.trace(covs, axis1=1, axis2=2) / p
            flat = covs.reshape(K, -1)
            T = (flat @ np.transpose(covs, (0, 2, 1)).reshape(K, -1).T) / p
        Omega = X - (means.T / np.sqrt(p))[:, y]
        psi = np.sum(Omega * Omega, axis=0) - trC[y]
    trC0 = float(props @ trC)
    t = (trC - trC0) * np.sqrt(p)
    return MixtureStats(tau0=tau_0, tau0_model=float(np.sqrt(trC0)), t=t, T=T, psi=psi, J=J, trC=trC, p=p,
                        estimated=estimated, sq_norms=np.sum(X * X, axis=0))


@dataclass(frozen=True)
class StatsSpread:
    """Sample standard deviations (ddof 1) of statistics estimated from X and y alone, over fresh draws of
    one mixture: tau0: float; t: (K,); T: (K, K); draws: how many draws."""

    tau0: float
    t: np.ndarray
    T: np.ndarray
    draws: int


def stats_spread(case: str, n: int, p: int, n_classes: int, seeds) -> StatsSpread:
    """How well n samples pin down the statistics of :func:`mixture_stats`: the standard deviations of
    tau0, t and T, estimated from X and y alone (as for real data), over one fresh draw of
    ``gmm(case, n, p, n_classes, seed=s)`` for each of ``seeds`` (at least 2, distinct).  An estimate
    from one draw lies about that far from the model's value."""
    seeds = checks.as_list("seeds", seeds)
    seeds = [checks.seed(f"seeds[{i}]", s) for i, s in enumerate(seeds)]
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must hold at least 2 distinct seeds (a spread needs two draws), got {seeds}")
    draws = [mixture_stats(sample.X, sample.y)
             for sample in (gmm(case, n, p, n_classes, seed=s) for s in seeds)]
    return StatsSpread(tau0=float(np.std([d.tau0 for d in draws], ddof=1)),
                       t=np.std([d.t for d in draws], axis=0, ddof=1),
                       T=np.std([d.T for d in draws], axis=0, ddof=1), draws=len(seeds))


@dataclass(frozen=True)
class PsiSpread:
    """The spread of the norm fluctuations psi against the one Gaussian classes predict.

    measured: std of psi over the n samples; predicted: sqrt(2 sum_a (n_a/n) T_aa / p); se: the
    standard error of measured (delta method: measured * sqrt((kurtosis - 1) / (4 n)), with the sample
    kurtosis of psi, so it holds for a mixture of classes with different spreads); z = (measured -
    predicted) / se.
    """

    measured: float
    predicted: float
    se: float
    z: float


def check_stats(name: str, stats) -> MixtureStats:
    """``stats`` unchanged if it is a :class:`MixtureStats`, else ValueError naming the argument."""
    if not isinstance(stats, MixtureStats):
        raise ValueError(f"{name} must be a MixtureStats (from nl.data.mixture_stats), got {type(stats).__name__}")
    return stats


def psi_spread(stats: MixtureStats, T=None) -> PsiSpread:
    """Compare the standard deviation of stats.psi: (n,) with its Gaussian prediction.

    For z ~ N(0, C_a), Var ||z||^2 = 2 tr(C_a^2), so psi_i = ||z_i||^2/p - tr(C_a)/p has variance
    2 T_aa / p: psi is of order 1/sqrt(p), and pooled over the classes (psi has mean zero in each) its
    standard deviation is sqrt(2 sum_a (n_a/n) T_aa / p).  T: (K, K) covariance overlaps to predict
    from (default stats.T; pass a model's T to test estimated psi against the model).  Needs stats.p
    and at least 4 samples.
    """
    if not isinstance(stats, MixtureStats):
        raise TypeError(f"stats must be a MixtureStats (from mixture_stats), got {type(stats).__name__}")
    if stats.p is None:
        raise ValueError("stats.p is None: psi_spread needs the data's dimension p (use mixture_stats)")
    K = stats.J.shape[1]
    T = stats.T if T is None else checks.finite_matrix("T", T)
    if T.shape != (K, K):
        raise ValueError(f"T must be (K, K) = ({K}, {K}) for the {K} classes of stats, got {T.shape}")
    if np.any(np.diag(T) < 0):
        raise ValueError(f"T's diagonal (tr(C_a^2)/p) must be non-negative, got {np.diag(T).tolist()}")
    psi = checks.finite_matrix("stats.psi", stats.psi, ndim=1)
    n = psi.size
    if n < 4:
        raise ValueError(f"stats.psi needs at least 4 samples for a standard error, got {n}")
    props = stats.J.sum(axis=0) / n
    measured = float(psi.std())
    predicted = float(np.sqrt(2 * props @ np.diag(T) / stats.p))
    centred = psi - psi.mean()
    kurtosis = float(np.mean(centred ** 4) / np.mean(centred ** 2) ** 2) if measured > 0 else 3.0
    se = measured * np.sqrt(max(kurtosis - 1, 0.0) / (4 * n))
    if se > 0:
        z = (measured - predicted) / se
    else:   # psi is constant: its std is exactly 0, so any other prediction is infinitely far off
        z = 0.0 if measured == predicted else float(np.copysign(np.inf, measured - predicted))
    return PsiSpread(measured=measured, predicted=predicted, se=float(se), z=float(z))


def class_means_removed(X, y) -> np.ndarray:
    """X: (p, n) with each sample's class mean subtracted, x_i - mean{x_j : y_j = y_i}: (p, n).

    What is left is the scatter within each class.  Diagnosing the closed form, its error on this
    against its error on X says how much of it the class means carry (see the CIFAR-10 chapter).
    Labels need not cover 0..K-1; a class of one sample becomes a zero column."""
    X, y = checks.data_and_labels(X, y)
    out = X.copy()
    for a in np.unique(y):
        cols = y == a
        out[:, cols] -= X[:, cols].mean(axis=1, keepdims=True)
    return out


def normalize(X_raw) -> np.ndarray:
    """Bring raw data X_raw: (p, n) to the paper's scale (THEORY.md section 1).

    Subtract the global mean (over samples), scale so the mean squared norm of the centred columns
    is p, then divide by sqrt(p): the result has mean squared column norm exactly 1 (tau0 = 1).
    """
    X = checks.finite_matrix("X_raw", X_raw)
    Xc = X - X.mean(axis=1, keepdims=True)
    scale = rms_column_norm(Xc)
    if scale == 0:
        raise ValueError("X_raw has zero variance after centring; cannot normalize")
    return Xc / scale
