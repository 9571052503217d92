"""Op-table rows: reductions and scans (see tests/op_info.py for what a row says).

Each row's ``variants`` are (args, kwargs) pairs (``dim`` as int, negative, tuple; ``keepdim``;
``dtype``; ``correction``/``unbiased``), tried on every layout of ``layouts`` plus a 2-D empty input
(reducing its empty dim raises as PyTorch), values with ties (gradients shared as PyTorch shares
them; no finite differences there), and for floats inf/nan.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from op_info import FLOATS, INTS, LibDtype, OpInfo, Sample, layouts, leaf_inplace, not_a_tensor, values

_VAR_FAMILY = ("var", "std", "var_mean", "std_mean")


def _ties(dtype: str) -> np.ndarray:
    return np.array([[1, 2, 2, 0], [-1, -1, -1, -1], [0, 3, 0, 3]]).astype(dtype)


def _zeros(dtype: str) -> np.ndarray:
    """Rows with no zero, one zero and two zeros (prod/cumprod's special cases)."""
    return np.array([[0.5, -1.5, 2.0, 0.7], [1.5, 0.0, -0.5, 1.2], [0.0, 0.9, 0.0, -1.1]]).astype(dtype)


def reduction_samples(op: OpInfo, dtype: str, rng: np.random.RandomState, extra: Any = None) -> list:
    out = []
    for args, kwargs in op.variants:
        tag = f"{args}{kwargs}"
        for name, arr, view in layouts(op, dtype, rng):
            if np.asarray(arr).size == 0 and dtype not in op.dtypes:
                continue  # torch skips its dtype check on empty input (median of an empty bool tensor)
            # var of one element divides by zero degrees of freedom: nan, no finite differences
            check = not (name == "0d" and op.name in _VAR_FAMILY)
            out.append(Sample([arr], args, dict(kwargs), view, f"{name}{tag}", gradcheck=check))
        if dtype in op.dtypes:
            out.append(Sample([values(op, dtype, (3, 0), rng)], args, dict(kwargs), None, f"empty2d{tag}"))
        if dtype != "bool":
            out.append(Sample([_ties(dtype)], args, dict(kwargs), None, f"ties{tag}", gradcheck=False))
        if dtype in FLOATS:
            special = np.array([[0.0, math.inf, -1.0], [math.nan, 2.0, 1.0], [-math.inf, -math.inf, 0.5]], dtype=dtype)
            out.append(Sample([special], args, dict(kwargs), None, f"special{tag}", grad=False))
        if extra is not None:
            out.extend(extra(args, kwargs, tag, dtype))
    return out


def _with_zeros(args: tuple, kwargs: dict, tag: str, dtype: str) -> list:
    if dtype not in FLOATS:
        return []
    return [Sample([_zeros(dtype)], args, dict(kwargs), None, f"zeros{tag}"),
            Sample([_zeros(dtype).T.copy()], args, dict(kwargs), None, f"zeros_t{tag}")]


def _constant_rows(args: tuple, kwargs: dict, tag: str, dtype: str) -> list:
    """Zero variance: std's gradient there is zero in PyTorch (not nan)."""
    if dtype not in FLOATS:
        return []
    return [Sample([np.full((2, 3), 0.5, dtype=dtype)], args, dict(kwargs), None, f"constant{tag}", gradcheck=False)]


def _mode_rows(args: tuple, kwargs: dict, tag: str, dtype: str) -> list:
    """Rows long enough for std::sort's introsort (more than 16 elements), with many ties, -0.0 and NaN:
    the value and index that mode picks among equally frequent values, as PyTorch's CPU kernel picks."""
    rng = np.random.RandomState(7)
    many = rng.randint(0, 4, size=(3, 40))
    out = [Sample([many.astype(dtype)], args, dict(kwargs), None, f"many_ties{tag}", gradcheck=False)]
    if dtype in FLOATS:
        special = many.astype(dtype)
        special[0, ::3] = math.nan
        special[1, special[1] == 0] = -0.0
        special[2, ::5] = math.inf
        out.append(Sample([special], args, dict(kwargs), None, f"many_special{tag}", grad=False))
    return out


def _row(name: str, **kw: Any) -> OpInfo:
    extra = kw.pop("extra", None)
    kw.setdefault("inplace", False)
    kw.setdefault("samples", lambda op, dtype, rng: reduction_samples(op, dtype, rng, extra))
    kw.setdefault("errors", (not_a_tensor(name),))
    return OpInfo(name, **kw)


_DIMS = [((), {}), ((), {"dim": 1}), ((), {"dim": (0, -1), "keepdim": True}), ((-1,), {})]
_ONE_DIM = [((), {}), ((1,), {}), ((-1,), {"keepdim": True})]
_SCAN = [((0,), {}), ((-1,), {})]


def _bad_dim(name: str, *args: Any, **kwargs: Any):
    return lambda lib, x: getattr(lib, name)(x, *args, **kwargs)


REDUCTIONS = [
    _row("sum", variants=_DIMS + [((), {"dim": 1, "dtype": LibDtype("float64")})], has_out=True,
         errors=(not_a_tensor("sum"), _bad_dim("sum", (0, 0)), _bad_dim("sum", 2))),
    _row("mean", dtypes=FLOATS, variants=_DIMS, errors=(not_a_tensor("mean"), _bad_dim("mean", (1, -1)))),
    _row("prod", variants=_ONE_DIM + [((), {"dim": 0, "dtype": LibDtype("float64")})], extra=_with_zeros,
         errors=(not_a_tensor("prod"), _bad_dim("prod", (0, 1)))),
    _row("amax", variants=_DIMS, errors=(not_a_tensor("amax"), _bad_dim("amax", (0, 0)))),
    _row("amin", variants=_DIMS),
    _row("max", variants=_ONE_DIM + [((), {"dim": 0})],
         errors=(not_a_tensor("max"), _bad_dim("max", (0, 1)), _bad_dim("max", 0.5), _bad_dim("max", keepdim=True),
                 lambda lib, x: lib.max(x[:0]))),
    _row("min", variants=_ONE_DIM, errors=(not_a_tensor("min"), lambda lib, x: lib.min(x, 2))),
    _row("argmax", dtypes=FLOATS + INTS, differentiable=False,
         variants=[((), {}), ((1,), {}), ((), {"dim": -1, "keepdim": True}), ((), {"keepdim": True})],
         errors=(not_a_tensor("argmax"), _bad_dim("argmax", (0,)), lambda lib, x: lib.argmax(x[:0]))),
    _row("argmin", dtypes=FLOATS + INTS, differentiable=False, variants=[((), {}), ((0,), {})]),
    _row("var", dtypes=FLOATS, extra=_constant_rows,
         variants=[((), {}), ((1,), {}), ((), {"dim": (0, 1), "keepdim": True, "correction": 0}),
                   ((False,), {}), ((-1, False, True), {}), ((), {"dim": 0, "correction": 2})],
         errors=(not_a_tensor("var"), lambda lib, x: lib.var(x, 0, True, correction=1),
                 lambda lib, x: lib.var(x.long()))),
    _row("std", dtypes=FLOATS, extra=_constant_rows,
         variants=[((), {}), ((1,), {"unbiased": False}), ((), {"dim": (-1,), "keepdim": True, "correction": 0})]),
    _row("var_mean", dtypes=FLOATS, method=False, has_out=False, extra=_constant_rows,
         variants=[((), {}), ((1,), {}), ((), {"dim": 0, "keepdim": True, "correction": 0})]),
    _row("std_mean", dtypes=FLOATS, method=False, has_out=False, extra=_constant_rows,
         variants=[((), {}), ((-1,), {"unbiased": False}), ((), {"dim": (0, 1), "keepdim": True})]),
    _row("norm", dtypes=FLOATS, has_out=True,
         variants=[((), {}), ((1,), {}), ((math.inf,), {"dim": 1}), ((-math.inf,), {}), (("fro",), {"dim": (0, 1)}),
                   ((3,), {"dim": -1, "keepdim": True}), ((0.5,), {"dim": 0})],
         errors=(not_a_tensor("norm"), lambda lib, x: lib.norm(x.long()))),
    _row("logsumexp", variants=[((1,), {}), ((-1,), {"keepdim": True}), (((0, 1),), {})],
         errors=(not_a_tensor("logsumexp"), lambda lib, x: lib.logsumexp(x))),
    _row("cumsum", variants=_SCAN + [((1,), {"dtype": LibDtype("float64")})], inplace=True,
         errors=(not_a_tensor("cumsum"), lambda lib, x: lib.cumsum(x), _bad_dim("cumsum", (0,)),
                 leaf_inplace("cumsum"), lambda lib, x: x.cumsum_(2), lambda lib, x: (x * 1).cumsum_(0, dtype=lib.float64),
                 lambda lib, x: lib.cumsum(x.requires_grad_(), 0, dtype=lib.int64))),
    _row("cumprod", variants=_SCAN + [((), {"dim": 0, "dtype": LibDtype("float64")})], extra=_with_zeros,
         domain=(0.5, 1.5), inplace=True,
         errors=(not_a_tensor("cumprod"), leaf_inplace("cumprod"), lambda lib, x: x.bool().cumprod_(0),
                 lambda lib, x: lib.cumprod(x.requires_grad_(), 1, dtype=lib.int32))),
    _row("cummax", variants=_SCAN),
    _row("cummin", variants=_SCAN),
    _row("all", differentiable=False, variants=_DIMS),
    _row("any", differentiable=False, variants=_DIMS),
    _row("count_nonzero", differentiable=False, has_out=False, variants=[((), {}), ((1,), {}), ((), {"dim": (0, 1)})]),
    _row("median", dtypes=FLOATS + INTS, variants=_ONE_DIM),
    _row("mode", variants=[((), {}), ((0,), {}), ((), {"dim": -1, "keepdim": True}), ((1, True), {})],
         extra=_mode_rows,
         errors=(not_a_tensor("mode"), _bad_dim("mode", 2), _bad_dim("mode", (0,)), lambda lib, x: lib.mode(x[:, :0]),
                 lambda lib, x: lib.mode(x, 0.5))),
    _row("nansum", variants=_DIMS[:3]),
    _row("nanmean", dtypes=FLOATS, variants=_DIMS[:3]),
    _row("aminmax", variants=[((), {}), ((), {"dim": 1}), ((), {"dim": -1, "keepdim": True})],
         errors=(not_a_tensor("aminmax"), lambda lib, x: lib.aminmax(x[:0]))),
]

def binary_max_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """max(input, other) / min(input, other): maximum/minimum with broadcasting (ties included)."""
    pairs = [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (3,)), ((0, 2), (2,))]
    out = [Sample([values(op, dtype, a, rng), values(op, dtype, b, rng)], name=f"{a}x{b}") for a, b in pairs]
    x = values(op, dtype, (4, 3), rng)
    out.append(Sample([x, values(op, dtype, (4,), rng)], view=lambda t: t.t(), name="transposed"))
    if dtype != "bool":
        out.append(Sample([_ties(dtype), _ties(dtype)[::-1].copy()], name="ties", gradcheck=False))
    return out


def _binary_max(name: str) -> OpInfo:
    return OpInfo(f"{name}_other", fn=lambda lib: getattr(lib, name), method=False, inplace=False,
                  samples=binary_max_samples, errors=(lambda lib, x: getattr(lib, name)(x, 1.0),))


OPS = REDUCTIONS + [_binary_max("max"), _binary_max("min")]

