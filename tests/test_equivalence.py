"""ntklc_lib.equivalence: checks of the theory, spectra, error sweeps, real-data and universality helpers.

Every numerical test compares against an independent computation (closed form, quadrature, Monte Carlo
with its standard error, or the library's exact but slow path) with a stated tolerance.
"""
import dataclasses
import math
import types

import numpy as np
import pytest
import torch
from scipy.stats import linregress
from scipy.stats import t as student_t

import ntklc_lib as nl
from ntklc_lib import equivalence as eq

STEPS = [
    nl.activations.binary([(0.5, np.inf)], 2.0),
    nl.activations.ternary_symmetric(0.5),
    nl.activations.get("sign"),
    nl.activations.step([-1.0, 0.3, 1.2], [0.5, -1.0, 2.0, 0.0]),
]


# ------------------------------------------------------------------ checks of the theory

@pytest.mark.parametrize("name,tau", [("relu", 1.0), ("tanh", 0.7), ("erf", 1.3), ("binary", 0.9)])
def test_monte_carlo_moments_agree_with_closed_forms(name, tau):
    act = STEPS[0] if name == "binary" else nl.activations.get(name)
    mc = eq.moments_monte_carlo(act, tau, n_samples=400_000, seed=1)
    ref = nl.activations.moments(act, tau)
    for key in ("d1", "d2", "d3", "var"):
        est, se = getattr(mc, key), getattr(mc, key + "_se")
        # 5 standard errors: a false alarm has probability ~1e-6 per comparison
        assert abs(est - float(getattr(ref, key))) < 5 * se + 1e-12, (key, est, float(getattr(ref, key)), se)
    if act.deriv is None:
        assert math.isnan(mc.dd)
    else:
        assert abs(mc.dd - float(ref.dd)) < 5 * mc.dd_se + 1e-12


def test_monte_carlo_standard_errors_match_the_spread_over_independent_runs():
    # the interval activation {0, b} (the kind NTK-LC solves for) has a large d2, so d3's standard error
    # must carry the sample-mean centring (a standard error without it is ~1.25 times the true spread)
    act = nl.activations.binary([(-0.5, 0.5)], 1.0)
    runs = [eq.moments_monte_carlo(act, 1.0, n_samples=20_000, seed=s) for s in range(300)]
    for key in ("d1", "d2", "d3", "var"):
        spread = np.std([getattr(r, key) for r in runs], ddof=1)
        se = np.mean([getattr(r, key + "_se") for r in runs])
        # the sample std of 300 runs has relative standard error 1/sqrt(598) ~ 0.041; 0.15 is about 3.6
        assert abs(spread / se - 1) < 0.15, (key, spread, se)


def test_monte_carlo_moments_input_errors():
    with pytest.raises(ValueError, match="n_samples"):
        eq.moments_monte_carlo("relu", 1.0, n_samples=1)
    with pytest.raises(ValueError, match="tau"):
        eq.moments_monte_carlo("relu", -1.0)
    with pytest.raises(ValueError, match="seed"):
        eq.moments_monte_carlo("relu", 1.0, seed=-3)


@pytest.mark.parametrize("act", ["relu", "erf", STEPS[0]], ids=["relu", "erf", "binary"])
def test_moment_z_scores_are_standard_normal_for_the_library_moments(act):
    zs = eq.moment_z_scores(act, 0.8, seeds=range(40), n_samples=20_000)
    act = nl.activations.get(act)
    assert zs.names == (("d1", "d2", "d3", "dd", "var") if act.deriv is not None else ("d1", "d2", "d3", "var"))
    assert zs.z.shape == (40, len(zs.names)) and zs.n_samples == 20_000
    # 40 independent N(0, 1) draws: the pooled z is N(0, 1) (|z| < 4.5 fails with probability ~1e-5),
    # the sample std has standard error 1/sqrt(78) ~ 0.11 ([0.6, 1.45] is about 4 of them)
    assert np.all(np.abs(zs.pooled) < 4.5), zs.pooled
    assert np.all((zs.std > 0.6) & (zs.std < 1.45)), zs.std
    np.testing.assert_allclose(zs.pooled, math.sqrt(40) * zs.z.mean(axis=0))
    # each row is moments_monte_carlo with that seed
    mc = eq.moments_monte_carlo(act, 0.8, n_samples=20_000, seed=7)
    ref = nl.activations.moments(act, 0.8)
    k = zs.names.index("d1")
    assert zs.z[7, k] == pytest.approx((mc.d1 - float(ref.d1)) / mc.d1_se, rel=1e-12)


def test_moment_z_scores_detect_a_wrong_reference():
    ref = nl.activations.moments("relu", 1.0)
    wrong = dataclasses.replace(ref, d1=ref.d1 * 1.05)
    right = eq.moment_z_scores("relu", 1.0, seeds=range(40), n_samples=20_000)
    off = eq.moment_z_scores("relu", 1.0, seeds=range(40), n_samples=20_000, reference=wrong)
    k = right.names.index("d1")
    # d1 = 1/2 is off by 0.025, about 4 standard errors of one draw of 20 000: pooled over 40 draws ~ -27
    assert off.pooled[k] < -10 and abs(right.pooled[k]) < 4.5
    others = [j for j in range(len(right.names)) if j != k]
    np.testing.assert_array_equal(off.z[:, others], right.z[:, others])
    # a linear activation has dd = 1 with zero standard error: exact agreement is z = 0, any other is inf
    lin = nl.activations.get("linear")
    exact = eq.moment_z_scores(lin, 1.0, seeds=[1, 2], n_samples=1000)
    j = exact.names.index("dd")
    assert np.all(exact.z[:, j] == 0)
    bad = dataclasses.replace(nl.activations.moments(lin, 1.0), dd=1.001)
    assert np.all(eq.moment_z_scores(lin, 1.0, seeds=[1, 2], n_samples=1000, reference=bad).z[:, j] == -np.inf)


def test_moment_z_scores_input_errors():
    with pytest.raises(ValueError, match="seeds must hold at least two distinct"):
        eq.moment_z_scores("relu", 1.0, seeds=[3])
    with pytest.raises(ValueError, match="seeds must hold at least two distinct"):
        eq.moment_z_scores("relu", 1.0, seeds=[3, 3])
    with pytest.raises(ValueError, match=r"seeds\[1\] must be an integer >= 0 and < 2\*\*64, got -2"):
        eq.moment_z_scores("relu", 1.0, seeds=[1, -2])
    with pytest.raises(ValueError, match=r"seeds must be a list, got int 3; with papermill"):
        eq.moment_z_scores("relu", 1.0, seeds=3)
    # a reference of NaNs leaves nothing to compare: no z-score at all must not read as "all within range"
    nans = types.SimpleNamespace(d1=np.nan, d2=np.nan, d3=np.nan, dd=np.nan, var=np.nan)
    with pytest.raises(ValueError, match=r"no moment to compare"):
        eq.moment_z_scores("relu", 1.0, seeds=[1, 2], n_samples=1000, reference=nans)


