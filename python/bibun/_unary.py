"""Module-level unary math functions (``bibun.sin(x, out=...)``) and their in-place twins
(``bibun.sin_(x)``), over the Tensor methods bound in ``csrc/python/unary_math_bindings.cpp``.

``round`` takes ``decimals`` (keyword-only, as PyTorch); ``logit`` takes ``eps``; ``clamp``/``clip``
take number or tensor bounds.
"""

from __future__ import annotations

from typing import Optional

from bibun import _C

Tensor = _C.Tensor

_SIMPLE = (
    "exp2 expm1 log2 log10 log1p rsqrt square sin cos tan asin acos atan sinh cosh tanh "
    "asinh acosh atanh erf erfc erfinv floor ceil trunc frac"
).split()
# Out-of-place forms of these live in bibun._functions; only the in-place twins are new here.
_OLD_INPLACE = "abs neg sign exp log sqrt reciprocal sigmoid".split()


def _check_tensor(fn: str, input) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _finish(result: Tensor, out: Optional[Tensor], *inputs) -> Tensor:
    """``result``, or ``result`` written into ``out`` (which must not partially overlap ``inputs``)."""
    return result if out is None else out._assign_out(result, *inputs)


def _make(name: str):
    def fn(input: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
        _check_tensor(name, input)
        return _finish(getattr(input, name)(), out, input)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of ``input``."
    return fn


def _make_inplace(name: str):
    def fn(input: Tensor) -> Tensor:
        _check_tensor(name, input)
        return getattr(input, name)()

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"In-place ``{name}`` of ``input``."
    return fn


for _name in _SIMPLE:
    globals()[_name] = _make(_name)
    globals()[_name + "_"] = _make_inplace(_name + "_")
for _name in _OLD_INPLACE:
    globals()[_name + "_"] = _make_inplace(_name + "_")
del _name


def round(input: Tensor, *, decimals: int = 0, out: Optional[Tensor] = None) -> Tensor:  # noqa: A001
    """Rounds to ``decimals`` decimal places, half to even."""
    _check_tensor("round", input)
    return _finish(input.round(decimals=decimals), out)


def round_(input: Tensor, *, decimals: int = 0) -> Tensor:
    _check_tensor("round_", input)
    return input.round_(decimals=decimals)


def logit(input: Tensor, eps: Optional[float] = None, *, out: Optional[Tensor] = None) -> Tensor:
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    _check_tensor("logit", input)
    return _finish(input.logit(eps), out)


def logit_(input: Tensor, eps: Optional[float] = None) -> Tensor:
    _check_tensor("logit_", input)
    return input.logit_(eps)


def clamp(input: Tensor, min=None, max=None, *, out: Optional[Tensor] = None) -> Tensor:  # noqa: A002
    """Clamps every element into ``[min, max]`` (numbers or tensors broadcast with ``input``)."""
    _check_tensor("clamp", input)
    return _finish(input.clamp(min, max), out)


def clamp_(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    _check_tensor("clamp_", input)
    return input.clamp_(min, max)


def clip(input: Tensor, min=None, max=None, *, out: Optional[Tensor] = None) -> Tensor:  # noqa: A002
    """Alias of :func:`clamp`."""
    _check_tensor("clip", input)
    return _finish(input.clip(min, max), out)


def clip_(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    _check_tensor("clip_", input)
    return input.clip_(min, max)


def nan_to_num(
    input: Tensor,
    nan: float = 0.0,
    posinf: Optional[float] = None,
    neginf: Optional[float] = None,
    *,
    out: Optional[Tensor] = None,
) -> Tensor:
    """Replaces NaN, +inf and -inf (defaults: 0, the dtype's largest and lowest finite values)."""
    _check_tensor("nan_to_num", input)
    return _finish(input.nan_to_num(nan, posinf, neginf), out)


def nan_to_num_(input: Tensor, nan: float = 0.0, posinf: Optional[float] = None, neginf: Optional[float] = None) -> Tensor:
    _check_tensor("nan_to_num_", input)
    return input.nan_to_num_(nan, posinf, neginf)


__all__ = [
    *_SIMPLE,
    *(n + "_" for n in _SIMPLE),
    *(n + "_" for n in _OLD_INPLACE),
    "round",
    "round_",
    "logit",
    "logit_",
    "clamp",
    "clamp_",
    "clip",
    "clip_",
    "nan_to_num",
    "nan_to_num_",
]
