"""The kernels of THEORY.md sections 2-3, all (n, n) for data X: (p, n).

- ``ck_tilde`` / ``ntk_tilde``: the paper's closed forms (identity coefficient of THEORY.md, not the
  research code's extra -alpha_L3 tau_0^4, which is available as ``identity="reference"`` for comparison);
- ``ck_limit`` / ``ntk_limit``: exact infinite-width kernels, layer by layer, each layer a 2-D Gaussian
  expectation of the previous kernel: closed forms where they exist (ReLU arc-cosine, leaky ReLU, erf,
  abs, sin, cos, polynomials, step functions: Mehler's series with exact coefficients where the
  correlation is small, Plackett's integral by quadrature elsewhere), otherwise a Mehler (Hermite) series with a
  certified truncation bound and a 2-D trapezoid rule for the pairs where the bound is not small
  enough (near duplicates); for activations with breakpoints (kinks, jumps) both use Gauss-Legendre
  pieces split there;
- ``ck_empirical`` / ``ntk_empirical``: finite random networks in torch (Gaussian or sparse ternary weights);
- ``gram``: X^T X, in column blocks for large n.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from . import activations as A
from . import checks, coefficients
from .data import MixtureStats, check_stats, mixture_stats, tau0 as data_tau0

_CHUNK = 1024          # rows per block: keeps temporaries at a few x 8 * 1024 * n bytes


# --------------------------------------------------------------------------------------------
# closed forms
# --------------------------------------------------------------------------------------------

def gram(X, block: int = 4096) -> np.ndarray:
    """X^T X: (n, n) for X: (p, n).

    Up to n = 2 block it is one product; beyond, ``block`` columns at a time.  Why: numpy 2.4.6 with its
    OpenBLAS 0.3.31 crashed (segmentation fault) on the single product X.T @ X for X of shape
    (12000, 16000) on the project's machine, while column blocks of 4096 gave the same matrix.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be a (p, n) matrix, got shape {X.shape}")
    if X.dtype.kind in "biu":
        # integer data (raw uint8 images) would wrap around in its own dtype: 200 * 200 * 784 is 0 in uint8
        X = X.astype(np.float64)
    elif X.dtype.kind != "f":
        raise ValueError(f"X must hold real numbers, got dtype {X.dtype}")
    block = checks.positive_int("block", block)
    n = X.shape[1]
    with np.errstate(over="ignore", invalid="ignore"):     # reported below, naming X
        if n <= 2 * block:
            G = X.T @ X
        else:
            G = np.empty((n, n), dtype=np.result_type(X.dtype, np.float64))
            for start in range(0, n, block):
                G[:, start:start + block] = X.T @ X[:, start:start + block]
    # G_ii = ||x_i||^2 is NaN or inf exactly when column i holds a NaN or inf (or overflows): an O(n) check
    # after the product instead of an O(pn) scan of X before it
    bad = np.flatnonzero(~np.isfinite(np.diagonal(G)))
    if bad.size:
        raise ValueError(f"X has {bad.size} column(s) with NaN or inf entries, or with a squared norm that "
                         f"overflows (first: column {int(bad[0])}); clean or rescale the data first")
    return G


def tilde_coefficients(acts, tau0: float, kind: str = "ck", identity: str = "theory") -> tuple:
    """(c1, c2, c3, ident) of the closed form: alpha_L1..3 and tau_L^2 - alpha_L1 tau_0^2 (kind "ck"),
    or beta_L1..3 and kappa_L^2 - beta_L1 tau_0^2 (kind "ntk"); identity "reference" subtracts the
    research code's extra c3 tau_0^4."""
    checks.one_of("kind", kind, {"ck", "ntk"})
    checks.one_of("identity", identity, {"theory", "reference"})
    if kind == "ck":
        c = coefficients.ck(acts, tau0)
        c1, c2, c3, _ = c.final
        ident = c.tau_L2 - c1 * tau0**2
    else:
        c = coefficients.ntk(acts, tau0)
        c1, c2, c3 = c.beta[-1]
        ident = c.kappa2[-1] - c1 * tau0**2
    if identity == "reference":
        ident -= c3 * tau0**4
    return c1, c2, c3, ident


def structured_from_gram(G: np.ndarray, p: int, st: MixtureStats, c1: float, c2: float, c3: float,
                         ident: float) -> np.ndarray:
    """c1 G + V A V^T + ident I: (n, n) from the Gram matrix G = X^T X: (n, n) of data in dimension p,
    with V = [J/sqrt(p), psi] and A built from (c2, c3) and t, T (THEORY.md section 3).  G is not changed."""
    st = check_stats("st", st)
    p = checks.positive_int("p", p)
    # finite: a NaN in G would come out as a NaN kernel without a word; symmetric: c1 G carries an
    # asymmetric G into the kernel unchanged (a Gram matrix X^T X is symmetric to rounding)
    G = checks.symmetric_matrix("G", G)
    if st.p is not None and st.p != p:
        raise ValueError(f"p = {p} differs from the dimension {st.p} the statistics were computed in")
    n = G.shape[0]
    if G.ndim != 2 or G.shape != (n, n) or st.psi.shape[0] != n:
        raise ValueError(f"G must be (n, n) with n = len(st.psi) = {st.psi.shape[0]}, got {G.shape}")
    for name, c in (("c1", c1), ("c2", c2), ("c3", c3), ("ident", ident)):
        checks.finite_number(name, float(c))
    t = st.t
    K = len(t)
    V = np.column_stack([st.J / np.sqrt(p), st.psi])
    Amat = np.zeros((K + 1, K + 1))
    Amat[:K, :K] = c2 * np.outer(t, t) + c3 * st.T
    Amat[:K, K] = Amat[K, :K] = c2 * t
    Amat[K, K] = c2
    out = c1 * G
    out += V @ Amat @ V.T
    out[np.diag_indices(n)] += ident
    return out


