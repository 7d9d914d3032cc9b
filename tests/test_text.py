"""ntklc_lib.text: wording of glued numbers."""
import pytest
from scipy.stats import t as student_t

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
     "Each offset is within two standard errors of zero: at this shift the noise model is consistent with the "
     "loss at every sparsity tested (the draws resolve no departure from it)."),
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
    # a gap that rounds to 0.00 has no direction to name, whatever its sign
    for zero in (0.0, 0.004, -0.004):
        assert text.gap_phrase(zero, 0.25, True) == "0.00 ± 0.25 points from"
    assert text.gap_phrase(0.006, 0.25, False) == "0.01 points below"
    # exactly z standard errors counts as within, as in model_offsets_verdict
    assert text.offsets_within([0.5, 0.9, 0.99], [0.4, -0.41, 3.7], [0.2, 0.2, 0.7]) == [0.5]
    assert text.offsets_within([0.5], [0.5], [0.2], z=3.0) == [0.5]
    # checked as model_offsets_verdict checks them: a short list was cut by zip (([0.5, 0.9], [0.1], [0.2]) gave
    # [0.5]), a NaN offset or a negative error dropped its sparsity without a word
    for args in (([0.5, 0.9], [0.1], [0.2]), ([0.5], [0.1], [0.2, 0.3]), ([], [], [])):
        with pytest.raises(ValueError, match="must have one entry per sparsity"):
            text.offsets_within(*args)
    for offsets, ses in (([float("nan")], [0.2]), ([0.1], [-0.2]), ([0.1], [float("inf")])):
        with pytest.raises(ValueError, match="offsets must be finite and ses finite and >= 0"):
            text.offsets_within([0.5], offsets, ses)
    # a NaN gap printed as "nan ± 0.20 points above", and a with_se of "no" counted as true
    with pytest.raises(ValueError, match="points must be a finite number, got nan"):
        text.gap_phrase(float("nan"), 0.2, True)
    with pytest.raises(ValueError, match="with_se must be"):
        text.gap_phrase(0.3, 0.2, "no")
    with pytest.raises(ValueError, match=r"se must be >= 0 \(a standard error\), got -0.2"):
        text.gap_phrase(0.3, -0.2, True)
    assert text.gap_phrase(0.3, float("nan"), False) == "0.30 points below"     # no error to show: not read


def test_model_offsets_verdict_with_degrees_of_freedom_uses_students_t():
    """CIFAR-10's offset at 0.99 was -0.78 +- 0.375, 2.08 standard errors: below the model by the normal rule,
    but not by Welch's t test on its 5.7 degrees of freedom (critical value 2.48, scipy's t quantile)."""
    crit = student_t.ppf(0.975, 5.7)
    assert 2.47 < crit < 2.49
    assert text.model_offsets_verdict([0.99], [-0.78], [0.375]).startswith("At ε = 0.99 the networks lie below")
    assert text.model_offsets_verdict([0.99], [-0.78], [0.375], dofs=[5.7]) == (
        "Each offset is within the noise of the draws (Welch's t test, 5 % level): at this shift the noise model "
        "is consistent with the loss at every sparsity tested (the draws resolve no departure from it).")
    # just beyond the critical value, and just inside it
    verdict = text.model_offsets_verdict([0.5, 0.99], [-1.01 * crit * 0.375, 0.99 * crit * 0.375],
                                         [0.375, 0.375], dofs=[5.7, 5.7])
    assert verdict == ("At ε = 0.5 the networks lie below the model beyond the noise (Welch's t test, 5 % level): "
                       "there the noise does not account for the whole loss. At ε = 0.99 they are within the "
                       "noise of it.")
    assert text.offsets_within([0.5, 0.99], [-1.01 * crit, 0.99 * crit], [1.0, 1.0], dofs=[5.7, 5.7]) == [0.99]
    # nan degrees of freedom (one draw): no test, so within
    assert text.offsets_within([0.9], [10.0], [0.1], dofs=[float("nan")]) == [0.9]
    with pytest.raises(ValueError, match=r"dofs must have one entry per sparsity \(2\)"):
        text.model_offsets_verdict([0.5, 0.9], [0.1, 0.1], [0.1, 0.1], dofs=[3.0])
    with pytest.raises(ValueError, match="dofs must be > 0 or nan"):
        text.offsets_within([0.9], [0.1], [0.1], dofs=[0.0])
    # no test (nan dof) with a zero standard error is still no test: within, in the verdict and the list alike
    nan = float("nan")
    assert text.offsets_within([0.5, 0.9], [0.5, 0.9], [0.5, 0.0], dofs=[nan, nan]) == [0.5, 0.9]
    assert text.model_offsets_verdict([0.5, 0.9, 0.99], [-3.0, 0.9, 0.1], [0.5, 0.0, 0.4], dofs=[4.0, nan, 4.0]) == (
        "At ε = 0.5 the networks lie below the model beyond the noise (Welch's t test, 5 % level): there the noise "
        "does not account for the whole loss. At ε = 0.9 and 0.99 they are within the noise of it.")
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="z must be a finite number > 0"):
            text.model_offsets_verdict([0.9], [0.1], [0.1], z=bad)
        with pytest.raises(ValueError, match="z must be a finite number > 0"):
            text.offsets_within([0.9], [0.1], [0.1], z=bad)


