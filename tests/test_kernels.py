"""Closed-form, limit and empirical kernels (THEORY.md sections 2-3; issue acceptance items 2-5)."""
import math

import numpy as np
import pytest
from scipy.stats import ttest_ind
import torch

import ntklc_lib as nl
from ntklc_lib import kernels as K


def arccos_relu_ck(X, L, tau0=None):
    """Independent infinite-width ReLU CK with centring, written from the arc-cosine formula."""
    Kp = X.T @ X
    tau = math.sqrt(np.mean(np.diag(Kp))) if tau0 is None else tau0
    for _ in range(L):
        d = np.sqrt(np.diag(Kp))
        cos = np.clip(Kp / np.outer(d, d), -1, 1)
        theta = np.arccos(cos)
        E = np.outer(d, d) / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * cos)
        m = tau / math.sqrt(2 * math.pi)          # centring constant E relu(tau xi)
        mu = d / math.sqrt(2 * math.pi)           # E relu(u) for u ~ N(0, K_ii)
        Kp = E - m * (mu[:, None] + mu[None, :]) + m * m
        tau = tau * math.sqrt(0.5 - 1 / (2 * math.pi))
    return Kp


def test_relu_ck_limit_equals_arccos_formula():
    d = nl.data.gmm("mixed", n=300, p=200, seed=0)
    for L in (1, 3):
        np.testing.assert_allclose(K.ck_limit(d.X, ["relu"] * L), arccos_relu_ck(d.X, L), rtol=0, atol=1e-10)


def brute_force_limit(X, act_name, L):
    """Limit CK by per-pair 2-D Gauss-Hermite (slow, independent of the Mehler series)."""
    act = nl.activations.get(act_name)
    x, w = np.polynomial.hermite_e.hermegauss(120)
    w = w / math.sqrt(2 * math.pi)
    Kp = X.T @ X
    tau = math.sqrt(np.mean(np.diag(Kp)))
    n = Kp.shape[0]
    for _ in range(L):
        m = float((act.fn(tau * x) * w).sum())
        Kn = np.empty_like(Kp)
        for i in range(n):
            for j in range(i, n):
                a, b, c = Kp[i, i], Kp[j, j], Kp[i, j]
                r = c / math.sqrt(a * b)
                u = math.sqrt(a) * x[:, None]
                v = math.sqrt(b) * (r * x[:, None] + math.sqrt(max(1 - r * r, 0)) * x[None, :])
                Kn[i, j] = Kn[j, i] = np.einsum("ij,i,j->", (act.fn(u) - m) * (act.fn(v) - m), w, w)
        tau = math.sqrt(float(((act.fn(tau * x) - m) ** 2 * w).sum()))
        Kp = Kn
    return Kp


@pytest.mark.parametrize("name", ["tanh", "gelu"])
def test_mehler_limit_equals_brute_force_quadrature(name):
    d = nl.data.gmm("mixed", n=24, p=400, seed=2)
    # include nearly collinear samples so the Mehler bound triggers the 2-D fallback on some pairs
    X = np.column_stack([d.X, d.X[:, :3] + 1e-3 * d.X[:, 3:6]])
    np.testing.assert_allclose(K.ck_limit(X, [name] * 2), brute_force_limit(X, name, 2), rtol=0, atol=1e-9)


def nested_quad_tanh(a, b, rho):
    """E tanh(u) tanh(v), Var u = a, Var v = b, corr rho, by nested adaptive quadrature (scipy)."""
    from scipy import integrate
    s = math.sqrt(max(1 - rho * rho, 0.0))
    pdf = lambda t: math.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)

    def inner(x):
        if s == 0.0:
            return math.tanh(math.sqrt(b) * rho * x)
        return integrate.quad(lambda y: math.tanh(math.sqrt(b) * (rho * x + s * y)) * pdf(y),
                              -12, 12, epsabs=1e-14, epsrel=1e-13, limit=200)[0]
    return integrate.quad(lambda x: math.tanh(math.sqrt(a) * x) * inner(x) * pdf(x),
                          -12, 12, epsabs=1e-14, epsrel=1e-13, limit=200)[0]


@pytest.mark.parametrize("a, b, rho", [(2.5, 2.5, 1.0), (2.5, 1.8, 0.97), (0.7, 3.0, -0.99), (9.0, 9.0, 0.999)])
def test_near_duplicate_pairs_equal_nested_quadrature(a, b, rho):
    # |rho| near 1: Mehler's series cannot certify the pair at its order cap, so the 2-D fallback
    # decides the entry (64-node Gauss-Hermite there was off by 2e-5 for tanh at variance 2.5)
    c = rho * math.sqrt(a * b)
    Kp = np.array([[a, c], [c, b]])
    out = K.layer_map("tanh", Kp, center=0.0)
    assert out[0, 1] == out[1, 0]
    assert abs(out[0, 1] - nested_quad_tanh(a, b, rho)) < 1e-11


def test_custom_piecewise_activations_equal_the_named_closed_forms():
    # the quadrature path (Hermite coefficients and the near-duplicate fallback, both split at the
    # breakpoints) against the arc-cosine / arcsine closed forms of the named activations
    d = nl.data.gmm("mixed", n=60, p=200, seed=4)
    X = np.column_stack([d.X, d.X[:, :3] + 1e-4 * d.X[:, 3:6]])     # near duplicates: |rho| -> 1
    relu = nl.activations.custom(lambda t: np.maximum(t, 0.0), deriv=lambda t: (np.asarray(t) > 0) * 1.0,
                                 breakpoints=(0.0,))
    sign = nl.activations.custom(np.sign, breakpoints=(0.0,))
    np.testing.assert_allclose(K.ck_limit(X, [relu] * 2), K.ck_limit(X, ["relu"] * 2), rtol=0, atol=1e-12)
    # 1e-9: the second layer sees rho = 1 - O(1e-8), where arcsin's slope amplifies rounding ~1e4-fold
    np.testing.assert_allclose(K.ntk_limit(X, [relu] * 2), K.ntk_limit(X, ["relu"] * 2), rtol=0, atol=1e-9)
    np.testing.assert_allclose(K.ck_limit(X, [sign] * 2), K.ck_limit(X, ["sign"] * 2), rtol=0, atol=1e-9)
    for r in (0.99999999, -0.9999, 0.9):
        Kp = np.array([[1.3, r * math.sqrt(1.3 * 0.8)], [r * math.sqrt(1.3 * 0.8), 0.8]])
        # E sign(u) sign(v) = (2 / pi) arcsin(rho)
        assert K.layer_map(sign, Kp, 0.0)[0, 1] == pytest.approx(2 / math.pi * math.asin(r), abs=1e-13)


