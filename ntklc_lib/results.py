"""Writing a notebook's key figures to ``results/<notebook>.json`` (read back by the text via glue)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


def _plain(obj):
    """numpy scalars/arrays and dataclass-like values -> JSON-serializable Python objects.

    Non-finite floats (Python or numpy) become the strings "nan", "inf", "-inf", so the file stays strict
    JSON.  Keys become strings; two keys that give the same string (1 and "1") raise ValueError.
    """
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if str(k) in out:
                raise ValueError(f"figures has keys that collide as JSON keys: {k!r} and another key both become "
                                 f"{str(k)!r}; rename one")
            out[str(k)] = _plain(v)
        return out
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return _plain(obj.item())
    if isinstance(obj, float) and not np.isfinite(obj):
        return str(obj)
    return obj


ENV_VAR = "NTKLC_RESULTS_DIR"


def _directory(directory) -> Path:
    """$NTKLC_RESULTS_DIR when set, else ``directory``."""
    return Path(os.environ.get(ENV_VAR) or directory)


def save(name: str, figures: dict, directory="results") -> Path:
    """Write ``figures`` to ``<directory>/<name>.json`` (sorted keys, stable formatting); returns the path.

    ``directory`` is relative to the current directory unless absolute; notebooks run from
    ``notebooks/`` pass ``"../results"``.  When the environment variable ``NTKLC_RESULTS_DIR`` is set it
    replaces ``directory``: ``make test`` runs the notebooks with small parameters and must not
    overwrite the book's figures.
    """
    if not name or any(c in name for c in "/\\"):
        raise ValueError(f"name must be a plain file stem, got {name!r}")
    path = _directory(directory) / f"{name}.json"
    text = json.dumps(_plain(figures), indent=2, sort_keys=True, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(name: str, directory="results") -> dict:
    """Read back ``<directory>/<name>.json``, the file :func:`save` wrote with the same arguments (so
    ``NTKLC_RESULTS_DIR``, when set, replaces ``directory`` here too).  Non-finite values read back as the
    strings "nan", "inf", "-inf"."""
    if not name or any(c in name for c in "/\\"):
        raise ValueError(f"name must be a plain file stem, got {name!r}")
    return json.loads((_directory(directory) / f"{name}.json").read_text())
