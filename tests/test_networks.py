"""Frozen random-feature networks: they are the nets whose kernels the library computes."""
from __future__ import annotations

import math
import types

import numpy as np
import pytest
import torch

import ntklc_lib as nl
from ntklc_lib import activations as A
from ntklc_lib import coefficients, networks


def standin_plan(L: int, tau0: float = 1.0):
    """A hand-built plan with the solver's interface: {0, b} steps, centred at their Gaussian means."""
    acts = tuple(A.binary([(0.3 * (l + 1), np.inf)], b=1.0 + 0.5 * l) for l in range(L))
    ms, taus = coefficients.layer_moments(acts, tau0)
    return types.SimpleNamespace(compressed=acts, centers=np.array([float(m.mean) for m in ms]), tau_compressed=taus)


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return rng.standard_normal((40, 25)) / math.sqrt(40)


def test_dense_net_is_the_empirical_ck_of_the_library(X):
    acts, widths = ["relu", "tanh"], (150, 90)
    net = networks.dense_net(40, widths, acts, tau0=1.0, seed=3, dtype=torch.float64)
    F = networks.features(net, X)
    K = nl.kernels.ck_empirical(X, acts, widths, draws=1, seed=3, tau0=1.0)
    assert F.shape == (90, 25)
    np.testing.assert_allclose(F.T @ F, K, rtol=0, atol=1e-13)


def test_ternary_net_is_the_empirical_ck_with_ternary_weights(X):
    acts, widths = ["relu", "relu", "relu"], (120, 100, 80)
    net = networks.ternary_net(40, widths, acts, tau0=1.0, sparsity=0.7, seed=5, dtype=torch.float64)
    K = nl.kernels.ck_empirical(X, acts, widths, weights="ternary", sparsity=0.7, seed=5, tau0=1.0)
    np.testing.assert_allclose(networks.conjugate_kernel(net, X), K, rtol=0, atol=1e-13)


def test_compressed_net_uses_the_plan_activations_centres_and_ternary_weights(X):
    plan = standin_plan(2)
    net = networks.compressed_net(40, (130, 70), plan, sparsity=0.9, seed=2, dtype=torch.float64)
    assert net.acts == plan.compressed and net.weight_law == "ternary"
    np.testing.assert_array_equal(net.tau, plan.tau_compressed)
    K = nl.kernels.ck_empirical(X, plan.compressed, (130, 70), weights="ternary", sparsity=0.9, seed=2, tau0=1.0)
    np.testing.assert_allclose(networks.conjugate_kernel(net, X), K, rtol=0, atol=1e-13)


def test_ternary_weights_take_three_values_with_the_sparsity_asked():
    eps = 0.9
    net = networks.ternary_net(300, (500,), ["relu"], sparsity=eps, seed=1)
    W = net.weights[0]
    s = np.float32(1 / math.sqrt(1 - eps))
    assert set(np.unique(W.numpy()).tolist()) == {-s, 0.0, s}
    zeros = float((W == 0).float().mean())
    se = math.sqrt(eps * (1 - eps) / W.numel())
    assert abs(zeros - eps) < 5 * se


def test_one_layer_feature_norm_is_tau1_squared_in_expectation():
    # one Gaussian layer: w_k^T x ~ N(0, ||x||^2) exactly, so E ||Sigma_1(x)||^2 = Var relu(tau0 xi) = tau_1^2
    rng = np.random.default_rng(4)
    X = rng.standard_normal((60, 50))
    X /= np.linalg.norm(X, axis=0)           # every column of norm tau0 = 1
    d, draws = 400, 10
    sq = np.concatenate([np.sum(networks.features(networks.dense_net(60, (d,), ["relu"], 1.0, seed=k,
                                                                     dtype=torch.float64), X) ** 2, axis=0)
                         for k in range(draws)])
    m = nl.activations.moments("relu", 1.0)
    # per draw, the 50 samples share the weights: use the spread of the per-draw means for the error
    per_draw = sq.reshape(draws, -1).mean(axis=1)
    se = per_draw.std(ddof=1) / math.sqrt(draws)
    assert abs(per_draw.mean() - float(m.var)) < 4 * se + 1e-12
    assert float(m.var) == pytest.approx(0.5 - 1 / (2 * math.pi))