def test_monte_carlo_moments_need_an_activation_finite_on_the_line():
    # sqrt is NaN for t < 0: every sample moment would be NaN
    root = nl.activations.custom(np.sqrt, name="sqrt")
    with pytest.raises(ValueError, match=r"activation 'sqrt' is not finite at \d+ of 1000 draws"):
        eq.moments_monte_carlo(root, 1.0, n_samples=1000)
    with pytest.raises(ValueError, match="tau"):
        eq.moment_z_scores("relu", 0.0, seeds=[1, 2])
    with pytest.raises(ValueError, match="reference must have the fields"):
        eq.moment_z_scores("relu", 1.0, seeds=[1, 2], reference=object())


@pytest.mark.parametrize("acts", [["relu"] * 3, ["tanh", "erf"], ["relu", "tanh", "relu"], [STEPS[0]] * 2],
                         ids=["relu3", "tanh-erf", "relu-tanh-relu", "binary2"])
def test_alpha_read_off_the_limit_kernel_equals_recursion(acts):
    tau0 = 0.9
    probed = eq.coefficients_by_differentiation(acts, tau0, "ck", h=1e-3)
    c = nl.coefficients.ck(acts, tau0)
    # central differences: truncation O(h^2) ~ 1e-6 relative, round-off ~1e-12 / h^2
    np.testing.assert_allclose(probed.coef, c.final, rtol=1e-4, atol=1e-6)
    assert probed.diag == pytest.approx(c.tau_L2, rel=1e-10)


@pytest.mark.parametrize("acts", [["relu"] * 3, ["tanh", "erf"], ["erf", "relu"]],
                         ids=["relu3", "tanh-erf", "erf-relu"])
def test_beta_read_off_the_ntk_limit_equals_recursion(acts):
    tau0 = 1.1
    probed = eq.coefficients_by_differentiation(acts, tau0, "ntk", h=1e-3)
    c = nl.coefficients.ntk(acts, tau0)
    np.testing.assert_allclose(probed.coef, c.beta[-1], rtol=1e-4, atol=1e-6)
    assert probed.diag == pytest.approx(c.kappa2[-1], rel=1e-10)


def test_coefficients_by_differentiation_input_errors():
    with pytest.raises(ValueError, match="kind"):
        eq.coefficients_by_differentiation(["relu"], 1.0, kind="nngp")
    with pytest.raises(ValueError, match=r"h must be small against tau0\^2 = 1 \(h < 0.1 tau0\^2\), got 0.5"):
        eq.coefficients_by_differentiation(["relu"], 1.0, h=0.5)


def test_matched_step_has_the_originals_d1_d2_but_not_its_variance():
    tau = 1.0
    step = eq.matched_step("relu", tau)
    m, r = nl.activations.moments(step, tau), nl.activations.moments("relu", tau)
    assert float(m.d1) == pytest.approx(float(r.d1), rel=1e-12)
    assert float(m.d2) == pytest.approx(float(r.d2), rel=1e-12)
    assert abs(float(m.var) - float(r.var)) > 1e-3
    with pytest.raises(ValueError, match="d1"):
        eq.matched_step("abs", tau)       # abs has d1 = 0


@pytest.mark.parametrize("order", [3, 4, 6])
def test_hermite_surrogate_has_the_same_moments_and_one_layer_closed_form(order):
    tau = 1.3
    sur = eq.hermite_surrogate("relu", tau, order=order)
    m, r = nl.activations.moments(sur, tau), nl.activations.moments("relu", tau)
    for key in ("d1", "d2", "var"):
        assert float(getattr(m, key)) == pytest.approx(float(getattr(r, key)), rel=1e-8), key
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    np.testing.assert_allclose(sur.fn_torch(x).numpy(), sur.fn(x.numpy()), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sur.deriv_torch(x).numpy(), sur.deriv(x.numpy()), rtol=1e-12, atol=1e-12)
    d = nl.data.gmm("mixed", n=150, p=150, seed=0)
    tau0 = math.sqrt(np.mean(np.sum(d.X**2, axis=0)))
    sur = eq.hermite_surrogate("relu", tau0, order=order)
    np.testing.assert_allclose(nl.kernels.ck_tilde(d.X, d.y, [sur]), nl.kernels.ck_tilde(d.X, d.y, ["relu"]),
                               rtol=0, atol=1e-8)
    for bad in (2, 200):
        with pytest.raises(ValueError, match=r"order must lie in 3..100"):
            eq.hermite_surrogate("relu", tau, order=bad)


@pytest.mark.parametrize("order", [20, 50, 100])
def test_hermite_surrogate_torch_forms_agree_with_numpy_at_high_order(order):
    """The torch forms went through the power basis, which loses every digit by order ~50 at |t| = 8
    (order 100, tau = 1: 5e10 against -2.4e5); custom() now compares them with fn and would refuse them."""
    sur = eq.hermite_surrogate("relu", 1.0, order=order)
    x = torch.linspace(-8, 8, 161, dtype=torch.float64)
    np.testing.assert_allclose(sur.fn_torch(x).numpy(), sur.fn(x.numpy()), rtol=1e-12, atol=0)
    np.testing.assert_allclose(sur.deriv_torch(x).numpy(), sur.deriv(x.numpy()), rtol=1e-12, atol=0)
    # fn against an independent evaluation of He_k by its three-term recurrence, in exact rationals at
    # t = 3 and 8 (tau = 1): He_{k+1}(x) = x He_k(x) - k He_{k-1}(x)
    from fractions import Fraction
    m = nl.activations.moments("relu", 1.0)
    d1, d2, var = float(m.d1), float(m.d2), float(m.var)
    a = math.sqrt((var - d1**2 - d2**2 / 2) / math.factorial(order))
    for t in (3, 8):
        h0, h1 = Fraction(1), Fraction(t)
        for k in range(1, order):
            h0, h1 = h1, t * h1 - k * h0
        want = d1 * t + d2 / 2 * (t * t - 1) + a * float(h1)
        assert float(sur.fn(np.array(float(t)))) == pytest.approx(want, rel=1e-12)


