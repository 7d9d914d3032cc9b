"""Compression benchmarks: activation-solve time per layer, and inference time of dense vs compressed nets.

Usage: python benchmarks/compress.py [--width 1500] [--depth 3] [--batch 1024] [--repeats 5]

Prints (1) the wall time of ``nl.compress.solve`` for 1..depth ReLU layers in both modes (median of
``--repeats`` calls after a warm-up call), and its change from L - 1 layers. That change is not the cost
of one layer: in mode "moments" the last layer is an optimisation (d1^2 and d2^2 matched, tau_L^2 brought
as close as possible) and a hidden layer an exact system; measured here, 0.15-0.3 s for the last layer
against 0.05 s for a hidden one, with the last layer's cost depending on its input scale, so three layers
can take less than two; (2) the time to compute the last hidden layer's features of a batch for the dense
Gaussian ReLU net, ReLU with sparse ternary weights and the NTK-LC net (dense float32 products, and CSR
sparse products), with the hidden-weight memory of each by formula.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import ntklc_lib as nl
from ntklc_lib import memory, networks


def best_time(fn, repeats: int) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls after one warm-up call, and the last call's result."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1500)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    print(f"\n== nl.compress.solve, ReLU layers, tau0 = 1 (median of {args.repeats})")
    print(f"{'mode':>8s} {'layers':>6s} {'total (s)':>10s} {'vs L - 1 (s)':>15s} {'identity shift':>15s}")
    for mode in ("moments", "scale"):
        previous = 0.0
        for L in range(1, args.depth + 1):
            # median after a warm-up, so that no single cold call (first scipy calls) decides the figure
            total, plan = best_time(lambda: nl.compress.solve(["relu"] * L, 1.0, mode=mode), args.repeats)
            print(f"{mode:>8s} {L:6d} {total:10.3f} {total - previous:15.3f} {plan.identity_shift:15.4g}")
            previous = total

    p, widths = 784, (args.width,) * args.depth
    X = np.random.default_rng(0).standard_normal((p, args.batch)) / np.sqrt(p)
    acts = ["relu"] * args.depth
    plan = nl.compress.solve(acts, 1.0, mode="moments")
    nets = [("dense ReLU (Gaussian)", networks.dense_net(p, widths, acts, 1.0, 0), [False])]
    for eps in (0.9, 0.99):
        nets.append((f"ReLU, ternary W, eps={eps}", networks.ternary_net(p, widths, acts, 1.0, eps, 0), [False, True]))
        nets.append((f"NTK-LC (moments), eps={eps}", networks.compressed_net(p, widths, plan, eps, 0), [False, True]))
    print(f"\n== features of a batch of {args.batch} inputs, p = {p}, widths {widths} (median of {args.repeats})")
    print(f"{'network':32s} {'product':>8s} {'time (ms)':>10s} {'vs dense':>9s} {'weight bits':>12s}")
    reference = None
    for name, net, modes in nets:
        for sparse in modes:
            t, _ = best_time(lambda: networks.features(net, X, sparse=sparse), args.repeats)
            reference = t if reference is None else reference
            print(f"{name:32s} {'CSR' if sparse else 'dense':>8s} {1e3 * t:10.1f} {t / reference:9.2f} "
                  f"{memory.net_bits(net):12.3g}")


if __name__ == "__main__":
    main()
