"""Views and basic indexing checked against PyTorch: values, shapes, strides, storage offsets, memory
sharing (writes through a view show in its base and back), contiguity, grad_fn graphs, gradients
(against torch and a float64 finite-difference gradcheck), 0-d and empty tensors, and the exception
types of bad indices and shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import bibun
from conftest import make_tensor, to_numpy

# (id, base shape, fn(lib, x)) — every view and indexing form; the base is arange-valued float64.
VIEW_CASES = [
    ("view_2d", (3, 4), lambda lib, x: x.view(6, 2)),
    ("view_tuple", (3, 4), lambda lib, x: x.view((2, 6))),
    ("view_minus1_flat", (3, 4), lambda lib, x: x.view(-1)),
    ("view_minus1_mid", (2, 3, 4), lambda lib, x: x.view(2, -1, 3)),
    ("view_add_unit_dims", (3, 4), lambda lib, x: x.view(1, 3, 1, 4)),
    ("view_of_transposed_compatible", (3, 4, 2), lambda lib, x: x.transpose(0, 1).view(4, 3, 2)),
    ("view_of_unit_dim_transposed", (1, 4), lambda lib, x: x.t().view(2, 2)),
    ("view_as", (3, 4), lambda lib, x: x.view_as(lib.zeros(2, 6))),
    ("reshape_contiguous", (3, 4), lambda lib, x: x.reshape(4, 3)),
    ("reshape_tuple_minus1", (3, 4), lambda lib, x: x.reshape((-1, 2))),
    ("reshape_transposed_copies", (3, 4), lambda lib, x: x.t().reshape(-1)),
    ("reshape_strided_slice_copies", (4, 4), lambda lib, x: x[:, ::2].reshape(8)),
    ("reshape_as", (3, 4), lambda lib, x: x.reshape_as(lib.zeros(6, 2))),
    ("flatten_all", (2, 3, 4), lambda lib, x: x.flatten()),
    ("flatten_range", (2, 3, 4, 5), lambda lib, x: x.flatten(1, 2)),
    ("flatten_negative", (2, 3, 4), lambda lib, x: x.flatten(-2, -1)),
    ("flatten_same_dim", (2, 3, 4), lambda lib, x: x.flatten(1, 1)),
    ("flatten_transposed_copies", (3, 4), lambda lib, x: x.t().flatten()),
    ("flatten_function", (2, 3, 4), lambda lib, x: lib.flatten(x, 0, 1)),
    ("t", (3, 4), lambda lib, x: x.t()),
    ("t_1d", (5,), lambda lib, x: x.t()),
    ("T_attr", (3, 4), lambda lib, x: x.T),
    ("t_function", (3, 4), lambda lib, x: lib.t(x)),
    ("transpose", (2, 3, 4), lambda lib, x: x.transpose(0, 2)),
    ("transpose_negative", (2, 3, 4), lambda lib, x: x.transpose(-1, -2)),
    ("transpose_same_dim", (2, 3), lambda lib, x: x.transpose(1, 1)),
    ("transpose_function", (2, 3, 4), lambda lib, x: lib.transpose(x, 1, 0)),
    ("permute", (2, 3, 4), lambda lib, x: x.permute(2, 0, 1)),
    ("permute_tuple_negative", (2, 3, 4), lambda lib, x: x.permute((-1, -3, -2))),
    ("permute_function", (2, 3, 4), lambda lib, x: lib.permute(x, (1, 2, 0))),
    ("unsqueeze_front", (3, 4), lambda lib, x: x.unsqueeze(0)),
    ("unsqueeze_end", (3, 4), lambda lib, x: x.unsqueeze(2)),
    ("unsqueeze_negative", (3, 4), lambda lib, x: x.unsqueeze(-1)),
    ("unsqueeze_of_transposed", (3, 4), lambda lib, x: x.t().unsqueeze(1)),
    ("squeeze_all", (1, 3, 1, 4), lambda lib, x: x.squeeze()),
    ("squeeze_dim", (1, 3, 1, 4), lambda lib, x: x.squeeze(2)),
    ("squeeze_dim_not_one_is_noop", (1, 3, 1, 4), lambda lib, x: x.squeeze(1)),
    ("squeeze_negative", (3, 1), lambda lib, x: x.squeeze(-1)),
    ("squeeze_function", (1, 3), lambda lib, x: lib.squeeze(x)),
    ("expand", (3, 1), lambda lib, x: x.expand(3, 4)),
    ("expand_new_dims", (3,), lambda lib, x: x.expand(2, 4, 3)),
    ("expand_minus1", (3, 1), lambda lib, x: x.expand(-1, 5)),
    ("expand_tuple", (1, 4), lambda lib, x: x.expand((3, 4))),
    ("expand_as", (1, 4), lambda lib, x: x.expand_as(lib.zeros(2, 3, 4))),
    ("contiguous_of_contiguous", (3, 4), lambda lib, x: x.contiguous()),
    ("contiguous_of_transposed", (3, 4), lambda lib, x: x.t().contiguous()),
    ("contiguous_of_expanded", (3, 1), lambda lib, x: x.expand(3, 2).contiguous()),
    ("clone", (3, 4), lambda lib, x: x.clone()),
    ("clone_of_transposed", (3, 4), lambda lib, x: x.t().clone()),
    ("clone_function", (3, 4), lambda lib, x: lib.clone(x)),
    ("select", (3, 4), lambda lib, x: x.select(1, 2)),
    ("select_negative", (3, 4), lambda lib, x: x.select(0, -1)),
    ("select_function", (3, 4), lambda lib, x: lib.select(x, 0, 1)),
    ("narrow", (5, 4), lambda lib, x: x.narrow(0, 1, 3)),
    ("narrow_negative_dim", (5, 4), lambda lib, x: x.narrow(-1, 2, 2)),
    ("narrow_function", (5, 4), lambda lib, x: lib.narrow(x, 1, 0, 1)),
    ("getitem_int", (3, 4), lambda lib, x: x[1]),
    ("getitem_negative_int", (3, 4), lambda lib, x: x[-1]),
    ("getitem_two_ints", (3, 4), lambda lib, x: x[2, 3]),
    ("getitem_tuple_int_slice", (3, 4), lambda lib, x: x[1, 1:3]),
    ("getitem_slice", (5, 4), lambda lib, x: x[1:4]),
    ("getitem_slice_step", (7, 4), lambda lib, x: x[::2]),
    ("getitem_slice_step_start_stop", (9,), lambda lib, x: x[1:8:3]),
    ("getitem_slice_negative_bounds", (6, 4), lambda lib, x: x[-4:-1]),
    ("getitem_slice_negative_start_only", (6,), lambda lib, x: x[-2:]),
    ("getitem_slice_out_of_range_clamped", (4, 3), lambda lib, x: x[2:100]),
    ("getitem_slice_far_negative_clamped", (4, 3), lambda lib, x: x[-100:2]),
    ("getitem_slice_empty_result", (4, 3), lambda lib, x: x[3:1]),
    ("getitem_full_slice", (3, 4), lambda lib, x: x[:]),
    ("getitem_full_slices_2d", (3, 4), lambda lib, x: x[:, :]),
    ("getitem_column", (3, 4), lambda lib, x: x[:, 1]),
    ("getitem_strided_2d", (5, 6), lambda lib, x: x[1::2, ::3]),
    ("getitem_none", (3, 4), lambda lib, x: x[None]),
    ("getitem_none_middle", (3, 4), lambda lib, x: x[:, None]),
    ("getitem_none_end", (3, 4), lambda lib, x: x[..., None]),
    ("getitem_two_nones", (3,), lambda lib, x: x[None, :, None]),
    ("getitem_ellipsis", (3, 4), lambda lib, x: x[...]),
    ("getitem_ellipsis_int", (2, 3, 4), lambda lib, x: x[..., 1]),
    ("getitem_int_ellipsis", (2, 3, 4), lambda lib, x: x[1, ...]),
    ("getitem_int_ellipsis_slice", (2, 3, 4, 5), lambda lib, x: x[0, ..., 1:3]),
    ("getitem_ellipsis_none_step", (2, 3, 4), lambda lib, x: x[..., None, ::2]),
    ("getitem_mixed_all", (4, 5, 6), lambda lib, x: x[1:, None, -1, ..., ::2]),
    ("getitem_chain", (4, 5), lambda lib, x: x[1:][::2][0]),
    ("getitem_of_transposed", (4, 5), lambda lib, x: x.t()[1:4, ::2]),
    ("getitem_of_strided_slice_then_t", (6, 5), lambda lib, x: x[::2, 1:].t()),
    ("getitem_none_then_slice", (3,), lambda lib, x: x[None, 1:]),
    ("view_after_slice_rows", (6, 4), lambda lib, x: x[2:5].view(-1)),
    ("permute_then_select_then_unsqueeze", (2, 3, 4), lambda lib, x: x.permute(2, 1, 0)[1].unsqueeze(0)),
    ("expand_then_slice", (3, 1), lambda lib, x: x.expand(3, 4)[:, 1:3]),
    ("narrow_of_transposed", (4, 5), lambda lib, x: x.t().narrow(1, 1, 2)),
    # 0-d bases
    ("scalar_view_1", (), lambda lib, x: x.view(1)),
    ("scalar_view_minus1", (), lambda lib, x: x.view(-1)),
    ("scalar_view_empty_shape", (), lambda lib, x: x.view(())),
    ("scalar_reshape_1_1", (), lambda lib, x: x.reshape(1, 1)),
    ("scalar_unsqueeze", (), lambda lib, x: x.unsqueeze(0)),
    ("scalar_unsqueeze_negative", (), lambda lib, x: x.unsqueeze(-1)),
    ("scalar_squeeze", (), lambda lib, x: x.squeeze()),
    ("scalar_squeeze_dim0", (), lambda lib, x: x.squeeze(0)),
    ("scalar_none", (), lambda lib, x: x[None]),
    ("scalar_ellipsis", (), lambda lib, x: x[...]),
    ("scalar_expand", (), lambda lib, x: x.expand(2, 3)),
    ("scalar_flatten", (), lambda lib, x: x.flatten()),
    ("scalar_t", (), lambda lib, x: x.t()),
    ("scalar_permute", (), lambda lib, x: x.permute(())),
    ("scalar_clone", (), lambda lib, x: x.clone()),
    ("to_scalar_by_select", (1,), lambda lib, x: x[0]),
    ("to_scalar_by_view", (1, 1), lambda lib, x: x.view(())),
    # empty bases
    ("empty_view", (0, 3), lambda lib, x: x.view(3, 0)),
    ("empty_view_minus1", (0, 3), lambda lib, x: x.view(-1, 3)),
    ("empty_reshape", (2, 0), lambda lib, x: x.reshape(0, 5)),
    ("empty_t", (0, 3), lambda lib, x: x.t()),
    ("empty_slice", (0, 3), lambda lib, x: x[:, 1:]),
    ("empty_select_other_dim", (0, 3), lambda lib, x: x[:, 1]),
    ("empty_unsqueeze", (0,), lambda lib, x: x.unsqueeze(1)),
    ("empty_expand", (0, 1), lambda lib, x: x.expand(0, 4)),
    ("empty_flatten", (2, 0, 3), lambda lib, x: x.flatten()),
    ("empty_permute", (2, 0, 3), lambda lib, x: x.permute(2, 0, 1)),
    ("empty_contiguous_of_t", (0, 3), lambda lib, x: x.t().contiguous()),
]
CASE_IDS = [c[0] for c in VIEW_CASES]


def base_values(shape: tuple[int, ...]) -> np.ndarray:
    return (np.arange(int(np.prod(shape)), dtype=np.float64) + 1.0).reshape(shape)


def node_name(node: Any) -> str:
    name = type(node).__name__
    if name == "Node":  # bibun binds every node as one class; the op name comes from name()
        name = node.name()
    return name.rsplit("::", 1)[-1]


def graph(node: Any, depth: int = 6) -> Any:
    """The grad_fn graph as nested (name, children) tuples, None for a missing edge."""
    if node is None:
        return None
    if depth == 0:
        return (node_name(node), "...")
    return (node_name(node), tuple(graph(n, depth - 1) for n, _ in node.next_functions))


def build(lib: Any, arr: np.ndarray, dtype: str = "float64", requires_grad: bool = False) -> Any:
    """make_tensor, keeping the shape of empty arrays (nested lists lose it)."""
    if arr.size == 0:
        return lib.zeros(arr.shape, dtype=getattr(lib, dtype), requires_grad=requires_grad)
    return make_tensor(lib, arr, dtype, requires_grad)


def with_shape(fn: Any, shape: tuple[int, ...]) -> Any:
    """fn for compare_with_torch/gradcheck, whose inputs lose the shape of empty arrays."""
    if int(np.prod(shape)) != 0:
        return fn
    return lambda lib, x: fn(lib, x.reshape(shape))


def both(torch: Any, shape: tuple[int, ...], fn: Any, requires_grad: bool = False, dtype: str = "float64"):
    arr = base_values(shape).astype(dtype)
    bx, tx = build(bibun, arr, dtype, requires_grad), build(torch, arr, dtype, requires_grad)
    return bx, tx, fn(bibun, bx), fn(torch, tx)


def is_view(t: Any) -> bool:
    """torch's ``_is_view()`` is a method; accept an attribute too (private API, not what is tested)."""
    flag = t._is_view
    return bool(flag() if callable(flag) else flag)


