"""Regressions found by the program fuzzer (issue 8), each checked against PyTorch: narrow of a 0-d
tensor, shape methods called without sizes, subtraction with bool tensors, in-place and out= writes
whose input overlaps the written memory, the layout of elementwise results, and two gradients
(fuzz run 2, seed 2027: programs 39391 and 51794)."""

from __future__ import annotations

from typing import Any

import bibun
import numpy as np
import pytest
from fuzz_programs import InputSpec, Program, run_program

torch = pytest.importorskip("torch")


def outcome(lib: Any, fn: Any) -> tuple[str, Any]:
    """('ok', shape, strides, values) or (exception type name, message with `torch.` as `bibun.`)."""
    try:
        r = fn(lib)
    except Exception as e:  # noqa: BLE001 - the type and text are what is compared
        return type(e).__name__, str(e).replace("torch.", "bibun.")
    return "ok", (tuple(r.shape), tuple(r.stride()), r.detach().tolist())


def assert_same_outcome(fn: Any) -> None:
    t, b = outcome(torch, fn), outcome(bibun, fn)
    assert b == t


# ---- 1. narrow of a 0-d tensor --------------------------------------------------------------

@pytest.mark.parametrize("args", [(0, 0, 0), (0, 0, 1), (-1, 0, 1), (0, 1, 0)])
def test_narrow_of_0d_tensor_raises_runtime_error(args: tuple[int, int, int]) -> None:
    assert_same_outcome(lambda lib: lib.tensor(1.5).narrow(*args))
    assert_same_outcome(lambda lib: lib.narrow(lib.tensor(1.5), *args))
    t = outcome(torch, lambda lib: lib.tensor(1.5).narrow(*args))
    assert t[0] == "RuntimeError"  # the oracle's type, so this test cannot pass vacuously


@pytest.mark.parametrize("args", [(0, 1, -1), (0, 3, 0), (0, -3, 1), (2, 0, 1), (0, 1, 2), (1, -2, 2), (0, 2, 0)])
def test_narrow_errors_and_edges_match_torch(args: tuple[int, int, int]) -> None:
    assert_same_outcome(lambda lib: lib.arange(6.0).reshape(2, 3).narrow(*args))


# ---- 2. shape methods without sizes ----------------------------------------------------------

NO_ARG_CALLS = {
    "expand": lambda x: x.expand(),
    "permute": lambda x: x.permute(),
    "view": lambda x: x.view(),
    "reshape": lambda x: x.reshape(),
    "repeat": lambda x: x.repeat(),
    "tile": lambda x: x.tile(),
    "flip": lambda x: x.flip(),
}


@pytest.mark.parametrize("shape", [(2, 3), ()])
@pytest.mark.parametrize("name", list(NO_ARG_CALLS))
def test_shape_method_without_sizes_raises_type_error(name: str, shape: tuple[int, ...]) -> None:
    call = NO_ARG_CALLS[name]
    assert_same_outcome(lambda lib: call(lib.ones(shape)))
    assert outcome(torch, lambda lib: call(lib.ones(shape)))[0] == "TypeError"


@pytest.mark.parametrize("src", [
    "x.expand(size=(2, 3))", "x.permute(dims=(1, 0))", "x.reshape(shape=(6,))", "x.view(size=(3, 2))",
    "x.repeat(repeats=(1, 2))", "x.tile(dims=(2,))", "x.expand(())", "x.view(())", "x.reshape(())",
    "x.repeat(())", "x.tile(())", "x.flip(())", "x.permute(())", "s.view(())", "s.reshape(())", "s.expand(())",
    "s.repeat(())", "s.permute(())",
])
def test_shape_methods_with_keyword_or_empty_sizes_match_torch(src: str) -> None:
    assert_same_outcome(lambda lib: eval(src, {"x": lib.arange(6.0).reshape(2, 3), "s": lib.tensor(2.0)}))


# ---- 3. subtraction with bool tensors ----------------------------------------------------------

SUBTRACTIONS = [
    "b - b", "b - 1", "1 - b", "b - True", "True - b", "f - b", "b - f", "1.5 - b", "b - lib.tensor(1.0)",
    "lib.tensor(True) - f", "b.sub(1)", "b.sub(b)", "lib.sub(f, b, alpha=2)", "lib.sub(b, 1, alpha=2)",
    "lib.sub(b, f, alpha=0)", "lib.sub(f, b, out=lib.empty(2))", "b.clone().sub_(b)", "b.clone().sub_(1)",
    "b.clone().sub_(True)", "f.clone().sub_(b)", "i.clone().sub_(b)", "f.clone().sub_(b, alpha=0)",
    "b.clone().__isub__(1)", "f.clone().__isub__(b)", "b.__rsub__(b)", "f.__rsub__(b)", "b.__rsub__(2)",
]


