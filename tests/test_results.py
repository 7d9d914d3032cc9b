"""Result files: save and load agree on the directory, and the files are strict JSON."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ntklc_lib import results


def test_load_reads_where_save_wrote_under_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(results.ENV_VAR, str(tmp_path / "elsewhere"))
    path = results.save("fig", {"a": 1.5}, directory=tmp_path / "default")
    assert path == tmp_path / "elsewhere" / "fig.json"
    assert not (tmp_path / "default").exists()
    assert results.load("fig", directory=tmp_path / "default") == {"a": 1.5}
    monkeypatch.delenv(results.ENV_VAR)
    results.save("fig", {"a": 2.5}, directory=tmp_path / "default")
    assert results.load("fig", directory=tmp_path / "default") == {"a": 2.5}


def test_non_finite_values_are_stored_the_same_way_as_strict_json(tmp_path, monkeypatch):
    monkeypatch.delenv(results.ENV_VAR, raising=False)
    figures = {"py": float("nan"), "np64": np.float64("nan"), "np32": np.float32("nan"), "inf": np.float64("inf"),
               "array": np.array([1.0, np.nan, -np.inf]), "plain": np.float64(0.25)}
    path = results.save("nan", figures, directory=tmp_path)

    def strict(token):
        raise ValueError(f"non-standard JSON token {token}")

    data = json.loads(path.read_text(), parse_constant=strict)
    assert data == {"py": "nan", "np64": "nan", "np32": "nan", "inf": "inf", "array": [1.0, "nan", "-inf"],
                    "plain": 0.25}
    assert results.load("nan", directory=tmp_path) == data


def test_keys_that_collide_as_strings_raise(tmp_path, monkeypatch):
    monkeypatch.delenv(results.ENV_VAR, raising=False)
    with pytest.raises(ValueError, match="collide.*'1'"):
        results.save("clash", {1: "a", "1": "b"}, directory=tmp_path)
    with pytest.raises(ValueError, match="collide"):
        results.save("clash", {"outer": {2.5: 0, "2.5": 1}}, directory=tmp_path)
    assert not (tmp_path / "clash.json").exists()


@pytest.mark.parametrize("call", [lambda d: results.save("a/b", {}, d), lambda d: results.load("", d)])
def test_bad_names_raise(tmp_path, call):
    with pytest.raises(ValueError, match="name must be a plain file stem"):
        call(tmp_path)
