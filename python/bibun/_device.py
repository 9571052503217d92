"""bibun.device: bibun runs on the CPU only; asking for another device is a clear error."""

from __future__ import annotations

from typing import Optional, Union


class device:
    """A device descriptor, as ``torch.device``; only ``'cpu'`` exists in bibun."""

    def __init__(self, type: Union[str, "device"], index: Optional[int] = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if idx:
            index = int(idx)
        if name not in ("cpu", "cuda", "mps", "meta", "xpu"):
            raise RuntimeError(
                "Expected one of cpu, cuda, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, "
                f"vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: {type}"
            )
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")

    def __str__(self) -> str:
        return self.type + (f":{self.index}" if self.index is not None else "")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def _check_device(d) -> None:
    """Raises when ``d`` names a device other than the CPU."""
    if d is None:
        return
    dev = d if isinstance(d, device) else device(d) if isinstance(d, str) else None
    if dev is None:
        raise TypeError(f"expected a device, but got {type(d).__name__}")
    if dev.type != "cpu":
        raise RuntimeError(
            f"bibun runs on the CPU only: it was built without {dev.type.upper()} support "
            f"(bibun.cuda.is_available() is False)"
        )


class _Cuda:
    """bibun.cuda: there is no CUDA in bibun."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0


cuda = _Cuda()
