"""Coverage-guided fuzzing (atheris) of the entry points that parse untrusted input:

  0  bibun.load of raw bytes (every byte of a saved file mutated)
  1  bibun.load of a mutated JSON header with the CRCs fixed up, so mutations reach the checks
     behind the checksums (shapes, strides, offsets, dtypes, object kinds)
  2  bibun.tensor() from nested lists (ragged, mixed bool/int/float, huge ints, dtype=)
  3  numpy arrays with odd strides, dtypes and byte order through from_numpy / as_tensor / tensor
  4  indexing: t[index] and t[index] = value with ints, slices (any step), None, Ellipsis, bools,
     lists and tensors

    pip install atheris
    python fuzz/fuzz_load.py -atheris_runs=200000 [corpus_dir]

Any Python exception is an accepted outcome of bad input, except SystemError (an internal error
escaping as a C-API failure); a crash, an abort or a sanitizer report is a finding. Python code is
instrumented for coverage (atheris.instrument_imports); the C++ extension is not (gcc has no
libFuzzer), so its paths are reached through the Python-level coverage and the structured modes.
Run it against the ASan build (.ci/run stages one) to turn silent out-of-bounds reads into reports.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zlib

import atheris
import numpy as np

with atheris.instrument_imports():
    import bibun


def _seed_files() -> list[bytes]:
    objs = [
        bibun.arange(12.0).reshape(3, 4),
        {"w": bibun.ones(2, 3, dtype=bibun.float64).t(), "b": bibun.tensor([1, 2], dtype=bibun.int32), "n": 3},
        [bibun.tensor(True), bibun.zeros(0, 5), bibun.arange(10)[::3]],
        bibun.nn.Linear(3, 2).state_dict(),
    ]
    out = []
    for o in objs:
        buf = io.BytesIO()
        bibun.save(o, buf)
        out.append(buf.getvalue())
    return out


SEEDS = _seed_files()
PREFIX = struct.Struct("<8sIQI")


def _split(blob: bytes) -> tuple[bytes, bytes]:
    _, _, hlen, _ = PREFIX.unpack_from(blob, 0)
    return blob[PREFIX.size : PREFIX.size + hlen], blob[PREFIX.size + hlen :]


def _assemble(header: bytes, data: bytes) -> bytes:
    return PREFIX.pack(b"BIBUNSV1", 1, len(header), zlib.crc32(header)) + header + data


def _fix_storage_crcs(header: bytes, data: bytes) -> bytes:
    try:
        h = json.loads(header)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return header
    if not isinstance(h, dict) or not isinstance(h.get("storages"), list):
        return header
    for rec in h["storages"]:
        if isinstance(rec, dict) and isinstance(rec.get("offset"), int) and isinstance(rec.get("nbytes"), int):
            o, n = rec["offset"], rec["nbytes"]
            if 0 <= o <= len(data) and 0 <= n <= len(data) - o:
                rec["crc32"] = zlib.crc32(data[o : o + n])
    return json.dumps(h).encode()


def _touch(obj: object, depth: int = 0) -> None:
    """Reads every loaded tensor's values (an out-of-bounds view would read outside its storage)."""
    if depth > 50:
        return
    if isinstance(obj, bibun.Tensor):
        obj.tolist()
        if obj.numel():
            obj.sum()
    elif isinstance(obj, dict):
        for v in obj.values():
            _touch(v, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _touch(v, depth + 1)


def fuzz_load_raw(fdp: atheris.FuzzedDataProvider) -> None:
    seed = SEEDS[fdp.ConsumeIntInRange(0, len(SEEDS) - 1)]
    blob = bytearray(seed)
    for _ in range(fdp.ConsumeIntInRange(0, 8)):
        if not blob:
            break
        blob[fdp.ConsumeIntInRange(0, len(blob) - 1)] = fdp.ConsumeInt(1) & 0xFF
    if fdp.ConsumeBool():
        blob = blob[: fdp.ConsumeIntInRange(0, len(blob))]
    _touch(bibun.load(io.BytesIO(bytes(blob))))


def fuzz_load_header(fdp: atheris.FuzzedDataProvider) -> None:
    seed = SEEDS[fdp.ConsumeIntInRange(0, len(SEEDS) - 1)]
    header, data = _split(seed)
    text = header.decode()
    if fdp.ConsumeBool():
        text = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 2000))
    else:
        # splice fuzzed tokens into the real header (numbers, keys, brackets)
        for _ in range(fdp.ConsumeIntInRange(1, 6)):
            pos = fdp.ConsumeIntInRange(0, len(text))
            cut = fdp.ConsumeIntInRange(0, 12)
            piece = fdp.PickValueInList(
                ["-1", "0", "1", "2", "4611686018427387904", "9223372036854775807", "-9223372036854775808",
                 "1e308", "null", "true", "[]", "{}", '"float64"', '"bool"', '"int32"', '"tensor"', '"dict"',
                 '"list"', ",", "[", "]", "{", "}", str(fdp.ConsumeInt(8))]
            )
            text = text[:pos] + piece + text[pos + cut :]
    hbytes = _fix_storage_crcs(text.encode("utf-8", "surrogatepass"), data)
    _touch(bibun.load(io.BytesIO(_assemble(hbytes, data))))


