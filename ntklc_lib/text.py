"""Wording of the numbers that the chapters glue into their prose."""
from __future__ import annotations

import math
from typing import Sequence

from . import checks
from .comparison import t_critical


def word_list(items: Sequence) -> str:
    """``items`` as an English list: ``"a"``, ``"a and b"``, ``"a, b and c"`` (each item as ``str``)."""
    if isinstance(items, (str, bytes)):
        # a string is a sequence of letters: "abc" would become "a, b and c"
        raise ValueError(f"items must be a list or tuple of items, got {type(items).__name__} {items!r}")
    words = [str(item) for item in items]
    if not words:
        raise ValueError("items must hold at least one item, got none")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# below the first bound the shift explains little of a loss, from the second on a large part, from the
# third about all of it, from the fourth on more than the loss (it would cost more than the network loses)
SHIFT_SHARE_BOUNDS = (0.25, 0.5, 0.8, 1.25)


def _shift_band(share: float):
    """0 .. len(SHIFT_SHARE_BOUNDS): how many of SHIFT_SHARE_BOUNDS the share reaches; None for nan (no loss)."""
    share = float(share)
    return None if math.isnan(share) else sum(share >= bound for bound in SHIFT_SHARE_BOUNDS)


def shift_verdict(share: float) -> str:
    """What an identity shift explains of a compressed network's loss, from
    ``comparison.shift_share``: a phrase that follows "the identity shift" (nan: no loss)."""
    band = _shift_band(share)
    if band is None:
        return "has no loss to explain (the compressed network loses no accuracy)"
    return ("explains little of the loss", "explains part of the loss", "explains a large part of the loss",
            "explains about all of the loss", "costs more than the compressed network loses")[band]


def sparsity_list(sparsities: Sequence[float]) -> str:
    """Sparsities as an English list of short numbers: ``[0.5, 0.9, 0.99]`` gives ``"0.5, 0.9 and 0.99"``."""
    if isinstance(sparsities, (str, bytes)):
        raise ValueError(f"sparsities must be a list of numbers, got {type(sparsities).__name__} {sparsities!r}")
    return word_list([f"{float(e):g}" for e in sparsities])


def _critical_values(n: int, z: float, dofs):
    """Per-offset critical values: ``z`` standard errors each, or with ``dofs`` Student's t at the two-sided
    5 % level on each one's degrees of freedom (nan dofs: no test, an infinite value)."""
    if dofs is None:
        return [float(z)] * n
    dofs = [float(d) for d in dofs]
    if len(dofs) != n:
        raise ValueError(f"dofs must have one entry per sparsity ({n}), got {len(dofs)}")
    if any(d <= 0 for d in dofs):
        raise ValueError(f"dofs must be > 0 or nan, got {dofs}")
    return [t_critical(d) for d in dofs]


def _bounds(crit, ses) -> list:
    """Critical value times standard error per offset; an infinite critical value (no test) stays infinite
    whatever the standard error (inf * 0 would be nan, and every comparison with nan is false)."""
    return [c * float(se) if math.isfinite(c) else math.inf for c, se in zip(crit, ses)]


