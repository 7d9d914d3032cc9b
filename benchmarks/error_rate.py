"""The closed form's error rate beyond the sizes of chapter spectral_gmm (issue 4, acceptance item 3).

Run: .venv/bin/python benchmarks/error_rate.py [--sizes 1000,2000,4000,8000] [--repeats 2]
     [--case mixed] [--mean-scale 1.0] [--seed 0]
(defaults: about 75 s on 2 cores, most of it at n = 8000; adding 16000 takes about 3 more minutes and
 several 2 GiB matrices)

Prints ||K - K~|| / ||K|| of the three-layer ReLU CK (K: exact limit kernel, K~: Theorem 1) for each size
and data draw, the slope between consecutive sizes, and the least-squares slope over all sizes. The proof
bounds the error by C n^(-1/2); if error terms carried by the class means explain why the chapter's fit
over n = 250..4000 is steeper than -1/2, the slope between consecutive sizes flattens as n grows.
"""
import argparse
import time

import numpy as np

from ntklc_lib import data
from ntklc_lib import equivalence as eq


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,2000,4000,8000", help="comma-separated n = p")
    ap.add_argument("--repeats", type=int, default=2, help="data draws per size")
    ap.add_argument("--case", default="mixed", choices=sorted(data.CASES))
    ap.add_argument("--mean-scale", type=float, default=1.0, help="factor on the case's class means")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    t0 = time.perf_counter()
    sw = eq.error_vs_dimension(args.case, sizes, {"ReLU x3": ["relu"] * 3}, "ck", seed=args.seed,
                               repeats=args.repeats, mean_scale=args.mean_scale)
    e, e_all = sw.errors[0], sw.errors_all[0]
    print(f"case {args.case}, mean scale {args.mean_scale:g}, ReLU x3 CK, {args.repeats} draws per size")
    print(f"{'n = p':>7} {'mean error':>11}  {'per draw':<28} {'local slope':>11} {'seconds':>8}")
    for i, n in enumerate(sizes):
        local = "" if i == 0 else f"{eq.loglog_slope(sizes[i - 1:i + 1], e[i - 1:i + 1]).slope:11.3f}"
        draws = " ".join(f"{v:.4f}" for v in e_all[i])
        print(f"{n:7d} {e[i]:11.4f}  {draws:<28} {local:>11} {sw.seconds[i]:8.1f}")
    fit = sw.fit("ReLU x3")
    per_draw = sw.draw_slopes("ReLU x3")
    print(f"least-squares slope over all sizes: {fit.slope:.3f} +- {fit.slope_se:.3f} (fit s.e.); "
          f"per draw {np.round(per_draw, 3).tolist()}")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
