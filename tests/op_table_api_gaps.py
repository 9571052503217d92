"""Op-table rows for the API-gap ops (python/bibun/_api_gaps.py, csrc/ops/api_gaps.cpp): aliases
(subtract, multiply, absolute, negative), clamp_min/clamp_max with number and tensor bounds,
logaddexp, sinc, dist, logcumsumexp, heaviside, rsub, diff, inner, softmax/log_softmax.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from op_info import (
    ALL_DTYPES,
    FLOATS,
    INTS,
    OpInfo,
    Sample,
    leaf_inplace,
    not_a_tensor,
    unary_samples,
    values,
)
from op_table_binary import _binary_errors, _tensor_only_errors, binary_samples
from op_table_reduction import _SCAN, _row


def _bound_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """Number bounds (int and float) in every layout, then tensor bounds that broadcast."""
    number = [s for s in unary_samples(op, dtype, rng)]
    return number + binary_samples(scalars=())(OpInfo(op.name, variants=(((), {}),)), dtype, rng)


def _pair_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """Two tensors: same shape, broadcast, 0-d with n-d, empty, non-contiguous first operand."""
    out = []
    for args, kwargs in op.variants:
        for name, s0, s1, view in [("same", (3, 4), (3, 4), None), ("broadcast", (3, 1), (4,), None),
                                   ("0d_nd", (), (2, 3), None), ("empty", (0,), (0,), None),
                                   ("transposed", (4, 3), (3, 4), lambda t: t.t())]:
            out.append(Sample([values(op, dtype, s0, rng), values(op, dtype, s1, rng)], args, dict(kwargs), view,
                              f"{name}{args}{kwargs}"))
    return out


def _diff_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = []
    for name, shape, view in [("1d", (5,), None), ("2d", (3, 4), None), ("transposed", (4, 3), lambda t: t.t()),
                              ("empty", (0, 3), None)]:
        for kwargs in ({}, {"n": 2}, {"dim": 0}, {"n": 0}, {"n": 5}):
            out.append(Sample([values(op, dtype, shape, rng)], (), kwargs, view, f"{name}{kwargs}"))
    out.append(Sample([values(op, dtype, (2, 3), rng), values(op, dtype, (2, 1), rng), values(op, dtype, (2, 2), rng)],
                      (), {"dim": 1}, None, "prepend_append", input_dtypes=()))
    return out


def _diff_call(lib: Any) -> Any:
    def f(x, prepend=None, append=None, **kw):
        return lib.diff(x, prepend=prepend, append=append, **kw)

    return f


def _inner_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    shapes = [((3,), (3,)), ((2, 3), (4, 3)), ((2, 3), (3,)), ((), (2, 3)), ((2, 0), (3, 0)), ((2, 2, 3), (3,))]
    return [Sample([values(op, dtype, a, rng), values(op, dtype, b, rng)], name=f"{a}x{b}") for a, b in shapes]


def _softmax_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = []
    for name, arr, view in [("0d", values(op, dtype, (), rng), None), ("contig", values(op, dtype, (3, 4), rng), None),
                            ("transposed", values(op, dtype, (4, 3), rng), lambda t: t.t()),
                            ("empty", values(op, dtype, (0, 3), rng), None)]:
        if name == "empty" and dtype not in FLOATS:
            continue  # torch runs no kernel on an empty input, so it does not refuse its dtype
        for dim in (0, -1):
            out.append(Sample([arr], (dim,), {}, view, f"{name}_dim{dim}"))
    return out


def _logcumsumexp_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = [s for s in _row("logcumsumexp", variants=_SCAN).samples(OpInfo("logcumsumexp", variants=_SCAN), dtype, rng)]
    if dtype in FLOATS:  # values far apart: a naive log(cumsum(exp(x))) would underflow or overflow
        out.append(Sample([np.array([-800.0, 0.0, 800.0, 1.0], dtype=dtype)], (0,), name="wide", gradcheck=False))
        out.append(Sample([np.array([-np.inf, 1.0, np.inf, np.nan], dtype=dtype)], (0,), name="special", grad=False))
    return out


def _rsub_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return binary_samples(scalars=(2, 2.5))(op, dtype, rng)


OPS = [
    OpInfo("subtract", dtypes=FLOATS + INTS, samples=binary_samples(scalars=(2, 2.5)),
           variants=[((), {}), ((), {"alpha": 2})], errors=_binary_errors("subtract")),
    OpInfo("multiply", samples=binary_samples(), errors=_binary_errors("multiply")),
    OpInfo("absolute", dtypes=FLOATS + INTS, errors=(not_a_tensor("absolute"), leaf_inplace("absolute"))),
    OpInfo("negative", dtypes=FLOATS + INTS, errors=(not_a_tensor("negative"), leaf_inplace("negative"))),
    OpInfo("clamp_min", dtypes=ALL_DTYPES, samples=_bound_samples, variants=[((0.5,), {}), ((-1,), {})],
           errors=(lambda lib, x: lib.clamp_min(x, None), lambda lib, x: lib.clamp_min(x.bool(), True),
                   lambda lib, x: lib.clamp_min(x, lib.zeros(3)), lambda lib, x: x.requires_grad_().clamp_min_(0),
                   lambda lib, x: x.long().clamp_min_(0.5))),
    OpInfo("clamp_max", dtypes=ALL_DTYPES, samples=_bound_samples, variants=[((0.5,), {}), ((1,), {})],
           errors=(lambda lib, x: lib.clamp_max(x, "a"), lambda lib, x: lib.clamp_max(x.bool(), True),
                   lambda lib, x: x.requires_grad_().clamp_max_(x))),
    OpInfo("logaddexp", dtypes=FLOATS, inplace=False, samples=_pair_samples,
           errors=_tensor_only_errors("logaddexp") + (lambda lib, x: lib.logaddexp(x.long(), x.long()),)),
    OpInfo("sinc", errors=(not_a_tensor("sinc"), leaf_inplace("sinc"), lambda lib, x: x.long().sinc_())),
    OpInfo("heaviside", dtypes=ALL_DTYPES, differentiable=False, samples=_pair_samples,
           errors=(lambda lib, x: lib.heaviside(x, 0.5), lambda lib, x: lib.heaviside(x, x.double()))),
    OpInfo("dist", dtypes=FLOATS, inplace=False, has_out=False, samples=_pair_samples,
           variants=[((), {}), ((1,), {}), ((3,), {}), ((float("inf"),), {}), ((0.5,), {})],
           errors=(lambda lib, x: lib.dist(x.long(), x.long()), lambda lib, x: lib.dist(x, lib.zeros(5)))),
    OpInfo("logcumsumexp", dtypes=FLOATS, inplace=False, samples=_logcumsumexp_samples,
           errors=(not_a_tensor("logcumsumexp"), lambda lib, x: lib.logcumsumexp(x, 2),
                   lambda lib, x: lib.logcumsumexp(x.long(), 0))),
    OpInfo("rsub", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False, samples=_rsub_samples,
           variants=[((), {}), ((), {"alpha": 2})],
           errors=(lambda lib, x: lib.rsub(x.bool(), x.bool()), lambda lib, x: lib.rsub(x.long(), x.long(), alpha=1.5),
                   lambda lib, x: lib.rsub(2, x))),
    OpInfo("diff", inplace=False, samples=_diff_samples, fn=_diff_call,
           errors=(lambda lib, x: lib.diff(x[0, 0]), lambda lib, x: lib.diff(x, n=-1),
                   lambda lib, x: lib.diff(x, prepend=lib.zeros(1)))),
    OpInfo("inner", inplace=False, samples=_inner_samples,
           errors=(lambda lib, x: lib.inner(x, lib.zeros(5)),)),
    OpInfo("torch_softmax", fn=lambda lib: lib.softmax, dtypes=FLOATS, method=False, inplace=False, has_out=False, samples=_softmax_samples,
           errors=(lambda lib, x: lib.softmax(x), lambda lib, x: lib.softmax(x.long(), 0))),
    OpInfo("torch_log_softmax", fn=lambda lib: lib.log_softmax, dtypes=FLOATS, method=False, inplace=False,
           has_out=False, samples=_softmax_samples,
           errors=(lambda lib, x: lib.log_softmax(x), lambda lib, x: lib.log_softmax(x.long(), 0))),
]
