"""Time and accuracy of the default CIFAR-10 feature extractor (ntklc_lib.features) on the CPU.

Trains the default FeatureConfig from scratch (no cache) on the full CIFAR-10 training set and prints
seconds per epoch, total training time, test accuracy and the time to extract all 60 000 feature
vectors.  The book needs >= 75% test accuracy within about 10 minutes on 2 cores.  Takes about 4 minutes
on 2 idle cores (2026-11-30: 230 s of training, test accuracy 0.8387).

    NTKLC_DATA_DIR=../shared/data .venv/bin/python benchmarks/features.py [--threads 2] [--epochs N] [--width W]
"""
import argparse
import dataclasses
import time

import numpy as np
import torch

from ntklc_lib import datasets
from ntklc_lib import features as ft


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--epochs", type=int, default=None, help="override FeatureConfig.epochs")
    parser.add_argument("--width", type=int, default=None, help="override FeatureConfig.width")
    parser.add_argument("--data-dir", default=None, help="CIFAR-10 directory (default $NTKLC_DATA_DIR, ./data)")
    parser.add_argument("--download", action="store_true",
                        help="let torchvision fetch CIFAR-10 into the data directory if it is missing")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    config = ft.FeatureConfig()
    if args.epochs is not None:
        config = dataclasses.replace(config, epochs=args.epochs)
    if args.width is not None:
        config = dataclasses.replace(config, width=args.width)
    t = time.perf_counter()
    train_set = datasets.load_cifar10(args.data_dir, "train", download=args.download)
    test_set = datasets.load_cifar10(args.data_dir, "test", download=args.download)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    ft.fingerprint(train_set.images, train_set.labels, test_set.images, test_set.labels)
    t_fp = time.perf_counter() - t

    print(f"data: {train_set.source} (load {t_load:.1f} s, fingerprint {t_fp:.1f} s)")
    print(f"config: {config}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    net = ft.train(train_set.images, train_set.labels, config)
    per_epoch = len(net.losses) // config.epochs
    for e, s in enumerate(net.seconds_per_epoch, 1):
        mean_loss = net.losses[(e - 1) * per_epoch:e * per_epoch].mean()
        print(f"epoch {e:2d}: {s:6.1f} s   mean training loss {mean_loss:.3f}")
    t = time.perf_counter()
    acc = ft.accuracy(net.model, test_set.images, test_set.labels)
    t_eval = time.perf_counter() - t
    t = time.perf_counter()
    ft.extract(net.model, train_set.images)
    ft.extract(net.model, test_set.images)
    t_extract = time.perf_counter() - t
    print(f"seconds per epoch: median {np.median(net.seconds_per_epoch):.1f}, total training {net.seconds:.1f} s")
    print(f"test accuracy: {acc:.4f} (evaluation {t_eval:.1f} s)")
    print(f"feature extraction, 60000 images: {t_extract:.1f} s")
    print(f"total (train + evaluate + extract): {net.seconds + t_eval + t_extract:.1f} s")


if __name__ == "__main__":
    main()
