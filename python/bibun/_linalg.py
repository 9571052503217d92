"""Top-level linear algebra: ``bmm``, ``baddbmm``, ``addbmm``, ``addmm``, ``addmv``, ``vdot``, ``outer``/``ger``,
``kron``, ``cross``, ``tensordot``, ``einsum``, ``det``, ``inverse``, ``cholesky``, ``svd``.

The products are Tensor methods bound in ``csrc/python/linalg_bindings.cpp``; the composite ops (``outer``,
``kron``, ``tensordot``, ``einsum``) are written here with bibun's ops in the order PyTorch composes them, so a
result's ``grad_fn`` is the node PyTorch shows (``einsum('ij,jk->ik')`` ends in ``ViewBackward0``).
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Sequence

from bibun import _C
from bibun._creation import zeros as _zeros
from bibun._reduction import _finish as _finish_tuple
from bibun._reduction import _return_type
from bibun._reduction import return_types as _return_types

Tensor = _C.Tensor

__all__ = [
    "addbmm",
    "addmm",
    "addmv",
    "baddbmm",
    "bmm",
    "cholesky",
    "cross",
    "det",
    "einsum",
    "ger",
    "inverse",
    "kron",
    "outer",
    "svd",
    "tensordot",
    "vdot",
]

_C_TYPE_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "bool": "bool"}


def _check_tensor(fn: str, name: str, x, position: int = 1) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not {type(x).__name__}")


def _finish(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else out._assign_out(result)


def _finish_exact_dtype(result_fn, dtype, out: Tensor | None) -> Tensor:
    """The product family needs an ``out`` of exactly the result's dtype (checked before computing)."""
    if out is not None and out.dtype != dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {_C_TYPE_NAMES[dtype._name]}, but got "
                           f"{_C_TYPE_NAMES[out.dtype._name]} instead")
    return _finish(result_fn(), out)


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Batched matrix product of two 3-D tensors ``(b, n, m) @ (b, m, p)``."""
    _check_tensor("bmm", "input", input)
    return _finish_exact_dtype(lambda: input.bmm(mat2), input.dtype, out)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1,
            out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    _check_tensor("baddbmm", "input", input)
    return _finish_exact_dtype(lambda: input.baddbmm(batch1, batch2, beta=beta, alpha=alpha), input.dtype, out)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1,
           out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``."""
    _check_tensor("addbmm", "input", input)
    return _finish_exact_dtype(lambda: input.addbmm(batch1, batch2, beta=beta, alpha=alpha), input.dtype, out)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * mat1 @ mat2``."""
    _check_tensor("addmm", "input", input)
    return _finish_exact_dtype(lambda: input.addmm(mat1, mat2, beta=beta, alpha=alpha), input.dtype, out)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * mat @ vec``."""
    _check_tensor("addmv", "input", input)
    return _finish_exact_dtype(lambda: input.addmv(mat, vec, beta=beta, alpha=alpha), input.dtype, out)


def vdot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Dot product of two 1-D tensors (the first conjugated; bibun has no complex dtypes)."""
    _check_tensor("vdot", "input", input)
    return _finish_exact_dtype(lambda: input.vdot(other), input.dtype, out)


def outer(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Outer product of two 1-D tensors: ``input[:, None] * vec2`` (``MulBackward0``)."""
    _check_tensor("outer", "input", input)
    _check_tensor("outer", "vec2", vec2, 2)
    if input.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.dim()}-D")
    if vec2.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    return _finish(input.reshape(input.shape[0], 1) * vec2, out)


ger = outer


