"""Reductions beyond the op table's generic checks: the named-tuple results of max/min/median/cummax,
gradients at PyTorch's special points (ties, zeros, zero variance, -inf, a zero norm), double
backward through them, PyTorch's error texts, and accuracy/parallel paths on large inputs."""

from __future__ import annotations

import math
import pickle
from typing import Any

import bibun
import numpy as np
import pytest
from conftest import make_tensor, to_numpy


def _grads(lib: Any, arr: np.ndarray, fn: Any, create_graph: bool = False) -> tuple:
    """(x, fn(x), d sum(fn(x) * w) / dx) for a float64 leaf x; w fixed per shape."""
    x = make_tensor(lib, arr, "float64", True)
    out = fn(lib, x)
    w = make_tensor(lib, np.random.RandomState(0).standard_normal(tuple(out.shape)))
    (g,) = lib.autograd.grad(out, x, w, create_graph=create_graph)
    return x, out, g


def _same_first_and_second_grads(torch: Any, arr: np.ndarray, fn: Any) -> None:
    """First derivatives, and a second derivative (d <g, v> / dx), equal PyTorch's."""
    results = {}
    for lib in (bibun, torch):
        x, _, g = _grads(lib, arr, fn, create_graph=True)
        v = make_tensor(lib, np.random.RandomState(1).standard_normal(arr.shape))
        gg = lib.autograd.grad((g * v).sum(), x, allow_unused=True)[0] if g.requires_grad else None
        results[lib.__name__] = (to_numpy(g), None if gg is None else to_numpy(gg))
    (bg, bgg), (tg, tgg) = results["bibun"], results["torch"]
    np.testing.assert_allclose(bg, tg, rtol=1e-7, atol=1e-10)
    if tgg is None:
        assert bgg is None or not bgg.any()
    else:
        np.testing.assert_allclose(bgg, tgg, rtol=1e-7, atol=1e-10)


# --------------------------------------------------------------------------------------------
# Named tuples


def _bibun_text(torch_text: str) -> str:
    """PyTorch's printed text as bibun prints it (its module name in place of torch's)."""
    return torch_text.replace("torch.", "bibun.")


def test_max_with_dim_returns_a_named_tuple_printed_as_torch(torch: Any) -> None:
    arr = np.array([[1.0, 3.0, -2.0], [2.0, 0.5, 7.0]], dtype=np.float32)
    b, t = bibun.max(make_tensor(bibun, arr), 1), torch.max(make_tensor(torch, arr), 1)
    assert isinstance(b, tuple) and len(b) == 2
    assert repr(b) == _bibun_text(repr(t))
    assert str(b) == _bibun_text(str(t))
    values, indices = b
    assert values is b.values and indices is b.indices
    assert b.indices.tolist() == [1, 2]
    assert type(b).__name__ == "max" and b._fields == ("values", "indices")


@pytest.mark.parametrize("name", ["max", "min", "median", "cummax", "cummin"])
def test_method_and_function_return_the_same_named_tuple_type(name: str, torch: Any) -> None:
    arr = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -7.0]])
    b = getattr(make_tensor(bibun, arr), name)(1)
    t = getattr(make_tensor(torch, arr), name)(1)
    assert type(b) is getattr(bibun.return_types, name)
    assert repr(b) == _bibun_text(repr(t))


def test_aminmax_fields_are_min_and_max(torch: Any) -> None:
    arr = np.array([[1.0, -3.0], [4.0, 0.0]])
    b, t = bibun.aminmax(make_tensor(bibun, arr), dim=0), torch.aminmax(make_tensor(torch, arr), dim=0)
    assert repr(b) == _bibun_text(repr(t))
    assert b.min.tolist() == [1.0, -3.0] and b.max.tolist() == [4.0, 0.0]


def test_out_tuple_receives_values_and_indices() -> None:
    x = bibun.tensor([[1.0, 5.0], [4.0, 2.0]])
    values, indices = bibun.empty(0), bibun.empty(0, dtype=bibun.int64)
    r = bibun.max(x, 0, out=(values, indices))
    assert r.values is values and r.indices is indices
    assert values.tolist() == [4.0, 5.0] and indices.tolist() == [1, 0]


def test_return_types_module_is_importable_and_named_tuples_pickle() -> None:
    import bibun.return_types as rt

    r = rt.sort((1, 2))
    assert pickle.loads(pickle.dumps(r)) == r and type(pickle.loads(pickle.dumps(r))) is rt.sort
    assert r.values == 1 and r.indices == 2
    with pytest.raises(TypeError):
        rt.max((1, 2, 3))


