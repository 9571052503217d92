"""Custom autograd Functions (issue 5, "Custom Python functions") against PyTorch.

Each Function is defined once by a factory ``make(lib)`` so the same class body runs on bibun and torch.
"""

from __future__ import annotations

import re
import traceback
from typing import Any

import numpy as np
import pytest

import bibun
from conftest import make_tensor, rng_for, to_numpy

R = rng_for("custom_function")
X = R.randn(4)
Y = R.randn(4)


def leaf(lib: Any, values: Any, requires_grad: bool = True) -> Any:
    return make_tensor(lib, values, "float64", requires_grad)


def torchless(msg: str) -> str:
    return msg.replace("torch.", "bibun.")


def errors_match(torch: Any, run: Any, exc: type = RuntimeError) -> str:
    """run(lib) raises ``exc`` with the same text in both libraries; returns bibun's text."""
    with pytest.raises(exc) as t_err:
        run(torch)
    with pytest.raises(exc) as b_err:
        run(bibun)
    assert str(b_err.value) == torchless(str(t_err.value))
    return str(b_err.value)


def close(got: Any, want: Any) -> None:
    assert got is not None and want is not None
    np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------------------
# The tutorial's Legendre polynomial


def legendre(lib: Any) -> Any:
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


def test_legendre_values_gradients_and_grad_fn_repr(torch: Any) -> None:
    results = {}
    for lib in (torch, bibun):
        P3 = legendre(lib)
        a, b = leaf(lib, 0.3), leaf(lib, -0.2)
        x = leaf(lib, np.linspace(-1, 1, 5), False)
        y = a + b * P3.apply(x * 0.5 + a)
        loss = (y * y).sum()
        loss.backward()
        results[lib.__name__] = (y, a.grad, b.grad, repr(y.grad_fn.next_functions[1][0].next_functions[1][0]))
    by, ba, bb, brepr = results["bibun"]
    ty, ta, tb, trepr = results["torch"]
    close(by, ty)
    close(ba, ta)
    close(bb, tb)
    assert brepr.startswith("<bibun.autograd.function.LegendrePolynomial3Backward object at 0x"), brepr
    assert re.sub(r"0x[0-9a-f]+", "ADDR", brepr) == re.sub(r"0x[0-9a-f]+", "ADDR", torchless(trepr))


def test_grad_fn_is_the_ctx_and_has_name_and_next_functions(torch: Any) -> None:
    for lib in (torch, bibun):
        seen = {}

        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                seen["ctx"] = ctx
                ctx.factor = 3.0  # arbitrary attributes on ctx
                return x * 3

            @staticmethod
            def backward(ctx, g):
                return g * ctx.factor

        x = leaf(lib, X)
        y = Scale.apply(x)
        assert y.grad_fn is seen["ctx"]
        assert y.grad_fn.name() == "ScaleBackward"
        assert type(y.grad_fn).__name__ == "ScaleBackward"
        (nxt, nr), = y.grad_fn.next_functions
        assert nr == 0 and nxt.variable is x
        y.sum().backward()
        close(x.grad, leaf(lib, np.full(4, 3.0), False))


# ---------------------------------------------------------------------------------------------------------------------
# Saved tensors


def test_saved_tensor_modified_in_place_raises_torchs_error(torch: Any) -> None:
    def run(lib: Any) -> None:
        P3 = legendre(lib)
        a = leaf(lib, X)
        x = a * 2
        y = P3.apply(x)
        x.add_(1)
        y.sum().backward()

    msg = errors_match(torch, run)
    assert "modified by an inplace operation" in msg and "bibun.DoubleTensor [4]" in msg


def test_second_backward_without_retain_graph_raises(torch: Any) -> None:
    def run(lib: Any) -> None:
        P3 = legendre(lib)
        y = P3.apply(leaf(lib, X)).sum()
        y.backward()
        y.backward()

    msg = errors_match(torch, run)
    assert msg.startswith("Trying to backward through the graph a second time")


def test_retain_graph_allows_second_backward_and_accumulates(torch: Any) -> None:
    grads = []
    for lib in (torch, bibun):
        x = leaf(lib, X)
        y = legendre(lib).apply(x).sum()
        y.backward(retain_graph=True)
        y.backward()
        grads.append(x.grad)
    close(*grads)


