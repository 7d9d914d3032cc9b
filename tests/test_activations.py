"""Gaussian moments and dual maps of activations against independent computations."""
import math

import numpy as np
import pytest
from scipy import integrate, stats

import ntklc_lib as nl
from ntklc_lib import activations as A

TAUS = (0.3, 1.0, 2.5)
N_MC = 1_000_000
SMOOTH_OR_KINKED = ["relu", "lrelu", "tanh", "sigmoid", "erf", "sin", "cos", "abs", "poly2", "gelu", "swish"]


def mc_moments(act, tau, seed=0):
    """Monte Carlo estimates (value, standard error) of mean, d1, d2, d3, dd, var via Stein forms."""
    xi = np.random.default_rng(seed).standard_normal(N_MC)
    f = act.fn(tau * xi)
    m = f.mean()
    samples = {
        "mean": f,
        "d1": xi * f / tau,
        "d2": (xi**2 - 1) * f / tau**2,
        "d3": (xi**2 - 1) * (f - m) ** 2 / tau**2,
        "var": (f - m) ** 2,
    }
    if act.deriv is not None:
        samples["dd"] = act.deriv(tau * xi) ** 2
    return {k: (v.mean(), v.std() / math.sqrt(N_MC)) for k, v in samples.items()}


@pytest.mark.parametrize("name", SMOOTH_OR_KINKED + ["sign"])
@pytest.mark.parametrize("tau", TAUS)
def test_moments_match_monte_carlo_within_5_standard_errors(name, tau):
    act = nl.activations.get(name)
    m = nl.activations.moments(act, tau)
    for key, (est, se) in mc_moments(act, tau, seed=hash((name, tau)) % 2**32).items():
        exact = float(getattr(m, key))
        assert abs(exact - est) <= 5 * se + 1e-12, f"{name} tau={tau} {key}: {exact} vs MC {est} ± {se}"


@pytest.mark.parametrize("tau", TAUS)
def test_relu_hand_closed_forms(tau):
    m = nl.activations.moments("relu", tau)
    assert m.d1 == pytest.approx(0.5, abs=1e-15)
    assert m.d2 == pytest.approx(1 / (math.sqrt(2 * math.pi) * tau), rel=1e-14)
    assert m.d3 == pytest.approx(1 - 1 / math.pi, rel=1e-14)
    assert m.dd == pytest.approx(0.5, rel=1e-14)
    assert m.var == pytest.approx(tau**2 * (0.5 - 1 / (2 * math.pi)), rel=1e-14)


@pytest.mark.parametrize("name", ["relu", "lrelu", "erf", "sin", "cos", "abs", "poly2"])
def test_closed_form_moments_equal_adaptive_quadrature(name):
    """Named closed forms vs the generic quadrature path (a custom activation with the same f)."""
    act = nl.activations.get(name)
    quad = nl.activations.custom(act.fn, deriv=act.deriv, breakpoints=act.breakpoints)
    tau = np.array(TAUS)
    a, b = nl.activations.moments(act, tau), nl.activations.moments(quad, tau)
    for key in ("mean", "d1", "d2", "d3", "dd", "var"):
        np.testing.assert_allclose(getattr(a, key), getattr(b, key), rtol=1e-8, atol=1e-10, err_msg=f"{name} {key}")


def test_step_closed_forms_equal_quadrature():
    act = nl.activations.step([-0.7, 0.2, 1.1], [0.5, -1.0, 2.0, 0.0])
    quad = nl.activations.custom(act.fn, breakpoints=act.breakpoints)
    tau = np.array(TAUS)
    a, b = nl.activations.moments(act, tau), nl.activations.moments(quad, tau)
    for key in ("mean", "d1", "d2", "d3", "var"):
        np.testing.assert_allclose(getattr(a, key), getattr(b, key), rtol=1e-8, atol=1e-10, err_msg=key)
    assert np.all(np.isinf(a.dd))


