"""bibun.autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) against torch.autograd.functional.

Each function under test is written once as ``make(lib)`` returning a callable built from ``lib``'s ops, and
run through both libraries on the same float64 values; results are compared by structure (tuple nesting),
shape, dtype, values and requires_grad. Errors are compared by type and text (``torch.`` -> ``bibun.``).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import bibun
import bibun.autograd.functional as AF
from conftest import dtype_name, make_tensor, rng_for, to_numpy


# ---------------------------------------------------------------------------------------------------------------------
# Helpers


def tensors(lib: Any, arrays: Any, requires_grad: bool = False) -> Any:
    """One tensor (an array) or a tuple of tensors (a tuple of arrays), float64."""
    if isinstance(arrays, tuple):
        return tuple(make_tensor(lib, a, "float64", requires_grad) for a in arrays)
    return make_tensor(lib, arrays, "float64", requires_grad)


def assert_same(got: Any, want: Any, path: str = "result", atol: float = 1e-8, rtol: float = 1e-6) -> None:
    """Same nesting, and per tensor the same shape, dtype, requires_grad and values."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple), f"{path}: bibun gave {type(got).__name__}, torch a tuple"
        assert len(got) == len(want), f"{path}: tuple of {len(got)}, torch's has {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{path}[{i}]", atol, rtol)
        return
    assert isinstance(got, bibun.Tensor), f"{path}: bibun gave {type(got).__name__}, torch a Tensor"
    assert tuple(got.shape) == tuple(want.shape), f"{path}: shape {tuple(got.shape)} != torch's {tuple(want.shape)}"
    assert dtype_name(got.dtype) == dtype_name(want.dtype), f"{path}: dtype differs"
    assert got.requires_grad == want.requires_grad, f"{path}: requires_grad {got.requires_grad} != torch's"
    np.testing.assert_allclose(to_numpy(got), to_numpy(want), atol=atol, rtol=rtol, err_msg=path)


def same_error(torch: Any, run: Callable[[Any, Any], Any]) -> tuple[type, str]:
    """Runs ``run(lib, functional_module)`` in both libraries; both must raise the same type and text."""
    with pytest.raises(Exception) as t_err:
        run(torch, torch.autograd.functional)
    with pytest.raises(Exception) as b_err:
        run(bibun, AF)
    assert type(b_err.value).__name__ == type(t_err.value).__name__, f"bibun raised {b_err.value!r}"
    assert str(b_err.value) == str(t_err.value).replace("torch.", "bibun."), str(b_err.value)
    return type(b_err.value), str(b_err.value)


# ---------------------------------------------------------------------------------------------------------------------
# Functions under test: make(lib) -> callable


def elementwise(lib: Any) -> Callable:
    return lambda x: x.exp() * x.sin() + x * x


def reducer(lib: Any) -> Callable:
    return lambda x: x.exp().sum(dim=1)


def mlp(lib: Any) -> Callable:
    def f(x, w1, b1, w2):
        return ((x @ w1 + b1).tanh() @ w2).sigmoid()

    return f


def mlp_loss(lib: Any) -> Callable:
    def f(x, w1, b1, w2):
        return ((x @ w1 + b1).tanh() @ w2).sigmoid().pow(2).sum()

    return f


def two_in_two_out(lib: Any) -> Callable:
    return lambda x, y: (x * y.exp(), (x.sin() * y).sum())


def scalar_of_tuple(lib: Any) -> Callable:
    return lambda x, y: (x.pow(3) * y.exp()).sum() + (x * y).sum()


def scalar_elementwise(lib: Any) -> Callable:
    return lambda x: (x.exp() * x.cos()).sum()


R = rng_for("functional")
X3 = R.randn(3)
Y3 = R.randn(3)
X23 = R.randn(2, 3)
MLP_ARGS = (R.randn(4, 3), R.randn(3, 5) * 0.5, R.randn(5) * 0.1, R.randn(5, 2) * 0.5)

VJP_CASES = {
    "elementwise": (elementwise, X3, R.randn(3)),
    "reducer": (reducer, X23, R.randn(2)),
    "mlp": (mlp, MLP_ARGS, R.randn(4, 2)),
    "tuple_in_tuple_out": (two_in_two_out, (X3, Y3), (R.randn(3), np.array(0.7))),
    "scalar_no_v": (scalar_elementwise, X3, None),
}


def v_tensors(lib: Any, v: Any) -> Any:
    return None if v is None else tensors(lib, v)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", list(VJP_CASES))
def test_vjp_matches_torch(case: str, create_graph: bool, torch: Any) -> None:
    make, inputs, v = VJP_CASES[case]
    want = torch.autograd.functional.vjp(make(torch), tensors(torch, inputs), v_tensors(torch, v),
                                         create_graph=create_graph)
    got = AF.vjp(make(bibun), tensors(bibun, inputs), v_tensors(bibun, v), create_graph=create_graph)
    assert_same(got, want)


