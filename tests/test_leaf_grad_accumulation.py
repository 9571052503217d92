"""How a leaf's .grad is made, as PyTorch's AccumulateGrad makes it: the first gradient is stolen when
nothing else holds it and it is laid out like the leaf, else copied into the leaf's layout (``copy_`` into new
memory: ``CopyBackwards`` under ``create_graph``; ``CloneBackward0`` for a leaf that is not dense); later
gradients are added (``AddBackward0`` under ``create_graph``). Note [Gradient layout] in
csrc/autograd/accumulate_grad.cpp.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import bibun
import pytest


def graph_of(t: Any) -> Any:
    """The name of ``t``'s grad_fn and the names of its next functions (None for no edge)."""
    fn = t.grad_fn
    if fn is None:
        return None
    return fn.name(), [None if f is None else f.name() for f, _ in fn.next_functions]


def run(lib: Any, steps: Callable[[Any], Any]) -> list[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's create_graph cycle warning
        return steps(lib)


def twice_with_create_graph(lib: Any) -> list[Any]:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    for _ in range(2):
        (x**3).sum().backward(create_graph=True)
        seen.append((x.grad.tolist(), graph_of(x.grad)))
    return seen


def constant_then_recorded(lib: Any) -> list[Any]:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.sum().backward(create_graph=True)  # a gradient that does not require grad: no graph
    seen.append((x.grad.tolist(), graph_of(x.grad)))
    (x * x).sum().backward(create_graph=True)
    seen.append((x.grad.tolist(), graph_of(x.grad)))
    return seen


def plain_then_create_graph(lib: Any) -> list[Any]:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    seen = [(x.grad.tolist(), graph_of(x.grad))]
    (x * x).sum().backward(create_graph=True)
    seen.append((x.grad.tolist(), graph_of(x.grad)))
    return seen


def explicit_gradients(lib: Any) -> list[Any]:
    seen = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    v = lib.tensor([3.0, 4.0], requires_grad=True)
    x.backward(v, create_graph=True)  # a leaf as the gradient: copied, its AccumulateGrad is the edge
    seen.append((x.grad.tolist(), graph_of(x.grad), x.grad is v))
    x2 = lib.tensor([1.0, 2.0], requires_grad=True)
    x2.backward(v * 2, create_graph=True)
    seen.append((x2.grad.tolist(), graph_of(x2.grad)))
    x3 = lib.tensor([1.0, 2.0], requires_grad=True)
    x3.backward(lib.tensor([5.0, 6.0]), create_graph=True)  # does not require grad: no graph
    seen.append((x3.grad.tolist(), graph_of(x3.grad)))
    return seen


def non_dense_leaf(lib: Any) -> list[Any]:
    z = lib.zeros(1).expand(3).requires_grad_()  # stride 0: cloned contiguous
    (z * lib.tensor([1.0, 2.0, 3.0])).sum().backward(create_graph=True)
    first = (z.grad.tolist(), z.grad.stride(), graph_of(z.grad))
    w = lib.zeros(1).expand(3).requires_grad_()
    (w * lib.tensor([1.0, 2.0, 3.0], requires_grad=True)).sum().backward(create_graph=True)
    return [first, (w.grad.tolist(), w.grad.stride(), graph_of(w.grad))]


def unusual_leaf_layouts(lib: Any) -> list[Any]:
    def leaves():
        yield lib.ones(0, 3).requires_grad_()  # empty
        yield lib.tensor(2.0, requires_grad=True)  # 0-d
        yield lib.ones(3, 1).t().detach().requires_grad_()  # a size-1 dim with any stride
        yield lib.ones(2, 3, 4).permute(2, 0, 1).detach().requires_grad_()  # dense, permuted
        yield lib.ones(4, 6)[:, ::2].detach().requires_grad_()  # not dense: contiguous clone

    seen = []
    for create_graph in (False, True):
        for x in leaves():
            (x * x * 3).sum().backward(create_graph=create_graph)
            seen.append((x.grad.stride(), x.grad.tolist(), graph_of(x.grad)))
    return seen


def non_leaf_inputs(lib: Any) -> list[Any]:
    # backward(inputs=[non_leaf]) fills .grad as retain_grad does: a clone, then out-of-place sums.
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    seen = []
    for create_graph in (True, True, False):
        (y**2).sum().backward(inputs=[y], create_graph=create_graph)
        seen.append((y.grad.tolist(), graph_of(y.grad)))
    return seen


@pytest.mark.parametrize(
    "steps",
    [
        twice_with_create_graph,
        constant_then_recorded,
        plain_then_create_graph,
        explicit_gradients,
        non_dense_leaf,
        unusual_leaf_layouts,
        non_leaf_inputs,
    ],
)
def test_grad_graph_matches_pytorch(torch: Any, steps: Callable[[Any], Any]) -> None:
    assert run(bibun, steps) == run(torch, steps)


def test_first_create_graph_grad_is_a_copy_recorded_as_copy_backwards() -> None:
    x = bibun.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    assert graph_of(x.grad) == ("torch::autograd::CopyBackwards", [None, "MulBackward0"])
    assert repr(x.grad) == "tensor([ 3., 12.], grad_fn=<CopyBackwards>)"
    g = x.grad
    x.grad = None
    g.sum().backward()  # the second derivative flows through CopyBackwards
    assert x.grad.tolist() == [6.0, 12.0]


def layouts(lib: Any) -> list[Any]:
    out = []
    for create_graph in (False, True):
        x = lib.ones(3, 2).t().detach().requires_grad_()  # a dense, transposed leaf
        (x * x).sum().backward(create_graph=create_graph)
        out.append((x.grad.stride(), x.grad.tolist()))
        x.grad = None
        x.backward(lib.ones(2, 3))  # a contiguous gradient that the caller holds: copied
        out.append((x.grad.stride(), x.grad.tolist()))
        x.grad = None
        x.backward(lib.ones(3, 2).t() * 3)  # a temporary in the leaf's layout: stolen
        out.append((x.grad.stride(), x.grad.tolist()))
    y = lib.ones(2, 1, 3).requires_grad_()
    (y * 2).sum().backward()
    out.append((y.grad.stride(), y.grad.shape))
    return out


def test_grad_is_laid_out_like_a_dense_leaf(torch: Any) -> None:
    assert run(bibun, layouts) == run(torch, layouts)


def stolen_or_copied(lib: Any) -> list[bool]:
    x = lib.ones(2, requires_grad=True)
    g = lib.full((2,), 3.0)
    x.backward(g)  # the caller holds g: copied
    copied = x.grad.data_ptr() != g.data_ptr()
    y = lib.ones(2, requires_grad=True)
    y.backward(lib.full((2,), 3.0))  # nobody else holds it: PyTorch steals it
    return [copied, y.grad.tolist() == [3.0, 3.0]]


def test_a_held_gradient_is_copied_not_stolen(torch: Any) -> None:
    assert run(bibun, stolen_or_copied) == run(torch, stolen_or_copied) == [True, True]