def test_tanh_limit_agrees_with_wide_empirical_ck_within_monte_carlo_error():
    d = nl.data.gmm("mixed", n=40, p=120, seed=1)
    acts = ["tanh"] * 2
    lim = K.ck_limit(d.X, acts)
    draws = [K.ck_empirical(d.X, acts, [8000, 8000], draws=1, seed=s) for s in range(4)]
    mean = np.mean(draws, axis=0)
    se = np.std(draws, axis=0, ddof=1) / math.sqrt(len(draws))
    iu = np.triu_indices(40)
    z = np.abs(mean - lim)[iu] / se[iu]
    # 820 entries: |z| of a t-statistic with 3 dof rarely exceeds 13 (two-sided p ~ 1e-3 per entry)
    # unbiased: |t| with 3 degrees of freedom has median 0.765; a bias of one standard error would
    # push the median above ~1.3
    assert np.median(z) < 1.2
    # the median z misses a common scale error (5 % passes it): pool the diagonal.  Per-draw ratios
    # tr(draw) / tr(limit) at seeds 0-7 have SD 0.0034-0.0037, so the mean of 4 draws has SE ~0.0018
    # (measured 0.9973, 1.5 SE from 1; the finite-width bias, O(1/8000), is below 1e-4).  0.01 is
    # ~5.5 SE; a 2 % scale error puts the ratio at 1.017
    ratio = np.trace(mean) / np.trace(lim)
    assert abs(ratio - 1) <= 0.01, f"tr(empirical) / tr(limit) = {ratio:.4f}"


@pytest.mark.parametrize("name", ["relu", "tanh"])
def test_ntk_limit_agrees_with_many_empirical_ntk_draws(name):
    d = nl.data.gmm("mixed", n=40, p=120, seed=1)
    acts = [name] * 2
    lim = K.ntk_limit(d.X, acts)
    draws = np.array([K.ntk_empirical(d.X, acts, [1000, 1000], seed=s) for s in range(100)])
    mean = draws.mean(axis=0)
    se = draws.std(axis=0, ddof=1) / math.sqrt(len(draws))
    iu = np.triu_indices(40)
    # |z| of an unbiased mean has median 0.67; the finite-width bias O(1/1000) is below 1 SE
    assert np.median(np.abs(mean - lim)[iu] / se[iu]) < 1.0
    # 100 draws of width 1000: the per-entry noise is ~0.3% of the kernel, so the spectral error is ~1%
    assert nl.spectra.relative_error(mean, lim) < 0.02


@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_layerwise_ntk_equals_autograd_jacobian(name):
    torch.manual_seed(0)
    p, n, widths = 7, 5, (9, 6, 8)
    X = torch.randn(p, n, dtype=torch.float64)
    acts = [nl.activations.get(name)] * 3
    Ws = [torch.randn(widths[0], p, dtype=torch.float64), torch.randn(widths[1], widths[0], dtype=torch.float64),
          torch.randn(widths[2], widths[1], dtype=torch.float64)]
    w_out = torch.randn(widths[2], dtype=torch.float64)
    centers = [0.1, -0.2, 0.3]
    theta = K.ntk_of_net(X, acts, Ws, w_out, centers)

    def f(params, x):
        *W, w = params
        sig, _ = K.forward(x[:, None], acts, W, centers)
        return (w @ sig[-1])[0]

    params = (*Ws, w_out)
    grads = [torch.autograd.functional.jacobian(lambda *ps: f(ps, X[:, i]), params) for i in range(n)]
    flat = torch.stack([torch.cat([g.reshape(-1) for g in gi]) for gi in grads])
    torch.testing.assert_close(theta, flat @ flat.T, rtol=1e-12, atol=1e-12)


def relative_errors(case_n, acts, kind):
    d = nl.data.gmm("mixed", n=case_n, p=case_n, seed=0)
    if kind == "ck":
        return nl.spectra.relative_error(K.ck_tilde(d.X, d.y, acts), K.ck_limit(d.X, acts))
    return nl.spectra.relative_error(K.ntk_tilde(d.X, d.y, acts), K.ntk_limit(d.X, acts))


# bounds: 1.3 x the error measured at n = p = 2000, seed 0 (seeds 1-3 within 4 % of it):
# relu x1 ck 0.0122, relu x1 ntk 0.0142, relu x3 ck 0.0329, relu x3 ntk 0.0361, tanh x1 0.0503,
# tanh x3 0.0714, erf x1 0.0556, erf x3 0.0778.  Rejected (seed 0): scaling c1 by 1.05 (>= 0.095
# for tanh / erf, 0.039 / 0.035 for relu x1), dropping c3 T for relu x1 (0.0177 ck, 0.0270 ntk),
# halving it for the relu x1 NTK (0.0202).  In this `mixed` case the mean spike dominates: the
# c3 T and psi psi^T terms are tested on the `var` case below.
@pytest.mark.parametrize("acts,kind,bound", [
    (["relu"], "ck", 0.016), (["relu"], "ntk", 0.0185), (["relu"] * 3, "ck", 0.043), (["relu"] * 3, "ntk", 0.047),
    (["tanh"], "ck", 0.065), (["tanh"] * 3, "ck", 0.093), (["erf"], "ck", 0.072), (["erf"] * 3, "ck", 0.10),
])
def test_closed_form_error_is_small_and_shrinks_with_dimension(acts, kind, bound):
    e_small = relative_errors(500, acts, kind)
    e_large = relative_errors(2000, acts, kind)
    assert e_large <= bound, f"error {e_large:.4f} at n = p = 2000 exceeds {bound}"
    assert e_small / e_large >= 1.6, f"error only shrinks by {e_small / e_large:.2f} from n = p = 500 to 2000"


@pytest.fixture(scope="module")
def var_case():
    """Two classes with equal (zero) means and covariances I and (1 + 8/sqrt(p)) I: no mean spike, so
    the closed form's information is all in c2 (t t^T, t psi^T, psi psi^T) and c3 T."""
    d = nl.data.gmm("var", n=2000, p=2000, seed=0)
    return d, nl.data.mixture_stats(d.X, d.y)


def off_diagonal_block_means(M, y):
    M = M.copy()
    np.fill_diagonal(M, np.nan)
    return np.array([[np.nanmean(M[np.ix_(y == a, y == b)]) for b in range(2)] for a in range(2)])