def shares_memory(torch_out: Any, torch_base: Any) -> bool:
    return torch_out.untyped_storage().data_ptr() == torch_base.untyped_storage().data_ptr()


@pytest.mark.parametrize("name,shape,fn", VIEW_CASES, ids=CASE_IDS)
def test_view_values_shape_stride_offset_match_torch(name, shape, fn, torch):
    bx, tx, b, t = both(torch, shape, fn)
    assert tuple(b.shape) == tuple(t.shape)
    assert tuple(b.size()) == tuple(t.size())
    assert b.dim() == t.dim() and b.numel() == t.numel()
    np.testing.assert_array_equal(to_numpy(b), to_numpy(t))
    assert b.dtype == bibun.float64
    assert tuple(b.stride()) == tuple(t.stride()), "strides differ from torch's"
    if shares_memory(t, tx):
        assert b.storage_offset() == t.storage_offset()
        if t.numel() > 0:
            assert b.data_ptr() - bx.data_ptr() == t.data_ptr() - tx.data_ptr()
    elif t.numel() > 0:
        assert b.data_ptr() != bx.data_ptr(), "torch copies here; bibun returned memory of the base"


@pytest.mark.parametrize("name,shape,fn", VIEW_CASES, ids=CASE_IDS)
def test_view_is_contiguous_matches_torch(name, shape, fn, torch):
    _, _, b, t = both(torch, shape, fn)
    assert b.is_contiguous() == t.is_contiguous()
    c = b.contiguous()
    assert c.is_contiguous()
    np.testing.assert_array_equal(to_numpy(c), to_numpy(t.contiguous()))


