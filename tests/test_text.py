"""ntklc_lib.text: wording of glued numbers."""
import pytest

from ntklc_lib import text


@pytest.mark.parametrize("items,expected", [
    (["0.5"], "0.5"),
    (["0.5", "0.9"], "0.5 and 0.9"),
    ([250, 500, 1000], "250, 500 and 1000"),     # items are turned into strings
    (("a", "b", "c", "d"), "a, b, c and d"),
])
def test_word_list(items, expected):
    assert text.word_list(items) == expected


def test_word_list_rejects_no_items():
    with pytest.raises(ValueError, match="items must hold at least one item"):
        text.word_list([])
    # a string is a sequence of letters: it used to come back as "a, b and c"
    with pytest.raises(ValueError, match=r"items must be a list or tuple of items, got str 'abc'"):
        text.word_list("abc")


@pytest.mark.parametrize("share,verdict", [
    (0.0, "explains little of the loss"),
    (0.2499, "explains little of the loss"),
    (0.25, "explains part of the loss"),
    (0.4999, "explains part of the loss"),
    (0.5, "explains a large part of the loss"),
    (0.7999, "explains a large part of the loss"),
    (0.8, "explains about all of the loss"),
    (1.2499, "explains about all of the loss"),
    (1.25, "costs more than the compressed network loses"),
    (3.0, "costs more than the compressed network loses"),
    (-0.1, "explains little of the loss"),
    (float("nan"), "has no loss to explain (the compressed network loses no accuracy)"),
])
def test_shift_verdict_follows_the_bounds(share, verdict):
    assert text.shift_verdict(share) == verdict
