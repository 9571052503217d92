"""bibun.save / bibun.load: round trips of tensors, views, Parameters and containers; corrupted, truncated
and malicious files raise SerializationError and never run code."""

from __future__ import annotations

import collections
import io
import json
import pathlib
import struct
import zlib

import bibun
import numpy as np
import pytest
from bibun import serialization
from bibun.serialization import SerializationError, load, save


def round_trip(obj):
    f = io.BytesIO()
    save(obj, f)
    f.seek(0)
    return load(f)


def saved_bytes(obj) -> bytes:
    f = io.BytesIO()
    save(obj, f)
    return f.getvalue()


def split(blob: bytes) -> tuple[dict, bytes]:
    """The JSON header and data section of a saved file."""
    _, _, hlen, _ = struct.unpack_from("<8sIQI", blob)
    start = struct.calcsize("<8sIQI")
    return json.loads(blob[start : start + hlen]), blob[start + hlen :]


def assemble(header: dict, data: bytes) -> bytes:
    """A well-formed file (valid checksums) around a possibly malicious header."""
    h = json.dumps(header).encode()
    return struct.pack("<8sIQI", b"BIBUNSV1", 1, len(h), zlib.crc32(h)) + h + data


def same(a, b) -> bool:
    """Equal dtype, shape and values."""
    return (
        a.dtype is b.dtype and a.shape == b.shape and np.array_equal(a.detach().numpy(), b.detach().numpy())
    )


def load_bytes(blob: bytes):
    return load(io.BytesIO(blob))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_tensor_round_trip_keeps_values_dtype_and_shape(dtype):
    arr = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    t = bibun.from_numpy(arr.copy())
    got = round_trip(t)
    assert got.dtype is getattr(bibun, dtype)
    assert got.shape == (2, 3, 4)
    np.testing.assert_array_equal(got.numpy(), arr)


def test_scalar_and_empty_tensors_round_trip():
    got = round_trip([bibun.tensor(3.5), bibun.zeros(0, 3), bibun.zeros(2, 0, dtype=bibun.int64)])
    assert got[0].shape == () and got[0].item() == 3.5
    assert got[1].shape == (0, 3) and got[1].dtype is bibun.float32
    assert got[2].shape == (2, 0) and got[2].dtype is bibun.int64


def test_path_and_pathlike_round_trip(tmp_path):
    t = bibun.randn(3, 2)
    save(t, str(tmp_path / "a.pt"))
    save(t, tmp_path / "b.pt")
    assert same(load(str(tmp_path / "a.pt")), t)
    assert same(load(pathlib.Path(tmp_path / "b.pt")), t)


def test_views_keep_strides_and_share_memory_with_their_base():
    base = bibun.arange(24.0).reshape(4, 6)
    views = {
        "base": base,
        "cols": base[1:, ::2],
        "t": base.t(),
        "row": base[2],
        "exp": base[0:1].expand(3, 6),
    }
    got = round_trip(views)
    for name, v in views.items():
        assert got[name].shape == v.shape, name
        assert got[name].stride() == v.stride(), name
        assert same(got[name], v), name
        assert got[name].data_ptr() - got["base"].data_ptr() == v.data_ptr() - base.data_ptr(), name
    got["base"].mul_(-1)
    assert same(got["cols"], -views["cols"])
    assert same(got["row"], -views["row"])


def test_shared_storage_is_written_once():
    base = bibun.zeros(1000, dtype=bibun.float64)
    one = len(saved_bytes([base]))
    both = len(saved_bytes([base, base[10:20], base[::2]]))
    assert both - one < 1000  # the views add header entries, not another 8000 bytes


def test_view_alone_saves_only_its_memory():
    base = bibun.zeros(1000, dtype=bibun.float64)
    assert len(saved_bytes(base[5:7])) < 1000


def test_same_tensor_object_loads_as_one_object():
    t = bibun.ones(3)
    got = round_trip({"a": t, "b": [t]})
    assert got["a"] is got["b"][0]


def test_requires_grad_is_kept_and_loaded_tensors_are_leaves():
    a = bibun.randn(3, requires_grad=True)
    b = a * 2  # not a leaf
    c = bibun.randn(3)
    got = round_trip([a, b, c])
    assert got[0].requires_grad and got[0].is_leaf
    assert got[1].requires_grad and got[1].is_leaf and got[1].grad_fn is None
    assert not got[2].requires_grad
    got[1].sum().backward()
    assert same(got[1].grad, bibun.ones(3))


def test_parameters_load_as_parameters():
    p = bibun.nn.Parameter(bibun.randn(2, 3))
    frozen = bibun.nn.Parameter(bibun.randn(2), requires_grad=False)
    got = round_trip({"p": p, "frozen": frozen})
    assert type(got["p"]) is bibun.nn.Parameter and got["p"].requires_grad
    assert type(got["frozen"]) is bibun.nn.Parameter and not got["frozen"].requires_grad
    assert same(got["p"], p) and same(got["frozen"], frozen)


