"""Reductions with ``dim``/``keepdim``: ``prod``, ``amax``/``amin``, ``max``/``min`` (whole tensor, with
``dim`` returning ``(values, indices)``, or elementwise against ``other``), ``argmax``/``argmin``,
``var``/``std`` and their ``_mean`` forms, ``logsumexp``, ``cumsum``/``cumprod``/``cummax``/``cummin``,
``median``, ``mode``, ``count_nonzero``, ``nansum``/``nanmean``, ``aminmax``, and ``bibun.return_types``.

The kernels and nodes are C++ (private ``Tensor._xxx`` methods bound in
``csrc/python/reduction_bindings.cpp``); this module parses PyTorch's overloads over them, builds the
named-tuple results and the ``out=`` forms, and installs the public Tensor methods.
"""

from __future__ import annotations

import builtins
import operator
import sys
import types
from collections.abc import Sequence
from typing import Any

from bibun import _C

Tensor = _C.Tensor

# ---------------------------------------------------------------------------------------------
# bibun.return_types: tuple subclasses with named fields, printed as PyTorch prints its own (with
# bibun's module name, as tensors print ``dtype=bibun.float64``).

return_types = types.ModuleType("bibun.return_types", "Named-tuple results of ops such as max(dim) and sort.")
sys.modules["bibun.return_types"] = return_types


def _return_type(name: str, fields: Sequence[str]) -> type:
    def __new__(cls, sequence: Sequence[Any]) -> Any:
        values = tuple(sequence)
        if len(values) != len(fields):
            raise TypeError(f"{cls.__module__}.{name}() takes a {len(fields)}-sequence ({len(values)}-sequence given)")
        return tuple.__new__(cls, values)

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"bibun.return_types.{name}(\n{body})"

    def __reduce__(self) -> Any:
        return (type(self), (tuple(self),))

    ns = {
        "__new__": __new__,
        "__repr__": __repr__,
        "__str__": __repr__,
        "__reduce__": __reduce__,
        "__slots__": (),
        "__module__": "bibun.return_types",
        "_fields": tuple(fields),
        "n_fields": len(fields),
        "n_sequence_fields": len(fields),
        "n_unnamed_fields": 0,
    }
    for i, f in enumerate(fields):
        ns[f] = property(operator.itemgetter(i), doc=f"Alias for field number {i}")
    cls = type(name, (tuple,), ns)
    cls.__qualname__ = name
    setattr(return_types, name, cls)
    return cls


for _name, _fields in [
    ("max", ("values", "indices")),
    ("min", ("values", "indices")),
    ("median", ("values", "indices")),
    ("nanmedian", ("values", "indices")),
    ("mode", ("values", "indices")),
    ("kthvalue", ("values", "indices")),
    ("cummax", ("values", "indices")),
    ("cummin", ("values", "indices")),
    ("sort", ("values", "indices")),
    ("topk", ("values", "indices")),
    ("aminmax", ("min", "max")),
]:
    _return_type(_name, _fields)
del _name, _fields

__all__ = [
    "amax",
    "amin",
    "aminmax",
    "argmax",
    "argmin",
    "count_nonzero",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "logsumexp",
    "max",
    "median",
    "min",
    "mode",
    "nanmean",
    "nansum",
    "prod",
    "return_types",
    "std",
    "std_mean",
    "var",
    "var_mean",
]


# ---------------------------------------------------------------------------------------------
# Argument checks with PyTorch's exception types and wording.


def _check_tensor(fn: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, builtins.bool)


def _check_int(fn: str, name: str, pos: int, x: Any) -> int:
    if not _is_int(x):
        if isinstance(x, Tensor) and x.dim() == 0 and not x.dtype.is_floating_point:
            return int(x.item())
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be int, not {type(x).__name__}")
    return x


def _check_dims(fn: str, dim: Any, pos: int = 2) -> Any:
    """None, an int, or a sequence of ints (PyTorch's ``int[1]? dim``)."""
    if dim is None or _is_int(dim):
        return dim
    if isinstance(dim, (tuple, list)) and builtins.all(_is_int(d) for d in dim):
        return list(dim)
    raise TypeError(f"{fn}(): argument 'dim' (position {pos}) must be tuple of ints, not {type(dim).__name__}")


def _invalid(fn: str, args: tuple, kwargs: dict, overloads: Sequence[str]) -> TypeError:
    got = ", ".join(["Tensor"] + [type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
    lines = "\n".join(f" * {o}" for o in overloads)
    return TypeError(f"{fn}() received an invalid combination of arguments - got ({got}), but expected one of:\n{lines}\n")


def _finish(result: Any, out: Any) -> Any:
    """The ``out=`` form: the result written into ``out`` (a tuple of tensors for tuple results)."""
    if out is None:
        return result
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"out must be a tuple of {len(result)} Tensors")
        written = [o._assign_out(r) for o, r in zip(out, result)]
        return type(result)(written) if type(result) is not tuple else tuple(written)
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    return out._assign_out(result)


# ---------------------------------------------------------------------------------------------
# The ops.


_PROD_OVERLOADS = [
    "(Tensor input, *, torch.dtype dtype = None)",
    "(Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)",
]


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None,
         out: Tensor | None = None) -> Tensor:
    """Product of all elements, or over ``dim``; integers and bools give int64 unless ``dtype``."""
    _check_tensor("prod", input)
    if dim is not None:
        dim = _check_int("prod", "dim", 2, dim)
    elif keepdim or out is not None:
        raise _invalid("prod", (), {"keepdim": keepdim} if keepdim else {"out": out}, _PROD_OVERLOADS)
    return _finish(input._prod(dim, keepdim, dtype), out)


