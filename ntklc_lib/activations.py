"""Activations and their Gaussian moments (THEORY.md section 3).

An :class:`Activation` carries everything the rest of the library needs about a pointwise function f:
its numpy and torch forms, its derivative (None for step functions, whose derivative is a sum of
Dirac masses), closed-form Gaussian moments where they exist, and closed-form "dual" maps
E[f(u) f(v)] and E[f'(u) f'(v)] for (u, v) centred Gaussian with variances a, b and covariance c
(the layer map of the infinite-width kernel). Everything without a closed form is computed by
quadrature, so user-supplied callables work too.

The network uses the *centred* activation sigma(t) = f(t) - E f(tau xi), xi ~ N(0, 1): centring
changes the mean and d3, not d1, d2, dd.
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from scipy import integrate, special

from . import checks

SQRT2 = math.sqrt(2.0)
SQRT2PI = math.sqrt(2.0 * math.pi)


def npdf(x):
    return np.exp(-0.5 * np.square(x)) / SQRT2PI


def ncdf(x):
    return special.ndtr(x)


def hermite_normalized(x: np.ndarray, kmax: int) -> np.ndarray:
    """Normalized probabilists' Hermite polynomials h_k(x) = He_k(x)/sqrt(k!), k = 0..kmax:
    (*x.shape, kmax + 1)."""
    kmax = checks.non_negative_int("kmax", kmax)
    x = np.asarray(x, dtype=np.float64)
    H = np.empty(x.shape + (kmax + 1,))
    H[..., 0] = 1.0
    if kmax >= 1:
        H[..., 1] = x
    for k in range(1, kmax):
        H[..., k + 1] = (x * H[..., k] - math.sqrt(k) * H[..., k - 1]) / math.sqrt(k + 1)
    return H


def mehler_order(tail_max: np.ndarray, rho_max: float, tol: float) -> tuple[int, bool]:
    """The order at which to truncate Mehler's series sum_k c_k(a) c_k(b) rho^k.

    tail_max: (K + 1,) bound on sqrt(tail_a tail_b) after each order k = 0..K, where
    tail_a = E f^2 - sum_{j <= k} c_j(a)^2; the neglected tail is then at most
    tail_max[k] |rho|^(k + 1).  Returns the smallest k with tail_max[k] rho_max^(k + 1) <= tol and
    True, or K and False when no order up to K certifies every pair with |rho| <= rho_max (the caller
    must then treat the pairs beyond K's bound another way).
    """
    orders = np.arange(tail_max.size)
    with np.errstate(divide="ignore"):
        ok = np.flatnonzero(tail_max * rho_max ** (orders + 1) <= tol)
    return (int(ok[0]), True) if ok.size else (int(orders[-1]), False)


@dataclass(frozen=True)
class RawMoments:
    """Uncentred Gaussian moments of f at scale tau (arrays shaped like tau; numpy scalars for a scalar tau).

    mean = E f(tau xi), d1 = E f', d2 = E f'', g2 = E (f^2)'', dd = E f'^2, second = E f^2.
    var = E (f - mean)^2 and d3 = E ((f - mean)^2)'': a closed form gives them where it can without the
    cancellation of second - mean^2 and g2 - 2 mean d2, which lose every digit when f is nearly constant
    over the Gaussian (cos or sigmoid at small tau); None there, and :func:`raw_moments` subtracts.
    """

    mean: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    g2: np.ndarray
    dd: np.ndarray
    second: np.ndarray
    var: np.ndarray | None = None
    d3: np.ndarray | None = None


@dataclass(frozen=True)
class Moments:
    """Gaussian moments of the centred activation sigma = f - E f(tau xi) at scale tau.

    mean: E f(tau xi) (the centring constant); d1 = E sigma'; d2 = E sigma''; d3 = E (sigma^2)'';
    dd = E sigma'^2 (inf for step functions); var = E sigma^2.  Arrays shaped like tau; numpy scalars
    (np.float64) for a scalar tau, as numpy's ufuncs return.
    """

    tau: np.ndarray
    mean: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    d3: np.ndarray
    dd: np.ndarray
    var: np.ndarray


@dataclass(frozen=True, eq=False)
class Activation:
    """A pointwise activation f with everything the kernels need.

    fn / fn_torch: f on numpy arrays / torch tensors.  deriv / deriv_torch: f' (None: step function).
    raw: closed-form :class:`RawMoments` as a function of tau (None: quadrature).
    dual(a, b, c): E f(u) f(v); dual_deriv(a, b, c): E f'(u) f'(v) (None: Hermite/quadrature).
    breakpoints: points where f or f' is not smooth (used by adaptive quadrature).
    thresholds / values: for step functions, f = values[k] on (thresholds[k-1], thresholds[k]).
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    fn_torch: Callable[[torch.Tensor], torch.Tensor]
    deriv: Callable[[np.ndarray], np.ndarray] | None = None
    deriv_torch: Callable[[torch.Tensor], torch.Tensor] | None = None
    raw: Callable[[np.ndarray], RawMoments] | None = None
    dual: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    dual_deriv: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    breakpoints: tuple[float, ...] = ()
    thresholds: tuple[float, ...] | None = None
    values: tuple[float, ...] | None = None
    params: dict = field(default_factory=dict)

    @property
    def is_step(self) -> bool:
        return self.thresholds is not None

    @property
    def differentiable(self) -> bool:
        """False where f jumps (a named step, or a custom f with a jump at a breakpoint): f' holds Dirac masses,
        dd = E f'^2 is infinite and the NTK does not exist."""
        return not self.is_step and self.deriv is not None and self.deriv_torch is not None

    def __call__(self, t):
        return self.fn(t)

    def __repr__(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"Activation({self.name}{', ' + extra if extra else ''})"


# --------------------------------------------------------------------------------------------
# closed forms of the named activations
# --------------------------------------------------------------------------------------------

def _cos_angle(a, b, c):
    return np.clip(c / np.sqrt(a * b), -1.0, 1.0)


def _relu_raw(tau):
    tau = np.asarray(tau, dtype=np.float64)
    one = np.ones_like(tau)
    return RawMoments(mean=tau / SQRT2PI, d1=0.5 * one, d2=1.0 / (SQRT2PI * tau), g2=1.0 * one,
                      dd=0.5 * one, second=0.5 * tau**2)


def _relu_dual(a, b, c):
    # arc-cosine kernel of degree 1 (Cho & Saul 2009)
    cos = _cos_angle(a, b, c)
    theta = np.arccos(cos)
    return np.sqrt(a * b) / (2 * np.pi) * (np.sqrt(np.clip(1 - cos**2, 0, None)) + (np.pi - theta) * cos)


def _relu_dual_deriv(a, b, c):
    return (np.pi - np.arccos(_cos_angle(a, b, c))) / (2 * np.pi)


def _lrelu(slope: float) -> Activation:
    s = checks.finite_number("slope", slope)

    def raw(tau):
        tau = np.asarray(tau, dtype=np.float64)
        r = _relu_raw(tau)
        # f = s t + (1 - s) relu(t)
        return RawMoments(mean=(1 - s) * r.mean, d1=s + (1 - s) * r.d1, d2=(1 - s) * r.d2,
                          g2=(1 + s * s) * np.ones_like(tau), dd=(1 + s * s) / 2 * np.ones_like(tau),
                          second=(1 + s * s) / 2 * tau**2)

    return Activation(
        name="lrelu", params={"slope": s},
        fn=lambda t: np.where(t > 0, t, s * t),
        fn_torch=lambda t: torch.where(t > 0, t, s * t),
        deriv=lambda t: np.where(t > 0, 1.0, s),
        deriv_torch=lambda t: torch.where(t > 0, torch.ones_like(t), torch.full_like(t, s)),
        raw=raw,
        # E[u relu(v)] = c/2
        dual=lambda a, b, c: s * s * c + s * (1 - s) * c + (1 - s) ** 2 * _relu_dual(a, b, c),
        dual_deriv=lambda a, b, c: s * s + s * (1 - s) + (1 - s) ** 2 * _relu_dual_deriv(a, b, c),
        breakpoints=(0.0,),
    )


def _erf_raw(tau):
    tau = np.asarray(tau, dtype=np.float64)
    z = np.zeros_like(tau)
    q = 1 + 2 * tau**2
    r = 1 + 4 * tau**2
    return RawMoments(mean=z, d1=2 / (np.sqrt(np.pi) * np.sqrt(q)), d2=z,
                      # E (f^2)'' = (d/dtau E f(tau xi)^2)/tau by Stein's lemma
                      g2=8 / (np.pi * q * np.sqrt(r)), dd=4 / (np.pi * np.sqrt(r)),
                      second=2 / np.pi * np.arcsin(2 * tau**2 / q))


def _erf_dual(a, b, c):
    return 2 / np.pi * np.arcsin(np.clip(2 * c / np.sqrt((1 + 2 * a) * (1 + 2 * b)), -1, 1))


def _erf_dual_deriv(a, b, c):
    return 4 / np.pi / np.sqrt((1 + 2 * a) * (1 + 2 * b) - 4 * c * c)


def _sin_raw(tau):
    tau = np.asarray(tau, dtype=np.float64)
    e1, e2 = np.exp(-tau**2 / 2), np.exp(-2 * tau**2)
    z = np.zeros_like(tau)
    # expm1: 1 - e2 loses its digits at small tau
    return RawMoments(mean=z, d1=e1, d2=z, g2=2 * e2, dd=(1 + e2) / 2, second=-np.expm1(-2 * tau**2) / 2)


def _cos_raw(tau):
    tau = np.asarray(tau, dtype=np.float64)
    e1, e2 = np.exp(-tau**2 / 2), np.exp(-2 * tau**2)
    # centred: var = (1 + e^{-2 tau^2})/2 - e^{-tau^2} = expm1(-tau^2)^2 / 2 and
    # d3 = -2 e^{-2 tau^2} + 2 e^{-tau^2} = -2 e^{-tau^2} expm1(-tau^2), without cancellation
    em1 = np.expm1(-tau**2)
    return RawMoments(mean=e1, d1=np.zeros_like(tau), d2=-e1, g2=-2 * e2, dd=-np.expm1(-2 * tau**2) / 2,
                      second=(1 + e2) / 2, var=em1**2 / 2, d3=-2 * np.exp(-tau**2) * em1)


def _abs_raw(tau):
    tau = np.asarray(tau, dtype=np.float64)
    one = np.ones_like(tau)
    return RawMoments(mean=tau * math.sqrt(2 / math.pi), d1=0 * one, d2=2 / (SQRT2PI * tau), g2=2 * one,
                      dd=one, second=tau**2)


def _abs_dual(a, b, c):
    cos = _cos_angle(a, b, c)
    return np.sqrt(a * b) * 2 / np.pi * (np.sqrt(np.clip(1 - cos**2, 0, None)) + cos * np.arcsin(cos))


def _poly2(coefficients) -> Activation:
    c = np.asarray(coefficients, dtype=np.float64) if not isinstance(coefficients, str) else np.zeros(0)
    if c.shape != (3,) or not np.all(np.isfinite(c)):
        raise ValueError(f"coefficients must be three finite numbers (c0, c1, c2) of c0 + c1 t + c2 t^2, "
                         f"got {coefficients!r}")
    c0, c1, c2 = (float(v) for v in c)

    def raw(tau):
        tau = np.asarray(tau, dtype=np.float64)
        one = np.ones_like(tau)
        t2 = tau**2
        return RawMoments(mean=c0 + c2 * t2, d1=c1 * one, d2=2 * c2 * one,
                          g2=2 * (c1**2 + 4 * c2**2 * t2) + 4 * c2 * (c0 + c2 * t2),
                          dd=c1**2 + 4 * c2**2 * t2,
                          second=c0**2 + c1**2 * t2 + 3 * c2**2 * t2**2 + 2 * c0 * c2 * t2,
                          # centred, free of c0 (which the subtractions would carry as rounding)
                          var=c1**2 * t2 + 2 * c2**2 * t2**2, d3=2 * c1**2 + 8 * c2**2 * t2)

    def dual(a, b, c):
        # Isserlis: E[u^2 v^2] = ab + 2c^2
        return (c0**2 + c0 * c2 * (a + b) + c1**2 * c + c2**2 * (a * b + 2 * c * c))

    return Activation(
        name="poly2", params={"coefficients": (c0, c1, c2)},
        fn=lambda t: c0 + c1 * t + c2 * t * t, fn_torch=lambda t: c0 + c1 * t + c2 * t * t,
        deriv=lambda t: c1 + 2 * c2 * t + 0 * t, deriv_torch=lambda t: c1 + 2 * c2 * t,
        raw=raw, dual=dual, dual_deriv=lambda a, b, c: c1**2 + 4 * c2**2 * c + 0 * a,
    )


# --------------------------------------------------------------------------------------------
# step (quantized) activations
# --------------------------------------------------------------------------------------------

_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)
_SERIES_MAX_ORDER = 60
_SERIES_RHO_CUT = 0.5      # pairs with |rho| above this use Plackett's integral
_SERIES_TOL = 1e-13        # certified bound on the neglected series tail, relative to max E f^2


def _step_hermite(s: np.ndarray, v: np.ndarray, variances, kmax: int):
    """Hermite coefficients c_k(a), k = 0..kmax, and E f^2 of the step f (thresholds s, values v) at
    input variances a: (m,) -> ((m, kmax + 1), (m,)).  See :func:`step_hermite_coefficients`."""
    a = np.asarray(variances, dtype=np.float64).ravel()
    jumps, jumps_sq = np.diff(v), np.diff(v * v)
    u = s[None, :] / np.sqrt(a)[:, None]                          # (m, J)
    tail = special.ndtr(-u)
    C = np.empty((a.size, kmax + 1))
    C[:, 0] = v[0] + tail @ jumps
    if kmax >= 1:
        H = hermite_normalized(u, kmax - 1)                       # (m, J, kmax)
        C[:, 1:] = np.einsum("mj,mjk,j->mk", npdf(u), H, jumps) / np.sqrt(np.arange(1, kmax + 1))
    return C, v[0] ** 2 + tail @ jumps_sq


def _plackett_dual(s: np.ndarray, v: np.ndarray, a, b, c) -> np.ndarray:
    """E f(u) f(v) for a step f by Plackett's identity dP/drho = bivariate density, integrated over the
    angle theta = arcsin(rho) with 48 Gauss-Legendre nodes in t, theta = theta_max (1 - t^2).

    Near |rho| = 1 the density of a pair of thresholds h != k falls to 0 within about |h - k| of
    theta_max (where cos theta ~ |h - k|); the substitution packs the nodes there, and the exponent is
    written as (h - k)^2 / (2 cos^2) + h k / (1 + sin), which does not cancel as h^2 - 2 sin h k + k^2 does.
    Measured against adaptive quadrature: ~1e-13 relative for |rho| <= 0.999; at |rho| within 1e-8 of 1,
    ~1e-8 for thresholds 0.1 tau apart, ~1e-5 for 0.01 tau apart.
    """
    a, b, c = np.broadcast_arrays(*(np.asarray(z, dtype=np.float64) for z in (a, b, c)))
    jumps = np.diff(v)
    sa, sb = np.sqrt(a), np.sqrt(b)
    # P(u > s_j) as ncdf(-s_j / sa): 1 - ncdf(x) rounds to 0 beyond x = 8.3 (as in raw's tail)
    mean_u = v[0] + ncdf(-s / sa[..., None]) @ jumps
    mean_v = v[0] + ncdf(-s / sb[..., None]) @ jumps
    out = mean_u * mean_v
    theta_max = np.arcsin(np.clip(c / (sa * sb), -1.0, 1.0))
    for x, w in zip(_GL_X, _GL_W):
        t = 0.5 * (1 + x)
        th = theta_max * (1 - t * t)
        sin, cos2 = np.sin(th), np.cos(th) ** 2
        acc = np.zeros_like(out)
        for j in range(s.size):
            h = s[j] / sa
            for k in range(s.size):
                kk = s[k] / sb
                acc += jumps[j] * jumps[k] * np.exp(-(h - kk) ** 2 / (2 * cos2) - h * kk / (1 + sin))
        # d theta = 2 theta_max t dt, and dt = dx / 2
        out = out + (w * t * theta_max / (2 * np.pi)) * acc
    return out


def _step_dual(s: np.ndarray, v: np.ndarray, a, b, c) -> np.ndarray:
    """E f(u) f(v) for a step f: Mehler's series where it is certified, Plackett's integral elsewhere.

    High-dimensional data have small correlations |rho| between distinct samples, where
    sum_k c_k(a) c_k(b) rho^k converges geometrically with exact coefficients (:func:`_step_hermite`);
    that is tens of times faster than the integral at n in the thousands.  The order is the smallest
    whose neglected tail, bounded by |rho|^(K+1) sqrt(tail_a tail_b), is below _SERIES_TOL times the
    largest E f^2 over all pairs with |rho| <= 0.5; pairs beyond that cut (near duplicates), and any the
    capped order cannot certify, use :func:`_plackett_dual`; pairs with u = v (a = b = c: the diagonal)
    get E f^2 exactly.
    """
    a, b, c = (np.asarray(z, dtype=np.float64) for z in (a, b, c))
    shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
    if s.size == 0:
        return np.full(shape, v[0] ** 2)
    # coefficients once per distinct variance; index arrays keep a's and b's own (broadcastable)
    # shapes, so the usual call with a: (r, 1), b: (1, n) costs outer products only
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    ia, ib = ia.reshape(a.shape), ib.reshape(b.shape)
    Ca, sec_a = _step_hermite(s, v, ua, _SERIES_MAX_ORDER)
    Cb, sec_b = _step_hermite(s, v, ub, _SERIES_MAX_ORDER)
    rho = np.broadcast_to(np.clip(c / np.sqrt(a * b), -1.0, 1.0), shape)
    r_abs = np.abs(rho)
    far = r_abs > _SERIES_RHO_CUT
    rmax = float(np.max(np.where(far, 0.0, r_abs))) if r_abs.size else 0.0
    tail_a = np.clip(sec_a[:, None] - np.cumsum(Ca**2, axis=1), 0.0, None)   # (ma, K+1)
    tail_b = np.clip(sec_b[:, None] - np.cumsum(Cb**2, axis=1), 0.0, None)
    tmax = np.sqrt(tail_a.max(axis=0) * tail_b.max(axis=0))
    tol = _SERIES_TOL * max(float(sec_a.max()), float(sec_b.max()), 1e-300)
    kk, certified = mehler_order(tmax, rmax, tol)
    out = np.broadcast_to(Ca[ia, kk] * Cb[ib, kk], shape).copy()
    for k in range(kk - 1, -1, -1):
        out *= rho
        out += Ca[ia, k] * Cb[ib, k]
    # pairs the series cannot certify at order kk: those beyond the cut and, only when the order hit
    # its cap, those whose own bound is too large (otherwise kk certifies every pair below the cut)
    bad = far
    if not certified:
        bad = far | (r_abs ** (kk + 1) * np.sqrt(tail_a[ia, kk] * tail_b[ib, kk]) > tol)
    # a pair with u = v (the diagonal, duplicate samples) has E f(u)^2 in closed form: exact
    same = np.broadcast_to((a == b) & (c == a), shape)
    bad = bad & ~same
    if np.any(bad):
        out[bad] = _plackett_dual(s, v, *(np.broadcast_to(z, shape)[bad] for z in (a, b, c)))
    if np.any(same):
        out[same] = np.broadcast_to(sec_a[ia], shape)[same]
    return out


def _step_parts(act) -> tuple[np.ndarray, np.ndarray]:
    act = get(act)
    if not act.is_step:
        raise ValueError(f"act must be a step activation (thresholds and values), got {act.name!r}")
    return np.asarray(act.thresholds, dtype=np.float64), np.asarray(act.values, dtype=np.float64)


def step_hermite_coefficients(act, variances, kmax: int = _SERIES_MAX_ORDER):
    """Exact Hermite coefficients of a step activation f at input variances a.

    c_k(a) = E f(sqrt(a) xi) h_k(xi) with h_k the normalized Hermite polynomials: for f = v_0 +
    sum_j J_j 1{t > s_j}, c_0 = v_0 + sum_j J_j (1 - Phi(u_j)) and, because (phi He_{k-1})' = -phi He_k,
    c_k = sum_j J_j phi(u_j) h_{k-1}(u_j) / sqrt(k) for k >= 1, with u_j = s_j / sqrt(a).
    variances: (m,) -> coefficients (m, kmax + 1) and second moments E f^2 (m,).
    """
    s, v = _step_parts(act)
    kmax = checks.non_negative_int("kmax", kmax)
    variances = check_tau(variances, "variances")       # a variance of 0 would give u = s / 0: NaN
    return _step_hermite(s, v, variances, kmax)


def step_dual_plackett(act, a, b, c) -> np.ndarray:
    """E f(u) f(v) of a step activation by Plackett's integral for every pair (slow, but needs no
    series); ``act.dual`` uses it only where Mehler's series is not certified.  Arrays broadcast."""
    s, v = _step_parts(act)
    a, b = check_tau(a, "a"), check_tau(b, "b")
    c = np.asarray(c, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(c) & (np.abs(c) <= np.sqrt(a * b) * (1 + 1e-12))
    if not np.all(ok):
        # arcsin would be clipped to +-pi/2: the answer of another covariance, with no error
        raise ValueError(f"c must be finite with |c| <= sqrt(a b) ((u, v) must have a covariance matrix), got "
                         f"c = {c.tolist() if c.size < 10 else c} for sqrt(a b) = "
                         f"{np.sqrt(a * b).tolist() if np.size(a * b) < 10 else np.sqrt(a * b)}")
    return _plackett_dual(s, v, a, b, c)


def step(thresholds, values, name: str | None = None) -> Activation:
    """Piecewise-constant activation: f = values[k] on (thresholds[k-1], thresholds[k]).

    thresholds: (m,) strictly increasing; values: (m + 1,).  All moments are in closed form, and so is
    the dual map where |rho| <= 0.5 (Mehler's series with exact Hermite coefficients, its truncation
    certified below 1e-13 relative) and on the diagonal (E f^2); elsewhere it is Plackett's integral by
    quadrature, ~1e-13 relative up to |rho| = 0.999 and less accurate for near duplicates
    (:func:`_plackett_dual`).  dd is infinite (Dirac masses).
    """
    flat = {}
    for arg, val in (("thresholds", thresholds), ("values", values)):
        if np.ndim(val) > 1:
            # ravel would read a (2, m) table as one list of 2m thresholds: another activation
            raise ValueError(f"{arg} must be a flat list of numbers (1-D), got shape {np.shape(val)}")
        try:
            flat[arg] = np.asarray(val, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            # a string ("ab") would otherwise fail in numpy with a message that names neither argument
            raise ValueError(f"{arg} must be a flat list of numbers, got {val!r}") from None
    s, v = flat["thresholds"], flat["values"]
    if v.size != s.size + 1:
        raise ValueError(f"values must have len(thresholds) + 1 = {s.size + 1} entries, got {v.size}")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(v))):
        raise ValueError("thresholds and values must be finite")
    if s.size and np.any(np.diff(s) <= 0):
        raise ValueError(f"thresholds must be strictly increasing, got {s.tolist()}")
    jumps = np.diff(v)                    # Delta_j at s_j
    jumps_sq = np.diff(v * v)             # jumps of f^2

    def fn(t):
        t = np.asarray(t, dtype=np.float64)
        return v[0] + (t[..., None] > s).astype(np.float64) @ jumps if s.size else v[0] + 0 * t

    s_t = torch.tensor(s)
    j_t = torch.tensor(jumps)

    def fn_torch(t):
        if s.size == 0:
            return torch.full_like(t, v[0])
        out = torch.full_like(t, v[0])
        for sj, dj in zip(s_t.tolist(), j_t.tolist()):
            out = out + dj * (t > sj).to(t.dtype)
        return out

    def raw(tau):
        tau = np.asarray(tau, dtype=np.float64)
        x = s / tau[..., None]                                  # (..., m)
        phi = npdf(x)
        tail = ncdf(-x)                                          # P(tau xi > s_j); 1 - ncdf(x) rounds to 0
        mean = v[0] + tail @ jumps
        # centred: the values' spread about the mean, weighted by each piece's probability, and the
        # jumps of (f - mean)^2; second - mean^2 loses every digit when one piece holds nearly all the mass
        # each piece's probability from the side where it is small: P(a < tau xi < b) as a difference of
        # lower tails below 0 and of upper tails above it, so a far piece keeps its digits
        lo = np.concatenate([np.full(tau.shape + (1,), -np.inf), x], axis=-1)
        hi = np.concatenate([x, np.full(tau.shape + (1,), np.inf)], axis=-1)
        probs = np.where(lo >= 0, ncdf(-lo) - ncdf(-hi), ncdf(hi) - ncdf(lo))      # (..., m + 1)
        w = v - mean[..., None]                                  # (..., m + 1)
        return RawMoments(
            mean=mean,
            d1=(phi @ jumps) / tau,
            d2=((s * phi) @ jumps) / tau**3,
            g2=((s * phi) @ jumps_sq) / tau**3,
            dd=np.full_like(tau, np.inf) if np.any(jumps != 0) else np.zeros_like(tau),
            second=v[0] ** 2 + tail @ jumps_sq,
            var=np.sum(probs * w * w, axis=-1),
            d3=np.sum(s * phi * np.diff(w * w, axis=-1), axis=-1) / tau**3,
        )

    def dual(a, b, c):
        return _step_dual(s, v, a, b, c)

    label = name or f"step({len(s)} thresholds)"
    return Activation(name=label, fn=fn, fn_torch=fn_torch, raw=raw, dual=dual,
                      breakpoints=tuple(s.tolist()), thresholds=tuple(s.tolist()), values=tuple(v.tolist()),
                      params={"thresholds": tuple(np.round(s, 6).tolist()), "values": tuple(np.round(v, 6).tolist())})


def binary(intervals, b: float = 1.0, name: str | None = None) -> Activation:
    """sigma^c(t) = b 1{t in S}, S the union of the given (low, high) intervals (±inf allowed)."""
    b = checks.finite_number("b", b)
    try:
        iv = sorted((float(lo), float(hi)) for lo, hi in intervals)
    except (TypeError, ValueError):
        raise ValueError(f"intervals must be a list of (low, high) pairs of numbers (±inf allowed), "
                         f"got {intervals!r}") from None
    if any(math.isnan(z) for pair in iv for z in pair):
        raise ValueError(f"intervals must have numeric bounds (±inf allowed), got NaN in {iv}")
    if any(lo >= hi for lo, hi in iv) or any(iv[k][1] > iv[k + 1][0] for k in range(len(iv) - 1)):
        raise ValueError(f"intervals must be non-empty and disjoint, got {iv}")
    thresholds, values = [], [0.0]
    for lo, hi in iv:
        if np.isfinite(lo):
            thresholds.append(lo)
            values.append(b)
        else:
            values[-1] = b
        if np.isfinite(hi):
            thresholds.append(hi)
            values.append(0.0)
    # merge touching intervals: (a, c) and (c, d) are (a, d), with no threshold left at c (the empty
    # piece between two equal thresholds is dropped, and a threshold without a jump with it)
    s, vals = [], [values[0]]
    for t, val in zip(thresholds, values[1:]):
        if s and t == s[-1]:
            s.pop()
            vals.pop()
            if val == vals[-1]:
                continue
        s.append(t)
        vals.append(val)
    return step(s, vals, name=name or "binary")


def ternary_symmetric(s: float, b: float = 1.0) -> Activation:
    """sigma^c(t) = b sign(t) 1{|t| > s}: levels {-b, 0, b}, odd (d2 = 0)."""
    s, b = checks.finite_number("s", s), checks.finite_number("b", b)
    if not s > 0:
        raise ValueError(f"s must be > 0, got {s}")
    return step([-s, s], [-b, 0.0, b], name="ternary")


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------

def _smooth(name, fn, fn_torch, deriv, deriv_torch, **kw) -> Activation:
    return Activation(name=name, fn=fn, fn_torch=fn_torch, deriv=deriv, deriv_torch=deriv_torch, **kw)


def _sigmoid_np(t):
    return special.expit(t)


def _gelu_np(t):
    return t * ncdf(t)


def _swish_np(t):
    return t * special.expit(t)


# parameters each named activation takes; anything else is a typo that would silently be ignored
_NAMED_PARAMS = {"lrelu": {"slope"}, "leaky_relu": {"slope"}, "poly2": {"coefficients"}}


def _named(name: str, params: dict) -> Activation:
    allowed = _NAMED_PARAMS.get(name, set())
    unknown = sorted(set(params) - allowed)
    if unknown and name in NAMES + ("leaky_relu", "silu"):
        raise ValueError(f"activation {name!r} takes " + (f"only {sorted(allowed)}" if allowed else "no parameters")
                         + f", got {unknown}")
    if name == "relu":
        return Activation(name="relu", fn=lambda t: np.maximum(t, 0.0), fn_torch=torch.relu,
                          deriv=lambda t: (np.asarray(t) > 0).astype(np.float64),
                          deriv_torch=lambda t: (t > 0).to(t.dtype), raw=_relu_raw, dual=_relu_dual,
                          dual_deriv=_relu_dual_deriv, breakpoints=(0.0,))
    if name in ("lrelu", "leaky_relu"):
        return _lrelu(params.get("slope", 0.1))
    if name == "tanh":
        return _smooth("tanh", np.tanh, torch.tanh, lambda t: 1 - np.tanh(t) ** 2,
                       lambda t: 1 - torch.tanh(t) ** 2)
    if name == "sigmoid":
        return _smooth("sigmoid", _sigmoid_np, torch.sigmoid,
                       lambda t: _sigmoid_np(t) * (1 - _sigmoid_np(t)),
                       lambda t: torch.sigmoid(t) * (1 - torch.sigmoid(t)))
    if name == "erf":
        return _smooth("erf", special.erf, torch.erf, lambda t: 2 / math.sqrt(math.pi) * np.exp(-np.square(t)),
                       lambda t: 2 / math.sqrt(math.pi) * torch.exp(-t * t),
                       raw=_erf_raw, dual=_erf_dual, dual_deriv=_erf_dual_deriv)
    if name == "sin":
        return _smooth("sin", np.sin, torch.sin, np.cos, torch.cos, raw=_sin_raw,
                       dual=lambda a, b, c: np.exp(-(a + b) / 2) * np.sinh(c),
                       dual_deriv=lambda a, b, c: np.exp(-(a + b) / 2) * np.cosh(c))
    if name == "cos":
        return _smooth("cos", np.cos, torch.cos, lambda t: -np.sin(t), lambda t: -torch.sin(t), raw=_cos_raw,
                       dual=lambda a, b, c: np.exp(-(a + b) / 2) * np.cosh(c),
                       dual_deriv=lambda a, b, c: np.exp(-(a + b) / 2) * np.sinh(c))
    if name == "abs":
        return Activation(name="abs", fn=np.abs, fn_torch=torch.abs, deriv=np.sign, deriv_torch=torch.sign,
                          raw=_abs_raw, dual=_abs_dual,
                          dual_deriv=lambda a, b, c: 2 / np.pi * np.arcsin(_cos_angle(a, b, c)),
                          breakpoints=(0.0,))
    if name == "poly2":
        return _poly2(params.get("coefficients", (0.0, 0.0, 1.0)))
    if name == "sign":
        return step([0.0], [-1.0, 1.0], name="sign")
    if name == "gelu":
        return _smooth("gelu", _gelu_np, torch.nn.functional.gelu,
                       lambda t: ncdf(t) + t * npdf(t),
                       lambda t: 0.5 * (1 + torch.erf(t / SQRT2)) + t * torch.exp(-t * t / 2) / SQRT2PI)
    if name in ("swish", "silu"):
        return _smooth("swish", _swish_np, torch.nn.functional.silu,
                       lambda t: _sigmoid_np(t) * (1 + t * (1 - _sigmoid_np(t))),
                       lambda t: torch.sigmoid(t) * (1 + t * (1 - torch.sigmoid(t))))
    if name == "linear":
        # the identity t, named "linear" (not "poly2", whose default is t^2) so that get(act.name) gives it back
        return dataclasses.replace(_poly2((0.0, 1.0, 0.0)), name="linear", params={})
    raise ValueError(f"unknown activation name {name!r}; known: {sorted(NAMES)}")


NAMES = ("relu", "lrelu", "tanh", "sigmoid", "erf", "sin", "cos", "abs", "poly2", "sign", "gelu", "swish",
         "linear")


def get(name, **params) -> Activation:
    """An :class:`Activation` by name (see ``NAMES``), or pass an Activation / callable through.

    ``get("lrelu", slope=0.2)``, ``get("poly2", coefficients=(c0, c1, c2))``; a plain callable f
    becomes ``custom(f)``.
    """
    if isinstance(name, Activation):
        if params:
            # an Activation carries its parameters already: dropping new ones would answer for another
            raise ValueError(f"parameters {sorted(params)} cannot be applied to an Activation ({name.name}, "
                             f"params {name.params}); pass its name instead, e.g. get({name.name!r}, ...)")
        return name
    if callable(name):
        return custom(name, **params)
    if not isinstance(name, str):
        raise ValueError(f"activation must be a name, an Activation or a callable, got {name!r}")
    return _named(name.lower(), params)


def get_list(acts) -> list[Activation]:
    """A list of activations from names / Activations / callables; a single one becomes a 1-list."""
    if isinstance(acts, (str, Activation)) or callable(acts):
        acts = [acts]
    if isinstance(acts, (dict, set)) or not hasattr(acts, "__iter__"):
        raise ValueError(f"acts must be an activation or a list of them (one per layer), got "
                         f"{type(acts).__name__} {acts!r}")
    out = [get(a) for a in acts]
    if not out:
        raise ValueError("acts must contain at least one activation (one per layer)")
    return out


def _check_vectorized(what: str, g) -> bool:
    """Raise unless g maps a float array to a real array of the same shape: the kernels evaluate f on
    whole grids at once, and ``math.tanh`` (say) would fail there with a TypeError naming no argument.
    Returns whether the values are floats (booleans and integers are converted by :func:`custom`)."""
    t = np.linspace(-1.0, 1.0, 5)
    try:
        with np.errstate(all="ignore"):     # NaN where f is undefined is reported later, by the moments
            out = np.asarray(g(t))
    except Exception as exc:  # noqa: BLE001 (any failure means the same thing: not vectorized)
        raise ValueError(f"{what} must be vectorized: called on a numpy array it raised "
                         f"{type(exc).__name__}: {exc}; use numpy functions (np.tanh, not math.tanh) or "
                         f"np.vectorize") from None
    if out.shape != t.shape or out.dtype.kind not in "biuf":
        raise ValueError(f"{what} must map a float array of shape (5,) to real values of the same shape, got "
                         f"dtype {out.dtype} and shape {out.shape}")
    # the quadratures call f on 0-d arrays, the kernels on 2-d grids: each must keep its shape
    for probe in (np.array(0.5), np.linspace(-1.0, 1.0, 6).reshape(2, 3)):
        try:
            with np.errstate(all="ignore"):
                shape = np.shape(g(probe))
        except Exception as exc:  # noqa: BLE001 (as above)
            raise ValueError(f"{what} must act pointwise on arrays of any shape: on shape {probe.shape} it raised "
                             f"{type(exc).__name__}: {exc}") from None
        if shape != probe.shape:
            raise ValueError(f"{what} must act pointwise and keep its input's shape: on shape {probe.shape} it "
                             f"returned shape {shape}")
    if out.dtype.kind == "f" and out.dtype.itemsize < 8:
        # float32 values are a staircase of steps ~1e-7 |f|: the quadratures (to 1e-12) do not converge on
        # them, and the error they gave blamed undeclared breakpoints
        raise ValueError(f"{what} must compute in float64: on a float64 array it returned {out.dtype} values "
                         f"(cast its input or its constants to float64)")
    return out.dtype.kind == "f"


def _scanned(fn):
    """fn as the scans below call it: float64 values, numpy warnings off (NaN where f is undefined is reported
    by the moments), and any exception turned into a ValueError that names the range scanned."""
    def f(t):
        with np.errstate(all="ignore"):
            try:
                return np.asarray(fn(t), dtype=np.float64)
            except Exception as exc:  # noqa: BLE001 (any failure means the same: f cannot be scanned)
                raise ValueError(f"fn must accept every t with |t| <= {_JUMP_SCAN_LIMIT:g} (the range scanned "
                                 f"for jumps and steep points): it raised {type(exc).__name__}: {exc}") from None
    return f


def _moves(a, b, rel: float):
    """Whether f moves from a to b by more than ``rel`` of |f| (or of 1); False where either is not finite."""
    with np.errstate(all="ignore"):
        return (np.isfinite(a) & np.isfinite(b)
                & (np.abs(b - a) > rel * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))))