# Measured at n = p = 2000, seeds 0-3 (seed 0 is tested), with the mutations of structured_from_gram
# that must fail:
#  spectral relative error  correct          c3 T halved    c3 T dropped   psi psi^T dropped
#    relu x1 ck             0.0145-0.0180    0.035-0.036    0.069-0.071    0.069-0.072
#    relu x1 ntk            0.0260-0.0321    0.052          0.102-0.103    0.040-0.042
#    relu x3 ck             0.0206-0.0262    0.028-0.029    0.056          0.103-0.105
#    relu x3 ntk            0.0676-0.0866    0.069-0.087    0.115-0.116    0.084-0.091
#  block error: max_ab |p (mean of block ab of K_limit - K_tilde, off the diagonal)| / max(c3 T),
#  i.e. the O(1/sqrt(p)) remainder in units of the c3 T term the block means carry:
#    ck (x1, x3)            0.30-0.35        0.64-0.76      1.0-1.08       unchanged
#    ntk (x1, x3)           0.16-0.17        0.52           0.83-0.88      unchanged
# Bounds: 1.3-1.35 x the seed-0 value, except where a mutation comes closer (relu x1 ntk: psi psi^T dropped
# gives 0.040, so 0.037 = 1.15 x; relu x3 ntk: dropping c3 T gives 0.115, so 0.10).  Halving c3 T for
# relu x3 is within the spectral noise; the block means catch it.  The algebra of structured_from_gram
# itself is checked exactly, entry by entry, in test_structured_from_gram_entry_by_entry; these tests check
# that the coefficients and statistics it is given bring it close to the limit kernel.
@pytest.mark.parametrize("acts,kind,spectral_bound,block_bound", [
    (["relu"], "ck", 0.023, 0.46), (["relu"], "ntk", 0.037, 0.22),
    (["relu"] * 3, "ck", 0.034, 0.40), (["relu"] * 3, "ntk", 0.10, 0.22),
])
def test_closed_form_covariance_terms_on_the_var_case(var_case, acts, kind, spectral_bound, block_bound):
    d, st = var_case
    tilde, limit = (K.ck_tilde, K.ck_limit) if kind == "ck" else (K.ntk_tilde, K.ntk_limit)
    Kt, Kl = tilde(d.X, d.y, acts, stats=st), limit(d.X, acts)
    err = nl.spectra.relative_error(Kt, Kl)
    assert err <= spectral_bound, f"spectral error {err:.4f} exceeds {spectral_bound}"
    c3 = K.tilde_coefficients(acts, st.tau0, kind)[2]
    block = d.p * np.abs(off_diagonal_block_means(Kl - Kt, d.y)).max() / (c3 * np.abs(st.T).max())
    assert block <= block_bound, f"block-mean error {block:.3f} x c3 T exceeds {block_bound}"


def test_bulk_of_spectrum_matches_and_reference_identity_shift_fails():
    d = nl.data.gmm("mixed", n=2000, p=2000, seed=0)
    acts = ["relu"] * 3
    med_lim = np.median(np.linalg.eigvalsh(K.ck_limit(d.X, acts)))
    med_theory = np.median(np.linalg.eigvalsh(K.ck_tilde(d.X, d.y, acts)))
    med_ref = np.median(np.linalg.eigvalsh(K.ck_tilde(d.X, d.y, acts, identity="reference")))
    # measured at seeds 0-2 (seed 0 tested): theory 0.0019, -0.0005, 0.0006; reference -0.332 to -0.334.
    # 0.006 is ~3x the largest theory value; the reference's extra -alpha3 tau0^4 moves the bulk down by
    # a third of the median, so it must fail by far, not just miss the tolerance
    assert abs(med_theory / med_lim - 1) <= 0.006
    assert med_ref / med_lim - 1 < -0.25


@pytest.mark.parametrize("kind", ["ck", "ntk"])
@pytest.mark.parametrize("acts", [["relu"] * 2, ["tanh", "erf"]], ids=["relu2", "tanh-erf"])
def test_identity_coefficients_at_a_data_scale_away_from_1(kind, acts):
    """tilde_coefficients against the coefficients read off the exact limit kernel by finite differences
    (equivalence.coefficients_by_differentiation), at tau0 = 1.7 where tau0^2 and tau0^4 differ: theory
    ident = K(x, x) - c1 tau0^2 (K(x, x) the limit kernel's diagonal at ||x|| = tau0); the research code's
    subtracts c3 tau0^4 more.  The probes are accurate to ~1e-6 (O(h^2), h = 1e-3)."""
    tau0 = 1.7
    probed = nl.equivalence.coefficients_by_differentiation(acts, tau0, kind, h=1e-3)
    c1, c2, c3, ident = K.tilde_coefficients(acts, tau0, kind, "theory")
    np.testing.assert_allclose([c1, c2, c3], probed.coef[:3], rtol=1e-4, atol=1e-6)
    theory = probed.diag - probed.coef[0] * tau0**2
    assert ident == pytest.approx(theory, rel=1e-5, abs=1e-6)
    reference = K.tilde_coefficients(acts, tau0, kind, "reference")
    assert reference[:3] == (c1, c2, c3)
    assert reference[3] == pytest.approx(theory - probed.coef[2] * tau0**4, rel=1e-5, abs=1e-6)
    # the extra term is not negligible here, so the two checks above are not the same check
    assert abs(probed.coef[2] * tau0**4) > 1e-3 * abs(theory) or abs(probed.coef[2]) < 1e-12


def test_identity_coefficient_matches_the_diagonal():
    d = nl.data.gmm("mixed", n=1500, p=1500, seed=3)
    acts = ["relu"] * 3
    Kt, Kl = K.ck_tilde(d.X, d.y, acts), K.ck_limit(d.X, acts)
    tauL2 = nl.coefficients.ck(acts, math.sqrt(np.mean(np.sum(d.X**2, 0)))).tau_L2
    # tau_L^2 is the diagonal at the mean squared norm; the mean of the diagonal over the spread norms
    # (relative SD ~0.1) exceeds it by a second-order (Jensen) term, measured +0.0033 at seeds 0-3
    assert np.mean(np.diag(Kl)) == pytest.approx(tauL2, rel=0.006)
    # measured -0.00064 to -0.00069 at seeds 0-3; the research code's identity gives -0.285
    assert np.mean(np.diag(Kt)) == pytest.approx(np.mean(np.diag(Kl)), rel=0.003)
    Kr = K.ck_tilde(d.X, d.y, acts, identity="reference")
    assert np.mean(np.diag(Kr)) / np.mean(np.diag(Kl)) - 1 < -0.2


