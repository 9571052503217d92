"""Cyclic gc through C++: reference cycles that run through a tensor's C++ side (hooks, a custom Function's
ctx, a grad_fn's hooks and metadata) are collected by ``gc.collect()`` as PyTorch's are, and what is still
reachable keeps working after a collection (Note [Tensor gc traversal] in csrc/python/gc_traverse.cpp).

Each scenario is ``build(lib) -> (objects, weakrefs)`` and makes a real cycle: dropping ``objects`` with
the gc disabled leaves every weakref alive; ``gc.collect()`` then frees them all.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from typing import Any

import bibun
import numpy as np
import pytest

# The scenario harness is test_memory.py's (same directory, importable as pytest puts it on sys.path).
from test_memory import Scenario, alive_after_drop, probed  # noqa: E402


def holding(obj: Any) -> Callable[..., None]:
    """A hook that does nothing but refers to ``obj``."""

    def hook(*args: Any) -> None:
        assert obj is not None

    return hook


def ctx_keeping_its_input_and_output(lib: Any):
    class Keep(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * 2
            ctx.save_for_backward(a, out)
            ctx.inp, ctx.out = a, out  # out -> grad_fn (ctx) -> out
            return out

        @staticmethod
        def backward(ctx, g):
            _a, _out = ctx.saved_tensors
            return g * 2

    x, rx = probed(lib, requires_grad=True)
    y = Keep.apply(x)
    return [x, y], [rx, weakref.ref(y.grad_fn)]


def hook_on_a_non_leaf_closing_over_it(lib: Any):
    x, rx = probed(lib, requires_grad=True)
    h, rh = probed(lib)
    y = x * h  # MulBackward0 saves h
    y.register_hook(lambda g: g * y.detach())
    return [x, y, h], [rx, rh]


def leaf_hook_whose_handle_is_in_the_cycle(lib: Any):
    x, rx = probed(lib, requires_grad=True)
    box: dict = {"x": x}
    box["handle"] = x.register_hook(lambda g: g * box["x"].detach())
    return [x, box], [rx]


def post_accumulate_grad_hook_closing_over_its_leaf(lib: Any):
    x, rx = probed(lib, requires_grad=True)
    x.register_post_accumulate_grad_hook(holding(x))
    (x * 2).sum().backward()
    return [x], [rx]


def retained_grad_and_a_hook_closing_over_the_tensor(lib: Any):
    x, rx = probed(lib, requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g + 0 * y.detach())
    y.sum().backward()
    return [x, y], [rx]


def node_hooks_closing_over_the_output(lib: Any):
    x, rx = probed(lib, requires_grad=True)
    y = x.exp()
    y.grad_fn.register_hook(holding(y))
    y.grad_fn.register_prehook(holding(y))
    return [x, y], [rx]


def parameter_whose_hook_closes_over_itself(lib: Any):
    p = lib.nn.Parameter(lib.ones(3))
    p.tag = "a Parameter has a __dict__"
    p.register_hook(lambda g: g * p.detach())
    return [p], [weakref.ref(p)]


def module_with_hooked_weight_and_cached_output(lib: Any):
    class Keep(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * 2
            ctx.out = out
            return out

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = lib.nn.Linear(3, 2)
            self.calls = 0
            self.handle = self.lin.weight.register_hook(self._count)  # a bound method: weight -> module
            self.register_buffer("scale", lib.ones(2))
            self.cached = Keep.apply(self.lin.bias)  # a tensor attribute in a ctx cycle

        def _count(self, g):
            self.calls += 1

        def forward(self, x):
            return self.lin(x) * self.scale

    net = Net()
    net(lib.ones(4, 3)).sum().backward()
    assert net.calls == 1
    return [net], [weakref.ref(net), weakref.ref(net.lin.weight), weakref.ref(net.cached)]


COLLECTED_BY_PYTORCH_TOO = [
    ctx_keeping_its_input_and_output,
    leaf_hook_whose_handle_is_in_the_cycle,
    parameter_whose_hook_closes_over_itself,
    module_with_hooked_weight_and_cached_output,
]
# PyTorch 2.13 leaks these: a hook closing over a non-leaf keeps it alive through its grad_fn, and a
# post-accumulate hook its leaf. bibun's tensor solely owns these hooks (and its grad_fn), so its
# traversal reports them and the gc frees them.
LEAKED_BY_PYTORCH = [
    post_accumulate_grad_hook_closing_over_its_leaf,
    hook_on_a_non_leaf_closing_over_it,
    retained_grad_and_a_hook_closing_over_the_tensor,
    node_hooks_closing_over_the_output,
]


@pytest.mark.parametrize("build", COLLECTED_BY_PYTORCH_TOO + LEAKED_BY_PYTORCH)
def test_cycle_through_cpp_is_collected_by_gc(build: Scenario) -> None:
    assert alive_after_drop(bibun, build, False) == [True] * len(build(bibun)[1])  # a real cycle
    assert not any(alive_after_drop(bibun, build, True))


@pytest.mark.parametrize("build", COLLECTED_BY_PYTORCH_TOO)
def test_pytorch_collects_the_same_cycles(torch: Any, build: Scenario) -> None:
    assert not any(alive_after_drop(torch, build, True))


@pytest.mark.parametrize("build", LEAKED_BY_PYTORCH)
def test_pytorch_leaks_the_hook_cycles_bibun_collects(torch: Any, build: Scenario) -> None:
    assert all(alive_after_drop(torch, build, True))


def test_grad_fn_metadata_holding_its_tensor_is_collected() -> None:
    # PyTorch leaks this one (its traversal does not visit the metadata dict); bibun's node owns the dict.
    def build(lib: Any):
        x, rx = probed(lib, requires_grad=True)
        y = x * 2
        y.grad_fn.metadata["y"] = y
        return [x, y], [rx]

    assert alive_after_drop(bibun, build, False) == [True]
    assert alive_after_drop(bibun, build, True) == [False]


def test_grad_fn_wrapper_in_a_cycle_with_its_own_metadata_is_collected() -> None:
    def build(lib: Any):
        x = lib.ones(3, requires_grad=True)
        h, rh = probed(lib)
        node = (x * h).grad_fn  # the wrapper is the node's only owner; the node saves h
        node.metadata["self"] = node
        return [x, node], [rh]

    assert alive_after_drop(bibun, build, False) == [True]
    assert alive_after_drop(bibun, build, True) == [False]


# Nothing that is still reachable is collected: after gc.collect() the objects of a cycle that the program
# still refers to work as before.


@pytest.mark.parametrize("lib_name", ["torch", "bibun"])
def test_a_live_ctx_cycle_survives_gc_and_backward_uses_it(torch: Any, lib_name: str) -> None:
    lib = torch if lib_name == "torch" else bibun

    class Keep(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * 2
            ctx.out = out
            return out

        @staticmethod
        def backward(ctx, g):
            return g * 2 + 0 * ctx.out

    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = Keep.apply(x)
    z = (y * y).sum()
    del y  # reachable only through z's graph and the ctx cycle
    gc.collect()
    z.backward()
    assert x.grad.tolist() == [8.0, 16.0]  # d/dx (2x)^2
    assert z.grad_fn.next_functions[0][0].next_functions[0][0].out.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("lib_name", ["torch", "bibun"])
def test_a_leaf_whose_graph_is_alive_keeps_its_hook_through_gc(torch: Any, lib_name: str) -> None:
    lib = torch if lib_name == "torch" else bibun
    seen: list = []
    box = [lib.tensor([1.0, 2.0], requires_grad=True)]
    box[0].register_hook(lambda g: seen.append(box[0]) or g * 10)
    box[0].register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    out = (box[0] * 3).sum()  # the cycle leaf -> hook -> box -> leaf is also held by out's AccumulateGrad
    gc.collect()
    out.backward()
    assert seen[0].grad.tolist() == [30.0, 30.0]
    assert seen[1] == [30.0, 30.0]


@pytest.mark.parametrize("lib_name", ["torch", "bibun"])
def test_non_leaf_and_node_hooks_of_a_live_graph_survive_gc(torch: Any, lib_name: str) -> None:
    lib = torch if lib_name == "torch" else bibun
    calls: list = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    box = [x * 2]
    box[0].register_hook(lambda g: calls.append(("tensor", box[0].shape)) or g)
    box[0].retain_grad()
    node = box[0].grad_fn
    node.register_prehook(lambda go: calls.append("pre"))
    node.register_hook(lambda gi, go: calls.append("post"))
    node.metadata["y"] = box[0]
    z = box[0].exp().sum()
    keep = box[0]
    del node
    gc.collect()
    z.backward()
    assert calls == [("tensor", (2,)), "pre", "post"]
    assert keep.grad.tolist() == pytest.approx([float(np.exp(2.0)), float(np.exp(4.0))])
    assert keep.grad_fn.metadata["y"] is keep


@pytest.mark.parametrize("lib_name", ["torch", "bibun"])
def test_a_leaf_held_by_a_live_view_keeps_its_hook_through_gc(torch: Any, lib_name: str) -> None:
    lib = torch if lib_name == "torch" else bibun
    calls: list = []

    def make_view() -> Any:
        box = [lib.tensor([1.0, 2.0, 3.0], requires_grad=True)]
        box[0].register_hook(lambda g: calls.append(box[0].shape) or g * 2)  # leaf -> hook -> box -> leaf
        return box[0][
            1:
        ]  # the view's graph holds the leaf's C++ side; its Python object is only in the cycle

    view = make_view()
    gc.collect()
    view.sum().backward()
    assert calls == [(3,)]
    assert view.grad_fn.next_functions[0][0].variable.grad.tolist() == [0.0, 2.0, 2.0]


def test_gc_during_backward_frees_nothing_in_use() -> None:
    class Keep(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * 2
            ctx.out = out
            return out

        @staticmethod
        def backward(ctx, g):
            gc.collect()
            return g * 2 + 0 * ctx.out

    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: (gc.collect(), g)[1])
    box = [Keep.apply(x).exp()]
    box[0].register_hook(lambda g: (gc.collect(), g * box[0].detach() / box[0].detach())[1])
    loss = box[0].sum()
    loss.backward()
    assert x.grad.tolist() == pytest.approx([2 * float(np.exp(2.0)), 2 * float(np.exp(4.0))])


@pytest.mark.parametrize("lib_name", ["torch", "bibun"])
def test_a_post_accumulate_grad_hook_returning_a_value_raises(torch: Any, lib_name: str) -> None:
    lib = torch if lib_name == "torch" else bibun
    x = lib.ones(2, requires_grad=True)
    x.register_post_accumulate_grad_hook(lambda p: p.grad)
    with pytest.raises(RuntimeError, match=r"^Tensor post accumulate grad hooks should return None\.$"):
        (x * 2).sum().backward()


def test_a_removed_handle_releases_the_hook_and_does_not_keep_the_leaf() -> None:
    calls: list = []
    x, rx = probed(bibun, requires_grad=True)
    handle = x.register_hook(lambda g: calls.append(1))
    (x * 2).sum().backward()
    handle.remove()
    (x * 2).sum().backward()
    assert calls == [1]
    assert x.grad.tolist() == [4.0, 4.0, 4.0]
    gc.disable()
    try:
        del x
        assert rx() is None  # the handle holds its hook weakly, not the leaf
    finally:
        gc.enable()
    handle.remove()  # harmless after the leaf died


def test_hooks_registered_after_removals_run_in_order() -> None:
    calls: list = []
    x = bibun.tensor([1.0], requires_grad=True)
    handles = [x.register_hook(lambda g, i=i: calls.append(i)) for i in range(3)]
    handles[1].remove()
    x.register_hook(lambda g: calls.append(3))
    with handles[0]:
        pass  # the context manager removes it on exit
    x.backward()
    assert calls == [2, 3]


def test_tensors_and_nodes_are_tracked_by_the_gc() -> None:
    t = bibun.ones(2, requires_grad=True)
    assert gc.is_tracked(t)
    assert gc.is_tracked(bibun.nn.Parameter(bibun.ones(2)))
    assert gc.is_tracked((t * 2).grad_fn)


def test_gc_during_the_first_instance_of_a_new_subclass_does_not_crash() -> None:
    """The first instance of a Python subclass is tracked before pybind11 lays it out, and laying it
    out creates a weakref that can start a collection; the traversal must skip the unfinished object
    (this segfaulted). A threshold of 1 makes every allocation collect."""
    old = gc.get_threshold()
    gc.set_threshold(1)
    try:
        for _ in range(20):

            class Sub(bibun.Tensor):
                pass

            s = Sub(bibun.ones(2))
            assert type(s) is Sub and s.sum().item() == 2.0
    finally:
        gc.set_threshold(*old)
