"""Gaussian-mixture sampling, mixture statistics and normalization."""
import math
from dataclasses import replace

import numpy as np
import pytest

import ntklc_lib as nl


def test_gmm_shapes_classes_and_determinism():
    d = nl.data.gmm("mixed", n=301, p=100, n_classes=3, proportions=[1, 2, 3], seed=4)
    assert d.X.shape == (100, 301) and d.y.shape == (301,)
    assert np.bincount(d.y).tolist() == [50, 100, 151]
    assert d.means.shape == (3, 100) and d.covs.shape == (3, 100) and d.covs_diagonal
    again = nl.data.gmm("mixed", n=301, p=100, n_classes=3, proportions=[1, 2, 3], seed=4)
    np.testing.assert_array_equal(d.X, again.X)
    assert not np.array_equal(d.X, nl.data.gmm("mixed", n=301, p=100, n_classes=3, proportions=[1, 2, 3], seed=5).X)


def test_cases_follow_theory():
    p = 400
    means, covs = nl.data.case_parameters("mixed", p, 3)
    assert means[1, 8] == 8 and means[2, 16] == 8 and np.count_nonzero(means) == 3
    np.testing.assert_allclose(covs[:, 0], 1 + 8 * np.arange(3) / np.sqrt(p))
    means, covs = nl.data.case_parameters("means", p, 2)
    assert means[0, 0] == 4 and means[1, 1] == 4 and np.all(covs == 1)


def test_sample_moments_match_the_model():
    d = nl.data.gmm("var", n=20000, p=50, n_classes=2, seed=0)
    Z = d.X * np.sqrt(d.p)
    for a in range(2):
        za = Z[:, d.y == a]
        # per-coordinate variance estimates: standard error sqrt(2/n_a) of the value each, so their mean over
        # the p independent coordinates has sqrt(2/(n_a p)) (0.002 here); 5 of them
        n_a = za.shape[1]
        assert za.var(axis=1).mean() == pytest.approx(d.covs[a].mean(), rel=5 * np.sqrt(2 / (n_a * d.p)))
        assert np.abs(za.mean(axis=1)).max() < 5 * np.sqrt(d.covs[a].max() / za.shape[1])


def test_full_covariance_custom_mixture():
    rng = np.random.default_rng(0)
    p = 6
    B = rng.standard_normal((p, p))
    C = B @ B.T / p + np.eye(p)
    d = nl.data.gmm("custom", n=40000, p=p, means=np.zeros((1, p)), covs=C[None], seed=2)
    Z = d.X * np.sqrt(p)
    np.testing.assert_allclose(np.cov(Z), C, atol=0.05)


def test_model_stats_with_full_covariances_equal_those_of_the_diagonal_ones_rotated():
    # C_a = Q diag(c_a) Q^T: tr C_a, tr C_a C_b and psi_i = ||x_i - mu_a / sqrt(p)||^2 - tr C_a / p are
    # the same as for diag(c_a), so the (K, p, p) branch must give the diagonal branch's statistics
    p, K = 40, 3
    rng = np.random.default_rng(8)
    diag = rng.uniform(0.5, 2.0, (K, p))
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    full = np.stack([Q @ np.diag(c) @ Q.T for c in diag])
    means = rng.standard_normal((K, p)) * 3
    d = nl.data.gmm(n=90, p=p, seed=1, means=means, covs=full)
    a = nl.data.mixture_stats(d.X, d.y, means, diag)
    b = nl.data.mixture_stats(d.X, d.y, means, full)
    for field in ("tau0_model", "t", "T", "psi", "trC"):
        np.testing.assert_allclose(getattr(b, field), getattr(a, field), rtol=1e-12, atol=1e-12, err_msg=field)
    # and T by its definition, tr(C_a C_b) / p
    T = np.array([[np.trace(full[i] @ full[j]) / p for j in range(K)] for i in range(K)])
    np.testing.assert_allclose(b.T, T, rtol=1e-12)


