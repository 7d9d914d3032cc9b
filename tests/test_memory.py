"""Memory: bits by formula, the codes of ternary digits, and the compressed file's round trip."""
from __future__ import annotations

import json
import math
import types

import numpy as np
import pytest
import torch

from ntklc_lib import activations as A
from ntklc_lib import baselines, coefficients, memory, networks, readout


def standin_plan(L: int, tau0: float = 1.0):
    acts = tuple(A.step([-0.4 - 0.1 * l, 0.9], [-1.3, 0.0, 1.3 + 0.2 * l], name="ternary") for l in range(L))
    ms, taus = coefficients.layer_moments(acts, tau0)
    return types.SimpleNamespace(compressed=acts, centers=np.array([float(m.mean) for m in ms]), tau_compressed=taus)


def test_bit_formulas():
    p, widths = 784, (1000, 1000, 1000)
    N = 784 * 1000 + 2 * 1000 * 1000
    assert memory.n_weights(p, widths) == N
    assert memory.dense_bits(p, widths) == 32 * N
    assert memory.ternary_packed_bits(p, widths) == 2 * N
    for eps in (0.0, 0.5, 0.9, 0.99):
        probs = [q for q in (eps, (1 - eps) / 2, (1 - eps) / 2) if q > 0]
        direct = -sum(q * math.log2(q) for q in probs)           # entropy of the three-point law
        assert memory.ternary_entropy_per_weight(eps) == pytest.approx(direct, rel=1e-12)
        assert memory.ternary_entropy_bits(p, widths, eps) == pytest.approx(N * direct, rel=1e-12)
    assert memory.ternary_entropy_per_weight(0.0) == pytest.approx(1.0)
    assert memory.dense_bits(p, widths) / memory.ternary_entropy_bits(p, widths, 0.9) > 50


def test_pruned_bits_in_a_file_take_the_cheaper_position_code():
    # one layer 100 -> 50: size 5000; eps = 0.5 keeps 2500 (bitmap 5000 bits < CSR 2500*7 + 32*51)
    assert memory.pruned_bits(100, (50,), 0.5, positions="file") == 32 * 2500 + 5000
    # eps = 0.99 keeps 50 (CSR 50*7 + 32*51 = 1982 bits < bitmap 5000)
    assert memory.pruned_bits(100, (50,), 0.99, positions="file") == 32 * 50 + 50 * 7 + 32 * 51


def test_pruned_layers_say_how_a_file_stores_each_layer():
    # the two cases above by hand, then 100 -> 50 -> 50 (row pointers 32*51 = 1632 bits per layer): at
    # eps = 0.9 it keeps 500 and 250, CSR 500*7 + 1632 = 5132 > 5000 and 250*6 + 1632 = 3132 > 2500, so both
    # layers are bitmaps; at eps = 0.99 it keeps 50 and 25, CSR 1982 < 5000 and 1782 < 2500
    half, sparse = memory.pruned_layers(100, (50,), 0.5)[0], memory.pruned_layers(100, (50,), 0.99)[0]
    assert half == {"size": 5000, "kept": 2500, "file_format": "bitmap", "file_position_bits": 5000,
                    "row_pointer_bits": 0}
    assert sparse == {"size": 5000, "kept": 50, "file_format": "csr", "file_position_bits": 50 * 7 + 32 * 51,
                      "row_pointer_bits": 32 * 51}
    assert [l["file_format"] for l in memory.pruned_layers(100, (50, 50), 0.9)] == ["bitmap", "bitmap"]
    deep = memory.pruned_layers(100, (50, 50), 0.99)
    assert [(l["kept"], l["file_position_bits"]) for l in deep] == [(50, 50 * 7 + 1632), (25, 25 * 6 + 1632)]
    # and pruned_bits("file") is their sum with the values
    assert memory.pruned_bits(100, (50, 50), 0.99, positions="file") == sum(
        32 * l["kept"] + l["file_position_bits"] for l in deep)
    with pytest.raises(ValueError, match=r"sparsity = 0.99999 keeps no weight of layer 1"):
        memory.pruned_layers(100, (50,), 0.99999)


