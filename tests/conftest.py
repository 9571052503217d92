"""Shared test helpers: PyTorch as the oracle, and a finite-difference gradcheck that needs no PyTorch.

Helpers are handed to tests as fixtures (``compare_with_torch``, ``gradcheck``, ``torch``), so a test that
asks for PyTorch is skipped, not failed, where PyTorch is not installed. Ops under test are written once as
``fn(lib, *tensors)`` and run through both libraries: ``lib`` is the ``bibun`` or ``torch`` module.
"""

from __future__ import annotations

import ctypes
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import bibun


def _asan_runtime_loaded() -> bool:
    """True in .ci/run's AddressSanitizer step, which preloads the ASan runtime into the interpreter."""
    return hasattr(ctypes.CDLL(None), "__asan_init")


UNDER_ASAN = _asan_runtime_loaded()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs for seconds (a million-op graph); skip with -m 'not slow'")
    config.addinivalue_line(
        "markers",
        "skip_under_asan(reason): skipped in the ASan+UBSan run of .ci/run only (too slow there, or "
        "something ASan changes), for the reason given; the test runs in every other run",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not UNDER_ASAN:
        return
    for item in items:
        marker = item.get_closest_marker("skip_under_asan")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"under AddressSanitizer: {reason}"))


def dtype_name(dtype: Any) -> str:
    """'float32' for bibun.float32, torch.float32 and np.float32 alike."""
    if isinstance(dtype, np.dtype) or (isinstance(dtype, type) and issubclass(dtype, np.generic)):
        return np.dtype(dtype).name
    return str(dtype).rsplit(".", 1)[-1]


def to_numpy(t: Any) -> np.ndarray:
    """The values of a bibun or torch tensor as a numpy array of the tensor's shape."""
    t = t.detach()
    if hasattr(t, "numpy"):
        return np.array(t.numpy())
    return np.array(t.tolist())


def make_tensor(lib: Any, values: Any, dtype: str | None = None, requires_grad: bool = False) -> Any:
    """``lib.tensor`` of a numpy array (or scalar), built through nested lists so both libraries see the
    same numbers; ``dtype`` defaults to the array's own."""
    arr = np.asarray(values)
    name = dtype or arr.dtype.name
    if arr.size == 0:  # nested lists lose the shape of an empty array such as (0, 3)
        return lib.zeros(arr.shape, dtype=getattr(lib, name), requires_grad=requires_grad)
    return lib.tensor(arr.tolist(), dtype=getattr(lib, name), requires_grad=requires_grad)


def rng_for(*key: Any) -> np.random.RandomState:
    """A RandomState seeded from a test's parameters, so every parametrized case draws its own numbers."""
    return np.random.RandomState(zlib.crc32(repr(key).encode()))


def _floating(name: str) -> bool:
    return name in ("float32", "float64")


def _requires_grad_flags(requires_grad: bool | Sequence[bool], n: int) -> list[bool]:
    if isinstance(requires_grad, bool):
        return [requires_grad] * n
    assert len(requires_grad) == n, "one requires_grad flag per input"
    return [bool(flag) for flag in requires_grad]


def _assert_same_values(got: np.ndarray, want: np.ndarray, atol: float, rtol: float, what: str) -> None:
    assert got.shape == want.shape, f"{what}: shape {got.shape} != torch's {want.shape}"
    if want.dtype == np.bool_ or np.issubdtype(want.dtype, np.integer):
        np.testing.assert_array_equal(got, want, err_msg=what)
    else:
        np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, equal_nan=True, err_msg=what)


def _run_both(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    requires_grad: bool | Sequence[bool],
    dtype: str | None,
    torch: Any,
) -> tuple[list[Any], list[Any], Any, Any]:
    flags = _requires_grad_flags(requires_grad, len(inputs))
    bibun_inputs, torch_inputs = [], []
    for arr, rg in zip(inputs, flags):
        name = dtype or np.asarray(arr).dtype.name
        rg = rg and _floating(name)
        bibun_inputs.append(make_tensor(bibun, arr, name, rg))
        torch_inputs.append(make_tensor(torch, arr, name, rg))
    return bibun_inputs, torch_inputs, fn(bibun, *bibun_inputs), fn(torch, *torch_inputs)