def test_derived_seed_takes_exactly_a_size_and_a_repeat():
    """SeedSequence pads its entropy with zeros: derived_seed(1), derived_seed(1, 0) and derived_seed(1, 0, 0)
    were one stream.  The signature is now (seed, size, repeat); the values callers get are unchanged."""
    # values of the former derived_seed(seed, *keys) with two keys, pinned so that stored records stay
    # reproducible; each is the first word of numpy's SeedSequence([seed, size, repeat])
    for args, value in (((5, 400, 0), 1177718371), ((3, 240, 1), 2620297684), ((0, 0, 0), 2968811710),
                        ((2**64 - 1, 10**6, 3), 915998625)):
        assert eq.derived_seed(*args) == value == int(np.random.SeedSequence(list(args)).generate_state(1)[0])
    assert eq.derived_seed(np.uint64(5), np.int32(400), np.int64(0)) == 1177718371
    assert len({eq.derived_seed(7, n, r) for n in (0, 1, 2, 100) for r in range(4)}) == 16
    for args in ((1,), (1, 0), (1, 0, 0, 0)):
        with pytest.raises(TypeError):
            eq.derived_seed(*args)
    with pytest.raises(ValueError, match=r"size must be an integer >= 0, got -1"):
        eq.derived_seed(1, -1, 0)
    with pytest.raises(ValueError, match=r"repeat must be an integer >= 0, got 0.5"):
        eq.derived_seed(1, 0, 0.5)


# ------------------------------------------------------------------ spectra

def test_isolated_count_finds_planted_spikes():
    rng = np.random.default_rng(0)
    n = 800
    Z = rng.standard_normal((n, 2 * n)) / math.sqrt(2 * n)
    bulk = np.linalg.eigvalsh(Z @ Z.T)                     # Marchenko-Pastur, edge ~ 2.9
    assert eq.isolated_count(bulk) == 0
    spiked = np.concatenate([bulk, [6.0, 9.0]])
    assert eq.isolated_count(spiked) == 2
    with pytest.raises(ValueError, match="eigenvalues"):
        eq.isolated_count(np.arange(5.0))
    with pytest.raises(ValueError, match="eigenvalues contains 1 non-finite"):
        eq.isolated_count(np.concatenate([spiked, [np.nan]]))
    # a kernel matrix in place of its eigenvalues was flattened, and its n^2 entries counted as eigenvalues
    with pytest.raises(ValueError, match=r"eigenvalues must be a 1-D array, got shape \(40, 40\)"):
        eq.isolated_count(np.cov(rng.standard_normal((40, 100))))


