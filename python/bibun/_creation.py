"""Tensor creation: tensor, as_tensor, from_numpy, the size factories (zeros, ones, empty, full, rand,
randn, randint), ranges (arange, linspace, eye), the ``*_like`` forms and the legacy ``Tensor(...)``.

Arguments are parsed here as PyTorch's signatures accept them; the values are made in C++ (``bibun._C``).
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

from bibun import _C
from bibun._device import _check_device, device as _device_type

_Tensor = _C.Tensor
_PY_DTYPES = {builtins.float: _C.float64, builtins.int: _C.int64, builtins.bool: _C.bool}
_NUMPY_DTYPES = {
    np.dtype(np.bool_): _C.bool,
    np.dtype(np.int32): _C.int32,
    np.dtype(np.int64): _C.int64,
    np.dtype(np.float32): _C.float32,
    np.dtype(np.float64): _C.float64,
}
_C_TYPE_NAMES = {"bool": "Bool", "int32": "Int", "int64": "Long", "float32": "Float", "float64": "Double"}

from_numpy = _C.from_numpy


# --- argument parsing --------------------------------------------------------------------------


def _dtype_arg(fn: str, dtype) -> Optional[_C.dtype]:
    """``dtype=``: a bibun.dtype, or Python's float/int/bool as PyTorch accepts them."""
    if dtype is None or isinstance(dtype, _C.dtype):
        return dtype
    if isinstance(dtype, type) and dtype in _PY_DTYPES:
        return _PY_DTYPES[dtype]
    raise TypeError(f"{fn}(): argument 'dtype' must be bibun.dtype, not {type(dtype).__name__}")


def _size_arg(fn: str, args: tuple, size) -> Any:
    """Sizes given as varargs (``zeros(2, 3)``), as one sequence (``zeros((2, 3))``) or as ``size=``."""
    if size is not None:
        if args:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        args = (size,)
    if (
        len(args) == 1
        and not isinstance(args[0], builtins.int)
        or len(args) == 1
        and isinstance(args[0], builtins.bool)
    ):
        s = args[0]
        if isinstance(s, (list, tuple)):
            return s
        if isinstance(s, _Tensor) and s.dim() == 0 and not s.is_floating_point() and s.dtype is not _C.bool:
            return (s,)
        if not hasattr(type(s), "__index__") or isinstance(s, builtins.bool):
            raise TypeError(
                f"{fn}(): argument 'size' (position 1) must be tuple of ints, not {type(s).__name__}"
            )
    if not args:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    return args


def _size_error(fn: str, sizes) -> Optional[TypeError]:
    """PyTorch's text for a size sequence with a non-integer element (None when all are integers)."""
    for pos, s in enumerate(sizes):
        if isinstance(s, builtins.bool):
            return TypeError(
                f"{fn}(): argument 'size' (position 1) must be tuple of ints, "
                f"but found element of type bool at pos {pos}"
            )
        if not hasattr(type(s), "__index__") or isinstance(s, _Tensor) and s.is_floating_point():
            return TypeError(
                f"{fn}(): argument 'size' failed to unpack the object at pos {pos + 1} with error "
                f'"type must be tuple of ints,but got {type(s).__name__}"'
            )
    return None


def _make(fn: str, c_fn, sizes, *args):
    try:
        return c_fn(sizes, *args)
    except TypeError:
        err = _size_error(fn, sizes)
        if err is None:
            raise
        raise err from None
    except RuntimeError as e:
        # PyTorch's zeros checks sizes itself, with its own text.
        if fn == "zeros" and str(e).startswith("Trying to create tensor with negative dimension"):
            raise RuntimeError("zeros: Dimension size must be non-negative.") from None
        raise


def _int_arg(fn: str, name: str, pos: int, value) -> builtins.int:
    if isinstance(value, _Tensor) and value.numel() == 1 and not value.is_floating_point():
        return builtins.int(value.item())
    if (
        isinstance(value, builtins.bool)
        or not hasattr(type(value), "__index__")
        or isinstance(value, _Tensor)
    ):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be int, not {type(value).__name__}")
    return value.__index__()


def _number_arg(value):
    """A Python number, a numpy scalar or a one-element tensor (as its Python value)."""
    if isinstance(value, _Tensor):
        return value.item()
    return value


def _finish(fn: str, result: _Tensor, out: Optional[_Tensor]) -> _Tensor:
    return result if out is None else out._assign_out(result)


