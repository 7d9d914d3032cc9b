"""Experiments on spectral equivalence (THEORY.md section 3): reusable pieces of the theory and
spectral-equivalence chapters.

- checks of the theory: Monte Carlo Gaussian moments (:func:`moments_monte_carlo`; over many seeds,
  :func:`moment_z_scores`), the alpha/beta coefficients read off the exact limit kernel by finite
  differences (:func:`coefficients_by_differentiation`),
  activations with prescribed moments (:func:`matched_step`, :func:`hermite_surrogate`);
- kernels side by side: limit, closed form and empirical (:func:`kernel_triplet`), spectra with their
  isolated eigenvalues (:func:`summarize`), eigenvector alignment;
- the measured form of the theorem: relative spectral error against n = p (:func:`error_vs_dimension`)
  and its log-log slope (:func:`loglog_slope`); a sweep stored as JSON and read back
  (:func:`sweep_to_record`, :func:`sweep_from_record`, :func:`read_sweep_record`);
- real data brought to the model (:func:`two_class_matrix`, :func:`gaussian_twin`, :func:`isotropic_twin`,
  :func:`covariance_spikiness`); universality over weight laws (:func:`weight_law_errors`,
  :func:`random_rotation`);
- speed: kernels from a precomputed Gram matrix (:func:`limit_kernel_from_gram`,
  :func:`tilde_kernel_from_gram`); :func:`html_table` for the notebooks.

Shapes: data X: (p, n) (one column per sample), labels y: (n,), kernels (n, n).
"""
from __future__ import annotations

import json
import math
import numbers
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch
from scipy.sparse.linalg import eigsh

from . import activations as A
from . import checks, comparison, data, datasets, kernels, spectra

KINDS = ("ck", "ntk")


def _kind(kind: str) -> str:
    return checks.one_of("kind", kind, set(KINDS))


def derived_seed(seed: int, size: int, repeat: int) -> int:
    """A reproducible 32-bit seed for the repeat ``repeat`` at size ``size`` of an experiment seeded with
    ``seed`` (size and repeat non-negative integers): distinct (size, repeat) pairs give distinct, independent
    streams, and the same ones on every run.  Both are required: ``SeedSequence`` pads its entropy with
    zeros, so a key list of another length would give the stream of (size, 0) or (0, 0)."""
    size = checks.non_negative_int("size", size)
    repeat = checks.non_negative_int("repeat", repeat)
    return int(np.random.SeedSequence([checks.seed("seed", seed), size, repeat]).generate_state(1)[0])


def limit_kernel(X, acts, kind: str = "ck", tau0=None) -> np.ndarray:
    """``kernels.ck_limit`` or ``kernels.ntk_limit`` of X: (p, n), chosen by ``kind``."""
    fn = kernels.ck_limit if _kind(kind) == "ck" else kernels.ntk_limit
    return fn(X, acts, tau0=tau0)


def tilde_kernel(X, y, acts, kind: str = "ck", means=None, covs=None, stats=None,
                 identity: str = "theory") -> np.ndarray:
    """``kernels.ck_tilde`` or ``kernels.ntk_tilde`` (closed forms of Theorems 1-2): (n, n)."""
    fn = kernels.ck_tilde if _kind(kind) == "ck" else kernels.ntk_tilde
    return fn(X, y, acts, means=means, covs=covs, stats=stats, identity=identity)


def limit_kernel_from_gram(G, acts, kind: str = "ck", tau0=None) -> np.ndarray:
    """The limit kernel from the Gram matrix G = X^T X: (n, n) instead of X (same result as
    :func:`limit_kernel`; the layer maps see the data only through G, so a sweep over several networks
    on the same data forms X^T X once).  tau0 defaults to sqrt(mean(diag G))."""
    # kernels.limit_from_gram checks G (finite, square, symmetric, a covariance)
    return kernels.limit_from_gram(G, acts, tau0, ntk=_kind(kind) == "ntk")


def tilde_kernel_from_gram(G, stats, p: int, acts, kind: str = "ck", identity: str = "theory") -> np.ndarray:
    """The closed form from G = X^T X: (n, n), the data's :class:`~ntklc_lib.data.MixtureStats` and the
    dimension p (same result as :func:`tilde_kernel` with ``stats``).

    K~ = c1 G + V A V^T + c0 I with V = [J/sqrt(p), psi] and A built from (c2, c3) and t, T
    (THEORY.md section 3); c = alpha_L (CK) or beta_L (NTK).
    """
    kind = _kind(kind)
    p = checks.positive_int("p", p)
    # a Gram matrix is symmetric; structured_from_gram would carry an asymmetric G into K~ unchanged
    G = checks.symmetric_matrix("G", G)
    n = G.shape[0]
    data.check_stats("stats", stats)
    if stats.psi.shape[0] != n:
        raise ValueError(f"G must be (n, n) with n = len(stats.psi) = {stats.psi.shape[0]}, got {G.shape}")
    # stats of other data would give a wrong kernel without a word: their scale must be this G's
    kernels.check_stats_scale(stats, float(np.sqrt(np.mean(np.diagonal(G)))), "sqrt(mean(diag G)) =",
                              "the data G was formed from")
    kernels.check_stats_norms(stats, np.diagonal(G).copy(), "diag G (the squared column norms)",
                              "the data G was formed from")
    return kernels.structured_from_gram(G, p, stats, *kernels.tilde_coefficients(acts, stats.tau0, kind, identity))


def empirical_kernel(X, acts, widths, kind: str = "ck", draws: int = 1, weights: str = "gaussian",
                     sparsity: float = 0.0, seed: int = 0) -> np.ndarray:
    """``kernels.ck_empirical`` or ``kernels.ntk_empirical`` averaged over ``draws`` random nets: (n, n)."""
    fn = kernels.ck_empirical if _kind(kind) == "ck" else kernels.ntk_empirical
    return fn(X, acts, widths, draws=draws, weights=weights, sparsity=sparsity, seed=seed)


# --------------------------------------------------------------------------------------------
# checks of the theory
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MonteCarloMoments:
    """Monte Carlo estimates of the moments of the centred activation at scale tau, with standard errors.

    d1 = E[xi sigma]/tau, d2 = E[(xi^2 - 1) sigma]/tau^2, d3 = E[(xi^2 - 1) sigma^2]/tau^2 (Stein's lemma,
    so step functions are covered), dd = E sigma'^2 (nan without a derivative), var = E sigma^2;
    ``*_se``: one standard error of each; n_samples: number of draws of xi.
    """

    tau: float
    n_samples: int
    d1: float
    d2: float
    d3: float
    dd: float
    var: float
    d1_se: float
    d2_se: float
    d3_se: float
    dd_se: float
    var_se: float


