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
