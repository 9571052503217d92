"""Gather/scatter, ``index_select``/``index_add``, masked ops, ``take``, ``nonzero``: module-level
functions (with ``out=`` where PyTorch has it) over the Tensor methods bound in
``csrc/python/indexing_ops_bindings.cpp``; ``take_along_dim`` is composed from ``gather``."""

from __future__ import annotations

from typing import Any

from bibun import _C

Tensor = _C.Tensor

__all__ = [
    "argwhere", "gather", "index_add", "index_copy", "index_fill", "index_put", "index_put_", "index_select",
    "masked_scatter", "masked_select", "nonzero", "scatter", "scatter_add", "take", "take_along_dim",
]


def _check_tensor(fn: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _finish(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else out._assign_out(result)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False,
           out: Tensor | None = None) -> Tensor:
    """Values of ``input`` along ``dim`` at ``index``: ``out[i][j] = input[i][index[i][j]]`` for ``dim=1``."""
    _check_tensor("gather", input)
    return _finish(input.gather(dim, index, sparse_grad=sparse_grad), out)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or the number ``value``) written at ``index`` along ``dim``."""
    _check_tensor("scatter", input)
    return _finish(input.scatter(dim, index, src, value=value, reduce=reduce), out)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
    _check_tensor("scatter_add", input)
    return _finish(input.scatter_add(dim, index, src), out)


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The slices of ``input`` along ``dim`` picked by the 1-D ``index``."""
    _check_tensor("index_select", input)
    return _finish(input.index_select(dim, index), out)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1,
              out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added to the slices along ``dim`` picked by ``index``."""
    _check_tensor("index_add", input)
    return _finish(input.index_add(dim, index, source, alpha=alpha), out)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` written into the slices along ``dim`` picked by ``index``."""
    _check_tensor("index_fill", input)
    return input.index_fill(dim, index, value)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with the slices along ``dim`` picked by ``index`` replaced by ``source``'s."""
    _check_tensor("index_copy", input)
    return _finish(input.index_copy(dim, index, source), out)


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A 1-D tensor of the elements of ``input`` where the (broadcast) bool ``mask`` is True."""
    _check_tensor("masked_select", input)
    return _finish(input.masked_select(mask), out)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the elements where ``mask`` is True taken from ``source`` in order."""
    _check_tensor("masked_scatter", input)
    return input.masked_scatter(mask, source)


def take(input: Tensor, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elements of ``input`` seen as 1-D, at ``index`` (the result has ``index``'s shape)."""
    _check_tensor("take", input)
    return _finish(input.take(index), out)


def _broadcast_sizes(a: tuple, b: tuple) -> list:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                               f"dimension {i}")
        out.append(y if x == 1 else x)
    return out


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *,
                   out: Tensor | None = None) -> Tensor:
    """``gather`` along ``dim`` after broadcasting ``input`` and ``indices`` over the other dims; with
    ``dim=None``, both are flattened first."""
    _check_tensor("take_along_dim", input)
    if indices.dtype != _C.int64:
        names = {_C.int32: "Int", _C.bool: "Bool", _C.float32: "Float", _C.float64: "Double"}
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {names[indices.dtype]}")
    if dim is None:
        return _finish(input.view(-1).gather(0, indices.view(-1)), out)
    if input.dim() != indices.dim():
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.dim()} dimensions for input, and {indices.dim()} dimensions for indices")
    d = dim + input.dim() if dim < 0 else dim
    if input.dim() == 0:
        return _finish(input.gather(dim, indices), out)
    if not 0 <= d < input.dim():
        input.size(dim)  # raises IndexError with PyTorch's text
    in_sizes, idx_sizes = list(input.shape), list(indices.shape)
    in_sizes[d] = idx_sizes[d]
    shape = _broadcast_sizes(tuple(in_sizes), tuple(idx_sizes))
    in_shape, idx_shape = list(shape), list(shape)
    in_shape[d], idx_shape[d] = input.shape[d], indices.shape[d]
    return _finish(input.expand(*in_shape).gather(d, indices.expand(*idx_shape)), out)


def nonzero(input: Tensor, *, out: Tensor | None = None, as_tuple: bool = False) -> Any:
    """Indices of the nonzero elements: an ``(n, input.dim())`` int64 tensor, or with ``as_tuple`` one 1-D
    tensor per dimension."""
    _check_tensor("nonzero", input)
    if as_tuple:
        if out is not None:
            raise RuntimeError("nonzero(): as_tuple=True does not support out=")
        return input.nonzero(as_tuple=True)
    return _finish(input.nonzero(), out)


def argwhere(input: Tensor) -> Tensor:
    """Indices of the nonzero elements as an ``(n, input.dim())`` int64 tensor."""
    _check_tensor("argwhere", input)
    return input.argwhere()


def index_put(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written (or added, with ``accumulate``) at ``input[indices]``."""
    _check_tensor("index_put", input)
    return input.index_put(indices, values, accumulate)


def index_put_(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """``input[indices] = values`` in place (``+=`` with ``accumulate``)."""
    _check_tensor("index_put_", input)
    return input.index_put_(indices, values, accumulate)


def _take_along_dim_method(self: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    return take_along_dim(self, indices, dim)


Tensor.take_along_dim = _take_along_dim_method


_masked_fill_number = Tensor.masked_fill


def _masked_fill(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``masked_fill`` with a number (bound in C++) or a 0-d tensor value (``MaskedFillBackward1``)."""
    if isinstance(value, Tensor):
        return self._masked_fill_tensor(mask, value)
    return _masked_fill_number(self, mask, value)


Tensor.masked_fill = _masked_fill
