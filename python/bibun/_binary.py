"""Binary elementwise functions (``bibun.maximum``, ``bibun.remainder``, comparisons, logical and bitwise ops).

Module-level forms with ``out=`` over the Tensor methods bound in ``csrc/python/binary_bindings.cpp``.
Where PyTorch accepts a Python number as the first operand (``remainder``, ``xlogy``, ``bitwise_*``,
``floor_divide``), it is wrapped the way an operator would wrap it.
"""

from __future__ import annotations

from bibun import _C

Tensor = _C.Tensor


def _finish(result: Tensor, out: Tensor | None, *inputs) -> Tensor:
    """``result``, or ``result`` written into ``out`` (which must not partially overlap ``inputs``)."""
    return result if out is None else out._assign_out(result, *inputs)


def _check_tensor(fn: str, input, arg: str = "input", position: int = 1) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be Tensor, not {type(input).__name__}")


def _number_or_tensor(fn: str, input) -> Tensor:
    """The first operand: a Tensor, or a Python number as a wrapped scalar."""
    if isinstance(input, Tensor):
        return input
    if isinstance(input, (bool, int, float)):
        return _C._wrapped_scalar(input)
    raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


_UNSET = object()  # rounding_mode not given: PyTorch records DivBackward0, an explicit None DivBackward2


def div(input, other, *, rounding_mode: str | None = _UNSET, out: Tensor | None = None) -> Tensor:  # type: ignore[assignment]
    """``input / other``; ``rounding_mode`` ``'trunc'`` or ``'floor'`` rounds the quotient (keeping integer dtypes)."""
    input = _number_or_tensor("div", input)
    result = input.div(other) if rounding_mode is _UNSET else input.div(other, rounding_mode=rounding_mode)
    return _finish(result, out, input, other)


divide = div


def true_divide(input, other, *, out: Tensor | None = None) -> Tensor:
    """True division (integers give the default float dtype)."""
    return _finish(_number_or_tensor("true_divide", input).true_divide(other), out)


def _binary(name: str, first_number: bool = False, doc: str = ""):
    def fn(input, other, *, out: Tensor | None = None) -> Tensor:
        if first_number:
            if not isinstance(input, Tensor) and not isinstance(other, Tensor):
                raise TypeError(
                    f"{name}() received an invalid combination of arguments - got "
                    f"({type(input).__name__}, {type(other).__name__}), but expected a Tensor as input or other"
                )
            input = _number_or_tensor(name, input)
        else:
            _check_tensor(name, input)
        return _finish(getattr(input, name)(other), out, input, other)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"Elementwise ``{name}`` with broadcasting and type promotion."
    return fn


floor_divide = _binary("floor_divide", True, "``input // other``, rounding the quotient down.")
remainder = _binary("remainder", True, "Python's modulus: the result has the sign of ``other``.")
fmod = _binary("fmod", doc="C's fmod: the result has the sign of ``input``.")
atan2 = _binary("atan2", doc="Elementwise ``atan2(input, other)`` (quadrant-aware arctangent of input / other).")
arctan2 = _binary("arctan2", doc="Alias of :func:`atan2`.")
maximum = _binary("maximum", doc="Elementwise maximum; NaN propagates.")
minimum = _binary("minimum", doc="Elementwise minimum; NaN propagates.")
fmax = _binary("fmax", doc="Elementwise maximum ignoring NaN (NaN only where both are NaN).")
fmin = _binary("fmin", doc="Elementwise minimum ignoring NaN (NaN only where both are NaN).")
hypot = _binary("hypot", doc="``sqrt(input**2 + other**2)`` elementwise.")
xlogy = _binary("xlogy", True, "``input * log(other)``, 0 where ``input == 0`` (unless ``other`` is NaN).")
greater = _binary("greater", doc="Alias of :func:`gt`.")
greater_equal = _binary("greater_equal", doc="Alias of :func:`ge`.")
less = _binary("less", doc="Alias of :func:`lt`.")
less_equal = _binary("less_equal", doc="Alias of :func:`le`.")
not_equal = _binary("not_equal", doc="Alias of :func:`ne`.")
logical_and = _binary("logical_and", doc="Elementwise logical AND of the truth values (bool result).")
logical_or = _binary("logical_or", doc="Elementwise logical OR of the truth values (bool result).")
logical_xor = _binary("logical_xor", doc="Elementwise logical XOR of the truth values (bool result).")
bitwise_and = _binary("bitwise_and", True, "Elementwise ``&`` of integer or bool tensors.")
bitwise_or = _binary("bitwise_or", True, "Elementwise ``|`` of integer or bool tensors.")
bitwise_xor = _binary("bitwise_xor", True, "Elementwise ``^`` of integer or bool tensors.")


def xlogy_(input: Tensor, other) -> Tensor:
    """In-place :func:`xlogy`."""
    _check_tensor("xlogy_", input)
    return input.xlogy_(other)


def lerp(input: Tensor, end: Tensor, weight, *, out: Tensor | None = None) -> Tensor:
    """``input + weight * (end - input)`` (weight a number or a tensor)."""
    _check_tensor("lerp", input)
    return _finish(input.lerp(end, weight), out)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    _check_tensor("addcmul", input)
    return _finish(input.addcmul(tensor1, tensor2, value=value), out)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 / tensor2``."""
    _check_tensor("addcdiv", input)
    return _finish(input.addcdiv(tensor1, tensor2, value=value), out)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (bool result)."""
    _check_tensor("isclose", input)
    return input.isclose(other, rtol, atol, equal_nan)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see :func:`isclose`)."""
    _check_tensor("allclose", input)
    return input.allclose(other, rtol, atol, equal_nan)


def _unary(name: str, has_out: bool, doc: str):
    if has_out:

        def fn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
            _check_tensor(name, input)
            return _finish(getattr(input, name)(), out)

    else:

        def fn(input: Tensor) -> Tensor:
            _check_tensor(name, input)
            return getattr(input, name)()

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


logical_not = _unary("logical_not", True, "Elementwise logical NOT of the truth values (bool result).")
bitwise_not = _unary("bitwise_not", True, "Elementwise ``~`` of an integer or bool tensor.")
isnan = _unary("isnan", False, "Where ``input`` is NaN.")
isinf = _unary("isinf", False, "Where ``input`` is +inf or -inf.")
isfinite = _unary("isfinite", False, "Where ``input`` is neither NaN nor infinite.")
isposinf = _unary("isposinf", True, "Where ``input`` is +inf.")
isneginf = _unary("isneginf", True, "Where ``input`` is -inf.")

__all__ = [
    "addcdiv",
    "addcmul",
    "allclose",
    "arctan2",
    "atan2",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "div",
    "divide",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "greater",
    "greater_equal",
    "hypot",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "lerp",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "not_equal",
    "remainder",
    "true_divide",
    "xlogy",
    "xlogy_",
]  # fmt: skip
