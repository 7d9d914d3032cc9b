"""Baselines the NTK-LC nets are compared with (THEORY.md section 5, Exp. 2.1).

- :func:`magnitude_pruned`: the dense Gaussian net with, in each layer, only the fraction (1 - sparsity)
  of weights of largest |w| kept, the kept weights rescaled by one factor per layer so the layer's entries
  again have mean square 1 (the unit variance the centring constants and THEORY.md section 3 assume);
  activations (ReLU) unchanged.
- :func:`random_pruned`: each Gaussian weight kept independently with probability 1 - sparsity and
  scaled by 1/sqrt(1 - sparsity) (unit variance in law); activations unchanged.
- :func:`sign_net`: naive quantization, sign activations and sparse ternary weights, no moment matching.

:func:`pruned_fraction` and :func:`units_without_inputs` describe what pruning left.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from . import checks
from .kernels import require_nonzero
from .networks import RandomFeatureNet, check_net, nominal_kept, ternary_net


# The second key word of the mask's numpy stream.  preprocess draws the MNIST train and test subsets from
# [seed, 0] and [seed, 1] (the MNIST compression chapter passes one seed to both), so a mask drawn from
# [seed, 1] reused the bits that chose the test digits; "mask" in ASCII is a key no other stream uses.
MASK_STREAM = 0x6D61736B


def _require_gaussian(net: RandomFeatureNet):
    check_net("net", net)
    if net.weight_law != "gaussian":
        raise ValueError(f"net must be a dense Gaussian net (weight_law 'gaussian'), got {net.weight_law!r}")


def magnitude_pruned(net: RandomFeatureNet, sparsity: float) -> RandomFeatureNet:
    """Keep the round((1 - sparsity) * size) largest-|w| weights of each layer of a dense Gaussian net.

    The kept weights are multiplied by sqrt(size / sum of kept w^2), so each layer's entries have mean
    square exactly 1; centring constants and scales are the dense net's.  Ties in |w| at the cut (rare,
    but float32 weights can tie) go to the lower flat index.  A layer where that count rounds to 0 raises
    ValueError naming ``sparsity`` (as :func:`random_pruned` does).
    """
    _require_gaussian(net)
    eps = checks.sparsity("sparsity", sparsity)
    pruned = []
    for l, W in enumerate(net.weights):
        flat = W.reshape(-1)
        k = nominal_kept(flat.numel(), eps)
        if k == 0:
            # keeping one weight anyway would record a sparsity the layer does not have
            require_nonzero(torch.zeros(W.shape, dtype=torch.bool), eps, f"layer {l + 1}")
        # a stable sort, so that ties go to the lower index as documented (topk breaks them arbitrarily)
        keep = torch.argsort(flat.abs().to(torch.float64), descending=True, stable=True)[:k]
        out = torch.zeros_like(flat, dtype=torch.float64)
        vals = flat[keep].to(torch.float64)
        out[keep] = vals * math.sqrt(flat.numel() / float(torch.sum(vals * vals)))
        pruned.append(out.reshape(W.shape).to(W.dtype))
    return RandomFeatureNet(tuple(pruned), net.acts, net.centers, net.tau, "magnitude_pruned", eps, net.seed)


def random_pruned(net: RandomFeatureNet, sparsity: float, seed: int = 0) -> RandomFeatureNet:
    """Zero each weight of a dense Gaussian net independently with probability ``sparsity`` and scale the
    survivors by 1/sqrt(1 - sparsity) (unit variance in law); the mask is drawn with ``seed`` (independently
    of the weights, whatever seed they were drawn with, and of the data subsets that
    :func:`preprocess.mnist_train_test` draws with the same seed).  A layer left without a weight raises
    ValueError naming ``sparsity`` (its features would be constants)."""
    _require_gaussian(net)
    eps = checks.sparsity("sparsity", sparsity)
    # numpy's PCG64, not a torch generator: torch.rand from the seed of the net's own torch.randn draw
    # would reuse the uniforms behind those Gaussians and correlate the mask with |w|
    rng = np.random.default_rng([checks.seed("seed", seed), MASK_STREAM])
    pruned = []
    for l, W in enumerate(net.weights):
        keep = torch.from_numpy(rng.random(tuple(W.shape)) >= eps)
        require_nonzero(keep, eps, f"layer {l + 1}")
        pruned.append((W.to(torch.float64) * keep / math.sqrt(1.0 - eps)).to(W.dtype))
    return RandomFeatureNet(tuple(pruned), net.acts, net.centers, net.tau, "random_pruned", eps, net.seed)


def sign_net(p: int, widths, tau0: float = 1.0, sparsity: float = 0.9, seed: int = 0,
             dtype=torch.float32) -> RandomFeatureNet:
    """Naive quantization: sign activations on every layer, sparse ternary weights, no moment matching."""
    widths = checks.positive_ints("widths", widths)
    return ternary_net(p, widths, ["sign"] * len(widths), tau0, sparsity, seed, dtype)


def pruned_fraction(net: RandomFeatureNet) -> np.ndarray:
    """Fraction of zero weights in each layer: (L,)."""
    check_net("net", net)
    return np.array([float((W == 0).sum()) / W.numel() for W in net.weights])


def units_without_inputs(net: RandomFeatureNet) -> np.ndarray:
    """Fraction of each layer's units whose incoming weights are all zero: (L,).

    Such a unit's pre-activation is 0 whatever the input, so its centred feature is a constant: pruning
    layer by layer at high sparsity leaves the net fewer working units than its width.  For a random
    mask the expected fraction in layer l is sparsity^(d_{l-1}); a magnitude mask is not random."""
    check_net("net", net)
    return np.array([float((~W.bool().any(dim=1)).double().mean()) for W in net.weights])