def moments_monte_carlo(act, tau: float, n_samples: int = 1_000_000, seed: int = 0) -> MonteCarloMoments:
    """Estimate d1, d2, d3, dd and Var of sigma = f - E f(tau xi) from ``n_samples`` draws of xi ~ N(0, 1).

    Independent of the closed forms and quadrature of ``activations.moments``: only f (and f' for dd)
    is evaluated.  The centring constant is the sample mean of f(tau xi).
    """
    act = A.get(act)
    tau = A.check_tau(tau, "tau", scalar=True)
    n_samples = checks.positive_int("n_samples", n_samples)
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 (a standard error needs two draws), got {n_samples}")
    rng = np.random.default_rng(checks.seed("seed", seed))
    xi = rng.standard_normal(n_samples)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        sigma = np.asarray(act.fn(tau * xi), dtype=np.float64)
    bad = ~np.isfinite(sigma)
    if bad.any():
        # the sample moments would be NaN, and a z-score of NaN compares as "not large"
        raise ValueError(f"activation {act.name!r} is not finite at {int(bad.sum())} of {n_samples} draws "
                         f"t = tau xi (e.g. f({float(tau * xi[bad][0]):.4g}) = {float(sigma[bad][0])}): the "
                         f"Gaussian moments need f finite on the real line")
    sigma = sigma - sigma.mean()
    he2 = xi * xi - 1

    def est(terms):
        return float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(n_samples))

    d1, d1_se = est(xi * sigma / tau)
    d2, d2_se = est(he2 * sigma / tau**2)
    d3, _ = est(he2 * sigma * sigma / tau**2)
    # sigma is centred by the sample mean of f, and d3 moves with it: shifting f by c changes the
    # estimate by -2 c d2 (to first order), so d3's standard error comes from the terms with that
    # influence added (their mean is d3 exactly: sigma sums to zero).  d1, d2 and var do not move
    # with the centring to first order (E xi = E he2 = E sigma = 0).
    _, d3_se = est(he2 * sigma * sigma / tau**2 - 2.0 * d2 * sigma)
    var, var_se = est(sigma * sigma)
    if act.deriv is None:
        dd, dd_se = float("nan"), float("nan")
    else:
        dd, dd_se = est(act.deriv(tau * xi) ** 2)
    return MonteCarloMoments(tau=tau, n_samples=n_samples, d1=d1, d2=d2, d3=d3, dd=dd, var=var,
                             d1_se=d1_se, d2_se=d2_se, d3_se=d3_se, dd_se=dd_se, var_se=var_se)


MOMENT_NAMES = ("d1", "d2", "d3", "dd", "var")


@dataclass(frozen=True)
class MomentZScores:
    """Monte Carlo moments against reference values, over independent draws of xi.

    names: the moments compared (of :data:`MOMENT_NAMES`, those with a finite reference and estimate; a
    step function has no dd); z: (n_repeats, len(names)), z[r, k] = (estimate - reference) / standard
    error for draw r (seed seeds[r]) of ``n_samples`` values of xi.  If the reference is right and the
    standard errors are, each column is close to N(0, 1) draws: mean near 0, std near 1.
    """

    names: tuple
    z: np.ndarray
    seeds: tuple
    n_samples: int

    @property
    def mean(self) -> np.ndarray:
        """(len(names),) mean z over the draws."""
        return self.z.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """(len(names),) standard deviation of z over the draws (ddof = 1); near 1 when calibrated."""
        return self.z.std(axis=0, ddof=1)

    @property
    def pooled(self) -> np.ndarray:
        """(len(names),) z of all draws together, sqrt(n_repeats) * mean: the draws are independent and
        of equal size, so this is ~N(0, 1) when the reference is right, and grows as sqrt(n_repeats)
        times the bias (in standard errors of one draw) when it is not."""
        return math.sqrt(self.z.shape[0]) * self.mean


def moment_z_scores(act, tau: float, seeds: Sequence[int], n_samples: int = 1_000_000,
                    reference=None) -> MomentZScores:
    """z-scores of :func:`moments_monte_carlo` at scale tau against ``reference`` (default: the library's
    ``activations.moments(act, tau)``), one row per seed in ``seeds`` (distinct, at least two).

    A single z of 3.5 can be a rare draw or a wrong formula; over many seeds the two differ: a wrong
    reference shifts the mean of z, miscalibrated standard errors change its spread.
    """
    act = A.get(act)
    tau = A.check_tau(tau, "tau", scalar=True)
    seeds = tuple(checks.list_of("seeds", seeds, checks.seed))
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must hold at least two distinct seeds (a spread needs two independent "
                         f"draws), got {list(seeds)}")
    ref = A.moments(act, tau) if reference is None else reference
    for key in MOMENT_NAMES:
        if not hasattr(ref, key):
            raise ValueError(f"reference must have the fields {MOMENT_NAMES} (like activations.moments), "
                             f"it has no {key!r}")
    draws = [moments_monte_carlo(act, tau, n_samples=n_samples, seed=s) for s in seeds]
    names = tuple(k for k in MOMENT_NAMES
                  if np.isfinite(float(getattr(ref, k))) and np.isfinite(getattr(draws[0], k)))
    if not names:
        raise ValueError(f"no moment to compare: the reference or the estimate of each of {MOMENT_NAMES} is "
                         f"not finite (reference {[float(getattr(ref, k)) for k in MOMENT_NAMES]})")
    z = np.zeros((len(seeds), len(names)))
    for r, mc in enumerate(draws):
        for j, k in enumerate(names):
            ref_k = float(getattr(ref, k))
            diff, se = getattr(mc, k) - ref_k, getattr(mc, k + "_se")
            if se > 0:
                z[r, j] = diff / se
            else:
                # a constant integrand (dd of a linear activation) makes the estimate exact: a
                # difference beyond rounding is infinitely many standard errors
                z[r, j] = 0.0 if abs(diff) <= 1e-12 * (1 + abs(ref_k)) else math.copysign(math.inf, diff)
    return MomentZScores(names=names, z=z, seeds=seeds, n_samples=draws[0].n_samples)


@dataclass(frozen=True)
class ProbedCoefficients:
    """Coefficients read off the limit kernel of two inputs by finite differences.

    coef: (4,) (alpha_L1..alpha_L4) for the CK, (3,) (beta_L1..beta_L3) for the NTK; diag: the limit
    kernel's diagonal at ||x||^2 = tau_0^2 (tau_L^2 for the CK, kappa_L^2 for the NTK); h: the step.
    """

    kind: str
    coef: np.ndarray
    diag: float
    h: float