def test_pruning_at_equal_memory_texts():
    result = {"sparsity": 0.99812, "bits": 252000.0, "accuracy": 85.123, "std": 0.5, "ternary_sparsity": 0.99,
              "ternary_bits": 252768.0,
              "against": [{"method": "ReLU, ternary W", "accuracy": 91.7, "points_below": -6.58, "se": 0.4,
                           "side": -1},
                          {"method": "NTK-LC (moments)", "accuracy": 82.5, "points_below": 2.62, "se": 0.6,
                           "side": 1},
                          {"method": "NTK-LC (scale)", "accuracy": 87.6, "points_below": -2.46, "se": 2.0,
                           "side": 0}]}
    item, verdict = text.pruning_at_equal_memory(result, 0.99, 252768.0, True)
    assert item == ("magnitude pruning at the memory of the ternary networks at sparsity 0.99 (2.52e+05 bits "
                    "against their 2.53e+05), which takes sparsity 0.9981: 85.12 % (± 0.50). Against it, the "
                    "networks of sparsity 0.99 reach ReLU, ternary W 91.70 %, 6.58 ± 0.40 points above it "
                    "(resolved), NTK-LC (moments) 82.50 %, 2.62 ± 0.60 points below it (resolved) and NTK-LC "
                    "(scale) 87.60 %, 2.46 ± 2.00 points above it (not resolved) (resolved or not by Welch's t "
                    "test at the 5 % level, over the weight draws)")
    assert verdict == ('At equal memory, magnitude pruning beats full NTK-LC with the "moments" plan and '
                       'cannot be told from full NTK-LC with the "scale" plan here (pruned to the memory of the '
                       'ternary networks at sparsity 0.99).')
    for side, words in ((1, "beats full NTK-LC with both plans"), (-1, "loses to full NTK-LC with both plans"),
                        (0, "cannot be told from full NTK-LC with either plan")):
        same = {**result, "against": [{**r, "side": side} for r in result["against"]]}
        assert text.pruning_at_equal_memory(same, 0.99, 252768.0, True)[1].startswith(
            f"At equal memory, magnitude pruning {words} here")
    # one NTK-LC plan: "its plan", whatever the side ("either" would suggest two)
    for side, word in ((1, "beats"), (-1, "loses to"), (0, "cannot be told from")):
        one = {**result, "against": [{**result["against"][1], "side": side}]}
        assert text.pruning_at_equal_memory(one, 0.99, 252768.0, True)[1].startswith(
            f"At equal memory, magnitude pruning {word} full NTK-LC with its plan here")
    assert text.pruning_at_equal_memory(result, 0.99, 252768.0, False)[1].endswith(
        "at sparsity 0.99; one draw, so no test).")
    none_item, none_verdict = text.pruning_at_equal_memory(None, 0.9, 5826.5, False)
    assert none_item.startswith("magnitude pruning cannot reach the memory of the ternary networks at sparsity "
                                "0.9 (5.83e+03 bits)")
    assert "not compared at equal memory" in none_verdict


def test_units_without_inputs_sentence():
    assert text.units_without_inputs_sentence([0.179, 0.122, 0.111], 0.997853) == (
        "At sparsity 0.9979, pruning layer by layer leaves 17.9 % of the first hidden layer's units (and 12.2 % "
        "and 11.1 % of the later layers') without a single input weight: their features are constants, so the "
        "pruned network works with fewer units than its width.")
    assert text.units_without_inputs_sentence([0.05], 0.99).startswith(
        "At sparsity 0.9900, pruning layer by layer leaves 5.0 % of the first hidden layer's units without")
    assert text.units_without_inputs_sentence([0.0, 0.0], 0.9) == (
        "At sparsity 0.9000 every unit keeps at least one input weight.")
    with pytest.raises(ValueError, match=r"fractions must lie in \[0.0, 1.0\]"):
        text.units_without_inputs_sentence([1.5], 0.9)
    with pytest.raises(ValueError, match="sparsity"):
        text.units_without_inputs_sentence([0.1], 1.0)
    with pytest.raises(ValueError, match="one entry per hidden layer"):
        text.units_without_inputs_sentence([], 0.9)
