"""The accuracy comparison of the compression chapters: one net per method, readout accuracy, summaries."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy.stats import ttest_ind
import torch

import ntklc_lib as nl
from ntklc_lib import baselines, comparison, compress, memory, networks, readout

P, WIDTHS, ACTS = 60, (80, 50), ("relu", "relu")


@pytest.fixture(scope="module")
def plans():
    return {mode: compress.solve(list(ACTS), 1.0, mode) for mode in ("moments", "scale")}


def _same_weights(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.weights, b.weights))


def test_dense_and_ternary_relu_nets_are_the_networks_module_nets():
    dense = comparison.comparison_net("dense ReLU", P, WIDTHS, ACTS, 0.0, seed=3)
    assert dense.weight_law == "gaussian" and dense.sparsity == 0.0 and dense.seed == 3
    assert _same_weights(dense, networks.dense_net(P, WIDTHS, ACTS, 1.0, 3))
    tern = comparison.comparison_net("ReLU, ternary W", P, WIDTHS, ACTS, 0.9, seed=3)
    assert tern.weight_law == "ternary" and tern.sparsity == 0.9
    assert [a.name for a in tern.acts] == ["relu", "relu"]
    zeros = float(np.mean([float((W == 0).double().mean()) for W in tern.weights]))
    n_w = sum(W.numel() for W in tern.weights)
    assert abs(zeros - 0.9) < 5 * math.sqrt(0.9 * 0.1 / n_w)


@pytest.mark.parametrize("mode", ["moments", "scale"])
def test_ntk_lc_net_uses_the_plan_of_its_name(plans, mode):
    net = comparison.comparison_net(f"NTK-LC ({mode})", P, WIDTHS, ACTS, 0.5, seed=2, plans=plans)
    plan = plans[mode]
    assert net.acts == tuple(plan.compressed) and net.weight_law == "ternary" and net.sparsity == 0.5
    np.testing.assert_array_equal(net.tau, plan.tau_compressed)
    np.testing.assert_allclose(net.centers, plan.centers)
    assert _same_weights(net, networks.compressed_net(P, WIDTHS, plan, 0.5, 2))


def test_pruned_nets_prune_the_dense_net_of_the_same_seed():
    dense = networks.dense_net(P, WIDTHS, ACTS, 1.0, 5)
    mag = comparison.comparison_net("magnitude pruning", P, WIDTHS, ACTS, 0.8, seed=5)
    assert mag.weight_law == "magnitude_pruned"
    assert _same_weights(mag, baselines.magnitude_pruned(dense, 0.8))
    rnd = comparison.comparison_net("random pruning", P, WIDTHS, ACTS, 0.8, seed=5)
    assert rnd.weight_law == "random_pruned"
    assert _same_weights(rnd, baselines.random_pruned(dense, 0.8, 5))
    for W0, W in zip(dense.weights, mag.weights):
        kept = W != 0
        assert float(W0[kept].abs().min()) >= float(W0[~kept].abs().max())


def test_sign_net_has_sign_activations_and_ternary_weights():
    net = comparison.comparison_net("sign, ternary W", P, WIDTHS, ACTS, 0.9, seed=1)
    assert net.weight_law == "ternary" and all(a.is_step and a.values == (-1.0, 1.0) for a in net.acts)
    assert _same_weights(net, baselines.sign_net(P, WIDTHS, 1.0, 0.9, 1))


@pytest.mark.parametrize("method, sparsity, plans_arg, match", [
    ("dense", 0.0, None, r"method must be one of .*'dense ReLU'.*NTK-LC \(<plan>\).*got 'dense'"),
    ("dense ReLU", 0.5, None, r"sparsity must be 0 for method 'dense ReLU'.*got 0.5"),
    ("ReLU, ternary W", 1.0, None, r"sparsity must lie in \[0.0, 1.0\), got 1.0"),
    ("NTK-LC (moments)", 0.9, None, r"plans must hold the plan 'moments'.*keys are \[\]"),
    ("NTK-LC (exact)", 0.9, {"moments": None}, r"plans must hold the plan 'exact'.*keys are \['moments'\]"),
])
def test_bad_comparison_arguments_are_named(method, sparsity, plans_arg, match):
    with pytest.raises(ValueError, match=match):
        comparison.comparison_net(method, P, WIDTHS, ACTS, sparsity, seed=0, plans=plans_arg)


@pytest.mark.parametrize("method, acts, widths, tau0, match", [
    # the plans were solved for ReLU x2 at tau0 = 1
    ("NTK-LC (moments)", ("tanh", "tanh"), WIDTHS, 1.0,
     r"plans\['moments'\] compresses the activations \['relu', 'relu'\], but acts are \['tanh', 'tanh'\]"),
    ("NTK-LC (scale)", ACTS, WIDTHS, 5.0, r"plans\['scale'\] was solved for data scale tau0 = 1, but tau0 = 5"),
    ("sign, ternary W", ("relu", "relu"), (20,), 1.0, r"widths must have one entry per layer: 2 activations, got 1"),
    ("NTK-LC (moments)", ("relu",), (20,), 1.0,
     r"compresses the activations \['relu', 'relu'\], but acts are \['relu'\]"),
    ("dense ReLU", ACTS, WIDTHS, -1.0, r"tau0 must be a finite number > 0, got -1.0"),
])
def test_every_method_checks_the_original_it_is_compared_with(plans, method, acts, widths, tau0, match):
    sparsity = 0.0 if method == "dense ReLU" else 0.5
    with pytest.raises(ValueError, match=match):
        comparison.comparison_net(method, P, widths, acts, sparsity, seed=0, plans=plans, tau0=tau0)


def test_plan_name_parses_only_ntk_lc_methods():
    assert comparison.plan_name("NTK-LC (scale)") == "scale"
    assert comparison.plan_name("NTK-LC scale") is None
    assert comparison.plan_name("dense ReLU") is None


def _two_classes(n, seed):
    """Two well-separated Gaussian classes in R^P, normalized as THEORY.md section 1 (scale ~ 1)."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(n) % 2      # a label order of its own per seed: another set's features cannot score well
    X = (rng.standard_normal((P, n)) + 3.0 * np.where(y == 0, 1.0, -1.0)[None, :] * (np.arange(P) < 4)[:, None])
    return X / math.sqrt(P), y


