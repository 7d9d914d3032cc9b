"""Gaussian moments and dual maps of activations against independent computations."""
import dataclasses
import math
import re
import zlib

import numpy as np
import pytest
import torch
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
    out = {k: (v.mean(), v.std() / math.sqrt(N_MC)) for k, v in samples.items()}
    # d3's samples are centred at the sample mean m, and d3 moves with it: shifting f by c moves the estimate
    # by -2 c d2 to first order, so its standard error comes from the samples with that influence added (their
    # mean is unchanged, since f - m sums to zero).  Without it the error came out up to 17 % too large (cos,
    # tau 1), so "5 standard errors" meant up to 5.9.  mean, d1, d2 and var do not move with m to first order.
    influence = samples["d3"] - 2 * out["d2"][0] * (f - m)
    out["d3"] = (out["d3"][0], influence.std() / math.sqrt(N_MC))
    return out


@pytest.mark.parametrize("name", SMOOTH_OR_KINKED + ["sign"])
@pytest.mark.parametrize("tau", TAUS)
def test_moments_match_monte_carlo_within_5_standard_errors(name, tau):
    act = nl.activations.get(name)
    m = nl.activations.moments(act, tau)
    for key, (est, se) in mc_moments(act, tau, seed=zlib.crc32(f"{name}-{tau}".encode())).items():
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
        if name == "sign":                      # a step: its derivative is a Dirac mass, no NTK dual
            assert act.dual_deriv is None
            continue
        # the NTK's dual E sigma'(u) sigma'(v), against the Monte Carlo mean of deriv(u) deriv(v); 500 000
        # draws: SE <= 1/sqrt(500 000) = 1.4e-3 (|products| <= 1; measured |z| <= 2.4), against errors of
        # 0.09-0.1 for a wrong lrelu cross term or a halved abs arcsine
        est, se = mc_dual(act.deriv, a, b, c, n=500_000, seed=2)
        assert abs(act.dual_deriv(a, b, c) - est) <= 5 * se, f"{name} dual_deriv{(a, b, c)} vs MC {est} ± {se}"


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


def test_step_plackett_dual_keeps_far_tail_means():
    """A threshold at 9 sigma: P(u > 9) = 1.1e-19 was computed as 1 - Phi(9), which rounds to 0, so the
    Plackett dual of independent inputs (rho = 0, only the means' product) was 0 instead of P(u > 9)^2."""
    act = A.step([9.0], [0.0, 1.0])
    exact = stats.norm.sf(9.0) ** 2                       # scipy's survival function: no cancellation
    assert A.step_dual_plackett(act, 1.0, 1.0, 0.0) == pytest.approx(exact, rel=1e-12, abs=0)
    # the series path (what act.dual uses at rho = 0) agrees
    assert act.dual(1.0, 1.0, 0.0) == pytest.approx(exact, rel=1e-9, abs=0)


STEPS = [
    A.binary([(0.5, np.inf)], 2.0),
    A.ternary_symmetric(0.5),
    A.get("sign"),
    A.step([-1.0, 0.3, 1.2], [0.5, -1.0, 2.0, 0.0]),
]


@pytest.mark.parametrize("act", STEPS, ids=[a.name for a in STEPS])
def test_step_dual_series_equals_plackett_integral(act):
    """act.dual (Mehler's series for |rho| <= 0.5, Plackett elsewhere) vs Plackett for every pair."""
    rng = np.random.default_rng(0)
    # elementwise pairs over the whole range of correlations, including |rho| near 1 and the cut at 0.5
    a, b = rng.uniform(0.3, 2.0, 300), rng.uniform(0.3, 2.0, 300)
    rho = np.concatenate([rng.uniform(-1, 1, 290), [1.0, -1.0, 0.999, -0.999, 0.5001, 0.4999, 0, 0.3, -0.3, 0.1]])
    c = rho * np.sqrt(a * b)
    np.testing.assert_allclose(act.dual(a, b, c), A.step_dual_plackett(act, a, b, c), rtol=0, atol=1e-12)
    # the (rows, 1) x (1, n) pattern of the limit kernel, small correlations (series path only)
    Ar, Bc = a[:40, None], b[None, :]
    C = rng.uniform(-0.3, 0.3, (40, 300)) * np.sqrt(Ar * Bc)
    np.testing.assert_allclose(act.dual(Ar, Bc, C), A.step_dual_plackett(act, Ar, Bc, C), rtol=0, atol=1e-12)


def _plackett_adaptive(s, v, a, b, c):
    """E f(u) f(v) for a step f by Plackett's identity, each pair of jumps integrated over theta by adaptive
    quadrature on intervals packed geometrically towards theta_max (where a near-duplicate pair's density
    falls to 0 within about |h - k|)."""
    jumps = np.diff(v)
    sa, sb = math.sqrt(a), math.sqrt(b)
    top = math.asin(c / (sa * sb))
    total = (v[0] + jumps @ stats.norm.sf(s / sa)) * (v[0] + jumps @ stats.norm.sf(s / sb))
    # theta runs from 0 to top (negative for rho < 0): sorted edges, and the sign of the direction
    edges = np.unique(np.concatenate([[0.0, top], top - np.sign(top) * np.geomspace(1e-12, abs(top), 80)[:-1]]))
    for j in range(s.size):
        for k in range(s.size):
            h, q = s[j] / sa, s[k] / sb

            def density(th):
                return math.exp(-(h - q) ** 2 / (2 * math.cos(th) ** 2) - h * q / (1 + math.sin(th))) / (2 * math.pi)

            pieces = [integrate.quad(density, lo, hi, epsabs=1e-19, epsrel=1e-13)[0]
                      for lo, hi in zip(edges[:-1], edges[1:])]
            total += np.sign(top) * jumps[j] * jumps[k] * sum(pieces)
    return total