def _out_dtype(fn: str, dtype, out: Optional[_Tensor]):
    """With ``out=``, the result takes out's dtype; an explicit different dtype is an error."""
    if out is None:
        return dtype
    if dtype is not None and dtype is not out.dtype:
        raise RuntimeError(
            f"dtype {_C_TYPE_NAMES[dtype._name]} does not match dtype of out parameter "
            f"({_C_TYPE_NAMES[out.dtype._name]})"
        )
    return out.dtype


# --- factories of a size -------------------------------------------------------------------------


def _factory(name: str, c_name: Optional[str] = None):
    c_fn = getattr(_C, c_name or name)

    def create(
        *size_args,
        size=None,
        out: Optional[_Tensor] = None,
        dtype=None,
        layout=None,
        device=None,
        requires_grad: builtins.bool = False,
        pin_memory: builtins.bool = False,
        generator=None,
        names=None,
        memory_format=None,
    ) -> _Tensor:
        if out is None and size is None and device is None and size_args and type(size_args[0]) is builtins.int:
            # The common call, zeros(2, 3): the sizes go to C as they are (C checks the rest).
            return _make(name, c_fn, size_args, _dtype_arg(name, dtype), requires_grad)
        _check_device(device)
        sizes = _size_arg(name, size_args, size)
        dt = _out_dtype(name, _dtype_arg(name, dtype), out)
        return _finish(name, _make(name, c_fn, sizes, dt, requires_grad), out)

    create.__name__ = create.__qualname__ = name
    return create


zeros = _factory("zeros")
zeros.__doc__ = (
    "zeros(*size, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor\n\nA tensor of zeros."
)
ones = _factory("ones")
ones.__doc__ = (
    "ones(*size, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor\n\nA tensor of ones."
)
empty = _factory("empty")
empty.__doc__ = "empty(*size, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor\n\nUninitialised memory."
rand = _factory("rand")
rand.__doc__ = (
    "rand(*size, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor\n\n"
    "Samples uniform on [0, 1) from bibun's generator (seeded by ``bibun.manual_seed``)."
)
randn = _factory("randn")
randn.__doc__ = (
    "randn(*size, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor\n\n"
    "Standard normal samples from bibun's generator (seeded by ``bibun.manual_seed``)."
)


def full(
    size,
    fill_value,
    *,
    out: Optional[_Tensor] = None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: builtins.bool = False,
    pin_memory: builtins.bool = False,
) -> _Tensor:
    """Returns a tensor of ``size`` filled with ``fill_value``; the dtype follows the value (bool, int64 or
    the default float dtype) unless ``dtype`` is given."""
    _check_device(device)
    if not isinstance(size, (list, tuple)):
        raise TypeError(
            f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}"
        )
    dt = _out_dtype("full", _dtype_arg("full", dtype), out)
    return _finish("full", _make("full", _C.full, size, _number_arg(fill_value), dt, requires_grad), out)