def _two_inputs(tau0: float, c: float, da: float, db: float) -> np.ndarray:
    """X: (2, 2) whose Gram matrix is [[tau0^2 + da, c], [c, tau0^2 + db]]."""
    G = np.array([[tau0**2 + da, c], [c, tau0**2 + db]])
    return np.linalg.cholesky(G).T


def coefficients_by_differentiation(acts, tau0: float = 1.0, kind: str = "ck", h: float = 1e-3) -> ProbedCoefficients:
    """Read alpha_L (CK) or beta_L (NTK) off the exact limit kernel of two inputs.

    The off-diagonal entry F(c, da, db) of the limit kernel for two inputs with squared norms
    tau_0^2 + da, tau_0^2 + db and inner product c expands as
    F = coef1 c + coef2 da db + coef3 c^2 + ..., and the diagonal as tau_L^2 + alpha_L4 da + ...
    (THEORY.md section 3), so central differences of step h give coef1 = dF/dc, coef3 = (1/2) d2F/dc2,
    coef2 = d2F/(da db), alpha_L4 = d K_11/da; truncation error O(h^2).  The centring constants stay
    those of tau_0 (``tau0`` is passed to the limit kernel), as in a network fed data of scale tau_0.
    """
    kind = _kind(kind)
    tau0 = A.check_tau(tau0, "tau0", scalar=True)
    h = checks.positive_float("h", h)
    if h >= 0.1 * tau0**2:
        raise ValueError(f"h must be small against tau0^2 = {tau0**2:.4g} (h < 0.1 tau0^2), got {h!r}")
    acts = A.get_list(acts)

    def K(c, da=0.0, db=0.0):
        return limit_kernel(_two_inputs(tau0, c, da, db), acts, kind, tau0=tau0)

    f_plus, f_zero, f_minus = K(h)[0, 1], K(0.0)[0, 1], K(-h)[0, 1]
    first = (f_plus - f_minus) / (2 * h)
    second = (f_plus - 2 * f_zero + f_minus) / (2 * h * h)
    mixed = (K(0.0, h, h)[0, 1] - K(0.0, h, -h)[0, 1] - K(0.0, -h, h)[0, 1] + K(0.0, -h, -h)[0, 1]) / (4 * h * h)
    diag = float(K(0.0)[0, 0])
    if kind == "ck":
        slope = (K(0.0, h, 0.0)[0, 0] - K(0.0, -h, 0.0)[0, 0]) / (2 * h)
        coef = np.array([first, mixed, second, slope])
    else:
        coef = np.array([first, mixed, second])
    return ProbedCoefficients(kind=kind, coef=coef, diag=diag, h=h)


def matched_step(act, tau: float) -> A.Activation:
    """A two-valued activation b 1{t > s} with the same d1 and d2 as ``act`` at scale tau.

    For b 1{t > s}: d1 = (b/tau) phi(s/tau) and d2 = (b/tau^3) s phi(s/tau), so s = tau^2 d2/d1 and
    b = tau d1 / phi(s/tau).  Its variance b^2 P (1 - P) is whatever follows: it is generally not the
    original's tau_1^2 (THEORY.md section 4).  Needs d1 != 0.
    """
    tau = A.check_tau(tau, "tau", scalar=True)
    m = A.moments(act, tau)
    d1, d2 = float(m.d1), float(m.d2)
    if d1 == 0:
        raise ValueError(f"act has d1 = 0 at tau = {tau}: a single step cannot match it (use a symmetric ternary)")
    s = tau**2 * d2 / d1
    density = float(A.npdf(s / tau))
    # far out the density underflows and b = tau d1 / phi(s/tau) overflows: no step of finite height
    # reaches those moments (before: a division by zero and an error about non-finite thresholds)
    if not density > 0 or not math.isfinite(tau * d1 / density):
        raise ValueError(f"act's moments at tau = {tau:g} need a step at s/tau = {s / tau:.4g} of height "
                         f"tau d1 / phi(s/tau), which overflows: a single step b 1{{t > s}} cannot match "
                         f"d1 = {d1:.4g} and d2 = {d2:.4g} there (use a symmetric ternary)")
    b = tau * d1 / density
    return A.binary([(s, np.inf)], b, name="matched step")


def hermite_surrogate(act, tau: float, order: int = 4) -> A.Activation:
    """A polynomial with the d1, d2 and variance of ``act`` at scale tau:
    sigma(t) = d1 t + (d2/2)(t^2 - tau^2) + a tau He_k(t/tau), k = ``order`` >= 3.

    He_k (probabilists' Hermite) is orthogonal to x and x^2 - 1 under N(0, 1), so its term changes neither
    d1 nor d2 and only adds variance, a^2 tau^2 k!: a = sqrt((Var - d1^2 tau^2 - d2^2 tau^4 / 2) / (k! tau^2)).
    With one layer, the closed form K~ of the surrogate is exactly that of ``act`` (same alpha_1, d2^2 and
    tau_1^2).  An odd k = 3 also makes d1 depend on the scale, which the limit kernel feels at order
    1/sqrt(p) through the spread of the norms; k = 4 does not (ReLU has no odd Hermite terms above 1).
    """
    tau = A.check_tau(tau, "tau", scalar=True)
    order = checks.positive_int("order", order)
    if not 3 <= order <= 100:
        # orders 1 and 2 carry d1 and d2; beyond ~170, k! and He_k's coefficients overflow float64
        raise ValueError(f"order must lie in 3..100 (orders 1 and 2 carry d1 and d2), got {order}")
    m = A.moments(act, tau)
    d1, d2, var = float(m.d1), float(m.d2), float(m.var)
    rest = var - d1**2 * tau**2 - d2**2 * tau**4 / 2
    if rest < -1e-12 * var:
        raise ValueError("the activation's variance is below that of its first two Hermite terms (impossible)")
    a = math.sqrt(max(rest, 0.0) / (math.factorial(order) * tau**2))
    he = np.zeros(order + 1)
    he[order] = 1.0
    dhe = np.polynomial.hermite_e.hermeder(he)
    c2 = d2 / 2

    def fn(t):
        t = np.asarray(t, dtype=np.float64)
        return d1 * t + c2 * (t * t - tau**2) + a * tau * np.polynomial.hermite_e.hermeval(t / tau, he)

    def deriv(t):
        t = np.asarray(t, dtype=np.float64)
        return d1 + 2 * c2 * t + a * np.polynomial.hermite_e.hermeval(t / tau, dhe)

    # torch versions by the Clenshaw recursion numpy's hermeval runs, step for step: they agree with fn and
    # deriv to rounding at every order (the power basis lost all digits at |t| = 8 by order ~50)
    def _hermeval_torch(x, coefs):
        if len(coefs) == 1:
            return float(coefs[0]) + 0 * x
        c0, c1 = float(coefs[-2]), float(coefs[-1])
        nd = len(coefs)
        for i in range(3, len(coefs) + 1):
            nd -= 1
            c0, c1 = float(coefs[-i]) - c1 * (nd - 1), c0 + c1 * x
        return c0 + c1 * x

    def fn_torch(t):
        return d1 * t + c2 * (t * t - tau**2) + a * tau * _hermeval_torch(t / tau, he)

    def deriv_torch(t):
        return d1 + 2 * c2 * t + a * _hermeval_torch(t / tau, dhe)

    return A.custom(fn, deriv=deriv, fn_torch=fn_torch, deriv_torch=deriv_torch,
                    name=f"Hermite surrogate (He{order})")