def test_pruned_bits_price_the_positions_by_the_entropy_of_the_mask():
    # the default: log2 of the number of masks is the fewest bits that name one of them; per layer
    # log2 C(size, kept) <= size H(kept / size) <= log2 C(size, kept) + log2(size + 1) (Cover and Thomas,
    # 11.1.3), against the binomial coefficient computed exactly with integers
    for p, widths, eps in ((100, (50,), 0.99), (100, (50,), 0.5), (784, (300, 200), 0.999)):
        dims = (p,) + widths
        values = exact = 0.0
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            size = d_in * d_out
            kept = round((1 - eps) * size)
            values += 32 * kept
            exact += math.log2(math.comb(size, kept))
        got = memory.pruned_bits(p, widths, eps)
        slack = sum(math.log2(a * b + 1) for a, b in zip(dims[:-1], dims[1:]))
        assert values + exact <= got <= values + exact + slack
        # at eps = 0.99 one layer of 5000 weights: 50 kept, H(0.01) = 0.0808 bits per weight
        if widths == (50,) and eps == 0.99:
            assert got == pytest.approx(32 * 50 + 5000 * (-0.01 * math.log2(0.01) - 0.99 * math.log2(0.99)))
    with pytest.raises(ValueError, match="positions"):
        memory.pruned_bits(100, (50,), 0.5, positions="csr")


def test_pruned_bits_refuse_a_sparsity_that_keeps_no_weight():
    # 0.99999 of 5000 weights is 0.05 kept: magnitude_pruned refuses that net, so it is not priced either
    with pytest.raises(ValueError, match=r"sparsity = 0\.99999 keeps no weight of layer 1 \(50 x 100 = 5000 "
                                         r"weights\); it must be below 0\.9999 there"):
        memory.pruned_bits(100, (50,), 0.99999)
    # just below that bound one weight is kept (round((1 - eps) 5000) = 1), and magnitude_pruned builds it
    assert memory.pruned_bits(100, (50,), 0.99989) == pytest.approx(
        32 + 5000 * (-(1 / 5000) * math.log2(1 / 5000) - (4999 / 5000) * math.log2(4999 / 5000)), rel=1e-12)


def test_pruned_sparsity_for_bits_reaches_every_net_that_is_built():
    # layers of 4 and 200 weights: at sparsity 0.87 the first keeps round(0.52) = 1 weight, the second 26;
    # the memory of that net is reachable, although 0.87 > 1 - 1/4
    p, widths = 2, (2, 100)
    bits = memory.pruned_bits(p, widths, 0.87)
    net = baselines.magnitude_pruned(networks.dense_net(p, widths, ["relu", "relu"]), 0.87)
    assert memory.net_bits(net) == pytest.approx(bits, rel=1e-12)
    eps = memory.pruned_sparsity_for_bits(p, widths, bits)
    assert memory.pruned_bits(p, widths, eps) <= bits and eps <= 0.87
    # the smallest such sparsity: a little less keeps one more weight of the second layer
    assert memory.pruned_bits(p, widths, eps - 1e-9) > bits


@pytest.mark.parametrize("positions", ["entropy", "file"])
@pytest.mark.parametrize("target", [2e4, 2e5, 1.5e6, 3.0e6])
def test_pruned_sparsity_for_bits_is_the_smallest_that_fits(target, positions):
    p, widths = 784, (300, 200)
    eps = memory.pruned_sparsity_for_bits(p, widths, target, positions)
    # by hand: the kept counts of the two layers, and positions as the entropy of the mask, or as a bitmap
    # or CSR, whichever is smaller
    def by_hand(e):
        total = 0
        for d_in, d_out in ((784, 300), (300, 200)):
            size = d_in * d_out
            kept = round((1 - e) * size)
            if positions == "entropy":
                q = kept / size
                total += 32 * kept + size * sum(-r * math.log2(r) for r in (q, 1 - q) if r > 0)
            else:
                total += 32 * kept + min(size, kept * math.ceil(math.log2(d_in)) + 32 * (d_out + 1))
        return total
    assert by_hand(eps) <= target
    assert by_hand(eps - 1e-6) > target                     # a little less sparse no longer fits
    # at least one weight kept in every layer, so the net can be built
    assert round((1 - eps) * 300 * 200) >= 1


def test_pruned_sparsity_for_bits_names_an_unreachable_target():
    assert memory.pruned_sparsity_for_bits(100, (50,), 1e9) == 0.0      # the dense net's own count fits
    # one weight kept: 32 bits of value, CSR 1 * 7 + 32 * 51 = 1639 bits of positions
    with pytest.raises(ValueError, match=r"bits must be >= 1671 \(the pruned net's memory with one weight"):
        memory.pruned_sparsity_for_bits(100, (50,), 1000, positions="file")
    # by the entropy of the mask, one of 5000 positions: 5000 H(1/5000) = 13.73 bits
    least = 32 + 5000 * (-(1 / 5000) * math.log2(1 / 5000) - (4999 / 5000) * math.log2(4999 / 5000))
    with pytest.raises(ValueError, match=rf"bits must be >= {least:.6g} \(the pruned net's memory"):
        memory.pruned_sparsity_for_bits(100, (50,), 40)
    with pytest.raises(ValueError, match="bits"):
        memory.pruned_sparsity_for_bits(100, (50,), -5)