def test_estimated_stats_agree_with_model_stats():
    d = nl.data.gmm("mixed", n=4000, p=800, seed=1)
    est = nl.data.mixture_stats(d.X, d.y)
    mod = nl.data.mixture_stats(d.X, d.y, means=d.means, covs=d.covs)
    # t = O(1): estimation error ~ sqrt(p) * sqrt(2/(n_a p)) ~ 0.03
    np.testing.assert_allclose(est.t, mod.t, atol=0.15)
    # the unbiased T estimator: relative error of a few percent
    np.testing.assert_allclose(est.T, mod.T, rtol=0.05)
    assert np.corrcoef(est.psi, mod.psi)[0, 1] > 0.99
    # psi_i = ||omega_i||^2 - tr(C_a)/p is O(sqrt(2 T_aa / p)) ~ 0.05 here.  The estimate centres with the
    # class mean, omega_i - mean_a: that adds -(2/n_a) sum_j omega_i.omega_j, SD 2 sqrt(T_aa / (n_a p)),
    # and a class-wide error in tr(C_a)/p, SD sqrt(2 T_aa / (n_a p)); in all se_a = sqrt(6 T_aa / (n_a p)):
    # 1.9e-3 and 2.5e-3 (measured at seeds 0-3: within-class SD 1.6e-3 / 2.0e-3, class offsets <= 2.3e-3,
    # largest |difference| 3.84 se_a).  5 se_a over 4000 entries: P(any exceeds) ~ 2e-3 for Gaussian errors
    counts = np.bincount(d.y)
    se = np.sqrt(6 * np.diag(mod.T) / (counts * d.p))
    np.testing.assert_array_less(np.abs(est.psi - mod.psi), 5 * se[d.y])
    assert est.tau0 == mod.tau0
    assert mod.tau0_model == pytest.approx(np.sqrt(np.mean(d.covs)), rel=1e-12)


def test_model_stats_weight_classes_by_their_proportions():
    """THEORY.md section 1: C° = sum_a (n_a / n) C_a, t_a = tr(C_a - C°)/sqrt(p), T_ab = tr(C_a C_b)/p.  For
    'mixed', tr(C_a)/p = 1 + 8a/sqrt(p), so t_a = 8 (a - sum_b pi_b b) and tau0_model^2 = sum_a pi_a (1 + 8a/sqrt(p));
    unbalanced classes tell the proportion-weighted C° from the plain average."""
    p = 400
    d = nl.data.gmm("mixed", n=600, p=p, n_classes=3, proportions=[1 / 6, 2 / 6, 3 / 6], seed=2)
    pi = np.bincount(d.y) / d.y.size
    np.testing.assert_allclose(pi, [1 / 6, 2 / 6, 3 / 6])
    mod = nl.data.mixture_stats(d.X, d.y, means=d.means, covs=d.covs)
    a = np.arange(3)
    np.testing.assert_allclose(mod.t, 8 * (a - pi @ a), rtol=1e-12)          # (-10.67, -2.67, 5.33)
    assert mod.tau0_model == pytest.approx(math.sqrt(pi @ (1 + 8 * a / math.sqrt(p))), rel=1e-12)
    s = 1 + 8 * a / math.sqrt(p)
    np.testing.assert_allclose(mod.T, np.outer(s, s), rtol=1e-12)
    # the estimates weigh the classes the same way (t = O(1), error ~ 8 sqrt(2 / n_a) / sqrt(p) per class)
    est = nl.data.mixture_stats(d.X, d.y)
    np.testing.assert_allclose(est.t, 8 * (a - pi @ a), atol=0.3)


def test_estimated_psi_is_unbiased_for_small_classes():
    """psi_i estimates ||omega_i||^2 - tr(C_a)/p with the class mean and tr(C_a) estimated from n_a samples;
    |omega_i - mean_a|^2 underestimates ||omega_i||^2 by tr(C_a)/(p n_a) on average, which the estimate
    corrects.  Monte Carlo over draws: the class averages of (estimated - model) psi have mean 0 within 5
    standard errors; without the correction they would be -tr(C_a)/(p n_a), 0.05 and 0.08 (about 30 standard errors)."""
    R, n, p = 200, 40, 200
    diffs = np.empty((R, 2))
    for r in range(R):
        d = nl.data.gmm("mixed", n=n, p=p, seed=100 + r)
        est = nl.data.mixture_stats(d.X, d.y)
        mod = nl.data.mixture_stats(d.X, d.y, means=d.means, covs=d.covs)
        diffs[r] = [np.mean((est.psi - mod.psi)[d.y == a]) for a in range(2)]
    mean, se = diffs.mean(axis=0), diffs.std(axis=0, ddof=1) / math.sqrt(R)
    assert np.all(np.abs(mean) < 5 * se), (mean, se)
    bias_uncorrected = mod.trC / 20
    assert np.all(bias_uncorrected > 20 * se)         # the test can see the bias it guards against


