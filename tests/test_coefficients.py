"""The alpha / beta / kappa recursions against hand-written closed forms."""
import math

import numpy as np
import pytest

import ntklc_lib as nl


def relu_moments(tau):
    return 0.5, 1 / (math.sqrt(2 * math.pi) * tau), 1 - 1 / math.pi, 0.5, tau**2 * (0.5 - 1 / (2 * math.pi))


def test_ck_and_ntk_recursions_for_two_relu_layers_by_hand():
    tau0 = 1.3
    d1, d2, d3, dd, v1 = relu_moments(tau0)
    a1 = np.array([d1**2, 0.25 * d2**2, 0.5 * d2**2, 0.5 * d3])
    e1, e2, e3, ee, v2 = relu_moments(math.sqrt(v1))
    a2 = np.array([e1**2 * a1[0], e1**2 * a1[1] + 0.25 * e2**2 * a1[3] ** 2,
                   e1**2 * a1[2] + 0.5 * e2**2 * a1[0] ** 2, 0.5 * e3 * a1[3]])
    b1 = np.array([a1[0] + d1**2, a1[1], a1[2] + d2**2])
    b2 = np.array([a2[0] + e1**2 * b1[0], a2[1] + e1**2 * b1[1], a2[2] + e1**2 * b1[2] + e2**2 * a1[0] * b1[0]])
    k1 = v1 + dd * tau0**2
    k2 = v2 + ee * k1
    c = nl.coefficients.ntk(["relu", "relu"], tau0)
    np.testing.assert_allclose(c.alpha, [a1, a2], rtol=1e-13)
    np.testing.assert_allclose(c.beta, [b1, b2], rtol=1e-13)
    np.testing.assert_allclose(c.kappa2, [tau0**2, k1, k2], rtol=1e-13)
    np.testing.assert_allclose(c.tau, [tau0, math.sqrt(v1), math.sqrt(v2)], rtol=1e-13)


def erf_moments(tau):
    # f = erf: d1 = E f', dd = E f'^2, var = E f^2 (f odd: mean 0, d2 = 0), d3 = E (f^2)'' by Stein's lemma
    q, r = 1 + 2 * tau**2, 1 + 4 * tau**2
    return (2 / math.sqrt(math.pi * q), 0.0, 8 / (math.pi * q * math.sqrt(r)), 4 / (math.pi * math.sqrt(r)),
            2 / math.pi * math.asin(2 * tau**2 / q))


@pytest.mark.parametrize("names", [("erf", "relu"), ("relu", "erf")])
def test_recursions_read_each_layers_moments_at_its_own_scale(names):
    """ReLU's d1, d3 and dd do not depend on the scale, so two ReLU layers cannot tell which layer's
    moments a recursion reads; erf's all do, and its d2 = 0 isolates the cross terms."""
    moments = {"relu": relu_moments, "erf": erf_moments}
    tau0 = 1.3
    d1, d2, d3, dd, v1 = moments[names[0]](tau0)
    e1, e2, e3, ee, v2 = moments[names[1]](math.sqrt(v1))
    a1 = np.array([d1**2, 0.25 * d2**2, 0.5 * d2**2, 0.5 * d3])
    a2 = np.array([e1**2 * a1[0], e1**2 * a1[1] + 0.25 * e2**2 * a1[3] ** 2,
                   e1**2 * a1[2] + 0.5 * e2**2 * a1[0] ** 2, 0.5 * e3 * a1[3]])
    b1 = np.array([a1[0] + d1**2, a1[1], a1[2] + d2**2])
    b2 = np.array([a2[0] + e1**2 * b1[0], a2[1] + e1**2 * b1[1], a2[2] + e1**2 * b1[2] + e2**2 * a1[0] * b1[0]])
    k1 = v1 + dd * tau0**2
    c = nl.coefficients.ntk(list(names), tau0)
    np.testing.assert_allclose(c.alpha, [a1, a2], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(c.beta, [b1, b2], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(c.kappa2, [tau0**2, k1, v2 + ee * k1], rtol=1e-12)
    np.testing.assert_allclose(c.tau, [tau0, math.sqrt(v1), math.sqrt(v2)], rtol=1e-12)


def test_alpha1_is_the_linear_part_of_the_limit_kernel():
    """For a linear activation the limit CK is exactly alpha_L1 X^T X (alpha_2 = alpha_3 = 0)."""
    d = nl.data.gmm("mixed", n=50, p=60, seed=3)
    acts = [nl.activations.get("poly2", coefficients=(0.0, 0.7, 0.0))] * 2
    c = nl.coefficients.ck(acts, 1.0)
    assert c.final[1] == 0 and c.final[2] == 0
    K = nl.kernels.ck_limit(d.X, acts)
    np.testing.assert_allclose(K, c.final[0] * d.X.T @ d.X, rtol=1e-12, atol=1e-14)


def test_zero_variance_layer_is_rejected():
    with pytest.raises(ValueError, match="zero variance"):
        nl.coefficients.ck([nl.activations.get("poly2", coefficients=(1.0, 0.0, 0.0))], 1.0)


@pytest.mark.parametrize("value", [1.0, 3.0, 5.0, -2.0])
def test_a_constant_custom_activation_has_zero_variance(value):
    """By quadrature the mean of 0 * t + 3 missed 3 by a few ulps, so f - E f was a spread of ~1e-16 and the
    variance ~2e-31, not 0: the zero-variance check let the constant through and every kernel came out
    ~1e-31, without a word.  Its moments are now exactly 0 and the layer is refused, alone or before a relu."""
    const = nl.activations.custom(lambda t: 0 * t + value)
    taus = np.array([0.3, 1.0, 2.5])
    m = nl.activations.moments(const, taus)
    for key in ("var", "d1", "d2", "d3"):
        np.testing.assert_array_equal(getattr(m, key), 0.0, err_msg=key)
    np.testing.assert_array_equal(m.mean, value)
    d = nl.data.gmm("mixed", n=20, p=30, seed=0)
    for acts in ([const], [const, "relu"]):
        for kernel in (lambda: nl.kernels.ck_limit(d.X, acts), lambda: nl.kernels.ck_tilde(d.X, d.y, acts),
                       lambda: nl.kernels.ck_empirical(d.X, acts, [10] * len(acts))):
            with pytest.raises(ValueError, match=r"activation 'custom' has zero variance at tau=.*constant"):
                kernel()
    # a nearly constant f that is not constant keeps its small variance: 3 + 1e-6 t has var 1e-12 tau^2
    slope = nl.activations.custom(lambda t: 3.0 + 1e-6 * t)
    np.testing.assert_allclose(nl.activations.moments(slope, taus).var, 1e-12 * taus**2, rtol=1e-8)


def test_a_tau0_so_small_that_the_moments_overflow_is_named():
    # relu's d2 = 1/(sqrt(2 pi) tau0) = 4e159 at 1e-160; its square overflowed with a bare OverflowError
    with pytest.raises(ValueError, match=r"tau0 = 1e-160 is too small for these activations"):
        nl.coefficients.ck(["relu"], 1e-160)
    # 1e-100 still works, and alpha_1 = d1^2 = 1/4 whatever the scale (relu is homogeneous)
    assert nl.coefficients.ck(["relu"], 1e-100).alpha[-1][0] == pytest.approx(0.25, rel=1e-12)
