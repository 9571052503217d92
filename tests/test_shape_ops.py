"""Shape ops beyond what the op table checks: named tuples, views sharing memory, in-place writes
through a diagonal, unique's missing derivative, error wording, large and strided inputs.
(Forward, gradients, gradcheck and gradgradcheck of every row are in tests/op_table_shape.py.)"""

from __future__ import annotations

from typing import Any

import bibun
import numpy as np
import pytest
from conftest import make_tensor, to_numpy


def _same(b: Any, t: Any) -> None:
    assert str(b.dtype).replace("bibun.", "") == str(t.dtype).replace("torch.", "")
    assert tuple(b.shape) == tuple(t.shape)
    np.testing.assert_allclose(to_numpy(b), to_numpy(t), rtol=1e-6, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("op, args", [("sort", (0,)), ("topk", (2,)), ("kthvalue", (2, 1))])
def test_selection_ops_return_named_tuples_printed_like_torch(op: str, args: tuple, torch: Any) -> None:
    x = np.random.RandomState(0).permutation(12).reshape(3, 4).astype("float32")
    b, t = getattr(make_tensor(bibun, x), op)(*args), getattr(make_tensor(torch, x), op)(*args)
    assert isinstance(b, tuple) and type(b).__name__ == type(t).__name__
    _same(b.values, t.values)
    _same(b.indices, t.indices)
    values, indices = b
    assert values is b[0] and indices is b[1]
    assert repr(b) == repr(t).replace("torch.", "bibun.")


def test_sort_and_out_tuple_write_into_given_tensors(torch: Any) -> None:
    x = np.random.RandomState(1).standard_normal((4, 5)).astype("float32")
    outs = (bibun.empty(0), bibun.empty(0, dtype=bibun.int64))
    r = bibun.sort(make_tensor(bibun, x), dim=1, descending=True, out=outs)
    t = torch.sort(make_tensor(torch, x), dim=1, descending=True)
    assert r.values is outs[0] and r.indices is outs[1]
    _same(r.values, t.values)
    _same(r.indices, t.indices)


def test_sort_large_input_with_ties_and_nan_matches_torch_stable(torch: Any) -> None:
    rng = np.random.RandomState(2)
    x = rng.randint(-5, 5, size=(7, 300)).astype("float64")
    x[rng.rand(*x.shape) < 0.05] = np.nan
    for descending in (False, True):
        b = bibun.sort(make_tensor(bibun, x).t(), dim=0, descending=descending, stable=True)
        t = torch.sort(make_tensor(torch, x).t(), dim=0, descending=descending, stable=True)
        _same(b.values, t.values)
        _same(b.indices, t.indices)


def test_topk_unsorted_selects_the_same_set_as_torch(torch: Any) -> None:
    x = np.random.RandomState(3).standard_normal((3, 50)).astype("float32")
    b = bibun.topk(make_tensor(bibun, x), 7, sorted=False)
    t = torch.topk(make_tensor(torch, x), 7, sorted=False)
    np.testing.assert_array_equal(np.sort(to_numpy(b.indices), axis=1), np.sort(to_numpy(t.indices), axis=1))


def test_unique_has_no_derivative_like_torch(torch: Any) -> None:
    x = np.array([[3.0, 1.0], [3.0, 2.0]])
    for fn in (lambda lib, t: lib.unique(t), lambda lib, t: lib.unique(t, dim=0),
               lambda lib, t: lib.unique_consecutive(t), lambda lib, t: lib.unique(t, return_inverse=True)[0]):
        errors, names = [], []
        for lib in (bibun, torch):
            out = fn(lib, make_tensor(lib, x, requires_grad=True))
            names.append(out.grad_fn.name())
            with pytest.raises(NotImplementedError) as e:
                out.sum().backward()
            errors.append(str(e.value))
        assert names[0] == names[1]
        assert errors[0] == errors[1]


def test_unique_of_large_integer_tensor_matches_torch(torch: Any) -> None:
    x = np.random.RandomState(4).randint(0, 40, size=(20, 30)).astype("int64")
    b = bibun.unique(make_tensor(bibun, x).t(), return_inverse=True, return_counts=True)
    t = torch.unique(make_tensor(torch, x).t(), return_inverse=True, return_counts=True)
    for bk, tk in zip(b, t):
        _same(bk, tk)


def test_split_chunk_unbind_results_are_views_of_the_input() -> None:
    for split in (lambda x: x.split(2, dim=1), lambda x: x.chunk(3), lambda x: x.unbind(1),
                  lambda x: x.tensor_split(2), lambda x: x.split([1, 2])):
        x = bibun.arange(1.0, 13.0).reshape(3, 4)
        parts = split(x)
        assert all(p._is_view for p in parts)
        parts[0].zero_()
        assert x.sum().item() < 78.0


def test_diagonal_is_a_view_and_in_place_writes_reach_the_base_with_gradients(torch: Any) -> None:
    x = np.random.RandomState(5).standard_normal((3, 4))
    grads, names = [], []
    for lib in (bibun, torch):
        leaf = make_tensor(lib, x, "float64", requires_grad=True)
        y = leaf * 2
        d = y.diagonal(1)
        d.mul_(3)
        names.append(y.grad_fn.name())
        (y * y).sum().backward()
        grads.append(leaf.grad)
    assert names[0] == names[1]
    _same(grads[0], grads[1])


def test_tril_in_place_on_a_leaf_that_requires_grad_raises(torch: Any) -> None:
    for lib in (bibun, torch):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            lib.ones(3, 3, requires_grad=True).tril_()


def test_double_backward_through_sort_topk_and_repeat_interleave_matches_torch(torch: Any) -> None:
    x = np.random.RandomState(6).standard_normal((3, 4))
    reps = [2, 0, 1]
    results = []
    for lib in (bibun, torch):
        a = make_tensor(lib, x, "float64", requires_grad=True)
        y = (lib.sort(a, 1).values ** 2).sum() + (a.topk(2, 0).values ** 3).sum()
        y = y + (a.repeat_interleave(lib.tensor(reps), dim=0) ** 2).sum() + (a.roll(1, 1).tril() ** 3).sum()
        (g,) = lib.autograd.grad(y, a, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), a)
        results.append((g.detach(), gg))
    _same(results[0][0], results[1][0])
    _same(results[0][1], results[1][1])