def test_float32_sparse_and_batched_features_agree(X):
    net64 = networks.ternary_net(40, (200, 100), ["relu", "relu"], sparsity=0.8, seed=7, dtype=torch.float64)
    net32 = networks.ternary_net(40, (200, 100), ["relu", "relu"], sparsity=0.8, seed=7)
    F64 = networks.features(net64, X)
    assert networks.features(net32, X).dtype == np.float32
    np.testing.assert_allclose(networks.features(net32, X), F64, rtol=0, atol=1e-5 * np.abs(F64).max())
    np.testing.assert_allclose(networks.features(net64, X, batch_size=7), F64, rtol=0, atol=1e-14)
    np.testing.assert_allclose(networks.features(net64, X, sparse=True), F64, rtol=0, atol=1e-13)


def test_net_shape_properties():
    net = networks.dense_net(30, (20, 10), ["relu", "relu"], seed=0)
    assert net.p == 30 and net.widths == (20, 10) and net.depth == 2
    assert net.n_weights == 30 * 20 + 20 * 10
    assert net.tau.shape == (3,) and len(net.centers) == 2


@pytest.mark.parametrize("call, name", [
    (lambda: networks.dense_net(30, (20,), ["relu", "relu"]), "widths"),
    (lambda: networks.dense_net(0, (20,), ["relu"]), r"p must be a positive integer \(>= 1\), got 0"),
    (lambda: networks.dense_net(30, (20,), ["relu"], seed=-1), "seed"),
    (lambda: networks.ternary_net(30, (20,), ["relu"], sparsity=1.0), "sparsity"),
    (lambda: networks.compressed_net(30, (20,), standin_plan(2)), "widths"),
    (lambda: networks.compressed_net(
        30, (20,), types.SimpleNamespace(**{**vars(standin_plan(1)), "centers": [0.1, 0.2]})),
     r"plan must have 1 centers and 2 tau_compressed values, got 2 and \(2,\)"),
    (lambda: networks.features(networks.dense_net(30, (20,), ["relu"]), np.zeros((29, 4))),
     r"X must have p = 30 rows .*got shape \(29, 4\)"),
])
def test_bad_arguments_raise_value_errors_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("call", [
    lambda thing: networks.features(thing, np.eye(3)),
    lambda thing: networks.conjugate_kernel(thing, np.eye(3)),
    lambda thing: nl.memory.net_bits(thing),
    lambda thing: nl.memory.state_dict_bits(thing),
    lambda thing: nl.baselines.magnitude_pruned(thing, 0.5),
    lambda thing: nl.baselines.pruned_fraction(thing),
], ids=["features", "conjugate_kernel", "net_bits", "state_dict_bits", "magnitude_pruned", "pruned_fraction"])
def test_functions_of_a_net_name_it_when_given_something_else(call):
    # a readout or a plan passed in place of the net: an AttributeError deep inside before
    with pytest.raises(ValueError, match=r"net must be a RandomFeatureNet .*got (str|SimpleNamespace)"):
        call("relu")
    with pytest.raises(ValueError, match=r"net must be a RandomFeatureNet .*got SimpleNamespace"):
        call(standin_plan(1))


def test_a_plan_that_is_not_a_compression_plan_is_a_type_error():
    with pytest.raises(TypeError, match="plan must be a CompressionPlan .*got str"):
        networks.compressed_net(30, (20,), "relu")


def rebuild(net, **changes):
    fields = dict(weights=net.weights, acts=net.acts, centers=net.centers, tau=net.tau, weight_law=net.weight_law,
                  sparsity=net.sparsity, seed=net.seed)
    return networks.RandomFeatureNet(**{**fields, **changes})


@pytest.mark.parametrize("changes, match", [
    (dict(sparsity=5.0), r"sparsity must lie in \[0.0, 1.0\)"),
    (dict(sparsity=-0.1), "sparsity"),
    (dict(centers=(float("nan"), 0.0)), "centers must hold finite numbers"),
    (dict(tau=np.array([1.0, np.inf, 1.0])), "tau must hold finite numbers"),
    (dict(acts=("relu", "no_such_activation")), r"acts\[1\].*unknown activation name"),
    (dict(seed=1.5), "seed must be an integer >= 0"),
    (dict(weights=(torch.zeros((20, 30), dtype=torch.int64), torch.zeros((10, 20)))), r"weights\[0\] must be"),
    # NaN or inf weights gave NaN features without a word
    (dict(weights=(torch.zeros((20, 30)), torch.full((10, 20), float("nan")))),
     r"weights\[1\] contains 200 non-finite entries \(NaN or inf\)"),
    (dict(weights=(torch.zeros((20, 30)).index_fill_(0, torch.tensor([3]), float("inf")), torch.zeros((10, 20)))),
     r"weights\[0\] contains 30 non-finite entries"),
])
def test_random_feature_net_rejects_bad_fields(changes, match):
    net = networks.dense_net(30, (20, 10), ["relu", "relu"], seed=0)
    with pytest.raises(ValueError, match=match):
        rebuild(net, **changes)