def test_readout_accuracy_trains_on_the_training_set_and_scores_the_test_set():
    X_train, y_train = _two_classes(300, 0)
    X_test, y_test = _two_classes(200, 1)
    net = networks.dense_net(P, (200,), ["relu"], 1.0, 0)
    acc, r = comparison.readout_accuracy(net, X_train, y_train, X_test, y_test, seed=4)
    # the classes are 6 / sqrt(P) apart along 4 coordinates: Bayes accuracy Phi(6) ~ 1; a ridge readout on
    # 200 random ReLU features must get nearly all right
    assert acc > 0.95
    assert acc == readout.accuracy(r, networks.features(net, X_test), y_test)
    flipped, _ = comparison.readout_accuracy(net, X_train, y_train, X_test, 1 - y_test, seed=4)
    assert flipped == pytest.approx(1.0 - acc)
    direct = readout.ridge(networks.features(net, X_train), y_train, seed=4, gram_shift=5.0)
    acc5, r5 = comparison.readout_accuracy(net, X_train, y_train, X_test, y_test, seed=4, gram_shift=5.0)
    np.testing.assert_array_equal(r5.weight, direct.weight)
    assert r5.penalty == direct.penalty
    assert acc5 == readout.accuracy(direct, networks.features(net, X_test), y_test)


def test_summarize_gives_mean_sample_std_and_bits():
    records = [{"method": "a", "sparsity": 0.9, "accuracy": acc, "bits": 100.0, "seed": s}
               for s, acc in enumerate([0.80, 0.84, 0.83])]
    records.append({"method": "a", "sparsity": 0.5, "accuracy": 0.1, "bits": 200.0, "seed": 0})
    records.append({"method": "b", "sparsity": 0.9, "accuracy": 0.2, "bits": 100.0, "seed": 0})
    s = comparison.summarize(records, "a", 0.9)
    assert s.mean == pytest.approx((0.80 + 0.84 + 0.83) / 3, abs=1e-15)
    # sample standard deviation by hand (n - 1 = 2): deviations -0.02333, 0.01667, 0.00667
    m = (0.80 + 0.84 + 0.83) / 3
    assert s.std == pytest.approx(math.sqrt(sum((a - m) ** 2 for a in (0.80, 0.84, 0.83)) / 2), rel=1e-12)
    assert s.bits == 100.0
    mean, std, bits = comparison.summarize(records, "a", 0.5)
    assert (mean, std, bits) == (0.1, 0.0, 200.0)


