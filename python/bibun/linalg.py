"""``bibun.linalg``: norms, ``det``, ``inv``, ``solve``, ``cholesky`` (PyTorch's ``torch.linalg``)."""

from __future__ import annotations

__all__: list[str] = []
