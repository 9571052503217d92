"""Second derivatives of piecewise-linear activations, pads and selecting reductions, against PyTorch.

PyTorch records the first derivative of relu, threshold, hardtanh (relu6), leaky_relu, prelu and
reflect/replicate pad as ops of their own (``ThresholdBackwardBackward0``, ...), so under
``create_graph=True`` the first gradient requires grad through the input and a second ``grad`` returns
zeros instead of raising "does not require grad" (Note [Double backward of piecewise-linear ops] in
csrc/autograd/formulas/piecewise_nodes.h). Each case checks, against torch: the first gradient's values,
``requires_grad`` and ``grad_fn`` name, and the second gradients with respect to the input and the
upstream gradient (or torch's error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bibun
import numpy as np
import pytest
from op_info import gradgradcheck

# Values on every piece of the ops below, and exactly on kinks: 0, +-1, +-3 (hardswish, hardsigmoid),
# 0.1 (threshold), 0.5 (softplus with beta 2 and threshold 1).
_VALUES = [-3.5, -3.0, -1.0, -0.3, 0.0, 0.1, 0.2, 0.5, 0.7, 1.0, 3.0, 3.5]


def _pad3(F: Any, mode: str) -> Callable[[Any, Any], Any]:
    return lambda L, x: F(L).pad(x.reshape(2, 2, 3), (2, 1), mode=mode)


def _fn(name: str) -> Callable[[Any], Any]:
    return lambda L: getattr(L.nn.functional, name)


_F = lambda L: L.nn.functional

# name -> (lib, x) -> output. The first gradient's grad_fn name is compared too.
CASES: dict[str, Callable[[Any, Any], Any]] = {
    "relu": lambda L, x: L.relu(x),
    "F.relu": lambda L, x: _F(L).relu(x),
    "relu6": lambda L, x: _F(L).relu6(x),
    "leaky_relu": lambda L, x: _F(L).leaky_relu(x, 0.1),
    "leaky_relu_negative_slope": lambda L, x: _F(L).leaky_relu(x, -0.2),
    "hardtanh": lambda L, x: _F(L).hardtanh(x),
    "hardtanh_bounds": lambda L, x: _F(L).hardtanh(x, -0.25, 0.75),
    "threshold": lambda L, x: _F(L).threshold(x, 0.1, 2.0),
    "prelu": lambda L, x: _F(L).prelu(x, L.tensor([0.25], dtype=L.float64)),
    "prelu_channels": lambda L, x: _F(L).prelu(x.reshape(3, 2, 2), L.tensor([0.25, -0.5], dtype=L.float64)),
    "relu_inplace": lambda L, x: _F(L).relu(x * 1, inplace=True),
    "relu6_inplace": lambda L, x: _F(L).relu6(x * 1, inplace=True),
    "leaky_relu_inplace": lambda L, x: _F(L).leaky_relu(x * 1, 0.1, inplace=True),
    "hardtanh_inplace": lambda L, x: _F(L).hardtanh(x * 1, inplace=True),
    "threshold_inplace": lambda L, x: _F(L).threshold(x * 1, 0.1, 2.0, inplace=True),
    "relu_method_inplace": lambda L, x: (x * 1).relu_(),
    "pad_reflect": _pad3(_F, "reflect"),
    "pad_replicate": _pad3(_F, "replicate"),
    "pad_reflect_2d": lambda L, x: _F(L).pad(x.reshape(1, 3, 4), (1, 2, 2, 1), mode="reflect"),
    "pad_replicate_2d": lambda L, x: _F(L).pad(x.reshape(1, 1, 3, 4), (2, 0, 1, 3), mode="replicate"),
    "pad_constant": lambda L, x: _F(L).pad(x, (1, 2), value=0.5),
    "pad_circular": _pad3(_F, "circular"),
    "clamp": lambda L, x: L.clamp(x, -0.5, 0.5),
    "clamp_tensor_bounds": lambda L, x: L.clamp(x, L.tensor(-0.5, dtype=L.float64), L.tensor(0.5, dtype=L.float64)),
    "abs": lambda L, x: L.abs(x),
    "sign_times_x": lambda L, x: L.sign(x) * x,
    "floor": lambda L, x: L.floor(x),
    "max": lambda L, x: x.max(),
    "min_dim": lambda L, x: x.reshape(3, 4).min(1)[0],
    "median": lambda L, x: x.median(),
    "max_dim_keepdim": lambda L, x: x.reshape(3, 4).max(0, keepdim=True)[0],
    "cummax": lambda L, x: x.reshape(3, 4).cummax(1)[0],
    "amax": lambda L, x: x.reshape(3, 4).amax(0),
    "maximum": lambda L, x: L.maximum(x, L.zeros_like(x)),
    "mode": lambda L, x: L.round(x).reshape(3, 4).mode(1).values,
    "where": lambda L, x: L.where(x > 0, x, 2 * x),
    "softplus": lambda L, x: _F(L).softplus(x, beta=2.0, threshold=1.0),
    "hardsigmoid": lambda L, x: _F(L).hardsigmoid(x),
}

# Cases whose first gradient shows a different (equally differentiable) node in bibun than PyTorch's
# fused ...BackwardBackward0 would be listed here with the reason (none at present).
NAME_DIFFERS: dict[str, str] = {}
CASES.update({
    "hardswish": lambda L, x: _F(L).hardswish(x),
    "elu": lambda L, x: _F(L).elu(x),
    "selu": lambda L, x: _F(L).selu(x),
    "celu": lambda L, x: _F(L).celu(x, 0.5),
    "elu_inplace": lambda L, x: _F(L).elu(x * 1, 0.7, inplace=True),
    "celu_inplace": lambda L, x: _F(L).celu(x * 1, 0.5, inplace=True),
    "hardswish_inplace": lambda L, x: _F(L).hardswish(x * 1, inplace=True),
})


def _array(t: Any) -> np.ndarray | None:
    if t is None:
        return None
    if hasattr(t, "_is_zerotensor") and t._is_zerotensor():  # torch's efficient zeros have no storage
        return np.zeros(tuple(t.shape))
    return np.array(t.detach().tolist(), dtype=np.float64).reshape(tuple(t.shape))


def _outcome(L: Any, case: Callable[[Any, Any], Any], seed: int) -> dict:
    rng = np.random.RandomState(seed)
    x = L.tensor(_VALUES, dtype=L.float64, requires_grad=True)
    y = case(L, x)
    u = L.tensor(rng.standard_normal(tuple(y.shape)).tolist(), dtype=L.float64, requires_grad=True).reshape(y.shape)
    (g,) = L.autograd.grad(y, x, u, create_graph=True)
    out = {"g": _array(g), "requires_grad": g.requires_grad, "grad_fn": g.grad_fn.name() if g.grad_fn else None}
    if g.requires_grad:
        w = L.tensor(rng.standard_normal(len(_VALUES)).tolist(), dtype=L.float64)
        try:
            gx, gu = L.autograd.grad((g * w).sum(), [x, u], allow_unused=True)
            out["gx"], out["gu"] = _array(gx), _array(gu)
        except RuntimeError as e:
            out["error"] = str(e)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivative_matches_torch(name: str, torch: Any) -> None:
    t = _outcome(torch, CASES[name], 0)
    b = _outcome(bibun, CASES[name], 0)
    np.testing.assert_allclose(b["g"], t["g"], rtol=1e-10, atol=1e-12, err_msg=f"{name}: first gradient")
    assert b["requires_grad"] == t["requires_grad"], f"{name}: requires_grad of the first gradient"
    if name not in NAME_DIFFERS:
        assert b["grad_fn"] == t["grad_fn"], f"{name}: grad_fn of the first gradient"
    assert ("error" in b) == ("error" in t), f"{name}: torch {t.get('error')!r}, bibun {b.get('error')!r}"
    if "error" in t:
        assert b["error"] == t["error"]
        return
    for key in ("gx", "gu"):
        if t.get(key) is None:
            assert b.get(key) is None or not np.any(b[key]), f"{name}: {key} where torch has none"
            continue
        assert b.get(key) is not None, f"{name}: no {key} where torch has one"
        np.testing.assert_allclose(b[key], t[key], rtol=1e-10, atol=1e-12, err_msg=f"{name}: {key}")


# prelu is left out: PyTorch's PreluKernelBackwardBackward0 skips the terms of an output gradient that is
# undefined, bibun's engine passes zeros, so a third derivative through an unused weight gradient
# requires grad in bibun (zeros, the same values) where PyTorch's does not.
@pytest.mark.parametrize("name", ["relu", "leaky_relu", "hardtanh", "threshold", "pad_reflect", "pad_replicate", "elu",
                                  "celu", "hardswish", "softplus", "elu_inplace"])
def test_third_derivative_through_the_recorded_first_derivative(name: str, torch: Any) -> None:
    """The ...BackwardBackward0 nodes' own gradients are recorded too (grad of grad of grad)."""
    res = {}
    for L in (torch, bibun):
        x = L.tensor(_VALUES, dtype=L.float64, requires_grad=True)
        y = CASES[name](L, x)
        u = L.ones(tuple(y.shape), dtype=L.float64, requires_grad=True)
        (g,) = L.autograd.grad(y, x, u, create_graph=True)
        (gu,) = L.autograd.grad(g.sum(), u, create_graph=True)
        res[L.__name__] = (_array(gu), gu.requires_grad, gu.grad_fn.name() if gu.grad_fn else None)
    np.testing.assert_allclose(res["bibun"][0], res["torch"][0], rtol=1e-12)
    assert res["bibun"][1:] == res["torch"][1:]