def test_summarize_refuses_missing_runs_and_inconsistent_bits():
    records = [{"method": "a", "sparsity": 0.9, "accuracy": 0.8, "bits": 100.0},
               {"method": "a", "sparsity": 0.9, "accuracy": 0.7, "bits": 101.0}]
    with pytest.raises(ValueError, match=r"records hold no run of method 'a' at sparsity 0.5; they hold \[\('a', 0.9\)\]"):
        comparison.summarize(records, "a", 0.5)
    with pytest.raises(ValueError, match=r"disagree on bits: \[100.0, 101.0\]"):
        comparison.summarize(records, "a", 0.9)
    # a record without a key raised a bare KeyError
    with pytest.raises(ValueError, match=r"records\[1\] must be a dict with keys .*it lacks \['sparsity'\]"):
        comparison.summarize([records[0], {"method": "a", "accuracy": 0.8, "bits": 100.0}], "a", 0.9)
    # a NaN or null accuracy gave a NaN mean, a percentage among fractions (90.0 with 0.9) a mean of 45.45,
    # and a string was averaged as a number: each is refused, naming the record
    for bad in (float("nan"), None, 90.0, -0.1, "0.9", True):
        rec = dict(records[0], accuracy=bad)
        with pytest.raises(ValueError, match=rf"records\[1\]\['accuracy'\] must be an accuracy in \[0, 1\] "
                                             rf"\(a fraction, not a percentage\), got {re.escape(repr(bad))}"):
            comparison.summarize([records[0], rec], "a", 0.9)
    for bad in (float("nan"), float("inf"), 0, -5.0, None, "100"):
        with pytest.raises(ValueError, match=rf"records\[0\]\['bits'\] must be a finite number > 0, got "
                                             rf"{re.escape(repr(bad))}"):
            comparison.summarize([dict(records[0], bits=bad)], "a", 0.9)
    # the ends of the range are accuracies, and numpy scalars are numbers
    assert comparison.summarize([dict(records[0], accuracy=np.float32(1.0)), dict(records[0], accuracy=0.0)],
                                "a", 0.9).mean == 0.5


def test_spread_x_centres_markers_and_keeps_their_order():
    # linear part: step apart in data units, centred on x
    xs = [comparison.spread_x(0.0, k, 3) for k in range(3)]
    np.testing.assert_allclose(xs, [-0.012, 0.0, 0.012], atol=1e-15)
    assert comparison.spread_x(0.05, 0, 1) == 0.05
    # logarithmic part: neighbours 6 * step * |x| apart, i.e. the same small distance on the log axis at any x
    ys = [comparison.spread_x(4.0, k, 4) for k in range(4)]
    assert np.all(np.diff(ys) > 0) and np.mean(ys) == pytest.approx(4.0)
    np.testing.assert_allclose(np.diff(ys), 4.0 * 6 * 0.012, rtol=1e-12)
    neg = [comparison.spread_x(-4.0, k, 2) for k in range(2)]
    assert np.mean(neg) == pytest.approx(-4.0)
    with pytest.raises(ValueError, match=r"k must be an integer in \[0, count\) = \[0, 2\), got 2"):
        comparison.spread_x(1.0, 2, 2)
    with pytest.raises(ValueError, match=r"count must be a positive integer"):
        comparison.spread_x(1.0, 0, 0)


def test_the_package_exports_the_module():
    assert nl.comparison is comparison and "comparison" in nl.__all__


def test_shift_as_noise_adds_the_shift_to_the_expected_gram_matrix():
    d, n_train, n_test, shift = 400, 60, 30, 0.3
    rng = np.random.default_rng(5)
    F_train, F_test = rng.standard_normal((d, n_train)), rng.standard_normal((d, n_test))
    A_train, A_test = comparison.shift_as_noise(F_train, F_test, shift, seed=1)
    assert A_train.shape == F_train.shape and A_test.shape == F_test.shape
    # the noise alone: Z^T Z has diagonal shift * chi2_d / d (mean shift, sd shift sqrt(2/d) each) and
    # off-diagonal mean 0 (sd shift / sqrt(d) each); tolerances are 4 standard errors of the averages
    for F, A in ((F_train, A_train), (F_test, A_test)):
        Z = A - F
        G = Z.T @ Z
        m = F.shape[1]
        assert abs(np.mean(np.diag(G)) - shift) < 4 * shift * math.sqrt(2 / d) / math.sqrt(m)
        off = G[~np.eye(m, dtype=bool)]
        assert abs(np.mean(off)) < 4 * shift / math.sqrt(d) / math.sqrt(off.size / 2)
        # independent of the features: their cross term averages to 0 as well (the mean of F^T Z is
        # sum_k (sum_i F_ki)(sum_j Z_kj) / m^2, of standard deviation sqrt(shift) / m for unit F)
        assert abs(np.mean(F.T @ Z)) < 4 * math.sqrt(shift) / m
    # the training and test noise are different draws, and the seed fixes them
    B_train, B_test = comparison.shift_as_noise(F_train, F_test, shift, seed=1)
    assert np.array_equal(A_train, B_train) and np.array_equal(A_test, B_test)
    C_train, _ = comparison.shift_as_noise(F_train, F_test, shift, seed=2)
    assert not np.array_equal(A_train, C_train)
    assert not np.allclose((A_train - F_train)[:, :n_test], A_test - F_test)
    # no shift: the features unchanged
    Z_train, Z_test = comparison.shift_as_noise(F_train, F_test, 0.0, seed=1)
    assert np.array_equal(Z_train, F_train) and np.array_equal(Z_test, F_test)