def test_summarize_gmm_kernel_has_two_spikes_and_unit_vectors():
    d = nl.data.gmm("mixed", n=800, p=800, seed=0)
    K = nl.kernels.ck_tilde(d.X, d.y, ["relu"] * 2, means=d.means, covs=d.covs)
    s = eq.summarize(K, top=3)
    assert s.n_isolated == 2                               # class means and the covariance-trace direction
    assert s.isolated[0] >= s.isolated[1] > s.bulk_edge
    np.testing.assert_allclose(np.linalg.norm(s.vectors, axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(K @ s.vectors[:, -1], s.eigenvalues[-1] * s.vectors[:, -1], atol=1e-10)
    # a matrix that is not symmetric is refused, not summarized through its symmetric part
    Ka = K.copy()
    Ka[0, 1] += 0.01 * np.max(np.abs(K))
    with pytest.raises(ValueError, match=r"^K must be symmetric \(a kernel matrix\)"):
        eq.summarize(Ka, top=3)


def test_eigenvector_alignment_and_common_bins():
    V = np.linalg.qr(np.random.default_rng(1).standard_normal((50, 3)))[0]
    np.testing.assert_allclose(eq.eigenvector_alignment(V, -V), 1.0)
    W = V.copy()
    W[:, 0] = V[:, 1]
    assert eq.eigenvector_alignment(W, V)[0] == pytest.approx(0.0, abs=1e-12)
    # |<v, v_ref>| is in [0, 1] for unit columns only: 5 * ones / sqrt(3) against ones / sqrt(3) gave 5
    u = np.ones((3, 1)) / math.sqrt(3)
    with pytest.raises(ValueError, match=r"V must have unit columns .*column 0 has norm 5"):
        eq.eigenvector_alignment(5 * u, u)
    with pytest.raises(ValueError, match=r"V_ref must have unit columns .*column 1 has norm 0\.5"):
        eq.eigenvector_alignment(V[:, :2], V[:, :2] * [1.0, 0.5])
    # eigenvectors of eigh, unit to rounding, are accepted as before
    vecs = np.linalg.eigh(np.cov(np.random.default_rng(2).standard_normal((40, 200))))[1]
    np.testing.assert_allclose(eq.eigenvector_alignment(vecs, vecs), 1.0, rtol=1e-12)
    edges = eq.common_bins([np.array([0.0, 1.0]), np.array([2.0, 5.0])], bins=4, upper=2.0)
    np.testing.assert_allclose(edges, [0.0, 0.5, 1.0, 1.5, 2.0])
    with pytest.raises(ValueError, match="upper"):
        eq.common_bins([np.array([1.0, 2.0])], upper=0.5)
    with pytest.raises(ValueError, match="at least one eigenvalue"):
        eq.common_bins([])
    with pytest.raises(ValueError, match="eigenvalue_sets contains 1 non-finite"):
        eq.common_bins([np.array([1.0, np.nan])])
    with pytest.raises(ValueError, match="upper must be a finite number or None"):
        eq.common_bins([np.array([1.0, 2.0])], upper=np.inf)


def test_kernel_triplet_errors_are_the_relative_errors_of_its_kernels():
    d = nl.data.gmm("mixed", n=200, p=200, seed=0)
    tri = eq.kernel_triplet(d.X, d.y, ["relu"] * 2, "ck", widths=(600, 600), draws=2, seed=0,
                            means=d.means, covs=d.covs)
    assert tri.errors["tilde_vs_limit"] == pytest.approx(nl.spectra.relative_error(tri.tilde, tri.limit))
    assert tri.errors["empirical_vs_limit"] == pytest.approx(nl.spectra.relative_error(tri.empirical, tri.limit))
    np.testing.assert_allclose(tri.limit, nl.kernels.ck_limit(d.X, ["relu"] * 2))
    # the kernels it was asked for: the closed form with the given statistics, the nets' with their draws
    np.testing.assert_allclose(tri.tilde, nl.kernels.ck_tilde(d.X, d.y, ["relu"] * 2, means=d.means, covs=d.covs),
                               rtol=0, atol=1e-13)
    np.testing.assert_allclose(tri.empirical, nl.kernels.ck_empirical(d.X, ["relu"] * 2, (600, 600), draws=2, seed=0),
                               rtol=0, atol=1e-12)
    assert tri.errors["tilde_vs_empirical"] == pytest.approx(nl.spectra.relative_error(tri.tilde, tri.empirical))
    # estimated statistics give another closed form (so dropping the given ones would be seen)
    est = eq.kernel_triplet(d.X, d.y, ["relu"] * 2, "ck")
    np.testing.assert_allclose(est.tilde, nl.kernels.ck_tilde(d.X, d.y, ["relu"] * 2), rtol=0, atol=1e-13)
    assert np.max(np.abs(est.tilde - tri.tilde)) > 1e-6
    # sparse ternary nets, and the NTK
    tern = eq.kernel_triplet(d.X, d.y, ["relu"], "ntk", widths=(500,), weights="ternary", sparsity=0.8, seed=3)
    np.testing.assert_allclose(tern.empirical, nl.kernels.ntk_empirical(d.X, ["relu"], (500,), weights="ternary",
                                                                         sparsity=0.8, seed=3), rtol=0, atol=1e-12)
    np.testing.assert_allclose(tern.tilde, nl.kernels.ntk_tilde(d.X, d.y, ["relu"]), rtol=0, atol=1e-13)
    assert eq.kernel_triplet(d.X, d.y, ["relu"], "ntk").empirical is None


@pytest.mark.parametrize("kind", ["ck", "ntk"])
@pytest.mark.parametrize("identity", ["theory", "reference"])
def test_kernels_from_gram_equal_the_library_kernels(kind, identity):
    d = nl.data.gmm("mixed", n=160, p=120, n_classes=3, seed=4)
    acts = ["relu", "tanh"]
    G = d.X.T @ d.X
    st = nl.data.mixture_stats(d.X, d.y, d.means, d.covs)
    np.testing.assert_allclose(eq.limit_kernel_from_gram(G, acts, kind), eq.limit_kernel(d.X, acts, kind),
                               rtol=0, atol=1e-13)
    np.testing.assert_allclose(eq.tilde_kernel_from_gram(G, st, 120, acts, kind, identity),
                               eq.tilde_kernel(d.X, d.y, acts, kind, stats=st, identity=identity), rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match=r"G must be \(n, n\) with n = len\(stats.psi\) = 160, got \(10, 10\)"):
        eq.tilde_kernel_from_gram(G[:10, :10], st, 120, acts, kind)
    with pytest.raises(ValueError, match=r"p must be a positive integer \(>= 1\), got 0"):
        eq.tilde_kernel_from_gram(G, st, 0, acts, kind)
    with pytest.raises(ValueError, match="p = 7 differs from the dimension 120"):
        eq.tilde_kernel_from_gram(G, st, 7, acts, kind)
    with pytest.raises(ValueError, match=r"G must be symmetric \(a kernel matrix\)"):
        eq.tilde_kernel_from_gram(G + np.triu(np.ones_like(G)), st, 120, acts, kind)
    with pytest.raises(ValueError, match=r"G must be a square \(n, n\) matrix, got shape \(160, 10\)"):
        eq.tilde_kernel_from_gram(G[:, :10], st, 120, acts, kind)
    with pytest.raises(ValueError, match=r"stats must be a MixtureStats .*got dict"):
        eq.tilde_kernel_from_gram(G, {}, 120, acts, kind)


# ------------------------------------------------------------------ error against dimension

def test_loglog_slope_recovers_a_power_law():
    n = np.array([100, 200, 400, 800])
    fit = eq.loglog_slope(n, 3.0 * n**-0.5)
    assert fit.slope == pytest.approx(-0.5, abs=1e-12)
    assert math.exp(fit.intercept) == pytest.approx(3.0, rel=1e-12)
    assert fit.slope_se == pytest.approx(0.0, abs=1e-10)
    np.testing.assert_allclose(fit.predict(n), 3.0 * n**-0.5)
    # with multiplicative noise, the slope's standard error is that of ordinary least squares
    rng = np.random.default_rng(0)
    x = np.geomspace(10, 1e4, 12)
    noisy = eq.loglog_slope(x, 2 * x**-0.7 * np.exp(0.05 * rng.standard_normal(12)))
    assert abs(noisy.slope + 0.7) < 4 * noisy.slope_se
    for bad, match in ((([100], [0.1]), "at least two distinct"), (([100, 200], [0.1, -0.1]), "errors must be finite"),
                       (([100, 100], [0.1, 0.2]), "at least two distinct"), (([1, 2, 3], [0.1, 0.2]), "same length"),
                       # a (sizes x repeats) table used to be flattened and paired with the wrong sizes
                       (([100, 200], [[0.1, 0.2], [0.05, 0.1]]), r"must be 1-D, .*got shapes \(2,\) and \(2, 2\)")):
        with pytest.raises(ValueError, match=match):
            eq.loglog_slope(*bad)


def test_slope_gap_is_welchs_test_on_two_independent_fits():
    """slope_gap against scipy's linregress slopes and standard errors, the Welch-Satterthwaite degrees of
    freedom written out and scipy's t quantile; then its false-alarm rate under equal true slopes."""
    rng = np.random.default_rng(11)
    xa, xb = np.array([250, 500, 1000, 2000, 4000.0]), np.array([100, 300, 900, 2700.0])
    for _ in range(100):
        ea = 2.0 * xa ** rng.uniform(-0.8, -0.3) * np.exp(rng.uniform(0.01, 0.2) * rng.standard_normal(5))
        eb = 0.5 * xb ** rng.uniform(-0.8, -0.3) * np.exp(rng.uniform(0.01, 0.2) * rng.standard_normal(4))
        ra, rb = linregress(np.log(xa), np.log(ea)), linregress(np.log(xb), np.log(eb))
        va, vb = ra.stderr ** 2, rb.stderr ** 2
        dof = (va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 2)
        se = math.sqrt(va + vb)
        res = eq.slope_gap(eq.loglog_slope(xa, ea), eq.loglog_slope(xb, eb))
        assert res.gap == pytest.approx(ra.slope - rb.slope, rel=1e-9, abs=1e-12)
        assert res.se == pytest.approx(se, rel=1e-9) and res.dof == pytest.approx(dof, rel=1e-9)
        t = (ra.slope - rb.slope) / se
        assert res.side == (int(np.sign(t)) if abs(t) > student_t.ppf(0.975, dof) else 0)
    # equal true slopes, unequal noise: Welch-Satterthwaite is approximate on 3 degrees of freedom each, so
    # the false-alarm rate is checked within [3.5 %, 7.5 %] (4000 pairs: its standard error is 0.35 %)
    x = xa
    alarms = [eq.slope_gap(eq.loglog_slope(x, x ** -0.5 * np.exp(0.05 * rng.standard_normal(5))),
                           eq.loglog_slope(x, x ** -0.5 * np.exp(0.2 * rng.standard_normal(5)))).side != 0
              for _ in range(4000)]
    assert 0.035 <= np.mean(alarms) <= 0.075, np.mean(alarms)
    # a line through two points has no standard error: no verdict
    two = eq.slope_gap(eq.loglog_slope([100, 200], [0.1, 0.05]), eq.loglog_slope(xa, xa ** -0.5))
    assert two.gap == pytest.approx(-0.5, abs=1e-12) and math.isnan(two.se) and two.side == 0
    with pytest.raises(ValueError, match=r"fit_b must be a LogLogFit \(from loglog_slope\), got float"):
        eq.slope_gap(eq.loglog_slope(xa, xa ** -0.5), -0.5)


def test_loglog_interval_is_students_t_and_covers_at_its_level():
    # against scipy's linregress and the t quantile on m - 2 degrees of freedom
    x = np.array([250, 500, 1000, 2000, 4000])
    e = np.array([0.124, 0.084, 0.053, 0.031, 0.0199])
    fit = eq.loglog_slope(x, e)
    ref = linregress(np.log(x), np.log(e))
    half = student_t.ppf(0.975, 3) * ref.stderr
    assert fit.dof == 3
    np.testing.assert_allclose(fit.interval(), (ref.slope - half, ref.slope + half), rtol=1e-12)
    assert fit.against(-0.5) == "steeper" and fit.against(-0.9) == "flatter"
    assert fit.against(fit.slope) == "unresolved"
    # a 90 % interval is narrower and inside the 95 % one
    assert fit.interval()[0] < fit.interval(0.9)[0] < fit.interval(0.9)[1] < fit.interval()[1]
    # Monte Carlo coverage of the true slope -0.5 with Gaussian noise in log e: 0.95 within 4 standard
    # errors of a proportion over 4000 fits (sd 0.0034)
    rng = np.random.default_rng(3)
    covered = []
    for _ in range(4000):
        lo, hi = eq.loglog_slope(x, x**-0.5 * np.exp(0.1 * rng.standard_normal(x.size))).interval()
        covered.append(lo <= -0.5 <= hi)
    assert abs(np.mean(covered) - 0.95) < 4 * math.sqrt(0.95 * 0.05 / 4000)
    # two points: no interval, so no verdict
    two = eq.loglog_slope([100, 200], [0.1, 0.05])
    assert two.dof == 0 and np.isnan(two.interval()).all() and two.against(-0.5) == "unresolved"
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="level"):
            fit.interval(bad)


def test_error_vs_dimension_shrinks_and_is_reproducible():
    nets = {"relu": ["relu"], "binary": [STEPS[0]]}
    sweep = eq.error_vs_dimension("mixed", [100, 400], nets, "ck", seed=5)
    assert sweep.labels == ("relu", "binary")
    assert sweep.errors.shape == (2, 2) and sweep.errors_all.shape == (2, 2, 1)
    assert np.all(sweep.errors[:, 1] < sweep.errors[:, 0])           # error decreases with n = p
    again = eq.error_vs_dimension("mixed", [100, 400], nets, "ck", seed=5)
    np.testing.assert_array_equal(sweep.errors, again.errors)
    # one entry recomputed by hand from the same data
    d = nl.data.gmm("mixed", n=400, p=400, seed=eq.derived_seed(5, 400, 0))
    ref = nl.spectra.relative_error(nl.kernels.ck_tilde(d.X, d.y, ["relu"], means=d.means, covs=d.covs),
                                    nl.kernels.ck_limit(d.X, ["relu"]))
    assert sweep.errors[0, 1] == pytest.approx(ref, rel=1e-10)
    assert sweep.fit("relu").slope < 0


@pytest.mark.parametrize("kind, stats, identity", [("ntk", "model", "theory"), ("ck", "estimated", "theory"),
                                                   ("ck", "model", "reference"), ("ntk", "estimated", "reference")])
def test_error_vs_dimension_options_recomputed_by_hand(kind, stats, identity):
    acts = ["relu", "tanh"]
    sweep = eq.error_vs_dimension("mixed", [120, 240], {"net": acts}, kind, seed=7, repeats=2, stats=stats,
                                  identity=identity)
    d = nl.data.gmm("mixed", n=240, p=240, seed=eq.derived_seed(7, 240, 1))
    given = {"means": d.means, "covs": d.covs} if stats == "model" else {}
    tilde = nl.kernels.ntk_tilde if kind == "ntk" else nl.kernels.ck_tilde
    limit = nl.kernels.ntk_limit if kind == "ntk" else nl.kernels.ck_limit
    ref = nl.spectra.relative_error(tilde(d.X, d.y, acts, identity=identity, **given), limit(d.X, acts))
    assert sweep.errors_all[0, 1, 1] == pytest.approx(ref, rel=1e-10)
    # the option matters here, so a sweep that ignored it would be seen
    other = dict(kind="ck" if kind == "ntk" else "ntk") if stats == "model" and identity == "theory" else \
        dict(stats="model" if stats == "estimated" else "estimated", identity=identity) if identity == "theory" else \
        dict(identity="theory")
    args = {"kind": kind, "stats": stats, "identity": identity, **other}
    changed = eq.error_vs_dimension("mixed", [120, 240], {"net": acts}, args["kind"], seed=7, repeats=2,
                                    stats=args["stats"], identity=args["identity"])
    assert abs(changed.errors_all[0, 1, 1] - ref) > 1e-6 * ref


def test_error_vs_dimension_input_errors():
    with pytest.raises(ValueError, match="step"):
        eq.error_vs_dimension("mixed", [50, 100], {"b": [STEPS[0]]}, "ntk")
    with pytest.raises(ValueError, match="sizes"):
        eq.error_vs_dimension("mixed", [50, -1], {"r": ["relu"]})
    # out of order: the local slopes would join sizes that are not neighbours
    for bad in ([100, 50], [50, 50]):
        with pytest.raises(ValueError, match=r"sizes must be increasing \(distinct, smallest first\)"):
            eq.error_vs_dimension("mixed", bad, {"r": ["relu"]})
    with pytest.raises(ValueError, match="case"):
        eq.error_vs_dimension("blobs", [50, 100], {"r": ["relu"]})
    with pytest.raises(ValueError, match="stats"):
        eq.error_vs_dimension("mixed", [50, 100], {"r": ["relu"]}, stats="oracle")


def test_local_slopes_join_consecutive_sizes():
    sweep = eq.error_vs_dimension("mixed", [100, 200, 400, 800], {"r": ["relu"] * 3}, "ck", seed=2, repeats=2)
    e = sweep.errors[0]
    # independent: the slope of the chord between neighbours on log-log axes
    np.testing.assert_allclose(sweep.local_slopes("r"), np.diff(np.log(e)) / np.diff(np.log([100, 200, 400, 800])),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="label"):
        sweep.local_slopes("tanh")


def test_sweep_record_round_trips_through_json():
    import json
    sweep = eq.error_vs_dimension("mixed", [100, 200, 400], {"r": ["relu"] * 3, "t": ["tanh"]}, "ck",
                                  seed=3, repeats=2, mean_scale=0.5)
    back = eq.sweep_from_record(json.loads(json.dumps(eq.sweep_to_record(sweep))))
    for field in ("kind", "case", "n_classes", "p_over_n", "seed", "sizes", "labels", "mean_scale"):
        assert getattr(back, field) == getattr(sweep, field), field
    np.testing.assert_array_equal(back.errors_all, sweep.errors_all)
    np.testing.assert_array_equal(back.errors, sweep.errors)
    np.testing.assert_array_equal(back.seconds, sweep.seconds)
    assert back.fit("t").slope == sweep.fit("t").slope


def _record(**changes):
    rec = {"kind": "ck", "case": "mixed", "n_classes": 2, "p_over_n": 1.0, "seed": 0, "mean_scale": 1.0,
           "sizes": [100, 200, 400], "labels": ["r"], "errors_all": [[[0.2], [0.15], [0.1]]],
           "seconds": [0.1, 0.2, 0.3]}
    rec.update(changes)
    return rec


@pytest.mark.parametrize("changes,match", [
    ({"kind": "cnn"}, r"record\['kind'\]"),
    ({"case": "blobs"}, r"record\['case'\]"),
    ({"sizes": [100, 400, 200]}, r"record\['sizes'\] must be increasing"),
    ({"sizes": [100, -200, 400]}, r"record\['sizes'\]"),
    ({"labels": []}, r"record\['labels'\]"),
    ({"labels": ["r", "r"], "errors_all": [[[0.2], [0.15], [0.1]]] * 2}, r"distinct strings"),
    ({"errors_all": [[0.2, 0.15, 0.1]]}, r"record\['errors_all'\] must have shape"),
    ({"errors_all": [[[0.2], [0.0], [0.1]]]}, r"finite errors > 0"),
    ({"errors_all": [[[0.2], ["x"], [0.1]]]}, r"numeric arrays"),
    ({"seconds": [0.1, 0.2]}, r"record\['seconds'\]"),
    ({"seed": -1}, r"record\['seed'\]"),
])
def test_sweep_from_record_names_the_bad_field(changes, match):
    eq.sweep_from_record(_record())                                    # the unchanged record is valid
    with pytest.raises(ValueError, match=match):
        eq.sweep_from_record(_record(**changes))


def test_sweep_record_refuses_other_types():
    rec = _record()
    del rec["seconds"]
    with pytest.raises(ValueError, match=r"lacks the fields \['seconds'\]"):
        eq.sweep_from_record(rec)
    with pytest.raises(TypeError, match="record must be a mapping"):
        eq.sweep_from_record([1, 2])
    with pytest.raises(TypeError, match="sweep must be an ErrorSweep"):
        eq.sweep_to_record({"sizes": [1]})


def test_read_sweep_record_reads_what_the_benchmark_writes_and_names_a_wrong_file(tmp_path):
    import json
    sweep = eq.error_vs_dimension("mixed", [100, 200], {"ReLU x3": ["relu"] * 3}, "ck", seed=1)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"command": "cmd", "sweep": eq.sweep_to_record(sweep)}))
    back, command = eq.read_sweep_record(good)
    assert command == "cmd"
    np.testing.assert_array_equal(back.errors_all, sweep.errors_all)
    not_json = tmp_path / "notes.txt"
    not_json.write_text("slope -0.6")
    with pytest.raises(ValueError, match="notes.txt is not JSON"):
        eq.read_sweep_record(not_json)
    # another JSON file, e.g. a chapter's results, is not a record
    other = tmp_path / "spectral_gmm.json"
    other.write_text(json.dumps({"relu_ck_slope": -0.67}))
    with pytest.raises(ValueError, match="spectral_gmm.json is not a record of benchmarks/error_rate.py"):
        eq.read_sweep_record(other)
    with pytest.raises(FileNotFoundError):
        eq.read_sweep_record(tmp_path / "absent.json")
    with pytest.raises(ValueError, match=r"path must be a path \(a string or os.PathLike\), got 5"):
        eq.read_sweep_record(5)