@pytest.mark.parametrize("ws", [[0.25, -0.5, 1.5], [0.25]], ids=["channels", "one_weight"])
def test_prelu_second_derivatives_with_weight_match_torch(ws: list, torch: Any) -> None:
    """prelu's first derivatives depend on the weight and its on the input: the cross terms, and the
    weight gradient's graph (SumBackward1 / ViewBackward0 over PreluKernelBackwardBackward0)."""
    rng = np.random.RandomState(3)
    xs = rng.uniform(-2, 2, size=(2, 3, 4))
    xs[0, 0, :2] = 0.0  # on the kink, where PyTorch's first and second derivatives use different masks
    res = {}
    for L in (torch, bibun):
        x = L.tensor(xs.tolist(), dtype=L.float64, requires_grad=True)
        w = L.tensor(ws, dtype=L.float64, requires_grad=True)
        y = L.nn.functional.prelu(x, w)
        gx, gw = L.autograd.grad((y * y).sum(), [x, w], create_graph=True)
        names = (gx.grad_fn.name(), gw.grad_fn.name())
        second = L.autograd.grad((gx * gx).sum() + (gw * gw).sum(), [x, w])
        res[L.__name__] = (names, [_array(t) for t in (gx, gw, *second)])
    assert res["bibun"][0] == res["torch"][0]
    for b, t in zip(res["bibun"][1], res["torch"][1]):
        np.testing.assert_allclose(b, t, rtol=1e-10, atol=1e-12)


