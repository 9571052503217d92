"""gradcheck / gradgradcheck: finite differences against the gradients autograd computes.

Same signatures, checks and failure messages as ``torch.autograd.gradcheck``:

* slow mode builds both full Jacobians, laid out as PyTorch lays them out — one row per input element,
  one column per output element (``(input.numel(), output.numel())``). The numerical one perturbs one
  input element at a time through ``input.data`` (central differences); the analytical one runs one
  ``autograd.grad`` per output element with a one-hot ``grad_output`` — twice, to check reentrancy;
* fast mode compares ``v^T J u`` for random unit vectors ``u`` (per input) and ``v`` (per output), and on
  failure recomputes both Jacobians in slow mode for the message;
* then "backward is multiplied by grad_output" (zero grad_outputs give zero gradients) and, with
  ``check_undefined_grad``, that backward copes with undefined (None) output gradients.

On failure a ``GradcheckError`` (a ``RuntimeError``) is raised, or ``False`` is returned when
``raise_exception=False``. Jacobians are assembled in numpy and printed as bibun tensors, so the
message reads as PyTorch's with ``bibun.`` for ``torch.``.

Not available in bibun: forward-mode AD (``check_forward_ad=True``, ``check_fwd_over_rev=True`` raise
``NotImplementedError``), complex and sparse tensors. bibun has no vmap, so ``check_batched_grad=True``
has nothing to compare against: it is accepted and adds no check.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any, Callable

import numpy as np

import bibun
from bibun import _C
from bibun.autograd.function import Function

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""

FAST_FAIL_SLOW_OK_MSG = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:

If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_fast_mode=False`
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_fast_mode=False`
""".strip()


# ---------------------------------------------------------------------------------------------------------------------
# Small helpers


def _as_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x: Any) -> bool:
    return isinstance(x, _C.Tensor)


def _is_float_tensor(x: Any) -> bool:
    return _is_tensor(x) and x.is_floating_point()


def _differentiable_outputs(x: Any) -> tuple:
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _diff_inputs(inputs: tuple) -> list:
    return [t for t in inputs if _is_tensor(t) and t.requires_grad]


def _diff_input_dtype(inputs: tuple, j: int):
    """The dtype of the j-th input requiring grad (the analytical Jacobian's dtype)."""
    return _diff_inputs(inputs)[j].dtype


def _np_dtype(dtype: Any) -> np.dtype:
    return np.dtype(str(dtype).rsplit(".", 1)[-1])


def _values(t: Any) -> np.ndarray:
    """The values of a bibun tensor as a numpy array of its own dtype."""
    return np.array(t.detach().numpy())


def _as_bibun(arr: np.ndarray, dtype: Any):
    return bibun.tensor(np.ascontiguousarray(arr), dtype=dtype)


def _allclose(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    """``torch.allclose(a, b, rtol, atol)`` after promoting both to a common dtype (NaN is never close)."""
    common = np.result_type(a.dtype, b.dtype)
    a, b = a.astype(common), b.astype(common)
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _notallclose_msg(analytical: Any, numerical: Any, output_idx: int, input_idx: int) -> str:
    return (
        f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{numerical}\nanalytical:{analytical}\n"
    )


def _check_inputs(tupled_inputs: tuple) -> None:
    any_requiring = False
    for idx, inp in enumerate(tupled_inputs):
        if _is_tensor(inp) and inp.requires_grad:
            if inp.dtype != bibun.float64:
                warnings.warn(
                    f"Input #{idx} requires gradient and "
                    "is not a double precision floating point or complex. "
                    "This check will likely fail if all the inputs are "
                    "not of double precision floating point or complex. ",
                    stacklevel=4,
                )
            if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.size())):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only "
                    "supports inputs that are non-overlapping to be able to "
                    "compute the numerical gradients correctly. You should call "
                    ".contiguous on the input before passing it to gradcheck."
                )
            any_requiring = True
    if not any_requiring:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, "
            "but none of them have requires_grad=True."
        )