@pytest.mark.parametrize("eps", [0.0, 0.3, 0.9, 0.999, 1.0])
def test_rice_and_packed_codes_round_trip(eps):
    rng = np.random.default_rng(0)
    u = rng.random(10_001)
    codes = np.where(u < eps, 0, np.where(u < eps + (1 - eps) / 2, 1, -1)).astype(np.int8)
    enc = memory.rice_encode(codes)
    back = memory.rice_decode(enc["unary"], enc["rem"], enc["signs"], enc["k"], enc["n_nonzero"], enc["unary_bits"],
                              codes.size)
    np.testing.assert_array_equal(back, codes)
    np.testing.assert_array_equal(memory.unpack2(memory.pack2(codes), codes.size), codes)
    assert memory.pack2(codes).size == math.ceil(codes.size / 4)


def test_rice_code_is_close_to_the_entropy():
    eps, N = 0.9, 400_000
    rng = np.random.default_rng(1)
    u = rng.random(N)
    codes = np.where(u < eps, 0, np.where(u < eps + (1 - eps) / 2, 1, -1)).astype(np.int8)
    enc = memory.rice_encode(codes)
    bits = 8 * sum(enc[k].size for k in ("unary", "rem", "signs"))
    bound = N * memory.ternary_entropy_per_weight(eps)
    # a Rice code of geometric run lengths is within a few percent of the entropy
    assert bound < bits < 1.05 * bound


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((60, 300)) / math.sqrt(60), rng.integers(0, 4, 300)
    net = networks.compressed_net(60, (200, 100), standin_plan(2), sparsity=0.9, seed=3)
    r = readout.ridge(networks.features(net, X), y, seed=0)
    return X, net, r


@pytest.mark.parametrize("coding", ["auto", "rice", "packed2"])
def test_saved_compressed_net_reloads_to_identical_predictions(tmp_path, fitted, coding):
    X, net, r = fitted
    path = memory.save_compressed(tmp_path / "net.npz", net, r, coding=coding)
    net2, r2 = memory.load_compressed(path)
    for W, W2 in zip(net.weights, net2.weights):
        assert W2.dtype == W.dtype and torch.equal(W, W2)
    assert [a.thresholds for a in net2.acts] == [a.thresholds for a in net.acts]
    assert [a.values for a in net2.acts] == [a.values for a in net.acts]
    assert net2.centers == net.centers and np.array_equal(net2.tau, net.tau)
    assert (net2.weight_law, net2.sparsity, net2.seed) == (net.weight_law, net.sparsity, net.seed)
    F, F2 = networks.features(net, X), networks.features(net2, X)
    np.testing.assert_array_equal(F, F2)
    np.testing.assert_array_equal(readout.scores(r, F), readout.scores(r2, F2))
    assert r2.kind == r.kind and r2.penalty == r.penalty


def test_relu_net_with_ternary_weights_saves_its_named_activation(tmp_path):
    net = networks.ternary_net(30, (40,), [A.get("lrelu", slope=0.2)], sparsity=0.5, seed=1)
    net2, r2 = memory.load_compressed(memory.save_compressed(tmp_path / "n.npz", net))
    assert r2 is None and net2.acts[0].name == "lrelu" and net2.acts[0].params == {"slope": 0.2}
    X = np.random.default_rng(0).standard_normal((30, 7)) / math.sqrt(30)   # tau_0 near 1, as the net expects
    np.testing.assert_array_equal(networks.features(net, X), networks.features(net2, X))