# --------------------------------------------------------------------------------------------
# kernels side by side, spectra
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KernelTriplet:
    """The three kernels of one network on one data set, all (n, n).

    limit: infinite-width E_W kernel; tilde: closed form; empirical: average of ``draws`` finite random
    nets (None if not computed); errors: relative spectral-norm errors 'tilde_vs_limit',
    'empirical_vs_limit', 'tilde_vs_empirical' (the last two only with an empirical kernel).
    """

    kind: str
    limit: np.ndarray
    tilde: np.ndarray
    empirical: np.ndarray | None
    errors: dict


def kernel_triplet(X, y, acts, kind: str = "ck", widths=None, draws: int = 1, weights: str = "gaussian",
                   sparsity: float = 0.0, seed: int = 0, means=None, covs=None, stats=None,
                   identity: str = "theory") -> KernelTriplet:
    """Limit, closed-form and (if ``widths`` is given) empirical kernels of X: (p, n) with labels y: (n,).

    means/covs: the mixture's (unscaled, as ``data.gmm`` returns them), else estimated from X, y.
    """
    kind = _kind(kind)
    Kl = limit_kernel(X, acts, kind)
    Kt = tilde_kernel(X, y, acts, kind, means=means, covs=covs, stats=stats, identity=identity)
    errors = {"tilde_vs_limit": spectra.relative_error(Kt, Kl)}
    Ke = None
    if widths is not None:
        Ke = empirical_kernel(X, acts, widths, kind, draws=draws, weights=weights, sparsity=sparsity, seed=seed)
        errors["empirical_vs_limit"] = spectra.relative_error(Ke, Kl)
        errors["tilde_vs_empirical"] = spectra.relative_error(Kt, Ke)
    return KernelTriplet(kind=kind, limit=Kl, tilde=Kt, empirical=Ke, errors=errors)


def isolated_count(eigenvalues, max_count: int = 20, gap_factor: float = 20.0, reference: int = 50) -> int:
    """Number of eigenvalues: (n,) isolated above the bulk (the eigenvalues of a kernel, not the kernel).

    Sorted in decreasing order, eigenvalue k is counted (with all above it) when its gap to the next one
    exceeds ``gap_factor`` times the median gap of the ``reference`` eigenvalues that follow the top
    ``max_count`` (the typical spacing at the bulk's edge).  Spikes of a kernel of mixture data sit
    O(1) away from the bulk, whose spacing shrinks like 1/n, so the rule separates them at large n.
    """
    # 1-D only: a kernel matrix passed here by mistake (for summarize's K) was read as its n^2 entries
    ev = np.sort(checks.finite_matrix("eigenvalues", eigenvalues, ndim=1))[::-1]
    max_count = checks.positive_int("max_count", max_count)
    gap_factor = checks.positive_float("gap_factor", gap_factor)
    reference = checks.positive_int("reference", reference)
    if ev.size < max_count + 3:
        raise ValueError(f"eigenvalues must have at least max_count + 3 = {max_count + 3} entries, got {ev.size}")
    gaps = -np.diff(ev)
    ref = gaps[max_count:max_count + reference]
    spacing = float(np.median(ref))
    if spacing <= 0:
        spacing = float(np.mean(ref)) or np.finfo(float).tiny
    big = np.flatnonzero(gaps[:max_count] > gap_factor * spacing)
    return int(big[-1] + 1) if big.size else 0


@dataclass(frozen=True)
class SpectralSummary:
    """eigenvalues: (n,) ascending; vectors: (n, top) leading eigenvectors (last = largest), signs fixed;
    n_isolated: count from :func:`isolated_count`; bulk_edge: the largest eigenvalue not isolated."""

    eigenvalues: np.ndarray
    vectors: np.ndarray
    n_isolated: int
    bulk_edge: float

    @property
    def isolated(self) -> np.ndarray:
        """The isolated eigenvalues, decreasing."""
        return self.eigenvalues[::-1][: self.n_isolated]


def summarize(K, top: int = 3, max_count: int = 20, gap_factor: float = 20.0) -> SpectralSummary:
    """All eigenvalues of a kernel K: (n, n), its ``top`` leading eigenvectors and its spikes.

    Eigenvalues come from ``eigvalsh`` and the few eigenvectors from Lanczos with a fixed start (several
    times cheaper than a full ``eigh`` at n in the thousands, and reproducible); signs are fixed as in
    ``spectra.spectrum`` (entry of largest magnitude positive).  K must be symmetric up to rounding
    (``checks.symmetric_matrix``).
    """
    K = checks.symmetric_matrix("K", K)
    top = checks.positive_int("top", top)
    n = K.shape[0]
    if n < top + 3:
        raise ValueError(f"K must be at least (top + 3) x (top + 3) = {top + 3}, got n = {n}")
    Ks = 0.5 * (K + K.T)
    vals = np.linalg.eigvalsh(Ks)
    if n <= 200:
        V = np.linalg.eigh(Ks)[1][:, -top:]
    else:
        w, V = eigsh(Ks, k=top, which="LA", v0=np.ones(n) / math.sqrt(n), tol=1e-12)
        V = V[:, np.argsort(w)]
    idx = np.argmax(np.abs(V), axis=0)
    V = V * np.sign(V[idx, np.arange(V.shape[1])])
    n_iso = isolated_count(vals, max_count=min(max_count, n - 3), gap_factor=gap_factor)
    edge = float(vals[::-1][n_iso])
    return SpectralSummary(eigenvalues=vals, vectors=V, n_isolated=n_iso, bulk_edge=edge)


