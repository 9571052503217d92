"""Module-level functions that mirror Tensor methods (``bibun.add(x, y)``), with ``out=``."""

from __future__ import annotations

from typing import Optional

from bibun import _C

Tensor = _C.Tensor


def _finish(result: Tensor, out: Optional[Tensor], *inputs) -> Tensor:
    """``result``, or ``result`` written into ``out`` (which must not partially overlap ``inputs``)."""
    return result if out is None else out._assign_out(result, *inputs)


def _as_tensor_arg(x):
    return x if isinstance(x, Tensor) else _C._wrapped_scalar(x)


def add(input, other, *, alpha=1, out: Optional[Tensor] = None) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion."""
    if out is None and type(alpha) is int and alpha == 1 and isinstance(input, Tensor):
        return input.add(other)  # the common form, without keyword arguments (slow to pass to C)
    return _finish(_as_tensor_arg(input).add(other, alpha=alpha), out, input, other)


def sub(input, other, *, alpha=1, out: Optional[Tensor] = None) -> Tensor:
    """``input - alpha * other``."""
    if out is None and type(alpha) is int and alpha == 1 and isinstance(input, Tensor):
        return input.sub(other)
    return _finish(_as_tensor_arg(input).sub(other, alpha=alpha), out, input, other)


def mul(input, other, *, out: Optional[Tensor] = None) -> Tensor:
    """Elementwise product."""
    return _finish(_as_tensor_arg(input).mul(other), out, input, other)


def pow(input, exponent, *, out: Optional[Tensor] = None) -> Tensor:
    """``input ** exponent`` (tensor or number on either side)."""
    if not isinstance(input, Tensor):
        return _finish(_C._pow_scalar_base(input, exponent), out, exponent)
    return _finish(input.pow(exponent), out, input, exponent)


_C_TYPE_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "bool": "bool"}


def _check_out_dtype(input: Tensor, out: Optional[Tensor]) -> None:
    """The matmul family needs an out tensor of exactly the inputs' dtype (checked first)."""
    if out is not None and out.dtype != input.dtype:
        raise RuntimeError(
            f"Expected out tensor to have dtype {_C_TYPE_NAMES[input.dtype._name]}, but got "
            f"{_C_TYPE_NAMES[out.dtype._name]} instead"
        )


def _finish_exact_dtype(compute, input: Tensor, out: Optional[Tensor]) -> Tensor:
    _check_out_dtype(input, out)
    return _finish(compute(), out)


def matmul(input: Tensor, other: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    """Matrix product (1-D and 2-D operands)."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        name, pos, arg = ("input", 1, input) if not isinstance(input, Tensor) else ("other", 2, other)
        raise TypeError(f"matmul(): argument '{name}' (position {pos}) must be Tensor, not {type(arg).__name__}")
    if out is None:
        return input.matmul(other)
    return _finish_exact_dtype(lambda: input.matmul(other), input, out)


def mm(input: Tensor, mat2: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    return _finish_exact_dtype(lambda: input.mm(mat2), input, out)


def mv(input: Tensor, vec: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    return _finish_exact_dtype(lambda: input.mv(vec), input, out)


def dot(input: Tensor, other: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
    return _finish_exact_dtype(lambda: input.dot(other), input, out)


def _check_tensor(name: str, input) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _unary(name: str):
    def fn(input: Tensor, *, out: Optional[Tensor] = None) -> Tensor:
        _check_tensor(name, input)
        return _finish(getattr(input, name)(), out, input)

    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``."
    return fn


neg = _unary("neg")
negative = neg
exp = _unary("exp")
log = _unary("log")
sigmoid = _unary("sigmoid")
abs = _unary("abs")
sign = _unary("sign")
sqrt = _unary("sqrt")
reciprocal = _unary("reciprocal")


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out: Optional[Tensor] = None) -> Tensor:
    """Sum of all elements, or over ``dim``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"sum(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if dim is None and out is not None:  # PyTorch's whole-tensor overload has no out=
        raise TypeError("sum() received an invalid combination of arguments - got (Tensor, out=Tensor)")
    return _finish(input.sum(dim, keepdim, dtype=dtype), out)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out: Optional[Tensor] = None) -> Tensor:
    """Mean of all elements, or over ``dim``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"mean(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return _finish(input.mean(dim, keepdim, dtype=dtype), out)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out: Optional[Tensor] = None,
         dtype=None) -> Tensor:
    """Vector p-norm (``torch.norm``); ``out`` must have the result's dtype."""
    result = input.norm(p, dim, keepdim, dtype)
    _check_out_dtype(result, out)
    return _finish(result, out, input)


def all(input: Tensor, dim=None, keepdim: bool = False, *, out: Optional[Tensor] = None) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"all(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return _finish(input.all(dim, keepdim), out)


def any(input: Tensor, dim=None, keepdim: bool = False, *, out: Optional[Tensor] = None) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"any(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return _finish(input.any(dim, keepdim), out)


def _compare(name: str):
    def fn(input: Tensor, other, *, out: Optional[Tensor] = None) -> Tensor:
        return _finish(getattr(input, name)(other), out, input, other)

    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = f"Elementwise comparison ``{name}`` (bool result)."
    return fn


eq = _compare("eq")
ne = _compare("ne")
lt = _compare("lt")
le = _compare("le")
gt = _compare("gt")
ge = _compare("ge")


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.equal(other)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    return input.clone()


def detach(input: Tensor) -> Tensor:
    return input.detach()


def t(input: Tensor) -> Tensor:
    return input.t()


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return input.transpose(dim0, dim1)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    return input.unsqueeze(dim)


def squeeze(input: Tensor, dim=None) -> Tensor:
    return input.squeeze(dim)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    return input.masked_fill(mask, value)


def numel(input: Tensor) -> int:
    return input.numel()


def is_tensor(obj) -> bool:
    """Whether ``obj`` is a bibun tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def result_type(tensor1, tensor2):
    """The dtype PyTorch's promotion rules give an op on these operands."""
    return _C._result_type(tensor1, tensor2)


def reshape(input: Tensor, shape) -> Tensor:
    """A view of ``input`` with ``shape`` when one exists, else a copy."""
    return input.reshape(shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return input.flatten(start_dim, end_dim)


def permute(input: Tensor, dims) -> Tensor:
    return input.permute(dims)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    return input.select(dim, index)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    return input.narrow(dim, start, length)


def relu(input: Tensor) -> Tensor:
    """``max(input, 0)`` elementwise."""
    return input.relu()


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`` elementwise."""
    return input._celu(alpha)


def where(condition: Tensor, input, other, *, out: Optional[Tensor] = None) -> Tensor:
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (broadcast together)."""
    if out is not None:  # PyTorch's out= overload takes tensors only
        for name, pos, arg in (("input", 2, input), ("other", 3, other)):
            if not isinstance(arg, Tensor):
                raise TypeError(f"where(): argument '{name}' (position {pos}) must be Tensor, not {type(arg).__name__}")
    return _finish(condition._where(input, other), out, condition, input, other)


def cat(tensors, dim: int = 0, *, out: Optional[Tensor] = None) -> Tensor:
    """Concatenates tensors along an existing dim (dtypes promoted)."""
    if isinstance(tensors, Tensor):
        raise TypeError("cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    return _finish(_C._cat(list(tensors), dim), out)


concat = cat
concatenate = cat


def stack(tensors, dim: int = 0, *, out: Optional[Tensor] = None) -> Tensor:
    """Stacks equally shaped tensors along a new dim."""
    if isinstance(tensors, Tensor):
        raise TypeError("stack(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    return _finish(_C._stack(list(tensors), dim), out)