@pytest.mark.parametrize("name,shape,fn", VIEW_CASES, ids=CASE_IDS)
def test_write_to_base_shows_in_view_exactly_when_torch_shares(name, shape, fn, torch):
    bx, tx, b, t = both(torch, shape, fn)
    bx.mul_(-3.0).add_(0.5)
    tx.mul_(-3.0).add_(0.5)
    np.testing.assert_array_equal(to_numpy(b), to_numpy(t))


@pytest.mark.parametrize("name,shape,fn", VIEW_CASES, ids=CASE_IDS)
def test_write_through_view_shows_in_base_exactly_when_torch_shares(name, shape, fn, torch):
    bx, tx, b, t = both(torch, shape, fn)
    # fill_ has no internal-overlap check in torch: it writes through expanded views too
    t.fill_(-7.0)
    b.fill_(-7.0)
    np.testing.assert_array_equal(to_numpy(bx), to_numpy(tx))
    np.testing.assert_array_equal(to_numpy(b), to_numpy(t))


@pytest.mark.parametrize("name,shape,fn", VIEW_CASES, ids=CASE_IDS)
def test_view_version_counter_shared_like_torch(name, shape, fn, torch):
    bx, tx, b, t = both(torch, shape, fn)
    bx.add_(1.0)
    tx.add_(1.0)
    assert (bx._version, b._version) == (tx._version, t._version)


