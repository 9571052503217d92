"""Shape ops: ``flip``, ``roll``, ``tril``/``triu``, ``diag``, ``repeat``, ``split``/``chunk``, ``sort``, ``topk``, ..."""

from __future__ import annotations

__all__: list[str] = []
