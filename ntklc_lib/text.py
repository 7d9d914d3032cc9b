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