JVP_CASES = {
    "elementwise": (elementwise, X3, R.randn(3)),
    "reducer": (reducer, X23, R.randn(2, 3)),
    "mlp": (mlp, MLP_ARGS, tuple(R.randn(*a.shape) for a in MLP_ARGS)),
    "tuple_in_tuple_out": (two_in_two_out, (X3, Y3), (R.randn(3), R.randn(3))),
    "scalar_input_no_v": (elementwise, np.array(0.3), None),
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", list(JVP_CASES))
def test_jvp_matches_torch(case: str, create_graph: bool, torch: Any) -> None:
    make, inputs, v = JVP_CASES[case]
    want = torch.autograd.functional.jvp(make(torch), tensors(torch, inputs), v_tensors(torch, v),
                                         create_graph=create_graph)
    got = AF.jvp(make(bibun), tensors(bibun, inputs), v_tensors(bibun, v), create_graph=create_graph)
    assert_same(got, want)


JACOBIAN_CASES = {
    "elementwise": (elementwise, X3),
    "reducer_2d_input": (reducer, X23),
    "mlp_tuple_inputs": (mlp, MLP_ARGS),
    "tuple_in_tuple_out": (two_in_two_out, (X3, Y3)),
    "one_element_tuple_input": (elementwise, (X3,)),
    "scalar_output": (scalar_elementwise, X3),
    "tuple_output_single_input": (lambda lib: (lambda x: (x.exp(), x.sum())), X23),
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", list(JACOBIAN_CASES))
def test_jacobian_matches_torch(case: str, create_graph: bool, torch: Any) -> None:
    make, inputs = JACOBIAN_CASES[case]
    want = torch.autograd.functional.jacobian(make(torch), tensors(torch, inputs), create_graph=create_graph)
    got = AF.jacobian(make(bibun), tensors(bibun, inputs), create_graph=create_graph)
    assert_same(got, want)


HESSIAN_CASES = {
    "scalar_elementwise": (scalar_elementwise, X3),
    "tuple_inputs": (scalar_of_tuple, (X3, Y3)),
    "mlp_loss": (mlp_loss, MLP_ARGS),
    "matrix_input": (lambda lib: (lambda x: (x.exp() * x).sum()), X23),
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", list(HESSIAN_CASES))
def test_hessian_matches_torch(case: str, create_graph: bool, torch: Any) -> None:
    make, inputs = HESSIAN_CASES[case]
    want = torch.autograd.functional.hessian(make(torch), tensors(torch, inputs), create_graph=create_graph)
    got = AF.hessian(make(bibun), tensors(bibun, inputs), create_graph=create_graph)
    assert_same(got, want)


HVP_CASES = {
    "scalar_elementwise": (scalar_elementwise, X3, R.randn(3)),
    "tuple_inputs": (scalar_of_tuple, (X3, Y3), (R.randn(3), R.randn(3))),
    "mlp_loss": (mlp_loss, MLP_ARGS, tuple(R.randn(*a.shape) for a in MLP_ARGS)),
    "scalar_input_no_v": (lambda lib: (lambda x: x.exp() * x.sin()), np.array(0.4), None),
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("which", ["hvp", "vhp"])
@pytest.mark.parametrize("case", list(HVP_CASES))
def test_hvp_and_vhp_match_torch(case: str, which: str, create_graph: bool, torch: Any) -> None:
    make, inputs, v = HVP_CASES[case]
    want = getattr(torch.autograd.functional, which)(make(torch), tensors(torch, inputs), v_tensors(torch, v),
                                                     create_graph=create_graph)
    got = getattr(AF, which)(make(bibun), tensors(bibun, inputs), v_tensors(bibun, v), create_graph=create_graph)
    assert_same(got, want)


def test_hvp_equals_vhp_for_a_symmetric_hessian() -> None:
    x, v = tensors(bibun, X3), tensors(bibun, R.randn(3))
    f = scalar_elementwise(bibun)
    np.testing.assert_allclose(to_numpy(AF.hvp(f, x, v)[1]), to_numpy(AF.vhp(f, x, v)[1]), rtol=1e-10)
    # and both equal H @ v from the full Hessian
    h = to_numpy(AF.hessian(f, x))
    np.testing.assert_allclose(to_numpy(AF.hvp(f, x, v)[1]), h @ to_numpy(v), rtol=1e-10)


# ---------------------------------------------------------------------------------------------------------------------
# create_graph: results stay in the graph of inputs that require grad


@pytest.mark.parametrize("which", ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"])
def test_create_graph_results_are_differentiable_like_torch(which: str, torch: Any) -> None:
    def run(lib: Any, F: Any):
        x = make_tensor(lib, X3, "float64", requires_grad=True)
        y = make_tensor(lib, Y3, "float64", requires_grad=True)
        f = scalar_of_tuple(lib) if which in ("hessian", "hvp", "vhp") else two_in_two_out(lib)
        v = (make_tensor(lib, Y3, "float64"), make_tensor(lib, X3, "float64"))
        if which == "vjp":
            out = F.vjp(f, (x, y), (v[0], make_tensor(lib, np.array(1.5), "float64")), create_graph=True)[1]
        elif which == "jacobian":
            out = tuple(t for row in F.jacobian(f, (x, y), create_graph=True) for t in row)
        elif which == "hessian":
            out = tuple(t for row in F.hessian(f, (x, y), create_graph=True) for t in row)
        else:
            out = getattr(F, which)(f, (x, y), v, create_graph=True)[1]
        total = sum((o * o).sum() for o in out)
        total.backward()
        return total, x.grad, y.grad

    want = run(torch, torch.autograd.functional)
    got = run(bibun, AF)
    assert_same(got, want)


def test_without_create_graph_results_are_detached() -> None:
    x = make_tensor(bibun, X3, "float64", requires_grad=True)
    out, grad = AF.vjp(elementwise(bibun), x, make_tensor(bibun, Y3, "float64"))
    assert not out.requires_grad and out.grad_fn is None
    assert not grad.requires_grad and grad.grad_fn is None
    jac = AF.jacobian(elementwise(bibun), x)
    assert not jac.requires_grad
    assert x.grad is None, "functional transforms must not accumulate into the inputs' .grad"


def test_functional_runs_under_no_grad_and_restores_grad_mode() -> None:
    x = make_tensor(bibun, X3, "float64")
    with bibun.no_grad():
        jac = AF.jacobian(elementwise(bibun), x)
        assert not bibun.is_grad_enabled()
    assert tuple(jac.shape) == (3, 3)
    assert bibun.is_grad_enabled()


# ---------------------------------------------------------------------------------------------------------------------
# Independent inputs: zeros by default, PyTorch's errors with strict=True


def independent_of_y(lib: Any) -> Callable:
    return lambda x, y: x.exp()


def scalar_independent_of_y(lib: Any) -> Callable:
    return lambda x, y: x.exp().sum()


def linear(lib: Any) -> Callable:
    return lambda x: (x * 3).sum()


def test_non_strict_independent_input_gives_zeros_like_torch(torch: Any) -> None:
    want = torch.autograd.functional.vjp(independent_of_y(torch), tensors(torch, (X3, Y3)), tensors(torch, Y3))
    got = AF.vjp(independent_of_y(bibun), tensors(bibun, (X3, Y3)), tensors(bibun, Y3))
    assert_same(got, want)
    assert np.all(to_numpy(got[1][1]) == 0)
    want = torch.autograd.functional.jacobian(independent_of_y(torch), tensors(torch, (X3, Y3)))
    got = AF.jacobian(independent_of_y(bibun), tensors(bibun, (X3, Y3)))
    assert_same(got, want)
    want = torch.autograd.functional.hessian(linear(torch), tensors(torch, X3))
    got = AF.hessian(linear(bibun), tensors(bibun, X3))
    assert_same(got, want)


STRICT_ERRORS = {
    "vjp_independent_input": lambda lib, F: F.vjp(independent_of_y(lib), tensors(lib, (X3, Y3)), tensors(lib, X3),
                                                  strict=True),
    "vjp_output_without_grad": lambda lib, F: F.vjp(lambda x: x.detach() * 2, tensors(lib, X3), tensors(lib, X3),
                                                    strict=True),
    "jvp_independent_input": lambda lib, F: F.jvp(independent_of_y(lib), tensors(lib, (X3, Y3)),
                                                  tensors(lib, (X3, Y3)), strict=True),
    "jvp_output_without_grad": lambda lib, F: F.jvp(lambda x: x.detach(), tensors(lib, X3), tensors(lib, X3),
                                                    strict=True),
    "jacobian_independent_input": lambda lib, F: F.jacobian(independent_of_y(lib), tensors(lib, (X3, Y3)),
                                                            strict=True),
    "jacobian_output_without_grad": lambda lib, F: F.jacobian(lambda x: x.detach(), tensors(lib, X3), strict=True),
    "jacobian_create_graph_constant_jacobian": lambda lib, F: F.jacobian(lambda x: x * 2, tensors(lib, X3),
                                                                         strict=True, create_graph=True),
    "hessian_linear_function": lambda lib, F: F.hessian(linear(lib), tensors(lib, X3), strict=True),
    "hessian_independent_input": lambda lib, F: F.hessian(scalar_independent_of_y(lib), tensors(lib, (X3, Y3)),
                                                          strict=True),
    "vhp_linear_function": lambda lib, F: F.vhp(linear(lib), tensors(lib, X3), tensors(lib, X3), strict=True),
    "hvp_linear_function": lambda lib, F: F.hvp(linear(lib), tensors(lib, X3), tensors(lib, X3), strict=True),
    "vhp_independent_input": lambda lib, F: F.vhp(scalar_independent_of_y(lib), tensors(lib, (X3, Y3)),
                                                  tensors(lib, (X3, Y3)), strict=True),
}


@pytest.mark.parametrize("case", list(STRICT_ERRORS))
def test_strict_mode_errors_match_torch(case: str, torch: Any) -> None:
    kind, msg = same_error(torch, STRICT_ERRORS[case])
    assert kind is RuntimeError
    assert "strict mode" in msg


ARGUMENT_ERRORS = {
    "vjp_v_wrong_size": lambda lib, F: F.vjp(elementwise(lib), tensors(lib, X3), tensors(lib, X23)),
    "vjp_v_tuple_wrong_length": lambda lib, F: F.vjp(two_in_two_out(lib), tensors(lib, (X3, Y3)),
                                                     tensors(lib, (X3,))),
    "vjp_v_tuple_entry_wrong_size": lambda lib, F: F.vjp(two_in_two_out(lib), tensors(lib, (X3, Y3)),
                                                         tensors(lib, (X3, X3))),
    "vjp_v_two_for_one_output": lambda lib, F: F.vjp(elementwise(lib), tensors(lib, X3), tensors(lib, (X3, X3))),
    "vjp_v_none_for_vector_output": lambda lib, F: F.vjp(elementwise(lib), tensors(lib, X3)),
    "jvp_v_none_for_vector_input": lambda lib, F: F.jvp(elementwise(lib), tensors(lib, X3)),
    "hvp_v_none_for_vector_input": lambda lib, F: F.hvp(scalar_elementwise(lib), tensors(lib, X3)),
    "vhp_v_none_for_vector_input": lambda lib, F: F.vhp(scalar_elementwise(lib), tensors(lib, X3)),
    "inputs_not_tensors": lambda lib, F: F.jacobian(elementwise(lib), 3.0),
    "inputs_tuple_with_a_list": lambda lib, F: F.vjp(two_in_two_out(lib), (tensors(lib, X3), [1.0]), None),
    "inputs_list_is_not_a_tuple": lambda lib, F: F.jacobian(two_in_two_out(lib), [tensors(lib, X3)]),
    "output_not_a_tensor": lambda lib, F: F.jacobian(lambda x: 3.0, tensors(lib, X3)),
    "hessian_of_non_scalar": lambda lib, F: F.hessian(elementwise(lib), tensors(lib, X3)),
    "hessian_of_tuple_output": lambda lib, F: F.hessian(lambda x: (x.sum(), x.sum()), tensors(lib, X3)),
    "hvp_of_non_scalar": lambda lib, F: F.hvp(elementwise(lib), tensors(lib, X3), tensors(lib, X3)),
    "vhp_of_tuple_output": lambda lib, F: F.vhp(lambda x: (x.sum(),), tensors(lib, X3), tensors(lib, X3)),
    "jacobian_bad_strategy": lambda lib, F: F.jacobian(elementwise(lib), tensors(lib, X3), strategy="sideways"),
}


@pytest.mark.parametrize("case", list(ARGUMENT_ERRORS))
def test_argument_errors_match_torch(case: str, torch: Any) -> None:
    same_error(torch, ARGUMENT_ERRORS[case])


def test_jacobian_shapes_follow_outputs_then_inputs(torch: Any) -> None:
    f = lambda x, y: (x.sum(dim=1), (x * y).exp())  # noqa: E731  outputs (2,), (2, 3); inputs (2, 3), (3,)
    jac = AF.jacobian(f, tensors(bibun, (X23, Y3)))
    shapes = [[tuple(t.shape) for t in row] for row in jac]
    assert shapes == [[(2, 2, 3), (2, 3)], [(2, 3, 2, 3), (2, 3, 3)]]
    want = torch.autograd.functional.jacobian(f, tensors(torch, (X23, Y3)))
    assert_same(jac, want)


def test_inputs_that_require_grad_are_not_modified_and_get_no_grad() -> None:
    x = make_tensor(bibun, X3, "float64", requires_grad=True)
    before = to_numpy(x)
    AF.hessian(scalar_elementwise(bibun), x)
    AF.jvp(elementwise(bibun), x, make_tensor(bibun, Y3, "float64"))
    np.testing.assert_array_equal(to_numpy(x), before)
    assert x.grad is None
