"""``bibun.nn.functional`` convolution, pooling and batch norm (re-exported by ``functional``).

The numerics live in C++ (``csrc/ops/conv.cpp``, ``pool.cpp``, ``batch_norm.cpp``); this module
parses PyTorch's argument forms (an int or a tuple, ``'same'``/``'valid'``, unbatched inputs).
"""

from __future__ import annotations

from bibun import _C

Tensor = _C.Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
]


def _conv_arg(value, name: str, n: int) -> list[int]:
    if isinstance(value, int):
        return [value] * n
    values = [int(v) for v in value]
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match the convolution "
            f"dimensions, but got {name}={values}"
        )
    return values


def _conv(input: Tensor, weight: Tensor, bias, stride, padding, dilation, groups: int, n: int) -> Tensor:
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to conv{n}d, but got input of size: "
            f"{list(input.shape)}"
        )
    sp = weight.dim() - 2
    stride = _conv_arg(stride, "stride", sp)
    dilation = _conv_arg(dilation, "dilation", sp)
    if isinstance(padding, str):
        if padding == "valid":
            pads = [0] * sp
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for d in range(sp):
                total = dilation[d] * (weight.shape[2 + d] - 1)
                pads += [total // 2, total - total // 2]
            if all(pads[2 * d] == pads[2 * d + 1] for d in range(sp)):
                pads = pads[::2]
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = _conv_arg(padding, "padding", sp)
    unbatched = input.dim() == n + 1
    if unbatched:
        input = input.unsqueeze(0)
    out = _C._convolution(input, weight, bias, stride, pads, dilation, groups)
    return out.squeeze(0) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of ``(N, C, L)`` or ``(C, L)`` with ``(Cout, C/groups, k)``."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D convolution of ``(N, C, H, W)`` or ``(C, H, W)`` with ``(Cout, C/groups, kh, kw)``."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def _pool_pair(value, what: str, name: str) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    values = tuple(int(v) for v in value)
    if len(values) == 1:
        return (values[0], values[0])
    if len(values) != 2:
        raise RuntimeError(f"{what}: {name} must either be a single int, or a tuple of two ints")
    return values


def _pool_stride(stride, kernel, what: str) -> tuple[int, int]:
    if stride is None or (not isinstance(stride, int) and len(stride) == 0):
        return kernel
    return _pool_pair(stride, what, "stride")


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = True):
    """2-D max pooling returning ``(output, indices)``; indices are flat within each ``H*W`` plane."""
    k = _pool_pair(kernel_size, "max_pool2d", "kernel_size")
    s = _pool_stride(stride, k, "max_pool2d")
    p = _pool_pair(padding, "max_pool2d", "padding")
    d = _pool_pair(dilation, "max_pool2d", "dilation")
    return _C._max_pool2d_with_indices(input, k, s, p, d, bool(ceil_mode))


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling over ``(N, C, H, W)`` or ``(C, H, W)``."""
    out, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def _check_1d(input: Tensor, what: str, max_pool: bool) -> None:
    if input.dim() not in (2, 3) or (max_pool and 0 in tuple(input.shape)[-2:]):
        if max_pool:
            raise RuntimeError(
                f"{what}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but "
                f"got:{list(input.shape)}"
            )
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 'self' (while "
            f"checking arguments for {what})"
        )


def _single(value, what: str, name: str) -> int:
    if isinstance(value, int):
        return value
    values = [int(v) for v in value]
    if len(values) != 1:
        raise RuntimeError(f"{what}: {name} must be a single int, or a tuple of one int")
    return values[0]


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = True):
    """1-D max pooling returning ``(output, indices)``."""
    _check_1d(input, "max_pool1d", True)
    k = _single(kernel_size, "max_pool1d", "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _single(stride, "max_pool1d",
                                                                                                "stride")
    p = _single(padding, "max_pool1d", "padding")
    d = _single(dilation, "max_pool1d", "dilation")
    out, indices = _C._max_pool2d_with_indices(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), bool(ceil_mode))
    return out.squeeze(-2), indices.squeeze(-2)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling over ``(N, C, L)`` or ``(C, L)``."""
    if not return_indices and not input.dtype.is_floating_point and input.dim() in (2, 3):
        names = {"int64": "Long", "int32": "Int", "bool": "Bool"}
        raise NotImplementedError(
            f'"max_pool1d_impl" not implemented for \'{names[str(input.dtype).rsplit(".", 1)[-1]]}\''
        )
    out, indices = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over ``(N, C, H, W)`` or ``(C, H, W)``."""
    k = _pool_pair(kernel_size, "avg_pool2d", "kernel_size")
    s = _pool_stride(stride, k, "avg_pool2d")
    p = _pool_pair(padding, "avg_pool2d", "padding")
    return _C._avg_pool2d(input, k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over ``(N, C, L)`` or ``(C, L)``."""
    _check_1d(input, "avg_pool1d", False)
    k = _single(kernel_size, "avg_pool1d", "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _single(stride, "avg_pool1d",
                                                                                                "stride")
    p = _single(padding, "avg_pool1d", "padding")
    out = _C._avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), bool(ceil_mode), bool(count_include_pad), None)
    return out.squeeze(-2)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Averages ``(N, C, H, W)`` or ``(C, H, W)`` over adaptive windows to ``output_size``."""
    if isinstance(output_size, int):
        size = [output_size, output_size]
    else:
        size = list(output_size)
        if len(size) != 2:
            raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if input.dim() >= 2:
        size = [input.shape[input.dim() - 2 + i] if v is None else int(v) for i, v in enumerate(size)]
    if size == [1, 1] and input.dim() in (3, 4) and input.numel() > 0 and input.dtype.is_floating_point:
        return input.mean((-1, -2), keepdim=True)
    return _C._adaptive_avg_pool2d(input, size)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Averages ``(N, C, L)`` or ``(C, L)`` over adaptive windows to ``output_size``."""
    _check_1d(input, "adaptive_avg_pool1d", False)
    size = _single(output_size, "adaptive_avg_pool1d", "output_size")
    return _C._adaptive_avg_pool2d(input.unsqueeze(-2), [1, size]).squeeze(-2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalises each channel (dim 1) by the batch statistics (training, which also update the
    running ones with ``momentum``) or by ``running_mean``/``running_var`` (evaluation)."""
    if training:
        size = list(input.shape)
        count = 1
        for i, s in enumerate(size):
            if i != 1:
                count *= s
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    return _C._batch_norm(input, weight, bias, running_mean, running_var, bool(training), float(momentum), float(eps))