def model_offsets_verdict(sparsities: Sequence[float], offsets: Sequence[float], ses: Sequence[float],
                          z: float = 2.0, dofs: Sequence[float] | None = None) -> str:
    """Where compressed networks lie from the noise model's accuracy, sparsity by sparsity: ``offsets``
    (network mean minus model mean) and their standard errors ``ses``, one each per sparsity, any unit.
    An offset beyond ``z`` standard errors counts as below or above the model; with ``dofs`` (one per
    offset, e.g. ``comparison.model_offsets_dof``) beyond Student's t at the two-sided 5 % level on them
    instead (Welch's test), as a few draws need.  Sentences naming the sparsities of each kind."""
    sparsities, offsets, ses = _offsets_args(sparsities, offsets, ses)
    z = checks.positive_float("z", z)
    bounds = _bounds(_critical_values(len(sparsities), z, dofs), ses)
    under = [e for e, o, b in zip(sparsities, offsets, bounds) if o < -b]
    over = [e for e, o, b in zip(sparsities, offsets, bounds) if o > b]
    inside = offsets_within(sparsities, offsets, ses, z, dofs)
    if dofs is None:
        bound = "two" if z == 2.0 else f"{z:g}"
        beyond, within = f"by more than {bound} standard errors", f"within {bound} standard errors of"
    else:
        beyond, within = "beyond the noise (Welch's t test, 5 % level)", "within the noise of"
    if not under and not over:
        each = (f"within {bound} standard errors of zero" if dofs is None else
                "within the noise of the draws (Welch's t test, 5 % level)")
        # no departure resolved is not agreement shown: with few draws the test cannot resolve much
        return (f"Each offset is {each}: at this shift the noise model is consistent "
                "with the loss at every sparsity tested (the draws resolve no departure from it).")
    parts = []
    if under:
        parts.append(f"At ε = {sparsity_list(under)} {{}} lie below the model {beyond}: there the noise "
                     "does not account for the whole loss.")
    if over:
        parts.append(f"At ε = {sparsity_list(over)} {{}} lie above {{}} {beyond}: "
                     "there the model overstates the loss.")
    if inside:
        parts.append(f"At ε = {sparsity_list(inside)} {{}} are {within} {{}}.")
    # the first sentence names the networks and the model, the later ones refer back to them
    return " ".join(part.format(*(("the networks", "the model") if k == 0 else ("they", "it")))
                    for k, part in enumerate(parts))


def offsets_within(sparsities: Sequence[float], offsets: Sequence[float], ses: Sequence[float],
                   z: float = 2.0, dofs: Sequence[float] | None = None) -> list:
    """The sparsities whose offset lies within ``z`` of its standard errors of zero (|offset| <= z se), or
    with ``dofs`` within Student's t at the two-sided 5 % level: where the model fits, the rule of
    :func:`model_offsets_verdict`."""
    # checked as model_offsets_verdict checks them: zip cut a short list without a word, and a NaN offset or
    # a negative error dropped its sparsity from the list
    sparsities, offsets, ses = _offsets_args(sparsities, offsets, ses)
    z = checks.positive_float("z", z)
    bounds = _bounds(_critical_values(len(sparsities), z, dofs), ses)
    return [e for e, o, b in zip(sparsities, offsets, bounds) if abs(o) <= b]


def _offsets_args(sparsities, offsets, ses) -> tuple[list, list, list]:
    """``sparsities``, ``offsets`` and ``ses`` as lists of one entry per sparsity (at least one), offsets
    finite and ses finite and >= 0, else ValueError."""
    sparsities, offsets, ses = list(sparsities), [float(o) for o in offsets], [float(e) for e in ses]
    if not (len(sparsities) == len(offsets) == len(ses)) or not sparsities:
        raise ValueError(f"sparsities, offsets and ses must have one entry per sparsity (at least one), got "
                         f"lengths {len(sparsities)}, {len(offsets)} and {len(ses)}")
    if not all(math.isfinite(e) and e >= 0 for e in ses) or not all(math.isfinite(o) for o in offsets):
        raise ValueError(f"offsets must be finite and ses finite and >= 0, got offsets {offsets}, ses {ses}")
    return sparsities, offsets, ses


def gap_phrase(points: float, se: float, with_se: bool) -> str:
    """A gap below a reference, in percentage points: ``"0.27 ± 0.25 points below"`` (negative points:
    ``"above"``; one that rounds to 0.00: ``"from"``; the standard error only ``with_se``, i.e. when the
    draws give one)."""
    points = checks.finite_number("points", points)
    with_se = checks.boolean("with_se", with_se)
    if with_se:
        se = checks.non_negative_float("se", se, "a standard error")
    shown = f"{abs(points):.2f}"
    # the word follows the rounded figure: "0.00 points above" would assert a direction it does not show
    side = "from" if float(shown) == 0 else "below" if points > 0 else "above"
    return f"{shown} {f'± {se:.2f} ' if with_se else ''}points {side}"