def test_a_custom_activation_with_a_built_in_name_is_not_saved_as_the_built_in(tmp_path):
    # max(-t, 0) has ReLU's mean and variance, so loading it as "relu" would pass every check on load
    mirrored = A.custom(lambda t: np.maximum(-t, 0.0), name="relu")
    net = networks.ternary_net(30, (40,), [mirrored], sparsity=0.5, seed=1)
    with pytest.raises(ValueError, match=r"layer 1: activation 'relu' is not the named activation 'relu' "
                                         r"\(its values differ on \[-10, 10\]\)"):
        memory.save_compressed(tmp_path / "m.npz", net)
    # the same function under its own name is refused as before; the built-in itself still saves
    other = networks.ternary_net(30, (40,), [A.custom(lambda t: np.maximum(-t, 0.0), name="mirror")],
                                 sparsity=0.5, seed=1)
    with pytest.raises(ValueError, match="can be saved only if it is a step activation or a named one"):
        memory.save_compressed(tmp_path / "o.npz", other)
    same = networks.ternary_net(30, (40,), [A.custom(lambda t: np.maximum(t, 0.0), name="relu")],
                                sparsity=0.5, seed=1)
    net2, _ = memory.load_compressed(memory.save_compressed(tmp_path / "s.npz", same))
    X = np.random.default_rng(0).standard_normal((30, 7)) / math.sqrt(30)
    np.testing.assert_array_equal(networks.features(same, X), networks.features(net2, X))


def test_file_is_near_the_entropy_and_far_below_the_dense_state_dict(tmp_path):
    p, widths, eps = 784, (400, 400), 0.9
    net = networks.ternary_net(p, widths, ["relu", "relu"], sparsity=eps, seed=0)
    path = memory.save_compressed(tmp_path / "c.npz", net)
    bound = memory.ternary_entropy_bits(p, widths, eps)
    assert bound < memory.file_bits(path) < 1.05 * bound + 8 * 4096      # 4 kB for the npz headers
    dense = networks.dense_net(p, widths, ["relu", "relu"], seed=0)
    dense_bits = memory.file_bits(memory.save_dense(tmp_path / "d.pt", dense))
    assert dense_bits >= memory.dense_bits(p, widths)
    # the same archive in memory; only its internal folder name (taken from the file name) differs
    assert memory.state_dict_bits(dense) == pytest.approx(dense_bits, rel=1e-3)
    assert dense_bits / memory.file_bits(path) > 30


def test_net_bits_follow_the_weight_law():
    dense = networks.dense_net(50, (40,), ["relu"], seed=0)
    assert memory.net_bits(dense) == 32 * 2000
    tern = networks.ternary_net(50, (40,), ["relu"], sparsity=0.9, seed=0)
    assert memory.net_bits(tern) == pytest.approx(memory.ternary_entropy_bits(50, (40,), 0.9))
    assert memory.net_bits(tern, "packed") == 4000
    # pruned nets: positions by the mask's entropy, or ("packed") as a simple file stores them
    for pruned in (baselines.magnitude_pruned(dense, 0.9), baselines.random_pruned(dense, 0.9, seed=1)):
        assert memory.net_bits(pruned) == pytest.approx(memory.pruned_bits(50, (40,), 0.9), rel=1e-12)
        assert memory.net_bits(pruned, "packed") == pytest.approx(memory.pruned_bits(50, (40,), 0.9, "file"),
                                                                  rel=1e-12)
    assert memory.pruned_bits(50, (40,), 0.9, "file") != memory.pruned_bits(50, (40,), 0.9)


def test_non_ternary_nets_and_bad_arguments_raise(tmp_path):
    dense = networks.dense_net(20, (10,), ["relu"], seed=0)
    with pytest.raises(ValueError, match="not ternary"):
        memory.save_compressed(tmp_path / "x.npz", dense)
    tern = networks.ternary_net(20, (10,), ["relu"], seed=0)
    with pytest.raises(ValueError, match="coding"):
        memory.save_compressed(tmp_path / "x.npz", tern, coding="zip")
    with pytest.raises(ValueError, match="sparsity"):
        memory.ternary_entropy_per_weight(1.0)
    with pytest.raises(ValueError, match="widths"):
        memory.n_weights(10, ())
    bad = readout.Readout(weight=np.zeros((11, 2), np.float32), bias=np.zeros(2, np.float32),
                          mean=np.zeros(11, np.float32), scale=1.0, kind="ridge", penalty=1.0)
    with pytest.raises(ValueError, match="readout"):
        memory.save_compressed(tmp_path / "x.npz", tern, bad)
    # a file argument that is not a path is named, not a TypeError from pathlib
    for call in (lambda: memory.save_compressed(7, tern), lambda: memory.load_compressed(7),
                 lambda: memory.save_dense(7, dense), lambda: memory.file_bits(7)):
        with pytest.raises(ValueError, match=r"path must be a path \(a string or os.PathLike\), got 7"):
            call()