def test_accuracy_with_shift_as_noise_is_a_ridge_readout_on_the_noisy_features():
    rng = np.random.default_rng(3)
    y_train, y_test = rng.integers(0, 3, 300), rng.integers(0, 3, 120)
    centres = rng.standard_normal((20, 3))
    F_train = centres[:, y_train] + 0.5 * rng.standard_normal((20, 300))
    F_test = centres[:, y_test] + 0.5 * rng.standard_normal((20, 120))
    acc = comparison.accuracy_with_shift_as_noise(F_train, y_train, F_test, y_test, 2.0, noise_seed=4, seed=1)
    # the same by hand, from the two pieces it is made of
    A_train, A_test = comparison.shift_as_noise(F_train, F_test, 2.0, seed=4)
    r = readout.ridge(A_train, y_train, seed=1)
    assert acc == readout.accuracy(r, A_test, y_test)
    # no shift: the plain readout; a large one costs accuracy on these separable classes
    clean = readout.accuracy(readout.ridge(F_train, y_train, seed=1), F_test, y_test)
    assert comparison.accuracy_with_shift_as_noise(F_train, y_train, F_test, y_test, 0.0, 4, seed=1) == clean
    assert clean > 0.9
    assert comparison.accuracy_with_shift_as_noise(F_train, y_train, F_test, y_test, 200.0, 4, seed=1) < clean - 0.2


@pytest.mark.parametrize("args, match", [
    ((np.ones((4, 3)), np.ones((5, 2)), 0.1), r"F_train and F_test must have the same number d of features"),
    ((np.ones((4, 3)), np.ones((4, 2)), -0.1), r"shift must be >= 0 \(a variance added to the features\), "
                                                r"got -0.1"),
    ((np.ones((4, 3)), np.ones((4, 2)), float("nan")), "shift"),
    ((np.full((4, 3), np.nan), np.ones((4, 2)), 0.1), "F_train contains 12 non-finite entries"),
])
def test_shift_as_noise_refuses_bad_arguments_by_name(args, match):
    with pytest.raises(ValueError, match=match):
        comparison.shift_as_noise(*args)


def test_shift_share_is_the_shifts_part_of_the_loss():
    # dense 0.92, dense with the shift 0.90, compressed 0.82: the shift explains 0.02 of 0.10
    assert comparison.shift_share(0.92, 0.90, 0.82) == pytest.approx(0.2, rel=1e-12)
    # percents give the same share; a shift that helps gives a negative share
    assert comparison.shift_share(92.0, 90.0, 82.0) == pytest.approx(0.2, rel=1e-12)
    assert comparison.shift_share(0.92, 0.93, 0.82) == pytest.approx(-0.1, rel=1e-12)
    # no loss (equal or better compressed accuracy): nothing to explain
    assert math.isnan(comparison.shift_share(0.92, 0.90, 0.92))
    assert math.isnan(comparison.shift_share(0.92, 0.90, 0.95))
    with pytest.raises(ValueError, match="shifted_acc"):
        comparison.shift_share(0.92, float("nan"), 0.82)


@pytest.mark.parametrize("plan_acts, acts, layer", [
    # same names, other functions: lrelu of another slope, two custom activations, a second layer that differs
    ([nl.activations.get("lrelu", slope=0.1)], [nl.activations.get("lrelu", slope=0.5)], 1),
    ([nl.activations.custom(np.tanh)], [nl.activations.custom(np.sin)], 1),
    (["relu", nl.activations.get("lrelu", slope=0.1)], ["relu", nl.activations.get("lrelu", slope=0.2)], 2),
])
def test_a_plan_for_another_activation_of_the_same_name_is_refused(plan_acts, acts, layer):
    """The names agreed, so a plan solved for lrelu slope 0.1 built the NTK-LC net of lrelu slope 0.5."""
    plan = compress.solve(plan_acts, 1.0)
    widths = (20,) * len(acts)
    with pytest.raises(ValueError, match=rf"^plans\['x'\] matched layer {layer} to the moments .* but "
                                         rf"acts\[{layer - 1}\] .* has .*solve the plan for the original"):
        comparison.comparison_net("NTK-LC (x)", P, widths, acts, 0.5, plans={"x": plan})
    # the activations the plan was solved for are accepted
    net = comparison.comparison_net("NTK-LC (x)", P, widths, plan_acts, 0.5, plans={"x": plan})
    assert net.acts == tuple(plan.compressed)


def test_a_plan_is_accepted_for_an_equal_activation_built_again():
    plan = compress.solve([nl.activations.custom(np.tanh), nl.activations.get("lrelu", slope=0.1)], 1.0)
    acts = [nl.activations.custom(np.tanh), nl.activations.get("lrelu", slope=0.1)]
    net = comparison.comparison_net("NTK-LC (x)", P, (20, 20), acts, 0.5, plans={"x": plan})
    assert net.acts == tuple(plan.compressed)


