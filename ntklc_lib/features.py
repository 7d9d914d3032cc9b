"""Convolutional features of CIFAR-10 (Exp. 2.2 of the paper, THEORY.md section 5).

The paper trains a VGG19 on CIFAR-10 and feeds the flattened output of its convolutional part to
random fully connected networks.  Training a VGG19 takes hours on a CPU, so the default here is a small
VGG-style network (four conv-BatchNorm-ReLU stages, max pooling, global max pooling at the end) that
trains on two CPU cores in minutes; the paper's VGG19 (with BatchNorm, as in its code) is
``arch="vgg19"`` for GPU users.  Both share one design: a stack of 3x3 convolutions described by a
list of channel counts and ``"M"`` (2x2 max pooling), a global pooling to one vector per image (the
*features*), and a linear classifier on top that is used only to train the convolutions.

Training is deterministic for a given configuration and kind of CPU (another CPU rounds the convolutions
differently, and the trained network differs slightly): the initialization, the order of
the samples and the augmentation (random crop with 4-pixel zero padding and horizontal flip) all
come from the configuration's seed.  :func:`cifar10_features` trains, extracts and caches the
features on disk under a key that hashes everything that influences them (configuration, a
fingerprint of the data, the library version), so a rebuilt book reuses them instead of retraining.

Shapes: images are ``(N, 32, 32, 3)`` uint8 (HWC, RGB, as ``datasets.load_cifar10`` returns them);
features follow the library's convention for data matrices, ``(p, n)`` with one column per image.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import checks

# Bump when a change to training or extraction changes the features, so old cache entries are not reused.
FEATURES_VERSION = 1
CACHE_ENV_VAR = "NTKLC_CACHE_DIR"
ARCHS = ("small", "vgg19")
# Channel plans at unit width; "M" is a 2x2 max pooling.  vgg19 is the CIFAR VGG19 of the paper's code
# (torchvision's vgg19_bn convolutional part); at 32x32 input its five poolings leave a 1x1 map.
_PLANS = {
    "small": (1, "M", 2, "M", 4, "M", 8),
    "vgg19": (1, 1, "M", 2, 2, "M", 4, 4, 4, 4, "M", 8, 8, 8, 8, "M", 8, 8, 8, 8, "M"),
}
_DEFAULT_WIDTH = {"small": 32, "vgg19": 64}
IMAGE_SHAPE = (32, 32, 3)
N_CLASSES = 10
_PAD = 4    # random-crop padding (pixels), the usual CIFAR augmentation


@dataclass(frozen=True)
class FeatureConfig:
    """Everything that determines the trained network, hence the features.

    arch: "small" (default, CPU) or "vgg19" (the paper's, for a GPU); width: channels of the first
    stage (None: 32 for "small", 64 for "vgg19"; the last stage has 8x width, the feature dimension);
    epochs, batch_size; lr: peak learning rate of the one-cycle schedule (SGD, Nesterov momentum 0.9);
    weight_decay; label_smoothing in [0, 1); augment: random crop + flip; seed: initialization, sample
    order and augmentation; n_train / n_test: use only that many images of each split (a seeded random
    subset, None for all), for quick runs.
    """

    arch: str = "small"
    width: int | None = None
    epochs: int = 8
    batch_size: int = 256
    lr: float = 0.2
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    augment: bool = True
    seed: int = 0
    n_train: int | None = None
    n_test: int | None = None

    def __post_init__(self):
        checks.one_of("arch", self.arch, set(ARCHS))
        if self.width is None:
            object.__setattr__(self, "width", _DEFAULT_WIDTH[self.arch])
        if not isinstance(self.augment, bool):
            raise ValueError(f"augment must be True or False, got {self.augment!r}")
        # store plain Python numbers: numpy scalars pass the checks but would break the JSON cache key
        clean = {"width": checks.positive_int("width", self.width),
                 "epochs": checks.positive_int("epochs", self.epochs),
                 "batch_size": checks.positive_int("batch_size", self.batch_size),
                 "lr": checks.positive_float("lr", self.lr),
                 "weight_decay": checks.in_range("weight_decay", self.weight_decay, 0.0, math.inf),
                 "label_smoothing": checks.in_range("label_smoothing", self.label_smoothing, 0.0, 1.0),
                 "seed": checks.seed("seed", self.seed)}
        for name in ("n_train", "n_test"):
            if getattr(self, name) is not None:
                clean[name] = checks.positive_int(name, getattr(self, name))
        for name, value in clean.items():
            object.__setattr__(self, name, value)

    @property
    def channels(self) -> tuple:
        """The channel plan: ints are 3x3 conv-BN-ReLU layers, "M" is 2x2 max pooling."""
        return tuple(x if x == "M" else x * self.width for x in _PLANS[self.arch])

    @property
    def feature_dim(self) -> int:
        return 8 * self.width


# ----------------------------------------------------------------------------------------------
# The network
# ----------------------------------------------------------------------------------------------

class ConvNet(nn.Module):
    """VGG-style network: per-channel input standardization, conv part, global max pool, linear head.

    ``features(x)`` is the flattened output of the convolutional part, (B, feature_dim);
    ``forward(x)`` the class logits (B, 10).  Input x: (B, 3, 32, 32) float in [0, 1].
    """

    def __init__(self, channels, channel_mean, channel_std, n_classes: int = N_CLASSES):
        super().__init__()
        # Standardization constants are buffers so a saved model carries the ones it was trained with.
        self.register_buffer("mean", torch.as_tensor(channel_mean, dtype=torch.float32).reshape(1, 3, 1, 1))
        self.register_buffer("std", torch.as_tensor(channel_std, dtype=torch.float32).reshape(1, 3, 1, 1))
        layers, c_in = [], 3
        for x in channels:
            if x == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                # No conv bias: the BatchNorm that follows has its own shift.
                layers += [nn.Conv2d(c_in, x, 3, padding=1, bias=False), nn.BatchNorm2d(x), nn.ReLU(inplace=True)]
                c_in = x
        self.conv = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, n_classes)
        self.feature_dim = c_in
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv((x - self.mean) / self.std)
        # Global max pooling: a 1x1 map (vgg19) passes through unchanged, larger maps give one vector.
        return torch.amax(h, dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def build_model(config: FeatureConfig, channel_mean=(0.5, 0.5, 0.5), channel_std=(0.25, 0.25, 0.25),
                seed: int | None = None) -> ConvNet:
    """A freshly initialized network for ``config`` (initialization seeded by ``seed``, default config.seed)."""
    if not isinstance(config, FeatureConfig):
        raise ValueError(f"config must be a FeatureConfig, got {type(config).__name__}")
    for name, values in (("channel_mean", channel_mean), ("channel_std", channel_std)):
        stat = checks.finite_matrix(name, values, ndim=1)
        if stat.shape != (3,) or (name == "channel_std" and not np.all(stat > 0)):
            raise ValueError(f"{name} must hold 3 finite numbers, one per colour channel"
                             f"{' (each > 0)' if name == 'channel_std' else ''}, got {list(values)!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed if seed is None else checks.seed("seed", seed))
        return ConvNet(config.channels, channel_mean, channel_std)


# ----------------------------------------------------------------------------------------------
# Data handling
# ----------------------------------------------------------------------------------------------

def check_images(name: str, images, labels=None):
    """images: (N, 32, 32, 3) uint8; labels: (N,) integers in 0..9 (optional). Returns numpy arrays."""
    return checks.images_and_labels(name, images, labels, IMAGE_SHAPE, N_CLASSES)


def _to_nchw(images: np.ndarray) -> torch.Tensor:
    """(N, 32, 32, 3) uint8 -> (N, 3, 32, 32) uint8 tensor (contiguous; converted to float per batch)."""
    return torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))


def _as_float(batch: torch.Tensor) -> torch.Tensor:
    return batch.float().div_(255.0)


def channel_stats(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation (3,) of pixel values scaled to [0, 1].

    images: (N, 32, 32, 3) uint8.  A channel with one value everywhere raises: standardizing it would
    divide 0 by 0 and make every training loss NaN."""
    images = check_images("images", images)
    x = images.reshape(-1, 3).astype(np.float64) / 255.0
    mean, std = x.mean(axis=0), x.std(axis=0)
    flat = [c for c in range(3) if std[c] == 0]
    if flat:
        values = [int(images[0, 0, 0, c]) for c in flat]
        raise ValueError(f"images have a constant channel {flat} (every pixel {values}): "
                         "its standard deviation is 0, so the network's input standardization is undefined; "
                         "give colour images (N, 32, 32, 3) with varying values in each channel")
    return mean, std


def augment_batch(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random crop (zero padding of 4 pixels) and random horizontal flip; batch: (B, 3, 32, 32) uint8.
    generator: a seeded ``torch.Generator``."""
    if not isinstance(generator, torch.Generator):
        # torch.randint(generator=None) draws from torch's global generator: an unseeded augmentation
        raise ValueError(f"generator must be a seeded torch.Generator, got {type(generator).__name__}")
    B, C, H, W = batch.shape
    padded = F.pad(batch, (_PAD, _PAD, _PAD, _PAD))
    dy = torch.randint(0, 2 * _PAD + 1, (B,), generator=generator)
    dx = torch.randint(0, 2 * _PAD + 1, (B,), generator=generator)
    flip = torch.rand(B, generator=generator) < 0.5
    rows = dy[:, None] + torch.arange(H)                                    # (B, H)
    cols = dx[:, None] + torch.arange(W)                                    # (B, W)
    cols = torch.where(flip[:, None], cols.flip(1), cols)                   # flipping = reading columns backwards
    return padded[torch.arange(B)[:, None, None, None], torch.arange(C)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


def subset_indices(n_total: int, n: int | None, seed: int, name: str) -> np.ndarray:
    """Sorted indices of a seeded random subset of size n of range(n_total) (all when n is None)."""
    n_total = checks.positive_int("n_total", n_total)
    if n is None or n == n_total:
        return np.arange(n_total)
    n = checks.positive_int(name, n)
    if n > n_total:
        raise ValueError(f"{name} = {n} exceeds the {n_total} images available")
    return np.sort(np.random.default_rng(checks.seed("seed", seed)).permutation(n_total)[:n])


# ----------------------------------------------------------------------------------------------
# Training, evaluation, extraction
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainedNet:
    """model: the trained ConvNet (eval mode, on CPU); losses: (steps,) training loss of each batch;
    seconds: wall-clock training time; seconds_per_epoch: (epochs,)."""

    model: ConvNet
    losses: np.ndarray
    seconds: float
    seconds_per_epoch: np.ndarray


def _device(device) -> torch.device:
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device = {device!r} but no CUDA device is available; use device='cpu'")
    return dev


def one_cycle(step: int, total: int, warmup: float = 0.25) -> float:
    """Learning-rate factor at ``step`` of ``total``: linear from 0.1 to 1 over the first ``warmup``
    fraction of the steps, then linear down to 0 at the end (a one-cycle schedule)."""
    total = checks.positive_int("total", total)
    step = checks.non_negative_int("step", step)
    if step > total:
        raise ValueError(f"step must lie in 0..total = 0..{total}, got {step}")
    warmup = checks.in_range("warmup", warmup, 0.0, 1.0, low_closed=False, high_closed=True)
    warm = max(1, round(warmup * total))
    if step < warm:
        return 0.1 + 0.9 * step / warm
    return max(0.0, (total - step) / max(1, total - warm))


def train(images, labels, config: FeatureConfig = FeatureConfig(), device="cpu", steps: int | None = None,
          progress: bool = False) -> TrainedNet:
    """Train a ConvNet on images (N, 32, 32, 3) uint8 with labels (N,) in 0..9.

    SGD with Nesterov momentum 0.9 and a one-cycle learning rate (:func:`one_cycle`: linear warm-up
    over the first quarter from config.lr / 10 to config.lr, then linear decay to 0), cross-entropy
    with label smoothing, weight decay on all parameters.  Each epoch visits the images in a seeded
    random order; the last incomplete batch is dropped, so BatchNorm never sees a tiny batch.
    ``steps`` stops after that many batches (for tests; the schedule still spans config.epochs).
    All randomness comes from config.seed.  progress: a tqdm bar over the epochs.
    """
    if not isinstance(config, FeatureConfig):
        raise ValueError(f"config must be a FeatureConfig, got {type(config).__name__}")
    images, labels = check_images("images", images, labels)
    dev = _device(device)
    if steps is not None:
        steps = checks.positive_int("steps", steps)
    batch_size = min(config.batch_size, images.shape[0])
    per_epoch = images.shape[0] // batch_size
    total = per_epoch * config.epochs

    mean, std = channel_stats(images)
    # channels_last: oneDNN (CPU) and cuDNN convolutions run faster in NHWC (measured ~20% per CPU step).
    model = build_model(config, mean, std).to(dev, memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9, nesterov=True,
                                weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: one_cycle(s, total))
    # data order and augmentation, apart from the init (modulo: seed 2**64 - 1 is a valid seed too)
    gen = torch.Generator().manual_seed((config.seed + 1) % checks.SEED_LIMIT)
    x_all, y_all = _to_nchw(images), torch.from_numpy(labels)

    from tqdm.auto import tqdm   # imported here: only training shows a bar, and only when asked
    # One update per epoch: a per-batch bar would print a thousand lines into a rendered notebook.
    bar = tqdm(total=config.epochs, desc=f"training {config.arch} CNN (epochs)", disable=not progress)
    losses, epoch_seconds, step = [], [], 0
    start = time.perf_counter()
    model.train()
    for _ in range(config.epochs):
        t0 = time.perf_counter()
        order = torch.randperm(images.shape[0], generator=gen)
        for b in range(per_epoch):
            idx = order[b * batch_size:(b + 1) * batch_size]
            xb = x_all[idx]
            if config.augment:
                xb = augment_batch(xb, gen)
            xb = _as_float(xb).to(dev, memory_format=torch.channels_last)
            loss = F.cross_entropy(model(xb), y_all[idx].to(dev), label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            step += 1
            if steps is not None and step >= steps:
                break
        epoch_seconds.append(time.perf_counter() - t0)
        bar.set_postfix(loss=f"{np.mean(losses[-per_epoch:]):.3f}", refresh=False)
        bar.update(1)
        if steps is not None and step >= steps:
            break
    bar.close()
    seconds = time.perf_counter() - start
    model = model.to("cpu", memory_format=torch.contiguous_format).eval()
    return TrainedNet(model, np.asarray(losses), seconds, np.asarray(epoch_seconds))


def _batches(model: ConvNet, images: np.ndarray, fn, batch_size: int, device) -> torch.Tensor:
    dev = _device(device)
    model = model.to(dev, memory_format=torch.channels_last).eval()
    x_all = _to_nchw(images)
    out = []
    with torch.no_grad():
        for b in range(0, images.shape[0], batch_size):
            xb = _as_float(x_all[b:b + batch_size]).to(dev, memory_format=torch.channels_last)
            out.append(fn(model, xb).float().cpu())
    model.to("cpu")
    return torch.cat(out)


def predict(model: ConvNet, images, batch_size: int = 1000, device="cpu") -> np.ndarray:
    """Predicted classes (N,) for images (N, 32, 32, 3) uint8 (model in eval mode, no augmentation)."""
    images = check_images("images", images)
    batch_size = checks.positive_int("batch_size", batch_size)
    return _batches(model, images, lambda m, x: m(x).argmax(1), batch_size, device).long().numpy()


def accuracy(model: ConvNet, images, labels, batch_size: int = 1000, device="cpu") -> float:
    """Fraction of images (N, 32, 32, 3) whose predicted class equals labels (N,)."""
    images, labels = check_images("images", images, labels)
    return float(np.mean(predict(model, images, batch_size, device) == labels))


def extract(model: ConvNet, images, batch_size: int = 1000, device="cpu") -> np.ndarray:
    """Features (p, N) float32: the globally pooled output of the convolutional part, one column per image."""
    images = check_images("images", images)
    batch_size = checks.positive_int("batch_size", batch_size)
    feats = _batches(model, images, lambda m, x: m.features(x), batch_size, device)
    return np.ascontiguousarray(feats.numpy().T)


# ----------------------------------------------------------------------------------------------
# The cache
# ----------------------------------------------------------------------------------------------

def library_version() -> str:
    try:
        from importlib.metadata import version
        return version("ntklc_lib")
    except Exception:   # running from a source tree that is not installed
        return "unknown"


def fingerprint(*arrays) -> str:
    """A hex digest of the arrays' dtypes, shapes and bytes (identifies a data set exactly)."""
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def cache_key(config: FeatureConfig, data_fingerprint: str) -> str:
    """Hex key of the features: the configuration, the data's fingerprint and the code's versions."""
    if not isinstance(config, FeatureConfig):
        raise ValueError(f"config must be a FeatureConfig, got {type(config).__name__}")
    if not isinstance(data_fingerprint, str) or not data_fingerprint:
        raise ValueError(f"data_fingerprint must be a non-empty string, got {data_fingerprint!r}")
    record = {"config": dataclasses.asdict(config), "data": data_fingerprint,
              "features_version": FEATURES_VERSION, "library_version": library_version()}
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:24]


def _choose_cache_dir(cache_dir) -> tuple[str, Path]:
    """(label, resolved path) of the cache directory: the argument, else $NTKLC_CACHE_DIR, else
    ~/.cache/ntklc-book.  The one place that order is written, so the directory and its name cannot disagree."""
    return checks.chosen_directory("cache_dir", cache_dir, CACHE_ENV_VAR, "~/.cache/ntklc-book",
                                   Path.home() / ".cache" / "ntklc-book")


def resolve_cache_dir(cache_dir=None) -> Path:
    """The cache directory: argument, else $NTKLC_CACHE_DIR, else ~/.cache/ntklc-book."""
    return _choose_cache_dir(cache_dir)[1]


def cache_dir_label(cache_dir=None) -> str:
    """A machine-independent name for the cache directory that ``resolve_cache_dir`` picks:
    ``'cache_dir'`` when the argument is given, ``'$NTKLC_CACHE_DIR'`` when the variable is set, else
    ``'~/.cache/ntklc-book'``."""
    return _choose_cache_dir(cache_dir)[0]


@dataclass(frozen=True)
class Features:
    """CNN features of CIFAR-10.

    X_train: (p, n_train) float32, y_train: (n_train,); X_test: (p, n_test) float32, y_test: (n_test,);
    test_accuracy: the CNN's own test accuracy on those test images; train_seconds: its training time;
    config: the FeatureConfig; key: the cache key; source: where this call read the images; device: where the
    CNN was trained; from_cache: whether this object was read from disk; path: the cache file.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_accuracy: float
    train_seconds: float
    config: FeatureConfig
    key: str
    source: str
    device: str
    from_cache: bool = False
    path: str = ""


def save_features(feats: Features, path) -> Path:
    """Write features to an .npz file (arrays + a JSON record); atomic, so a killed run leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"test_accuracy": feats.test_accuracy, "train_seconds": feats.train_seconds,
            "config": dataclasses.asdict(feats.config), "key": feats.key, "source": feats.source,
            "device": feats.device, "features_version": FEATURES_VERSION, "library_version": library_version()}
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        np.savez(fh, X_train=feats.X_train, y_train=feats.y_train, X_test=feats.X_test, y_test=feats.y_test,
                 meta=np.array(json.dumps(meta)))
    os.replace(tmp, path)
    return path