def kron(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Kronecker product: sizes multiply dim by dim (leading dims of the shorter operand are 1)."""
    _check_tensor("kron", "input", input)
    _check_tensor("kron", "other", other, 2)
    nd = builtins.max(input.dim(), other.dim())
    a_shape = [1] * (nd - input.dim()) + list(input.shape)
    b_shape = [1] * (nd - other.dim()) + list(other.shape)
    a_view, b_view, result_shape = [], [], []
    for sa, sb in zip(a_shape, b_shape):
        a_view += [sa, 1]
        b_view += [1, sb]
        result_shape.append(sa * sb)
    product = input.view(a_view) * other.view(b_view)
    return _finish(_C._unsafe_view(product, result_shape), out)


def _default_cross_dim(input: Tensor, other: Tensor) -> int:
    warnings.warn(
        "Using torch.cross without specifying the dim arg is deprecated.\n"
        "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
        "The default value of dim will change to agree with that of linalg.cross in a future release.",
        UserWarning, stacklevel=3)
    for d, s in enumerate(input.shape):
        if s == 3:
            return d
    raise RuntimeError("no dimension of size 3 in input")


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out: Tensor | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (default: the first dim of size 3, deprecated as in PyTorch)."""
    _check_tensor("cross", "input", input)
    _check_tensor("cross", "other", other, 2)
    if dim is None:
        dim = _default_cross_dim(input, other)
    return _finish(_C._linalg_cross(input, other, dim), out)


def tensordot(a: Tensor, b: Tensor, dims=2, out: Tensor | None = None) -> Tensor:
    """Contracts ``dims`` (a count of trailing/leading dims, or two lists of dims) of ``a`` and ``b``."""
    _check_tensor("tensordot", "a", a)
    _check_tensor("tensordot", "b", b, 2)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > builtins.min(a.dim(), b.dim()):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        dims_a, dims_b = dims
        dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
        dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    ca, cb = [d % a.dim() for d in dims_a], [d % b.dim() for d in dims_b]
    k = 1
    for da, db, oa, ob in zip(ca, cb, dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim {oa} "
                               f"and second has size {b.shape[db]} in dim {ob}")
        k *= a.shape[da]
    free_a = [d for d in range(a.dim()) if d not in ca]
    free_b = [d for d in range(b.dim()) if d not in cb]
    m, n = 1, 1
    for d in free_a:
        m *= a.shape[d]
    for d in free_b:
        n *= b.shape[d]
    left = a.permute(free_a + ca).reshape(m, k)
    right = b.permute(cb + free_b).reshape(k, n)
    result = left.mm(right).reshape([a.shape[d] for d in free_a] + [b.shape[d] for d in free_b])
    return _finish(result, out)


def det(input: Tensor) -> Tensor:
    """Determinant of a square matrix or a batch of them (``LinalgDetBackward0``)."""
    _check_tensor("det", "input", input)
    return _C._linalg_det(input)


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse of a square matrix or a batch of them; singular input raises ``bibun.linalg.LinAlgError``."""
    _check_tensor("inverse", "input", input)
    return _finish(_C._linalg_inv(input), out)


_CHOLESKY_DEPRECATION = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch "
    "release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n"
    "U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
    "This transform will produce equivalent results for all valid (symmetric positive definite) inputs.")


def cholesky(input: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Cholesky factor (deprecated in PyTorch for ``linalg.cholesky``; recorded as ``CholeskyBackward0``)."""
    _check_tensor("cholesky", "input", input)
    warnings.warn(_CHOLESKY_DEPRECATION, UserWarning, stacklevel=2)
    return _finish(input.cholesky(upper), out)


def _check_out_dtypes(A: Tensor, out) -> None:
    """The SVD's ``out=`` tensors must have exactly the input's (floating) dtype, as in PyTorch."""
    if out is None or not A.dtype.is_floating_point:
        return
    for o in (out,) if isinstance(out, Tensor) else out:
        if isinstance(o, Tensor) and o.dtype != A.dtype:
            raise RuntimeError(f"Expected out tensor to have dtype {_C_TYPE_NAMES[A.dtype._name]}, but got "
                               f"{_C_TYPE_NAMES[o.dtype._name]} instead")


_return_type("linalg_svd", ("U", "S", "Vh"))
_return_type("svd", ("U", "S", "V"))


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """``input = U diag(S) Vᵀ`` as the named tuple ``(U, S, V)`` (PyTorch's older ``torch.svd``): ``some`` gives the
    reduced ``U``/``V`` (``linalg.svd(full_matrices=False)``); without ``compute_uv`` only ``S`` is computed and
    ``U`` (m x m) and ``V`` (n x n) are zeros."""
    _check_tensor("svd", "input", input)
    for name, value in (("some", some), ("compute_uv", compute_uv)):
        if not isinstance(value, bool):
            raise TypeError(f"svd(): argument '{name}' must be bool, not {type(value).__name__}")
    if input.dim() < 2:
        raise RuntimeError(f"linalg.svd: input should have at least 2 dimensions, but has {input.dim()} dimensions "
                           f"instead")
    _check_out_dtypes(input, out)
    if compute_uv:
        u, s, vh = _C._linalg_svd(input, not some, True)
        result = (u, s, vh.mT)
    else:
        s = _C._linalg_svdvals(input)
        batch, (m, n) = list(input.shape[:-2]), input.shape[-2:]
        result = (_zeros(batch + [m, m], dtype=input.dtype), s, _zeros(batch + [n, n], dtype=input.dtype))
    return _finish_tuple(_return_types.svd(result), out)


# ---------------------------------------------------------------------------------------------
# einsum: PyTorch's algorithm. Each operand is brought to one label order (output labels, then
# the summed ones) by diagonal (repeated labels), permute and unsqueeze; one operand is summed;
# pairs are contracted left to right by mul (nothing summed) or a bmm, and the summed size-1 dims
# are dropped by a final view.


def _parse_sublist(args: Sequence) -> tuple[str, list]:
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def to_str(sub) -> str:
        out = ""
        for s in sub:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, int) and 0 <= s < 52:
                out += letters[s]
            else:
                raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")
        return out

    operands, subs = [], []
    args = list(args)
    while len(args) >= 2 and isinstance(args[0], Tensor):
        operands.append(args.pop(0))
        subs.append(to_str(args.pop(0)))
    eq = ",".join(subs)
    if args:
        eq += "->" + to_str(args[0])
    return eq, operands


