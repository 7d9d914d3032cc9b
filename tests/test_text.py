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


def test_sparsity_list():
    assert text.sparsity_list([0.5, 0.9, 0.99]) == "0.5, 0.9 and 0.99"
    assert text.sparsity_list((0.9,)) == "0.9"
    with pytest.raises(ValueError, match="sparsities must be a list of numbers"):
        text.sparsity_list("0.9")


@pytest.mark.parametrize("offsets,ses,expected", [
    ([0.1, -0.2, 0.3], [0.2, 0.2, 0.2],
     "Each offset is within two standard errors of zero: at this shift the noise model accounts for the loss "
     "at every sparsity tested."),
    ([-1.2, -1.5, 0.0], [0.3, 0.2, 0.2],
     "At ε = 0.5 and 0.9 the networks lie below the model by more than two standard errors: there the noise "
     "does not account for the whole loss. At ε = 0.99 they are within two standard errors of it."),
    ([0.1, -0.9, 3.7], [1.0, 0.7, 0.69],
     "At ε = 0.99 the networks lie above the model by more than two standard errors: there the model overstates "
     "the loss. At ε = 0.5 and 0.9 they are within two standard errors of it."),
    ([-1.0, 0.0, 1.0], [0.1, 0.1, 0.1],
     "At ε = 0.5 the networks lie below the model by more than two standard errors: there the noise does not "
     "account for the whole loss. At ε = 0.99 they lie above it by more than two standard errors: there the "
     "model overstates the loss. At ε = 0.9 they are within two standard errors of it."),
])
def test_model_offsets_verdict(offsets, ses, expected):
    assert text.model_offsets_verdict([0.5, 0.9, 0.99], offsets, ses) == expected


def test_model_offsets_verdict_boundary_and_errors():
    # exactly two standard errors counts as within
    assert text.model_offsets_verdict([0.9], [-0.4], [0.2]).startswith("Each offset is within")
    assert "more than 3 standard errors" in text.model_offsets_verdict([0.9], [-0.7], [0.2], z=3.0)
    with pytest.raises(ValueError, match="one entry per sparsity"):
        text.model_offsets_verdict([0.5, 0.9], [0.1], [0.1, 0.1])
    with pytest.raises(ValueError, match="ses finite and >= 0"):
        text.model_offsets_verdict([0.5], [0.1], [-0.1])


def test_gap_phrase_and_offsets_within():
    assert text.gap_phrase(0.2667, 0.2528, True) == "0.27 ± 0.25 points below"
    assert text.gap_phrase(-0.31, 0.2, False) == "0.31 points above"
    # exactly z standard errors counts as within, as in model_offsets_verdict
    assert text.offsets_within([0.5, 0.9, 0.99], [0.4, -0.41, 3.7], [0.2, 0.2, 0.7]) == [0.5]
    assert text.offsets_within([0.5], [0.5], [0.2], z=3.0) == [0.5]
