"""Memory: graphs, saved tensors, hooks and custom Functions are freed when their tensors die, by
reference counting alone where PyTorch manages it (no cycle left for the gc), and absurd allocations
raise PyTorch's RuntimeError instead of aborting.

Each scenario is ``build(lib) -> (objects, weakrefs)``: the test drops ``objects`` and checks which
weakrefs died, with the cyclic gc disabled (``gc=False``) or after ``gc.collect()`` (``gc=True``).
"""

from __future__ import annotations

import gc
import re
import subprocess
import sys
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import bibun
import numpy as np
import pytest

Scenario = Callable[[Any], tuple[list[Any], list[weakref.ref]]]


def alive_after_drop(lib: Any, build: Scenario, use_gc: bool) -> list[bool]:
    gc.collect()
    gc.disable()
    try:
        objects, refs = build(lib)
        del objects
        if use_gc:
            gc.collect()
        return [r() is not None for r in refs]
    finally:
        gc.enable()


def probed(lib: Any, requires_grad: bool = False, n: int = 3) -> tuple[Any, weakref.ref]:
    """A tensor over numpy memory (``from_numpy`` borrows it) and a weakref to that memory: the array
    dies only when the last C++ tensor over it dies, so the weakref tracks the C++ side, which a
    weakref to the Python tensor object would not."""
    arr = np.ones(n, dtype=np.float32)
    t = lib.from_numpy(arr)
    if requires_grad:
        t.requires_grad_()
    return t, weakref.ref(arr)


def saved_outputs(lib: Any):
    x, rx = probed(lib, requires_grad=True)
    y = x.exp()  # ExpBackward0 saves its output
    z = y.sigmoid()  # SigmoidBackward0 too
    return [x, y, z], [rx]


def hook_holding_another_tensor(lib: Any):
    x, rx = probed(lib, requires_grad=True)
    big, rbig = probed(lib, n=1000)
    y = x * 2
    y.register_hook(lambda g: g * big[:3])
    out = y.sum()
    return [x, y, out, big], [rx, rbig]


def custom_function_saving_input_and_output(lib: Any):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * 2
            ctx.extra = a.detach() + 1
            ctx.save_for_backward(a, out)
            return out

        @staticmethod
        def backward(ctx, g):
            _a, _out = ctx.saved_tensors
            return g * 2

    x, rx = probed(lib, requires_grad=True)
    y = Double.apply(x)
    return [x, y], [rx]


def custom_function_marking_its_output(lib: Any):
    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            a.mul_(2)
            ctx.mark_dirty(a)
            other = b * 3
            ctx.mark_non_differentiable(other)
            return a, other

        @staticmethod
        def backward(ctx, g, g_other):
            return g * 2, None

    x, rx = probed(lib, requires_grad=True)
    a = x * 1
    out, other = Twice.apply(a, lib.ones(3))
    return [x, a, out, other], [rx]


