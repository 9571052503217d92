"""Table-driven checks of every op in tests/op_table.py against PyTorch (the oracle).

For each row: forward values and dtypes of the function and method forms on every dtype and layout
(or the same exception type as torch), gradients and grad_fn names for random upstream gradients,
float64 gradcheck and gradgradcheck, the in-place twin, the ``out=`` form, and bad arguments.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import bibun
from conftest import _assert_same_values, dtype_name, make_tensor, rng_for, to_numpy
from op_info import resolve_dtypes
from op_table import ALL_DTYPES, FLOATS, OPS, OpInfo, Sample, gradcheck, gradgradcheck, samples_of


def _params(test: str, dtypes: tuple, want: Callable[[OpInfo], bool] = lambda op: True) -> list:
    out = []
    for op in OPS:
        if not want(op):
            continue
        for dt in dtypes:
            reason = op.xfail.get((test, dt)) or op.xfail.get((test, "*"))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            out.append(pytest.param(op, dt, id=f"{op.name}-{dt}", marks=marks))
    return out


def _build(lib: Any, sample: Sample, dtype: str, requires_grad: bool) -> tuple[list, list]:
    """(leaves, call arguments): tensors from the sample's arrays, the first one through its view."""
    leaves, args = [], []
    for k, arr in enumerate(sample.inputs):
        if arr is None:
            leaves.append(None)
            args.append(None)
            continue
        dt = (sample.input_dtypes[k:k + 1] or (None,))[0] or dtype
        t = make_tensor(lib, arr, dt, requires_grad and dt in FLOATS)
        leaves.append(t)
        args.append(sample.view(t) if k == 0 and sample.view else t)
    return leaves, args


def _call(form: str, lib: Any, op: OpInfo, args: list, sample: Sample, out: Any = None) -> Any:
    first, rest = args[0], args[1:]
    extra, kw = resolve_dtypes(lib, sample.args, sample.kwargs)
    if form == "function":
        if out is not None:
            kw["out"] = out
        return op.function(lib)(first, *rest, *extra, **kw)
    if form == "method":
        return getattr(first, op.name)(*rest, *extra, **kw)
    return getattr(first, op.name + "_")(*rest, *extra, **kw)


def _both(fn: Callable[[Any], Any], torch: Any) -> tuple[Any, Any, Exception | None, Exception | None]:
    """fn(lib) through torch and bibun; an exception of either is returned, not raised."""
    results, errors = [], []
    for lib in (torch, bibun):
        try:
            results.append(fn(lib))
            errors.append(None)
        except Exception as e:  # noqa: BLE001 - compared below
            results.append(None)
            errors.append(e)
    return results[1], results[0], errors[1], errors[0]


def _same_outcome(what: str, b_err: Exception | None, t_err: Exception | None) -> bool:
    """True when both succeeded; asserts the same exception type when torch raised."""
    if t_err is not None:
        assert b_err is not None, f"{what}: torch raises {type(t_err).__name__}: {t_err}; bibun does not"
        assert type(b_err).__name__ == type(t_err).__name__, f"{what}: bibun raises {b_err!r}, torch {t_err!r}"
        return False
    if b_err is not None:
        raise AssertionError(f"{what}: bibun raises {b_err!r}; torch succeeds") from b_err
    return True


def _assert_same_tensor(what: str, b: Any, t: Any, op: OpInfo) -> None:
    """One tensor, or a tuple / named tuple of tensors (max(dim), sort, std_mean): each element's values
    and dtype (integer outputs such as indices exactly), and the named tuple's type name."""
    if isinstance(t, tuple):
        assert isinstance(b, tuple), f"{what}: torch returns a {type(t).__name__} tuple, bibun {type(b).__name__}"
        assert len(b) == len(t), f"{what}: {len(b)} outputs != torch's {len(t)}"
        t_kind, b_kind = type(t).__name__.removesuffix("_out"), type(b).__name__.removesuffix("_out")
        assert b_kind == t_kind, f"{what}: returns a {type(b).__name__}, torch a {type(t).__name__}"
        for k, (bk, tk) in enumerate(zip(b, t)):
            _assert_same_tensor(f"{what}: output {k}", bk, tk, op)
        return
    assert dtype_name(b.dtype) == dtype_name(t.dtype), f"{what}: dtype {b.dtype} != torch's {t.dtype}"
    assert tuple(b.shape) == tuple(t.shape), f"{what}: shape {tuple(b.shape)} != torch's {tuple(t.shape)}"
    _assert_same_values(to_numpy(b), to_numpy(t), op.atol, op.rtol, what)


def _outputs(result: Any) -> list:
    """An op's result as a list of tensors (a tuple's elements, or the one tensor)."""
    return list(result) if isinstance(result, tuple) else [result]


