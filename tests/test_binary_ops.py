"""Binary elementwise ops beyond what the op table checks: gradient conventions at ties and special
points, the operators (// % & | ^ ~ and their in-place and reflected forms), grad_fn names of the
number forms, ops without a derivative, Python-bool results, and PyTorch's error texts.
The table rows are in tests/op_table_binary.py."""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

import bibun
import numpy as np
import pytest
from conftest import make_tensor, to_numpy

NAN = math.nan


def _run_both(torch: Any, fn: Any, *arrays: Any, requires_grad: bool = True) -> tuple[list, list]:
    """fn(lib, *tensors) in both libraries; floating inputs require grad. Returns (bibun, torch) pairs of
    (result, leaves)."""
    out = []
    for lib in (bibun, torch):
        leaves = [make_tensor(lib, a, None, requires_grad and np.asarray(a).dtype.kind == "f") for a in arrays]
        out.append((fn(lib, *leaves), leaves))
    return out[0], out[1]


def _assert_same(b: Any, t: Any, what: str = "") -> None:
    assert str(b.dtype).rsplit(".", 1)[-1] == str(t.dtype).rsplit(".", 1)[-1], f"{what}: dtype"
    np.testing.assert_allclose(to_numpy(b), to_numpy(t), rtol=1e-6, atol=1e-7, equal_nan=True, err_msg=what)


def _check_grads(torch: Any, fn: Any, *arrays: Any) -> None:
    """Forward, grad_fn name and the gradient of every input for an all-ones upstream gradient."""
    (b, b_leaves), (t, t_leaves) = _run_both(torch, fn, *arrays)
    _assert_same(b, t, "forward")
    assert b.grad_fn.name() == t.grad_fn.name()
    b.sum().backward()
    t.sum().backward()
    for k, (bl, tl) in enumerate(zip(b_leaves, t_leaves)):
        if tl.grad is None:
            assert bl.grad is None, f"input {k}"
        else:
            _assert_same(bl.grad, tl.grad, f"grad of input {k}")


TIES = (np.array([1.0, 2.0, 0.0, -1.0, NAN, 3.0, NAN]), np.array([1.0, 3.0, 0.0, -2.0, 2.0, NAN, NAN]))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_split_the_gradient_at_ties_and_pass_it_through_nan(name: str, torch: Any) -> None:
    _check_grads(torch, lambda lib, x, y: getattr(lib, name)(x, y), *TIES)


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_give_ties_to_self_and_nan_to_the_number(name: str, torch: Any) -> None:
    _check_grads(torch, lambda lib, x, y: getattr(lib, name)(x, y), *TIES)


def test_maximum_tie_gradient_is_half_for_each_input() -> None:
    x = bibun.tensor([2.0], requires_grad=True)
    y = bibun.tensor([2.0], requires_grad=True)
    bibun.maximum(x, y).backward(bibun.ones(1))
    assert x.grad.tolist() == [0.5] and y.grad.tolist() == [0.5]


def test_xlogy_gradient_at_zero_self(torch: Any) -> None:
    x, y = np.array([0.0, 0.0, 0.0, 2.0, 0.0]), np.array([0.0, -1.0, 2.0, 3.0, NAN])
    _check_grads(torch, lambda lib, a, b: lib.xlogy(a, b), x, y)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: lib.xlogy(2, x),
        lambda lib, x: lib.xlogy(x, 3.0),
        lambda lib, x: lib.remainder(x, 1.5),
        lambda lib, x: x % 2,
        lambda lib, x: lib.fmod(x, -1.5),
        lambda lib, x: lib.lerp(x, x * 2, 0.3),
        lambda lib, x: lib.div(x, 3, rounding_mode="floor"),
        lambda lib, x: lib.div(x, x.flip(0) + 1, rounding_mode=None),
        lambda lib, x: (x * 1).div_(3.0, rounding_mode=None),
        lambda lib, x: 2 ** x,
        lambda lib, x: x ** 2.5,
    ],
    ids=["xlogy_number_self", "xlogy_number_other", "remainder_number", "mod_operator", "fmod_number", "lerp",
         "div_floor_number", "div_explicit_none", "div__explicit_none", "rpow", "pow_number"],
)
def test_number_operand_forms_record_torchs_nodes(fn: Any, torch: Any) -> None:
    _check_grads(torch, fn, np.array([0.5, 1.7, 2.2, 3.9]))


