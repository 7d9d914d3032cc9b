"""Memory of the networks: bits by formula (THEORY.md section 4.6) and files actually written.

Formulas count the hidden-layer weights, N = sum_l d_l d_{l-1}:

- dense float32: 32 N bits;
- ternary packed: 2 bits per weight (four ternary digits per byte), 2 N;
- ternary entropy-coded: the entropy of the law (0 w.p. eps, ±s w.p. (1-eps)/2 each),
  H(eps) + (1 - eps) bits per weight (H the binary entropy in bits), the limit of any lossless code;
- pruned float32 nets: the kept float32 values plus their positions, priced like the ternary weights'
  zeros, by the entropy of each layer's mask (``positions="entropy"``, the default), or as a simple file
  stores them, the cheaper of a bitmap (1 bit per weight) and CSR (a ceil(log2 d_in)-bit column index per
  kept weight plus d_out + 1 32-bit row pointers) per layer (``positions="file"``);
- readout: 32 (d_L K + K) bits for the float32 weights and bias.

The file of a compressed net (:func:`save_compressed`) is an uncompressed ``.npz`` holding, per layer,
the ternary weights coded either as packed 2-bit digits or, when smaller, as a sparse code close to the
entropy (Rice-coded run lengths of zeros before each non-zero weight plus one sign bit per non-zero),
the magnitude of the non-zero weights, the step activation's thresholds and values, the centring
constants, and the readout.  :func:`load_compressed` rebuilds a net and a readout whose predictions are
bit-identical to the saved ones.
"""
from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import torch

from . import activations as A
from . import checks
from .networks import RandomFeatureNet, check_net, nominal_kept
from .readout import Readout, check_readout

FORMAT = "ntklc-compressed-net"
VERSION = 1
CODINGS = ("auto", "rice", "packed2")


# --------------------------------------------------------------------------------------------
# formulas
# --------------------------------------------------------------------------------------------

def _dims(p, widths):
    p = checks.positive_int("p", p)
    widths = checks.positive_ints("widths", widths)
    return (p,) + widths


def n_weights(p: int, widths) -> int:
    """Number of hidden-layer weights, sum_l d_l d_{l-1} with d_0 = p."""
    d = _dims(p, widths)
    return int(sum(d[l] * d[l + 1] for l in range(len(d) - 1)))


def _entropy_bits(q: float) -> float:
    """-q log2 q - (1-q) log2 (1-q) for q in [0, 1], unchecked (0 at both ends)."""
    return float(sum(-r * math.log2(r) for r in (q, 1.0 - q) if r > 0))


def binary_entropy(eps: float) -> float:
    """H(eps) = -eps log2 eps - (1-eps) log2 (1-eps) in bits (0 at eps = 0)."""
    return _entropy_bits(checks.sparsity("sparsity", eps))


def ternary_entropy_per_weight(sparsity: float) -> float:
    """Entropy in bits of one sparse ternary weight: H(eps) + (1 - eps)."""
    eps = checks.sparsity("sparsity", sparsity)
    return binary_entropy(eps) + (1.0 - eps)


def dense_bits(p: int, widths) -> int:
    """32 bits per weight (float32)."""
    return 32 * n_weights(p, widths)


def ternary_packed_bits(p: int, widths) -> int:
    """2 bits per weight (ternary digits packed four to a byte)."""
    return 2 * n_weights(p, widths)


def ternary_entropy_bits(p: int, widths, sparsity: float) -> float:
    """N (H(eps) + 1 - eps) bits: the entropy bound for i.i.d. sparse ternary weights."""
    return n_weights(p, widths) * ternary_entropy_per_weight(sparsity)


POSITION_CODES = ("entropy", "file")


def _sparsest_keeping_one(size: int) -> float:
    """The largest sparsity (a float) at which a layer of ``size`` weights keeps round((1 - eps) size) >= 1:
    just below 1 - 0.5 / size (round(0.5) is 0, half to even)."""
    eps = 1.0 - 0.5 / size
    while nominal_kept(size, eps) < 1:
        eps = float(np.nextafter(eps, 0.0))
    return eps