@pytest.mark.parametrize("changes, match", [
    # ReLU's mean at tau 1 is 1/sqrt(2 pi) = 0.399, not 0: features would carry a constant offset
    (dict(centers=(0.0, networks.dense_net(30, (20, 10), ["relu", "relu"]).centers[1])),
     r"centers\[0\] = 0 is not the mean E f\(tau xi\) = 0.3989"),
    (dict(tau=np.array([1.0, -0.5, 0.3])), r"tau must hold L\+1 = 3 scales > 0"),
    (dict(tau=np.array([2.0, 0.5838, 0.3])),
     r"centers\[0\] = 0.3989\d* is not the mean E f\(tau xi\) = 0.7978\d* .* tau\[0\] = 2"),
    (dict(tau=np.array([1.0, 0.5838 * 1.01, 0.3])), r"tau\[1\] = 0.5896\d* is not the scale .* = 0.5838\d*"),
    (dict(sparsity=0.5), r"sparsity must be 0 for weight_law 'gaussian'"),
])
def test_random_feature_net_rejects_fields_that_do_not_fit_together(changes, match):
    net = networks.dense_net(30, (20, 10), ["relu", "relu"], seed=0)
    with pytest.raises(ValueError, match=match):
        rebuild(net, **changes)


def test_a_ternary_net_must_have_ternary_weights_of_unit_variance():
    net = networks.ternary_net(30, (20,), ["relu"], sparsity=0.5, seed=0)
    W = net.weights[0]
    with pytest.raises(ValueError, match=r"weights\[0\] must take the values 0 and ±1/sqrt\(1 - sparsity\) = ±1.414"):
        rebuild(net, weights=(W * 2.0,))          # ternary, but variance 4
    graded = W.clone()
    graded[W != 0] *= torch.linspace(0.5, 1.5, int((W != 0).sum()))
    with pytest.raises(ValueError, match=r"non-zero magnitudes 0.70.*2.12"):
        rebuild(net, weights=(graded,))
    with pytest.raises(ValueError, match=r"±1/sqrt\(1 - sparsity\) = ±3.162"):
        rebuild(net, sparsity=0.9)              # the scale says sparsity 0.5
    # the magnitude-pruned baseline of a Gaussian net is not "ternary" and keeps its weights' values
    assert nl.baselines.magnitude_pruned(networks.dense_net(30, (20,), ["relu"]), 0.5).weight_law == "magnitude_pruned"


@pytest.mark.parametrize("law", ["magnitude_pruned", "random_pruned"])
def test_a_dense_matrix_cannot_pass_for_a_pruned_one(law):
    # memory.net_bits would price these 600 weights as the 60 a 0.9-sparse net keeps
    dense = networks.dense_net(30, (20,), ["relu"], seed=0)
    with pytest.raises(ValueError, match=r"weights\[0\] has 600 non-zero entries of 600, which does not fit "
                                         r"sparsity 0.9 for weight_law '" + law + "'"):
        rebuild(dense, weight_law=law, sparsity=0.9)
    pruned = nl.baselines.magnitude_pruned(dense, 0.9)
    assert int(torch.count_nonzero(pruned.weights[0])) == 60
    with pytest.raises(ValueError, match=r"has 60 non-zero entries of 600, which does not fit sparsity 0.95"):
        rebuild(pruned, sparsity=0.95)           # magnitude pruning at 0.95 keeps 30


def test_a_ternary_net_must_keep_about_its_share_of_weights():
    net = networks.ternary_net(30, (20,), ["relu"], sparsity=0.5, seed=0)
    W = net.weights[0]
    full = torch.where(W == 0, W.abs().max(), W)   # the right values ±sqrt(2), but none zero: variance 2
    with pytest.raises(ValueError, match=r"has 600 non-zero entries of 600, which does not fit sparsity 0.5"):
        rebuild(net, weights=(full,))
    few = torch.zeros_like(W)
    few[0, :5] = W.abs().max()                     # 5 of 600 kept: variance 1/60
    with pytest.raises(ValueError, match=r"has 5 non-zero entries of 600, .* must keep \d+\.\.\d+"):
        rebuild(net, weights=(few,))


def _binomial_cdf(k: int, size: int, q: float) -> float:
    """P(Binomial(size, q) <= k) through the regularized incomplete beta I_{1-q}(size - k, k + 1)
    (independent of scipy.stats.binom, which kept_count_range uses)."""
    from scipy.special import betainc
    if k < 0:
        return 0.0
    if k >= size:
        return 1.0
    return float(betainc(size - k, k + 1, 1.0 - q))