def _prepare(X, y, means, covs, stats):
    X, y = checks.data_and_labels(X, y)
    if stats is not None and (means is not None or covs is not None):
        # one of them would be ignored without a word
        raise ValueError("pass stats, or means and covs, not both (stats already hold the means and covariances)")
    st = check_stats("stats", stats) if stats is not None else mixture_stats(X, y, means, covs)
    if st.psi.shape[0] != X.shape[1]:
        raise ValueError(f"stats were computed for n = {st.psi.shape[0]} samples, X has n = {X.shape[1]}")
    if stats is not None:
        _check_stats_match(st, X, y)
    return X, st


def _check_stats_match(st, X: np.ndarray, y: np.ndarray) -> None:
    """Refuse precomputed statistics of other data: they would give a wrong kernel without a word (the
    closed form reads the classes from stats.J, not from y, and the scale from stats.tau0)."""
    if st.J.shape[0] != y.shape[0]:
        raise ValueError(f"stats hold labels for {st.J.shape[0]} samples, y has {y.shape[0]}")
    labels = np.argmax(st.J, axis=1)
    if not np.array_equal(labels, y):
        differ = np.flatnonzero(labels != y)
        raise ValueError(f"stats were computed for other labels than y: they differ at {differ.size} of "
                         f"{y.shape[0]} samples (first: sample {int(differ[0])}); pass the stats of this X and y")
    check_stats_scale(st, data_tau0(X), "this X's root mean squared column norm", "this X and y")
    check_stats_norms(st, np.sum(X * X, axis=0), "X's squared column norms", "this X and y")


def check_stats_norms(st, sq_norms: np.ndarray, what: str, whose: str) -> None:
    """Refuse stats whose ``sq_norms`` (when recorded) are not ``sq_norms``: (n,), those of the data at hand,
    to 1e-9 relative to their largest.  Stats of another data set of the same labels and scale (any two
    normalized sets) pass the label and scale checks and would give a wrong kernel without a word."""
    if st.sq_norms is None:
        return
    ref = np.asarray(st.sq_norms, dtype=np.float64)
    if ref.shape != sq_norms.shape:
        raise ValueError(f"stats hold the norms of {ref.shape[0]} samples, the data {sq_norms.shape[0]}; pass the "
                         f"stats of {whose}")
    off = np.abs(ref - sq_norms) > 1e-9 * max(float(np.max(np.abs(ref))), np.finfo(float).tiny)
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise ValueError(f"stats were computed for other data: {what} differ from the stats' at {int(off.sum())} "
                         f"of {off.size} samples (first: sample {i}, {sq_norms[i]:.10g} against {ref[i]:.10g}); "
                         f"pass the stats of {whose}")


def check_stats_scale(st, tau: float, what: str, whose: str) -> None:
    """Refuse stats whose tau0 is not ``tau`` (to 1e-9), the scale of the data at hand: ``what`` names how
    tau was measured and ``whose`` the data, for the message."""
    if not np.isclose(st.tau0, tau, rtol=1e-9, atol=0.0):
        raise ValueError(f"stats.tau0 = {st.tau0:.10g} differs from {what} {tau:.10g}: stats were computed "
                         f"for other data; pass the stats of {whose}")


SCALE_FACTOR = 3.0     # a tau0 passed with the data may differ from the data's own scale by at most this factor


def tau0_for(scale: float, tau0, whose: str = "X") -> float:
    """The tau0 the moments are taken at: ``scale`` (the data's own, ``data.tau0``) when ``tau0`` is None,
    else ``tau0``, which must lie within a factor ``SCALE_FACTOR`` (3) of ``scale``, else ValueError.

    The activations are centred at tau0 and the closed forms assume data of scale tau0: a tau0 far off the
    data's (e.g. that of raw pixels passed with normalized data) gives uncentred features and a kernel of
    another network, with no error downstream.  The window is that of ``networks.features``: wide enough for
    a subset of normalized data, or the model's sqrt(tr C/p) in place of the sample's scale."""
    if tau0 is None:
        return float(scale)
    tau0 = A.check_tau(tau0, "tau0", scalar=True)
    if not scale / SCALE_FACTOR <= tau0 <= scale * SCALE_FACTOR:
        raise ValueError(f"tau0 = {tau0:.4g} is off {whose}'s scale sqrt(mean ||x_i||^2) = {scale:.4g} by more than "
                         f"a factor {SCALE_FACTOR:g} (allowed: {scale / SCALE_FACTOR:.4g} to "
                         f"{scale * SCALE_FACTOR:.4g}): the activations would not be centred on these data. Leave "
                         f"tau0 out (it defaults to {whose}'s scale) or normalize the data (nl.data.normalize)")
    return tau0