def test_sparse_ternary_weights_as_close_to_the_limit_as_gaussian_weights():
    """Universality with delocalized means (a random rotation of the `mixed` means); see the note in the
    spectral chapter: with means on coordinate axes sparse weights are noticeably farther for L = 1.

    Not farther by more than the noise of the draws: Welch's one-sided t test on four draws of each law
    (p > 0.01).  Over seeds 0-9 the errors were 0.193 +- 0.017 (Gaussian) and 0.207 +- 0.031 (ternary, one
    draw at 0.288): the ratio of two-seed means, the earlier test (<= 1.25), ranged 1.00-1.27 over disjoint
    pairs, so it held at seeds 0-1 by the draw; the test's p over the windows of four seeds 0-3 ... 6-9 was
    0.12-0.46.  A ternary law of the wrong variance (e.g. 1/(1 - eps) for 1/sqrt(1 - eps)) is an error of
    order 1 and fails it by far."""
    p = n = 1000
    rng = np.random.default_rng(7)
    base = nl.data.case_parameters("mixed", p, 2)
    Q = np.linalg.qr(rng.standard_normal((p, p)))[0]
    d = nl.data.gmm("custom", n=n, p=p, means=base[0] @ Q.T, covs=base[1], seed=0)
    acts = ["relu"] * 2
    lim = K.ck_limit(d.X, acts)
    err = {kind: [nl.spectra.relative_error(
        K.ck_empirical(d.X, acts, [4000, 4000], weights=kind, sparsity=eps, seed=s), lim) for s in range(4)]
        for kind, eps in (("gaussian", 0.0), ("ternary", 0.9))}
    farther = ttest_ind(err["ternary"], err["gaussian"], equal_var=False, alternative="greater")
    assert farther.pvalue > 0.01, err