def custom_function_storing_output_on_ctx(lib: Any):
    class Keep(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * 2
            ctx.out = out  # a cycle: out -> grad_fn (ctx) -> out
            return out

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x, rx = probed(lib, requires_grad=True)
    y = Keep.apply(x)
    return [x, y], [rx]


def leaf_hook_closing_over_the_leaf(lib: Any):
    x, rx = probed(lib, requires_grad=True)
    x.register_hook(lambda g: g * x.detach())  # a cycle: x -> hook -> x
    return [x], [rx]


def create_graph_backward(lib: Any):
    x, rx = probed(lib, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns of the cycle it creates here
        (x**3).sum().backward(create_graph=True)
    grad_graph = x.grad.grad_fn
    return [x, grad_graph], [rx]


def retained_graph_dropped(lib: Any):
    w = lib.ones(3, requires_grad=True)
    h, rh = probed(lib)
    out = (w * h).sum()  # MulBackward0 saves h for w's gradient
    out.backward(retain_graph=True)
    del h
    assert rh() is not None  # still saved by the graph that `out` keeps alive
    return [out], [rh]


@pytest.mark.parametrize(
    "build",
    [
        saved_outputs,
        hook_holding_another_tensor,
        custom_function_saving_input_and_output,
        custom_function_marking_its_output,
        retained_graph_dropped,
    ],
)
@pytest.mark.parametrize("use_gc", [False, True], ids=["refcount", "gc"])
def test_freed_by_reference_counting_alone(build: Scenario, use_gc: bool) -> None:
    alive = alive_after_drop(bibun, build, use_gc)
    assert alive and not any(alive)


@pytest.mark.parametrize(
    "build",
    [
        saved_outputs,
        hook_holding_another_tensor,
        custom_function_saving_input_and_output,
        retained_graph_dropped,
    ],
)
def test_pytorch_frees_the_same_scenarios_without_gc(torch: Any, build: Scenario) -> None:
    # The oracle agrees that these scenarios need no cycle collection.
    assert not any(alive_after_drop(torch, build, False))


def test_create_graph_backward_makes_pytorchs_cycle_until_grad_is_reset(torch: Any) -> None:
    # backward(create_graph=True) links leaf -> .grad -> .grad's graph -> AccumulateGrad -> leaf, a cycle
    # through C++ that not even PyTorch's gc frees; PyTorch warns and asks users to reset .grad.
    assert alive_after_drop(torch, create_graph_backward, True) == [True]
    assert alive_after_drop(bibun, create_graph_backward, True) == [True]

    def reset_grad(lib: Any):
        objects, refs = create_graph_backward(lib)
        objects[0].grad = None
        return objects, refs

    assert alive_after_drop(torch, reset_grad, False) == [False]
    assert alive_after_drop(bibun, reset_grad, False) == [False]


def test_create_graph_backward_warns_once_about_the_cycle_like_pytorch(torch: Any) -> None:
    code = (
        "import warnings, {lib}\n"
        "x = {lib}.ones(2, requires_grad=True)\n"
        "counts = []\n"
        "for _ in range(2):\n"
        "    with warnings.catch_warnings(record=True) as w:\n"
        "        warnings.simplefilter('always')\n"
        "        (x * x).sum().backward(create_graph=True)\n"
        "    counts.append([str(m.message)[:60] for m in w if m.category is UserWarning])\n"
        "print(counts)\n"
    )
    outs = [
        subprocess.run(
            [sys.executable, "-c", code.format(lib=lib)], capture_output=True, text=True, check=True
        ).stdout
        for lib in ("torch", "bibun")
    ]
    assert outs[0] == outs[1]
    assert "Using backward() with create_graph=True will create a refer" in outs[1]


def test_create_graph_backward_still_gives_second_derivatives() -> None:
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    assert x.grad.tolist() == [3.0, 12.0]
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]


@pytest.mark.parametrize("lib_name", ["torch", "bibun"])
@pytest.mark.parametrize("build", [custom_function_storing_output_on_ctx, leaf_hook_closing_over_the_leaf])
def test_cycles_through_cpp_are_collected_by_gc(torch: Any, lib_name: str, build: Scenario) -> None:
    # tensor -> grad_fn -> ctx -> tensor, and leaf -> hook -> leaf: the gc sees them through
    # bibun.Tensor's tp_traverse (Note [Tensor gc traversal]), as PyTorch's gc does.
    lib = torch if lib_name == "torch" else bibun
    assert alive_after_drop(lib, build, False) == [True]  # a real cycle: reference counting alone keeps it
    assert alive_after_drop(lib, build, True) == [False]


def test_saved_intermediates_are_freed_by_backward_while_the_output_lives(torch: Any) -> None:
    for lib in (torch, bibun):
        w = lib.ones(3, requires_grad=True)
        h, rh = probed(lib)
        out = (w * h).sum()
        del h
        assert rh() is not None, lib.__name__
        out.backward()
        assert rh() is None, lib.__name__
        assert out.grad_fn is not None


def test_a_graph_and_its_leaf_die_with_the_output() -> None:
    x, rx = probed(bibun, requires_grad=True)
    out = ((x * 2).exp() * x).sum()
    del x
    assert rx() is not None  # the graph's AccumulateGrad holds the leaf
    del out
    assert rx() is None


def test_a_deep_chain_of_custom_functions_is_freed() -> None:
    class AddOne(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a + 1

        @staticmethod
        def backward(ctx, g):
            return g

    x, rx = probed(bibun, requires_grad=True, n=2)
    y = x
    for _ in range(2000):
        y = AddOne.apply(y)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    gc.disable()
    try:
        del x, y
        assert rx() is None
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.empty(2**40),  # 4 TiB of float32
        lambda lib: lib.zeros(2**40, dtype=lib.float64),
        lambda lib: lib.ones(2**20, 2**20, 2**4),
        lambda lib: lib.full((2**38,), 1.5),
        lambda lib: lib.randn(2**40),
    ],
    ids=["empty", "zeros_f64", "ones_3d", "full", "randn"],
)
def test_absurd_allocation_raises_pytorchs_allocator_error(torch: Any, make: Callable[[Any], Any]) -> None:
    pattern = r"DefaultCPUAllocator: .*memory: you tried to allocate (\d+) bytes"
    with pytest.raises(RuntimeError, match=pattern) as expected:
        make(torch)
    with pytest.raises(RuntimeError, match=pattern) as got:
        make(bibun)
    assert re.search(pattern, str(got.value))[1] == re.search(pattern, str(expected.value))[1]


@pytest.mark.parametrize("shape", [(2**32, 2**32), (2**31, 2**31, 4), (0, 2**32, 2**32), (2**62, 4)], ids=str)
def test_sizes_that_overflow_raise_runtime_error_like_pytorch(torch: Any, shape: tuple[int, ...]) -> None:
    with pytest.raises(RuntimeError, match="overflow"):
        torch.empty(shape)
    with pytest.raises(RuntimeError, match="overflow|absurd"):
        bibun.empty(shape)


def test_views_of_huge_numel_keep_working_when_the_storage_is_small() -> None:
    t = bibun.zeros(1).view(1, 1).expand(2**20, 2**20)
    assert t.shape == (2**20, 2**20)
    assert t[123, 456].item() == 0.0
    with pytest.raises(RuntimeError, match="numel: integer multiplication overflow"):
        bibun.zeros(1).expand(2**31, 2**31, 4)
