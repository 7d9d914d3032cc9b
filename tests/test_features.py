"""Tests of ntklc_lib.features: the CIFAR-10 feature extractor, its training and its disk cache.

Everything runs on tiny networks (width 2-4) and a few hundred synthetic 32x32 images, so the file
takes seconds; how well the default network learns real CIFAR-10 is measured by benchmarks/features.py.
"""
import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from ntklc_lib import features as ft


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks run fastest on one thread; restore the setting for the other test files."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def colour_images(n, seed=0, noise=40):
    """n images (n, 32, 32, 3) uint8 whose class (0..9) is their mean colour, plus pixel noise."""
    rng = np.random.default_rng(seed)
    palette = np.random.default_rng(123).integers(40, 216, size=(10, 3))
    y = rng.integers(0, 10, size=n)
    x = palette[y][:, None, None, :] + rng.normal(0, noise, size=(n, 32, 32, 3))
    return np.clip(np.rint(x), 0, 255).astype(np.uint8), y


TINY = ft.FeatureConfig(width=2, epochs=2, batch_size=32, lr=0.05, seed=0)


# ---- configuration and arguments --------------------------------------------------------------

@pytest.mark.parametrize("kwargs, name", [
    (dict(arch="resnet"), "arch"), (dict(width=0), "width"), (dict(epochs=-1), "epochs"),
    (dict(batch_size=0), "batch_size"), (dict(lr=0.0), "lr"), (dict(lr=float("nan")), "lr"),
    (dict(weight_decay=-1e-4), "weight_decay"), (dict(label_smoothing=1.0), "label_smoothing"),
    (dict(seed=-1), "seed"), (dict(seed=1.5), "seed"), (dict(augment="yes"), "augment"),
    (dict(n_train=0), "n_train"), (dict(n_test=-5), "n_test"),
])
def test_bad_config_raises_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ft.FeatureConfig(**kwargs)


def test_numpy_scalars_in_the_config_give_the_same_cache_key_as_python_numbers():
    # papermill or a sweep may pass numpy integers; they must not break (JSON) or change the key
    plain = ft.FeatureConfig(width=4, epochs=2, n_train=50, seed=3, lr=0.1)
    fromnp = ft.FeatureConfig(width=np.int64(4), epochs=np.int32(2), n_train=np.int64(50), seed=np.uint8(3),
                              lr=np.float64(0.1))
    assert fromnp == plain
    assert all(type(getattr(fromnp, k)) is int for k in ("width", "epochs", "n_train", "seed"))
    assert ft.cache_key(fromnp, "data") == ft.cache_key(plain, "data")


def test_bad_call_arguments_raise_naming_the_argument():
    x, y = colour_images(8)
    model = ft.build_model(TINY)
    with pytest.raises(ValueError, match="images"):
        ft.extract(model, x[:, :16])                       # wrong spatial size
    with pytest.raises(ValueError, match="images"):
        ft.extract(model, x.astype(np.float32))            # not uint8
    with pytest.raises(ValueError, match="batch_size"):
        ft.extract(model, x, batch_size=0)
    with pytest.raises(ValueError, match="labels"):
        ft.train(x, y[:-1], TINY)
    with pytest.raises(ValueError, match="labels"):
        ft.train(x, y + 10, TINY)
    with pytest.raises(ValueError, match="steps"):
        ft.train(x, y, TINY, steps=0)
    with pytest.raises(ValueError, match="config"):
        ft.train(x, y, {"width": 2})
    with pytest.raises(ValueError, match="device"):
        ft.train(x, y, TINY, device="not-a-device")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device"):
            ft.train(x, y, TINY, device="cuda")
    with pytest.raises(ValueError, match="n_train"):
        ft.features_from_images(x, y, x, y, dataclasses.replace(TINY, n_train=9), use_cache=False)


def test_channel_plans_and_feature_dimension():
    small = ft.FeatureConfig(width=3)
    assert small.channels == (3, "M", 6, "M", 12, "M", 24) and small.feature_dim == 24
    vgg = ft.FeatureConfig(arch="vgg19")
    # The paper's VGG19: 16 conv layers, five poolings, 512 channels at the end.
    assert vgg.width == 64 and vgg.feature_dim == 512
    assert sum(c != "M" for c in vgg.channels) == 16 and vgg.channels.count("M") == 5
    assert vgg.channels[-2] == 512


# ---- network and extraction -------------------------------------------------------------------

