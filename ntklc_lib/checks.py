"""Argument validation shared by the library and the notebooks' parameter cells.

Every check raises ``ValueError`` whose message names the argument and the allowed range, so a
bad papermill parameter stops a notebook with an error that says which parameter is wrong.
"""
from __future__ import annotations

import numbers
import os
import zipfile
from pathlib import Path

import numpy as np


def positive_int(name: str, value) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value!r}")
    return int(value)


def non_negative_int(name: str, value) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


SEED_LIMIT = 2**64     # torch.Generator.manual_seed takes seeds below 2**64 (numpy takes any)


def seed(name: str, value) -> int:
    """Return ``value`` as an int, or raise if it is not an integer in [0, 2**64) (a random seed for numpy
    and torch alike)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) or not 0 <= value < SEED_LIMIT:
        raise ValueError(f"{name} must be an integer >= 0 and < 2**64, got {value!r}")
    return int(value)


def boolean(name: str, value) -> bool:
    """Return ``value`` as a bool, or raise if it is not True or False.

    A switch given a string (papermill's ``-p download no``) or a number would otherwise be read by its
    truthiness: "no" and "False" are true."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def finite_number(name: str, value) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def non_negative_float(name: str, value, what: str = "") -> float:
    """Return ``value`` as a float, or raise if it is not a finite number >= 0; ``what`` says what it is
    ("a standard error"), for the message."""
    value = finite_number(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0{f' ({what})' if what else ''}, got {value!r}")
    return value


def accuracy(name: str, value) -> float:
    """Return ``value`` as a float, or raise if it is not an accuracy: a real number in [0, 1] (a fraction;
    a percentage such as 90.0 is refused, as are NaN, None, strings and bools)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be an accuracy in [0, 1] (a fraction, not a percentage), got {value!r}")
    return float(value)


def positive_float(name: str, value) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def in_range(name: str, value, low: float, high: float, *, low_closed=True, high_closed=False) -> float:
    """Return ``value`` as a float, or raise if it lies outside the interval low..high."""
    # the type first: comparing a string (a mistyped papermill parameter) with a number is a TypeError
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real)
    if ok:
        ok = (value >= low if low_closed else value > low) and (value <= high if high_closed else value < high)
    if not ok:
        lb = "[" if low_closed else "("
        rb = "]" if high_closed else ")"
        raise ValueError(f"{name} must lie in {lb}{low}, {high}{rb}, got {value!r}")
    return float(value)


def sparsity(name: str, value) -> float:
    """Sparsity is the fraction of zero weights: allowed range [0, 1)."""
    return in_range(name, value, 0.0, 1.0)


def one_of(name: str, value, allowed) -> object:
    """``value`` unchanged if it is one of ``allowed``, else raise naming ``name`` and the allowed values."""
    try:
        ok = value in allowed
    except TypeError:               # an unhashable value (a list given for a name) is in no set
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {sorted(allowed)!r}, got {value!r}")
    return value


def path(name: str, value):
    """``value`` unchanged if it is a path (``str`` or ``os.PathLike``), else raise.

    Without this check a number or a list given for a file fails deep inside ``pathlib`` with a
    TypeError that names no argument.
    """
    if not isinstance(value, (str, os.PathLike)):
        raise ValueError(f"{name} must be a path (a string or os.PathLike), got {value!r}")
    return value


def optional_path(name: str, value):
    """``value`` unchanged if it is None or a path (``str`` or ``os.PathLike``), else raise (see :func:`path`)."""
    if value is not None and not isinstance(value, (str, os.PathLike)):
        raise ValueError(f"{name} must be None or a path (a string or os.PathLike), got {value!r}")
    return value


def chosen_directory(name: str, value, env_var: str, default_label: str, default) -> tuple[str, Path]:
    """(label, resolved path) of a directory chosen in the order: the argument ``value`` (named ``name``),
    else the environment variable ``env_var`` if set and non-empty, else ``default`` (shown as
    ``default_label``).  One place for that order, so a directory and the name an error message gives it
    cannot disagree."""
    optional_path(name, value)
    if value is not None and str(value) != "":
        label, path = name, value
    elif os.environ.get(env_var):
        label, path = f"${env_var}", os.environ[env_var]
    else:
        label, path = default_label, default
    return label, Path(path).expanduser().resolve()


def _not_a_list(name: str, value, what: str = "a list") -> ValueError:
    """The error for a list-valued parameter given a str, a scalar or None, with the papermill hint
    (``papermill -p widths "[300, 300, 200]"`` passes the string, not a list)."""
    text = value.strip() if isinstance(value, str) else None
    if text is not None and text.startswith("[") and "'" not in text:
        example = text
    elif (text is not None and text and "'" not in text) or (
            isinstance(value, numbers.Real) and not isinstance(value, bool)):
        example = f"[{text if text is not None else value}]"
    else:
        example = "[...]"
    return ValueError(f"{name} must be {what}, got {type(value).__name__} {value!r}; "
                      f"with papermill pass lists as YAML: -y '{name}: {example}'")


def as_list(name: str, value) -> list:
    """Return a list-valued parameter as a list: ``value`` must be a list, tuple, range or numpy array
    (at least 1-D).  A str (what papermill's ``-p`` passes), a scalar or None raises ValueError naming the
    parameter, with the hint to pass lists to papermill as YAML (``-y 'name: [...]'``).  The elements are
    not checked: :func:`list_of` checks them too."""
    if isinstance(value, (list, tuple, range)) or (isinstance(value, np.ndarray) and value.ndim >= 1):
        return list(value)
    raise _not_a_list(name, value)


def list_of(name: str, values, check, *args, **kwargs) -> list:
    """A list-valued parameter, each element checked: ``check(f"{name}[{k}]", v, *args, **kwargs)`` for the
    k-th element v (e.g. ``list_of("sparsities", x, sparsity)``, ``list_of("s", x, in_range, 0.0, 1.0)``), so a
    bad element is named by its index.  ``values`` must pass :func:`as_list` (a str or scalar raises) and
    hold at least one element: every list-valued parameter of the book names something to run."""
    items = as_list(name, values)
    if not items:
        raise ValueError(f"{name} must hold at least one value, got {values!r}")
    return [check(f"{name}[{k}]", v, *args, **kwargs) for k, v in enumerate(items)]


def positive_ints(name: str, values) -> tuple[int, ...]:
    """A non-empty sequence of positive integers (e.g. layer widths).

    A str (papermill's ``-p widths "[300, 300]"``), a scalar or None raises ValueError with the hint to
    pass lists as YAML (``-y 'widths: [300, 300]'``)."""
    what = "a non-empty list of positive integers"
    if isinstance(values, (str, bytes)):
        raise _not_a_list(name, values, what)
    try:
        items = tuple(values)
    except TypeError:
        raise _not_a_list(name, values, what) from None
    if not items:
        raise ValueError(f"{name} must be a non-empty sequence of positive integers, got {values!r}")
    for k, v in enumerate(items):
        positive_int(f"{name}[{k}]", v)
    return tuple(int(v) for v in items)


def layer_widths(widths, n_layers: int) -> tuple[int, ...]:
    """``widths`` as a tuple of positive integers, one per layer of a net with ``n_layers`` activations."""
    widths = positive_ints("widths", widths)
    if len(widths) != n_layers:
        raise ValueError(f"widths must have one entry per layer: {n_layers} activations, got {len(widths)} widths")
    return widths


def finite_matrix(name: str, X, ndim: int = 2) -> np.ndarray:
    """Return ``X`` as a float64 array of the given ndim, or raise on complex or non-numeric entries,
    wrong shape or NaN/inf."""
    try:
        A = np.asarray(X)
    except ValueError:
        # ragged nested lists: numpy's "inhomogeneous shape" message does not name the argument
        raise ValueError(f"{name} must be a rectangular array (rows of equal length), got ragged input") from None
    # float64 conversion would drop an imaginary part with only a warning, and a string array would fail
    # with numpy's message, which does not name the argument
    if np.iscomplexobj(A):
        raise ValueError(f"{name} must be real, got complex dtype {A.dtype}")
    try:
        A = A.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers, got dtype {A.dtype}") from None
    if A.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {A.shape}")
    if A.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        bad = int(np.size(A) - np.count_nonzero(np.isfinite(A)))
        raise ValueError(f"{name} contains {bad} non-finite entries (NaN or inf); clean the data first")
    return A


def square_matrix(name: str, K) -> np.ndarray:
    """Return ``K`` as a finite float64 (n, n) array, or raise on another shape or NaN/inf."""
    K = finite_matrix(name, K)
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"{name} must be a square (n, n) matrix, got shape {K.shape}")
    return K


def max_asymmetry(K: np.ndarray, block: int = 256) -> float:
    """max |K - K^T| of a square array K: (n, n).

    Square blocks keep the check at memory speed (~0.2 s at n = 4000; K - K.T alone takes 0.8 s, its
    transposed reads missing the cache)."""
    n = K.shape[0]
    asym = 0.0
    for i in range(0, n, block):
        for j in range(i, n, block):
            asym = max(asym, float(np.max(np.abs(K[i:i + block, j:j + block] - K[j:j + block, i:i + block].T))))
    return asym


def symmetric_matrix(name: str, K, rtol: float = 1e-5) -> np.ndarray:
    """Return ``K`` as a finite float64 (n, n) array, or raise unless max |K - K^T| <= rtol * max |K|.

    Kernel matrices are symmetric; functions that take the symmetric part 0.5 (K + K^T) to absorb rounding
    would otherwise answer silently for another matrix when given one that is not.  The default leaves
    room for float32 rounding (~1e-7 of the entries)."""
    K = square_matrix(name, K)
    scale = float(np.max(np.abs(K)))
    asym = max_asymmetry(K)
    if asym > rtol * scale:
        raise ValueError(f"{name} must be symmetric (a kernel matrix): max |{name} - {name}^T| = {asym:.3g} is "
                         f"{asym / scale:.3g} of max |{name}|, above the tolerance {rtol:g}; if that is rounding, "
                         f"pass 0.5 * ({name} + {name}.T)")
    return K


def data_and_labels(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Check a data matrix X: (p, n) and labels y: (n,) of non-negative integers."""
    X = finite_matrix("X", X)
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[1]:
        raise ValueError(
            f"y must have one label per column of X: X is (p, n) = {X.shape}, so y must have shape "
            f"({X.shape[1]},), got {y.shape}"
        )
    if y.dtype == bool or not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise ValueError(f"y must hold integer class labels 0..K-1, got dtype {y.dtype}")
    if not np.issubdtype(y.dtype, np.integer):
        if np.all(np.isfinite(y)) and np.all(np.asarray(y, float) == np.round(np.asarray(y, float))):
            y = y.astype(np.int64)
        else:
            raise ValueError("y must hold integer class labels")
    if y.min() < 0:
        raise ValueError(f"y must hold class labels >= 0, got minimum {y.min()}")
    return X, y.astype(np.int64)


def images_and_labels(name: str, images, labels=None, image_shape: tuple = (32, 32, 3), n_classes: int = 10):
    """Check images: (N, *image_shape) uint8 with N >= 1 and labels: (N,) integers in 0..n_classes-1
    (optional).  Returns the images, or (images, labels as int64), as numpy arrays."""
    images = np.asarray(images)
    if images.ndim != 1 + len(image_shape) or images.shape[1:] != tuple(image_shape):
        layout = " (HWC: channels last)" if len(image_shape) == 3 else ""
        raise ValueError(f"{name} must have shape (N, {', '.join(map(str, image_shape))}){layout}, "
                         f"got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"{name} must be uint8 pixel values 0..255, got dtype {images.dtype}")
    if images.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one image")
    if labels is None:
        return images
    labels = np.asarray(labels)
    if labels.shape != (images.shape[0],):
        raise ValueError(f"labels must have shape ({images.shape[0]},) (one per image), got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers in 0..{n_classes - 1}, got dtype {labels.dtype}")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must be integers in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}")
    return images, labels.astype(np.int64)


def npz_archive(path, what: str, entries=()) -> np.lib.npyio.NpzFile:
    """Open ``path`` as an .npz archive holding ``entries`` (the caller closes it), or raise ValueError
    ``"<path> is not <what>: ..."`` saying why: numpy cannot read it as an archive, it holds a single .npy
    array, or entries are missing.  An OSError (a missing file, a directory, no permission) passes through:
    that is not a format problem."""
    path = Path(path)
    try:
        z = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile) as e:
        # np.load's own messages (e.g. "contains pickled (object) data") do not say the file is foreign
        raise ValueError(f"{path} is not {what}: numpy cannot read it as an .npz archive "
                         f"({type(e).__name__}: {e})") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} is not {what}: it holds a single array (.npy), not an .npz archive")
    absent = [name for name in entries if name not in z.files]
    if absent:
        z.close()
        raise ValueError(f"{path} is not {what}: it has no {' or '.join(map(repr, absent))} entry "
                         f"(entries: {sorted(z.files)})")
    return z