def test_kernel_input_errors():
    d = nl.data.gmm("mixed", n=20, p=10, seed=0)
    with pytest.raises(ValueError, match="one entry per layer"):
        K.ck_empirical(d.X, ["relu", "relu"], [10])
    with pytest.raises(ValueError, match=r"sparsity must lie in \[0.0, 1.0\)"):
        K.ck_empirical(d.X, ["relu"], [10], weights="ternary", sparsity=1.0)
    with pytest.raises(ValueError, match="weights must be one of"):
        K.ck_empirical(d.X, ["relu"], [10], weights="binary")
    with pytest.raises(ValueError, match="step function"):
        K.ntk_limit(d.X, ["sign"])
    with pytest.raises(ValueError, match="tau0 must be finite and > 0"):
        K.ck_limit(d.X, ["relu"], tau0=-1.0)
    X = d.X.copy()
    X[3, 4] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        K.ck_tilde(X, d.y, ["relu"])
    # model statistics given twice, or half given: never one silently ignored
    stats = nl.data.mixture_stats(d.X, d.y)
    with pytest.raises(ValueError, match="pass stats, or means and covs, not both"):
        K.ck_tilde(d.X, d.y, ["relu"], means=d.means, covs=d.covs, stats=stats)
    with pytest.raises(ValueError, match="pass stats, or means and covs, not both"):
        K.ntk_tilde(d.X, d.y, ["relu"], means=d.means, stats=stats)
    with pytest.raises(ValueError, match="pass both means and covs, or neither"):
        K.ck_tilde(d.X, d.y, ["relu"], means=d.means.T)
    with pytest.raises(ValueError, match=r"stats must be a MixtureStats \(from nl.data.mixture_stats\), got dict"):
        K.ck_tilde(d.X, d.y, ["relu"], stats={})
    for seed in (-1, 1.5, "3", True, None):
        with pytest.raises(ValueError, match="seed must be an integer >= 0"):
            K.ck_empirical(d.X, ["relu"], [10], seed=seed)
    # kernels handed to the layer maps directly
    G = d.X.T @ d.X
    with pytest.raises(ValueError, match="G must be a square"):
        K.limit_from_gram(G[:, :5], ["relu"])
    with pytest.raises(ValueError, match="G must be symmetric"):
        K.limit_from_gram(np.triu(G), ["relu"])
    with pytest.raises(ValueError, match=r"G's mean diagonal \(the squared data scale .*\) must be finite and > 0, "
                                         r"got -1"):
        K.limit_from_gram(np.diag([-1.0, -1.0]), ["relu"])
    # a scale must be one number: a list, None, a string or a boolean is not silently read as one
    for bad, shown in (([1.0, 2.0], r"shape \(2,\)"), (None, "None"), ("2", "'2'"), (True, "True")):
        if bad is not None:               # ck_limit's default: the scale of X
            with pytest.raises(ValueError, match=rf"tau0 must be a (single )?number.* got .*{shown}"):
                K.ck_limit(d.X, ["relu"], tau0=bad)
        with pytest.raises(ValueError, match=rf"tau0 must be a (single )?number.* got .*{shown}"):
            nl.coefficients.ck(["relu"], bad)
    with pytest.raises(ValueError, match=r"Kprev is not a covariance: \|Kprev\[0, 1\]\| / sqrt"):
        K.layer_map("tanh", np.array([[1.0, 5.0], [5.0, 1.0]]), 0.0)
    with pytest.raises(ValueError, match="center must be a finite number"):
        K.layer_map("tanh", G, float("nan"))
    # finite nets: one weight matrix and one centre per activation, shapes that chain
    acts = nl.activations.get_list(["relu", "relu"])
    gen = torch.Generator().manual_seed(0)
    Ws = [K.sample_weights((8, 10), "gaussian", 0.0, gen), K.sample_weights((6, 8), "gaussian", 0.0, gen)]
    Xt = torch.from_numpy(d.X)
    with pytest.raises(ValueError, match="one entry per layer, got 2, 1 and 2"):
        K.forward(Xt, acts, Ws[:1], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"weights_list\[1\] must have shape \(d_2, 8\)"):
        K.forward(Xt, acts, [Ws[0], Ws[1].T], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"w_out must have shape \(6,\)"):
        K.ntk_of_net(Xt, acts, Ws, torch.ones(8, dtype=torch.float64), [0.0, 0.0])
    with pytest.raises(ValueError, match=r"layer 2: activation 'sign' is a step function; its NTK does not exist"):
        K.ntk_of_net(Xt, ["relu", "sign"], Ws, torch.ones(6, dtype=torch.float64), [0.0, 0.0])
    with pytest.raises(ValueError, match="generator must be a seeded torch.Generator"):
        K.sample_weights((3, 3), "gaussian", 0.0, None)
    # raw torch errors before: a RuntimeError, a NotImplementedError, "expected m1 and m2 to have the same dtype"
    with pytest.raises(ValueError, match=r"shape\[0\] must be a positive integer \(>= 1\), got -1"):
        K.sample_weights((-1, 3), "gaussian", 0.0, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"dtype must be torch.float32 or torch.float64, got torch.int64"):
        K.sample_weights((3, 3), "ternary", 0.5, torch.Generator().manual_seed(0), dtype=torch.int64)
    with pytest.raises(ValueError, match=r"weights_list\[0\] has dtype torch.float32 but X has torch.float64"):
        K.forward(Xt, acts, [Ws[0].float(), Ws[1]], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"X must be a \(p, n\) torch tensor, got ndarray"):
        K.forward(d.X, acts, Ws, [0.0, 0.0])
    # NaN data used to flow through every layer into NaN features
    Xnan = Xt.clone()
    Xnan[3, 4] = float("nan")
    with pytest.raises(ValueError, match=r"X contains 1 non-finite entries"):
        K.forward(Xnan, acts, Ws, [0.0, 0.0])
    Winf = Ws[1].clone()
    Winf[0, 0] = float("inf")
    with pytest.raises(ValueError, match=r"weights_list\[1\] contains 1 non-finite entries"):
        K.forward(Xt, acts, [Ws[0], Winf], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"centers must be finite numbers, got \[nan\] at layer\(s\) \[1\]"):
        K.forward(Xt, acts, Ws, [0.0, float("nan")])
    st = nl.data.mixture_stats(d.X, d.y)
    with pytest.raises(ValueError, match=r"G must be \(n, n\) with n = len\(st.psi\) = 20, got \(10, 10\)"):
        K.structured_from_gram(np.eye(10), d.p, st, 1.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"c1 must be a finite number, got nan"):
        K.structured_from_gram(d.X.T @ d.X, d.p, st, np.nan, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("eps", [0.5, 0.9])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_ternary_weights_take_the_exact_value_of_their_dtype(dtype, eps):
    # ±1/sqrt(1 - eps) rounded once, to the dtype asked for: float64 weights used to carry the float32
    # rounding of 1/sqrt(1 - eps) (3e-8 relative at eps = 0.5), as torch.where made float32 values.
    # eps = 0.9 tells 1/sqrt(1 - eps) from 1/sqrt(eps), which coincide at 0.5
    W = K.sample_weights((60, 50), "ternary", eps, torch.Generator().manual_seed(0), dtype=dtype)
    assert W.dtype == dtype
    s = torch.tensor(1.0 / math.sqrt(1.0 - eps), dtype=dtype).item()
    assert set(torch.unique(W).tolist()) == {-s, 0.0, s}


def test_step_limit_kernel_diagonal_is_the_exact_second_moment():
    # sign(u) sign(u) = 1: the diagonal of every layer is exactly 1 (it was 1 - 1.3e-8 through the
    # dual at rho = 1 - ulp); binary and ReLU diagonals equal their closed-form second moments
    d = nl.data.gmm("mixed", n=30, p=50, seed=1)
    for L in (1, 2):
        assert np.all(np.diag(K.ck_limit(d.X, ["sign"] * L)) == 1.0)
    G = d.X.T @ d.X
    out = K.layer_map("relu", G, 0.0)
    np.testing.assert_allclose(np.diag(out), np.diag(G) / 2, rtol=1e-15)


def test_gram_in_blocks_equals_the_single_product():
    X = np.random.default_rng(2).standard_normal((17, 23))
    np.testing.assert_array_equal(nl.kernels.gram(X), X.T @ X)          # n <= 2 block: one product
    for block in (1, 5, 11):                                             # n > 2 block: column blocks
        np.testing.assert_allclose(nl.kernels.gram(X, block=block), X.T @ X, rtol=1e-13, atol=1e-13)
    with pytest.raises(ValueError, match="block"):
        nl.kernels.gram(X, block=0)
    with pytest.raises(ValueError, match="X"):
        nl.kernels.gram(np.ones(5))
    # a NaN or inf entry, or a column whose squared norm overflows, is named by its column (both paths)
    for block in (4096, 5):
        bad = X.copy()
        bad[3, 7] = np.nan
        bad[0, 9] = np.inf
        with pytest.raises(ValueError, match=r"X has 2 column\(s\) with NaN or inf .*first: column 7"):
            nl.kernels.gram(bad, block=block)
        big = X.copy()
        big[:, 2] = 1e200
        with pytest.raises(ValueError, match=r"X has 1 column\(s\) .*overflows \(first: column 2\)"):
            nl.kernels.gram(big, block=block)


def test_limit_kernel_diagonals_stay_accurate_far_from_unit_scale():
    # tanh(30 xi) is nearly a step: a quadrature grid fixed in xi units was off by 6e-3 here
    from scipy import integrate

    def gauss(f):
        val, _ = integrate.quad(lambda x: f(x) * np.exp(-x * x / 2) / math.sqrt(2 * math.pi), -13, 13,
                                points=[0.0], epsabs=0, epsrel=1e-13, limit=500)
        return val

    X = nl.data.gmm("iid", n=6, p=30, seed=0).X * 30
    d = np.sum(X * X, axis=0)
    Kc, Kn = K.ck_limit(X, ["tanh"]), K.ntk_limit(X, ["tanh"])
    ck = [gauss(lambda x, s=math.sqrt(v): np.tanh(s * x) ** 2) for v in d]
    dd = [gauss(lambda x, s=math.sqrt(v): (1 - np.tanh(s * x) ** 2) ** 2) for v in d]
    np.testing.assert_allclose(np.diag(Kc), ck, rtol=1e-10)
    np.testing.assert_allclose(np.diag(Kn), np.diag(Kc) + d * np.array(dd), rtol=1e-10)


def test_gram_of_integer_data_is_computed_in_float64():
    # raw images are uint8: in their own dtype 200 * 200 * 784 wraps around to 0
    X = np.full((784, 3), 200, np.uint8)
    for block in (4096, 1):
        G = nl.kernels.gram(X, block=block)
        assert G.dtype == np.float64
        np.testing.assert_array_equal(G, np.full((3, 3), 200.0 ** 2 * 784))
    np.testing.assert_array_equal(nl.kernels.gram(np.array([[1, -2], [3, 4]], dtype=np.int8)),
                                  [[10.0, 10.0], [10.0, 20.0]])
    with pytest.raises(ValueError, match="X must hold real numbers, got dtype complex128"):
        nl.kernels.gram(np.ones((3, 2), dtype=complex))
    with pytest.raises(ValueError, match="X must hold real numbers, got dtype object"):
        nl.kernels.gram(np.array([[1, "a"], [2, 3]], dtype=object))


def test_closed_forms_refuse_the_statistics_of_other_data():
    d = nl.data.gmm("mixed", n=200, p=150, seed=0)
    other = nl.data.gmm("mixed", n=200, p=150, seed=1)
    stats = nl.data.mixture_stats(d.X, d.y)
    # the statistics of this X and y are accepted, and give the kernel computed without them
    for fn in (K.ck_tilde, K.ntk_tilde):
        np.testing.assert_allclose(fn(d.X, d.y, ["relu"], stats=stats), fn(d.X, d.y, ["relu"]),
                                   rtol=0, atol=1e-13)
    # labels other than the statistics' (the closed form reads the classes from stats.J, not y)
    y_moved = d.y.copy()
    y_moved[[5, 150]] = 1 - y_moved[[5, 150]]
    for fn in (K.ck_tilde, K.ntk_tilde):
        with pytest.raises(ValueError, match=r"stats were computed for other labels than y: they differ at 2 of "
                                             r"200 samples \(first: sample 5\)"):
            fn(d.X, y_moved, ["relu"], stats=stats)
        # another draw of the same n and p: without the check, a kernel 7 % off
        with pytest.raises(ValueError, match=r"stats.tau0 = .* differs from this X's root mean squared column "
                                             r"norm .*other data"):
            fn(other.X, d.y, ["relu"], stats=stats)
    G = other.X.T @ other.X
    with pytest.raises(ValueError, match=r"stats.tau0 = .* differs from sqrt\(mean\(diag G\)\)"):
        nl.equivalence.tilde_kernel_from_gram(G, stats, 150, ["relu"])
    # both normalized (tau0 = 1 each), same labels: the scale cannot tell them apart, and the statistics of
    # the other draw gave a kernel 3.5 % off without a word; their squared column norms tell them apart
    X, X_other = nl.data.normalize(d.X), nl.data.normalize(other.X)
    stats_other = nl.data.mixture_stats(X_other, d.y)
    assert stats_other.tau0 == pytest.approx(nl.data.tau0(X), rel=1e-9)
    for fn in (K.ck_tilde, K.ntk_tilde):
        with pytest.raises(ValueError, match=r"stats were computed for other data: X's squared column norms differ "
                                             r"from the stats' at 200 of 200 samples \(first: sample 0, "):
            fn(X, d.y, ["relu"], stats=stats_other)
    with pytest.raises(ValueError, match=r"stats were computed for other data: diag G \(the squared column norms\) "
                                         r"differ from the stats' at 200 of 200"):
        nl.equivalence.tilde_kernel_from_gram(X.T @ X, stats_other, 150, ["relu"])
    # two samples of one class swapped (same labels, same scale, same class statistics save psi) are caught,
    # and the statistics of X itself, with X's Gram matrix, are accepted
    i, j = np.flatnonzero(d.y == d.y[0])[:2]
    X_swapped = X.copy()
    X_swapped[:, [i, j]] = X[:, [j, i]]
    with pytest.raises(ValueError, match=rf"at 2 of 200 samples \(first: sample {i}, "):
        K.ck_tilde(X_swapped, d.y, ["relu"], stats=nl.data.mixture_stats(X, d.y))
    stats_X = nl.data.mixture_stats(X, d.y)
    np.testing.assert_allclose(nl.equivalence.tilde_kernel_from_gram(K.gram(X), stats_X, 150, ["relu"]),
                               K.ck_tilde(X, d.y, ["relu"], stats=stats_X), rtol=0, atol=1e-13)


def test_empirical_kernels_refuse_a_layer_drawn_without_a_weight():
    """At sparsity 0.999999 a 50 x 40 layer drew no non-zero weight (0.002 expected): ck_empirical gave the
    kernel of a constant feature map (every entry equal), without a word."""
    d = nl.data.gmm("mixed", n=30, p=40, seed=0)
    msg = (r"^sparsity = 0\.999999 left no non-zero weight in layer 1 \(50 x 40 = 2000 weights\): "
           r"\(1 - sparsity\) \* d_in \* d_out = 0\.002 is below 1 there")
    for call in (lambda: K.ck_empirical(d.X, ["relu"], [50], weights="ternary", sparsity=0.999999),
                 lambda: K.ntk_empirical(d.X, ["relu"], [50], weights="ternary", sparsity=0.999999)):
        with pytest.raises(ValueError, match=msg):
            call()
    with pytest.raises(ValueError, match=r"left no non-zero weight in the draw \(3 x 4 = 12 weights\)"):
        K.sample_weights((3, 4), "ternary", 0.999999, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"left no non-zero weight in the draw \(3 x 4 = 12 weights\)"):
        nl.compress.ternary_weights((3, 4), 0.999999)
    # a sparsity that keeps weights: the kernel is not constant (its entries spread)
    Ke = K.ck_empirical(d.X, ["relu"], [50], weights="ternary", sparsity=0.99)
    assert np.ptp(Ke) > 0


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.complex64, torch.int64, "float32"])
def test_weights_are_float32_or_float64(dtype):
    """float16 and bfloat16 passed the dtype check and failed later with messages naming neither: the
    ternary check on ±1/sqrt(1 - eps) rounded to 3 digits, "unsupported ScalarType BFloat16"."""
    with pytest.raises(ValueError, match=r"^dtype must be torch\.float32 or torch\.float64, got "):
        K.sample_weights((3, 3), "gaussian", 0.0, torch.Generator().manual_seed(0), dtype=dtype)
    for ok in (torch.float32, torch.float64):
        assert K.float_dtype(ok) is ok


