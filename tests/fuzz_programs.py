"""Random tensor programs run under bibun and PyTorch (shared by tests/test_fuzz_programs.py and the
long run in fuzz/run_programs.py).

A program is a list of input specs and a list of steps, each a tuple of small integers; the
interpreter decodes every choice (operands, dims, slices) from the shapes PyTorch sees, so the same
program means the same thing in both libraries. After each step both libraries must agree: both
raise (the same exception type) or both give the same shape, dtype and values. At the end a weighted
sum of the float results runs backward in both and the leaves' gradients must agree.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

DTYPES = ["float32", "float64", "int64", "int32", "bool"]
LAYOUTS = ["contiguous", "transposed", "strided", "expanded", "scalar_view"]

# op name -> number of integer parameters it decodes
UNARY = ["exp", "neg", "abs", "tanh", "sigmoid", "relu", "sqrt", "clone", "contiguous"]
BINARY = ["add", "sub", "mul", "div", "pow", "add_alpha", "rsub_scalar", "mul_scalar", "pow_scalar", "div_scalar"]
REDUCE = ["sum", "sum_dim", "mean", "mean_dim"]
VIEWS = ["transpose", "t", "slice_step", "select", "unsqueeze", "expand", "reshape", "view", "permute", "squeeze",
         "flatten", "narrow"]
INPLACE = ["add_", "mul_", "sub_", "div_", "add_on_view", "mul_on_view", "fill_on_view", "mul_direct"]
OTHER = ["matmul"]
OPS = UNARY + BINARY + REDUCE + VIEWS + INPLACE + OTHER


@dataclass
class InputSpec:
    shape: tuple[int, ...]
    dtype: str
    requires_grad: bool
    layout: str
    seed: int


@dataclass
class Program:
    inputs: list[InputSpec]
    steps: list[tuple[str, int, int, int]]  # op, operand choice, parameter a, parameter b


_DEBUG = bool(os.environ.get("BIBUN_FUZZ_DEBUG"))
_STRIDES = bool(os.environ.get("BIBUN_FUZZ_STRIDES"))


class Mismatch(AssertionError):
    pass


def _values(shape: tuple[int, ...], dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype.startswith("int"):
        return rng.integers(-3, 4, size=shape).astype(dtype)
    # Mostly moderate values, some exact small integers and special values.
    v = rng.uniform(-2.0, 2.0, size=shape)
    if v.size and seed % 5 == 0:
        v.flat[0] = [0.0, 1.0, -1.0, 0.5, 2.0][seed % 7 % 5]
    return v.astype(dtype)


def make_input(lib: Any, spec: InputSpec) -> tuple[Any, Any]:
    """(leaf, the tensor the program sees): a view of the leaf for non-contiguous layouts."""
    dt = getattr(lib, spec.dtype)
    shape = spec.shape
    if spec.layout == "transposed" and len(shape) >= 2:
        base_shape = shape[:-2] + (shape[-1], shape[-2])
    elif spec.layout == "strided" and len(shape) >= 1:
        base_shape = shape[:-1] + (2 * shape[-1],)
    elif spec.layout == "expanded" and len(shape) >= 1:
        base_shape = tuple(1 if i % 2 == 0 else s for i, s in enumerate(shape))
    elif spec.layout == "scalar_view":
        base_shape = ()
    else:
        base_shape = shape
    values = _values(base_shape, spec.dtype, spec.seed)
    leaf = lib.tensor(values.tolist(), dtype=dt)
    if values.size == 0:  # nested lists lose the shape of an empty array
        leaf = leaf.reshape(base_shape).clone()
    if spec.requires_grad:
        leaf.requires_grad_()
    if spec.layout == "transposed" and len(shape) >= 2:
        seen = leaf.transpose(-1, -2)
    elif spec.layout == "strided" and len(shape) >= 1:
        seen = leaf[..., ::2]
    elif spec.layout in ("expanded", "scalar_view") and len(shape) >= 1:
        seen = leaf.expand(*shape)
    else:
        seen = leaf
    return leaf, seen


def _pick(pool: list[Any], k: int) -> int:
    return k % len(pool)


def _dim(t: Any, a: int) -> int:
    nd = max(t.dim(), 1)
    return (a % (nd + 2)) - 1 if a % 7 == 6 else a % nd  # occasionally out of range or negative


def decide(step: tuple[str, int, int, int], pool: list[Any]) -> tuple[str, tuple[int, ...], tuple[Any, ...]]:
    """Decodes a step on the oracle's live tensors: (op, operand indices, arguments)."""
    op, k, a, b = step
    i = _pick(pool, k)
    j = _pick(pool, k // 3 + a)
    x = pool[i]
    shape = tuple(x.shape)
    nd = len(shape)
    if op in UNARY or op in ("sum", "mean") or op == "t" or op == "flatten" or op == "contiguous":
        return op, (i,), ()
    if op in ("add", "sub", "mul", "div", "pow", "matmul", "add_", "mul_", "sub_", "div_", "mul_direct"):
        return op, (i, j), ()
    if op == "add_alpha":
        return op, (i, j), ([2, -1, 0.5, 3][a % 4],)
    if op in ("rsub_scalar", "mul_scalar", "div_scalar"):
        return op, (i,), ([2, -1.5, 0, 3, True][a % 5],)
    if op == "pow_scalar":
        return op, (i,), ([2, 3, 0.5, -1, 0, 1.5][a % 6],)
    if op in ("sum_dim", "mean_dim"):
        return op, (i,), (_dim(x, a), bool(b % 2))
    if op == "transpose":
        return op, (i,), (_dim(x, a), _dim(x, b))
    if op == "slice_step":
        if nd == 0:
            return op, (i,), (0, 0, 1, 1)
        d = a % nd
        start = b % (shape[d] + 1) if shape[d] else 0
        return op, (i,), (d, start, 1 + a % 3, b % 2)
    if op == "select":
        d = _dim(x, a)
        size = shape[d] if nd and 0 <= d < nd else 1
        return op, (i,), (d, (b % (size + 2)) - 1)
    if op == "unsqueeze":
        return op, (i,), ((a % (nd + 1)) - (b % 2) * (nd + 1),)
    if op == "expand":
        new = [s if s != 1 else 1 + b % 3 for s in shape]
        lead = [1 + a % 2] * (a % 2)
        return op, (i,), (tuple(lead + new),)
    if op in ("reshape", "view"):
        n = math.prod(shape)
        options = [(n,), (-1,), (1, n), (n, 1), shape[::-1], (2, -1), (-1, 1, 1)]
        return op, (i,), (tuple(options[a % len(options)]),)
    if op == "permute":
        perm = list(range(nd))
        rng = np.random.default_rng(a)
        rng.shuffle(perm)
        return op, (i,), (tuple(perm),)
    if op == "squeeze":
        return op, (i,), (None if b % 2 else _dim(x, a),)
    if op == "narrow":
        if nd == 0:
            return op, (i,), (0, 0, 0)
        d = a % nd
        start = b % (shape[d] + 1)
        return op, (i,), (d, start, (a // 3) % (shape[d] - start + 1))
    if op in ("add_on_view", "mul_on_view", "fill_on_view"):
        # write through a strided slice or a selected row of an intermediate (never a leaf)
        return op, (i, j), (a % 2, b)
    raise ValueError(op)


def apply_op(lib: Any, op: str, xs: tuple[Any, ...], args: tuple[Any, ...]) -> Any:
    x = xs[0]
    y = xs[1] if len(xs) > 1 else None
    if op in UNARY:
        return getattr(x, op)()
    if op in ("add", "sub", "mul", "div", "pow", "matmul"):
        return getattr(lib, op)(x, y)
    if op == "add_alpha":
        return lib.add(x, y, alpha=args[0])
    if op == "rsub_scalar":
        return args[0] - x
    if op == "mul_scalar":
        return x * args[0]
    if op == "div_scalar":
        return x / args[0]
    if op == "pow_scalar":
        return x ** args[0]
    if op == "sum":
        return x.sum()
    if op == "mean":
        return x.mean()
    if op == "sum_dim":
        return x.sum(dim=args[0], keepdim=args[1])
    if op == "mean_dim":
        return x.mean(args[0], keepdim=args[1])
    if op == "transpose":
        return x.transpose(*args)
    if op == "t":
        return x.t()
    if op == "flatten":
        return x.flatten()
    if op == "slice_step":
        d, start, step, _ = args
        if x.dim() == 0:
            return x[...]
        index = (slice(None),) * d + (slice(start, None, step),)
        return x[index]
    if op == "select":
        return x.select(*args)
    if op == "unsqueeze":
        return x.unsqueeze(args[0])
    if op == "expand":
        return x.expand(args[0])
    if op == "reshape":
        return x.reshape(args[0])
    if op == "view":
        return x.view(args[0])
    if op == "permute":
        return x.permute(args[0])
    if op == "squeeze":
        return x.squeeze() if args[0] is None else x.squeeze(args[0])
    if op == "narrow":
        return x.narrow(*args)
    if op in ("add_", "mul_", "sub_", "div_"):
        return getattr(x.clone(), op)(y)
    if op == "mul_direct":
        # writes a live tensor of the program: later backward must see the version bump
        return x.mul_(y)
    if op in ("add_on_view", "mul_on_view", "fill_on_view"):
        base = x * 1 if x.dtype.is_floating_point else x.clone()
        if base.dim() == 0:
            view = base[...]
        elif args[0] == 0:
            view = base[..., ::2]
        else:
            view = base.select(0, args[1] % base.shape[0]) if base.shape[0] else base[..., ::2]
        if op == "add_on_view":
            view.add_(y if y.dim() <= view.dim() else y.sum())
        elif op == "mul_on_view":
            view.mul_(2)
        else:
            view.fill_(1.5 if view.dtype.is_floating_point else 1)
        return base
    raise ValueError(op)


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().tolist(), dtype=np.float64 if "float" in str(t.dtype) else None)


def _close(a: np.ndarray, b: np.ndarray, dtype: str, grad: bool = False) -> bool:
    if a.shape != b.shape:
        return False
    if "float" not in dtype:
        return bool(np.array_equal(a, b))
    rtol, atol = (1e-9, 1e-10) if "64" in dtype else (1e-4, 1e-5) if grad else (2e-5, 1e-5)
    if grad and a.size:  # a gradient is a sum of terms: its error scales with the largest of them
        finite = np.abs(a[np.isfinite(a)])
        atol = max(atol, rtol * float(finite.max()) if finite.size else 0.0)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _check_same(t_out: Any, b_out: Any, where: str, grad: bool = False, loose: bool = True) -> None:
    tdt = str(t_out.dtype).split(".")[-1]
    bdt = str(b_out.dtype).split(".")[-1]
    if tuple(t_out.shape) != tuple(b_out.shape) or tdt != bdt:
        raise Mismatch(f"{where}: torch {tuple(t_out.shape)} {tdt} vs bibun {tuple(b_out.shape)} {bdt}")
    # A float64 result may hold float32 values rounded differently (a float32 sum added to a float64
    # tensor; a float64 0-d leaf's gradient computed in a float32 graph): float64 precision is asked for
    # only from programs whose inputs are all float64.
    if not _close(_np(t_out), _np(b_out), "float32" if loose and "float" in tdt else tdt, grad):
        raise Mismatch(f"{where}: values differ\ntorch {_np(t_out)}\nbibun {_np(b_out)}")
    if not grad and t_out.requires_grad != b_out.requires_grad:
        raise Mismatch(f"{where}: requires_grad torch {t_out.requires_grad} bibun {b_out.requires_grad}")


# Disagreements found by this fuzzer in other areas' ops, reported to their owners and tolerated here
# (matched narrowly by op, operands and both errors) so the bounded run guards everything else. Each
# returns a reason, or None. Remove an entry when its bug is fixed.
def known_issue(op: str, xs: tuple[Any, ...], t_err: BaseException | None, b_err: BaseException | None) -> str | None:
    te, be = str(t_err), str(b_err)
    if op == "matmul" and isinstance(b_err, NotImplementedError) and max(x.dim() for x in xs) > 2:
        return "batched matmul is not implemented"
    if op == "pow" and isinstance(b_err, NotImplementedError) and isinstance(t_err, RuntimeError) and \
            "must match the size" in te:
        return "pow of mismatched bool shapes checks the dtype before the shapes"
    if op == "relu" and str(xs[0].dtype).endswith("bool") and isinstance(b_err, NotImplementedError):
        return "relu of a bool tensor raises NotImplementedError, PyTorch RuntimeError"
    if op in ("pow", "pow_scalar") and t_err is None and "Integers to negative integer powers" in be and \
            all(not x.dtype.is_floating_point for x in xs) and len(xs) == 2:
        return "int ** negative int tensor exponent raises; PyTorch computes it"
    if op == "mul_direct" and b_err is None and xs[0]._base is not None and \
            "a leaf Variable that requires grad is being used in an in-place operation" in te:
        return "in-place op on a view taken before its base required grad: PyTorch raises the leaf error"
    return None


def known_backward_issue(b_err: BaseException | None, t_err: BaseException | None, ops: list[str]) -> str | None:
    if b_err is None and "modified by an inplace operation" in str(t_err) and "Pow1" in str(t_err):
        return "PowBackward1 saves its result only when the exponent needs a gradient (PyTorch always)"
    if t_err is None and b_err is not None and "the number of sizes provided (0)" in str(b_err) and \
            ({"sum_dim", "mean_dim"} & set(ops)):
        return "sum/mean over dim 0 of a 0-d tensor fails in backward"
    return None


def _differ_only_in_sign_of_inf(t: Any, b: Any) -> bool:
    if tuple(t.shape) != tuple(b.shape) or not t.dtype.is_floating_point:
        return False
    a, c = _np(t), _np(b)
    differ = ~np.isclose(a, c, rtol=2e-5, atol=1e-5, equal_nan=True)
    return bool(differ.any()) and bool(np.all(np.isinf(a[differ]) & (a[differ] == -c[differ])))


def _run(lib: Any, fn: Any, *args: Any) -> tuple[Any, BaseException | None]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args), None
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return None, e


def run_program(torch: Any, bibun: Any, program: Program, known: list[str] | None = None) -> int:
    """Runs `program` under both libraries; raises Mismatch on any disagreement. Returns the
    number of steps that ran (did not raise); appends tolerated known issues to `known`."""
    known = [] if known is None else known
    leaves: dict[str, list[Any]] = {"torch": [], "bibun": []}
    pools: dict[str, list[Any]] = {"torch": [], "bibun": []}
    for spec in program.inputs:
        for name, lib in (("torch", torch), ("bibun", bibun)):
            leaf, seen = make_input(lib, spec)
            leaves[name].append(leaf)
            pools[name].append(seen)
    ran = 0
    loose = any(spec.dtype != "float64" for spec in program.inputs)
    # Note: where a result's layout differs from PyTorch's (ops outside Note [Elementwise output
    # layout], e.g. relu), whether reshape/flatten/contiguous/view alias their input differs too. Once
    # such a result exists, in-place writes to program tensors are skipped (what they alias differs).
    # BIBUN_FUZZ_STRIDES=1 reports every non-empty result whose strides differ from PyTorch's.
    aliasing_differs = False
    for n, step in enumerate(program.steps):
        op, idx, args = decide(step, pools["torch"])
        strides_differ = any(pools["torch"][i].stride() != pools["bibun"][i].stride() for i in idx)
        if op == "mul_direct" and aliasing_differs:
            continue
        where = f"step {n} {op}{args} on {[(tuple(pools['torch'][i].shape), str(pools['torch'][i].dtype)) for i in idx]}"
        t_out, t_err = _run(torch, apply_op, torch, op, tuple(pools["torch"][i] for i in idx), args)
        b_out, b_err = _run(bibun, apply_op, bibun, op, tuple(pools["bibun"][i] for i in idx), args)
        if t_err is not None or b_err is not None:
            reason = known_issue(op, tuple(pools["torch"][i] for i in idx), t_err, b_err)
            if reason is None and op == "view" and strides_differ and "view size is not compatible" in str(t_err):
                reason = "an input's layout differs from PyTorch's (relu's result is always contiguous)"
            if reason is not None:
                known.append(reason)
                if (t_err is None) != (b_err is None):
                    return ran  # one library wrote its tensors, the other did not: states diverged
                continue
            if t_err is None or b_err is None:
                raise Mismatch(f"{where}: torch raised {t_err!r}, bibun raised {b_err!r}")
            if type(t_err) is not type(b_err):
                raise Mismatch(f"{where}: torch raised {type(t_err).__name__}: {t_err}, "
                               f"bibun raised {type(b_err).__name__}: {b_err}")
            continue
        _check_same(t_out, b_out, where, loose=loose)
        if _STRIDES and t_out.numel() and [s for s, n in zip(t_out.stride(), t_out.shape) if n > 1] != \
                [s for s, n in zip(b_out.stride(), b_out.shape) if n > 1]:  # strides of size-1 dims mean nothing
            raise Mismatch(f"{where}: strides torch {t_out.stride()} bibun {b_out.stride()}")
        if _DEBUG:
            print(where, "->", tuple(t_out.shape), t_out.stride(), b_out.stride(), _np(b_out).tolist())
        if op in ("reshape", "flatten", "contiguous", "view") and strides_differ:
            aliasing_differs = True
        pools["torch"].append(t_out)
        pools["bibun"].append(b_out)
        ran += 1
    _check_gradients(torch, bibun, pools, leaves, [step[0] for step in program.steps], known, loose)
    return ran


def _check_gradients(torch: Any, bibun: Any, pools: dict[str, list[Any]], leaves: dict[str, list[Any]],
                     ops: list[str], known: list[str], loose: bool) -> None:
    picked = [i for i, t in enumerate(pools["torch"]) if t.requires_grad and t.dtype.is_floating_point]
    if not picked:
        return
    results = {}
    for name, lib in (("torch", torch), ("bibun", bibun)):
        def loss(name: str = name, lib: Any = lib) -> Any:
            total = None
            for k, i in enumerate(picked):
                t = pools[name][i]
                # positive weights: gradients of broadcast leaves are sums that do not cancel (a cancelling
                # float32 sum of large terms is noise in both libraries)
                w = lib.tensor(np.linspace(0.5, 1.5, t.numel()).reshape(tuple(t.shape)).tolist() if t.dim()
                               else 0.5 + k, dtype=t.dtype)
                term = (t * w).sum()
                total = term if total is None else total + term
            total.backward()
            return [None if leaf.grad is None else leaf.grad for leaf in leaves[name]]
        results[name] = _run(lib, loss)
    (t_grads, t_err), (b_grads, b_err) = results["torch"], results["bibun"]
    if t_err is not None or b_err is not None:
        reason = known_backward_issue(b_err, t_err, ops)
        if reason is not None:
            known.append(reason)
            return
        if t_err is None or b_err is None or type(t_err) is not type(b_err):
            raise Mismatch(f"backward: torch raised {t_err!r}, bibun raised {b_err!r}")
        return
    for k, (tg, bg) in enumerate(zip(t_grads, b_grads)):
        if (tg is None) != (bg is None):
            raise Mismatch(f"leaf {k}: torch grad {tg}, bibun grad {bg}")
        if tg is not None:
            if "pow_scalar" in ops and _differ_only_in_sign_of_inf(tg, bg):
                known.append("pow(x, 0.5) backward at x = -0.0 gives inf of the other sign")
                continue
            _check_same(tg, bg, f"grad of leaf {k}", grad=True, loose=loose)


def program_strategy(max_steps: int = 8) -> Any:
    from hypothesis import strategies as st

    shapes = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)
    inputs = st.builds(
        InputSpec,
        shape=shapes,
        dtype=st.sampled_from(DTYPES),
        requires_grad=st.booleans(),
        layout=st.sampled_from(LAYOUTS),
        seed=st.integers(0, 10_000),
    ).map(lambda s: InputSpec(s.shape, s.dtype, s.requires_grad and "float" in s.dtype, s.layout, s.seed))
    steps = st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
    return st.builds(Program, inputs=st.lists(inputs, min_size=1, max_size=3),
                     steps=st.lists(steps, min_size=1, max_size=max_steps))


def random_program(rng: np.random.Generator, max_steps: int = 8) -> Program:
    """A program drawn without hypothesis (the long run: many cheap programs)."""
    def shape() -> tuple[int, ...]:
        nd = int(rng.integers(0, 4))
        return tuple(int(s) for s in rng.choice([0, 1, 1, 2, 2, 3, 3], size=nd))

    inputs = []
    for _ in range(int(rng.integers(1, 4))):
        dtype = str(rng.choice(DTYPES, p=[0.4, 0.3, 0.12, 0.09, 0.09]))
        inputs.append(InputSpec(shape(), dtype, bool(rng.integers(0, 2)) and "float" in dtype,
                                str(rng.choice(LAYOUTS)), int(rng.integers(0, 10_000))))
    steps = [(str(rng.choice(OPS)), int(rng.integers(0, 51)), int(rng.integers(0, 51)), int(rng.integers(0, 51)))
             for _ in range(int(rng.integers(1, max_steps + 1)))]
    return Program(inputs, steps)
