"""NTK-LC compression (THEORY.md section 4): sparse ternary weights and quantized activations."""
from __future__ import annotations

import numpy as np
import torch

from . import checks
from .kernels import sample_weights


def ternary_weights(shape, sparsity: float = 0.9, seed: int = 0, dtype=np.float32) -> np.ndarray:
    """i.i.d. sparse ternary weights: ±1/sqrt(1-eps) with probability (1-eps)/2 each, 0 with probability eps.

    shape: (d_out, d_in); sparsity eps in [0, 1) is the fraction of zeros; unit variance, so the
    kernel formulas of THEORY.md section 3 still apply.
    """
    checks.sparsity("sparsity", sparsity)
    shape = checks.positive_ints("shape", shape)
    if len(shape) != 2:
        raise ValueError(f"shape must be (d_out, d_in), two positive integers, got {shape}")
    try:
        ok = np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.float64))
    except TypeError:
        ok = False
    if not ok:
        # an integer or bool dtype would truncate ±1/sqrt(1-eps) and lose the unit variance; float16 rounds
        # it (3.162 for 3.1623 at eps = 0.9), which kernels.float_dtype refuses for the same reason
        raise ValueError(f"dtype must be np.float32 or np.float64, got {dtype!r}")
    gen = torch.Generator().manual_seed(checks.seed("seed", seed))
    return sample_weights(shape, "ternary", sparsity, gen).numpy().astype(dtype)


# --------------------------------------------------------------------------------------------
# activation solving (THEORY.md section 4, steps 1-3)
# --------------------------------------------------------------------------------------------
#
# Two families of quantized activations, both with two thresholds x1 < x2 in units of the input
# scale tau (t = x tau) and a level b > 0:
#   "interval": sigma(t) = b 1{x1 < t/tau < x2}                  values {0, b}
#   "ternary":  sigma(t) = b (1{t/tau > x2} - 1{t/tau < x1})      values {-b, 0, b}
# (the complement of an interval is the interval with -b after centring, so signs are covered by
# matching squares d1^2, d2^2).  All moments are closed forms (THEORY.md section 4 step 2).

import math  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from scipy import optimize  # noqa: E402

from . import activations as A  # noqa: E402
from . import coefficients  # noqa: E402

FAMILIES = ("ternary", "interval")
MODES = ("moments", "scale")
MOMENT_NAMES = ("d1sq", "d2sq", "d3", "var")
_TOL = 1e-10          # relative residual a matched moment must reach
_GRID = np.linspace(-6.0, 6.0, 241)


def _family_moments(family: str, x1, x2, b, tau):
    """(d1^2, d2^2, d3, var, mean) of a quantized activation of the family; arrays broadcast."""
    p1, p2 = A.npdf(x1), A.npdf(x2)
    if family == "interval":
        A1 = p1 - p2
        A2 = x1 * p1 - x2 * p2
        P = A.ncdf(x2) - A.ncdf(x1)
        mean = b * P
        d3 = b * b * A2 * (1 - 2 * P) / tau**2
        var = b * b * P * (1 - P)
    else:
        A1 = p1 + p2
        A2 = x2 * p2 + x1 * p1
        Pp, Pm = 1 - A.ncdf(x2), A.ncdf(x1)
        mean = b * (Pp - Pm)
        # d3 = b^2 G(S+ u S-) - 2 m d2
        d3 = b * b * ((x2 * p2 - x1 * p1) - 2 * (Pp - Pm) * A2) / tau**2
        var = b * b * (Pp + Pm - (Pp - Pm) ** 2)
    d1 = b * A1 / tau
    d2 = b * A2 / tau**2
    return {"d1sq": d1 * d1, "d2sq": d2 * d2, "d3": d3, "var": var, "mean": mean}


def quantized_activation(family: str, x1: float, x2: float, b: float, tau: float) -> A.Activation:
    """The :class:`~ntklc_lib.activations.Activation` of a family member: thresholds x1 < x2 in units of
    the input scale tau (so at t = x1 * tau and x2 * tau), level b > 0."""
    checks.one_of("family", family, set(FAMILIES))
    x1, x2 = checks.finite_number("x1", x1), checks.finite_number("x2", x2)
    # b = 0 would be the zero function, whose kernels vanish; the sign of b only flips the activation
    b, tau = checks.positive_float("b", b), checks.positive_float("tau", tau)
    if not x1 < x2:
        raise ValueError(f"x1 must be < x2 (the two thresholds, in units of tau), got x1 = {x1}, x2 = {x2}")
    s1, s2 = x1 * tau, x2 * tau
    if family == "interval":
        return A.step([s1, s2], [0.0, b, 0.0], name="interval")
    return A.step([s1, s2], [-b, 0.0, b], name="ternary")