@pytest.mark.parametrize("src", SUBTRACTIONS)
def test_subtraction_with_a_bool_tensor_raises(src: str) -> None:
    def fn(lib: Any) -> Any:
        env = {"lib": lib, "b": lib.tensor([True, False]), "f": lib.tensor([1.0, 2.0]), "i": lib.tensor([1, 2])}
        return eval(src, env)

    t = outcome(torch, fn)
    assert t[0] == "RuntimeError" and "Subtraction, the `-` operator" in t[1]
    assert outcome(bibun, fn) == t


# ---- 4. memory overlap of in-place and out= writes ---------------------------------------------

OVERLAPS = [
    "y.add_(y.t())", "z[1:].add_(z[:-1])", "z[:3].add_(z[3:])", "z[::2].add_(z[1::2])", "z.add_(z)",
    "z.view(2, 3).add_(z.view(2, 3)[0])", "z.view(2, 3)[0].add_(z[1:4])", "z[:3].copy_(z[1:4])",
    "z[:3].copy_(z[:3])", "z[:2].copy_(z[2:4].view(2))", "z[:3].mul_(z[1:4])", "z[:3].sub_(z[1:4])",
    "z[:3].div_(z[1:4])", "z[:3].__iadd__(z[1:4])", "z[:3].__imul__(z[1:4])", "z[:3].add_(z[2])",
    "z[:3].add_(z[5])", "z[:3].add_(z[1:2])", "z[:3].clamp_(min=z[1:4])", "z[:3].pow_(z[1:4])",
    "z[:3].atan2_(z[1:4])", "z[:3].exp_()", "z[:3].masked_fill_(z[1:4] > 2, 0.0)",
    "z[::2].add_(z[:3])", "w[:, :2].add_(w[:, 1:3])", "y.t().add_(y)", "y.add_(y.t().t())",
    "z.view(3, 2).t().add_(z.view(2, 3))",
    "lib.add(z[:3], 1, out=z[1:4])", "lib.add(z[:3], 1, out=z[:3])", "lib.add(z[:3], 1, out=z)",
    "lib.sub(z[:3], z[3:], out=z[1:4])", "lib.mul(z[:3], z[3:], out=z[1:4])", "lib.div(z[:3], 2, out=z[1:4])",
    "lib.pow(z[:3], 2, out=z[1:4])", "lib.exp(z[:3], out=z[1:4])", "lib.sin(z[:3], out=z[1:4])",
    "lib.maximum(z[:3], z[2:5], out=z[1:4])", "lib.where(z[:3] > 1, z[:3], z[3:], out=z[1:4])",
    "lib.exp(z[:3], out=z[3:])",
    "e.add_(1)", "e.fill_(1)", "e.zero_()", "e.copy_(lib.ones(3))", "lib.exp(lib.ones(3), out=e)",
    "lib.exp(lib.ones(2), out=e)", "lib.zeros(1, 0).expand(3, 0).add_(1)", "lib.zeros(1).expand(0).add_(1)",
]


@pytest.mark.parametrize("src", OVERLAPS)
def test_overlapping_writes_are_rejected_as_in_torch(src: str) -> None:
    def fn(lib: Any) -> Any:
        env = {"lib": lib, "z": lib.arange(6.0), "y": lib.arange(4.0).reshape(2, 2),
               "w": lib.arange(12.0).reshape(3, 4), "e": lib.zeros(1).expand(3)}
        r = eval(src, env)
        return env["z"] if r is None else r

    assert_same_outcome(fn)