def test_atan2_gradient_at_the_origin_is_zero(torch: Any) -> None:
    _check_grads(torch, lambda lib, x, y: lib.atan2(x, y), np.array([0.0, 1.0, -1.0]), np.array([0.0, -1.0, 2.0]))


@pytest.mark.parametrize(
    "fn, op",
    [
        (lambda lib, x, y: lib.floor_divide(x, y), "floor_divide"),
        (lambda lib, x, y: x // y, "floor_divide"),
        (lambda lib, x, y: (x * 1).floor_divide_(y), "floor_divide_"),
        (lambda lib, x, y: 2 % x, "remainder"),
    ],
)
def test_ops_without_a_derivative_raise_on_backward(fn: Any, op: str, torch: Any) -> None:
    (b, _), (t, _) = _run_both(torch, fn, np.array([1.5, -2.5]), np.array([2.0, 0.7]))
    _assert_same(b, t)
    assert b.requires_grad and b.grad_fn.name() == t.grad_fn.name() == "torch::autograd::NotImplemented"
    with pytest.raises(RuntimeError, match=f"derivative for aten::{op} is not implemented"):
        b.sum().backward()


def test_rounding_division_has_zero_gradients(torch: Any) -> None:
    for mode in ("trunc", "floor"):
        _check_grads(torch, lambda lib, x, y, mode=mode: lib.div(x, y, rounding_mode=mode), np.array([1.5, -2.5, 7.0]),
                     np.array([0.4, 0.7, -2.0]))


def test_remainder_and_fmod_gradients_of_the_divisor(torch: Any) -> None:
    x, y = np.array([5.5, -5.5, 5.5, -5.5]), np.array([2.0, 2.0, -2.0, -2.0])
    for name in ("remainder", "fmod"):
        _check_grads(torch, lambda lib, a, b, name=name: getattr(lib, name)(a, b), x, y)


@pytest.mark.parametrize(
    "expr",
    [
        "i // j", "i % j", "-7 // j", "-7 % j", "i & j", "i | j", "i ^ j", "~i", "~b", "b & c", "b | c", "b ^ c",
        "i & c", "3 & i", "5 | i", "6 ^ i", "i & True", "x // 2", "x % -1.5", "2.5 // x", "2.5 % x", "x // i",
    ],
)
def test_operators_match_torch(expr: str, torch: Any) -> None:
    results = []
    for lib in (bibun, torch):
        env = {
            "i": lib.tensor([5, -7, 3, 8]), "j": lib.tensor([2, 2, -3, 3]), "b": lib.tensor([True, False, True, False]),
            "c": lib.tensor([True, True, False, False]), "x": lib.tensor([1.5, -2.5, 3.25, -0.5]),
        }
        results.append(eval(expr, {}, env))
    _assert_same(results[0], results[1], expr)


_INPLACE_OPERATORS = {"//=": operator.ifloordiv, "%=": operator.imod, "&=": operator.iand, "|=": operator.ior,
                      "^=": operator.ixor, "**=": operator.ipow}


@pytest.mark.parametrize(
    "stmt",
    ["i //= j", "i %= j", "i &= j", "i |= 3", "i ^= j", "b &= c", "b |= c", "b ^= c", "x //= 2", "x %= 1.5",
     "x **= 2"],
)
def test_inplace_operators_write_into_self(stmt: str, torch: Any) -> None:
    name, op, other = stmt.split()
    results = []
    for lib in (bibun, torch):
        env = {
            "i": lib.tensor([5, -7, 3, 8]), "j": lib.tensor([2, 2, -3, 3]), "b": lib.tensor([True, False, True, False]),
            "c": lib.tensor([True, True, False, False]), "x": lib.tensor([1.5, -2.5, 3.25, -0.5]),
        }
        target = env[name]
        result = _INPLACE_OPERATORS[op](target, env[other] if other in env else ast.literal_eval(other))
        assert result is target, "an augmented assignment must modify the tensor in place"
        results.append(result)
    _assert_same(results[0], results[1], stmt)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: ~lib.tensor([1.0]),
        lambda lib: lib.tensor([1.0]) & lib.tensor([1.0]),
        lambda lib: lib.tensor([True]) & 2.5,
        lambda lib: lib.tensor([1, 2]) // lib.tensor([0, 1]),
        lambda lib: lib.tensor([1, 2]) % 0,
        lambda lib: lib.fmod(lib.tensor([1, 2]), lib.tensor([1, 0])),
        lambda lib: lib.div(lib.tensor([1, 2]), 0, rounding_mode="trunc"),
        lambda lib: lib.div(lib.tensor([1.0]), 2, rounding_mode="round"),
        lambda lib: lib.remainder(lib.tensor([True]), lib.tensor([True])),
        lambda lib: lib.hypot(lib.tensor([1]), lib.tensor([2])),
        lambda lib: lib.lerp(lib.tensor([1.0]), lib.tensor([2.0], dtype=lib.float64), 0.5),
        lambda lib: lib.lerp(lib.tensor([1.0]), lib.tensor([2.0]), lib.tensor([0.5], dtype=lib.float64)),
        lambda lib: lib.addcdiv(lib.tensor([1.0]), lib.tensor([1]), lib.tensor([2])),
        lambda lib: lib.addcmul(lib.tensor([True]), lib.tensor([True]), lib.tensor([True])),
        lambda lib: lib.isclose(lib.tensor([1]), lib.tensor([1.0])),
        lambda lib: lib.isclose(lib.tensor([1.0]), lib.tensor([1.0]), rtol=-1),
        lambda lib: lib.add(lib.tensor([1]), lib.tensor([1]), alpha=True),
        lambda lib: lib.add(lib.tensor([1]), lib.tensor([1]), alpha=0.5),
        lambda lib: lib.maximum(lib.tensor([1.0]), 2),
        lambda lib: lib.logical_and(lib.tensor([1.0]), 1),
        lambda lib: lib.tensor([True]).clone().bitwise_and_(lib.tensor([3])),
        lambda lib: lib.xlogy(2, 3),
        lambda lib: lib.equal(lib.tensor([1.0]), 1.0),
    ],
)
def test_bad_arguments_raise_torchs_error(fn: Any, torch: Any) -> None:
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(type(t_err.value)) as b_err:
        fn(bibun)
    t_msg, b_msg = str(t_err.value), str(b_err.value)
    if isinstance(t_err.value, (RuntimeError, NotImplementedError)):
        assert b_msg == t_msg.replace("torch.", "bibun."), f"bibun: {b_msg!r}\ntorch: {t_msg!r}"