# ------------------------------------------------------------------ real data helpers

def test_two_class_matrix_is_normalized_and_sorted():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(60, 4, 4), dtype=np.uint8)
    labels = np.repeat(np.arange(3), 20)
    X, y = eq.two_class_matrix(images, labels, [2, 0], 10, seed=1)
    assert X.shape == (16, 20)
    np.testing.assert_array_equal(y, np.repeat([0, 1], 10))
    assert np.mean(np.sum(X**2, axis=0)) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(X.mean(axis=1), 0.0, atol=1e-12)
    # by hand: the images of class 2 then class 0 (as take_classes draws them), pixels / 255, centred by the
    # global mean, scaled to mean squared norm 1
    chosen, _ = nl.datasets.take_classes(images, labels, [2, 0], 10, seed=1)
    assert set(map(bytes, chosen[:10])) <= set(map(bytes, images[labels == 2]))
    Z = chosen.reshape(20, -1).T / 255.0
    Z = Z - Z.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(X, Z / np.sqrt(np.mean(np.sum(Z * Z, axis=0))), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="classes must hold at least two distinct labels"):
        eq.two_class_matrix(images, labels, [1, 1], 5)
    with pytest.raises(ValueError, match=r"images must be \(N, ...\) .*got shapes \(60,\) and \(60,\)"):
        eq.two_class_matrix(labels, labels, [0, 1], 5)          # images and labels swapped-in: an IndexError before
    with pytest.raises(ValueError, match=r"classes must be a list, got int 3"):
        eq.two_class_matrix(images, labels, 3, 5)


