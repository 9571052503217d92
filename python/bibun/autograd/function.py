"""Custom autograd Functions: ``class F(bibun.autograd.Function)`` with static forward/backward.

The ctx object passed to ``forward`` is also the node the graph records (``y.grad_fn``), an
instance of ``<Name>Backward``; the C++ node calls its ``backward`` under the GIL.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from bibun import _C
from bibun.autograd.grad_mode import no_grad

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]


class FunctionCtx:
    """The methods ``forward``/``setup_context`` use on ``ctx``."""

    def save_for_backward(self, *tensors) -> None:
        """Saves tensors for ``backward`` (checked against in-place modification on use)."""
        for t in tensors:
            if t is not None and not isinstance(t, _C.Tensor):
                raise TypeError("save_for_backward can only save variables, but argument 0 is of type "
                                f"{type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        self.saved_for_forward = tensors

    def mark_dirty(self, *args) -> None:
        """Marks input tensors that forward modified in place."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args) -> None:
        """Marks outputs that have no gradient."""
        self.non_differentiable = args

    def set_materialize_grads(self, value: bool) -> None:
        """Whether missing output gradients reach ``backward`` as zeros (True) or None."""
        self.materialize_grads = value


class BackwardCFunction(_C._FunctionBase, FunctionCtx):
    """Base of the ``<Name>Backward`` classes: the ctx of forward and the grad_fn of outputs."""

    _forward_cls: type

    def __init__(self) -> None:
        _C._FunctionBase.__init__(self)
        self.to_save = ()
        self.dirty_tensors = ()
        self.non_differentiable = ()
        self.materialize_grads = True
        self.metadata: dict = {}

    def name(self) -> str:
        return type(self).__name__

    def _call_backward(self, *grads):
        return self._forward_cls.backward(self, *grads)

    def apply(self, *grads):
        """Calls backward directly (as PyTorch's ``grad_fn.apply``)."""
        return self._call_backward(*grads)

    def register_hook(self, fn: Callable):
        return self._node_register_hook("register_hook", fn)

    def register_prehook(self, fn: Callable):
        return self._node_register_hook("register_prehook", fn)

    def __repr__(self) -> str:
        return f"<bibun.autograd.function.{type(self).__name__} object at {hex(id(self))}>"


class FunctionMeta(type):
    """Creates the ``<Name>Backward`` class of each Function subclass."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        backward_cls.__module__ = "bibun.autograd.function"
        backward_cls.__qualname__ = name + "Backward"
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class Function(metaclass=FunctionMeta):
    """Base class for custom autograd operations: define ``forward`` and ``backward`` as
    staticmethods and call ``MyFunction.apply(...)``."""

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style "
            "autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function to use "
            "it with backward mode AD."
        )

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(isinstance(a, _C.Tensor) and a.requires_grad for a in args)
        uses_setup_context = cls.setup_context is not Function.setup_context
        with no_grad():
            if uses_setup_context:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        return _C._function_record(
            ctx, args, output, ctx.to_save, ctx.dirty_tensors, ctx.non_differentiable, ctx.materialize_grads
        )


class _DelayedError(Function):
    """Stands for a backward that must not be differentiated: differentiating it raises."""

    @staticmethod
    def forward(ctx, *inputs):
        return inputs if len(inputs) > 1 else inputs[0]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(fn: Callable) -> Callable:
    """Decorates ``backward`` so that it runs without recording; differentiating its result
    again (create_graph=True) raises when that second backward reaches it."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not _C.is_grad_enabled():
            return outputs
        # As PyTorch: only the incoming gradients are considered (saved tensors are not), so a
        # second derivative through saved inputs alone finds no graph.
        if not any(isinstance(a, _C.Tensor) and a.requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs

        def fake_requires_grad(v):
            if v is None:
                return v
            v = v.detach()
            v.requires_grad = True
            return v

        wrapped = _DelayedError.apply(*[fake_requires_grad(v) for v in outs])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        return wrapped[0] if single else wrapped

    return wrapper
