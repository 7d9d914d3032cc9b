"""The activation solver of THEORY.md section 4 (issue acceptance item 1) and ternary weights."""
import math

import numpy as np
import pytest

import ntklc_lib as nl
from ntklc_lib import compress as C

ORIGINALS = ["relu", "tanh", "erf", "lrelu"]


@pytest.mark.parametrize("name", ORIGINALS)
@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_moments_mode_matches_required_moments_and_alphas(name, depth):
    acts = [name] * depth
    plan = C.solve(acts, 1.0, mode="moments")
    # hidden layers: d1^2, d2^2, d3; last layer: d1^2, d2^2 (columns of residuals: d1sq, d2sq, d3, var)
    for l in range(depth):
        required = [0, 1] if l == depth - 1 else [0, 1, 2]
        assert np.all(np.abs(plan.residuals[l, required]) <= 1e-10), (l, plan.residuals[l])
        assert all(np.isnan(plan.residuals[l, j]) for j in range(4) if j not in required)
    ao, ac = plan.alpha_original[-1, :3], plan.alpha_compressed[-1, :3]
    # alpha_L2 is exactly zero for odd activations: compare on the scale of the alpha vector
    assert np.max(np.abs(ac - ao)) <= 1e-8 * np.max(np.abs(ao))
    assert plan.identity_shift == pytest.approx(plan.tau_compressed[-1] ** 2 - plan.tau_original[-1] ** 2)
    assert all(a.is_step for a in plan.compressed)


def test_solver_is_deterministic():
    a = C.solve(["relu", "tanh", "erf"], 0.8)
    b = C.solve(["relu", "tanh", "erf"], 0.8)
    for la, lb in zip(a.layers, b.layers):
        assert la.family == lb.family and la.x == lb.x and la.b == lb.b


def test_achieved_moments_are_checked_by_quadrature():
    """The compressed activations' moments, recomputed by adaptive quadrature, equal the targets."""
    plan = C.solve(["relu"] * 3, 1.0)
    for l, act in enumerate(plan.compressed):
        quad = nl.activations.custom(act.fn, breakpoints=act.breakpoints)
        m = nl.activations.moments(quad, plan.tau_compressed[l])
        got = np.array([m.d1**2, m.d2**2, m.d3])
        need = plan.targets[l, :3] if l < 2 else plan.targets[l, :2]
        np.testing.assert_allclose(got[: need.size], need, rtol=1e-8)


def test_scale_mode_keeps_every_tau_and_has_no_identity_shift():
    plan = C.solve(["relu"] * 3, 1.0, mode="scale")
    np.testing.assert_allclose(plan.tau_compressed, plan.tau_original, rtol=1e-10)
    assert abs(plan.identity_shift) < 1e-10
    assert np.all(np.abs(plan.residuals[:, [0, 3]]) <= 1e-10)


def test_unreachable_target_raises_naming_layer_and_target():
    # a 3-level function cannot correlate with xi as strongly as tanh does: (d1^2, tau^2) is out of reach
    with pytest.raises(ValueError, match=r"layer 1 \('tanh', mode 'scale'\).*d1sq=.*var="):
        C.solve(["tanh"], 1.0, mode="scale")
    with pytest.raises(ValueError, match="mode must be one of"):
        C.solve(["relu"], 1.0, mode="exact")


def test_compressed_closed_form_kernel_equals_original_up_to_identity_shift():
    d = nl.data.gmm("mixed", n=300, p=300, seed=0)
    tau0 = math.sqrt(np.mean(np.sum(d.X**2, 0)))
    plan = C.solve(["relu"] * 3, tau0)
    Ko = nl.kernels.ck_tilde(d.X, d.y, plan.original)
    Kc = nl.kernels.ck_tilde(d.X, d.y, plan.compressed)
    np.testing.assert_allclose(Kc - Ko, plan.identity_shift * np.eye(300), atol=1e-9)


def test_compressed_limit_kernel_is_close_to_original_after_removing_the_shift():
    """The exact limit CK of the compressed net (step activations) minus the identity shift is close to
    the original's limit CK: both are close to the same K~ (THEORY.md section 3)."""
    d = nl.data.gmm("mixed", n=800, p=800, seed=1)
    plan = C.solve(["relu"] * 3, math.sqrt(np.mean(np.sum(d.X**2, 0))))
    Ko = nl.kernels.ck_limit(d.X, plan.original)
    Kc = nl.kernels.ck_limit(d.X, plan.compressed)
    before = nl.spectra.relative_error(Kc, Ko)
    after = nl.spectra.relative_error(Kc - plan.identity_shift * np.eye(800), Ko)
    assert after < 0.06 and before > 0.15


def test_ternary_weights_law():
    W = C.ternary_weights((400, 500), sparsity=0.9, seed=3)
    s = 1 / math.sqrt(0.1)
    vals, counts = np.unique(W, return_counts=True)
    np.testing.assert_allclose(sorted(vals), [-s, 0, s], rtol=1e-6)
    n = W.size
    # binomial standard errors
    assert abs(np.mean(W == 0) - 0.9) < 5 * math.sqrt(0.9 * 0.1 / n)
    assert abs(np.mean(W > 0) - 0.05) < 5 * math.sqrt(0.05 * 0.95 / n)
    assert abs(W.astype(np.float64).var() - 1) < 0.02
    np.testing.assert_array_equal(W, C.ternary_weights((400, 500), sparsity=0.9, seed=3))
    with pytest.raises(ValueError, match=r"sparsity must lie in \[0.0, 1.0\)"):
        C.ternary_weights((3, 3), sparsity=1.0)
    with pytest.raises(ValueError, match=r"sparsity must lie in \[0.0, 1.0\)"):
        C.ternary_weights((3, 3), sparsity=-0.1)
