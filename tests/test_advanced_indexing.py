"""Advanced indexing (``t[idx]`` / ``t[idx] = v`` with tensors, lists, numpy arrays and bool masks) and the
index ops' method and in-place forms, against PyTorch: values, dtypes, grad_fn names, gradients (repeated
indices accumulate), float64 gradcheck/gradgradcheck, version bumps and error types/texts.

The function forms of gather/scatter/index_select/... are rows of the op table (tests/op_table_indexing.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import bibun
import numpy as np
import pytest
from conftest import make_tensor, to_numpy
from op_info import gradcheck, gradgradcheck

BASE = np.arange(120, dtype=np.float64).reshape(2, 3, 4, 5) / 7.0 - 8.0
MAT = np.arange(12, dtype=np.float64).reshape(3, 4) - 5.5


def _run(lib: Any, fn: Callable[[Any], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation warnings for list indices
        try:
            return fn(lib)
        except Exception as e:  # noqa: BLE001 - compared with torch's
            return e


def _same(fn: Callable[[Any], Any], torch: Any, message: bool = True) -> None:
    want, got = _run(torch, fn), _run(bibun, fn)
    if isinstance(want, Exception):
        assert isinstance(got, Exception), f"torch raises {want!r}; bibun returns {got!r}"
        assert type(got).__name__ == type(want).__name__, f"bibun raises {got!r}, torch {want!r}"
        if message:
            assert str(got).replace("bibun", "torch") == str(want)
        return
    assert not isinstance(got, Exception), f"bibun raises {got!r}; torch succeeds"
    wants, gots = (want, got) if isinstance(want, tuple) else ((want,), (got,))
    assert len(gots) == len(wants)
    for w, g in zip(wants, gots):
        assert tuple(g.shape) == tuple(w.shape)
        assert str(g.dtype).rsplit(".")[-1] == str(w.dtype).rsplit(".")[-1]
        np.testing.assert_allclose(to_numpy(g), to_numpy(w), rtol=1e-6, atol=1e-12)
        assert (g.grad_fn and g.grad_fn.name()) == (w.grad_fn and w.grad_fn.name())


def _base(lib: Any, requires_grad: bool = True) -> Any:
    return make_tensor(lib, BASE, "float64", requires_grad)


GETITEM = {
    "long_tensor": lambda lib: lib.tensor([1, 0, 1]),
    "int32_tensor": lambda lib: lib.tensor([1, -2], dtype=lib.int32),
    "list": lambda _: [1, 0],
    "nested_list_as_tuple": lambda _: [[0, 1], [2, 0]],
    "numpy_array": lambda _: np.array([[1], [0]]),
    "bool_list": lambda _: [True, False],
    "mask_full": lambda lib: _base(lib, False) > -3.0,
    "mask_two_dims": lambda lib: lib.tensor([[True, False, True], [False, False, True]]),
    "mask_middle": lambda lib: (slice(None), lib.tensor([True, False, True])),
    "mask_after_ellipsis": lambda lib: (..., lib.tensor([True, False, True, True, False])),
    "mask_all_false": lambda lib: lib.zeros(2, 3, dtype=lib.bool),
    "adjacent_pair": lambda lib: (slice(None), lib.tensor([0, 2, 2]), lib.tensor([1, 3, 1])),
    "separated_pair": lambda lib: (lib.tensor([0, 1]), slice(None), lib.tensor([3, 0])),
    "separated_by_int": lambda lib: (lib.tensor([1, 0]), 2, slice(None), lib.tensor([4, 0])),
    "int_then_tensor": lambda lib: (1, slice(None), lib.tensor([0, 3])),
    "broadcast_indices": lambda lib: (lib.tensor([[0], [1]]), lib.tensor([0, 2, 1])),
    "step_slices": lambda lib: (slice(None, None, 2), slice(1, None, 2), lib.tensor([3, 0])),
    "none_and_tensor": lambda lib: (None, lib.tensor([1]), None, slice(1, 3), lib.tensor([0, 1])),
    "ellipsis_middle": lambda lib: (lib.tensor([1]), ..., lib.tensor([0, 4, 4])),
    "negative": lambda lib: (lib.tensor([-1, -2]), lib.tensor([-3, 2])),
    "python_true": lambda _: True,
    "python_false": lambda _: False,
    "zero_dim_int_tensor": lambda lib: lib.tensor(1),
    "zero_dim_bool_tensor": lambda lib: lib.tensor(True),
    "empty_list": lambda _: [],
    "repeated": lambda lib: lib.tensor([0, 0, 1, 0]),
    "index_2d": lambda lib: lib.tensor([[1, 0], [0, 0]]),
    "out_of_range": lambda lib: lib.tensor([0, 2]),
    "out_of_range_second": lambda lib: (slice(None), lib.tensor([0, 3])),
    "out_of_range_negative": lambda lib: lib.tensor([-3]),
    "float_tensor": lambda lib: lib.tensor([0.0, 1.0]),
    "float": lambda _: 1.0,
    "string": lambda _: "a",
    "mask_shape_mismatch": lambda lib: lib.tensor([True, False, True]),
    "cannot_broadcast": lambda lib: (lib.tensor([0, 1]), lib.tensor([0, 1, 2])),
    "too_many": lambda lib: (0, 0, 0, lib.tensor([0]), 0),
}


@pytest.mark.parametrize("name", list(GETITEM))
def test_getitem_matches_torch(name: str, torch: Any) -> None:
    _same(lambda lib: _base(lib)[GETITEM[name](lib)], torch)


@pytest.mark.parametrize("name", ["repeated", "separated_pair", "mask_full", "broadcast_indices", "step_slices",
                                  "none_and_tensor", "mask_middle", "index_2d", "python_true"])
def test_getitem_gradient_matches_torch_and_accumulates_repeats(name: str, torch: Any) -> None:
    grads = []
    for lib in (torch, bibun):
        x = _base(lib)
        out = x[GETITEM[name](lib)]
        up = np.random.RandomState(0).standard_normal(tuple(out.shape))
        out.backward(make_tensor(lib, up, "float64"))
        grads.append(to_numpy(x.grad))
    np.testing.assert_allclose(grads[1], grads[0])


@pytest.mark.parametrize("make", [
    lambda lib, t: t[lib.tensor([0, 0, 2])],
    lambda lib, t: t[t > 0],
    lambda lib, t: t[[2, 1], 1:][:, [0, 0]],
    lambda lib, t: t[None, lib.tensor([[1], [2]]), lib.tensor([3, 3])],
], ids=["repeated", "mask", "chained", "broadcast"])
def test_getitem_gradcheck_and_gradgradcheck(make: Callable[[Any, Any], Any]) -> None:
    gradcheck(lambda t: make(bibun, t), [MAT])
    gradgradcheck(lambda t: make(bibun, t) ** 2, [MAT])


def test_getitem_on_integer_and_bool_tensors(torch: Any) -> None:
    _same(lambda lib: lib.tensor([[1, 2], [3, 4]])[[1, 0], [0, 0]], torch)
    _same(lambda lib: lib.tensor([True, False, True])[lib.tensor([2, 1])], torch)
    _same(lambda lib: lib.tensor([5, 6], dtype=lib.int32)[lib.tensor([True, True])], torch)


def test_getitem_of_non_contiguous_and_empty_tensors(torch: Any) -> None:
    _same(lambda lib: make_tensor(lib, MAT, "float64", True).t()[[3, 1]], torch)
    _same(lambda lib: make_tensor(lib, MAT, "float64", True)[:, ::2][lib.tensor([2, 0]), lib.tensor([1, 0])], torch)
    _same(lambda lib: lib.zeros(0, 3)[[]], torch)
    _same(lambda lib: lib.zeros(0, 3)[[0]], torch)
    _same(lambda lib: lib.tensor(2.5, requires_grad=True)[True], torch)
    _same(lambda lib: lib.tensor(2.5, requires_grad=True)[lib.tensor(False)], torch)


def test_getitem_does_not_modify_or_alias_self(torch: Any) -> None:
    x = make_tensor(bibun, MAT, "float64")
    y = x[[0, 1]]
    y.add_(1.0)
    np.testing.assert_array_equal(to_numpy(x), MAT)


# ---------------------------------------------------------------------------------------------
# __setitem__


def _set(index: Callable[[Any], Any], value: Callable[[Any], Any], value_grad: bool = False):
    def fn(lib: Any) -> Any:
        t = make_tensor(lib, MAT, "float64", True) * 1
        v = value(lib)
        if value_grad:
            v.requires_grad_(True)
        t[index(lib)] = v
        return t
    return fn


SETITEM = {
    "tensor_index_number": _set(lambda lib: lib.tensor([0, 2]), lambda lib: 5.0),
    "mask_number": _set(lambda lib: lib.tensor(MAT) > 0, lambda lib: 0.0),
    "mask_zero_dim_value": _set(lambda lib: lib.tensor(MAT) > 0, lambda lib: lib.tensor(1.0, dtype=lib.float64)),
    "broadcast_value": _set(lambda lib: (slice(None), [0, 1]), lambda lib: lib.tensor([[1.0], [2.0], [3.0]],
                                                                                       dtype=lib.float64)),
    "leading_ones_dropped": _set(lambda lib: lib.tensor([0, 1]), lambda lib: lib.ones(1, 1, 4, dtype=lib.float64)),
    "through_a_view": _set(lambda lib: (1, [0, 3]), lambda lib: lib.tensor([7.0, 8.0], dtype=lib.float64)),
    "separated_pair": _set(lambda lib: ([0, 2], [1, 3]), lambda lib: lib.tensor([7.0, 8.0], dtype=lib.float64)),
    "python_false": _set(lambda lib: False, lambda lib: 1.0),
    "python_true": _set(lambda lib: True, lambda lib: 1.0),
    "none": _set(lambda lib: None, lambda lib: 1.0),
    "ellipsis_number": _set(lambda lib: ..., lambda lib: 1.0),
    "int_number": _set(lambda lib: 0, lambda lib: 1.0),
    "int_pair_number": _set(lambda lib: (0, 1), lambda lib: 1.0),
    "slice_tensor": _set(lambda lib: slice(1, None), lambda lib: lib.ones(4, dtype=lib.float64)),
    "value_needs_grad": _set(lambda lib: lib.tensor([2, 0]), lambda lib: lib.ones(2, 4, dtype=lib.float64), True),
    "value_from_self": _set(lambda lib: lib.tensor([0, 1]), lambda lib: lib.tensor(MAT[[1, 0]], dtype=lib.float64)),
    "shape_mismatch": _set(lambda lib: lib.tensor([0, 1]), lambda lib: lib.ones(3, dtype=lib.float64)),
    "dtype_mismatch": _set(lambda lib: lib.tensor([0]), lambda lib: lib.ones(4, dtype=lib.float32)),
    "out_of_range": _set(lambda lib: lib.tensor([3]), lambda lib: 1.0),
    "list_value": _set(lambda lib: 0, lambda lib: [1, 2, 3, 4]),
}


@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem_matches_torch(name: str, torch: Any) -> None:
    _same(SETITEM[name], torch, message=name != "list_value")


@pytest.mark.parametrize("name", ["tensor_index_number", "mask_number", "broadcast_value", "through_a_view",
                                  "separated_pair", "value_needs_grad", "python_true", "ellipsis_number"])
def test_setitem_gradient_matches_torch(name: str, torch: Any) -> None:
    grads = []
    for lib in (torch, bibun):
        leaf = make_tensor(lib, MAT, "float64", True)
        t = leaf * 1
        value = lib.ones(2, 4, dtype=lib.float64, requires_grad=True)
        if name == "value_needs_grad":
            t[lib.tensor([2, 0])] = value * 3
        else:
            SETITEM_INDEX = {"tensor_index_number": (lib.tensor([0, 2]), 5.0),
                             "mask_number": (lib.tensor(MAT) > 0, 0.0),
                             "broadcast_value": ((slice(None), [0, 1]), 2.0),
                             "through_a_view": ((1, [0, 3]), 7.0),
                             "separated_pair": (([0, 2], [1, 3]), 8.0),
                             "python_true": (True, 1.0),
                             "ellipsis_number": (..., 1.0)}
            index, v = SETITEM_INDEX[name]
            t[index] = v
        up = np.random.RandomState(1).standard_normal(tuple(t.shape))
        (t * make_tensor(lib, up, "float64")).sum().backward()
        grads.append((to_numpy(leaf.grad), None if value.grad is None else to_numpy(value.grad)))
    np.testing.assert_allclose(grads[1][0], grads[0][0])
    if grads[0][1] is not None:
        np.testing.assert_allclose(grads[1][1], grads[0][1])


def test_setitem_bumps_the_version_and_invalidates_saved_tensors(torch: Any) -> None:
    errors = []
    for lib in (torch, bibun):
        x = make_tensor(lib, MAT, "float64", True)
        y = x * 1
        z = y.exp()  # saves its result
        version = z._version
        z[lib.tensor([0])] = 0.0
        assert z._version > version
        with pytest.raises(RuntimeError) as info:
            z.sum().backward()
        errors.append(str(info.value).split(";")[0])
    assert "modified by an inplace operation" in errors[1]


def test_setitem_on_a_leaf_that_requires_grad_raises_like_torch(torch: Any) -> None:
    _same(lambda lib: make_tensor(lib, MAT, "float64", True).__setitem__(lib.tensor([0]), 1.0), torch)


def test_setitem_gradcheck_and_gradgradcheck() -> None:
    def f(t: Any, v: Any) -> Any:
        u = t * 1
        u[bibun.tensor([2, 0]), 1:3] = v * v
        return u * u

    gradcheck(f, [MAT, np.array([[0.5, -1.0], [2.0, 0.25]])])
    gradgradcheck(f, [MAT, np.array([[0.5, -1.0], [2.0, 0.25]])])


def test_index_put_accumulate_sums_repeated_indices(torch: Any) -> None:
    def fn(lib: Any) -> Any:
        x = make_tensor(lib, MAT, "float64", True)
        v = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        out = x.index_put((lib.tensor([0, 0, 2]), lib.tensor([1, 1, 3])), v, accumulate=True)
        out.backward(make_tensor(lib, MAT * 2, "float64"))
        return out, x.grad, v.grad

    _same(fn, torch)


# ---------------------------------------------------------------------------------------------
# method and in-place forms of the index ops


def _x(lib: Any) -> Any:
    return make_tensor(lib, MAT, "float64", True) * 1


METHODS = {
    "scatter_src": lambda lib, x: x(lib).scatter(1, lib.tensor([[0, 1], [3, 2], [1, 1]]), x(lib)),
    "scatter_value_kw": lambda lib, x: x(lib).scatter(0, lib.tensor([[2, 0, 1, 0]]), value=-1.0),
    "scatter_reduce_add": lambda lib, x: x(lib).scatter(1, lib.tensor([[0, 0]]), x(lib), reduce="add"),
    "scatter_reduce_multiply": lambda lib, x: x(lib).scatter(1, lib.tensor([[0, 0]]), 2.0, reduce="multiply"),
    "scatter_": lambda lib, x: x(lib).scatter_(1, lib.tensor([[0], [3], [1]]), x(lib)),
    "scatter_value_": lambda lib, x: x(lib).scatter_(1, lib.tensor([[0], [3], [1]]), 4.0),
    "scatter_add": lambda lib, x: x(lib).scatter_add(1, lib.tensor([[0, 0, 3]]), x(lib)),
    "scatter_add_": lambda lib, x: x(lib).scatter_add_(0, lib.tensor([[2, 2, 0, 2]]), x(lib)),
    "index_add": lambda lib, x: x(lib).index_add(0, lib.tensor([2, 2]), x(lib)[:2], alpha=-2),
    "index_add_": lambda lib, x: x(lib).index_add_(1, lib.tensor([0, 0, 3]), x(lib)[:, :3]),
    "index_copy_": lambda lib, x: x(lib).index_copy_(1, lib.tensor([3, 0]), x(lib)[:, 1:3]),
    "index_copy": lambda lib, x: x(lib).index_copy(0, lib.tensor([1]), x(lib)[:1] * 2),
    "index_fill_": lambda lib, x: x(lib).index_fill_(1, lib.tensor([0, -1]), 2.5),
    "index_fill_tensor_value": lambda lib, x: x(lib).index_fill(1, lib.tensor([1]), lib.tensor(2.0, dtype=lib.float64)),
    "masked_scatter_": lambda lib, x: x(lib).masked_scatter_(lib.tensor(MAT) > 0, x(lib) * 3),
    "masked_scatter_broadcast_mask": lambda lib, x: x(lib).masked_scatter(lib.tensor([True, False, False, True]),
                                                                        x(lib) * 3),
    "masked_fill_": lambda lib, x: x(lib).masked_fill_(lib.tensor([False, True, True, False]), -7.0),
    "masked_fill_tensor_value": lambda lib, x: x(lib).masked_fill(lib.tensor(MAT) > 0, x(lib)[1, 2] * 2),
    "masked_fill__tensor_value": lambda lib, x: x(lib).masked_fill_(lib.tensor([True, False, False, True]),
                                                                     x(lib)[0, 0]),
    "masked_fill_tensor_value_not_0d": lambda lib, x: x(lib).masked_fill(lib.tensor(MAT) > 0, x(lib)[0]),
    "masked_fill_int_self_float_value": lambda lib, x: lib.zeros(3, dtype=lib.int64).masked_fill(
        lib.tensor([True, False, True]), lib.tensor(1.5)),
    "index_put_": lambda lib, x: x(lib).index_put_((lib.tensor([1, 1]),), lib.ones(4, dtype=lib.float64), True),
    "index_put_mask": lambda lib, x: x(lib).index_put_((lib.tensor(MAT) < 0,), lib.tensor(0.5, dtype=lib.float64)),
    "take_along_dim_method": lambda lib, x: x(lib).take_along_dim(lib.tensor([[1], [0], [3]]), dim=1),
    "nonzero_as_tuple": lambda lib, x: lib.nonzero(lib.tensor(MAT) > 0, as_tuple=True),
    "nonzero_as_tuple_0d": lambda lib, x: lib.tensor(3.0).nonzero(as_tuple=True),
    "nonzero_0d": lambda lib, x: lib.nonzero(lib.tensor(0.0)),
    "argwhere": lambda lib, x: lib.argwhere(lib.tensor([[0, 1], [2, 0]])),
    "take_negative": lambda lib, x: x(lib).take(lib.tensor([[-1, 0], [5, -12]])),
    "gather_int32_index": lambda lib, x: x(lib).gather(1, lib.tensor([[1, 0]], dtype=lib.int32)),
    "index_select_0d_index": lambda lib, x: x(lib).index_select(1, lib.tensor(2)),
    "index_put_none_index": lambda lib, x: x(lib).index_put_((lib.tensor([0]), None), lib.tensor(1.0)),
}


@pytest.mark.parametrize("name", list(METHODS))
def test_method_and_inplace_forms_match_torch(name: str, torch: Any) -> None:
    _same(lambda lib: METHODS[name](lib, _x), torch)


@pytest.mark.parametrize("name", [n for n in METHODS if not n.startswith(("nonzero", "argwhere", "scatter_reduce"))])
def test_method_and_inplace_gradients_match_torch(name: str, torch: Any) -> None:
    grads = []
    for lib in (torch, bibun):
        leaves: list = []

        def tracked(lib_: Any, leaves: list = leaves) -> Any:
            leaf = make_tensor(lib_, MAT, "float64", True)
            leaves.append(leaf)
            return leaf * 1

        out = _run(lib, lambda lib_: METHODS[name](lib_, tracked))
        if isinstance(out, Exception):
            grads.append(type(out).__name__)
            continue
        up = np.random.RandomState(2).standard_normal(tuple(out.shape))
        try:  # a src larger than its index has no valid gradient in PyTorch either
            out.backward(make_tensor(lib, up, "float64"))
        except RuntimeError as e:
            grads.append(str(e).split(" - ")[0])
            continue
        grads.append([to_numpy(leaf.grad) if leaf.grad is not None else None for leaf in leaves])
    assert type(grads[1]) is type(grads[0])
    if isinstance(grads[0], str):
        assert grads[1] == grads[0]
        return
    for got, want in zip(grads[1], grads[0]):
        if want is None:
            assert got is None
        else:
            np.testing.assert_allclose(got, want)


def test_scatter_with_reduce_has_no_derivative_like_torch(torch: Any) -> None:
    for lib in (torch, bibun):
        x = make_tensor(lib, MAT, "float64", True)
        out = x.scatter(1, lib.tensor([[0, 0]]), 2.0, reduce="add")
        assert out.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            out.sum().backward()


@pytest.mark.parametrize("make", [
    lambda t: t.gather(1, bibun.tensor([[0, 0], [3, 1], [2, 2]])),
    lambda t: t.index_select(0, bibun.tensor([2, 2, 0])),
    lambda t: t.masked_select(bibun.tensor([True, False, True, True])),
    lambda t: t.take(bibun.tensor([[0, 0], [11, -1]])),
    lambda t: t.index_add(1, bibun.tensor([0, 0]), t[:, 1:3] * t[:, 1:3], alpha=1.5),
    lambda t: t.scatter_add(0, bibun.tensor([[1, 1, 0, 2]]), t[:1] * t[:1]),
    lambda t: t.masked_scatter(t > 0, (t * t)[1:]),
    lambda t: t.index_fill(1, bibun.tensor([1, 1]), -1.0),
    lambda t: t.masked_fill(bibun.tensor([True, False, True, False]), t[0, 1] * t[2, 2]),
], ids=["gather", "index_select", "masked_select", "take", "index_add", "scatter_add", "masked_scatter",
        "index_fill", "masked_fill_tensor_value"])
def test_index_ops_gradgradcheck(make: Callable[[Any], Any]) -> None:
    gradgradcheck(lambda t: make(t) ** 2, [MAT])


def test_index_ops_on_tensors_that_need_no_grad_record_nothing() -> None:
    x = bibun.tensor(MAT)
    assert x[[0, 1]].grad_fn is None
    assert x.gather(1, bibun.tensor([[0]])).grad_fn is None
    with bibun.no_grad():
        y = bibun.tensor(MAT, requires_grad=True)[bibun.tensor([0])]
    assert y.grad_fn is None and not y.requires_grad