def test_keeps_accuracy_is_less_than_one_point_below_dense():
    """The chapters' 1-point rule: 0.905 against 0.91 keeps (half a point), 0.899 does not (1.1 points);
    a gap of exactly one point does not; a percentage instead of a fraction is refused by name."""
    keeps = nl.comparison.keeps_accuracy
    assert keeps(0.91, 0.905) and keeps(0.91, 0.95) and not keeps(0.91, 0.899)
    assert not keeps(0.75, 0.74)
    # a gap of exactly LOSSLESS_GAP (0.75 - 0.74 is 0.010000000000000009 in floating point, a hair more)
    assert not keeps(0.01, 0.0) and keeps(0.01, 1e-12)
    assert nl.comparison.LOSSLESS_GAP == 0.01
    with pytest.raises(ValueError, match=r"dense_acc must be an accuracy in \[0, 1\] \(a fraction, not a "
                                         r"percentage\)"):
        keeps(91.0, 0.9)
    with pytest.raises(ValueError, match=r"acc must be a finite number"):
        keeps(0.9, float("nan"))


def test_difference_se_against_the_spread_of_simulated_differences():
    """The standard error of a difference of means against the spread of 20 000 simulated differences
    (means of 3 and of 5 normal draws with standard deviations 0.5 and 0.2): within 3 % (the spread's own
    relative error is about 0.5 %); bad arguments are named."""
    rng = np.random.default_rng(0)
    diffs = (rng.normal(0, 0.5, (20_000, 3)).mean(axis=1) - rng.normal(0, 0.2, (20_000, 5)).mean(axis=1))
    se = comparison.difference_se(0.5, 3, 0.2, 5)
    assert se == pytest.approx(diffs.std(ddof=1), rel=0.03)
    assert se == pytest.approx(math.sqrt(0.25 / 3 + 0.04 / 5), rel=1e-15)
    with pytest.raises(ValueError, match=r"std_b must be >= 0"):
        comparison.difference_se(0.5, 3, -0.2, 5)
    with pytest.raises(ValueError, match=r"count_a must be a positive integer"):
        comparison.difference_se(0.5, 0, 0.2, 5)


def test_welch_test_agrees_with_scipys_unequal_variance_t_test():
    """welch_dof and gap_beyond_noise against scipy.stats.ttest_ind(equal_var=False) on the same samples:
    the same degrees of freedom and, at the 5 % level, the same decision."""
    rng = np.random.default_rng(1)
    for _ in range(200):
        a = rng.normal(0.0, 1.0, 3)
        b = rng.normal(rng.uniform(-3, 3), rng.uniform(0.2, 2.0), 3)
        sa, sb = a.std(ddof=1), b.std(ddof=1)
        ref = ttest_ind(a, b, equal_var=False)
        dof = comparison.welch_dof(sa, 3, sb, 3)
        assert dof == pytest.approx(ref.df, rel=1e-10)
        side = comparison.gap_beyond_noise(a.mean() - b.mean(), comparison.difference_se(sa, 3, sb, 3), dof)
        assert side == (int(np.sign(ref.statistic)) if ref.pvalue < 0.05 else 0)
    # one draw each, or no spread at all: no test
    assert math.isnan(comparison.welch_dof(0.1, 1, 0.2, 3)) and math.isnan(comparison.welch_dof(0, 3, 0, 3))
    assert comparison.gap_beyond_noise(5.0, 0.0, float("nan")) == 0
    # with 3 draws each a gap of 2.1 standard errors is not resolved (t on about 4 dof needs 2.78);
    # the normal rule of two standard errors would have called it
    assert comparison.gap_beyond_noise(2.1, 1.0, comparison.welch_dof(1.0, 3, 1.0, 3)) == 0
    assert comparison.gap_beyond_noise(-2.9, 1.0, 4.0) == -1
    with pytest.raises(ValueError, match=r"std_a must be >= 0"):
        comparison.welch_dof(-1.0, 3, 1.0, 3)
    # a negative standard error read as "no test" (0)
    with pytest.raises(ValueError, match=r"se must be >= 0 \(a standard error\), got -1.0"):
        comparison.gap_beyond_noise(5.0, -1.0, 10.0)


def test_mean_gap_is_scipys_welch_test_on_the_draws():
    """mean_gap against scipy.stats.ttest_ind(equal_var=False): gap / se is its t statistic, the same
    degrees of freedom, and side is its sign where the two-sided p-value is below 1 - level, else 0."""
    rng = np.random.default_rng(7)
    for k_a, k_b, level in ((3, 3, 0.95), (2, 5, 0.95), (6, 4, 0.9), (3, 8, 0.99)):
        for _ in range(50):
            a = rng.normal(rng.uniform(-2, 2), rng.uniform(0.1, 1.5), k_a)
            b = rng.normal(0.0, rng.uniform(0.1, 1.5), k_b)
            ref = ttest_ind(a, b, equal_var=False)
            res = comparison.mean_gap(a, b, level=level)
            assert res.gap == pytest.approx(a.mean() - b.mean(), rel=1e-12, abs=1e-15)
            assert res.gap / res.se == pytest.approx(ref.statistic, rel=1e-10)
            assert res.dof == pytest.approx(ref.df, rel=1e-10)
            assert res.side == (int(np.sign(ref.statistic)) if ref.pvalue < 1 - level else 0)
    # one draw in either set: the gap, but no standard error and no verdict
    one = comparison.mean_gap([0.5], [0.1, 0.2, 0.3])
    assert one.gap == pytest.approx(0.3) and math.isnan(one.se) and math.isnan(one.dof) and one.side == 0
    assert comparison.mean_gap([1.0, 1.1], [0.2]).side == 0
    for args, match in ((([], [1.0, 2.0]), r"draws_a must not be empty"),
                        (([1.0, 2.0], [[1.0, 2.0]]), r"draws_b must be a 1-D array"),
                        (([1.0, np.nan], [1.0, 2.0]), r"draws_a contains 1 non-finite")):
        with pytest.raises(ValueError, match=match):
            comparison.mean_gap(*args)


