"""PyTorch names that bibun lacked: top-level aliases and functions (``softmax``, ``subtract``,
``clamp_min``, ``diff``, ``meshgrid``, ``randperm``, ``normal``, ``multinomial``, ...), ``inference_mode``,
and Tensor methods (``x.where(cond, y)``, ``sum_to_size``, ``fill_diagonal_``, ``random_``, ...).

Ops that PyTorch records as one fused node (``ClampMinBackward0``, ``LogaddexpBackward0``,
``SincBackward0``, ``DistBackward0``, ``LogcumsumexpBackward0``, ``RsubBackward0``) are C++
(``csrc/ops/api_gaps.cpp``); the functions here are composites where PyTorch's are too.
"""

from __future__ import annotations

import builtins
import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from bibun import _C
from bibun.autograd.grad_mode import _NoParamGradModeContext, no_grad

Tensor = _C.Tensor

__all__ = [
    "absolute",
    "bernoulli",
    "bucketize",
    "cartesian_prod",
    "cdist",
    "clamp_max",
    "clamp_max_",
    "clamp_min",
    "clamp_min_",
    "combinations",
    "diff",
    "dist",
    "dropout",
    "heaviside",
    "inference_mode",
    "inner",
    "is_inference_mode_enabled",
    "log_softmax",
    "logaddexp",
    "logcumsumexp",
    "logspace",
    "meshgrid",
    "multinomial",
    "multiply",
    "negative",
    "negative_",
    "normal",
    "randperm",
    "rsub",
    "searchsorted",
    "sinc",
    "sinc_",
    "softmax",
    "subtract",
]


def _check_tensor(fn: str, arg: str, value: Any, position: int = 1) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be Tensor, not {type(value).__name__}")


def _finish(result: Tensor, out: Tensor | None, *inputs: Any) -> Tensor:
    """``result``, or ``result`` written into ``out``."""
    if out is None:
        return result
    return out._assign_out(result, *[t for t in inputs if isinstance(t, Tensor)])


# ---- softmax / log_softmax / dropout (torch.softmax(input, dim, dtype=None)) ----


def _check_softmax_dtype(kernel: str, input: Tensor, dim: int, dtype) -> None:
    """PyTorch's softmax kernels take floating inputs only (``dtype=`` casts first)."""
    if dtype is None and not input.dtype.is_floating_point and input.numel() > 0:
        last = input.dim() == 0 or dim in (-1, input.dim() - 1)
        name = f"{kernel}_lastdim_kernel_impl" if last else f"{kernel}_kernel_impl"
        raise NotImplementedError(f"\"{name}\" not implemented for '{_c_name(input.dtype)}'")


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """Softmax of ``input`` along ``dim`` (``SoftmaxBackward0``); ``dtype`` casts the input first."""
    _check_tensor("softmax", "input", input)
    _check_softmax_dtype("softmax", input, dim, dtype)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, dtype=None, *, out: Tensor | None = None) -> Tensor:
    """Log of the softmax along ``dim`` (``LogSoftmaxBackward0``)."""
    _check_tensor("log_softmax", "input", input)
    _check_softmax_dtype("log_softmax", input, dim, dtype)
    return _finish(input.log_softmax(dim, dtype=dtype), out, input)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``nn.functional.dropout(input, p, training=train)``."""
    from bibun.nn import functional as F

    _check_tensor("dropout", "input", input)
    if p < 0.0 or p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    return F.dropout(input, p, train)


# ---- arithmetic aliases ----


def subtract(input: Tensor, other, *, alpha=1, out: Tensor | None = None) -> Tensor:
    """Alias of ``sub``: ``input - alpha * other``."""
    import bibun

    return bibun.sub(input, other, alpha=alpha, out=out)


def multiply(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
    """Alias of ``mul``."""
    import bibun

    return bibun.mul(input, other, out=out)


def absolute(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Alias of ``abs``."""
    import bibun

    return bibun.abs(input, out=out)


