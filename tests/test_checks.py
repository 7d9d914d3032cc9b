import numpy as np
import pytest

from ntklc_lib import checks


def test_seed_accepts_non_negative_integers_and_names_the_argument_otherwise():
    assert checks.seed("seed", 0) == 0
    out = checks.seed("seed", np.int64(7))
    assert out == 7 and type(out) is int
    for bad in (-1, 1.5, True, "3", None, np.float64(2.0)):
        with pytest.raises(ValueError, match=r"seeds\[2\] must be an integer >= 0"):
            checks.seed("seeds[2]", bad)
