"""create_graph=True through in-place ops on views (CopySlices / AsStridedBackward0) matches PyTorch."""

import numpy as np
import pytest

import bibun


def _case_mul_view_by_other_view(lib):
    x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
    b = x * 1
    b[1].mul_(x[0])
    return x, (b * b * b).sum()


def _case_exp_on_view_saves_its_result(lib):
    x = lib.tensor([0.5, 1.5, 2.0], dtype=lib.float64, requires_grad=True)
    y = x * 1
    y[1:].exp_()
    return x, (y * y).sum()


def _case_setitem_of_a_function_of_the_leaf(lib):
    x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    z = lib.zeros(2, 3, dtype=lib.float64)
    z[0] = x * x
    return x, (z * z).sum()


def _case_inplace_mul_by_itself_on_non_leaf(lib):
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    c = x * 1
    c.mul_(x)
    return x, (c * c).sum()


CASES = [
    _case_mul_view_by_other_view,
    _case_exp_on_view_saves_its_result,
    _case_setitem_of_a_function_of_the_leaf,
    _case_inplace_mul_by_itself_on_non_leaf,
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__[6:])
def test_second_derivative_through_inplace_on_view_matches_torch(case):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, bibun):
        x, y = case(lib)
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        assert g.requires_grad
        (h,) = lib.autograd.grad((g * g).sum(), x)
        results.append((np.array(g.detach().tolist()), np.array(h.tolist())))
    (tg, th), (bg, bh) = results
    np.testing.assert_allclose(bg, tg, rtol=1e-12)
    np.testing.assert_allclose(bh, th, rtol=1e-12)


def test_inplace_on_view_passes_gradgradcheck():
    def f(x):
        # rebuild the case's graph from this input
        y = x * 1
        y[1:].mul_(x[:-1])
        return (y * y * y).sum()

    x = bibun.tensor([0.3, 1.2, -0.7, 2.0], dtype=bibun.float64, requires_grad=True)
    assert bibun.autograd.gradgradcheck(f, (x,))
