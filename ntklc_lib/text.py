"""Wording of the numbers that the chapters glue into their prose."""
from __future__ import annotations

import math
from typing import Sequence


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


def model_offsets_verdict(sparsities: Sequence[float], offsets: Sequence[float], ses: Sequence[float],
                          z: float = 2.0) -> str:
    """Where compressed networks lie from the noise model's accuracy, sparsity by sparsity: ``offsets``
    (network mean minus model mean) and their standard errors ``ses``, one each per sparsity, any unit.
    An offset beyond ``z`` standard errors counts as below or above the model; sentences naming the
    sparsities of each kind."""
    sparsities, offsets, ses = list(sparsities), [float(o) for o in offsets], [float(e) for e in ses]
    if not (len(sparsities) == len(offsets) == len(ses)) or not sparsities:
        raise ValueError(f"sparsities, offsets and ses must have one entry per sparsity (at least one), got "
                         f"lengths {len(sparsities)}, {len(offsets)} and {len(ses)}")
    if not all(math.isfinite(e) and e >= 0 for e in ses) or not all(math.isfinite(o) for o in offsets):
        raise ValueError(f"offsets must be finite and ses finite and >= 0, got offsets {offsets}, ses {ses}")
    under = [e for e, o, se in zip(sparsities, offsets, ses) if o < -z * se]
    over = [e for e, o, se in zip(sparsities, offsets, ses) if o > z * se]
    inside = offsets_within(sparsities, offsets, ses, z)
    bound = "two" if z == 2.0 else f"{z:g}"
    if not under and not over:
        return (f"Each offset is within {bound} standard errors of zero: at this shift the noise model accounts "
                "for the loss at every sparsity tested.")
    parts = []
    if under:
        parts.append(f"At ε = {sparsity_list(under)} {{}} lie below the model by more than {bound} standard "
                     "errors: there the noise does not account for the whole loss.")
    if over:
        parts.append(f"At ε = {sparsity_list(over)} {{}} lie above {{}} by more than {bound} standard errors: "
                     "there the model overstates the loss.")
    if inside:
        parts.append(f"At ε = {sparsity_list(inside)} {{}} are within {bound} standard errors of {{}}.")
    # the first sentence names the networks and the model, the later ones refer back to them
    return " ".join(part.format(*(("the networks", "the model") if k == 0 else ("they", "it")))
                    for k, part in enumerate(parts))


def offsets_within(sparsities: Sequence[float], offsets: Sequence[float], ses: Sequence[float],
                   z: float = 2.0) -> list:
    """The sparsities whose offset lies within ``z`` of its standard errors of zero (|offset| <= z se): where
    the model fits, the rule of :func:`model_offsets_verdict`."""
    return [e for e, o, se in zip(sparsities, offsets, ses) if abs(float(o)) <= z * float(se)]


def gap_phrase(points: float, se: float, with_se: bool) -> str:
    """A gap below a reference, in percentage points: ``"0.27 ± 0.25 points below"`` (negative points:
    ``"above"``; the standard error only ``with_se``, i.e. when the draws give one)."""
    return f"{abs(points):.2f} {f'± {se:.2f} ' if with_se else ''}points {'below' if points > 0 else 'above'}"
