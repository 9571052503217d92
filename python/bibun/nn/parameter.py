"""``bibun.nn.Parameter``: a Tensor subclass that a Module registers as a learnable parameter."""

from __future__ import annotations

from bibun import _C

Tensor = _C.Tensor


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning it as a Module attribute registers it.

    ``Parameter(t)`` is a leaf that shares ``t``'s memory and version counter (an alias, as
    PyTorch's ``_make_subclass`` makes) and requires grad unless ``requires_grad=False``. Results of
    ops on a Parameter are plain Tensors.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        return Tensor.__new__(cls)

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = _C.empty((0,), _C.get_default_dtype(), False)
        # The legacy constructor given a Tensor builds an alias of it (Note [Legacy Tensor constructor]).
        Tensor.__init__(self, data)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        if self.grad is not None:
            result.grad = self.grad.detach().clone()
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        raise RuntimeError("use bibun.save / bibun.load to serialise parameters")
