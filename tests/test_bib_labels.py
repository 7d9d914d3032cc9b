"""The bibliography's labels (book/_ext/bib_labels.py) read like the author-year citations in the text."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from bib_labels import AuthorYearLabels  # noqa: E402

BIB = parse_file(str(ROOT / "book" / "references.bib"))


def labels() -> dict[str, str]:
    entries = list(BIB.entries.values())
    return {e.key: label for e, label in zip(entries, AuthorYearLabels().format_labels(entries))}


@pytest.mark.parametrize("key,expected", [
    ("gu2022lossless", "Gu et al., 2022"),          # seven authors
    ("jacot2018ntk", "Jacot et al., 2018"),         # three authors
    ("couillet2022rmt", "Couillet and Liao, 2022"),  # two authors
    ("elkaroui2010spectrum", "El Karoui, 2010"),    # one author, a two-word last name
])
def test_label_is_first_author_and_year(key, expected):
    assert labels()[key] == expected


def test_labels_are_unique():
    # two entries with the same label would send a reader to the wrong one
    seen: dict[str, list[str]] = {}
    for key, label in labels().items():
        seen.setdefault(label, []).append(key)
    clashes = {label: keys for label, keys in seen.items() if len(keys) > 1}
    assert not clashes, f"bibliography entries share a label: {clashes}"
