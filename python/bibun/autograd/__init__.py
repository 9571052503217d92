"""bibun.autograd: reverse-mode automatic differentiation on bibun's C++ engine."""

from __future__ import annotations

from typing import Optional, Sequence, Union

from bibun import _C
from bibun.autograd import function  # noqa: F401
from bibun.autograd import functional  # noqa: F401
from bibun.autograd import graph  # noqa: F401
from bibun.autograd.gradcheck import gradcheck, gradgradcheck
from bibun.autograd.anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from bibun.autograd.function import Function, once_differentiable
from bibun.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "Function",
           "once_differentiable", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "functional", "gradcheck", "gradgradcheck"]

_TensorOrTensors = Union["_C.Tensor", Sequence["_C.Tensor"]]


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, _C.Tensor):
        return (x,)
    return tuple(x)


def _grads_for(tensors: tuple, grad_tensors) -> list:
    if grad_tensors is None:
        return [None] * len(tensors)
    grads = list(_as_tuple(grad_tensors)) if not isinstance(grad_tensors, _C.Tensor) else [grad_tensors]
    if len(grads) != len(tensors):
        raise RuntimeError(
            f"grad can be implicitly created only for scalar outputs"
            if not grads
            else f"Mismatch in number of grad_outputs: got {len(grads)} grad tensors for {len(tensors)} outputs"
        )
    return grads


def backward(
    tensors: _TensorOrTensors,
    grad_tensors: Optional[_TensorOrTensors] = None,
    retain_graph: Optional[bool] = None,
    create_graph: bool = False,
    inputs: Optional[_TensorOrTensors] = None,
) -> None:
    """Computes the sum of gradients of ``tensors`` w.r.t. graph leaves and accumulates them into ``.grad``."""
    tensors = _as_tuple(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    inputs_t = _as_tuple(inputs)
    if inputs is not None and len(inputs_t) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    _C._run_backward(
        tensors,
        _grads_for(tensors, grad_tensors),
        retain_graph,
        create_graph,
        inputs_t if inputs_t else None,
        False,
        True,
    )


def grad(
    outputs: _TensorOrTensors,
    inputs: _TensorOrTensors,
    grad_outputs: Optional[_TensorOrTensors] = None,
    retain_graph: Optional[bool] = None,
    create_graph: bool = False,
    allow_unused: Optional[bool] = None,
    materialize_grads: bool = False,
) -> tuple:
    """Computes and returns the sum of gradients of ``outputs`` w.r.t. ``inputs`` (nothing is accumulated)."""
    outputs_t = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False.")
    if retain_graph is None:
        retain_graph = create_graph
    result = _C._run_backward(
        outputs_t,
        _grads_for(outputs_t, grad_outputs),
        retain_graph,
        create_graph,
        inputs_t,
        allow_unused,
        False,
    )
    if materialize_grads:
        import bibun

        result = tuple(bibun.zeros_like(i) if g is None else g for g, i in zip(result, inputs_t))
    return result