def test_flip_of_large_permuted_tensor_matches_torch(torch: Any) -> None:
    x = np.random.RandomState(7).standard_normal((40, 30, 50)).astype("float32")
    b = make_tensor(bibun, x).permute(2, 0, 1).flip((0, 2))
    t = make_tensor(torch, x).permute(2, 0, 1).flip((0, 2))
    _same(b, t)


def test_repeat_interleave_of_repeats_only_gives_indices(torch: Any) -> None:
    _same(bibun.repeat_interleave(bibun.tensor([2, 0, 3])), torch.repeat_interleave(torch.tensor([2, 0, 3])))


def test_broadcast_shapes_matches_torch(torch: Any) -> None:
    assert tuple(bibun.broadcast_shapes((3, 1), (4,), ())) == tuple(torch.broadcast_shapes((3, 1), (4,), ()))
    with pytest.raises(RuntimeError):
        torch.broadcast_shapes((3,), (4,))
    with pytest.raises(RuntimeError):
        bibun.broadcast_shapes((3,), (4,))


@pytest.mark.parametrize("call", [
    "x.roll([1, 2], [0])", "x.rot90(1, [0])", "x.rot90(1, [0, 0])", "x.split(-1)", "x.split([1, 2])",
    "lib.ones(3).tril()", "lib.ones(2, 2, 2).diag()", "lib.ones(3).trace()", "x.topk(5)", "x.kthvalue(0)",
    "x.movedim((0, 0), (0, 1))", "x.unflatten(1, (3, 2))", "x.repeat(2)", "x.repeat_interleave(-1)",
    "x.chunk(0)", "x.diagonal(0, 1, 1)", "x.mT.H.unsqueeze(0).H", "lib.ones(3).mT", "x.squeeze((0, 0))",
    "x.flip(0, 0)", "x.select(1, 4)", "lib.select(x, 0, -3)", "lib.ones(3).repeat_interleave(lib.tensor([1, -2, 3]))", "lib.tensor(1.0).split(1)",
])
def test_errors_have_torch_type_and_wording(call: str, torch: Any) -> None:
    messages = []
    for lib in (bibun, torch):
        x = lib.ones(2, 4)
        with pytest.raises(Exception) as e:
            eval(call, {"lib": lib, "x": x})
        messages.append((type(e.value).__name__, str(e.value).split("\n")[0]))
    assert messages[0] == messages[1]
