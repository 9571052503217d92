"""``bibun.linalg``: norms, ``det``, ``inv``, ``solve``, ``cholesky``, ``svd``/``svdvals``, ``cross`` (PyTorch's
``torch.linalg``).

``det``/``inv``/``solve``/``cholesky`` run LAPACK from the bundled OpenBLAS on batches of matrices and record
PyTorch's nodes (``LinalgDetBackward0``, ``LinalgInvExBackward0``, ...). A singular input raises
``LinAlgError`` (a ``RuntimeError``) with PyTorch's text.
"""

from __future__ import annotations

import math
from builtins import min as builtins_min

from bibun import _C
from bibun._linalg import _check_out_dtypes
from bibun._reduction import _finish as _finish_tuple
from bibun._reduction import return_types

Tensor = _C.Tensor
LinAlgError = _C._LinAlgError
LinAlgError.__module__ = "bibun.linalg"

__all__ = [
    "LinAlgError",
    "cholesky",
    "cross",
    "det",
    "inv",
    "matmul",
    "matrix_norm",
    "norm",
    "solve",
    "svd",
    "svdvals",
    "vector_norm",
]


def _check_tensor(fn: str, name: str, x, position: int = 1) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg_{fn}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(x).__name__}")


def _finish(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else out._assign_out(result)


def det(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Determinant of a square matrix or a batch of them; 0 (with PyTorch's gradient) for singular ones."""
    _check_tensor("det", "A", A)
    return _finish(_C._linalg_det(A), out)


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse of a square matrix or a batch of them; a singular one raises ``LinAlgError``."""
    _check_tensor("inv", "A", A)
    return _finish(_C._linalg_inv(A), out)


def _check_bool(fn: str, name: str, value) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{fn}(): argument '{name}' must be bool, not {type(value).__name__}")


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Tensor | None = None) -> Tensor:
    """The solution X of ``A X = B``, or of ``X A = B`` when ``left=False`` (``B`` a vector or a batch of them, or
    matrices; batches broadcast)."""
    _check_tensor("solve", "A", A)
    _check_tensor("solve", "B", B, 2)
    _check_bool("linalg_solve", "left", left)
    return _finish(_C._linalg_solve(A, B, left), out)


def cholesky(A: Tensor, *, upper: bool = False, out: Tensor | None = None) -> Tensor:
    """Cholesky factor L (``A = L L^T``) of a symmetric positive-definite matrix, or U = L^T if ``upper``."""
    _check_tensor("cholesky", "A", A)
    return _finish(_C._linalg_cholesky(A, upper), out)


_DRIVER_ERROR = "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend."


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """``A = U diag(S) Vh`` for each matrix of ``A`` (LAPACK's gesdd), as the named tuple ``(U, S, Vh)`` with ``S``
    descending. ``full_matrices=True`` gives square ``U`` (m x m) and ``Vh`` (n x n), else ``U`` (m x k) and ``Vh``
    (k x n), ``k = min(m, n)``. Differentiable (``LinalgSvdBackward0``, twice too) for losses that do not depend on
    the signs of the singular vectors; with ``full_matrices`` only their first ``k`` take part, as in PyTorch."""
    _check_tensor("svd", "A", A)
    _check_bool("linalg_svd", "full_matrices", full_matrices)
    if driver is not None:
        raise RuntimeError(_DRIVER_ERROR)
    if out is not None and not isinstance(out, (tuple, list)):
        raise TypeError(f"linalg_svd(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
    if out is not None and len(out) != 3:
        raise TypeError(f"expected tuple of 3 elements but got {len(out)}")
    _check_out_dtypes(A, out)
    return _finish_tuple(return_types.linalg_svd(_C._linalg_svd(A, full_matrices, True)), out)


def svdvals(A: Tensor, *, driver=None, out: Tensor | None = None) -> Tensor:
    """Singular values of each matrix of ``A`` (descending); with a gradient to record they come from ``svd``
    (``LinalgSvdBackward0``), so they differentiate twice."""
    _check_tensor("svdvals", "A", A)
    if driver is not None:
        raise RuntimeError(_DRIVER_ERROR)
    _check_out_dtypes(A, out)
    return _finish(_C._linalg_svdvals(A), out)


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (batch dims broadcast)."""
    _check_tensor("cross", "input", input)
    _check_tensor("cross", "other", other, 2)
    return _finish(_C._linalg_cross(input, other, dim), out)


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Alias of ``bibun.matmul``."""
    from bibun._functions import matmul as _matmul

    return _matmul(input, other, out=out)


_C_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool"}


def _vector_norm_input(x: Tensor, dtype, fn: str) -> Tensor:
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got {_C_NAMES[x.dtype._name]}")
    if dtype is None:
        return x
    if not dtype.is_floating_point:
        raise RuntimeError(f"{fn}: dtype should be floating point or complex, but got {_C_NAMES[dtype._name]}")
    if x.dtype._name == "float64" and dtype._name == "float32":
        raise RuntimeError(f"{fn}: the dtype of the input ({_C_NAMES[x.dtype._name]}) should be convertible without "
                           f"narrowing to the specified dtype ({_C_NAMES[dtype._name]})")
    return x.to(dtype)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None,
                out: Tensor | None = None) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements by default): ``inf``, ``-inf``, 0 (count of
    non-zeros) or any other float."""
    _check_tensor("vector_norm", "x", x)
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    x = _vector_norm_input(x, dtype, "linalg.vector_norm")
    if isinstance(dim, int):
        dim = [dim]
    return _finish(x._vector_norm(float(ord), dim, keepdim), out)


def _norm_dims(A: Tensor, dim) -> tuple:
    if isinstance(dim, int) or len(dim) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " + str(dim))
    d0, d1 = (d % A.dim() if A.dim() else d for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None,
                out: Tensor | None = None) -> Tensor:
    """Matrix norms over the two dims ``dim``: 'fro', 1, -1, inf, -inf (max/min absolute column/row sum)."""
    _check_tensor("matrix_norm", "A", A)
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    A = _vector_norm_input(A, dtype, "linalg.matrix_norm")
    d0, d1 = _norm_dims(A, dim)
    if ord == "fro":
        return _finish(A._vector_norm(2.0, [d0, d1], keepdim), out)
    if ord == "nuc" or (not isinstance(ord, str) and ord in (2, -2)):
        return _finish(_singular_value_norm(A, ord, d0, d1, keepdim), out)
    if isinstance(ord, str) or ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if abs(ord) == math.inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    sums = A._vector_norm(1.0, [d0], keepdim)
    result = _amax_amin(sums, d1, keepdim, ord > 0)
    return _finish(result, out)


def _amax_amin(x: Tensor, dim: int, keepdim: bool, largest: bool) -> Tensor:
    import bibun  # the reductions are installed on the package after this module is imported

    return bibun.amax(x, dim, keepdim) if largest else bibun.amin(x, dim, keepdim)


def _singular_value_norm(A: Tensor, ord, d0: int, d1: int, keepdim: bool) -> Tensor:
    """'nuc' (sum), 2 (largest) or -2 (smallest) of the singular values over dims (d0, d1)."""
    if builtins_min(A.shape[d0], A.shape[d1]) == 0:
        return A.abs().sum([d0, d1], keepdim)
    rest = [d for d in range(A.dim()) if d not in (d0, d1)]
    s = svdvals(A.permute(rest + [d0, d1]))
    if ord == "nuc":
        result = s.sum(-1, keepdim)
    else:
        result = _amax_amin(s, -1, keepdim, ord > 0)
    if not keepdim:
        return result
    result = result.unsqueeze(-1)
    order = rest + [d0, d1]
    inverse = [0] * A.dim()
    for i, d in enumerate(order):
        inverse[d] = i
    return result.permute(inverse)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None,
         out: Tensor | None = None) -> Tensor:
    """A vector norm (1 dim, or all elements when neither ``ord`` nor ``dim`` is given) or a matrix norm (2
    dims, or a 2-D input with ``ord``)."""
    _check_tensor("norm", "A", A)
    if dim is not None:
        dims = [dim] if isinstance(dim, int) else list(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.dim() not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.dim()}D.")
    if A.dim() == 2 or isinstance(ord, str):
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
