"""The op table (in the spirit of PyTorch's OpInfo): one row per op, read by tests/test_op_table.py.

A row names the op (the same name in bibun and torch), says which dtypes torch accepts, whether it is
differentiable, has an in-place twin (``x.op_()``), a method and an ``out=`` form, and how to make its
sample inputs. A sample is a list of numpy arrays (tensors; ``None`` passes ``None``), extra positional
Python arguments and keyword arguments; every form is called as ``F(t0, *tensors, *args, **kwargs)``
where ``F`` is ``lib.op``, ``t0.op`` or ``t0.op_``. ``view`` turns the first tensor into a
non-contiguous view before the call (its gradient then lands on the base).

Adding an op is one row here. Binary ops give two arrays per sample; reductions put ``dim``/``keepdim``
in ``kwargs``. The float64 gradient checks (``gradcheck``/``gradgradcheck`` below) need nothing but bibun.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

ALL_DTYPES = ("float32", "float64", "int64", "int32", "bool")
FLOATS = ("float32", "float64")
INTS = ("int64", "int32")


@dataclass
class Sample:
    inputs: list  # numpy arrays (become tensors of the test's dtype) or None
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    view: Optional[Callable[[Any], Any]] = None  # applied to the first tensor (non-contiguous layouts)
    name: str = ""
    grad: bool = True  # False for special values (inf/nan), checked on the forward only


@dataclass
class OpInfo:
    name: str
    dtypes: tuple = ALL_DTYPES  # dtypes torch accepts; others must raise torch's exception type
    domain: tuple = (-2.0, 2.0)  # where random float samples are drawn
    differentiable: bool = True
    inplace: bool = True
    method: bool = True
    has_out: bool = True
    variants: Sequence[tuple] = (((), {}),)  # (args, kwargs) pairs: each layout is tried with each
    samples: Optional[Callable[["OpInfo", str, np.random.RandomState], list]] = None  # custom generator
    errors: Sequence[Callable[[Any, Any], Any]] = ()  # fn(lib, float32 tensor) that must raise as torch
    xfail: dict = field(default_factory=dict)  # (test, dtype or "*") -> reason
    atol: float = 1e-5
    rtol: float = 1e-4


SPECIAL = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 0.5, -0.5, 2.5, -2.5, 1e-3, 0.99, 7.0]


def _values(op: OpInfo, dtype: str, shape: tuple, rng: np.random.RandomState) -> np.ndarray:
    if dtype == "bool":
        return rng.rand(*shape) > 0.5
    if dtype in INTS:
        return rng.randint(-3, 4, size=shape).astype(dtype)
    lo, hi = op.domain
    return rng.uniform(lo, hi, size=shape).astype(dtype)


def layouts(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """The first input in every layout: 0-d, empty, contiguous, transposed and strided."""
    return [
        ("0d", _values(op, dtype, (), rng), None),
        ("empty", _values(op, dtype, (0,), rng), None),
        ("contig", _values(op, dtype, (3, 4), rng), None),
        ("transposed", _values(op, dtype, (4, 3), rng), lambda t: t.t()),
        ("strided", _values(op, dtype, (3, 8), rng), lambda t: t[:, ::2]),
    ]


def unary_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = []
    for args, kwargs in op.variants:
        for name, arr, view in layouts(op, dtype, rng):
            out.append(Sample([arr], args, dict(kwargs), view, f"{name}{args}{kwargs}"))
        if dtype in FLOATS:
            out.append(Sample([np.array(SPECIAL, dtype=dtype)], args, dict(kwargs), None, f"special{kwargs}", False))
    return out


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
    x = _values(op, dtype, (3, 4), rng)
    lo, hi = _values(op, dtype, (4,), rng), _values(op, dtype, (3, 1), rng)
    if dtype in FLOATS:
        lo = lo - np.asarray(0.5, dtype=dtype)
    out += [
        Sample([x, lo, hi], name="tensor_min_max"),
        Sample([x, lo], name="tensor_min"),
        Sample([x, None, hi], name="tensor_max"),
        Sample([_values(op, dtype, (4,), rng), _values(op, dtype, (3, 1), rng)], name="broadcast_to_bounds"),
        Sample([x, _values(op, dtype, (), rng)], (), {}, None, "0d_tensor_min"),
    ]
    if dtype in FLOATS:
        out.append(Sample([np.array(SPECIAL, dtype=dtype)], (-1.0, 1.0), name="special", grad=False))
    return out


def _not_a_tensor(name: str) -> Callable[[Any, Any], Any]:
    return lambda lib, x: getattr(lib, name)(1.0)


def _leaf_inplace(name: str) -> Callable[[Any, Any], Any]:
    def f(lib, x):
        x.requires_grad_(True)
        return getattr(x, name + "_")()

    return f


def _unary(name: str, **kw: Any) -> OpInfo:
    kw.setdefault("errors", (_not_a_tensor(name), _leaf_inplace(name)))
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
        errors=(_not_a_tensor("logit"), _leaf_inplace("logit"), lambda lib, x: lib.logit(x, "a")),
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
            _not_a_tensor("round"),
            _leaf_inplace("round"),
            lambda lib, x: lib.round(x.long(), decimals=1),
            lambda lib, x: x.round(1),
        ),
    ),
    _unary("trunc", dtypes=FLOATS + INTS),
    _unary("frac", dtypes=FLOATS),
    _unary(
        "nan_to_num",
        variants=[((), {}), ((), {"nan": 1.5, "posinf": 2.0, "neginf": -3.0}), ((0.5, 10.0), {})],
        errors=(_not_a_tensor("nan_to_num"), _leaf_inplace("nan_to_num"), lambda lib, x: lib.nan_to_num(x, nan="a")),
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


def samples_of(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return (op.samples or unary_samples)(op, dtype, rng)


# ---------------------------------------------------------------------------------------------
# Float64 finite-difference checks that need only bibun (PyTorch's gradcheck, fast mode: random
# vector-Jacobian products against central differences).


def _vjp_check(f: Callable[[list], Any], arrays: list, rng: np.random.RandomState, eps: float, atol: float,
               rtol: float, what: str) -> None:
    import bibun

    def tensors(arrs: list, rg: bool) -> list:
        return [bibun.tensor(a.tolist(), dtype=bibun.float64, requires_grad=rg) for a in arrs]

    ts = tensors(arrays, True)
    out = f(ts)
    v = rng.standard_normal(tuple(out.shape))
    if out.requires_grad:
        grads = bibun.autograd.grad(out, ts, bibun.tensor(v.tolist(), dtype=bibun.float64), allow_unused=True)
    else:  # the output does not depend on the inputs through the graph: a zero Jacobian
        grads = [None] * len(ts)
    for k, a in enumerate(arrays):
        analytic = np.zeros(a.shape) if grads[k] is None else np.array(grads[k].tolist())
        numeric = np.zeros(a.size)
        for j in range(a.size):
            plus, minus = [x.copy() for x in arrays], [x.copy() for x in arrays]
            plus[k].reshape(-1)[j] += eps
            minus[k].reshape(-1)[j] -= eps
            fp = np.array(f(tensors(plus, True)).detach().tolist())
            fm = np.array(f(tensors(minus, True)).detach().tolist())
            numeric[j] = np.sum(v * (fp - fm)) / (2 * eps)
        np.testing.assert_allclose(analytic.reshape(-1), numeric, atol=atol, rtol=rtol,
                                   err_msg=f"{what}: vector-Jacobian product of input {k}")


def gradcheck(fn: Callable[..., Any], arrays: Sequence[np.ndarray], seed: int = 0, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3) -> None:
    """First derivatives of ``fn(*float64 tensors)`` against central differences."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    _vjp_check(lambda ts: fn(*ts), arrays, np.random.RandomState(seed), eps, atol, rtol, "gradcheck")