def test_normalize_gives_unit_mean_squared_norm():
    rng = np.random.default_rng(0)
    X = 3 + 5 * rng.standard_normal((30, 200))
    Xn = nl.data.normalize(X)
    assert np.mean(np.sum(Xn**2, axis=0)) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(Xn.mean(axis=1), 0, atol=1e-12)
    # normalization does not depend on the units: huge ones used to overflow and give all zeros
    np.testing.assert_allclose(nl.data.normalize(X * 1e200), Xn, rtol=1e-12, atol=1e-14)


def test_tau0_is_the_root_mean_squared_column_norm():
    # independent of the implementation: tr(X^T X)/n is the mean squared column norm
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 7)) * np.arange(1, 8)
    assert nl.data.tau0(X) == pytest.approx(np.sqrt(np.trace(X.T @ X) / 7), rel=1e-13)
    # the model's scale: (mu + z)/sqrt(p) with ||mu|| = 0 and C = I has tau0 -> 1
    d = nl.data.gmm("iid", n=2000, p=500, seed=3)
    assert nl.data.tau0(d.X) == pytest.approx(1.0, abs=5 * np.sqrt(2 / 500 / 2000))
    assert nl.data.mixture_stats(d.X, d.y).tau0 == nl.data.tau0(d.X)
    with pytest.raises(ValueError, match="X contains 1 non-finite"):
        nl.data.tau0(np.array([[1.0, np.inf]]))
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        nl.data.tau0(np.ones(3))
    # a scale of 0 or one that overflows is the data's fault, and the error says so
    with pytest.raises(ValueError, match=r"X has data scale tau_0 = .* = 0.0: every entry is 0"):
        nl.data.tau0(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"X has data scale tau_0 = .* = inf: its squared norms overflow"):
        nl.data.tau0(d.X[:, :20] * 1e160)
    with pytest.raises(ValueError, match=r"X has data scale tau_0 .* = inf"):
        nl.kernels.ck_limit(d.X[:, :20] * 1e160, ["relu"])


def test_bad_input_is_rejected_clearly():
    d = nl.data.gmm("iid", n=20, p=5, seed=0)
    X = d.X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        nl.data.mixture_stats(X, d.y)
    with pytest.raises(ValueError, match="one label per column"):
        nl.data.mixture_stats(d.X, d.y[:-1])
    y = d.y.copy()
    y[y == 0] = 2
    with pytest.raises(ValueError, match=r"class\(es\) \[0\]"):
        nl.data.mixture_stats(d.X, y)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        nl.data.gmm("mixed", n=-5, p=10)
    with pytest.raises(ValueError, match="case must be one of"):
        nl.data.gmm("mixd", n=5, p=10)
    with pytest.raises(ValueError, match="would be empty"):
        nl.data.gmm("mixed", n=2, p=30, n_classes=3)