def ck_tilde(X, y, acts, means=None, covs=None, tau0=None, identity: str = "theory", stats=None) -> np.ndarray:
    """Closed form K~_CK (Theorem 1): alpha_L1 X^T X + V A V^T + (tau_L^2 - alpha_L1 tau_0^2) I_n.

    X: (p, n) data, one sample per column; y: (n,) integer class labels 0..K-1, every class present.
    acts: the activations of the L layers, one per layer, first layer first: a list of names from
    ``activations.NAMES``, :class:`~ntklc_lib.activations.Activation` objects (e.g. ``activations.step``)
    or plain callables; a single name / Activation is accepted and means a one-layer network
    (``"relu"`` is ``["relu"]``; for three ReLU layers pass ``["relu"] * 3``).
    means: (K, p) and covs: (K, p) diagonals or (K, p, p), the model's in the unscaled units of THEORY.md
    (both or neither; neither: estimated from X and y, see ``data.mixture_stats``); stats: a precomputed
    ``MixtureStats`` for X, y instead (its labels and its tau0 must be those of X and y, else ValueError).
    tau0: data scale (default sqrt of the mean squared column norm; else within a factor 3 of it, see
    :func:`tau0_for`); identity: "theory" (THEORY.md) or
    "reference" (the research code's, with an extra -alpha_L3 tau_0^4).  Returns the (n, n) float64 kernel.
    """
    X, st = _prepare(X, y, means, covs, stats)
    tau0 = tau0_for(st.tau0, tau0)
    return structured_from_gram(gram(X), X.shape[0], st, *tilde_coefficients(acts, tau0, "ck", identity))


def ntk_tilde(X, y, acts, means=None, covs=None, tau0=None, identity: str = "theory", stats=None) -> np.ndarray:
    """Closed form K~_NTK (Theorem 2): beta_L1 X^T X + V B V^T + (kappa_L^2 - beta_L1 tau_0^2) I_n.

    Arguments as :func:`ck_tilde`: X: (p, n) data, one sample per column; y: (n,) integer class labels
    0..K-1, every class present; acts: one activation per layer, first layer first (names, Activation
    objects or callables; a single one means a one-layer network); means (K, p) / covs, or stats, or
    neither (estimated); tau0; identity.  Every activation needs a finite dd = E sigma'(tau xi)^2: step
    activations (whose derivative is a sum of Dirac masses) raise ValueError.  Returns the (n, n) float64
    kernel.
    """
    X, st = _prepare(X, y, means, covs, stats)
    tau0 = tau0_for(st.tau0, tau0)
    return structured_from_gram(gram(X), X.shape[0], st, *tilde_coefficients(acts, tau0, "ntk", identity))


# --------------------------------------------------------------------------------------------
# infinite-width limit
# --------------------------------------------------------------------------------------------

_MEHLER_MAX = 120


def _trapezoid_gauss(h: float = 0.02, half_width: float = 13.0):
    """Nodes and weights for E g(xi), xi ~ N(0, 1), by the trapezoid rule on [-13, 13].

    For analytic g the error decays like exp(-2 pi d / h), d the distance of g's nearest complex
    singularity in xi units (tanh(sqrt(a) xi): d = pi / (2 sqrt(a))); Gauss-Hermite with a few hundred
    nodes converges much more slowly there (1e-7 at a = 5 with 200 nodes).  Truncation: phi(13) ~ 1e-37.
    """
    x = np.arange(-half_width, half_width + h / 2, h)
    return x, h * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _scaled_trapezoid(d: np.ndarray):
    """:func:`_trapezoid_gauss` for E g(sqrt(d_i) xi) at every variance d_i of d: (n,): step 0.02 in xi
    units, and at most 0.1 in units of g's argument for the largest d_i.  At a fixed step 0.02, tanh's
    second moments at variance 400 were off by 5e-5 and at 900 by 6e-3 (its singularity lies
    pi / (2 sqrt(d)) from the real axis in xi units); up to variance 25, where the fixed step kept 1e-13,
    the grid is unchanged."""
    top = float(np.max(d)) if d.size else 1.0
    h = min(0.02, 0.1 / math.sqrt(max(top, 1e-300)))
    _check_grid_size(26.0 / h, top)
    return _trapezoid_gauss(h=h)


# the largest grids the limit kernels' quadratures build: 2e6 nodes per sample for the Hermite coefficients
# (variance up to ~6e7), 3e4 x 3e4 per pair for the near-duplicate fallback (variance up to ~7000, some
# seconds per pair).  Normalized data (tau0 = 1) stay far below both; raw pixels (variance ~1e7) asked for
# hundreds of GiB at once
_MAX_NODES, _MAX_PAIR_NODES = 2_000_000, 30_000


def _check_grid_size(nodes: float, variance: float, limit: float = _MAX_NODES, what: str = "per sample") -> None:
    if nodes > limit:
        raise ValueError(f"a sample's variance at this layer, {variance:.4g}, needs a quadrature grid of "
                         f"{nodes:.3g} nodes {what} (at most {limit:.0e}): the limit kernels expect data at "
                         f"the book's scale. Normalize X (data.normalize, tau0 = 1) or scale it down")


_LEGENDRE_NODES = 300     # per smooth piece, for Hermite coefficients up to order _MEHLER_MAX
_PAIR_LEGENDRE_NODES = 120


def _piecewise_gauss(cuts: np.ndarray, m: int, half_width: float = 13.0):
    """Gauss-Legendre nodes and weights for E h(xi), xi ~ N(0, 1), split where h is not smooth.

    cuts: (..., P) points (in xi units) where h jumps or has a kink, one row per integral; they are
    clipped to [-13, 13], so cuts outside give empty pieces.  Returns nodes and weights (with the
    Gaussian density), both (..., (P + 1) m).  On each smooth piece the rule converges geometrically,
    where a grid that straddles a jump errs by O(h).
    """
    t, wt = np.polynomial.legendre.leggauss(m)
    cuts = np.sort(np.clip(cuts, -half_width, half_width), axis=-1)
    lead = cuts.shape[:-1]
    ends = np.full(lead + (1,), half_width)
    edges = np.concatenate([-ends, cuts, ends], axis=-1)
    lo, hi = edges[..., :-1, None], edges[..., 1:, None]             # (..., P + 1, 1)
    x = (lo + hi) / 2 + (hi - lo) / 2 * t                            # (..., P + 1, m)
    w = (hi - lo) / 2 * wt * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return x.reshape(lead + (-1,)), w.reshape(lead + (-1,))