def pruned_bits(p: int, widths, sparsity: float, positions: str = "entropy") -> float:
    """Float32 values of the kept weights plus their positions, summed over the layers.

    positions "entropy": size H(kept / size) bits per layer, the entropy of its mask and the standard
    :func:`ternary_entropy_bits` prices the ternary zeros by.  It is within reach whatever the mask (a
    magnitude mask is not random): an enumerative code names one of the C(size, kept) masks with that many
    ones in ceil(log2 C(size, kept)) <= size H(kept / size) + 1 bits.  At equal memory a pruned and a
    ternary net then differ only in the bits of their values (32 per kept weight against 1 sign bit).
    "file": the cheaper of a bitmap (size bits) and CSR (a ceil(log2 d_in)-bit column index per kept weight
    plus d_out + 1 32-bit row pointers), what a simple sparse file takes; at high sparsity its row pointers
    alone can outweigh the entropy of the mask.

    The number kept per layer is round((1 - sparsity) d_l d_{l-1}), as in ``baselines.magnitude_pruned``;
    a sparsity that keeps none of a layer raises ValueError, as there.
    """
    checks.one_of("positions", positions, set(POSITION_CODES))
    total = 0.0
    for layer in pruned_layers(p, widths, sparsity):
        if positions == "entropy":
            # kept / size may be 1 (sparsity 0), outside binary_entropy's range
            total += 32 * layer["kept"] + layer["size"] * _entropy_bits(layer["kept"] / layer["size"])
        else:
            total += 32 * layer["kept"] + layer["file_position_bits"]
    return total


def pruned_layers(p: int, widths, sparsity: float) -> list[dict]:
    """Per hidden layer of a net pruned to ``sparsity`` (kept round((1 - sparsity) d_l d_{l-1}), as in
    ``baselines.magnitude_pruned``): a dict with "size" and "kept" (weights), and how a simple file stores the
    kept positions, the cheaper of a bitmap (size bits) and CSR (a ceil(log2 d_in)-bit column index per kept
    weight plus d_out + 1 32-bit row pointers): "file_format" ("bitmap" or "csr"), "file_position_bits" and
    "row_pointer_bits" (0 for a bitmap).  A sparsity that keeps none of a layer raises ValueError, as there."""
    d = _dims(p, widths)
    eps = checks.sparsity("sparsity", sparsity)
    layers = []
    for l in range(len(d) - 1):
        size = d[l] * d[l + 1]
        kept = nominal_kept(size, eps)
        if kept == 0:
            # magnitude_pruned refuses such a net; counting one weight would price a net that is not built
            raise ValueError(f"sparsity = {eps!r} keeps no weight of layer {l + 1} ({d[l + 1]} x {d[l]} = "
                             f"{size} weights); it must be below {1.0 - 0.5 / size:.6g} there")
        row_pointers = 32 * (d[l + 1] + 1)
        csr = kept * max(1, math.ceil(math.log2(d[l]))) + row_pointers
        use_csr = csr < size
        layers.append({"size": size, "kept": kept, "file_format": "csr" if use_csr else "bitmap",
                       "file_position_bits": csr if use_csr else size,
                       "row_pointer_bits": row_pointers if use_csr else 0})
    return layers


def pruned_sparsity_for_bits(p: int, widths, bits: float, positions: str = "entropy") -> float:
    """The smallest sparsity whose pruned net (:func:`pruned_bits` with ``positions``) takes at most ``bits``,
    to within 1e-12: magnitude pruning at the memory of another net.  0 when the dense positions and values
    already fit; ValueError naming ``bits`` when even one weight kept in the smallest layer takes more."""
    d = _dims(p, widths)
    bits = checks.positive_float("bits", bits)
    checks.one_of("positions", positions, set(POSITION_CODES))
    if pruned_bits(p, widths, 0.0, positions) <= bits:
        return 0.0
    # the sparsest net that is built: one weight kept in its smallest layer (the larger ones keep more)
    hi = min(_sparsest_keeping_one(d[l] * d[l + 1]) for l in range(len(d) - 1))
    least = pruned_bits(p, widths, hi, positions)
    if least > bits:
        raise ValueError(f"bits must be >= {least:.6g} (the pruned net's memory with one weight kept in its "
                         f"smallest layer), got {bits:.6g}")
    lo = 0.0
    # pruned_bits falls (weakly) as the sparsity grows: bisect for where it first fits
    while hi - lo > 1e-12:
        mid = 0.5 * (lo + hi)
        if pruned_bits(p, widths, mid, positions) <= bits:
            hi = mid
        else:
            lo = mid
    return hi