@pytest.mark.parametrize("size", [1, 7, 600, 20_000, 1_000_000])
@pytest.mark.parametrize("sparsity", [0.0, 0.5, 0.9, 0.99, 0.99999])
def test_kept_count_range_holds_a_true_binomial_count_but_for_1e_9_a_side(size, sparsity):
    low, high = networks.kept_count_range(size, sparsity, "ternary")
    assert networks.kept_count_range(size, sparsity, "random_pruned") == (low, high)
    q = 1.0 - sparsity
    below, above = _binomial_cdf(low - 1, size, q), 1.0 - _binomial_cdf(high, size, q)
    alpha = networks.KEPT_COUNT_ALPHA
    # each tail at most alpha (up to the incomplete beta's rounding), and the range no wider than it needs:
    # one count further in, the tail it gives up is already above alpha
    assert below <= alpha * (1 + 1e-6) and above <= alpha * (1 + 1e-6), (low, high, below, above)
    assert low == 0 or _binomial_cdf(low, size, q) > alpha * (1 - 1e-6)
    assert high == size or 1.0 - _binomial_cdf(high - 1, size, q) > alpha * (1 - 1e-6)
    assert networks.kept_count_range(size, sparsity, "magnitude_pruned") == (0, round(q * size))
    assert networks.kept_count_range(size, sparsity, "gaussian") == (0, size)


def test_the_kept_count_is_one_definition_for_pruning_pricing_and_checking():
    # round half to even: 5 weights at sparsity 0.5 keep round(2.5) = 2, 7 at 0.5 keep round(3.5) = 4
    assert [networks.nominal_kept(n, 0.5) for n in (5, 7)] == [2, 4] and networks.nominal_kept(600, 0.9) == 60
    net = nl.baselines.magnitude_pruned(networks.dense_net(30, (20, 7), ["relu", "relu"], seed=0), 0.93)
    kept = [int(torch.count_nonzero(W)) for W in net.weights]
    assert kept == [networks.nominal_kept(600, 0.93), networks.nominal_kept(140, 0.93)] == [42, 10]
    assert [layer["kept"] for layer in nl.memory.pruned_layers(30, (20, 7), 0.93)] == kept
    with pytest.raises(ValueError, match="sparsity"):
        networks.nominal_kept(10, -0.1)


def test_kept_count_range_names_its_bad_arguments():
    with pytest.raises(ValueError, match="size"):
        networks.kept_count_range(0, 0.5, "ternary")
    with pytest.raises(ValueError, match="sparsity"):
        networks.kept_count_range(10, 1.0, "ternary")
    with pytest.raises(ValueError, match="weight_law"):
        networks.kept_count_range(10, 0.5, "pruned")


def test_genuine_sparse_nets_pass_the_count_check_over_many_draws():
    # 160 layers (20 seeds x 2 sparsities x 2 laws x 2 layers); a false alarm anywhere has probability < 4e-7
    for seed in range(20):
        for eps in (0.5, 0.99):
            networks.ternary_net(40, (50, 30), ["relu", "relu"], sparsity=eps, seed=seed)
            nl.baselines.random_pruned(networks.dense_net(40, (50, 30), ["relu", "relu"], seed=seed), eps, seed)


@pytest.mark.parametrize("factor", [5.0, 0.2])
def test_features_refuse_data_far_from_the_nets_scale(X, factor):
    net = networks.dense_net(40, (20,), ["relu"], seed=0)
    with pytest.raises(ValueError, match=r"X has scale tau_0 = sqrt\(mean \|\|x_i\|\|\^2\) = .* built for tau0 = 1 "):
        networks.features(net, factor * X)
    # a net built for that scale takes the same data, and its features are centred: the mean over
    # samples of each feature is near 0, as for normalized data with the tau0 = 1 net
    scaled = networks.dense_net(40, (2000,), ["relu"], tau0=nl.data.tau0(factor * X), seed=0)
    F = networks.features(scaled, factor * X)
    F1 = networks.features(networks.dense_net(40, (2000,), ["relu"], seed=0), X)
    assert abs(F.mean()) < 3 * F.std() / math.sqrt(F.size) + 0.1 * F.std()
    assert abs(F.mean()) / F.std() == pytest.approx(abs(F1.mean()) / F1.std(), abs=0.02)