def gradgradcheck(fn: Callable[..., Any], arrays: Sequence[np.ndarray], seed: int = 0, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3) -> None:
    """Second derivatives: the graph that ``create_graph=True`` records for ``v -> vᵀJ(x)``,
    checked by gradcheck over both x and v."""
    import bibun

    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    n = len(arrays)
    rng = np.random.RandomState(seed)
    with bibun.no_grad():
        out_shape = tuple(fn(*[bibun.tensor(a.tolist(), dtype=bibun.float64) for a in arrays]).shape)
    v = rng.standard_normal(out_shape)

    weights = [rng.standard_normal(a.shape) for a in arrays]

    def first_grads(ts: list) -> Any:
        # A random projection of the first gradients, sum_k <w_k, d(vᵀ fn)/dx_k>, as a scalar.
        xs, vt = ts[:n], ts[n]
        out = fn(*xs)
        total = bibun.zeros((), dtype=bibun.float64)
        if not out.requires_grad:
            return total
        gs = bibun.autograd.grad(out, xs, vt, create_graph=True, allow_unused=True)
        for g, w in zip(gs, weights):
            if g is not None:
                total = total + (g * bibun.tensor(w.tolist(), dtype=bibun.float64)).sum()
        return total

    _vjp_check(first_grads, arrays + [v], rng, eps, atol, rtol, "gradgradcheck")
