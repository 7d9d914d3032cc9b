"""Writing a notebook's key figures to ``results/<notebook>.json`` (read back by the text via glue)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


def _plain(obj):
    """numpy scalars/arrays and dataclass-like values -> JSON-serializable Python objects."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return str(obj)
    return obj


ENV_VAR = "NTKLC_RESULTS_DIR"


def save(name: str, figures: dict, directory="results") -> Path:
    """Write ``figures`` to ``<directory>/<name>.json`` (sorted keys, stable formatting); returns the path.

    ``directory`` is relative to the current directory unless absolute; notebooks run from
    ``notebooks/`` pass ``"../results"``.  When the environment variable ``NTKLC_RESULTS_DIR`` is set it
    replaces ``directory``: ``make test`` runs the notebooks with small parameters and must not
    overwrite the book's figures.
    """
    if not name or any(c in name for c in "/\\"):
        raise ValueError(f"name must be a plain file stem, got {name!r}")
    path = Path(os.environ.get(ENV_VAR) or directory) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(figures), indent=2, sort_keys=True) + "\n")
    return path


def load(name: str, directory="results") -> dict:
    """Read back ``<directory>/<name>.json``."""
    return json.loads((Path(directory) / f"{name}.json").read_text())