def test_step_dual_of_near_duplicates_and_of_the_diagonal():
    """Near |rho| = 1 the Plackett density of two thresholds h != k drops to 0 within about |h - k| of
    theta_max; 48 evenly weighted nodes in theta missed that drop by 4e-6 relative (a ternary activation
    NTK-LC solves for, norms 5 % apart).  The diagonal is E f^2 exactly (it was 1.5e-7 off)."""
    act = A.step([0.663017172292861, 0.7626374804819842], [-0.736603, 0.0, 0.736603])
    s, v = np.asarray(act.thresholds), np.asarray(act.values)
    for a, b, c in [(1.0, 1.1025, 1.05 * (1 - 4.4e-9)), (1.0, 1.1025, 1.05 * 0.9999), (0.7, 0.9, -0.79)]:
        want = _plackett_adaptive(s, v, a, b, c)
        # measured: 2e-8, 3e-13 and 1e-13 relative
        assert act.dual(a, b, c) == pytest.approx(want, rel=2e-7, abs=0), (a, b, c)
    a = np.array([0.3, 1.0, 2.5])
    second = v[0] ** 2 + stats.norm.sf(s[None, :] / np.sqrt(a)[:, None]) @ np.diff(v * v)
    np.testing.assert_allclose(act.dual(a, a, a), second, rtol=1e-14, atol=0)


def test_step_limit_kernel_equals_plackett_limit_kernel():
    """The limit kernel with the series dual equals the one with Plackett's integral for every pair."""
    d = nl.data.gmm("mixed", n=120, p=150, seed=3)
    acts = [STEPS[0], STEPS[1]]
    slow = [dataclasses.replace(a, dual=lambda x, y, z, _a=a: A.step_dual_plackett(_a, x, y, z)) for a in acts]
    np.testing.assert_allclose(nl.kernels.ck_limit(d.X, acts), nl.kernels.ck_limit(d.X, slow), rtol=0, atol=1e-12)


@pytest.mark.parametrize("act", STEPS[:2], ids=[a.name for a in STEPS[:2]])
def test_step_hermite_coefficients_match_quadrature(act):
    a = np.array([0.4, 1.0, 1.7])
    C, second = A.step_hermite_coefficients(act, a, kmax=10)
    dens = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    for i, ai in enumerate(a):
        pts = sorted({-40.0, 40.0, *[s / math.sqrt(ai) for s in act.thresholds]})
        f = lambda x: float(act.fn(np.array(math.sqrt(ai) * x)))
        for k in range(11):
            hk = lambda x: np.polynomial.hermite_e.hermeval(x, [0] * k + [1]) / math.sqrt(math.factorial(k))
            val = sum(integrate.quad(lambda x: f(x) * hk(x) * dens(x), lo, hi, epsabs=1e-13)[0]
                      for lo, hi in zip(pts[:-1], pts[1:]))
            assert abs(C[i, k] - val) < 1e-9, (k, C[i, k], val)
        sec = sum(integrate.quad(lambda x: f(x) ** 2 * dens(x), lo, hi, epsabs=1e-13)[0]
                  for lo, hi in zip(pts[:-1], pts[1:]))
        assert abs(second[i] - sec) < 1e-9


def test_hermite_normalized_is_orthonormal_under_the_gaussian():
    x, w = np.polynomial.hermite_e.hermegauss(60)
    H = A.hermite_normalized(x, 20)
    np.testing.assert_allclose((H * (w / math.sqrt(2 * math.pi))[:, None]).T @ H, np.eye(21), atol=1e-10)


@pytest.mark.parametrize("tol", [1e-6, 1e-10])
def test_mehler_order_truncation_meets_its_bound_for_tanh(tol):
    # tanh at variance 1: Hermite coefficients and E tanh^2 by 1-D Gauss-Hermite; the truncated
    # series must agree with brute-force 2-D quadrature to tol wherever |rho| <= rho_max
    x, w = np.polynomial.hermite_e.hermegauss(150)
    w = w / math.sqrt(2 * math.pi)
    c = (np.tanh(x) * w) @ A.hermite_normalized(x, 80)
    tails = np.clip(np.sum(np.tanh(x) ** 2 * w) - np.cumsum(c**2), 0, None)
    rho_max = 0.4
    k, certified = A.mehler_order(tails, rho_max, tol)
    assert certified and 0 < k < 80
    assert tails[k - 1] * rho_max**k > tol          # smallest certified order
    for rho in (-0.4, -0.1, 0.25, 0.4):
        series = float(np.sum(c[: k + 1] ** 2 * rho ** np.arange(k + 1)))
        assert abs(series - gh2(np.tanh, 1.0, 1.0, rho)) <= tol + 1e-12
    # a tail that never falls below tol cannot be certified at |rho| = 1: the cap and False come back
    assert A.mehler_order(np.full(81, 0.05), 1.0, tol) == (80, False)


