"""Op-table rows: shape ops, joins and splits, flips and triangles, sort/topk/kthvalue/unique
(see tests/op_info.py for what a row says)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from op_info import ALL_DTYPES, FLOATS, INTS, SPECIAL, OpInfo, Sample, values

NO_BOOL = FLOATS + INTS

# Non-contiguous layouts of the first input (the array has the base's shape).
T2 = lambda t: t.t()
STEP = lambda t: t[:, ::2]
P3 = lambda t: t.permute(2, 0, 1)


def _cases(make: Callable[[Callable[..., np.ndarray], str], list]) -> Callable[[OpInfo, str, Any], list]:
    """A sample generator from ``make(v, dtype)``, where ``v(*shape)`` draws values of the test's dtype."""

    def gen(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        return make(lambda *shape: values(op, dtype, shape, rng), dtype)

    return gen


def S(inputs: Any, *args: Any, view: Any = None, name: str = "", grad: bool = True, **kwargs: Any) -> Sample:
    inputs = inputs if isinstance(inputs, list) else [inputs]
    return Sample(inputs, args, kwargs, view, name or f"{[np.shape(a) for a in inputs]}{args}{kwargs}", grad)


def E(inputs: Any, *args: Any, view: Any = None, name: str = "", **kwargs: Any) -> Sample:
    """A sample torch rejects: checked on the forward only (same exception type)."""
    return S(inputs, *args, view=view, name=name, grad=False, **kwargs)


def _distinct(dtype: str, shape: tuple, rng: np.random.RandomState) -> np.ndarray:
    """Values without ties (so the indices of sort/topk/kthvalue are unambiguous)."""
    n = int(np.prod(shape))
    if dtype in FLOATS:
        return (rng.permutation(n).reshape(shape) / 4.0 - n / 8.0 + rng.uniform(0, 0.1, size=shape)).astype(dtype)
    return (rng.permutation(n).reshape(shape) - n // 2).astype(dtype)


def _distinct_cases(make: Callable[..., list]) -> Callable[[OpInfo, str, Any], list]:
    def gen(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        return make(lambda *shape: _distinct(dtype, shape, rng), dtype)

    return gen


def _method(name: str) -> Callable[[Any], Callable[..., Any]]:
    """A method with no module-level function in torch: x.name(*args)."""
    return lambda lib: lambda x, *a, **k: getattr(x, name)(*a, **k)


def _prop(name: str) -> Callable[[Any], Callable[..., Any]]:
    return lambda lib: lambda x: getattr(x, name)


def _listed(name: str) -> Callable[[Any], Callable[..., Any]]:
    """lib.name(list_of_tensors, **kwargs) called with the tensors as positional arguments."""
    return lambda lib: lambda *ts, **k: getattr(lib, name)(list(ts), **k)


def _row(name: str, samples: Callable, *, dtypes: tuple = ALL_DTYPES, inplace: bool = False, method: bool = True,
         has_out: bool = False, errors: tuple = (), **kw: Any) -> OpInfo:
    return OpInfo(name, dtypes=dtypes, inplace=inplace, method=method, has_out=has_out, samples=samples,
                  errors=errors, **kw)


# --------------------------------------------------------------------------------------------
# Views and reshapes

_reshape = _cases(lambda v, dt: [
    S(v(3, 4), (2, 6)), S(v(3, 4), (-1,)), S(v(4, 3), (12,), view=T2), S(v(3, 8), (2, 2, 3), view=STEP),
    S(v(), (1,)), S(v(), ()), S(v(0), (0, 3)), S(v(2, 3), (3, -1)), E(v(2, 3), (5,)),
])
_view = _cases(lambda v, dt: [
    S(v(3, 4), (2, 6)), S(v(3, 4), -1), E(v(4, 3), (12,), view=T2), E(v(4, 3), (4, 3), view=T2),
    S(v(3, 8), (3, 2, 2), view=STEP), S(v(), (1, 1)), S(v(0), (0, 2)), S(v(2, 3), (2, -1, 1)),
])
_view_as = _cases(lambda v, dt: [
    S([v(3, 4), v(2, 6)]), S([v(), v(1)]), S([v(0, 2), v(0)]), E([v(4, 3), v(4, 3)], view=T2), S([v(4, 3), v(3, 4)], view=T2),
])
_flatten = _cases(lambda v, dt: [
    S(v(2, 3, 4)), S(v(2, 3, 4), start_dim=1), S(v(2, 3, 4), 0, 1), S(v(3, 4, 2), view=P3), S(v(), ),
    S(v(0, 3)), S(v(4, 3), view=T2), S(v(2, 3, 4), end_dim=-2), E(v(2, 3), 1, 0),
])
_unflatten = _cases(lambda v, dt: [
    S(v(3, 4), 1, (2, 2)), S(v(3, 4), -1, (2, -1)), S(v(12), 0, (3, 2, 2)), S(v(4, 3), 0, (3, 1), view=T2),
    S(v(0, 4), 1, (4, 1)), E(v(3, 4), 1, (3, 2)),
])
_squeeze = _cases(lambda v, dt: [
    S(v(1, 3, 1)), S(v(1, 3, 1), 0), S(v(1, 3, 1), 1), S(v(1, 3, 1), -1), S(v(1, 3, 1), (0, 2)),
    S(v(1, 3, 1), dim=(0, 1)), S(v()), S(v(), 0), S(v(), (0,)), S(v(0, 1)), S(v(1, 4, 3), view=lambda t: t.transpose(1, 2)),
])
_unsqueeze = _cases(lambda v, dt: [
    S(v(3, 4), 0), S(v(3, 4), 2), S(v(3, 4), -1), S(v(), 0), S(v(0), 1), S(v(4, 3), 1, view=T2), E(v(3, 4), 3),
])
_transpose = _cases(lambda v, dt: [
    S(v(3, 4), 0, 1), S(v(2, 3, 4), -1, 0), S(v(), 0, -1), S(v(0, 2), 0, 1), S(v(3, 8), 1, 0, view=STEP),
    E(v(3, 4), 0, 2),
])
_permute = _cases(lambda v, dt: [
    S(v(2, 3, 4), (2, 0, 1)), E(v(2, 3, 4), 1, 2, 0), S(v(), ()), S(v(0, 3), (1, 0)), S(v(3, 4, 2), (0, 2, 1), view=P3),
    E(v(2, 3), (0, 0)), E(v(2, 3), (0,)),
])
_movedim = _cases(lambda v, dt: [
    S(v(2, 3, 4), 0, 2), S(v(2, 3, 4), (0, 1), (2, 0)), S(v(2, 3, 4), -1, 0), S(v(), 0, 0),
    S(v(3, 4, 2), 1, 0, view=P3), E(v(2, 3), (0, 0), (0, 1)), E(v(2, 3), (0, 1), (0,)),
])
_t = _cases(lambda v, dt: [S(v(3, 4)), S(v(4)), S(v()), S(v(0, 2)), S(v(3, 8), view=STEP), E(v(2, 2, 2))])
_T = _cases(lambda v, dt: [S(v(3, 4)), S(v(4)), S(v()), S(v(0, 2)), S(v(3, 8), view=STEP)])
_mT = _cases(lambda v, dt: [S(v(3, 4)), S(v(2, 3, 4)), S(v(0, 2)), S(v(3, 8), view=STEP), E(v(4))])
_H = _cases(lambda v, dt: [S(v(3, 4)), S(v(0, 2)), S(v(3, 8), view=STEP), E(v(4)), E(v(2, 2, 2))])
_expand = _cases(lambda v, dt: [
    S(v(3, 1), (3, 4)), S(v(3, 1), 2, 3, 4), S(v(3, 1), (-1, 2)), S(v(), (2, 3)), S(v(1, 0), (3, 0)),
    S(v(4, 1), (2, 1, 4), view=lambda t: t.t()), E(v(3, 2), (3, 4)), E(v(3, 1), (4,)),
])
_expand_as = _cases(lambda v, dt: [S([v(3, 1), v(2, 3, 4)]), S([v(), v(2, 2)]), E([v(3, 2), v(3, 4)])])
_broadcast_to = _cases(lambda v, dt: [
    S(v(3, 1), (3, 4)), S(v(3, 1), (2, 3, 4)), S(v(), (2,)), S(v(3, 8), (2, 3, 4), view=STEP), E(v(3, 2), (3, 4)),
])
_broadcast_tensors = _cases(lambda v, dt: [
    S([v(3, 1), v(4)]), E([v(3, 4), v(3, 4)], name="unchanged"), S([v(), v(2, 1), v(3)]), S([v(1, 0), v(2, 1)]),
    E([v(3), v(4)]), S([v(4, 3), v(2, 1, 1)], view=T2),
])

# --------------------------------------------------------------------------------------------
# Copies that repeat, select or rearrange

_repeat = _cases(lambda v, dt: [
    S(v(2, 3), 2, 1), S(v(2, 3), (1, 2, 2)), S(v(), (3,)), S(v(), ()), S(v(3), 0, 2, grad=False), S(v(0, 2), 2, 2),
    S(v(3, 8), 2, 1, view=STEP), E(v(2, 3), 2), E(v(2, 3), -1, 1),
])
_tile = _cases(lambda v, dt: [
    S(v(2, 3), (2,)), S(v(2, 3), (2, 1, 2)), S(v(), (2, 2)), S(v(0, 2), (2,)), S(v(4, 3), (1, 2), view=T2),
])


def _ri(lib: Any) -> Callable[..., Any]:
    def f(x: Any, repeats: Any, dim: Any = None, tensor: bool = False) -> Any:
        if tensor:
            repeats = lib.tensor(repeats, dtype=lib.int64)
        return lib.repeat_interleave(x, repeats, dim=dim)

    return f


_repeat_interleave = _cases(lambda v, dt: [
    S(v(2, 3), 2), S(v(2, 3), 2, 0), S(v(2, 3), 3, -1), S(v(), 2), S(v(0, 2), 2, 1), S(v(4, 3), 2, 1, view=T2),
    S(v(3, 2), [1, 0, 2], 0, True), S(v(3), [2, 1, 1], None, True), S(v(2, 3), [2], 1, True),
    S(v(3, 8), [1, 2, 3, 0], 1, True, view=STEP), E(v(2, 3), -1), E(v(2, 3), [1, 2], 0, True),
])
_narrow = _cases(lambda v, dt: [
    S(v(3, 4), 0, 1, 2), S(v(3, 4), 1, -2, 2), S(v(3, 4), -1, 0, 0), S(v(4, 3), 1, 1, 2, view=T2),
    S(v(0, 3), 1, 0, 3), E(v(3, 4), 0, 2, 2),
])
_select = _cases(lambda v, dt: [
    S(v(3, 4), 0, 1), S(v(3, 4), 1, -1), S(v(2, 3, 4), 2, 0), S(v(3, 8), 1, 2, view=STEP), S(v(0, 3), 1, 2),
    E(v(3, 4), 0, 3), E(v(), 0, 0),
])
_flip = _cases(lambda v, dt: [
    E(v(3, 4), 0), S(v(3, 4), (0,)), S(v(3, 4), (0, 1)), S(v(2, 3, 4), (-1, 0)), S(v(), ()), S(v(0, 2), (0,)),
    S(v(4, 3), [1], view=T2), S(v(3, 8), (0, 1), view=STEP), E(v(3, 4), (0, 0)), E(v(3, 4), (2,)),
])
_fliplr = _cases(lambda v, dt: [S(v(3, 4)), S(v(2, 3, 4)), S(v(4, 3), view=T2), S(v(0, 2)), E(v(3))])
_flipud = _cases(lambda v, dt: [S(v(3, 4)), S(v(3)), S(v(4, 3), view=T2), S(v(0, 2)), E(v())])
_roll = _cases(lambda v, dt: [
    S(v(3, 4), 1), S(v(3, 4), -5), S(v(3, 4), 2, 1), S(v(3, 4), (1, -1), (0, 1)), S(v(4, 3), 1, 0, view=T2),
    S(v(3, 8), 7, view=STEP), S(v(0, 2), 1, 0), S(v(), 3), E(v(3, 4), (1, 2), (0,)),
])
_rot90 = _cases(lambda v, dt: [
    S(v(3, 4)), S(v(3, 4), 2), E(v(3, 4), 3), S(v(3, 4), -1), S(v(3, 4), 4), S(v(2, 3, 4), 1, (1, 2)),
    S(v(4, 3), 1, (1, 0), view=T2), S(v(0, 2), 1), E(v(3), 1), E(v(3, 4), 1, (0, 0)),
])
_tri = _cases(lambda v, dt: [
    S(v(3, 4)), S(v(3, 4), 1), S(v(3, 4), -1), S(v(2, 3, 4), diagonal=2), S(v(4, 3), view=T2),
    S(v(3, 8), -2, view=STEP), S(v(0, 3)), S(v(3, 4), 10), E(v(3)),
])
_diag = _cases(lambda v, dt: [
    S(v(3)), S(v(3), 1), S(v(3), -2), S(v(3, 4)), S(v(3, 4), 1), S(v(3, 4), -2), S(v(4, 3), view=T2),
    S(v(3, 4), 5), S(v(0)), E(v()), E(v(2, 2, 2)),
])
_diagonal = _cases(lambda v, dt: [
    S(v(3, 4)), S(v(3, 4), 1), S(v(3, 4), -1), S(v(2, 3, 4), 0, 1, 2), S(v(2, 3, 4), offset=1, dim1=-1, dim2=0),
    S(v(4, 3), view=T2), S(v(3, 8), 1, view=STEP), S(v(3, 4), 7), S(v(0, 3)), E(v(3, 4), 0, 1, 1),
])
_diag_embed = _cases(lambda v, dt: [
    S(v(3)), S(v(2, 3)), S(v(2, 3), 1), S(v(2, 3), -1, 0, 2), S(v(4, 3), view=T2), S(v(0)), E(v()),
    E(v(2, 3), 0, 1, 1),
])
_trace = _cases(lambda v, dt: [S(v(3, 4)), S(v(4, 3), view=T2), S(v(3, 8), view=STEP), S(v(0, 2)), E(v(3))])
_clone = _cases(lambda v, dt: [S(v(3, 4)), S(v()), S(v(0, 2)), S(v(4, 3), view=T2), S(v(3, 8), view=STEP)])

# --------------------------------------------------------------------------------------------
# Splits (tuple outputs) and joins (list inputs)

_split = _cases(lambda v, dt: [
    S(v(5, 2), 2), S(v(5, 2), [1, 4]), S(v(3, 4), 2, 1), S(v(3, 4), [1, 0, 3], -1), S(v(4, 3), 1, 1, view=T2),
    S(v(0, 2), 2), S(v(3, 4), 10), E(v(3, 4), [1, 1]), E(v(3, 4), 0), E(v(), 1),
])
_chunk = _cases(lambda v, dt: [
    S(v(5, 2), 2), S(v(5, 2), 3), S(v(3, 4), 4, 1), S(v(4, 3), 2, 1, view=T2), S(v(0, 2), 2), S(v(2, 3), 5),
    E(v(3, 4), 0),
])
_unbind = _cases(lambda v, dt: [S(v(3, 4)), S(v(3, 4), 1), S(v(4, 3), -1, view=T2), E(v(0, 2), 1), E(v())])
_tensor_split = _cases(lambda v, dt: [
    S(v(7, 2), 3), S(v(7, 2), [1, 5]), S(v(3, 4), 2, 1), S(v(4, 3), [1, 1, 2], 1, view=T2), S(v(3, 4), 5),
    S(v(3, 4), [-1, 10]), E(v(3, 4), 0),
])
_hsplit = _cases(lambda v, dt: [
    S(v(4, 6, 2), 2), S(v(4, 6, 2), [1, 4]), S(v(6), 3), S(v(6, 4), 2, view=T2), E(v(4, 6), 4), E(v(), 1),
])
_vsplit = _cases(lambda v, dt: [S(v(4, 6, 2), 2), S(v(4, 3), [1, 3]), S(v(3, 4), 2, view=T2), E(v(3), 1)])
_dsplit = _cases(lambda v, dt: [S(v(4, 6, 2), 2), S(v(2, 3, 4), [1]), S(v(3, 4, 2), 1, view=P3), E(v(2, 2), 1)])
_ravel = _cases(lambda v, dt: [S(v(3, 4)), S(v()), S(v(0, 2)), S(v(4, 3), view=T2), S(v(3, 8), view=STEP)])
_cat = _cases(lambda v, dt: [
    S([v(2, 3), v(1, 3)]), S([v(2, 3), v(2, 1)], dim=1), S([v(3, 4), v(3, 4), v(3, 4)], dim=-1),
    S([v(0), v(2, 3)]), S([v(4, 3), v(3, 2)], dim=1, view=T2), E([v(2, 3), v(2, 4)]),
])
_stack = _cases(lambda v, dt: [
    S([v(2, 3), v(2, 3)]), S([v(2, 3), v(2, 3)], dim=2), S([v(), v()]), S([v(0, 2), v(0, 2)], dim=1),
    S([v(4, 3), v(3, 4)], dim=-1, view=T2), E([v(2, 3), v(3, 2)]),
])
_hstack = _cases(lambda v, dt: [
    S([v(2, 3), v(2, 1)]), S([v(3), v(2)]), S([v(), v(2)]), S([v(4, 3), v(3, 2)], view=T2), E([v(2, 3), v(3, 3)]),
])
_vstack = _cases(lambda v, dt: [
    S([v(2, 3), v(1, 3)]), S([v(3), v(3)]), S([v(3), v(2, 3)]), S([v(4, 3), v(2, 4)], view=T2), E([v(2), v(3)]),
])
_dstack = _cases(lambda v, dt: [
    S([v(2, 3), v(2, 3)]), S([v(3), v(3)]), S([v(2, 3, 1), v(2, 3, 2)]), S([v(), v()]), E([v(2), v(3)]),
])
_column_stack = _cases(lambda v, dt: [S([v(3), v(3, 2)]), S([v(3), v(3)]), S([v(), v()]), E([v(2), v(3)])])

# --------------------------------------------------------------------------------------------
# Sorting and selection (ties avoided where the indices are compared)


def _sort_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    d = lambda *shape: _distinct(dtype, shape, rng) if dtype != "bool" else values(op, dtype, shape, rng)
    st = {"stable": True} if dtype == "bool" else {}
    out = [
        S(d(3, 4), **st), S(d(3, 4), 0, **st), S(d(3, 4), descending=True, **st), S(d(2, 3, 4), 1, True, **st),
        S(d(4, 3), view=T2, **st), S(d(3, 8), 0, view=STEP, **st), S(d(), **st), S(d(0, 3), **st),
        E(d(3, 4), 2, **st), S(values(op, dtype, (3, 5), rng), stable=True, name="ties_stable"),
    ]
    if dtype in FLOATS:
        out.append(S(np.array(SPECIAL, dtype=dtype), stable=True, name="special", grad=False))
        out.append(S(np.array(SPECIAL, dtype=dtype), descending=True, stable=True, name="special_desc", grad=False))
    return out


def _msort_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    d = lambda *shape: _distinct(dtype, shape, rng) if dtype != "bool" else values(op, dtype, shape, rng)
    return [S(d(4, 3)), S(d(5)), S(d(3, 4), view=T2), S(d()), S(d(0, 2))]


_topk = _distinct_cases(lambda d, dt: [
    S(d(3, 5), 2), S(d(3, 5), 3, 0), S(d(3, 5), 2, largest=False), S(d(2, 3, 4), 4, -1, True, True),
    S(d(4, 3), 1, view=T2), S(d(3, 8), 3, 0, view=STEP), S(d(), 1), S(d(3, 4), 0), S(d(0, 3), 0),
    E(d(3, 4), 5), E(d(3, 4), -1),
])
_kthvalue = _distinct_cases(lambda d, dt: [
    S(d(3, 5), 2), S(d(3, 5), 3, 0), S(d(3, 5), 1, 1, True), S(d(2, 3, 4), 4, -1, keepdim=True),
    S(d(4, 3), 2, view=T2), S(d(3, 8), 3, 0, view=STEP), *([S(d(), 1)] if dt != "bool" else []), E(d(3, 4), 0), E(d(3, 4), 5),
])


def _unique(lib: Any) -> Callable[..., Any]:
    return lambda x, *a, **k: lib.unique(x, *a, **k)


_unique_samples = _cases(lambda v, dt: [
    S(v(3, 4)), S(v(3, 4), return_inverse=True), S(v(3, 4), return_counts=True),
    S(v(3, 4), return_inverse=True, return_counts=True), S(v(4, 3), True, True, True, view=T2), S(v()),
    S(v(0, 2), return_inverse=True), S(v(3, 8), return_counts=True, view=STEP),
    S(np.array([[1, 2], [1, 2], [0, 3]]).astype(dt), dim=0, return_inverse=True, return_counts=True, name="dim0"),
    S(np.array([[1, 2, 1], [0, 3, 0]]).astype(dt), dim=1, return_counts=True, name="dim1"),
    E(v(3, 4), dim=2),
])
_unique_consecutive_samples = _cases(lambda v, dt: [
    S(v(3, 4)), S(v(3, 4), return_inverse=True, return_counts=True), S(v(4, 3), return_inverse=True, view=T2), S(v()),
    S(np.array([1, 1, 2, 2, 1, 3, 3]).astype(dt), return_counts=True, name="runs"),
    S(np.array([[1, 1], [1, 1], [0, 2], [1, 1]]).astype(dt), dim=0, return_inverse=True, name="dim0"),
])


# Error cases beyond the samples: fn(lib, float32 (2, 4) tensor) must raise as torch does.
OPS = [
    _row("reshape", _reshape, errors=(lambda lib, x: x.reshape(-1, -1),)),
    _row("view", _view, fn=_method("view"), errors=(lambda lib, x: x.view(3, -1), lambda lib, x: x.view(-2, 4))),
    _row("view_as", _view_as, fn=_method("view_as"), errors=(lambda lib, x: x.view_as(lib.zeros(3)),)),
    _row("flatten", _flatten, errors=(lambda lib, x: x.flatten(2),)),
    _row("unflatten", _unflatten,
         errors=(lambda lib, x: x.unflatten(1, ()), lambda lib, x: x.unflatten(1, (-1, -1)),
                 lambda lib, x: x.unflatten(2, (1,)))),
    _row("squeeze", _squeeze, inplace=True, errors=(lambda lib, x: x.squeeze((0, 0)), lambda lib, x: x.squeeze(3))),
    _row("unsqueeze", _unsqueeze, inplace=True, errors=(lambda lib, x: x.unsqueeze(-4),)),
    _row("transpose", _transpose, inplace=True),
    _row("swapaxes", _transpose, inplace=True),
    _row("swapdims", _transpose, inplace=True),
    _row("permute", _permute),
    _row("movedim", _movedim, errors=(lambda lib, x: x.movedim((0, 1), (1, 1)),)),
    _row("moveaxis", _movedim),
    _row("t", _t),
    _row("T", _T, fn=_prop("T"), method=False),
    _row("mT", _mT, fn=_prop("mT"), method=False),
    _row("mH", _mT, fn=_prop("mH"), method=False),
    _row("H", _H, fn=_prop("H"), method=False),
    _row("expand", _expand, fn=_method("expand"), errors=(lambda lib, x: x.expand(-1, 2, 4),)),
    _row("expand_as", _expand_as, fn=_method("expand_as")),
    _row("broadcast_to", _broadcast_to),
    _row("broadcast_tensors", _broadcast_tensors, method=False),
    _row("repeat", _repeat, fn=_method("repeat")),
    _row("tile", _tile),
    _row("repeat_interleave", _repeat_interleave, fn=_ri, method=False,
         errors=(lambda lib, x: x.repeat_interleave(lib.tensor([1.0, 2.0]), dim=0),
                 lambda lib, x: x.repeat_interleave(lib.tensor([1, -1]), dim=0),
                 lambda lib, x: x.repeat_interleave(lib.tensor([[1, 1]]), dim=0))),
    _row("narrow", _narrow, errors=(lambda lib, x: x.narrow(0, -5, 1),)),
    _row("select", _select),
    _row("flip", _flip),
    _row("fliplr", _fliplr),
    _row("flipud", _flipud),
    _row("roll", _roll, errors=(lambda lib, x: x.roll([], []), lambda lib, x: x.roll(1, 2))),
    _row("rot90", _rot90, errors=(lambda lib, x: x.rot90(1, (0,)), lambda lib, x: x.rot90(1, (0, 2)))),
    _row("tril", _tri, inplace=True, has_out=True),
    _row("triu", _tri, inplace=True, has_out=True),
    _row("diag", _diag, has_out=True),
    _row("diagonal", _diagonal, errors=(lambda lib, x: x.diagonal(0, 0, 2),)),
    _row("diag_embed", _diag_embed),
    _row("trace", _trace, dtypes=NO_BOOL),
    _row("clone", _clone),
    _row("split", _split, errors=(lambda lib, x: x.split(-1), lambda lib, x: x.split([3, -1]))),
    _row("chunk", _chunk, errors=(lambda lib, x: x.chunk(-1),)),
    _row("unbind", _unbind, errors=(lambda lib, x: x.unbind(2),)),
    _row("tensor_split", _tensor_split, errors=(lambda lib, x: lib.tensor(1.0).tensor_split(1),)),
    _row("hsplit", _hsplit),
    _row("vsplit", _vsplit),
    _row("dsplit", _dsplit),
    _row("ravel", _ravel),
    _row("cat", _cat, fn=_listed("cat"), method=False, has_out=True,
         errors=(lambda lib, x: lib.cat([]), lambda lib, x: lib.cat(x), lambda lib, x: lib.cat([x, x.t()]))),
    _row("concat", _cat, fn=_listed("concat"), method=False, has_out=True),
    _row("concatenate", _cat, fn=_listed("concatenate"), method=False, has_out=True),
    _row("stack", _stack, fn=_listed("stack"), method=False, has_out=True,
         errors=(lambda lib, x: lib.stack([]), lambda lib, x: lib.stack([x, x], dim=3))),
    _row("hstack", _hstack, fn=_listed("hstack"), method=False, has_out=True,
         errors=(lambda lib, x: lib.hstack([]),)),
    _row("vstack", _vstack, fn=_listed("vstack"), method=False, has_out=True,
         errors=(lambda lib, x: lib.vstack([]),)),
    _row("dstack", _dstack, fn=_listed("dstack"), method=False, has_out=True,
         errors=(lambda lib, x: lib.dstack([]),)),
    _row("column_stack", _column_stack, fn=_listed("column_stack"), method=False, has_out=True),
    _row("sort", _sort_samples, has_out=True, errors=(lambda lib, x: x.sort(2),)),
    _row("argsort", _sort_samples, differentiable=False),
    _row("msort", _msort_samples, has_out=True),
    _row("topk", _topk, dtypes=NO_BOOL, has_out=True, errors=(lambda lib, x: x.topk(5),)),
    _row("kthvalue", _kthvalue, dtypes=NO_BOOL, has_out=True, errors=(lambda lib, x: x.kthvalue(0),)),
    _row("unique", _unique_samples, differentiable=False, fn=_unique),
    _row("unique_consecutive", _unique_consecutive_samples, differentiable=False),
]
