"""``linalg.solve(A, B, left=False)`` (X A = B) beyond its op-table row, and batched products where there is
nothing to sum (an empty result or an empty inner dim): PyTorch's bmm then returns a result of the second
operand's dtype without checking dtypes, so ``float @ bool`` works there and raises elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bibun
import numpy as np
import pytest
from conftest import dtype_name, make_tensor, rng_for, to_numpy

_EMPTY_PRODUCTS = [
    lambda L: L.ones(2, 3, 0) @ L.ones(2, 0, 4, dtype=L.bool),
    lambda L: L.ones(2, 3, 0, dtype=L.bool) @ L.ones(2, 0, 4),
    lambda L: L.ones(2, 0, 3) @ L.ones(2, 3, 4, dtype=L.bool),
    lambda L: L.ones(0, 3, 0) @ L.ones(0, 0, 4, dtype=L.bool),
    lambda L: L.ones(2, 3, 0, dtype=L.float64) @ L.ones(2, 0, 4),
    lambda L: L.ones(2, 3, 0, dtype=L.int64) @ L.ones(2, 0, 4, dtype=L.int32),
    lambda L: L.ones(2, 3, 0, dtype=L.int32) @ L.ones(2, 0, 4, dtype=L.bool),
    lambda L: L.ones(2, 2, 3, 0) @ L.ones(2, 0, 4, dtype=L.bool),
    lambda L: L.ones(1, 3, 0) @ L.ones(2, 0, 4, dtype=L.bool),
    lambda L: L.ones(2, 3, 0) @ L.ones(1, 2, 0, 4, dtype=L.int64),
    lambda L: L.ones(2, 3, 2) @ L.ones(2, 2, 0, dtype=L.bool),
    lambda L: L.ones(2, 0, 2, dtype=L.bool) @ L.ones(2, 2, 4),
    lambda L: L.bmm(L.ones(2, 3, 0), L.ones(2, 0, 4, dtype=L.bool)),
    lambda L: L.bmm(L.ones(0, 3, 1, dtype=L.bool), L.ones(0, 1, 4)),
    lambda L: L.ones(2, 3, 0).bmm(L.ones(2, 0, 4, dtype=L.float64)),
    # Where there is something to sum, the dtypes must agree (bool first raises NotImplementedError).
    lambda L: L.ones(2, 3, 1) @ L.ones(2, 1, 4, dtype=L.bool),
    lambda L: L.bmm(L.ones(2, 3, 1, dtype=L.bool), L.ones(2, 1, 4)),
    lambda L: L.bmm(L.ones(2, 3, 1, dtype=L.int64), L.ones(2, 1, 4)),
    lambda L: L.ones(2, 3, 2, dtype=L.bool) @ L.ones(2, 2, 4, dtype=L.bool),
    # Unbatched products check dtypes even when empty, as PyTorch's mm/mv/dot do.
    lambda L: L.ones(3, 0) @ L.ones(0, 4, dtype=L.bool),
    lambda L: L.ones(2, 3, 0) @ L.ones(0, 4, dtype=L.bool),
    lambda L: L.ones(2, 3, 0) @ L.ones(0, dtype=L.bool),
    lambda L: L.ones(0) @ L.ones(0, dtype=L.bool),
    # A non-floating result cannot carry a gradient.
    lambda L: L.ones(2, 3, 0, requires_grad=True) @ L.ones(2, 0, 4, dtype=L.bool),
    lambda L: L.ones(2, 3, 0, requires_grad=True) @ L.ones(2, 0, 4, dtype=L.int64),
]


def _outcome(lib: Any, fn: Callable) -> tuple:
    try:
        r = fn(lib)
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return ("raises", type(e).__name__, str(e))
    return ("ok", tuple(r.shape), dtype_name(r.dtype), to_numpy(r).tolist())


@pytest.mark.parametrize("case", range(len(_EMPTY_PRODUCTS)))
def test_batched_products_with_nothing_to_sum_match_torch(case: int, torch: Any) -> None:
    fn = _EMPTY_PRODUCTS[case]
    assert _outcome(bibun, fn) == _outcome(torch, fn)


def test_mixed_dtype_empty_product_backward_gives_each_input_its_dtype(torch: Any) -> None:
    grads = {}
    for lib in (bibun, torch):
        a = lib.ones(2, 3, 0, dtype=lib.float64, requires_grad=True)
        b = lib.ones(2, 0, 4, requires_grad=True)
        out = a @ b
        assert dtype_name(out.dtype) == "float32" and out.grad_fn.name() == "UnsafeViewBackward0"
        out.sum().backward()
        grads[lib.__name__] = [(tuple(t.grad.shape), dtype_name(t.grad.dtype)) for t in (a, b)]
    assert grads["bibun"] == grads["torch"] == [((2, 3, 0), "float64"), ((2, 0, 4), "float32")]


@pytest.mark.parametrize("shapes", [((3, 3), (2, 3)), ((2, 3, 3), (4, 3)), ((3, 3), (2, 5, 3)), ((2, 1, 2, 2), (3, 2, 2))],
                         ids=str)
def test_right_solve_is_the_transposed_left_solve_with_torchs_gradients(shapes: tuple, torch: Any) -> None:
    rng = rng_for("solve-right", shapes)
    a_arr = rng.standard_normal(shapes[0]) + 3 * np.eye(shapes[0][-1])
    b_arr = rng.standard_normal(shapes[1])
    up = None
    results = {}
    for lib in (bibun, torch):
        a, b = make_tensor(lib, a_arr, requires_grad=True), make_tensor(lib, b_arr, requires_grad=True)
        x = lib.linalg.solve(a, b, left=False)
        assert x.grad_fn.name() == "LinalgSolveExBackward0"
        if up is None:
            up = rng.standard_normal(tuple(x.shape))
        ga, gb = lib.autograd.grad(x, (a, b), make_tensor(lib, up), create_graph=True)
        gga, ggb = lib.autograd.grad((ga * ga).sum() + (gb * gb).sum(), (a, b))
        results[lib.__name__] = [to_numpy(t) for t in (x, ga, gb, gga, ggb)]
    x = results["bibun"][0]
    np.testing.assert_allclose(x @ a_arr, np.broadcast_to(b_arr, x.shape), atol=1e-12)
    for got, want in zip(results["bibun"], results["torch"]):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("bad", [
    lambda L: L.linalg.solve(L.eye(3), L.ones(3), left=False),
    lambda L: L.linalg.solve(L.eye(1), L.ones(1), left=False),
    lambda L: L.linalg.solve(L.eye(3).expand(2, 3, 3), L.ones(2, 3), left=False),
    lambda L: L.linalg.solve(L.eye(3), L.ones(3, 4), left=False),
    lambda L: L.linalg.solve(L.zeros(3, 3), L.ones(4, 3), left=False),
    lambda L: L.linalg.solve(L.zeros(2, 3, 3), L.ones(4, 3), left=False),
    lambda L: L.linalg.solve(L.eye(3), L.ones(4, 3, dtype=L.float64), left=False),
    lambda L: L.linalg.solve(L.eye(3), L.ones(4, 3), left=None),
], ids=["vector", "vector_1x1", "batched_vector", "shapes", "singular", "singular_batch", "dtype", "left_none"])
def test_right_solve_raises_torchs_errors(bad: Callable, torch: Any) -> None:
    with pytest.raises(Exception) as t_err:
        bad(torch)
    with pytest.raises(Exception) as b_err:
        bad(bibun)
    assert type(b_err.value).__name__ == type(t_err.value).__name__
    assert str(b_err.value) == str(t_err.value)
