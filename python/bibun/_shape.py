"""Shape ops: ``flip``, ``roll``, ``tril``/``triu``, ``diag``, ``repeat``, ``split``/``chunk``, ``sort``, ``topk``, ...

The numerics are C++ (``csrc/ops/shape.cpp``, ``csrc/ops/sort.cpp``); this module gives the module-level
functions with PyTorch's signatures (``out=`` where PyTorch has it), the ops that are pure compositions
of views (``movedim``, ``swapaxes``, ``tensor_split``, ``hstack``, ...), and PyTorch's named tuples.
"""

from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from bibun import _C
from bibun._C import Tensor

__all__ = [
    "argsort",
    "broadcast_shapes",
    "broadcast_tensors",
    "broadcast_to",
    "chunk",
    "column_stack",
    "diag",
    "diag_embed",
    "diagonal",
    "dsplit",
    "dstack",
    "flip",
    "fliplr",
    "flipud",
    "hsplit",
    "hstack",
    "kthvalue",
    "moveaxis",
    "movedim",
    "msort",
    "ravel",
    "repeat_interleave",
    "roll",
    "rot90",
    "row_stack",
    "sort",
    "split",
    "swapaxes",
    "swapdims",
    "tensor_split",
    "tile",
    "topk",
    "trace",
    "tril",
    "triu",
    "unbind",
    "unflatten",
    "unique",
    "unique_consecutive",
    "vsplit",
    "vstack",
]


def _return_type(name: str, fields: tuple) -> type:
    """A named tuple printed as PyTorch prints ``torch.return_types.<name>``."""
    base = namedtuple(name, fields)

    def __repr__(self: Any) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"bibun.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "bibun.return_types"})
    return cls


_sort_type = _return_type("sort", ("values", "indices"))
_topk_type = _return_type("topk", ("values", "indices"))
_kthvalue_type = _return_type("kthvalue", ("values", "indices"))


