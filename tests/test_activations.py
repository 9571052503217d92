"""relu, celu, where, sigmoid and log checked against PyTorch: values and result dtypes, gradients,
float64 gradcheck, grad_fn graphs, every spelling (function, method, nn.functional), 0-d, empty and
non-contiguous inputs, and the errors PyTorch raises."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import bibun
from conftest import dtype_name, make_tensor, to_numpy

MIXED = np.array([[-3.0, -1.25, -0.5, 0.0], [0.25, 1.0, 2.5, 7.0], [-20.0, 30.0, -1e-3, 1e-3]])
POSITIVE = np.array([[1e-3, 0.5, 1.0, 2.0], [3.0, 10.0, 1e5, 0.125]])
AWAY_FROM_KINKS = np.array([[-2.0, -0.7, 0.3, 1.1], [-0.2, 0.9, -1.3, 2.2]])


def node_name(node: Any) -> str:
    name = type(node).__name__
    if name == "Node":
        name = node.name()
    return name.rsplit("::", 1)[-1]


def graph(node: Any, depth: int = 4) -> Any:
    if node is None:
        return None
    if depth == 0:
        return (node_name(node), "...")
    return (node_name(node), tuple(graph(n, depth - 1) for n, _ in node.next_functions))


def F(lib: Any) -> Any:
    return lib.nn.functional


# (id, fn(lib, x), input values for the forward/backward comparison, values for gradcheck)
UNARY = [
    ("relu", lambda lib, x: lib.relu(x), MIXED, AWAY_FROM_KINKS),
    ("relu_method", lambda lib, x: x.relu(), MIXED, AWAY_FROM_KINKS),
    ("relu_functional", lambda lib, x: F(lib).relu(x), MIXED, AWAY_FROM_KINKS),
    ("celu", lambda lib, x: lib.celu(x), MIXED, AWAY_FROM_KINKS),
    ("celu_alpha_half", lambda lib, x: lib.celu(x, alpha=0.5), MIXED, AWAY_FROM_KINKS),
    ("celu_alpha_two_positional", lambda lib, x: lib.celu(x, 2.0), MIXED, AWAY_FROM_KINKS),
    ("celu_alpha_int", lambda lib, x: lib.celu(x, alpha=3), MIXED, AWAY_FROM_KINKS),
    ("celu_alpha_negative", lambda lib, x: lib.celu(x, alpha=-1.5), MIXED, AWAY_FROM_KINKS),
    ("celu_alpha_tiny", lambda lib, x: lib.celu(x, alpha=0.01), MIXED, AWAY_FROM_KINKS),
    ("celu_functional", lambda lib, x: F(lib).celu(x), MIXED, AWAY_FROM_KINKS),
    ("celu_functional_alpha", lambda lib, x: F(lib).celu(x, alpha=1.7), MIXED, AWAY_FROM_KINKS),
    ("celu_functional_alpha_positional", lambda lib, x: F(lib).celu(x, 0.3), MIXED, AWAY_FROM_KINKS),
    ("sigmoid", lambda lib, x: lib.sigmoid(x), MIXED, AWAY_FROM_KINKS),
    ("sigmoid_method", lambda lib, x: x.sigmoid(), MIXED, AWAY_FROM_KINKS),
    ("sigmoid_functional", lambda lib, x: F(lib).sigmoid(x), MIXED, AWAY_FROM_KINKS),
    ("log", lambda lib, x: lib.log(x), POSITIVE, POSITIVE[:, :2]),
    ("log_method", lambda lib, x: x.log(), POSITIVE, POSITIVE[:, :2]),
    ("where_tensor_tensor", lambda lib, x: lib.where(x > 0, x, x * -2.0), MIXED, AWAY_FROM_KINKS),
    ("where_tensor_scalar", lambda lib, x: lib.where(x > 0, x, 0.0), MIXED, AWAY_FROM_KINKS),
    ("where_scalar_tensor", lambda lib, x: lib.where(x < 0.5, -1.5, x), MIXED, AWAY_FROM_KINKS),
    ("where_int_scalar", lambda lib, x: lib.where(x > 0, x, 2), MIXED, AWAY_FROM_KINKS),
    ("where_same_tensor_both", lambda lib, x: lib.where(x > 1, x, x), MIXED, AWAY_FROM_KINKS),
    ("where_broadcast_cond_row", lambda lib, x: lib.where(x[0] > -1, x, x.exp()), MIXED, AWAY_FROM_KINKS),
    ("where_broadcast_branch", lambda lib, x: lib.where(x > 0, x[:, :1], x[0]), MIXED, AWAY_FROM_KINKS),
    ("where_broadcast_to_bigger", lambda lib, x: lib.where(x[:, None, :] > 0, x, 1.0), MIXED, AWAY_FROM_KINKS),
    ("relu_of_transposed", lambda lib, x: lib.relu(x.t()), MIXED, AWAY_FROM_KINKS),
    ("celu_of_stepped_slice", lambda lib, x: lib.celu(x[:, ::2], 0.8), MIXED, AWAY_FROM_KINKS),
    ("sigmoid_of_expanded", lambda lib, x: lib.sigmoid(x[:, :1].expand(-1, 5)), MIXED, AWAY_FROM_KINKS),
    ("log_of_transposed", lambda lib, x: x.t().log(), POSITIVE, POSITIVE[:, :2]),
    ("where_of_transposed", lambda lib, x: lib.where(x.t() > 0, x.t(), 0.5), MIXED, AWAY_FROM_KINKS),
    ("celu_mlp_like", lambda lib, x: F(lib).celu(lib.matmul(x.T, F(lib).celu(x))), MIXED, AWAY_FROM_KINKS),
    ("chain_sigmoid_log", lambda lib, x: lib.log(lib.sigmoid(x)), MIXED, AWAY_FROM_KINKS),
    ("chain_relu_sigmoid_where", lambda lib, x: lib.where(x > 0, lib.relu(x), lib.sigmoid(x)), MIXED, AWAY_FROM_KINKS),
]
IDS = [u[0] for u in UNARY]


@pytest.mark.parametrize("name,fn,values,_", UNARY, ids=IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_values_and_gradients_match_torch(name, fn, values, _, dtype, compare_with_torch):
    compare_with_torch(fn, values, dtype=dtype, atol=1e-6 if dtype == "float64" else 1e-5)


@pytest.mark.parametrize("name,fn,_,values", UNARY, ids=IDS)
def test_activation_passes_float64_gradcheck(name, fn, _, values, gradcheck):
    gradcheck(fn, values)


@pytest.mark.parametrize("name,fn,values,_", UNARY, ids=IDS)
@pytest.mark.parametrize("from_leaf", [True, False], ids=["leaf", "non_leaf"])
def test_activation_grad_fn_graph_matches_torch(name, fn, values, _, from_leaf, torch):
    graphs = []
    for lib in (torch, bibun):
        x = make_tensor(lib, values, "float32", requires_grad=True)
        y = fn(lib, x if from_leaf else x * 2.0)
        graphs.append((graph(y.grad_fn), y.requires_grad, y.is_leaf))
    assert graphs[1] == graphs[0]


@pytest.mark.parametrize("name,fn,values,_", UNARY, ids=IDS)
def test_activation_without_requires_grad_records_nothing(name, fn, values, _, torch):
    x = make_tensor(bibun, values, "float32")
    y = fn(bibun, x)
    assert y.requires_grad is False and y.grad_fn is None


@pytest.mark.parametrize("name,fn,values,_", UNARY, ids=IDS)
def test_activation_under_no_grad_records_nothing(name, fn, values, _, torch):
    x = make_tensor(bibun, values, "float32", requires_grad=True)
    with bibun.no_grad():
        y = fn(bibun, x)
    assert y.requires_grad is False and y.grad_fn is None


ACT_FNS = [
    ("relu", lambda lib, x: lib.relu(x)),
    ("relu_method", lambda lib, x: x.relu()),
    ("relu_functional", lambda lib, x: F(lib).relu(x)),
    ("celu", lambda lib, x: lib.celu(x)),
    ("celu_functional", lambda lib, x: F(lib).celu(x, 2.0)),
    ("sigmoid", lambda lib, x: lib.sigmoid(x)),
    ("sigmoid_method", lambda lib, x: x.sigmoid()),
    ("log", lambda lib, x: lib.log(x)),
    ("log_method", lambda lib, x: x.log()),
    ("where_tensor_scalar", lambda lib, x: lib.where(x > 1, x, 5)),
    ("where_scalar_float", lambda lib, x: lib.where(x > 1, 0.5, x)),
    ("where_scalar_scalar", lambda lib, x: lib.where(x > 1, 1.0, 0.0)),
    ("where_scalar_int_int", lambda lib, x: lib.where(x > 1, 1, 0)),
    ("where_float64_branch", lambda lib, x: lib.where(x > 1, x, lib.zeros(3, dtype=lib.float64))),
    ("where_int32_branch", lambda lib, x: lib.where(x > 1, x, lib.zeros(3, dtype=lib.int32))),
]


@pytest.mark.parametrize("name,fn", ACT_FNS, ids=[a[0] for a in ACT_FNS])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_activation_result_dtype_values_or_error_match_torch(name, fn, dtype, torch):
    values = np.array([0, 1, 3]) if dtype != "bool" else np.array([False, True, True])
    results = []
    for lib in (torch, bibun):
        x = make_tensor(lib, values, dtype)
        try:
            y = fn(lib, x)
        except Exception as exc:  # noqa: BLE001 - the type is compared
            results.append((type(exc), None, None))
            continue
        results.append((None, dtype_name(y.dtype), to_numpy(y)))
    (t_exc, t_dtype, t_val), (b_exc, b_dtype, b_val) = results
    if t_exc is not None:
        assert b_exc is not None and issubclass(b_exc, t_exc), f"torch raises {t_exc.__name__}, bibun {b_exc}"
        return
    assert b_exc is None, f"bibun raised {b_exc.__name__}; torch gives {t_dtype}"
    assert b_dtype == t_dtype
    np.testing.assert_allclose(b_val, t_val, rtol=1e-6)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: lib.log(x),
        lambda lib, x: lib.sigmoid(x),
        lambda lib, x: lib.relu(x),
        lambda lib, x: lib.celu(x, 0.5),
        lambda lib, x: lib.where(x > 0, x, -x),
    ],
    ids=["log", "sigmoid", "relu", "celu", "where"],
)
def test_activation_special_values_match_torch(fn, torch):
    values = np.array([0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 1e-45, 100.0, -100.0, 88.8, -104.0])
    got, want = (to_numpy(fn(lib, make_tensor(lib, values, "float32"))) for lib in (bibun, torch))
    np.testing.assert_allclose(got, want, rtol=1e-6, equal_nan=True)
    assert (np.signbit(got) == np.signbit(want))[~np.isnan(want)].all()


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: lib.log(x),
        lambda lib, x: lib.sigmoid(x),
        lambda lib, x: lib.relu(x),
        lambda lib, x: lib.celu(x, 0.5),
        lambda lib, x: lib.where(x > 0, x, x * x),
    ],
    ids=["log", "sigmoid", "relu", "celu", "where"],
)
@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (1,)], ids=["scalar", "empty", "empty_3d", "one"])
def test_activation_on_0d_and_empty_tensors_matches_torch(fn, shape, compare_with_torch):
    compare_with_torch(fn, np.full(shape, 0.75))


@pytest.mark.parametrize("values", [MIXED, np.array([0.0, 0.0, -0.0])], ids=["mixed", "zeros"])
@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0, 1e-3])
def test_celu_gradient_at_and_around_zero_matches_torch(values, alpha, compare_with_torch):
    compare_with_torch(lambda lib, x: lib.celu(x, alpha), values)


def test_relu_gradient_at_zero_is_zero_like_torch(compare_with_torch):
    compare_with_torch(lambda lib, x: lib.relu(x), np.array([0.0, -0.0, 1.0, -1.0]))


def test_where_gradient_routes_only_to_chosen_branch(compare_with_torch):
    b, _ = compare_with_torch(lambda lib, x, y: lib.where(x > y, x, y), MIXED, MIXED.T.reshape(3, 4) * 0.5)
    assert b.requires_grad


def test_where_with_non_bool_condition_raises_like_torch(torch):
    errors = []
    for lib in (torch, bibun):
        x = make_tensor(lib, MIXED)
        cond = make_tensor(lib, (MIXED > 0).astype(np.int64))
        with pytest.raises(Exception) as info:
            lib.where(cond, x, x)
        errors.append(info.value)
    assert isinstance(errors[1], type(errors[0])), f"bibun {errors[1]!r}; torch {errors[0]!r}"


def test_where_with_unbroadcastable_shapes_raises_like_torch(torch):
    errors = []
    for lib in (torch, bibun):
        x = make_tensor(lib, MIXED)
        with pytest.raises(Exception) as info:
            lib.where(x[:2] > 0, x, 0.0)
        errors.append(info.value)
    assert isinstance(errors[1], type(errors[0])), f"bibun {errors[1]!r}; torch {errors[0]!r}"


@pytest.mark.parametrize("alpha", [0.0, 0])
def test_celu_alpha_zero_raises_like_torch(alpha, torch):
    errors = []
    for lib in (torch, bibun):
        with pytest.raises(Exception) as info:
            lib.celu(make_tensor(lib, MIXED), alpha=alpha)
        errors.append(info.value)
    assert isinstance(errors[1], type(errors[0])), f"bibun {errors[1]!r}; torch {errors[0]!r}"


def test_sigmoid_saved_output_modified_inplace_raises_on_backward(torch):
    x = make_tensor(bibun, MIXED, requires_grad=True)
    s = bibun.sigmoid(x)
    s.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.sum().backward()


def test_log_backward_twice_with_retain_graph_accumulates_like_torch(torch):
    grads = []
    for lib in (torch, bibun):
        x = make_tensor(lib, POSITIVE, requires_grad=True)
        y = lib.log(x).sum()
        y.backward(retain_graph=True)
        y.backward()
        grads.append(to_numpy(x.grad))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: lib.sigmoid(x),
        lambda lib, x: lib.celu(x, 0.7),
        lambda lib, x: lib.log(x * x + 1.0),
        lambda lib, x: lib.where(x > 0, x * x, lib.relu(-x) * 3.0),
    ],
    ids=["sigmoid", "celu", "log", "where"],
)
def test_activation_double_backward_matches_torch(fn, torch):
    grads = []
    for lib in (torch, bibun):
        x = make_tensor(lib, AWAY_FROM_KINKS, requires_grad=True)
        (g,) = lib.autograd.grad(fn(lib, x).sum(), x, create_graph=True)
        g.sum().backward()
        grads.append((to_numpy(g), to_numpy(x.grad)))
    # torch's celu computes with 1/alpha rounded (3e-8 relative off in float64); bibun may be exact
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-6)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-6, atol=1e-12)
