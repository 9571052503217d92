"""``bibun.save`` / ``bibun.load``: tensors, state dicts and nested containers of them in a file format that
never executes code on load.

The format (described in ``docs/serialization.md``) is one file::

    magic b"BIBUNSV1" | u32 version | u64 header length | u32 CRC-32 of header | JSON header | data

The JSON header describes the object tree (containers, numbers, strings, dtypes, sizes and references to
tensors), the tensors (storage index, dtype, shape, strides, storage offset, requires_grad, Parameter) and
the storages (byte offset and length inside the data section, CRC-32). Loading only ever builds the
object kinds listed in the format; anything else, and any failed check, raises :class:`SerializationError`.
"""

from __future__ import annotations

import collections
import ctypes
import io
import json
import os
import struct
import sys
import zlib
from typing import Any, BinaryIO

import numpy as np

from bibun import _C
from bibun._size import Size

__all__ = ["SerializationError", "load", "save"]

MAGIC = b"BIBUNSV1"
VERSION = 1
_PREFIX = struct.Struct("<8sIQI")  # magic, version, header length, header CRC-32
_MAX_DIMS = 64
_MAX_DEPTH = 200
_MAX_INDEX = 2**62

_DTYPES = {
    "bool": (_C.bool, np.dtype("bool")),
    "int32": (_C.int32, np.dtype("<i4")),
    "int64": (_C.int64, np.dtype("<i8")),
    "float32": (_C.float32, np.dtype("<f4")),
    "float64": (_C.float64, np.dtype("<f8")),
}

FileLike = str | os.PathLike | BinaryIO


class SerializationError(RuntimeError):
    """A file that ``bibun.load`` cannot read: not a bibun file, truncated, corrupted or malformed."""


# --- save ----------------------------------------------------------------------------------------


class _Storage:
    """A run of bytes that one or more saved tensors point into: [lo, hi) relative to the buffer base."""

    def __init__(self, base: int, dtype_name: str, itemsize: int) -> None:
        self.base, self.dtype_name, self.itemsize = base, dtype_name, itemsize
        self.lo: int | None = None
        self.hi = 0

    def cover(self, first: int, end: int) -> None:
        self.lo = first if self.lo is None else min(self.lo, first)
        self.hi = max(self.hi, end)


def _extent(t: _C.Tensor) -> tuple[int, int]:
    """The element range [first, end) of ``t`` inside its storage (strides are non-negative)."""
    first = t.storage_offset()
    last = first + sum((n - 1) * s for n, s in zip(t.shape, t.stride()))
    return first, last + 1