def test_nested_containers_and_plain_values_round_trip():
    obj = {
        "ints": [0, -1, 2**70],
        "floats": (0.1, -2.5e300, float("inf"), float("-inf")),
        "text": "naïve ✓",
        "flags": [True, False, None],
        1: "int key",
        (1, "a"): "tuple key",
        "dtypes": [bibun.float32, bibun.float64, bibun.int64, bibun.int32, bibun.bool],
        "size": bibun.Size([2, 3]),
        "nested": {"deep": [[{"t": bibun.arange(3)}]]},
        "od": collections.OrderedDict([("z", 1), ("a", 2)]),
    }
    got = round_trip(obj)
    assert got["ints"] == obj["ints"] and type(got["ints"]) is list
    assert got["floats"] == obj["floats"] and type(got["floats"]) is tuple
    assert got["text"] == obj["text"] and got["flags"] == [True, False, None]
    assert got[1] == "int key" and got[(1, "a")] == "tuple key"
    assert all(a is b for a, b in zip(got["dtypes"], obj["dtypes"]))
    assert type(got["size"]) is bibun.Size and got["size"] == (2, 3)
    assert same(got["nested"]["deep"][0][0]["t"], bibun.arange(3))
    assert type(got["od"]) is collections.OrderedDict and list(got["od"]) == ["z", "a"]
    assert type(got["ints"][0]) is int and type(got["floats"][0]) is float and type(got["flags"][0]) is bool


def test_nan_float_round_trips():
    assert np.isnan(round_trip(float("nan")))


def test_unsupported_objects_are_rejected_on_save():
    with pytest.raises(TypeError, match="cannot save an object of type"):
        saved_bytes({"f": lambda: 0})
    with pytest.raises(TypeError, match="set"):
        saved_bytes({1, 2})


def test_state_dict_round_trip_reproduces_the_model():
    bibun.manual_seed(0)
    model = bibun.nn.Sequential(bibun.nn.Linear(4, 8), bibun.nn.Tanh(), bibun.nn.Linear(8, 2))
    sd = round_trip(model.state_dict())
    assert type(sd) is collections.OrderedDict and list(sd) == list(model.state_dict())
    bibun.manual_seed(1)
    other = bibun.nn.Sequential(bibun.nn.Linear(4, 8), bibun.nn.Tanh(), bibun.nn.Linear(8, 2))
    x = bibun.randn(5, 4)
    assert not same(other(x), model(x))
    other.load_state_dict(sd)
    assert same(other(x), model(x))


def test_torch_reads_back_the_same_values(torch):
    # The values a bibun checkpoint holds are the ones torch would compute from the same numbers.
    arr = np.random.RandomState(0).randn(3, 4)
    got = round_trip(bibun.from_numpy(arr.copy()))
    np.testing.assert_array_equal(torch.from_numpy(got.numpy()).numpy(), arr)


# --- damaged and malicious files ------------------------------------------------------------------


SMALL = {"w": bibun.arange(6.0).reshape(2, 3), "v": [1, 2.0, "x"], "b": bibun.tensor([True, False])}


def test_every_flipped_byte_raises_serialization_error():
    blob = saved_bytes({"w": SMALL["w"], "v": SMALL["v"], "view": SMALL["w"][:, 1]})
    assert same(load_bytes(blob)["w"], SMALL["w"])
    for i in range(len(blob)):
        for mask in (0x01, 0x80, 0xFF):
            bad = bytearray(blob)
            bad[i] ^= mask
            with pytest.raises(SerializationError):
                load_bytes(bytes(bad))


def test_every_truncation_raises_serialization_error():
    blob = saved_bytes(SMALL)
    for n in range(len(blob)):
        with pytest.raises(SerializationError, match="bibun.load"):
            load_bytes(blob[:n])


def test_trailing_garbage_raises():
    with pytest.raises(SerializationError, match="data section"):
        load_bytes(saved_bytes(SMALL) + b"\0")


def test_serialization_error_is_a_runtime_error_with_a_message():
    with pytest.raises(RuntimeError, match="not a bibun file"):
        load_bytes(b"PK\x03\x04" + b"\0" * 40)