def test_gaussian_twin_has_the_class_means_and_sample_covariances():
    rng = np.random.default_rng(0)
    p, na = 4, 6
    X = np.concatenate([rng.exponential(size=(p, na)), 3 + rng.exponential(size=(p, na))], axis=1)
    y = np.repeat([0, 1], na)
    draws = np.stack([eq.gaussian_twin(X, y, seed=s) for s in range(4000)])   # (N, p, n)
    Xa = X[:, :na]
    mu = Xa.mean(axis=1)
    Om = Xa - mu[:, None]
    cov = Om @ Om.T / (na - 1)
    col = draws[:, :, 0]                                       # one column of class 0 across draws
    se = np.sqrt(np.diag(cov) / draws.shape[0])
    assert np.all(np.abs(col.mean(axis=0) - mu) < 5 * se)
    emp = np.cov(col.T)
    # entrywise SE of a sample covariance ~ sqrt((C_ii C_jj + C_ij^2) / N)
    tol = 5 * np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / draws.shape[0])
    assert np.all(np.abs(emp - cov) < tol)
    np.testing.assert_array_equal(eq.gaussian_twin(X, y, seed=7), eq.gaussian_twin(X, y, seed=7))


def test_isotropic_twin_keeps_means_and_traces():
    rng = np.random.default_rng(1)
    p, na = 300, 400
    scales = np.linspace(0.2, 3.0, p)                          # anisotropic classes with one dominant direction
    scales[0] = 20.0
    X = np.concatenate([scales[:, None] * rng.standard_normal((p, na)),
                        1.0 + 2 * scales[:, None] * rng.standard_normal((p, na))], axis=1)
    y = np.repeat([0, 1], na)
    twin = eq.isotropic_twin(X, y, seed=3)
    for a in (0, 1):
        Xa, Ta = X[:, y == a], twin[:, y == a]
        tr_data = np.sum((Xa - Xa.mean(axis=1, keepdims=True)) ** 2) / (na - 1)
        tr_twin = np.sum((Ta - Ta.mean(axis=1, keepdims=True)) ** 2) / (na - 1)
        # the trace of a sample covariance of p * (na - 1) squared Gaussians: relative SE sqrt(2 / (p (na - 1)))
        assert abs(tr_twin / tr_data - 1) < 5 * math.sqrt(2 / (p * (na - 1)))
        # class means: each coordinate has SE sqrt(tr/p / na)
        assert np.max(np.abs(Ta.mean(axis=1) - Xa.mean(axis=1))) < 5 * math.sqrt(tr_data / p / na)
    # isotropic: the top eigenvalue of the twin's class covariance is at the Marchenko-Pastur edge
    assert np.max(eq.covariance_spikiness(twin, y)) < 1.1 * (1 + math.sqrt(p / (na - 1))) ** 2
    assert np.min(eq.covariance_spikiness(X, y)) > 10 * (1 + math.sqrt(p / (na - 1))) ** 2