def test_prelu_gradgradcheck_float64() -> None:
    rng = np.random.RandomState(4)
    x = rng.uniform(-2, 2, size=(2, 3, 2))
    x[np.abs(x) < 0.1] = 0.5  # away from the kink for finite differences
    gradgradcheck(lambda a, w: bibun.nn.functional.prelu(a, w), [x, np.array([0.3, -0.7, 1.2])])


def test_first_gradient_of_pad_has_no_history_without_create_graph(torch: Any) -> None:
    """Without create_graph nothing is recorded (the fast path stays unrecorded)."""
    for L in (torch, bibun):
        x = L.tensor(_VALUES, dtype=L.float64, requires_grad=True)
        for y in (L.nn.functional.pad(x.reshape(2, 2, 3), (1, 1), mode="reflect"), L.relu(x),
                  L.nn.functional.leaky_relu(x)):
            (g,) = L.autograd.grad(y.sum(), x)
            assert not g.requires_grad and g.grad_fn is None


def test_hardsigmoid_second_derivative_raises_like_torch(torch: Any) -> None:
    msgs = []
    for L in (torch, bibun):
        x = L.tensor(_VALUES, dtype=L.float64, requires_grad=True)
        (g,) = L.autograd.grad(L.nn.functional.hardsigmoid(x).sum(), x, create_graph=True)
        with pytest.raises(RuntimeError) as info:
            L.autograd.grad(g.sum(), x)
        msgs.append(str(info.value))
    assert msgs[1] == msgs[0]


@pytest.mark.parametrize("x_shape, w_shape", [((), (1,)), ((), ()), ((3,), ()), ((4,), (1,)), ((2, 3), ()),
                                              ((2, 3), (3,)), ((2, 3, 2), (1,))])
def test_prelu_weight_gradient_graph_matches_torch(x_shape: tuple, w_shape: tuple, torch: Any) -> None:
    """The weight gradient is the kernel's per-element gradient summed to the weight as prelu viewed it
    (SumBackward1) and viewed back (ViewBackward0): names, values and its derivative w.r.t. the input."""
    res = {}
    for L in (torch, bibun):
        x = L.tensor(np.linspace(-1.0, 0.5, int(np.prod(x_shape))).tolist(), dtype=L.float64)
        x = x.reshape(x_shape).requires_grad_()
        w = L.full(w_shape, 0.3, dtype=L.float64).requires_grad_()
        gx, gw = L.autograd.grad(L.nn.functional.prelu(x, w).sum(), [x, w], create_graph=True)
        (gwx,) = L.autograd.grad(gw.sum(), x)
        res[L.__name__] = (gx.grad_fn.name(), gw.grad_fn.name(), _array(gx), _array(gw), _array(gwx))
    assert res["bibun"][:2] == res["torch"][:2]
    for b, t in zip(res["bibun"][2:], res["torch"][2:]):
        np.testing.assert_allclose(b, t, rtol=1e-12, atol=1e-14)