def eigenvector_alignment(V, V_ref) -> np.ndarray:
    """|<v_k, v_ref_k>| for matching columns of V, V_ref: (n, k) unit vectors -> (k,) in [0, 1].

    Columns whose norm is off 1 by more than 1e-6 raise ValueError naming the argument (their overlap could
    exceed 1 and would not be the cosine); eigenvectors from ``np.linalg.eigh`` or ``spectra.spectrum`` are
    unit to rounding."""
    V = checks.finite_matrix("V", V)
    V_ref = checks.finite_matrix("V_ref", V_ref)
    if V.shape != V_ref.shape:
        raise ValueError(f"V and V_ref must have the same shape, got {V.shape} and {V_ref.shape}")
    for name, M in (("V", V), ("V_ref", V_ref)):
        norms = np.linalg.norm(M, axis=0)
        off = np.flatnonzero(np.abs(norms - 1.0) > 1e-6)
        if off.size:
            raise ValueError(f"{name} must have unit columns (eigenvectors), but column {int(off[0])} has norm "
                             f"{norms[off[0]]:.6g}: normalize the columns")
    return np.abs(np.sum(V * V_ref, axis=0))


def common_bins(eigenvalue_sets, bins: int = 60, upper: float | None = None) -> np.ndarray:
    """Histogram edges shared by several spectra (so their histograms overlay); ``upper`` cuts off the
    isolated eigenvalues, which would otherwise squeeze the bulk into a few bins."""
    bins = checks.positive_int("bins", bins)
    sets = [np.asarray(e, dtype=np.float64).ravel() for e in eigenvalue_sets]
    allv = np.concatenate(sets) if sets else np.zeros(0)
    if allv.size == 0:
        raise ValueError("eigenvalue_sets must hold at least one eigenvalue")
    if not np.all(np.isfinite(allv)):
        raise ValueError(f"eigenvalue_sets contains {int(np.sum(~np.isfinite(allv)))} non-finite entries (NaN or inf)")
    if upper is not None and (isinstance(upper, bool) or not isinstance(upper, numbers.Real)
                              or not math.isfinite(upper)):
        raise ValueError(f"upper must be a finite number or None, got {upper!r}")
    lo = float(allv.min())
    hi = float(allv.max()) if upper is None else float(upper)
    if not hi > lo:
        raise ValueError(f"upper must exceed the smallest eigenvalue {lo:.4g}, got {upper!r}")
    return np.linspace(lo, hi, bins + 1)


# --------------------------------------------------------------------------------------------
# the measured form of the theorem: error against dimension
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogLogFit:
    """Least-squares line log(error) = intercept + slope log(n); slope_se: its standard error
    (nan with two points); dof: its degrees of freedom, points - 2."""

    slope: float
    intercept: float
    slope_se: float
    dof: int = 0

    def predict(self, sizes) -> np.ndarray:
        return np.exp(self.intercept) * np.asarray(sizes, dtype=np.float64) ** self.slope

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """(lo, hi): the slope's confidence interval, Student's t on dof degrees of freedom
        (nan bounds when dof = 0: a line through two points has no standard error)."""
        critical = comparison.t_critical(self.dof, level)
        if math.isinf(critical):
            return float("nan"), float("nan")
        return self.slope - critical * self.slope_se, self.slope + critical * self.slope_se

    def against(self, reference: float, level: float = 0.95) -> str:
        """"steeper" / "flatter" when the whole interval lies below / above ``reference`` (e.g. -0.5),
        "unresolved" when it holds it or there is no interval."""
        lo, hi = self.interval(level)
        if hi < reference:
            return "steeper"
        if lo > reference:
            return "flatter"
        return "unresolved"


def loglog_slope(sizes, errors) -> LogLogFit:
    """Fit error ~ C n^slope by least squares on (log n, log error); sizes, errors: (m,) with m >= 2."""
    x = np.asarray(sizes, dtype=np.float64)
    e = np.asarray(errors, dtype=np.float64)
    if x.ndim != 1 or e.ndim != 1:
        # a (sizes x repeats) table flattened against its sizes would pair the wrong values
        raise ValueError(f"sizes and errors must be 1-D, one error per size, got shapes {x.shape} and {e.shape}")
    if x.size != e.size:
        raise ValueError(f"sizes and errors must have the same length, got {x.size} and {e.size}")
    if x.size < 2 or np.unique(x).size < 2:
        raise ValueError(f"sizes must hold at least two distinct values, got {x.tolist()}")
    if np.any(~np.isfinite(x)) or np.any(x <= 0):
        raise ValueError("sizes must be finite and > 0")
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise ValueError("errors must be finite and > 0 (a log-log fit needs positive values)")
    lx, le = np.log(x), np.log(e)
    D = np.column_stack([np.ones_like(lx), lx])
    coef, *_ = np.linalg.lstsq(D, le, rcond=None)
    se = float("nan")
    if x.size > 2:
        resid = le - D @ coef
        s2 = float(resid @ resid) / (x.size - 2)
        se = math.sqrt(s2 / float(np.sum((lx - lx.mean()) ** 2)))
    return LogLogFit(slope=float(coef[1]), intercept=float(coef[0]), slope_se=se, dof=int(x.size - 2))


def slope_gap(fit_a: LogLogFit, fit_b: LogLogFit, level: float = 0.95) -> comparison.GapTest:
    """fit_a.slope - fit_b.slope for two fits to independent data: its standard error hypot(se_a, se_b),
    the Welch-Satterthwaite degrees of freedom of the two slope variances (each on its fit's points - 2)
    and whether the difference lies beyond the noise at ``level`` (:func:`comparison.gap_beyond_noise`).
    A line through two points has no standard error: se and dof nan, side 0."""
    for name, fit in (("fit_a", fit_a), ("fit_b", fit_b)):
        if not isinstance(fit, LogLogFit):
            raise ValueError(f"{name} must be a LogLogFit (from loglog_slope), got {type(fit).__name__}")
    gap = fit_a.slope - fit_b.slope
    if min(fit_a.dof, fit_b.dof) < 1:
        return comparison.GapTest(gap, math.nan, math.nan, 0)
    se = math.hypot(fit_a.slope_se, fit_b.slope_se)
    dof = comparison.satterthwaite_dof([fit_a.slope_se ** 2, fit_b.slope_se ** 2], [fit_a.dof, fit_b.dof])
    return comparison.GapTest(gap, se, dof, comparison.gap_beyond_noise(gap, se, dof, level))


