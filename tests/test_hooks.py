"""Hooks, retain_grad, graph introspection and higher-order gradients (issue 5) against PyTorch.

Scenarios are written once as ``run(lib)`` and executed on torch first, then bibun; what they return
(tensors, call logs) must agree.
"""

from __future__ import annotations

import gc
from typing import Any, Callable

import numpy as np
import pytest

import bibun
from conftest import make_tensor, rng_for, to_numpy

R = rng_for("hooks")
X = R.randn(4)
Y = R.randn(4)


def leaf(lib: Any, values: Any, requires_grad: bool = True) -> Any:
    return make_tensor(lib, values, "float64", requires_grad)


def same(got: Any, want: Any, path: str = "result") -> None:
    """Tensors (values), None, numbers, strings and nested lists/tuples/dicts compared structurally."""
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), f"{path}: {got!r} vs torch {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{path}[{i}]")
    elif isinstance(want, dict):
        assert got.keys() == want.keys(), f"{path}: keys {list(got)} vs torch {list(want)}"
        for k in want:
            same(got[k], want[k], f"{path}[{k!r}]")
    elif want is None:
        assert got is None, f"{path}: {got!r}, torch has None"
    elif hasattr(want, "detach"):
        assert got is not None and hasattr(got, "detach"), f"{path}: {got!r}, torch has a tensor"
        assert tuple(got.shape) == tuple(want.shape), f"{path}: shape"
        np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=1e-9, atol=1e-12, err_msg=path)
    else:
        assert got == want, f"{path}: {got!r} vs torch {want!r}"


def compare(torch: Any, run: Callable[[Any], Any]) -> Any:
    want = run(torch)
    got = run(bibun)
    same(got, want)
    return got


# ---------------------------------------------------------------------------------------------------------------------
# Tensor hooks


def test_tensor_hook_on_leaf_replaces_the_gradient(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()) or g * 10)
        (x * x).sum().backward()
        return x.grad, seen

    grad, seen = compare(torch, run)
    np.testing.assert_allclose(to_numpy(grad), 20 * X)


