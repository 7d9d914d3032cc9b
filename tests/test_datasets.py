"""Data-set helpers: class selection and flattening check their inputs (no files needed)."""
from __future__ import annotations

import numpy as np
import pytest

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


@pytest.mark.parametrize("call, match", [
    (lambda im, lb: datasets.take_classes(im, lb[:-1], [0, 1], 5), "labels must have one entry per image"),
    (lambda im, lb: datasets.take_classes(im, np.concatenate([lb, [0]]), [0, 1], 5), "labels must have one entry"),
    (lambda im, lb: datasets.take_classes(im, lb, [1, 1], 5), "classes must be a non-empty sequence of distinct"),
    (lambda im, lb: datasets.take_classes(im, lb, [], 5), "classes must be a non-empty sequence of distinct"),
    (lambda im, lb: datasets.take_classes(im, lb, [0, 1], 5, seed=None), "seed must be an integer >= 0"),
    (lambda im, lb: datasets.take_classes(im, lb, [0, 1], 5, seed=1.5), "seed must be an integer >= 0"),
    (lambda im, lb: datasets.take_classes(im, lb, [0, 1], 21), "has only 20 samples"),
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