def _split_labels(term: str, what: str) -> list:
    """A term's labels; '...' becomes the marker None."""
    labels, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "..." or None in labels:
                raise RuntimeError(f"einsum(): found {'more than one ellipsis' if None in labels else 'invalid'} "
                                   f"'.' for {what}")
            labels.append(None)
            i += 3
            continue
        if not c.isalpha():
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, subscripts "
                               f"must be in [a-zA-Z]")
        labels.append(c)
        i += 1
    return labels


def _sumproduct_pair(a: Tensor, b: Tensor, sum_dims: list) -> Tensor:
    """sum over ``sum_dims`` of ``a * b`` (same number of dims, broadcasting), keeping them as size 1."""
    if not sum_dims:
        return a * b
    a_only = [d for d in sum_dims if a.shape[d] != 1 and b.shape[d] == 1]
    b_only = [d for d in sum_dims if b.shape[d] != 1 and a.shape[d] == 1]
    if a_only:
        a = a.sum(a_only, keepdim=True)
    if b_only:
        b = b.sum(b_only, keepdim=True)
    sum_dims = [d for d in sum_dims if a.shape[d] != 1 or b.shape[d] != 1]
    if not sum_dims:
        return a * b
    nd = a.dim()
    rest = [d for d in range(nd) if d not in sum_dims]
    lro = [d for d in rest if a.shape[d] == b.shape[d]]
    lo = [d for d in rest if d not in lro and b.shape[d] == 1]
    ro = [d for d in rest if d not in lro and d not in lo]

    def size(t: Tensor, dims: list) -> int:
        p = 1
        for d in dims:
            p *= t.shape[d]
        return p

    left = a.permute(lro + lo + sum_dims + ro).reshape(size(a, lro), size(a, lo), size(a, sum_dims))
    right = b.permute(lro + sum_dims + ro + lo).reshape(size(b, lro), size(b, sum_dims), size(b, ro))
    shape = [a.shape[d] for d in lro] + [a.shape[d] for d in lo] + [1] * len(sum_dims) + [b.shape[d] for d in ro]
    result = left.bmm(right).view(shape)
    order = lro + lo + sum_dims + ro
    inverse = [0] * nd
    for i, d in enumerate(order):
        inverse[d] = i
    return result.permute(inverse)


