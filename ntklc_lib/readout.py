"""Trained readouts on frozen features: closed-form ridge and cross-entropy (full-batch L-BFGS).

Only the readout is trained (THEORY.md section 4.5).  Features F: (d, n) (one column per sample, as
returned by ``networks.features``) are first standardized with the fitting set's statistics,
G = (F - m) / c with m the mean feature vector and c^2 the mean squared norm of the centred columns, so
the penalty grids below are free of the network's scale tau_L.  The penalty (ridge lambda or weight
decay) is chosen on a validation split of the training samples from a log grid, then the readout is
refitted on all training samples with the chosen value.

The fitted parameters are stored in float32 (the precision the memory accounting counts), and
:func:`scores` always computes from those stored values, so a readout written to a file and read back
predicts bit-identically.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from . import checks

RIDGE_GRID = np.logspace(-8, 1, 19)          # lambda, in units of the standardized features (tr C = 1)
WEIGHT_DECAY_GRID = np.logspace(-6, -1, 6)   # weight decay of the mean cross-entropy, same units
RIDGE_GRID.flags.writeable = False           # the defaults: read-only, and every Readout gets its own copy
WEIGHT_DECAY_GRID.flags.writeable = False


@dataclass(frozen=True, eq=False)
class Readout:
    """A linear readout: scores = ((F - mean) / scale)^T weight + bias.

    weight: (d, K) float32; bias: (K,) float32; mean: (d,) float32; scale: float;
    kind: "ridge" or "cross_entropy"; penalty: the lambda / weight decay used;
    grid, val_accuracy: the candidates and their validation accuracy (empty when the penalty was given).
    Cross-entropy only (0, 0, nan and False for ridge, which is solved exactly): iterations, the L-BFGS
    iterations of the final fit, out of max_iter; max_gradient, the largest |entry| of the objective's
    gradient at the returned weight and bias; stopped_at_limit, True when the fit used up its max_iter
    iterations or its 5/4 max_iter objective evaluations instead of reaching L-BFGS's tolerance
    (max |gradient| <= 1e-9 or a change below 1e-12): it may not have converged.
    """

    weight: np.ndarray
    bias: np.ndarray
    mean: np.ndarray
    scale: float
    kind: str
    penalty: float
    grid: np.ndarray = field(default_factory=lambda: np.zeros(0))
    val_accuracy: np.ndarray = field(default_factory=lambda: np.zeros(0))
    iterations: int = 0
    max_iter: int = 0
    max_gradient: float = float("nan")
    stopped_at_limit: bool = False

    @property
    def n_classes(self) -> int:
        return int(self.weight.shape[1])


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def _features_labels(F, y, n_classes=None):
    F = checks.finite_matrix("F", F)
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != F.shape[1]:
        raise ValueError(f"y must have one label per column of F: F is (d, n) = {F.shape}, so y must have shape "
                         f"({F.shape[1]},), got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or (y.size and y.min() < 0):
        raise ValueError("y must hold integer class labels >= 0")
    K = int(y.max()) + 1 if n_classes is None else checks.positive_int("n_classes", n_classes)
    if y.max() >= K:
        raise ValueError(f"y has label {int(y.max())}, but n_classes = {K}")
    return F, y.astype(np.int64), K


def _training_labels(F, y, n_classes=None):
    """As _features_labels, for fitting: a classifier needs samples of at least two classes."""
    F, y, K = _features_labels(F, y, n_classes)
    present = np.unique(y)
    if present.size < 2:
        raise ValueError(f"y must hold at least two classes to fit a readout, got only class(es) "
                         f"{present.tolist()} in {y.size} samples")
    return F, y, K


def _standardizer(F: np.ndarray):
    mean = F.mean(axis=1)
    Fc = F - mean[:, None]
    ms = float(np.mean(np.sum(Fc * Fc, axis=0)))
    if ms <= 0:
        raise ValueError("the features are constant over the samples; nothing to fit")
    return mean, float(np.sqrt(ms))


def _split(n: int, val_fraction: float, seed: int):
    val_fraction = checks.in_range("val_fraction", val_fraction, 0.0, 1.0, low_closed=False)
    n_val = int(round(val_fraction * n))
    if n_val < 1 or n - n_val < 2:
        raise ValueError(f"val_fraction = {val_fraction} leaves {n - n_val} fitting and {n_val} validation samples "
                         f"out of n = {n}; both need samples")
    perm = np.random.default_rng(checks.seed("seed", seed)).permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def _grid(name, values, default):
    g = default if values is None else np.atleast_1d(np.asarray(values, dtype=np.float64))
    if g.ndim != 1 or g.size == 0 or not np.all(np.isfinite(g)) or np.any(g < 0):
        raise ValueError(f"{name} must be a non-empty 1-D sequence of finite numbers >= 0, got {values!r}")
    return np.array(g, dtype=np.float64)         # a copy: the Readout's grid is its own, not the caller's


def _best(grid, acc) -> int:
    """Index of the highest validation accuracy; ties go to the largest penalty (the most regular fit)."""
    ties = np.flatnonzero(acc == acc.max())
    return int(ties[np.argmax(grid[ties])])


def _fits_float32(A) -> bool:
    """True if every entry of A is finite in float32 (NaN fails the comparison too)."""
    return bool(np.all(np.abs(np.asarray(A, dtype=np.float64)) <= np.finfo(np.float32).max))


def _finish(kind, W, b, mean, scale, penalty, grid=None, val_acc=None,
            solver=(0, 0, float("nan"), False)) -> Readout:
    """The Readout, float32; solver: (iterations, max_iter, max_gradient, stopped_at_limit) of a cross-entropy fit."""
    if not (_fits_float32(W) and _fits_float32(b)):
        name = "lam" if kind == "ridge" else "weight_decay"
        raise ValueError(f"{name} = {penalty:g} gives non-finite readout weights (in float32): the penalty is "
                         f"numerically zero for these features; increase {name}")
    return Readout(weight=np.asarray(W, dtype=np.float32), bias=np.asarray(b, dtype=np.float32),
                   mean=np.asarray(mean, dtype=np.float32), scale=float(scale), kind=kind, penalty=float(penalty),
                   grid=np.zeros(0) if grid is None else np.asarray(grid, dtype=np.float64),
                   val_accuracy=np.zeros(0) if val_acc is None else np.asarray(val_acc, dtype=np.float64),
                   iterations=int(solver[0]), max_iter=int(solver[1]), max_gradient=float(solver[2]),
                   stopped_at_limit=bool(solver[3]))


def check_readout(name: str, readout) -> Readout:
    """``readout`` unchanged if it is a :class:`Readout` whose parameters are finite and fit together
    (weight (d, K), bias (K,), mean (d,), scale > 0), else ValueError naming the argument."""
    if not isinstance(readout, Readout):
        raise ValueError(f"{name} must be a Readout (from nl.readout.ridge or cross_entropy), got "
                         f"{type(readout).__name__}")
    # a Readout built by hand or read from a damaged file: a NaN scale made every score NaN, and argmax
    # of NaN is class 0, so accuracy came out the share of class 0 (0.5 on balanced classes), without a word
    W = checks.finite_matrix(f"{name}.weight", readout.weight)
    d, K = W.shape
    for field, size in (("bias", K), ("mean", d)):
        v = checks.finite_matrix(f"{name}.{field}", getattr(readout, field), ndim=1)
        if v.shape != (size,):
            raise ValueError(f"{name}.{field} must have shape ({size},) to fit {name}.weight of shape {W.shape}, "
                             f"got {v.shape}")
    checks.positive_float(f"{name}.scale", readout.scale)
    return readout


def scores(readout: Readout, F) -> np.ndarray:
    """Class scores (n, K) float64 for features F: (d, n), from the readout's stored float32 parameters."""
    check_readout("readout", readout)
    F = checks.finite_matrix("F", F)
    if F.shape[0] != readout.weight.shape[0]:
        raise ValueError(f"F must have d = {readout.weight.shape[0]} rows (the readout's input size), got {F.shape}")
    G = (F - readout.mean.astype(np.float64)[:, None]) / readout.scale
    return G.T @ readout.weight.astype(np.float64) + readout.bias.astype(np.float64)


