"""What a row of the op table is (in the spirit of PyTorch's OpInfo), the shared sample generators, and a
float64 finite-difference gradcheck that needs only bibun. The rows live in ``tests/op_table_*.py``, one
file per area; ``tests/op_table.py`` gathers them and ``tests/test_op_table.py`` checks every row.

A row names the op (the same name in bibun and torch, or ``fn`` to look it up elsewhere, e.g.
``lambda lib: lib.nn.functional.gelu``), says which dtypes torch accepts, whether it is
differentiable, has an in-place twin (``x.op_()``), a method and an ``out=`` form, and how to make its
sample inputs. A sample is a list of numpy arrays (tensors; ``None`` passes ``None``), extra positional
Python arguments and keyword arguments; every form is called as ``F(t0, *tensors, *args, **kwargs)``
where ``F`` is ``lib.op``, ``t0.op`` or ``t0.op_``. ``view`` turns the first tensor into a
non-contiguous view before the call (its gradient then lands on the base).

Adding an op is one row in its area's file. Binary ops give two arrays per sample; reductions put ``dim``/``keepdim``
in ``kwargs``. The float64 gradient checks (``gradcheck``/``gradgradcheck`` below) need nothing but bibun.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ALL_DTYPES = ("float32", "float64", "int64", "int32", "bool")
FLOATS = ("float32", "float64")
INTS = ("int64", "int32")


@dataclass(frozen=True)
class LibDtype:
    """A dtype in a sample's args/kwargs, resolved per library (``lib.float64``)."""

    name: str

    def resolve(self, lib: Any) -> Any:
        return getattr(lib, self.name)


@dataclass(frozen=True, eq=False)
class LibTensor:
    """A constant tensor in a sample's args/kwargs (an index or a mask): it keeps its own dtype, never
    requires grad and is built per library (``lib.tensor``); ``LibTensor((a, b))`` builds a tuple."""

    array: Any
    dtype: str = "int64"

    def resolve(self, lib: Any) -> Any:
        if isinstance(self.array, tuple):
            return tuple(LibTensor(a, self.dtype).resolve(lib) for a in self.array)
        return lib.tensor(np.asarray(self.array).tolist(), dtype=getattr(lib, self.dtype))


def resolve_dtypes(lib: Any, args: Sequence[Any], kwargs: dict) -> tuple[list, dict]:
    """args and kwargs with every LibDtype replaced by ``lib``'s dtype object (and LibTensor by a tensor)."""
    fix = (lambda v: v.resolve(lib) if isinstance(v, (LibDtype, LibTensor)) else v)
    return [fix(a) for a in args], {k: fix(v) for k, v in kwargs.items()}


@dataclass
class Sample:
    inputs: list  # numpy arrays (become tensors of the test's dtype) or None
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    view: Callable[[Any], Any] | None = None  # applied to the first tensor (non-contiguous layouts)
    name: str = ""
    grad: bool = True  # False for special values (inf/nan), checked on the forward only
    gradcheck: bool = True  # False where finite differences do not apply (ties of max, zero variance)
    input_dtypes: tuple = ()  # per-input dtype overriding the test's dtype (None keeps it): mixed dtypes


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
    samples: Callable[[OpInfo, str, np.random.RandomState], list] | None = None  # custom generator
    errors: Sequence[Callable[[Any, Any], Any]] = ()  # fn(lib, float32 tensor) that must raise as torch
    xfail: dict = field(default_factory=dict)  # (test, dtype or "*") -> reason
    atol: float = 1e-5
    rtol: float = 1e-4
    fn: Callable[[Any], Callable[..., Any]] | None = None  # lib -> the function (default: lib.<name>)

    def function(self, lib: Any) -> Callable[..., Any]:
        return self.fn(lib) if self.fn else getattr(lib, self.name)


SPECIAL = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 0.5, -0.5, 2.5, -2.5, 1e-3, 0.99, 7.0]


def values(op: OpInfo, dtype: str, shape: tuple, rng: np.random.RandomState) -> np.ndarray:
    if dtype == "bool":
        return rng.rand(*shape) > 0.5
    if dtype in INTS:
        return rng.randint(-3, 4, size=shape).astype(dtype)
    lo, hi = op.domain
    return rng.uniform(lo, hi, size=shape).astype(dtype)