def _differentiable_outputs(result: Any) -> list:
    """The outputs gradients flow from: floating-point ones (never indices or masks)."""
    return [o for o in _outputs(result) if dtype_name(o.dtype) in FLOATS]


@pytest.mark.parametrize("op, dtype", _params("forward", ALL_DTYPES))
def test_forward_values_and_dtype_match_torch(op: OpInfo, dtype: str, torch: Any) -> None:
    accepted = False
    for sample in samples_of(op, dtype, rng_for(op.name, dtype)):
        for form in ("function", "method") if op.method else ("function",):
            what = f"{op.name}.{form}[{sample.name}]"

            def run(lib: Any) -> Any:
                return _call(form, lib, op, _build(lib, sample, dtype, False)[1], sample)

            b, t, b_err, t_err = _both(run, torch)
            if _same_outcome(what, b_err, t_err):
                accepted = True
                _assert_same_tensor(what, b, t, op)
    assert accepted == (dtype in op.dtypes), f"the table says {op.name} accepts {op.dtypes}"


def _upstream(shape: tuple, dtype: str, key: Any) -> np.ndarray:
    return rng_for("upstream", key, shape).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("op, dtype", _params("grad", FLOATS, lambda op: op.differentiable))
def test_gradients_and_grad_fn_match_torch(op: OpInfo, dtype: str, torch: Any) -> None:
    for sample in samples_of(op, dtype, rng_for(op.name, dtype, "grad")):
        if not sample.grad:
            continue
        what = f"{op.name}[{sample.name}]"
        outs = {}

        def run(lib: Any) -> Any:
            leaves, args = _build(lib, sample, dtype, True)
            outs[lib.__name__] = (leaves, _call("function", lib, op, args, sample))

        if not _same_outcome(what, *_both(run, torch)[2:]):
            continue  # bad arguments for this layout (e.g. dim=1 of a 0-d input), raised as torch does
        (b_leaves, b_res), (t_leaves, t_res) = outs["bibun"], outs["torch"]
        b_outs, t_outs = _outputs(b_res), _outputs(t_res)
        assert len(b_outs) == len(t_outs), f"{what}: {len(b_outs)} outputs != torch's {len(t_outs)}"
        for k, (b_out, t_out) in enumerate(zip(b_outs, t_outs)):
            assert b_out.requires_grad == t_out.requires_grad, f"{what}: requires_grad of output {k}"
            if t_out.requires_grad:
                # An op may return its input itself (dropout of an empty tensor): then neither has a grad_fn.
                names = [o.grad_fn.name() if o.grad_fn is not None else None for o in (b_out, t_out)]
                assert names[0] == names[1], f"{what}: grad_fn of output {k}"
        pairs = [(b, t) for b, t in zip(b_outs, t_outs) if t.requires_grad]
        if not pairs:
            continue
        ups = [_upstream(tuple(t.shape), dtype_name(t.dtype), (what, k)) for k, (_, t) in enumerate(pairs)]
        bibun.autograd.backward([b for b, _ in pairs], [make_tensor(bibun, up) for up in ups])
        torch.autograd.backward([t for _, t in pairs], [make_tensor(torch, up) for up in ups])
        for i, (b, t) in enumerate(zip(b_leaves, t_leaves)):
            if t is None or t.grad is None:
                assert b is None or b.grad is None, f"{what}: input {i} has a grad where torch has none"
                continue
            _assert_same_tensor(f"{what}: grad of input {i}", b.grad, t.grad, op)


def _float64_samples(op: OpInfo) -> list:
    """Small differentiable samples for the finite-difference checks (no empty or special inputs)."""
    return [s for s in samples_of(op, "float64", rng_for(op.name, "gradcheck"))
            if s.grad and s.gradcheck and all(a is None or a.size > 0 for a in s.inputs) and not s.name.startswith("transposed")]


def _as_fn(op: OpInfo, sample: Sample) -> tuple[Callable[..., Any], list]:
    def fixed_dtype(k: int) -> str | None:  # inputs of a non-float dtype (where's condition) stay constants
        dt = (sample.input_dtypes[k:k + 1] or (None,))[0]
        return dt if dt and dt not in FLOATS else None

    present = [k for k, a in enumerate(sample.inputs) if a is not None and not fixed_dtype(k)]

    def fn(*ts: Any) -> Any:
        args = [None] * len(sample.inputs)
        for k, t in zip(present, ts):
            args[k] = t
        for k, a in enumerate(sample.inputs):
            if a is not None and fixed_dtype(k):
                args[k] = make_tensor(bibun, a, fixed_dtype(k))
        if sample.view:
            args[0] = sample.view(args[0])
        return _call("function", bibun, op, args, sample)

    return fn, [sample.inputs[k] for k in present]