@dataclass(frozen=True)
class ErrorSweep:
    """Relative spectral error ||K - K~|| / ||K|| (K: exact limit kernel) against n = p.

    sizes: (m,) sample sizes n (p = round(p_over_n n)); labels: one per network; errors: (len(labels), m)
    mean over repeats; errors_all: (len(labels), m, repeats); seconds: (m,) wall-clock time per size
    (all networks and repeats; not reproducible, unlike everything else); mean_scale: factor applied
    to the case's class means (1 = the paper's mixture).
    """

    kind: str
    case: str
    n_classes: int
    p_over_n: float
    seed: int
    sizes: tuple
    labels: tuple
    errors: np.ndarray
    errors_all: np.ndarray
    seconds: np.ndarray
    mean_scale: float = 1.0

    def _row(self, label: str) -> int:
        if label not in self.labels:
            raise ValueError(f"label must be one of {list(self.labels)}, got {label!r}")
        return self.labels.index(label)

    def fit(self, label: str) -> LogLogFit:
        """Log-log slope of the error of network ``label`` (mean over repeats) against n."""
        return loglog_slope(self.sizes, self.errors[self._row(label)])

    def draw_slopes(self, label: str) -> np.ndarray:
        """(repeats,) log-log slope of network ``label`` fitted to each repeat's data draws on its own:
        their spread is the slope's variability from one draw of the data to the next."""
        e = self.errors_all[self._row(label)]
        return np.array([loglog_slope(self.sizes, e[:, r]).slope for r in range(e.shape[1])])

    def local_slopes(self, label: str) -> np.ndarray:
        """(m - 1,) slope of the mean error of network ``label`` between consecutive sizes: where terms
        faster than the leading rate die out as n grows, these flatten towards it."""
        e = self.errors[self._row(label)]
        return np.array([loglog_slope(self.sizes[i:i + 2], e[i:i + 2]).slope for i in range(len(self.sizes) - 1)])


_RECORD_FIELDS = ("kind", "case", "n_classes", "p_over_n", "seed", "mean_scale", "sizes", "labels",
                  "errors_all", "seconds")


def sweep_to_record(sweep: ErrorSweep) -> dict:
    """A JSON-ready dict of ``sweep`` (plain lists and numbers), read back by :func:`sweep_from_record`:
    how `benchmarks/error_rate.py --save` stores sizes a chapter cannot afford to run."""
    if not isinstance(sweep, ErrorSweep):
        raise TypeError(f"sweep must be an ErrorSweep, got {type(sweep).__name__}")
    return {"kind": sweep.kind, "case": sweep.case, "n_classes": int(sweep.n_classes),
            "p_over_n": float(sweep.p_over_n), "seed": int(sweep.seed), "mean_scale": float(sweep.mean_scale),
            "sizes": [int(n) for n in sweep.sizes], "labels": list(sweep.labels),
            "errors_all": np.asarray(sweep.errors_all, dtype=np.float64).tolist(),
            "seconds": np.asarray(sweep.seconds, dtype=np.float64).tolist()}


def sweep_from_record(record: Mapping) -> ErrorSweep:
    """The :class:`ErrorSweep` that :func:`sweep_to_record` wrote; errors is recomputed as the mean of
    errors_all over the repeats.  Raises ValueError naming the field that is missing or malformed."""
    if not isinstance(record, Mapping):
        raise TypeError(f"record must be a mapping (a JSON object), got {type(record).__name__}")
    missing = [k for k in _RECORD_FIELDS if k not in record]
    if missing:
        raise ValueError(f"record lacks the fields {missing} (sweep_to_record writes {list(_RECORD_FIELDS)})")
    checks.one_of("record['kind']", record["kind"], set(KINDS))
    checks.one_of("record['case']", record["case"], set(data.CASES))
    sizes = checks.positive_ints("record['sizes']", record["sizes"])
    if any(a >= b for a, b in zip(sizes, sizes[1:])):
        raise ValueError(f"record['sizes'] must be increasing (local slopes join neighbours), got {list(sizes)}")
    labels = record["labels"]
    if (not isinstance(labels, (list, tuple)) or not labels
            or not all(isinstance(label, str) for label in labels) or len(set(labels)) != len(labels)):
        raise ValueError(f"record['labels'] must be a non-empty list of distinct strings, got {labels!r}")
    try:
        errs = np.asarray(record["errors_all"], dtype=np.float64)
        seconds = np.asarray(record["seconds"], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"record['errors_all'] and record['seconds'] must be numeric arrays: {exc}") from None
    if errs.ndim != 3 or errs.shape[:2] != (len(labels), len(sizes)) or errs.shape[2] < 1:
        raise ValueError(f"record['errors_all'] must have shape (labels, sizes, repeats) = ({len(labels)}, "
                         f"{len(sizes)}, repeats >= 1), got {errs.shape}")
    if not np.all(np.isfinite(errs)) or np.any(errs <= 0):
        raise ValueError("record['errors_all'] must hold finite errors > 0")
    if seconds.shape != (len(sizes),):
        raise ValueError(f"record['seconds'] must have one entry per size ({len(sizes)}), got shape {seconds.shape}")
    return ErrorSweep(kind=record["kind"], case=record["case"],
                      n_classes=checks.positive_int("record['n_classes']", record["n_classes"]),
                      p_over_n=checks.positive_float("record['p_over_n']", record["p_over_n"]),
                      seed=checks.seed("record['seed']", record["seed"]), sizes=tuple(sizes), labels=tuple(labels),
                      errors=errs.mean(axis=2), errors_all=errs, seconds=seconds,
                      mean_scale=checks.in_range("record['mean_scale']", record["mean_scale"], 0.0, np.inf))


def read_sweep_record(path) -> tuple[ErrorSweep, str]:
    """(sweep, command) from a file that `benchmarks/error_rate.py --save` wrote: a JSON object with the
    command that made it and the sweep (:func:`sweep_to_record`).  Raises ValueError naming the path
    when the file is not such a record (not JSON, no "sweep" or "command"), FileNotFoundError when absent."""
    path = Path(checks.path("path", path))
    try:
        saved = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON ({exc}); benchmarks/error_rate.py --save writes the records "
                         "this reads") from None
    if not isinstance(saved, dict) or not isinstance(saved.get("sweep"), dict) \
            or not isinstance(saved.get("command"), str):
        raise ValueError(f"{path} is not a record of benchmarks/error_rate.py --save: it needs a 'command' "
                         "string and a 'sweep' object")
    return sweep_from_record(saved["sweep"]), saved["command"]


