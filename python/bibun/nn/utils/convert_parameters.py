"""Flattening parameters into one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

import bibun
from bibun import _C

Tensor = _C.Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor holding every parameter's values, in order (differentiable)."""
    vecs = [p.reshape(-1) for p in parameters]
    if hasattr(bibun, "cat"):
        return bibun.cat(vecs)
    # Until bibun.cat exists: slice assignment into a new vector (differentiable through CopySlices).
    if not vecs:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    out = bibun.zeros(sum(v.numel() for v in vecs), dtype=vecs[0].dtype)
    offset = 0
    for v in vecs:
        out[offset:offset + v.numel()] = v
        offset += v.numel()
    return out


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copies consecutive slices of ``vec`` into the parameters' ``.data``."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