def _check_outputs_same_dtype_and_shape(out1: Any, out2: Any, eps: float, idx: Any = None) -> None:
    on_index = f"on index {idx} " if idx is not None else ""
    if out1.shape != out2.shape:
        raise AssertionError(
            f"Expected `func` to return outputs with the same shape when inputs are perturbed {on_index}by {eps}, "
            f"but got: shapes {out1.shape} and {out2.shape}."
        )
    if out1.dtype != out2.dtype:
        raise AssertionError(
            f"Expected `func` to return outputs with the same dtype when inputs are perturbed {on_index}by {eps}, "
            f"but got: dtypes {out1.dtype} and {out2.dtype}."
        )


# ---------------------------------------------------------------------------------------------------------------------
# Numerical side: central differences through the input's .data


def _perturbed_difference(fn: Callable, inputs: tuple, entry: Any, delta: Any, norm: float, idx: Any,
                          eps: float) -> list[np.ndarray]:
    """(f(x + delta) - f(x - delta)) / (2 norm) for every output, perturbing ``entry`` (a view of x.data) in
    place and restoring it. Computed with bibun ops in the outputs' dtypes, as PyTorch does."""

    def run() -> tuple:
        return tuple(o.clone() for o in _as_tuple(fn(*inputs)))

    orig = entry.clone()
    entry.copy_(orig - delta)
    outa = run()
    entry.copy_(orig + delta)
    outb = run()
    entry.copy_(orig)
    cols = []
    for a, b in zip(outa, outb):
        _check_outputs_same_dtype_and_shape(a, b, eps=eps, idx=idx)
        cols.append(_values(((b - a) / (2 * norm)).reshape(-1)))
    return cols


def _numerical_jacobians(fn: Callable, inputs: tuple, outputs: tuple, eps: float) -> list[list[np.ndarray]]:
    """[input k requiring grad][output i floating] -> (input numel, output numel) in the output's dtype."""
    result = []
    for inp in inputs:
        if not (_is_tensor(inp) and inp.requires_grad):
            continue
        x = inp.data
        float_outs = [o for o in outputs if _is_float_tensor(o)]
        jacs = [np.zeros((inp.numel(), o.numel()), dtype=_np_dtype(o.dtype)) for o in float_outs]
        for d_idx, idx in enumerate(itertools.product(*[range(m) for m in x.size()])):
            cols = _perturbed_difference(fn, inputs, x[idx], eps, eps, idx, eps)
            float_cols = [c for c, o in zip(cols, outputs) if _is_float_tensor(o)]
            for jac, col in zip(jacs, float_cols):
                jac[d_idx] = col
        result.append(jacs)
    return result


# ---------------------------------------------------------------------------------------------------------------------
# Analytical side: autograd.grad with one-hot (slow) or random (fast) grad_outputs


def _stack_and_check(rows_per_input: list, diff_inputs: list, numel_output: int) -> tuple[list, bool, bool]:
    jacs = [np.zeros((inp.numel(), numel_output), dtype=_np_dtype(inp.dtype)) for inp in diff_inputs]
    sizes_ok = types_ok = True
    for i, rows in enumerate(rows_per_input):
        inp = diff_inputs[i]
        for j, g in enumerate(rows):
            if g is not None and g.size() != inp.size():
                sizes_ok = False
            elif g is not None and g.dtype != inp.dtype:
                types_ok = False
            if g is not None:
                flat = _values(g).reshape(-1)
                if flat.size != inp.numel():
                    raise AssertionError(
                        f"Expected out_jacobian column to have {flat.size} elements, but got {inp.numel()}"
                    )
                jacs[i][:, j] = flat
    return jacs, sizes_ok, types_ok


def _analytical_rows(output: Any, diff_inputs: list, grad_outputs: list) -> list[list]:
    rows: list[list] = [[] for _ in diff_inputs]
    for go in grad_outputs:
        grads = bibun.autograd.grad(output, diff_inputs, go, retain_graph=True, allow_unused=True)
        for i, g in enumerate(grads):
            rows[i].append(g.clone() if g is not None else None)
    return rows


def _one_hot_grad_outputs(output: Any):
    base = bibun.zeros(tuple(output.shape), dtype=output.dtype)
    # unsqueeze for 0-d: bibun's view(-1) of a 0-d tensor raises (PyTorch allows it).
    flat = base.unsqueeze(0) if base.dim() == 0 else base.view(-1)
    for j in range(flat.numel()):
        flat.zero_()
        flat[j] = 1.0
        yield base


