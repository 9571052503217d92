"""bibun.Size: the shape of a tensor, a tuple subclass as in PyTorch."""

from __future__ import annotations


class Size(tuple):
    """The result type of ``Tensor.size()`` and ``Tensor.shape``."""

    def __repr__(self) -> str:
        return f"bibun.Size([{', '.join(str(int(s)) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= int(s)
        return n

    def __getitem__(self, item):
        result = super().__getitem__(item)
        return Size(result) if isinstance(item, slice) else result

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __reduce__(self):
        return (Size, (tuple(self),))