def pruning_at_equal_memory(result, sparsity: float, ternary_bits: float, with_se: bool) -> tuple[str, str]:
    """(a list item, a verdict sentence) for ``comparison.pruning_at_equal_memory``'s ``result``, or for None
    when magnitude pruning cannot reach the memory (``ternary_bits``) of the ternary nets at ``sparsity``.
    with_se: the draws give standard errors (more than one draw)."""
    if result is None:
        return (f"magnitude pruning cannot reach the memory of the ternary networks at sparsity {sparsity:g} "
                f"({ternary_bits:.3g} bits): its positions and one value per layer already take more",
                "Magnitude pruning cannot get as small as the sparsest ternary networks here, so the two are "
                "not compared at equal memory.")
    against = word_list([f"{r['method']} {r['accuracy']:.2f} %, " + gap_phrase(r["points_below"], r["se"], with_se)
                         + " it" + ("" if not with_se else " (resolved)" if r["side"] else " (not resolved)")
                         for r in result["against"]])
    item = (f"magnitude pruning at the memory of the ternary networks at sparsity {sparsity:g} "
            f"({result['bits']:.3g} bits against their {ternary_bits:.3g}), which takes sparsity "
            f"{result['sparsity']:.4f}: {result['accuracy']:.2f} % "
            + (f"(± {result['std']:.2f})" if with_se else "(one draw)")
            + f". Against it, the networks of sparsity {sparsity:g} reach {against}"
            + (" (resolved or not by Welch's t test at the 5 % level, over the weight draws)" if with_se else ""))
    # per plan: pruning above the NTK-LC net (side 1), below it (-1), or within the noise (0)
    words = {1: "beats", -1: "loses to", 0: "cannot be told from"}
    plans = [(r["method"][len("NTK-LC ("):-1], r["side"]) for r in result["against"]
             if r["method"].startswith("NTK-LC (")]
    sides = {side for _, side in plans}
    if len(sides) == 1:
        side = sides.pop()
        verdict = (f"At equal memory, magnitude pruning {words[side]} full NTK-LC with "
                   + ("its plan" if len(plans) == 1 else "either plan" if side == 0 else "both plans"))
    else:
        verdict = ("At equal memory, magnitude pruning "
                   + word_list([f"{words[side]} full NTK-LC with the \"{plan}\" plan" for plan, side in plans]))
    return item, (verdict + f" here (pruned to the memory of the ternary networks at sparsity {sparsity:g}"
                  + ("" if with_se else "; one draw, so no test") + ").")


def units_without_inputs_sentence(fractions: Sequence[float], sparsity: float) -> str:
    """A sentence on ``baselines.units_without_inputs`` of a pruned net: ``fractions`` (L,) in [0, 1], one
    per hidden layer, of the net pruned to ``sparsity``."""
    fractions = [checks.in_range("fractions", f, 0.0, 1.0, high_closed=True) for f in fractions]
    if not fractions:
        raise ValueError("fractions must hold one entry per hidden layer, got none")
    sparsity = checks.sparsity("sparsity", sparsity)
    if not any(fractions):
        return f"At sparsity {sparsity:.4f} every unit keeps at least one input weight."
    later = (f" (and {word_list([f'{100 * f:.1f} %' for f in fractions[1:]])} of the later layers')"
             if len(fractions) > 1 else "")
    return (f"At sparsity {sparsity:.4f}, pruning layer by layer leaves {100 * fractions[0]:.1f} % of the first "
            f"hidden layer's units{later} without a single input weight: their features are constants, so "
            "the pruned network works with fewer units than its width.")