def test_tensor_hook_on_non_leaf_changes_what_flows_upstream(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = x.exp()
        y.register_hook(lambda g: g * 0 + 1)  # replace the incoming gradient by ones
        (y * y).sum().backward()
        return x.grad, y.retains_grad

    grad, retains = compare(torch, run)
    np.testing.assert_allclose(to_numpy(grad), np.exp(X))
    assert retains is False


def test_hook_returning_none_keeps_the_gradient_and_hooks_chain(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = x * 3
        log = []
        y.register_hook(lambda g: log.append(("first", float(g.sum()))))
        y.register_hook(lambda g: g * 2)
        y.register_hook(lambda g: log.append(("third", float(g.sum()))))
        y.sum().backward()
        return x.grad, log

    compare(torch, run)


def test_register_hook_on_tensor_without_grad_raises(torch: Any) -> None:
    msgs = []
    for lib in (torch, bibun):
        with pytest.raises(RuntimeError) as err:
            leaf(lib, X, False).register_hook(lambda g: g)
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1]


# ---------------------------------------------------------------------------------------------------------------------
# retain_grad


def test_retain_grad_on_non_leaf(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = x.sin()
        before = y.retains_grad
        y.retain_grad()
        z = (y * y).sum()
        z.backward()
        return before, y.retains_grad, x.retains_grad, y.grad, x.grad

    got = compare(torch, run)
    assert got[:3] == (False, True, False)


def test_retain_grad_after_an_in_place_op(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = x * 2
        y.retain_grad()
        y.mul_(3)  # y now has a new grad_fn; its .grad is the gradient w.r.t. the new value
        (y * y).sum().backward()
        return y.retains_grad, y.grad, x.grad

    compare(torch, run)


def test_retain_grad_then_in_place_then_retain_again(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = x * 2
        y.retain_grad()
        y.add_(1)
        y.retain_grad()
        y.pow(2).sum().backward()
        return y.grad, x.grad

    compare(torch, run)


def test_reading_grad_of_a_non_leaf_without_retain_grad_warns_as_torch(torch: Any) -> None:
    def run(lib: Any) -> list[str]:
        import warnings

        y = leaf(lib, X) * 2
        y.sum().backward()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert y.grad is None
        return [str(w.message).split(" (Triggered internally")[0] for w in caught]

    assert compare(torch, run), "torch warns here"


def test_retained_grad_accumulates_over_backwards(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = x * x
        y.retain_grad()
        y.sum().backward(retain_graph=True)
        (y * 3).sum().backward()
        return y.grad, x.grad

    compare(torch, run)


def test_retain_grad_on_leaf_is_a_no_op(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        x.retain_grad()
        (x * 2).sum().backward()
        return x.retains_grad, x.grad

    compare(torch, run)


# ---------------------------------------------------------------------------------------------------------------------
# Node hooks


def test_node_prehook_and_post_hook_see_and_replace_gradients(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x, w = leaf(lib, X), leaf(lib, Y)
        y = x * w
        log = []

        def pre(grad_outputs):
            log.append(("pre", [g.clone() for g in grad_outputs]))
            return (grad_outputs[0] * 2,)

        def post(grad_inputs, grad_outputs):
            log.append(("post", [g.clone() for g in grad_inputs], [g.clone() for g in grad_outputs]))
            return (grad_inputs[0] + 1, grad_inputs[1])

        y.grad_fn.register_prehook(pre)
        y.grad_fn.register_hook(post)
        (y * 3).sum().backward()
        return log, x.grad, w.grad

    compare(torch, run)


def test_node_post_hook_sees_none_for_inputs_without_grad(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x, c = leaf(lib, X), leaf(lib, Y, False)
        y = x * c
        log = []
        y.grad_fn.register_hook(lambda gi, go: log.append([None if g is None else g.clone() for g in gi]))
        y.sum().backward()
        return log

    compare(torch, run)


def test_hook_on_custom_function_node(torch: Any) -> None:
    def run(lib: Any) -> Any:
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = leaf(lib, X)
        y = Double.apply(x)
        log = []
        y.grad_fn.register_prehook(lambda go: log.append("pre"))
        y.grad_fn.register_hook(lambda gi, go: log.append("post"))
        y.sum().backward()
        return log, x.grad

    compare(torch, run)


# ---------------------------------------------------------------------------------------------------------------------
# Handles


def test_removed_hooks_do_not_run(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = x * 2
        log = []
        handles = [
            x.register_hook(lambda g: log.append("leaf")),
            y.register_hook(lambda g: log.append("tensor")),
            y.grad_fn.register_hook(lambda gi, go: log.append("node")),
            y.grad_fn.register_prehook(lambda go: log.append("pre")),
            x.register_post_accumulate_grad_hook(lambda t: log.append("post_acc")),
        ]
        y.sum().backward(retain_graph=True)
        for h in handles:
            h.remove()
        handles[0].remove()  # removing twice is harmless
        log.append("--")
        y.sum().backward()
        return log, x.grad

    log, _ = compare(torch, run)
    assert log[-1] == "--"


def test_handle_as_context_manager(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        log = []
        with x.register_hook(lambda g: log.append("in") or g * 0):
            (x * 2).sum().backward()
        (x * 2).sum().backward()
        return log, x.grad

    log, grad = compare(torch, run)
    assert log == ["in"]
    np.testing.assert_allclose(to_numpy(grad), 2.0)


def test_removing_one_of_several_hooks(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = x.exp()
        log = []
        y.register_hook(lambda g: log.append(1))
        h = y.register_hook(lambda g: log.append(2))
        y.register_hook(lambda g: log.append(3))
        h.remove()
        y.sum().backward()
        return log

    assert compare(torch, run) == [1, 3]


# ---------------------------------------------------------------------------------------------------------------------
# Post-accumulate-grad hooks


def test_post_accumulate_grad_hook_sees_the_accumulated_grad(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append((t is x, t.grad.clone())))
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        return [s[0] for s in seen], [s[1] for s in seen]

    flags, grads = compare(torch, run)
    assert flags == [True, True]
    np.testing.assert_allclose(to_numpy(grads[1]), 5.0)


def test_post_accumulate_grad_hook_can_update_the_parameter_in_place(torch: Any) -> None:
    def run(lib: Any) -> Any:
        w = leaf(lib, X)

        def sgd(p):
            with lib.no_grad():
                p.sub_(p.grad * 0.1)
            p.grad = None

        w.register_post_accumulate_grad_hook(sgd)
        for _ in range(3):
            (w * w).sum().backward()
        return w.detach(), w.grad

    w, grad = compare(torch, run)
    assert grad is None
    np.testing.assert_allclose(to_numpy(w), X * 0.8 ** 3)


def test_post_accumulate_grad_hook_on_non_leaf_raises(torch: Any) -> None:
    msgs = []
    for lib in (torch, bibun):
        with pytest.raises(RuntimeError) as err:
            (leaf(lib, X) * 2).register_post_accumulate_grad_hook(lambda t: None)
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1]


# ---------------------------------------------------------------------------------------------------------------------
# Order


def test_hook_order_matches_torch(torch: Any) -> None:
    def run(lib: Any) -> Any:
        log = []
        x = leaf(lib, X)
        w = leaf(lib, Y)
        a = x * w
        b = a.exp()
        c = a.sin()
        out = (b + c).sum()
        x.register_hook(lambda g: log.append("x.tensor"))
        w.register_hook(lambda g: log.append("w.tensor"))
        x.register_post_accumulate_grad_hook(lambda t: log.append("x.post_acc"))
        w.register_post_accumulate_grad_hook(lambda t: log.append("w.post_acc"))
        a.register_hook(lambda g: log.append("a.tensor"))
        b.register_hook(lambda g: log.append("b.tensor"))
        c.register_hook(lambda g: log.append("c.tensor"))
        a.retain_grad()
        for name, t in (("a", a), ("b", b), ("c", c)):
            t.grad_fn.register_prehook(lambda go, name=name: log.append(f"{name}.pre"))
            t.grad_fn.register_hook(lambda gi, go, name=name: log.append(f"{name}.post"))
        a.register_hook(lambda g: log.append("a.tensor2"))
        out.backward()
        return log

    compare(torch, run)


def test_tensor_hooks_run_before_node_prehooks_and_retain_grad_sees_hooked_value(torch: Any) -> None:
    def run(lib: Any) -> Any:
        log = []
        x = leaf(lib, X)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: log.append(("pre", go[0].clone())))
        y.retain_grad()
        y.register_hook(lambda g: (log.append(("tensor", g.clone())), g * 5)[1])
        (y * 1).sum().backward()
        return log, y.grad, x.grad

    compare(torch, run)


# ---------------------------------------------------------------------------------------------------------------------
# Exceptions


@pytest.mark.parametrize("where", ["leaf", "tensor", "prehook", "posthook", "post_accumulate"])
def test_exception_raised_in_a_hook_propagates(where: str, torch: Any) -> None:
    class HookFailure(Exception):
        pass

    def boom(*args: Any) -> None:
        raise HookFailure(where)

    for lib in (torch, bibun):
        x = leaf(lib, X)
        y = x.exp()
        if where == "leaf":
            x.register_hook(boom)
        elif where == "tensor":
            y.register_hook(boom)
        elif where == "prehook":
            y.grad_fn.register_prehook(boom)
        elif where == "posthook":
            y.grad_fn.register_hook(boom)
        else:
            x.register_post_accumulate_grad_hook(boom)
        with pytest.raises(HookFailure, match=where):
            y.sum().backward()
    # the engine is usable afterwards
    z = leaf(bibun, X)
    (z * 2).sum().backward()
    np.testing.assert_allclose(to_numpy(z.grad), 2.0)


def test_hook_returning_wrong_type_raises_type_error(torch: Any) -> None:
    for lib in (torch, bibun):
        x = leaf(lib, X)
        y = x.exp()
        y.register_hook(lambda g: "not a tensor")
        with pytest.raises((TypeError, RuntimeError)):
            y.sum().backward()


# ---------------------------------------------------------------------------------------------------------------------
# Graph introspection


def test_accumulate_grad_node_type_and_name(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        node = x.exp().grad_fn.next_functions[0][0]
        return type(node).__name__, node.name(), repr(node).split(" object at ")[0]

    compare(torch, run)


def test_grad_fn_metadata_is_a_dict(torch: Any) -> None:
    def run(lib: Any) -> Any:
        y = leaf(lib, X).exp()
        y.grad_fn.metadata["tag"] = 7
        return dict(y.grad_fn.metadata)

    compare(torch, run)


def test_python_control_flow_builds_a_fresh_graph(torch: Any) -> None:
    def run(lib: Any) -> Any:
        out = []
        for n in (1, 2, 3):
            x = leaf(lib, X)
            y = x
            for i in range(n):
                y = y.sin() if i % 2 == 0 else y.exp()
            y.sum().backward()
            out.append((y.grad_fn.name(), x.grad))
        return out

    compare(torch, run)


# ---------------------------------------------------------------------------------------------------------------------
# Higher-order gradients


def mlp_params(lib: Any) -> tuple:
    r = rng_for("mlp")
    return (leaf(lib, r.randn(3, 5) * 0.5), leaf(lib, r.randn(5) * 0.1), leaf(lib, r.randn(5, 2) * 0.5))


def mlp_loss(lib: Any, params: tuple, x: Any) -> Any:
    w1, b1, w2 = params
    return ((x @ w1 + b1).tanh() @ w2).sigmoid().pow(2).mean()


def test_hessian_vector_product_of_a_small_mlp(torch: Any) -> None:
    def run(lib: Any) -> Any:
        params = mlp_params(lib)
        x = leaf(lib, rng_for("mlp-x").randn(4, 3), False)
        vs = [leaf(lib, rng_for("v", i).randn(*p.shape), False) for i, p in enumerate(params)]
        loss = mlp_loss(lib, params, x)
        grads = lib.autograd.grad(loss, params, create_graph=True)
        assert all(g.requires_grad for g in grads)
        dot = sum((g * v).sum() for g, v in zip(grads, vs))
        hv = lib.autograd.grad(dot, params)
        return loss, grads, hv

    compare(torch, run)


def test_wgan_gp_gradient_penalty(torch: Any) -> None:
    def run(lib: Any) -> Any:
        r = rng_for("wgan")
        w1 = leaf(lib, r.randn(3, 6) * 0.5)
        b1 = leaf(lib, r.randn(6) * 0.1)
        w2 = leaf(lib, r.randn(6, 1) * 0.5)
        real = leaf(lib, r.randn(5, 3), False)
        fake = leaf(lib, r.randn(5, 3), False)
        alpha = leaf(lib, r.rand(5, 1), False)

        def critic(t):
            return (t @ w1 + b1).tanh() @ w2

        interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        score = critic(interp)
        (g,) = lib.autograd.grad(score, interp, grad_outputs=lib.ones_like(score), create_graph=True,
                                 retain_graph=True)
        penalty = ((g.pow(2).sum(dim=1) + 1e-12).sqrt() - 1).pow(2).mean()
        loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
        loss.backward()
        return penalty, g, w1.grad, b1.grad, w2.grad, interp.grad

    got = compare(torch, run)
    assert got[-1] is not None


@pytest.mark.parametrize("name", ["exp", "sin", "tanh", "sigmoid", "pow3", "log", "sqrt_mul"])
def test_second_and_third_derivatives_of_elementwise_functions(name: str, torch: Any) -> None:
    fns = {
        "exp": lambda t: t.exp(),
        "sin": lambda t: t.sin(),
        "tanh": lambda t: t.tanh(),
        "sigmoid": lambda t: t.sigmoid(),
        "pow3": lambda t: t.pow(3),
        "log": lambda t: (t * t + 1).log(),
        "sqrt_mul": lambda t: (t * t + 2).sqrt() * t,
    }

    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = fns[name](x).sum()
        (d1,) = lib.autograd.grad(y, x, create_graph=True)
        (d2,) = lib.autograd.grad(d1.sum(), x, create_graph=True)
        (d3,) = lib.autograd.grad(d2.sum(), x)
        return d1, d2, d3

    compare(torch, run)


def test_third_derivative_matches_closed_form() -> None:
    x = leaf(bibun, X)
    (d1,) = bibun.autograd.grad(x.sin().sum(), x, create_graph=True)
    (d2,) = bibun.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = bibun.autograd.grad(d2.sum(), x)
    np.testing.assert_allclose(to_numpy(d1), np.cos(X), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(d2), -np.sin(X), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(d3), -np.cos(X), rtol=1e-12)


def test_hooks_fire_during_create_graph_backward(torch: Any) -> None:
    def run(lib: Any) -> Any:
        x = leaf(lib, X)
        y = x.exp()
        log = []
        y.register_hook(lambda g: log.append(g.requires_grad))
        (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return log, g, gg

    compare(torch, run)


def test_hooks_are_freed_with_their_graph() -> None:
    import weakref

    class Marker:
        def __call__(self, g: Any) -> Any:
            return g

    marker = Marker()
    ref = weakref.ref(marker)
    x = leaf(bibun, X)
    y = x.exp()
    y.register_hook(marker)
    del marker
    assert ref() is not None, "the hook is kept alive by the graph"
    del y
    gc.collect()
    assert ref() is None, "the hook died with the graph"
