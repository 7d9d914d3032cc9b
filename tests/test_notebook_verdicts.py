"""Verdicts that the theory and spectral_gmm chapters paste into their text must follow their own numbers at a
reader's parameters, not only at the book's. Papermill runs at small parameters (10 to 20 s each); each
verdict is recomputed here from the results file with scipy's linear regression and Student's t.

Before: at two widths the theory chapter printed "[nan, nan]" intervals and concluded "both hold -1/2";
spectral_gmm said no activation falls more slowly than 1/sqrt(n) when its intervals could not tell, and
called the means' effect both "not clearly separated from the noise" and "they steepen the fitted line"."""
from __future__ import annotations

import ast
import json
import re

import numpy as np
import pytest
from scipy import stats

from nbtools import load_test_params, run_chapter

SMALL = load_test_params()


def _side(sizes, errors) -> str:
    """The fitted log-log slope's 95 % interval (Student's t on m - 2 dof) against -1/2."""
    fit = stats.linregress(np.log(sizes), np.log(errors))
    half = stats.t.ppf(0.975, len(sizes) - 2) * fit.stderr
    return "steeper" if fit.slope + half < -0.5 else "flatter" if fit.slope - half > -0.5 else "unresolved"


def _showing_nan(glued: dict[str, str]) -> list[str]:
    """Names of the glued values whose text shows a nan."""
    return [name for name, text in glued.items() if re.search(r"\bnan\b", text)]


def test_theory_with_two_widths_tests_no_slope_and_judges_universality_against_the_gaussian(tmp_path):
    # the test parameters' two widths, and a width so small that every CK is far from the limit
    glued, path = run_chapter("theory", {**SMALL["theory"], "widths_check": [100, 400],
                                         "universality_width": 3}, tmp_path)
    assert glued["width-slope-verdict"].startswith("With two widths the fitted lines pass through both points, "
                                                   "so they have no standard error and no interval")
    assert not _showing_nan(glued)
    res = json.loads(path.read_text())["universality"]
    # kept: the mean distance within the tolerance times the Gaussian net's, per data set
    kept = {}
    for data in ("aligned", "rotated"):
        means = np.mean(res[f"{data}_errors"], axis=1)
        kept[data] = bool(means[-1] <= res["tolerance"] * means[0])
    verdict = glued["univ-sparsest-verdict"]
    if all(kept.values()):
        assert verdict == "the CK stays within 25 % of the Gaussian CK's distance to the limit on both data sets"
    else:
        # "far" is always relative to the Gaussian CK, never absolute
        assert "more than 25 % further from the limit than the Gaussian CK" in verdict
        assert verdict.endswith({(False, False): "either way", (False, True): "but not after the rotation",
                                 (True, False): "but not on the data as drawn"}[kept["aligned"], kept["rotated"]])
    # one network draw per law: the gap, and no test
    gap = np.mean(res["aligned_errors"][2]) - np.mean(res["aligned_errors"][0])
    assert ast.literal_eval(glued["univ-aligned-gap-text"]) == f"a gap of {gap:.3f} in one draw of each, with no spread to judge it by"
    # and nothing to average
    assert "on average" not in glued["univ-aligned-compare"] + glued["univ-rotation-verdict"]


def test_theory_judges_the_universality_gaps_by_welchs_t_test(tmp_path):
    """The sparse law's excess distance over the Gaussian law's, quoted with its standard error and verdict,
    against scipy's unequal-variance t test on the single draws of the results file."""
    glued, path = run_chapter("theory", {**SMALL["theory"], "universality_seeds": 3}, tmp_path)
    assert not _showing_nan(glued)
    res = json.loads(path.read_text())["universality"]
    quoted = res["sparsities"].index(res["quoted_sparsity"]) + 1      # row 0 is the Gaussian law
    said = {}
    for data in ("aligned", "rotated"):
        sparse, gauss = np.asarray(res[f"{data}_errors"])[[quoted, 0]]
        ref = stats.ttest_ind(sparse, gauss, equal_var=False)
        gap, se = sparse.mean() - gauss.mean(), (sparse.mean() - gauss.mean()) / ref.statistic
        resolved = ref.pvalue < 0.05
        g = res["quoted_gaps"][data]
        assert g["gap"] == pytest.approx(gap, rel=1e-12) and g["se"] == pytest.approx(se, rel=1e-10)
        assert g["side"] == (int(np.sign(gap)) if resolved else 0)
        said[data] = (f"a gap of {gap:.3f} ± {se:.3f}, "
                      + ("beyond the noise of 3 draws of each" if resolved else "which 3 draws of each do not resolve")
                      + " by Welch's t test at the 5 % level")
        assert g["dof"] == pytest.approx(ref.df, rel=1e-10)
    assert ast.literal_eval(glued["univ-aligned-gap-text"]) == said["aligned"]     # a str: its repr
    assert glued["univ-aligned-compare"].endswith(" than the Gaussian one on average: " + said["aligned"])
    assert glued["univ-rotation-verdict"].endswith(said["rotated"] + ".")
    ga, gr = res["quoted_gaps"]["aligned"]["gap"], res["quoted_gaps"]["rotated"]["gap"]
    assert glued["univ-rotation-verdict"].startswith(
        "On the data as drawn there is no gap for the rotation to close" if ga <= 0 else
        "So on average the rotation " + ("closes most of the gap" if gr < 0.5 * ga else
                                         "closes part of the gap" if gr < ga else "does not close the gap"))