def amax(input: Tensor, dim=(), keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Maximum over ``dim`` (every dim by default); the gradient is shared evenly by ties."""
    _check_tensor("amax", input)
    return _finish(input._amax(_check_dims("amax", dim), keepdim), out)


def amin(input: Tensor, dim=(), keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Minimum over ``dim`` (every dim by default); the gradient is shared evenly by ties."""
    _check_tensor("amin", input)
    return _finish(input._amin(_check_dims("amin", dim), keepdim), out)


_MAX_OVERLOADS = [
    "(Tensor input, *, Tensor out = None)",
    "(Tensor input, Tensor other, *, Tensor out = None)",
    "(Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)",
    "(Tensor input, name dim, bool keepdim = False, *, tuple of Tensors out = None)",
]


def _max_min(fn: str, input: Tensor, args: tuple, kwargs: dict) -> Any:
    _check_tensor(fn, input)
    out = kwargs.pop("out", None)
    given = dict(kwargs)
    if len(args) > 2 or builtins.any(k not in ("dim", "keepdim", "other") for k in kwargs):
        raise _invalid(fn, args, given, _MAX_OVERLOADS)
    other = kwargs.pop("other", None)
    if args and isinstance(args[0], Tensor) and len(args) == 1 and not kwargs:
        other = args[0]
    if other is not None:
        if kwargs or (args and args[0] is not other):
            raise _invalid(fn, args, given, _MAX_OVERLOADS)
        import bibun

        binary = bibun.maximum if fn == "max" else bibun.minimum
        return binary(input, other) if out is None else binary(input, other, out=out)
    dim = args[0] if args else kwargs.pop("dim", None)
    keepdim = args[1] if len(args) > 1 else kwargs.pop("keepdim", None)
    if dim is None:
        if keepdim is not None:
            raise _invalid(fn, args, given, _MAX_OVERLOADS)
        return _finish(input._max_all() if fn == "max" else input._min_all(), out)
    if not _is_int(dim) or (keepdim is not None and not isinstance(keepdim, builtins.bool)):
        raise _invalid(fn, args, given, _MAX_OVERLOADS)
    values, indices = (input._max_dim if fn == "max" else input._min_dim)(dim, builtins.bool(keepdim))
    return _finish(getattr(return_types, fn)((values, indices)), out)


def max(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """``max(input)``: the largest element; ``max(input, dim, keepdim=False)``: ``(values, indices)``;
    ``max(input, other)``: ``maximum``."""
    if not args and not kwargs and isinstance(input, Tensor):  # the common form, without overload parsing
        return input._max_all()
    return _max_min("max", input, args, kwargs)


def min(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """``min(input)``, ``min(input, dim, keepdim=False)`` -> ``(values, indices)``, ``min(input, other)``."""
    if not args and not kwargs and isinstance(input, Tensor):
        return input._min_all()
    return _max_min("min", input, args, kwargs)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Index of the (first) maximum of the flattened input, or along ``dim``."""
    _check_tensor("argmax", input)
    if dim is not None:
        dim = _check_int("argmax", "dim", 2, dim)
    return _finish(input._argmax(dim, keepdim), out)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Index of the (first) minimum of the flattened input, or along ``dim``."""
    _check_tensor("argmin", input)
    if dim is not None:
        dim = _check_int("argmin", "dim", 2, dim)
    return _finish(input._argmin(dim, keepdim), out)


_VAR_OVERLOADS = [
    "(Tensor input, tuple of ints dim, bool unbiased = True, bool keepdim = False, *, Tensor out = None)",
    "(Tensor input, tuple of ints dim = None, *, Number correction = None, bool keepdim = False, Tensor out = None)",
    "(Tensor input, bool unbiased = True)",
]


def _correction(fn: str, args: tuple, dim: Any, unbiased: Any, keepdim: Any, correction: Any) -> tuple:
    """(dims, correction, keepdim) of var/std's overloads: ``(dim, unbiased, keepdim)``,
    ``(dim, *, correction, keepdim)`` and ``(unbiased)``."""
    if isinstance(dim, builtins.bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise _invalid(fn, args, {"correction": correction, "unbiased": unbiased}, _VAR_OVERLOADS)
    if correction is None:
        correction = 0 if unbiased is False else 1
    return _check_dims(fn, dim), float(correction), builtins.bool(keepdim)


def _check_unbiased_out(fn: str, dim: Any, out: Any) -> None:
    if isinstance(dim, builtins.bool) and out is not None:  # the (input, unbiased) overload has no out=
        raise TypeError(f"{fn}() received an invalid combination of arguments - got (Tensor, bool, out=Tensor)")


def var(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, correction=None,
        out: Tensor | None = None) -> Tensor:
    """Variance over ``dim`` (all by default) with Bessel's ``correction`` (1 unless ``unbiased=False``)."""
    _check_tensor("var", input)
    _check_unbiased_out("var", dim, out)
    dims, c, keep = _correction("var", (dim,), dim, unbiased, keepdim, correction)
    return _finish(input._var(dims, c, keep), out)


def std(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, correction=None,
        out: Tensor | None = None) -> Tensor:
    """Standard deviation over ``dim`` (all by default); see ``var``."""
    _check_tensor("std", input)
    _check_unbiased_out("std", dim, out)
    dims, c, keep = _correction("std", (dim,), dim, unbiased, keepdim, correction)
    return _finish(input._std(dims, c, keep), out)


def var_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction=None) -> tuple:
    """``(var, mean)`` over ``dim`` in one pass."""
    _check_tensor("var_mean", input)
    dims, c, keep = _correction("var_mean", (dim,), dim, unbiased, keepdim, correction)
    return tuple(input._var_mean(dims, c, keep))


def std_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction=None) -> tuple:
    """``(std, mean)`` over ``dim`` in one pass."""
    _check_tensor("std_mean", input)
    dims, c, keep = _correction("std_mean", (dim,), dim, unbiased, keepdim, correction)
    return tuple(input._std_mean(dims, c, keep))


def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """``log(sum(exp(input), dim))``, computed stably (integers in the default float dtype)."""
    _check_tensor("logsumexp", input)
    return _finish(input._logsumexp(_check_dims("logsumexp", dim), keepdim), out)


def cumsum(input: Tensor, dim: int, *, dtype=None, out: Tensor | None = None) -> Tensor:
    """Cumulative sum along ``dim``; integers and bools give int64 unless ``dtype``."""
    _check_tensor("cumsum", input)
    return _finish(input._cumsum(_check_int("cumsum", "dim", 2, dim), dtype), out)


def cumprod(input: Tensor, dim: int, *, dtype=None, out: Tensor | None = None) -> Tensor:
    """Cumulative product along ``dim``; integers and bools give int64 unless ``dtype``."""
    _check_tensor("cumprod", input)
    return _finish(input._cumprod(_check_int("cumprod", "dim", 2, dim), dtype), out)


def cummax(input: Tensor, dim: int, *, out=None) -> Any:
    """Running maximum along ``dim``: ``(values, indices)``."""
    _check_tensor("cummax", input)
    return _finish(return_types.cummax(input._cummax(_check_int("cummax", "dim", 2, dim))), out)


def cummin(input: Tensor, dim: int, *, out=None) -> Any:
    """Running minimum along ``dim``: ``(values, indices)``."""
    _check_tensor("cummin", input)
    return _finish(return_types.cummin(input._cummin(_check_int("cummin", "dim", 2, dim))), out)


def median(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Any:
    """``median(input)``: the lower median; ``median(input, dim, keepdim=False)``: ``(values, indices)``."""
    _check_tensor("median", input)
    if dim is None:
        if keepdim or out is not None:
            raise TypeError('median() missing 1 required positional arguments: "dim"')
        return _finish(input._median_all(), out)
    result = return_types.median(input._median_dim(_check_int("median", "dim", 2, dim), keepdim))
    return _finish(result, out)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out=None) -> Any:
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and an index of it:
    ``(values, indices)``."""
    _check_tensor("mode", input)
    result = return_types.mode(input._mode(_check_int("mode", "dim", 2, dim), builtins.bool(keepdim)))
    return _finish(result, out)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """Number of non-zero elements over ``dim`` (all by default), as int64."""
    _check_tensor("count_nonzero", input)
    return input._count_nonzero(_check_dims("count_nonzero", dim))


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None) -> Tensor:
    """Sum treating NaN as zero."""
    _check_tensor("nansum", input)
    return _finish(input._nansum(_check_dims("nansum", dim), keepdim, dtype), out)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out: Tensor | None = None) -> Tensor:
    """Mean of the non-NaN elements."""
    _check_tensor("nanmean", input)
    return _finish(input._nanmean(_check_dims("nanmean", dim), keepdim, dtype), out)


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False, out=None) -> Any:
    """``(min, max)`` over ``dim`` (all by default)."""
    _check_tensor("aminmax", input)
    dims = None if dim is None else _check_int("aminmax", "dim", 2, dim)
    return _finish(return_types.aminmax(input._aminmax(dims, keepdim)), out)


# ---------------------------------------------------------------------------------------------
# Tensor methods (the same functions with self first; no out=).


def _method(fn: Any, name: str) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        if kwargs and "out" in kwargs:
            raise TypeError(f"{name}() got an unexpected keyword argument 'out'")
        return fn(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


for _name in __all__:
    if _name in ("return_types", "var_mean", "std_mean"):  # PyTorch has no var_mean/std_mean methods
        continue
    setattr(Tensor, _name, _method(globals()[_name], _name))
del _name
