"""bibun.autograd.graph: hooks on how saved tensors are stored (saved_tensors_hooks, save_on_cpu)."""

from __future__ import annotations

from typing import Any, Callable

from bibun import _C

__all__ = ["saved_tensors_hooks", "save_on_cpu", "Node"]

Node = _C.Node


class saved_tensors_hooks:
    """While active (in this thread), every tensor saved for backward is passed to
    ``pack_hook`` at save time and what it returned to ``unpack_hook`` at backward time;
    ``unpack_hook`` must return a tensor with the saved tensor's value."""

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        _C._push_saved_tensors_hooks(self.pack_hook, self.unpack_hook)

    def __exit__(self, *args: object) -> None:
        _C._pop_saved_tensors_hooks()


class save_on_cpu(saved_tensors_hooks):
    """PyTorch's offloading of saved tensors to CPU memory. bibun tensors live on the CPU
    already, so saved tensors are kept as they are (``pin_memory`` has no effect)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor):
            return (tensor.device, tensor.cpu())

        def unpack_from_cpu(packed):
            _device, tensor = packed
            return tensor

        super().__init__(pack_to_cpu, unpack_from_cpu)