def test_saved_tensors_may_include_none_and_outputs(torch: Any) -> None:
    grads = []
    for lib in (torch, bibun):

        class ExpSaveOut(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                out = x.exp()
                ctx.save_for_backward(None, out)
                return out

            @staticmethod
            def backward(ctx, g):
                none, out = ctx.saved_tensors
                assert none is None
                return g * out

        x = leaf(lib, X)
        ExpSaveOut.apply(x).sum().backward()
        grads.append(x.grad)
    close(*grads)
    close(grads[0], leaf(bibun, np.exp(X), False))


def test_saved_output_modified_in_place_raises(torch: Any) -> None:
    def run(lib: Any) -> None:
        class ExpSaveOut(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                out = x.exp()
                ctx.save_for_backward(out)
                return out

            @staticmethod
            def backward(ctx, g):
                (out,) = ctx.saved_tensors
                return g * out

        y = ExpSaveOut.apply(leaf(lib, X))
        y.mul_(2)
        y.sum().backward()

    msg = errors_match(torch, run)
    assert "is at version 1; expected version 0 instead" in msg


# ---------------------------------------------------------------------------------------------------------------------
# ctx flags


def test_needs_input_grad(torch: Any) -> None:
    seen = {}
    for lib in (torch, bibun):

        class Mix(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, k, c):
                seen[lib.__name__, "fwd"] = ctx.needs_input_grad
                return a * b * k + c

            @staticmethod
            def backward(ctx, g):
                seen[lib.__name__, "bwd"] = ctx.needs_input_grad
                return g * 2, None, None, g

        a, b, c = leaf(lib, X), leaf(lib, Y, False), leaf(lib, Y)
        Mix.apply(a, b, 2.0, c).sum().backward()
    assert seen["bibun", "fwd"] == seen["torch", "fwd"] == (True, False, False, True)
    assert seen["bibun", "bwd"] == seen["torch", "bwd"] == (True, False, False, True)


def test_needs_input_grad_under_no_grad_follows_requires_grad_as_torch(torch: Any) -> None:
    seen = {}
    for lib in (torch, bibun):

        class Mix(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                seen[lib.__name__] = ctx.needs_input_grad
                return a * b

            @staticmethod
            def backward(ctx, g):
                return g, g

        with lib.no_grad():
            out = Mix.apply(leaf(lib, X), leaf(lib, Y, False))
        assert not out.requires_grad
    assert seen["bibun"] == seen["torch"] == (True, False)


def mul2_inplace(lib: Any) -> Any:
    class Mul2_(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return Mul2_


def test_mark_dirty_in_place_function(torch: Any) -> None:
    res = {}
    for lib in (torch, bibun):
        a = leaf(lib, X)
        x = a * 1.5
        v0 = x._version
        y = mul2_inplace(lib).apply(x)
        assert y is x, "the dirty input is returned as the output object"
        assert x._version > v0
        assert x.grad_fn.name() == "Mul2_Backward"
        (y * y).sum().backward()
        res[lib.__name__] = (y, a.grad)
    close(res["bibun"][0], res["torch"][0])
    close(res["bibun"][1], res["torch"][1])


def test_mark_dirty_on_leaf_requiring_grad_raises(torch: Any) -> None:
    errors_match(torch, lambda lib: mul2_inplace(lib).apply(leaf(lib, X)))


def test_mark_non_differentiable(torch: Any) -> None:
    res = {}
    for lib in (torch, bibun):

        class ValueAndSign(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                sign = (x > 0).double()
                ctx.mark_non_differentiable(sign)
                ctx.save_for_backward(sign)
                return x * sign, sign

            @staticmethod
            def backward(ctx, g, g_sign):
                (sign,) = ctx.saved_tensors
                return g * sign

        x = leaf(lib, X)
        out, sign = ValueAndSign.apply(x)
        assert out.requires_grad and not sign.requires_grad and sign.grad_fn is None
        out.sum().backward()
        res[lib.__name__] = x.grad
    close(res["bibun"], res["torch"])


def test_set_materialize_grads_false_gives_none_grads(torch: Any) -> None:
    seen = {}
    for lib in (torch, bibun):
        for materialize in (True, False):

            class Two(lib.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    ctx.set_materialize_grads(materialize)
                    return x * 2, x * 3

                @staticmethod
                def backward(ctx, g1, g2):
                    seen[lib.__name__, materialize] = (g1 is None, g2 is None,
                                                       None if g2 is None else float(g2.abs().sum()))
                    return g1 * 2 if g1 is not None else None

            x = leaf(lib, X)
            a, _ = Two.apply(x)
            a.sum().backward()
    assert seen["bibun", False] == seen["torch", False] == (False, True, None)
    assert seen["bibun", True] == seen["torch", True] == (False, False, 0.0)


# ---------------------------------------------------------------------------------------------------------------------
# Inputs, outputs and returned gradients


def test_non_tensor_inputs_and_outputs(torch: Any) -> None:
    res = {}
    for lib in (torch, bibun):

        class Affine(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, scale, name, shift=0.0):
                ctx.scale = scale
                return x * scale + shift, f"{name}:{scale}", 7

            @staticmethod
            def backward(ctx, g, g_name, g_int):
                return g * ctx.scale, None, None, None

        x = leaf(lib, X)
        out, label, seven = Affine.apply(x, 2.5, "lin", 1.0)
        assert label == "lin:2.5" and seven == 7
        out.sum().backward()
        res[lib.__name__] = (out, x.grad)
    close(res["bibun"][0], res["torch"][0])
    close(res["bibun"][1], res["torch"][1])


def test_several_outputs_and_none_for_inputs_without_grad(torch: Any) -> None:
    res = {}
    for lib in (torch, bibun):

        class SumAndProd(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                return a + b, a * b

            @staticmethod
            def backward(ctx, g_sum, g_prod):
                a, b = ctx.saved_tensors
                ga = g_sum + g_prod * b if ctx.needs_input_grad[0] else None
                gb = g_sum + g_prod * a if ctx.needs_input_grad[1] else None
                return ga, gb

        a, b = leaf(lib, X), leaf(lib, Y, False)
        s, p = SumAndProd.apply(a, b)
        (s * 2 + p * p).sum().backward()
        assert b.grad is None
        res[lib.__name__] = a.grad
    close(res["bibun"], res["torch"])


def test_returning_an_input_unchanged(torch: Any) -> None:
    res = {}
    for lib in (torch, bibun):

        class Identity(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 5

        x = leaf(lib, X)
        y = Identity.apply(x)
        assert y is not x and y.grad_fn.name() == "IdentityBackward"
        y.sum().backward()
        res[lib.__name__] = x.grad
    close(res["bibun"], res["torch"])


def wrong_count(lib: Any, extra: bool) -> Any:
    class WrongCount(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return (g, g, g) if extra else g

    return WrongCount


@pytest.mark.parametrize("extra", [False, True])
def test_wrong_number_of_gradients_error(extra: bool, torch: Any) -> None:
    msg = errors_match(torch, lambda lib: wrong_count(lib, extra).apply(leaf(lib, X), leaf(lib, Y)).sum().backward())
    assert "WrongCountBackward returned an incorrect number of gradients" in msg


def test_extra_trailing_none_gradients_are_allowed(torch: Any) -> None:
    for lib in (torch, bibun):

        class Extra(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2, None, None

        x = leaf(lib, X)
        Extra.apply(x).sum().backward()
        assert np.allclose(to_numpy(x.grad), 2.0)


def test_wrong_gradient_shape_error(torch: Any) -> None:
    def run(lib: Any) -> None:
        class BadShape(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return lib.ones(3, dtype=lib.float64)

        BadShape.apply(leaf(lib, X)).sum().backward()

    msg = errors_match(torch, run)
    assert "returned an invalid gradient at index 0" in msg


def test_gradient_for_non_tensor_input_error(torch: Any) -> None:
    def run(lib: Any) -> None:
        class GradForFloat(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, k):
                return a * k

            @staticmethod
            def backward(ctx, g):
                return g * 2, g

        GradForFloat.apply(leaf(lib, X), 2.0).sum().backward()

    errors_match(torch, run)


def test_exception_in_backward_reaches_caller_with_traceback(torch: Any) -> None:
    for lib in (torch, bibun):

        class Boom(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                raise_from_backward()

        def raise_from_backward() -> None:
            raise KeyError("boom from backward")

        with pytest.raises(KeyError, match="boom from backward") as err:
            Boom.apply(leaf(lib, X)).sum().backward()
        frames = [f.name for f in traceback.extract_tb(err.value.__traceback__)]
        assert "backward" in frames and frames[-1] == "raise_from_backward", frames


def test_exception_in_backward_leaves_the_engine_usable() -> None:
    class Boom(bibun.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("nope")

    x = leaf(bibun, X)
    with pytest.raises(ValueError):
        Boom.apply(x).sum().backward()
    (x * 3).sum().backward()
    assert np.allclose(to_numpy(x.grad), 3.0)


# ---------------------------------------------------------------------------------------------------------------------
# setup_context style and once_differentiable


def test_setup_context_style(torch: Any) -> None:
    res = {}
    for lib in (torch, bibun):

        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(x, k):
                return x ** 3 * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, k = inputs
                ctx.save_for_backward(x)
                ctx.k = k
                ctx.out_shape = tuple(output.shape)

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                assert ctx.out_shape == (4,)
                return g * 3 * x ** 2 * ctx.k, None

        x = leaf(lib, X)
        y = Cube.apply(x, 2.0)
        (gx,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        gx.sum().backward()
        res[lib.__name__] = (y, gx, x.grad, y.grad_fn.name())
    for b, t in zip(res["bibun"][:3], res["torch"][:3]):
        close(b, t)
    assert res["bibun"][3] == res["torch"][3] == "CubeBackward"


def test_custom_function_double_backward_matches_torch(torch: Any) -> None:
    res = {}
    for lib in (torch, bibun):
        x = leaf(lib, X)
        y = legendre(lib).apply(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        res[lib.__name__] = (g, gg)
    close(res["bibun"][0], res["torch"][0])
    close(res["bibun"][1], res["torch"][1])


def once_diff_legendre(lib: Any) -> Any:
    class OnceLegendre(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 1.5 * (5 * x ** 2 - 1)

    return OnceLegendre


def test_once_differentiable_first_derivative(torch: Any) -> None:
    res = {}
    for lib in (torch, bibun):
        x = leaf(lib, X)
        once_diff_legendre(lib).apply(x).sum().backward()
        res[lib.__name__] = x.grad
    close(res["bibun"], res["torch"])


def test_once_differentiable_second_derivative_raises_like_torch(torch: Any) -> None:
    # PyTorch only looks at the incoming gradients: here they need no grad, so the gradient
    # comes back without history and differentiating it again finds no graph.
    def run(lib: Any) -> None:
        x = leaf(lib, X)
        (g,) = lib.autograd.grad(once_diff_legendre(lib).apply(x).sum(), x, create_graph=True)
        g.sum().backward()

    msg = errors_match(torch, run)
    assert msg.startswith("element 0 of tensors does not require grad")


def test_once_differentiable_with_differentiable_incoming_grad_raises_like_torch(torch: Any) -> None:
    def run(lib: Any) -> None:
        x = leaf(lib, X)
        y = once_diff_legendre(lib).apply(x)
        v = leaf(lib, np.ones_like(X))
        (g,) = lib.autograd.grad(y, x, grad_outputs=v, create_graph=True)
        g.sum().backward()

    msg = errors_match(torch, run)
    assert "once_differentiable" in msg


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_legacy_non_static_function_is_rejected(torch: Any) -> None:
    for lib in (torch, bibun):

        class Legacy(lib.autograd.Function):
            def forward(self, x):
                return x

        with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward method"):
            Legacy()(leaf(lib, X))


def test_control_flow_in_forward_builds_a_new_graph_each_call(torch: Any) -> None:
    res = {}
    for lib in (torch, bibun):
        grads = []
        for n in (1, 3):
            x = leaf(lib, X)
            y = x
            for _ in range(n):
                y = legendre(lib).apply(y * 0.5) if n > 1 else y.exp()
            y.sum().backward()
            grads.append(x.grad)
        res[lib.__name__] = grads
    for b, t in zip(res["bibun"], res["torch"]):
        close(b, t)
