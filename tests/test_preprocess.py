"""Train/test normalization with the training statistics."""
from __future__ import annotations

import numpy as np
import pytest
from idx_files import write_idx

import ntklc_lib as nl
from ntklc_lib import preprocess


def test_fit_then_apply_is_the_library_normalization_on_the_training_set():
    rng = np.random.default_rng(0)
    X = rng.random((30, 80)) * 3 + 1
    norm = preprocess.fit_normalizer(X)
    np.testing.assert_allclose(preprocess.apply(norm, X), nl.data.normalize(X), rtol=1e-13, atol=1e-13)


def test_huge_entries_are_normalized_as_the_library_does():
    # squares of 1e200 overflow float64; both rescale first, so the result is finite and equal
    X = np.array([[1e200, 2e200, 3e200], [0.0, 1.0, 5.0]])
    norm = preprocess.fit_normalizer(X)
    assert np.isfinite(norm.scale) and norm.scale == pytest.approx(np.sqrt(2 / 3) * 1e200, rel=1e-12)
    Z = preprocess.apply(norm, X)
    np.testing.assert_allclose(Z, nl.data.normalize(X), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(Z[0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)], rtol=1e-13)


def test_test_set_is_mapped_with_the_training_statistics():
    rng = np.random.default_rng(1)
    X_train, X_test = rng.random((10, 50)), rng.random((10, 20)) + 5.0
    norm = preprocess.fit_normalizer(X_train)
    Z = preprocess.apply(norm, X_test)
    # an affine map fixed by the training set: the shifted test set stays shifted
    want = (X_test - X_train.mean(axis=1, keepdims=True)) / norm.scale
    np.testing.assert_allclose(Z, want, rtol=1e-13)
    assert np.mean(np.sum(Z * Z, axis=0)) > 10


def test_mnist_train_test_shapes_and_scale():
    tt = preprocess.mnist_train_test(300, 100, seed=0, allow_fallback=True)
    assert tt.X_train.shape == (784, 300) and tt.X_test.shape == (784, 100)
    assert tt.y_train.shape == (300,) and set(np.unique(tt.y_train)) <= set(range(10))
    assert np.mean(np.sum(tt.X_train**2, axis=0)) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(tt.X_train.mean(axis=1), 0.0, atol=1e-12)


def test_mnist_train_test_takes_each_split_and_maps_the_test_set_with_the_training_statistics(tmp_path):
    # small IDX files whose two splits differ in brightness: the test digits must come from the t10k files
    # and be mapped with the training mean and scale, not normalized with their own
    rng = np.random.default_rng(5)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = {"train": rng.integers(0, 120, (40, 28, 28)), "t10k": rng.integers(100, 256, (30, 28, 28))}
    labels = {"train": rng.integers(0, 10, 40), "t10k": rng.integers(0, 10, 30)}
    for prefix in ("train", "t10k"):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images[prefix])
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels[prefix])
    tt = preprocess.mnist_train_test(25, 12, data_dir=tmp_path, seed=3, allow_fallback=False)
    # by hand: each split shuffled by its own seeded permutation, pixels / 255, the training mean and scale
    i = np.random.default_rng([3, 0]).permutation(40)[:25]
    j = np.random.default_rng([3, 1]).permutation(30)[:12]
    Xtr = images["train"][i].reshape(25, -1).T / 255.0
    Xte = images["t10k"][j].reshape(12, -1).T / 255.0
    m = Xtr.mean(axis=1, keepdims=True)
    c = np.sqrt(np.mean(np.sum((Xtr - m) ** 2, axis=0)))
    np.testing.assert_allclose(tt.X_train, (Xtr - m) / c, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tt.X_test, (Xte - m) / c, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(tt.y_train, labels["train"][i])
    np.testing.assert_array_equal(tt.y_test, labels["t10k"][j])
    # the brighter test digits stay shifted: their mean is far from the training mean of 0
    assert np.mean(tt.X_test) > 10 * np.abs(np.mean(tt.X_train))


def test_mnist_train_test_downloads_only_when_asked(tmp_path, monkeypatch):
    # torchvision's MNIST with the network replaced: download=True writes the four IDX files that a
    # download would, then reads them as torchvision does; the chapters pass their download parameter here
    import torchvision.datasets as tvd
    real = tvd.MNIST
    rng = np.random.default_rng(2)
    images = {"train": rng.integers(0, 256, (40, 28, 28)), "t10k": rng.integers(0, 256, (30, 28, 28))}
    labels = {"train": rng.integers(0, 10, 40), "t10k": rng.integers(0, 10, 30)}
    asked = []

    def mnist_without_network(root, train, download):
        asked.append(download)
        if download:
            raw = tmp_path / "MNIST" / "raw"
            raw.mkdir(parents=True, exist_ok=True)
            for prefix in ("train", "t10k"):
                write_idx(raw / f"{prefix}-images-idx3-ubyte", images[prefix])
                write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels[prefix])
        return real(root=root, train=train, download=False)

    monkeypatch.setattr(tvd, "MNIST", mnist_without_network)
    with pytest.raises(FileNotFoundError, match=r"MNIST not found: missing .*download=True"):
        preprocess.mnist_train_test(25, 12, data_dir=tmp_path, allow_fallback=False)
    assert asked and not any(asked)
    tt = preprocess.mnist_train_test(25, 12, data_dir=tmp_path, seed=3, allow_fallback=False, download=True)
    assert True in asked and tt.source == f"torchvision MNIST downloaded to {tmp_path}"
    np.testing.assert_array_equal(tt.y_train, labels["train"][np.random.default_rng([3, 0]).permutation(40)[:25]])
    np.testing.assert_array_equal(tt.y_test, labels["t10k"][np.random.default_rng([3, 1]).permutation(30)[:12]])


@pytest.mark.parametrize("call, name", [
    (lambda: preprocess.mnist_train_test(0, 10), "n_train"),
    (lambda: preprocess.mnist_train_test(10, 10**7), "n_test"),
    (lambda: preprocess.mnist_train_test(10, 10, seed=1.5), "seed must be an integer >= 0"),
    (lambda: preprocess.mnist_train_test(10, 10, seed=-1), "seed must be an integer >= 0"),
    (lambda: preprocess.mnist_train_test(10, 10, seed="3"), "seed must be an integer >= 0"),
    (lambda: preprocess.apply(preprocess.fit_normalizer(np.ones((3, 4)) + np.eye(3, 4)), np.ones((2, 4))), "X_raw"),
])
def test_bad_arguments_raise_value_errors_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_apply_names_a_normalizer_of_the_wrong_type():
    with pytest.raises(ValueError, match=r"normalizer must be a Normalizer \(from fit_normalizer\), got NoneType"):
        preprocess.apply(None, np.ones((2, 2)))
