"""Reductions with dim 0 / -1 (and (0,), [-1]) on 0-d tensors, against PyTorch (issue 8).

PyTorch treats a 0-d tensor as having one reducible dim: ``x.sum(0)``, ``x.mean(-1, keepdim=True)``,
``x.max(0)`` ... are accepted and return 0-d results; dims 1 / -2 raise IndexError. Forward values,
dtype and shape, the grad_fn name, the gradient, and (create_graph) the second derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bibun
import numpy as np
import pytest

# name -> (lib, x, dim, keepdim) -> a tensor (the values of a (values, indices) result)
REDUCTIONS: dict[str, Callable[..., Any]] = {
    "sum": lambda L, x, d, k: x.sum(d, keepdim=k),
    "mean": lambda L, x, d, k: x.mean(d, keepdim=k),
    "nansum": lambda L, x, d, k: x.nansum(d, keepdim=k),
    "nanmean": lambda L, x, d, k: x.nanmean(d, keepdim=k),
    "prod": lambda L, x, d, k: x.prod(d if isinstance(d, int) else d[0], keepdim=k),
    "amax": lambda L, x, d, k: x.amax(d, keepdim=k),
    "amin": lambda L, x, d, k: x.amin(d, keepdim=k),
    "max": lambda L, x, d, k: x.max(d if isinstance(d, int) else d[0], keepdim=k).values,
    "min": lambda L, x, d, k: x.min(d if isinstance(d, int) else d[0], keepdim=k).values,
    "median": lambda L, x, d, k: x.median(d if isinstance(d, int) else d[0], keepdim=k).values,
    "mode": lambda L, x, d, k: x.mode(d if isinstance(d, int) else d[0], keepdim=k).values,
    "logsumexp": lambda L, x, d, k: x.logsumexp(d, keepdim=k),
    "norm": lambda L, x, d, k: x.norm(dim=d, keepdim=k),
    "vector_norm": lambda L, x, d, k: L.linalg.vector_norm(x, 3, dim=d, keepdim=k),
    "var": lambda L, x, d, k: x.var(d, keepdim=k, correction=0),
    "std": lambda L, x, d, k: x.std(d, keepdim=k, correction=0),
    "var_mean": lambda L, x, d, k: L.var_mean(x, d, keepdim=k, correction=0)[1],
    "aminmax": lambda L, x, d, k: L.aminmax(x, dim=d if isinstance(d, int) else d[0], keepdim=k).max,
    "cumsum": lambda L, x, d, k: x.cumsum(d if isinstance(d, int) else d[0]),
    "cumprod": lambda L, x, d, k: x.cumprod(d if isinstance(d, int) else d[0]),
    "cummax": lambda L, x, d, k: x.cummax(d if isinstance(d, int) else d[0]).values,
    "softmax": lambda L, x, d, k: x.softmax(d if isinstance(d, int) else d[0]),
    "log_softmax": lambda L, x, d, k: x.log_softmax(d if isinstance(d, int) else d[0]),
}

DIMS = [0, -1, (0,), [-1]]


def _run(L: Any, name: str, dim: Any, keepdim: bool) -> tuple:
    x = L.tensor(1.25, dtype=L.float64, requires_grad=True)
    y = REDUCTIONS[name](L, x * 1, dim, keepdim)
    (g,) = L.autograd.grad(y, x, L.tensor(2.0, dtype=L.float64).reshape(y.shape), create_graph=True)
    gg = L.autograd.grad(g, x, allow_unused=True)[0] if g.requires_grad else None
    return (tuple(y.shape), str(y.dtype).split(".")[-1], y.grad_fn.name(), float(y), float(g), tuple(g.shape),
            None if gg is None else float(gg))


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=repr)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_zero_dim_reduction_over_dim_0_matches_torch(name: str, dim: Any, keepdim: bool, torch: Any) -> None:
    t = _run(torch, name, dim, keepdim)
    b = _run(bibun, name, dim, keepdim)
    assert b[:3] == t[:3], f"{name}: shape/dtype/grad_fn"
    np.testing.assert_allclose(b[3:5], t[3:5], rtol=1e-12)
    assert b[5] == t[5]
    if t[6] is None:
        assert b[6] is None or b[6] == 0.0
    else:
        assert b[6] is not None
        np.testing.assert_allclose(b[6], t[6], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dim", [1, -2, (0, 1)], ids=repr)
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "max", "mode", "logsumexp", "var", "cumsum"])
def test_zero_dim_reduction_over_a_missing_dim_raises_like_torch(name: str, dim: Any, torch: Any) -> None:
    errors = []
    for L in (torch, bibun):
        x = L.tensor(1.25, dtype=L.float64, requires_grad=True)
        with pytest.raises(Exception) as info:
            REDUCTIONS[name](L, x, dim if name in ("sum", "mean", "amax", "logsumexp", "var") else
                             (dim if isinstance(dim, int) else 1), False)
        errors.append(type(info.value).__name__)
    assert errors[1] == errors[0]


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float32"])
def test_zero_dim_sum_and_mean_of_other_dtypes_match_torch(dtype: str, torch: Any) -> None:
    for dim, keepdim in [(0, False), (-1, True), ((0,), False)]:
        out = []
        for L in (torch, bibun):
            x = L.tensor(3, dtype=getattr(L, dtype))
            r = [x.sum(dim, keepdim=keepdim)]
            try:
                r.append(x.mean(dim, keepdim=keepdim))
            except RuntimeError as e:
                r.append(type(e).__name__)
            out.append([(str(v.dtype).split(".")[-1], tuple(v.shape), v.item()) if not isinstance(v, str) else v
                        for v in r])
        assert out[1] == out[0]