def test_forward_computes_in_the_dtype_of_its_input():
    """forward took a dtype argument that it never used; it computes in X's dtype, which the weights share."""
    d = nl.data.gmm("mixed", n=10, p=20, seed=0)
    gen = torch.Generator().manual_seed(0)
    W64 = K.sample_weights((30, 20), "gaussian", 0.0, gen)
    for dtype in (torch.float32, torch.float64):
        sig, pre = K.forward(torch.from_numpy(d.X).to(dtype), ["relu"], [W64.to(dtype)], [0.3])
        assert sig[-1].dtype == pre[-1].dtype == dtype
        # against the layer written out: (relu(W X) - centre) / sqrt(d_1)
        want = (np.maximum(W64.numpy() @ d.X, 0.0) - 0.3) / math.sqrt(30)
        np.testing.assert_allclose(sig[-1].double().numpy(), want, rtol=1e-5 if dtype == torch.float32 else 1e-12,
                                   atol=1e-6 if dtype == torch.float32 else 1e-14)
    with pytest.raises(TypeError):
        K.forward(torch.from_numpy(d.X), ["relu"], [W64], [0.3], dtype=torch.float64)


@pytest.mark.parametrize("kind", ["ck", "ntk"])
def test_empirical_kernels_average_their_draws(kind):
    """draws = 4 averages four independent nets.  Against one net per seed (40 seeds each): the total
    variance of the entries, sum_ij Var K_ij, is a quarter (measured 0.22-0.26 over three seed blocks, CK
    and NTK; bounds about four standard errors of the ratio either way), and the mean stays unbiased: the
    trace against the limit's within 4 standard errors of the draws plus 2 % for width 100 (its bias is
    O(1/width)).  A sum in place of the mean (ratio 4, trace 4 times) or one net repeated (ratio 1) fails."""
    d = nl.data.gmm("mixed", n=30, p=60, seed=2)
    acts = ["relu"] * 2
    fn, limit = (K.ck_empirical, K.ck_limit) if kind == "ck" else (K.ntk_empirical, K.ntk_limit)
    one = np.array([fn(d.X, acts, [100, 100], draws=1, seed=s) for s in range(40)])
    four = np.array([fn(d.X, acts, [100, 100], draws=4, seed=1000 + s) for s in range(40)])
    ratio = np.sum(four.var(axis=0, ddof=1)) / np.sum(one.var(axis=0, ddof=1))
    assert 0.15 < ratio < 0.4, ratio
    traces = np.trace(four, axis1=1, axis2=2) / np.trace(limit(d.X, acts))
    se = traces.std(ddof=1) / math.sqrt(traces.size)
    assert abs(traces.mean() - 1) < 4 * se + 0.02, (traces.mean(), se)