# --------------------------------------------------------------------------------------------
# Gradients at PyTorch's special points


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: x.max(),
        lambda lib, x: x.min(),
        lambda lib, x: x.median(),
        lambda lib, x: x.amax(),
        lambda lib, x: lib.amax(x, 1),
        lambda lib, x: lib.amin(x, (0, 1), keepdim=True),
        lambda lib, x: x.max(1).values,
        lambda lib, x: x.min(0, keepdim=True)[0],
        lambda lib, x: lib.median(x, 1).values,
        lambda lib, x: x.cummax(1).values,
        lambda lib, x: lib.aminmax(x).max,
    ],
    ids=["max", "min", "median", "amax", "amax_dim", "amin_dims", "max_dim", "min_dim_keepdim", "median_dim",
         "cummax", "aminmax"],
)
def test_ties_share_or_route_the_gradient_as_torch(fn: Any, torch: Any) -> None:
    """Whole-tensor max/min/median and amax/amin split the gradient evenly over ties; with dim it
    goes to the one returned index."""
    arr = np.array([[2.0, 2.0, 1.0, 2.0], [-1.0, 3.0, 3.0, -1.0]])
    for lib_pair in [(bibun, torch)]:
        (_, _, bg), (_, _, tg) = (_grads(lib, arr, fn) for lib in lib_pair)
        np.testing.assert_allclose(to_numpy(bg), to_numpy(tg), rtol=1e-12)


@pytest.mark.parametrize(
    "arr",
    [
        np.array([[1.5, -2.0, 0.5], [0.7, 1.1, -0.3]]),
        np.array([[1.5, 0.0, 0.5], [0.7, 1.1, -0.3]]),
        np.array([[0.0, 0.0, 0.5], [0.7, 0.0, -0.3]]),
    ],
    ids=["no_zero", "one_zero", "two_zeros"],
)
@pytest.mark.parametrize(
    "fn",
    [lambda lib, x: x.prod(), lambda lib, x: x.prod(1), lambda lib, x: x.prod(0, keepdim=True),
     lambda lib, x: x.cumprod(1), lambda lib, x: lib.cumprod(x, 0)],
    ids=["prod", "prod_dim", "prod_dim_keepdim", "cumprod", "cumprod_dim0"],
)
def test_prod_and_cumprod_with_zeros_match_torch_to_second_order(arr: np.ndarray, fn: Any, torch: Any) -> None:
    _same_first_and_second_grads(torch, arr, fn)


def test_std_at_zero_variance_has_zero_gradient(torch: Any) -> None:
    arr = np.array([[0.5, 0.5, 0.5], [1.0, 2.0, 4.0]])
    for fn in (lambda lib, x: x.std(1), lambda lib, x: lib.std_mean(x, 1)[0]):
        (_, _, bg), (_, _, tg) = (_grads(lib, arr, fn) for lib in (bibun, torch))
        np.testing.assert_allclose(to_numpy(bg), to_numpy(tg), rtol=1e-12)
        assert not to_numpy(bg)[0].any()


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, math.inf, "fro"])
def test_norm_at_zero_follows_torch(p: Any, torch: Any) -> None:
    arr = np.array([[0.0, 0.0], [0.0, 1.5]])
    for fn in (lambda lib, x: lib.norm(x[0], p), lambda lib, x: lib.norm(x, p, dim=1)):
        (_, bo, bg), (_, to, tg) = (_grads(lib, arr, fn) for lib in (bibun, torch))
        np.testing.assert_allclose(to_numpy(bo), to_numpy(to), rtol=1e-12)
        np.testing.assert_allclose(to_numpy(bg), to_numpy(tg), rtol=1e-12)


def test_logsumexp_of_minus_infinities(torch: Any) -> None:
    arr = np.array([[-math.inf, -math.inf], [-math.inf, 0.0]])
    (_, bo, bg), (_, to, tg) = (_grads(lib, arr, lambda lib, x: lib.logsumexp(x, 1)) for lib in (bibun, torch))
    np.testing.assert_array_equal(to_numpy(bo), to_numpy(to))
    np.testing.assert_array_equal(to_numpy(bg), to_numpy(tg))  # nan where torch has nan


