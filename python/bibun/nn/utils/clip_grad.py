"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``."""

from __future__ import annotations

import math
from collections.abc import Iterable

import bibun
from bibun import _C
from bibun.autograd.grad_mode import no_grad

Tensor = _C.Tensor


def _grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach=None,
) -> Tensor:
    """Scales the gradients in place so that their total ``norm_type`` norm is at most ``max_norm``;
    returns the total norm before clipping."""
    grads = _grads(parameters)
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if len(grads) == 0:
        return bibun.tensor(0.0)
    with no_grad():
        norms = [g.norm(norm_type) for g in grads]
        if norm_type == float("inf"):
            total_norm = norms[0]
            for n in norms[1:]:
                total_norm = bibun.where(n > total_norm, n, total_norm)
        else:
            # The norm of the vector of per-gradient norms, as PyTorch's vector_norm(stack(norms)).
            total_norm = norms[0].abs().pow(norm_type)
            for n in norms[1:]:
                total_norm = total_norm + n.abs().pow(norm_type)
            total_norm = total_norm.pow(1.0 / norm_type)
        if error_if_nonfinite and not math.isfinite(total_norm.item()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                "anyway, set `error_if_nonfinite=False`"
            )
        clip_coef = max_norm / (total_norm + 1e-6)
        clip_coef_clamped = clip_coef.clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef_clamped)
    return total_norm


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach=None) -> None:
    """Clamps every gradient in place to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)
