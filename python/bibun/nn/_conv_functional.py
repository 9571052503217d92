"""``bibun.nn.functional`` convolution, pooling and batch norm (re-exported by ``functional``)."""

from __future__ import annotations

__all__: list[str] = []