@pytest.mark.parametrize("name,shape,fn", VIEW_CASES, ids=CASE_IDS)
def test_view_grad_fn_graph_matches_torch_from_leaf(name, shape, fn, torch):
    _, _, b, t = both(torch, shape, fn, requires_grad=True)
    assert b.requires_grad == t.requires_grad
    assert b.is_leaf == t.is_leaf
    assert graph(b.grad_fn) == graph(t.grad_fn)


@pytest.mark.parametrize("name,shape,fn", VIEW_CASES, ids=CASE_IDS)
def test_view_grad_fn_graph_matches_torch_from_non_leaf(name, shape, fn, torch):
    _, _, b, t = both(torch, shape, lambda lib, x: fn(lib, x * 2.0), requires_grad=True)
    assert graph(b.grad_fn) == graph(t.grad_fn)
    assert is_view(b) == is_view(t)


def _gradients_of_empty(lib: Any, shape: tuple[int, ...], fn: Any) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    x = build(lib, base_values(shape), requires_grad=True)
    out = fn(lib, x)
    (out * 1.5).sum().backward()
    return tuple(out.shape), tuple(x.grad.shape), str(x.grad.dtype).rsplit(".", 1)[-1]


EMPTY_CASES = [c for c in VIEW_CASES if 0 in c[1] or c[0] == "getitem_slice_empty_result"]
NONEMPTY_CASES = [c for c in VIEW_CASES if c not in EMPTY_CASES]