def test_binary_and_ternary_match_theory_formulas():
    # THEORY.md section 4: sigma = b 1{t in (l, u)}
    l, u, b, tau = -0.4, 1.3, 1.7, 0.8
    act = nl.activations.binary([(l, u)], b)
    m = nl.activations.moments(act, tau)
    phi, Phi = stats.norm.pdf, stats.norm.cdf
    P = Phi(u / tau) - Phi(l / tau)
    d2 = b / tau**3 * (l * phi(l / tau) - u * phi(u / tau))
    assert m.mean == pytest.approx(b * P, rel=1e-12)
    assert m.var == pytest.approx(b * b * P * (1 - P), rel=1e-12)
    assert m.d1 == pytest.approx(b / tau * (phi(l / tau) - phi(u / tau)), rel=1e-12)
    assert m.d2 == pytest.approx(d2, rel=1e-12)
    assert m.d3 == pytest.approx((1 - 2 * P) * b * d2, rel=1e-12)
    # symmetric ternary: u/phi(u) = 2 d3/d1^2
    s = 0.9
    t = nl.activations.moments(nl.activations.ternary_symmetric(s, 2.0), tau)
    assert t.d2 == pytest.approx(0, abs=1e-14)
    x = s / tau
    assert x / phi(x) == pytest.approx(2 * t.d3 / t.d1**2, rel=1e-12)


def gh2(f, a, b, c, q=80):
    """E f(u) f(v) by brute-force 2-D Gauss-Hermite (independent of the library)."""
    x, w = np.polynomial.hermite_e.hermegauss(q)
    w = w / math.sqrt(2 * math.pi)
    rho = c / math.sqrt(a * b)
    u = math.sqrt(a) * x[:, None]
    v = math.sqrt(b) * (rho * x[:, None] + math.sqrt(1 - rho**2) * x[None, :])
    return float(np.einsum("ij,i,j->", f(u) * f(v), w, w))


@pytest.mark.parametrize("name", ["erf", "sin", "cos", "poly2"])
def test_smooth_duals_equal_2d_quadrature(name):
    act = nl.activations.get(name)
    for a, b, c in [(1.0, 1.0, 0.3), (0.5, 2.0, -0.6), (1.3, 0.9, 1.0)]:
        assert act.dual(a, b, c) == pytest.approx(gh2(act.fn, a, b, c), rel=1e-9, abs=1e-12)
        assert act.dual_deriv(a, b, c) == pytest.approx(gh2(act.deriv, a, b, c), rel=1e-9, abs=1e-12)


def mc_dual(f, a, b, c, n=2_000_000, seed=1):
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0], [[a, c], [c, b]], size=n)
    s = f(z[:, 0]) * f(z[:, 1])
    return s.mean(), s.std() / math.sqrt(n)


@pytest.mark.parametrize("name", ["relu", "lrelu", "abs", "sign"])
def test_nonsmooth_duals_equal_monte_carlo(name):
    act = nl.activations.get(name)
    for a, b, c in [(1.0, 1.0, 0.3), (0.5, 2.0, -0.6)]:
        est, se = mc_dual(act.fn, a, b, c)
        assert abs(act.dual(a, b, c) - est) <= 5 * se


def test_step_dual_equals_bivariate_normal_cdf():
    """Plackett-integral dual vs orthant probabilities from scipy's bivariate normal CDF."""
    s = np.array([-0.5, 0.8])
    v = np.array([1.0, -2.0, 0.5])
    act = nl.activations.step(s, v)
    for a, b, c in [(1.0, 1.2, 0.4), (0.7, 0.7, 0.69), (2.0, 0.5, -0.9)]:
        mvn = stats.multivariate_normal([0, 0], [[a, c], [c, b]])
        jumps = np.diff(v)
        exact = v[0] ** 2
        exact += v[0] * sum(jumps[j] * (stats.norm.sf(s[j] / math.sqrt(a)) + stats.norm.sf(s[j] / math.sqrt(b)))
                            for j in range(2))
        for j in range(2):
            for k in range(2):
                # P(u > s_j, v > s_k) = P(-u < -s_j, -v < -s_k)
                exact += jumps[j] * jumps[k] * mvn.cdf([-s[j], -s[k]])
        assert act.dual(a, b, c) == pytest.approx(exact, abs=2e-7)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="unknown activation name 'rleu'"):
        nl.activations.get("rleu")
    with pytest.raises(ValueError, match="tau must be finite and > 0"):
        nl.activations.moments("relu", 0.0)
    with pytest.raises(ValueError, match="tau must be finite and > 0"):
        nl.activations.moments("tanh", -1.0)
    with pytest.raises(ValueError, match="not finite"):
        nl.activations.moments(nl.activations.custom(lambda t: np.exp(t * t)), 1.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        nl.activations.step([1.0, 0.0], [0, 1, 0])
    with pytest.raises(ValueError, match="dd = E sigma'"):
        nl.coefficients.ntk(["relu", "sign"], 1.0)