def test_features_accept_test_data_a_little_off_the_training_scale(X):
    net = networks.dense_net(40, (20,), ["relu"], seed=0)
    for factor in (0.5, 1.3, 2.5):
        assert networks.features(net, factor * X).shape == (20, 25)


def test_activation_names_are_resolved(X):
    net = networks.dense_net(40, (20, 10), ["relu", "tanh"], seed=0, dtype=torch.float64)
    named = rebuild(net, acts=("relu", "tanh"), seed=None)
    assert [a.name for a in named.acts] == ["relu", "tanh"]
    np.testing.assert_array_equal(networks.features(named, X), networks.features(net, X))


@pytest.mark.parametrize("build", [
    lambda dtype: networks.dense_net(30, (20,), ["relu"], dtype=dtype),
    lambda dtype: networks.ternary_net(30, (20,), ["relu"], dtype=dtype),
    lambda dtype: networks.compressed_net(30, (20,), standin_plan(1), dtype=dtype),
])
# float16 / bfloat16 were accepted, then failed later with messages naming neither (the ternary check on the
# rounded ±1/sqrt(1 - eps), "unsupported ScalarType BFloat16" in features)
@pytest.mark.parametrize("dtype", [torch.int64, torch.bool, "float32", np.float64, torch.float16, torch.bfloat16])
def test_weights_must_have_a_floating_dtype(build, dtype):
    with pytest.raises(ValueError, match=r"dtype must be torch\.float32 or torch\.float64, got"):
        build(dtype)


@pytest.mark.parametrize("build, match", [
    (lambda: networks.ternary_net(20, (50,), ["relu"], sparsity=0.999999),
     r"layer 1 \(50 x 20 = 1000 weights\): \(1 - sparsity\) \* d_in \* d_out = 0\.001 is below 1 there"),
    (lambda: networks.compressed_net(20, (50,), standin_plan(1), sparsity=0.999999),
     r"layer 1 \(50 x 20 = 1000 weights\): \(1 - sparsity\) \* d_in \* d_out = 0\.001 is below 1 there"),
    # layer 1 (100000 weights) keeps some, layer 2 (5000) none with this seed
    (lambda: networks.ternary_net(20, (5000, 1), ["relu", "relu"], sparsity=0.9999, seed=1),
     r"layer 2 \(1 x 5000 = 5000 weights\): \(1 - sparsity\) \* d_in \* d_out = 0\.5 is below 1 there"),
    # one non-zero weight expected, none drawn (probability 0.95^20 = 0.36)
    (lambda: networks.ternary_net(20, (1,), ["relu"], sparsity=0.95, seed=6),
     r"layer 1 \(1 x 20 = 20 weights\) \(it expects \(1 - sparsity\) \* d_in \* d_out = 1 of them\)"),
])
def test_a_layer_drawn_without_a_weight_is_refused(build, match):
    """At sparsity 0.999999 every weight of a 50 x 20 layer came out 0 (0.001 non-zero expected): a dead net,
    its features constants, without a word."""
    with pytest.raises(ValueError, match=r"^sparsity = 0\.9+5? left no non-zero weight in " + match):
        build()


def test_nets_at_high_sparsity_that_keep_weights_are_built():
    # every layer has some weights, and the fraction of zeros is the sparsity within 5 standard errors
    for net in (networks.ternary_net(20, (5000, 1), ["relu", "relu"], sparsity=0.9999, seed=3),
                networks.ternary_net(20, (1,), ["relu"], sparsity=0.95, seed=3),
                networks.ternary_net(20, (200, 50), ["relu", "relu"], sparsity=0.99, seed=0)):
        for W in net.weights:
            n, eps = W.numel(), net.sparsity
            assert int((W != 0).sum()) > 0
            assert abs(float((W == 0).double().mean()) - eps) < 5 * math.sqrt(eps * (1 - eps) / n) + 1 / n


def test_random_feature_net_stores_plain_python_numbers(tmp_path):
    """np.float32 sparsity and np.int64 seed were kept as given, and memory.save_compressed then failed with a
    JSON TypeError."""
    net = networks.ternary_net(20, (5,), ["relu"], sparsity=0.5, seed=3)
    net2 = rebuild(net, sparsity=np.float32(0.5), seed=np.int64(3))
    assert type(net2.sparsity) is float and net2.sparsity == 0.5
    assert type(net2.seed) is int and net2.seed == 3
    loaded, _ = nl.memory.load_compressed(nl.memory.save_compressed(tmp_path / "net.npz", net2))
    assert (loaded.sparsity, loaded.seed) == (0.5, 3)
    assert all(torch.equal(W, W2) for W, W2 in zip(net.weights, loaded.weights))