@pytest.mark.parametrize("codes", [[2, 3, -2, 5], [0, 1, 257], [0.5, 1], ["1", "0"]])
def test_pack2_and_rice_encode_reject_values_that_are_not_ternary_digits(codes):
    with pytest.raises(ValueError, match="codes must hold ternary digits -1, 0, 1"):
        memory.pack2(np.array(codes))
    # the sign-only stream would have stored 3 as 1, and an int8 cast 257 as 1
    with pytest.raises(ValueError, match="codes must hold ternary digits -1, 0, 1"):
        memory.rice_encode(np.array(codes))


def test_decoders_reject_a_size_that_does_not_fit_the_data():
    codes = np.array([1, 0, -1, 0, 0, 1, 0], dtype=np.int8)
    packed = memory.pack2(codes)                              # 2 bytes: room for 8 codes
    np.testing.assert_array_equal(memory.unpack2(packed, 8)[:7], codes)
    with pytest.raises(ValueError, match="size = 9 is larger than packed holds"):
        memory.unpack2(packed, 9)
    with pytest.raises(ValueError, match="size must be an integer >= 0"):
        memory.unpack2(packed, -1)
    with pytest.raises(ValueError, match="packed is corrupt"):
        memory.unpack2(np.array([0b11], dtype=np.uint8), 1)
    enc = memory.rice_encode(codes)
    args = [enc[k] for k in ("unary", "rem", "signs", "k", "n_nonzero", "unary_bits")]
    np.testing.assert_array_equal(memory.rice_decode(*args, 9), np.concatenate([codes, [0, 0]]))
    with pytest.raises(ValueError, match="size = 5 is too small .* at least 6"):
        memory.rice_decode(*args, 5)
    with pytest.raises(ValueError, match="size must be an integer >= 0"):
        memory.rice_decode(*args, 6.0)
    # a negative k or count failed inside numpy ("cannot reshape array of size 0")
    for i, name in ((3, "k"), (4, "n_nonzero"), (5, "unary_bits")):
        bad = list(args)
        bad[i] = -1
        with pytest.raises(ValueError, match=f"{name} must be an integer >= 0, got -1"):
            memory.rice_decode(*bad, 9)


def test_readout_bits_count_an_equivalent_float32_readout():
    """readout_bits(d, K) is the size of the float32 arrays of a readout that scores like a fitted one:
    the standardization folds into the weight (W / scale) and the bias (b - mean^T W / scale)."""
    rng = np.random.default_rng(5)
    d, n, K = 17, 120, 4
    y = np.arange(n) % K
    F = rng.standard_normal((d, K))[:, y] * 2 + rng.standard_normal((d, n)) + 0.5
    r = readout.ridge_fit(F, y, 1e-2)
    W = (r.weight.astype(np.float64) / r.scale).astype(np.float32)
    b = (r.bias - r.mean.astype(np.float64) @ r.weight.astype(np.float64) / r.scale).astype(np.float32)
    np.testing.assert_allclose(F.T @ W.astype(np.float64) + b, readout.scores(r, F), rtol=1e-5, atol=1e-5)
    assert W.shape == (d, K) and b.shape == (K,)
    assert memory.readout_bits(d, K) == 8 * (W.nbytes + b.nbytes) == 32 * (17 * 4 + 4)
    for bad, msg in (((0, 3), r"d_L must be a positive integer \(>= 1\), got 0"),
                     ((5, 0), r"n_classes must be a positive integer \(>= 1\), got 0"),
                     ((2.5, 3), r"d_L must be a positive integer \(>= 1\), got 2.5")):
        with pytest.raises(ValueError, match=msg):
            memory.readout_bits(*bad)