_FEATURE_ENTRIES = ("X_train", "y_train", "X_test", "y_test", "meta")


def load_features(path) -> Features:
    """Read back what :func:`save_features` wrote.

    A file it did not write (or a damaged one) raises ValueError naming the file and saying to delete it,
    which makes the next call recompute the features, instead of numpy's or json's own error."""
    path = Path(path)
    what = "a feature file written by ntklc_lib.features.save_features (delete it to recompute the features)"
    with checks.npz_archive(path, what, entries=_FEATURE_ENTRIES) as z:
        try:
            meta = json.loads(str(z["meta"]))
            config = FeatureConfig(**meta["config"])
            test_accuracy, train_seconds = float(meta["test_accuracy"]), float(meta["train_seconds"])
            key, source, device = meta["key"], meta["source"], meta["device"]
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path} is not {what}: its 'meta' record is not the one save_features writes "
                             f"({type(e).__name__}: {e})") from None
        return Features(X_train=z["X_train"], y_train=z["y_train"], X_test=z["X_test"], y_test=z["y_test"],
                        test_accuracy=test_accuracy, train_seconds=train_seconds, config=config, key=key,
                        source=source, device=device, from_cache=True, path=str(path))


def cache_path(config: FeatureConfig, data_fingerprint: str, cache_dir=None) -> Path:
    return resolve_cache_dir(cache_dir) / f"cifar10-{config.arch}-{cache_key(config, data_fingerprint)}.npz"


