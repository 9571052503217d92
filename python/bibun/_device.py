"""bibun.device: bibun runs on the CPU only; asking for another device is a clear error."""

from __future__ import annotations

from typing import Optional, Union

_DEVICE_TYPES = (
    "cpu",
    "cuda",
    "ipu",
    "xpu",
    "mkldnn",
    "opengl",
    "opencl",
    "ideep",
    "hip",
    "ve",
    "fpga",
    "maia",
    "xla",
    "lazy",
    "vulkan",
    "mps",
    "meta",
    "hpu",
    "mtia",
    "privateuseone",
)


class _NoCudaError(RuntimeError, AssertionError):
    """Asking for a CUDA tensor. PyTorch built without CUDA raises AssertionError ("Torch not compiled
    with CUDA enabled"); bibun's error is also a RuntimeError, so either ``except`` catches it."""


class device:
    """A device descriptor, as ``torch.device``; only ``'cpu'`` exists in bibun."""

    def __init__(self, type: Union[str, "device"], index: Optional[int] = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if idx:
            index = int(idx)
        if name not in _DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {type}"
            )
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")

    def __str__(self) -> str:
        return self.type + (f":{self.index}" if self.index is not None else "")

    def __eq__(self, other: object) -> bool:
        # As in PyTorch, a device never equals a string: compare with bibun.device('cpu').
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def _check_device(d) -> None:
    """Raises when ``d`` names a device other than the CPU."""
    if d is None:
        return
    if isinstance(d, int) and not isinstance(d, bool):
        d = device("cuda", d)  # a bare index names an accelerator, as in PyTorch
    dev = d if isinstance(d, device) else device(d) if isinstance(d, str) else None
    if dev is None:
        raise TypeError(f"expected a device, but got {type(d).__name__}")
    if dev.type == "cuda":
        raise _NoCudaError(
            "bibun not compiled with CUDA enabled: bibun runs on the CPU only "
            "(bibun.cuda.is_available() is False)"
        )
    if dev.type != "cpu":
        raise RuntimeError(f"bibun runs on the CPU only: it has no '{dev.type}' device")


class _Cuda:
    """bibun.cuda: there is no CUDA in bibun."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def manual_seed(seed: int) -> None:
        """Seeds nothing: like PyTorch without CUDA, the call is accepted and ignored."""

    manual_seed_all = manual_seed

    @staticmethod
    def current_device() -> int:
        _check_device("cuda")
        return 0


cuda = _Cuda()