def test_covariance_spikiness_isotropic_versus_spiked():
    rng = np.random.default_rng(0)
    p, na = 400, 400
    X = rng.standard_normal((p, 2 * na))
    y = np.repeat([0, 1], na)
    ratio = eq.covariance_spikiness(X, y)
    # Marchenko-Pastur edge (1 + sqrt(p / (n_a - 1)))^2 ~ 4, fluctuations O(n^{-2/3})
    np.testing.assert_allclose(ratio, (1 + math.sqrt(p / (na - 1))) ** 2, rtol=0.08)
    X[0] *= 30                                                  # one direction with 900 x the variance
    assert np.all(eq.covariance_spikiness(X, y) > 100)



def test_norm_spread_within_classes_against_the_gaussian_closed_form():
    """Two Gaussian classes x = (mu_a + z) / sqrt(p), z ~ N(0, diag(c_a)), with different traces:
    Var ||x||^2 = (2 sum_j c_aj^2 + 4 sum_j mu_aj^2 c_aj) / p^2 in each class.  ||x||^2 is a sum of p
    independent terms, nearly Gaussian, so a standard deviation from m samples has standard error
    about sd / sqrt(2 (m - 1)): tolerance 4 of those."""
    rng = np.random.default_rng(5)
    p, na = 400, 3000
    c = [np.linspace(0.5, 1.5, p), np.linspace(1.0, 5.0, p)]          # traces 1 and 3 (per coordinate)
    mu = [np.zeros(p), np.full(p, 0.5)]
    X = np.concatenate([(mu[a][:, None] + np.sqrt(c[a])[:, None] * rng.standard_normal((p, na))) / np.sqrt(p)
                        for a in (0, 1)], axis=1)
    y = np.repeat([0, 1], na)
    var = [(2 * np.sum(c[a] ** 2) + 4 * np.sum(mu[a] ** 2 * c[a])) / p**2 for a in (0, 1)]
    expected = math.sqrt(np.mean(var))                                # equal class sizes
    got = eq.norm_spread_within_classes(X, y)
    assert abs(got - expected) < 4 * expected / math.sqrt(2 * (2 * na - 1))
    # the norms of all samples together spread far more: the classes' mean norms differ by about 2.25
    assert np.std(np.sum(X * X, axis=0)) > 5 * got
    # relabelling the classes does not change it; a class of one sample has no spread
    assert eq.norm_spread_within_classes(X, 1 - y) == pytest.approx(got, rel=1e-12)
    with pytest.raises(ValueError, match="class 1 of y has fewer than 2 samples"):
        eq.norm_spread_within_classes(X[:, :4], np.array([0, 0, 0, 1]))


# ------------------------------------------------------------------ universality

def test_random_rotation_is_orthogonal_and_keeps_the_gram_matrix():
    Q = eq.random_rotation(50, seed=2)
    np.testing.assert_allclose(Q.T @ Q, np.eye(50), atol=1e-12)
    np.testing.assert_array_equal(Q, eq.random_rotation(50, seed=2))
    X = np.random.default_rng(0).standard_normal((50, 7))
    np.testing.assert_allclose((Q @ X).T @ (Q @ X), X.T @ X, atol=1e-10)
    # Haar: the (0, 0) entry has E Q_00^2 = 1/p; averaged over 200 draws the SE is ~ sqrt(2/(p+2)) / p / sqrt(200)
    entries = np.array([eq.random_rotation(50, seed=s)[0, 0] for s in range(200)])
    m = np.mean(entries ** 2)
    assert abs(m - 1 / 50) < 5 * math.sqrt(2 / 52) / 50 / math.sqrt(200)
    # and E Q_00 = 0 (variance 1/p): without the sign fix by diag(R) > 0, QR's convention biases Q_00
    # (its mean over these draws was -0.115 against a standard error of 0.01)
    assert abs(np.mean(entries)) < 5 * math.sqrt(1 / 50 / 200)


