"""Tensor repr, following the rules of PyTorch's ``torch/_tensor_str.py``.

Works on numpy arrays only, so the C++ core hands over a tensor's values and metadata and this module
produces the exact text PyTorch would print (with ``bibun.`` in place of ``torch.``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["format_tensor", "get_printoptions", "printoptions", "set_printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    r"""Set options for printing. Items shamelessly taken from NumPy

    Args:
        precision: Number of digits of precision for floating point output
            (default = 4).
        threshold: Total number of array elements which trigger summarization
            rather than full `repr` (default = 1000).
        edgeitems: Number of array items in summary at beginning and end of
            each dimension (default = 3).
        linewidth: The number of characters per line for the purpose of
            inserting line breaks (default = 80). Thresholded matrices will
            ignore this parameter.
        profile: Sane defaults for pretty printing. Can override with any of
            the above options. (any one of `default`, `short`, `full`)
        sci_mode: Enable (True) or disable (False) scientific notation. If
            None (default) is specified, the value is chosen automatically.
    """
    if profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTS, name, value)
    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    # As in PyTorch, sci_mode is reset by every call that does not pass it.
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    r"""Gets the current options for printing, as a dictionary that
    can be passed as ``**kwargs`` to set_printoptions().
    """
    return dataclasses.asdict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    r"""Context manager that temporarily changes the print options.  Accepted
    arguments are same as :func:`set_printoptions`."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


_DTYPE_ALIASES = {
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "long": "int64",
    "int": "int32",
    "short": "int16",
}


def _is_floating(dtype_name: str) -> bool:
    return dtype_name.startswith(("float", "bfloat"))


class _Formatter:
    """Chooses one notation and one column width for every element that will be printed."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if flat.size == 0:
            return
        if not floating:
            self.max_width = max(1, *(len(str(v)) for v in (flat.min().item(), flat.max().item())))
            return

        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        abs_vals = np.abs(vals).astype(np.float64)
        lo, hi = float(abs_vals.min()), float(abs_vals.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if _OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = bool(_OPTS.sci_mode)

        # A value's printed length grows with its magnitude (and with the exponent's magnitude in
        # scientific notation), so the widest string comes from the extremes of each sign.
        pos, neg = vals[vals > 0], vals[vals < 0]
        extremes = [float(v) for part in (pos, neg) if part.size for v in (part.min(), part.max())]
        p = _OPTS.precision
        if self.sci_mode:
            widths = [len(f"{v:.{p}e}") for v in extremes]
        elif self.int_mode:
            # The appended "." marks a float in int mode.
            widths = [len(f"{v:.0f}") + 1 for v in extremes]
        else:
            widths = [len(f"{v:.{p}f}") for v in extremes]
        self.max_width = max(self.max_width, *widths)

    def format(self, value: Any) -> str:
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{_OPTS.precision}f}"
        return text.rjust(self.max_width)


def _summarized_values(arr: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows, flattened (mirrors PyTorch's ``get_summarized_data``)."""
    edge = _OPTS.edgeitems
    if arr.ndim == 0:
        return arr.reshape(-1)
    if arr.ndim == 1:
        # With edgeitems == 0 PyTorch's arr[-0:] is the whole row, and so is numpy's.
        return np.concatenate((arr[:edge], arr[-edge:])) if arr.shape[0] > 2 * edge else arr
    if not edge:
        return arr.reshape(-1)[:0]
    n = arr.shape[0]
    rows = [*range(edge), *range(n - edge, n)] if n > 2 * edge else range(n)
    return np.concatenate([_summarized_values(arr[i]) for i in rows])


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    edge = _OPTS.edgeitems
    element_length = fmt.max_width + 2  # ", " between elements
    per_line = max(1, math.floor((_OPTS.linewidth - indent) / element_length))
    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = (
            [fmt.format(v) for v in arr[:edge].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in arr[-edge:].tolist()]
        )
    else:
        data = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt)
    edge = _OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        slices = (
            [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(edge)]
            + ["..."]
            + [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(n - edge, n)]
        )
    else:
        slices = [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    # Slices of a k-d tensor are separated by k-1 newlines, i.e. blank lines from 3-d on.
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    # PyTorch's own arithmetic, off by two when there is no newline; kept for identical wrapping.
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def format_tensor(
    values: np.ndarray,
    dtype_name: str,
    *,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    default_dtype_name: str = "float32",
    prefix: str = "tensor(",
    module: str = "bibun",
) -> str:
    """Return the repr PyTorch prints for a dense CPU tensor with these values and metadata.

    Args:
        values: the tensor's elements, shaped like the tensor (0-d array for a 0-d tensor).
        dtype_name: the tensor's dtype without module, e.g. ``"float32"`` or ``"int64"``.
        requires_grad: whether the tensor requires grad (printed only when there is no grad_fn).
        grad_fn_name: the class name of the tensor's grad_fn, e.g. ``"AddBackward0"``.
        default_dtype_name: the current default floating dtype.
        prefix: text before the elements; continuation lines are indented by its length.
        module: module name printed in the dtype suffix.
    """
    arr = np.asarray(values)
    dtype_name = _DTYPE_ALIASES.get(dtype_name, dtype_name)
    default_dtype_name = _DTYPE_ALIASES.get(default_dtype_name, default_dtype_name)
    indent = len(prefix)
    suffixes = []
    dtype_suffix = f"dtype={module}.{dtype_name}"
    if arr.size == 0:
        # Like numpy, the shape is shown unless it is (0,); with no elements to infer it from, any
        # dtype but the default float one is shown, int64 and bool included.
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype_name != default_dtype_name:
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        default_complex = "complex128" if default_dtype_name == "float64" else "complex64"
        if dtype_name not in (default_dtype_name, default_complex, "int64", "bool"):
            suffixes.append(dtype_suffix)
        summarize = arr.size > _OPTS.threshold
        fmt = _Formatter(_summarized_values(arr) if summarize else arr, _is_floating(dtype_name))
        body = _nested_str(arr, indent, summarize, fmt)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