def readout_bits(d_L: int, n_classes: int) -> int:
    """32 (d_L K + K) bits for a float32 readout of d_L features and K classes.

    A fitted :class:`~ntklc_lib.readout.Readout` also holds its standardization (mean: (d_L,), scale),
    which :func:`save_compressed` stores as well; it folds into the weight and bias (W / scale and
    b - mean^T W / scale give the same scores up to float32 rounding), so it is not counted."""
    return 32 * (checks.positive_int("d_L", d_L) * checks.positive_int("n_classes", n_classes) + n_classes)


def net_bits(net: RandomFeatureNet, coding: str = "entropy") -> float:
    """Hidden-layer weight bits of a net by formula, chosen by its weight law.

    gaussian: 32 N; magnitude/random pruned: :func:`pruned_bits`, positions by the entropy of the mask
    for ``coding`` "entropy" and as a file stores them for "packed"; ternary: ``coding`` "entropy"
    (:func:`ternary_entropy_bits`) or "packed" (:func:`ternary_packed_bits`).  Like the ternary nets, a
    random-pruned net is priced by its law: at its nominal round((1 - sparsity) size) kept weights per
    layer, about which its actual count varies by ~sqrt of that (a net whose count is off that law, e.g. a
    dense matrix labelled pruned, is refused when built: :func:`ntklc_lib.networks.kept_count_range`).
    """
    check_net("net", net)
    checks.one_of("coding", coding, {"entropy", "packed"})
    if net.weight_law == "gaussian":
        return float(dense_bits(net.p, net.widths))
    if net.weight_law in ("magnitude_pruned", "random_pruned"):
        return float(pruned_bits(net.p, net.widths, net.sparsity,
                                 "entropy" if coding == "entropy" else "file"))
    if coding == "packed":
        return float(ternary_packed_bits(net.p, net.widths))
    return float(ternary_entropy_bits(net.p, net.widths, net.sparsity))


# --------------------------------------------------------------------------------------------
# coding ternary digits
# --------------------------------------------------------------------------------------------

def ternary_codes(W: torch.Tensor) -> tuple[np.ndarray, float]:
    """Codes (flat int8 in {-1, 0, 1}, row-major) and the common magnitude s of a ternary matrix W = s * codes.

    Raises ValueError if the non-zero entries of W do not all have the same magnitude.
    """
    Wn = W.detach().cpu().numpy()
    mag = np.abs(Wn)
    nz = mag != 0
    s = float(mag.max()) if nz.any() else 1.0
    if nz.any() and not np.all(mag[nz] == mag.max()):
        raise ValueError("weights are not ternary: non-zero entries of different magnitudes "
                         "(only ternary nets can be saved in the compressed format)")
    return np.sign(Wn).astype(np.int8).ravel(), s


def _ternary_digits(codes) -> np.ndarray:
    """codes flattened to int8, or ValueError if any entry is not -1, 0 or 1 (a cast would wrap 255 to -1
    and the sign-only streams would turn 3 into 1: a silent wrong answer)."""
    raw = np.asarray(codes).ravel()
    ok = np.isin(raw, (-1, 0, 1)) if raw.dtype.kind in "biuf" else np.zeros(raw.shape, dtype=bool)
    if not np.all(ok):
        bad = np.unique(raw[~ok])[:5]
        raise ValueError(f"codes must hold ternary digits -1, 0, 1 only, got {bad.tolist()!r}")
    return raw.astype(np.int8)


def rice_encode(codes: np.ndarray) -> dict:
    """Sparse code of ternary digits: run lengths of zeros before each non-zero, Rice-coded with the
    parameter k that minimizes the total length (unary quotients and k-bit remainders in separate bit
    streams), and one sign bit per non-zero.  Returns the packed streams and the counts to decode."""
    codes = _ternary_digits(codes)
    nz = np.flatnonzero(codes)
    gaps = np.diff(nz, prepend=-1) - 1
    best_k, best_bits = 0, None
    for k in range(0, 40):
        bits = int(np.sum(gaps >> k)) + nz.size * (1 + k)
        if best_bits is None or bits < best_bits:
            best_k, best_bits = k, bits
        if nz.size == 0 or int(gaps.max()) >> k == 0:
            break                                   # larger k only adds remainder bits
    k = best_k
    q = gaps >> k
    unary = np.ones(int(q.sum()) + nz.size, dtype=np.uint8)
    unary[np.cumsum(q + 1) - 1] = 0                 # each run length ends with a 0
    rem = ((gaps[:, None] >> np.arange(k - 1, -1, -1)) & 1).astype(np.uint8).ravel()
    return {"unary": np.packbits(unary), "rem": np.packbits(rem), "signs": np.packbits(codes[nz] < 0),
            "k": k, "n_nonzero": int(nz.size), "unary_bits": int(unary.size), "size": int(codes.size)}


