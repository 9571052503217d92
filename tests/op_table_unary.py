"""Op-table rows: unary math ops and clamp/clip (see tests/op_info.py for what a row says)."""

from __future__ import annotations

from typing import Any

import numpy as np
from op_info import FLOATS, INTS, SPECIAL, OpInfo, Sample, layouts, leaf_inplace, not_a_tensor, values


def clamp_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """Number bounds (every layout) and tensor bounds that broadcast, either or both given."""
    out = []
    for bounds in [(-0.5, 0.5), (None, 0.5), (-0.5, None), (1, 2), (0.5, -0.5)]:
        args = bounds if bounds[0] is not None else ()
        kwargs = {} if bounds[0] is not None else {"max": bounds[1]}
        if bounds[1] is None:
            args, kwargs = (), {"min": bounds[0]}
        for name, arr, view in layouts(op, dtype, rng):
            out.append(Sample([arr], args, kwargs, view, f"{name}{bounds}"))
    x = values(op, dtype, (3, 4), rng)
    lo, hi = values(op, dtype, (4,), rng), values(op, dtype, (3, 1), rng)
    if dtype in FLOATS:
        lo = lo - np.asarray(0.5, dtype=dtype)
    out += [
        Sample([x, lo, hi], name="tensor_min_max"),
        Sample([x, lo], name="tensor_min"),
        Sample([x, None, hi], name="tensor_max"),
        Sample([values(op, dtype, (4,), rng), values(op, dtype, (3, 1), rng)], name="broadcast_to_bounds"),
        Sample([x, values(op, dtype, (), rng)], (), {}, None, "0d_tensor_min"),
    ]
    if dtype in FLOATS:
        out.append(Sample([np.array(SPECIAL, dtype=dtype)], (-1.0, 1.0), name="special", grad=False))
    return out


def _unary(name: str, **kw: Any) -> OpInfo:
    kw.setdefault("errors", (not_a_tensor(name), leaf_inplace(name)))
    return OpInfo(name, **kw)


_POSITIVE = (0.2, 3.0)
_UNIT = (-0.9, 0.9)

UNARY = [
    _unary("abs", dtypes=FLOATS + INTS),
    _unary("neg", dtypes=FLOATS + INTS),
    _unary("sign"),
    _unary("exp"),
    _unary("exp2"),
    _unary("expm1"),
    _unary("log", domain=_POSITIVE),
    _unary("log2", domain=_POSITIVE),
    _unary("log10", domain=_POSITIVE),
    _unary("log1p", domain=(-0.5, 2.0)),
    _unary("sqrt", domain=_POSITIVE),
    _unary("rsqrt", domain=_POSITIVE),
    _unary("square"),
    _unary("reciprocal", domain=_POSITIVE),
    _unary("sin"),
    _unary("cos"),
    _unary("tan", domain=(-1.2, 1.2)),
    _unary("asin", domain=_UNIT),
    _unary("acos", domain=_UNIT),
    _unary("atan"),
    _unary("sinh"),
    _unary("cosh"),
    _unary("tanh"),
    _unary("asinh"),
    _unary("acosh", domain=(1.2, 3.0)),
    _unary("atanh", domain=_UNIT),
    _unary("sigmoid"),
    _unary(
        "logit",
        domain=(0.05, 0.95),
        variants=[((), {}), ((), {"eps": 0.2}), ((0.1,), {})],
        errors=(not_a_tensor("logit"), leaf_inplace("logit"), lambda lib, x: lib.logit(x, "a")),
    ),
    _unary("erf"),
    _unary("erfc"),
    _unary("erfinv", domain=_UNIT),
    _unary("floor", dtypes=FLOATS + INTS),
    _unary("ceil", dtypes=FLOATS + INTS),
    _unary(
        "round",
        dtypes=FLOATS + INTS,
        variants=[((), {}), ((), {"decimals": 1}), ((), {"decimals": -1})],
        errors=(
            not_a_tensor("round"),
            leaf_inplace("round"),
            lambda lib, x: lib.round(x.long(), decimals=1),
            lambda lib, x: x.round(1),
        ),
    ),
    _unary("trunc", dtypes=FLOATS + INTS),
    _unary("frac", dtypes=FLOATS),
    _unary(
        "nan_to_num",
        variants=[((), {}), ((), {"nan": 1.5, "posinf": 2.0, "neginf": -3.0}), ((0.5, 10.0), {})],
        errors=(not_a_tensor("nan_to_num"), leaf_inplace("nan_to_num"), lambda lib, x: lib.nan_to_num(x, nan="a")),
    ),
]

_CLAMP_ERRORS = (
    lambda lib, x: lib.clamp(x),
    lambda lib, x: x.clamp(),
    lambda lib, x: lib.clamp(x, min="a"),
    lambda lib, x: lib.clamp(1.0, 0.0, 1.0),
    lambda lib, x: lib.clamp(x, lib.zeros(3)),
    lambda lib, x: x.clone().clamp_(lib.zeros(3, 2, 4)),
    lambda lib, x: lib.clamp(x.bool(), True, False),
)

CLAMP = [
    OpInfo("clamp", samples=clamp_samples, errors=_CLAMP_ERRORS),
    OpInfo("clip", samples=clamp_samples, errors=_CLAMP_ERRORS),
]

OPS: list[OpInfo] = UNARY + CLAMP