def _nested(fdp: atheris.FuzzedDataProvider, depth: int) -> object:
    kind = fdp.ConsumeIntInRange(0, 9)
    if depth > 4 or kind < 4:
        return fdp.PickValueInList([
            fdp.ConsumeFloat(), fdp.ConsumeInt(9), fdp.ConsumeBool(), 0, 1.5, float("nan"), float("inf"),
            2**63, -(2**63) - 1, 2**64, True,
        ])
    if kind == 9:
        return fdp.PickValueInList([None, "x", b"y", object(), bibun.ones(2), np.float32(1.5), np.int64(3)])
    n = fdp.ConsumeIntInRange(0, 4)
    items = [_nested(fdp, depth + 1) for _ in range(n)]
    return tuple(items) if kind == 8 else items


def fuzz_tensor_from_lists(fdp: atheris.FuzzedDataProvider) -> None:
    data = _nested(fdp, 0)
    dtype = fdp.PickValueInList([None, bibun.float32, bibun.float64, bibun.int64, bibun.int32, bibun.bool])
    t = bibun.tensor(data, dtype=dtype)
    t.tolist()


NP_DTYPES = ["<f4", ">f4", "<f8", ">f8", "<i8", ">i8", "<i4", ">i4", "?", "<i2", "u1", "<u8", "<f2", "<c8", "O"]


def fuzz_numpy(fdp: atheris.FuzzedDataProvider) -> None:
    dt = np.dtype(fdp.PickValueInList(NP_DTYPES))
    shape = tuple(fdp.ConsumeIntInRange(0, 4) for _ in range(fdp.ConsumeIntInRange(0, 3)))
    base = np.zeros(int(np.prod([s * 3 + 1 for s in shape])) if shape else 1, dtype=dt)
    if dt.kind != "O":
        raw = fdp.ConsumeBytes(base.nbytes)
        base.view(np.uint8)[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    arr = base[: int(np.prod(shape))].reshape(shape) if shape else base[0:1].reshape(())
    op = fdp.ConsumeIntInRange(0, 4)
    if op == 1 and arr.ndim:
        arr = arr[tuple(slice(None, None, fdp.PickValueInList([1, -1, 2, -2])) for _ in range(arr.ndim))]
    elif op == 2 and arr.ndim >= 2:
        arr = arr.T
    elif op == 3 and shape:
        strides = tuple(fdp.ConsumeIntInRange(-3, 3) * dt.itemsize for _ in shape)
        arr = np.lib.stride_tricks.as_strided(base[len(base) // 2 :], shape=shape, strides=strides)
    elif op == 4:
        arr = np.frombuffer(bytes(arr.tobytes()), dtype=dt)  # read-only
    fn = fdp.PickValueInList([bibun.from_numpy, bibun.as_tensor, bibun.tensor])
    t = fn(arr)
    got = np.asarray(t.tolist())
    want = np.asarray(arr.tolist())
    if got.shape == want.shape and got.dtype.kind in "fb" and want.dtype.kind in "fb":
        assert np.array_equal(got.astype(float), want.astype(float), equal_nan=True), (arr, t)


def _index_item(fdp: atheris.FuzzedDataProvider) -> object:
    kind = fdp.ConsumeIntInRange(0, 9)
    if kind <= 2:
        return fdp.ConsumeIntInRange(-6, 6)
    if kind <= 5:
        opt = lambda: fdp.PickValueInList([None, fdp.ConsumeIntInRange(-7, 7), 2**63, -(2**63)])
        return slice(opt(), opt(), fdp.PickValueInList([None, 1, 2, 3, -1, 0, 2**62]))
    return fdp.PickValueInList([
        None, Ellipsis, True, False, [0, 1], [], [True, False], bibun.tensor([1, 0]), bibun.tensor(True),
        bibun.tensor([True, False, True]), 1.5, "a", (0,), bibun.tensor(2), np.int64(1),
    ])


def fuzz_indexing(fdp: atheris.FuzzedDataProvider) -> None:
    shape = tuple(fdp.ConsumeIntInRange(0, 4) for _ in range(fdp.ConsumeIntInRange(0, 4)))
    t = bibun.arange(float(np.prod(shape))).reshape(shape) if shape else bibun.tensor(1.0)
    if fdp.ConsumeBool() and t.dim() >= 2:
        t = t.transpose(0, 1)
    index = tuple(_index_item(fdp) for _ in range(fdp.ConsumeIntInRange(0, 5)))
    if fdp.ConsumeBool() and len(index) == 1:
        index = index[0]
    if fdp.ConsumeBool():
        r = t[index]
        r.tolist()
    else:
        t[index] = fdp.PickValueInList([0.5, 1, True, bibun.tensor(2.0), bibun.ones(2), bibun.ones(0)])
        t.tolist()


TARGETS = [fuzz_load_raw, fuzz_load_header, fuzz_tensor_from_lists, fuzz_numpy, fuzz_indexing]


def TestOneInput(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    target = TARGETS[fdp.ConsumeIntInRange(0, len(TARGETS) - 1)]
    try:
        target(fdp)
    except SystemError:
        raise
    except AssertionError:
        raise
    except Exception:  # noqa: BLE001, S110 - bad input may raise any Python error
        pass


def main() -> None:
    for f in [*TARGETS, _nested, _index_item, _touch, _fix_storage_crcs, TestOneInput]:
        atheris.instrument_func(f)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
