"""Wall times of the kernel computations on this machine (issue 3, item 6).

Run: .venv/bin/python benchmarks/kernels.py   (about 2-4 minutes on 2 cores)
Targets: each timed call under 20 s; K~ at least 50x faster than averaging 100 empirical CK draws at the
same n, p (the 100-draw time is extrapolated from a few draws, which the output says).
"""
import os
import time

import numpy as np
import torch

import ntklc_lib as nl


def timed(fn, repeat=1):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    print(f"threads: torch {torch.get_num_threads()}, cores {os.cpu_count()}")
    d4 = nl.data.gmm("mixed", n=4000, p=4000, seed=0)
    d2 = nl.data.gmm("mixed", n=2000, p=2000, seed=0)
    relu3, tanh3 = ["relu"] * 3, ["tanh"] * 3
    rows = []
    t_tilde, _ = timed(lambda: nl.kernels.ck_tilde(d4.X, d4.y, relu3), repeat=2)
    rows.append(("ck_tilde        n=4000 p=4000 ReLU x3", t_tilde))
    rows.append(("ntk_tilde       n=4000 p=4000 ReLU x3",
                 timed(lambda: nl.kernels.ntk_tilde(d4.X, d4.y, relu3))[0]))
    rows.append(("ck_limit        n=4000 ReLU x3", timed(lambda: nl.kernels.ck_limit(d4.X, relu3))[0]))
    rows.append(("ck_limit        n=2000 tanh x3", timed(lambda: nl.kernels.ck_limit(d2.X, tanh3))[0]))
    # the quantized activations of NTK-LC (step functions): Mehler series, Plackett only near rho = +-1
    steps3 = nl.compress.solve(relu3, nl.data.tau0(d2.X)).compressed
    rows.append(("ck_limit        n=2000 NTK-LC steps x3", timed(lambda: nl.kernels.ck_limit(d2.X, steps3))[0]))
    rows.append(("ck_empirical    n=2000 widths 2000-2000-1000, 10 draws",
                 timed(lambda: nl.kernels.ck_empirical(d2.X, relu3, [2000, 2000, 1000], draws=10))[0]))
    few = 3
    t_few, _ = timed(lambda: nl.kernels.ck_empirical(d4.X, relu3, [2000, 2000, 1000], draws=few))
    t_100 = t_few / few * 100
    for name, t in rows:
        flag = "ok" if t < 20 else "OVER 20 s"
        print(f"{name:<58s} {t:8.2f} s   {flag}")
    print(f"{'ck_empirical    n=4000 p=4000, 100 draws (extrapolated from ' + str(few) + ')':<58s} {t_100:8.2f} s")
    ratio = t_100 / t_tilde
    print(f"speed-up of K~ over 100 empirical draws: {ratio:.0f}x   {'ok' if ratio >= 50 else 'UNDER 50x'}")


if __name__ == "__main__":
    main()
