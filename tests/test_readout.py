"""Readouts: ridge against an independent dual solve, lambda selection against a brute-force loop,
cross-entropy against its optimality condition and scipy."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import optimize, special

import ntklc_lib as nl
from ntklc_lib import readout


def toy(d=30, n=200, K=3, seed=0, sep=1.5):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, n)
    means = rng.standard_normal((d, K)) * sep
    F = means[:, y] + rng.standard_normal((d, n)) + 0.7          # non-zero mean: the standardization matters
    return F, y


def standardized(F):
    m = F.mean(axis=1)
    Fc = F - m[:, None]
    c = np.sqrt(np.mean(np.sum(Fc * Fc, axis=0)))
    return Fc / c, m, c


def dual_ridge_scores(F, y, K, lam, shift, F_new):
    """Independent: kernel ridge in dual form, (G^T G + shift/c^2 I + n lam I)^{-1} on centred targets."""
    G, m, c = standardized(F)
    n = F.shape[1]
    Y = np.eye(K)[y]
    ybar = Y.mean(axis=0)
    alpha = np.linalg.solve(G.T @ G + (shift / c**2 + n * lam) * np.eye(n), Y - ybar)
    return ((F_new - m[:, None]) / c).T @ (G @ alpha) + ybar


@pytest.mark.parametrize("d, n", [(30, 200), (120, 60)])       # primal (d <= n) and dual (d > n) paths
@pytest.mark.parametrize("shift", [0.0, 5.0])
def test_ridge_fit_matches_an_independent_dual_solve(d, n, shift):
    F, y = toy(d, n)
    F_new, _ = toy(d, 40, seed=1)
    r = readout.ridge_fit(F, y, lam=1e-2, gram_shift=shift)
    want = dual_ridge_scores(F, y, 3, 1e-2, shift, F_new)
    # parameters are stored in float32: agreement to float32 precision
    np.testing.assert_allclose(readout.scores(r, F_new), want, rtol=0, atol=2e-6 * np.abs(want).max())


def test_gram_shift_acts_as_a_floor_on_lambda():
    F, y = toy()
    n = F.shape[1]
    _, _, c = standardized(F)
    a = readout.ridge_fit(F, y, lam=1e-3, gram_shift=2.0)
    b = readout.ridge_fit(F, y, lam=1e-3 + 2.0 / (n * c**2))
    np.testing.assert_allclose(a.weight, b.weight, rtol=1e-5, atol=1e-7)


def test_ridge_selection_equals_a_brute_force_loop():
    F, y = toy(d=25, n=300, sep=0.6, seed=3)
    grid = np.logspace(-4, 1, 8)
    r = readout.ridge(F, y, lams=grid, val_fraction=0.25, seed=11)
    perm = np.random.default_rng(11).permutation(300)        # documented split: first 25 % are validation
    val, fit = np.sort(perm[:75]), np.sort(perm[75:])
    accs = np.array([readout.accuracy(readout.ridge_fit(F[:, fit], y[fit], lam, n_classes=3), F[:, val], y[val])
                     for lam in grid])
    np.testing.assert_allclose(r.val_accuracy, accs)
    best = grid[np.flatnonzero(accs == accs.max())].max()
    assert r.penalty == best
    final = readout.ridge_fit(F, y, best)
    np.testing.assert_allclose(r.weight, final.weight, rtol=1e-5, atol=1e-7)


def test_ridge_selection_with_a_gram_shift_equals_a_brute_force_loop():
    # the shift enters the choice of lambda too (3000 / (n c^2) is comparable to the grid here)
    F, y = toy(d=25, n=300, sep=0.6, seed=3)
    grid, shift = np.logspace(-4, 1, 8), 3000.0
    r = readout.ridge(F, y, lams=grid, val_fraction=0.25, seed=11, gram_shift=shift)
    perm = np.random.default_rng(11).permutation(300)
    val, fit = np.sort(perm[:75]), np.sort(perm[75:])
    accs = np.array([readout.accuracy(readout.ridge_fit(F[:, fit], y[fit], lam, gram_shift=shift, n_classes=3),
                                      F[:, val], y[val]) for lam in grid])
    np.testing.assert_allclose(r.val_accuracy, accs)
    # the shift changes the validation accuracies, so a selection that dropped it would be seen
    plain = readout.ridge(F, y, lams=grid, val_fraction=0.25, seed=11)
    assert not np.array_equal(plain.val_accuracy, accs)
    best = grid[np.flatnonzero(accs == accs.max())].max()
    assert r.penalty == best
    np.testing.assert_allclose(r.weight, readout.ridge_fit(F, y, best, gram_shift=shift).weight, rtol=1e-5,
                               atol=1e-7)


def test_ties_in_validation_accuracy_go_to_the_largest_penalty():
    # well-separated classes: several penalties classify every validation sample alike
    F, y = toy(d=30, n=200, sep=4.5, seed=0)
    grid = np.logspace(-4, 1, 8)
    r = readout.ridge(F, y, lams=grid, seed=0)
    ties = grid[r.val_accuracy == r.val_accuracy.max()]
    assert ties.size >= 2 and r.penalty == ties.max()
    wds = np.array([1e-4, 1e-3, 1e-2])
    c = readout.cross_entropy(F, y, weight_decays=wds, seed=0, max_iter=200)
    ties = wds[c.val_accuracy == c.val_accuracy.max()]
    assert ties.size >= 2 and c.penalty == ties.max()


def test_ridge_separates_a_gaussian_mixture():
    g = nl.data.gmm("means", n=600, p=100, n_classes=3, seed=0)
    r = readout.ridge(g.X[:, ::2], g.y[::2], seed=0)
    assert readout.accuracy(r, g.X[:, 1::2], g.y[1::2]) > 0.95


def ce_objective(theta, G, y, K, wd):
    d = G.shape[0]
    W, b = theta[: d * K].reshape(d, K), theta[d * K:]
    Z = G.T @ W + b
    loss = np.mean(special.logsumexp(Z, axis=1) - Z[np.arange(y.size), y]) + 0.5 * wd * np.sum(W * W)
    P = special.softmax(Z, axis=1)
    P[np.arange(y.size), y] -= 1
    grad = np.concatenate([(G @ P / y.size + wd * W).ravel(), P.mean(axis=0)])
    return loss, grad


def test_cross_entropy_fit_is_a_stationary_point_and_matches_scipy():
    F, y = toy(d=12, n=150, sep=0.8)
    wd = 1e-2
    r = readout.cross_entropy_fit(F, y, weight_decay=wd, max_iter=500)
    G, _, _ = standardized(F)
    theta = np.concatenate([r.weight.astype(np.float64).ravel(), r.bias.astype(np.float64)])
    loss, grad = ce_objective(theta, G, y, 3, wd)
    assert np.abs(grad).max() < 1e-5                         # float32 storage limits this
    ref = optimize.minimize(ce_objective, np.zeros_like(theta), args=(G, y, 3, wd), jac=True, method="L-BFGS-B",
                            options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 5000})
    assert loss == pytest.approx(ref.fun, abs=1e-8)
    np.testing.assert_allclose(r.weight.ravel(), ref.x[: 36], atol=1e-4)


def test_cross_entropy_reports_its_iterations_and_remaining_gradient():
    """A fit cut off after 2 iterations says so, with the gradient's size (numpy's, at the returned weights);
    a converged one stops before its limit.  Ridge is exact: no iterations to report."""
    F, y = toy(d=12, n=150, sep=0.8)
    G, _, _ = standardized(F)
    wd = 1e-2
    short = readout.cross_entropy_fit(F, y, weight_decay=wd, max_iter=2)
    # two iterations may need more than max_eval = 2 evaluations: that limit counts too
    assert 1 <= short.iterations <= 2 and short.max_iter == 2 and short.stopped_at_limit
    theta = np.concatenate([short.weight.astype(np.float64).ravel(), short.bias.astype(np.float64)])
    _, grad = ce_objective(theta, G, y, 3, wd)
    # float32 storage of the weights moves the gradient by ~1e-7
    assert short.max_gradient == pytest.approx(np.abs(grad).max(), rel=1e-4) and short.max_gradient > 1e-3
    full = readout.cross_entropy_fit(F, y, weight_decay=wd, max_iter=500)
    # stopped by the change tolerance (1e-12 in the objective), not the limit
    assert 0 < full.iterations < 500 and not full.stopped_at_limit and full.max_gradient < 1e-6
    sel = readout.cross_entropy(F, y, weight_decays=[1e-2, 1.0], seed=1, max_iter=3)
    assert sel.max_iter == 3 and sel.stopped_at_limit
    ridge = readout.ridge_fit(F, y, 1e-3)
    assert ridge.iterations == 0 and not ridge.stopped_at_limit and np.isnan(ridge.max_gradient)


def test_cross_entropy_selection_picks_the_best_validation_accuracy():
    F, y = toy(d=20, n=200, sep=0.5, seed=5)
    grid = [1e-4, 1e-2, 1.0]
    r = readout.cross_entropy(F, y, weight_decays=grid, seed=2, max_iter=200)
    assert r.kind == "cross_entropy" and r.val_accuracy.shape == (3,)
    best = max(g for g, a in zip(grid, r.val_accuracy) if a == r.val_accuracy.max())
    assert r.penalty == best
    assert readout.accuracy(r, F, y) > 0.6
    # the validation accuracies are those of separate fits on the documented split (the first 20 % of the
    # seeded permutation validate); the path is warm-started, so allow one validation sample of difference
    perm = np.random.default_rng(2).permutation(200)
    val, fit = np.sort(perm[:40]), np.sort(perm[40:])
    accs = np.array([readout.accuracy(readout.cross_entropy_fit(F[:, fit], y[fit], wd, max_iter=200, n_classes=3),
                                      F[:, val], y[val]) for wd in grid])
    np.testing.assert_allclose(r.val_accuracy, accs, rtol=0, atol=1 / 40 + 1e-12)
    # and the kept readout is refitted on all samples, standardized with all of them
    final = readout.cross_entropy_fit(F, y, r.penalty, max_iter=200)
    np.testing.assert_allclose(r.weight, final.weight, rtol=0, atol=1e-4)
    np.testing.assert_allclose(r.mean, final.mean, rtol=1e-12)


def test_predict_and_accuracy():
    F, y = toy()
    r = readout.ridge_fit(F, y, 1e-3)
    pred = readout.predict(r, F)
    assert pred.shape == (200,) and readout.accuracy(r, F, y) == pytest.approx(np.mean(pred == y))
    assert readout.accuracy(r, F, y) > 0.8


@pytest.mark.parametrize("call, name", [
    (lambda F, y: readout.ridge(F, y[:-1]),
     r"y must have one label per column of F: .* so y must have shape \(200,\), got \(199,\)"),
    (lambda F, y: readout.ridge_fit(F, y, lam=-1.0), "lam"),
    (lambda F, y: readout.ridge(F, y, val_fraction=1.0), "val_fraction"),
    (lambda F, y: readout.ridge(F, y, lams=[-1.0, 1.0]), "lams"),
    (lambda F, y: readout.ridge(F, y, gram_shift=-1.0), "gram_shift"),
    # 0 is in the grid's range (>= 0) but needs a gram_shift: the error names lams, not lam
    (lambda F, y: readout.ridge(F, y, lams=[0.0, 1.0]),
     r"^lams \+ gram_shift must be > 0 .*lams = 0 is allowed only with gram_shift > 0; drop 0 from lams"),
    (lambda F, y: readout.ridge_fit(F, y, lam=0.0), r"^lam \+ gram_shift must be > 0"),
    (lambda F, y: readout.cross_entropy_fit(F, y, weight_decay=1e-3, max_iter=0), "max_iter"),
    (lambda F, y: readout.scores(readout.ridge_fit(F, y, 1e-3), F[:-1]), r"F must have d = 30 rows .*got \(29, 200\)"),
    # one class: nothing to classify, however many classes n_classes names
    (lambda F, y: readout.ridge_fit(F, np.zeros_like(y), 1e-3), r"at least two classes .*got only class\(es\) \[0\]"),
    (lambda F, y: readout.ridge(F, np.full_like(y, 2), n_classes=3), r"at least two classes .*\[2\] in 200"),
    (lambda F, y: readout.cross_entropy_fit(F, np.zeros_like(y), weight_decay=1e-3), "at least two classes"),
    (lambda F, y: readout.cross_entropy(F, np.ones_like(y)), r"at least two classes .*\[1\]"),
])
def test_bad_arguments_raise_value_errors_naming_them(call, name):
    F, y = toy()
    with pytest.raises(ValueError, match=name):
        call(F, y)


def test_functions_of_a_readout_name_it_when_given_something_else():
    F, y = toy()
    for call in (readout.scores, readout.predict):
        with pytest.raises(ValueError, match=r"readout must be a Readout \(from nl.readout.ridge or cross_entropy\), "
                                             r"got ndarray"):
            call(F, F)                                        # arguments swapped
    with pytest.raises(ValueError, match=r"readout must be a Readout .*got dict"):
        readout.accuracy({}, F, y)


def test_a_readout_with_broken_parameters_is_refused_by_name():
    """A NaN scale (a damaged file, a hand-built Readout) made every score NaN; argmax of NaN is class 0, so
    accuracy came out the share of class 0 without a word.  Each field is now checked where it is used."""
    F, y = toy()
    r = readout.ridge_fit(F, y, 1e-3)
    good = readout.accuracy(r, F, y)
    assert good > 0.9                                            # the toy classes are separable
    d, K = r.weight.shape
    nan_w = r.weight.copy()
    nan_w[0, 0] = np.nan
    cases = [
        (dict(scale=float("nan")), r"readout.scale must be a finite number > 0, got nan"),
        (dict(scale=0.0), r"readout.scale must be a finite number > 0, got 0.0"),
        (dict(weight=nan_w), r"readout.weight contains 1 non-finite entries"),
        (dict(bias=np.full(K, np.inf, dtype=np.float32)), rf"readout.bias contains {K} non-finite entries"),
        (dict(bias=np.zeros(K + 1, dtype=np.float32)), rf"readout.bias must have shape \({K},\) to fit "
                                                         rf"readout.weight of shape \({d}, {K}\), got \({K + 1},\)"),
        (dict(mean=np.zeros(d - 1, dtype=np.float32)), rf"readout.mean must have shape \({d},\)"),
    ]
    for change, match in cases:
        broken = dataclasses.replace(r, **change)
        for call in (lambda: readout.accuracy(broken, F, y), lambda: readout.predict(broken, F)):
            with pytest.raises(ValueError, match=match):
                call()
    assert readout.accuracy(dataclasses.replace(r, scale=2 * r.scale), F, y) > 0.5     # a valid change computes


def test_a_numerically_zero_lambda_raises_instead_of_returning_infinite_weights():
    rng = np.random.default_rng(0)                            # dual path: 1 / lam overflows on the null space
    F, y = rng.standard_normal((100, 30)), rng.integers(0, 3, 30)
    with pytest.raises(ValueError, match="lam = 1e-300 .*increase lam"):
        readout.ridge_fit(F, y, lam=1e-300)
    F = rng.standard_normal((10, 30))
    F[1] = F[0]                                               # primal solve: a repeated feature, singular
    with pytest.raises(ValueError, match="increase lam"):
        readout.ridge_fit(F, y, lam=1e-300)
    with pytest.raises(ValueError, match="increase lams"):
        readout.ridge(*toy(d=100, n=40), lams=[1e-300, 1.0])
    assert np.all(np.isfinite(readout.ridge_fit(F, y, lam=1e-3).weight))


def test_the_default_grid_cannot_be_changed_through_a_readout():
    F, y = toy()
    before = readout.RIDGE_GRID.copy()
    r = readout.ridge(F, y)
    np.testing.assert_array_equal(r.grid, before)
    r.grid[:] = 1.0                                            # the readout's own copy
    np.testing.assert_array_equal(readout.RIDGE_GRID, before)
    with pytest.raises(ValueError):                           # the module default is read-only
        readout.RIDGE_GRID[0] = 5.0
    lams = np.array([1e-3, 1e-1])
    r = readout.ridge(F, y, lams=lams)
    lams[0] = 7.0                                              # nor does the caller's array alias the readout's
    assert r.grid[0] == 1e-3


@pytest.mark.parametrize("seed", [1.5, -1, "3", True, None])
@pytest.mark.parametrize("fit", [
    lambda F, y, seed: readout.ridge(F, y, seed=seed),
    lambda F, y, seed: readout.cross_entropy(F, y, weight_decays=[1e-2], seed=seed, max_iter=5),
])
def test_bad_seeds_raise(fit, seed):
    F, y = toy(d=10, n=60)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        fit(F, y, seed)


@pytest.mark.parametrize("labels, match", [
    (lambda y: y.astype(str), "integer class labels"),
    (lambda y: y + 3, r"labels in 0\.\.2"),
    (lambda y: y - 1, r"labels in 0\.\.2"),
    (lambda y: y + 0.5, "integer class labels"),
])
def test_accuracy_rejects_labels_the_readout_cannot_predict(labels, match):
    F, y = toy()
    r = readout.ridge_fit(F, y, 1e-3)
    with pytest.raises(ValueError, match=match):
        readout.accuracy(r, F, labels(y))
    assert readout.accuracy(r, F, y.astype(float)) == readout.accuracy(r, F, y)


def test_rounding_noise_eigenvalues_are_exact_zeros():
    """The ridge path's eigenvalues: a Gram matrix of rank 7 in 12 dimensions (centred features have one
    more null direction) gets exactly 0 on its null space, whatever sign LAPACK's rounding gave it, and the
    other eigenvalues of numpy's eigvalsh to 1e-12 relative; the null space is that of the matrix."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((12, 7))
    C = A @ A.T
    s, V = readout._eigh(C)
    ref = np.linalg.eigvalsh(C)
    assert np.all(s[:5] == 0.0) and np.all(s[5:] > 0)
    np.testing.assert_allclose(s[5:], ref[5:], rtol=1e-12)
    assert np.max(np.abs(C @ V[:, :5])) < 1e-12 * ref[-1]
