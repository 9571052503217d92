"""Activations PyTorch also exposes at the top level (``torch.selu``, ``torch.relu_``, ``torch.threshold``...)."""

from __future__ import annotations

from bibun import _C

Tensor = _C.Tensor

__all__ = ["celu_", "prelu", "relu_", "selu", "selu_", "threshold", "threshold_"]


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return input.relu_()


def selu(input: Tensor) -> Tensor:
    """Scaled ELU (``EluBackward0``)."""
    return _C._nn_selu(input, False)


def selu_(input: Tensor) -> Tensor:
    """In-place ``selu`` (``EluBackward1``)."""
    return _C._nn_selu(input, True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``celu`` (``CeluBackward1``)."""
    return _C._nn_celu(input, alpha, True)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    return _C._nn_threshold(input, threshold, value, False)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``threshold``."""
    return _C._nn_threshold(input, threshold, value, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for positive ``x``, else ``weight * x`` (one weight or one per channel)."""
    return _C._nn_prelu(input, weight)