@pytest.mark.parametrize("arch, width", [("small", 3), ("vgg19", 2)])
def test_extraction_shapes_and_head(arch, width):
    cfg = ft.FeatureConfig(arch=arch, width=width)
    model = ft.build_model(cfg).eval()
    x, _ = colour_images(7)
    X = ft.extract(model, x, batch_size=3)
    assert X.shape == (8 * width, 7) and X.dtype == np.float32
    # The logits are the linear head applied to the extracted features (the features are the whole conv part).
    with torch.no_grad():
        logits = model(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).float() / 255)
        via_features = model.head(torch.from_numpy(X.T))
    np.testing.assert_allclose(logits.numpy(), via_features.numpy(), rtol=1e-5, atol=1e-6)


def test_extraction_does_not_depend_on_batching():
    # In eval mode BatchNorm uses its running statistics, so an image's features cannot depend on
    # which other images share its batch.
    x, y = colour_images(64)
    model = ft.train(x, y, TINY).model
    np.testing.assert_allclose(ft.extract(model, x, batch_size=5), ft.extract(model, x, batch_size=64),
                               rtol=1e-5, atol=1e-6)


def test_channel_stats_match_direct_computation():
    x, _ = colour_images(20, seed=4)
    mean, std = ft.channel_stats(x)
    for c in range(3):
        vals = x[..., c].astype(np.float64).ravel() / 255
        assert mean[c] == pytest.approx(vals.mean(), rel=1e-12)
        assert std[c] == pytest.approx(vals.std(), rel=1e-12)


def test_a_constant_channel_is_refused_before_training():
    x, y = colour_images(8, seed=4)
    x[..., 2] = 0                     # blue channel all 0: its std is 0 and the standardized input 0/0
    with pytest.raises(ValueError, match=r"images have a constant channel \[2\] \(every pixel \[0\]\)"):
        ft.channel_stats(x)
    with pytest.raises(ValueError, match=r"constant channel \[2\]"):
        ft.train(x, y, TINY, steps=1)
    with pytest.raises(ValueError, match=r"images must have shape \(N, 32, 32, 3\)"):
        ft.channel_stats(x[..., 0])   # grey images


def test_augmentation_is_a_padded_crop_possibly_flipped():
    x, _ = colour_images(12, seed=2)
    batch = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    out = ft.augment_batch(batch, torch.Generator().manual_seed(0)).numpy()
    padded = np.pad(batch.numpy(), ((0, 0), (0, 0), (4, 4), (4, 4)))
    flips = 0
    for b in range(len(x)):
        crops = {(dy, dx, f): padded[b, :, dy:dy + 32, dx:dx + 32][..., ::(-1 if f else 1)]
                 for dy in range(9) for dx in range(9) for f in (False, True)}
        matches = [key for key, crop in crops.items() if np.array_equal(out[b], crop)]
        assert matches, f"image {b} is not a crop of its padded original"
        flips += matches[0][2]
    assert 0 < flips < len(x)    # both branches of the coin are taken over 12 images (fails w.p. 2^-11)


def test_subset_indices_are_seeded_sorted_and_distinct():
    a = ft.subset_indices(100, 30, seed=5, name="n")
    assert np.array_equal(a, ft.subset_indices(100, 30, seed=5, name="n"))
    assert not np.array_equal(a, ft.subset_indices(100, 30, seed=6, name="n"))
    assert len(np.unique(a)) == 30 and np.all(np.diff(a) > 0) and a.max() < 100
    assert np.array_equal(ft.subset_indices(100, None, seed=5, name="n"), np.arange(100))
    with pytest.raises(ValueError, match="n_train must be a positive integer"):
        ft.subset_indices(10, -1, seed=0, name="n_train")
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        ft.subset_indices(10, 3, seed=None, name="n_train")
    # a float total failed inside numpy's permutation with "axis 0 is out of bounds"
    with pytest.raises(ValueError, match=r"^n_total must be a positive integer \(>= 1\), got 10.5"):
        ft.subset_indices(10.5, 3, seed=0, name="n_train")


def test_augmentation_needs_a_seeded_generator():
    # generator=None drew from torch's global generator: an augmentation no seed reproduces
    batch = torch.zeros((2, 3, 32, 32), dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"^generator must be a seeded torch.Generator, got NoneType"):
        ft.augment_batch(batch, None)