def error_vs_dimension(case: str, sizes: Sequence[int], acts: Mapping[str, Sequence], kind: str = "ck",
                       n_classes: int = 2, p_over_n: float = 1.0, seed: int = 0, repeats: int = 1,
                       stats: str = "model", identity: str = "theory", progress: bool = False,
                       mean_scale: float = 1.0) -> ErrorSweep:
    """For each n in ``sizes`` draw ``data.gmm(case, n, p = p_over_n n)`` and measure, for every network
    of ``acts`` (label -> list of per-layer activations), ||K_limit - K~|| / ||K_limit|| in spectral norm.

    All networks see the same data at a given size and repeat; each (size, repeat) has its own seed
    derived from ``seed``.  stats: "model" uses the mixture's true means and covariances in K~,
    "estimated" estimates them from the sample (as for real data).  progress: show a tqdm bar.
    mean_scale >= 0 multiplies the case's class means (0 keeps only the covariances: ``mixed`` with
    mean_scale 0 is ``var``), with the same noise draws, to see what the means contribute to the error.
    """
    kind = _kind(kind)
    checks.one_of("case", case, set(data.CASES))
    sizes = checks.positive_ints("sizes", sizes)
    if any(b <= a for a, b in zip(sizes, sizes[1:])):
        # local slopes join neighbours, and a record of the sweep must list its sizes in order
        raise ValueError(f"sizes must be increasing (distinct, smallest first), got {list(sizes)}")
    if not isinstance(acts, Mapping) or not acts:
        raise ValueError("acts must be a non-empty mapping label -> list of per-layer activations")
    nets = {str(k): A.get_list(v) for k, v in acts.items()}
    if kind == "ntk":
        for label, layers in nets.items():
            if not all(a.differentiable for a in layers):
                raise ValueError(f"acts[{label!r}] contains a step activation: its NTK does not exist "
                                 "(use kind='ck')")
    n_classes = checks.positive_int("n_classes", n_classes)
    p_over_n = checks.positive_float("p_over_n", p_over_n)
    seed = checks.seed("seed", seed)
    repeats = checks.positive_int("repeats", repeats)
    checks.one_of("stats", stats, {"model", "estimated"})
    checks.one_of("identity", identity, {"theory", "reference"})
    mean_scale = checks.in_range("mean_scale", mean_scale, 0.0, np.inf)
    labels = tuple(nets)
    errs = np.empty((len(labels), len(sizes), repeats))
    seconds = np.empty(len(sizes))
    it = range(len(sizes))
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc=f"{kind.upper()} error vs n", unit="size")
    for i in it:
        n = sizes[i]
        p = max(1, int(round(p_over_n * n)))
        start = time.perf_counter()
        means, covs = data.case_parameters(case, p, n_classes)
        for r in range(repeats):
            d = data.gmm(n=n, p=p, seed=derived_seed(seed, n, r), means=mean_scale * means, covs=covs)
            st = (data.mixture_stats(d.X, d.y, d.means, d.covs) if stats == "model"
                  else data.mixture_stats(d.X, d.y))
            G = kernels.gram(d.X)        # once per data set: every network below sees X only through it
            for j, label in enumerate(labels):
                Kl = limit_kernel_from_gram(G, nets[label], kind)
                Kt = tilde_kernel_from_gram(G, st, p, nets[label], kind, identity=identity)
                errs[j, i, r] = spectra.relative_error(Kt, Kl)
        seconds[i] = time.perf_counter() - start
    return ErrorSweep(kind=kind, case=case, n_classes=n_classes, p_over_n=p_over_n, seed=seed, sizes=sizes,
                      labels=labels, errors=errs.mean(axis=2), errors_all=errs, seconds=seconds,
                      mean_scale=mean_scale)


# --------------------------------------------------------------------------------------------
# real data
# --------------------------------------------------------------------------------------------

