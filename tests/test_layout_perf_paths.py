"""Layouts that the performance paths produce, against PyTorch: relu keeps its input's layout, and the
weight gradient of linear/mm through ``weight.t()`` comes out laid out like the weight (PyTorch's
mm_mat1/mat2_backward), so AccumulateGrad keeps it; values and strides both match torch."""

import numpy as np
import pytest

import bibun


def _pair(torch, arr, requires_grad=False):
    return (bibun.tensor(arr.tolist(), requires_grad=requires_grad),
            torch.tensor(arr.tolist(), requires_grad=requires_grad))


@pytest.mark.parametrize("view", ["t", "permute", "strided"])
def test_relu_result_layout_matches_torch(torch, view):
    arr = np.random.RandomState(0).standard_normal((4, 6, 2)).astype(np.float32)
    views = {"t": lambda x: x.transpose(0, 2), "permute": lambda x: x.permute(2, 0, 1),
             "strided": lambda x: x[:, ::2]}
    b, t = (views[view](x) for x in _pair(torch, arr))
    rb, rt = bibun.relu(b), torch.relu(t)
    assert rb.stride() == rt.stride()
    np.testing.assert_array_equal(rb.numpy(), rt.numpy())


@pytest.mark.parametrize("how", ["linear", "mm_t", "mm_t_first", "addmm"])
def test_weight_gradient_through_a_transpose_is_laid_out_like_torch(torch, how):
    rng = np.random.RandomState(1)
    x_arr, w_arr, b_arr = rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    calls = {
        "linear": lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
        "mm_t": lambda lib, x, w, b: x.mm(w.t()),
        "mm_t_first": lambda lib, x, w, b: w.t().t().mm(x.t()),
        "addmm": lambda lib, x, w, b: lib.addmm(b, x, w.t()),
    }
    grads, seen = [], []
    for lib in (bibun, torch):
        x = lib.tensor(x_arr.tolist(), requires_grad=True)
        w = lib.tensor(w_arr.tolist(), requires_grad=True)
        b = lib.tensor(b_arr.tolist(), requires_grad=True)
        # the gradient as it reaches AccumulateGrad: laid out like the weight, so it is kept, not copied
        w.register_hook(lambda g: seen.append(g.stride()))
        out = calls[how](lib, x, w, b)
        out.backward(lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)).tolist()))
        grads.append((x.grad, w.grad))
    assert seen[0] == seen[1]
    for g_b, g_t in zip(*grads):
        assert g_b.stride() == g_t.stride()
        np.testing.assert_allclose(g_b.numpy(), g_t.detach().numpy(), rtol=1e-5)  # float32 BLAS summation order