def test_gap_below_from_summaries_of_records():
    """gap_below on the summaries of simulated records: the difference of the two means in points, and a
    standard error that matches the spread of 20 000 simulated gaps (3 draws each, standard deviations 0.01
    and 0.02 as fractions) within 3 %."""
    rng = np.random.default_rng(1)
    recs = ([{"method": "dense ReLU", "sparsity": 0.0, "accuracy": a, "bits": 64.0} for a in (0.91, 0.92, 0.90)]
            + [{"method": "x", "sparsity": 0.9, "accuracy": a, "bits": 8.0} for a in (0.88, 0.91, 0.87)])
    ref, other = comparison.summarize(recs, "dense ReLU", 0.0), comparison.summarize(recs, "x", 0.9)
    gap, se = comparison.gap_below(ref, other, 3)
    assert gap == pytest.approx(100 * (0.91 - (0.88 + 0.91 + 0.87) / 3), abs=1e-12)
    assert se == pytest.approx(100 * math.sqrt((ref.std**2 + other.std**2) / 3), rel=1e-14)
    # the error the formula gives for known spreads, against simulated gaps
    sims = 100 * (rng.normal(0.91, 0.01, (20_000, 3)).mean(1) - rng.normal(0.88, 0.02, (20_000, 3)).mean(1))
    known = comparison.gap_below(comparison.AccuracySummary(0.91, 0.01, 1.0),
                                 comparison.AccuracySummary(0.88, 0.02, 1.0), 3)
    assert known[1] == pytest.approx(sims.std(ddof=1), rel=0.03)
    assert known[0] == pytest.approx(sims.mean(), abs=0.05)      # 5 standard errors of the mean of sims
    # the other way round the gap is negative; count 1: the error of two single draws
    assert comparison.gap_below(other, ref, 1) == pytest.approx((-gap, 100 * math.sqrt(ref.std**2 + other.std**2)))
    with pytest.raises(ValueError, match=r"count must be a positive integer"):
        comparison.gap_below(ref, other, 0)


def test_against_reference_uses_welchs_test_on_the_records():
    """Each other method against a reference, from records: means and gaps by hand, the side by scipy's
    unequal-variance t test on the same accuracies."""
    acc = {("p", 0.998): (0.90, 0.91, 0.92), ("t", 0.99): (0.915, 0.92, 0.925), ("m", 0.99): (0.80, 0.82, 0.81),
           ("s", 0.99): (0.88, 0.95, 0.70)}
    recs = [{"method": m, "sparsity": e, "accuracy": a, "bits": 1.0} for (m, e), accs in acc.items() for a in accs]
    rows = comparison.against_reference(recs, ("p", 0.998), [("t", 0.99), ("m", 0.99), ("s", 0.99)], 3)
    assert [r["method"] for r in rows] == ["t", "m", "s"]
    for r in rows:
        mine = np.array(acc[(r["method"], r["sparsity"])])
        assert r["accuracy"] == pytest.approx(100 * mine.mean(), rel=1e-12)
        assert r["points_below"] == pytest.approx(100 * (0.91 - mine.mean()), abs=1e-10)
        test = ttest_ind(acc[("p", 0.998)], mine, equal_var=False)
        assert r["dof"] == pytest.approx(test.df, rel=1e-10)
        assert r["side"] == (int(np.sign(test.statistic)) if test.pvalue < 0.05 else 0)
    # t: 0.5 points above, not resolved; m: 10 points below, resolved; s: wide spread, not resolved
    assert [r["side"] for r in rows] == [0, 1, 0]
    with pytest.raises(ValueError, match="records hold no run of method 'x'"):
        comparison.against_reference(recs, ("p", 0.998), [("x", 0.5)], 3)
    # the errors and the test rest on count: one that is not the records' own was taken, and with 30 the "s"
    # row (wide spread) came out resolved
    for wrong in (1, 30):
        with pytest.raises(ValueError, match=rf"count must equal the number of records of each \(method, "
                                             rf"sparsity\), got {wrong}; records hold 3 of \('p', 0.998\)"):
            comparison.against_reference(recs, ("p", 0.998), [("t", 0.99), ("s", 0.99)], wrong)
    with pytest.raises(ValueError, match=r"got 3; records hold 2 of \('t', 0.99\)"):
        comparison.against_reference(recs[:5], ("p", 0.998), [("t", 0.99)], 3)
    # a bare method name was unpacked letter by letter ("not enough values to unpack")
    with pytest.raises(ValueError, match=r"^reference must be a \(method, sparsity\) pair, got 'p'$"):
        comparison.against_reference(recs, "p", [("t", 0.99)], 3)
    with pytest.raises(ValueError, match=r"^others\[1\] must be a \(method, sparsity\) pair, got \('m', 0.99, 1\)$"):
        comparison.against_reference(recs, ("p", 0.998), [("t", 0.99), ("m", 0.99, 1)], 3)