def predict(readout: Readout, F) -> np.ndarray:
    """Predicted labels (n,) for features F: (d, n)."""
    return np.argmax(scores(readout, F), axis=1)


def accuracy(readout: Readout, F, y) -> float:
    """Fraction of columns of F: (d, n) whose predicted label equals y: (n,), labels in 0..K-1."""
    y = np.asarray(y)
    pred = predict(readout, F)
    if y.shape != pred.shape:
        raise ValueError(f"y must have shape {pred.shape} (one label per column of F), got {y.shape}")
    K = readout.n_classes
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)) or (
            y.size and not np.all(np.isfinite(y) & (y == np.round(y)))):
        raise ValueError(f"y must hold integer class labels in 0..{K - 1}, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= K):
        raise ValueError(f"y must hold class labels in 0..{K - 1} (the readout has K = {K} classes), "
                         f"got labels from {y.min():g} to {y.max():g}")
    return float(np.mean(pred == y))


# --------------------------------------------------------------------------------------------
# ridge
# --------------------------------------------------------------------------------------------

def _eigh(C: np.ndarray):
    """Eigenvalues (ascending) and eigenvectors of the symmetric C, with the eigenvalues that are rounding
    noise (below size * eps * the largest, as numpy's matrix_rank counts) set to exactly 0.  Whether such a
    null direction came out as +1e-17 or as <= 0 (clipped to 0) depended on the CPU's LAPACK kernels; for a
    lambda near or below 1e-17 the ridge path's 1 / (s + lambda) there then differed by orders of magnitude
    between machines (whether lambda = 1e-300 is refused as numerically zero, say).  For lambdas of the
    default grid the change is below 1e-8 relative."""
    # torch's LAPACK, not numpy's: the features come from torch, and two thread pools (torch's OpenMP and
    # numpy's OpenBLAS) competing for the same cores slow an eigh down several-fold on a busy machine
    s, V = torch.linalg.eigh(torch.from_numpy(0.5 * (C + C.T)))
    s = s.numpy()
    noise = s.size * np.finfo(np.float64).eps * float(np.max(np.abs(s))) if s.size else 0.0
    return np.where(s <= noise, 0.0, s), V.numpy()


class _RidgePath:
    """Ridge solutions W(lambda) = (G G^T / n + lambda I)^{-1} G Yc / n for many lambda from one eigh.

    G = (F - m) / c are the standardized features and Yc the centred one-hot targets.  Primal (d x d)
    when d <= n, built from the raw sums F F^T, F 1, F Y (so a fitting set and a validation set give the
    whole training set's sums by addition, without a second pass over the data); dual (n x n) otherwise:
    W = G U diag(1 / (n (s + lambda))) U^T Yc.
    """

    def __init__(self, sums: dict, single: bool = False):
        self.n, self.mean, self.scale, self.ybar = sums["n"], sums["mean"], sums["scale"], sums["ybar"]
        n, m, c = self.n, self.mean, self.scale
        self.primal = "FF" in sums
        self.single = single and self.primal
        if self.primal:
            C = (sums["FF"] - n * np.outer(m, m)) / (n * c * c)
            rhs = (sums["FY"] - n * np.outer(m, self.ybar)) / (c * n)
            if self.single:
                # one lambda only: a linear solve costs a fraction of an eigendecomposition
                self.C, self.rhs = torch.from_numpy(0.5 * (C + C.T)), torch.from_numpy(rhs)
                return
            s, V = _eigh(C)
            self.s, self.V = s, V
            self.B = V.T @ rhs
        else:
            G = (sums["F"] - m[:, None]) / c
            s, U = _eigh(G.T @ G / n)
            self.s, self.GU, self.UY = s, G @ U, U.T @ (sums["Y"] - self.ybar)

    def weight(self, lam_eff: float) -> np.ndarray:
        if self.single:
            eye = torch.eye(self.C.shape[0], dtype=self.C.dtype)
            return torch.linalg.solve(self.C + lam_eff * eye, self.rhs).numpy()
        inv = 1.0 / (self.s + lam_eff)
        if self.primal:
            return self.V @ (self.B * inv[:, None])
        return self.GU @ (self.UY * inv[:, None]) / self.n


def _onehot(y, K):
    Y = np.zeros((y.size, K))
    Y[np.arange(y.size), y] = 1.0
    return Y


def _sums(F: np.ndarray, y: np.ndarray, K: int, primal: bool) -> dict:
    """Raw sums of features F: (d, n) (float64) and one-hot labels: what _RidgePath needs."""
    Y = _onehot(y, K)
    Ft = torch.from_numpy(F)
    out = {"n": F.shape[1], "sum": F.sum(axis=1), "sq": float(np.sum(F * F)), "ysum": Y.sum(axis=0)}
    if primal:
        out["FF"] = (Ft @ Ft.T).numpy()           # torch: a multithreaded float64 GEMM
        out["FY"] = F @ Y
    else:
        out["F"], out["Y"] = F, Y
    return out


def _merge(a: dict, b: dict) -> dict:
    """Sums of the union of two disjoint sample sets (primal form only)."""
    return {key: a[key] + b[key] for key in ("n", "sum", "sq", "ysum", "FF", "FY")}


def _finalize(sums: dict) -> dict:
    n = sums["n"]
    mean = sums["sum"] / n
    ms = sums["sq"] / n - float(mean @ mean)
    if not ms > 0:
        raise ValueError("the features are constant over the samples; nothing to fit")
    return {**sums, "mean": mean, "scale": float(np.sqrt(ms)), "ybar": sums["ysum"] / n}


def _ridge_readout(path: _RidgePath, lam: float, shift: float, name: str = "lam") -> np.ndarray:
    lam_eff = lam + shift / (path.n * path.scale**2)
    if lam_eff <= 0:
        raise ValueError(f"{name} + gram_shift must be > 0 (a ridge readout needs some regularization): "
                         f"{name} = 0 is allowed only with gram_shift > 0; drop 0 from {name} or add a gram_shift")
    # lam_eff > 0 can still be numerically zero next to the eigenvalues (e.g. 1e-300): the solve then fails
    # (singular) or 1 / lam_eff overflows.  The check is in float32, the precision the Readout stores.
    try:
        W = path.weight(lam_eff)
    except torch.linalg.LinAlgError:
        W = None
    if W is None or not _fits_float32(W):
        raise ValueError(f"{name} = {lam:g} is numerically zero for these features (the ridge solve is singular or "
                         f"gives non-finite weights); increase {name}")
    return W


def ridge_fit(F, y, lam: float, gram_shift: float = 0.0, n_classes=None) -> Readout:
    """Ridge readout with a given lambda: minimizes (1/n) ||Y - G^T W - b||^2 + lambda ||W||^2.

    F: (d, n) features; y: (n,) labels; Y the one-hot targets; G the standardized features.
    gram_shift: add gram_shift * I to the training Gram matrix F^T F (raw feature units), i.e. emulate a
    kernel whose diagonal alone is shifted (THEORY.md section 4.3): same as lambda + gram_shift / (n c^2).
    """
    F, y, K = _training_labels(F, y, n_classes)
    lam = checks.in_range("lam", lam, 0.0, np.inf)
    shift = checks.in_range("gram_shift", gram_shift, 0.0, np.inf)
    path = _RidgePath(_finalize(_sums(F, y, K, F.shape[0] <= F.shape[1])), single=True)
    return _finish("ridge", _ridge_readout(path, lam, shift), path.ybar, path.mean, path.scale, lam)


def ridge(F, y, lams=None, val_fraction: float = 0.2, seed: int = 0, gram_shift: float = 0.0,
          n_classes=None) -> Readout:
    """Ridge readout with lambda chosen on a validation split, then refitted on all samples.

    F: (d, n) training features; y: (n,) labels; lams: candidate lambdas (default ``RIDGE_GRID``, in units
    of the standardized features); the split puts ``val_fraction`` of the samples (drawn with ``seed``) in
    validation.  The lambda of highest validation accuracy wins (ties: the largest).  gram_shift as in
    :func:`ridge_fit`.
    """
    F, y, K = _training_labels(F, y, n_classes)
    grid = _grid("lams", lams, RIDGE_GRID)
    shift = checks.in_range("gram_shift", gram_shift, 0.0, np.inf)
    fit, val = _split(F.shape[1], val_fraction, seed)
    primal = F.shape[0] <= fit.size
    fit_sums = _sums(F[:, fit], y[fit], K, primal)
    path = _RidgePath(_finalize(fit_sums))
    Gval = (F[:, val] - path.mean[:, None]) / path.scale
    acc = np.array([np.mean(np.argmax(Gval.T @ _ridge_readout(path, lam, shift, "lams") + path.ybar, axis=1)
                            == y[val]) for lam in grid])
    best = _best(grid, acc)
    if primal:
        full = _RidgePath(_finalize(_merge(fit_sums, _sums(F[:, val], y[val], K, True))), single=True)
    else:
        full = _RidgePath(_finalize(_sums(F, y, K, False)))
    W = _ridge_readout(full, grid[best], shift)
    return _finish("ridge", W, full.ybar, full.mean, full.scale, grid[best], grid, acc)


# --------------------------------------------------------------------------------------------
# cross-entropy
# --------------------------------------------------------------------------------------------

def _ce_objective(G, y, W, b, wd):
    logits = G.T @ W + b
    return torch.nn.functional.cross_entropy(logits, y) + 0.5 * wd * torch.sum(W * W)


def _ce_solve(G: torch.Tensor, y: torch.Tensor, K: int, wd: float, max_iter: int, init=None):
    d = G.shape[0]
    W = torch.zeros((d, K), dtype=torch.float64) if init is None else init[0].clone()
    b = torch.zeros(K, dtype=torch.float64) if init is None else init[1].clone()
    W.requires_grad_(True)
    b.requires_grad_(True)
    max_eval = max_iter * 5 // 4           # torch's default, made explicit: it is one of the two limits
    opt = torch.optim.LBFGS([W, b], lr=1.0, max_iter=max_iter, max_eval=max_eval, history_size=20,
                            tolerance_grad=1e-9, tolerance_change=1e-12, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = _ce_objective(G, y, W, b, wd)
        loss.backward()
        return loss

    opt.step(closure)
    state = opt.state[W]                   # L-BFGS keeps its counters with its first parameter
    iterations = int(state.get("n_iter", 0))
    at_limit = iterations >= max_iter or int(state.get("func_evals", 0)) >= max_eval
    return W.detach(), b.detach(), iterations, at_limit


def _ce_final(G: torch.Tensor, y: torch.Tensor, K: int, wd: float, max_iter: int):
    """The fit a readout keeps: W, b and (iterations, max_iter, max_gradient, stopped_at_limit)."""
    W, b, iterations, at_limit = _ce_solve(G, y, K, wd, max_iter)
    # the gradient at the returned point, evaluated once more (L-BFGS's last one may belong to a line-search
    # trial); only for the kept fit, not for the continuation path of cross_entropy
    W.requires_grad_(True)
    b.requires_grad_(True)
    _ce_objective(G, y, W, b, wd).backward()
    max_grad = max(float(W.grad.abs().max()), float(b.grad.abs().max()))
    return W.detach(), b.detach(), (iterations, max_iter, max_grad, at_limit)


def cross_entropy_fit(F, y, weight_decay: float, max_iter: int = 300, n_classes=None) -> Readout:
    """Multinomial logistic readout: minimizes mean cross-entropy + (weight_decay / 2) ||W||^2
    (bias not penalized) on the standardized features, full-batch L-BFGS with strong-Wolfe line search.

    F: (d, n) features; y: (n,) labels; max_iter: L-BFGS iterations (one optimizer step).
    """
    F, y, K = _training_labels(F, y, n_classes)
    wd = checks.in_range("weight_decay", weight_decay, 0.0, np.inf)
    max_iter = checks.positive_int("max_iter", max_iter)
    mean, scale = _standardizer(F)
    G = torch.from_numpy((F - mean[:, None]) / scale)
    W, b, solver = _ce_final(G, torch.from_numpy(y), K, wd, max_iter)
    return _finish("cross_entropy", W.numpy(), b.numpy(), mean, scale, wd, solver=solver)


def cross_entropy(F, y, weight_decays=None, val_fraction: float = 0.2, seed: int = 0, max_iter: int = 300,
                  n_classes=None) -> Readout:
    """Cross-entropy readout with the weight decay chosen on a validation split, refitted on all samples.

    Candidates (default ``WEIGHT_DECAY_GRID``) are fitted from the largest down, each warm-started at
    the previous solution (a continuation path: cheaper, and the same minimizer since the objective
    is strictly convex for weight_decay > 0).  Ties go to the largest weight decay.
    """
    F, y, K = _training_labels(F, y, n_classes)
    grid = _grid("weight_decays", weight_decays, WEIGHT_DECAY_GRID)
    max_iter = checks.positive_int("max_iter", max_iter)
    fit, val = _split(F.shape[1], val_fraction, seed)
    mean, scale = _standardizer(F[:, fit])
    G = torch.from_numpy((F[:, fit] - mean[:, None]) / scale)
    Gval = torch.from_numpy((F[:, val] - mean[:, None]) / scale)
    yt = torch.from_numpy(y[fit])
    order = np.argsort(-grid, kind="stable")
    acc = np.empty(grid.size)
    init = None
    for k in order:
        init = _ce_solve(G, yt, K, float(grid[k]), max_iter, init)[:2]
        acc[k] = float(np.mean(np.argmax((Gval.T @ init[0] + init[1]).numpy(), axis=1) == y[val]))
    best = _best(grid, acc)
    mean_all, scale_all = _standardizer(F)
    G_all = torch.from_numpy((F - mean_all[:, None]) / scale_all)
    W, b, solver = _ce_final(G_all, torch.from_numpy(y), K, float(grid[best]), max_iter)
    return _finish("cross_entropy", W.numpy(), b.numpy(), mean_all, scale_all, grid[best], grid, acc, solver)
