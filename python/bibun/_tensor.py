"""Python-side methods of bibun.Tensor: printing, numpy interop, backward, conversions."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from bibun import _C, _creation
from bibun._device import _check_device, device
from bibun._tensor_str import format_tensor

Tensor = _C.Tensor


def _repr(self: Tensor) -> str:
    fn = self.grad_fn
    return format_tensor(
        np.asarray(memoryview(self.detach())),
        self.dtype._name,
        requires_grad=self.requires_grad,
        grad_fn_name=fn.name().rsplit("::", 1)[-1] if fn is not None else None,
        default_dtype_name=_C.get_default_dtype()._name,
    )


def _format(self: Tensor, spec: str) -> str:
    if self.dim() == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


def backward(
    self: Tensor,
    gradient: Optional[Tensor] = None,
    retain_graph: Optional[bool] = None,
    create_graph: bool = False,
    inputs=None,
) -> None:
    """Computes the gradient of this tensor w.r.t. graph leaves (accumulated into their ``.grad``)."""
    from bibun import autograd

    autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)


_NUMPY_REQUIRES_GRAD = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."


def numpy(self: Tensor, *, force: bool = False) -> np.ndarray:
    """The tensor's memory as a numpy array: shared, not copied, so writes show on both sides.
    ``force=True`` detaches a tensor that requires grad first (still sharing memory on the CPU)."""
    if self.requires_grad:
        if not force:
            raise RuntimeError(_NUMPY_REQUIRES_GRAD)
        self = self.detach()
    return np.asarray(memoryview(self))


def __array__(self: Tensor, dtype=None, copy: Optional[bool] = None) -> np.ndarray:
    """numpy 2's protocol: the shared memory, or a copy when ``copy=True`` or ``dtype`` differs
    (``copy=False`` then raises, as numpy asks)."""
    if self.requires_grad:
        raise RuntimeError(_NUMPY_REQUIRES_GRAD)
    arr = np.asarray(memoryview(self))
    if dtype is not None and np.dtype(dtype) != arr.dtype:
        if copy is False:
            raise ValueError("Unable to avoid copy while creating an array as requested.")
        return arr.astype(dtype)
    return arr.copy() if copy else arr


def tolist(self: Tensor) -> Any:
    """The tensor's values as (nested) Python numbers."""
    return np.asarray(self.detach()).tolist()


def norm(self: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The vector p-norm over ``dim`` (all elements by default)."""
    if p == "fro":
        p = 2.0
    elif p == "nuc":
        raise NotImplementedError("bibun does not implement the nuclear norm yet")
    elif isinstance(p, str):
        raise RuntimeError(f"norm(): unknown p: {p}")
    t = self if dtype is None else self.to(dtype)
    return t._vector_norm(float(p), dim, keepdim)


def to(self: Tensor, *args, **kwargs) -> Tensor:
    """Converts dtype (devices other than the CPU raise): ``to(dtype)``, ``to('cpu', dtype)``,
    ``to(other)``."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, _C.dtype):
            dtype = a
        elif isinstance(a, (str, device)):
            dev = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, bool):
            continue
        elif isinstance(a, int):
            raise RuntimeError("Cannot access accelerator device when none is available.")  # noqa: TRY004
        elif a in (float, int, bool):
            dtype = {float: _C.float64, int: _C.int64, bool: _C.bool}[a]
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {type(a).__name__}")
    _check_device(dev)
    result = self if dtype is None else self._to_dtype(dtype)
    if copy and result is self:
        result = self.clone()
    return result


def _cast(dtype_name: str):
    def cast(self: Tensor) -> Tensor:
        return self._to_dtype(getattr(_C, dtype_name))

    cast.__doc__ = f"``self.to({dtype_name})``"
    return cast


def _size_of_dims(self: Tensor):
    return self.shape


def _device(self: Tensor) -> device:
    return device("cpu")


def cpu(self: Tensor) -> Tensor:
    """bibun tensors always live on the CPU."""
    return self


def cuda(self: Tensor, *args, **kwargs) -> Tensor:
    _check_device("cuda")
    return self


def type_as(self: Tensor, other: Tensor) -> Tensor:
    return self.to(other.dtype)


_LEGACY_TYPE_NAMES = {
    "bool": "BoolTensor",
    "int32": "IntTensor",
    "int64": "LongTensor",
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
}


def _type(self: Tensor, dtype=None, non_blocking: bool = False, **kwargs) -> Any:
    """``x.type()``: the legacy type name ('bibun.FloatTensor', PyTorch's 'torch.FloatTensor');
    ``x.type(dtype)`` or ``x.type('torch.DoubleTensor')``: ``self`` if it already has that type,
    else a copy converted to it."""
    if dtype is None:
        return "bibun." + _LEGACY_TYPE_NAMES[str(self.dtype).rsplit(".", 1)[-1]]
    if isinstance(dtype, str):
        module, _, name = dtype.rpartition(".")
        by_name = {v: k for k, v in _LEGACY_TYPE_NAMES.items()}
        if module not in ("torch", "bibun") or name not in by_name:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = getattr(_C, by_name[name])
    return self if dtype == self.dtype else self.to(dtype)


def __reversed__(self: Tensor):
    raise NotImplementedError("bibun does not support reversed() on tensors yet")


def __deepcopy__(self: Tensor, memo: dict) -> Tensor:
    if not self.is_leaf:
        raise RuntimeError(
            "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment."
        )
    new = self.detach().clone()
    new.requires_grad_(self.requires_grad)
    if self.grad is not None:
        new.grad = self.grad.detach().clone()
    memo[id(self)] = new
    return new


def __setstate__(self, state):  # pragma: no cover - pickling is handled by bibun.save
    raise RuntimeError("use bibun.save / bibun.load to serialise tensors")


def _init_subclass(cls, **kwargs) -> None:
    """A Python subclass that keeps Tensor's arithmetic dunders gets Tensor's direct number slots
    (Note [Number slots] in csrc/python/tensor_bindings.cpp)."""
    super(Tensor, cls).__init_subclass__(**kwargs)
    _C._install_number_slots(cls)


def _install() -> None:
    Tensor.__init_subclass__ = classmethod(_init_subclass)
    Tensor.__repr__ = _repr
    Tensor.__str__ = _repr
    Tensor.__format__ = _format
    Tensor.__array__ = __array__
    Tensor.__array_priority__ = 1000
    Tensor.__deepcopy__ = __deepcopy__
    Tensor.__module__ = "bibun"
    Tensor.backward = backward
    Tensor.numpy = numpy
    Tensor.tolist = tolist
    Tensor.norm = norm
    Tensor.to = to
    Tensor.cpu = cpu
    Tensor.cuda = cuda
    Tensor.type_as = type_as
    Tensor.type = _type
    Tensor.device = property(_device)
    Tensor.is_cuda = property(lambda self: False)
    Tensor.is_cpu = property(lambda self: True)
    for name in ("new_zeros", "new_ones", "new_empty", "new_full", "new_tensor"):
        setattr(Tensor, name, getattr(_creation, name))
    for name in ("float", "double", "long", "int", "bool"):
        setattr(
            Tensor,
            name,
            _cast({"float": "float32", "double": "float64", "long": "int64", "int": "int32"}.get(name, name)),
        )