def _compare_with_torch(
    torch: Any,
    fn: Callable[..., Any],
    *inputs: Any,
    requires_grad: bool | Sequence[bool] = True,
    dtype: str | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    check_grad: bool = True,
) -> tuple[Any, Any]:
    """Run ``fn(lib, *tensors)`` through bibun and torch on the same values (tinygrad's helper_test_op).

    Compares the result's shape, dtype, values and requires_grad; then, when the result requires grad,
    backpropagates the same random upstream gradient through both and compares every input's ``.grad``
    (None in both, or the same shape, dtype and values). Floating inputs require grad unless
    ``requires_grad`` (one flag or one per input) says otherwise; ``dtype`` overrides the arrays' dtypes.
    Returns (bibun result, torch result) for further checks.
    """
    b_in, t_in, b_out, t_out = _run_both(fn, inputs, requires_grad, dtype, torch)
    assert dtype_name(b_out.dtype) == dtype_name(t_out.dtype), "result dtype differs from torch's"
    assert tuple(b_out.shape) == tuple(t_out.shape), "result shape differs from torch's"
    _assert_same_values(to_numpy(b_out), to_numpy(t_out), atol, rtol, "forward value")
    assert b_out.requires_grad == t_out.requires_grad, "result requires_grad differs from torch's"
    if not (check_grad and t_out.requires_grad):
        return b_out, t_out

    upstream = rng_for("upstream", tuple(t_out.shape)).standard_normal(tuple(t_out.shape))
    upstream = upstream.astype(dtype_name(t_out.dtype))
    b_out.backward(make_tensor(bibun, upstream))
    t_out.backward(make_tensor(torch, upstream))
    for i, (b, t) in enumerate(zip(b_in, t_in)):
        if t.grad is None:
            assert b.grad is None, f"input {i}: bibun has a .grad where torch has None"
            continue
        assert b.grad is not None, f"input {i}: .grad is None, torch has one"
        assert tuple(b.grad.shape) == tuple(b.shape), f"input {i}: grad shape differs from the input's"
        assert dtype_name(b.grad.dtype) == dtype_name(t.grad.dtype), f"input {i}: grad dtype differs"
        _assert_same_values(to_numpy(b.grad), to_numpy(t.grad), atol, rtol, f"gradient of input {i}")
    return b_out, t_out


def _jacobians(
    fn: Callable[..., Any], inputs: Sequence[np.ndarray], flags: Sequence[bool], eps: float
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    def forward(arrays: Sequence[np.ndarray], grads: bool) -> tuple[list[Any], Any]:
        ts = [make_tensor(bibun, a, "float64", grads and rg) for a, rg in zip(arrays, flags)]
        return ts, fn(bibun, *ts)

    _, out = forward(inputs, False)
    out_shape = tuple(out.shape)
    n_out = int(np.prod(out_shape))
    analytic = [np.zeros((n_out, a.size)) for a in inputs]
    numeric = [np.zeros((n_out, a.size)) for a in inputs]
    for row in range(n_out):
        ts, out = forward(inputs, True)
        onehot = np.zeros(n_out)
        onehot[row] = 1.0
        out.backward(make_tensor(bibun, onehot.reshape(out_shape)))
        for k, t in enumerate(ts):
            if flags[k] and t.grad is not None:
                analytic[k][row] = to_numpy(t.grad).reshape(-1)
    for k, a in enumerate(inputs):
        if not flags[k]:
            continue
        for j in range(a.size):
            plus, minus = [x.copy() for x in inputs], [x.copy() for x in inputs]
            plus[k].reshape(-1)[j] += eps
            minus[k].reshape(-1)[j] -= eps
            f_plus = to_numpy(forward(plus, False)[1]).reshape(-1)
            f_minus = to_numpy(forward(minus, False)[1]).reshape(-1)
            numeric[k][:, j] = (f_plus - f_minus) / (2 * eps)
    return analytic, numeric


def _gradcheck(
    fn: Callable[..., Any],
    *inputs: Any,
    requires_grad: bool | Sequence[bool] = True,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Central-difference gradcheck of ``fn(bibun, *tensors)`` in float64: the full Jacobian from one
    backward per output element against (f(x+eps) - f(x-eps)) / 2eps for every input element."""
    arrays = [np.array(a, dtype=np.float64) for a in inputs]
    flags = _requires_grad_flags(requires_grad, len(arrays))
    analytic, numeric = _jacobians(fn, arrays, flags, eps)
    for k in range(len(arrays)):
        if flags[k]:
            np.testing.assert_allclose(
                analytic[k], numeric[k], atol=atol, rtol=rtol, err_msg=f"Jacobian of input {k}"
            )


@pytest.fixture
def torch() -> Any:
    """The real PyTorch, the oracle; the test is skipped where it is not installed."""
    return pytest.importorskip("torch")


@pytest.fixture
def compare_with_torch(torch: Any) -> Callable[..., tuple[Any, Any]]:
    def compare(fn: Callable[..., Any], *inputs: Any, **kwargs: Any) -> tuple[Any, Any]:
        return _compare_with_torch(torch, fn, *inputs, **kwargs)

    compare.__doc__ = _compare_with_torch.__doc__
    return compare


@pytest.fixture
def gradcheck() -> Callable[..., None]:
    return _gradcheck
