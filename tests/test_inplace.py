"""In-place ops, setitem and out= checked against PyTorch: the leaf errors, history rebasing on
non-leaves, CopySlices for writes through views (of tensors in the graph and of plain tensors given a
value that requires grad), sibling views regenerating their grad_fn, version counters, the error for a
saved tensor modified in place, and out= values and casting rules."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import bibun
from conftest import dtype_name, make_tensor, to_numpy

STALE_PREFIX = "one of the variables needed for gradient computation has been modified by an inplace operation"

X = (np.arange(12, dtype=np.float64).reshape(3, 4) - 5.5) / 4.0
W = np.linspace(0.5, 2.0, 12).reshape(3, 4)


def node_name(node: Any) -> str:
    name = type(node).__name__
    if name == "Node":
        name = node.name()
    return name.rsplit("::", 1)[-1]


def graph(node: Any, depth: int = 6) -> Any:
    if node is None:
        return None
    if depth == 0:
        return (node_name(node), "...")
    return (node_name(node), tuple(graph(n, depth - 1) for n, _ in node.next_functions))


def raised(fn: Any) -> BaseException | None:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - compared with torch's
        return exc
    return None


def assert_same_error(got: BaseException | None, want: BaseException | None) -> None:
    if want is None:
        assert got is None, f"bibun raised {type(got).__name__}: {got}; torch succeeds"
        return
    assert got is not None, f"bibun did not raise; torch raises {type(want).__name__}: {want}"
    assert isinstance(got, type(want)), f"bibun {type(got).__name__}: {got}; torch {type(want).__name__}: {want}"


# (id, fn(lib, y, w)) with y and w of shape (3, 4); fn writes y in place.
def _setitem(y: Any, index: Any, value: Any) -> None:
    y[index] = value


def _iadd(y, w):
    y += w


def _isub(y, w):
    y -= 2.0


def _imul(y, w):
    y *= w


def _idiv(y, w):
    y /= w


INPLACE_OPS = [
    ("add_tensor", lambda lib, y, w: y.add_(w)),
    ("add_scalar", lambda lib, y, w: y.add_(2.5)),
    ("add_alpha", lambda lib, y, w: y.add_(w, alpha=-3)),
    ("add_broadcast_row", lambda lib, y, w: y.add_(w[0])),
    ("sub_tensor", lambda lib, y, w: y.sub_(w)),
    ("sub_alpha", lambda lib, y, w: y.sub_(w, alpha=0.5)),
    ("mul_tensor", lambda lib, y, w: y.mul_(w)),
    ("mul_scalar", lambda lib, y, w: y.mul_(-2)),
    ("mul_broadcast_column", lambda lib, y, w: y.mul_(w[:, :1])),
    ("div_tensor", lambda lib, y, w: y.div_(w)),
    ("div_scalar", lambda lib, y, w: y.div_(4)),
    ("copy_tensor", lambda lib, y, w: y.copy_(w)),
    ("copy_broadcast", lambda lib, y, w: y.copy_(w[1])),
    ("fill_scalar", lambda lib, y, w: y.fill_(1.25)),
    ("zero_", lambda lib, y, w: y.zero_()),
    ("iadd", lambda lib, y, w: _iadd(y, w)),
    ("isub_scalar", lambda lib, y, w: _isub(y, w)),
    ("imul", lambda lib, y, w: _imul(y, w)),
    ("idiv", lambda lib, y, w: _idiv(y, w)),
    ("setitem_scalar", lambda lib, y, w: _setitem(y, 1, 7.0)),
    ("setitem_tensor", lambda lib, y, w: _setitem(y, (slice(None), 2), w[0, :3])),
    ("setitem_full_ellipsis", lambda lib, y, w: _setitem(y, Ellipsis, w)),
]
OP_IDS = [o[0] for o in INPLACE_OPS]


@pytest.mark.parametrize("name,op", INPLACE_OPS, ids=OP_IDS)
def test_inplace_on_leaf_requiring_grad_raises_like_torch(name, op, torch):
    errors = []
    for lib in (torch, bibun):
        y, w = make_tensor(lib, X, requires_grad=True), make_tensor(lib, W, requires_grad=True)
        errors.append(raised(lambda: op(lib, y, w)))
        np.testing.assert_array_equal(to_numpy(y), X)
        assert y._version == 0 and y.grad_fn is None
    assert_same_error(errors[1], errors[0])
    assert str(errors[1]) == str(errors[0]).replace("torch.", "bibun.")


@pytest.mark.parametrize("name,op", INPLACE_OPS + [("t_", lambda lib, y, w: y.t_())], ids=OP_IDS + ["t_"])
def test_inplace_on_leaf_under_no_grad_matches_torch(name, op, torch):
    out = []
    for lib in (torch, bibun):
        y, w = make_tensor(lib, X, requires_grad=True), make_tensor(lib, W, requires_grad=True)
        with lib.no_grad():
            op(lib, y, w)
        out.append((to_numpy(y), tuple(y.stride()), y._version, y.is_leaf, y.requires_grad, y.grad_fn is None))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-12)
    assert out[1][1:] == out[0][1:]


@pytest.mark.parametrize("name,op", INPLACE_OPS, ids=OP_IDS)
def test_inplace_on_plain_tensor_values_and_version_match_torch(name, op, torch):
    out = []
    for lib in (torch, bibun):
        y, w = make_tensor(lib, X), make_tensor(lib, W)
        op(lib, y, w)
        out.append((to_numpy(y), y._version, y.requires_grad))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-12)
    assert out[1][1:] == out[0][1:]


@pytest.mark.parametrize("name,op", INPLACE_OPS + [("t_", lambda lib, y, w: y.t_())], ids=OP_IDS + ["t_"])
@pytest.mark.parametrize("w_requires_grad", [True, False], ids=["w_grad", "w_nograd"])
def test_inplace_on_non_leaf_rebases_history_like_torch(name, op, w_requires_grad, torch):
    graphs = []
    for lib in (torch, bibun):
        x, w = make_tensor(lib, X, requires_grad=True), make_tensor(lib, W, requires_grad=w_requires_grad)
        y = x * 1.5
        op(lib, y, w)
        graphs.append((graph(y.grad_fn), y._version, y.is_leaf, y.requires_grad))
    assert graphs[1] == graphs[0]


@pytest.mark.parametrize("name,op", INPLACE_OPS + [("t_", lambda lib, y, w: y.t_())], ids=OP_IDS + ["t_"])
def test_inplace_on_non_leaf_gradients_match_torch(name, op, compare_with_torch):
    def fn(lib, x, w):
        y = x * x
        op(lib, y, w)
        return y * (w if tuple(y.shape) == (3, 4) else w.t())

    compare_with_torch(fn, X, W)


@pytest.mark.parametrize("name,op", INPLACE_OPS, ids=OP_IDS)
def test_inplace_on_non_leaf_passes_gradcheck(name, op, gradcheck):
    def fn(lib, x, w):
        y = x * 2.0 + 0.0
        op(lib, y, w)
        return y * w

    gradcheck(fn, X, W)


@pytest.mark.parametrize(
    "name,op",
    [o for o in INPLACE_OPS if not o[0].startswith(("i", "setitem"))] + [("t_", lambda lib, y, w: y.t_())],
    ids=[o[0] for o in INPLACE_OPS if not o[0].startswith(("i", "setitem"))] + ["t_"],
)
def test_inplace_method_returns_self(name, op, torch):
    y, w = make_tensor(bibun, X), make_tensor(bibun, W)
    assert op(bibun, y, w) is y


# ---- in-place through views ---------------------------------------------------------------------

VIEWS = [
    ("select_row", lambda lib, y: y[0]),
    ("select_column", lambda lib, y: y[:, 1]),
    ("slice_step", lambda lib, y: y[::2, 1:]),
    ("transposed", lambda lib, y: y.t()),
    ("view_flat", lambda lib, y: y.view(-1)),
    ("unsqueeze", lambda lib, y: y.unsqueeze(0)),
    ("narrow", lambda lib, y: y.narrow(1, 1, 2)),
    ("view_of_view", lambda lib, y: y[1:][:, ::3]),
    ("scalar_element", lambda lib, y: y[1, 2]),
    ("ellipsis", lambda lib, y: y[...]),
]
VIEW_IDS = [v[0] for v in VIEWS]
VIEW_WRITES = [
    ("mul_scalar", lambda lib, v, w: v.mul_(3.0)),
    ("add_w", lambda lib, v, w: v.add_(w.sum() * 0.5)),
    ("mul_w", lambda lib, v, w: v.mul_(w.mean())),
    ("copy_w", lambda lib, v, w: v.copy_(w.sum() * 0.25)),
    ("fill", lambda lib, v, w: v.fill_(-1.0)),
    ("zero", lambda lib, v, w: v.zero_()),
    ("iadd_w", lambda lib, v, w: _iadd(v, w.sum())),
]
WRITE_IDS = [w[0] for w in VIEW_WRITES]


@pytest.mark.parametrize("vname,view", VIEWS, ids=VIEW_IDS)
@pytest.mark.parametrize("wname,write", VIEW_WRITES, ids=WRITE_IDS)
def test_inplace_on_view_of_non_leaf_graph_matches_torch(vname, view, wname, write, torch):
    results = []
    for lib in (torch, bibun):
        x, w = make_tensor(lib, X, requires_grad=True), make_tensor(lib, W, requires_grad=True)
        y = x * 1.0
        v = view(lib, y)
        write(lib, v, w)
        results.append((graph(y.grad_fn), graph(v.grad_fn), y._version, v._version, to_numpy(y).tolist()))
    assert results[1] == results[0]


@pytest.mark.parametrize("vname,view", VIEWS, ids=VIEW_IDS)
@pytest.mark.parametrize("wname,write", VIEW_WRITES, ids=WRITE_IDS)
def test_inplace_on_view_of_non_leaf_gradients_match_torch(vname, view, wname, write, compare_with_torch):
    def fn(lib, x, w):
        y = x * x
        write(lib, view(lib, y), w)
        return y * 2.0

    compare_with_torch(fn, X, W)


@pytest.mark.parametrize("vname,view", VIEWS, ids=VIEW_IDS)
@pytest.mark.parametrize("wname,write", VIEW_WRITES, ids=WRITE_IDS)
def test_gradient_through_the_view_itself_after_its_write_matches_torch(vname, view, wname, write, compare_with_torch):
    def fn(lib, x, w):
        y = x * x
        v = view(lib, y)
        write(lib, v, w)
        return v * 3.0

    compare_with_torch(fn, X, W)


@pytest.mark.parametrize("vname,view", VIEWS, ids=VIEW_IDS)
@pytest.mark.parametrize("wname,write", [w for w in VIEW_WRITES if w[0] in ("add_w", "mul_w", "copy_w")], ids=["add_w", "mul_w", "copy_w"])
def test_inplace_on_view_of_non_leaf_passes_gradcheck(vname, view, wname, write, gradcheck):
    def fn(lib, x, w):
        y = x * x
        write(lib, view(lib, y), w)
        return y

    gradcheck(fn, X, W)


@pytest.mark.parametrize("vname,view", VIEWS, ids=VIEW_IDS)
def test_inplace_on_view_of_leaf_requiring_grad_raises_like_torch(vname, view, torch):
    errors = []
    for lib in (torch, bibun):
        x = make_tensor(lib, X, requires_grad=True)
        errors.append(raised(lambda: view(lib, x).mul_(2.0)))
        np.testing.assert_array_equal(to_numpy(x), X)
    assert_same_error(errors[1], errors[0])
    assert str(errors[1]) == str(errors[0]).replace("torch.", "bibun.")


# the `b = zeros(3, 3); b[0] = w` pattern: a plain tensor gets a value that requires grad
ASSIGNMENTS = [
    ("row", lambda lib, b, w: _setitem(b, 0, w[0])),
    ("row_broadcast_scalar_tensor", lambda lib, b, w: _setitem(b, 1, w[0, 0])),
    ("column", lambda lib, b, w: _setitem(b, (slice(None), 1), w[:, 0])),
    ("stepped_block", lambda lib, b, w: _setitem(b, (slice(None, None, 2), slice(1, None)), w[:2, :2])),
    ("block_broadcast_row", lambda lib, b, w: _setitem(b, slice(1, 3), w[2])),
    ("element", lambda lib, b, w: _setitem(b, (2, 2), w[1, 1])),
    ("ellipsis_full", lambda lib, b, w: _setitem(b, Ellipsis, w)),
    ("none_index", lambda lib, b, w: _setitem(b, (None, 0), w[0])),
    ("two_writes", lambda lib, b, w: (_setitem(b, 0, w[0]), _setitem(b, 2, w[1] * 2.0))),
    ("copy_into_view", lambda lib, b, w: b[1].copy_(w[2])),
    ("add_into_view", lambda lib, b, w: b[:, 2].add_(w[:, 1])),
    ("mul_into_view", lambda lib, b, w: (b.fill_(2.0), b[0].mul_(w[0]))),
]
ASSIGN_IDS = [a[0] for a in ASSIGNMENTS]
W3 = np.linspace(-1.0, 1.5, 9).reshape(3, 3)


@pytest.mark.parametrize("name,assign", ASSIGNMENTS, ids=ASSIGN_IDS)
def test_assigning_requires_grad_value_into_plain_tensor_graph_matches_torch(name, assign, torch):
    results = []
    for lib in (torch, bibun):
        w = make_tensor(lib, W3, requires_grad=True)
        b = lib.zeros(3, 3, dtype=lib.float64)
        assign(lib, b, w)
        results.append((b.requires_grad, b.is_leaf, graph(b.grad_fn), b._version, to_numpy(b).tolist()))
    assert results[1] == results[0]


@pytest.mark.parametrize("name,assign", ASSIGNMENTS, ids=ASSIGN_IDS)
def test_assigning_requires_grad_value_into_plain_tensor_gradients_match_torch(name, assign, compare_with_torch):
    def fn(lib, w):
        b = lib.zeros(3, 3, dtype=lib.float64)
        assign(lib, b, w)
        return b * b

    compare_with_torch(fn, W3)


@pytest.mark.parametrize("name,assign", ASSIGNMENTS, ids=ASSIGN_IDS)
def test_assigning_requires_grad_value_into_plain_tensor_passes_gradcheck(name, assign, gradcheck):
    def fn(lib, w):
        b = lib.zeros(3, 3, dtype=lib.float64)
        assign(lib, b, w)
        return b.exp()

    gradcheck(fn, W3)


def test_assigning_into_plain_tensor_under_no_grad_records_nothing(torch):
    w = make_tensor(bibun, W3, requires_grad=True)
    b = bibun.zeros(3, 3, dtype=bibun.float64)
    with bibun.no_grad():
        b[0] = w[0]
    assert b.requires_grad is False and b.grad_fn is None
    np.testing.assert_array_equal(to_numpy(b)[0], W3[0])


# ---- sibling views ---------------------------------------------------------------------------

SIBLINGS = [
    ("row_then_column", lambda lib, y: y[0], lambda lib, y: y[:, 1]),
    ("column_then_transposed", lambda lib, y: y[:, 2], lambda lib, y: y.t()),
    ("flat_then_rows", lambda lib, y: y.view(-1), lambda lib, y: y[1:]),
    ("disjoint_rows", lambda lib, y: y[0], lambda lib, y: y[2]),
    ("element_then_narrow", lambda lib, y: y[1, 1], lambda lib, y: y.narrow(0, 1, 2)),
]


@pytest.mark.parametrize("name,first,second", SIBLINGS, ids=[s[0] for s in SIBLINGS])
def test_sibling_view_after_inplace_write_regenerates_grad_fn_like_torch(name, first, second, torch):
    results = []
    for lib in (torch, bibun):
        x, w = make_tensor(lib, X, requires_grad=True), make_tensor(lib, W, requires_grad=True)
        y = x * 1.0
        a, b = first(lib, y), second(lib, y)
        before = graph(b.grad_fn)
        a.mul_(w.sum())
        results.append((before, graph(b.grad_fn), b._version, to_numpy(b).tolist(), graph(y.grad_fn)))
    assert results[1] == results[0]


@pytest.mark.parametrize("name,first,second", SIBLINGS, ids=[s[0] for s in SIBLINGS])
def test_sibling_view_after_inplace_write_gradients_match_torch(name, first, second, compare_with_torch):
    def fn(lib, x, w):
        y = x * x
        a, b = first(lib, y), second(lib, y)
        a.mul_(w.sum())
        return b * 2.0

    compare_with_torch(fn, X, W)


@pytest.mark.parametrize("name,first,second", SIBLINGS, ids=[s[0] for s in SIBLINGS])
def test_sibling_view_of_plain_tensor_after_requires_grad_write_matches_torch(name, first, second, compare_with_torch):
    def fn(lib, w):
        y = lib.zeros(3, 4, dtype=lib.float64)
        a, b = first(lib, y), second(lib, y)
        a.add_(w.sum())
        return b * 2.0

    compare_with_torch(fn, W)


# ---- version counters ------------------------------------------------------------------------

def _version_script(lib: Any) -> list[tuple[int, ...]]:
    x = make_tensor(lib, X)
    v, d, dd = x[0], x.detach(), x.data
    v2 = v[1:]
    states = []

    def record():
        states.append((x._version, v._version, v2._version, d._version, dd._version))

    record()
    x.add_(1.0); record()
    v.mul_(2.0); record()
    v2.zero_(); record()
    d.sub_(1.0); record()
    dd.fill_(3.0); record()
    x[1] = 5.0; record()
    x[2] = make_tensor(lib, W[0]); record()
    x[:, 1:3] = make_tensor(lib, W[:, :2]); record()
    x += 1.0; record()
    x *= make_tensor(lib, W); record()
    x.copy_(make_tensor(lib, W)); record()
    lib.add(make_tensor(lib, W), make_tensor(lib, W), out=x); record()
    lib.mul(make_tensor(lib, W), 2.0, out=v); record()
    with lib.no_grad():
        x.div_(2.0)
    record()
    y = x + 1.0  # out-of-place: no bump
    record()
    x.t_(); record()
    states.append((y._version, x.clone()._version, x.contiguous()._version))
    return states


def test_version_counters_match_torch_through_a_sequence_of_writes(torch):
    assert _version_script(bibun) == _version_script(torch)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, x: x[0],
        lambda lib, x: x.t(),
        lambda lib, x: x.view(-1),
        lambda lib, x: x.detach(),
        lambda lib, x: x[None, ..., ::2],
        lambda lib, x: x.reshape(4, 3),
        lambda lib, x: x.expand(2, 3, 4),
    ],
    ids=["select", "t", "view", "detach", "mixed_index", "reshape", "expand"],
)
def test_version_counter_shared_with_views_and_detach(make, torch):
    for lib in (bibun,):
        x = make_tensor(lib, X)
        alias = make(lib, x)
        x.add_(1.0)
        assert alias._version == x._version == 1
        x.mul_(2.0)
        assert alias._version == 2


def test_data_gets_its_own_version_counter(torch):
    got = []
    for lib in (torch, bibun):
        x = make_tensor(lib, X)
        d = x.data
        d.add_(1.0)
        x.add_(1.0)
        x.add_(1.0)
        got.append((x._version, d._version))
    assert got[1] == got[0] == (2, 1)


def test_out_of_place_op_and_clone_start_at_version_zero(torch):
    x = make_tensor(bibun, X)
    x.add_(1.0)
    assert (x + 1.0)._version == 0 and x.clone()._version == 0 and x._version == 1


# ---- saved tensors invalidated --------------------------------------------------------------

def _stale_exp(lib, x):
    y = x.exp()
    y.add_(1.0)
    return y.sum()


def _stale_mul_input(lib, x):
    a = x * 1.0
    b = a * a
    a.add_(1.0)
    return b.sum()


def _stale_sigmoid_view(lib, x):
    s = x.sigmoid()
    s[0].mul_(2.0)
    return s.sum()


def _stale_via_base(lib, x):
    a = x * 1.0
    b = a[1] * x[1]
    a.zero_()
    return b.sum()


def _stale_via_detach(lib, x):
    a = x * 1.0
    b = a.pow(2)
    a.detach().mul_(3.0)
    return b.sum()


def _stale_div(lib, x):
    a = x * 1.0 + 5.0
    b = x / a
    a.sub_(1.0)
    return b.sum()


def _stale_matmul(lib, x):
    a = x * 1.0
    b = lib.matmul(a, a.t())
    a.t_()
    return b.sum()


def _stale_relu(lib, x):
    r = lib.relu(x)
    r.mul_(2.0)
    return r.sum()


STALE = [_stale_exp, _stale_mul_input, _stale_sigmoid_view, _stale_via_base, _stale_via_detach, _stale_div, _stale_matmul, _stale_relu]


@pytest.mark.parametrize("case", STALE, ids=[f.__name__[7:] for f in STALE])
def test_backward_through_saved_tensor_modified_inplace_raises_like_torch(case, torch):
    errors = []
    for lib in (torch, bibun):
        x = make_tensor(lib, X, requires_grad=True)
        loss = case(lib, x)
        errors.append(raised(loss.backward))
    assert errors[0] is not None and str(errors[0]).startswith(STALE_PREFIX)
    assert isinstance(errors[1], RuntimeError), f"bibun: {errors[1]!r}"
    assert str(errors[1]).startswith(STALE_PREFIX)


@pytest.mark.parametrize("case", STALE, ids=[f.__name__[7:] for f in STALE])
def test_stale_saved_tensor_message_names_tensor_and_versions_like_torch(case, torch):
    messages = []
    for lib in (torch, bibun):
        x = make_tensor(lib, X, requires_grad=True)
        exc = raised(case(lib, x).backward)
        messages.append(str(exc).split(" instead.")[0].replace("torch.", "bibun."))
    assert messages[1] == messages[0]


NOT_STALE = [
    ("add_does_not_save", lambda lib, x: (lambda a: (a.add_(1.0), (a + 2.0))[1])(x * 1.0)),
    ("write_after_use_not_saved", lambda lib, x: (lambda a: ((a * 3.0), a.mul_(2.0))[0])(x * 1.0)),
    ("write_to_disjoint_clone", lambda lib, x: (lambda a: ((a * a), a.clone().zero_())[0])(x * 1.0)),
    ("write_before_use", lambda lib, x: (lambda a: (a.mul_(2.0), a * a)[1])(x * 1.0)),
]


@pytest.mark.parametrize("name,fn", NOT_STALE, ids=[n[0] for n in NOT_STALE])
def test_inplace_write_to_unsaved_tensor_keeps_backward_working(name, fn, compare_with_torch):
    compare_with_torch(fn, X)


# ---- out= ------------------------------------------------------------------------------------

OUT_FUNCS = [
    ("add", lambda lib, a, b, out: lib.add(a, b, out=out)),
    ("add_alpha", lambda lib, a, b, out: lib.add(a, b, alpha=2, out=out)),
    ("sub", lambda lib, a, b, out: lib.sub(a, b, out=out)),
    ("mul", lambda lib, a, b, out: lib.mul(a, b, out=out)),
    ("div", lambda lib, a, b, out: lib.div(a, b, out=out)),
    ("matmul", lambda lib, a, b, out: lib.matmul(a, b.t(), out=out)),
    ("add_scalar", lambda lib, a, b, out: lib.add(a, 3, out=out)),
]
OUT_IDS = [o[0] for o in OUT_FUNCS]
A2 = np.array([[1.0, -2.0, 3.5], [0.25, 4.0, -1.0]])
B2 = np.array([[2.0, 0.5, -1.0], [3.0, 1.0, 8.0]])


def _out_shape(name):
    return (2, 2) if name == "matmul" else (2, 3)


@pytest.mark.parametrize("name,fn", OUT_FUNCS, ids=OUT_IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_out_form_writes_values_and_returns_out_like_torch(name, fn, dtype, torch):
    results = []
    for lib in (torch, bibun):
        a, b = make_tensor(lib, A2, dtype), make_tensor(lib, B2, dtype)
        out = lib.zeros(*_out_shape(name), dtype=getattr(lib, dtype))
        ret = fn(lib, a, b, out)
        assert ret is out
        results.append((to_numpy(out), dtype_name(out.dtype), out._version, out.requires_grad))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    assert results[1][1:] == results[0][1:]


@pytest.mark.parametrize("name,fn", OUT_FUNCS, ids=OUT_IDS)
@pytest.mark.parametrize(
    "in_dtype,out_dtype",
    [
        ("float32", "int64"),
        ("float64", "int32"),
        ("float32", "bool"),
        ("int64", "float32"),
        ("int64", "float64"),
        ("int32", "int64"),
        ("int64", "int32"),
        ("float64", "float32"),
        ("float32", "float64"),
        ("bool", "int64"),
    ],
)
def test_out_form_dtype_casting_rules_match_torch(name, fn, in_dtype, out_dtype, torch):
    results = []
    for lib in (torch, bibun):
        a, b = make_tensor(lib, A2 * 2, in_dtype), make_tensor(lib, B2 * 2, in_dtype)
        out = lib.zeros(*_out_shape(name), dtype=getattr(lib, out_dtype))
        exc = raised(lambda: fn(lib, a, b, out))
        results.append((exc, to_numpy(out), dtype_name(out.dtype)))
    assert_same_error(results[1][0], results[0][0])
    if results[0][0] is None:
        np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)
        assert results[1][2] == results[0][2]
    else:
        assert str(results[1][0]) == str(results[0][0])


@pytest.mark.parametrize("name,fn", OUT_FUNCS, ids=OUT_IDS)
@pytest.mark.parametrize("who", ["input", "out"])
def test_out_form_with_requires_grad_raises_like_torch(name, fn, who, torch):
    errors = []
    for lib in (torch, bibun):
        a, b = make_tensor(lib, A2, requires_grad=who == "input"), make_tensor(lib, B2)
        out = make_tensor(lib, np.zeros(_out_shape(name)), requires_grad=who == "out")
        errors.append(raised(lambda: fn(lib, a, b, out)))
    assert_same_error(errors[1], errors[0])
    assert errors[0] is not None


@pytest.mark.parametrize("name,fn", OUT_FUNCS, ids=OUT_IDS)
def test_out_form_with_requires_grad_input_under_no_grad_works_like_torch(name, fn, torch):
    results = []
    for lib in (torch, bibun):
        a, b = make_tensor(lib, A2, requires_grad=True), make_tensor(lib, B2)
        out = lib.zeros(*_out_shape(name), dtype=lib.float64)
        with lib.no_grad():
            fn(lib, a, b, out)
        results.append((to_numpy(out).tolist(), out.requires_grad, out.grad_fn is None))
    assert results[1] == results[0]


@pytest.mark.parametrize("name,fn", OUT_FUNCS, ids=OUT_IDS)
@pytest.mark.parametrize("out_shape", [(0,), (5,), (3, 2)], ids=["empty", "wrong_1d", "wrong_2d"])
def test_out_form_resizes_mismatched_out_like_torch(name, fn, out_shape, torch):
    results = []
    for lib in (torch, bibun):
        a, b = make_tensor(lib, A2), make_tensor(lib, B2)
        out = lib.zeros(*out_shape, dtype=lib.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exc = raised(lambda: fn(lib, a, b, out))
        results.append((exc, tuple(out.shape), to_numpy(out).tolist() if exc is None else None))
    assert_same_error(results[1][0], results[0][0])
    assert results[1][1:] == results[0][1:]


@pytest.mark.parametrize("name,fn", OUT_FUNCS, ids=OUT_IDS)
def test_out_form_into_non_contiguous_view_writes_through_to_base_like_torch(name, fn, torch):
    results = []
    for lib in (torch, bibun):
        a, b = make_tensor(lib, A2), make_tensor(lib, B2)
        base = lib.zeros(*reversed(_out_shape(name)), dtype=lib.float64)
        fn(lib, a, b, base.t())
        results.append((to_numpy(base).tolist(), base._version))
    assert results[1] == results[0]


def test_out_form_aliasing_an_input_matches_torch(torch):
    results = []
    for lib in (torch, bibun):
        a, b = make_tensor(lib, A2), make_tensor(lib, B2)
        lib.add(a, b, out=a)
        lib.mul(b, a, out=b)
        results.append((to_numpy(a).tolist(), to_numpy(b).tolist(), a._version, b._version))
    assert results[1] == results[0]


# ---- setitem ---------------------------------------------------------------------------------

SETITEM_CASES = [
    ("int_row_scalar", 1, lambda lib: 9),
    ("int_row_float_scalar", -1, lambda lib: 2.5),
    ("bool_scalar", 0, lambda lib: True),
    ("element", (2, 3), lambda lib: -4.0),
    ("column", (slice(None), 0), lambda lib: 1.5),
    ("stepped", (slice(None, None, 2), slice(1, None, 2)), lambda lib: 7),
    ("negative_bounds", (slice(-2, None), slice(-3, -1)), lambda lib: 3),
    ("ellipsis", Ellipsis, lambda lib: 0),
    ("none", (None, 1), lambda lib: 6),
    ("row_tensor", 0, lambda lib: make_tensor(lib, np.array([1.0, 2.0, 3.0, 4.0]))),
    ("broadcast_row_into_block", slice(0, 2), lambda lib: make_tensor(lib, np.array([1.0, 2.0, 3.0, 4.0]))),
    ("broadcast_column", (slice(None), slice(1, 3)), lambda lib: make_tensor(lib, np.array([[1.0], [2.0], [3.0]]))),
    ("zero_dim_tensor", (slice(None), 2), lambda lib: make_tensor(lib, np.float64(8.5))),
    ("int_tensor_value", 2, lambda lib: make_tensor(lib, np.array([1, 2, 3, 4]))),
    ("bool_tensor_value", 2, lambda lib: make_tensor(lib, np.array([True, False, True, False]))),
    ("leading_unit_dims_value", 1, lambda lib: make_tensor(lib, np.ones((1, 1, 4)))),
    ("empty_slice", slice(3, 1), lambda lib: 5),
    ("float32_value", 1, lambda lib: make_tensor(lib, np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32))),
    ("transposed_value", (slice(0, 3), slice(0, 3)), lambda lib: make_tensor(lib, np.arange(9.0).reshape(3, 3)).t()),
]
SETITEM_IDS = [c[0] for c in SETITEM_CASES]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
@pytest.mark.parametrize("name,index,value", SETITEM_CASES, ids=SETITEM_IDS)
def test_setitem_values_and_version_match_torch(name, index, value, dtype, torch):
    results = []
    for lib in (torch, bibun):
        x = make_tensor(lib, (X * 4).astype(dtype) if dtype != "bool" else X > 0, dtype)
        exc = raised(lambda: x.__setitem__(index, value(lib)))
        results.append((exc, to_numpy(x).tolist(), x._version, dtype_name(x.dtype)))
    assert_same_error(results[1][0], results[0][0])
    assert results[1][1:] == results[0][1:]


@pytest.mark.parametrize(
    "index,value",
    [
        (0, lambda lib: make_tensor(lib, np.ones(3))),
        (slice(0, 2), lambda lib: make_tensor(lib, np.ones((3, 4)))),
        ((slice(None), 0), lambda lib: make_tensor(lib, np.ones((3, 1)))),
        (3, lambda lib: 1.0),
        ((0, 0, 0), lambda lib: 1.0),
        (slice(None, None, 0), lambda lib: 1.0),
        (0, lambda lib: "a"),
        (0, lambda lib: make_tensor(lib, np.ones((2, 4)))),
    ],
    ids=["too_short", "too_many_rows", "column_vs_2d", "out_of_range", "too_many_indices", "step_zero", "string_value", "not_broadcastable"],
)
def test_bad_setitem_raises_torch_exception_type_and_leaves_tensor_unchanged(index, value, torch):
    results = []
    for lib in (torch, bibun):
        x = make_tensor(lib, X)
        exc = raised(lambda: x.__setitem__(index, value(lib)))
        results.append((exc, to_numpy(x).tolist(), x._version))
    assert results[0][0] is not None
    assert_same_error(results[1][0], results[0][0])
    assert results[1][1:] == results[0][1:]


def test_setitem_into_expanded_tensor_raises_like_torch(torch):
    errors = []
    for lib in (torch, bibun):
        x = make_tensor(lib, np.ones((3, 1))).expand(3, 4)
        errors.append(raised(lambda: x.__setitem__(0, 2.0)))
    assert_same_error(errors[1], errors[0])


@pytest.mark.parametrize(
    "op",
    [
        lambda lib, e: e.add_(lib.ones(3, 4, dtype=lib.float64)),
        lambda lib, e: e.fill_(2.0),
        lambda lib, e: e.copy_(lib.zeros(3, 4, dtype=lib.float64)),
        lambda lib, e: e.mul_(2.0),
    ],
    ids=["add_", "fill_", "copy_", "mul_"],
)
def test_inplace_on_internally_overlapping_tensor_raises_like_torch(op, torch):
    errors = []
    for lib in (torch, bibun):
        e = make_tensor(lib, np.ones((3, 1))).expand(3, 4)
        errors.append(raised(lambda: op(lib, e)))
    assert_same_error(errors[1], errors[0])


@pytest.mark.parametrize(
    "op",
    [
        lambda lib, y: y.add_(lib.ones(2, 3, 4, dtype=lib.float64)),
        lambda lib, y: y.mul_(lib.ones(4, 3, dtype=lib.float64)),
        lambda lib, y: y.copy_(lib.ones(5, dtype=lib.float64)),
        lambda lib, y: make_tensor(lib, np.arange(12).reshape(3, 4)).add_(1.5),
        lambda lib, y: make_tensor(lib, np.arange(12).reshape(3, 4)).div_(2),
        lambda lib, y: make_tensor(lib, np.arange(12).reshape(3, 4)).mul_(y),
        lambda lib, y: make_tensor(lib, np.arange(12).reshape(3, 4) > 3).add_(1),
        lambda lib, y: make_tensor(lib, np.arange(12).reshape(3, 4)).copy_(y),
    ],
    ids=["broadcast_grows_self", "shape_mismatch", "copy_not_broadcastable", "int_add_float_scalar", "int_div", "int_mul_float", "bool_add_int", "copy_float_into_int"],
)
def test_inplace_shape_and_dtype_errors_match_torch(op, torch):
    results = []
    for lib in (torch, bibun):
        y = make_tensor(lib, X)
        exc = raised(lambda: op(lib, y))
        results.append(exc)
    assert_same_error(results[1], results[0])