def test_partial_overlap_message_is_torchs() -> None:
    z = bibun.arange(6.0)
    with pytest.raises(RuntimeError, match="some elements of the input tensor and the written-to tensor refer to a "
                                           "single memory location. Please clone"):
        z[1:].add_(z[:-1])
    e = bibun.zeros(1).expand(3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single"):
        e.mul_(2)


def test_rejected_write_leaves_the_tensor_unchanged() -> None:
    z = bibun.arange(6.0)
    with pytest.raises(RuntimeError):
        z[:3].mul_(z[1:4])
    assert z.tolist() == torch.arange(6.0).tolist()
    assert z._version == 0


# ---- 5. layout of elementwise results -----------------------------------------------------------

def _arange(lib: Any, shape: tuple[int, ...], dtype: str = "float32") -> Any:
    n = int(np.prod(shape))
    return lib.arange(n, dtype=getattr(lib, dtype)).reshape(shape) + 1


LAYOUTS = {
    "t + 1": lambda L: _arange(L, (2, 3)).t() + 1,
    "permute exp": lambda L: _arange(L, (2, 3, 4)).permute(2, 0, 1).exp(),
    "permute neg": lambda L: -_arange(L, (2, 3, 4)).permute(1, 2, 0),
    "t + t": lambda L: _arange(L, (2, 3)).t() + _arange(L, (2, 3)).t(),
    "t + contiguous": lambda L: _arange(L, (2, 3)).t() + _arange(L, (3, 2)),
    "contiguous + t": lambda L: _arange(L, (3, 2)) + _arange(L, (2, 3)).t(),
    "t + broadcast row": lambda L: _arange(L, (2, 3)).t() + _arange(L, (2,)),
    "broadcast row + t": lambda L: _arange(L, (2,)) + _arange(L, (2, 3)).t(),
    "broadcast column + t": lambda L: _arange(L, (3, 1)) + _arange(L, (2, 3)).t(),
    "strided exp": lambda L: _arange(L, (3, 4))[:, ::2].exp(),
    "strided t exp": lambda L: _arange(L, (4, 6))[:, ::2].t().exp(),
    "int t exp": lambda L: _arange(L, (2, 3), "int64").t().exp(),
    "int strided t + 1.5": lambda L: _arange(L, (4, 6), "int64")[:, ::2].t() + 1.5,
    "int expanded t + 1.5": lambda L: _arange(L, (3, 1), "int64").expand(3, 4).t() + 1.5,
    "int t + float t": lambda L: _arange(L, (2, 3), "int64").t() + _arange(L, (2, 3)).t(),
    "permutations disagree": lambda L: _arange(L, (2, 3, 4)).permute(2, 0, 1) + _arange(L, (4, 2, 3)),
    "expanded exp": lambda L: _arange(L, (3, 1)).expand(3, 4).exp(),
    "expanded t exp": lambda L: _arange(L, (3, 1)).expand(3, 4).t().exp(),
    "t > 1": lambda L: _arange(L, (2, 3)).t() > 1,
    "t == t": lambda L: _arange(L, (2, 3)).t() == _arange(L, (2, 3)).t(),
    "where t": lambda L: L.where(_arange(L, (2, 3)).t() > 1, _arange(L, (2, 3)).t(), 0.0),
    "where mixed": lambda L: L.where(_arange(L, (3, 2)) > 1, _arange(L, (2, 3)).t(), _arange(L, (3, 2))),
    "sin": lambda L: _arange(L, (2, 3)).t().sin(),
    "clamp": lambda L: _arange(L, (2, 3)).t().clamp(min=2),
    "pow": lambda L: _arange(L, (2, 3)).t() ** 2,
    "maximum": lambda L: L.maximum(_arange(L, (2, 3)).t(), _arange(L, (3, 2))),
    "atan2": lambda L: L.atan2(_arange(L, (2, 3)).t(), _arange(L, (2, 3)).t()),
    "sigmoid": lambda L: _arange(L, (2, 3)).t().sigmoid(),
    "tanh": lambda L: _arange(L, (2, 3)).t().tanh(),
    "sqrt": lambda L: _arange(L, (2, 3)).t().sqrt(),
    "div": lambda L: _arange(L, (2, 3)).t() / 2,
    "int true div": lambda L: _arange(L, (2, 3), "int64").t() / 2,
    "floor div": lambda L: _arange(L, (2, 3)).t() // 2,
    "remainder": lambda L: _arange(L, (2, 3)).t() % 2,
    "bitwise and": lambda L: _arange(L, (2, 3), "int64").t() & 3,
    "logical not": lambda L: (_arange(L, (2, 3)).t() > 1).logical_not(),
    "isnan": lambda L: _arange(L, (2, 3)).t().isnan(),
    "lerp": lambda L: L.lerp(_arange(L, (2, 3)).t(), _arange(L, (3, 2)), 0.5),
    "addcmul": lambda L: L.addcmul(_arange(L, (2, 3)).t(), _arange(L, (3, 2)), _arange(L, (3, 2))),
    "masked_fill is contiguous": lambda L: _arange(L, (2, 3)).t().masked_fill(_arange(L, (2, 3)).t() > 2, 0.0),
    "4-d permute": lambda L: _arange(L, (2, 3, 4, 5)).permute(0, 2, 3, 1) * 2,
    "4-d permute + broadcast": lambda L: _arange(L, (2, 3, 4, 5)).permute(0, 2, 3, 1) * _arange(L, (3,)),
    "equal strides": lambda L: _arange(L, (1, 3)).expand(2, 3).t() + _arange(L, (3, 2)),
    "size-1 dims": lambda L: _arange(L, (3, 1, 2)).permute(2, 1, 0) + 1,
    "empty t + 1": lambda L: _arange(L, (0, 3)).t() + 1,
    "empty t exp": lambda L: _arange(L, (0, 3)).t().exp(),
    "empty t + t": lambda L: _arange(L, (0, 3)).t() + _arange(L, (0, 3)).t(),
    "0-d": lambda L: _arange(L, ()) + 1,
    "t + 0-d tensor": lambda L: _arange(L, (2, 3)).t() + L.tensor(2.0),
    "T abs": lambda L: _arange(L, (2, 3)).T.abs(),
    "clone t": lambda L: _arange(L, (2, 3)).t().clone(),
    "clone strided t": lambda L: _arange(L, (4, 6), "int64")[:, ::2].t().clone(),
    "clone strided permuted": lambda L: _arange(L, (2, 3, 4))[:, :, ::2].permute(2, 0, 1).clone(),
    "clone expanded t": lambda L: _arange(L, (3, 1)).expand(3, 4).t().clone(),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_elementwise_result_layout_matches_torch(name: str) -> None:
    t, b = LAYOUTS[name](torch), LAYOUTS[name](bibun)
    assert tuple(b.shape) == tuple(t.shape)
    assert b.stride() == t.stride()
    assert b.is_contiguous() == t.is_contiguous()
    np.testing.assert_allclose(np.asarray(b.tolist(), dtype=np.float64), np.asarray(t.tolist(), dtype=np.float64),
                               rtol=1e-6)


def test_view_of_a_transposed_result_raises_as_in_torch() -> None:
    # The layout decides whether a later view aliases or raises.
    assert_same_outcome(lambda lib: (_arange(lib, (2, 3)).t() * 2).view(6))
    assert_same_outcome(lambda lib: (_arange(lib, (2, 3)).t() * 2).t().view(6))


def test_gradient_through_permuted_results_matches_torch() -> None:
    grads = []
    for lib in (torch, bibun):
        x = lib.tensor(np.linspace(-1, 1, 24).reshape(2, 3, 4).tolist(), dtype=lib.float64, requires_grad=True)
        y = (x.permute(2, 0, 1).exp() * x.permute(2, 0, 1)).sin()
        (y * lib.arange(24, dtype=lib.float64).reshape(4, 2, 3)).sum().backward()
        grads.append((y.stride(), np.asarray(x.grad.tolist())))
    assert grads[0][0] == grads[1][0]
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-12)


# ---- 6. gradients of fuzz run 2 (seed 2027) ------------------------------------------------------

def test_div_of_a_tensor_by_itself_has_an_exact_zero_gradient() -> None:
    # Program 51794: x / x at x = -0.000496 (float32). PyTorch's other-gradient -g * ((x / x) / x)
    # cancels exactly against g / x; -(g * x) / (x * x) rounds differently.
    results = []
    for lib in (torch, bibun):
        x = lib.tensor(-0.00049601, dtype=lib.float32, requires_grad=True)
        g, = lib.autograd.grad(lib.div(x, x), x, lib.tensor(1.5))
        results.append(g.item())
    assert results[1] == results[0] == 0.0


def test_div_gradients_match_torch_bitwise_in_float32() -> None:
    rng = np.random.default_rng(3)
    a, c = rng.uniform(-2, 2, 7).astype(np.float32), rng.uniform(0.01, 2, 7).astype(np.float32)
    grads = []
    for lib in (torch, bibun):
        x = lib.tensor(a.tolist(), requires_grad=True)
        y = lib.tensor(c.tolist(), requires_grad=True)
        (x / y).backward(lib.ones(7) * 0.75)
        grads.append((np.asarray(x.grad.tolist()), np.asarray(y.grad.tolist())))
    np.testing.assert_array_equal(grads[1][0], grads[0][0])
    np.testing.assert_array_equal(grads[1][1], grads[0][1])


def test_pow_gradient_with_zero_exponent_and_infinite_upstream_is_zero() -> None:
    # Program 39391: pow(x, e) with integer e containing 0, whose result then reaches an inf
    # gradient (a division by 0); PyTorch masks after multiplying by the upstream grad.
    results = []
    for lib in (torch, bibun):
        x = lib.tensor([[0.15, 1.88, -1.36]], requires_grad=True)
        e = lib.tensor([[0], [1], [-2]])
        y = lib.pow(x, e)
        z = y / lib.tensor([[0], [1], [2]])
        z.sum().backward()
        results.append(np.asarray(x.grad.tolist()))
    assert np.isfinite(results[0]).all()
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)