def two_class_matrix(images, labels, classes, n_per_class: int, seed: int = 0):
    """X: (p, n) normalized as THEORY.md section 1 (tau_0 = 1) and y: (n,) in {0, 1, ...}, from the
    ``n_per_class`` randomly chosen images of each class in ``classes`` (images: (N, ...), labels: (N,)),
    sorted by class."""
    classes = checks.list_of("classes", classes, checks.non_negative_int)
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise ValueError(f"classes must hold at least two distinct labels, got {classes!r}")
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim < 2 or labels.ndim != 1:
        raise ValueError(f"images must be (N, ...) with one image per row and labels (N,), got shapes "
                         f"{images.shape} and {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"images and labels must have the same length, got {images.shape[0]} and {labels.shape[0]}")
    imgs, y = datasets.take_classes(images, labels, classes, n_per_class, seed=checks.seed("seed", seed))
    return datasets.normalized_matrix(imgs), y


def gaussian_twin(X, y, seed: int = 0) -> np.ndarray:
    """A Gaussian mixture with exactly the class means and sample covariances of X: (p, n), y: (n,).

    Column i of class a is mu_a + Omega_a g / sqrt(n_a - 1), g ~ N(0, I_{n_a}), where Omega_a: (p, n_a)
    holds the class's centred samples: its covariance is Omega_a Omega_a^T / (n_a - 1), the sample
    covariance, without forming a p x p matrix.  Comparing K - K~ on X and on its twin separates what the
    mixture model misses (non-Gaussian classes) from finite-size effects.  Returns (p, n).
    """
    X, y = checks.data_and_labels(X, y)
    rng = np.random.default_rng(checks.seed("seed", seed))
    out = np.empty_like(X)
    for cols, mu, Om in _class_blocks(X, y):
        G = rng.standard_normal((cols.size, cols.size))
        out[:, cols] = mu + Om @ G / math.sqrt(cols.size - 1)
    return out


def _class_blocks(X: np.ndarray, y: np.ndarray):
    """Per class of y (in label order): column indices, class mean (p, 1) and centred samples (p, n_a)."""
    for a in np.unique(y):
        cols = np.flatnonzero(y == a)
        if cols.size < 2:
            raise ValueError(f"class {a} of y has {cols.size} sample; a covariance needs at least 2")
        Xa = X[:, cols]
        mu = Xa.mean(axis=1, keepdims=True)
        yield cols, mu, Xa - mu


def isotropic_twin(X, y, seed: int = 0) -> np.ndarray:
    """A Gaussian mixture with the class means of X: (p, n), y: (n,) and isotropic class covariances
    of the same trace: column i of class a is mu_a + sqrt(tr(C_a)/p) g, g ~ N(0, I_p), with C_a the
    sample covariance.  It keeps what the closed form reads from the data at leading order (means, t, T
    up to the spread of C_a's spectrum) and satisfies the model's ||C_a|| = O(1).  Returns (p, n)."""
    X, y = checks.data_and_labels(X, y)
    rng = np.random.default_rng(checks.seed("seed", seed))
    p = X.shape[0]
    out = np.empty_like(X)
    for cols, mu, Om in _class_blocks(X, y):
        scale = math.sqrt(float(np.sum(Om**2)) / (cols.size - 1) / p)
        out[:, cols] = mu + scale * rng.standard_normal((p, cols.size))
    return out


def covariance_spikiness(X, y) -> np.ndarray:
    """Largest eigenvalue of each class's sample covariance over its mean eigenvalue tr(C_a)/p: (K,).

    The mixture model assumes ||C_a|| = O(1) at tr(C_a)/p = O(1); for isotropic data the ratio is
    about (1 + sqrt(p/n_a))^2 (Marchenko-Pastur edge), for images it can be in the hundreds.
    """
    X, y = checks.data_and_labels(X, y)
    p = X.shape[0]
    out = []
    for a in np.unique(y):
        Xa = X[:, y == a]
        if Xa.shape[1] < 2:
            raise ValueError(f"class {a} of y has fewer than 2 samples")
        Om = Xa - Xa.mean(axis=1, keepdims=True)
        gram = Om.T @ Om / (Xa.shape[1] - 1)        # same non-zero eigenvalues as the p x p covariance
        ev = np.linalg.eigvalsh(gram)
        out.append(ev[-1] / (np.trace(gram) / p))
    return np.array(out)


def norm_spread_within_classes(X, y) -> float:
    """Standard deviation of the squared norms ||x_i||^2 about their class means, pooled over the classes.

    X: (p, n), one sample per column; y: (n,) class labels.  The mixture model needs ||x_i||^2 to
    concentrate around its class's value (psi of order 1/sqrt(p), THEORY.md section 1), not around one
    common value: classes with different traces tr(C_a)/p or mean norms spread the pooled norms without
    breaking that.  For Gaussian classes, Var ||x_i||^2 = (2 tr(C_a^2) + 4 mu_a^T C_a mu_a) / p^2 in the
    units x = (mu_a + z) / sqrt(p).  Needs two samples per class.
    """
    X, y = checks.data_and_labels(X, y)
    sq = np.sum(X * X, axis=0)
    dev = np.empty_like(sq)
    classes = np.unique(y)
    for a in classes:
        mask = y == a
        if np.count_nonzero(mask) < 2:
            raise ValueError(f"class {a} of y has fewer than 2 samples: no spread within it")
        dev[mask] = sq[mask] - sq[mask].mean()
    # ddof = number of class means estimated, so a Gaussian class gives an unbiased variance
    return float(np.sqrt(np.sum(dev * dev) / (sq.size - classes.size)))


# --------------------------------------------------------------------------------------------
# universality over weight laws
# --------------------------------------------------------------------------------------------

def random_rotation(p: int, seed: int = 0) -> np.ndarray:
    """A Haar-distributed orthogonal matrix (p, p): QR of a Gaussian matrix, signs fixed by diag(R) > 0."""
    p = checks.positive_int("p", p)
    rng = np.random.default_rng(checks.seed("seed", seed))
    Q, R = np.linalg.qr(rng.standard_normal((p, p)))
    return Q * np.sign(np.diag(R))[None, :]


@dataclass(frozen=True)
class WeightLawErrors:
    """Relative spectral errors ||K_emp - K_ref|| / ||K_ref|| of empirical CKs under several weight laws.

    labels: "gaussian", then "ternary eps=<sparsity>" per sparsity; sparsities: (len(labels),) with nan for
    Gaussian; errors: (len(labels), len(seeds)); seeds: the network seeds; eigenvalues: (len(labels), n)
    ascending eigenvalues of the first seed's kernel of each law (with ``keep_eigenvalues``), else None.
    """

    labels: tuple
    sparsities: np.ndarray
    errors: np.ndarray
    seeds: tuple
    eigenvalues: np.ndarray | None = None

    @property
    def mean(self) -> np.ndarray:
        return self.errors.mean(axis=1)


def weight_law_errors(X, acts, widths, sparsities, K_ref, seeds=(0, 1, 2), draws: int = 1,
                      keep_eigenvalues: bool = False) -> WeightLawErrors:
    """Empirical CK of X: (p, n) with Gaussian weights and with sparse ternary weights of each sparsity,
    each network seed in ``seeds``, compared with K_ref: (n, n) (normally the exact limit kernel)."""
    X = checks.finite_matrix("X", X)
    sp = checks.list_of("sparsities", sparsities, checks.sparsity)
    seeds = tuple(checks.list_of("seeds", seeds, checks.seed))
    K_ref = checks.finite_matrix("K_ref", K_ref)
    if K_ref.shape != (X.shape[1], X.shape[1]):
        raise ValueError(f"K_ref must be (n, n) = ({X.shape[1]}, {X.shape[1]}), got {K_ref.shape}")
    laws = [("gaussian", "gaussian", 0.0)] + [(f"ternary eps={s:g}", "ternary", s) for s in sp]
    errs = np.empty((len(laws), len(seeds)))
    eigs = np.empty((len(laws), X.shape[1])) if keep_eigenvalues else None
    for i, (_, weights, s) in enumerate(laws):
        for j, sd in enumerate(seeds):
            Ke = kernels.ck_empirical(X, acts, widths, draws=draws, weights=weights, sparsity=s, seed=sd)
            errs[i, j] = spectra.relative_error(Ke, K_ref)
            if keep_eigenvalues and j == 0:
                eigs[i] = np.linalg.eigvalsh(0.5 * (Ke + Ke.T))
    return WeightLawErrors(labels=tuple(l for l, _, _ in laws), sparsities=np.array([np.nan] + sp),
                           errors=errs, seeds=seeds, eigenvalues=eigs)


def html_table(columns: Sequence[str], rows: Sequence[Sequence], digits: int = 4) -> str:
    """An HTML table (for ``IPython.display.HTML``; renders in Jupyter and in the book alike): floats with
    ``digits`` significant digits, everything else as ``str``, all cells escaped."""
    import html

    digits = checks.positive_int("digits", digits)

    def cell(v):
        if isinstance(v, (float, np.floating)):
            return f"{float(v):.{digits}g}"          # also "inf" and "nan"
        return html.escape(str(v))

    pad = ' style="padding: 0.15em 0.8em"'      # inline, so the table reads the same in Jupyter and the book
    head = "".join(f"<th{pad}>{html.escape(str(c))}</th>" for c in columns)
    body = []
    for r in rows:
        if len(r) != len(columns):
            raise ValueError(f"every row must have {len(columns)} cells, got {len(r)}")
        body.append("<tr>" + "".join(f"<td{pad}>{cell(v)}</td>" for v in r) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