def rice_decode(unary, rem, signs, k: int, n_nonzero: int, unary_bits: int, size: int) -> np.ndarray:
    """Inverse of :func:`rice_encode`: flat int8 codes of length ``size``."""
    size = checks.non_negative_int("size", size)
    k = checks.non_negative_int("k", k)
    n_nonzero = checks.non_negative_int("n_nonzero", n_nonzero)
    unary_bits = checks.non_negative_int("unary_bits", unary_bits)
    ends = np.flatnonzero(np.unpackbits(unary, count=unary_bits) == 0)
    if ends.size != n_nonzero:
        raise ValueError(f"corrupt weight stream: {ends.size} run lengths, expected {n_nonzero}")
    q = np.diff(ends, prepend=-1) - 1
    r = np.zeros(n_nonzero, dtype=np.int64)
    if k:
        bits = np.unpackbits(rem, count=n_nonzero * k).reshape(n_nonzero, k).astype(np.int64)
        r = bits @ (1 << np.arange(k - 1, -1, -1))
    positions = np.cumsum((q.astype(np.int64) << k) + r + 1) - 1
    if positions.size and positions[-1] >= size:
        raise ValueError(f"size = {size} is too small for this weight stream: it has a non-zero code at position "
                         f"{int(positions[-1])}, so size must be at least {int(positions[-1]) + 1}")
    codes = np.zeros(size, dtype=np.int8)
    codes[positions] = 1 - 2 * np.unpackbits(signs, count=n_nonzero).astype(np.int8)
    return codes


def pack2(codes: np.ndarray) -> np.ndarray:
    """Ternary digits {-1, 0, 1} -> bytes, four 2-bit digits per byte (0 -> 00, 1 -> 01, -1 -> 10)."""
    c = (_ternary_digits(codes) % 3).astype(np.uint8)
    c = np.concatenate([c, np.zeros((-c.size) % 4, dtype=np.uint8)]).reshape(-1, 4)
    return (c[:, 0] | (c[:, 1] << 2) | (c[:, 2] << 4) | (c[:, 3] << 6)).astype(np.uint8)


def unpack2(packed: np.ndarray, size: int) -> np.ndarray:
    """Inverse of :func:`pack2`: flat int8 codes of length ``size`` (at most 4 per byte of ``packed``)."""
    b = np.asarray(packed, dtype=np.uint8).ravel()
    size = checks.non_negative_int("size", size)
    if size > 4 * b.size:
        raise ValueError(f"size = {size} is larger than packed holds: {b.size} bytes hold at most {4 * b.size} codes")
    c = np.stack([(b >> s) & 3 for s in (0, 2, 4, 6)], axis=1).ravel()[:size].astype(np.int8)
    if np.any(c == 3):
        raise ValueError("packed is corrupt: it holds the 2-bit digit 11, which codes no ternary digit")
    c[c == 2] = -1
    return c


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------

def _activation_record(act, l: int, arrays: dict) -> dict:
    if act.is_step:
        arrays[f"a{l}_thresholds"] = np.asarray(act.thresholds, dtype=np.float64)
        arrays[f"a{l}_values"] = np.asarray(act.values, dtype=np.float64)
        return {"kind": "step", "name": act.name}
    if act.name in A.NAMES:
        try:
            params = json.loads(json.dumps(act.params))
        except TypeError:
            params = None
        if params is not None and _same_function(act, params):
            return {"kind": "named", "name": act.name, "params": params}
        if params is not None:
            # a custom activation that took a built-in name would be loaded as the built-in one
            raise ValueError(f"layer {l + 1}: activation {act.name!r} is not the named activation {act.name!r} "
                             f"(its values differ on [-10, 10]); give it its own name, or use a step activation")
    raise ValueError(f"layer {l + 1}: activation {act.name!r} can be saved only if it is a step activation "
                     f"or a named one ({', '.join(A.NAMES)})")