def randint(
    *args,
    size=None,
    low=None,
    high=None,
    generator=None,
    out: Optional[_Tensor] = None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: builtins.bool = False,
    pin_memory: builtins.bool = False,
) -> _Tensor:
    """randint(low=0, high, size, *, dtype=None, ...) -> Tensor

    Uniform integers in ``[low, high)`` (int64 unless ``dtype`` is given)."""
    _check_device(device)
    args = list(args)
    if size is None and args and isinstance(args[-1], (list, tuple)):
        size = args.pop()
    names = ["high"] if len(args) == 1 else ["low", "high"]
    if (
        len(args) > 2
        or len(args) == 2
        and size is None
        and not isinstance(args[1], (list, tuple))
        and low is None
    ):
        if len(args) == 2:
            raise TypeError(
                f"randint(): argument 'size' (position 2) must be tuple of ints, not {type(args[1]).__name__}"
            )
        raise TypeError(f"randint() takes at most 3 positional arguments ({len(args)} given)")
    values = dict(zip(names, args))
    if low is not None:
        values["low"] = low
    if high is not None:
        values["high"] = high
    if "high" not in values or size is None:
        raise TypeError(
            "randint() received an invalid combination of arguments - expected (int high, tuple of ints size) "
            "or (int low, int high, tuple of ints size)"
        )
    if not isinstance(size, (list, tuple)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    lo = _int_arg("randint", "low", 1, values.get("low", 0))
    hi = _int_arg("randint", "high", len(names), values["high"])
    dt = _out_dtype("randint", _dtype_arg("randint", dtype), out)
    return _finish(
        "randint", _make("randint", lambda s, *a: _C.randint(lo, hi, s, *a), size, dt, requires_grad), out
    )


def eye(
    n: int,
    m: Optional[int] = None,
    *,
    out: Optional[_Tensor] = None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: builtins.bool = False,
    pin_memory: builtins.bool = False,
) -> _Tensor:
    """Returns a 2-D tensor with ones on the diagonal and zeros elsewhere."""
    _check_device(device)
    dt = _out_dtype("eye", _dtype_arg("eye", dtype), out)
    return _finish("eye", _C.eye(n, m, dt, requires_grad), out)


# --- ranges ----------------------------------------------------------------------------------------


def arange(
    *args,
    start=None,
    end=None,
    step=None,
    out: Optional[_Tensor] = None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: builtins.bool = False,
    pin_memory: builtins.bool = False,
) -> _Tensor:
    """arange(start=0, end, step=1, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor

    Values from ``start`` up to (not including) ``end`` spaced by ``step``: ``ceil((end - start) / step)``
    of them, int64 when all three are integers, else the default float dtype."""
    _check_device(device)
    if len(args) > 3:
        raise TypeError(f"arange() takes at most 3 positional arguments ({len(args)} given)")
    if len(args) == 1 and end is None:
        end = args[0]
    else:
        for name, value in zip(("start", "end", "step"), args):
            if {"start": start, "end": end, "step": step}[name] is not None:
                raise TypeError(f"arange() got multiple values for argument '{name}'")
            if name == "start":
                start = value
            elif name == "end":
                end = value
            else:
                step = value
    if end is None:
        raise TypeError('arange() missing 1 required positional arguments: "end"')
    start = 0 if start is None else _number_arg(start)
    step = 1 if step is None else _number_arg(step)
    dt = _out_dtype("arange", _dtype_arg("arange", dtype), out)
    result = _C.arange(start, _number_arg(end), step, dt, requires_grad)
    return _finish("arange", result, out)


def linspace(
    start,
    end,
    steps,
    *,
    out: Optional[_Tensor] = None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: builtins.bool = False,
    pin_memory: builtins.bool = False,
) -> _Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (default float dtype)."""
    _check_device(device)
    if (
        isinstance(steps, builtins.bool)
        or not hasattr(type(steps), "__index__")
        or isinstance(steps, _Tensor)
    ):
        got = ", ".join(type(a).__name__ for a in (start, end, steps))
        raise TypeError(
            f"linspace() received an invalid combination of arguments - got ({got}), but expected "
            "(Number start, Number end, int steps, *, Tensor out = None, bibun.dtype dtype = None, "
            "bibun.device device = None, bool requires_grad = False)"
        )
    dt = _out_dtype("linspace", _dtype_arg("linspace", dtype), out)
    result = _C.linspace(_number_arg(start), _number_arg(end), steps.__index__(), dt, requires_grad)
    return _finish("linspace", result, out)


# --- tensor() and its nested-sequence inference -----------------------------------------------------


def _numpy_dtype(arr_dtype: np.dtype) -> _C.dtype:
    if not arr_dtype.isnative:
        raise ValueError(
            "given numpy array has byte order different from the native byte order. "
            "Conversion between byte orders is currently not supported."
        )
    dt = _NUMPY_DTYPES.get(arr_dtype)
    if dt is None:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{arr_dtype.type.__name__}. "
            "The only supported types are: float64, float32, int64, int32, and bool."
        )
    return dt


def _check_numpy_strides(arr: np.ndarray) -> None:
    """PyTorch's checks of an array it reads (the same as from_numpy's)."""
    if arr.itemsize and any(s % arr.itemsize for s in arr.strides):
        raise ValueError(
            "given numpy array strides not a multiple of the element byte size. "
            "Copy the numpy array to reallocate the memory."
        )
    if any(s < 0 for s in arr.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative strides are not "
            "currently supported. (You can probably work around this by making a copy of your array  with "
            "array.copy().) "
        )


_LEAF_TYPES = {builtins.bool, builtins.int, builtins.float}
_SEQUENCE_TYPES = {list, tuple}


def _plain_shape(data) -> Optional[tuple[tuple, set]]:
    """The common case, fast: the shape and leaf types of rectangular nested lists/tuples of Python
    numbers; None when anything else is inside (then ``_Walk`` infers, or raises PyTorch's error)."""
    kinds = set(map(type, data))
    if kinds <= _LEAF_TYPES:
        return (len(data),), kinds
    if not kinds <= _SEQUENCE_TYPES:
        return None
    first, leaves = None, set()
    for item in data:
        inner = _plain_shape(item)
        if inner is None or first is not None and inner[0] != first:
            return None
        first = inner[0]
        leaves |= inner[1]
    return (len(data),) + first, leaves


def _scalar_dtype(x) -> Optional[_C.dtype]:
    if isinstance(x, builtins.bool):
        return _C.bool
    if isinstance(x, np.generic):
        return _numpy_dtype(x.dtype)
    if isinstance(x, builtins.int):
        return _C.int64
    if isinstance(x, builtins.float):
        return _C.get_default_dtype()
    return None


class _Walk:
    """One pass over nested sequences: the shape PyTorch infers (following first elements), the
    promoted dtype of the leaves, and whether leaves other than Python numbers need converting."""

    def __init__(self) -> None:
        self.dtype: Optional[_C.dtype] = None
        self.special = False  # tensors inside the sequence: replaced by their values before numpy sees them

    def promote(self, dt: _C.dtype) -> None:
        self.dtype = dt if self.dtype is None else _C.promote_types(self.dtype, dt)

    def shape(self, data: Any, dim: int) -> tuple:
        if isinstance(data, _Tensor):
            if dim > 0:  # a tensor inside a sequence is one scalar, as PyTorch treats it
                if data.numel() != 1:  # PyTorch reads it with __index__ or __float__, and their errors
                    if data.is_floating_point():
                        raise ValueError("only one element tensors can be converted to Python scalars")
                    raise TypeError("only integer tensors of a single element can be converted to an index")
                self.special = True
                self.promote(data.dtype)
                return ()
            self.promote(data.dtype)
            return tuple(data.shape)
        if isinstance(data, np.ndarray):
            self.promote(_numpy_dtype(data.dtype))
            return data.shape
        dt = _scalar_dtype(data)
        if dt is not None:
            self.promote(dt)
            return ()
        if isinstance(data, str):
            if dim > 0:
                raise ValueError("too many dimensions 'str'")
            raise TypeError("new(): invalid data type 'str'")
        if not isinstance(data, (Sequence, range)) or isinstance(data, (bytes, bytearray)):
            raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")  # noqa: TRY004 (PyTorch's type)
        n = len(data)
        if n == 0:
            return (0,)
        kinds = set(map(type, data))
        if kinds <= _LEAF_TYPES:  # the innermost level of plain Python numbers, without a Python loop
            self.promote(
                _C.get_default_dtype()
                if builtins.float in kinds
                else _C.int64
                if builtins.int in kinds
                else _C.bool
            )
            return (n,)
        first = self.shape(data[0], dim + 1)
        for item in data[1:] if isinstance(data, (list, tuple)) else list(data)[1:]:
            inner = self.shape(item, dim + 1)
            if inner != first:
                k = next(
                    (k for k, (a, b) in enumerate(zip(first, inner)) if a != b), min(len(first), len(inner))
                )
                if k == len(inner):
                    raise TypeError("not a sequence")
                if k == len(first):
                    raise TypeError(f"'{type(item).__name__}' object cannot be interpreted as an integer")
                raise ValueError(
                    f"expected sequence of length {first[k]} at dim {dim + 1 + k} (got {inner[k]})"
                )
        return (n,) + first


def _values(data: Any) -> Any:
    """Nested sequences with tensors replaced by their Python values."""
    if isinstance(data, _Tensor):
        return data.item()
    if isinstance(data, (list, tuple, range)):
        return [_values(d) for d in data]
    return data


# numpy dtypes that hold Python leaves exactly; the C++ copy then casts to the tensor's dtype.
_LEAF_NUMPY = {_C.bool: np.bool_, _C.int32: np.int64, _C.int64: np.int64, _C.float32: np.float64, _C.float64: np.float64}


def _to_array(data: Any, dtype: Optional[_C.dtype]) -> tuple[np.ndarray, _C.dtype]:
    """``data`` as a numpy array that holds its values exactly, and the dtype PyTorch would infer."""
    if isinstance(data, np.ndarray):
        _check_numpy_strides(data)
        return data, _numpy_dtype(data.dtype)
    plain = _plain_shape(data) if type(data) in _SEQUENCE_TYPES else None
    if plain is not None:
        leaves = plain[1]
        inferred = (
            _C.int64
            if builtins.int in leaves and builtins.float not in leaves
            else _C.bool
            if leaves == {builtins.bool}
            else _C.get_default_dtype()
        )
    else:
        walk = _Walk()
        walk.shape(data, 0)
        inferred = walk.dtype if walk.dtype is not None else _C.get_default_dtype()
        if walk.special:
            data = _values(data)
    try:
        arr = np.asarray(data, dtype=_LEAF_NUMPY[inferred])
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    return arr, inferred


def tensor(
    data: Any,
    *,
    dtype=None,
    device=None,
    requires_grad: builtins.bool = False,
    pin_memory: builtins.bool = False,
) -> _Tensor:
    """Constructs a tensor with no autograd history by copying ``data`` (nested sequences of numbers,
    bools and one-element tensors, a numpy array, or a tensor). The dtype is inferred as PyTorch does:
    bool, int64, or the default float dtype for Python floats; a tensor's or array's own dtype."""
    _check_device(device)
    dtype = _dtype_arg("tensor", dtype)
    if isinstance(data, _Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than bibun.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
        result = data.detach().to(dtype if dtype is not None else data.dtype, copy=True)
        if requires_grad:
            result.requires_grad_(True)
        return result
    arr, inferred = _to_array(data, dtype)
    return _C._tensor_from_array(arr, dtype if dtype is not None else inferred, requires_grad)


def as_tensor(data: Any, dtype=None, device=None) -> _Tensor:
    """Converts ``data`` to a tensor, sharing memory where it can: a tensor of the requested dtype is
    returned as is, and a numpy array is wrapped as ``from_numpy`` does (then converted if ``dtype``
    differs)."""
    _check_device(device)
    dtype = _dtype_arg("as_tensor", dtype)
    if isinstance(data, _Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        return t if dtype is None or t.dtype is dtype else t.to(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a list holding tensors is fine here
        return tensor(data, dtype=dtype)


# --- the *_like forms --------------------------------------------------------------------------------


def _like(name: str, c_name: Optional[str] = None):
    c_fn = getattr(_C, c_name or name)

    def create_like(
        input: _Tensor,
        *,
        dtype=None,
        layout=None,
        device=None,
        requires_grad: builtins.bool = False,
        memory_format=None,
        pin_memory: builtins.bool = False,
        generator=None,
    ) -> _Tensor:
        _check_device(device)
        dt = _dtype_arg(name + "_like", dtype)
        return c_fn(input.shape, input.dtype if dt is None else dt, requires_grad)

    create_like.__name__ = create_like.__qualname__ = name + "_like"
    create_like.__doc__ = (
        f"Returns a tensor shaped like ``input`` (and of its dtype unless given) as ``{name}`` makes it."
    )
    return create_like


zeros_like = _like("zeros")
ones_like = _like("ones")
empty_like = _like("empty")
rand_like = _like("rand")
randn_like = _like("randn")


def full_like(
    input: _Tensor,
    fill_value,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: builtins.bool = False,
    memory_format=None,
) -> _Tensor:
    """Returns a tensor shaped like ``input`` (and of its dtype unless given) filled with ``fill_value``."""
    _check_device(device)
    dt = _dtype_arg("full_like", dtype)
    return _C.full(input.shape, _number_arg(fill_value), input.dtype if dt is None else dt, requires_grad)


def randint_like(
    input: _Tensor,
    *args,
    low=None,
    high=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: builtins.bool = False,
    memory_format=None,
    generator=None,
) -> _Tensor:
    """randint_like(input, low=0, high, *, dtype=None, ...) -> Tensor

    Uniform integers in ``[low, high)`` shaped like ``input`` (and of its dtype unless given)."""
    _check_device(device)
    if len(args) > 2:
        raise TypeError(f"randint_like() takes at most 3 positional arguments ({len(args) + 1} given)")
    values = dict(zip(["high"] if len(args) == 1 else ["low", "high"], args))
    if low is not None:
        values["low"] = low
    if high is not None:
        values["high"] = high
    if "high" not in values:
        raise TypeError('randint_like() missing 1 required positional arguments: "high"')
    lo = _int_arg("randint_like", "low", 2, values.get("low", 0))
    hi = _int_arg("randint_like", "high", 2 if len(args) < 2 else 3, values["high"])
    dt = _dtype_arg("randint_like", dtype)
    return _C.randint(lo, hi, input.shape, input.dtype if dt is None else dt, requires_grad)


# --- Tensor.new_* ------------------------------------------------------------------------------------


def _new_factory(name: str, fn):
    def new(
        self: _Tensor,
        *size_args,
        size=None,
        dtype=None,
        layout=None,
        device=None,
        requires_grad: builtins.bool = False,
        pin_memory: builtins.bool = False,
    ) -> _Tensor:
        sizes = _size_arg(name, size_args, size)
        dt = _dtype_arg(name, dtype)
        return fn(sizes, dtype=self.dtype if dt is None else dt, device=device, requires_grad=requires_grad)

    new.__name__ = new.__qualname__ = name
    new.__doc__ = (
        f"A tensor of the given size made as ``{name[4:]}`` does, of this tensor's dtype unless given."
    )
    return new


new_zeros = _new_factory("new_zeros", zeros)
new_ones = _new_factory("new_ones", ones)
new_empty = _new_factory("new_empty", empty)


def new_full(
    self: _Tensor,
    size,
    fill_value,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: builtins.bool = False,
    pin_memory: builtins.bool = False,
) -> _Tensor:
    """Returns a tensor of ``size`` filled with ``fill_value``, of this tensor's dtype unless given."""
    dt = _dtype_arg("new_full", dtype)
    return full(
        size, fill_value, dtype=self.dtype if dt is None else dt, device=device, requires_grad=requires_grad
    )


def new_tensor(
    self: _Tensor,
    data: Any,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad: builtins.bool = False,
    pin_memory: builtins.bool = False,
) -> _Tensor:
    """Returns a copy of ``data`` as a tensor of this tensor's dtype unless given."""
    dt = _dtype_arg("new_tensor", dtype)
    if isinstance(data, _Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tensor(
            data, dtype=self.dtype if dt is None else dt, device=device, requires_grad=requires_grad
        )


# --- the legacy constructor --------------------------------------------------------------------------


def _legacy_new(*args, device=None, **kwargs) -> _Tensor:
    """The forms of ``bibun.Tensor(...)`` (see Note [Legacy Tensor constructor] in function_bindings.cpp):
    ``Tensor()``, ``Tensor(*sizes)``, ``Tensor(size: Size)``, ``Tensor(other)`` and ``Tensor(data)``, the
    last always of the default float dtype."""
    if kwargs:
        got = ", ".join(
            [type(a).__name__ for a in args]
            + [f"{k}={type(v).__module__.split('.')[0]}.{type(v).__name__}" for k, v in kwargs.items()]
        )
        raise TypeError(
            f"new() received an invalid combination of arguments - got ({got}), but expected one of:\n"
            " * (*, bibun.device device = None)\n"
            f"      didn't match because some of the keywords were incorrect: {', '.join(kwargs)}\n"
            " * (Tensor other)\n"
            " * (tuple of ints size, *, bibun.device device = None)\n"
            " * (object data, *, bibun.device device = None)\n"
        )
    if device is not None:
        dev = _device_type(device) if not isinstance(device, _device_type) else device
        if dev.type != "cpu":
            raise RuntimeError(
                f"legacy constructor expects device type: cpu but device type: {dev.type} was passed"
            )
    from bibun._size import Size

    default = _C.get_default_dtype()
    if not args:
        return _C.empty((0,), default, False)
    if len(args) == 1:
        data = args[0]
        if isinstance(data, _Tensor):
            return data
        if isinstance(data, Size):
            return _C.empty(data, default, False)
        if isinstance(data, builtins.float):
            raise TypeError("new(): data must be a sequence (got float)")
        if isinstance(data, builtins.int) and not isinstance(data, builtins.bool):
            return _C.empty((data,), default, False)
        return tensor(data, dtype=default)
    if all(isinstance(a, builtins.int) and not isinstance(a, builtins.bool) for a in args):
        return _C.empty(args, default, False)
    raise TypeError(
        "new() received an invalid combination of arguments - got ("
        + ", ".join(type(a).__name__ for a in args)
        + "), but expected one of:\n * (*, bibun.device device = None)\n * (Tensor other)\n"
        " * (tuple of ints size, *, bibun.device device = None)\n"
        " * (object data, *, bibun.device device = None)\n"
    )
