"""Wording of the numbers that the chapters glue into their prose."""
from __future__ import annotations

from typing import Sequence


def word_list(items: Sequence) -> str:
    """``items`` as an English list: ``"a"``, ``"a and b"``, ``"a, b and c"`` (each item as ``str``)."""
    words = [str(item) for item in items]
    if not words:
        raise ValueError("items must hold at least one item, got none")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