def _accepts(fn: Callable[..., Any], arrays: list) -> bool:
    """Whether bibun accepts the sample (the forward test checks that it raises exactly when torch does)."""
    try:
        fn(*[bibun.tensor(a.tolist(), dtype=bibun.float64) for a in arrays])
    except Exception:  # noqa: BLE001
        return False
    return True


@pytest.mark.parametrize("op, dtype", _params("gradcheck", ("float64",), lambda op: op.differentiable))
def test_gradcheck_float64(op: OpInfo, dtype: str) -> None:
    for sample in _float64_samples(op):
        fn, arrays = _as_fn(op, sample)
        if _accepts(fn, arrays):
            gradcheck(fn, arrays)


@pytest.mark.parametrize("op, dtype", _params("gradgradcheck", ("float64",), lambda op: op.differentiable))
def test_gradgradcheck_float64(op: OpInfo, dtype: str) -> None:
    for sample in _float64_samples(op):
        fn, arrays = _as_fn(op, sample)
        if _accepts(fn, arrays):
            gradgradcheck(fn, arrays)


@pytest.mark.parametrize("op, dtype", _params("inplace", ALL_DTYPES, lambda op: op.inplace))
def test_inplace_twin_matches_torch(op: OpInfo, dtype: str, torch: Any) -> None:
    """x.op_() on a non-leaf: the value, dtype, identity, version bump and gradient through it."""
    for sample in samples_of(op, dtype, rng_for(op.name, dtype, "inplace")):
        what = f"{op.name}_[{sample.name}]"
        state = {}

        def run(lib: Any) -> Any:
            leaves, args = _build(lib, sample, dtype, sample.grad)
            target = args[0] * 1 if dtype in FLOATS else args[0].clone()  # a non-leaf to write into
            version = target._version
            result = _call("inplace", lib, op, [target] + args[1:], sample)
            state[lib.__name__] = (leaves, target, result, version)
            return result

        b, t, b_err, t_err = _both(run, torch)
        if not _same_outcome(what, b_err, t_err):
            continue
        b_leaves, b_target, _, b_version = state["bibun"]
        t_leaves, t_target, _, _ = state["torch"]
        assert b is b_target, f"{what}: the in-place op must return self"
        assert b_target._version > b_version, f"{what}: the version counter must move"
        _assert_same_tensor(what, b, t, op)
        if t.requires_grad and op.differentiable:
            assert b.grad_fn.name() == t.grad_fn.name(), f"{what}: grad_fn"
            up = _upstream(tuple(t.shape), dtype, what)
            _, _, b_err, t_err = _both(lambda lib: (b if lib is bibun else t).backward(make_tensor(lib, up)), torch)
            if not _same_outcome(f"{what}: backward", b_err, t_err):
                continue  # asinh_/acosh_/atanh_ have no derivative in PyTorch
            for i, (bl, tl) in enumerate(zip(b_leaves, t_leaves)):
                if tl is not None and tl.grad is not None:
                    _assert_same_tensor(f"{what}: grad of input {i}", bl.grad, tl.grad, op)


@pytest.mark.parametrize("op, dtype", _params("out", ALL_DTYPES, lambda op: op.has_out))
def test_out_form_matches_torch(op: OpInfo, dtype: str, torch: Any) -> None:
    for sample in samples_of(op, dtype, rng_for(op.name, dtype, "out")):
        what = f"{op.name}(out=)[{sample.name}]"
        outs = {}

        def run(lib: Any) -> Any:
            args = _build(lib, sample, dtype, False)[1]
            want = _call("function", lib, op, args, sample)
            if isinstance(want, tuple):  # max(dim), sort, ...: out= takes a tuple of tensors
                out = tuple(lib.empty(0, dtype=w.dtype) for w in want)
            else:
                out = lib.empty(0, dtype=want.dtype)
            result = _call("function", lib, op, args, sample, out=out)
            outs[lib.__name__] = out
            return result

        b, t, b_err, t_err = _both(run, torch)
        if _same_outcome(what, b_err, t_err):
            if isinstance(outs["bibun"], tuple):
                assert all(r is o for r, o in zip(b, outs["bibun"])), f"{what}: must return the out tensors"
            else:
                assert b is outs["bibun"], f"{what}: must return out"
            _assert_same_tensor(what, b, t, op)


@pytest.mark.parametrize("op, dtype", _params("errors", ("float32",), lambda op: bool(op.errors)))
def test_bad_arguments_raise_like_torch(op: OpInfo, dtype: str, torch: Any) -> None:
    values = rng_for(op.name, "errors").uniform(0.1, 0.9, size=(2, 4)).astype(dtype)
    for i, bad in enumerate(op.errors):
        b, t, b_err, t_err = _both(lambda lib: bad(lib, make_tensor(lib, values, dtype)), torch)
        assert t_err is not None, f"{op.name} error case {i}: torch accepts it; fix the table"
        _same_outcome(f"{op.name} error case {i}", b_err, t_err)