@pytest.mark.parametrize("overrides", [
    {},                                                                          # the test parameters
    {"n": 301, "n_classes": 3, "sweep_factors": [0.25, 0.5, 0.75, 1], "seed": 7},   # means flatten the slope here
], ids=["test-parameters", "three-classes"])
def test_spectral_gmm_verdicts_follow_the_fitted_intervals(tmp_path, overrides):
    glued, path = run_chapter("spectral_gmm", {**SMALL["spectral_gmm"], **overrides}, tmp_path)
    assert not _showing_nan(glued)
    res = json.loads(path.read_text())

    # which errors fall more slowly than 1/sqrt(n), which the sizes cannot tell from it
    sides = {}
    for kind in ("ck", "ntk"):
        sweep = res["sweep"][kind]
        for label, errors in zip(sweep["labels"], sweep["errors"]):
            sides[f"{kind.upper()} {label.split(' ×')[0]}"] = _side(sweep["sizes"], errors)
    slow = [name for name, side in sides.items() if side == "flatter"]
    unresolved = [name for name, side in sides.items() if side == "unresolved"]
    text = glued["slow-activations-md"]
    listed = text.split(" errors")[0]
    if slow:
        assert text.startswith("The ") and "fall more slowly than 1/√n" in text
        assert [name for name in sides if name in listed] == slow
    elif unresolved:
        assert text.startswith("No fitted slope's 95 % interval lies wholly above −1/2")
        listed = text.split("the intervals of the ")[1].split(" errors")[0]
        assert [name for name in sides if name in listed] == unresolved
    else:
        assert text.endswith("every fitted slope's 95 % interval lies below −1/2.")

    # each other activation's CK slope against ReLU's: Welch's t on the two fits (scipy's slopes and standard
    # errors, the Welch-Satterthwaite degrees of freedom written out), which the sentence must follow
    ck = res["sweep"]["ck"]
    fits = {label.split(" ×")[0]: stats.linregress(np.log(ck["sizes"]), np.log(errors))
            for label, errors in zip(ck["labels"], ck["errors"])}
    m = len(ck["sizes"])
    side_vs_relu = {}
    for name in ("tanh", "erf", "step"):
        va, vb = fits[name].stderr ** 2, fits["ReLU"].stderr ** 2
        dof = (va + vb) ** 2 / ((va ** 2 + vb ** 2) / (m - 2))
        t = (fits[name].slope - fits["ReLU"].slope) / np.sqrt(va + vb)
        side_vs_relu[name] = int(np.sign(t)) if abs(t) > stats.t.ppf(0.975, dof) else 0
        assert res["ck_slopes_vs_relu"][name]["side"] == side_vs_relu[name]
        assert res["ck_slopes_vs_relu"][name]["dof"] == pytest.approx(dof, rel=1e-9)
    text = glued["others-vs-relu"]
    if set(side_vs_relu.values()) == {1}:
        assert text.startswith("The other activations converge more slowly: each fitted CK slope is flatter")
    elif set(side_vs_relu.values()) == {-1}:
        assert text.startswith("The other activations converge faster: each fitted CK slope is steeper")
    else:
        assert text.startswith("Against ReLU's CK slope (Welch's t on the two fits at the 5 % level), ")
        for side, phrase in ((1, " falls more slowly"), (-1, " falls faster"),
                             (0, "the fits do not resolve the difference for ")):
            names = [name for name, v in side_vs_relu.items() if v == side]
            assert (phrase in text) == bool(names) and all(name in text for name in names)

    # the class means' effect on the ReLU slope: one verdict, the same in every sentence
    sizes = res["sweep_sizes"]
    with_means, without = (np.array(res["rate_vs_means"][s]["errors_all"]) for s in ("1.0", "0.0"))
    slope_with = stats.linregress(np.log(sizes), np.log(with_means.mean(axis=1))).slope
    slope_without = stats.linregress(np.log(sizes), np.log(without.mean(axis=1))).slope
    assert slope_with == pytest.approx(res["rate_vs_means"]["1.0"]["slope"], abs=1e-10)
    draws = [stats.linregress(np.log(sizes), np.log(column)).slope for column in with_means.T]
    resolved = max(draws) - min(draws) < abs(slope_with - slope_without)
    steepen = slope_without > slope_with
    assert glued["rate-data-verdict"] == (
        ("the steeper" if steepen else "the flatter") + " slope with the means is "
        + ("a property of the data, not the noise of a draw" if resolved
           else "not clearly separated from the noise of a draw"))
    sentence, verdict = glued["rate-means-relu-sentence"], glued["rate-means-verdict"]
    if not resolved:
        assert sentence.startswith("At these sizes the class means change ReLU's slope by less than")
        assert verdict.startswith("With or without the class means the fitted lines differ by less than single")
        assert "they steepen the fitted line" not in verdict
    elif steepen:
        assert sentence == "The class means steepen ReLU's slope" and "they steepen the fitted line" in verdict
    else:
        assert sentence == "The class means do not steepen ReLU's slope"
        assert verdict.startswith("Removing the class means does not flatten the fitted line")
