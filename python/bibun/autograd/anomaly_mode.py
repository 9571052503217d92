"""Anomaly detection: remember where each node was created and fail on NaN gradients."""

from __future__ import annotations

import warnings
from typing import Any

from bibun import _C

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled() -> bool:
    return _C.is_anomaly_enabled()


def is_anomaly_check_nan_enabled() -> bool:
    return _C.is_anomaly_check_nan_enabled()


class detect_anomaly:
    """Context manager that enables anomaly detection for the autograd engine (as in PyTorch
    2.13, it is not a decorator).

    A backward that produces NaN raises ``RuntimeError: Function 'DivBackward0' returned nan values
    in its 0th output.`` and warns with the traceback of the forward call that created that node.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
            "enabled for debugging.",
            stacklevel=2,
        )

    def __enter__(self) -> None:
        _C._set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *args: Any) -> None:
        _C._set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Sets anomaly detection on or off; works as a function call or a context manager."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        _C._set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args: Any) -> None:
        _C._set_anomaly_enabled(self.prev, self.prev_check_nan)