@dataclass(frozen=True)
class LayerSolution:
    """One layer's quantized activation: family, thresholds x (2,) in units of tau_in, level b;
    targets / achieved / residuals map moment names (d1sq, d2sq, d3, var) to values; ``matched``
    lists the moments solved to residual <= 1e-10."""

    activation: A.Activation
    family: str
    x: tuple
    b: float
    tau_in: float
    targets: dict
    achieved: dict
    residuals: dict
    matched: tuple


def _natural_scales(targets: dict, tau: float) -> dict:
    """Scales of |d1|, |d2|, d3 and var for one layer's targets, from the layer itself: d2 ~ d1 / tau, the
    others like the variance.  They say when a target counts as zero (odd activations have d2 = 0), relative
    to the layer, so that the solver and its residuals behave the same at every input scale tau (an absolute
    floor treated a small non-zero target at tau = 1e4 as zero, and misreported its residual)."""
    d1 = math.sqrt(max(targets["d1sq"], targets["var"] / tau**2))
    return {"d1sq": d1, "d2sq": d1 / tau, "d3": max(abs(targets["d3"]), targets["var"] / tau**2),
            "var": targets["var"]}


def _moment_scales(targets: dict, tau: float) -> dict:
    """Divisors of the errors in d1^2, d2^2, d3, var: |target|, or the natural scale (squared for d1^2 and
    d2^2) where the target is zero relative to it (below 1e-12 of it)."""
    nat = _natural_scales(targets, tau)
    nat = {k: v * v if k in ("d1sq", "d2sq") else v for k, v in nat.items()}
    return {k: abs(targets[k]) if abs(targets[k]) > 1e-12 * nat[k] else nat[k] for k in nat}


def _equation_values(family, z, tau) -> dict:
    """Values entering the equations at z = (x1, x2, log b): signed d1, d2 (as 'd1sq', 'd2sq'), d3, var."""
    x1, x2, logb = z
    b = float(np.exp(np.clip(logb, -60, 60)))
    m = _family_moments(family, x1, x2, b, tau)
    p1, p2 = A.npdf(x1), A.npdf(x2)
    A1 = (p1 - p2) if family == "interval" else (p1 + p2)
    A2 = (x1 * p1 - x2 * p2) if family == "interval" else (x2 * p2 + x1 * p1)
    return {"d1sq": b * A1 / tau, "d2sq": b * A2 / tau**2, "d3": m["d3"], "var": m["var"]}


def _residuals(family, z, eqs, goal, scales, tau):
    v = _equation_values(family, z, tau)
    return np.array([(v[k] - goal[k]) / scales[k] for k in eqs])


def _objective(family, z, names, targets, tau):
    if not names:
        return 0.0
    x1, x2, logb = z
    m = _family_moments(family, x1, x2, float(np.exp(np.clip(logb, -60, 60))), tau)
    scales = _moment_scales(targets, tau)
    return float(sum(math.log(max(m[k], 1e-300) / max(targets[k], 1e-300)) ** 2 if k == "var"
                     else ((m[k] - targets[k]) / scales[k]) ** 2 for k in names))


def _grid_starts(family, eqs, targets, tau, count=8):
    """Best grid points (x1 < x2) with b set from the first equation; ranked by residual norm."""
    X1, X2 = np.meshgrid(_GRID, _GRID, indexing="ij")
    keep = X1 < X2
    x1, x2 = X1[keep], X2[keep]
    unit = _family_moments(family, x1, x2, 1.0, tau)
    scales = _moment_scales(targets, tau)
    # each moment scales as b^2, so b follows from the first equation whose target is not zero; a zero
    # target (d1 of an even activation) says nothing of b, and b = 1 left every start far off at large tau
    lead = next((k for k in eqs if targets[k] != 0 and scales[k] == abs(targets[k])), None)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.sqrt(targets[lead] / unit[lead]) if lead is not None else np.ones_like(x1)
        b = np.where(np.isfinite(b) & (b > 0), b, np.nan)
        m = {k: v * b * b for k, v in unit.items() if k != "mean"}
        res = sum(((m[k] - targets[k]) / scales[k]) ** 2 for k in eqs)
    res = np.where(np.isfinite(res), res, np.inf)
    order = np.argsort(res)
    starts = []
    for i in order:
        if not np.isfinite(res[i]):
            break
        if all(abs(x1[i] - s[0]) + abs(x2[i] - s[1]) > 0.3 for s in starts):
            starts.append(np.array([x1[i], x2[i], math.log(b[i])]))
        if len(starts) == count:
            break
    return starts


