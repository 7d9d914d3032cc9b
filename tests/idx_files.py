"""IDX files as torchvision's MNIST reader expects them, for tests that write small MNIST directories."""
from __future__ import annotations

import numpy as np


def write_idx(path, array: np.ndarray) -> None:
    """Write ``array`` (uint8 values) to ``path`` in IDX format: magic (0, 0, type 0x08 = uint8, ndim),
    big-endian int32 sizes, then the data."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">i4").tobytes()
    path.write_bytes(header + array.astype(np.uint8).tobytes())