class _Saver:
    def __init__(self) -> None:
        self.tensors: list[dict] = []
        self.tensor_objs: list[_C.Tensor] = []
        self.tensor_index: dict[int, int] = {}
        self.storages: dict[tuple, _Storage] = {}

    def encode(self, obj: Any, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise ValueError("bibun.save: object nesting is too deep")
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj if type(obj) is int else int(obj)
        if isinstance(obj, float):
            return {"$": "float", "v": repr(float(obj))}
        if isinstance(obj, _C.Tensor):
            return {"$": "tensor", "i": self.add_tensor(obj)}
        if isinstance(obj, _C.dtype):
            return {"$": "dtype", "v": obj._name}
        if isinstance(obj, Size):
            return {"$": "size", "v": [int(d) for d in obj]}
        if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
            kind = "list" if isinstance(obj, list) else "tuple"
            return {"$": kind, "v": [self.encode(x, depth + 1) for x in obj]}
        if isinstance(obj, dict):
            kind = "odict" if isinstance(obj, collections.OrderedDict) else "dict"
            items = [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in obj.items()]
            return {"$": kind, "v": items}
        raise TypeError(
            f"bibun.save: cannot save an object of type {type(obj).__name__}; supported are tensors, "
            "Parameters, dicts, OrderedDicts, lists, tuples, None, bool, int, float, str, dtypes and Size"
        )

    def add_tensor(self, t: _C.Tensor) -> int:
        if id(t) in self.tensor_index:
            return self.tensor_index[id(t)]
        name = t.dtype._name
        if name not in _DTYPES:
            raise TypeError(f"bibun.save: tensors of dtype {t.dtype} cannot be saved yet")
        itemsize = t.element_size()
        if t.numel() == 0:
            key: tuple = ("empty", len(self.storages))
            first = end = 0
            base = 0
        else:
            first, end = _extent(t)
            base = t.data_ptr() - t.storage_offset() * itemsize
            key = (base, name)
        storage = self.storages.get(key)
        if storage is None:
            storage = self.storages[key] = _Storage(base, name, itemsize)
        storage.cover(first, end)
        from bibun.nn.parameter import Parameter

        record = {
            "storage": key,
            "dtype": name,
            "shape": [int(n) for n in t.shape],
            "stride": [int(s) for s in t.stride()],
            "offset": first if t.numel() == 0 else t.storage_offset(),
            "requires_grad": bool(t.requires_grad),
            "parameter": isinstance(t, Parameter),
        }
        self.tensor_index[id(t)] = len(self.tensors)
        self.tensors.append(record)
        self.tensor_objs.append(t)  # keeps the memory alive until the bytes are copied
        return len(self.tensors) - 1

    def write(self, root: Any) -> bytes:
        tree = self.encode(root)
        keys = list(self.storages)
        data = io.BytesIO()
        storage_records = []
        for key in keys:
            st = self.storages[key]
            lo = st.lo or 0
            nbytes = (st.hi - lo) * st.itemsize
            raw = ctypes.string_at(st.base + lo * st.itemsize, nbytes) if nbytes else b""
            if sys.byteorder != "little" and st.itemsize > 1:
                raw = np.frombuffer(raw, _DTYPES[st.dtype_name][1].newbyteorder("=")).byteswap().tobytes()
            storage_records.append(
                {"dtype": st.dtype_name, "offset": data.tell(), "nbytes": nbytes, "crc32": zlib.crc32(raw)}
            )
            data.write(raw)
        index_of = {key: i for i, key in enumerate(keys)}
        for rec in self.tensors:
            key = rec["storage"]
            rec["storage"] = index_of[key]
            rec["offset"] -= self.storages[key].lo or 0
        payload = data.getvalue()
        header = {
            "format": "bibun",
            "root": tree,
            "tensors": self.tensors,
            "storages": storage_records,
            "data_nbytes": len(payload),
        }
        hbytes = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("ascii")
        return _PREFIX.pack(MAGIC, VERSION, len(hbytes), zlib.crc32(hbytes)) + hbytes + payload


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 2, **kwargs: Any) -> None:
    """Saves ``obj`` to ``f`` (a path or a writable binary file object).

    ``obj`` may be a tensor, a Parameter, a dtype, a ``bibun.Size``, ``None``, a bool, int, float or str,
    or dicts, OrderedDicts, lists and tuples of these (a module's ``state_dict()``, an optimizer's
    ``state_dict()``). Tensors that share memory are written once and share it again after ``load``; the
    same tensor object saved twice loads as one object. ``pickle_module``/``pickle_protocol`` are accepted
    for PyTorch compatibility and ignored: bibun never pickles.
    """
    blob = _Saver().write(obj)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(blob)
    else:
        f.write(blob)


# --- load ----------------------------------------------------------------------------------------


def _fail(msg: str) -> SerializationError:
    return SerializationError(f"bibun.load: {msg}")


def _int(value: Any, what: str, lo: int = 0, hi: int = _MAX_INDEX) -> int:
    if type(value) is not int or not lo <= value <= hi:
        raise _fail(f"invalid {what} {value!r} in header")
    return value


def _check_keys(rec: Any, keys: set, what: str) -> dict:
    if not isinstance(rec, dict) or set(rec) != keys:
        raise _fail(f"malformed {what} record in header")
    return rec