def layouts(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """The first input in every layout: 0-d, empty, contiguous, transposed and strided."""
    return [
        ("0d", values(op, dtype, (), rng), None),
        ("empty", values(op, dtype, (0,), rng), None),
        ("contig", values(op, dtype, (3, 4), rng), None),
        ("transposed", values(op, dtype, (4, 3), rng), lambda t: t.t()),
        ("strided", values(op, dtype, (3, 8), rng), lambda t: t[:, ::2]),
    ]


def unary_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = []
    for args, kwargs in op.variants:
        for name, arr, view in layouts(op, dtype, rng):
            out.append(Sample([arr], args, dict(kwargs), view, f"{name}{args}{kwargs}"))
        if dtype in FLOATS:
            out.append(Sample([np.array(SPECIAL, dtype=dtype)], args, dict(kwargs), None, f"special{kwargs}", False))
    return out


def not_a_tensor(name: str) -> Callable[[Any, Any], Any]:
    return lambda lib, x: getattr(lib, name)(1.0)


def leaf_inplace(name: str) -> Callable[[Any, Any], Any]:
    def f(lib, x):
        x.requires_grad_(True)
        return getattr(x, name + "_")()

    return f


def samples_of(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return (op.samples or unary_samples)(op, dtype, rng)


# ---------------------------------------------------------------------------------------------
# Float64 finite-difference checks that need only bibun (PyTorch's gradcheck, fast mode: random
# vector-Jacobian products against central differences).


def _float_outputs(result: Any) -> list:
    """The outputs a gradient check differentiates: the tensor itself, or a tuple's floating-point
    elements (max(dim)'s values, not its indices)."""
    outs = list(result) if isinstance(result, tuple) else [result]
    return [o for o in outs if o.dtype.is_floating_point]


def _vjp_check(f: Callable[[list], Any], arrays: list, rng: np.random.RandomState, eps: float, atol: float,
               rtol: float, what: str) -> None:
    import bibun

    def tensors(arrs: list, rg: bool) -> list:
        # Empty arrays by shape: nested lists lose a shape such as (0, 4).
        return [bibun.zeros(a.shape, dtype=bibun.float64, requires_grad=rg) if a.size == 0 else
                bibun.tensor(a.tolist(), dtype=bibun.float64, requires_grad=rg) for a in arrs]

    def values_of(result: Any) -> list:
        return [np.array(o.detach().tolist()).reshape(tuple(o.shape)) for o in _float_outputs(result)]

    ts = tensors(arrays, True)
    outs = [o for o in _float_outputs(f(ts))]
    vs = [rng.standard_normal(tuple(o.shape)) for o in outs]
    live = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    if live:
        grads = bibun.autograd.grad([o for o, _ in live], ts,
                                    [bibun.tensor(v.tolist(), dtype=bibun.float64).reshape(v.shape) for _, v in live],
                                    allow_unused=True)
    else:  # the output does not depend on the inputs through the graph: a zero Jacobian
        grads = [None] * len(ts)
    for k, a in enumerate(arrays):
        analytic = np.zeros(a.shape) if grads[k] is None else np.array(grads[k].tolist())
        numeric = np.zeros(a.size)
        for j in range(a.size):
            plus, minus = [x.copy() for x in arrays], [x.copy() for x in arrays]
            plus[k].reshape(-1)[j] += eps
            minus[k].reshape(-1)[j] -= eps
            fp, fm = values_of(f(tensors(plus, True))), values_of(f(tensors(minus, True)))
            numeric[j] = sum(np.sum(v * (p - m)) for v, p, m in zip(vs, fp, fm)) / (2 * eps)
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
        out_shapes = [tuple(o.shape) for o in
                      _float_outputs(fn(*[bibun.tensor(a.tolist(), dtype=bibun.float64) for a in arrays]))]
    vs = [rng.standard_normal(shape) for shape in out_shapes]

    weights = [rng.standard_normal(a.shape) for a in arrays]

    def first_grads(ts: list) -> Any:
        # A random projection of the first gradients, sum_k <w_k, d(vᵀ fn)/dx_k>, as a scalar.
        xs, vts = ts[:n], ts[n:]
        live = [(o, v) for o, v in zip(_float_outputs(fn(*xs)), vts) if o.requires_grad]
        total = bibun.zeros((), dtype=bibun.float64)
        if not live:
            return total
        gs = bibun.autograd.grad([o for o, _ in live], xs, [v for _, v in live], create_graph=True,
                                 allow_unused=True)
        for g, w in zip(gs, weights):
            if g is not None:
                total = total + (g * bibun.tensor(w.tolist(), dtype=bibun.float64)).sum()
        return total

    _vjp_check(first_grads, arrays + vs, rng, eps, atol, rtol, "gradgradcheck")
