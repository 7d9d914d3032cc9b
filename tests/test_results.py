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


def test_long_double_values_are_stored_as_floats(tmp_path):
    # np.longdouble's item() is a np.longdouble again: converting it must not recurse
    path = results.save("ld", {"v": np.longdouble(1.5), "a": np.array([np.longdouble(0.25)])}, directory=tmp_path)
    assert json.loads(path.read_text()) == {"a": [0.25], "v": 1.5}


def test_values_that_are_not_json_are_named_where_they_sit(tmp_path, monkeypatch):
    # json.dumps raised "TypeError: Object of type set is not JSON serializable", naming no entry
    monkeypatch.delenv(results.ENV_VAR, raising=False)
    with pytest.raises(ValueError, match=r"^figures\['runs'\]\[1\]\['seeds'\] must be a number, string, bool, "
                                         r"None, list or dict \(a JSON value\), got set \{1, 2\}: convert it"):
        results.save("odd", {"ok": 1, "runs": [{"seeds": [0]}, {"seeds": {1, 2}}]}, directory=tmp_path)
    with pytest.raises(ValueError, match=r"^figures\['where'\] must be .* got PosixPath"):
        results.save("odd", {"where": tmp_path}, directory=tmp_path)
    assert not (tmp_path / "odd.json").exists()
    # what was accepted before still is, unchanged
    fine = {"i": 1, "f": 0.5, "s": "x", "b": True, "none": None, "np": np.int64(3), "t": (1, np.float32(2.0))}
    assert json.loads(results.save("fine", fine, directory=tmp_path).read_text()) == {
        "i": 1, "f": 0.5, "s": "x", "b": True, "none": None, "np": 3, "t": [1, 2.0]}


def test_keys_that_collide_as_strings_raise(tmp_path, monkeypatch):
    monkeypatch.delenv(results.ENV_VAR, raising=False)
    with pytest.raises(ValueError, match="collide.*'1'"):
        results.save("clash", {1: "a", "1": "b"}, directory=tmp_path)
    with pytest.raises(ValueError, match="collide"):
        results.save("clash", {"outer": {2.5: 0, "2.5": 1}}, directory=tmp_path)
    assert not (tmp_path / "clash.json").exists()


@pytest.mark.parametrize("call", [lambda d: results.save("a/b", {}, d), lambda d: results.load("", d),
                                  lambda d: results.save(5, {}, d), lambda d: results.load(None, d)])
def test_bad_names_raise(tmp_path, call):
    with pytest.raises(ValueError, match="name must be a plain file stem"):
        call(tmp_path)


@pytest.mark.parametrize("figures", [None, [1, 2], "a"])
def test_figures_must_be_a_dict(tmp_path, figures):
    with pytest.raises(ValueError, match=rf"figures must be a dict of named values, got {type(figures).__name__}"):
        results.save("x", figures, tmp_path)
    assert not (tmp_path / "x.json").exists()


def _fake_book(tmp_path):
    """A folder that looks like the book's root: _toc.yml and ntklc_lib/, with notebooks/ inside."""
    root = tmp_path / "book"
    (root / "ntklc_lib").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "_toc.yml").write_text("root: index\n")
    return root


def test_default_directory_is_the_books_results_from_the_root_and_from_notebooks(tmp_path, monkeypatch):
    monkeypatch.delenv(results.ENV_VAR, raising=False)
    root = _fake_book(tmp_path)
    monkeypatch.chdir(root)
    assert results.book_root() == root.resolve()
    assert results.resolve_directory() == results.Path("results")
    path_from_root = results.save("fig", {"a": 1.0}).resolve()   # relative to this cwd
    monkeypatch.chdir(root / "notebooks")
    assert results.book_root() == root.resolve()
    assert results.resolve_directory() == results.Path("../results")   # relative: no machine path printed
    path_from_notebooks = results.save("fig", {"a": 2.0}).resolve()
    assert path_from_root == path_from_notebooks == (root / "results" / "fig.json").resolve()
    assert results.load("fig") == {"a": 2.0}
    assert sorted(p.name for p in root.rglob("*.json")) == ["fig.json"]   # nothing written anywhere else


def test_environment_variable_then_argument_come_before_the_default(tmp_path, monkeypatch):
    root = _fake_book(tmp_path)
    monkeypatch.chdir(root / "notebooks")
    monkeypatch.setenv(results.ENV_VAR, str(tmp_path / "env"))
    assert results.resolve_directory() == tmp_path / "env"
    assert results.resolve_directory(tmp_path / "arg") == tmp_path / "env"
    monkeypatch.delenv(results.ENV_VAR)
    assert results.resolve_directory(tmp_path / "arg") == tmp_path / "arg"


def test_outside_the_book_the_package_location_is_used_else_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv(results.ENV_VAR, raising=False)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert results.book_root() is None
    root = _fake_book(tmp_path)
    monkeypatch.setattr(results, "__file__", str(root / "ntklc_lib" / "results.py"))
    assert (outside / results.resolve_directory()).resolve() == (root / "results").resolve()
    monkeypatch.setattr(results, "__file__", str(outside / "site-packages" / "ntklc_lib" / "results.py"))
    with pytest.raises(ValueError, match="NTKLC_RESULTS_DIR"):
        results.resolve_directory()
    with pytest.raises(ValueError, match="_toc.yml"):
        results.save("fig", {})
    assert results.resolve_directory(outside / "given") == outside / "given"


def test_a_directory_that_is_not_a_path_is_rejected_by_name(tmp_path, monkeypatch):
    monkeypatch.delenv(results.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    for call in (lambda: results.resolve_directory(5), lambda: results.save("x", {"a": 1}, 5),
                 lambda: results.load("x", ["results"])):
        with pytest.raises(ValueError, match=r"directory must be None or a path"):
            call()
    assert not list(tmp_path.iterdir())
