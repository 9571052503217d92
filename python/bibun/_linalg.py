"""Top-level linear algebra: ``bmm``, ``baddbmm``, ``einsum``, ``kron``, ``outer``, ``vdot``, ``cross``, ..."""

from __future__ import annotations

__all__: list[str] = []