def _jump_sizes(f, t: np.ndarray) -> np.ndarray:
    """|f(t+) - f(t-)| where f jumps at the points t, else 0.

    f is read 1e-9 and 1e-11 (relative) either side of t.  A jump moves f by more than 1e-6 of |f| (or of
    1) at both distances, and by nearly the same amount (90 %).  A kink moves it by ~1e-9, and a continuous
    f whose slope is unbounded at t (cbrt, sign(t) |t|^a) moves it 100^a times less at the nearer distance,
    so it is not a jump unless a <= 0.02."""
    t = np.asarray(t, dtype=np.float64)
    s = np.maximum(1.0, np.abs(t))
    far_lo, far_hi, near_lo, near_hi = (f(t + k * s) for k in (-1e-9, 1e-9, -1e-11, 1e-11))
    far, near = np.abs(far_hi - far_lo), np.abs(near_hi - near_lo)
    is_jump = _moves(far_lo, far_hi, 1e-6) & _moves(near_lo, near_hi, 1e-6) & (near >= 0.9 * far)
    return np.where(is_jump, far, 0.0)


def _steep(f, t: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Whether f, continuous at the points t (``sizes`` from :func:`_jump_sizes` are 0), is too steep there
    for the finite-difference derivative (step 1e-5).

    On either side of t, f is read at distances d = 1e-9 and D = 1e-5.  A smooth f moves by about d/D = 1e-4
    as much over d as over D (less at an extremum); steep means more than 5e-4 as much, and by more than
    1e-6 of |f| (or of 1) over d, which rounding of f (float32 arithmetic, say) does not give.  Steep:
    sqrt|t| and cbrt t at 0, where f' is unbounded, and tanh(1e6 t), which bends within 1e-5.  Not steep:
    kinks (|t|), tanh(1e4 t), 1e6 tanh(t).  (d and D grow with |t| beyond 1e3, to stay above rounding.)"""
    t = np.asarray(t, dtype=np.float64)
    d = 1e-9 * np.maximum(1.0, 1e-3 * np.abs(t))
    at = f(t)
    out = np.zeros(t.shape, dtype=bool)
    for side in (-1.0, 1.0):
        near, far = f(t + side * d), f(t + side * 1e4 * d)
        with np.errstate(all="ignore"):
            bends = np.abs(near - at) > 5e-4 * np.abs(far - at)
        out |= _moves(at, near, 1e-6) & bends
    return (sizes == 0) & out


def _near_zero_first(t: float) -> tuple:
    """Sort key for places on the line: |t| to 9 digits, then t (-1 before 1 whatever the last digits)."""
    return round(abs(t), 9), t


# where custom() looks for jumps and steep points: |t| <= 1e4 on nodes sinh-spaced, about 0.001 apart near 0
# and 0.1 % of |t| beyond |t| = 1; an even count keeps 0 off the nodes
_JUMP_SCAN_LIMIT = 1e4
_JUMP_SCAN_NODES = np.sinh(np.linspace(-np.arcsinh(_JUMP_SCAN_LIMIT), np.arcsinh(_JUMP_SCAN_LIMIT), 20_000))


def _local_extrema(f, nodes: np.ndarray, f_nodes: np.ndarray) -> np.ndarray:
    """The local minima and maxima of f, to 1e-14 (relative), that the values at ``nodes`` bracket: where f
    at a node is below (above) f at the node before and not above (below) f at the node after, a ternary
    search between those two neighbours.  A cusp (sqrt|t - c|) is such an extremum, and the halving in
    :func:`_scan_for_jumps` does not find it: over the half that holds it, f may hardly move.
    f_nodes: f at ``nodes``, as the scan has it already."""
    before, at, after = f_nodes[:-2], f_nodes[1:-1], f_nodes[2:]
    with np.errstate(invalid="ignore"):
        is_min = (at < before) & (at <= after)
        is_max = (at > before) & (at >= after)
    k = np.flatnonzero(is_min | is_max)
    sign = np.where(is_min[k], 1.0, -1.0)       # a maximum of f is a minimum of -f
    lo, hi = nodes[k], nodes[k + 2]
    while lo.size:
        wide = hi - lo > 1e-14 * np.maximum(1.0, np.abs(lo))
        if not np.any(wide):
            break
        third = (hi - lo) / 3
        g1, g2 = sign * f(lo + third), sign * f(hi - third)
        with np.errstate(invalid="ignore"):
            left = g1 <= g2                     # the minimum of sign * f lies in [lo, hi - third]
        lo, hi = np.where(wide & ~left, lo + third, lo), np.where(wide & left, hi - third, hi)
    return 0.5 * (lo + hi)


def _scan_for_jumps(f) -> tuple[list, list]:
    """Where f jumps and where it is steep, on |t| <= 1e4: ``(jumps, steep)``, ``jumps`` as (t, |f(t+) - f(t-)|)
    and ``steep`` as points t, each list nearest to 0 first.  t is exact to 1e-14 (relative); a t within
    1e-9 of 0 is given as 0.

    Each interval between neighbouring scan nodes is halved, again and again, keeping the half over which
    f moves more, as long as f moves over it by more than 1e-9 (of |f|, or of 1), until the interval is
    1e-14 (relative) wide.  Where that leaves one, f's slope there is above 1e5 (for |t|, |f| <= 1).  It
    is a jump if :func:`_jump_sizes` says so, and steep if :func:`_steep` does: its slope is unbounded
    there (cbrt t), or it bends faster than a finite difference of step 1e-5 can follow (tanh(1e6 t)).
    The halving follows the half over which f moves more, and so it misses a cusp (sqrt|t - c|), over whose
    half f may hardly move; the local extrema (:func:`_local_extrema`) are classified too, which finds it.
    Not seen: anything beyond |t| = 1e4; a feature between two neighbouring nodes that ends where it
    starts (a pulse narrower than the nodes' spacing); and the end of sqrt t next to where it is NaN
    (:func:`custom` checks declared breakpoints for that).  f: as :func:`_scanned` returns it."""
    f_nodes = f(_JUMP_SCAN_NODES)
    lo, hi = _JUMP_SCAN_NODES[:-1], _JUMP_SCAN_NODES[1:]
    f_lo, f_hi = f_nodes[:-1], f_nodes[1:]
    narrow_lo, narrow_hi = [], []
    while lo.size:
        narrow = hi - lo <= 1e-14 * np.maximum(1.0, np.abs(lo))
        narrow_lo.append(lo[narrow])
        narrow_hi.append(hi[narrow])
        lo, hi, f_lo, f_hi = lo[~narrow], hi[~narrow], f_lo[~narrow], f_hi[~narrow]
        mid = 0.5 * (lo + hi)
        f_mid = f(mid)
        # both halves are looked at: over the whole interval f may not move at all (sqrt|t| on [-a, a])
        moves_left, moves_right = _moves(f_lo, f_mid, 1e-9), _moves(f_mid, f_hi, 1e-9)
        with np.errstate(invalid="ignore"):
            left = moves_left & (~moves_right | (np.abs(f_mid - f_lo) >= np.abs(f_hi - f_mid)))
        keep = moves_left | moves_right
        lo, hi = np.where(left, lo, mid)[keep], np.where(left, mid, hi)[keep]
        f_lo, f_hi = np.where(left, f_lo, f_mid)[keep], np.where(left, f_mid, f_hi)[keep]
    t = np.unique(np.concatenate([0.5 * (np.concatenate(narrow_lo) + np.concatenate(narrow_hi)),
                                  _local_extrema(f, _JUMP_SCAN_NODES, f_nodes)]))
    if t.size:
        # one point of f on a node shows in both intervals next to it
        t = t[np.concatenate(([True], np.diff(t) > 1e-9 * np.maximum(1.0, np.abs(t[1:]))))]
    sizes = _jump_sizes(f, t)
    steep = _steep(f, t, sizes)

    snap = [0.0 if abs(x) <= 1e-9 else float(x) for x in t]
    order = sorted(range(len(snap)), key=lambda k: _near_zero_first(snap[k]))
    return [(snap[k], float(sizes[k])) for k in order if sizes[k] > 0], [snap[k] for k in order if steep[k]]


# where custom() compares a given fn_torch, deriv and deriv_torch with fn: |t| <= 8, about 0.008 apart; an even
# count keeps 0 and the other integers off the nodes (a kink there would spoil the central difference)
_AGREEMENT_NODES = np.linspace(-8.0, 8.0, 2000)
# the central difference's step: custom()'s own derivative, and its check of a given deriv against fn
_DIFFERENCE_STEP = 1e-5


def _given_values(what: str, g, t: np.ndarray, torch_fn: bool) -> np.ndarray:
    """g at the points t (a numpy array, or a float64 tensor for ``torch_fn``) as a float64 array; ValueError
    naming ``what`` if g raises or returns another shape than t's (torch would broadcast it silently)."""
    try:
        with np.errstate(all="ignore"), torch.no_grad():
            out = g(torch.from_numpy(t.copy())) if torch_fn else g(t.copy())
            out = out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
            out = out.astype(np.float64)
    except Exception as exc:  # noqa: BLE001 (any failure means the same: g cannot be compared with fn)
        kind = "a float64 tensor" if torch_fn else "a float64 array"
        raise ValueError(f"{what} must accept {kind} of t in [-8, 8] (where it is compared with fn): it raised "
                         f"{type(exc).__name__}: {exc}") from None
    if out.shape != t.shape:
        raise ValueError(f"{what} must act pointwise and return the shape it is given: on t of shape {t.shape} it "
                         f"returned shape {out.shape}")
    return out


def _require_agreement(what: str, got: np.ndarray, ref_name: str, ref: np.ndarray, t: np.ndarray,
                       rtol: float, atol: float) -> None:
    """Raise naming ``what``, the first t where it differs from ``ref`` by more than rtol |ref| + atol, and both
    values.  Points where ``ref`` is not finite (f undefined there) are not compared."""
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(ref) & ~(np.abs(got - ref) <= rtol * np.abs(ref) + atol)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        should = "the same f as fn" if what == "fn_torch" else "the derivative f' of fn"
        allowed = f"{rtol:g} of it + {atol:.3g}" if rtol else f"{atol:.3g}, 1e-3 of its largest |value|"
        raise ValueError(f"{what} disagrees with {ref_name} at t = {t[k]:.6g}: {what} gives {got[k]:.10g}, "
                         f"{ref_name} {ref[k]:.10g} (allowed: {allowed}). {what} must compute "
                         f"{should} (the kernels would use one function and the limits another); if fn has a "
                         f"kink there, declare it in breakpoints")


def _check_given(f, fn_torch, deriv, deriv_torch, skip) -> None:
    """Raise unless the fn_torch, deriv and deriv_torch given to :func:`custom` (None: not given) agree with fn
    on t in [-8, 8], more than 1e-3 away from the points ``skip`` (breakpoints, steep points).

    fn_torch (on a float64 tensor) must equal fn to rounding (1e-6 relative, plus 1e-9 of max |f|); deriv must
    equal a central difference of fn (step 1e-5) to 1e-3 of the difference's largest |value|; deriv_torch must
    equal deriv as fn_torch equals fn (without deriv: the central difference, as deriv).  Each must return the
    shape it is given.  A mismatch gave the empirical kernels of one function with the limits of another
    without a word (fn_torch = ReLU for fn = tanh; deriv = 1 for tanh, whose NTK came out 231 % off).
    f: as :func:`_scanned` returns it."""
    if fn_torch is None and deriv is None and deriv_torch is None:
        return
    t = _AGREEMENT_NODES
    if len(skip):
        t = t[np.min(np.abs(t[:, None] - np.asarray(skip, dtype=np.float64)[None, :]), axis=1) > 1e-3]
    if fn_torch is not None:
        f_t = f(t)
        scale = float(np.max(np.abs(f_t[np.isfinite(f_t)]), initial=0.0))
        _require_agreement("fn_torch", _given_values("fn_torch", fn_torch, t, True), "fn", f_t, t, 1e-6,
                           1e-9 * scale)
    if deriv is None and deriv_torch is None:
        return
    h = _DIFFERENCE_STEP
    difference = (f(t + h) - f(t - h)) / (2 * h)
    fd_name = "the central difference of fn (step 1e-5)"
    fd_tol = 1e-3 * float(np.max(np.abs(difference[np.isfinite(difference)]), initial=0.0))
    if deriv is not None:
        d_t = _given_values("deriv", deriv, t, False)
        _require_agreement("deriv", d_t, fd_name, difference, t, 0.0, fd_tol)
    if deriv_torch is not None:
        got = _given_values("deriv_torch", deriv_torch, t, True)
        if deriv is not None:
            scale = float(np.max(np.abs(d_t[np.isfinite(d_t)]), initial=0.0))
            _require_agreement("deriv_torch", got, "deriv", d_t, t, 1e-6, 1e-9 * scale)
        else:
            _require_agreement("deriv_torch", got, fd_name, difference, t, 0.0, fd_tol)


def custom(fn, deriv=None, fn_torch=None, deriv_torch=None, name: str = "custom", breakpoints=()) -> Activation:
    """A user-supplied activation f (numpy, vectorized).  Moments and kernels use quadrature.

    Without ``deriv`` the derivative (needed for dd and the NTK) is taken by central differences.
    Without ``fn_torch`` the torch version calls ``fn`` on numpy copies.  A given ``fn_torch``, ``deriv`` or
    ``deriv_torch`` is checked against ``fn`` on t in [-8, 8] (:func:`_check_given`): ValueError naming it, the
    first t where they disagree and both values, since the empirical kernels use the torch versions and the
    limits ``fn`` and ``deriv``.

    Accuracy: declare every point where f jumps or has a kink in ``breakpoints``.  The moments split
    their adaptive quadrature there, and the limit kernels split their Gauss-Legendre pieces there
    (a custom ReLU's CK and NTK then equal the arc-cosine closed forms to ~1e-13); an undeclared kink
    costs accuracy (O(h^2) or O(h) on a grid of spacing 0.02, ~1% for a ReLU's NTK).  Where f jumps
    at a declared breakpoint, f' holds a Dirac mass that no function can give: f is then treated like
    :func:`step` (no derivative, dd = inf, NTK refused), and passing ``deriv`` or ``deriv_torch`` for it
    raises, since a finite-difference or almost-everywhere derivative would make its "NTK" equal the CK
    without a word.  A jump that is not declared raises ValueError, giving where it is: its derivative would
    miss the Dirac mass, and dd and the NTK would come out finite and wrong.  Without ``deriv``, a point where
    f is continuous but too steep for the finite difference (:func:`_steep`) raises too: there the derivative
    by finite differences (step 1e-5) is wrong, and where f' is unbounded (f = sqrt|t|) it gives a finite
    E f'^2 where the true one is infinite.  With ``deriv``, the quadrature raises where E f'^2 diverges.
    The scan for both covers |t| <= 1e4 (:func:`_scan_for_jumps` says what it cannot see); declared
    breakpoints are checked exactly.
    The named activations (:func:`get`, :func:`step`, :func:`ternary_symmetric`) have closed-form kernels and
    are faster.
    """
    if not callable(fn):
        raise ValueError("fn must be callable")
    for what, g in (("deriv", deriv), ("fn_torch", fn_torch), ("deriv_torch", deriv_torch)):
        if g is not None and not callable(g):
            raise ValueError(f"{what} must be callable (vectorized) or None, got {type(g).__name__}")
    if not _check_vectorized("fn", fn):
        # a boolean step (t > 0) is the 0/1 function; as floats it can be differenced and squared
        fn = (lambda t, _f=fn: np.asarray(_f(t), dtype=np.float64))
    if deriv is not None and not _check_vectorized("deriv", deriv):
        deriv = (lambda t, _d=deriv: np.asarray(_d(t), dtype=np.float64))
    # () is the default (a smooth f); otherwise each breakpoint a finite number
    breakpoints = [checks.finite_number(f"breakpoints[{k}]", b)
                   for k, b in enumerate(checks.as_list("breakpoints", breakpoints))]
    given_fn_torch = fn_torch
    if fn_torch is None:
        def fn_torch(t, _f=fn):
            return torch.as_tensor(_f(t.detach().cpu().numpy()), dtype=t.dtype, device=t.device)
    f = _scanned(fn)
    found, steep = _scan_for_jumps(f)
    declared = np.asarray(breakpoints, dtype=np.float64)

    def is_declared(t):
        # the scan places t to 1e-14; a breakpoint within 1e-9 is the same place
        return bool(np.any(np.abs(declared - t) <= 1e-9 * max(1.0, abs(t))))

    undeclared = [(t, size) for t, size in found if not is_declared(t)]
    if undeclared:
        where = ", ".join(f"{t:.12g} (by {size:.3g})" for t, size in undeclared[:5])
        more = f" and at {len(undeclared) - 5} more points" if len(undeclared) > 5 else ""
        # steps this small are what float32 arithmetic makes of sin(t) at |t| > 16, say
        tiny = (" (steps this small often come from float32 arithmetic: compute f in float64)"
                if max(size for _, size in undeclared[:5]) < 1e-4 else "")
        raise ValueError(f"fn jumps at t = {where}{more}, which "
                         f"breakpoints does not declare{tiny}. Declare each (to the digits shown or better), and f "
                         f"is treated like a step (no derivative, dd = inf, the CK only); undeclared, its "
                         f"derivative would miss the Dirac mass there, and dd and the NTK would come out finite "
                         f"and wrong")
    declared_sizes = _jump_sizes(f, declared)
    jumps = [(float(b), float(size)) for b, size in zip(declared, declared_sizes) if size > 0]
    if jumps:
        if deriv is not None or deriv_torch is not None:
            b, size = jumps[0]
            raise ValueError(f"fn jumps at breakpoint {b:g} (by {size:.3g}), so its derivative has a Dirac mass "
                             f"there that no deriv or deriv_torch can give (the NTK of such an f does not exist): "
                             f"omit them")
        _check_given(f, given_fn_torch, None, None, breakpoints)
        # like the named steps: no derivative, dd = inf, the CK only
        return Activation(name=name, fn=fn, fn_torch=fn_torch, deriv=None, deriv_torch=None,
                          breakpoints=tuple(breakpoints))
    if breakpoints:
        # declared breakpoints are checked exactly: the scan misses some (the end of sqrt t, next to NaN)
        steep_declared = declared[_steep(f, declared, declared_sizes)].tolist()
        steep = sorted(steep_declared + [t for t in steep if not is_declared(t)], key=_near_zero_first)
    if deriv is None and steep:
        where = ", ".join(f"{t:.12g}" for t in steep[:5])
        more = f" and at {len(steep) - 5} more points" if len(steep) > 5 else ""
        raise ValueError(f"fn is continuous but too steep at t = {where}{more} for its derivative by finite "
                         f"differences (step 1e-5): within 1e-9 of it f moves more than 5e-4 times as much as "
                         f"within 1e-5 (a smooth f, 1e-4 times). f' is unbounded there (as for sqrt|t|), or f "
                         f"bends faster than that step can follow, and dd and the NTK would come out wrong. Pass "
                         f"deriv; the quadrature then says whether E f'^2 is finite")
    _check_given(f, given_fn_torch, deriv, deriv_torch, breakpoints + steep)
    if deriv is None:
        def deriv(t, _f=fn, _h=_DIFFERENCE_STEP):
            t = np.asarray(t, dtype=np.float64)
            return (_f(t + _h) - _f(t - _h)) / (2 * _h)
    if deriv_torch is None:
        def deriv_torch(t, _d=deriv):
            return torch.as_tensor(_d(t.detach().cpu().numpy()), dtype=t.dtype, device=t.device)
    return Activation(name=name, fn=fn, fn_torch=fn_torch, deriv=deriv, deriv_torch=deriv_torch,
                      breakpoints=tuple(breakpoints))


# --------------------------------------------------------------------------------------------
# moments
# --------------------------------------------------------------------------------------------

_QUAD_LIMIT = 40.0   # |xi| beyond 40 has Gaussian mass < 1e-340


# Points in t units where an activation's shape lives.  f is defined in t = tau xi units, so at tau > 1 a
# smooth f such as tanh turns within |xi| ~ 1/tau, narrower than the Gaussian weight, and the adaptive rule
# on [-40, 40] can step over the turn without a warning (E tanh(1e4 xi)^2 came out 1, 8e-5 too large).
_SHAPE_POINTS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def _expect(h, tau: float, breakpoints, what: str = "a moment", name: str = "custom",
            epsrel: float = 1e-12, epsabs: float = 1e-14) -> float:
    """E h(xi) for xi ~ N(0,1), adaptive quadrature split at breakpoints (already in xi units) and, where
    tau > 1, at xi = t / tau for t = 0, +-1/2, +-1, ..., +-32 (at tau <= 1 f's shape is at least as wide
    as the Gaussian weight and the pieces are those of the breakpoints alone).  epsrel: the relative
    tolerance, and epsabs the absolute one, above 1e-12 and 1e-14 only where h itself carries rounding of
    that size.

    A quadrature that does not converge raises ValueError naming ``what`` (the moment) and ``name`` (the
    activation): scipy only warns and returns its best guess, e.g. a finite E f'^2 for f = sqrt|t|, whose
    E f'^2 is infinite."""
    shape = [x for s in _SHAPE_POINTS for x in (s / tau, -s / tau)] if tau > 1 else []
    pts = sorted({-_QUAD_LIMIT, _QUAD_LIMIT, *[b for b in [*breakpoints, *shape] if abs(b) < _QUAD_LIMIT]})
    total = 0.0
    for lo, hi in zip(pts[:-1], pts[1:]):
        try:
            with np.errstate(over="raise", invalid="raise"), warnings.catch_warnings():
                warnings.simplefilter("error", integrate.IntegrationWarning)
                val, _ = integrate.quad(lambda x: h(x) * math.exp(-0.5 * x * x) / SQRT2PI, lo, hi,
                                        limit=200, epsabs=epsabs, epsrel=epsrel)
        except (OverflowError, FloatingPointError):
            # the integrand overflows: the moment diverges (reported by raw_moments)
            return math.inf
        except integrate.IntegrationWarning as exc:
            reason = str(exc).strip().splitlines()[0]
            raise ValueError(f"the quadrature for {what} of activation {name!r} at tau = {tau:g} did not converge "
                             f"on [{lo * tau:g}, {hi * tau:g}] ({reason}). If f has a kink, jump or singular "
                             f"point, declare it in breakpoints (activations.custom); if f' is singular there "
                             f"(as for sqrt|t|), E f'^2 may be infinite and the NTK not exist") from None
        total += val
    return total


def _raw_by_quadrature(act: Activation, tau: np.ndarray) -> RawMoments:
    out = {k: np.empty_like(tau) for k in ("mean", "d1", "d2", "g2", "dd", "second", "var", "d3")}
    f = act.fn
    for idx, t in np.ndenumerate(tau):
        bp = [b / t for b in act.breakpoints]
        fx = lambda x: float(f(np.array(t * x)))
        m = _expect(fx, t, bp, "E f", act.name)
        # the rest of f - m, in units of its size c over the bulk of the Gaussian: an offset (f + 30) or
        # a nearly constant f (sigmoid at small tau) would otherwise cancel in E f^2 - m^2 and
        # E (f^2)'' - 2 m E f'', or fall below the quadrature's absolute tolerance
        c = max(abs(fx(x) - m) for x in np.linspace(-6.0, 6.0, 97))
        if c <= 16 * np.finfo(np.float64).eps * abs(m):
            # f is constant to rounding (0 * t + 3): m, a sum of quadrature weights, misses f's value by a few
            # ulps, and f - m would come out a spread of ~1e-16 with a variance of ~1e-31, not 0, which the
            # layers' zero-variance check would let through.  Centre on f's own value instead
            m = fx(0.0)
            c = max(abs(fx(x) - m) for x in np.linspace(-6.0, 6.0, 97))
        c = c or 1.0
        sx = lambda x: (fx(x) - m) / c
        # f's own rounding, relative to that size, bounds what the quadrature can reach
        noise = np.finfo(np.float64).eps * (abs(m) + c) / c
        tol = (max(1e-12, 100 * noise), max(1e-14, 10 * noise))
        var = c * c * _expect(lambda x: sx(x) ** 2, t, bp, "E (f - E f)^2", act.name, *tol)
        # Stein's lemma: E f' = E[xi f]/tau, E f'' = E[(xi^2-1) f]/tau^2 (valid for non-smooth f)
        d1 = c * _expect(lambda x: x * sx(x), t, bp, "E f'", act.name, *tol) / t
        d2 = c * _expect(lambda x: (x * x - 1) * sx(x), t, bp, "E f''", act.name, *tol) / t**2
        d3 = c * c * _expect(lambda x: (x * x - 1) * sx(x) ** 2, t, bp, "E ((f - E f)^2)''", act.name,
                             *tol) / t**2
        out["mean"][idx], out["var"][idx], out["d1"][idx], out["d2"][idx], out["d3"][idx] = m, var, d1, d2, d3
        out["second"][idx] = var + m * m
        out["g2"][idx] = d3 + 2 * m * d2
        if act.deriv is None:
            out["dd"][idx] = np.inf
        else:
            out["dd"][idx] = _expect(lambda x: float(act.deriv(np.array(t * x))) ** 2, t, bp, "E f'^2", act.name)
    return RawMoments(**out)


def check_tau(tau, name: str = "tau", scalar: bool = False):
    """tau as a float64 array of scales, every one finite and > 0; with ``scalar=True`` a single one, as a float.

    None, strings and booleans raise (``np.asarray`` would turn None into NaN, "2" into 2.0, True into 1.0)."""
    original = tau
    if tau is None or isinstance(tau, (str, bytes, bool, np.bool_)):
        raise ValueError(f"{name} must be {'a number' if scalar else 'numbers'} finite and > 0, got {original!r}")
    try:
        tau = np.asarray(tau, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {'a number' if scalar else 'numbers'} finite and > 0, "
                         f"got {original!r}") from None
    if np.asarray(original).dtype == bool:
        raise ValueError(f"{name} must be numbers finite and > 0, got booleans {original!r}")
    if scalar and tau.ndim != 0:
        raise ValueError(f"{name} must be a single number (a scale) finite and > 0, got shape {tau.shape}: "
                         f"{tau.tolist() if tau.size < 10 else tau}")
    if tau.size == 0 or not np.all(np.isfinite(tau)) or np.any(tau <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {tau.tolist() if tau.size < 10 else tau}")
    return float(tau) if scalar else tau


def raw_moments(act, tau) -> RawMoments:
    """Uncentred moments of f at scale tau (closed form where available, else quadrature)."""
    act = get(act)
    tau = check_tau(tau)
    with np.errstate(over="ignore", invalid="ignore"):
        r = act.raw(tau) if act.raw is not None else _raw_by_quadrature(act, tau)
    for key in ("mean", "d1", "d2", "g2", "second", "var", "d3"):
        if getattr(r, key) is None:
            continue
        val = np.asarray(getattr(r, key))
        if not np.all(np.isfinite(val)):
            # NaN where f is undefined (log1p below -1, sqrt below 0) makes the moments NaN too: say where
            t = np.linspace(-40.0, 40.0, 8001) * float(np.max(tau))
            with np.errstate(all="ignore"):
                f_t = np.asarray(act.fn(t), dtype=np.float64)
            nan = np.flatnonzero(np.isnan(f_t))
            where = (f"f is NaN (undefined) at t = {t[nan[0]]:.4g} and {nan.size - 1} more of 8001 points in "
                     f"[-40 tau, 40 tau]: an activation must be defined on the whole real line, and "
                     if nan.size else "")
            raise ValueError(
                f"Gaussian moment {key} of activation {act.name!r} at tau={tau.tolist()} is not finite: "
                f"{where}E f(tau xi)^2 must be finite for the kernels to exist")
    # one type per field whatever the closed form computed it with: a closed form may give a 0-d
    # array for one moment and a numpy scalar for another; [()] turns both into np.float64
    fields = dict(vars(r))
    # centred where the closed form or the quadrature gave them; else by subtraction, exact enough where
    # f is not nearly constant over the Gaussian
    if fields["var"] is None:
        fields["var"] = np.maximum(np.asarray(r.second) - np.asarray(r.mean) ** 2, 0.0)
    if fields["d3"] is None:
        # (sigma^2)'' = (f^2)'' - 2 m f'' for sigma = f - m
        fields["d3"] = np.asarray(r.g2) - 2 * np.asarray(r.mean) * np.asarray(r.d2)
    return RawMoments(**{key: np.asarray(val, dtype=np.float64)[()] for key, val in fields.items()})


def moments(act, tau) -> Moments:
    """Moments of the centred activation sigma = f - E f(tau xi) at scale tau (vectorized over tau).

    Returns :class:`Moments` with mean (the centring constant), d1, d2, d3 = E (sigma^2)'',
    dd = E sigma'^2 (inf for step functions), var = E sigma^2.
    """
    act = get(act)
    tau = check_tau(tau)
    r = raw_moments(act, tau)
    var, d3 = np.maximum(r.var, 0.0), r.d3
    return Moments(tau=tau[()], mean=r.mean, d1=r.d1, d2=r.d2, d3=d3, dd=r.dd, var=var)