def test_step_helpers_reject_smooth_activation():
    with pytest.raises(ValueError, match="act must be a step activation"):
        A.step_hermite_coefficients("relu", [1.0])
    with pytest.raises(ValueError, match="act must be a step activation"):
        A.step_dual_plackett("tanh", 1.0, 1.0, 0.5)
    # these used to return NaN (variance 0 or < 0) or the value at c = sqrt(ab) (an impossible covariance)
    for bad in ([0.0], [-1.0], [1.0, np.nan]):
        with pytest.raises(ValueError, match=r"variances must be finite and > 0"):
            A.step_hermite_coefficients("sign", bad)
    with pytest.raises(ValueError, match=r"kmax must be an integer >= 0, got -2"):
        A.step_hermite_coefficients("sign", [1.0], -2)
    with pytest.raises(ValueError, match=r"^a must be finite and > 0, got -1.0"):
        A.step_dual_plackett("sign", -1.0, 1.0, 0.0)
    with pytest.raises(ValueError,
                       match=r"c must be finite with \|c\| <= sqrt\(a b\) .*got c = 5.0 for sqrt\(a b\) = 1.0"):
        A.step_dual_plackett("sign", 1.0, 1.0, 5.0)
    assert A.step_dual_plackett("sign", 1.0, 1.0, 1.0) == pytest.approx(1.0, abs=1e-12)   # c = sqrt(ab): u = v


