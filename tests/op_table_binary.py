"""Op-table rows: binary elementwise ops, comparisons, logical and bitwise ops, float predicates and
``where`` (see tests/op_info.py for what a row says).

Binary samples cover equal shapes, broadcasting pairs, 0-d with n-d, empty, a non-contiguous first
input, Python numbers (int, float, bool) as the second operand and mixed dtypes (float32 with float64,
int32 with int64, bool with int64).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from op_info import FLOATS, INTS, OpInfo, Sample, unary_samples, values

_OTHER_DTYPE = {"float32": "float64", "float64": "float32", "int64": "int32", "int32": "int64", "bool": "int64"}


def _nonzero(arr: np.ndarray) -> np.ndarray:
    """Integer divisors without zeros (integer division by zero raises in both libraries)."""
    arr = np.asarray(arr)
    if arr.dtype.kind in "iub":
        arr = np.where(arr == 0, np.ones_like(arr), arr)
    return arr


def binary_samples(other_domain: tuple | None = None, divisor: bool = False, scalars: tuple = (2, 2.5, True),
                   third: bool = False) -> Callable[[OpInfo, str, np.random.RandomState], list]:
    """A generator of (input, other[, third]) samples; ``other_domain`` draws the other operand(s) from
    another float range, ``divisor`` keeps integer others nonzero, ``scalars`` are the Python numbers
    tried as ``other`` (empty: the op takes tensors only)."""

    def other(op: OpInfo, dtype: str, shape: tuple, rng: np.random.RandomState) -> np.ndarray:
        arr = values(op, dtype, shape, rng)
        if other_domain and dtype in FLOATS:
            arr = rng.uniform(*other_domain, size=shape).astype(dtype)
        return _nonzero(arr) if divisor else arr

    def gen(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        out = []
        pairs = [
            ("same", (3, 4), (3, 4), None),
            ("broadcast", (3, 1), (4,), None),
            ("0d_nd", (), (2, 3), None),
            ("nd_0d", (2, 3), (), None),
            ("empty", (0,), (0,), None),
            ("empty_broadcast", (0, 3), (3,), None),
            ("transposed", (4, 3), (3, 4), lambda t: t.t()),
            ("strided", (3, 8), (3, 4), lambda t: t[:, ::2]),
        ]
        for args, kwargs in op.variants:
            for name, s0, s1, view in pairs:
                inputs = [values(op, dtype, s0, rng), other(op, dtype, s1, rng)]
                if third:
                    inputs.append(other(op, dtype, s1, rng))
                out.append(Sample(inputs, args, dict(kwargs), view, f"{name}{args}{kwargs}"))
            if dtype != "bool":  # bool with int64 would make an op that refuses bool look accepting
                mixed = [values(op, dtype, (2, 3), rng), other(op, _OTHER_DTYPE[dtype], (2, 3), rng)]
                if third:
                    mixed.append(other(op, dtype, (2, 3), rng))
                out.append(Sample(mixed, args, dict(kwargs), name=f"mixed{args}{kwargs}",
                                  input_dtypes=(None, _OTHER_DTYPE[dtype])))
            if not third:
                for s in scalars:
                    out.append(Sample([values(op, dtype, (2, 3), rng)], (s, *args), dict(kwargs),
                                      name=f"scalar_{type(s).__name__}{args}{kwargs}"))
        return out

    return gen


def _tensor_only_errors(name: str) -> tuple:
    return (
        lambda lib, x: getattr(lib, name)(1.0, x),
        lambda lib, x: getattr(lib, name)(x, lib.zeros(3)),
        lambda lib, x: getattr(x, name)(2),
    )


def _binary_errors(name: str) -> tuple:
    def leaf_inplace(lib: Any, x: Any) -> Any:
        x.requires_grad_(True)
        return getattr(x, name + "_")(x)

    return (
        lambda lib, x: getattr(lib, name)(x, lib.zeros(3)),  # shapes that do not broadcast
        lambda lib, x: getattr(lib, name)(x, "a"),
        leaf_inplace,
    )


_DIV_VARIANTS = [((), {}), ((), {"rounding_mode": "trunc"}), ((), {"rounding_mode": "floor"})]
_NONZERO = (0.5, 2.0)

ARITHMETIC = [
    OpInfo("add", samples=binary_samples(), variants=[((), {}), ((), {"alpha": 2})],
           errors=_binary_errors("add") + (lambda lib, x: lib.add(x.long(), 1, alpha=0.5),
                                           lambda lib, x: lib.add(x, x, alpha=True))),
    OpInfo("sub", dtypes=FLOATS + INTS, samples=binary_samples(scalars=(2, 2.5)), variants=[((), {}), ((), {"alpha": 2})],
           errors=_binary_errors("sub") + (lambda lib, x: lib.sub(x.bool(), x.bool()),)),
    OpInfo("mul", samples=binary_samples(), errors=_binary_errors("mul")),
    OpInfo("div", samples=binary_samples(other_domain=_NONZERO, divisor=True), variants=_DIV_VARIANTS,
           errors=_binary_errors("div") + (lambda lib, x: lib.div(x, x, rounding_mode="bad"),
                                           lambda lib, x: lib.div(x.long(), lib.zeros(4).long(),
                                                                  rounding_mode="floor"))),
    OpInfo("true_divide", samples=binary_samples(other_domain=_NONZERO), errors=_binary_errors("true_divide")),
    OpInfo("floor_divide", differentiable=False,
           samples=binary_samples(other_domain=_NONZERO, divisor=True, scalars=(2, 2.5)),
           errors=_binary_errors("floor_divide") + (lambda lib, x: lib.floor_divide(x.long(), 0),)),
    OpInfo("remainder", samples=binary_samples(other_domain=_NONZERO, divisor=True,
                                                                       scalars=(2, -1.5)),
           errors=_binary_errors("remainder") + (lambda lib, x: lib.remainder(x.long(), 0),)),
    OpInfo("fmod", samples=binary_samples(other_domain=_NONZERO, divisor=True,
                                                                  scalars=(2, -1.5)),
           errors=_binary_errors("fmod") + (lambda lib, x: lib.fmod(x.long(), 0),)),
    OpInfo("atan2", samples=binary_samples(scalars=()), errors=_tensor_only_errors("atan2")),
    OpInfo("maximum", inplace=False, samples=binary_samples(scalars=()), errors=_tensor_only_errors("maximum")),
    OpInfo("minimum", inplace=False, samples=binary_samples(scalars=()), errors=_tensor_only_errors("minimum")),
    OpInfo("fmax", inplace=False, samples=binary_samples(scalars=()), errors=_tensor_only_errors("fmax")),
    OpInfo("fmin", inplace=False, samples=binary_samples(scalars=()), errors=_tensor_only_errors("fmin")),
    OpInfo("hypot", dtypes=FLOATS, samples=binary_samples(other_domain=_NONZERO, scalars=()),
           errors=_tensor_only_errors("hypot")),
    OpInfo("pow", domain=(0.5, 2.0), samples=binary_samples(scalars=(2, 2.5, -1, True)),
           errors=_binary_errors("pow") + (lambda lib, x: lib.pow(x.long(), -1),)),
    OpInfo("pow_number_base", fn=lambda lib: lambda x, base, **kw: lib.pow(base, x, **kw), method=False,
           inplace=False, samples=lambda op, dtype, rng: [
               Sample([values(op, dtype, shape, rng)], (base,), name=f"{shape}_{base}")
               for shape in [(), (0,), (3, 4)] for base in (2, 0.5, 3)]),
    OpInfo("xlogy", samples=binary_samples(other_domain=(0.2, 3.0), scalars=(2, 2.5)),
           errors=_binary_errors("xlogy") + (lambda lib, x: lib.xlogy(2, 3),)),
]


def lerp_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """Number weights in every layout, and tensor weights that broadcast (a 0-d weight of another dtype too)."""
    out = []
    for w in (0.3, 0.8, -0.5, 2):
        for name, s0, s1, view in [("same", (3, 4), (3, 4), None), ("broadcast", (3, 1), (4,), None),
                                   ("0d", (), (2, 3), None), ("empty", (0,), (0,), None),
                                   ("transposed", (4, 3), (3, 4), lambda t: t.t())]:
            out.append(Sample([values(op, dtype, s0, rng), values(op, dtype, s1, rng)], (w,), {}, view,
                              f"{name}_w{w}"))
    x, e = values(op, dtype, (3, 4), rng), values(op, dtype, (3, 4), rng)
    out += [
        Sample([x, e, values(op, dtype, (3, 4), rng)], name="tensor_weight"),
        Sample([values(op, dtype, (3, 1), rng), e, values(op, dtype, (4,), rng)], name="tensor_weight_broadcast"),
        Sample([x, e, values(op, dtype, (), rng)], name="0d_weight"),
    ]
    if dtype in FLOATS:
        out.append(Sample([x, e, np.asarray(0.25)], name="0d_weight_other_dtype",
                          input_dtypes=(None, None, _OTHER_DTYPE[dtype])))
    return out


def addc_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    divide = op.name == "addcdiv"

    def div_values(shape: tuple) -> np.ndarray:
        if dtype in FLOATS and divide:
            return (rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)).astype(dtype)
        return values(op, dtype, shape, rng)

    out = []
    for kwargs in ({}, {"value": 2}, {"value": -0.5}):
        for name, shapes, view in [("same", [(3, 4)] * 3, None), ("broadcast", [(3, 1), (4,), (3, 4)], None),
                                   ("0d", [(), (2, 3), ()], None), ("empty", [(0,), (0,), (0,)], None),
                                   ("transposed", [(4, 3), (3, 4), (3, 4)], lambda t: t.t())]:
            out.append(Sample([values(op, dtype, shapes[0], rng), values(op, dtype, shapes[1], rng),
                               div_values(shapes[2])], (), dict(kwargs), view, f"{name}{kwargs}"))
    if dtype != "bool":
        out.append(Sample([values(op, dtype, (2, 3), rng), values(op, dtype, (2, 3), rng), div_values((2, 3))],
                          name="mixed", input_dtypes=(_OTHER_DTYPE[dtype], None, None)))
    return out


TERNARY = [
    OpInfo("lerp", dtypes=FLOATS, samples=lerp_samples,
           errors=(lambda lib, x: lib.lerp(x, x.double(), 0.5), lambda lib, x: lib.lerp(x, 2.0, 0.5),
                   lambda lib, x: lib.lerp(x, x, x.double()), lambda lib, x: lib.lerp(x.long(), x.long(), 0.5))),
    OpInfo("addcmul", dtypes=FLOATS + INTS, samples=addc_samples,
           errors=(lambda lib, x: lib.addcmul(x, x, 2.0), lambda lib, x: lib.addcmul(x, x, x, value=x),
                   lambda lib, x: lib.addcmul(x, x, lib.zeros(3)))),
    OpInfo("addcdiv", dtypes=FLOATS, samples=addc_samples,
           errors=(lambda lib, x: lib.addcdiv(x, x.long(), x.long()), lambda lib, x: lib.addcdiv(x, x, 2.0),
                   lambda lib, x: lib.addcdiv(x, x, lib.zeros(3)))),
]


def _compare(name: str) -> OpInfo:
    return OpInfo(name, differentiable=False, samples=binary_samples(),
                  errors=(lambda lib, x: getattr(lib, name)(x, lib.zeros(3)),
                          lambda lib, x: getattr(x.clone(), name + "_")(lib.zeros(3, 2, 4))))


COMPARISONS = [_compare(n) for n in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
                                     "less_equal", "not_equal")]


def isclose_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = binary_samples(scalars=())(op, dtype, rng)
    out = [s for s in out if not s.name.startswith("mixed")]  # isclose needs equal dtypes
    x = values(op, dtype, (3, 4), rng)
    near = x + np.asarray(1e-6 if dtype in FLOATS else 1, dtype=x.dtype) if dtype != "bool" else x
    out += [Sample([x, near], name="near"), Sample([x, near], (), {"rtol": 0.5, "atol": 1.0}, name="loose")]
    if dtype in FLOATS:
        special = np.array([np.nan, np.inf, -np.inf, 1.0, np.nan], dtype=dtype)
        other = np.array([np.nan, np.inf, np.inf, 1.0 + 1e-9, 1.0], dtype=dtype)
        out += [Sample([special, other], name="special", grad=False),
                Sample([special, other], (), {"equal_nan": True}, name="special_equal_nan", grad=False)]
    return out


LOGICAL = [
    OpInfo("isclose", differentiable=False, inplace=False, has_out=False, samples=isclose_samples,
           errors=(lambda lib, x: lib.isclose(x, x.double()), lambda lib, x: lib.isclose(x, x, rtol=-1.0),
                   lambda lib, x: lib.isclose(x, x, atol=-1.0))),
    *[OpInfo(n, differentiable=False, samples=binary_samples(scalars=()), errors=_tensor_only_errors(n))
      for n in ("logical_and", "logical_or", "logical_xor")],
    OpInfo("logical_not", differentiable=False, errors=(lambda lib, x: lib.logical_not(1.0),)),
    *[OpInfo(n, dtypes=INTS + ("bool",), differentiable=False, samples=binary_samples(scalars=(3, True)),
             errors=(lambda lib, x, n=n: getattr(lib, n)(x, x),
                     lambda lib, x, n=n: getattr(lib, n)(x.long(), 2.5),
                     lambda lib, x, n=n: getattr(x.bool(), n + "_")(x.long())))
      for n in ("bitwise_and", "bitwise_or", "bitwise_xor")],
    OpInfo("bitwise_not", dtypes=INTS + ("bool",), differentiable=False,
           errors=(lambda lib, x: lib.bitwise_not(x), lambda lib, x: ~x)),
]

PREDICATES = [
    OpInfo(n, differentiable=False, inplace=False, has_out=n in ("isposinf", "isneginf"), samples=unary_samples,
           errors=(lambda lib, x, n=n: getattr(lib, n)(1.0),))
    for n in ("isnan", "isinf", "isfinite", "isposinf", "isneginf")
]


def where_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """(condition, x, y) with broadcasting, and number branches; the condition is always bool."""
    out = []
    for name, sc, sx, sy, view in [("same", (3, 4), (3, 4), (3, 4), None), ("broadcast", (3, 1), (4,), (3, 4), None),
                                   ("0d_cond", (), (2, 3), (2, 3), None), ("empty", (0,), (0,), (0,), None),
                                   ("transposed", (4, 3), (3, 4), (3, 4), lambda t: t.t())]:
        out.append(Sample([np.asarray(rng.rand(*sc) > 0.5), values(op, dtype, sx, rng), values(op, dtype, sy, rng)],
                          view=view, name=name, input_dtypes=("bool",)))
    if dtype != "bool":
        out.append(Sample([rng.rand(2, 3) > 0.5, values(op, dtype, (2, 3), rng), values(op, dtype, (2, 3), rng)],
                          name="mixed", input_dtypes=("bool", None, _OTHER_DTYPE[dtype])))
    for s in (2, 2.5, True):
        out.append(Sample([rng.rand(2, 3) > 0.5, values(op, dtype, (2, 3), rng)], (s,),
                          name=f"scalar_other_{type(s).__name__}", input_dtypes=("bool",)))
    return out


def _where_number_input(lib: Any) -> Callable[..., Any]:
    return lambda cond, other, number, **kw: lib.where(cond, number, other, **kw)


WHERE = [
    OpInfo("where", method=False, inplace=False, samples=where_samples,
           errors=(lambda lib, x: lib.where(x, x, x), lambda lib, x: lib.where(x > 0.5, x, lib.zeros(3)))),
    OpInfo("where_number_input", fn=_where_number_input, method=False, inplace=False, has_out=False,
           samples=lambda op, dtype, rng: [s for s in where_samples(op, dtype, rng) if s.args]),
]

OPS: list[OpInfo] = ARITHMETIC + TERNARY + COMPARISONS + LOGICAL + PREDICATES + WHERE


def _as_tensor(name: str):
    """``lib.<name>(a, b, ...)``, which returns a Python bool, as a 0-d bool tensor for the table."""
    return lambda lib: lambda *args, **kwargs: lib.tensor(getattr(lib, name)(*args, **kwargs))


def equal_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """Different shapes, equal copies (also of non-contiguous views) and mixed dtypes."""
    out = binary_samples(scalars=())(op, dtype, rng)
    x = values(op, dtype, (3, 4), rng)
    out += [Sample([x, x.copy()], name="equal"), Sample([x, x.T.copy()], view=lambda t: t.t().t(), name="view")]
    return out


OPS += [
    OpInfo("allclose", fn=_as_tensor("allclose"), differentiable=False, method=False, inplace=False, has_out=False,
           samples=isclose_samples, errors=(lambda lib, x: lib.allclose(x, x.double()),)),
    OpInfo("equal", fn=_as_tensor("equal"), differentiable=False, method=False, inplace=False, has_out=False,
           samples=equal_samples),
]