def _malicious_headers():
    header, data = split(saved_bytes(SMALL))
    tensor0 = header["tensors"][0]
    storage0 = header["storages"][0]

    def with_tensor(**changes):
        h = json.loads(json.dumps(header))
        h["tensors"][0] = {**tensor0, **changes}
        return h

    def with_storage(**changes):
        h = json.loads(json.dumps(header))
        h["storages"][0] = {**storage0, **changes}
        return h

    def with_root(root):
        h = json.loads(json.dumps(header))
        h["root"] = root
        return h

    return {
        "negative size": with_tensor(shape=[-1, 3]),
        "huge size": with_tensor(shape=[2**40, 3]),
        "size past int64": with_tensor(shape=[2**70]),
        "negative stride": with_tensor(stride=[-3, 1]),
        "stride past storage": with_tensor(stride=[3, 100]),
        "offset past storage": with_tensor(offset=5),
        "negative offset": with_tensor(offset=-1),
        "shape/stride mismatch": with_tensor(stride=[3]),
        "too many dims": with_tensor(shape=[1] * 100, stride=[1] * 100),
        "float size": with_tensor(shape=[2.0, 3]),
        "bool size": with_tensor(shape=[True, 3]),
        "unknown dtype": with_tensor(dtype="complex128"),
        "list dtype": with_tensor(dtype=["float32"]),
        "dtype differs from storage": with_tensor(dtype="int64"),
        "storage index out of range": with_tensor(storage=7),
        "int requires grad": {
            **header,
            "tensors": [tensor0, {**header["tensors"][1], "requires_grad": True}],
        },
        "extra tensor field": with_tensor(code="print(1)"),
        "storage past data": with_storage(nbytes=10**6),
        "storage negative offset": with_storage(offset=-8),
        "storage unknown dtype": with_storage(dtype="object"),
        "storage ragged size": with_storage(nbytes=storage0["nbytes"] - 1),
        "unknown object kind": with_root({"$": "pickle", "v": "cos\nsystem\n"}),
        "unknown class": with_root({"$": "object", "v": ["os", "system"]}),
        "tensor index out of range": with_root({"$": "tensor", "i": 99}),
        "raw json object": with_root({"a": 1}),
        "raw json float": with_root(1.5),
        "unhashable key": with_root({"$": "dict", "v": [[{"$": "list", "v": []}, 1]]}),
        "bad float": with_root({"$": "float", "v": "__import__('os')"}),
        "bad dtype name": with_root({"$": "dtype", "v": "os"}),
        "deep tagged nesting": with_root(json.loads('{"$":"list","v":[' * 300 + "]}" * 300)),
        "missing keys": {"format": "bibun"},
        "wrong format": {**header, "format": "torch"},
        "header is a list": [header],
        "bad data size": {**header, "data_nbytes": -1},
    }, data


@pytest.mark.parametrize("case", sorted(_malicious_headers()[0]))
def test_malicious_header_raises(case):
    headers, data = _malicious_headers()
    with pytest.raises(SerializationError):
        load_bytes(assemble(headers[case], data))


def test_wellformed_assembled_file_loads():
    # The malicious cases above differ from a valid file only in what they name.
    header, data = split(saved_bytes(SMALL))
    assert same(load_bytes(assemble(header, data))["w"], SMALL["w"])


def test_bool_storage_with_non_bool_bytes_raises():
    header, data = split(saved_bytes(bibun.tensor([True, False])))
    data = b"\x07\x00"
    header["storages"][0]["crc32"] = zlib.crc32(data)
    with pytest.raises(SerializationError, match="bool"):
        load_bytes(assemble(header, data))


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deeply_nested_json_raises(depth):
    header, data = split(saved_bytes(1))
    h = json.dumps(header).replace('"root": 1', '"root": ' + "[" * depth + "]" * depth).encode()
    blob = struct.pack("<8sIQI", b"BIBUNSV1", 1, len(h), zlib.crc32(h)) + h + data
    with pytest.raises(SerializationError):
        load_bytes(blob)


def test_nan_constants_in_header_are_rejected():
    header, data = split(saved_bytes(1))
    text = json.dumps(header).replace('"root": 1', '"root": NaN')
    h = text.encode()
    blob = struct.pack("<8sIQI", b"BIBUNSV1", 1, len(h), zlib.crc32(h)) + h + data
    with pytest.raises(SerializationError):
        load_bytes(blob)


def test_unsupported_version_raises():
    blob = bytearray(saved_bytes(1))
    blob[8:12] = struct.pack("<I", 2)
    with pytest.raises(SerializationError, match="version 2"):
        load_bytes(bytes(blob))


def test_loader_never_imports_pickle_or_evaluates_code():
    source = pathlib.Path(serialization.__file__).read_text()
    for forbidden in ("import pickle", "from pickle", "eval(", "exec(", "__import__", "importlib", "marshal"):
        assert forbidden not in source, forbidden


def test_malicious_file_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    header, data = split(saved_bytes(1))
    header["root"] = {"$": "call", "v": ["os.system", f"touch {marker}"]}
    with pytest.raises(SerializationError):
        load_bytes(assemble(header, data))
    assert not marker.exists()