def test_errors_are_clear():
    with pytest.raises(ValueError, match="unknown activation name 'rleu'"):
        nl.activations.get("rleu")
    with pytest.raises(ValueError, match=r"activation 'lrelu' takes only \['slope'\], got \['slop'\]"):
        nl.activations.get("lrelu", slop=0.5)
    with pytest.raises(ValueError, match=r"activation 'relu' takes no parameters, got \['slope'\]"):
        nl.activations.get("relu", slope=0.5)
    assert nl.activations.moments(nl.activations.get("lrelu", slope=0.5), 1.0).d1 == pytest.approx(0.75)
    with pytest.raises(ValueError, match="intervals must have numeric bounds"):
        nl.activations.binary([(float("nan"), 1.0)])
    with pytest.raises(ValueError, match="slope must be a finite number"):
        nl.activations.get("lrelu", slope=float("nan"))
    with pytest.raises(ValueError, match=r"coefficients must be three finite numbers"):
        nl.activations.get("poly2", coefficients=(0.0, 1.0))
    with pytest.raises(ValueError, match="s must be a finite number"):
        nl.activations.ternary_symmetric("1")
    with pytest.raises(ValueError, match="kmax must be an integer >= 0"):
        nl.activations.hermite_normalized(np.zeros(3), -1)
    with pytest.raises(ValueError, match="tau must be finite and > 0"):
        nl.activations.moments("relu", 0.0)
    with pytest.raises(ValueError, match="tau must be finite and > 0"):
        nl.activations.moments("tanh", -1.0)
    with pytest.raises(ValueError, match="not finite"):
        nl.activations.moments(nl.activations.custom(lambda t: np.exp(t * t)), 1.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        nl.activations.step([1.0, 0.0], [0, 1, 0])
    # a (2, 1) table of thresholds used to be flattened into two thresholds: another activation
    with pytest.raises(ValueError, match=r"thresholds must be a flat list .*shape \(2, 1\)"):
        nl.activations.step([[-1.0], [1.0]], [0, 1, 0])
    with pytest.raises(ValueError, match=r"values must be a flat list .*shape \(1, 3\)"):
        nl.activations.step([-1.0, 1.0], [[0, 1, 0]])
    # math.tanh takes one float: the kernels call f on whole grids, where it failed with a bare TypeError
    with pytest.raises(ValueError, match=r"fn must be vectorized: .*TypeError.*np.tanh, not math.tanh"):
        nl.activations.custom(math.tanh)
    with pytest.raises(ValueError, match=r"deriv must be callable .*got int"):
        nl.activations.custom(np.tanh, deriv=3)
    with pytest.raises(ValueError, match=r"fn_torch must be callable .*got str"):
        nl.activations.custom(np.tanh, fn_torch="tanh")
    with pytest.raises(ValueError, match=r"fn must map a float array of shape \(5,\) to real values .*shape \(\)"):
        nl.activations.custom(lambda t: 1.0)
    # a boolean step is a real function (True = 1): accepted, with the moments of the 0/1 step
    step = nl.activations.custom(lambda t: t > 0, breakpoints=[0.0])
    assert float(nl.activations.moments(step, 1.0).var) == pytest.approx(0.25, rel=1e-9)
    with pytest.raises(ValueError, match="dd = E sigma'"):
        nl.coefficients.ntk(["relu", "sign"], 1.0)


def test_custom_activation_that_jumps_at_a_breakpoint_has_no_ntk():
    """A jump puts a Dirac mass in f': the finite-difference derivative (0 off the jump) made the "NTK" of a
    custom step equal its CK without a word.  Declared jumps now make f a step (dd = inf, NTK refused)."""
    A, K = nl.activations, nl.kernels
    jump = A.custom(lambda t: np.sign(t) + 0.5 * t, breakpoints=[0.0], name="sign+t/2")
    assert jump.deriv is None and jump.deriv_torch is None and not jump.differentiable
    assert not A.get("sign").differentiable and A.get("relu").differentiable
    assert np.isinf(A.moments(jump, 1.0).dd)
    d = nl.data.gmm("mixed", n=24, p=60, seed=3)
    for call in (lambda: nl.coefficients.ntk([jump], 1.0), lambda: K.ntk_limit(d.X, [jump]),
                 lambda: K.ntk_empirical(d.X, [jump], [30]),
                 lambda: nl.equivalence.error_vs_dimension("mixed", [40], {"j": [jump]}, kind="ntk")):
        with pytest.raises(ValueError, match="NTK does not exist"):
            call()
    # its CK still works: the limit against one random net of width d = 20000, whose entries are means of d
    # products g(u) g(v) of standard deviation at most sqrt(3) max K_ii (Gaussian-like g); 6 standard errors
    Kl = K.ck_limit(d.X, [jump])
    Ke = K.ck_empirical(d.X, [jump], [20000], seed=1)
    assert np.abs(Ke - Kl).max() < 6 * np.sqrt(3.0 / 20000) * np.diag(Kl).max()
    with pytest.raises(ValueError, match=r"fn jumps at breakpoint 0 \(by 2\).*omit them"):
        A.custom(np.sign, deriv=lambda t: 0 * np.asarray(t, dtype=float), breakpoints=(0.0,))
    with pytest.raises(ValueError, match=r"fn jumps at breakpoint 0 \(by 2\).*no deriv or deriv_torch"):
        A.custom(np.sign, deriv_torch=lambda t: 0 * t, breakpoints=(0.0,))
    # kinks and steep smooth functions are not jumps: they keep a derivative (E relu'^2 = 1/2)
    relu = A.custom(lambda t: np.maximum(t, 0.0), breakpoints=(0.0,))
    assert relu.differentiable
    assert float(A.moments(relu, 1.0).dd) == pytest.approx(0.5, abs=1e-6)
    assert A.custom(lambda t: np.tanh(100 * t), breakpoints=(0.0,)).deriv is not None
    with pytest.raises(ValueError, match=r"breakpoints\[0\] must be a finite number, got nan"):
        A.custom(np.tanh, breakpoints=[float("nan")])


@pytest.mark.parametrize("where", [0.0, 0.3, -0.7, 1 / 3, 2.0, 5000.0])
def test_custom_activation_that_jumps_where_no_breakpoint_is_declared_raises(where):
    """Undeclared, a jump went unseen: f = tanh(t) + 0.5 (t > w) got the finite-difference derivative of tanh
    off the jump, so dd came out E tanh'(xi)^2 = 0.464 where it is infinite, and an NTK that does not exist
    was computed."""
    A = nl.activations

    def f(t):
        return np.tanh(t) + 0.5 * (np.asarray(t) > where)

    with pytest.raises(ValueError, match=r"fn jumps at t = \S+ \(by 0\.5\), which breakpoints does not "
                                         r"declare.*dd and the NTK would come out finite and wrong") as err:
        A.custom(f)
    # the place it names, declared, is the jump: f becomes a step (dd = inf)
    named = float(re.search(r"at t = (\S+) \(by", str(err.value)).group(1))
    assert abs(named - where) <= 1e-10 * max(1.0, abs(where))
    step = A.custom(f, breakpoints=[named])
    assert step.deriv is None and np.isinf(float(A.moments(step, 1.0).dd))
    # the same jump declared at the exact place
    assert A.custom(f, breakpoints=[where]).deriv is None


def test_undeclared_jump_scan_names_every_jump_and_passes_continuous_functions():
    A = nl.activations
    # two jumps, one declared: the other is named
    with pytest.raises(ValueError, match=r"fn jumps at t = -1 \(by 2\), which"):
        A.custom(lambda t: np.sign(t) + 2.0 * (t > -1.0), breakpoints=[0.0])
    # many jumps: the five nearest 0 are named, and the rest counted
    with pytest.raises(ValueError, match=r"t = 0 \(by 1\), -1 \(by 1\), 1 \(by 1\), -2 \(by 1\), 2 \(by 1\) "
                                         r"and at \d+ more points"):
        A.custom(np.floor)
    # not jumps: steep but continuous (slope 1e4), kinks, a single point that differs from its
    # surroundings (a removable discontinuity), overflow to inf, NaN where f is undefined
    for fn in (lambda t: np.tanh(1e4 * t), lambda t: np.abs(t - 0.3), lambda t: np.where(t == 0, 5.0, np.tanh(t)),
               np.exp, np.sqrt):
        assert A.custom(fn).deriv is not None
    # a function that fails somewhere in the scanned range is named with the range

    def tanh_up_to_100(t):
        if np.any(np.abs(t) > 100):
            raise OverflowError("too large")
        return np.tanh(t)
    with pytest.raises(ValueError, match=r"fn must accept every t with \|t\| <= 10000 .*OverflowError: too large"):
        A.custom(tanh_up_to_100)


def test_custom_activation_too_steep_for_finite_differences_needs_deriv():
    """Without deriv, f = sqrt|t| got E f'^2 = 2.43 from the finite difference (step 1e-5), which stays
    bounded where f' is not; the true E f'^2 is infinite.  Such points now raise.  And cbrt, declared at 0
    with its derivative, was refused as a jump (its values 1e-9 either side of 0 differ by 2e-3)."""
    A = nl.activations
    steep = r"fn is continuous but too steep at t = {} for its derivative by finite differences.*Pass deriv"
    with pytest.raises(ValueError, match=steep.format("0")):
        A.custom(lambda t: np.sqrt(np.abs(t)))                  # found by the scan
    with pytest.raises(ValueError, match=steep.format("0")):
        A.custom(np.cbrt)
    with pytest.raises(ValueError, match=steep.format("0")):
        A.custom(lambda t: np.tanh(1e6 * t))                    # bounded, but 1e6 > what h = 1e-5 follows
    with pytest.raises(ValueError, match=steep.format(r"0\.3")):
        A.custom(lambda t: np.sqrt(np.abs(t - 0.3)), breakpoints=[0.3])    # a cusp, declared
    with pytest.raises(ValueError, match=steep.format(r"-0\.7")):
        A.custom(lambda t: np.tanh(t) - np.sqrt(np.abs(t + 0.7)))          # found as a local extremum
    # with deriv, the quadrature judges E f'^2: infinite for cbrt (f'^2 ~ |t|^(-4/3))
    root = A.custom(np.cbrt, breakpoints=[0.0], name="cbrt",
                    deriv=lambda t: np.maximum(np.abs(t), 1e-300) ** (-2 / 3) / 3)
    assert root.differentiable
    with pytest.raises(ValueError, match=r"quadrature for E f'\^2 of activation 'cbrt'"):
        A.moments(root, 1.0)
    # kinks and moderately steep functions keep their finite-difference derivative: E |t|'^2 = 1, and
    # E (d/dt tanh(100 t))^2 against quadrature of the exact derivative, 100 / cosh(100 t)^2
    assert float(A.moments(A.custom(np.abs, breakpoints=[0.0]), 1.0).dd) == pytest.approx(1.0, abs=1e-6)
    for smooth in (lambda t: 1e6 * np.tanh(t), lambda t: np.sin(1e3 * t), lambda t: np.tanh(1e4 * t)):
        assert A.custom(smooth).differentiable
    steep_tanh = A.custom(lambda t: np.tanh(100 * t), breakpoints=[0.0])
    exact = integrate.quad(lambda x: (100 / np.cosh(100 * x) ** 2) ** 2 * stats.norm.pdf(x), -1, 1,
                           points=[0.0], limit=200)[0]
    assert float(A.moments(steep_tanh, 1.0).dd) == pytest.approx(exact, rel=1e-4)
    # float32 arithmetic makes sin a staircase beyond |t| = 16, which the message points at; float32
    # values are refused at once
    with pytest.raises(ValueError, match=r"fn jumps at t = 16\.00.*float32 arithmetic"):
        A.custom(lambda t: np.sin(np.asarray(t, dtype=np.float32)).astype(np.float64))
    with pytest.raises(ValueError, match=r"fn must compute in float64: on a float64 array it returned float32"):
        A.custom(lambda t: np.tanh(t).astype(np.float32))
    # the quadratures call f on 0-d arrays and the kernels on 2-d grids: np.ravel broke the first
    with pytest.raises(ValueError, match=r"fn must act pointwise and keep its input's shape: on shape \(\) it "
                                         r"returned shape \(1,\)"):
        A.custom(lambda t: np.tanh(np.ravel(t)))
    # NaN where f is undefined: the moments say where, not only that they are not finite
    with pytest.raises(ValueError, match=r"f is NaN \(undefined\) at t = -40 and \d+ more .*whole real line"):
        A.moments(A.custom(np.log1p), 1.0)


def test_quadrature_that_does_not_converge_raises_instead_of_guessing():
    """f = sqrt|t| has f'^2 = 1/(4|t|): E f'^2 is infinite, but scipy's quad only warned and returned ~28."""
    A = nl.activations
    root = A.custom(lambda t: np.sqrt(np.abs(t)), breakpoints=[0.0], name="sqrt|t|",
                    deriv=lambda t: np.sign(t) / (2 * np.sqrt(np.maximum(np.abs(t), 1e-300))))
    with pytest.raises(ValueError, match=r"quadrature for E f'\^2 of activation 'sqrt\|t\|' at tau = 1 did not "
                                         r"converge .*E f'\^2 may be infinite"):
        A.moments(root, 1.0)
    # f = |t|^(3/4) has f'^2 = (9/16) |t|^(-1/2), singular but integrable: the quadrature converges to the
    # Gaussian absolute moments E |xi|^p = 2^(p/2) Gamma((p+1)/2) / sqrt(pi)
    from scipy.special import gamma

    def abs_moment(p):
        return 2 ** (p / 2) * gamma((p + 1) / 2) / np.sqrt(np.pi)

    power = A.custom(lambda t: np.abs(t) ** 0.75, breakpoints=[0.0], name="|t|^(3/4)",
                     deriv=lambda t: 0.75 * np.sign(t) * np.maximum(np.abs(t), 1e-300) ** -0.25)
    r = A.raw_moments(power, 1.0)
    assert float(r.mean) == pytest.approx(abs_moment(0.75), rel=1e-10)
    assert float(r.dd) == pytest.approx(9 / 16 * abs_moment(-0.5), rel=1e-7)


@pytest.mark.parametrize("tau", [100.0, 1000.0, 1e5])
def test_smooth_activation_moments_at_a_large_scale(tau):
    """At tau = 100 the quadrature for tanh stepped over the turn of tanh(tau xi), a width 1/tau at 0, and
    raised an error that asked to declare breakpoints tanh does not have; at tau = 1e4 it gave E tanh^2 = 1
    without a word, and the sigmoid's d1 at tau = 1000 was 8e-7 off.  Against independent forms:
    tanh' = 1 - tanh^2 gives var + d1 = 1 exactly (mean 0), and Laplace's expansion of the Gaussian weight
    around 0 gives d1 = 2 phi(0)/tau (1 - pi^2/(24 tau^2)) and d3 = 2 phi(0)/tau^3 (1 - pi^2/(8 tau^2))
    (from the integrals of sech^2 t: 2, and of t^2 sech^2 t: pi^2/6), with relative error O(tau^-4),
    below 1e-7 at tau = 100; for the sigmoid (sigma' has integral 1 and second moment pi^2/3)
    d1 = phi(0)/tau (1 - pi^2/(6 tau^2))."""
    phi0 = 1 / math.sqrt(2 * math.pi)
    m = A.moments("tanh", tau)
    assert float(m.var) + float(m.d1) == pytest.approx(1.0, rel=1e-10)
    assert float(m.d1) == pytest.approx(2 * phi0 / tau * (1 - math.pi**2 / (24 * tau**2)), rel=1e-7)
    assert float(m.d3) == pytest.approx(2 * phi0 / tau**3 * (1 - math.pi**2 / (8 * tau**2)), rel=1e-6)
    s = A.moments("sigmoid", tau)
    assert float(s.d1) == pytest.approx(phi0 / tau * (1 - math.pi**2 / (6 * tau**2)), rel=1e-7)
    assert float(s.mean) == pytest.approx(0.5, abs=1e-12)


def test_linear_keeps_its_name_and_is_the_identity_after_a_name_round_trip():
    act = nl.activations.get("linear")
    assert act.name == "linear"
    again = nl.activations.get(act.name)
    t = np.linspace(-3.0, 3.0, 13)
    np.testing.assert_array_equal(again.fn(t), t)
    # the identity's Gaussian moments at tau = 1, by hand: E t = 0, E 1 = 1, E 0 = 0, E (t^2)'' = 2, E t^2 = 1
    m = nl.activations.moments(again, 1.0)
    expected = {"mean": 0.0, "d1": 1.0, "d2": 0.0, "d3": 2.0, "dd": 1.0, "var": 1.0}
    for key, value in expected.items():
        assert float(getattr(m, key)) == pytest.approx(value, abs=1e-14), key


@pytest.mark.parametrize("name", nl.activations.NAMES)
def test_every_named_activation_survives_a_round_trip_through_its_name(name):
    """get(n).name gives the same function back; so does get(name, **params), the way memory.save_compressed
    stores named activations (step activations such as sign are stored by thresholds and values instead)."""
    act = nl.activations.get(name)
    assert act.name in nl.activations.NAMES
    agains = [nl.activations.get(act.name)]
    if not act.is_step:
        agains.append(nl.activations.get(act.name, **act.params))
    for again in agains:
        t = np.linspace(-3.0, 3.0, 25)
        np.testing.assert_array_equal(again.fn(t), act.fn(t))
        a, b = nl.activations.moments(act, 1.0), nl.activations.moments(again, 1.0)
        for field in dataclasses.fields(a):
            np.testing.assert_array_equal(getattr(b, field.name), getattr(a, field.name), err_msg=field.name)


@pytest.mark.parametrize("tau, shown", [("2", "'2'"), (True, "True"), (None, "None"), ([True, False], "booleans"),
                                        ([1.0, 0.0], r"\[1.0, 0.0\]"), ("x", "'x'")])
def test_moments_refuse_a_scale_that_is_not_numbers_above_0(tau, shown):
    with pytest.raises(ValueError, match=rf"tau must be .*finite and > 0, got .*{shown}"):
        nl.activations.moments("relu", tau)


@pytest.mark.parametrize("act", [*nl.activations.NAMES, nl.activations.ternary_symmetric(0.7, b=2.0),
                                 nl.activations.binary([(-np.inf, -0.5), (1.0, np.inf)])],
                         ids=lambda a: a if isinstance(a, str) else a.name)
def test_moments_have_one_type_per_field_shaped_like_tau(act):
    """A scalar tau gives np.float64 in every field (round() and float formatting work), whether the closed
    form happened to build a field as a 0-d array or a scalar; an array tau gives arrays of its shape
    holding the same values as one call per entry."""
    taus = np.array([[0.5, 1.0], [2.0, 3.0]])
    for moments in (nl.activations.moments, nl.activations.raw_moments):
        whole = moments(act, taus)
        for field in dataclasses.fields(whole):
            assert getattr(whole, field.name).shape == taus.shape, field.name
        for index in np.ndindex(taus.shape):
            one = moments(act, float(taus[index]))
            for field in dataclasses.fields(one):
                value = getattr(one, field.name)
                assert type(value) is np.float64, (field.name, type(value))
                assert value == pytest.approx(getattr(whole, field.name)[index], rel=1e-12, abs=1e-15), \
                    field.name


def test_custom_checks_the_given_torch_forms_and_derivatives_against_fn():
    """fn_torch, deriv and deriv_torch were never compared with fn: custom(np.tanh, fn_torch=torch.relu) gave
    the empirical kernels of ReLU with the limits of tanh, deriv = 1 an NTK 231 % off, and an fn_torch that
    reduces its input was broadcast."""
    A = nl.activations
    # the first node is t = -8: tanh(-8) = -0.99999977, relu(-8) = 0; d/dt tanh = 1 - tanh^2 = 4.5e-7 there
    with pytest.raises(ValueError, match=r"fn_torch disagrees with fn at t = -8: fn_torch gives 0, "
                                         r"fn -0\.99999977"):
        A.custom(np.tanh, fn_torch=torch.relu)
    with pytest.raises(ValueError, match=r"deriv disagrees with the central difference of fn .* at t = -8: "
                                         r"deriv gives 1, the central difference of fn \(step 1e-5\) 4\.50"):
        A.custom(np.tanh, deriv=lambda t: np.ones_like(t))
    with pytest.raises(ValueError, match=r"deriv_torch disagrees with deriv at t = -8: deriv_torch gives 1\.99"):
        A.custom(np.tanh, deriv=lambda t: 1 - np.tanh(t) ** 2, deriv_torch=lambda t: 1 - torch.tanh(t))
    with pytest.raises(ValueError, match=r"deriv_torch disagrees with the central difference of fn"):
        A.custom(np.tanh, deriv_torch=lambda t: torch.cosh(t))
    for what, kw in (("fn_torch", {"fn_torch": lambda t: torch.tanh(t).mean(0)}),
                     ("deriv_torch", {"deriv_torch": lambda t: torch.ones(())})):
        with pytest.raises(ValueError, match=rf"{what} must act pointwise .*shape \(2000,\) it returned "
                                             rf"shape \(\)"):
            A.custom(np.tanh, **kw)
    with pytest.raises(ValueError, match=r"fn_torch must accept a float64 tensor of t in \[-8, 8\] .*it raised"):
        A.custom(np.tanh, fn_torch=lambda t: math.tanh(t))
    # a step (a declared jump) has its fn_torch checked too
    with pytest.raises(ValueError, match=r"fn_torch disagrees with fn at t = -8: fn_torch gives 1, fn -1 "):
        A.custom(np.sign, fn_torch=lambda t: -torch.sign(t), breakpoints=[0.0])
    # consistent forms pass, also where fn is undefined (NaN) or has a declared kink, and give the named
    # tanh's moments (closed-form-free: its quadrature, with deriv = tanh' = 1 - tanh^2)
    tanh = A.custom(np.tanh, deriv=lambda t: 1 - np.tanh(t) ** 2, fn_torch=torch.tanh,
                    deriv_torch=lambda t: 1 - torch.tanh(t) ** 2)
    assert float(A.moments(tanh, 1.0).dd) == pytest.approx(float(A.moments("tanh", 1.0).dd), rel=1e-10)
    A.custom(np.sqrt, breakpoints=[0.0], deriv=lambda t: 0.5 / np.sqrt(t), fn_torch=torch.sqrt)
    A.custom(lambda t: np.maximum(t, 0.0), deriv=lambda t: (t > 0) * 1.0, fn_torch=torch.relu,
             breakpoints=[0.0])
    A.custom(np.sign, fn_torch=torch.sign, breakpoints=[0.0])


TORCH_FORM_CASES = [(name, {}) for name in A.NAMES] + [("lrelu", {"slope": 0.2}),
                                                       ("poly2", {"coefficients": (0.3, -0.7, 1.1)})]


@pytest.mark.parametrize("name, params", TORCH_FORM_CASES, ids=[f"{n}{p or ''}" for n, p in TORCH_FORM_CASES])
def test_torch_forms_of_named_activations_equal_the_numpy_forms_and_autograd(name, params):
    """The empirical kernels and the networks run fn_torch / deriv_torch; the limits and moments run fn /
    deriv.  Both pairs must be the same function: each torch form against its numpy twin on a float64 grid
    over [-6, 6] (to rounding), and deriv_torch against autograd of fn_torch, an independent derivative
    (away from the breakpoints; step functions have no derivative).  A gelu with the tanh approximation, a
    leaky ReLU with torch's default slope 0.01 or a swish derivative with sigma for 1 - sigma all fail."""
    act = A.get(name, **params)
    t = np.linspace(-6.0, 6.0, 2401)
    if act.breakpoints:
        t = t[np.min(np.abs(t[:, None] - np.asarray(act.breakpoints)[None, :]), axis=1) > 1e-6]
    tt = torch.tensor(t, dtype=torch.float64, requires_grad=True)
    f_torch = act.fn_torch(tt)
    np.testing.assert_allclose(f_torch.detach().numpy(), act.fn(t), rtol=1e-12, atol=1e-14)
    if act.deriv is None:
        assert act.deriv_torch is None and act.is_step
        return
    np.testing.assert_allclose(act.deriv_torch(tt.detach()).numpy(), act.deriv(t), rtol=1e-12, atol=1e-14)
    (grad,) = torch.autograd.grad(f_torch.sum(), tt)
    np.testing.assert_allclose(act.deriv_torch(tt.detach()).numpy(), grad.numpy(), rtol=1e-10, atol=1e-12)


def test_binary_of_several_and_touching_intervals():
    """b 1{t in S} for S a union of intervals: f against the sum of indicators, and the moments against
    THEORY.md section 4's sums over the intervals (E 1{xi in (l, u)} = Phi(u) - Phi(l), E xi 1{..} =
    phi(l) - phi(u), E (xi^2 - 1) 1{..} = l phi(l) - u phi(u), all at scale tau = 1).  Touching intervals
    are one interval: no threshold is left where they meet."""
    b = 1.7
    cases = {"two": [(-np.inf, -0.5), (1.0, np.inf)], "three": [(-2.0, -1.0), (0.0, 0.5), (1.5, 3.0)],
             "touching": [(-1.0, 0.2), (0.2, 1.3)]}
    pdf = lambda z: 0.0 if np.isinf(z) else stats.norm.pdf(z)
    z_pdf = lambda z: 0.0 if np.isinf(z) else z * stats.norm.pdf(z)
    t = np.linspace(-4, 4, 8001)
    for key, iv in cases.items():
        act = A.binary(iv, b)
        indicator = sum(((t > lo) & (t < hi)).astype(float) for lo, hi in iv)
        inside = np.all([np.abs(t - e) > 1e-12 for lo, hi in iv for e in (lo, hi) if np.isfinite(e)], axis=0)
        np.testing.assert_allclose(act.fn(t)[inside], b * indicator[inside], atol=0, err_msg=key)
        mean = b * sum(stats.norm.cdf(hi) - stats.norm.cdf(lo) for lo, hi in iv)
        d1 = b * sum(pdf(lo) - pdf(hi) for lo, hi in iv)
        d2 = b * sum(z_pdf(lo) - z_pdf(hi) for lo, hi in iv)
        m = A.moments(act, 1.0)
        assert float(m.mean) == pytest.approx(mean, rel=1e-12), key
        assert float(m.d1) == pytest.approx(d1, rel=1e-12), key
        assert float(m.d2) == pytest.approx(d2, rel=1e-12, abs=1e-15), key
    merged = A.binary(cases["touching"], b)
    assert merged.thresholds == (-1.0, 1.3) and merged.values == (0.0, b, 0.0)


def test_centred_moments_keep_their_digits_where_f_is_nearly_constant():
    """var and d3 straight from the centred f, not as E f^2 - (E f)^2 and E (f^2)'' - 2 m E f'': those lost
    every digit when f is nearly constant over the Gaussian (cos at tau = 3e-4 was 1.3 % off, sigmoid at
    1e-7 6.6 %, a far step 30 %), and an offset of 30 stalled the quadrature of a custom activation."""
    moments = nl.activations.moments
    # cos: var = expm1(-tau^2)^2 / 2 and d3 = -2 e^{-tau^2} expm1(-tau^2), written out here
    for tau in (3e-4, 1e-2, 1.0):
        m = moments("cos", tau)
        assert float(m.var) == pytest.approx(math.expm1(-tau**2) ** 2 / 2, rel=1e-12)
        assert float(m.d3) == pytest.approx(-2 * math.exp(-tau**2) * math.expm1(-tau**2), rel=1e-12)
    # sigmoid(t) = 1/2 + t/4 - t^3/48 + ...: var = tau^2/16 - tau^4/32 + O(tau^6) (quadrature path)
    assert float(moments("sigmoid", 1e-7).var) == pytest.approx(1e-14 / 16, rel=1e-7)
    # a step far out: var = p (1 - p), d3 = s phi(s/tau) ((1 - p)^2 - p^2) / tau^3 with p = P(xi > 8)
    p = 0.5 * math.erfc(8 / math.sqrt(2))
    m = moments(nl.activations.step([8.0], [1.0, 2.0]), 1.0)
    assert float(m.var) == pytest.approx(p * (1 - p), rel=1e-12)
    assert float(m.d3) == pytest.approx(8 * math.exp(-32) / math.sqrt(2 * math.pi) * (1 - 2 * p), rel=1e-12)
    # a large constant in poly2 leaves the centred moments alone
    m = moments(nl.activations.get("poly2", coefficients=(1e8, 1e-3, 2e-3)), 0.5)
    assert float(m.var) == pytest.approx(1e-6 * 0.25 + 2 * 4e-6 * 0.0625, rel=1e-12)
    assert float(m.d3) == pytest.approx(2e-6 + 8 * 4e-6 * 0.25, rel=1e-12)
    # an offset does not change a custom activation's centred moments (it failed to converge before)
    for base, fn, bp in (("relu", lambda t: np.maximum(t, 0.0) + 30, (0.0,)), ("tanh", lambda t: np.tanh(t) + 30, ())):
        shifted, ref = moments(nl.activations.custom(fn, breakpoints=bp), 1.0), moments(base, 1.0)
        assert float(shifted.mean) == pytest.approx(float(ref.mean) + 30, rel=1e-12)
        for field in ("d1", "d3", "var", "dd"):
            assert float(getattr(shifted, field)) == pytest.approx(float(getattr(ref, field)), rel=1e-8), field
        assert float(shifted.d2) == pytest.approx(float(ref.d2), abs=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: A.get_list(None), r"acts must be an activation or a list of them .*got NoneType None"),
    (lambda: A.binary([(0, 1, 2)]), r"intervals must be a list of \(low, high\) pairs"),
    (lambda: A.binary([(0, 1)], "x"), r"b must be a finite number, got 'x'"),
    (lambda: A.binary([(0.0, 1.0), (0.5, 2.0)]), r"intervals must be non-empty and disjoint"),
    (lambda: A.binary([(1.0, 1.0)]), r"intervals must be non-empty and disjoint"),
    (lambda: A.step([0.0, 1.0], [0.0, 1.0]), r"values must have len\(thresholds\) \+ 1 = 3 entries, got 2"),
    (lambda: A.step([0.0], [0.0, np.nan]), r"thresholds and values must be finite"),
    (lambda: A.step("ab", [0.0, 1.0, 2.0]), r"^thresholds must be a flat list of numbers, got 'ab'$"),
    (lambda: A.step([0.0], [0.0, "a"]), r"^values must be a flat list of numbers, got \[0.0, 'a'\]$"),
    (lambda: A.ternary_symmetric(0.0), r"s must be > 0, got 0"),
    # an Activation with new parameters: they were dropped without a word (slope stayed 0.1)
    (lambda: A.get(A.get("lrelu"), slope=0.3), r"parameters \['slope'\] cannot be applied to an Activation "
                                                r"\(lrelu, params \{'slope': 0\.1\}\); pass its name instead"),
])
def test_malformed_activation_arguments_are_named(call, match):
    # before: TypeError 'NoneType' object is not iterable, "too many values to unpack", "could not convert"
    with pytest.raises(ValueError, match=match):
        call()