def _same_function(act: A.Activation, params: dict) -> bool:
    """Whether act computes the values of the named activation ``A.get(act.name, **params)`` on a grid of
    [-10, 10] (to 1e-12)."""
    try:
        named = A.get(act.name, **params)
    except (TypeError, ValueError):
        return False
    t = np.linspace(-10.0, 10.0, 2001)
    with np.errstate(all="ignore"):
        a, b = np.asarray(act.fn(t), dtype=np.float64), np.asarray(named.fn(t), dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=1e-12))


def _activation_from(record: dict, l: int, z) -> A.Activation:
    if record["kind"] == "step":
        return A.step(z[f"a{l}_thresholds"], z[f"a{l}_values"], name=record["name"])
    return A.get(record["name"], **record["params"])


def save_compressed(path, net: RandomFeatureNet, readout: Readout | None = None, coding: str = "auto") -> Path:
    """Write a ternary net (and its readout) to ``path`` (an uncompressed .npz); returns the path.

    coding: "packed2" (2 bits per weight), "rice" (sparse code near the entropy), or "auto" (per layer, the
    code whose data is smaller; the entries' headers are not counted, and rice writes three entries to
    packed2's one, about 0.4 kB more, so for layers of a few thousand weights "auto" can write a slightly
    larger file than "packed2").  Raises ValueError for nets whose weights are not ternary.
    """
    checks.path("path", path)
    checks.one_of("coding", coding, set(CODINGS))
    check_net("net", net)
    if readout is not None:
        check_readout("readout", readout)
    if readout is not None and readout.weight.shape[0] != net.widths[-1]:
        raise ValueError(f"readout has input size {readout.weight.shape[0]}, the net's last width is {net.widths[-1]}")
    arrays: dict[str, np.ndarray] = {}
    layers = []
    for l, (W, act) in enumerate(zip(net.weights, net.acts)):
        codes, s = ternary_codes(W)
        rec = {"shape": list(W.shape), "dtype": str(W.dtype).replace("torch.", "")}
        rice = rice_encode(codes) if coding in ("auto", "rice") else None
        packed = pack2(codes) if coding in ("auto", "packed2") else None
        rice_bytes = None if rice is None else sum(rice[key].size for key in ("unary", "rem", "signs"))
        if packed is None or (rice is not None and rice_bytes < packed.size):
            rec.update(coding="rice", **{key: rice[key] for key in ("k", "n_nonzero", "unary_bits")})
            for key in ("unary", "rem", "signs"):
                arrays[f"w{l}_{key}"] = rice[key]
        else:
            rec.update(coding="packed2")
            arrays[f"w{l}_packed"] = packed
        arrays[f"w{l}_scale"] = np.array([s], dtype=np.float64)
        rec["activation"] = _activation_record(act, l, arrays)
        layers.append(rec)
    arrays["centers"] = np.asarray(net.centers, dtype=np.float64)
    arrays["tau"] = np.asarray(net.tau, dtype=np.float64)
    meta = {"format": FORMAT, "version": VERSION, "layers": layers, "weight_law": net.weight_law,
            "sparsity": net.sparsity, "seed": net.seed, "readout": None}
    if readout is not None:
        meta["readout"] = {"kind": readout.kind, "penalty": readout.penalty}
        arrays["r_weight"] = readout.weight.astype(np.float32)
        arrays["r_bias"] = readout.bias.astype(np.float32)
        arrays["r_mean"] = readout.mean.astype(np.float32)
        arrays["r_scale"] = np.array([readout.scale], dtype=np.float64)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    path = Path(path)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def load_compressed(path) -> tuple[RandomFeatureNet, Readout | None]:
    """Read a file written by :func:`save_compressed`: (net, readout or None).

    Any other file raises ValueError saying so (a missing one FileNotFoundError)."""
    z, meta = _open_compressed(checks.path("path", path))
    try:
        return _read_compressed(z, meta)
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        # format and version matched, but an entry is missing or of the wrong kind: a damaged file
        raise ValueError(f"{path} is a damaged {FORMAT} file: a missing or malformed entry "
                         f"({type(exc).__name__}: {exc})") from None
    finally:
        z.close()


