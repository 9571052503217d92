"""Graph nodes as Python objects (issue 5): grad_fn.metadata, AccumulateGrad, grad_fn.name() against PyTorch."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import bibun
from conftest import make_tensor, rng_for

R = rng_for("node-metadata")
X = R.rand(3, 4) + 0.5
Y = R.rand(3, 4) + 0.5
M = R.randn(4, 2)
VEC = R.randn(4)


def leaf(lib: Any, values: Any = X) -> Any:
    return make_tensor(lib, values, "float64", True)


# ---------------------------------------------------------------------------------------------------------------------
# metadata


def test_metadata_is_an_empty_dict_on_a_fresh_node(torch: Any) -> None:
    for lib in (torch, bibun):
        y = leaf(lib) * 2
        assert type(y.grad_fn.metadata) is dict, lib.__name__
        assert y.grad_fn.metadata == {}, lib.__name__


def test_metadata_persists_across_accesses_through_the_tensor(torch: Any) -> None:
    for lib in (torch, bibun):
        y = leaf(lib) * 2
        y.grad_fn.metadata["tag"] = "scaled"
        y.grad_fn.metadata["count"] = 7
        assert y.grad_fn.metadata == {"tag": "scaled", "count": 7}, lib.__name__
        assert y.grad_fn.metadata is y.grad_fn.metadata, lib.__name__


def test_metadata_is_reachable_through_next_functions(torch: Any) -> None:
    for lib in (torch, bibun):
        x = leaf(lib)
        y = lib.exp(x)
        y.grad_fn.metadata["stage"] = 1
        z = (y * 3).sum()
        exp_node = z.grad_fn.next_functions[0][0].next_functions[0][0]
        assert exp_node.name() == "ExpBackward0", lib.__name__
        assert exp_node.metadata == {"stage": 1}, lib.__name__
        exp_node.metadata["seen_from_downstream"] = True
        assert y.grad_fn.metadata == {"stage": 1, "seen_from_downstream": True}, lib.__name__


def test_metadata_survives_after_the_python_node_object_is_dropped(torch: Any) -> None:
    import gc

    for lib in (torch, bibun):
        y = leaf(lib) + 1
        node = y.grad_fn
        node.metadata["kept"] = [1, 2]
        del node
        gc.collect()
        assert y.grad_fn.metadata == {"kept": [1, 2]}, lib.__name__


def test_metadata_is_per_node(torch: Any) -> None:
    for lib in (torch, bibun):
        x = leaf(lib)
        a, b = x * 2, x * 2
        a.grad_fn.metadata["which"] = "a"
        assert b.grad_fn.metadata == {}, lib.__name__


def test_grad_fn_is_the_same_python_object_on_each_access(torch: Any) -> None:
    results = {}
    for lib in (torch, bibun):
        y = leaf(lib) * 2
        z = y.sum()
        results[lib.__name__] = (y.grad_fn is y.grad_fn, z.grad_fn.next_functions[0][0] is y.grad_fn)
    assert results["bibun"] == results["torch"]


def test_metadata_on_accumulate_grad_node_persists(torch: Any) -> None:
    for lib in (torch, bibun):
        x = leaf(lib)
        y = x * 2
        acc = y.grad_fn.next_functions[0][0]
        acc.metadata["leaf"] = "x"
        z = x + 1  # the same leaf while its accumulator is alive
        assert z.grad_fn.next_functions[0][0].metadata == {"leaf": "x"}, lib.__name__


def test_metadata_on_custom_function_node(torch: Any) -> None:
    for lib in (torch, bibun):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, a: Any) -> Any:
                return a * 2

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return g * 2

        y = Double.apply(leaf(lib))
        y.grad_fn.metadata["custom"] = True
        assert y.grad_fn.metadata == {"custom": True}, lib.__name__
        assert (y.sum()).grad_fn.next_functions[0][0].metadata == {"custom": True}, lib.__name__


# ---------------------------------------------------------------------------------------------------------------------
# AccumulateGrad


def test_leaf_edge_node_is_accumulate_grad_whose_variable_is_the_leaf(torch: Any) -> None:
    for lib in (torch, bibun):
        x = leaf(lib)
        y = x * 3
        node, nr = y.grad_fn.next_functions[0]
        assert type(node).__name__ == "AccumulateGrad", f"{lib.__name__}: {type(node).__name__}"
        assert node.variable is x, lib.__name__
        assert nr == 0, lib.__name__
        assert node.name() == "torch::autograd::AccumulateGrad", f"{lib.__name__}: {node.name()}"


def test_accumulate_grad_is_shared_by_every_use_of_a_leaf(torch: Any) -> None:
    results = {}
    for lib in (torch, bibun):
        x = leaf(lib)
        y = x * x
        a, b = y.grad_fn.next_functions
        results[lib.__name__] = (a[0] is b[0], a[1], b[1], (x + 1).grad_fn.next_functions[0][0] is a[0])
    assert results["torch"] == (True, 0, 0, True)
    assert results["bibun"] == results["torch"]


def test_accumulate_grad_has_no_next_functions(torch: Any) -> None:
    for lib in (torch, bibun):
        node = (leaf(lib) * 2).grad_fn.next_functions[0][0]
        assert node.next_functions == (), lib.__name__


def test_non_grad_input_edge_is_none(torch: Any) -> None:
    results = {}
    for lib in (torch, bibun):
        x = leaf(lib)
        c = make_tensor(lib, Y, "float64", False)
        y = x * c
        results[lib.__name__] = [(type(n).__name__ if n is not None else None, i) for n, i in y.grad_fn.next_functions]
    assert results["torch"] == [("AccumulateGrad", 0), (None, 0)]
    assert results["bibun"] == results["torch"]


def test_variable_is_not_an_attribute_of_ordinary_nodes(torch: Any) -> None:
    for lib in (torch, bibun):
        y = leaf(lib) * 2
        with pytest.raises(AttributeError):
            y.grad_fn.variable


# ---------------------------------------------------------------------------------------------------------------------
# name()

NAMED_OPS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add": lambda L, x, y: x + y,
    "add_scalar": lambda L, x, y: x + 1,
    "sub": lambda L, x, y: x - y,
    "rsub": lambda L, x, y: 1 - x,
    "mul": lambda L, x, y: x * y,
    "div": lambda L, x, y: x / y,
    "rdiv": lambda L, x, y: 1 / x,
    "neg": lambda L, x, y: -x,
    "pow_scalar": lambda L, x, y: x**2,
    "pow_tensor": lambda L, x, y: x**y,
    "rpow": lambda L, x, y: 2**x,
    "exp": lambda L, x, y: L.exp(x),
    "log": lambda L, x, y: L.log(x),
    "sqrt": lambda L, x, y: L.sqrt(x),
    "sigmoid": lambda L, x, y: L.sigmoid(x),
    "tanh": lambda L, x, y: L.tanh(x),
    "relu": lambda L, x, y: L.relu(x),
    "abs": lambda L, x, y: L.abs(x),
    "sin": lambda L, x, y: L.sin(x),
    "sum": lambda L, x, y: x.sum(),
    "sum_dim": lambda L, x, y: x.sum(1),
    "mean": lambda L, x, y: x.mean(),
    "mean_dim": lambda L, x, y: x.mean(0),
    "matmul_mm": lambda L, x, y: x @ make_tensor(L, M, "float64"),
    "matmul_mv": lambda L, x, y: x @ make_tensor(L, VEC, "float64"),
    "matmul_dot": lambda L, x, y: x[0] @ make_tensor(L, VEC, "float64"),
    "mm": lambda L, x, y: L.mm(x, make_tensor(L, M, "float64")),
    "t": lambda L, x, y: x.t(),
    "transpose": lambda L, x, y: x.transpose(0, 1),
    "permute": lambda L, x, y: x.permute(1, 0),
    "view": lambda L, x, y: x.view(12),
    "reshape": lambda L, x, y: x.reshape(2, 6),
    "flatten": lambda L, x, y: x.flatten(),
    "unsqueeze": lambda L, x, y: x.unsqueeze(0),
    "squeeze": lambda L, x, y: x.unsqueeze(0).squeeze(0),
    "expand": lambda L, x, y: x[:1].expand(3, 4),
    "select": lambda L, x, y: x[0],
    "slice": lambda L, x, y: x[1:],
    "clone": lambda L, x, y: x.clone(),
    "clamp": lambda L, x, y: L.clamp(x, 0.6, 1.0),
    "where": lambda L, x, y: L.where(x > 1, x, y),
    "norm": lambda L, x, y: x.norm(),
}


@pytest.mark.parametrize("op", list(NAMED_OPS))
def test_grad_fn_name_matches_torch(torch: Any, op: str) -> None:
    want = NAMED_OPS[op](torch, leaf(torch, X), leaf(torch, Y)).grad_fn.name()
    got = NAMED_OPS[op](bibun, leaf(bibun, X), leaf(bibun, Y)).grad_fn.name()
    assert got == want


def test_custom_function_node_name_matches_torch(torch: Any) -> None:
    names = {}
    for lib in (torch, bibun):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, a: Any) -> Any:
                return a * a * a

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return g

        names[lib.__name__] = Cube.apply(leaf(lib)).grad_fn.name()
    assert names["torch"] == "CubeBackward"
    assert names["bibun"] == names["torch"]


def test_names_along_next_functions_of_an_mlp_match_torch(torch: Any) -> None:
    def walk(lib: Any) -> list[str]:
        x = leaf(lib, X)
        w = leaf(lib, M)
        out = lib.sigmoid(x @ w + 1).mean()
        names, stack, seen, keep = [], [out.grad_fn], set(), []
        while stack:
            n = stack.pop()
            if n is None or id(n) in seen:
                continue
            seen.add(id(n))
            keep.append(n)  # keeps ids unique while walking
            names.append(n.name())
            stack.extend(fn for fn, _ in n.next_functions)
        return names

    assert walk(bibun) == walk(torch)
    assert np.all([isinstance(n, str) for n in walk(bibun)])