def test_pow_double_backward_with_zero_exponent_matches_torch() -> None:
    results = []
    for lib in (torch, bibun):
        x = lib.tensor([0.0, 0.5, -1.5, 2.0], dtype=lib.float64, requires_grad=True)
        e = lib.tensor([0.0, 2.0, 3.0, 0.0], dtype=lib.float64, requires_grad=True)
        g = lib.autograd.grad(lib.pow(x, e).sum(), (x, e), create_graph=True)
        gg = lib.autograd.grad(g[0].sum() + g[1].sum(), (x, e))
        results.append([np.asarray(t.tolist()) for t in g + gg])
    for b, t in zip(results[1], results[0]):
        np.testing.assert_allclose(b, t, rtol=1e-12)


FUZZ_RUN_2 = {
    39391: Program(
        inputs=[InputSpec((2,), "float64", False, "strided", 5035), InputSpec((3, 2, 1), "int64", False, "transposed", 6246),
                InputSpec((1, 3), "float32", True, "transposed", 1718)],
        steps=[("neg", 16, 8, 21), ("flatten", 14, 36, 35), ("rsub_scalar", 37, 37, 8), ("pow", 17, 50, 21),
               ("div_", 41, 16, 50)]),
    51794: Program(inputs=[InputSpec((), "float32", True, "scalar_view", 5867)], steps=[("div", 10, 37, 2)]),
}