def test_loading_a_file_save_compressed_did_not_write_says_so(tmp_path):
    """Each foreign file used to fail with numpy's or zipfile's own message ("contains pickled (object) data",
    EOFError, BadZipFile, KeyError 'meta is not a file in the archive'), which does not say the file is the
    problem."""
    cases = {"garbage.npz": b"not an archive", "empty.npz": b""}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    np.savez(tmp_path / "other.npz", a=np.ones(3))
    whole = (tmp_path / "other.npz").read_bytes()
    (tmp_path / "truncated.npz").write_bytes(whole[:len(whole) // 2])        # zipfile.BadZipFile before
    np.save(tmp_path / "array.npy", np.ones(3))
    np.savez(tmp_path / "badmeta.npz", meta=np.frombuffer(b"{not json", dtype=np.uint8))
    np.savez(tmp_path / "foreign.npz", meta=np.frombuffer(b'{"format": "x", "version": 1}', dtype=np.uint8))
    expected = {"garbage.npz": "numpy cannot read it as an .npz archive", "empty.npz": "numpy cannot read it",
                "truncated.npz": "numpy cannot read it as an .npz archive",
                "other.npz": r"it has no 'meta' entry \(entries: \['a'\]\)", "array.npy": r"a single array \(.npy\)",
                "badmeta.npz": "its 'meta' entry is not the JSON record", "foreign.npz": "of version 1"}
    for name, what in expected.items():
        with pytest.raises(ValueError, match=rf"{name} is not a ntklc-compressed-net file.*{what}"):
            memory.load_compressed(tmp_path / name)
    # what the operating system refuses is not a format problem: its own error passes through
    with pytest.raises(FileNotFoundError):
        memory.load_compressed(tmp_path / "missing.npz")
    with pytest.raises(OSError):                                 # a directory (IsADirectoryError on Linux)
        memory.load_compressed(tmp_path)


def test_a_damaged_compressed_file_says_so(tmp_path):
    """Right format and version, but a meta record or an entry missing: a KeyError from deep inside before."""
    net = networks.ternary_net(30, (20,), ["relu"], sparsity=0.5, seed=1)
    good = memory.save_compressed(tmp_path / "good.npz", net)
    with np.load(good) as z:
        entries = {k: z[k] for k in z.files}
    meta = json.loads(bytes(entries["meta"]).decode())
    no_layers = {k: v for k, v in meta.items() if k != "layers"}
    np.savez(tmp_path / "nolayers.npz", **{**entries, "meta": np.frombuffer(json.dumps(no_layers).encode(), np.uint8)})
    np.savez(tmp_path / "noscale.npz", **{k: v for k, v in entries.items() if k != "w0_scale"})
    for name, what in (("nolayers.npz", "KeyError: 'layers'"), ("noscale.npz", "w0_scale")):
        with pytest.raises(ValueError, match=rf"{name} is a damaged ntklc-compressed-net file: a missing or "
                                             rf"malformed entry \(.*{what}"):
            memory.load_compressed(tmp_path / name)
    memory.load_compressed(good)                                 # the intact file still loads


def test_state_dict_bits_is_the_size_of_a_file_named_archive(tmp_path):
    """torch.save names its archive's records after the file's stem ("archive" in memory): the in-memory
    size is a file's size only for that name, and off by a few hundred bytes for others, as documented."""
    for net in (networks.ternary_net(20, (5,), ["relu"], sparsity=0.5),
                networks.dense_net(30, (20, 10, 5), ["relu"] * 3)):
        bits = memory.state_dict_bits(net)
        assert memory.file_bits(memory.save_dense(tmp_path / "archive.pt", net)) == bits
        for stem in ("x", "net", "a_file_name_of_forty_seven_characters_123456789"):
            other = memory.file_bits(memory.save_dense(tmp_path / f"{stem}.pt", net))
            assert other != bits and abs(other - bits) <= 8 * 1000


def test_dense_state_dict_holds_all_its_predictions_need(tmp_path):
    """The reference file held the hidden and readout weights but not the centring constants or the
    readout's standardization (mean, scale), which the compressed file stores: it was not a whole model.
    Rebuilt from the file alone (activations by name), the net and readout give the same predictions;
    without the stored mean they do not, so the entry is needed."""
    import dataclasses
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 200)) / math.sqrt(30)
    y = (X[0] > 0).astype(np.int64) + (X[1] > 0)
    net = networks.dense_net(30, (40, 20), ["relu", "tanh"], seed=0)
    r = readout.ridge_fit(networks.features(net, X), y, 1e-2)
    state = torch.load(memory.save_dense(tmp_path / "d.pt", net, r))
    L = len(net.widths)
    rebuilt = networks.RandomFeatureNet(
        tuple(state[f"layer{l}.weight"] for l in range(L)), ("relu", "tanh"),
        tuple(state["centers"].tolist()), state["tau"].numpy(), "gaussian")
    r_file = dataclasses.replace(
        r, weight=state["readout.weight"].numpy(), bias=state["readout.bias"].numpy(),
        mean=state["readout.mean"].numpy(), scale=float(state["readout.scale"][0]))
    want = readout.predict(r, networks.features(net, X))
    F = networks.features(rebuilt, X)
    np.testing.assert_array_equal(readout.predict(r_file, F), want)
    assert not np.array_equal(readout.predict(dataclasses.replace(r_file, mean=0 * r_file.mean), F), want)