@pytest.mark.parametrize("name,shape,fn", EMPTY_CASES, ids=[c[0] for c in EMPTY_CASES])
def test_gradient_through_view_of_empty_tensor_matches_torch(name, shape, fn, torch):
    assert _gradients_of_empty(bibun, shape, fn) == _gradients_of_empty(torch, shape, fn)


# empty inputs/outputs are covered by the _of_empty_tensor test (compare_with_torch loses empty shapes)
@pytest.mark.parametrize("name,shape,fn", NONEMPTY_CASES, ids=[c[0] for c in NONEMPTY_CASES])
def test_gradient_through_view_matches_torch(name, shape, fn, compare_with_torch):
    compare_with_torch(with_shape(lambda lib, x: fn(lib, x) * 1.5, shape), base_values(shape))


# empty inputs/outputs are covered by the _of_empty_tensor test (compare_with_torch loses empty shapes)
@pytest.mark.parametrize("name,shape,fn", NONEMPTY_CASES, ids=[c[0] for c in NONEMPTY_CASES])
def test_gradient_through_view_float32_matches_torch(name, shape, fn, compare_with_torch):
    compare_with_torch(with_shape(fn, shape), base_values(shape), dtype="float32")


@pytest.mark.parametrize(
    "name,shape,fn", [c for c in VIEW_CASES if 0 < np.prod(c[1]) <= 24], ids=[c[0] for c in VIEW_CASES if 0 < np.prod(c[1]) <= 24]
)
def test_gradient_through_view_passes_gradcheck(name, shape, fn, gradcheck):
    rs = np.random.RandomState(len(name))
    gradcheck(lambda lib, x: fn(lib, x) * fn(lib, x), rs.standard_normal(shape))


@pytest.mark.parametrize("name,shape,fn", VIEW_CASES, ids=CASE_IDS)
def test_view_of_non_requires_grad_tensor_records_nothing(name, shape, fn, torch):
    _, _, b, t = both(torch, shape, fn)
    assert b.requires_grad is False and t.requires_grad is False
    assert b.grad_fn is None