def _solve_layer(targets: dict, tau: float, eqs: tuple, objective: tuple, families) -> tuple:
    """Solve the equations ``eqs`` exactly; among solutions, minimize ``objective``.

    Returns (family, z=(x1, x2, log b)) of the best solution, or None if no start converges.
    d1^2 and d2^2 are matched through signed d1, d2 whose signs are taken from the start point
    (flipping the sign of b or reflecting t -> -t realizes every sign pattern), so every root is
    simple.  Square systems (3 equations) are solved by Levenberg-Marquardt from grid starts; with
    fewer equations the free direction minimizes the objective (SLSQP with equality constraints)
    and the equations are then polished.  Deterministic: a fixed grid, no random restarts.
    """
    nat = _natural_scales(targets, tau)
    root = {"d1sq": math.sqrt(targets["d1sq"]), "d2sq": math.sqrt(targets["d2sq"]),
            "d3": targets["d3"], "var": targets["var"]}
    scales = {k: (abs(root[k]) if abs(root[k]) > 1e-12 * nat[k] else nat[k]) for k in root}
    best = None
    for family in families:
        for z0 in _grid_starts(family, eqs, targets, tau):
            v0 = _equation_values(family, z0, tau)
            goal = {k: (math.copysign(root[k], v0[k]) if k in ("d1sq", "d2sq") else root[k]) for k in root}
            fun = lambda z: _residuals(family, z, eqs, goal, scales, tau)
            try:
                if len(eqs) >= 3:
                    z = optimize.least_squares(fun, z0, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
                                               max_nfev=300).x
                else:
                    res = optimize.minimize(lambda z: _objective(family, z, objective, targets, tau), z0,
                                            method="SLSQP", constraints=[{"type": "eq", "fun": fun}],
                                            options={"ftol": 1e-14, "maxiter": 500})
                    z = res.x if np.all(np.isfinite(res.x)) else z0
                    z = optimize.least_squares(fun, z, method="trf", xtol=1e-15, ftol=1e-15, gtol=1e-15,
                                               max_nfev=300).x
            except (ValueError, FloatingPointError):
                continue
            if not (z[0] < z[1] and np.all(np.isfinite(z))):
                continue
            if np.max(np.abs(fun(z))) > _TOL / 4:
                continue
            score = _objective(family, z, objective, targets, tau)
            if best is None or score < best[0] - 1e-12:
                best = (score, family, z)
    return None if best is None else best[1:]


def _why_unsolvable(eqs, targets: dict, tau: float, tau_original: float, families) -> str:
    """The reason a layer has no solution, where one can be named (appended to solve's error)."""
    reasons = []
    if "var" in eqs:
        # Stein: matching d1^2 and var at scale tau fixes corr(sigma(tau xi), xi) = |d1| tau / sqrt(var)
        corr = math.sqrt(targets["d1sq"]) * tau / math.sqrt(targets["var"])
        cap = max(correlation_cap(f) for f in families)
        if corr > cap:
            reasons.append(f"matching d1sq and var needs corr(sigma(tau xi), xi) = {corr:.4f}, above {cap:.4f}, "
                           f"the most any member of {list(families)} reaches (compress.correlation_cap)")
    if ("d3" in eqs and "ternary" not in families and abs(targets["d2sq"]) <= 1e-12 * targets["d1sq"] / tau**2
            and abs(targets["d3"]) > 1e-12 * targets["d1sq"] / tau**2):
        # THEORY.md section 4: a {0, b} activation has d3 = (1 - 2P) b d2, so d2 = 0 forces d3 = 0
        reasons.append("an odd activation has d2 = 0 but d3 != 0, which no 'interval' activation {0, b} gives "
                       "(its d3 = (1 - 2P) b d2); add the family 'ternary' (symmetric levels {-b, 0, b})")
    if not math.isclose(tau, tau_original, rel_tol=1e-6):
        # the targets are the original's moments at its own scale, asked here of a quantizer at another one
        reasons.append(f"this scale has drifted from the original net's {tau_original:.6g} (mode 'moments' does "
                       "not match the variances of earlier layers; mode 'scale' keeps every scale)")
    return "".join(f"; {r}" for r in reasons)