def _analytical_jacobians(inputs: tuple, output: Any, nondet_tol: float, check_grad_dtypes: bool,
                          v: Any = None) -> list[np.ndarray]:
    """Per input requiring grad, the (input numel, output numel) Jacobian (slow mode) or the single column
    v^T J (fast mode, ``v`` given), computed twice to check that backward is deterministic."""
    diff_inputs = _diff_inputs(inputs)

    def rows():
        if v is None:
            return _analytical_rows(output, diff_inputs, _one_hot_grad_outputs(output))
        return _analytical_rows(output, diff_inputs, [v.reshape(tuple(output.shape))])

    numel_output = output.numel() if v is None else 1
    jacs1, sizes_ok, types_ok = _stack_and_check(rows(), diff_inputs, numel_output)
    jacs2, _, _ = _stack_and_check(rows(), diff_inputs, numel_output)
    reentrant = all(
        j1.size == 0 or np.max(np.abs(j1 - j2)) <= nondet_tol for j1, j2 in zip(jacs1, jacs2)
    )
    # PyTorch unpacks (sizes_ok, types_ok) in swapped order here; kept so the same failure gives the same text.
    types_ok, sizes_ok = sizes_ok, types_ok
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not reentrant:
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with "
            "same input and grad_output multiple times gives different values, "
            "although analytical gradient matches numerical gradient."
            f"The tolerance for nondeterminism was {nondet_tol}." + FAILED_NONDET_MSG
        )
    return jacs1


# ---------------------------------------------------------------------------------------------------------------------
# Slow and fast mode


def _check_no_differentiable_outputs(func: Callable, inputs: tuple, func_out: tuple, eps: float) -> bool:
    for per_input in _numerical_jacobians(func, inputs, func_out, eps):
        for jac in per_input:
            if np.count_nonzero(jac) > 0:
                raise GradcheckError("Numerical gradient for function expected to be zero")
    return True


def _slow_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol) -> bool:
    func_out = _as_tuple(func_out)
    if not outputs:
        return _check_no_differentiable_outputs(func, inputs, func_out, eps)
    per_input = _numerical_jacobians(func, inputs, func_out, eps)
    numerical = [list(per_output) for per_output in zip(*per_input)] if per_input else []
    numerical = [nj for o, nj in zip([o for o in func_out if _is_float_tensor(o)], numerical) if o.requires_grad]
    for i, o in enumerate(outputs):
        analytical = _analytical_jacobians(inputs, o, nondet_tol, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, numerical[i])):
            if not _allclose(a, n, rtol, atol):
                a_t, n_t = _as_bibun(a, _diff_input_dtype(inputs, j)), _as_bibun(n, o.dtype)
                raise GradcheckError(_notallclose_msg(a_t, n_t, i, j))
    return True


def _random_unit_vector(numel: int, dtype: Any, rng: np.random.RandomState):
    vec = rng.random_sample(numel).astype(_np_dtype(dtype))
    norm = np.sqrt(np.sum(vec.astype(np.float64) ** 2))
    return bibun.tensor(vec, dtype=dtype) / float(norm) if norm > 0 else bibun.tensor(vec, dtype=dtype)


def _slow_mode_error(func, inputs, outputs, input_idx, output_idx, rtol, atol, eps) -> str:
    numerical = _numerical_jacobians(func, inputs, outputs, eps)[input_idx][output_idx]
    analytical = _analytical_jacobians(inputs, outputs[output_idx], float("inf"), False)[input_idx]
    common = np.result_type(numerical.dtype, analytical.dtype)
    max_diff = np.max(np.abs(numerical.astype(common) - analytical.astype(common))) if numerical.size else 0.0
    num_t = _as_bibun(numerical, outputs[output_idx].dtype)
    ana_t = _as_bibun(analytical, _diff_input_dtype(inputs, input_idx))
    diff_t = bibun.tensor(float(max_diff), dtype=ana_t.dtype)
    msg = (
        "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
        "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
        "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
        f"Numerical:\n {num_t}\n"
        f"Analytical:\n{ana_t}\n\n"
        f"The max per-element difference (slow mode) is: {diff_t}.\n"
    )
    if _allclose(analytical, numerical, rtol, atol):
        msg += FAST_FAIL_SLOW_OK_MSG
    return msg


