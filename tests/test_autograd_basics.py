"""The engine rules of issue 2: backward, accumulation, retain_graph, leaf and non-leaf rules, grad mode,
detach/.data and version counters, in-place history rewriting, error texts, graph structure, deep graphs
and the absence of reference cycles."""

from __future__ import annotations

import gc
import re
import threading
import weakref

import numpy as np
import pytest

import bibun
from conftest import make_tensor, to_numpy

SECOND_BACKWARD = "Trying to backward through the graph a second time"
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
MODIFIED_INPLACE = (
    "one of the variables needed for gradient computation has been modified by an inplace operation"
)
INT_REQUIRES_GRAD = "^Only Tensors of floating point and complex dtype can require gradients$"


def leaf(values, dtype=bibun.float32):
    return bibun.tensor(values, dtype=dtype, requires_grad=True)


def grad_of(t) -> np.ndarray:
    assert t.grad is not None
    return to_numpy(t.grad)


# backward() and vector-Jacobian products.
def test_backward_on_scalar_gives_the_seed000_gradient():
    x = bibun.ones(2, 2, requires_grad=True)
    y = x + 2
    out = (y * y * 3).mean()
    out.backward()
    np.testing.assert_allclose(grad_of(x), np.full((2, 2), 4.5))


def test_backward_with_gradient_is_a_vector_jacobian_product():
    x = leaf([1.0, -2.0, 3.0])
    y = x * x
    y.backward(bibun.tensor([0.1, 1.0, 0.0001]))
    np.testing.assert_allclose(grad_of(x), [0.2, -4.0, 0.0006], rtol=1e-6)


def test_backward_on_0d_tensor_and_0d_leaf():
    x = leaf(3.0)
    (x * x * x).backward()
    assert tuple(x.grad.shape) == ()
    np.testing.assert_allclose(grad_of(x), 27.0)


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(grad_of(x), [5.0, 7.0])


def test_leaf_grad_has_no_history_and_zero_resets_it():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
    x.grad.zero_()
    (x * 2).sum().backward()
    np.testing.assert_allclose(grad_of(x), [2.0, 2.0])


def test_retain_graph_allows_a_second_backward_that_accumulates():
    inp = bibun.eye(5, requires_grad=True)
    out = (inp + 1).pow(2)
    out.backward(bibun.ones_like(inp), retain_graph=True)
    first = grad_of(inp)
    out.backward(bibun.ones_like(inp), retain_graph=True)
    np.testing.assert_allclose(grad_of(inp), 2 * first)
    np.testing.assert_allclose(first, 2 * (np.eye(5) + 1))


@pytest.mark.parametrize(
    "fn",
    [lambda x: (x * x).sum(), lambda x: x.exp().sum(), lambda x: (x**2).sum(), lambda x: (x @ x)],
    ids=["mul", "exp", "pow", "dot"],
)
def test_backward_twice_without_retain_graph_raises(fn):
    x = leaf([1.0, 2.0, 3.0])
    y = fn(x)
    y.backward()
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert str(info.value).startswith(SECOND_BACKWARD)
    assert "retain_graph=True" in str(info.value)


@pytest.mark.parametrize(
    "fn",
    [lambda x: (x + 1).sum(), lambda x: (x - 2).sum(), lambda x: x.mean(), lambda x: (-x).sum()],
    ids=["add", "sub", "mean", "neg"],
)
def test_backward_twice_through_nodes_without_saved_tensors_is_allowed_as_in_torch(fn):
    x = leaf([1.0, 2.0, 3.0])
    y = fn(x)
    y.backward()
    once = grad_of(x)
    y.backward()
    np.testing.assert_allclose(grad_of(x), 2 * once)


# Leaf and non-leaf rules.
def test_requires_grad_propagates_and_non_leaf_has_grad_fn():
    x, c = leaf([1.0, 2.0]), bibun.tensor([3.0, 4.0])
    assert x.is_leaf and x.grad_fn is None and c.is_leaf and not c.requires_grad
    y = x * c
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    z = c * c
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
def test_grad_of_non_leaf_stays_none():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.sum().backward()
    assert y.grad is None


def test_requires_grad_underscore_turns_a_leaf_into_a_graph_input():
    a = bibun.randn(2, 2)
    a = (a * 3) / (a - 1)
    assert a.requires_grad is False
    assert a.requires_grad_(True) is a
    assert a.requires_grad and a.is_leaf
    b = (a * a).sum()
    assert re.fullmatch(r"<SumBackward0 object at 0x[0-9a-fA-F]+>", repr(b.grad_fn))
    a.requires_grad_(False)
    assert not a.requires_grad


