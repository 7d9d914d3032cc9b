"""Layer recursions of THEORY.md section 3: alpha (CK), beta and kappa^2 (NTK), and tau_l.

Each layer's moments are taken at the previous layer's scale: tau_l^2 = Var f_l(tau_{l-1} xi).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import activations as A


@dataclass(frozen=True)
class CKCoefficients:
    """alpha: (L, 4) rows alpha_l = (alpha_l1, alpha_l2, alpha_l3, alpha_l4) for l = 1..L;
    tau: (L+1,) scales tau_0..tau_L; moments: per-layer :class:`~ntklc_lib.activations.Moments`."""

    alpha: np.ndarray
    tau: np.ndarray
    moments: tuple

    @property
    def final(self) -> np.ndarray:
        """alpha_L (4,)."""
        return self.alpha[-1]

    @property
    def tau_L2(self) -> float:
        return float(self.tau[-1] ** 2)


@dataclass(frozen=True)
class NTKCoefficients(CKCoefficients):
    """Adds beta: (L, 3) and kappa2: (L+1,) (kappa_0^2 = tau_0^2)."""

    beta: np.ndarray = None
    kappa2: np.ndarray = None


def layer_moments(acts, tau0: float) -> tuple[list, np.ndarray]:
    """Moments of each centred layer activation at its input scale, and tau_0..tau_L."""
    acts = A.get_list(acts)
    tau0 = A.check_tau(tau0, "tau0", scalar=True)
    taus = [tau0]
    ms = []
    for act in acts:
        m = A.moments(act, taus[-1])
        # the recursions square d1 and d2: beyond ~1e154 that overflows (relu's d2 = 1/(sqrt(2 pi) tau))
        if max(abs(float(m.d1)), abs(float(m.d2)), abs(float(m.d3))) > 1e150:
            raise ValueError(f"activation {act.name!r} at tau = {taus[-1]:.4g} has moments beyond 1e150 "
                             f"(d1 = {float(m.d1):.3g}, d2 = {float(m.d2):.3g}, d3 = {float(m.d3):.3g}), whose "
                             f"squares overflow: tau0 = {tau0:g} is too small for these activations")
        ms.append(m)
        if not m.var > 0:
            raise ValueError(f"activation {act.name!r} has zero variance at tau={taus[-1]:.4g}: "
                             "the next layer would receive a constant")
        taus.append(float(np.sqrt(m.var)))
    return ms, np.array(taus)


def alpha_step(prev: np.ndarray, m) -> np.ndarray:
    """One CK layer: alpha_{l-1} (4,) -> alpha_l (4,) from the layer's moments."""
    d1s, d2s, d3 = float(m.d1) ** 2, float(m.d2) ** 2, float(m.d3)
    return np.array([
        d1s * prev[0],
        d1s * prev[1] + 0.25 * d2s * prev[3] ** 2,
        d1s * prev[2] + 0.5 * d2s * prev[0] ** 2,
        0.5 * d3 * prev[3],
    ])


def ck(acts, tau0: float) -> CKCoefficients:
    """CK coefficients of an L-layer net with activations ``acts`` on data of scale tau0."""
    ms, taus = layer_moments(acts, tau0)
    alpha = [np.array([1.0, 0.0, 0.0, 1.0])]
    for m in ms:
        alpha.append(alpha_step(alpha[-1], m))
    return CKCoefficients(alpha=np.array(alpha[1:]), tau=taus, moments=tuple(ms))


def ntk(acts, tau0: float) -> NTKCoefficients:
    """NTK coefficients: CK's alpha and tau plus beta (L, 3) and kappa2 (L+1,)."""
    acts = A.get_list(acts)
    c = ck(acts, tau0)
    beta = [np.zeros(3)]
    beta[0][0] = 1.0
    kappa2 = [c.tau[0] ** 2]
    alpha_prev = np.array([1.0, 0.0, 0.0, 1.0])
    for l, (m, a) in enumerate(zip(c.moments, c.alpha)):
        if not np.isfinite(m.dd):
            raise ValueError(
                f"layer {l + 1}: activation {acts[l].name!r} has dd = E sigma'(tau xi)^2 = inf (its derivative "
                "is a sum of Dirac masses), so its NTK does not exist; use the CK for step activations")
        d1s, d2s = float(m.d1) ** 2, float(m.d2) ** 2
        b = beta[-1]
        beta.append(np.array([
            a[0] + d1s * b[0],
            a[1] + d1s * b[1],
            a[2] + d1s * b[2] + d2s * alpha_prev[0] * b[0],
        ]))
        kappa2.append(c.tau[l + 1] ** 2 + float(m.dd) * kappa2[-1])
        alpha_prev = a
    return NTKCoefficients(alpha=c.alpha, tau=c.tau, moments=c.moments, beta=np.array(beta[1:]),
                           kappa2=np.array(kappa2))
