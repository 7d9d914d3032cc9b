"""The accuracy comparison of the compression chapters (THEORY.md section 5, Exp. 2.1 and 2.2).

One network per named method, all of the same widths, each with a ridge readout; records of the test
accuracy over weight draws are summarized per (method, sparsity).  The method names are the labels the
chapters' figures and ``results/*.json`` use:

- ``"dense ReLU"``: Gaussian weights and the original activations (ReLU in the chapters);
- ``"ReLU, ternary W"``: sparse ternary weights, the original activations;
- ``"NTK-LC (<plan>)"``: sparse ternary weights and the quantized activations of ``plans[<plan>]``;
- ``"magnitude pruning"`` / ``"random pruning"``: the dense net of the same seed, pruned;
- ``"sign, ternary W"``: sign activations and sparse ternary weights, no moment matching.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.stats import t as student_t

from . import activations as A
from . import baselines, checks, memory, networks, readout
from .networks import RandomFeatureNet

FIXED_METHODS = ("dense ReLU", "ReLU, ternary W", "magnitude pruning", "random pruning", "sign, ternary W")

# The book's reading of "lossless" in both compression chapters: test accuracy less than one percentage
# point below the dense network's.  A tolerance, not a test: the chapters quote the gaps' standard errors.
LOSSLESS_GAP = 0.01


def keeps_accuracy(dense_acc: float, acc: float) -> bool:
    """Whether accuracy ``acc`` lies less than :data:`LOSSLESS_GAP` below ``dense_acc`` (both fractions in
    [0, 1])."""
    dense_acc, acc = (checks.accuracy(name, checks.finite_number(name, value))
                      for name, value in (("dense_acc", dense_acc), ("acc", acc)))
    return bool(dense_acc - acc < LOSSLESS_GAP)


def plan_name(method: str) -> str | None:
    """The plan name of an ``"NTK-LC (<plan>)"`` method, None for any other string."""
    if isinstance(method, str) and method.startswith("NTK-LC (") and method.endswith(")"):
        return method[len("NTK-LC ("):-1]
    return None


def comparison_net(method: str, p: int, widths, acts, sparsity: float = 0.0, seed: int = 0, plans=None,
                   tau0: float = 1.0) -> RandomFeatureNet:
    """The network of one row of the comparison.

    method: one of ``FIXED_METHODS`` or ``"NTK-LC (<plan>)"`` with ``<plan>`` a key of ``plans``
    (a dict of ``compress.CompressionPlan``); p: input dimension; widths: (d_1..d_L); acts: the
    original's L activations; sparsity in [0, 1) (must be 0 for ``"dense ReLU"``, which has none);
    seed: the weight draw (a pruned net prunes the dense net of the same seed; random pruning draws
    its mask with it too).
    """
    eps = checks.sparsity("sparsity", sparsity)
    plan = plan_name(method)
    if plan is None and method not in FIXED_METHODS:
        raise ValueError(f"method must be one of {list(FIXED_METHODS)} or 'NTK-LC (<plan>)', got {method!r}")
    # every method is compared with the same original (acts, tau0): the methods that do not use acts
    # (sign net, NTK-LC) must not silently accept an original the others would be built with differently
    acts = tuple(A.get_list(acts))
    widths = checks.layer_widths(widths, len(acts))
    tau0 = checks.positive_float("tau0", tau0)
    if method == "dense ReLU":
        if eps != 0.0:
            raise ValueError(f"sparsity must be 0 for method 'dense ReLU' (its weights are dense), got {sparsity!r}")
        return networks.dense_net(p, widths, acts, tau0, seed)
    if method == "ReLU, ternary W":
        return networks.ternary_net(p, widths, acts, tau0, eps, seed)
    if plan is not None:
        if not plans or plan not in plans:
            raise ValueError(f"plans must hold the plan {plan!r} of method {method!r}; "
                             f"its keys are {sorted(plans or {})}")
        original = getattr(plans[plan], "original", None)
        if original is not None and [a.name for a in original] != [a.name for a in acts]:
            raise ValueError(f"plans[{plan!r}] compresses the activations {[a.name for a in original]}, but acts "
                             f"are {[a.name for a in acts]}: solve the plan for the original being compared")
        tau_original = getattr(plans[plan], "tau_original", None)
        if tau_original is not None and not math.isclose(float(tau_original[0]), tau0, rel_tol=1e-9):
            raise ValueError(f"plans[{plan!r}] was solved for data scale tau0 = {float(tau_original[0]):.6g}, "
                             f"but tau0 = {tau0:.6g}: solve the plan at the data's tau0")
        targets = getattr(plans[plan], "targets", None)
        if tau_original is not None and targets is not None:
            _check_plan_moments(plan, targets, tau_original, acts)
        return networks.compressed_net(p, widths, plans[plan], eps, seed)
    if method == "magnitude pruning":
        return baselines.magnitude_pruned(networks.dense_net(p, widths, acts, tau0, seed), eps)
    if method == "random pruning":
        return baselines.random_pruned(networks.dense_net(p, widths, acts, tau0, seed), eps, seed)
    return baselines.sign_net(p, widths, tau0, eps, seed)


def _check_plan_moments(plan: str, targets, tau_original, acts) -> None:
    """Raise unless each of ``acts`` has, at the plan's original scale tau_{l-1}, the moments (d1^2, d2^2, d3,
    var) the plan matched (``targets``, (L, 4), as ``compress.solve`` stores them) to rounding.  The names
    alone let through a plan for another function of the same name (lrelu of another slope, two custom
    activations), whose quantized activations match the wrong moments."""
    targets = np.asarray(targets, dtype=np.float64)
    for l, act in enumerate(acts):
        m = A.moments(act, float(tau_original[l]))
        have = np.array([float(m.d1) ** 2, float(m.d2) ** 2, float(m.d3), float(m.var)])
        want = targets[l]
        if not np.allclose(have, want, rtol=1e-9, atol=1e-12 * float(np.max(np.abs(want)))):
            raise ValueError(
                f"plans[{plan!r}] matched layer {l + 1} to the moments (d1^2, d2^2, d3, var) = "
                f"({', '.join(f'{v:.6g}' for v in want)}) at tau = {float(tau_original[l]):.6g}, but acts[{l}] "
                f"({act.name!r}) has ({', '.join(f'{v:.6g}' for v in have)}) there: the plan was solved for "
                f"another activation of the same name; solve the plan for the original being compared")


def readout_accuracy(net: RandomFeatureNet, X_train, y_train, X_test, y_test, seed: int = 0,
                     gram_shift: float = 0.0) -> tuple[float, readout.Readout]:
    """Test accuracy of a ridge readout on the net's last-layer features, and the readout.

    X_train: (p, n_train), y_train: (n_train,), X_test: (p, n_test), y_test: (n_test,).  The ridge
    penalty is chosen on a validation split of the training samples drawn with ``seed``; gram_shift
    as in :func:`readout.ridge`.
    """
    r = readout.ridge(networks.features(net, X_train), y_train, seed=seed, gram_shift=gram_shift)
    return readout.accuracy(r, networks.features(net, X_test), y_test), r


class AccuracySummary(NamedTuple):
    """Test accuracy over the weight draws of one (method, sparsity): mean, standard deviation
    (sample, ddof 1, the usual error bar over a few replicates; 0 for a single draw), and the bits of the
    hidden weights."""

    mean: float
    std: float
    bits: float


def summarize(records, method: str, sparsity: float) -> AccuracySummary:
    """Summary of the records (dicts with keys "method", "sparsity", "accuracy", "bits") of one
    (method, sparsity).  Every record's accuracy must be a fraction in [0, 1] and its bits a finite number
    > 0, and every record of a (method, sparsity) must count the same bits."""
    records = list(records)
    keys = ("method", "sparsity", "accuracy", "bits")
    for i, r in enumerate(records):
        if not isinstance(r, dict) or any(k not in r for k in keys):
            missing = [k for k in keys if k not in r] if isinstance(r, dict) else list(keys)
            raise ValueError(f"records[{i}] must be a dict with keys {list(keys)}; it lacks {missing}")
        # a NaN (or JSON null) accuracy gave a NaN mean, and a percentage among fractions a mean of neither
        checks.accuracy(f"records[{i}]['accuracy']", r["accuracy"])
        checks.positive_float(f"records[{i}]['bits']", r["bits"])
    rows = [r for r in records if r["method"] == method and r["sparsity"] == sparsity]
    if not rows:
        present = sorted({(r["method"], r["sparsity"]) for r in records})
        raise ValueError(f"records hold no run of method {method!r} at sparsity {sparsity!r}; they hold {present}")
    bits = {float(r["bits"]) for r in rows}
    if len(bits) != 1:
        raise ValueError(f"records of method {method!r} at sparsity {sparsity!r} disagree on bits: {sorted(bits)}")
    acc = np.array([r["accuracy"] for r in rows], dtype=np.float64)
    # ddof 1: with three draws the population value (ddof 0) is sqrt(2/3) of it and understates the spread
    std = float(acc.std(ddof=1)) if acc.size > 1 else 0.0
    return AccuracySummary(float(acc.mean()), std, bits.pop())


def difference_se(std_a: float, count_a: int, std_b: float, count_b: int) -> float:
    """Standard error of a difference of two independent means: sqrt(std_a^2 / count_a + std_b^2 / count_b),
    from each sample's standard deviation and size (Welch's form; counts >= 1)."""
    terms = []
    for name, std, count in (("std_a", std_a, count_a), ("std_b", std_b, count_b)):
        std = checks.non_negative_float(name, std, "a standard deviation")
        terms.append(std * std / checks.positive_int(f"count_{name[-1]}", count))
    return math.sqrt(sum(terms))


def satterthwaite_dof(variances, dofs) -> float:
    """Welch-Satterthwaite degrees of freedom of a sum of independent variance estimates:
    (sum v)^2 / sum(v^2 / dof).  variances, dofs: (k,) each estimate (of a mean's variance) and its degrees of
    freedom.  Terms with variance 0 drop out; nan when a remaining term has no degrees of freedom (one draw)
    or none remains."""
    v = checks.finite_matrix("variances", variances, ndim=1)
    dofs = checks.finite_matrix("dofs", dofs, ndim=1)
    if v.shape != dofs.shape:
        raise ValueError(f"variances and dofs must have the same length, got {v.size} and {dofs.size}")
    if np.any(v < 0) or np.any(dofs < 0):
        raise ValueError(f"variances and dofs must be >= 0, got {v.tolist()} and {dofs.tolist()}")
    keep = v > 0
    if not keep.any() or np.any(dofs[keep] == 0):
        return float("nan")
    return float(v[keep].sum() ** 2 / np.sum(v[keep] ** 2 / dofs[keep]))


def welch_dof(std_a: float, count_a: int, std_b: float, count_b: int) -> float:
    """Welch-Satterthwaite degrees of freedom of :func:`difference_se`'s difference,
    (a + b)^2 / (a^2 / (count_a - 1) + b^2 / (count_b - 1)) with a = std_a^2 / count_a, b = std_b^2 / count_b:
    the t distribution to judge the difference by.  nan when a count is 1 (no spread) or both stds are 0."""
    terms = []
    for name, std, count in (("std_a", std_a, count_a), ("std_b", std_b, count_b)):
        std = checks.non_negative_float(name, std, "a standard deviation")
        count = checks.positive_int(f"count_{name[-1]}", count)
        # one draw has no spread to estimate: its term makes the test impossible, whatever its std
        terms.append((std * std / count if count > 1 else 1.0, count - 1))
    return satterthwaite_dof([v for v, _ in terms], [d for _, d in terms])


def t_critical(dof: float, level: float = 0.95) -> float:
    """The two-sided Student's t critical value at ``level`` on ``dof`` degrees of freedom: a difference
    beyond it times its standard error is resolved.  inf where there is no test (dof nan or <= 0)."""
    level = checks.in_range("level", level, 0.0, 1.0, low_closed=False)
    return float(student_t.ppf(0.5 + level / 2, dof)) if dof > 0 else math.inf


def gap_beyond_noise(points: float, se: float, dof: float, level: float = 0.95) -> int:
    """-1, 0 or 1: whether a difference of ``points`` with standard error ``se`` lies below zero, within the
    noise, or above zero, by a two-sided Student's t test at ``level`` on ``dof`` degrees of freedom
    (:func:`welch_dof`).  0 when there is no test (se 0 or dof nan: one draw)."""
    points = checks.finite_number("points", points)
    # a negative error would read as "no test" (0) below, a verdict on a wrong input
    se = checks.non_negative_float("se", se, "a standard error")
    critical = t_critical(dof, level)
    if se <= 0 or math.isinf(critical):
        return 0
    return int(np.sign(points)) if abs(points) > critical * se else 0


class GapTest(NamedTuple):
    """A difference of two independent estimates (e.g. mean(a) - mean(b)), its standard error, the
    Welch-Satterthwaite degrees of freedom to judge it on (nan, and side 0, where an estimate has no
    spread to judge by) and ``side`` from :func:`gap_beyond_noise`: -1, 0 or 1."""
    gap: float
    se: float
    dof: float
    side: int


def mean_gap(draws_a, draws_b, level: float = 0.95) -> GapTest:
    """How far the mean of draws_a: (k_a,) lies above that of draws_b: (k_b,), and whether two independent
    samples resolve it: Welch's t test at ``level`` (sample standard deviations, ddof 1)."""
    a = checks.finite_matrix("draws_a", draws_a, ndim=1)
    b = checks.finite_matrix("draws_b", draws_b, ndim=1)
    gap = float(a.mean() - b.mean())
    if min(a.size, b.size) < 2:
        return GapTest(gap, math.nan, math.nan, 0)
    sa, sb = float(a.std(ddof=1)), float(b.std(ddof=1))
    se = difference_se(sa, a.size, sb, b.size)
    dof = welch_dof(sa, a.size, sb, b.size)
    return GapTest(gap, se, dof, gap_beyond_noise(gap, se, dof, level))


def paired_difference_se(correct_a, correct_b) -> tuple[float, float]:
    """How far b's accuracy lies below a's on one test set, in points, and the standard error of that
    difference from the test set's own sampling: correct_a, correct_b: (n,) whether each test sample was
    classified correctly by a and by b.  The two are paired (the same samples), so the error is that of the
    mean of d_i = a_i - b_i, 100 sd(d) / sqrt(n) (ddof 1), the spread the weight draws do not show."""
    a = np.asarray(correct_a)
    b = np.asarray(correct_b)
    if a.dtype != bool or b.dtype != bool or a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise ValueError(f"correct_a and correct_b must be boolean arrays of one and the same shape (n,), n >= 2, "
                         f"got {a.dtype} {a.shape} and {b.dtype} {b.shape}")
    d = a.astype(np.float64) - b.astype(np.float64)
    return 100 * float(d.mean()), 100 * float(d.std(ddof=1)) / math.sqrt(d.size)


def gap_below(reference: AccuracySummary, other: AccuracySummary, count: int) -> tuple[float, float]:
    """How far ``other``'s mean accuracy lies below ``reference``'s, in percentage points (negative: above),
    and the standard error of that difference (:func:`difference_se`), both means over ``count`` draws
    (the error is 0 for one draw, whose summaries have no spread)."""
    count = checks.positive_int("count", count)
    return (100 * (float(reference.mean) - float(other.mean)),
            100 * difference_se(reference.std, count, other.std, count))


def _method_sparsity(name: str, pair) -> tuple:
    """``pair`` as a (method, sparsity) tuple, or ValueError naming ``name``: a bare method name would be
    unpacked letter by letter."""
    if isinstance(pair, (str, bytes)) or not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{name} must be a (method, sparsity) pair, got {pair!r}")
    return tuple(pair)


def against_reference(records, reference, others, count: int) -> list[dict]:
    """Each of ``others`` against ``reference``, all (method, sparsity) pairs of ``records`` (as in
    :func:`summarize`) over ``count`` weight draws each: a dict per other with "method", "sparsity",
    "accuracy" (mean, points), "points_below" the reference and its "se" (:func:`gap_below`), "dof"
    (:func:`welch_dof`), and "side", 1 / -1 / 0 for below the reference, above it, or within the noise of
    the draws by Welch's t test at the 5 % level (:func:`gap_beyond_noise`; 0 for one draw).  Raises
    ValueError when a pair's records number other than ``count``."""
    records = list(records)
    count = checks.positive_int("count", count)
    pairs = [_method_sparsity("reference", reference)] + [_method_sparsity(f"others[{i}]", o)
                                                           for i, o in enumerate(others)]
    summaries = [summarize(records, method, sparsity) for method, sparsity in pairs]   # names a missing pair
    for method, sparsity in pairs:
        # the standard errors and the test's degrees of freedom rest on count: it must be what the records hold
        held = sum(1 for r in records if r["method"] == method and r["sparsity"] == sparsity)
        if held != count:
            raise ValueError(f"count must equal the number of records of each (method, sparsity), got {count}; "
                             f"records hold {held} of ({method!r}, {sparsity!r})")
    ref = summaries[0]
    out = []
    for (method, sparsity), other in zip(pairs[1:], summaries[1:]):
        points, se = gap_below(ref, other, count)
        dof = welch_dof(ref.std, count, other.std, count)
        out.append({"method": method, "sparsity": sparsity, "accuracy": 100 * other.mean,
                    "points_below": points, "se": se, "dof": dof, "side": gap_beyond_noise(points, se, dof)})
    return out


EQUAL_MEMORY_OTHERS = ("ReLU, ternary W", "NTK-LC (moments)", "NTK-LC (scale)")


def pruning_sparsity_at_ternary_memory(p: int, widths, sparsity: float) -> float | None:
    """The sparsity at which magnitude pruning takes the memory of sparse ternary nets of the same widths at
    ``sparsity``, both by their entropy bounds (:func:`memory.pruned_sparsity_for_bits` with positions
    "entropy": the mask priced as the ternary zeros are), or None when no pruned net is that small (one
    float32 weight and its position already take more)."""
    target = memory.ternary_entropy_bits(p, widths, checks.sparsity("sparsity", sparsity))
    try:
        return memory.pruned_sparsity_for_bits(p, widths, target)
    except ValueError:
        return None


def pruning_at_equal_memory(records, pruned_sparsity: float, sparsity: float, count: int) -> dict:
    """Magnitude pruning at ``pruned_sparsity`` (:func:`pruning_sparsity_at_ternary_memory`) against the
    ternary-weight methods of ``EQUAL_MEMORY_OTHERS`` at ``sparsity``, from ``records``: a dict with the
    pruned net's "sparsity", "bits", "accuracy" and "std" (points), the ternary "ternary_sparsity" and
    "ternary_bits", and "against" (:func:`against_reference`)."""
    records = list(records)
    pruned = summarize(records, "magnitude pruning", pruned_sparsity)
    return {"sparsity": pruned_sparsity, "bits": pruned.bits, "accuracy": 100 * pruned.mean,
            "std": 100 * pruned.std, "ternary_sparsity": sparsity,
            "ternary_bits": summarize(records, EQUAL_MEMORY_OTHERS[0], sparsity).bits,
            "against": against_reference(records, ("magnitude pruning", pruned_sparsity),
                                         [(m, sparsity) for m in EQUAL_MEMORY_OTHERS], count)}


def model_offsets(means, stds, count: int, model_draws, reference_std: float = 0.0) -> tuple[list[float], list[float]]:
    """Offsets of several means from a model's mean, with their standard errors.

    means, stds: (k,) means over ``count`` draws each and their sample standard deviations (ddof 1, 0 for
    one draw); model_draws: (m,) the model's draws, whose mean is the reference and whose sample standard
    deviation enters every standard error (:func:`difference_se`); reference_std: the standard deviation,
    over weight draws, of the network the model is built on, when it is built on one draw of it (it then
    counts once, with count 1).  Returns (offsets, standard errors), each a list of k floats in the unit of
    the inputs."""
    means = checks.finite_matrix("means", means, ndim=1)
    stds = checks.finite_matrix("stds", stds, ndim=1)
    draws = checks.finite_matrix("model_draws", model_draws, ndim=1)
    if means.shape != stds.shape:
        raise ValueError(f"means and stds must have the same length, got {means.size} and {stds.size}")
    reference_std = checks.non_negative_float("reference_std", reference_std, "a standard deviation")
    mean = float(draws.mean())
    sd = float(draws.std(ddof=1)) if draws.size > 1 else 0.0
    return ([float(a - mean) for a in means],
            [math.hypot(difference_se(s, count, sd, draws.size), reference_std) for s in stds])


def model_offsets_dof(stds, count: int, model_draws, reference_std: float = 0.0,
                      reference_count: int = 1) -> list[float]:
    """Welch-Satterthwaite degrees of freedom of each standard error of :func:`model_offsets` (same
    arguments; reference_count: the draws that ``reference_std`` was estimated from).  (k,) floats, nan where
    a term with spread rests on one draw, and nan throughout for one draw of the networks (count 1) or
    of the model: their std of 0 is then unmeasured, not absent (as :func:`welch_dof` has it)."""
    stds = checks.finite_matrix("stds", stds, ndim=1)
    draws = checks.finite_matrix("model_draws", model_draws, ndim=1)
    count = checks.positive_int("count", count)
    reference_count = checks.positive_int("reference_count", reference_count)
    reference_std = checks.finite_number("reference_std", reference_std)
    # as model_offsets checks them: squared below, a negative one would pass as its absolute value
    if np.any(stds < 0) or reference_std < 0:
        raise ValueError(f"stds and reference_std must be >= 0 (standard deviations), got stds {stds.tolist()} "
                         f"and reference_std {reference_std}")
    if count < 2 or draws.size < 2:
        return [math.nan] * stds.size
    sd = float(draws.std(ddof=1))
    return [satterthwaite_dof([s * s / count, sd * sd / draws.size, reference_std ** 2],
                              [count - 1, draws.size - 1, reference_count - 1]) for s in stds]


def spread_x(x: float, k: int, count: int, step: float = 0.012, linthresh: float = 0.1) -> float:
    """x position of the k-th of ``count`` markers that share the value x on a symlog axis (linear for
    |x| < linthresh), centred on x so that none hides another: ``step`` apart in data units in the
    linear part, a relative ``6 * step`` apart beyond it (where the axis is logarithmic)."""
    count = checks.positive_int("count", count)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < count:
        raise ValueError(f"k must be an integer in [0, count) = [0, {count}), got {k!r}")
    offset = (k - (count - 1) / 2) * step
    return x + offset if abs(x) < linthresh else x * (1 + 6 * offset)


def shift_as_noise(F_train, F_test, shift: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The identity shift as it appears at finite width: features F_train: (d, n_train) and F_test:
    (d, n_test) plus independent N(0, shift / d) noise in every entry, fixed per sample.  Returns the two
    noisy float64 matrices, same shapes.

    The noise's expected Gram matrix is shift * I, the shift of the closed form.  A network of width d < n
    cannot carry shift * I exactly (its Gram matrix F^T F has rank at most d); the extra variance of
    quantized activations sits in components that are nearly uncorrelated between samples, which at
    width d look like this noise, on training and test samples alike.  Compare with
    ``readout.ridge(..., gram_shift=shift)``, the shift's exact (infinite-width) form, which adds
    shift * I to the training Gram matrix only.  The noise is drawn with ``seed``, training block first.
    """
    F_train = checks.finite_matrix("F_train", F_train)
    F_test = checks.finite_matrix("F_test", F_test)
    if F_train.shape[0] != F_test.shape[0]:
        raise ValueError(f"F_train and F_test must have the same number d of features (rows), got shapes "
                         f"{F_train.shape} and {F_test.shape}")
    shift = checks.non_negative_float("shift", shift, "a variance added to the features")
    rng = np.random.default_rng(checks.seed("seed", seed))
    scale = math.sqrt(shift / F_train.shape[0])
    noisy_train = F_train + scale * rng.standard_normal(F_train.shape)
    noisy_test = F_test + scale * rng.standard_normal(F_test.shape)
    return noisy_train, noisy_test


def accuracy_with_shift_as_noise(F_train, y_train, F_test, y_test, shift: float, noise_seed: int,
                                 seed: int = 0) -> float:
    """Test accuracy of a ridge readout (:func:`readout.ridge`, validation split drawn with ``seed``) on
    features F_train: (d, n_train) and F_test: (d, n_test) with the shift added as noise
    (:func:`shift_as_noise`, drawn with ``noise_seed``); y_train: (n_train,), y_test: (n_test,)."""
    noisy_train, noisy_test = shift_as_noise(F_train, F_test, shift, seed=noise_seed)
    r = readout.ridge(noisy_train, y_train, seed=seed)
    return readout.accuracy(r, noisy_test, y_test)


def shift_share(dense_acc: float, shifted_acc: float, compressed_acc: float) -> float:
    """The share of a compressed network's accuracy loss that its identity shift alone explains:
    (dense_acc - shifted_acc) / (dense_acc - compressed_acc), where shifted_acc is the dense network's
    accuracy with the shift added to its training Gram matrix (THEORY.md section 4.3).  nan when the
    compressed network loses nothing (there is no loss to explain); accuracies as fractions or percents,
    all three alike."""
    dense_acc, shifted_acc, compressed_acc = (checks.finite_number(name, v) for name, v in (
        ("dense_acc", dense_acc), ("shifted_acc", shifted_acc), ("compressed_acc", compressed_acc)))
    loss = dense_acc - compressed_acc
    return (dense_acc - shifted_acc) / loss if loss > 0 else float("nan")