@pytest.mark.parametrize("kwargs, match", [
    (dict(channel_mean=(0.5, 0.5)), r"^channel_mean must hold 3 finite numbers, one per colour channel, got \[0.5, 0.5\]"),
    (dict(channel_std=(0.25, 0.0, 0.25)), r"^channel_std must hold 3 finite numbers, one per colour channel \(each > 0\)"),
    (dict(channel_mean=(0.5, float("nan"), 0.5)), r"^channel_mean contains 1 non-finite entries"),
])
def test_build_model_checks_the_channel_statistics(kwargs, match):
    # a 2-entry mean failed in torch's reshape ("shape '[1, 3, 1, 1]' is invalid for input of size 2")
    with pytest.raises(ValueError, match=match):
        ft.build_model(ft.FeatureConfig(width=2), **kwargs)


# ---- training ---------------------------------------------------------------------------------

def test_training_decreases_the_loss_and_learns_a_separable_task():
    x, y = colour_images(384, seed=0)
    cfg = ft.FeatureConfig(width=4, epochs=4, batch_size=32, lr=0.05, label_smoothing=0.0, seed=0)
    net = ft.train(x, y, cfg)
    assert net.losses.shape == (4 * (384 // 32),)
    # Chance-level cross-entropy is log 10 = 2.30; the colour classes are easy, so the loss must drop well below it.
    assert net.losses[:3].mean() > 1.8
    assert net.losses[-3:].mean() < 0.5 * net.losses[:3].mean()
    x_new, y_new = colour_images(300, seed=1)
    # Chance is 0.1; eval-mode BatchNorm after 48 steps costs a few points (measured 0.86-1.0 over seeds).
    assert ft.accuracy(net.model, x_new, y_new) > 0.75
    assert net.seconds > 0 and net.seconds_per_epoch.shape == (4,)


def test_training_is_deterministic_and_seeded():
    x, y = colour_images(96, seed=3)
    a, b = ft.train(x, y, TINY), ft.train(x, y, TINY)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(ft.extract(a.model, x), ft.extract(b.model, x))
    c = ft.train(x, y, dataclasses.replace(TINY, seed=1))
    assert not np.array_equal(a.losses, c.losses)


def test_the_largest_seed_works_end_to_end(tmp_path):
    # the data order and the test subset are seeded with seed + 1, taken modulo 2**64
    x, y = colour_images(64, seed=3)
    top = dataclasses.replace(TINY, seed=2**64 - 1, epochs=1, n_train=48, n_test=16)
    feats = ft.features_from_images(x, y, x, y, top, cache_dir=tmp_path)
    assert feats.X_train.shape[1] == 48 and feats.X_test.shape[1] == 16
    np.testing.assert_array_equal(feats.y_test, y[ft.subset_indices(64, 16, 0, "n_test")])


def test_steps_stops_early():
    x, y = colour_images(96, seed=3)
    assert ft.train(x, y, TINY, steps=2).losses.shape == (2,)


def test_the_last_incomplete_batch_is_dropped():
    # 100 images in batches of 32: three full batches per epoch, the 4 left over are not a step of their own
    x, y = colour_images(100, seed=3)
    assert ft.train(x, y, TINY).losses.shape == (TINY.epochs * 3,)


# ---- cache ------------------------------------------------------------------------------------

def test_cache_key_is_stable_and_changes_with_every_parameter(monkeypatch):
    cfg = ft.FeatureConfig()
    key = ft.cache_key(cfg, "abc")
    assert key == ft.cache_key(ft.FeatureConfig(), "abc")          # stable across equal configs
    assert key == ft.cache_key(ft.FeatureConfig(width=32), "abc")  # width=None resolves to the default 32
    changed = dict(arch="vgg19", width=16, epochs=9, batch_size=128, lr=0.1, weight_decay=0.0,
                   label_smoothing=0.0, augment=False, seed=1, n_train=1000, n_test=500)
    assert set(changed) == {f.name for f in dataclasses.fields(ft.FeatureConfig)}
    keys = {ft.cache_key(dataclasses.replace(cfg, **{k: v}), "abc") for k, v in changed.items()}
    assert len(keys) == len(changed) and key not in keys
    assert ft.cache_key(cfg, "abd") != key                          # other data
    monkeypatch.setattr(ft, "FEATURES_VERSION", ft.FEATURES_VERSION + 1)
    assert ft.cache_key(cfg, "abc") != key                          # other code
    with pytest.raises(ValueError, match="data_fingerprint"):
        ft.cache_key(cfg, "")


def test_fingerprint_sees_every_byte_and_the_shape():
    x, y = colour_images(5)
    f = ft.fingerprint(x, y)
    assert f == ft.fingerprint(x.copy(), y.copy())
    x2 = x.copy()
    x2[4, 31, 31, 2] ^= 1
    assert ft.fingerprint(x2, y) != f
    assert ft.fingerprint(x.reshape(5, 32, 96, 1), y) != f


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv(ft.CACHE_ENV_VAR, str(tmp_path / "env"))
    assert ft.resolve_cache_dir(tmp_path / "arg") == (tmp_path / "arg").resolve()
    assert ft.resolve_cache_dir() == (tmp_path / "env").resolve()
    monkeypatch.delenv(ft.CACHE_ENV_VAR)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert ft.resolve_cache_dir() == (tmp_path / "home" / ".cache" / "ntklc-book").resolve()


def test_cache_dir_label_follows_the_resolution_order(monkeypatch, tmp_path):
    monkeypatch.setenv(ft.CACHE_ENV_VAR, str(tmp_path / "env"))
    assert ft.cache_dir_label(tmp_path / "arg") == "cache_dir"
    assert ft.cache_dir_label() == "$NTKLC_CACHE_DIR"
    assert ft.cache_dir_label("") == "$NTKLC_CACHE_DIR"
    monkeypatch.delenv(ft.CACHE_ENV_VAR)
    assert ft.cache_dir_label() == "~/.cache/ntklc-book"


def test_cache_round_trip_gives_identical_arrays_and_skips_training(tmp_path, monkeypatch):
    x, y = colour_images(160, seed=5)
    xt, yt = colour_images(50, seed=6)
    cfg = dataclasses.replace(TINY, n_train=128, n_test=40)
    first = ft.features_from_images(x, y, xt, yt, cfg, cache_dir=tmp_path)
    assert not first.from_cache
    assert first.X_train.shape == (16, 128) and first.y_train.shape == (128,)
    assert first.X_test.shape == (16, 40) and first.y_test.shape == (40,)
    assert list(tmp_path.glob("*.npz")) == [tmp_path / f"cifar10-small-{first.key}.npz"]

    def no_training(*args, **kwargs):
        raise AssertionError("the cache was not used")

    monkeypatch.setattr(ft, "train", no_training)
    second = ft.features_from_images(x, y, xt, yt, cfg, cache_dir=tmp_path)
    assert second.from_cache
    for name in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(second, name), getattr(first, name))
        assert getattr(second, name).dtype == getattr(first, name).dtype
    assert second.test_accuracy == first.test_accuracy and second.train_seconds == first.train_seconds
    assert second.config == cfg and second.key == first.key and second.source == first.source
    # The same images read from elsewhere: the cache is used, and the source is this call's.
    moved = ft.features_from_images(x, y, xt, yt, cfg, cache_dir=tmp_path, source="npz file /elsewhere/c.npz")
    assert moved.from_cache and moved.source == "npz file /elsewhere/c.npz"
    np.testing.assert_array_equal(moved.X_train, first.X_train)
    # Other data: a new key, so training is needed again.
    with pytest.raises(AssertionError, match="cache was not used"):
        ft.features_from_images(x, y, xt, (yt + 1) % 10, cfg, cache_dir=tmp_path)


def test_a_damaged_cache_file_raises_naming_it_and_what_to_do(tmp_path, monkeypatch):
    x, y = colour_images(160, seed=5)
    cfg = dataclasses.replace(TINY, n_train=128, n_test=40)
    path = ft.features_from_images(x, y, x, y, cfg, cache_dir=tmp_path).path
    good = Path(path).read_bytes()

    def no_training(*args, **kwargs):
        raise AssertionError("retrained")

    monkeypatch.setattr(ft, "train", no_training)

    def rewrite(**arrays):
        with open(path, "wb") as f:
            np.savez(f, **arrays)

    damages = {
        "truncated": lambda: Path(path).write_bytes(good[: len(good) // 2]),
        "not an archive": lambda: Path(path).write_text("hello"),
        "entries missing": lambda: rewrite(X_train=np.zeros(3)),
        "meta not JSON": lambda: rewrite(X_train=np.zeros(3), y_train=np.zeros(3), X_test=np.zeros(3),
                                         y_test=np.zeros(3), meta=np.array("{oops")),
        "meta incomplete": lambda: rewrite(X_train=np.zeros(3), y_train=np.zeros(3), X_test=np.zeros(3),
                                           y_test=np.zeros(3), meta=np.array('{"config": {}}')),
    }
    expected = {"truncated": "numpy cannot read it", "not an archive": "numpy cannot read it as an .npz archive",
                "entries missing": r"it has no 'y_train' or 'X_test' or 'y_test' or 'meta' entry "
                                   r"\(entries: \['X_train'\]\)",
                "meta not JSON": "its 'meta' record is not the one save_features writes \\(JSONDecodeError",
                "meta incomplete": "its 'meta' record is not the one save_features writes \\(KeyError"}
    for name, damage in damages.items():
        damage()
        with pytest.raises(ValueError, match=rf"{re.escape(path)} is not a feature file written by "
                                             rf"ntklc_lib.features.save_features \(delete it to recompute the "
                                             rf"features\): {expected[name]}"):
            ft.features_from_images(x, y, x, y, cfg, cache_dir=tmp_path)
    Path(path).unlink()                 # what the message says to do: the features are computed again
    with pytest.raises(AssertionError, match="retrained"):
        ft.features_from_images(x, y, x, y, cfg, cache_dir=tmp_path)


def test_features_labels_follow_the_subset(tmp_path):
    x, y = colour_images(160, seed=7)
    cfg = dataclasses.replace(TINY, n_train=100, n_test=30)
    f = ft.features_from_images(x, y, x, y, cfg, use_cache=False)
    tr = ft.subset_indices(160, 100, cfg.seed, "n_train")
    te = ft.subset_indices(160, 30, cfg.seed + 1, "n_test")
    np.testing.assert_array_equal(f.y_train, y[tr])
    np.testing.assert_array_equal(f.y_test, y[te])
    model = ft.train(x[tr], y[tr], cfg).model
    np.testing.assert_allclose(f.X_test, ft.extract(model, x[te]), rtol=1e-6)
    # test_accuracy is this model's accuracy on the test subset: logits by a plain forward pass here
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x[te]).permute(0, 3, 1, 2).float() / 255.0)
    assert f.test_accuracy == pytest.approx(float(np.mean(logits.argmax(1).numpy() == y[te])), abs=1e-12)
    assert not list(tmp_path.iterdir())


def test_missing_cifar10_says_where_to_put_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="CIFAR-10 not found") as err:
        ft.cifar10_features(data_dir=tmp_path, cache_dir=tmp_path / "cache")
    assert "cifar10.npz" in str(err.value) and "download=True" in str(err.value)
    assert not (tmp_path / "cache").exists()