def test_sparse_ternary_ntk_as_close_to_the_limit_as_gaussian_and_far_off_when_very_sparse():
    """The empirical NTK with sparse ternary weights, as the CK tests do for the CK: on iid data
    (delocalized) sparsity 0.5 stays within 1.25 times the Gaussian weights' distance to ntk_limit, and
    sparsity 0.995 at p = 200 (one input per neuron on average) is more than twice as far.  An
    ntk_empirical that ignored ``weights`` would give the Gaussian distance at every sparsity."""
    d = nl.data.gmm("iid", n=150, p=200, seed=0)
    acts = ["relu"] * 2
    lim = K.ntk_limit(d.X, acts)
    err = {eps: np.mean([nl.spectra.relative_error(K.ntk_empirical(
        d.X, acts, [1000, 1000], weights="gaussian" if eps == 0 else "ternary", sparsity=eps, seed=s), lim)
        for s in range(2)]) for eps in (0.0, 0.5, 0.995)}
    # over seeds 0-9: 0.275 +- 0.026 (Gaussian) and 0.263 +- 0.027 (0.5); the ratio of two-seed means ranged
    # 0.88-1.04 over disjoint pairs, so 1.25 sits about three of its standard deviations above 1
    assert err[0.5] <= 1.25 * err[0.0], err
    assert err[0.995] > 2 * err[0.0], err


@pytest.mark.parametrize("scale, n_dup", [(2.5, 10), (25.0, 3)])
def test_many_near_duplicate_pairs_all_equal_nested_quadrature(scale, n_dup, monkeypatch):
    """The 2-D fallback runs the pairs Mehler's series cannot certify in blocks (10 per block at variance
    2.5, one per block at variance 25); the other tests hold at most 3 such pairs.  Here n_dup base columns
    each get two near copies (3 n_dup near-duplicate pairs, all sent to the fallback: 3 blocks, and 9): every
    entry with |rho| > 0.99 against nested adaptive quadrature, to 1e-10 (a block left uncomputed, or pairs
    written to the wrong entries, fails)."""
    sent = []
    fallback = K._pairs_quadrature

    def spy(g, a, b, rho, breakpoints=()):
        sent.append(a.size)
        return fallback(g, a, b, rho, breakpoints)

    monkeypatch.setattr(K, "_pairs_quadrature", spy)
    rng = np.random.default_rng(4)
    base = rng.standard_normal((400, 24)) / math.sqrt(400)
    copies = [base[:, k] + eps * rng.standard_normal(400) / math.sqrt(400)
              for k in range(n_dup) for eps in (2e-3, 5e-2)]
    X = np.column_stack([base, *copies]) * math.sqrt(scale)
    Kp = X.T @ X
    out = K.layer_map("tanh", Kp, center=0.0)
    assert sent == [3 * n_dup]
    d = np.diag(Kp)
    rho = Kp / np.sqrt(np.outer(d, d))
    pairs = [(i, j) for i in range(len(d)) for j in range(i + 1, len(d)) if abs(rho[i, j]) > 0.99]
    assert len(pairs) == 3 * n_dup
    for i, j in pairs:
        assert abs(out[i, j] - nested_quad_tanh(d[i], d[j], rho[i, j])) < 1e-10, (i, j)
        assert out[i, j] == out[j, i]


@pytest.mark.parametrize("a, b, rho", [(900.0, 900.0, 0.99999), (3000.0, 2900.0, 0.9999)])
def test_near_duplicate_pair_at_a_large_variance_in_bounded_memory(a, b, rho):
    """Above variance ~30 one pair's 2-D grid exceeds a block, and it is summed over blocks of its x nodes
    (at variance 3000 the whole grid, 2e4 x 2e4, asked for 3 GiB at once): against nested adaptive
    quadrature to 1e-11."""
    out = K._pairs_quadrature(np.tanh, np.array([a]), np.array([b]), np.array([rho]))
    assert abs(out[0] - nested_quad_tanh(a, b, rho)) < 1e-11


def test_limit_kernels_refuse_data_far_off_the_book_scale_and_name_a_zero_sample():
    """Raw data at variance ~1e12 asked for 488 GiB (a 5e8-node grid); now a ValueError says to normalize.
    A zero column of X: the error names the sample."""
    d = nl.data.gmm("mixed", n=20, p=50, seed=0)
    with pytest.raises(ValueError, match=r"needs a quadrature grid of .* nodes per sample .*Normalize X"):
        K.ck_limit(d.X * 1e6, ["tanh"])
    Z = d.X.copy()
    Z[:, 5] = 0.0
    with pytest.raises(ValueError, match=r"diagonal entry 5 is 0, not > 0: sample 5 is identically zero"):
        K.ck_limit(Z, ["relu"])


