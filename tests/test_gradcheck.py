"""bibun.autograd.gradcheck / gradgradcheck against torch.autograd's: passes, failures, messages."""

from __future__ import annotations

import importlib
import re
import warnings
from typing import Any

import numpy as np
import pytest

import bibun
from bibun.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from conftest import make_tensor, rng_for

R = rng_for("gradcheck")
A = R.randn(2, 3)
B = R.randn(2, 3)
W = R.randn(3, 4)


def torch_gradcheck_error() -> type:
    """torch's GradcheckError (``torch.autograd.gradcheck`` is the function, the module is shadowed)."""
    return importlib.import_module("torch.autograd.gradcheck").GradcheckError


def leaf(lib: Any, values: Any, requires_grad: bool = True, dtype: str = "float64") -> Any:
    return make_tensor(lib, values, dtype, requires_grad)


CORRECT = {
    "exp_sin": (lambda lib: (lambda a: a.exp() * a.sin()), (A,)),
    "two_inputs_two_outputs": (lambda lib: (lambda a, b: (a * b.exp(), (a / (b * b + 1)).sum())), (A, B)),
    "matmul_tanh": (lambda lib: (lambda a, w: (a @ w).tanh()), (A, W)),
    "sigmoid_pow_mean": (lambda lib: (lambda a: a.sigmoid().pow(3).mean(dim=0)), (A,)),
    "scalar_input": (lambda lib: (lambda a: a.exp() * a), (np.array(0.3),)),
}


@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("case", list(CORRECT))
def test_gradcheck_passes_on_correct_functions(case: str, fast_mode: bool, torch: Any) -> None:
    make, arrays = CORRECT[case]
    assert torch.autograd.gradcheck(make(torch), tuple(leaf(torch, a) for a in arrays), fast_mode=fast_mode)
    assert gradcheck(make(bibun), tuple(leaf(bibun, a) for a in arrays), fast_mode=fast_mode) is True


def test_gradcheck_accepts_a_single_tensor_and_non_tensor_arguments() -> None:
    assert gradcheck(lambda a: a.exp(), leaf(bibun, A)) is True
    assert gradcheck(lambda a, k, b: a * k + b.sin(), (leaf(bibun, A), 2.5, leaf(bibun, B, False))) is True


@pytest.mark.parametrize("case", ["exp_sin", "two_inputs_two_outputs", "matmul_tanh"])
def test_gradgradcheck_passes_on_correct_functions(case: str, torch: Any) -> None:
    make, arrays = CORRECT[case]
    torch.manual_seed(0)
    bibun.manual_seed(0)
    assert torch.autograd.gradgradcheck(make(torch), tuple(leaf(torch, a) for a in arrays))
    assert gradgradcheck(make(bibun), tuple(leaf(bibun, a) for a in arrays)) is True


def test_gradgradcheck_with_given_and_non_contiguous_grad_outputs() -> None:
    f = lambda a: a.exp() * a  # noqa: E731
    go = leaf(bibun, R.randn(2, 3))
    assert gradgradcheck(f, (leaf(bibun, A),), (go,)) is True
    assert gradgradcheck(f, (leaf(bibun, A),), gen_non_contig_grad_outputs=True) is True