def _on_shared_grid(g, d: np.ndarray, x: np.ndarray):
    """Yield (rows, g(sqrt(d[rows]) x)): a slice and a (c, Q) block, for consecutive row blocks of d: (n,)
    against one grid x: (Q,).  Blocks hold at most 25e6 values (200 MB), one block at unit scale up to
    n ~ 19000, so memory stays bounded however large n or the grid is."""
    step = max(1, 25_000_000 // x.size)
    for s in range(0, d.size, step):
        rows = slice(s, s + step)
        yield rows, g(np.sqrt(d[rows])[:, None] * x[None, :])


def _hermite_coefficients(g, d: np.ndarray, breakpoints) -> tuple[np.ndarray, np.ndarray]:
    """c_k(d_i) = E g(sqrt(d_i) xi) h_k(xi), k = 0.._MEHLER_MAX: (n, K + 1), and E g(sqrt(d_i) xi)^2: (n,).

    Smooth g: one trapezoid grid shared by all samples, fine enough for the largest variance
    (:func:`_scaled_trapezoid`).  Piecewise-smooth g (``breakpoints``, in g's argument): per-sample
    Gauss-Legendre pieces split at breakpoint / sqrt(d_i).
    """
    if not breakpoints:
        x, w = _scaled_trapezoid(d)
        H = A.hermite_normalized(x, _MEHLER_MAX)                      # (Q, K + 1)
        C, second = np.empty((d.size, _MEHLER_MAX + 1)), np.empty(d.size)
        for rows, G in _on_shared_grid(g, d, x):                     # G: (c, Q)
            C[rows], second[rows] = (G * w) @ H, (G * G) @ w
        return C, second
    bp = np.asarray(breakpoints, dtype=np.float64)
    n = d.size
    C = np.empty((n, _MEHLER_MAX + 1))
    second = np.empty(n)
    step = 64
    for s in range(0, n, step):
        sd = np.sqrt(d[s:s + step])[:, None]
        x, w = _piecewise_gauss(bp[None, :] / sd, _LEGENDRE_NODES)   # (c, Q)
        G = g(sd * x)
        C[s:s + step] = np.einsum("cq,cqk->ck", G * w, A.hermite_normalized(x, _MEHLER_MAX))
        second[s:s + step] = np.sum(G * G * w, axis=1)
    return C, second


def _pairs_quadrature(g, a: np.ndarray, b: np.ndarray, rho: np.ndarray, breakpoints=()) -> np.ndarray:
    """E g(u) g(v) for pairs with Var u = a, Var v = b, corr rho: (m,) each, by a 2-D trapezoid rule
    (piecewise Gauss-Legendre when g has ``breakpoints``: :func:`_pairs_piecewise`).

    u = sqrt(a) x, v = sqrt(b) (rho x + sqrt(1 - rho^2) y) with x, y iid N(0, 1).  The step shrinks
    with the largest standard deviation, so g's argument is sampled at spacing <= 0.05 whatever the
    scale: for analytic g the error is then below exp(-2 pi d / 0.05), d the distance of g's nearest
    complex singularity (tanh: pi/2, error ~1e-85).  Gauss-Hermite with 64 nodes, used before, was off
    by 2e-5 for tanh at variance 1.  Nodes beyond |x| = 9 (phi(9) ~ 1e-18) are dropped.  Only the pairs
    Mehler's series cannot certify (near duplicates) come here.
    """
    if breakpoints:
        return _pairs_piecewise(g, a, b, rho, np.asarray(breakpoints, dtype=np.float64))
    scale = max(1.0, float(np.sqrt(max(a.max(), b.max())))) if a.size else 1.0
    _check_grid_size(18.0 * scale / 0.05, scale * scale, _MAX_PAIR_NODES, "per axis for near-duplicate pairs")
    x, w = _trapezoid_gauss(h=0.05 / scale, half_width=9.0)
    out = np.empty(a.size)
    step = max(1, 4_000_000 // (x.size**2))
    if x.size**2 > 4_000_000:
        # one pair's grid exceeds a block (variance above ~30): its x nodes in blocks of ~4e6 grid points
        rows = max(1, 4_000_000 // x.size)
        for i in range(a.size):
            sa, sb, r = math.sqrt(a[i]), math.sqrt(b[i]), float(rho[i])
            c = math.sqrt(max(1.0 - r * r, 0.0))
            out[i] = sum(float(np.einsum("q,qr,q,r->", g(sa * x[q:q + rows]),
                                         g(sb * (r * x[q:q + rows, None] + c * x[None, :])), w[q:q + rows], w))
                         for q in range(0, x.size, rows))
        return out
    for s in range(0, a.size, step):
        sl = slice(s, s + step)
        sa, sb, r = np.sqrt(a[sl])[:, None, None], np.sqrt(b[sl])[:, None, None], rho[sl][:, None, None]
        u = sa * x[None, :, None]
        v = sb * (r * x[None, :, None] + np.sqrt(np.clip(1 - r * r, 0, None)) * x[None, None, :])
        out[sl] = np.einsum("pq,pqr,q,r->p", g(u[:, :, 0]), g(v), w, w)
    return out


def _pairs_piecewise(g, a, b, rho, bp: np.ndarray) -> np.ndarray:
    """E g(u) g(v) as E_x[g(sqrt(a) x) E_y g(sqrt(b) (rho x + s y))], s = sqrt(1 - rho^2), for a g that
    is smooth between the breakpoints ``bp``: Gauss-Legendre pieces in x split at bp / sqrt(a), and in y,
    for every x node, at (bp / sqrt(b) - rho x) / s."""
    out = np.empty(a.size)
    m = _PAIR_LEGENDRE_NODES
    for i in range(a.size):
        sa, sb, r = math.sqrt(a[i]), math.sqrt(b[i]), float(rho[i])
        s = math.sqrt(max(1.0 - r * r, 0.0))
        cuts = [bp / sa]
        if abs(r) > 0 and s < abs(r):
            # the inner expectation steps (or kinks) at x = bp / (rho sqrt(b)) over a width s / |rho|,
            # tiny for near duplicates: pieces around it resolve the steep part, flat beyond 8 widths
            width = s / abs(r)
            cuts += [bp / (r * sb) + width * k for k in (-8.0, -2.0, 0.0, 2.0, 8.0)]
        x, wx = _piecewise_gauss(np.concatenate(cuts), m)            # (Qx,)
        if s < 1e-12:
            inner = g(sb * r * x)                                    # v = sqrt(b) rho x exactly
        else:
            cuts = (bp[None, :] / sb - r * x[:, None]) / s           # (Qx, P)
            y, wy = _piecewise_gauss(cuts, m)                        # (Qx, Qy)
            inner = np.sum(g(sb * (r * x[:, None] + s * y)) * wy, axis=1)
        out[i] = float(np.sum(g(sa * x) * inner * wx))
    return out


def _mehler_map(g, d: np.ndarray, Kprev: np.ndarray, tol: float, breakpoints=()) -> np.ndarray:
    """E g(u) g(v) over all pairs (u, v) ~ N(0, [[d_i, K_ij], [K_ij, d_j]]) for a smooth g.

    Mehler's formula: E g(u) g(v) = sum_k c_k(d_i) c_k(d_j) rho_ij^k, c_k(a) = E g(sqrt(a) xi) h_k(xi)
    with h_k the normalized Hermite polynomials.  The neglected tail is bounded by
    |rho|^(K+1) sqrt(tail_i tail_j), tail_i = E g^2 - sum_k c_k(d_i)^2; pairs whose bound exceeds
    ``tol`` (near duplicates) are recomputed by 2-D quadrature (:func:`_pairs_quadrature`, ~2 ms a
    pair), and the diagonal is E g(sqrt(d_i) xi)^2 exactly.
    """
    n = d.size
    C, second = _hermite_coefficients(g, d, breakpoints)      # (n, Kmax+1), (n,)
    cum = np.cumsum(C * C, axis=1)
    tails = np.clip(second[:, None] - cum, 0, None)            # (n, Kmax+1): tail after order k
    rho = Kprev / np.sqrt(np.outer(d, d))
    off = rho.copy()
    np.fill_diagonal(off, 0.0)
    rmax = float(np.max(np.abs(off))) if n > 1 else 0.0
    # smallest order whose worst-case bound over all pairs is below tol
    kk, certified = A.mehler_order(tails.max(axis=0), rmax, tol)
    out = np.empty((n, n))
    for s in range(0, n, _CHUNK):
        r = rho[s:s + _CHUNK]
        acc = np.multiply.outer(C[s:s + _CHUNK, kk], C[:, kk])
        for k in range(kk - 1, -1, -1):
            acc *= r
            acc += np.multiply.outer(C[s:s + _CHUNK, k], C[:, k])
        out[s:s + _CHUNK] = acc
    if not certified:
        ti = np.sqrt(tails[:, kk])
        bad = np.abs(rho) ** (kk + 1) * np.outer(ti, ti) > tol
        np.fill_diagonal(bad, False)
        iu = np.argwhere(np.triu(bad, 1))
        if iu.size:
            vals = _pairs_quadrature(g, d[iu[:, 0]], d[iu[:, 1]], rho[iu[:, 0], iu[:, 1]], breakpoints)
            out[iu[:, 0], iu[:, 1]] = vals
            out[iu[:, 1], iu[:, 0]] = vals
    out[np.diag_indices(n)] = second
    return out


def _closed_map(dual, d: np.ndarray, Kprev: np.ndarray, diag: np.ndarray) -> np.ndarray:
    n = d.size
    out = np.empty((n, n))
    for s in range(0, n, _CHUNK):
        out[s:s + _CHUNK] = dual(d[s:s + _CHUNK, None], d[None, :], Kprev[s:s + _CHUNK])
    # the diagonal is the activation's own second moment: the dual at c = a goes through
    # rho = c / sqrt(a a) = 1 - ulp, which for a step costs sqrt(ulp) ~ 1e-8 (arcsin's slope at 1)
    out[np.diag_indices(n)] = diag
    return out


def _check_kernel(name: str, K) -> np.ndarray:
    """K as a finite symmetric (n, n) float64 array whose correlations lie in [-1, 1] (to rounding).

    Square blocks (checks.max_asymmetry) and row chunks keep the check at memory speed.
    """
    K = checks.square_matrix(name, K)
    n = K.shape[0]
    d = np.diag(K)
    scale = max(float(np.max(np.abs(d))), 1e-300)
    B = 256
    asym = checks.max_asymmetry(K, B)
    if asym > 1e-10 * scale:
        raise ValueError(f"{name} must be symmetric, got max |K - K^T| = {asym:.3g}")
    if np.all(d > 0):
        inv = 1.0 / np.sqrt(d)
        for i in range(0, n, 2 * B):
            rho = np.abs(K[i:i + 2 * B]) * inv[i:i + 2 * B, None] * inv[None, :]
            if float(rho.max()) > 1 + 1e-9:
                a, b = np.unravel_index(int(np.argmax(rho)), rho.shape)
                a += i
                raise ValueError(f"{name} is not a covariance: |{name}[{a}, {b}]| / "
                                 f"sqrt({name}[{a}, {a}] {name}[{b}, {b}]) = {rho[a - i, b]:.6g} > 1")
    return K


def layer_map(act, Kprev: np.ndarray, center: float, derivative: bool = False, tol: float = 1e-12) -> np.ndarray:
    """One infinite-width layer: E[sigma(u) sigma(v)] with sigma = f - center, or E[f'(u) f'(v)].

    Kprev: (n, n) previous kernel; (u, v) ~ N(0, [[K_ii, K_ij], [K_ij, K_jj]]) for every pair.
    """
    act = A.get(act)
    Kprev = _check_kernel("Kprev", Kprev)
    derivative = checks.boolean("derivative", derivative)
    tol = checks.positive_float("tol", tol)
    return _layer_map(act, Kprev, checks.finite_number("center", center), derivative, tol)


def _layer_map(act, Kprev: np.ndarray, center: float, derivative: bool, tol: float = 1e-12) -> np.ndarray:
    """:func:`layer_map` without the checks, for kernels the recursion made itself."""
    d = np.diag(Kprev).copy()
    if np.any(d <= 0):
        bad = np.flatnonzero(d <= 0)
        more = f" (and {bad.size - 1} more)" if bad.size > 1 else ""
        raise ValueError(f"the previous kernel's diagonal entry {int(bad[0])}{more} is {d[bad[0]]:.3g}, not > 0: "
                         f"sample {int(bad[0])} is identically zero there (a zero column of X, or a constant "
                         f"activation); the limit kernels need every sample non-zero")
    scale = float(np.mean(d))
    if derivative:
        if not act.differentiable:
            raise ValueError(f"activation {act.name!r} is a step function (it jumps): E f'(u) f'(v) is infinite "
                             "on the diagonal, so the NTK does not exist")
        if act.dual_deriv is not None:
            return _closed_map(act.dual_deriv, d, Kprev, A.raw_moments(act, np.sqrt(d)).dd)
        return _mehler_map(act.deriv, d, Kprev, tol * max(1.0, float(np.mean(_deriv_sq(act, d)))),
                           act.breakpoints)
    if act.dual is not None:
        raw = A.raw_moments(act, np.sqrt(d))
        mu = raw.mean                                         # E f(sqrt(d_i) xi)
        out = _closed_map(act.dual, d, Kprev, raw.second)
        out -= center * (mu[:, None] + mu[None, :])
        out += center**2
        return out
    g = lambda t: act.fn(t) - center
    return _mehler_map(g, d, Kprev, tol * max(1.0, scale), act.breakpoints)


def _deriv_sq(act, d):
    """E f'(sqrt(d_i) xi)^2: (n,), on the shared trapezoid grid."""
    x, w = _scaled_trapezoid(d)
    out = np.empty(d.size)
    for rows, D in _on_shared_grid(act.deriv, d, x):
        out[rows] = (D * D) @ w
    return out


def limit_from_gram(G: np.ndarray, acts, tau0=None, ntk: bool = False) -> np.ndarray:
    """The limit CK (or NTK with ``ntk``): (n, n) from the Gram matrix G = X^T X: (n, n); the layer maps
    see the data only through G.  tau0 defaults to sqrt(mean(diag G)), the data's scale; a tau0 passed must
    lie within a factor 3 of it (:func:`tau0_for`).  G is not changed."""
    return _limit_from_gram(_check_kernel("G", G), acts, tau0, checks.boolean("ntk", ntk), "the data of G")


def _limit_from_gram(G: np.ndarray, acts, tau0, ntk: bool, whose: str = "X") -> np.ndarray:
    """:func:`limit_from_gram` for a G known to be a Gram matrix (``gram`` of finite data); ``whose`` names
    the data in a message."""
    acts = A.get_list(acts)
    K = G
    scale = float(np.sqrt(max(np.mean(np.diag(K)), 0.0)))
    if tau0 is None:
        if not 0.0 < scale < np.inf:
            raise ValueError(f"G's mean diagonal (the squared data scale tau0^2 = mean ||x_i||^2) must be finite "
                             f"and > 0, got {float(np.mean(np.diag(K))):.4g}; pass tau0 or a Gram matrix of data")
        tau0 = scale
    elif 0.0 < scale < np.inf:
        tau0 = tau0_for(scale, tau0, whose)
    else:
        tau0 = A.check_tau(tau0, "tau0", scalar=True)
    ms, _ = coefficients.layer_moments(acts, tau0)
    Kntk = K.copy() if ntk else None
    for act, m in zip(acts, ms):
        Knew = _layer_map(act, K, float(m.mean), False)
        if ntk:
            Kntk = Knew + Kntk * _layer_map(act, K, 0.0, True)
        K = Knew
    return Kntk if ntk else K


def ck_limit(X, acts, tau0=None) -> np.ndarray:
    """Infinite-width CK E_W[Sigma_L^T Sigma_L] for X: (p, n), activations centred at E f(tau_{l-1} xi).

    tau0 defaults to sqrt of the mean squared column norm of X (the scale the network sees).
    """
    return _limit_of_data(X, acts, tau0, ntk=False)


def ntk_limit(X, acts, tau0=None) -> np.ndarray:
    """Infinite-width NTK: K_NTK,l = K_CK,l + K_NTK,l-1 o K'_l, K_NTK,0 = X^T X."""
    return _limit_of_data(X, acts, tau0, ntk=True)


def _limit_of_data(X, acts, tau0, ntk: bool) -> np.ndarray:
    X = checks.finite_matrix("X", X)
    if tau0 is None:
        data_tau0(X)          # raises, naming X, if its scale is 0 or overflows
    return _limit_from_gram(gram(X), acts, tau0, ntk)


# --------------------------------------------------------------------------------------------
# finite random networks
# --------------------------------------------------------------------------------------------

WEIGHT_KINDS = ("gaussian", "ternary")


def float_dtype(dtype) -> torch.dtype:
    """``dtype`` unchanged if it is torch.float32 or torch.float64, else ValueError: integer weights would be
    the Gaussian / ternary draw silently truncated, and float16 / bfloat16 ones round ±1/sqrt(1 - eps) (the
    ternary check then fails) and are refused further on (numpy has no bfloat16)."""
    if not isinstance(dtype, torch.dtype) or dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    return dtype


def require_nonzero(W: torch.Tensor, sparsity: float, what: str) -> torch.Tensor:
    """W: (d_out, d_in) unchanged unless every entry is 0, then ValueError naming ``sparsity``, ``what`` (the
    layer) and its size: a layer without a non-zero weight makes every feature after it a constant, and the
    kernels, features and readouts of that dead net came out without a word (sparsity 0.999999)."""
    if bool(W.any()):
        return W
    d_out, d_in = W.shape
    expected = (1.0 - sparsity) * d_in * d_out
    why = (f": (1 - sparsity) * d_in * d_out = {expected:.3g} is below 1 there" if expected < 1 else
           f" (it expects (1 - sparsity) * d_in * d_out = {expected:.3g} of them)")
    raise ValueError(f"sparsity = {sparsity!r} left no non-zero weight in {what} ({d_out} x {d_in} = "
                     f"{d_out * d_in} weights){why}; every feature after it would be a constant. Use a lower "
                     f"sparsity or larger layers")


def sample_weights(shape, kind: str, sparsity: float, generator: torch.Generator,
                   dtype=torch.float64, what: str = "the draw") -> torch.Tensor:
    """i.i.d. unit-variance weights: N(0, 1), or sparse ternary ±1/sqrt(1-eps) w.p. (1-eps)/2, 0 w.p. eps.

    A ternary draw is independent of the Gaussian draw from a generator with the same seed.  Ternary
    draws of one seed at different sparsities share their uniforms (common random numbers): the non-zero
    positions at a higher sparsity are a subset of those at a lower one (their signs are not: about half
    agree).

    generator: a seeded ``torch.Generator`` (required: torch's global generator would make the draw
    depend on whatever ran before).  A ternary draw with no non-zero weight raises ValueError naming
    ``sparsity`` and ``what`` (the layer, for the message; :func:`require_nonzero`).
    """
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a seeded torch.Generator, got {type(generator).__name__}")
    shape = checks.positive_ints("shape", shape)
    dtype = float_dtype(dtype)
    checks.one_of("weights", kind, set(WEIGHT_KINDS))
    eps = checks.sparsity("sparsity", sparsity)
    if kind == "gaussian":
        if eps != 0.0:
            raise ValueError("sparsity applies to ternary weights only; use weights='ternary'")
        return torch.randn(shape, generator=generator, dtype=dtype)
    # the positions and signs come from a stream of their own, seeded by one draw of ``generator``:
    # torch.rand on ``generator`` itself would read the uniforms behind torch.randn's Gaussians of the same
    # seed, so a ternary net would keep exactly the small-|w| positions of the Gaussian net of its seed
    # (mean |w| 0.29 on them against 0.85 elsewhere at eps = 0.9), which couples the two nets' draws
    stream = torch.Generator().manual_seed(int(torch.randint(0, 2**62, (1,), generator=generator)))
    u = torch.rand(shape, generator=stream, dtype=dtype)
    # tensors of ``dtype``, not Python floats: torch.where would give float32 values (1/sqrt(1-eps) off by
    # ~3e-8 relative) even for float64 weights
    s = torch.tensor(1.0 / math.sqrt(1.0 - eps), dtype=dtype)
    keep = (1.0 - eps) / 2
    W = torch.where(u < keep, s, torch.where(u < 2 * keep, -s, torch.zeros((), dtype=dtype)))
    return require_nonzero(W, eps, what)


def _net_setup(X, acts, widths, tau0):
    X = checks.finite_matrix("X", X)
    acts = A.get_list(acts)
    widths = checks.layer_widths(widths, len(acts))
    tau0 = tau0_for(data_tau0(X), tau0)
    ms, _ = coefficients.layer_moments(acts, tau0)
    return X, acts, widths, [float(m.mean) for m in ms]


def _check_layers(X, acts, weights_list, centers) -> None:
    if not isinstance(X, torch.Tensor) or X.ndim != 2:
        raise ValueError(f"X must be a (p, n) torch tensor, got {type(X).__name__} of shape "
                         f"{tuple(getattr(X, 'shape', ()))}")
    L = len(acts)
    if len(weights_list) != L or len(centers) != L:
        raise ValueError(f"acts, weights_list and centers must have one entry per layer, got {L}, "
                         f"{len(weights_list)} and {len(centers)}")
    fan_in = X.shape[0]
    for l, W in enumerate(weights_list):
        if not isinstance(W, torch.Tensor) or W.ndim != 2 or W.shape[1] != fan_in:
            raise ValueError(f"weights_list[{l}] must have shape (d_{l + 1}, {fan_in}), got {tuple(W.shape)}")
        if W.dtype != X.dtype:
            # torch's own message ("expected m1 and m2 to have the same dtype") names neither argument
            raise ValueError(f"weights_list[{l}] has dtype {W.dtype} but X has {X.dtype}: cast one of them")
        fan_in = W.shape[0]
    # NaN or inf input would flow through every layer into NaN features without a word
    for what, T in [("X", X)] + [(f"weights_list[{l}]", W) for l, W in enumerate(weights_list)]:
        if not bool(torch.isfinite(T).all()):
            raise ValueError(f"{what} contains {int((~torch.isfinite(T)).sum())} non-finite entries (NaN or inf)")
    bad = [l for l, m in enumerate(centers) if not math.isfinite(float(m))]
    if bad:
        raise ValueError(f"centers must be finite numbers, got {[centers[l] for l in bad]} at layer(s) {bad}")


def forward(X, acts, weights_list, centers):
    """Sigma_0..Sigma_L and pre-activations H_1..H_L of a random net; X: (p, n) tensor.

    acts, weights_list (W_l: (d_l, d_{l-1}), d_0 = p) and centers hold one entry per layer.  Computed in
    the dtype of X, which the weights must share (ValueError otherwise).
    """
    acts = A.get_list(acts)
    _check_layers(X, acts, weights_list, centers)
    sig = [X]
    pre = []
    for act, W, m in zip(acts, weights_list, centers):
        H = W @ sig[-1]
        pre.append(H)
        sig.append((act.fn_torch(H) - m) / math.sqrt(W.shape[0]))
    return sig, pre


def ck_empirical(X, acts, widths, draws: int = 1, weights: str = "gaussian", sparsity: float = 0.0,
                 seed: int = 0, tau0=None) -> np.ndarray:
    """Average over ``draws`` random nets of Sigma_L^T Sigma_L: (n, n), X: (p, n).

    widths: (d_1..d_L); weights: "gaussian" or "ternary" (with ``sparsity`` in [0, 1)); activations
    centred with the same constants as the limit kernel (E f(tau_{l-1} xi) from the recursion).
    """
    X, acts, widths, centers = _net_setup(X, acts, widths, tau0)
    draws = checks.positive_int("draws", draws)
    gen = torch.Generator().manual_seed(checks.seed("seed", seed))
    Xt = torch.from_numpy(X)
    acc = torch.zeros((X.shape[1], X.shape[1]), dtype=torch.float64)
    dims = (X.shape[0],) + widths
    for _ in range(draws):
        Ws = [sample_weights((dims[l + 1], dims[l]), weights, sparsity, gen, what=f"layer {l + 1}")
              for l in range(len(widths))]
        sig, _ = forward(Xt, acts, Ws, centers)
        acc += sig[-1].T @ sig[-1]
    return (acc / draws).numpy()


def ntk_empirical(X, acts, widths, weights: str = "gaussian", sparsity: float = 0.0, seed: int = 0,
                  draws: int = 1, tau0=None) -> np.ndarray:
    """Empirical NTK of random nets f(x) = w^T Sigma_L(x), w ~ N(0, I): (n, n), averaged over draws.

    Uses the layer-wise formula (exact for the finite net): Theta = Sigma_L^T Sigma_L +
    sum_l (D_l^T D_l) o (Sigma_{l-1}^T Sigma_{l-1}), with D_l = df/dH_l back-propagated by matrix
    products (no per-sample backward passes).
    """
    X, acts, widths, centers = _net_setup(X, acts, widths, tau0)
    draws = checks.positive_int("draws", draws)
    _check_ntk_activations(acts)
    gen = torch.Generator().manual_seed(checks.seed("seed", seed))
    Xt = torch.from_numpy(X)
    n = X.shape[1]
    dims = (X.shape[0],) + widths
    acc = torch.zeros((n, n), dtype=torch.float64)
    for _ in range(draws):
        Ws = [sample_weights((dims[l + 1], dims[l]), weights, sparsity, gen, what=f"layer {l + 1}")
              for l in range(len(widths))]
        w_out = torch.randn(dims[-1], generator=gen, dtype=torch.float64)
        acc += ntk_of_net(Xt, acts, Ws, w_out, centers)
    return (acc / draws).numpy()


def _check_ntk_activations(acts) -> None:
    for l, act in enumerate(acts):
        if not act.differentiable:
            raise ValueError(f"layer {l + 1}: activation {act.name!r} is a step function; its NTK does not exist")


def ntk_of_net(X: torch.Tensor, acts, weights_list, w_out: torch.Tensor, centers) -> torch.Tensor:
    """Exact NTK (n, n) of the finite net f(x) = w_out^T Sigma_L(x) with the given weights; X: (p, n).

    Gradients w.r.t. every W_l and w_out: Theta = Sigma_L^T Sigma_L + sum_l (D_l^T D_l) o
    (Sigma_{l-1}^T Sigma_{l-1}), D_L = w_out o sigma'(H_L)/sqrt(d_L), D_l = sigma'(H_l)/sqrt(d_l) o (W_{l+1}^T D_{l+1}).
    """
    acts = A.get_list(acts)
    _check_ntk_activations(acts)
    sig, pre = forward(X, acts, weights_list, centers)
    if w_out.shape != (weights_list[-1].shape[0],):
        raise ValueError(f"w_out must have shape ({weights_list[-1].shape[0]},), got {tuple(w_out.shape)}")
    theta = sig[-1].T @ sig[-1]
    L = len(weights_list)
    delta = w_out[:, None] * acts[-1].deriv_torch(pre[-1]) / math.sqrt(weights_list[-1].shape[0])
    for l in range(L - 1, -1, -1):
        theta = theta + (delta.T @ delta) * (sig[l].T @ sig[l])
        if l > 0:
            delta = acts[l - 1].deriv_torch(pre[l - 1]) / math.sqrt(weights_list[l - 1].shape[0]) * (weights_list[l].T @ delta)
    return theta