def test_structured_from_gram_checks_its_inputs():
    """A NaN Gram matrix came out as a NaN kernel, and stats=None as an AttributeError naming no argument."""
    sample = nl.data.gmm(case="mixed", n=40, p=30, seed=0)
    st = nl.data.mixture_stats(sample.X, sample.y, means=sample.means, covs=sample.covs)
    with pytest.raises(ValueError, match=r"G contains 1600 non-finite entries"):
        K.structured_from_gram(np.full((40, 40), np.nan), 30, st, 1.0, 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"st must be a MixtureStats"):
        K.structured_from_gram(np.eye(40), 30, None, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"G must be a square \(n, n\) matrix"):
        K.structured_from_gram(np.ones((40, 39)), 30, st, 1.0, 0.0, 0.0, 1.0)
    # an asymmetric G (a cross Gram matrix X^T Z, say) went into c1 G unchanged, an asymmetric "kernel"
    cross = sample.X.T @ nl.data.gmm(case="mixed", n=40, p=30, seed=1).X
    with pytest.raises(ValueError, match=r"^G must be symmetric \(a kernel matrix\)"):
        K.structured_from_gram(cross, 30, st, 1.0, 0.0, 0.0, 1.0)
    # the checks leave a good call as it was: c1 G + ident I when c2 = c3 = 0
    G = sample.X.T @ sample.X
    np.testing.assert_allclose(K.structured_from_gram(G, 30, st, 2.0, 0.0, 0.0, 0.5), 2.0 * G + 0.5 * np.eye(40))


def test_a_tau0_far_off_the_data_scale_is_refused():
    """A tau0 passed with the data was used as given: ck_limit(X, "relu", tau0=3 tau_X) came out 16 times the
    kernel of X in relative spectral error (its features uncentred), and ck_tilde 9 % off, with no error.  Now
    every kernel of data refuses a tau0 outside [tau_X / 3, 3 tau_X] (the window networks.features uses), and
    at tau0 = tau_X gives what the default gives."""
    d = nl.data.gmm("mixed", n=60, p=50, seed=0)
    scale = nl.data.tau0(d.X)
    G = d.X.T @ d.X
    calls = {
        "ck_limit": lambda t: K.ck_limit(d.X, ["relu"], tau0=t),
        "ntk_limit": lambda t: K.ntk_limit(d.X, ["relu"], tau0=t),
        "ck_tilde": lambda t: K.ck_tilde(d.X, d.y, ["relu"], tau0=t),
        "ntk_tilde": lambda t: K.ntk_tilde(d.X, d.y, ["relu"], tau0=t),
        "ck_empirical": lambda t: K.ck_empirical(d.X, ["relu"], [20], tau0=t),
        "ntk_empirical": lambda t: K.ntk_empirical(d.X, ["relu"], [20], tau0=t),
        "limit_from_gram": lambda t: K.limit_from_gram(G, ["relu"], tau0=t),
        "equivalence.limit_kernel": lambda t: nl.equivalence.limit_kernel(d.X, ["relu"], "ck", tau0=t),
    }
    for name, call in calls.items():
        whose = "the data of G" if name == "limit_from_gram" else "X"
        for factor in (3.2, 1 / 3.2, 100.0):
            with pytest.raises(ValueError, match=rf"tau0 = .* is off {whose}'s scale sqrt\(mean \|\|x_i\|\|\^2\) = "
                                                 rf"{scale:.4g} by more than a factor 3 \(allowed: "):
                call(factor * scale)
        np.testing.assert_array_equal(call(scale), call(None), err_msg=name)
        call(2.9 * scale)                 # inside the window: computed (a subset of the data, the model's scale)


def test_structured_from_gram_entry_by_entry():
    """Each entry of c1 G + V A V^T + ident I written out from THEORY.md section 3: with V's row i =
    [e_a / sqrt(p), psi_i] for i in class a, (V A V^T)_ij = c2 (t_a / sqrt(p) + psi_i)(t_b / sqrt(p) + psi_j)
    + c3 T_ab / p.  Three unbalanced classes and coefficients of both signs, so that a dropped cross term, a
    halved c3 T or a transposed T (T is not symmetric here) each move some entry."""
    rng = np.random.default_rng(7)
    n, p, n_classes = 11, 5, 3
    y = np.array([0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2])
    J = np.eye(n_classes)[y]
    t, psi = rng.standard_normal(n_classes), rng.standard_normal(n)
    T = rng.standard_normal((n_classes, n_classes))
    st = nl.data.MixtureStats(tau0=1.0, tau0_model=1.0, t=t, T=T, psi=psi, J=J, trC=np.ones(n_classes),
                              estimated=False, p=p)
    G = rng.standard_normal((n, n))
    G = G + G.T
    c1, c2, c3, ident = 0.7, -1.3, 2.1, 0.4
    expected = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            a, b = y[i], y[j]
            expected[i, j] = (c1 * G[i, j] + c2 * (t[a] / np.sqrt(p) + psi[i]) * (t[b] / np.sqrt(p) + psi[j])
                              + c3 * T[a, b] / p + ident * (i == j))
    np.testing.assert_allclose(K.structured_from_gram(G, p, st, c1, c2, c3, ident), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("eps", [0.5, 0.9])
def test_ternary_positions_are_independent_of_the_gaussian_draw_of_the_same_seed(eps):
    """torch.rand on the generator of torch.randn's Gaussians read the same uniforms: the ternary net of
    seed k kept the small-|w| positions of the dense net of seed k (mean |w| 0.29 there against 0.85
    elsewhere at eps = 0.9), so magnitude pruning and the ternary net of one seed had disjoint supports.
    Independent draws give the same mean |w| (E|w| = sqrt(2/pi)) on the kept and the zeroed positions,
    here to 5 Monte Carlo standard errors of the difference (|w| has variance 1 - 2/pi)."""
    shape = (200, 500)
    for seed in (0, 7):
        G = K.sample_weights(shape, "gaussian", 0.0, torch.Generator().manual_seed(seed)).abs().numpy()
        T = K.sample_weights(shape, "ternary", eps, torch.Generator().manual_seed(seed)).numpy()
        kept = T != 0
        n_kept, n_zero = int(kept.sum()), int((~kept).sum())
        se = math.sqrt((1 - 2 / math.pi) * (1 / n_kept + 1 / n_zero))
        assert abs(G[kept].mean() - G[~kept].mean()) < 5 * se
        # and the two halves of the Box-Muller pairs (positions i and i + 8 of each block of 16)
        assert abs(np.corrcoef(G.ravel(), kept.ravel())[0, 1]) < 5 / math.sqrt(G.size)


def test_ternary_draws_of_one_seed_are_nested_across_sparsities():
    # common random numbers, as documented: the non-zeros at 0.9 lie among those at 0.5 (signs unrelated)
    draw = [K.sample_weights((300, 400), "ternary", eps, torch.Generator().manual_seed(5)) for eps in (0.5, 0.9)]
    assert bool(((draw[1] != 0) & (draw[0] == 0)).sum() == 0)
    assert float((draw[1] != 0).double().mean()) == pytest.approx(0.1, abs=5 * math.sqrt(0.09 / 120_000))
