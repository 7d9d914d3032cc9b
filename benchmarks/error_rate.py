"""The closed form's error rate beyond the sizes of chapter spectral_gmm (issue 4, acceptance item 3).

Run: .venv/bin/python benchmarks/error_rate.py [--sizes 1000,2000,4000,8000] [--repeats 2]
     [--case mixed] [--mean-scale 1.0] [--seed 0] [--save benchmarks/error_rate.json]
(defaults: about 75 s on 2 cores, most of it at n = 8000; adding 16000 takes about 6.5 more minutes
 and 11 GiB of memory: measured 390 s for its two draws on 2026-11-30)

Prints ||K - K~|| / ||K|| of the three-layer ReLU CK (K: exact limit kernel, K~: Theorem 1) for each size
and data draw, the slope between consecutive sizes, and the least-squares slope over all sizes. The proof
bounds the error by C n^(-1/2); if error terms carried by the class means explain why the chapter's fit
over n = 250..4000 is steeper than -1/2, the slope between consecutive sizes flattens as n grows.

--save PATH writes the sweep as JSON (``equivalence.sweep_to_record``) with the command that made it.
Chapter spectral_gmm quotes the committed benchmarks/error_rate.json, made by
  .venv/bin/python benchmarks/error_rate.py --sizes 1000,2000,4000,8000,16000 --save benchmarks/error_rate.json
"""
import argparse
import json
import shlex
import sys
import time
from pathlib import Path

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
    ap.add_argument("--save", default=None, help="write the sweep as JSON to this path")
    args = ap.parse_args()
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",")})
    except ValueError:
        ap.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    # checked before the sweep, not after it: the slopes need two sizes, and the record (read by chapter
    # spectral_gmm) increasing ones
    if len(sizes) < 2 or sizes[0] < 1:
        ap.error(f"--sizes needs at least two distinct positive sizes, got {args.sizes!r}")
    t0 = time.perf_counter()
    sw = eq.error_vs_dimension(args.case, sizes, {"ReLU x3": ["relu"] * 3}, "ck", seed=args.seed,
                               repeats=args.repeats, mean_scale=args.mean_scale)
    e, e_all = sw.errors[0], sw.errors_all[0]
    print(f"case {args.case}, mean scale {args.mean_scale:g}, ReLU x3 CK, {args.repeats} draws per size")
    print(f"{'n = p':>7} {'mean error':>11}  {'per draw':<28} {'local slope':>11} {'seconds':>8}")
    local_slopes = sw.local_slopes("ReLU x3")
    for i, n in enumerate(sizes):
        local = "" if i == 0 else f"{local_slopes[i - 1]:11.3f}"
        draws = " ".join(f"{v:.4f}" for v in e_all[i])
        print(f"{n:7d} {e[i]:11.4f}  {draws:<28} {local:>11} {sw.seconds[i]:8.1f}")
    fit = sw.fit("ReLU x3")
    per_draw = sw.draw_slopes("ReLU x3")
    print(f"least-squares slope over all sizes: {fit.slope:.3f} +- {fit.slope_se:.3f} (fit s.e.); "
          f"per draw {np.round(per_draw, 3).tolist()}")
    print(f"total {time.perf_counter() - t0:.0f} s")
    if args.save:
        # the command as typed from the repository root, without this machine's paths
        command = " ".join([".venv/bin/python", "benchmarks/error_rate.py", *map(shlex.quote, sys.argv[1:])])
        record = {"command": command, "sweep": eq.sweep_to_record(sw)}
        Path(args.save).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        print(f"saved {args.save}")


if __name__ == "__main__":
    main()
