"""Writing a notebook's key figures to ``results/<notebook>.json`` (read back by the text via glue)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from . import checks


def _plain(obj, where: str = "figures"):
    """numpy scalars and arrays (and dicts, lists, tuples of them) -> JSON-serializable Python objects.

    Non-finite floats (Python or numpy) become the strings "nan", "inf", "-inf", so the file stays strict
    JSON.  Keys become strings; two keys that give the same string (1 and "1") raise ValueError.  Any other
    object (a set, a path, a dataclass) raises ValueError naming where in ``figures`` it sits (``where``).
    """
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if str(k) in out:
                raise ValueError(f"figures has keys that collide as JSON keys: {k!r} and another key both become "
                                 f"{str(k)!r}; rename one")
            out[str(k)] = _plain(v, f"{where}[{k!r}]")
        return out
    if isinstance(obj, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist(), where)
    if isinstance(obj, np.generic):
        value = obj.item()
        # np.longdouble's item() is a np.longdouble again: recursing on it would never end
        return _plain(float(value) if isinstance(value, np.floating) else value, where)
    if isinstance(obj, float) and not np.isfinite(obj):
        return str(obj)
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    # json.dumps would raise a TypeError that says neither which entry nor what to store instead
    raise ValueError(f"{where} must be a number, string, bool, None, list or dict (a JSON value), got "
                     f"{type(obj).__name__} {obj!r}: convert it (e.g. a set to a sorted list, a path to a str)")


ENV_VAR = "NTKLC_RESULTS_DIR"


def book_root(start=None) -> Path | None:
    """The book's root: the nearest of ``start`` (default: the current directory) and its parents that
    holds both ``_toc.yml`` and ``ntklc_lib/``; None when there is none."""
    here = Path(os.getcwd() if start is None else start).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file() and (folder / "ntklc_lib").is_dir():
            return folder
    return None


def resolve_directory(directory=None) -> Path:
    """Where :func:`save` writes and :func:`load` reads.

    In order: ``$NTKLC_RESULTS_DIR`` when set (``make test`` runs the notebooks with small parameters and
    must not overwrite the book's figures); else ``directory`` when given (relative to the current
    directory unless absolute); else ``results/`` of the book. The book is found from the current
    directory upwards, else from this package's own location (an editable install), so a notebook writes
    to the same ``results/`` whether papermill runs it from ``notebooks/`` or from the repository root.
    That default is returned relative to the current directory (``../results`` from ``notebooks/``), so
    a printed path shows no machine-specific prefix.
    """
    checks.optional_path("directory", directory)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    if directory is not None:
        return Path(directory)
    root = book_root() or book_root(Path(__file__).resolve().parent.parent)
    if root is None:
        raise ValueError(
            f"cannot find the book's results/ directory: neither the current directory {os.getcwd()} nor "
            "this package's location lies in the book (a folder with _toc.yml and ntklc_lib/); set "
            f"{ENV_VAR} or pass directory")
    return Path(os.path.relpath(root / "results"))


def _check_name(name) -> None:
    if not isinstance(name, str) or not name or any(c in name for c in "/\\"):
        raise ValueError(f"name must be a plain file stem (a str without / or \\), got {name!r}")


def save(name: str, figures: dict, directory=None) -> Path:
    """Write ``figures`` to ``<directory>/<name>.json`` (sorted keys, stable formatting); returns the path.

    ``directory`` is resolved by :func:`resolve_directory`: ``$NTKLC_RESULTS_DIR`` replaces it when set, and
    None (the notebooks' choice) means the book's ``results/`` from any working directory.
    """
    _check_name(name)
    if not isinstance(figures, dict):
        raise ValueError(f"figures must be a dict of named values, got {type(figures).__name__}")
    path = resolve_directory(directory) / f"{name}.json"
    text = json.dumps(_plain(figures), indent=2, sort_keys=True, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(name: str, directory=None) -> dict:
    """Read back ``<directory>/<name>.json``, the file :func:`save` wrote with the same arguments (so
    ``NTKLC_RESULTS_DIR``, when set, replaces ``directory`` here too).  Non-finite values read back as the
    strings "nan", "inf", "-inf"."""
    _check_name(name)
    return json.loads((resolve_directory(directory) / f"{name}.json").read_text())
