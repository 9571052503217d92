"""bibun.Size: the shape of a tensor, a tuple subclass as in PyTorch."""

from __future__ import annotations

from bibun._C import _SizeBase


class Size(_SizeBase):
    """The result type of ``Tensor.size()`` and ``Tensor.shape``: a tuple whose indexing
    (a slice is a Size) and construction from a tensor are C (csrc/python/size_type.cpp)."""

    def __repr__(self) -> str:
        return f"bibun.Size([{', '.join(str(int(s)) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= int(s)
        return n

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __reduce__(self):
        return (Size, (tuple(self),))