@pytest.mark.parametrize("other", ["number", "tensor"])
def test_inplace_comparisons_record_torchs_zero_gradient_nodes(other: str, torch: Any) -> None:
    names = []
    for lib in (bibun, torch):
        x = lib.tensor([1.0, 3.0], requires_grad=True)
        y = x * 1
        y.lt_(lib.tensor([2.0, 2.0]) if other == "tensor" else 2.0)
        names.append(y.grad_fn.name())
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
    assert names[0] == names[1]


def test_allclose_and_equal_return_python_bools(torch: Any) -> None:
    cases = [
        ([1.0, 2.0], [1.0, 2.0 + 1e-7], {}),
        ([1.0, NAN], [1.0, NAN], {}),
        ([1.0, NAN], [1.0, NAN], {"equal_nan": True}),
        ([1.0, 2.0], [1.1, 2.0], {"rtol": 0.2}),
        ([1.0, 2.0], [1.1, 2.0], {"atol": 0.01}),
    ]
    for a, b, kw in cases:
        results = [lib.allclose(lib.tensor(a), lib.tensor(b), **kw) for lib in (bibun, torch)]
        assert results[0] is results[1], (a, b, kw)
    for a, b in [([1, 2], [1, 2]), ([1, 2], [1.0, 2.0]), ([1, 2], [1, 2, 3]), ([1.0, NAN], [1.0, NAN])]:
        results = [lib.equal(lib.tensor(a), lib.tensor(b)) for lib in (bibun, torch)]
        assert results[0] is results[1], (a, b)