def _check_tensor(fn: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _finish(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else out._assign_out(result)


def _finish_pair(kind: type, pair: tuple, out: Any) -> Any:
    if out is None:
        return kind(*pair)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError("out must be a tuple of 2 Tensors")
    return kind(out[0]._assign_out(pair[0]), out[1]._assign_out(pair[1]))


# ----------------------------------------------------------------------------------------------
# Tensor methods and properties written here (installed on the bound class at import).


def _mT(self: Tensor) -> Tensor:
    if self.dim() < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _mH(self: Tensor) -> Tensor:
    if self.dim() < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _H(self: Tensor) -> Tensor:
    if self.dim() not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor."
                           + (" For batches of matrices, consider using tensor.mH" if self.dim() > 2 else ""))
    if self.dim() == 0:
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
        return self
    return self.transpose(-2, -1)


def _int_args(args: tuple, kwargs: dict, name: str, fn: str) -> list:
    if name in kwargs:
        return list(_as_ints(kwargs[name]))
    if len(args) == 1 and not isinstance(args[0], int):
        return list(_as_ints(args[0]))
    return list(args)


def _as_ints(v: Any) -> tuple:
    if isinstance(v, int):
        return (v,)
    return tuple(v)


def _sort_args(fn: str, args: tuple, kwargs: dict) -> tuple:
    """PyTorch's two overloads: (dim=-1, descending=False) and (*, stable, dim=-1, descending=False)."""
    stable = kwargs.pop("stable", None)
    if len(args) > 2 or (stable is not None and args):
        raise TypeError(f"{fn}() received an invalid combination of arguments")
    vals = dict(zip(("dim", "descending"), args))
    for k, v in kwargs.items():
        if k not in ("dim", "descending") or k in vals:
            raise TypeError(f"{fn}() got an unexpected keyword argument '{k}'")
        vals[k] = v
    return vals.get("dim", -1), builtins.bool(vals.get("descending", False)), stable


def _method_sort(self: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _sort_type(*_C._sort(self, *_sort_args("sort", args, kwargs)))


def _method_argsort(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    return _C._argsort(self, *_sort_args("argsort", args, kwargs))


def _method_msort(self: Tensor) -> Tensor:
    return _C._sort(self, 0, False, None)[0]


def _method_topk(self: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    return _topk_type(*_C._topk(self, k, dim, largest, sorted))


def _method_kthvalue(self: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    return _kthvalue_type(*_C._kthvalue(self, k, dim, keepdim))


def _method_split(self: Tensor, split_size: Any, dim: int = 0) -> tuple:
    if isinstance(split_size, Tensor):
        split_size = split_size.tolist()
    return _C._split(self, split_size, dim)


def _method_chunk(self: Tensor, chunks: int, dim: int = 0) -> tuple:
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if self.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    size = self.size(dim)
    split_size = (size + chunks - 1) // chunks
    if split_size == 0 and size == 0:
        return self.split_with_sizes([0] * chunks, dim)
    return _C._split(self, split_size, dim)


def _method_tensor_split(self: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple:
    if self.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.dtype not in (_C.int64,) or indices_or_sections.dim() > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               + str(indices_or_sections.dtype))
        indices_or_sections = (indices_or_sections.item() if indices_or_sections.dim() == 0
                               else indices_or_sections.tolist())
    size = self.size(dim)
    d = dim % self.dim() if dim < 0 else dim
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        base, extra = divmod(size, n)
        bounds, start = [], 0
        for i in range(n):
            length = base + (1 if i < extra else 0)
            bounds.append((start, start + length))
            start += length
    else:
        idx = list(indices_or_sections)
        bounds, start = [], 0
        for i in idx + [size]:
            bounds.append((start, i))
            start = i
    outs = []
    for s, e in bounds:
        s = builtins.min(builtins.max(s if s >= 0 else s + size, 0), size)
        e = builtins.min(builtins.max(e if e >= 0 else e + size, 0), size)
        outs.append(self.narrow(d, s, builtins.max(e, s) - s))
    return tuple(outs)


def _method_movedim(self: Tensor, source: Any, destination: Any) -> Tensor:
    src, dst = list(_as_ints(source)), list(_as_ints(destination))
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    n = self.dim()

    def wrap(d: int) -> int:
        lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
        if d < lo or d > hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
        return d + builtins.max(n, 1) if d < 0 else d

    ws, wd = [wrap(d) for d in src], [wrap(d) for d in dst]
    if len(set(ws)) != len(ws):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(wd)) != len(wd):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    if n == 0:
        return self[...]
    perm = [-1] * n
    for s, d in zip(ws, wd):
        perm[d] = s
    rest = iter(d for d in range(n) if d not in ws)
    perm = [p if p != -1 else next(rest) for p in perm]
    return self.permute(perm)


def _method_swapaxes(self: Tensor, axis0: int, axis1: int) -> Tensor:
    return self.transpose(axis0, axis1)


def _method_unflatten(self: Tensor, dim: int, sizes: Any) -> Tensor:
    sizes = list(_as_ints(sizes))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = self.dim()
    lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
    if dim < lo or dim > hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    d = dim + builtins.max(n, 1) if dim < 0 else dim
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    size = self.size(d) if n else 1
    known = math.prod(s for s in sizes if s != -1)
    if -1 not in sizes and known != size:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} "
                           f"({size}) in the input tensor")
    shape = list(self.shape)
    return self.view(shape[:d] + sizes + shape[d + 1:])


def _method_broadcast_to(self: Tensor, size: Any) -> Tensor:
    return self.expand(tuple(size))


def _method_tile(self: Tensor, *dims: Any, **kwargs: Any) -> Tensor:
    if not dims and set(kwargs) == {"dims"}:
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"tile() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not dims:
        raise TypeError('tile() missing 1 required positional arguments: "dims"')
    reps = list(_as_ints(dims[0])) if len(dims) == 1 and not isinstance(dims[0], int) else list(dims)
    if len(reps) < self.dim():
        reps = [1] * (self.dim() - len(reps)) + reps
    return self.repeat(reps)


def _method_fliplr(self: Tensor) -> Tensor:
    if self.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return self.flip(1)


def _method_flipud(self: Tensor) -> Tensor:
    if self.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return self.flip(0)


def _method_ravel(self: Tensor) -> Tensor:
    return self.contiguous().view(-1)


def _method_unique(self: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
                   dim: int | None = None) -> Any:
    return unique(self, sorted, return_inverse, return_counts, dim)


def _method_unique_consecutive(self: Tensor, return_inverse: bool = False, return_counts: bool = False,
                               dim: int | None = None) -> Any:
    return unique_consecutive(self, return_inverse, return_counts, dim)


def _install() -> None:
    T = Tensor
    T.mT = property(_mT)
    T.mH = property(_mH)
    T.H = property(_H)
    for name, fn in [("sort", _method_sort), ("argsort", _method_argsort), ("msort", _method_msort),
                     ("topk", _method_topk), ("kthvalue", _method_kthvalue), ("split", _method_split),
                     ("chunk", _method_chunk), ("tensor_split", _method_tensor_split), ("movedim", _method_movedim),
                     ("moveaxis", _method_movedim), ("swapaxes", _method_swapaxes), ("swapdims", _method_swapaxes),
                     ("unflatten", _method_unflatten), ("broadcast_to", _method_broadcast_to),
                     ("tile", _method_tile), ("fliplr", _method_fliplr), ("flipud", _method_flipud),
                     ("ravel", _method_ravel), ("unique", _method_unique),
                     ("unique_consecutive", _method_unique_consecutive), ("hsplit", lambda self, s: hsplit(self, s)),
                     ("vsplit", lambda self, s: vsplit(self, s)), ("dsplit", lambda self, s: dsplit(self, s))]:
        setattr(T, name, fn)


_install()


# ----------------------------------------------------------------------------------------------
# Module-level functions.


def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverses the order of elements along ``dims`` (a copy)."""
    _check_tensor("flip", input)
    if isinstance(dims, int):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    return input.flip(_as_ints(dims))


def fliplr(input: Tensor) -> Tensor:
    """Flips a tensor of at least 2 dims left/right (dim 1)."""
    _check_tensor("fliplr", input)
    return input.fliplr()


def flipud(input: Tensor) -> Tensor:
    """Flips a tensor of at least 1 dim up/down (dim 0)."""
    _check_tensor("flipud", input)
    return input.flipud()


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Rolls elements along ``dims`` by ``shifts`` (the flattened tensor when ``dims`` is None)."""
    _check_tensor("roll", input)
    return input.roll(shifts, dims)


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotates by 90 degrees ``k`` times in the plane of ``dims``."""
    _check_tensor("rot90", input)
    return input.rot90(k, dims)


def tril(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The lower triangle of the last two dims (elements above ``diagonal`` zeroed)."""
    _check_tensor("tril", input)
    return _finish(input.tril(diagonal), out)


def triu(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The upper triangle of the last two dims (elements below ``diagonal`` zeroed)."""
    _check_tensor("triu", input)
    return _finish(input.triu(diagonal), out)


def diag(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """A 1-D input as the ``diagonal`` of a square matrix, or a 2-D input's ``diagonal`` as a 1-D copy."""
    _check_tensor("diag", input)
    return _finish(input.diag(diagonal), out)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal of ``dim1``/``dim2`` (appended as the last dim)."""
    _check_tensor("diagonal", input)
    return input.diagonal(offset, dim1, dim2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in ``dim1``/``dim2``) whose ``offset`` diagonals are the last dim of ``input``."""
    _check_tensor("diag_embed", input)
    return input.diag_embed(offset, dim1, dim2)


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix."""
    _check_tensor("trace", input)
    return input.trace()


def tile(input: Tensor, dims: Any) -> Tensor:
    """``input`` repeated ``dims`` times per dim (leading 1s added to the shorter of the two)."""
    _check_tensor("tile", input)
    return input.tile(dims)


def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeats each element (or slice along ``dim``) ``repeats`` times; ``repeat_interleave(repeats)``
    gives the indices ``i`` repeated ``repeats[i]`` times."""
    if repeats is None:
        _check_tensor("repeat_interleave", input)
        return _C._repeat_interleave_index(input)
    _check_tensor("repeat_interleave", input)
    return input.repeat_interleave(repeats, dim)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Views of ``tensor`` in chunks of ``split_size_or_sections`` (an int, or a list of sizes)."""
    _check_tensor("split", tensor)
    return tensor.split(split_size_or_sections, dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """``chunks`` views of (nearly) equal size along ``dim`` (fewer if the size does not allow more)."""
    _check_tensor("chunk", input)
    return input.chunk(chunks, dim)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple:
    """Views split into ``n`` sections as equal as possible, or at the given indices."""
    _check_tensor("tensor_split", input)
    return input.tensor_split(indices_or_sections, dim)


def _split_along(name: str, input: Tensor, sections: Any, dim: int, min_dim: int) -> tuple:
    _check_tensor(name, input)
    if input.dim() < min_dim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor "
                           f"with {input.dim()} dimensions!")
    if isinstance(sections, int) and input.size(dim) % sections != 0:
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.size(dim)} is not divisible by the split_size {sections}!")
    return input.tensor_split(sections, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    return _split_along("hsplit", input, indices_or_sections, 1 if input.dim() > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, as views."""
    _check_tensor("unbind", input)
    return input.unbind(dim)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Moves dims ``source`` to positions ``destination`` (the others keep their order)."""
    _check_tensor("movedim", input)
    return input.movedim(source, destination)


moveaxis = movedim


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    _check_tensor("swapaxes", input)
    return input.transpose(axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    _check_tensor("swapdims", input)
    return input.transpose(dim0, dim1)


def unflatten(input: Tensor, dim: int, sizes: Any) -> Tensor:
    """Splits dim ``dim`` into ``sizes`` (a view)."""
    _check_tensor("unflatten", input)
    return input.unflatten(dim, sizes)


def ravel(input: Tensor) -> Tensor:
    _check_tensor("ravel", input)
    return input.contiguous().view(-1)


def broadcast_to(input: Tensor, size: Any) -> Tensor:
    """``input`` expanded to ``size`` (a view)."""
    _check_tensor("broadcast_to", input)
    return input.expand(tuple(size))


def broadcast_shapes(*shapes: Any) -> Any:
    """The shape tensors of ``shapes`` broadcast to, with PyTorch's error."""
    from bibun._size import Size

    result: list = []
    for shape in shapes:
        shape = _as_ints(shape)
        for s in shape:
            if s < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        for i in range(1, len(shape) + 1):
            a, b = result[-i], shape[-i]
            if a == 1 or a == b:
                result[-i] = b
            elif b != 1:
                raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                                   "between arg 0 and arg 1.")
    return Size(result)


def broadcast_tensors(*tensors: Any) -> tuple:
    """Views of ``tensors`` expanded to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape: tuple = ()
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        shape = _broadcast_pair(shape, tuple(t.shape))
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in tensors)


def _broadcast_pair(a: tuple, b: tuple) -> tuple:
    n = builtins.max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                               f"dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def _tensor_list(name: str, tensors: Any) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors: Any, *, out: Tensor | None = None) -> Tensor:
    """Concatenates along dim 1 (dim 0 for 1-D tensors), after ``atleast_1d``."""
    from bibun._functions import cat

    ts = [t.reshape(1) if t.dim() == 0 else t for t in _tensor_list("hstack", tensors)]
    return cat(ts, 0 if ts[0].dim() == 1 else 1, out=out)


def vstack(tensors: Any, *, out: Tensor | None = None) -> Tensor:
    """Concatenates along dim 0, after ``atleast_2d``."""
    from bibun._functions import cat

    ts = [t.reshape(1, -1) if t.dim() < 2 else t for t in _tensor_list("vstack", tensors)]
    return cat(ts, 0, out=out)


row_stack = vstack


def dstack(tensors: Any, *, out: Tensor | None = None) -> Tensor:
    """Concatenates along dim 2, after ``atleast_3d``."""
    from bibun._functions import cat

    def at3(t: Tensor) -> Tensor:
        if t.dim() == 0:
            return t.reshape(1, 1, 1)
        if t.dim() == 1:
            return t.reshape(1, -1, 1)
        if t.dim() == 2:
            return t.unsqueeze(-1)
        return t

    return cat([at3(t) for t in _tensor_list("dstack", tensors)], 2, out=out)


def column_stack(tensors: Any, *, out: Tensor | None = None) -> Tensor:
    """Stacks 1-D tensors as columns (0-d and 1-D become (n, 1)) and concatenates along dim 1."""
    from bibun._functions import cat

    ts = [t.reshape(-1, 1) if t.dim() < 2 else t for t in _tensor_list("column_stack", tensors)]
    return cat(ts, 1, out=out)


def sort(input: Tensor, *args: Any, out: Any = None, **kwargs: Any) -> Any:
    """sort(input, dim=-1, descending=False, *, out=None) or sort(input, *, stable, dim=-1, descending=False):
    (values, indices) of ``input`` sorted along ``dim``; NaN sorts as the largest value."""
    _check_tensor("sort", input)
    return _finish_pair(_sort_type, _C._sort(input, *_sort_args("sort", args, kwargs)), out)


def argsort(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """argsort(input, dim=-1, descending=False) or argsort(input, *, stable, dim=-1, descending=False):
    the indices that sort ``input`` along ``dim``."""
    _check_tensor("argsort", input)
    return _C._argsort(input, *_sort_args("argsort", args, kwargs))


def msort(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input`` sorted along dim 0 (the values only)."""
    _check_tensor("msort", input)
    return _finish(_C._sort(input, 0, False, None)[0], out)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out: Any = None) -> Any:
    """(values, indices) of the ``k`` largest (or smallest) elements along ``dim``."""
    _check_tensor("topk", input)
    return _finish_pair(_topk_type, _C._topk(input, k, dim, largest, sorted), out)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out: Any = None) -> Any:
    """(values, indices) of the ``k``-th smallest element along ``dim``."""
    _check_tensor("kthvalue", input)
    return _finish_pair(_kthvalue_type, _C._kthvalue(input, k, dim, keepdim), out)


def _unique_result(res: tuple, return_inverse: bool, return_counts: bool) -> Any:
    values, inverse, counts = res
    if not return_inverse and not return_counts:
        return values
    out = [values]
    if return_inverse:
        out.append(inverse)
    if return_counts:
        out.append(counts)
    return tuple(out)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Any:
    """The distinct elements (or slices along ``dim``), sorted; optionally each element's index into them
    and how often each occurs. Not differentiable."""
    _check_tensor("unique", input)
    return _unique_result(_C._unique(input, dim, False), return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """Collapses runs of equal consecutive elements (or slices along ``dim``)."""
    _check_tensor("unique_consecutive", input)
    return _unique_result(_C._unique(input, dim, True), return_inverse, return_counts)
