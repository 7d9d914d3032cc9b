"""Frozen random-feature networks in torch: dense (Gaussian weights), sparse ternary, compressed (NTK-LC).

A network is the map of THEORY.md section 2, Sigma_0 = X, Sigma_l = sigma_l(W_l Sigma_{l-1}) / sqrt(d_l),
with centred activations sigma_l = f_l - E f_l(tau_{l-1} xi).  The hidden layers are never trained
(random-features regime, THEORY.md section 4.5); only a readout on the last layer's features is
(see :mod:`ntklc_lib.readout`).

Weights are drawn by :func:`ntklc_lib.kernels.sample_weights` with the same generator sequence as
:func:`ntklc_lib.kernels.ck_empirical`, and the centring constants come from
:func:`ntklc_lib.coefficients.layer_moments`, so with ``dtype=torch.float64``
``features(net, X).T @ features(net, X)`` is the empirical CK the library computes for the same ``seed``
(one draw) to rounding (1e-16; the default float32 features agree to ~1e-7).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import binom

from . import activations as A
from . import checks, coefficients, data
from .kernels import SCALE_FACTOR, float_dtype, sample_weights

WEIGHT_LAWS = ("gaussian", "ternary", "magnitude_pruned", "random_pruned")
_BATCH = 2048          # samples per forward batch: keeps a (d_l, batch) float32 block at a few MB
# SCALE_FACTOR (kernels): features() refuses data whose scale is off the net's tau0 by more than this factor


def nominal_kept(size: int, sparsity: float) -> int:
    """round((1 - sparsity) size): the weights a layer of ``size`` keeps at ``sparsity``, the one count that
    magnitude pruning keeps (:func:`ntklc_lib.baselines.magnitude_pruned`), the memory formulas price
    (:func:`ntklc_lib.memory.pruned_layers`) and :func:`kept_count_range` allows (Python's round: half to
    even)."""
    return int(round((1.0 - checks.sparsity("sparsity", sparsity)) * checks.positive_int("size", size)))


KEPT_COUNT_ALPHA = 1e-9   # kept_count_range: chance, each side, that a true binomial count falls outside


def kept_count_range(size: int, sparsity: float, weight_law: str) -> tuple[int, int]:
    """The non-zero counts (low, high), inclusive, that a layer of ``size`` weights may hold under
    ``weight_law`` at ``sparsity``, as :class:`RandomFeatureNet` checks them.

    "gaussian": (0, size), no constraint.  "magnitude_pruned": (0, round((1 - sparsity) size)), the count
    :func:`ntklc_lib.baselines.magnitude_pruned` keeps (fewer only if a kept weight is 0.0).  "ternary" and
    "random_pruned": each weight is non-zero independently with probability 1 - sparsity, so the count is
    Binomial(size, 1 - sparsity); allowed are its KEPT_COUNT_ALPHA and 1 - KEPT_COUNT_ALPHA quantiles, so
    a true draw falls outside with probability at most 2 KEPT_COUNT_ALPHA (exact binomial tails, not a
    normal approximation: at 1e6 weights and sparsity 0.99999 the mean count is 10).
    """
    size = checks.positive_int("size", size)
    eps = checks.sparsity("sparsity", sparsity)
    checks.one_of("weight_law", weight_law, set(WEIGHT_LAWS))
    if weight_law == "gaussian":
        return 0, size
    if weight_law == "magnitude_pruned":
        return 0, nominal_kept(size, eps)
    count = binom(size, 1.0 - eps)
    return int(count.ppf(KEPT_COUNT_ALPHA)), int(count.isf(KEPT_COUNT_ALPHA))


@dataclass(frozen=True, eq=False)
class RandomFeatureNet:
    """A frozen L-layer random-feature network.

    weights: L tensors, layer l of shape (d_l, d_{l-1}) (d_0 = p), float32 unless built otherwise;
    acts: L activations f_l; centers: L centring constants E f_l(tau_{l-1} xi);
    tau: (L+1,) the scales tau_0..tau_L the centring refers to;
    weight_law: one of WEIGHT_LAWS; sparsity: fraction of zero weights the law was drawn with, in [0, 1)
    (each layer's non-zero count must lie in :func:`kept_count_range`, which memory.net_bits relies on);
    seed: the seed of the weight draw (None when the weights came from elsewhere, e.g. a file).
    Activations given by name are resolved with :func:`ntklc_lib.activations.get`.

    Build one with :func:`dense_net`, :func:`ternary_net` or :func:`compressed_net`.  The object is not
    callable: for data X: (p, n), ``networks.features(net, X)`` gives the last layer's features
    Sigma_L: (d_L, n) and ``networks.conjugate_kernel(net, X)`` this net's CK Sigma_L^T Sigma_L: (n, n).
    """

    weights: tuple
    acts: tuple
    centers: tuple
    tau: np.ndarray
    weight_law: str
    sparsity: float = 0.0
    seed: int | None = None

    def __post_init__(self):
        L = len(self.weights)
        if L == 0 or len(self.acts) != L or len(self.centers) != L or len(self.tau) != L + 1:
            raise ValueError(f"a net needs one activation, centre and weight matrix per layer and L+1 scales: got "
                             f"{L} weights, {len(self.acts)} activations, {len(self.centers)} centres, "
                             f"{len(self.tau)} scales")
        for l, W in enumerate(self.weights):
            if not isinstance(W, torch.Tensor) or W.ndim != 2 or not W.is_floating_point():
                raise ValueError(f"weights[{l}] must be a 2-D floating-point torch tensor, got "
                                 f"{getattr(W, 'dtype', type(W).__name__)} of shape {tuple(getattr(W, 'shape', ()))}")
            bad = int((~torch.isfinite(W)).sum())
            if bad:
                # the features would come out NaN (or inf) without a word
                raise ValueError(f"weights[{l}] contains {bad} non-finite entries (NaN or inf)")
        for l in range(1, L):
            if self.weights[l].shape[1] != self.weights[l - 1].shape[0]:
                raise ValueError(f"weights[{l}] has shape {tuple(self.weights[l].shape)}, its input size must be "
                                 f"the previous layer's width {self.weights[l - 1].shape[0]}")
        acts = []
        for l, act in enumerate(self.acts):
            try:
                acts.append(A.get(act))
            except ValueError as exc:
                raise ValueError(f"acts[{l}]: {exc}") from None
        object.__setattr__(self, "acts", tuple(acts))     # frozen dataclass: names resolved once, here
        for name in ("centers", "tau"):
            try:
                values = np.asarray(getattr(self, name), dtype=np.float64)
            except (TypeError, ValueError):
                values = np.array([np.nan])
            if not np.all(np.isfinite(values)):
                raise ValueError(f"{name} must hold finite numbers (no NaN or inf), got {getattr(self, name)!r}")
        checks.one_of("weight_law", self.weight_law, set(WEIGHT_LAWS))
        # store plain Python numbers: numpy scalars pass the checks but break memory.save_compressed's JSON
        object.__setattr__(self, "sparsity", checks.sparsity("sparsity", self.sparsity))
        if self.seed is not None:
            object.__setattr__(self, "seed", checks.seed("seed", self.seed))
        if self.weight_law == "gaussian" and self.sparsity != 0.0:
            # memory.net_bits counts a Gaussian net as dense whatever the sparsity says
            raise ValueError(f"sparsity must be 0 for weight_law 'gaussian' (dense weights), got {self.sparsity!r}")
        if self.weight_law == "ternary":
            self._check_ternary()
        self._check_kept_counts()
        self._check_centring()

    def _check_ternary(self):
        """Ternary weights take the values 0 and ±1/sqrt(1 - sparsity) (unit variance, THEORY.md section 3):
        memory.net_bits prices them as such, and the kernel formulas assume the unit variance."""
        expected = 1.0 / math.sqrt(1.0 - self.sparsity)
        for l, W in enumerate(self.weights):
            mag = W.detach().abs()
            nonzero = mag[mag != 0]
            if nonzero.numel() and not (torch.all(nonzero == nonzero[0])
                                        and abs(float(nonzero[0]) / expected - 1.0) < 1e-6):
                raise ValueError(
                    f"weights[{l}] must take the values 0 and ±1/sqrt(1 - sparsity) = ±{expected:.6g} for "
                    f"weight_law 'ternary' (sparsity {self.sparsity:g}), got non-zero magnitudes "
                    f"{float(nonzero.min()):.6g}..{float(nonzero.max()):.6g}")

    def _check_kept_counts(self):
        """The non-zero count of each layer must fit the sparsity the law says (:func:`kept_count_range`):
        memory.net_bits prices a pruned or ternary net by its nominal round((1 - sparsity) size) kept
        weights, so a dense matrix labelled 'magnitude_pruned' at sparsity 0.9 would be priced at a tenth
        of what it holds, and a ternary one would not have the unit variance the kernel formulas assume."""
        if self.weight_law == "gaussian":
            return
        for l, W in enumerate(self.weights):
            size, kept = W.numel(), int(torch.count_nonzero(W))
            low, high = kept_count_range(size, self.sparsity, self.weight_law)
            if not low <= kept <= high:
                raise ValueError(
                    f"weights[{l}] has {kept} non-zero entries of {size}, which does not fit sparsity "
                    f"{self.sparsity:g} for weight_law {self.weight_law!r}: it must keep {low}..{high} "
                    f"(about (1 - sparsity) size = {(1.0 - self.sparsity) * size:.0f}; build nets with "
                    f"dense_net, ternary_net, compressed_net or the baselines)")

    def _check_centring(self):
        """tau must be the scales of the recursion tau_l^2 = E sigma_l(tau_{l-1} xi)^2 from tau_0, and each
        centre E f_l(tau_{l-1} xi): otherwise the layers are not centred and none of the kernel
        formulas hold (THEORY.md section 2), with no error anywhere downstream."""
        tau = np.asarray(self.tau, dtype=np.float64)
        if tau.ndim != 1 or not np.all(tau > 0):
            raise ValueError(f"tau must hold L+1 = {len(self.weights) + 1} scales > 0, got {self.tau!r}")
        for l, (act, center) in enumerate(zip(self.acts, self.centers)):
            m = A.moments(act, float(tau[l]))
            rms = math.sqrt(float(m.var) + float(m.mean) ** 2)
            if abs(float(center) - float(m.mean)) > 1e-6 * max(rms, 1e-300):
                raise ValueError(
                    f"centers[{l}] = {float(center):.6g} is not the mean E f(tau xi) = {float(m.mean):.6g} of "
                    f"acts[{l}] ({act.name!r}) at its input scale tau[{l}] = {tau[l]:.6g}: the layer would not "
                    f"be centred (build nets with dense_net, ternary_net or compressed_net)")
            if abs(math.sqrt(float(m.var)) / tau[l + 1] - 1.0) > 1e-6:
                raise ValueError(
                    f"tau[{l + 1}] = {tau[l + 1]:.6g} is not the scale sqrt(E sigma(tau xi)^2) = "
                    f"{math.sqrt(float(m.var)):.6g} that acts[{l}] ({act.name!r}) gives at tau[{l}] = {tau[l]:.6g}")

    @property
    def p(self) -> int:
        """Input dimension d_0."""
        return int(self.weights[0].shape[1])

    @property
    def widths(self) -> tuple[int, ...]:
        """(d_1, ..., d_L)."""
        return tuple(int(W.shape[0]) for W in self.weights)

    @property
    def depth(self) -> int:
        return len(self.weights)

    @property
    def n_weights(self) -> int:
        """Number of hidden-layer weights (sum of d_l d_{l-1})."""
        return int(sum(W.numel() for W in self.weights))


def check_net(name: str, net) -> RandomFeatureNet:
    """``net`` unchanged if it is a :class:`RandomFeatureNet`, else ValueError naming the argument (an
    AttributeError deep inside before, e.g. for a readout or a plan passed in its place)."""
    if not isinstance(net, RandomFeatureNet):
        raise ValueError(f"{name} must be a RandomFeatureNet (from nl.networks.dense_net, ternary_net or "
                         f"compressed_net), got {type(net).__name__}")
    return net


def _draw(p, widths, kind, sparsity, seed, dtype) -> tuple:
    """Weights of all layers from one generator, in the order ck_empirical draws them (float64, then cast)."""
    dtype = float_dtype(dtype)
    gen = torch.Generator().manual_seed(seed)
    dims = (p,) + widths
    return tuple(sample_weights((dims[l + 1], dims[l]), kind, sparsity, gen, what=f"layer {l + 1}").to(dtype)
                 for l in range(len(widths)))


def _setup(p, widths, acts, tau0):
    p = checks.positive_int("p", p)
    acts = tuple(A.get_list(acts))
    widths = checks.layer_widths(widths, len(acts))
    ms, taus = coefficients.layer_moments(acts, tau0)
    return p, widths, acts, tuple(float(m.mean) for m in ms), taus


def dense_net(p: int, widths, acts, tau0: float = 1.0, seed: int = 0, dtype=torch.float32) -> RandomFeatureNet:
    """Gaussian N(0, 1) weights, the given activations centred at their Gaussian means.

    p: input dimension; widths: (d_1..d_L); acts: L activations (names or Activation objects);
    tau0: the data scale (1 for data normalized as THEORY.md section 1).
    """
    p, widths, acts, centers, taus = _setup(p, widths, acts, tau0)
    seed = checks.seed("seed", seed)
    return RandomFeatureNet(_draw(p, widths, "gaussian", 0.0, seed, dtype), acts, centers, taus, "gaussian", 0.0, seed)


def ternary_net(p: int, widths, acts, tau0: float = 1.0, sparsity: float = 0.9, seed: int = 0,
                dtype=torch.float32) -> RandomFeatureNet:
    """Sparse ternary weights (0 w.p. sparsity, ±1/sqrt(1-sparsity) otherwise), the given activations.

    With ReLU activations this is "ReLU with sparse ternary weights"; with step activations from a
    plan use :func:`compressed_net`.  A layer drawn without a non-zero weight (sparsity near 1: (1 - sparsity)
    d_l d_{l-1} below 1) raises ValueError naming ``sparsity``.
    """
    p, widths, acts, centers, taus = _setup(p, widths, acts, tau0)
    eps = checks.sparsity("sparsity", sparsity)
    seed = checks.seed("seed", seed)
    return RandomFeatureNet(_draw(p, widths, "ternary", eps, seed, dtype), acts, centers, taus, "ternary", eps, seed)


def compressed_net(p: int, widths, plan, sparsity: float = 0.9, seed: int = 0,
                   dtype=torch.float32) -> RandomFeatureNet:
    """The NTK-LC net of a plan from ``nl.compress.solve``: sparse ternary weights and the plan's
    quantized activations ``plan.compressed``, centred with ``plan.centers``, at scales ``plan.tau_compressed``."""
    p = checks.positive_int("p", p)
    widths = checks.positive_ints("widths", widths)
    if not all(hasattr(plan, a) for a in ("compressed", "centers", "tau_compressed")):
        raise TypeError(f"plan must be a CompressionPlan (from nl.compress.solve), got {type(plan).__name__}")
    acts = tuple(plan.compressed)
    if len(acts) != len(widths):
        raise ValueError(f"widths must have one entry per layer of the plan: the plan has {len(acts)} layers, "
                         f"got {len(widths)} widths")
    centers = tuple(float(c) for c in np.asarray(plan.centers, dtype=np.float64))
    taus = np.asarray(plan.tau_compressed, dtype=np.float64)
    if len(centers) != len(acts) or taus.shape != (len(acts) + 1,):
        raise ValueError(f"plan must have {len(acts)} centers and {len(acts) + 1} tau_compressed values, got "
                         f"{len(centers)} and {taus.shape}")
    eps = checks.sparsity("sparsity", sparsity)
    seed = checks.seed("seed", seed)
    return RandomFeatureNet(_draw(p, widths, "ternary", eps, seed, dtype), acts, centers, taus, "ternary", eps, seed)


def features(net: RandomFeatureNet, X, batch_size: int = _BATCH, sparse: bool = False) -> np.ndarray:
    """Last hidden layer Sigma_L for data X: (p, n) -> (d_L, n), in the dtype of the net's weights.

    Computed in batches of ``batch_size`` columns.  ``sparse=True`` multiplies by the weights stored as
    CSR matrices (faster at high sparsity); it agrees with the dense product to round-off only, so the
    bit-exact comparisons (file round trip) use the default.  X must have about the scale the net was built
    for: ``data.tau0(X)`` within a factor ``SCALE_FACTOR`` (3) of ``net.tau[0]``, else ValueError (the layers'
    centring constants hold at that scale only).
    """
    check_net("net", net)
    batch_size = checks.positive_int("batch_size", batch_size)
    sparse = checks.boolean("sparse", sparse)
    dtype = net.weights[0].dtype
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    X = checks.finite_matrix("X", X)
    if X.shape[0] != net.p:
        raise ValueError(f"X must have p = {net.p} rows (one column per sample), got shape {X.shape}")
    _check_scale(net, data.tau0(X))
    Xt = torch.from_numpy(X).to(dtype)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        Ws = [W.to_sparse_csr() for W in net.weights] if sparse else list(net.weights)
    layers = [(W, _layer_map(act, m, dtype), math.sqrt(W.shape[0])) for W, act, m in zip(Ws, net.acts, net.centers)]
    out = torch.empty((net.widths[-1], Xt.shape[1]), dtype=dtype)
    with torch.no_grad():
        for s in range(0, Xt.shape[1], batch_size):
            S = Xt[:, s:s + batch_size]
            for W, centred, c in layers:
                S = centred(W @ S) / c
            out[:, s:s + batch_size] = S
    return out.numpy()


def _check_scale(net: RandomFeatureNet, scale: float) -> None:
    """Raise if the data scale (``data.tau0`` of X, sqrt(mean_i ||x_i||^2)) is far from the net's tau[0].

    The centring constants are E f(tau_{l-1} xi) at the net's scales: on data of another scale the features
    are not centred and the kernel formulas do not hold, with no error downstream.  The window is wide
    (a factor of SCALE_FACTOR either way) because test data normalized with the training statistics, or a
    few samples, have a scale that differs from the training data's by a few per cent to tens of per cent.
    """
    tau0 = float(net.tau[0])
    if not tau0 / SCALE_FACTOR <= scale <= tau0 * SCALE_FACTOR:
        raise ValueError(
            f"X has scale tau_0 = sqrt(mean ||x_i||^2) = {scale:.4g}, but the net was built for tau0 = {tau0:.4g} "
            f"(allowed: {tau0 / SCALE_FACTOR:.4g} to {tau0 * SCALE_FACTOR:.4g}); its activations would not be "
            f"centred. Normalize X (nl.data.normalize) or build the net with tau0 = nl.data.tau0(X)")


def _layer_map(act, center: float, dtype):
    """t -> f(t) - center.  A step activation becomes one table look-up (bucketize into its thresholds),
    with the centre folded into the table: one pass over the pre-activations instead of one per threshold."""
    if act.is_step:
        thresholds = torch.tensor(act.thresholds, dtype=dtype)
        # f = values[k] on (s_{k-1}, s_k]: bucketize (right=False) returns that k
        table = torch.tensor(np.asarray(act.values, dtype=np.float64) - center, dtype=dtype)
        return lambda H: table[torch.bucketize(H, thresholds)]
    return lambda H: act.fn_torch(H) - center


def conjugate_kernel(net: RandomFeatureNet, X, batch_size: int = _BATCH) -> np.ndarray:
    """Empirical CK of this one net, Sigma_L^T Sigma_L: (n, n) float64, for X: (p, n)."""
    F = features(net, X, batch_size).astype(np.float64)
    return F.T @ F