@dataclass(frozen=True)
class CompressionPlan:
    """Quantized activations for every layer of a net (THEORY.md section 4).

    original / compressed: tuples of Activations (L,); tau_original / tau_compressed: (L+1,);
    centers: (L,) centring constants of the compressed activations at their input scales;
    targets / achieved / residuals: (L, 4) over (d1^2, d2^2, d3, var) — targets are the original's
    moments at its own scales, achieved the compressed activation's at the compressed net's scales,
    residuals relative, for zero targets (d2 of an odd activation) relative to
    max(d1^2 / tau^2, var / tau^4), with nan where a moment was not required;
    identity_shift = tau_L^2(compressed) - tau_L^2(original); layers: per-layer :class:`LayerSolution`.
    """

    original: tuple
    compressed: tuple
    tau_original: np.ndarray
    tau_compressed: np.ndarray
    centers: np.ndarray
    targets: np.ndarray
    achieved: np.ndarray
    residuals: np.ndarray
    identity_shift: float
    mode: str
    layers: tuple

    @property
    def alpha_original(self) -> np.ndarray:
        return coefficients.ck(self.original, self.tau_original[0]).alpha

    @property
    def alpha_compressed(self) -> np.ndarray:
        return coefficients.ck(self.compressed, self.tau_compressed[0]).alpha


def _layer_plan(mode: str, last: bool, targets: dict) -> tuple[list, tuple]:
    """The equation systems to try, in order, and the objective, for one layer."""
    if mode == "moments":
        if last:
            # alpha_L4 is never used by K~: d3 is free; bring tau_L^2 as close as possible
            return [("d1sq", "d2sq")], ("var",)
        return [("d1sq", "d2sq", "d3")], ("var",)
    # "scale": keep every tau_l (no drift, no identity shift); keep d2^2 too where reachable, else come
    # closest in it, and in d3 on hidden layers only: alpha_L4 is never used by K~, so a last-layer d3 would
    # only pull the solution away from d2^2, which enters alpha_L2 and alpha_L3
    return [("d1sq", "d2sq", "var"), ("d1sq", "var")], (("d2sq",) if last else ("d2sq", "d3"))