def wrong_square(lib: Any) -> Any:
    class WrongSquare(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2 * grad * x

    return WrongSquare


def test_wrong_backward_raises_gradcheck_error_with_torchs_message(torch: Any) -> None:
    x = [1.0, 2.0]
    with pytest.raises(torch_gradcheck_error()) as t_err:
        torch.autograd.gradcheck(wrong_square(torch).apply, (leaf(torch, x),))
    with pytest.raises(GradcheckError) as b_err:
        gradcheck(wrong_square(bibun).apply, (leaf(bibun, x),))
    assert isinstance(b_err.value, RuntimeError)
    assert str(b_err.value) == str(t_err.value).replace("torch.", "bibun.")
    assert str(b_err.value).startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")
    assert "\nanalytical:tensor([[1., 0.],\n        [0., 2.]], dtype=bibun.float64)\n" in str(b_err.value)


def test_gradcheck_error_is_exported_from_the_module() -> None:
    import bibun.autograd.gradcheck as gc

    assert gc.GradcheckError is GradcheckError
    assert issubclass(GradcheckError, RuntimeError)


def test_mismatch_names_the_failing_output_and_input(torch: Any) -> None:
    def make(lib: Any) -> Any:
        sq = wrong_square(lib)
        return lambda a, b: (a.exp(), sq.apply(b) + a)

    args_t = (leaf(torch, [0.5, 1.5]), leaf(torch, [1.0, 3.0]))
    args_b = (leaf(bibun, [0.5, 1.5]), leaf(bibun, [1.0, 3.0]))
    with pytest.raises(torch_gradcheck_error()) as t_err:
        torch.autograd.gradcheck(make(torch), args_t)
    with pytest.raises(GradcheckError) as b_err:
        gradcheck(make(bibun), args_b)
    assert str(b_err.value).startswith("Jacobian mismatch for output 1 with respect to input 1,")
    assert str(b_err.value) == str(t_err.value).replace("torch.", "bibun.")


def test_fast_mode_failure_message_has_torchs_layout(torch: Any) -> None:
    with pytest.raises(GradcheckError) as b_err:
        gradcheck(wrong_square(bibun).apply, (leaf(bibun, [1.0, 2.0]),), fast_mode=True)
    with pytest.raises(torch_gradcheck_error()) as t_err:
        torch.autograd.gradcheck(wrong_square(torch).apply, (leaf(torch, [1.0, 2.0]),), fast_mode=True)
    # The random projection vectors differ between the libraries: compare with the numbers masked out.
    number = re.compile(r"-?\d+\.\d+(e[-+]\d+)?")
    assert number.sub("#", str(b_err.value)) == number.sub("#", str(t_err.value).replace("torch.", "bibun."))


def test_raise_exception_false_returns_false(torch: Any) -> None:
    assert torch.autograd.gradcheck(wrong_square(torch).apply, (leaf(torch, [1.0, 2.0]),),
                                    raise_exception=False) is False
    assert gradcheck(wrong_square(bibun).apply, (leaf(bibun, [1.0, 2.0]),), raise_exception=False) is False
    assert gradcheck(wrong_square(bibun).apply, (leaf(bibun, [1.0, 2.0]),), raise_exception=False,
                     fast_mode=True) is False


def test_gradgradcheck_catches_a_wrong_double_backward() -> None:
    class WrongDouble(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x.exp().detach() * 1.0 + grad * 0 * x  # right first derivative, wrong second

    x = leaf(bibun, [0.1, 0.7])
    assert gradcheck(WrongDouble.apply, (x,)) is True
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradgradcheck(WrongDouble.apply, (x,))
    assert gradgradcheck(WrongDouble.apply, (x,), raise_exception=False) is False


def test_float32_inputs_warn_as_torch(torch: Any) -> None:
    def run(lib: Any, check: Any) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check(lambda a: a * 2, (leaf(lib, [1.0, 2.0], dtype="float32"),), atol=1e-2, rtol=1e-2, eps=1e-3)
        return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]

    got = run(bibun, gradcheck)
    assert got == run(torch, torch.autograd.gradcheck)
    assert got and got[0].startswith("Input #0 requires gradient and is not a double precision floating point")


def test_no_input_requiring_grad_raises_value_error(torch: Any) -> None:
    with pytest.raises(ValueError) as t_err:
        torch.autograd.gradcheck(lambda a: a * 2, (leaf(torch, A, False),))
    with pytest.raises(ValueError) as b_err:
        gradcheck(lambda a: a * 2, (leaf(bibun, A, False),))
    assert str(b_err.value) == str(t_err.value)


def test_stride_zero_input_is_rejected(torch: Any) -> None:
    def run(lib: Any, check: Any) -> str:
        base = leaf(lib, [1.0, 2.0], False)
        x = base.unsqueeze(0).expand(3, 2).detach().requires_grad_(True)
        with pytest.raises(RuntimeError) as err:
            check(lambda a: a * 2, (x,))
        return str(err.value)

    assert run(bibun, gradcheck) == run(torch, torch.autograd.gradcheck)


def test_backward_not_multiplied_by_grad_output_is_detected(torch: Any) -> None:
    def make(lib: Any) -> Any:
        class IgnoresGrad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.sum()

            @staticmethod
            def backward(ctx, grad):
                return lib.ones(2, dtype=lib.float64)  # right only for grad == 1

        return IgnoresGrad

    with pytest.raises(torch_gradcheck_error()) as t_err:
        torch.autograd.gradcheck(make(torch).apply, (leaf(torch, [1.0, 2.0]),))
    with pytest.raises(GradcheckError) as b_err:
        gradcheck(make(bibun).apply, (leaf(bibun, [1.0, 2.0]),))
    assert str(b_err.value) == str(t_err.value) == "backward not multiplied by grad_output"


def test_function_without_differentiable_outputs(torch: Any) -> None:
    # A constant output: numerical Jacobian zero, nothing to compare.
    assert torch.autograd.gradcheck(lambda a: (a * 0 + 1).detach(), (leaf(torch, A),))
    assert gradcheck(lambda a: (a * 0 + 1).detach(), (leaf(bibun, A),)) is True
    # An output that does depend on the input but was detached: the numerical Jacobian must be zero.
    with pytest.raises(torch_gradcheck_error()) as t_err:
        torch.autograd.gradcheck(lambda a: (a * 2).detach(), (leaf(torch, A),))
    with pytest.raises(GradcheckError) as b_err:
        gradcheck(lambda a: (a * 2).detach(), (leaf(bibun, A),))
    assert str(b_err.value) == str(t_err.value) == "Numerical gradient for function expected to be zero"


def test_non_deterministic_backward_is_reported() -> None:
    calls = []

    class Drifting(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad * (2 + 1e-9 * len(calls))

    with pytest.raises(GradcheckError, match="Backward is not reentrant"):
        gradcheck(Drifting.apply, (leaf(bibun, [1.0, 2.0]),), check_undefined_grad=False)
    assert gradcheck(Drifting.apply, (leaf(bibun, [1.0, 2.0]),), nondet_tol=1e-6,
                     check_undefined_grad=False) is True


def test_check_forward_ad_is_not_available() -> None:
    with pytest.raises(NotImplementedError, match="forward-mode AD"):
        gradcheck(lambda a: a.exp(), (leaf(bibun, A),), check_forward_ad=True)
