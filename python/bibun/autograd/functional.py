"""Higher-level autograd transforms: vjp, jvp, jacobian, hessian, vhp and hvp.

Same signatures, results, output nesting and ``strict=True`` errors as ``torch.autograd.functional``,
built on ``bibun.autograd.grad``. bibun has no forward-mode AD and no vmap, so

* ``jvp`` and ``hvp`` use the double-backward trick (as PyTorch does),
* ``jacobian`` computes one row per backward pass (``vectorize=False``, ``strategy="reverse-mode"``);
  ``vectorize=True`` and ``strategy="forward-mode"`` raise ``NotImplementedError``.

Shared conventions (Note [functional tuple flags]): each public function records whether the user
passed a tuple (``is_inputs_tuple``) and whether ``func`` returned one (``is_outputs_tuple``), works
on tuples internally, and unpacks the result again with ``_tuple_postprocess``; ``jacobian`` and
``hessian`` nest one tuple per output (outer) and one per input (inner).
"""

from __future__ import annotations

from typing import Any, Callable

import bibun
from bibun import _C
from bibun.autograd.grad_mode import enable_grad, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ---------------------------------------------------------------------------------------------------------------------
# Tuple handling


def _as_tuple(value: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """(was it a tuple, the tuple); every element must be a Tensor (PyTorch's TypeError otherwise)."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if isinstance(item, _C.Tensor):
            continue
        where = f"the value at index {i} has type {type(item)}" if is_tuple else f"the given {arg_name} has type {type(item)}"
        raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but {where}.")
    return is_tuple, items


def _tuple_postprocess(res: Any, to_unpack: Any) -> Any:
    """Undo the tuple wrapping: ``to_unpack`` is one flag, or (outer flag, inner flag) for nested results."""
    if isinstance(to_unpack, tuple):
        outer, inner = to_unpack
        if not inner:
            res = tuple(el[0] for el in res)
        if not outer:
            res = res[0]
        return res
    return res if to_unpack else res[0]


def _grad_preprocess(tensors: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh graph inputs: a differentiable alias when the caller builds a graph through us, else a detached leaf."""
    out = []
    for t in tensors:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(need_graph))
    return tuple(out)


def _grad_postprocess(tensors: tuple, create_graph: bool) -> tuple:
    """Detach results unless ``create_graph`` (recursing into the nested tuples of jacobian/hessian)."""
    if isinstance(tensors[0], _C.Tensor):
        return tensors if create_graph else tuple(t.detach() for t in tensors)
    return tuple(_grad_postprocess(t, create_graph) for t in tensors)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(v) != len(other):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prefix = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {el_other.size()} but got {el_v.size()}.")


_STRICT_NOT_REQUIRING = {
    "outputs": (
        "Output {i} of the user-provided function does not require gradients. The outputs must be computed in a "
        "differentiable manner from the input when running in strict mode."
    ),
    "grad_inputs": (
        "The gradient with respect to input {i} is independent of the inputs of the user-provided function. "
        "This is not allowed in strict mode."
    ),
    "jacobian": (
        "While computing the hessian, found that the jacobian of the user-provided function with respect to input "
        "{i} is independent of the input. This is not allowed in strict mode. You should ensure that your function "
        "is twice differentiable and that the jacobian depends on the inputs (this would be violated by a linear "
        "function for example)."
    ),
    "hessian": (
        "The hessian of the user-provided function with respect to input {i} is independent of the input. This is "
        "not allowed in strict mode. You should ensure that your function is thrice differentiable and that the "
        "hessian depends on the inputs."
    ),
}


def _check_requires_grad(tensors: tuple, kind: str, strict: bool) -> None:
    """In strict mode, every tensor must exist and require grad (``kind`` picks PyTorch's message)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. This is not allowed in "
                "strict mode."
            )
        if not t.requires_grad:
            raise RuntimeError(_STRICT_NOT_REQUIRING[kind].format(i=i))


def _autograd_grad(outputs: tuple, inputs: tuple, grad_outputs: Any = None, create_graph: bool = False,
                   retain_graph: Any = None) -> tuple:
    """``autograd.grad`` over the outputs that require grad (allow_unused); all None when none does."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    kept_out, kept_grad = [], []
    for out, g in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            kept_out.append(out)
            kept_grad.append(g)
    if not kept_out:
        return (None,) * len(inputs)
    return bibun.autograd.grad(tuple(kept_out), inputs, tuple(kept_grad), allow_unused=True,
                               create_graph=create_graph, retain_graph=retain_graph)


_STRICT_MISSING = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict mode.",
    "back_trick": (
        "The gradient with respect to the input is independent of entry {i} in the grad_outputs when using the "
        "double backward trick to compute forward mode gradients. This is not allowed in strict mode."
    ),
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed in "
                   "strict mode.",
    "double_back_trick": (
        "The hessian of the user-provided function is independent of entry {i} in the grad_jacobian. This is not "
        "allowed in strict mode as it prevents from using the double backward trick to replace forward mode AD."
    ),
}