@pytest.mark.parametrize("number", list(FUZZ_RUN_2))
def test_fuzz_run_2_programs_agree(number: int) -> None:
    assert run_program(torch, bibun, FUZZ_RUN_2[number]) > 0


# ---- fuzz run 3 (seed 2028): programs 9412 and 15825 ------------------------------------------------

@pytest.mark.parametrize("exponent", [-0.5, -2, -1, 0.5])
def test_pow_special_exponents_match_torch_at_special_values(exponent: float) -> None:
    # x ** -0.5 is PyTorch's rsqrt (nan at -inf, -inf at -0.0) and x ** -2 is 1 / (x * x); the
    # backward of x ** 0.5 computes x ** -0.5.
    values = [float("-inf"), -0.0, 0.0, float("inf"), float("nan"), -4.0, 0.3, 2.5, 1e-20]
    t = (torch.tensor(values) ** exponent).tolist()
    b = (bibun.tensor(values) ** exponent).tolist()
    np.testing.assert_array_equal(np.asarray(b), np.asarray(t))
    finite_or_inf = ~np.isnan(np.asarray(t))
    np.testing.assert_array_equal(np.signbit(b)[finite_or_inf], np.signbit(t)[finite_or_inf])  # -0.0, -inf


def test_sqrt_via_pow_gradient_at_minus_inf_is_nan_as_in_torch() -> None:
    grads = []
    for lib in (torch, bibun):
        x = lib.tensor([-1.75, 1.5, 0.3], requires_grad=True)
        y = (x / lib.tensor(-0.0, dtype=lib.float64)) ** 0.5
        y.sum().backward()
        grads.append(x.grad.tolist())
    np.testing.assert_array_equal(np.asarray(grads[1]), np.asarray(grads[0]))
    assert np.isnan(grads[0][0])


FUZZ_RUN_3 = {
    9412: Program(
        inputs=[InputSpec((3, 0), "float64", True, "contiguous", 7183), InputSpec((2, 1, 3), "float32", False, "strided", 7650),
                InputSpec((2, 2), "float64", True, "strided", 4923)],
        steps=[("sum_dim", 38, 47, 27), ("div_scalar", 3, 37, 37), ("mean_dim", 5, 1, 1), ("sigmoid", 29, 37, 32),
               ("pow_scalar", 39, 38, 39)]),
    15825: Program(
        inputs=[InputSpec((), "float64", True, "contiguous", 7595), InputSpec((1, 3), "float32", True, "expanded", 3003)],
        steps=[("neg", 24, 4, 32), ("div", 19, 15, 49), ("pow_scalar", 39, 14, 18)]),
}


@pytest.mark.parametrize("number", list(FUZZ_RUN_3))
def test_fuzz_run_3_programs_agree(number: int) -> None:
    assert run_program(torch, bibun, FUZZ_RUN_3[number]) > 0