def test_weight_law_errors_shape_and_very_sparse_weights_are_far_off():
    d = nl.data.gmm("iid", n=150, p=200, seed=0)
    Kl = nl.kernels.ck_limit(d.X, ["relu"])
    res = eq.weight_law_errors(d.X, ["relu"], [2000], [0.5, 0.995], Kl, seeds=(0, 1))
    assert res.labels == ("gaussian", "ternary eps=0.5", "ternary eps=0.995")
    assert res.errors.shape == (3, 2)
    # eps = 0.995 at p = 200: each neuron sees one input on average, far from Gaussian
    assert res.mean[2] > 2 * res.mean[0]
    # each entry is the error of the net of its law and seed, recomputed here entry by entry; the seeds
    # give different nets, and on these delocalized data sparsity 0.5 keeps the Gaussian CK
    for i, (weights, eps) in enumerate((("gaussian", 0.0), ("ternary", 0.5), ("ternary", 0.995))):
        for j, sd in enumerate((0, 1)):
            Ke = nl.kernels.ck_empirical(d.X, ["relu"], [2000], weights=weights, sparsity=eps, seed=sd)
            assert res.errors[i, j] == pytest.approx(nl.spectra.relative_error(Ke, Kl), rel=1e-12)
        assert res.errors[i, 0] != res.errors[i, 1]
    np.testing.assert_array_equal(res.sparsities[1:], [0.5, 0.995])
    # over seeds 0-9: 0.269 +- 0.007 (Gaussian) and 0.274 +- 0.021 (0.5); the ratio of two-seed means ranged
    # 0.95-1.14 over disjoint pairs (standard deviation about 0.06), so 1.25 sits about four above 1.02
    assert res.mean[1] <= 1.25 * res.mean[0]
    with pytest.raises(ValueError, match="sparsities"):
        eq.weight_law_errors(d.X, ["relu"], [100], [1.0], Kl)
    with pytest.raises(ValueError, match="K_ref"):
        eq.weight_law_errors(d.X, ["relu"], [100], [0.5], Kl[:10, :10])


def test_html_table_formats_numbers_escapes_and_checks_rows():
    out = eq.html_table(["a", "b<c"], [("x", 0.123456), ("y&z", float("inf"))], digits=3)
    out = out.replace(' style="padding: 0.15em 0.8em"', "")
    assert out == ("<table><thead><tr><th>a</th><th>b&lt;c</th></tr></thead><tbody>"
                   "<tr><td>x</td><td>0.123</td></tr><tr><td>y&amp;z</td><td>inf</td></tr></tbody></table>")
    with pytest.raises(ValueError, match="row"):
        eq.html_table(["a", "b"], [("x",)])
    for digits in (0, -1, 1.5):     # str.format's own errors ("Format specifier missing precision") named nothing
        with pytest.raises(ValueError, match=r"digits must be a positive integer \(>= 1\)"):
            eq.html_table(["a"], [(0.5,)], digits=digits)


def test_error_vs_dimension_mean_scale_and_draw_slopes():
    nets = {"relu": ["relu"] * 2}
    # scale 0 removes the means and keeps the same noise: 'mixed' becomes 'var' exactly
    no_means = eq.error_vs_dimension("mixed", [120, 240], nets, seed=3, repeats=2, mean_scale=0.0)
    var = eq.error_vs_dimension("var", [120, 240], nets, seed=3, repeats=2)
    np.testing.assert_array_equal(no_means.errors_all, var.errors_all)
    assert no_means.mean_scale == 0.0 and var.mean_scale == 1.0
    # scale 1 is the paper's mixture; scale 0.5 recomputed by hand from data with halved means
    full = eq.error_vs_dimension("mixed", [120, 240], nets, seed=3, repeats=2)
    default = eq.error_vs_dimension("mixed", [120, 240], nets, seed=3, repeats=2, mean_scale=1.0)
    np.testing.assert_array_equal(full.errors_all, default.errors_all)
    half = eq.error_vs_dimension("mixed", [120, 240], nets, seed=3, repeats=2, mean_scale=0.5)
    means, covs = nl.data.case_parameters("mixed", 240, 2)
    d = nl.data.gmm(n=240, p=240, means=0.5 * means, covs=covs, seed=eq.derived_seed(3, 240, 1))
    ref = nl.spectra.relative_error(nl.kernels.ck_tilde(d.X, d.y, nets["relu"], means=d.means, covs=d.covs),
                                    nl.kernels.ck_limit(d.X, nets["relu"]))
    assert half.errors_all[0, 1, 1] == pytest.approx(ref, rel=1e-10)
    assert not np.allclose(half.errors_all, full.errors_all)
    # per-draw slopes: each repeat's own least-squares line
    slopes = full.draw_slopes("relu")
    assert slopes.shape == (2,)
    for r in range(2):
        e = full.errors_all[0, :, r]
        assert slopes[r] == pytest.approx(np.log(e[1] / e[0]) / np.log(2.0), rel=1e-12)
    with pytest.raises(ValueError, match="label"):
        full.draw_slopes("tanh")
    for bad in (-0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="mean_scale"):
            eq.error_vs_dimension("mixed", [50, 100], nets, mean_scale=bad)


def test_matched_step_names_moments_no_finite_step_reaches():
    """poly2 (0, 0.05, 1) at tau = 1 needs s/tau = tau d2/d1 = 40, where phi underflows: before, a division by
    zero and an error about non-finite thresholds."""
    act = nl.activations.get("poly2", coefficients=(0.0, 0.05, 1.0))
    with pytest.raises(ValueError, match=r"need a step at s/tau = 40 .*cannot match d1 = 0\.05 and d2 = 2"):
        eq.matched_step(act, 1.0)
    # within reach the step matches d1 and d2, against the closed form written out here
    step = eq.matched_step(nl.activations.get("poly2", coefficients=(0.0, 1.0, 0.5)), 1.0)
    s = 1.0 * 1.0 / 1.0                                  # tau^2 d2 / d1 with d2 = 2 c2 = 1, d1 = c1 = 1
    b = 1.0 / (math.exp(-0.5 * s * s) / math.sqrt(2 * math.pi))
    m = nl.activations.moments(step, 1.0)
    assert float(m.d1) == pytest.approx(b * math.exp(-0.5 * s * s) / math.sqrt(2 * math.pi), rel=1e-12)
    assert float(m.d2) == pytest.approx(1.0, rel=1e-12)