def _read_compressed(z, meta: dict) -> tuple[RandomFeatureNet, Readout | None]:
    """The net and readout of an opened archive whose meta record :func:`_open_compressed` checked."""
    weights, acts = [], []
    for l, rec in enumerate(meta["layers"]):
        size = int(np.prod(rec["shape"]))
        if rec["coding"] == "rice":
            codes = rice_decode(z[f"w{l}_unary"], z[f"w{l}_rem"], z[f"w{l}_signs"], rec["k"], rec["n_nonzero"],
                                rec["unary_bits"], size)
        else:
            codes = unpack2(z[f"w{l}_packed"], size)
        dtype = getattr(torch, rec["dtype"])
        scale = torch.tensor(float(z[f"w{l}_scale"][0]), dtype=dtype)
        weights.append(torch.from_numpy(codes.reshape(rec["shape"])).to(dtype) * scale)
        acts.append(_activation_from(rec["activation"], l, z))
    net = RandomFeatureNet(tuple(weights), tuple(acts), tuple(float(c) for c in z["centers"]),
                           np.array(z["tau"]), meta["weight_law"], float(meta["sparsity"]), meta["seed"])
    readout = None
    if meta["readout"] is not None:
        readout = Readout(weight=np.array(z["r_weight"]), bias=np.array(z["r_bias"]), mean=np.array(z["r_mean"]),
                          scale=float(z["r_scale"][0]), kind=meta["readout"]["kind"],
                          penalty=float(meta["readout"]["penalty"]))
    return net, readout


def _open_compressed(path) -> tuple[np.lib.npyio.NpzFile, dict]:
    """Open ``path`` and check that save_compressed wrote it: (the open archive, its meta record), or raise
    ValueError naming the file."""
    path = Path(path)
    what = f"a {FORMAT} file (written by ntklc_lib.memory.save_compressed)"
    not_ours = f"{path} is not {what}"
    z = checks.npz_archive(path, what, entries=("meta",))
    try:
        try:
            meta = json.loads(bytes(z["meta"]).decode())
        except (ValueError, UnicodeDecodeError):
            raise ValueError(f"{not_ours}: its 'meta' entry is not the JSON record save_compressed writes") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise ValueError(f"{path} is not a {FORMAT} file of version {VERSION}")
    except BaseException:
        z.close()
        raise
    return z, meta


def _state_dict(net: RandomFeatureNet, readout: Readout | None) -> dict:
    check_net("net", net)
    if readout is not None:
        check_readout("readout", readout)
    state = {f"layer{l}.weight": W.detach().to(torch.float32).contiguous() for l, W in enumerate(net.weights)}
    # what else the predictions need, as :func:`save_compressed` stores it: the centring constants and the
    # scales they refer to, and the readout's standardization
    state["centers"] = torch.tensor(np.asarray(net.centers, dtype=np.float64))
    state["tau"] = torch.tensor(np.asarray(net.tau, dtype=np.float64))
    if readout is not None:
        state["readout.weight"] = torch.from_numpy(readout.weight.astype(np.float32))
        state["readout.bias"] = torch.from_numpy(readout.bias.astype(np.float32))
        state["readout.mean"] = torch.from_numpy(readout.mean.astype(np.float32))
        state["readout.scale"] = torch.tensor([float(readout.scale)], dtype=torch.float64)
    return state


def save_dense(path, net: RandomFeatureNet, readout: Readout | None = None) -> Path:
    """The reference: the net's float32 state dict written with ``torch.save``: the hidden weights, the
    centring constants and their scales, and the readout (weight, bias, and the mean and scale that
    standardize its features), all a dense net's predictions need besides its activations' names."""
    path = Path(checks.path("path", path))
    torch.save(_state_dict(net, readout), path)
    return path


def state_dict_bits(net: RandomFeatureNet, readout: Readout | None = None) -> int:
    """Size in bits of the float32 state dict :func:`save_dense` writes, serialized in memory.

    torch.save names the records of its zip archive after the file's stem ("archive" in memory), so this is
    exactly the size of a file named ``archive.pt``; other file names change the size by a few hundred bytes
    (-240 to +656 bytes measured, for stems of 1 to 47 characters)."""
    buf = io.BytesIO()
    torch.save(_state_dict(net, readout), buf)
    return 8 * buf.getbuffer().nbytes


def file_bits(path) -> int:
    """Size of a file in bits."""
    return 8 * Path(checks.path("path", path)).stat().st_size