def einsum(*args) -> Tensor:
    """Einstein summation: ``einsum('ij,jk->ik', a, b)``, with '...', repeated labels (diagonals) and the
    implicit output (labels seen once, in alphabetical order), or the sublist form ``einsum(a, [0, 1], b, [1, 2])``."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, or at least one "
                        "operand and its subscripts list")
    if isinstance(args[0], str):
        equation = args[0]
        operands = list(args[1][0:] if len(args) == 2 and isinstance(args[1], (list, tuple)) else args[1:])
    else:
        equation, operands = _parse_sublist(args)
    for i, op in enumerate(operands):
        _check_tensor("einsum", "operands", op, i + 2)
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    op_labels = [_split_labels(t, f"operand {i}") for i, t in enumerate(terms)]

    # Ellipsis dims: labels of their own (ints), right-aligned across operands.
    ell = 0
    for i, (labels, op) in enumerate(zip(op_labels, operands)):
        named = len([c for c in labels if c is not None])
        if None in labels:
            if op.dim() < named:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) is more than the "
                                   f"number of dimensions ({op.dim()}) for operand {i}")
            ell = builtins.max(ell, op.dim() - named)
        elif op.dim() != named:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does not match the "
                               f"number of dimensions ({op.dim()}) for operand {i} and no ellipsis was given")
    ell_labels = list(range(ell))
    expanded = []
    for labels, op in zip(op_labels, operands):
        if None in labels:
            k = labels.index(None)
            n_ell = op.dim() - (len(labels) - 1)
            labels = labels[:k] + ell_labels[ell - n_ell:] + labels[k + 1:]
        expanded.append(labels)

    counts: dict = {}
    for labels in expanded:
        for c in labels:
            counts[c] = counts.get(c, 0) + 1
    if arrow:
        out_raw = _split_labels(rhs, "output")
        out_labels = []
        for c in out_raw:
            if c is None:
                out_labels += ell_labels
                continue
            if c in out_labels:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in counts:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   f"operand")
            out_labels.append(c)
    else:
        out_labels = ell_labels + sorted(c for c, n in counts.items() if isinstance(c, str) and n == 1)
    sum_labels = [c for c in ell_labels if c not in out_labels]
    sum_labels += sorted(c for c in counts if isinstance(c, str) and c not in out_labels)
    perm = out_labels + sum_labels

    # Label sizes (broadcasting size-1 dims) and each operand in `perm` order.
    sizes: dict = {}
    prepared = []
    for i, (labels, op) in enumerate(zip(expanded, operands)):
        labels = list(labels)
        while True:
            dup = next(((p, q) for p in range(len(labels)) for q in range(p + 1, len(labels))
                        if labels[p] == labels[q]), None)
            if dup is None:
                break
            p, q = dup
            if op.shape[p] != op.shape[q]:
                raise RuntimeError(f"einsum(): subscript {labels[p]} is repeated for operand {i} but the sizes don't "
                                   f"match, {op.shape[p]} != {op.shape[q]}")
            op = op.diagonal(0, p, q)
            c = labels[p]
            labels = [x for k, x in enumerate(labels) if k not in (p, q)] + [c]
        for c, s in zip(labels, op.shape):
            if c in sizes and sizes[c] != s and s != 1 and sizes[c] != 1:
                name = c if isinstance(c, str) else "..."
                raise RuntimeError(f"einsum(): subscript {name} has size {s} for operand {i} which does not broadcast "
                                   f"with previously seen size {sizes[c]}")
            if c not in sizes or sizes[c] == 1:
                sizes[c] = s
        present = [c for c in perm if c in labels]
        op = op.permute([labels.index(c) for c in present])
        if len(operands) > 1:
            for pos, c in enumerate(perm):
                if c not in labels:
                    op = op.unsqueeze(pos)
        prepared.append(op)

    n_out, nd = len(out_labels), len(perm)
    if len(prepared) == 1:
        result = prepared[0]
        if sum_labels:
            result = result.sum(list(range(n_out, nd)))
        return result

    result = prepared[0]
    for j in range(1, len(prepared)):
        later = prepared[j + 1:]
        # Summed dims no later operand has can be contracted now.
        dims = [d for d in range(n_out, nd) if all(t.shape[d] == 1 for t in later)]
        result = _sumproduct_pair(result, prepared[j], dims)
    if sum_labels:
        result = result.view([result.shape[d] for d in range(n_out)])
    return result


def _install_methods() -> None:
    """Tensor methods of the composite ops (PyTorch's ``x.outer(y)``, ``x.kron(y)``, ``x.cross(y, dim)``)."""

    def _outer(self: Tensor, vec2: Tensor) -> Tensor:
        return outer(self, vec2)

    def _kron(self: Tensor, other: Tensor) -> Tensor:
        return kron(self, other)

    def _cross(self: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
        return cross(self, other, dim)

    def _svd(self: Tensor, some: bool = True, compute_uv: bool = True):
        return svd(self, some, compute_uv)

    Tensor.outer = _outer
    Tensor.ger = _outer
    Tensor.kron = _kron
    Tensor.cross = _cross
    Tensor.svd = _svd


_install_methods()