def test_allclose_broadcasts_like_torch(torch: Any) -> None:
    results = [lib.allclose(lib.ones(2, 3), lib.ones(3)) for lib in (bibun, torch)]
    assert results[0] is results[1] is True


def test_tensor_pow_tensor_allows_negative_integer_exponents(torch: Any) -> None:
    results = [lib.pow(lib.tensor([5, -1, 3, 1, 0]), lib.tensor([2, -3, -3, -1, 2])) for lib in (bibun, torch)]
    _assert_same(results[0], results[1])
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        bibun.pow(bibun.tensor([2]), -1)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x, y: lib.maximum(x, y) * lib.minimum(x, y),
        lambda lib, x, y: lib.fmax(x, y) + lib.fmin(x, y) ** 2,
        lambda lib, x, y: lib.atan2(x, y),
        lambda lib, x, y: lib.hypot(x, y),
        lambda lib, x, y: lib.xlogy(x, y.abs() + 0.5),
        lambda lib, x, y: lib.remainder(x, y) * y,
        lambda lib, x, y: lib.lerp(x, y, x.sigmoid()),
        lambda lib, x, y: lib.addcdiv(x, x, y.abs() + 1.0, value=0.5),
        lambda lib, x, y: lib.addcmul(x, y, y, value=-2),
    ],
)
def test_second_derivatives_match_torch(fn: Any, torch: Any) -> None:
    rng = np.random.RandomState(3)
    x, y = rng.uniform(-2, 2, 5), rng.uniform(0.5, 2, 5) * rng.choice([-1, 1], 5)
    grads = []
    for lib in (bibun, torch):
        a = lib.tensor(x.tolist(), dtype=lib.float64, requires_grad=True)
        b = lib.tensor(y.tolist(), dtype=lib.float64, requires_grad=True)
        ga, gb = lib.autograd.grad(fn(lib, a, b).sum(), (a, b), create_graph=True)
        hess = lib.autograd.grad((ga * ga).sum() + gb.sum(), (a, b), allow_unused=True)
        grads.append([np.zeros(5) if h is None else to_numpy(h) for h in hess])
    for b_h, t_h in zip(*grads):
        np.testing.assert_allclose(b_h, t_h, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "write",
    [
        lambda lib, v, w: v.remainder_(1.5),
        lambda lib, v, w: v.atan2_(w),
        lambda lib, v, w: v.hypot_(w),
        lambda lib, v, w: v.lerp_(w, 0.25),
        lambda lib, v, w: v.addcmul_(w, w, value=0.5),
        lambda lib, v, w: v.xlogy_(w.abs() + 1),
        lambda lib, v, w: v.pow_(w),
    ],
    ids=["remainder_", "atan2_", "hypot_", "lerp_", "addcmul_", "xlogy_", "pow_"],
)
def test_inplace_twin_on_a_view_rewrites_the_base_history(write: Any, torch: Any) -> None:
    grads = []
    for lib in (bibun, torch):
        x = lib.tensor([[0.5, 1.5, 2.5], [1.25, 0.75, 1.75]], requires_grad=True)
        w = lib.tensor([0.6, 1.1, 1.7], requires_grad=True)
        base = x * 1
        write(lib, base[1], w)
        assert type(base.grad_fn).__name__ == "CopySlices" or base.grad_fn.name().endswith("CopySlices")
        (base * base).sum().backward()
        grads.append([None if g is None else to_numpy(g) for g in (x.grad, w.grad)])
    for b, t in zip(*grads):
        assert (b is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(b, t, rtol=1e-5, atol=1e-6)


def test_inplace_twin_invalidates_a_saved_input(torch: Any) -> None:
    for lib in (bibun, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = x * 1
        z = lib.atan2(y, lib.tensor([1.0, 2.0]))
        y.hypot_(lib.tensor([1.0, 1.0]))
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
