"""Gather/scatter, ``index_select``/``index_add``, masked ops, ``take``, ``nonzero``."""

from __future__ import annotations

__all__: list[str] = []