def test_one_cycle_schedule():
    total = 100
    f = np.array([ft.one_cycle(s, total) for s in range(total)])
    assert f[0] == pytest.approx(0.1) and f[25] == pytest.approx(1.0) and f.max() == pytest.approx(1.0)
    assert np.all(np.diff(f[:26]) > 0) and np.all(np.diff(f[25:]) < 0)
    assert f[-1] == pytest.approx(1 / 75)                 # one step before the end of a linear decay to 0
    # Runs shorter than four steps still warm up and decay without dividing by zero.
    assert [ft.one_cycle(s, 2) for s in range(2)] == pytest.approx([0.1, 1.0])
    # the scheduler's final call, after the last step, gives 0
    assert ft.one_cycle(total, total) == 0.0
    for args, match in [((0, 0), r"total must be a positive integer \(>= 1\), got 0"),
                        ((-1, 10), "step must be an integer >= 0, got -1"),
                        ((11, 10), r"step must lie in 0..total = 0..10, got 11"),
                        ((0, 10, 0.0), r"warmup must lie in \(0.0, 1.0\]")]:
        with pytest.raises(ValueError, match=match):
            ft.one_cycle(*args)


@pytest.mark.parametrize("bad", [0, ["cache"]])
def test_a_cache_dir_that_is_not_a_path_is_rejected_by_name(bad, tmp_path):
    with pytest.raises(ValueError, match=r"cache_dir must be None or a path"):
        ft.resolve_cache_dir(bad)
    x, y = np.zeros((10, 32, 32, 3), np.uint8), np.arange(10)
    with pytest.raises(ValueError, match=r"cache_dir must be None or a path"):
        ft.features_from_images(x, y, x, y, ft.FeatureConfig(epochs=1), cache_dir=bad)