def features_from_images(train_images, train_labels, test_images, test_labels,
                         config: FeatureConfig = FeatureConfig(), cache_dir=None, device="cpu",
                         source: str = "arrays", progress: bool = False, use_cache: bool = True) -> Features:
    """Train (or reuse from the cache) a ConvNet and return the features of the given images.

    train_images: (N, 32, 32, 3) uint8, train_labels: (N,); test_* likewise.  config.n_train and
    config.n_test select seeded random subsets.  The cache file is keyed by :func:`cache_key`.
    """
    if not isinstance(config, FeatureConfig):
        raise ValueError(f"config must be a FeatureConfig, got {type(config).__name__}")
    train_images, train_labels = check_images("train_images", train_images, train_labels)
    test_images, test_labels = check_images("test_images", test_images, test_labels)
    dev = _device(device)
    fp = fingerprint(train_images, train_labels, test_images, test_labels)
    path = cache_path(config, fp, cache_dir)
    use_cache = checks.boolean("use_cache", use_cache)
    progress = checks.boolean("progress", progress)
    if use_cache and path.exists():
        # the key fixes the images bit for bit, so they are the same; but report where *this* call read
        # them, not where the run that filled the cache did (another directory, perhaps another machine)
        return dataclasses.replace(load_features(path), source=source)

    tr = subset_indices(len(train_labels), config.n_train, config.seed, "n_train")
    te = subset_indices(len(test_labels), config.n_test, (config.seed + 1) % checks.SEED_LIMIT, "n_test")
    net = train(train_images[tr], train_labels[tr], config, device=dev, progress=progress)
    feats = Features(
        X_train=extract(net.model, train_images[tr], device=dev), y_train=train_labels[tr],
        X_test=extract(net.model, test_images[te], device=dev), y_test=test_labels[te],
        test_accuracy=accuracy(net.model, test_images[te], test_labels[te], device=dev),
        train_seconds=net.seconds, config=config, key=path.stem.rsplit("-", 1)[-1], source=source,
        device=str(dev), from_cache=False, path=str(path) if use_cache else "")
    if use_cache:
        save_features(feats, path)
    return feats


def cifar10_features(data_dir=None, config: FeatureConfig = FeatureConfig(), cache_dir=None, device="cpu",
                     progress: bool = False, use_cache: bool = True, download: bool = False) -> Features:
    """CNN features of CIFAR-10 read from ``data_dir`` (see ``datasets.load_cifar10``), cached on disk.

    Raises FileNotFoundError (saying where to put the data or how to download it) when no copy of
    CIFAR-10 is found; never substitutes other data.  download=True lets torchvision fetch it into
    ``data_dir`` where the network allows.  progress: a tqdm bar over the training epochs.
    """
    from .datasets import load_cifar10

    train_set = load_cifar10(data_dir, "train", download=download)
    test_set = load_cifar10(data_dir, "test", download=download)
    return features_from_images(train_set.images, train_set.labels, test_set.images, test_set.labels,
                                config=config, cache_dir=cache_dir, device=device, source=train_set.source,
                                progress=progress, use_cache=use_cache)
