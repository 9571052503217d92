"""Tensor creation functions: tensor, zeros, ones, empty, full, eye, randn and the *_like forms."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from bibun import _C
from bibun._device import _check_device

_Tensor = _C.Tensor


def _sizes(size: tuple) -> tuple:
    """Sizes given as varargs (``zeros(2, 3)``) or as one sequence (``zeros((2, 3))``)."""
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        return tuple(size[0])
    return size


def _numpy_dtype_to_bibun(arr: np.ndarray, from_python: bool):
    kind = arr.dtype.kind
    if kind == "b":
        return _C.bool
    if kind in "iu":
        return _C.int64 if from_python or arr.dtype.itemsize == 8 else _C.int32
    if kind == "f":
        return _C.get_default_dtype() if from_python else (_C.float64 if arr.dtype.itemsize == 8 else _C.float32)
    raise TypeError(f"new(): invalid data type '{type(arr.flat[0]).__name__}'" if arr.size else "new(): invalid data type")


def _check_nested(data: Any, dim: int = 0) -> Optional[tuple]:
    """Shape of nested sequences; ValueError with PyTorch's text when ragged."""
    if isinstance(data, _Tensor):
        return tuple(data.shape)
    if isinstance(data, np.ndarray):
        return data.shape
    if not isinstance(data, (list, tuple)):
        if isinstance(data, str):
            raise TypeError("new(): invalid data type 'str'")
        return ()
    if len(data) == 0:
        return (0,)
    first = _check_nested(data[0], dim + 1)
    for item in data[1:]:
        shape = _check_nested(item, dim + 1)
        if shape != first:
            got = shape[0] if shape else None
            if got is None or not first:
                raise ValueError(f"expected sequence of length {first[0] if first else 0} at dim {dim + 1} (got {got})")
            raise ValueError(f"expected sequence of length {first[0]} at dim {dim + 1} (got {got})")
    return (len(data),) + first


def _to_array(data: Any) -> tuple[np.ndarray, bool]:
    if isinstance(data, _Tensor):
        return np.asarray(data.detach()), False
    if isinstance(data, np.ndarray):
        return data, False
    if isinstance(data, np.generic):
        return np.asarray(data), False
    _check_nested(data)
    if isinstance(data, (list, tuple)):
        data = [np.asarray(d.detach()) if isinstance(d, _Tensor) else d for d in data] if any(
            isinstance(d, _Tensor) for d in data
        ) else data
    arr = np.asarray(data)
    if arr.dtype == object:
        bad = next((type(x).__name__ for x in np.ravel(arr) if not isinstance(x, (bool, int, float))), "object")
        raise TypeError(f"new(): invalid data type '{bad}'")
    if arr.dtype.kind in "iu" and arr.dtype.itemsize == 8 and arr.dtype.kind == "u":
        raise RuntimeError("Overflow when unpacking long")
    return arr, True


def tensor(data: Any, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> _Tensor:
    """Constructs a tensor with no autograd history by copying ``data``."""
    _check_device(device)
    arr, from_python = _to_array(data)
    if dtype is None:
        dtype = _numpy_dtype_to_bibun(arr, from_python)
    if arr.dtype.kind == "f" and dtype is not None and not dtype.is_floating_point and from_python:
        arr = arr.astype(np.float64)
    if arr.dtype.kind in "iu" and arr.dtype.itemsize != 8 and arr.dtype.itemsize != 4:
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "f" and arr.dtype.itemsize not in (4, 8):
        arr = arr.astype(np.float32)
    return _C._tensor_from_array(arr, dtype, requires_grad)


def as_tensor(data: Any, dtype=None, device=None) -> _Tensor:
    """Converts ``data`` to a tensor (the same tensor when it already is one of that dtype)."""
    if isinstance(data, _Tensor) and (dtype is None or data.dtype is dtype):
        return data
    return tensor(data, dtype=dtype, device=device)


def _factory(name: str):
    c_fn = getattr(_C, name)

    def create(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False):
        _check_device(device)
        result = c_fn(_sizes(size), dtype, requires_grad)
        if out is not None:
            return out._assign_out(result)
        return result

    create.__name__ = name
    create.__qualname__ = name
    create.__doc__ = f"Returns a tensor of the given size filled as ``{name}`` does in PyTorch."
    return create


zeros = _factory("zeros")
ones = _factory("ones")
empty = _factory("empty")
randn = _factory("randn")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> _Tensor:
    """Returns a tensor of ``size`` filled with ``fill_value``."""
    _check_device(device)
    if isinstance(fill_value, _Tensor):
        fill_value = fill_value.item()
    result = _C.full(tuple(size), fill_value, dtype, requires_grad)
    return out._assign_out(result) if out is not None else result


def eye(n: int, m: Optional[int] = None, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> _Tensor:
    """Returns a 2-D tensor with ones on the diagonal and zeros elsewhere."""
    _check_device(device)
    result = _C.eye(n, m, dtype, requires_grad)
    return out._assign_out(result) if out is not None else result


def _like(name: str):
    c_fn = getattr(_C, name)

    def create_like(input: _Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False, memory_format=None):
        _check_device(device)
        return c_fn(tuple(input.shape), input.dtype if dtype is None else dtype, requires_grad)

    create_like.__name__ = name + "_like"
    create_like.__qualname__ = name + "_like"
    create_like.__doc__ = f"Returns a tensor shaped like ``input`` filled as ``{name}`` does."
    return create_like


zeros_like = _like("zeros")
ones_like = _like("ones")
empty_like = _like("empty")
randn_like = _like("randn")


def full_like(input: _Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> _Tensor:
    """Returns a tensor shaped like ``input`` filled with ``fill_value``."""
    return full(tuple(input.shape), fill_value, dtype=input.dtype if dtype is None else dtype, requires_grad=requires_grad)
