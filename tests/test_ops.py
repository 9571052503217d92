"""Every op of issue 2: values, dtypes and gradients against PyTorch, float64 finite-difference gradchecks,
type promotion, creation functions, and bad input."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import bibun
from conftest import dtype_name, make_tensor, rng_for, to_numpy

inf = math.inf

# Input kinds: the range a test draws an input from, kept away from each op's kinks and poles.
KINDS = {
    "any": lambda rng, shape: rng.uniform(-2, 2, shape),
    "pos": lambda rng, shape: rng.uniform(0.5, 2, shape),
    "nonzero": lambda rng, shape: rng.uniform(0.5, 2, shape) * rng.choice([-1.0, 1.0], shape),
    "prob": lambda rng, shape: rng.uniform(0, 1, shape),
}


def draw(case_id: str, specs: list[tuple], dtype: str) -> list[np.ndarray]:
    rng = rng_for(case_id, dtype)
    out = []
    for spec in specs:
        shape, kind = (spec, "any") if not (spec and isinstance(spec[-1], str)) else (spec[0], spec[1])
        out.append(np.asarray(KINDS[kind](rng, shape), dtype=dtype))
    return out


def F(lib):
    return lib.nn.functional


def bce(lib, *args, **kwargs):
    return F(lib).binary_cross_entropy_with_logits(*args, **kwargs)


# (id, fn(lib, *tensors), input specs: a shape, or (shape, kind); requires_grad per input or for all)
DIFFERENTIABLE = [
    ("add", lambda lib, a, b: a + b, [(3, 4), (3, 4)], True),
    ("add_broadcast_col_row", lambda lib, a, b: a + b, [(3, 1), (1, 4)], True),
    ("add_broadcast_rank", lambda lib, a, b: a + b, [(2, 3, 4), (4,)], True),
    ("add_0d_left", lambda lib, a, b: a + b, [(), (3,)], True),
    ("add_0d_right", lambda lib, a, b: a + b, [(2, 3), ()], True),
    ("add_scalar_right", lambda lib, a: a + 2.5, [(3,)], True),
    ("add_scalar_left", lambda lib, a: 2.5 + a, [(3,)], True),
    ("add_int_scalar", lambda lib, a: a + 2, [(2, 3)], True),
    ("add_bool_scalar", lambda lib, a: a + True, [(3,)], True),
    ("add_one_input_needs_grad", lambda lib, a, b: a + b, [(3,), (3,)], (True, False)),
    ("sub", lambda lib, a, b: a - b, [(3, 4), (3, 4)], True),
    ("sub_broadcast", lambda lib, a, b: a - b, [(4, 1), (3,)], True),
    ("sub_scalar_right", lambda lib, a: a - 1.5, [(3,)], True),
    ("sub_scalar_left", lambda lib, a: 1.5 - a, [(3,)], True),
    ("mul", lambda lib, a, b: a * b, [(3, 4), (3, 4)], True),
    ("mul_broadcast", lambda lib, a, b: a * b, [(2, 1, 4), (3, 1)], True),
    ("mul_same_tensor", lambda lib, a: a * a, [(3,)], True),
    ("mul_scalar_right", lambda lib, a: a * 3, [(3,)], True),
    ("mul_scalar_left", lambda lib, a: 3.5 * a, [(3,)], True),
    ("mul_0d_0d", lambda lib, a, b: a * b, [(), ()], True),
    ("div", lambda lib, a, b: a / b, [(3, 4), ((3, 4), "nonzero")], True),
    ("div_broadcast", lambda lib, a, b: a / b, [(3, 4), ((4,), "nonzero")], True),
    ("div_scalar_right", lambda lib, a: a / 2, [(3,)], True),
    ("div_scalar_left", lambda lib, a: 2 / a, [((3,), "nonzero")], True),
    ("seed000_a_expr", lambda lib, a: (a * 3) / (a - 1), [((2, 2), "pos")], True),
    ("pow_int", lambda lib, a: a**2, [(3, 2)], True),
    ("pow_method", lambda lib, a: a.pow(3), [(3,)], True),
    ("pow_float", lambda lib, a: a**2.5, [((3,), "pos")], True),
    ("pow_negative", lambda lib, a: a**-1, [((3,), "nonzero")], True),
    ("pow_zero", lambda lib, a: a**0, [(3,)], True),
    ("pow_tensor_tensor", lambda lib, a, b: a**b, [((3,), "pos"), (3,)], True),
    ("pow_tensor_broadcast", lambda lib, a, b: lib.pow(a, b), [((2, 3), "pos"), (3,)], True),
    ("pow_scalar_base", lambda lib, a: 2**a, [(3,)], True),
    ("pow_float_base", lambda lib, a: 2.5**a, [(3,)], True),
    ("neg", lambda lib, a: -a, [(2, 3)], True),
    ("neg_method", lambda lib, a: a.neg(), [(3,)], True),
    ("neg_function", lambda lib, a: lib.neg(a), [()], True),
    ("sum_all", lambda lib, a: a.sum(), [(3, 4)], True),
    ("sum_function", lambda lib, a: lib.sum(a), [(3, 4)], True),
    ("sum_0d", lambda lib, a: a.sum(), [()], True),
    ("sum_dim0", lambda lib, a: a.sum(0), [(3, 4)], True),
    ("sum_dim_negative", lambda lib, a: a.sum(-1), [(2, 3, 4)], True),
    ("sum_dim_tuple", lambda lib, a: a.sum((0, 2)), [(2, 3, 4)], True),
    ("sum_keepdim", lambda lib, a: a.sum(dim=1, keepdim=True), [(2, 3, 4)], True),
    ("sum_tuple_keepdim", lambda lib, a: a.sum(dim=(0, 1), keepdim=True), [(2, 3, 4)], True),
    ("mean_all", lambda lib, a: a.mean(), [(3, 4)], True),
    ("mean_function", lambda lib, a: lib.mean(a), [(3,)], True),
    ("mean_dim", lambda lib, a: a.mean(1), [(3, 4)], True),
    ("mean_dim_tuple", lambda lib, a: a.mean((0, 2)), [(2, 3, 4)], True),
    ("mean_keepdim", lambda lib, a: a.mean(dim=-1, keepdim=True), [(2, 3, 4)], True),
    ("matmul_vec_vec", lambda lib, a, b: lib.matmul(a, b), [(4,), (4,)], True),
    ("matmul_vec_mat", lambda lib, a, b: lib.matmul(a, b), [(5,), (5, 3)], True),
    ("matmul_mat_vec", lambda lib, a, b: lib.matmul(a, b), [(3, 5), (5,)], True),
    ("matmul_mat_mat", lambda lib, a, b: lib.matmul(a, b), [(3, 4), (4, 2)], True),
    ("matmul_operator", lambda lib, a, b: a @ b, [(2, 3), (3, 2)], True),
    ("matmul_method", lambda lib, a, b: a.matmul(b), [(2, 3), (3,)], True),
    ("matmul_one_input_needs_grad", lambda lib, a, b: a @ b, [(5,), (5, 3)], (False, True)),
    ("exp", lambda lib, a: a.exp(), [(3, 4)], True),
    ("exp_function", lambda lib, a: lib.exp(a), [()], True),
    ("norm", lambda lib, a: a.norm(), [(3, 4)], True),
    ("norm_function", lambda lib, a: lib.norm(a), [(5,)], True),
    ("norm_p1", lambda lib, a: a.norm(p=1), [((3, 4), "nonzero")], True),
    ("norm_pinf", lambda lib, a: a.norm(p=inf), [(6,)], True),
    ("norm_dim", lambda lib, a: a.norm(dim=1), [(3, 4)], True),
    ("norm_dim_keepdim", lambda lib, a: a.norm(dim=0, keepdim=True), [(3, 4)], True),
    ("clone", lambda lib, a: a.clone(), [(2, 3)], True),
    ("clone_function", lambda lib, a: lib.clone(a) * 2, [(3,)], True),
    ("detach_blocks_gradient", lambda lib, a, b: a.detach() * b + a, [(3,), (3,)], True),
    ("data_blocks_gradient", lambda lib, a, b: a.data * b, [(3,), (3,)], True),
    ("bce_logits_mean", lambda lib, z, y: bce(lib, z, y), [(5, 3), ((5, 3), "prob")], (1, 0)),
    ("bce_logits_sum", lambda lib, z, y: bce(lib, z, y, reduction="sum"), [(4,), ((4,), "prob")], (1, 0)),
    (
        "bce_logits_none",
        lambda lib, z, y: bce(lib, z, y, reduction="none"),
        [(2, 3), ((2, 3), "prob")],
        (1, 0),
    ),
    (
        "bce_logits_weight",
        lambda lib, z, y, w: bce(lib, z, y, weight=w),
        [(4, 3), ((4, 3), "prob"), ((3,), "pos")],
        (1, 0, 0),
    ),
    (
        "bce_logits_pos_weight",
        lambda lib, z, y, pw: bce(lib, z, y, pos_weight=pw),
        [(4, 3), ((4, 3), "prob"), ((3,), "pos")],
        (1, 0, 0),
    ),
    (
        "bce_logits_both_weights_none",
        lambda lib, z, y, w, pw: bce(lib, z, y, weight=w, pos_weight=pw, reduction="none"),
        [(2, 3), ((2, 3), "prob"), ((3,), "pos"), ((1, 3), "pos")],
        (1, 0, 0, 0),
    ),
    ("inplace_add_on_nonleaf", lambda lib, a, b: (a * 1).add_(b), [(3,), (3,)], True),
    ("inplace_add_alpha", lambda lib, a, b: (a * 2).add_(b, alpha=-3), [(2, 3), (3,)], True),
    ("inplace_add_scalar", lambda lib, a: (a * 2).add_(1.5), [(3,)], True),
    ("inplace_mul_tensor", lambda lib, a, b: (a + 1).mul_(b), [(3,), (3,)], True),
    ("inplace_mul_scalar", lambda lib, a: (a * 1).mul_(3), [(3,)], True),
    ("inplace_zero", lambda lib, a: (a * 2).zero_() + a, [(3,)], True),
    ("inplace_chain", lambda lib, a, b: (a * b).mul_(b).add_(a), [(3,), (3,)], True),
    ("seed000_chain", lambda lib, x: ((x + 2) * (x + 2) * 3).mean(), [(2, 2)], True),
    (
        "seed001_loss",
        lambda lib, x, w, b, y: bce(lib, lib.matmul(x, w) + b, y),
        [(5,), (5, 3), (3,), ((3,), "prob")],
        (0, 1, 1, 0),
    ),
    ("seed001_eye_pow", lambda lib, a: (a + 1).pow(2), [(5, 5)], True),
]
DIFF_IDS = [c[0] for c in DIFFERENTIABLE]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=DIFF_IDS)
def test_op_values_dtype_and_gradients_match_torch(case, dtype, compare_with_torch):
    case_id, fn, specs, requires_grad = case
    inputs = draw(case_id, specs, dtype)
    compare_with_torch(fn, *inputs, requires_grad=requires_grad)


# detach and .data cut the graph on purpose, so their gradient is not the derivative of the value.
FD_CHECKABLE = [c for c in DIFFERENTIABLE if not c[0].endswith("_blocks_gradient")]


@pytest.mark.parametrize("case", FD_CHECKABLE, ids=[c[0] for c in FD_CHECKABLE])
def test_op_gradient_matches_finite_differences(case, gradcheck):
    case_id, fn, specs, requires_grad = case
    gradcheck(fn, *draw(case_id, specs, "float64"), requires_grad=requires_grad)


@pytest.mark.parametrize(
    "case_id, fn, specs",
    [
        ("add", lambda lib, a, b: a + b, [(3, 1), (1, 4)]),
        ("sub", lambda lib, a, b: a - b, [(2, 3, 4), (4,)]),
        ("mul", lambda lib, a, b: a * b, [(3,), (2, 1)]),
        ("div", lambda lib, a, b: a / b, [(1,), ((2, 3), "nonzero")]),
        ("pow", lambda lib, a, b: a**b, [((2, 1), "pos"), (1, 3)]),
    ],
)
def test_broadcast_input_gradient_has_the_input_shape(case_id, fn, specs):
    inputs = [make_tensor(bibun, a, requires_grad=True) for a in draw(case_id, specs, "float32")]
    fn(bibun, *inputs).sum().backward()
    for t in inputs:
        assert t.grad is not None
        assert tuple(t.grad.shape) == tuple(t.shape)


# Ops whose result needs no gradient: eq, all, and ops on integer/bool tensors.
NON_DIFFERENTIABLE = [
    ("eq_method", lambda lib, a, b: a.eq(b), [[1, 2, 3], [1, 5, 3]]),
    ("eq_function", lambda lib, a, b: lib.eq(a, b), [[[1.0], [2.0]], [1.0, 2.0, 3.0]]),
    ("eq_scalar", lambda lib, a: a.eq(2), [[1.0, 2.0, 2.0]]),
    ("eq_operator", lambda lib, a, b: a == b, [[1.5, 2.0], [1.5, 3.0]]),
    ("eq_float_int", lambda lib, a, b: a.eq(b), [np.array([1.0, 2.0], np.float32), [1, 3]]),
    ("eq_requires_grad_input", lambda lib, a: (a * 1).eq(a), [np.array([0.5, 2.0], np.float32)]),
    ("all_true", lambda lib, a: a.all(), [[True, True]]),
    ("all_false", lambda lib, a: a.all(), [[True, False]]),
    ("all_float", lambda lib, a: a.all(), [[1.0, 0.0, 2.0]]),
    ("all_int", lambda lib, a: lib.all(a), [[1, 2, 3]]),
    ("all_of_eq", lambda lib, a: a.eq(a.detach()).all(), [np.array([0.5, 2.0], np.float32)]),
    ("all_0d", lambda lib, a: a.all(), [True]),
    ("int_add", lambda lib, a, b: a + b, [[1, 2], [[3], [4]]]),
    ("int_mul_sum", lambda lib, a: (a * a).sum(), [[1, 2, 3]]),
    ("int_matmul", lambda lib, a, b: a @ b, [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
    ("int_true_division", lambda lib, a, b: a / b, [[1, 2, 7], [2, 4, 2]]),
    ("int_pow", lambda lib, a: a**2, [[1, -2, 3]]),
    ("int_neg", lambda lib, a: -a, [[1, -2, 3]]),
    ("int_exp_is_float", lambda lib, a: a.exp(), [[0, 1, 2]]),
    ("bool_sum_is_int64", lambda lib, a: a.sum(), [[True, True, False]]),
    ("clone_int", lambda lib, a: a.clone(), [[1, 2]]),
]


@pytest.mark.parametrize("case_id, fn, values", NON_DIFFERENTIABLE, ids=[c[0] for c in NON_DIFFERENTIABLE])
def test_non_differentiable_op_matches_torch(case_id, fn, values, compare_with_torch):
    inputs = [np.asarray(v) for v in values]
    b_out, _ = compare_with_torch(fn, *inputs)
    assert b_out.grad_fn is None


# Type promotion: result dtypes against torch over a grid of dtype pairs, 0-d/1-d mixes and scalar kinds.
DTYPES = ["float32", "float64", "int64", "int32", "bool"]
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "eq": lambda a, b: a.eq(b),
}
SCALARS = {"int": 2, "float": 2.5, "bool": True}


def sample(dtype: str, shape: tuple, seed: str) -> np.ndarray:
    rng = rng_for(seed, dtype, shape)
    if dtype == "bool":
        return rng.rand(*shape) > 0.5
    if dtype.startswith("int"):
        return rng.randint(1, 5, shape).astype(dtype)
    return rng.uniform(0.5, 2, shape).astype(dtype)


def outcome(fn):
    """('ok', dtype name, values) or ('raises', exception type): what an expression does."""
    try:
        r = fn()
    except (RuntimeError, TypeError) as e:
        return ("raises", type(e))
    return ("ok", dtype_name(r.dtype), r)


def assert_same_outcome(bibun_fn, torch_fn):
    got, want = outcome(bibun_fn), outcome(torch_fn)
    assert got[:2] == want[:2]
    if want[0] == "ok":
        np.testing.assert_allclose(to_numpy(got[2]).astype(float), to_numpy(want[2]).astype(float), rtol=1e-6)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((), (3,)), ((3,), ())], ids=["1d_1d", "0d_1d", "1d_0d"])
@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("b_dtype", DTYPES)
@pytest.mark.parametrize("a_dtype", DTYPES)
def test_tensor_tensor_type_promotion_matches_torch(a_dtype, b_dtype, op, shapes, torch):
    a, b = sample(a_dtype, shapes[0], "a"), sample(b_dtype, shapes[1], "b")
    fn = BINARY[op]
    assert_same_outcome(
        lambda: fn(make_tensor(bibun, a), make_tensor(bibun, b)),
        lambda: fn(make_tensor(torch, a), make_tensor(torch, b)),
    )


@pytest.mark.parametrize("side", ["tensor_first", "scalar_first"])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
@pytest.mark.parametrize("scalar", list(SCALARS))
@pytest.mark.parametrize("t_dtype", DTYPES)
def test_tensor_scalar_type_promotion_matches_torch(t_dtype, scalar, op, side, torch):
    a, s = sample(t_dtype, (3,), "t"), SCALARS[scalar]
    fn = {**BINARY, "pow": lambda x, y: x**y}[op]

    def run(lib):
        t = make_tensor(lib, a)
        return fn(t, s) if side == "tensor_first" else fn(s, t)

    assert_same_outcome(lambda: run(bibun), lambda: run(torch))


@pytest.mark.parametrize(
    "a_dtype, a_shape, b, want",
    [
        ("int64", (3,), 2.5, "float32"),
        ("bool", (3,), True, "bool"),
        ("int64", (3,), True, "int64"),
        ("int32", (3,), 2, "int32"),
        ("bool", (3,), 2, "int64"),
        ("float64", (3,), 2.5, "float64"),
        ("float64", (), ("float32", (3,)), "float32"),
        ("int64", (3,), ("float64", ()), "float64"),
        ("int32", (3,), ("int64", ()), "int32"),
        ("int32", (3,), ("int64", (3,)), "int64"),
        ("bool", (3,), ("int32", (3,)), "int32"),
    ],
)
def test_addition_result_dtype_golden(a_dtype, a_shape, b, want):
    a = make_tensor(bibun, sample(a_dtype, a_shape, "a"))
    if isinstance(b, tuple):
        b = make_tensor(bibun, sample(b[0], b[1], "b"))
    assert dtype_name((a + b).dtype) == want


UNARY = {
    "neg": lambda t: -t,
    "exp": lambda t: t.exp(),
    "sum": lambda t: t.sum(),
    "mean": lambda t: t.mean(),
    "norm": lambda t: t.norm(),
    "clone": lambda t: t.clone(),
    "all": lambda t: t.all(),
    "matmul": lambda t: t @ t,
}


@pytest.mark.parametrize("op", list(UNARY))
@pytest.mark.parametrize("t_dtype", DTYPES)
def test_unary_op_result_dtype_or_error_matches_torch(t_dtype, op, torch):
    a, fn = sample(t_dtype, (3,), "u"), UNARY[op]
    assert_same_outcome(lambda: fn(make_tensor(bibun, a)), lambda: fn(make_tensor(torch, a)))


# Creation.
@pytest.mark.parametrize(
    "data",
    [[1, 2, 3], [1.0, 2, 3], [True, False], [[1, 2], [3, 4]], [[1.5], [2.5]], 3.5, 7, True, [[[1.0, 2.0]]]],
    ids=repr,
)
def test_tensor_from_nested_lists_infers_dtype_and_shape_like_torch(data, torch):
    b, t = bibun.tensor(data), torch.tensor(data)
    assert dtype_name(b.dtype) == dtype_name(t.dtype)
    assert tuple(b.shape) == tuple(t.shape)
    np.testing.assert_array_equal(to_numpy(b), to_numpy(t))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_tensor_with_explicit_dtype(dtype):
    t = bibun.tensor([0, 1, 2], dtype=getattr(bibun, dtype))
    assert t.dtype == getattr(bibun, dtype)
    np.testing.assert_array_equal(to_numpy(t), np.array([0, 1, 2], dtype=dtype))


def test_tensor_defaults_to_float32_and_no_grad():
    t = bibun.tensor([0.1, 1.0, 0.0001])
    assert t.dtype == bibun.float32 and t.dtype == bibun.float
    assert t.requires_grad is False and t.is_leaf and t.grad_fn is None and t.grad is None


SIZE_FORMS = [((2, 3), {}), (([2, 3],), {}), (((2, 3),), {}), ((4,), {}), (((),), {}), ((1, 1, 2), {})]


@pytest.mark.parametrize("name, fill", [("zeros", 0.0), ("ones", 1.0)])
@pytest.mark.parametrize("args, kwargs", SIZE_FORMS, ids=["varargs", "list", "tuple", "int", "0d", "3d"])
def test_zeros_and_ones_accept_varargs_list_and_tuple(name, fill, args, kwargs):
    t = getattr(bibun, name)(*args, **kwargs)
    shape = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    assert tuple(t.shape) == tuple(shape)
    assert t.dtype == bibun.float32
    np.testing.assert_array_equal(to_numpy(t), np.full(tuple(shape), fill, np.float32))


@pytest.mark.parametrize("name", ["zeros", "ones", "eye", "randn"])
def test_creation_honours_dtype_and_requires_grad(name):
    t = getattr(bibun, name)(3, dtype=bibun.float64, requires_grad=True)
    assert t.dtype == bibun.float64 and t.requires_grad and t.is_leaf and t.grad_fn is None


@pytest.mark.parametrize("name", ["zeros", "ones", "eye"])
def test_integer_creation_dtype(name):
    t = getattr(bibun, name)(2, dtype=bibun.int64)
    assert t.dtype == bibun.int64 == bibun.long


@pytest.mark.parametrize("args", [(3,), (2, 3), (3, 2), (1,)])
def test_eye_matches_numpy(args):
    t = bibun.eye(*args)
    assert t.dtype == bibun.float32
    np.testing.assert_array_equal(to_numpy(t), np.eye(*args, dtype=np.float32))


@pytest.mark.parametrize("name", ["ones_like", "zeros_like"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_like_functions_keep_shape_and_dtype(name, dtype):
    src = bibun.tensor(np.ones((2, 3), dtype=dtype).tolist(), dtype=getattr(bibun, dtype))
    t = getattr(bibun, name)(src)
    assert tuple(t.shape) == (2, 3) and t.dtype == src.dtype and not t.requires_grad
    fill = 1 if name == "ones_like" else 0
    np.testing.assert_array_equal(to_numpy(t), np.full((2, 3), fill, dtype=dtype))


def test_like_functions_of_a_grad_requiring_tensor_need_no_grad_unless_asked():
    x = bibun.eye(5, requires_grad=True)
    assert not bibun.ones_like(x).requires_grad
    y = bibun.zeros_like(x, dtype=bibun.float64, requires_grad=True)
    assert y.requires_grad and y.is_leaf and y.dtype == bibun.float64


@pytest.mark.parametrize("args", [(2, 3), ((2, 3),), ([4],), (5,)])
def test_randn_shape_and_default_dtype(args):
    t = bibun.randn(*args)
    shape = args[0] if isinstance(args[0], (list, tuple)) else args
    assert tuple(t.shape) == tuple(shape) and t.dtype == bibun.float32


def test_randn_is_standard_normal():
    bibun.manual_seed(1234)
    v = to_numpy(bibun.randn(20000)).astype(np.float64)
    assert abs(v.mean()) < 0.05 and abs(v.std() - 1) < 0.05
    assert len(np.unique(v)) > 19000


def test_manual_seed_makes_randn_reproducible():
    bibun.manual_seed(42)
    a = to_numpy(bibun.randn(2, 3))
    b = to_numpy(bibun.randn(2, 3))
    bibun.manual_seed(42)
    np.testing.assert_array_equal(to_numpy(bibun.randn(2, 3)), a)
    np.testing.assert_array_equal(to_numpy(bibun.randn(2, 3)), b)
    assert not np.array_equal(a, b)
    bibun.manual_seed(43)
    assert not np.array_equal(to_numpy(bibun.randn(2, 3)), a)


# dtypes and Size.
def test_dtype_aliases_are_the_same_objects():
    assert bibun.float is bibun.float32
    assert bibun.double is bibun.float64
    assert bibun.long is bibun.int64


@pytest.mark.parametrize("name", ["float32", "float64", "int64", "int32", "bool"])
def test_dtype_prints_with_the_bibun_prefix(name):
    assert str(getattr(bibun, name)) == f"bibun.{name}"
    assert repr(getattr(bibun, name)) == f"bibun.{name}"


def test_size_repr_and_tuple_behaviour():
    s = bibun.Size([5, 3])
    assert repr(s) == "bibun.Size([5, 3])"
    assert s == (5, 3) and isinstance(s, tuple) and len(s) == 2 and s[0] == 5
    assert repr(bibun.Size([])) == "bibun.Size([])"


def test_tensor_shape_is_a_size():
    t = bibun.zeros(5, 3)
    assert isinstance(t.shape, bibun.Size)
    assert repr(t.shape) == "bibun.Size([5, 3])"
    assert t.size() == (5, 3)


# Bad input: each a clear exception with PyTorch's wording.
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "eq", "pow"])
@pytest.mark.parametrize(
    "a_shape, b_shape, dim",
    [((3,), (4,), 0), ((2, 3), (4, 3), 0), ((2, 3), (2, 4), 1), ((2, 1, 3), (2, 5), 2)],
)
def test_binary_op_shape_mismatch_raises_torch_message(op, a_shape, b_shape, dim):
    fn = {**BINARY, "pow": lambda x, y: x**y}[op]
    a, b = bibun.ones(*a_shape), bibun.ones(*b_shape)
    rank = max(len(a_shape), len(b_shape))
    sa, sb = a_shape[dim - rank + len(a_shape)], b_shape[dim - rank + len(b_shape)]
    msg = (
        f"The size of tensor a ({sa}) must match"
        f" the size of tensor b ({sb}) at non-singleton dimension {dim}"
    )
    with pytest.raises(RuntimeError, match=f"^{re.escape(msg)}$"):
        fn(a, b)


def test_inplace_op_cannot_broadcast_self():
    a = bibun.ones(3)
    with pytest.raises(RuntimeError):
        a.add_(bibun.ones(2, 3))


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3,), (4,)), ((2, 3), (4, 5)), ((3,), (4, 5)), ((2, 3), (4,)), ((), (3,))],
)
def test_matmul_shape_mismatch_raises_runtime_error(a_shape, b_shape):
    with pytest.raises(RuntimeError):
        bibun.matmul(bibun.ones(a_shape), bibun.ones(b_shape))


def test_matmul_2d_mismatch_message():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        bibun.ones(2, 3) @ bibun.ones(4, 5)


@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda: -bibun.tensor([True]), "Negation, the `-` operator, on a bool tensor is not supported."),
        (lambda: bibun.tensor([True]) - bibun.tensor([False]), "Subtraction, the `-` operator, with two"),
        (lambda: bibun.tensor([1, 2]) ** -1, "Integers to negative integer powers are not allowed."),
        (lambda: bibun.tensor([1, 2]).mean(), "mean(): could not infer output dtype."),
    ],
    ids=["neg_bool", "sub_bool", "int_negative_pow", "mean_int"],
)
def test_wrong_dtype_raises_torch_message(fn, message):
    with pytest.raises(RuntimeError) as info:
        fn()
    assert str(info.value).startswith(message)


def test_backward_gradient_of_wrong_shape_raises():
    y = bibun.ones(3, requires_grad=True) * 2
    message = r"^Mismatch in shape: grad_output\[0\] has a shape of bibun.Size\(\[4\]\) and output\[0\]"
    with pytest.raises(RuntimeError, match=message):
        y.backward(bibun.ones(4))


def test_reduction_over_missing_dim_raises_index_error():
    with pytest.raises(IndexError):
        bibun.ones(2, 3).sum(2)