def test_requires_grad_false_on_non_leaf_raises():
    y = leaf([1.0]) * 2
    with pytest.raises(RuntimeError, match="^you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_requires_grad_on_integer_tensor_raises(dtype):
    with pytest.raises(RuntimeError, match=INT_REQUIRES_GRAD):
        bibun.tensor([1, 0], dtype=getattr(bibun, dtype), requires_grad=True)
    with pytest.raises(RuntimeError, match=INT_REQUIRES_GRAD):
        bibun.ones(2, dtype=getattr(bibun, dtype), requires_grad=True)
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require gradients$"):
        bibun.tensor([1, 0], dtype=getattr(bibun, dtype)).requires_grad_()
    t = bibun.tensor([1, 0], dtype=getattr(bibun, dtype))
    with pytest.raises(RuntimeError, match=INT_REQUIRES_GRAD.replace("^Only", "^only")):
        t.requires_grad = True


def test_implicit_gradient_of_non_scalar_raises():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        y.backward()


@pytest.mark.parametrize(
    "t", [lambda: bibun.ones(2).sum(), lambda: bibun.tensor(1.0)], ids=["computed", "leaf"]
)
def test_backward_of_tensor_without_grad_raises(t):
    message = "^element 0 of tensors does not require grad and does not have a grad_fn$"
    with pytest.raises(RuntimeError, match=message):
        t().backward()


# detach, .data and version counters.
def test_detach_is_a_leaf_sharing_values():
    x = leaf([1.0, 2.0, 3.0])
    y = x.detach()
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None
    assert bool(x.eq(y).all())
    y.zero_()
    np.testing.assert_array_equal(to_numpy(x), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("saves", ["own_output", "input"])
def test_inplace_on_detached_tensor_breaks_backward_of_saved_original(saves):
    x = leaf([0.5, 1.0, 1.5])
    if saves == "own_output":
        y = x.exp()
        y.detach().add_(1)
    else:
        y = x * x
        x.detach().zero_()
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert str(info.value).startswith(MODIFIED_INPLACE)


@pytest.mark.parametrize("saves", ["own_output", "input"])
def test_inplace_on_data_does_not_break_backward(saves):
    x = leaf([0.5, 1.0, 1.5])
    if saves == "own_output":
        y = x.exp()
        y.data.add_(1)
        want = np.exp([0.5, 1.0, 1.5]) + 1
    else:
        y = x * x
        x.data.mul_(2)
        want = 2 * np.array([1.0, 2.0, 3.0])
    y.sum().backward()
    np.testing.assert_allclose(grad_of(x), want, rtol=1e-6)


def test_data_is_a_leaf_without_grad_sharing_values():
    x = leaf([1.0, 2.0])
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d.mul_(3)
    np.testing.assert_array_equal(to_numpy(x), [3.0, 6.0])


def test_saved_tensor_modified_inplace_raises():
    x = leaf([1.0, 2.0])
    a = x * 1
    b = a * a
    a.add_(1)
    with pytest.raises(RuntimeError) as info:
        b.sum().backward()
    assert str(info.value).startswith(MODIFIED_INPLACE)


# In-place ops.
@pytest.mark.parametrize(
    "op", [lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_()], ids=["add_", "mul_", "zero_"]
)
def test_inplace_on_leaf_requiring_grad_raises(op):
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=f"^{re.escape(LEAF_INPLACE)}$"):
        op(x)


def test_inplace_on_leaf_is_allowed_under_no_grad():
    x = leaf([1.0, 2.0])
    with bibun.no_grad():
        x.mul_(3).add_(1)
    np.testing.assert_array_equal(to_numpy(x), [4.0, 7.0])
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    (x * x).sum().backward()
    np.testing.assert_allclose(grad_of(x), [8.0, 14.0])


@pytest.mark.parametrize(
    "op, node",
    [
        (lambda t: t.add_(1), "AddBackward0"),
        (lambda t: t.mul_(2), "MulBackward0"),
        (lambda t: t.zero_(), "ZeroBackward0"),
    ],
    ids=["add_", "mul_", "zero_"],
)
def test_inplace_on_non_leaf_rebases_history(op, node):
    x = leaf([1.0, 2.0])
    y = x * 3
    old = y.grad_fn
    assert op(y) is y
    assert y.grad_fn.name() == node
    assert y.grad_fn.next_functions[0][0] is old


# Grad mode.
def test_no_grad_context_and_nesting():
    x = leaf([1.0])
    with bibun.no_grad():
        assert not (x * 2).requires_grad
        with bibun.enable_grad():
            assert (x * 2).requires_grad
        with bibun.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    with bibun.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_is_grad_enabled_follows_the_context():
    assert bibun.is_grad_enabled()
    with bibun.no_grad():
        assert not bibun.is_grad_enabled()
    assert bibun.is_grad_enabled()


def test_set_grad_enabled_as_a_function_call():
    x = leaf([1.0])
    try:
        bibun.set_grad_enabled(False)
        assert not (x * 2).requires_grad
    finally:
        bibun.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_grad_mode_decorators():
    x = leaf([1.0])

    @bibun.no_grad()
    def off():
        return x * 2

    @bibun.no_grad
    def off_bare():
        return x * 2

    @bibun.set_grad_enabled(False)
    def off_set():
        return x * 2

    @bibun.enable_grad()
    def on():
        return x * 2

    assert not off().requires_grad and not off_bare().requires_grad and not off_set().requires_grad
    with bibun.no_grad():
        assert on().requires_grad
    assert (x * 2).requires_grad


def test_grad_mode_is_thread_local():
    x = leaf([1.0])
    seen = {}
    with bibun.no_grad():
        t = threading.Thread(target=lambda: seen.setdefault("other", (x * 2).requires_grad))
        t.start()
        t.join()
        seen["main"] = (x * 2).requires_grad
    assert seen == {"other": True, "main": False}

    def disable_in_thread():
        with bibun.no_grad():
            barrier.wait()
            barrier.wait()

    barrier = threading.Barrier(2)
    t = threading.Thread(target=disable_in_thread)
    t.start()
    barrier.wait()
    try:
        assert (x * 2).requires_grad
    finally:
        barrier.wait()
        t.join()


# Graph structure vs torch.
def node_signature(node):
    """(class name from repr, [(child signature, input_nr)]) down to AccumulateGrad; None stays None."""
    if node is None:
        return None
    m = re.fullmatch(r"<(\w+) object at 0x[0-9a-fA-F]+>", repr(node))
    assert m, f"grad_fn repr {repr(node)!r} is not '<Name object at 0x...>'"
    return (m.group(1), [(node_signature(n), i) for n, i in node.next_functions])


def bce(lib, *a, **k):
    return lib.nn.functional.binary_cross_entropy_with_logits(*a, **k)


GRAPHS = {
    "add_scalar": lambda lib, x, m, c: x + 2,
    "add_const": lambda lib, x, m, c: x + c,
    "sub": lambda lib, x, m, c: x - c,
    "mul_chain_mean": lambda lib, x, m, c: ((x + 2) * (x + 2) * 3).mean(),
    "div": lambda lib, x, m, c: x / c,
    "pow_scalar": lambda lib, x, m, c: x.pow(2),
    "pow_tensor": lambda lib, x, m, c: x**x,
    "rpow": lambda lib, x, m, c: 2**x,
    "neg": lambda lib, x, m, c: -x,
    "sum_dim": lambda lib, x, m, c: m.sum(0),
    "mean_dim": lambda lib, x, m, c: m.mean(1),
    "exp": lambda lib, x, m, c: x.exp(),
    "clone": lambda lib, x, m, c: x.clone(),
    "mm": lambda lib, x, m, c: m @ m,
    "dot": lambda lib, x, m, c: x @ x,
    "mv": lambda lib, x, m, c: m @ x,
    "seed001_z": lambda lib, x, m, c: lib.matmul(c, m) + x,
    "bce": lambda lib, x, m, c: bce(lib, x, c.exp() / (c.exp() + 1)),
    "detach_input": lambda lib, x, m, c: x.detach() * x,
    "reused_value": lambda lib, x, m, c: (lambda b: b * b + b)(x + x),
    "inplace": lambda lib, x, m, c: (x * 1).add_(x, alpha=2).mul_(c),
    "norm": lambda lib, x, m, c: x.norm(),
    "rsub": lambda lib, x, m, c: 2 - x,
    "rdiv": lambda lib, x, m, c: 2 / x,
    "vecmat": lambda lib, x, m, c: x @ m,
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_grad_fn_graph_matches_torch(name, torch):
    def build(lib):
        x = make_tensor(lib, np.array([0.5, 1.0, 1.5], np.float32), requires_grad=True)
        m = make_tensor(lib, np.arange(9, dtype=np.float32).reshape(3, 3) / 9, requires_grad=True)
        c = make_tensor(lib, np.array([2.0, 3.0, 4.0], np.float32))
        return GRAPHS[name](lib, x, m, c)

    assert node_signature(build(bibun).grad_fn) == node_signature(build(torch).grad_fn)


@pytest.mark.parametrize(
    "fn, name",
    [
        (lambda x: x + 2, "AddBackward0"),
        (lambda x: x * x, "MulBackward0"),
        (lambda x: x.mean(), "MeanBackward0"),
        (lambda x: x.sum(), "SumBackward0"),
        (lambda x: x.pow(2), "PowBackward0"),
        (lambda x: bce(bibun, x, bibun.zeros(3)), "BinaryCrossEntropyWithLogitsBackward0"),
    ],
)
def test_grad_fn_prints_and_names_as_pytorch(fn, name):
    g = fn(leaf([1.0, 2.0, 3.0])).grad_fn
    assert g.name() == name
    assert re.fullmatch(f"<{name} object at 0x[0-9a-fA-F]+>", repr(g))
    assert re.fullmatch(f"<{name} object at 0x[0-9a-fA-F]+>", str(g))


def test_next_functions_end_in_accumulate_grad_and_none():
    x = leaf([1.0, 2.0])
    y = x * bibun.tensor([3.0, 4.0])
    (acc, acc_nr), (none, none_nr) = y.grad_fn.next_functions
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-fA-F]+>", repr(acc)) and acc_nr == 0
    assert none is None and none_nr == 0
    assert acc.next_functions == ()


# Graph shapes that break naive engines.
def test_value_reused_on_two_paths():
    a = leaf([1.0, -2.0])
    b = a + a
    c = b * b + b
    c.sum().backward()
    np.testing.assert_allclose(grad_of(a), 2 * (2 * 2 * np.array([1.0, -2.0]) + 1))


def test_leaf_used_by_several_ops():
    a = leaf([1.0, 2.0])
    (a * 3 + a.exp() + a.pow(2) - a).sum().backward()
    v = np.array([1.0, 2.0])
    np.testing.assert_allclose(grad_of(a), 3 + np.exp(v) + 2 * v - 1, rtol=1e-6)


def test_diamond_graph():
    x = leaf(2.0)
    top = x * 3
    left, right = top * top, top.exp()
    (left * right).backward()
    t = 6.0
    np.testing.assert_allclose(grad_of(x), 3 * (2 * t * np.exp(t) + t * t * np.exp(t)), rtol=1e-5)


def test_diamond_graph_matches_torch_for_float64(compare_with_torch):
    def fn(lib, x, w):
        h = lib.matmul(x, w)
        return ((h * h).sum(0) + h.exp().mean(0) - (h / (h * h + 1)).sum(0)).norm()

    rng = np.random.RandomState(0)
    compare_with_torch(fn, rng.standard_normal((4, 3)), rng.standard_normal((3, 2)))


# Deep graphs and memory.
@pytest.mark.slow
def test_million_op_chain_backward_and_free_without_recursion():
    x = bibun.tensor(1.0, dtype=bibun.float64, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0000001
    y.backward()
    np.testing.assert_allclose(grad_of(x), 1.0000001**1_000_000, rtol=1e-9)
    del y


@pytest.mark.slow
def test_million_op_chain_freed_without_backward():
    x = bibun.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 0
    r = weakref.ref(y)
    del y
    assert r() is None


@pytest.fixture
def no_gc():
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.exp(),
        lambda t: t * t,
        lambda t: t.pow(2),
        lambda t: t + 1,
        lambda t: t.norm(),
        lambda t: t.mean(),
    ],
    ids=["exp", "mul", "pow", "add", "norm", "mean"],
)
@pytest.mark.parametrize("after_backward", [False, True])
def test_intermediate_tensors_die_after_del_without_gc(op, after_backward, no_gc):
    x = leaf([0.5, 1.0, 1.5])
    y = op(x)
    z = y.exp().sum()
    refs = [weakref.ref(y), weakref.ref(z)]
    if after_backward:
        z.backward()
    del y, z
    assert [r() for r in refs] == [None, None]
    assert x.grad is None or x.grad.shape == x.shape


def test_output_saving_node_does_not_outlive_its_output(no_gc):
    x = leaf([0.5, 1.0])
    y = x.exp()
    r = weakref.ref(y)
    del y
    assert r() is None