def test_pruning_at_the_memory_of_ternary_nets():
    """The pruned sparsity takes no more bits than the ternary nets (entropy bound) and a slightly denser
    pruning would; narrow layers cannot get that small (None); the summary names each ternary method."""
    p, widths = 784, (1000, 1000, 1000)
    eps = comparison.pruning_sparsity_at_ternary_memory(p, widths, 0.99)
    target = memory.ternary_entropy_bits(p, widths, 0.99)
    assert memory.pruned_bits(p, widths, eps) <= target < memory.pruned_bits(p, widths, eps - 1e-5)
    assert 0.99 < eps < 1.0                                # float32 values and positions cost more per weight
    # positions priced by the entropy of the mask, as the ternary zeros are: with file positions (32-bit
    # CSR row pointers) width 64 had no pruned net as small as the ternary nets at 0.99 (about 3350 bits)
    eps64 = comparison.pruning_sparsity_at_ternary_memory(512, (64, 64), 0.99)
    target64 = memory.ternary_entropy_bits(512, (64, 64), 0.99)
    assert memory.pruned_bits(512, (64, 64), eps64) <= target64 < memory.pruned_bits(512, (64, 64), eps64 - 1e-5)
    with pytest.raises(ValueError):
        memory.pruned_sparsity_for_bits(512, (64, 64), target64, positions="file")
    # one layer of 5000 weights at 0.9995: the ternary nets take 5000 (H + 1 - eps) = 33.6 bits, less
    # than one float32 weight and the entropy of its position (45.7 bits)
    assert comparison.pruning_sparsity_at_ternary_memory(100, (50,), 0.9995) is None
    recs = ([{"method": "magnitude pruning", "sparsity": eps, "accuracy": a, "bits": 7.0} for a in (0.9, 0.91)]
            + [{"method": m, "sparsity": 0.99, "accuracy": a, "bits": 6.0}
               for m in comparison.EQUAL_MEMORY_OTHERS for a in (0.8, 0.82)])
    out = comparison.pruning_at_equal_memory(recs, eps, 0.99, 2)
    assert out["accuracy"] == pytest.approx(90.5) and out["bits"] == 7.0 and out["ternary_bits"] == 6.0
    assert [r["method"] for r in out["against"]] == list(comparison.EQUAL_MEMORY_OTHERS)
    assert all(r["points_below"] == pytest.approx(9.5) for r in out["against"])


def test_paired_difference_se_against_a_bootstrap_over_test_samples():
    """The paired standard error of a difference of accuracies on one test set: the formula written out for
    known counts, and against the spread of 4000 bootstrap resamples of the test samples (within 5 %, the
    bootstrap's own relative error being about 1 %)."""
    rng = np.random.default_rng(5)
    a = rng.random(2000) < 0.92
    b = np.where(rng.random(2000) < 0.06, ~a, a)          # b disagrees with a on about 6 % of the samples
    diff, se = comparison.paired_difference_se(a, b)
    d = a.astype(float) - b.astype(float)
    assert diff == pytest.approx(100 * d.mean(), abs=1e-12)
    n_plus, n_minus = int(np.sum(d > 0)), int(np.sum(d < 0))
    mean = (n_plus - n_minus) / 2000
    var = ((n_plus + n_minus) / 2000 - mean**2) * 2000 / 1999
    assert se == pytest.approx(100 * math.sqrt(var / 2000), rel=1e-12)
    idx = rng.integers(0, 2000, (4000, 2000))
    boot = 100 * (a[idx].mean(axis=1) - b[idx].mean(axis=1))
    assert se == pytest.approx(boot.std(ddof=1), rel=0.05)
    with pytest.raises(ValueError, match="correct_a and correct_b must be boolean arrays"):
        comparison.paired_difference_se(a, b[:10])
    with pytest.raises(ValueError, match="correct_a and correct_b must be boolean arrays"):
        comparison.paired_difference_se(a.astype(int), b)