@pytest.mark.parametrize("name,shape,fn", VIEW_CASES, ids=CASE_IDS)
def test_view_under_no_grad_has_no_grad_fn_and_shares_like_torch(name, shape, fn, torch):
    arr = base_values(shape)
    bx, tx = build(bibun, arr, requires_grad=True), build(torch, arr, requires_grad=True)
    with bibun.no_grad():
        b = fn(bibun, bx)
    with torch.no_grad():
        t = fn(torch, tx)
    assert (b.requires_grad, b.grad_fn is None) == (t.requires_grad, t.grad_fn is None)
    np.testing.assert_array_equal(to_numpy(b), to_numpy(t))


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float32"])
@pytest.mark.parametrize(
    "name,shape,fn",
    [c for c in VIEW_CASES if c[0] in {"view_minus1_mid", "t", "permute", "getitem_strided_2d", "expand", "getitem_mixed_all", "reshape_transposed_copies", "select", "narrow", "getitem_none_middle"}],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_views_of_other_dtypes_match_torch(name, shape, fn, dtype, torch):
    _, _, b, t = both(torch, shape, fn, dtype=dtype)
    assert str(b.dtype).rsplit(".", 1)[-1] == str(t.dtype).rsplit(".", 1)[-1]
    np.testing.assert_array_equal(to_numpy(b), to_numpy(t))
    assert tuple(b.stride()) == tuple(t.stride())


def test_contiguous_of_contiguous_returns_the_same_tensor(torch):
    x = make_tensor(bibun, base_values((3, 4)))
    assert x.contiguous() is x
    assert x.t().contiguous() is not x


def test_contiguous_of_transposed_is_a_copy_with_contiguous_strides(torch):
    x = make_tensor(bibun, base_values((3, 4)))
    c = x.t().contiguous()
    assert tuple(c.stride()) == (3, 1)
    c.fill_(0.0)
    assert to_numpy(x).sum() == base_values((3, 4)).sum()


def test_clone_does_not_share_memory():
    x = make_tensor(bibun, base_values((2, 3)))
    c = x.clone()
    c.fill_(0.0)
    np.testing.assert_array_equal(to_numpy(x), base_values((2, 3)))
    assert c._version != x._version or c.data_ptr() != x.data_ptr()


def test_t_of_1d_and_T_of_2d_share_storage_with_base():
    x = make_tensor(bibun, base_values((2, 3)))
    x.T[2, 1] = 100.0
    assert to_numpy(x)[1, 2] == 100.0


@pytest.mark.parametrize(
    "expr",
    [
        "x[3]",
        "x[-4]",
        "x[0, 4]",
        "x[0, -5]",
        "x[0, 0, 0]",
        "x[..., ...]",
        "x[1, ..., 2, 3]",
        "x[::0]",
        "x[:, ::0]",
        "x[::-1]",
        "x[::-2]",
        "x['a']",
        "x[1.5]",
        "x.view(5)",
        "x.view(-1, -1)",
        "x.view(5, -1)",
        "x.view(0, -1)",
        "x.t().view(12)",
        "x[:, ::2].view(6)",
        "x.view(-2, 6)",
        "x.reshape(5)",
        "x.reshape(-1, -1)",
        "x.view_as(lib.zeros(5))",
        "x.transpose(0, 2)",
        "x.transpose(-3, 0)",
        "x.permute(0, 0)",
        "x.permute(0)",
        "x.permute(0, 1, 2)",
        "x.permute(0, 2)",
        "x.unsqueeze(3)",
        "x.unsqueeze(-4)",
        "x.squeeze(2)",
        "x.squeeze(-3)",
        "x.expand(2, 4)",
        "x.expand(4)",
        "x.expand(-1, -1, 4)",
        "x.expand(3, 8)",
        "x.select(0, 3)",
        "x.select(1, -5)",
        "x.select(2, 0)",
        "x.narrow(0, 2, 2)",
        "x.narrow(0, -4, 1)",
        "x.narrow(1, 0, 5)",
        "x.narrow(2, 0, 1)",
        "x.flatten(1, 0)",
        "x.flatten(0, 2)",
        "x.flatten(-3)",
        "x.view(2.5)",
        "s[0]",
        "s[0:1]",
        "s.view(2)",
        "s.squeeze(1)",
        "s.select(0, 0)",
        "s.transpose(0, 1)",
        "e[0]",
        "e.view(-1, 0)",
        "y.t()",
    ],
)
def test_bad_index_or_shape_raises_torch_exception_type(expr, torch):
    def run(lib: Any) -> BaseException | None:
        x = make_tensor(lib, base_values((3, 4)))
        s = make_tensor(lib, np.float64(2.0))
        e = build(lib, np.zeros((0, 3)))
        y = make_tensor(lib, base_values((2, 3, 4)))
        try:
            eval(expr, {"x": x, "s": s, "e": e, "y": y, "lib": lib})
        except Exception as exc:  # noqa: BLE001 - the type is what we compare
            return exc
        return None

    want = run(torch)
    got = run(bibun)
    if want is None:
        assert got is None, f"bibun raised {got!r} where torch succeeds"
        return
    assert got is not None, f"bibun did not raise; torch raises {type(want).__name__}: {want}"
    assert isinstance(got, type(want)), f"bibun raised {type(got).__name__}: {got}; torch {type(want).__name__}: {want}"


@pytest.mark.parametrize(
    "make_index",
    [
        lambda lib: [0, 2],
        lambda lib: lib.tensor([0, 1]),
        lambda lib: lib.tensor([True, False, True]),
        lambda lib: (slice(None), [1, 2]),
        lambda lib: (0, lib.tensor([1])),
    ],
    ids=["list", "long_tensor", "bool_tensor", "slice_and_list", "int_and_tensor"],
)
def test_advanced_indexing_matches_torch_and_leaves_self_alone(make_index, torch):
    # Advanced indexing is tested in depth in tests/test_advanced_indexing.py.
    x = make_tensor(bibun, base_values((3, 4)))
    got = x[make_index(bibun)]
    want = make_tensor(torch, base_values((3, 4)))[make_index(torch)]
    np.testing.assert_array_equal(to_numpy(got), want.numpy())
    np.testing.assert_array_equal(to_numpy(x), base_values((3, 4)))


@pytest.mark.parametrize("index", [5, -6, (0, 7)])
def test_out_of_range_index_message_names_the_dimension_like_torch(index, torch):
    msgs = []
    for lib in (torch, bibun):
        with pytest.raises(IndexError) as info:
            make_tensor(lib, base_values((5, 7)))[index]
        msgs.append(str(info.value).replace("torch.", "bibun."))
    assert msgs[1] == msgs[0]


@pytest.mark.parametrize(
    "shape,fn",
    [
        ((3, 4), lambda lib, x: x.t()),
        ((4, 6), lambda lib, x: x[::2, 1::2]),
        ((2, 3, 4), lambda lib, x: x.permute(1, 2, 0)),
        ((3, 1), lambda lib, x: x.expand(3, 4)),
    ],
    ids=["transposed", "stepped_slices", "permuted", "expanded"],
)
@pytest.mark.parametrize(
    "op",
    [
        lambda lib, v: v * 2.0 + 1.0,
        lambda lib, v: v.sum(0),
        lambda lib, v: v.exp(),
        lambda lib, v: v.clone().reshape(-1),
        lambda lib, v: v.reshape(-1),
        lambda lib, v: lib.matmul(v.flatten(1), v.flatten(1).t()),
    ],
    ids=["arith", "sum0", "exp", "clone_reshape", "reshape", "matmul"],
)
def test_ops_on_non_contiguous_inputs_match_torch(shape, fn, op, compare_with_torch):
    compare_with_torch(lambda lib, x: op(lib, fn(lib, x)), base_values(shape) / 10.0)


def test_gradient_of_two_overlapping_views_accumulates_like_torch(compare_with_torch):
    compare_with_torch(lambda lib, x: x[1:] * x[:-1] + x.t()[0, 1:].unsqueeze(1), base_values((4, 3)))


def test_gradient_of_expanded_view_sums_over_broadcast_dims(compare_with_torch):
    compare_with_torch(lambda lib, x: x.expand(2, 3, 4) * 1.0, base_values((3, 1)))


@pytest.mark.parametrize(
    "shape,fn",
    [
        ((3, 4), lambda lib, x: x[1]),
        ((3, 4), lambda lib, x: x[:, ::2]),
        ((3, 4), lambda lib, x: x.t()),
        ((3, 4), lambda lib, x: x.view(2, 6)),
    ],
    ids=["select", "slice", "t", "view"],
)
def test_view_backward_twice_with_retain_graph_accumulates(shape, fn, torch):
    grads = []
    for lib in (bibun, torch):
        x = make_tensor(lib, base_values(shape), requires_grad=True)
        y = (fn(lib, x) * 3.0).sum()
        y.backward(retain_graph=True)
        y.backward()
        grads.append(to_numpy(x.grad))
    np.testing.assert_array_equal(grads[0], grads[1])


def test_getitem_result_is_view_of_same_base_chain():
    x = make_tensor(bibun, base_values((4, 5)))
    v = x[1:][::2][0]
    v.fill_(0.0)
    want = base_values((4, 5))
    want[1] = 0.0
    np.testing.assert_array_equal(to_numpy(x), want)
    assert is_view(v)


@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3)], ids=["scalar", "empty_1d", "empty_3d"])
def test_full_ellipsis_and_none_on_degenerate_tensors_match_torch(shape, torch):
    for expr in ("x[...]", "x[None]", "x[..., None]", "x.reshape(-1)", "x.flatten()"):
        b = eval(expr, {"x": build(bibun, base_values(shape))})
        t = eval(expr, {"x": build(torch, base_values(shape))})
        assert tuple(b.shape) == tuple(t.shape), expr
        assert tuple(b.stride()) == tuple(t.stride()), expr