def _fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Replace missing gradients by zeros shaped like ``refs`` (strict mode raises instead)."""
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_MISSING[stage].format(i=i))
            g = bibun.zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This is not allowed in "
                "strict mode when create_graph=True."
            )
        res.append(g)
    return tuple(res)


def _prepare_v(v: Any, ref: tuple, is_ref_tuple: bool, create_graph: bool, fn_name: str, none_msg: str) -> Any:
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
        _validate_v(v, ref, is_ref_tuple)
        return v
    if len(ref) != 1 or ref[0].nelement() != 1:
        raise RuntimeError(none_msg)
    return None


_V_NONE_OUTPUT = ("The vector v can only be None if the user-provided function returns a single Tensor with a single "
                  "element.")
_V_NONE_INPUT_JVP = ("The vector v can only be None if the input to the user-provided function is a single Tensor "
                     "with a single element.")


# ---------------------------------------------------------------------------------------------------------------------
# Public transforms


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product of ``func`` at ``inputs``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        v = _prepare_v(v, outputs, is_outputs_tuple, create_graph, "vjp", _V_NONE_OUTPUT)

    with set_grad_enabled(True if create_graph else _C.is_grad_enabled()):
        grads = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grads, inputs, strict, create_graph, "back")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v), computed with the double-backward trick: J v = d/du (u^T J) v."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, "jvp", _V_NONE_INPUT_JVP)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        # u^T J as a function of the dummy u (zeros that require grad), then differentiate it w.r.t. u along v.
        dummy = tuple(bibun.zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, dummy, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)

    with set_grad_enabled(True if create_graph else _C.is_grad_enabled()):
        grads = _autograd_grad(grad_inputs, dummy, v, create_graph=create_graph)
        result = _fill_in_zeros(grads, outputs, strict, create_graph, "back_trick")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_outputs_tuple)


def _stack_rows(rows: list, shape: tuple):
    """``torch.stack(rows).view(shape)``, with ``bibun.stack`` when it exists.

    Otherwise: rows that need no graph are written into a zeros tensor; rows that require grad are combined
    as ``sum_j onehot_j * row_j`` (mul/add only), because bibun cannot yet differentiate a backward that went
    through an in-place write on a view, and hessian differentiates this result again. (That form turns an
    inf entry into nan in the other rows; such Jacobians are not expected under create_graph.)"""
    if not rows:
        raise RuntimeError("stack expects a non-empty TensorList")
    stack = getattr(bibun, "stack", None)
    if stack is not None:
        return stack(rows, dim=0).view(shape)
    first = rows[0]
    n = len(rows)
    if not any(r.requires_grad for r in rows):
        res = first.new_zeros((n,) + tuple(first.shape))
        for j, row in enumerate(rows):
            res[j] = row
        return res.view(shape)
    res = None
    for j, row in enumerate(rows):
        onehot = first.new_zeros((n,) + (1,) * first.dim())
        onehot[j] = 1.0
        term = onehot * row.unsqueeze(0)
        res = term if res is None else res + term
    return res.view(shape)


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: ``J[i][j]`` has shape ``output_i.shape + input_j.shape``.

    One backward per output element (reverse mode). The nesting follows the tuple-ness of inputs and outputs.
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function has more '
            'outputs than inputs, "forward-mode" tends to be more performant. Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` are not "
                "supported together (yet). Please either set `create_graph=False` or `strategy=\"reverse-mode\"`."
            )
        raise NotImplementedError("bibun has no forward-mode AD: use strategy=\"reverse-mode\"")

    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict)

        if vectorize:
            if strict:
                raise RuntimeError(
                    "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported "
                    "together. Please either set `strict=False` or `vectorize=False`."
                )
            raise NotImplementedError("bibun has no vmap: jacobian(vectorize=True) is not supported")

        result = []
        for i, out in enumerate(outputs):
            rows: list[list] = [[] for _ in inputs]  # rows[k][j]: d out.flat[j] / d inputs[k]
            flat = out.reshape(-1)
            for j in range(out.nelement()):
                vj = _autograd_grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
                for k, (g, inp) in enumerate(zip(vj, inputs)):
                    if g is not None:
                        if strict and create_graph and not g.requires_grad:
                            # PyTorch names the output index here (its message says "input {i}").
                            raise RuntimeError(
                                f"The jacobian of the user-provided function is independent of input {i}. This is "
                                "not allowed in strict mode when create_graph=True."
                            )
                        rows[k].append(g)
                    else:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of input {k}. This is "
                                "not allowed in strict mode."
                            )
                        rows[k].append(bibun.zeros_like(inp))
            result.append(tuple(
                _stack_rows(rows[k], tuple(out.size()) + tuple(inputs[k].size())) for k in range(len(inputs))
            ))
        result = _grad_postprocess(tuple(result), create_graph)
        return _tuple_postprocess(result, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of the scalar function ``func``: the Jacobian of its gradient (``H[i][j]`` for input pairs)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple or not isinstance(out, _C.Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(single_output, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_function_output(func: Callable, inputs: tuple, strict: bool, fn_name: str) -> tuple:
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict)
    if is_outputs_tuple or not isinstance(outputs[0], _C.Tensor):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")
    return is_outputs_tuple, outputs


_V_NONE_INPUT_HESS = ("The vector v can only be None if the input to the user-provided function is a single Tensor "
                      "with a single element.")


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H) for a scalar ``func``: the backward of its gradient along ``v``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, "vhp", _V_NONE_INPUT_HESS)
        is_outputs_tuple, outputs = _scalar_function_output(func, inputs, strict, "vhp")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)

    with set_grad_enabled(True if create_graph else _C.is_grad_enabled()):
        grads = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grads, inputs, strict, create_graph, "double_back")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) for a scalar ``func``, by the double-backward trick (differentiating v^T H w.r.t. v)."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, "hvp", _V_NONE_INPUT_HESS)
        is_outputs_tuple, outputs = _scalar_function_output(func, inputs, strict, "hvp")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        dummy = tuple(bibun.zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, dummy, create_graph=True)
        # PyTorch checks ``jac`` again here (not ``double_back``); kept for identical strict-mode behaviour.
        _check_requires_grad(jac, "hessian", strict)

    with set_grad_enabled(True if create_graph else _C.is_grad_enabled()):
        grads = _autograd_grad(double_back, dummy, v, create_graph=create_graph)
        result = _fill_in_zeros(grads, inputs, strict, create_graph, "double_back_trick")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)