class _Loader:
    def __init__(self, blob: bytes) -> None:
        if len(blob) < _PREFIX.size:
            raise _fail("file is too short to be a bibun file (truncated?)")
        magic, version, hlen, hcrc = _PREFIX.unpack_from(blob, 0)
        if magic != MAGIC:
            raise _fail("not a bibun file (bad magic number); files written by torch.save cannot be read")
        if version != VERSION:
            raise _fail(f"unsupported format version {version} (this bibun reads version {VERSION})")
        if hlen > len(blob) - _PREFIX.size:
            raise _fail("header length runs past the end of the file (truncated or corrupted)")
        hbytes = blob[_PREFIX.size : _PREFIX.size + hlen]
        if zlib.crc32(hbytes) != hcrc:
            raise _fail("header checksum mismatch (corrupted file)")
        try:
            header = json.loads(hbytes.decode("ascii"), parse_constant=self._reject_constant)
        except (ValueError, RecursionError) as e:
            raise _fail(f"header is not valid JSON ({type(e).__name__})") from None
        header = _check_keys(header, {"format", "root", "tensors", "storages", "data_nbytes"}, "file")
        if header["format"] != "bibun":
            raise _fail("header does not describe a bibun file")
        self.data = memoryview(blob)[_PREFIX.size + hlen :]
        if _int(header["data_nbytes"], "data size") != len(self.data):
            raise _fail(
                f"data section has {len(self.data)} bytes, header says {header['data_nbytes']} (truncated?)"
            )
        if not isinstance(header["storages"], list) or not isinstance(header["tensors"], list):
            raise _fail("malformed header")
        self.storages = [self._storage(rec) for rec in header["storages"]]
        self.tensor_recs = header["tensors"]
        self.tensors: dict[int, _C.Tensor] = {}
        self.root = header["root"]

    @staticmethod
    def _reject_constant(name: str) -> None:
        raise ValueError(f"{name} is not allowed in the header")

    def _storage(self, rec: Any) -> np.ndarray:
        rec = _check_keys(rec, {"dtype", "offset", "nbytes", "crc32"}, "storage")
        if not isinstance(rec["dtype"], str) or rec["dtype"] not in _DTYPES:
            raise _fail(f"unknown dtype {rec['dtype']!r} in header")
        np_dtype = _DTYPES[rec["dtype"]][1]
        offset = _int(rec["offset"], "storage offset", hi=len(self.data))
        nbytes = _int(rec["nbytes"], "storage size", hi=len(self.data) - offset)
        if nbytes % np_dtype.itemsize:
            raise _fail("storage size is not a whole number of elements")
        raw = self.data[offset : offset + nbytes]
        if zlib.crc32(raw) != _int(rec["crc32"], "checksum", hi=2**32 - 1):
            raise _fail("tensor data checksum mismatch (corrupted file)")
        arr = np.empty(nbytes, np.uint8)
        arr[:] = np.frombuffer(raw, np.uint8)
        arr = arr.view(np_dtype)
        if rec["dtype"] == "bool" and arr.view(np.uint8).max(initial=0) > 1:
            raise _fail("bool tensor data holds values other than 0 and 1")
        return arr if np_dtype.isnative else arr.byteswap().view(np_dtype.newbyteorder("="))

    def tensor(self, index: Any) -> _C.Tensor:
        index = _int(index, "tensor index", hi=len(self.tensor_recs) - 1)
        if index in self.tensors:
            return self.tensors[index]
        rec = _check_keys(
            self.tensor_recs[index],
            {"storage", "dtype", "shape", "stride", "offset", "requires_grad", "parameter"},
            "tensor",
        )
        storage = self.storages[_int(rec["storage"], "storage index", hi=len(self.storages) - 1)]
        if not isinstance(rec["dtype"], str) or rec["dtype"] not in _DTYPES:
            raise _fail(f"unknown dtype {rec['dtype']!r} in header")
        if _DTYPES[rec["dtype"]][1].newbyteorder("=") != storage.dtype:
            raise _fail("tensor dtype differs from its storage's dtype")
        shape, stride = rec["shape"], rec["stride"]
        if not isinstance(shape, list) or not isinstance(stride, list) or len(shape) != len(stride):
            raise _fail("tensor shape and stride must be lists of equal length")
        if len(shape) > _MAX_DIMS:
            raise _fail(f"tensor has more than {_MAX_DIMS} dimensions")
        shape = [_int(n, "size") for n in shape]
        stride = [_int(s, "stride") for s in stride]
        offset = _int(rec["offset"], "tensor storage offset", hi=storage.size)
        numel = 1
        for n in shape:
            numel *= n
        if numel > _MAX_INDEX:
            raise _fail("tensor has too many elements")
        if numel == 0:
            arr = np.empty(shape, storage.dtype)
        else:
            last = offset + sum((n - 1) * s for n, s in zip(shape, stride))
            if last >= storage.size:
                raise _fail("tensor reaches past the end of its storage")
            item = storage.itemsize
            arr = np.lib.stride_tricks.as_strided(
                storage[offset:], shape=shape, strides=[s * item for s in stride]
            )
        t = _C.from_numpy(arr)
        requires_grad, parameter = rec["requires_grad"], rec["parameter"]
        if not isinstance(requires_grad, bool) or not isinstance(parameter, bool):
            raise _fail("requires_grad and parameter must be booleans")
        if requires_grad and rec["dtype"] not in ("float32", "float64"):
            raise _fail("only floating point tensors can require gradients")
        if parameter:
            from bibun.nn.parameter import Parameter

            t = Parameter(t, requires_grad=requires_grad)
        elif requires_grad:
            t.requires_grad_(True)
        self.tensors[index] = t
        return t

    def decode(self, node: Any, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise _fail("object nesting is too deep")
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if not isinstance(node, dict) or set(node) != {"$", "v"} and set(node) != {"$", "i"}:
            raise _fail(f"unknown object of JSON type {type(node).__name__} in header")
        kind = node["$"]
        if kind == "tensor" and "i" in node:
            return self.tensor(node["i"])
        value = node.get("v")
        if kind == "float" and isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise _fail(f"invalid float {value!r}") from None
        if kind in ("list", "tuple") and isinstance(value, list):
            items = [self.decode(x, depth + 1) for x in value]
            return items if kind == "list" else tuple(items)
        if kind in ("dict", "odict") and isinstance(value, list):
            out: dict = {} if kind == "dict" else collections.OrderedDict()
            for pair in value:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise _fail("malformed dict item in header")
                key = self.decode(pair[0], depth + 1)
                try:
                    out[key] = self.decode(pair[1], depth + 1)
                except TypeError:
                    raise _fail(f"unhashable dict key of type {type(key).__name__}") from None
            return out
        if kind == "dtype" and isinstance(value, str) and value in _DTYPES:
            return _DTYPES[value][0]
        if kind == "size" and isinstance(value, list):
            return Size([_int(d, "Size element") for d in value])
        raise _fail(f"unknown object kind {kind!r} in header")


def load(
    f: FileLike,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = True,
    mmap: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Loads an object saved by :func:`bibun.save` from ``f`` (a path or a readable binary file object).

    The file format only describes data, so loading never runs code whatever ``weights_only`` says (the
    argument is accepted for PyTorch compatibility). ``map_location`` may be ``None`` or the CPU. A file
    that is not a bibun file, is truncated, corrupted (every byte is covered by a CRC-32) or malformed
    raises :class:`SerializationError` (a ``RuntimeError``).
    """
    if map_location is not None and str(map_location) != "cpu":
        raise RuntimeError(
            f"bibun.load: map_location={map_location!r} is not supported; bibun runs on the CPU"
        )
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            blob = fh.read()
    else:
        blob = f.read()
    if not isinstance(blob, (bytes, bytearray)):
        raise TypeError("bibun.load: the file object must be opened in binary mode")
    try:
        loader = _Loader(bytes(blob))
        return loader.decode(loader.root)
    except SerializationError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError, MemoryError) as e:
        # A safety net: every check above should have caught a bad file first.
        raise _fail(f"malformed file ({type(e).__name__}: {e})") from None
