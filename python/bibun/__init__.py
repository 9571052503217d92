"""bibun (微分): PyTorch's autograd rebuilt small and fast.

``import bibun as torch`` runs PyTorch's autograd tutorials unchanged: tensors, kernels and the
autograd engine are C++ (``bibun._C``); this package adds PyTorch's Python API on top.
"""

from __future__ import annotations

import os as _os

import numpy as _np  # noqa: F401  (loaded first: its own OpenBLAS keeps the user's thread settings)


def _load_core():
    """Imports ``bibun._C`` with OPENBLAS_NUM_THREADS=1 for the moment its OpenBLAS loads: bibun runs
    BLAS single-threaded and splits products over its own OpenMP threads (Note [One thread pool] in
    csrc/kernels/matmul.cpp), so OpenBLAS's worker threads, which spin after start-up, are never
    started. The variable is restored at once; numpy's OpenBLAS, loaded above, is unaffected."""
    saved = _os.environ.get("OPENBLAS_NUM_THREADS")
    _os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        from bibun import _C as core
    finally:
        if saved is None:
            del _os.environ["OPENBLAS_NUM_THREADS"]
        else:
            _os.environ["OPENBLAS_NUM_THREADS"] = saved
    return core


_C = _load_core()
from bibun._C import (
    Tensor,
    dtype,
    get_default_dtype,
    get_num_threads,
    initial_seed,
    is_grad_enabled,
    promote_types,
    set_num_threads,
)
from bibun._C import bool, float32, float64, int32, int64  # noqa: A004  (PyTorch's names)
from bibun._size import Size

_C._set_size_type(Size)

from bibun import _tensor  # noqa: E402

_tensor._install()

from bibun._creation import (  # noqa: E402
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from bibun._device import cuda, device  # noqa: E402
from bibun._functions import *  # noqa: E402,F403
from bibun._functions import abs, all, any, pow, sum  # noqa: E402,A004
from bibun._unary import *  # noqa: E402,F403
from bibun._binary import *  # noqa: E402,F403
from bibun._reduction import *  # noqa: E402,F403
from bibun._indexing import *  # noqa: E402,F403
from bibun._shape import *  # noqa: E402,F403
from bibun._linalg import *  # noqa: E402,F403
from bibun._activation import *  # noqa: E402,F403
from bibun._api_gaps import *  # noqa: E402,F403
from bibun._tensor_str import get_printoptions, printoptions, set_printoptions  # noqa: E402
from bibun.autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402
from bibun.autograd.grad_mode import enable_grad, no_grad, set_grad_enabled  # noqa: E402

float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001

from bibun import autograd, linalg, nn, optim, utils  # noqa: E402
from bibun.serialization import load, save  # noqa: E402

__version__ = "0.1.0"


def manual_seed(seed) -> None:
    """Seeds bibun's random number generator: the same seed gives the same ``rand``/``randn``/``randint``."""
    import builtins

    _C.manual_seed(builtins.int(seed))


def set_default_dtype(d) -> None:
    """Sets the dtype of float tensors created from Python floats and of the float factories
    (``zeros``, ``rand``, ``arange`` of floats, ``Tensor(...)``): float32 (the default) or float64."""
    _C.set_default_dtype(d)