def test_bad_model_parameters_are_rejected_clearly():
    d = nl.data.gmm("mixed", n=40, p=30, seed=0)
    for bad, msg in [(d.covs * np.nan, "non-finite"), (d.covs * np.inf, "non-finite"), (-d.covs, r"must be >= 0")]:
        with pytest.raises(ValueError, match=msg):
            nl.data.mixture_stats(d.X, d.y, means=d.means, covs=bad)
        with pytest.raises(ValueError, match=msg):
            nl.data.gmm(n=40, p=30, means=d.means, covs=bad)
    full = np.stack([np.diag(c) for c in d.covs])
    skew = full.copy()
    skew[0, 0, 1] = 0.5
    with pytest.raises(ValueError, match=r"covs\[0\] must be symmetric"):
        nl.data.gmm(n=40, p=30, means=d.means, covs=skew)
    indefinite = full.copy()
    indefinite[1, 0, 0] = -1.0
    with pytest.raises(ValueError, match=r"covs\[1\] must be positive semi-definite"):
        nl.data.mixture_stats(d.X, d.y, means=d.means, covs=indefinite)
    with pytest.raises(ValueError, match=r"means must have shape \(K, p\) = \(K, 30\), one row per class, got \(30, 2\)"):
        nl.data.mixture_stats(d.X, d.y, means=d.means.T, covs=d.covs)
    with pytest.raises(ValueError, match=r"labels y must lie in 0..1 \(one class per row of means\), got a label 2"):
        nl.data.mixture_stats(d.X, np.minimum(np.arange(40) // 13, 2), means=d.means, covs=d.covs)
    for seed in (None, -1, 1.5, "3", True):
        with pytest.raises(ValueError, match="seed must be an integer >= 0"):
            nl.data.gmm(n=10, p=5, seed=seed)
    with pytest.raises(ValueError, match="case 'iid' has its own means and covariances"):
        nl.data.gmm("iid", n=40, p=30, means=d.means, covs=d.covs)
    with pytest.raises(ValueError, match="n_classes = 3 differs from the 2 rows of means"):
        nl.data.gmm(n=40, p=30, n_classes=3, means=d.means, covs=d.covs)
    assert nl.data.gmm(n=40, p=30, seed=2).case == "mixed" and nl.data.gmm(n=40, p=30, seed=2).n_classes == 2
    with pytest.raises(ValueError, match="proportions must have n_classes = 2 entries"):
        nl.data.gmm(n=10, p=20, proportions=0.5)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        nl.data.class_sizes(-5, [1, 1])
    with pytest.raises(ValueError, match="p must be a positive integer"):
        nl.data.case_parameters("iid", 0, 2)


def test_singular_full_covariance_is_sampled_with_the_right_covariance():
    # rank-1 covariance: Cholesky fails, the symmetric square root must still give cov = C
    p = 6
    v = np.arange(1.0, p + 1) / np.sqrt(91.0)
    C = np.outer(v, v) * p
    d = nl.data.gmm(n=20000, p=p, n_classes=1, means=np.zeros((1, p)), covs=C[None], seed=1)
    Z = d.X * np.sqrt(p)
    emp = Z @ Z.T / d.n
    # entries of the sample covariance have standard error sqrt((C_ii C_jj + C_ij^2)/n)
    se = np.sqrt((np.outer(np.diag(C), np.diag(C)) + C**2) / d.n)
    assert np.all(np.abs(emp - C) < 5 * se + 1e-12)



def test_estimated_T_is_unbiased_monte_carlo():
    # small classes (n_a = 40, p = 400), where squared inner products of centred samples were biased
    # by p (tr C_a / p)^2 / (n_a - 1)^2 ~ 0.26 on T_aa; the mean over 200 draws must be within 4
    # standard errors of the model's T
    draws = [nl.data.gmm("mixed", n=80, p=400, seed=s) for s in range(200)]
    est = np.array([nl.data.mixture_stats(d.X, d.y).T for d in draws])
    true = nl.data.mixture_stats(draws[0].X, draws[0].y, means=draws[0].means, covs=draws[0].covs).T
    se = est.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(est.mean(axis=0) - true) < 4 * se), (est.mean(axis=0), true, se)
    assert np.all(se < 0.02)


def test_psi_spread_matches_direct_simulation_of_norms():
    # non-isotropic diagonal covariances, three unequal classes: the prediction sqrt(2 sum_a (n_a/n) T_aa / p)
    # against the spread of ||z||^2/p - tr(C_a)/p simulated directly (not through mixture_stats), within
    # four standard errors of the simulated spread
    rng = np.random.default_rng(7)
    p, sizes = 60, np.array([2000, 3000, 5000])
    covs = rng.uniform(0.3, 3.0, size=(3, p))
    psi_direct = np.concatenate([
        np.sum(rng.standard_normal((m, p)) ** 2 * covs[a], axis=1) / p - covs[a].mean()
        for a, m in enumerate(sizes)])
    var_by_hand = sizes @ (2 * np.sum(covs ** 2, axis=1) / p ** 2) / sizes.sum()
    se_direct = psi_direct.std() * np.sqrt((np.mean((psi_direct - psi_direct.mean()) ** 4)
                                            / psi_direct.var() ** 2 - 1) / (4 * psi_direct.size))
    assert abs(psi_direct.std() - np.sqrt(var_by_hand)) < 4 * se_direct

    d = nl.data.gmm("custom", n=int(sizes.sum()), p=p, means=np.zeros((3, p)), covs=covs,
                    proportions=sizes, seed=3)
    s = nl.data.psi_spread(nl.data.mixture_stats(d.X, d.y, means=d.means, covs=d.covs))
    assert s.predicted == pytest.approx(np.sqrt(var_by_hand), rel=1e-12)
    assert abs(s.z) < 4 and s.se == pytest.approx(se_direct, rel=0.1)
    # estimated statistics predict the same spread, up to the estimation error of T
    est = nl.data.psi_spread(nl.data.mixture_stats(d.X, d.y))
    assert est.predicted == pytest.approx(s.predicted, rel=0.02) and abs(est.z) < 4


def test_psi_spread_identity_covariance_is_chi_square():
    # C = I: p psi_i = chi2_p - p, so the prediction is exactly sqrt(2/p)
    d = nl.data.gmm("iid", n=4000, p=100, n_classes=2, seed=1)
    s = nl.data.psi_spread(nl.data.mixture_stats(d.X, d.y, means=d.means, covs=d.covs))
    assert s.predicted == pytest.approx(np.sqrt(2 / 100), rel=1e-12)
    assert abs(s.z) < 4
    # a model 25 % off in tr(C^2) (12 % in the spread) is told apart at this n
    wrong = nl.data.psi_spread(nl.data.mixture_stats(d.X, d.y, means=d.means, covs=d.covs),
                               T=1.25 * np.eye(2))
    assert wrong.z < -4


def test_psi_spread_rejects_bad_input():
    d = nl.data.gmm("mixed", n=200, p=50, n_classes=2, seed=0)
    stats = nl.data.mixture_stats(d.X, d.y)
    with pytest.raises(ValueError, match=r"T must be \(K, K\) = \(2, 2\)"):
        nl.data.psi_spread(stats, T=np.eye(3))
    with pytest.raises(ValueError, match="T contains 1 non-finite"):
        nl.data.psi_spread(stats, T=np.array([[1.0, 0.0], [0.0, np.nan]]))
    with pytest.raises(ValueError, match="T's diagonal"):
        nl.data.psi_spread(stats, T=-np.eye(2))
    with pytest.raises(ValueError, match="stats.p is None"):
        nl.data.psi_spread(replace(stats, p=None))
    with pytest.raises(TypeError, match="stats must be a MixtureStats .*got ndarray"):
        nl.data.psi_spread(stats.psi)


def test_class_means_removed_against_bincount_means():
    """Each class mean, from per-class sums by bincount (independent of the loop in the library), is
    subtracted from its samples; the result has zero class means and keeps the within-class scatter."""
    d = nl.data.gmm("mixed", n=300, p=40, seed=2)
    out = nl.data.class_means_removed(d.X, d.y)
    counts = np.bincount(d.y)
    sums = np.stack([np.bincount(d.y, weights=row) for row in d.X])      # (p, K)
    expected = d.X - (sums / counts)[:, d.y]
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    for a in range(len(counts)):
        np.testing.assert_allclose(out[:, d.y == a].mean(axis=1), 0.0, atol=1e-12)
    # labels that skip a class are fine; a mismatched y is refused by name
    y_gap = np.where(d.y == 1, 2, d.y)
    np.testing.assert_allclose(nl.data.class_means_removed(d.X, y_gap), expected, atol=1e-12)
    with pytest.raises(ValueError, match=r"y must have one label per column of X"):
        nl.data.class_means_removed(d.X, d.y[:-1])


@pytest.mark.parametrize("scale", [1e-300, 1e-160, 1e-120, 1e120, 1e300])
def test_scale_of_tiny_and_huge_data(scale):
    """Normalizing is scale-free: X and X * scale give the same normalized data and tau0 / fitted scale
    in proportion (to 1e-14).  Squares of entries near 1e-160 are subnormal (they lost 4e-5 of tau0) and
    near 1e-200 underflow to 0 ("every entry is 0", "zero variance"); beyond 1e154 they overflow, which
    normalize and fit_normalizer handle and tau0 reports."""
    X = nl.data.gmm("mixed", n=20, p=30, seed=0).X
    Y = X * scale
    np.testing.assert_allclose(nl.data.normalize(Y), nl.data.normalize(X), rtol=0, atol=1e-14)
    if scale < 1e150:
        # beyond, the squared norms overflow, which tau0 reports (the kernels square X too)
        assert nl.data.tau0(Y) / scale == pytest.approx(nl.data.tau0(X), rel=1e-14)
    fitted = nl.preprocess.fit_normalizer(Y)
    assert fitted.scale / scale == pytest.approx(nl.preprocess.fit_normalizer(X).scale, rel=1e-14)
    np.testing.assert_allclose(nl.preprocess.apply(fitted, Y), nl.data.normalize(X), rtol=0, atol=1e-14)
    # rms_column_norm, public, measures in proportion too; it gave nan for NaN data and took a list by
    # .size (AttributeError)
    assert nl.data.rms_column_norm(Y) / scale == pytest.approx(math.sqrt(np.mean(np.sum(X * X, axis=0))), rel=1e-13)


def test_rms_column_norm_checks_its_input():
    assert nl.data.rms_column_norm([[3.0, 0.0], [4.0, 0.0]]) == pytest.approx(math.sqrt(25 / 2), rel=1e-15)
    assert nl.data.rms_column_norm(np.zeros((3, 2))) == 0.0
    for bad, match in ((np.array([[1.0, np.nan]]), "X contains 1 non-finite"), (np.ones((2, 2, 2)), "X must be a 2-D"),
                       (np.zeros((3, 0)), "X must not be empty")):
        with pytest.raises(ValueError, match=match):
            nl.data.rms_column_norm(bad)


@pytest.mark.parametrize("full", [False, True])
def test_squared_norm_moments_against_monte_carlo(full):
    """Mean and variance of ||x_i||^2 per class against the sample moments of 20 000 draws per class
    (independent of the formula): the mean within 5 standard errors; the variance within 5 standard
    errors of the sample variance (SE from the fourth moment).  The cross term 4 mu^T C mu / p^2 is half
    the variance or more here (p = 60; a quarter at p = 400), so a formula without it fails."""
    p, K = 60, 2
    means, covs = nl.data.case_parameters("mixed", p, K)
    if full:
        rng = np.random.default_rng(1)
        Q = np.linalg.qr(rng.standard_normal((p, p)))[0]
        covs = np.stack([Q @ np.diag(c) @ Q.T for c in covs])
    m = nl.data.squared_norm_moments(means, covs)
    d = nl.data.gmm("custom", n=40_000, p=p, means=means, covs=covs, seed=3)
    sq = np.sum(d.X * d.X, axis=0)
    for a in range(K):
        v = sq[d.y == a]
        se_mean = v.std(ddof=1) / math.sqrt(v.size)
        c = v - v.mean()
        se_var = math.sqrt((np.mean(c**4) - v.var() ** 2) / v.size)
        assert abs(v.mean() - m.mean[a]) < 5 * se_mean, a
        assert abs(v.var(ddof=1) - m.var[a]) < 5 * se_var, a
        assert m.var_cross[a] > 10 * se_var


def test_stats_spread_against_chi_square_closed_forms():
    """The iid case (x = z / sqrt(p), z ~ N(0, I_p), K = 2 equal classes of m samples): n tau0^2 p is
    chi-square with n p degrees of freedom, so sd(tau0) = sqrt(2 / (n p)) / 2 to first order; tr(C_a)/p
    is estimated from p (m - 1) squared centred coordinates, so t_1 = sqrt(p) (trC_1 - trC_0) / 2 has
    sd 1 / sqrt(m - 1).  Over 400 draws the sample standard deviation errs by about 1 / sqrt(800) = 3.5 %;
    tolerance 12 %."""
    n, p = 200, 100
    spread = nl.data.stats_spread("iid", n, p, 2, range(400))
    assert spread.draws == 400 and spread.t.shape == (2,) and spread.T.shape == (2, 2)
    assert spread.tau0 == pytest.approx(np.sqrt(2 / (n * p)) / 2, rel=0.12)
    np.testing.assert_allclose(spread.t, 1 / np.sqrt(n // 2 - 1), rtol=0.12)
    # t sums to 0 over equal classes: both entries move together
    assert spread.t[0] == pytest.approx(spread.t[1], rel=1e-9)
    assert np.all(spread.T > 0)


def test_stats_spread_needs_two_distinct_seeds():
    for seeds in ([3], [3, 3], 5):
        with pytest.raises(ValueError, match="seeds"):
            nl.data.stats_spread("iid", 40, 20, 2, seeds)


@pytest.mark.parametrize("covs, match", [
    # before: the imaginary part was dropped with a mere ComplexWarning, and the sample drawn
    (np.ones((1, 3)) * (1 + 1j), r"covs must be real, got complex"),
    ([["a", "b", "c"]], r"covs must be an array of real numbers"),
    ([[1, 2], [3]], r"covs must have shape \(1, 3\) \(diagonals\) or \(1, 3, 3\), got a ragged list"),
])
def test_gmm_names_covs_that_are_not_real_arrays(covs, match):
    with pytest.raises(ValueError, match=match):
        nl.data.gmm(n=10, p=3, means=np.zeros((1, 3)), covs=covs)