def solve(acts, tau0: float, mode: str = "moments", families=FAMILIES) -> CompressionPlan:
    """Quantized activations matching the Gaussian moments of ``acts`` (THEORY.md section 4).

    acts: the original net's activations (names, Activations or callables), one per layer;
    tau0: the data scale; mode:
      "moments" — hidden layers match (d1^2, d2^2, d3) at the compressed net's own scale (so alpha_L1..3
      and K~ are those of the original up to the identity coefficient), the last layer matches
      (d1^2, d2^2) and brings tau_L^2 as close to the original's as the family allows; among
      exact solutions of a hidden layer, the one whose variance drifts least is taken;
      "scale" — every layer matches (d1^2, tau_l^2) (no drift, no identity shift) and d2^2 where reachable;
      where it is not, a hidden layer comes closest in (d2^2, d3) and the last layer in d2^2 alone (its d3
      does not enter K~).
    families: quantizer families to search ("ternary": {-b, 0, b}; "interval": {0, b}).
    Raises ValueError naming the layer and the target when a required moment cannot be matched, and why
    where that can be named: a correlation with the input above the families' cap (:func:`correlation_cap`),
    or an input scale that has drifted from the original's (mode "moments").
    """
    checks.one_of("mode", mode, set(MODES))
    families = checks.list_of("families", families, checks.one_of, set(FAMILIES))
    original = A.get_list(acts)
    ms, tau_o = coefficients.layer_moments(original, tau0)
    L = len(original)
    tau_c = [float(tau_o[0])]
    compressed, layers, centers = [], [], []
    targets = np.full((L, 4), np.nan)
    achieved = np.full((L, 4), np.nan)
    residuals = np.full((L, 4), np.nan)
    for l, m in enumerate(ms):
        tgt = {"d1sq": float(m.d1) ** 2, "d2sq": float(m.d2) ** 2, "d3": float(m.d3), "var": float(m.var)}
        systems, objective = _layer_plan(mode, l == L - 1, tgt)
        found = None
        for eqs in systems:
            obj = tuple(k for k in objective if k not in eqs)
            found = _solve_layer(tgt, tau_c[-1], eqs, obj, families)
            if found is not None:
                break
        if found is None:
            want = ", ".join(f"{k}={tgt[k]:.6g}" for k in systems[-1])
            raise ValueError(
                f"layer {l + 1} ({original[l].name!r}, mode {mode!r}): no quantized activation of the families "
                f"{list(families)} matches the target moments {want} at input scale tau={tau_c[-1]:.6g}"
                + _why_unsolvable(systems[-1], tgt, tau_c[-1], float(tau_o[l]), families))
        family, z = found
        x1, x2, b = float(z[0]), float(z[1]), math.exp(float(z[2]))
        act = quantized_activation(family, x1, x2, b, tau_c[-1])
        # achieved moments from the Activation's own closed forms: an independent check of the solver
        mc = A.moments(act, tau_c[-1])
        got = {"d1sq": float(mc.d1) ** 2, "d2sq": float(mc.d2) ** 2, "d3": float(mc.d3), "var": float(mc.var)}
        # relative residuals; for a target that is zero relative to the layer (d2 of an odd activation)
        # relative to its natural scale, max(d1^2 / tau^2, var / tau^4) for d2^2
        scales = _moment_scales(tgt, tau_c[-1])
        res = {k: (got[k] - tgt[k]) / scales[k] for k in eqs}
        for j, k in enumerate(MOMENT_NAMES):
            targets[l, j], achieved[l, j] = tgt[k], got[k]
            if k in eqs:
                residuals[l, j] = res[k]
        compressed.append(act)
        centers.append(float(mc.mean))
        layers.append(LayerSolution(activation=act, family=family, x=(x1, x2), b=b, tau_in=tau_c[-1],
                                    targets=tgt, achieved=got, residuals=res, matched=tuple(eqs)))
        tau_c.append(math.sqrt(got["var"]))
    tau_c = np.array(tau_c)
    return CompressionPlan(original=tuple(original), compressed=tuple(compressed), tau_original=tau_o,
                           tau_compressed=tau_c, centers=np.array(centers), targets=targets, achieved=achieved,
                           residuals=residuals, identity_shift=float(tau_c[-1] ** 2 - tau_o[-1] ** 2),
                           mode=mode, layers=tuple(layers))


# --------------------------------------------------------------------------------------------
# why some targets are out of reach: the Cauchy-Schwarz cap
# --------------------------------------------------------------------------------------------

def input_correlation(act, tau: float) -> float:
    """corr(sigma(tau xi), xi) = d1 tau / sqrt(var): how linear the activation is at scale tau.

    By Stein's lemma d1 tau = E[xi sigma(tau xi)], so matching (d1^2, tau_l^2) requires a quantized
    activation with exactly this correlation with its Gaussian input.  An activation of zero variance at
    tau (a constant there) has no correlation: ValueError naming it.
    """
    act = A.get(act)
    tau = checks.positive_float("tau", tau)     # one scale: a list would fail inside float() below, unnamed
    m = A.moments(act, tau)
    if not float(m.var) > 0:
        raise ValueError(f"activation {act.name!r} has zero variance at tau = {float(tau):.4g} (it is constant "
                         f"there): its correlation with the input is undefined")
    return float(abs(m.d1) * tau / np.sqrt(m.var))


def correlation_cap(family: str) -> float:
    """The largest corr(sigma(xi), xi) any member of the family reaches (independent of b and tau).

    "interval" ({0, b}): sqrt(2/pi) ~ 0.798, reached by a single threshold at 0 (the sign function);
    "ternary" ({-b, 0, b}): ~0.900, reached by b sign(t) 1{|t| > 0.612 tau} (Lloyd-Max 3-level quantizer).
    """
    checks.one_of("family", family, set(FAMILIES))
    if family == "interval":
        return math.sqrt(2 / math.pi)
    # symmetric thresholds maximize the correlation: corr(u) = 2 phi(u) / sqrt(2 (1 - Phi(u)))
    res = optimize.minimize_scalar(lambda u: -2 * A.npdf(u) / math.sqrt(2 * (1 - A.ncdf(u))),
                                   bounds=(0.0, 3.0), method="bounded", options={"xatol": 1e-12})
    return float(-res.fun)