def _fast_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol) -> bool:
    rng = np.random.RandomState(0)
    inp_indices = [i for i, t in enumerate(inputs) if _is_tensor(t) and t.requires_grad]
    all_u = [_random_unit_vector(inputs[i].numel(), inputs[i].dtype, rng) for i in inp_indices]
    all_v = [_random_unit_vector(o.numel(), o.dtype, rng) for o in outputs]
    func_out_t = _as_tuple(func_out)

    # numerical[k][i] = v_i . (J_ik u_k) by central differences along u_k
    numerical = []
    for k, u in zip(inp_indices, all_u):
        x = inputs[k].data
        delta = u.reshape(tuple(x.shape)) * eps
        cols = _perturbed_difference(func, inputs, x, delta, eps, None, eps)
        float_cols = [c for c, o in zip(cols, func_out_t) if _is_float_tensor(o)]
        if not outputs:
            for c in float_cols:
                if c.size and np.max(np.abs(c)) > nondet_tol:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        numerical.append([np.dot(_values(v), c) for v, c in zip(all_v, float_cols)])

    # analytical[i][k] = (v_i^T J_ik) . u_k
    analytical = []
    for o, v in zip(outputs, all_v):
        vJ = _analytical_jacobians(inputs, o, nondet_tol, check_grad_dtypes, v=v)
        analytical.append([np.dot(col[:, 0], _values(u)) for col, u in zip(vJ, all_u)])

    for k, per_output in enumerate(numerical):
        for i, n in enumerate(per_output):
            a = analytical[i][k]
            adjusted_atol = atol * float(_values(all_u[k]).sum()) * float(_values(all_v[i]).sum())
            if not _allclose(np.asarray(a), np.asarray(n), rtol, adjusted_atol):
                a_t = bibun.tensor(np.asarray(a), dtype=_diff_input_dtype(inputs, k))
                n_t = bibun.tensor(np.asarray(n), dtype=outputs[i].dtype)
                raise GradcheckError(
                    _notallclose_msg(a_t, n_t, i, k) + _slow_mode_error(func, inputs, outputs, k, i, rtol, atol, eps)
                )
    return True


# ---------------------------------------------------------------------------------------------------------------------
# Backward-specific checks