@pytest.mark.parametrize(
    "fn",
    [lambda lib, x: x.var(1), lambda lib, x: lib.std(x, 0, correction=0), lambda lib, x: lib.logsumexp(x, (0, 1)),
     lambda lib, x: lib.cumsum(x, 1), lambda lib, x: lib.var_mean(x, 1)[1] * lib.var_mean(x, 1)[0]],
    ids=["var", "std", "logsumexp", "cumsum", "var_mean"],
)
def test_double_backward_matches_torch(fn: Any, torch: Any) -> None:
    _same_first_and_second_grads(torch, np.random.RandomState(3).uniform(-1, 1, (3, 4)), fn)


def test_max_dim_double_backward_routes_to_the_index(torch: Any) -> None:
    arr = np.array([[1.0, 4.0, 2.0], [3.0, -1.0, 0.5]])
    _same_first_and_second_grads(torch, arr, lambda lib, x: x.max(1).values ** 2)


# --------------------------------------------------------------------------------------------
# Arguments and errors


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.max(lib.empty(0)),
        lambda lib: lib.amax(lib.empty(0, 3), 0),
        lambda lib: lib.argmax(lib.empty(0)),
        lambda lib: lib.argmax(lib.empty(0, 3), 0),
        lambda lib: lib.median(lib.empty(0, 3), 0),
        lambda lib: lib.aminmax(lib.empty(0)),
        lambda lib: lib.mean(lib.arange(3)),
        lambda lib: lib.var(lib.arange(3)),
        lambda lib: lib.argmax(lib.tensor([True, False])),
        lambda lib: lib.nanmean(lib.arange(3)),
        lambda lib: lib.sum(lib.ones(2, 3), (0, -2)),
        lambda lib: lib.max(lib.ones(2), 2),
    ],
)
def test_errors_match_torch_type_and_text(call: Any, torch: Any) -> None:
    with pytest.raises(Exception) as t_err:
        call(torch)
    with pytest.raises(Exception) as b_err:
        call(bibun)
    assert type(b_err.value).__name__ == type(t_err.value).__name__
    assert str(b_err.value) == str(t_err.value)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: x.var(0, True, True),
        lambda lib, x: x.var(False),
        lambda lib, x: lib.std(x, dim=(0, 1), correction=2, keepdim=True),
        lambda lib, x: lib.var_mean(x, [1], unbiased=False)[0],
        lambda lib, x: x.mean((0, 1), dtype=lib.float64),
        lambda lib, x: lib.sum(x, (-1, 0), keepdim=True, dtype=lib.float64),
        lambda lib, x: x.prod(1, dtype=lib.float64),
        lambda lib, x: x.argmax(keepdim=True),
        lambda lib, x: lib.count_nonzero(x, (0, 1)),
        lambda lib, x: lib.nansum(x, 0),
        lambda lib, x: lib.cumsum(x, 0, dtype=lib.float64),
    ],
)
def test_argument_forms_match_torch(fn: Any, compare_with_torch: Any) -> None:
    compare_with_torch(fn, np.random.RandomState(5).uniform(-1, 1, (3, 4)).astype(np.float32))


def test_mean_of_integers_with_a_float_dtype(torch: Any) -> None:
    arr = np.arange(6).reshape(2, 3)
    b, t = (lib.mean(make_tensor(lib, arr), 1, dtype=lib.float64) for lib in (bibun, torch))
    np.testing.assert_allclose(to_numpy(b), to_numpy(t))


# --------------------------------------------------------------------------------------------
# Accuracy and large inputs (accumulation in float64, rows split over threads)


def test_large_float32_sum_and_var_accumulate_in_double() -> None:
    arr = np.full(2_000_000, 0.1, dtype=np.float32)
    x = bibun.tensor(arr)
    exact = float(np.sum(arr.astype(np.float64)))
    assert abs(x.sum().item() - exact) / exact < 1e-6
    assert x.var().item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "fn",
    [lambda lib, x: x.amax(1), lambda lib, x: x.var(0), lambda lib, x: lib.logsumexp(x, 1),
     lambda lib, x: x.cumsum(1), lambda lib, x: x.max(0).indices, lambda lib, x: lib.median(x, 1).values],
    ids=["amax", "var", "logsumexp", "cumsum", "max_indices", "median"],
)
def test_large_inputs_match_torch(fn: Any, torch: Any) -> None:
    arr = np.random.RandomState(7).standard_normal((300, 400))
    b, t = (fn(lib, make_tensor(lib, arr)) for lib in (bibun, torch))
    np.testing.assert_allclose(to_numpy(b), to_numpy(t), rtol=1e-9, atol=1e-9)
