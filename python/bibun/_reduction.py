"""Reductions with ``dim``/``keepdim``: ``max``/``min``, ``argmax``, ``var``/``std``, ``prod``, ``cumsum``, ``logsumexp``, ..."""

from __future__ import annotations

__all__: list[str] = []