def negative(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Alias of ``neg``."""
    import bibun

    return bibun.neg(input, out=out)


def negative_(input: Tensor) -> Tensor:
    """In-place ``negative``."""
    return input.neg_()


def rsub(input: Tensor, other, alpha=1) -> Tensor:
    """``other - alpha * input`` (``RsubBackward0`` for a tensor ``other``, ``RsubBackward1`` for a number)."""
    if not isinstance(input, Tensor) or not isinstance(other, (Tensor, builtins.bool, builtins.int, builtins.float)):
        raise TypeError(
            f"rsub() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}), but expected one of:\n * (Tensor input, Tensor other, *, Number alpha = 1)\n"
            " * (Tensor input, Number other, Number alpha = 1)\n"
        )
    if isinstance(other, Tensor):
        return _C._rsub_tensor(input, other, alpha)
    return _C._rsub_scalar(input, other, alpha)


def _bound_error(fn: str, arg: str, input, bound) -> TypeError:
    return TypeError(
        f"{fn}() received an invalid combination of arguments - got ({type(input).__name__}, {type(bound).__name__}), "
        f"but expected one of:\n * (Tensor input, Tensor {arg}, *, Tensor out = None)\n"
        f" * (Tensor input, Number {arg}, *, Tensor out = None)\n"
    )


def clamp_min(input: Tensor, min, *, out: Tensor | None = None) -> Tensor:
    """``max(input, min)`` elementwise (``ClampMinBackward0`` for a number, ``ClampMinBackward1`` for a tensor)."""
    if not isinstance(input, Tensor) or not isinstance(min, (Tensor, builtins.bool, builtins.int, builtins.float)):
        raise _bound_error("clamp_min", "min", input, min)
    return _finish(input.clamp_min(min), out, input, min)


def clamp_max(input: Tensor, max, *, out: Tensor | None = None) -> Tensor:
    """``min(input, max)`` elementwise (``ClampMaxBackward0`` / ``ClampMaxBackward1``)."""
    if not isinstance(input, Tensor) or not isinstance(max, (Tensor, builtins.bool, builtins.int, builtins.float)):
        raise _bound_error("clamp_max", "max", input, max)
    return _finish(input.clamp_max(max), out, input, max)


def clamp_min_(input: Tensor, min) -> Tensor:
    """In-place ``clamp_min``."""
    return input.clamp_min_(min)


def clamp_max_(input: Tensor, max) -> Tensor:
    """In-place ``clamp_max``."""
    return input.clamp_max_(max)


def logaddexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow (``LogaddexpBackward0``)."""
    _check_tensor("logaddexp", "input", input)
    _check_tensor("logaddexp", "other", other, 2)
    return _finish(input.logaddexp(other), out, input, other)


def sinc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Normalized sinc ``sin(pi x) / (pi x)``, 1 at 0 (``SincBackward0``)."""
    _check_tensor("sinc", "input", input)
    return _finish(input.sinc(), out, input)


def sinc_(input: Tensor) -> Tensor:
    """In-place ``sinc``."""
    return input.sinc_()


def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:
    """0 where ``input < 0``, ``values`` where ``input == 0``, 1 where ``input > 0``."""
    _check_tensor("heaviside", "input", input)
    _check_tensor("heaviside", "values", values, 2)
    return _finish(input.heaviside(values), out, input, values)


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast), ``DistBackward0``."""
    _check_tensor("dist", "input", input)
    _check_tensor("dist", "other", other, 2)
    return input.dist(other, p)


def logcumsumexp(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    """``log(cumsum(exp(input), dim))`` computed stably (``LogcumsumexpBackward0``)."""
    _check_tensor("logcumsumexp", "input", input)
    return _finish(input.logcumsumexp(dim), out, input)


def inner(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Sum of products over the last dims; a 0-d operand multiplies (as PyTorch's tensordot form)."""
    _check_tensor("inner", "input", input)
    _check_tensor("inner", "other", other, 2)
    if input.dim() == 0 or other.dim() == 0:
        return _finish(input * other, out, input, other)
    k1, k2 = input.shape[-1], other.shape[-1]
    if k1 != k2:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    a = input.reshape(math.prod(input.shape[:-1]), k1)
    b = other.reshape(math.prod(other.shape[:-1]), k2)
    result = a.mm(b.t()).view(tuple(input.shape[:-1]) + tuple(other.shape[:-1]))
    return _finish(result, out, input, other)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``, after joining ``prepend`` and ``append``."""
    import bibun

    _check_tensor("diff", "input", input)
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    for extra in (prepend, append):
        if extra is not None and extra.dim() != input.dim():
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    if n == 0:  # PyTorch returns a copy (CopyBackwards)
        import bibun

        return _finish(bibun.empty_like(input).copy_(input), out, input)
    x = input
    if prepend is not None or append is not None:
        x = bibun.cat([t for t in (prepend, x, append) if t is not None], dim)
    if out is not None and x.shape[dim] == 0:  # PyTorch's out= form narrows an empty dim unguarded
        raise IndexError("start out of range (expected to be in range of [0, 0], but got 1)")
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        hi = x.narrow(dim, 1, length - 1)
        lo = x.narrow(dim, 0, length - 1)
        x = hi.logical_xor(lo) if x.dtype == bibun.bool else hi - lo
    return _finish(x, out, input)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """Pairwise ``p``-norm distances between the rows of ``x1`` (..., P, M) and ``x2`` (..., R, M).

    As PyTorch: ``CdistBackward0``, except for p = 2 through the matrix-product form (rows > 25, or
    ``use_mm_for_euclid_dist``), a composite ending in a view."""
    import bibun

    _check_tensor("cdist", "x1", x1)
    _check_tensor("cdist", "x2", x2, 2)
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    use_mm = p == 2 and x1.dim() >= 2 and x2.dim() >= 2 and (
        compute_mode == "use_mm_for_euclid_dist"
        or (compute_mode == _CDIST_MODES[0] and (x1.shape[-2] > 25 or x2.shape[-2] > 25))
    )
    if not use_mm or x1.shape[-1] != x2.shape[-1] or x1.dtype != x2.dtype or not x1.dtype.is_floating_point:
        return _C._cdist(x1, x2, float(p))
    batch = bibun.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    a = x1.expand(tuple(batch) + tuple(x1.shape[-2:]))
    b = x2.expand(tuple(batch) + tuple(x2.shape[-2:]))
    a_norm = a.pow(2).sum(-1, keepdim=True)
    b_norm = b.pow(2).sum(-1, keepdim=True)
    a_aug = bibun.cat([a * -2, a_norm, bibun.ones_like(a_norm)], -1)
    b_aug = bibun.cat([b, bibun.ones_like(b_norm), b_norm], -1)
    dist2 = a_aug.matmul(b_aug.transpose(-1, -2))
    result = dist2.clamp_min(1e-30).sqrt()
    return result.view(tuple(batch) + (x1.shape[-2], x2.shape[-2]))


# ---- grids and combinatorics ----


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids of 0-d/1-D tensors; ``indexing='ij'`` (matrix) or ``'xy'`` (Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    if builtins.any(t.dtype != tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    swap = indexing == "xy" and len(tensors) >= 2
    ts = list(tensors)
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    grids = []
    for i, t in enumerate(ts):
        view_shape = [1] * len(ts)
        view_shape[i] = -1
        grids.append(t.view(view_shape).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Rows of all combinations of the elements of the 1-D ``tensors`` (``itertools.product``)."""
    import bibun

    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return bibun.stack([g.flatten() for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """Rows of the length-``r`` combinations of the elements of the 1-D ``input``."""
    import bibun

    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return bibun.empty(0, dtype=input.dtype)
    n = input.shape[0]
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(n), r)), dtype=np.int64).reshape(-1, r)
    cols = [input[bibun.from_numpy(np.ascontiguousarray(rows[:, k]))] for k in range(r)]
    return bibun.stack(cols, 1)


# ---- creation and random ----


def logspace(start, end, steps: int, base: float = 10.0, *, out: Tensor | None = None, dtype=None,
             layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` values ``base ** linspace(start, end, steps)``."""
    import bibun

    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    target = dtype or (out.dtype if out is not None else bibun.get_default_dtype())
    exps = np.linspace(float(start), float(end), int(steps), dtype=np.float64)
    values = np.power(float(base), exps)
    if target in (bibun.int64, bibun.int32):
        values = values.astype(np.int64)
    result = bibun.from_numpy(np.ascontiguousarray(values)).to(target)
    result.requires_grad_(requires_grad)
    return _finish(result, out)


def randperm(n: int, *, generator=None, out: Tensor | None = None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype``), drawn from bibun's generator."""
    import bibun

    dtype = dtype or (out.dtype if out is not None else bibun.int64)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dtype == bibun.bool:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if requires_grad and dtype not in (bibun.float32, bibun.float64):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    keys = bibun.rand(n, dtype=bibun.float64)
    result = keys.argsort().to(dtype)
    result.requires_grad_(requires_grad)
    return _finish(result, out)


def normal(mean, std=1.0, size=None, *, generator=None, out: Tensor | None = None, dtype=None, layout=None,
           device=None, pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std) for tensor or number ``mean``/``std`` (broadcast), or of ``size``
    for two numbers. Gradients of tensor arguments are zero, as in PyTorch (``NormalBackward1/2/3``)."""
    import bibun

    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_t and not std_t:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got "
                f"({type(mean).__name__}, {type(std).__name__}), but expected one of:\n"
                " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
                " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
                "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
                "bool pin_memory = False, bool requires_grad = False)\n"
            )
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        if isinstance(size, builtins.int):
            size = (size,)
        result = bibun.empty(tuple(size), dtype=dtype or (out.dtype if out is not None else None))
        result.normal_(float(mean), float(std))
        result.requires_grad_(requires_grad)
        return _finish(result, out)
    for t in (mean, std):
        if isinstance(t, Tensor) and t.dtype not in (bibun.float32, bibun.float64):
            raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{_c_name(t.dtype)}'")
    if not std_t and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if std_t and std.numel() > 0 and builtins.bool((std < 0).any()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    with no_grad():
        m = mean if mean_t else bibun.tensor(float(mean), dtype=std.dtype)
        s = std if std_t else bibun.tensor(float(std), dtype=mean.dtype)
        probe = m + s  # the broadcast shape and dtype, with PyTorch's error for shapes that do not broadcast
        shape = probe.shape if mean_t and std_t else (m.shape if mean_t else s.shape)
        noise = bibun.randn(shape, dtype=probe.dtype)
        result = noise * s + m
        if result.shape != tuple(shape):
            result = result.expand(shape).contiguous()
    _C._record_normal(result, mean if mean_t else None, std if std_t else None)
    return _finish(result, out)


def _c_name(dtype) -> str:
    return {"bool": "Bool", "int32": "Int", "int64": "Long", "float32": "Float", "float64": "Double"}[
        str(dtype).split(".")[-1]
    ]


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None,
                out: Tensor | None = None) -> Tensor:
    """Indices drawn from the rows of ``input`` (non-negative weights), with or without replacement."""
    import bibun

    _check_tensor("multinomial", "input", input)
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input.dtype not in (bibun.float32, bibun.float64):
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {_c_name(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = input.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    p = input.detach().to(bibun.float64)
    rows = p if p.dim() == 2 else p.unsqueeze(0)
    arr = rows.numpy()
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(arr.sum(-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    n_rows = arr.shape[0]
    if replacement:
        cdf = np.cumsum(arr, -1)
        cdf = cdf / cdf[:, -1:]
        u = bibun.rand(n_rows, num_samples, dtype=bibun.float64).numpy()
        idx = np.stack([np.searchsorted(cdf[r], u[r], side="right") for r in range(n_rows)])
        # side="right" never lands on a zero-weight category: its cdf step equals its predecessor's
        idx = np.minimum(idx, n_cat - 1)
    else:
        # Exponential race: sorting E_i / p_i samples categories without replacement in proportion
        # to their weights; zero weights come last (E / 0 = inf), as PyTorch takes them last.
        e = -np.log1p(-bibun.rand(n_rows, n_cat, dtype=bibun.float64).numpy())
        with np.errstate(divide="ignore"):
            keys = np.where(arr > 0, e / np.where(arr > 0, arr, 1.0), np.inf)
        idx = np.argsort(keys, -1, kind="stable")[:, :num_samples]
    result = bibun.from_numpy(np.ascontiguousarray(idx.astype(np.int64)))
    if input.dim() == 1:
        result = result.squeeze(0)
    return _finish(result, out)


def bernoulli(input: Tensor, p=None, *, generator=None, out: Tensor | None = None) -> Tensor:
    """0/1 samples: 1 with probability ``input`` (elementwise), or with probability ``p`` when given.

    As PyTorch: ``BernoulliBackward0`` (zero gradient) for the probabilities form; ``bernoulli(input, p)``
    records ``torch::autograd::NotImplemented``."""
    _check_tensor("bernoulli", "input", input)
    if p is None:
        if not input.dtype.is_floating_point:
            raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_c_name(input.dtype)}'")
        with no_grad():
            result = _bernoulli_(input.detach().new_empty(tuple(input.shape)), input.detach())
    else:
        with no_grad():
            result = _bernoulli_(input.detach().new_empty(tuple(input.shape)), p)
    _C._record_bernoulli(result, input, p is not None)
    return _finish(result, out, input)


def _bernoulli_method(self: Tensor, p=None, *, generator=None) -> Tensor:
    return bernoulli(self, p)


# ---- searching ----


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None, out: Tensor | None = None) -> Tensor:
    """Indices where ``input`` would be inserted into the last dim of ``sorted_sequence`` to keep it sorted."""
    import bibun

    _check_tensor("searchsorted", "sorted_sequence", sorted_sequence)
    scalar_input = not isinstance(input, Tensor)
    values = bibun.tensor(input) if scalar_input else input
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"
            )
        right = side == "right"
    seq_shape, val_shape = list(sorted_sequence.shape), list(values.shape)
    if sorted_sequence.dim() == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension"
        )
    if sorted_sequence.dim() != 1 and (
        scalar_input or values.dim() != sorted_sequence.dim() or seq_shape[:-1] != val_shape[:-1]
    ):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
            f"tensor and input value tensor must match, but we got boundaries tensor {seq_shape} and input value "
            f"tensor {val_shape}"
        )
    seq = sorted_sequence.detach().numpy()
    if sorter is not None:
        if sorter.shape != sorted_sequence.shape:
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor "
                f"{seq_shape}and got sorter tensor {list(sorter.shape)}"
            )
        seq = np.take_along_axis(seq, sorter.numpy(), -1)
    vals = values.detach().numpy()
    np_side = "right" if right else "left"
    if seq.ndim == 1:
        idx = np.searchsorted(seq, vals, side=np_side)
    else:
        flat_seq = seq.reshape(-1, seq.shape[-1])
        flat_val = vals.reshape(-1, vals.shape[-1])
        idx = np.stack([np.searchsorted(flat_seq[r], flat_val[r], side=np_side) for r in range(flat_seq.shape[0])])
        idx = idx.reshape(vals.shape)
    result = bibun.from_numpy(np.array(idx, dtype=np.int32 if out_int32 else np.int64))
    return _finish(result, out)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False,
              out: Tensor | None = None) -> Tensor:
    """The bucket of each element of ``input`` under the 1-D sorted ``boundaries``."""
    _check_tensor("bucketize", "boundaries", boundaries, 2)
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# ---- inference mode ----

_inference_depth = [0]


class inference_mode(_NoParamGradModeContext):
    """Context manager (and decorator) for inference: gradient recording is off inside.

    bibun has no inference tensors: tensors made inside are ordinary tensors that do not require
    grad (``mode=False`` leaves grad mode as it is)."""

    def __new__(cls, mode: Any = True):
        if callable(mode) and not isinstance(mode, builtins.bool):  # @inference_mode without parentheses
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        self.mode = mode if isinstance(mode, builtins.bool) else True
        self._prev = False

    def clone(self) -> inference_mode:
        return inference_mode(self.mode)

    def __enter__(self) -> None:
        self._prev = _C.is_grad_enabled()
        if self.mode:
            _C._set_grad_enabled(False)
            _inference_depth[0] += 1

    def __exit__(self, *exc: object) -> None:
        if self.mode:
            _inference_depth[0] -= 1
        _C._set_grad_enabled(self._prev)


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode()`` block is active."""
    return _inference_depth[0] > 0


# ---- Tensor methods ----


def _where_method(self: Tensor, condition: Tensor, y) -> Tensor:
    """``x.where(condition, y)``: ``x`` where ``condition`` holds, else ``y``."""
    import bibun

    return bibun.where(condition, self, y)


def _sum_to_size(self: Tensor, *size) -> Tensor:
    """Sums ``self`` down to ``size`` (the reverse of ``expand``)."""
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    size = tuple(builtins.int(s) for s in size)
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    ok = lead >= 0 and builtins.all(t == s or t == 1 for t, s in zip(size, shape[lead:]))
    if not ok:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    if size == shape:
        return self
    dims = list(range(lead)) + [lead + i for i, (t, s) in enumerate(zip(size, shape[lead:])) if t == 1 and s != 1]
    result = self.sum(dims, keepdim=True) if dims else self
    return result.view(size) if lead > 0 else result


def _fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Fills the main diagonal in place, through a diagonal view (``CopySlices`` as in PyTorch); ``wrap``
    restarts the diagonal of a tall matrix every ``columns + 1`` rows."""
    nd = self.dim()
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    shape = tuple(self.shape)
    if nd > 2 and builtins.any(s != shape[0] for s in shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    diag = self
    while diag.dim() > 1:
        diag = diag.diagonal(0, 0, 1)
    diag.fill_(fill_value)
    if wrap and nd == 2 and shape[0] > shape[1] + 1:
        _fill_diagonal_(self[shape[1] + 1:], fill_value, wrap=True)
    return self


def _is_complex(self: Tensor) -> bool:
    """False: bibun has no complex dtypes."""
    return False


def _is_signed(self: Tensor) -> bool:
    """Whether the dtype is signed (every bibun dtype except bool)."""
    import bibun

    return self.dtype != bibun.bool


def _inner_method(self: Tensor, other: Tensor) -> Tensor:
    return inner(self, other)


def _diff_method(self: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
                 append: Tensor | None = None) -> Tensor:
    return diff(self, n, dim, prepend, append)


def _fill_from(self: Tensor, values: Tensor) -> Tensor:
    """Copies sampled ``values`` into ``self`` as one in-place write (no gradient, as PyTorch's samplers)."""
    import bibun

    if bibun.is_grad_enabled() and self.requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    with no_grad():
        self.copy_(values)
    return self


_RANDOM_SPAN = {"float32": 2**24, "float64": 2**53, "int32": 2**31 - 1, "int64": 2**63 - 1, "bool": 1}


def _random_(self: Tensor, from_=None, to=None, *, generator=None) -> Tensor:
    """Integers drawn uniformly from ``[from, to - 1]`` (``random_(to)``: ``[0, to - 1]``; no bounds: the
    dtype's exactly representable non-negative range)."""
    import bibun

    name = str(self.dtype).split(".")[-1]
    if from_ is not None and to is None:
        low, high = 0, builtins.int(from_)
    elif from_ is None:
        low, high = 0, _RANDOM_SPAN[name] + 1 if to is None else builtins.int(to)
    else:
        low, high = builtins.int(from_), builtins.int(to)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if name == "int32" and (high - 1 > 2**31 - 1 or low < -(2**31)):
        raise RuntimeError("to - 1 is out of bounds for int")
    if name == "float32" and (from_ is not None or to is not None) and (high - 1 > 2**24 or low < -(2**24)):
        warnings.warn(
            "to - 1 is out of bounds [-(2^24), 2^24]. Due to precision limitations float can support discrete "
            "uniform distribution only within this range. This warning will become an error in version 1.7 "
            "release, please fix the code in advance",
            UserWarning,
            stacklevel=2,
        )
    if high - low > 2**63 - 1:
        values = bibun.randint(0, 2**62, tuple(self.shape)) * 2 + bibun.randint(0, 2, tuple(self.shape))
    else:
        values = bibun.randint(low, high, tuple(self.shape))
    return _fill_from(self, values)


def _exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fills ``self`` with samples of the exponential distribution of rate ``lambd``."""
    import bibun

    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    if self.dtype not in (bibun.float32, bibun.float64):
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be a floating point "
            f"but you specified {_c_name(self.dtype)}"
        )
    u = bibun.rand(tuple(self.shape), dtype=bibun.float64)
    return _fill_from(self, (-(-u).log1p() / lambd).to(self.dtype))


def _bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fills ``self`` with 1 with probability ``p`` (a number or a tensor broadcast to ``self``), else 0."""
    import bibun

    if isinstance(p, Tensor):
        if p.numel() > 0 and builtins.bool(((p < 0) | (p > 1)).any()):
            raise RuntimeError(
                "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
                "improved?  If so, please report an enhancement request to PyTorch.)"
            )
        prob = p.detach().to(bibun.float64).expand(tuple(self.shape))
    else:
        if not 0.0 <= p <= 1.0:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
        prob = p
    u = bibun.rand(tuple(self.shape), dtype=bibun.float64)
    return _fill_from(self, (u < prob).to(self.dtype))


def _apply_(self: Tensor, callable: Callable) -> Tensor:
    """Replaces each element ``v`` by ``callable(v)`` (slow: a Python call per element)."""
    import bibun

    if self.requires_grad:
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead.")
    py_type = builtins.bool if self.dtype == bibun.bool else (
        builtins.float if self.dtype in (bibun.float32, bibun.float64) else builtins.int
    )
    values = [py_type(callable(v)) for v in self.detach().flatten().tolist()]
    result = bibun.tensor(values, dtype=self.dtype).view(tuple(self.shape))
    return _fill_from(self, result)


def _map_(self: Tensor, tensor: Tensor, callable: Callable) -> Tensor:
    """Replaces each ``a`` of ``self`` by ``callable(a, b)`` with ``b`` from ``tensor`` (broadcast)."""
    import bibun

    if self.requires_grad:
        raise RuntimeError("Can't call map_() on Variable that requires grad. Use var.detach().map_() instead.")
    other = tensor.detach().expand(tuple(self.shape))
    py_type = builtins.bool if self.dtype == bibun.bool else (
        builtins.float if self.dtype in (bibun.float32, bibun.float64) else builtins.int
    )
    pairs = zip(self.detach().flatten().tolist(), other.flatten().tolist())
    values = [py_type(callable(a, b)) for a, b in pairs]
    result = bibun.tensor(values, dtype=self.dtype).view(tuple(self.shape))
    return _fill_from(self, result)


def _install_methods() -> None:
    cls = Tensor

    def alias(name: str, target: str) -> None:
        fn = getattr(cls, target)

        def method(self, *args, **kwargs):
            return fn(self, *args, **kwargs)

        method.__name__ = method.__qualname__ = name
        method.__doc__ = f"Alias of ``Tensor.{target}``."
        setattr(cls, name, method)

    for name, target in (
        ("subtract", "sub"),
        ("subtract_", "sub_"),
        ("multiply", "mul"),
        ("multiply_", "mul_"),
        ("absolute", "abs"),
        ("absolute_", "abs_"),
        ("negative", "neg"),
        ("negative_", "neg_"),
    ):
        if not hasattr(cls, name):
            alias(name, target)
    extras = {
        "where": _where_method,
        "sum_to_size": _sum_to_size,
        "fill_diagonal_": _fill_diagonal_,
        "is_complex": _is_complex,
        "is_signed": _is_signed,
        "inner": _inner_method,
        "diff": _diff_method,
        "random_": _random_,
        "exponential_": _exponential_,
        "bernoulli_": _bernoulli_,
        "bernoulli": _bernoulli_method,
        "apply_": _apply_,
        "map_": _map_,
    }
    for name, fn in extras.items():
        if not hasattr(cls, name):
            setattr(cls, name, fn)


_install_methods()