def _test_backward_mul_by_grad_output(outputs: tuple, inputs: tuple, masked: Any) -> bool:
    diff_inputs = _diff_inputs(inputs)
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")
    grads = bibun.autograd.grad(
        outputs, diff_inputs, [bibun.zeros(tuple(o.shape), dtype=o.dtype) for o in outputs], allow_unused=True
    )
    for gi, di in zip(grads, diff_inputs):
        if gi is None:
            continue
        values = _values(gi)
        if masked:
            if not _allclose(values, np.zeros_like(values), 1e-5, 1e-8):
                raise GradcheckError("backward not multiplied by grad_output")
        elif not np.all(values == 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype != di.dtype:
            raise GradcheckError("grad is incorrect type")
        if str(gi.device) != str(di.device):
            raise GradcheckError("grad is incorrect device")
        if gi.size() != di.size():
            raise GradcheckError("grad is incorrect size")
    return True


class _UndefinedGrad(Function):
    """Identity whose backward passes an undefined (None) gradient on: PyTorch's ``UndefinedGrad``."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        return None


def _test_undefined_backward_mode(func: Callable, outputs: tuple, inputs: tuple) -> bool:
    diff_inputs = _diff_inputs(inputs)
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")

    def warn_bc_breaking() -> None:
        warnings.warn(
            "Backwards compatibility: New undefined gradient support checking "
            "feature is enabled by default, but it may break existing callers "
            "of this function. If this is true for you, you can call this "
            'function with "check_undefined_grad=False" to disable the feature',
            stacklevel=2,
        )

    def check(outs: list) -> bool:
        zeros = [bibun.zeros(tuple(o.shape), dtype=o.dtype) for o in outs]
        try:
            grads = bibun.autograd.grad(outs, diff_inputs, zeros, allow_unused=True)
        except RuntimeError as e:
            warn_bc_breaking()
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. "
                'Please look at "Notes about undefined output gradients" in '
                '"tools/autograd/derivatives.yaml"'
            ) from e
        for gi in grads:
            if gi is not None and not np.all(_values(gi) == 0):
                warn_bc_breaking()
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are undefined "
                    'or zero. Please look at "Notes about undefined output gradients" in '
                    '"tools/autograd/derivatives.yaml"'
                )
        return True

    to_check = [[_UndefinedGrad.apply(o) for o in _differentiable_outputs(func(*inputs)) if _is_tensor(o)]]
    if len(to_check[0]) > 1:
        for undef_idx in range(len(outputs)):
            outs = _differentiable_outputs(func(*inputs))
            to_check.append([_UndefinedGrad.apply(o) if idx == undef_idx else o for idx, o in enumerate(outs)])
    return all(check(outs) for outs in to_check)


# ---------------------------------------------------------------------------------------------------------------------
# Public API


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Checks the gradients of ``func`` at ``inputs`` (tensors with ``requires_grad=True``, float64 ideally)
    against finite differences; returns True, or raises ``GradcheckError`` (False with
    ``raise_exception=False``)."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_forward_ad:
        raise NotImplementedError("bibun has no forward-mode AD: gradcheck(check_forward_ad=True) is not supported")
    try:
        return _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes,
                                 check_backward_ad, fast_mode, masked)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes,
                      check_backward_ad, fast_mode, masked) -> bool:
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)
    func_out = func(*tupled_inputs)
    outputs = _differentiable_outputs(func_out)
    if not check_backward_ad:
        return True
    check = _fast_gradcheck if fast_mode else _slow_gradcheck
    check(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol)
    _test_backward_mul_by_grad_output(outputs, tupled_inputs, masked)
    if check_undefined_grad:
        _test_undefined_backward_mode(func, outputs, tupled_inputs)
    return True


def _random_grad_output(shape: tuple, dtype: Any, noncontiguous: bool):
    """``torch.testing.make_tensor(shape, low=-1, high=1, requires_grad=True, noncontiguous=...)``."""
    values = bibun.rand(*shape, dtype=dtype) * 2 - 1 if shape else bibun.rand((), dtype=dtype) * 2 - 1
    if noncontiguous and values.numel() > 1:
        base = bibun.zeros(tuple(shape[:-1]) + (2 * shape[-1],), dtype=dtype)
        result = base[..., ::2]
        result.copy_(values)
    else:
        result = values.detach()
    return result.requires_grad_(True)


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """gradcheck of the backward of ``func``: the gradients of ``func``'s gradients w.r.t. ``inputs`` and
    ``grad_outputs`` (random in [-1, 1) when not given)."""
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            _random_grad_output(tuple(x.shape), x.dtype if x.is_floating_point() else bibun.float64,
                                gen_non_contig_grad_outputs)
            for x in outputs
        )
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)

    num_outputs = len(tupled_grad_outputs)
    diff_input_idx = {i for i, x in enumerate(tupled_inputs) if _is_tensor(x) and x.requires_grad}
    diff_grad_output_idx = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_input_idx else x for i, x in enumerate(args[:-num_outputs]))
        outs = _differentiable_outputs(func(*input_args))
        gos = tuple(x.requires_grad_() if i in diff_grad_output_idx else x
                    for i, x in enumerate(args[-num_outputs:]))
        diff_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_idx)
        grads = bibun.autograd.grad(outs, diff_args, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        new_func,
        tupled_inputs + tupled_grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad,
        fast_mode=fast_mode,
        check_forward_ad=check_fwd_over_rev,
        check_backward_ad=check_rev_over_rev,
        masked=masked,
    )


# bibun.autograd.gradcheck is this function (as in PyTorch); its error class stays reachable
# as bibun.autograd.gradcheck.GradcheckError.
gradcheck.GradcheckError = GradcheckError  # type: ignore[attr-defined]