def test_satterthwaite_dof_of_the_model_offsets():
    """model_offsets_dof: the Welch-Satterthwaite formula written out for three variance terms, and nan where
    a term with spread rests on one draw."""
    stds, draws, ref_std = [1.0, 2.0], np.array([90.0, 91.0, 89.5, 90.5]), 0.5
    dofs = comparison.model_offsets_dof(stds, 3, draws, reference_std=ref_std, reference_count=3)
    sd2 = draws.var(ddof=1)
    for s, dof in zip(stds, dofs):
        v = [s**2 / 3, sd2 / 4, ref_std**2]
        assert dof == pytest.approx(sum(v) ** 2 / (v[0]**2 / 2 + v[1]**2 / 3 + v[2]**2 / 2), rel=1e-12)
    # the reference estimated from one draw: no test
    assert all(math.isnan(d) for d in comparison.model_offsets_dof(stds, 3, draws, ref_std, reference_count=1))
    # a term without spread drops out, even with one draw
    assert not math.isnan(comparison.model_offsets_dof(stds, 3, draws, 0.0, reference_count=1)[0])
    # one draw of the networks or of the model: its std of 0 is unmeasured, so no test (as welch_dof)
    assert math.isnan(comparison.welch_dof(0.0, 1, 1.0, 3))
    assert all(math.isnan(d) for d in comparison.model_offsets_dof([0.0, 0.0], 1, draws, ref_std, 3))
    assert all(math.isnan(d) for d in comparison.model_offsets_dof(stds, 3, draws[:1], ref_std, 3))
    # negative standard deviations passed as their absolute values (squared), where model_offsets refuses them
    with pytest.raises(ValueError, match=r"stds and reference_std must be >= 0 \(standard deviations\), got stds "
                                         r"\[0.5, -0.5\]"):
        comparison.model_offsets_dof([0.5, -0.5], 3, draws, ref_std, 3)
    with pytest.raises(ValueError, match=r"reference_std -0.2"):
        comparison.model_offsets_dof(stds, 3, draws, -0.2, 3)
    with pytest.raises(ValueError, match="variances and dofs must be >= 0"):
        comparison.satterthwaite_dof([1.0, -1.0], [2, 2])


def test_model_offsets_against_a_direct_computation():
    """Offsets from the model draws' mean, each with sqrt(std^2/count + sd(draws)^2/m); bad shapes named."""
    draws = np.array([78.0, 79.5, 78.9])
    offs, ses = comparison.model_offsets([78.9, 78.1, 82.5], [0.5, 0.8, 1.1], 3, draws)
    mean, sd = draws.mean(), draws.std(ddof=1)
    np.testing.assert_allclose(offs, np.array([78.9, 78.1, 82.5]) - mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ses, np.sqrt(np.array([0.5, 0.8, 1.1])**2 / 3 + sd**2 / 3), rtol=1e-14)
    # a model built on one weight draw of a network whose accuracy varies by 0.4 between draws
    _, ses_ref = comparison.model_offsets([78.9, 78.1, 82.5], [0.5, 0.8, 1.1], 3, draws, reference_std=0.4)
    np.testing.assert_allclose(ses_ref, np.sqrt(np.array([0.5, 0.8, 1.1])**2 / 3 + sd**2 / 3 + 0.16),
                               rtol=1e-14)
    with pytest.raises(ValueError, match=r"reference_std must be >= 0"):
        comparison.model_offsets([1.0], [0.5], 3, draws, reference_std=-0.1)
    # one model draw: its spread is unknown and counts as 0
    _, ses1 = comparison.model_offsets([1.0], [0.6], 3, [0.5])
    assert ses1 == [pytest.approx(0.6 / math.sqrt(3))]
    with pytest.raises(ValueError, match=r"means and stds must have the same length"):
        comparison.model_offsets([1.0, 2.0], [0.5], 3, draws)
    with pytest.raises(ValueError, match=r"model_draws contains 1 non-finite"):
        comparison.model_offsets([1.0], [0.5], 3, [np.nan, 1.0])


def test_model_offsets_standard_error_against_simulated_offsets():
    """The offset's standard error against 20 000 simulated experiments: compressed networks averaged over
    3 draws (sd 0.8), a model of 3 noise draws (sd 0.5) around one weight draw of the dense network (sd
    0.3 between draws): within 3 % of the simulated offsets' spread, and 12 % too small without
    reference_std."""
    rng = np.random.default_rng(5)
    nets = rng.normal(80.0, 0.8, (20_000, 3)).mean(axis=1)
    base = rng.normal(81.0, 0.3, 20_000)                          # one dense weight draw per experiment
    model = (base[:, None] + rng.normal(0.0, 0.5, (20_000, 3))).mean(axis=1)
    spread = float(np.std(nets - model, ddof=1))
    _, (se,) = comparison.model_offsets([80.0], [0.8], 3, [81.0, 81.5, 80.5], reference_std=0.3)
    assert se == pytest.approx(spread, rel=0.03)
    _, (se_without,) = comparison.model_offsets([80.0], [0.8], 3, [81.0, 81.5, 80.5])
    assert se_without < 0.93 * spread
