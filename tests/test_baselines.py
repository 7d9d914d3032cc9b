"""Baselines: magnitude pruning, random pruning, naive sign quantization."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

import ntklc_lib as nl
from ntklc_lib import baselines, networks


@pytest.fixture(scope="module")
def dense():
    return networks.dense_net(200, (300, 150), ["relu", "relu"], seed=4)


@pytest.mark.parametrize("eps", [0.5, 0.9, 0.99])
def test_magnitude_pruning_keeps_the_largest_weights_rescaled_to_unit_mean_square(dense, eps):
    pruned = baselines.magnitude_pruned(dense, eps)
    assert pruned.weight_law == "magnitude_pruned" and pruned.acts == dense.acts and pruned.centers == dense.centers
    for W0, W in zip(dense.weights, pruned.weights):
        kept = W != 0
        assert int(kept.sum()) == round((1 - eps) * W.numel())
        # every kept |w| is at least every pruned |w| of the original
        assert float(W0[kept].abs().min()) >= float(W0[~kept].abs().max())
        ratio = (W[kept].double() / W0[kept].double()).numpy()
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-6)         # one factor per layer, signs kept
        assert ratio[0] > 0
        assert float(torch.mean(W.double() ** 2)) == pytest.approx(1.0, rel=1e-6)


def test_magnitude_pruning_gives_ties_to_the_lower_index():
    base = networks.dense_net(3, (2,), ["relu"], seed=0)
    W = torch.tensor([[1.0, -2.0, 1.0], [2.0, -1.0, 2.0]])
    tied = networks.RandomFeatureNet((W,), base.acts, base.centers, base.tau, "gaussian", 0.0, base.seed)
    kept = baselines.magnitude_pruned(tied, 1 / 3).weights[0].reshape(-1) != 0
    # four of six kept: the three |w| = 2 and, of the three |w| = 1, the first (flat index 0)
    assert kept.tolist() == [True, True, False, True, False, True]


def test_random_pruning_is_independent_of_the_weights_and_has_unit_variance(dense):
    eps = 0.8
    pruned = baselines.random_pruned(dense, eps, seed=4)      # same seed as the weights, on purpose
    W0, W = dense.weights[0].double(), pruned.weights[0].double()
    kept = W != 0
    N = W.numel()
    frac = float((~kept).double().mean())
    assert abs(frac - eps) < 5 * math.sqrt(eps * (1 - eps) / N)
    np.testing.assert_allclose(W[kept].numpy(), (W0[kept] / math.sqrt(1 - eps)).numpy(), rtol=1e-6)
    # a mask correlated with |w| would make these differ; both estimate E|w| = sqrt(2/pi)
    a, b = W0[kept].abs(), W0[~kept].abs()
    se = math.sqrt(float(a.var()) / a.numel() + float(b.var()) / b.numel())
    assert abs(float(a.mean()) - float(b.mean())) < 5 * se
    # mean square 1 in law: within 5 standard errors of 1
    se_ms = math.sqrt(float((W**2).var()) / N)
    assert abs(float((W**2).mean()) - 1.0) < 5 * se_ms


def test_random_pruning_mask_does_not_reuse_the_data_subset_streams(dense):
    """preprocess.mnist_train_test draws the train and test subsets from numpy streams [seed, 0] and
    [seed, 1], and the MNIST chapter passes one seed to both.  Before, the mask came from [seed, 1]: its
    uniforms were those behind the test digits' permutation.  Independent uniforms agree on a kept/pruned
    decision with probability eps^2 + (1 - eps)^2, the same uniforms always."""
    eps, seed = 0.5, 4
    kept = (baselines.random_pruned(dense, eps, seed=seed).weights[0] != 0).numpy()
    N = kept.size
    agree_expected = eps**2 + (1 - eps) ** 2
    se = math.sqrt(agree_expected * (1 - agree_expected) / N)
    for key in (0, 1):
        same_bits = np.random.default_rng([seed, key]).random(kept.shape) >= eps
        agree = float(np.mean(kept == same_bits))
        assert abs(agree - agree_expected) < 5 * se, (key, agree)


def test_sign_net_features_have_unit_norm_and_the_library_kernel():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 20)) / math.sqrt(50)
    net = baselines.sign_net(50, (120, 80), sparsity=0.9, seed=6, dtype=torch.float64)
    assert all(a.is_step and a.values == (-1.0, 1.0) for a in net.acts) and net.weight_law == "ternary"
    F = networks.features(net, X)
    # sign takes the values ±1 and is centred at 0, so ||Sigma_L(x)||^2 = 1 exactly for every sample
    np.testing.assert_allclose(np.sum(F * F, axis=0), 1.0, rtol=1e-12)
    K = nl.kernels.ck_empirical(X, ["sign", "sign"], (120, 80), weights="ternary", sparsity=0.9, seed=6, tau0=1.0)
    np.testing.assert_allclose(F.T @ F, K, atol=1e-13)


def test_pruned_fraction(dense):
    np.testing.assert_allclose(baselines.pruned_fraction(baselines.magnitude_pruned(dense, 0.9)), 0.9, atol=1e-4)
    assert np.all(baselines.pruned_fraction(dense) == 0)


def test_units_without_inputs():
    # by hand: rows 1 and 3 of the first layer's 4 x 3 weights are zero; the second layer has none
    W1 = torch.tensor([[1.0, 0, 0], [0, 0, 0], [0, -2.0, 0.5], [0, 0, 0]])
    W2 = torch.tensor([[1.0, 0, 2.0, 0], [0, -1.0, 0, 0.5]])   # 4 of 8 kept: sparsity 0.5
    net = dataclasses.replace(networks.dense_net(3, (4, 2), ["relu", "relu"]), weights=(W1, W2),
                              weight_law="magnitude_pruned", sparsity=0.5)
    np.testing.assert_array_equal(baselines.units_without_inputs(net), [0.5, 0.0])
    # a random mask on 6 inputs: each unit keeps none with probability eps^6 (0.6^6 = 0.0467 of 4000 units)
    wide = baselines.random_pruned(networks.dense_net(6, (4000,), ["relu"], seed=1), 0.6, seed=2)
    frac, expected = baselines.units_without_inputs(wide)[0], 0.6**6
    assert abs(frac - expected) < 5 * math.sqrt(expected * (1 - expected) / 4000), frac
    assert np.all(baselines.units_without_inputs(networks.dense_net(5, (7,), ["relu"])) == 0)


@pytest.mark.parametrize("call, name", [
    (lambda d: baselines.magnitude_pruned(d, 1.0), "sparsity"),
    (lambda d: baselines.random_pruned(d, -0.1), "sparsity"),
    (lambda d: baselines.random_pruned(d, 0.5, seed=-3), "seed"),
    (lambda d: baselines.magnitude_pruned(networks.ternary_net(20, (10,), ["relu"]), 0.5),
     r"net must be a dense Gaussian net \(weight_law 'gaussian'\), got 'ternary'"),
])
def test_bad_arguments_raise_value_errors_naming_them(dense, call, name):
    with pytest.raises(ValueError, match=name):
        call(dense)


def test_magnitude_pruning_that_would_keep_no_weight_of_a_layer_is_refused(dense):
    """Before: one weight was kept anyway and the net recorded a sparsity its layer did not have."""
    small = networks.dense_net(20, (16,), ["relu"], seed=0)                  # 320 weights
    with pytest.raises(ValueError, match=r"^sparsity = 0\.99999 left no non-zero weight in layer 1 \(16 x 20 = "
                                         r"320 weights\): \(1 - sparsity\) \* d_in \* d_out = 0\.0032 is below 1"):
        baselines.magnitude_pruned(small, 0.99999)
    # 0.998 rounds to one kept weight (0.64 expected): allowed, the count rounds as documented
    assert int((baselines.magnitude_pruned(small, 0.998).weights[0] != 0).sum()) == 1


def test_random_pruning_that_keeps_no_weight_of_a_layer_is_refused(dense):
    """At sparsity 0.999999 the mask kept none of a layer's 60 000 weights (0.06 expected): a dead net."""
    with pytest.raises(ValueError, match=r"^sparsity = 0\.999999 left no non-zero weight in layer 1 \(300 x 200 = "
                                         r"60000 weights\): \(1 - sparsity\) \* d_in \* d_out = 0\.06 is below 1"):
        baselines.random_pruned(dense, 0.999999)
    # at 0.9999 (6 and 4.5 weights expected) this seed keeps some in both layers: the net is built as
    # before, survivors scaled by 1/sqrt(1 - eps)
    pruned = baselines.random_pruned(dense, 0.9999, seed=0)
    for W0, W in zip(dense.weights, pruned.weights):
        kept = W != 0
        assert int(kept.sum()) > 0
        np.testing.assert_allclose(W[kept].double().numpy(), (W0[kept].double() / math.sqrt(1e-4)).numpy(),
                                   rtol=1e-6)
